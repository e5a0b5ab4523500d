"""Opening an Excel workbook in the GUI: the import dialog offers its sheets (and no delimiter), the
preview follows the sheet chosen, Open reads that sheet, and the Data tab switches sheets; an
archive's dialog names the file inside."""
from __future__ import annotations

import openpyxl
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from nnstudio.core.data.csv import CsvOptions


@pytest.fixture
def book(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active.append(["Quarterly figures"])
    ws = wb.create_sheet("Q1")
    ws.append(["x", "y", "label"])
    for i in range(40):
        ws.append([i, (i * 7) % 11, "a" if i % 3 else "b"])
    ws = wb.create_sheet("Q2")
    ws.append(["u", "v", "w", "label"])
    for i in range(30):
        ws.append([i / 2, i % 5, -i, "c" if i % 2 else "d"])
    wb.save(tmp_path / "figures.xlsx")
    return tmp_path / "figures.xlsx"


def _open_and_wait(window, qtbot, dlg):
    """Press Open and wait for the table: the project's dataset."""
    with qtbot.waitSignal(window.data_io.loaded, timeout=15_000):
        dlg.buttons.button(QDialogButtonBox.StandardButton.Open).click()
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=15_000)
    return window.state.project.dataset


def test_the_dialog_offers_the_sheets_and_open_reads_the_one_chosen(window, qtbot, tmp_path, book):
    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert window.open_path(str(book))
    dlg = window.data_io.dialog
    form = dlg.form
    assert [dlg.sheet.itemText(i) for i in range(dlg.sheet.count())] == \
        ["Auto (Q1)", "Cover", "Q1", "Q2"]  # a title alone is no table
    assert form.isRowVisible(dlg.sheet) and not form.isRowVisible(dlg.delimiter)
    assert not form.isRowVisible(dlg.encoding) and not form.isRowVisible(dlg.decimal)
    assert "sheet 'Q1'" in dlg.summary.text() and "comma" not in dlg.summary.text()
    assert "3 sheets" in dlg.problems.text()
    dlg.set_option("sheet", "Q2")
    assert list(dlg.model.frame.columns) == ["u", "v", "w", "label"]
    assert "sheet 'Q2'" in dlg.summary.text()
    assert dlg.options().sheet == "Q2"
    ds = _open_and_wait(window, qtbot, dlg)
    assert ds.name == "figures.xlsx" and ds.n_rows == 30 and ds.csv_options["sheet"] == "Q2"
    assert "<b>figures.xlsx</b>, sheet 'Q2' · 30 rows × 4 columns" in window.data_panel.title.text()


def test_a_text_file_has_no_sheet_row(window, tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,4\n")
    assert window.open_path(str(tmp_path / "t.csv"))
    dlg = window.data_io.dialog
    form = dlg.form
    assert not form.isRowVisible(dlg.sheet) and form.isRowVisible(dlg.delimiter)
    assert dlg.options().sheet is None
    dlg.reject()


def test_the_data_tab_switches_to_another_sheet_of_the_workbook(window, qtbot, tmp_path, book):
    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    panel = window.data_panel
    assert not panel.sheet_combo.isVisibleTo(panel)  # the example: no workbook
    with qtbot.waitSignal(window.data_io.loaded, timeout=15_000):
        window.data_io.read(str(book), CsvOptions(na_values=["-"]))
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=15_000)
    assert panel.sheet_combo.isVisibleTo(panel)
    assert [panel.sheet_combo.itemText(i) for i in range(panel.sheet_combo.count())] == ["Cover", "Q1", "Q2"]
    assert panel.sheet_combo.currentText() == "Q1"
    with qtbot.waitSignal(window.data_io.loaded, timeout=15_000):
        panel.sheet_combo.setCurrentIndex(2)
        panel.sheet_combo.activated.emit(2)  # what a user's choice sends
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=15_000)
    ds = window.state.project.dataset
    assert ds.csv_options["sheet"] == "Q2" and list(ds.frame.columns) == ["u", "v", "w", "label"]
    assert ds.csv_options["na_values"] == ["-"]  # the user's reading choices kept
    assert panel.sheet_combo.currentText() == "Q2"


