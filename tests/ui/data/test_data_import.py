"""Opening data in the GUI: File > Open data, the import dialog and its live preview, reading in a
worker with progress and Cancel, recent files, drops on the window, and bad files as messages."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def win(window, tmp_path):
    """The window with its data controller writing settings to a scratch file, messages recorded."""
    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window.messages = []
    window.data_io.message.connect(lambda level, text: window.messages.append((level, text)))
    return window


def _open_button(dlg):
    return dlg.buttons.button(QDialogButtonBox.StandardButton.Open)


def _accept_and_wait(win, qtbot, dlg, timeout=15_000):
    with qtbot.waitSignal(win.data_io.loaded, timeout=timeout):
        _open_button(dlg).click()
    qtbot.waitUntil(lambda: not win.data_io.reading, timeout=timeout)


def test_file_open_data_shows_the_import_dialog_and_loads(win, qtbot, monkeypatch):
    path = DATA / "semicolon_decimal_comma.csv"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    win.act_open_data.trigger()
    dlg = win.data_io.dialog
    assert dlg is not None and dlg.isVisible()
    assert dlg.delimiter.itemText(0) == "Auto (semicolon)" and dlg.decimal.itemText(0) == "Auto (decimal comma)"
    assert dlg.model.columnCount() == 3 and dlg.model.rowCount() == 6
    assert dlg.model.data(dlg.model.index(0, 0)) == "5.1"
    assert win.state.project.example == "xor"
    _accept_and_wait(win, qtbot, dlg)
    p = win.state.project
    assert p.dataset.name == "semicolon_decimal_comma.csv" and p.roles.target == "Art"
    assert p.dataset.frame["Länge"].iloc[0] == 5.1
    # XOR's own network and settings (uniform initializer, 100 epochs) do not follow onto new
    # data: the defaults for a new table, and the status bar says so
    assert [(l.kind, l.units, l.initializer) for l in p.spec.hidden] == \
        [("dense", 16, "glorot_uniform"), ("dense", 8, "glorot_uniform")]
    assert p.settings.epochs == 50
    assert any(level == "info" and text.startswith(
        "New data, new start: the network and training settings of the example 'XOR (deep net)' "
        "made way for defaults for semicolon_decimal_comma.csv") for level, text in win.messages)
    assert win.data_io.recent()[0] == str(path.resolve())
    assert win.data_panel.columns_model.rowCount() == 3
    assert win.tabs.currentWidget() is win.data_panel
    assert any(level == "info" and "Opened semicolon_decimal_comma.csv" in text for level, text in win.messages)


def test_the_preview_follows_the_users_choices(win, qtbot):
    assert win.open_path(str(DATA / "semicolon_decimal_comma.csv"))
    dlg = win.data_io.dialog
    assert win.tabs.currentWidget() is win.data_panel
    dlg.set_option("delimiter", ",")
    assert not _open_button(dlg).isEnabled()  # a ragged table cannot be opened
    assert "has 3 fields, but the header has 1" in dlg.problems.text()
    dlg.set_option("delimiter", None)
    assert _open_button(dlg).isEnabled() and dlg.model.columnCount() == 3
    dlg.set_option("decimal", ".")
    # with a decimal point, "5,1" is text: the dialog says so and offers the decimal comma
    assert "holds numbers" not in dlg.problems.text() or "Decimal comma" in dlg.problems.text()
    assert dlg.model.data(dlg.model.index(0, 0)) == "5,1"
    dlg.set_option("header", False)
    assert dlg.model.rowCount() == 7 and dlg.model.headerData(0, Qt.Orientation.Horizontal) == "column 1"
    dlg.reject()


def test_stray_text_is_pointed_out_and_fixed_in_the_dialog(win, qtbot):
    win.open_path(str(DATA / "stray_text.csv"))
    dlg = win.data_io.dialog
    assert "Column 'age' holds numbers, but 2 values are not numbers: '12,5' (row 3), '?' (row 7)." \
        in dlg.problems.text()
    assert dlg.fix_btn.isVisibleTo(dlg) and "'?'" in dlg.fix_btn.text()
    dlg.fix_btn.click()
    assert dlg.missing_values() == ["?"]
    assert "'?'" not in dlg.problems.text() and "'12,5'" in dlg.problems.text()
    _accept_and_wait(win, qtbot, dlg)
    ds = win.state.project.dataset
    assert ds.csv_options["na_values"] == ["?"]
    # '12,5' is still text: the Data tab says what to do instead of training on a wrong column
    panel = win.data_panel
    qtbot.waitUntil(lambda: "'12,5'" in panel.prep_error.text(), timeout=3000)


def test_bad_files_become_messages(win, qtbot):
    before = win.state.project
    for name, words in (("empty.csv", "is empty"), ("binary.xlsx", "Excel"), ("missing.csv", "There is no file")):
        assert not win.open_path(str(DATA / name))  # refused at the first look, no dialog
        assert win.data_io.dialog is None
        level, text = win.messages[-1]
        assert level == "error" and words in text and "Traceback" not in text
    # passes the first look; the dialog's preview says there is nothing to open, before Open
    win.open_path(str(DATA / "header_only.csv"))
    dlg = win.data_io.dialog
    assert "header row but no rows of data" in dlg.problems.text()
    assert "No problems found" not in dlg.problems.text() and not _open_button(dlg).isEnabled()
    dlg.set_option("header", False)  # read as data, its one row can be opened
    assert dlg.model.rowCount() == 1 and _open_button(dlg).isEnabled()
    dlg.reject()
    win.data_io.read(str(DATA / "header_only.csv"))  # the reader refuses it too (no dialog)
    qtbot.waitUntil(lambda: not win.data_io.reading, timeout=10_000)
    qtbot.waitUntil(lambda: win.messages and win.messages[-1][0] == "error", timeout=10_000)
    level, text = win.messages[-1]
    assert level == "error" and "header row (x1, x2, label) but no rows of data" in text
    assert win.state.project is before


def test_a_problem_a_reading_option_fixes_opens_the_dialog_to_fix_it(win, qtbot):
    """A header naming 'Age' twice was refused at the first look with "... or read the file
    without a header row", and no dialog to choose that in: the dialog now opens, says it, and
    Header: no header reads the file."""
    assert win.open_path(str(DATA / "duplicate_columns.csv"))
    dlg = win.data_io.dialog
    assert "'Age' appears twice" in dlg.problems.text() and not _open_button(dlg).isEnabled()
    dlg.set_option("header", False)
    assert _open_button(dlg).isEnabled() and dlg.model.columnCount() == 5
    dlg.reject()


def test_reading_shows_progress_and_can_be_cancelled(win, qtbot, tmp_path, monkeypatch):
    import threading

    import nnstudio.ui.data.controller as dc

    path = tmp_path / "big.csv"
    with open(path, "w") as fh:
        fh.write("x,y,label\n")
        fh.write("".join(f"{i % 97},{i % 13},{i % 2}\n" for i in range(2000)) * 100)  # 200,000 rows
    gate = threading.Event()
    reported = []
    real_read = dc.read_csv

    def held_read(*a, progress=None, **k):
        def report(f, msg):  # on the worker thread: hold after two chunks until Cancel is pressed
            progress(f, msg)
            reported.append(f)
            if len(reported) == 2:
                gate.wait(10)
        return real_read(*a, progress=report, **k)

    monkeypatch.setattr(dc, "read_csv", held_read)
    before = win.state.project
    io = win.data_io
    io.chunk_rows = 2000
    io.read(str(path))
    qtbot.waitUntil(lambda: io.progress is not None and io.progress.value() > 0, timeout=15_000)
    assert "Read " in io.progress.labelText() and " rows" in io.progress.labelText()
    from PySide6.QtWidgets import QPushButton

    io.progress.findChild(QPushButton).click()  # the dialog's Cancel button
    gate.set()
    qtbot.waitUntil(lambda: not io.reading, timeout=15_000)
    assert win.state.project is before
    assert any(level == "info" and "cancelled" in text for level, text in win.messages)
    assert len(reported) == 2  # no chunk was read after Cancel


def test_a_full_read_reports_progress(win, qtbot, tmp_path):
    path = tmp_path / "mid.csv"
    path.write_text("x,y,label\n" + "".join(f"{i % 97},{i % 13},{i % 2}\n" for i in range(2000)) * 20)
    io = win.data_io
    io.chunk_rows = 5000
    seen = []
    with qtbot.waitSignal(io.loaded, timeout=15_000):
        io.read(str(path))
        io.worker.progress.connect(lambda p: seen.append(p))
    qtbot.waitUntil(lambda: not io.reading, timeout=5000)
    assert win.state.project.dataset.n_rows == 40_000
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("Summarising column" in text for _, text in seen)


def test_recent_files_menu(win, qtbot):
    io = win.data_io
    io.add_recent(str(DATA / "tabs.tsv"))
    io.add_recent(str(DATA / "pipe.txt"))
    io.add_recent(str(DATA / "tabs.tsv"))
    assert [Path(p).name for p in io.recent()] == ["tabs.tsv", "pipe.txt"]
    menu = win.recent_data_menu
    menu.aboutToShow.emit()
    texts = [a.text() for a in menu.actions()]
    assert texts[0] == "&1 tabs.tsv" and texts[1] == "&2 pipe.txt" and "Clear the list" in texts
    menu.actions()[1].trigger()
    assert io.dialog is not None and io.dialog.path.name == "pipe.txt"
    io.dialog.reject()
    io.clear_recent()
    menu.aboutToShow.emit()
    assert [a.text() for a in menu.actions()] == ["No recent data files"]
    # a recent file that has gone is dropped from the list when opened
    io.add_recent(str(DATA / "gone.csv"))
    assert not io.open_path(str(DATA / "gone.csv"))
    assert io.recent() == []


def test_dropping_a_file_on_the_window_opens_it_unless_training(win, qtbot):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(DATA / "tabs.tsv"))])
    enter = QDragEnterEvent(QPointF(10, 10).toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    win.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    win.dropEvent(drop)
    dlg = win.data_io.dialog
    assert dlg is not None and dlg.path.name == "tabs.tsv"
    assert dlg.delimiter.itemText(0) == "Auto (tab)"
    dlg.reject()
    text = QMimeData()
    text.setText("not a file")
    enter = QDragEnterEvent(QPointF(10, 10).toPoint(), Qt.DropAction.CopyAction, text,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    win.dragEnterEvent(enter)
    assert not enter.isAccepted()
    # nothing opens while a network trains on the current data
    win.training.run_state = "running"
    try:
        win.dropEvent(drop)
        assert win.data_io.dialog is None
        assert win.messages[-1][0] == "warning" and "Stop training" in win.messages[-1][1]
    finally:
        win.training.run_state = "idle"




def test_reading_a_file_fingerprints_it_on_the_worker(tmp_path, monkeypatch):
    """The file's SHA-256, which every recorded run carries, is computed by the reading worker:
    recording the first run (on the window's thread) finds it cached."""
    import threading

    from nnstudio.core.experiments import record
    from nnstudio.ui.data.controller import load_project

    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(60)))
    monkeypatch.setattr(record, "_DATA_FP_CACHE", {})
    loaded = load_project(path, None, lambda _p: None, threading.Event())
    hashed = []
    monkeypatch.setattr(record, "fingerprint", lambda p: hashed.append(p) or {})
    ident = record.data_identity(loaded.project.dataset)
    assert hashed == [] and ident["fingerprint"]["size"] == path.stat().st_size