def test_the_dialog_names_the_file_inside_an_archive(window, tmp_path):
    import zipfile

    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,4\n")
    with zipfile.ZipFile(tmp_path / "download.zip", "w") as z:
        z.write(tmp_path / "t.csv", "data/t.csv")
    assert window.open_path(str(tmp_path / "download.zip"))
    dlg = window.data_io.dialog
    assert dlg.file_label.text() == "<b>download.zip</b> — t.csv inside"
    assert list(dlg.model.frame.columns) == ["a", "b"]
    dlg.reject()


def test_an_archive_of_several_tables_opens_the_dialog_to_choose_one(window, qtbot, tmp_path):
    import zipfile

    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    (tmp_path / "train.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'pq'[i % 2]}\n" for i in range(30)))
    (tmp_path / "test.csv").write_text("a,b\n1,2\n")
    with zipfile.ZipFile(tmp_path / "kaggle.zip", "w") as z:
        z.write(tmp_path / "train.csv", "train.csv")
        z.write(tmp_path / "test.csv", "test.csv")
    assert window.open_path(str(tmp_path / "kaggle.zip"))  # refused as it is: the dialog says why
    dlg = window.data_io.dialog
    assert dlg.form.isRowVisible(dlg.member)
    assert "holds 2 tables (train.csv, test.csv)" in dlg.problems.text()
    assert not dlg.buttons.button(QDialogButtonBox.StandardButton.Open).isEnabled()
    dlg.set_option("member", "train.csv")
    assert list(dlg.model.frame.columns) == ["a", "b", "y"] and "train.csv inside" in dlg.file_label.text()
    ds = _open_and_wait(window, qtbot, dlg)
    assert ds.name == "kaggle.zip" and ds.n_rows == 30 and ds.csv_options["member"] == "train.csv"
    assert "<b>kaggle.zip</b>, train.csv · 30 rows" in window.data_panel.title.text()


def test_a_zipped_workbook_shows_its_sheets_not_a_delimiter(window, tmp_path, book):
    import zipfile

    with zipfile.ZipFile(tmp_path / "figures.zip", "w") as z:
        z.write(book, "figures.xlsx")
    assert window.open_path(str(tmp_path / "figures.zip"))
    dlg = window.data_io.dialog
    assert dlg.form.isRowVisible(dlg.sheet) and not dlg.form.isRowVisible(dlg.delimiter)
    assert [dlg.sheet.itemText(i) for i in range(dlg.sheet.count())] == ["Auto (Q1)", "Cover", "Q1", "Q2"]
    dlg.set_option("sheet", "Q2")
    assert dlg.options().sheet == "Q2" and list(dlg.model.frame.columns) == ["u", "v", "w", "label"]
    dlg.reject()


def test_the_data_tab_switches_to_another_table_of_the_archive(window, qtbot, tmp_path):
    import zipfile

    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    panel = window.data_panel
    (tmp_path / "train.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'pq'[i % 2]}\n" for i in range(30)))
    (tmp_path / "valid.csv").write_text("a,b,y\n" + "".join(f"{i},-,{'pq'[i % 2]}\n" for i in range(12)))
    with zipfile.ZipFile(tmp_path / "split.zip", "w") as z:
        z.write(tmp_path / "train.csv", "train.csv")
        z.write(tmp_path / "valid.csv", "valid.csv")
    with qtbot.waitSignal(window.data_io.loaded, timeout=15_000):
        window.data_io.read(str(tmp_path / "split.zip"), CsvOptions(member="train.csv", na_values=["-"]))
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=15_000)
    assert panel.sheet_combo.isVisibleTo(panel) and panel.sheet_label.text() == "Table:"
    assert [panel.sheet_combo.itemText(i) for i in range(panel.sheet_combo.count())] == ["train.csv", "valid.csv"]
    assert panel.sheet_combo.currentText() == "train.csv"
    with qtbot.waitSignal(window.data_io.loaded, timeout=15_000):
        panel.sheet_combo.setCurrentIndex(1)
        panel.sheet_combo.activated.emit(1)
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=15_000)
    ds = window.state.project.dataset
    assert ds.csv_options["member"] == "valid.csv" and ds.n_rows == 12
    assert ds.frame["b"].isna().all()  # the user's '-' still read as missing
    assert "<b>split.zip</b>, valid.csv · 12 rows" in panel.title.text()
    assert panel.sheet_combo.currentText() == "valid.csv"
    with qtbot.waitSignal(window.data_io.loaded, timeout=15_000):  # a workbook again: its sheets
        window.data_io.read(str(tmp_path / "train.csv"))
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=15_000)
    assert not panel.sheet_combo.isVisibleTo(panel)