def test_na_in_a_text_column_is_said_and_can_be_kept(win, qtbot, tmp_path):
    """A region column of EU, NA (North America), APAC: 'NA' is read as missing, the dialog and the
    Data tab say so and name the switch; unticked, North America is a region again."""
    path = tmp_path / "regions.csv"
    rows = [f"{r},{i % 7},{int(r == 'NA')}" for i, r in enumerate(["EU", "NA", "APAC"] * 20)]
    path.write_text("\n".join(["region,visits,churn"] + rows) + "\n")
    win.open_path(str(path))
    dlg = win.data_io.dialog
    assert dlg.na_text.isChecked() and dlg.na_text.isVisibleTo(dlg)
    assert "20 values in text columns were read as missing: 'NA' in region (20)" \
        in dlg.problems.text()
    _accept_and_wait(win, qtbot, dlg)
    panel = win.data_panel
    assert win.state.project.dataset.frame["region"].isna().sum() == 20
    assert "untick 'Read NA, None… in text columns as missing'" in panel.note.text()
    win.open_path(str(path))
    dlg = win.data_io.dialog
    dlg.na_text.setChecked(False)
    assert "NA" in {dlg.model.data(dlg.model.index(r, 0)) for r in range(dlg.model.rowCount())}
    assert "read as missing" not in dlg.problems.text()
    _accept_and_wait(win, qtbot, dlg)
    ds = win.state.project.dataset
    assert ds.frame["region"].isna().sum() == 0 and ds.csv_options["na_in_text"] is False
    assert "Read NA" not in panel.note.text()


def test_a_lone_zero_is_pointed_at_in_the_preview(win, tmp_path):
    """A blood pressure of 0 among 24 to 122 ('not measured'): the dialog says it and where it is
    read as missing in its column alone ('Also missing' would read every column's 0 so)."""
    from make_far import pima_like  # tests/data (on the path: conftest.py)

    path = tmp_path / "diabetes.csv"
    pima_like().to_csv(path, index=False)
    win.open_path(str(path))
    text = win.data_io.dialog.problems.text()
    assert "0 apart from the other values in these rows: 'Glucose' in " in text
    assert "'BloodPressure' in " in text and "reads 0 as missing in those columns alone" in text
    assert "'Pregnancies'" not in text and "'Outcome'" not in text
    assert not win.data_io.dialog.fix_btn.isVisibleTo(win.data_io.dialog)  # not a global 'Also missing'
    win.data_io.dialog.reject()


def test_ticket_codes_are_not_offered_as_missing_values(win, tmp_path, qtbot):
    """A ticket column ('113803', 'PC 17599'): the dialog says it will be left out, and does not
    offer to read its codes as missing values; opened, the data can be trained on."""
    rows = ["Ticket,Fare,Survived"] + [
        f"{'PC ' if i % 5 == 0 else ''}{100_000 + 37 * i},{7 + i % 50},{i % 2}" for i in range(200)]
    path = tmp_path / "titanic.csv"
    path.write_text("\n".join(rows) + "\n")
    win.open_path(str(path))
    dlg = win.data_io.dialog
    assert "Column 'Ticket' holds codes of numbers and text ('PC 100000', " in dlg.problems.text()
    assert "left out as an identifier" in dlg.problems.text()
    assert not dlg.fix_btn.isVisibleTo(dlg)
    with qtbot.waitSignal(win.data_io.loaded, timeout=15_000):
        _open_button(dlg).click()
    project = win.state.project
    assert "Ticket" in project.roles.ignored and project.roles.features == ["Fare"]
    assert win.state.prepared().n_inputs == 1


def test_an_arff_file_opens_through_the_dialog(win, tmp_path, qtbot):
    """Weka's ARFF: the dialog shows its table, hides the delimiter, encoding, header and decimal
    choices (the file says them), and opens it."""
    path = tmp_path / "weather.arff"
    path.write_text("@relation weather\n@attribute outlook {sunny,rainy}\n@attribute temperature real\n"
                    "@attribute play {yes,no}\n@data\n"
                    + "".join(f"{'sunny' if i % 3 else 'rainy'},{60 + i},{'yes' if i % 2 else 'no'}\n"
                              for i in range(40)))
    win.open_path(str(path))
    dlg = win.data_io.dialog
    assert "a Weka ARFF file, its @attribute names as the columns · 3 columns" in dlg.summary.text()
    assert not dlg.delimiter.isVisibleTo(dlg) and not dlg.header.isVisibleTo(dlg)
    with qtbot.waitSignal(win.data_io.loaded, timeout=15_000):
        _open_button(dlg).click()
    ds = win.state.project.dataset
    assert ds.name == "weather.arff" and list(ds.frame.columns) == ["outlook", "temperature", "play"]
    assert win.state.project.roles.target == "play"
