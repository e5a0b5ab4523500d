"""Excel workbooks (.xlsx): a sheet is read as its CSV export would be, with the same checks and notes."""
from __future__ import annotations

import datetime as dt
import os
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nnstudio.core.data.csv import Cancelled, CsvOptions, preview, read_csv, read_csv_like, sniff
from nnstudio.core.errors import DataError


def _book(path, sheets: dict[str, list[list]]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


CUSTOMERS = [
    ["Customer export, March 2024"],  # a title above the table
    [],
    ["age", "plan", "joined", "active", "income", "label"],
    [31, "basic", dt.datetime(2023, 1, 5), True, 52000.5, "no"],
    [45, "pro, yearly", dt.datetime(2023, 3, 17), False, "#DIV/0!", "yes"],
    [27, "basic", dt.datetime(2024, 2, 29), True, 38100.0, "no"],
    [52, "pro", dt.datetime(2022, 11, 1), True, 71000.25, "yes"],
    [38, "basic", dt.datetime(2023, 7, 9), False, 44000.0, "no"],
]


@pytest.fixture
def book(tmp_path):
    return _book(tmp_path / "customers.xlsx", {"Data": CUSTOMERS, "Notes": [["Exported by hand"]]})


def test_a_sheet_reads_as_a_table_with_the_csv_readers_notes(book):
    ds = read_csv(book)
    f = ds.frame
    assert ds.name == "customers.xlsx" and ds.source == str(book.resolve())
    assert ds.csv_options["sheet"] == "Data"
    assert list(f.columns[:2]) == ["age", "plan"] and "label" in f.columns
    assert f["age"].tolist() == [31, 45, 27, 52, 38] and pd.api.types.is_integer_dtype(f["age"])
    assert f["plan"].tolist()[1] == "pro, yearly"  # a comma inside a cell stays in it
    assert pd.api.types.is_bool_dtype(f["active"])
    # the spreadsheet's error is a missing value, said so; the other incomes exact
    assert f["income"].isna().tolist() == [False, True, False, False, False]
    assert f["income"].iloc[3] == 71000.25
    assert ds.missing_markers["income"] == {"#DIV/0!": 1}
    # dates get their parts, as in a CSV
    assert f["joined year"].tolist() == [2023, 2023, 2024, 2022, 2023]
    said = " ".join(ds.warnings)
    assert "Customer export, March 2024" in said  # the title above the table was left out
    assert "2 sheets" in said and "'Data'" in said and "'Notes'" in said


def test_the_sheet_option_reads_another_sheet_and_an_unknown_one_is_refused_naming_them(book, tmp_path):
    other = _book(tmp_path / "two.xlsx", {"Empty": [], "Second": [["x", "y"], [1, 2], [3, 4]],
                                           "Third": [["a", "b"], [5, 6]]})
    assert read_csv(other).csv_options["sheet"] == "Second"  # the first sheet with data
    ds = read_csv(other, CsvOptions(sheet="Third"))
    assert ds.frame.to_dict("list") == {"a": [5], "b": [6]}
    with pytest.raises(DataError) as e:
        read_csv(other, CsvOptions(sheet="Fourth"))
    assert "no sheet named 'Fourth'" in str(e.value)
    assert "'Empty', 'Second', 'Third'" in str(e.value)
    with pytest.raises(DataError) as e:
        read_csv(other, CsvOptions(sheet="Empty"))
    assert "Sheet 'Empty'" in str(e.value) and "is empty" in str(e.value) and "'Second'" in e.value.hint


def test_a_workbook_without_data_damaged_or_of_another_kind_says_so(tmp_path):
    with pytest.raises(DataError) as e:
        read_csv(_book(tmp_path / "blank.xlsx", {"Sheet1": []}))
    assert "blank.xlsx" in str(e.value) and "no data" in str(e.value)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("xl/workbook.xml", "<not really")
    with pytest.raises(DataError) as e:
        read_csv(broken)
    assert "cannot be read as an Excel workbook" in str(e.value) and "save it again" in e.value.hint
    ods = tmp_path / "sheet.ods"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<x/>")
    with pytest.raises(DataError) as e:
        read_csv(ods)
    assert "OpenDocument spreadsheet" in str(e.value) and ".xlsx" in e.value.hint


def test_preview_shows_the_first_rows_and_the_format_names_the_workbook(book):
    frame, fmt = preview(book, None, nrows=3)
    assert len(frame) == 3 and frame["age"].tolist() == [31, 45, 27]
    assert fmt.path.name == "customers.xlsx" and fmt.sheet is not None
    assert fmt.sheet.name == "Data" and fmt.sheet.names == ["Data", "Notes"]
    assert fmt.options.sheet == "Data" and "sheet 'Data'" in fmt.options.describe()
    assert "comma" not in fmt.options.describe()  # a sheet has no delimiter


def test_a_changed_workbook_is_read_afresh(book):
    assert read_csv(book).frame["age"].iloc[0] == 31
    rows = [list(r) for r in CUSTOMERS]
    rows[3][0] = 99
    _book(book, {"Data": rows})
    st = book.stat()
    os.utime(book, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))  # same second on some file systems
    assert read_csv(book).frame["age"].iloc[0] == 99
    assert sniff(book).sheet.names == ["Data"]


def test_reading_a_big_sheet_reports_progress_and_stops_when_asked(tmp_path):
    rng = np.random.default_rng(0)
    rows = [["x1", "x2", "y"]] + [[float(a), float(b), int(a > b)] for a, b in rng.random((3000, 2))]
    path = _book(tmp_path / "big.xlsx", {"Rows": rows})
    seen = []
    ds = read_csv(path, progress=lambda f, m: seen.append((f, m)))
    assert ds.n_rows == 3000 and ds.frame["x1"].iloc[7] == rows[8][0]
    assert any("sheet 'Rows'" in m for _, m in seen) and seen[-1][0] == 1.0
    other = _book(tmp_path / "big2.xlsx", {"Rows": rows})
    with pytest.raises(Cancelled):
        read_csv(other, should_stop=lambda: True)


def test_a_new_workbook_is_scored_from_its_own_first_sheet_with_data(book, tmp_path):
    new = _book(tmp_path / "new.xlsx", {"March": [["age", "plan"], [40, "pro"]]})
    ds = read_csv_like(new, read_csv(book).csv_options)
    assert ds.frame.to_dict("list") == {"age": [40], "plan": ["pro"]}


def test_dates_times_and_whole_numbers_are_written_as_a_csv_export_writes_them(tmp_path):
    rows = [["when", "clock", "n", "ratio"],
            [dt.datetime(2024, 2, 3, 14, 30), dt.time(9, 15), 3, 1e-20],
            [dt.datetime(2024, 2, 4, 8, 0), dt.time(17, 45, 30), 4, 0.1]]
    rows += [[dt.datetime(2024, 3, d, 12), dt.time(d % 24, d), d, d / 7] for d in range(1, 29)]
    path = _book(tmp_path / "kinds.xlsx", {"S": rows})
    stored = [c.value for c in openpyxl.load_workbook(path)["S"]["D"][1:]]
    f = read_csv(path, CsvOptions(date_parts=False)).frame
    assert f["when"].tolist()[:2] == ["2024-02-03 14:30:00", "2024-02-04 08:00:00"]
    assert f["n"].tolist()[:2] == [3, 4] and pd.api.types.is_integer_dtype(f["n"])
    assert f["ratio"].tolist() == stored and stored[:2] == [1e-20, 0.1]  # exactly as stored
    assert f["clock"].tolist()[:2] == [9 * 60 + 15, 17 * 60 + 45.5]  # times of day in minutes, as in a CSV


def test_a_sheets_notes_count_rows_and_a_value_right_of_the_table_is_refused_naming_its_column(tmp_path):
    rows = [["Sales 2024"], ["region", "units", "price"], ["north", 3, 9.5], ["south", None, None],
            ["east", 5, 7.0], ["west", 2, 8.25]]
    ds = read_csv(_book(tmp_path / "sales.xlsx", {"S": rows}))
    assert ds.warnings == ["Row 1 ('Sales 2024') sits above the table and was left out."]
    assert ds.frame["units"].isna().tolist() == [False, True, False, False]  # empty cells: missing
    rows[4] = ["east", 5, 7.0, None, "checked"]
    with pytest.raises(DataError) as e:
        read_csv(_book(tmp_path / "stray.xlsx", {"S": rows}))
    assert str(e.value).startswith("Row 5 of sheet 'S' in 'stray.xlsx' has a value in column E, right "
                                   "of the table's last named column (C).")
    assert "delimiter" not in str(e.value)


def test_a_project_on_a_sheet_reads_that_sheet_again_when_opened(book, tmp_path):
    from nnstudio.core import project_file
    from nnstudio.core.project import Project

    other = _book(tmp_path / "q.xlsx", {"Cover": [["Quarterly figures"]],
                                        "Q2": [["u", "label"], *[[i, "ab"[i % 2]] for i in range(20)]],
                                        "Q3": [["v", "label"], [1, "a"], [2, "b"]]})
    project = Project.from_dataset(read_csv(other, CsvOptions(sheet="Q2")))
    saved = project_file.save_project(project, tmp_path / "q.nnstudio")
    again = project_file.load_project(saved).dataset
    assert again.csv_options["sheet"] == "Q2" and again.frame.equals(project.dataset.frame)
    assert again.source == str(other.resolve())


def test_every_row_is_read_whatever_size_the_sheet_says_it_has(tmp_path):
    """Some programs record a sheet's size as "A1" (or leave it out): openpyxl's read-only mode stops
    at the recorded size, and the table was cut to its first row without a word."""
    import re

    good = _book(tmp_path / "good.xlsx", {"S": [["a", "b"], [1, 2], [3, 4], [5, 6]]})
    for ref, name in ((b'<dimension ref="A1"/>', "a1.xlsx"), (b"", "none.xlsx")):
        with zipfile.ZipFile(good) as zin, zipfile.ZipFile(tmp_path / name, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename.startswith("xl/worksheets/"):
                    data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', ref, data)
                    assert n == 1
                zout.writestr(item, data)
        assert read_csv(tmp_path / name).frame.to_dict("list") == {"a": [1, 3, 5], "b": [2, 4, 6]}


def test_formulas_a_program_wrote_without_their_values_are_said_to_read_as_missing(tmp_path):
    rows = [["price", "units", "total", "y"]] + [[p, u, f"=A{i}*B{i}", "ab"[i % 2]]
                                                for i, (p, u) in enumerate([(2, 3), (4, 5), (6, 7)], start=2)]
    ds = read_csv(_book(tmp_path / "made.xlsx", {"S": rows}))  # openpyxl stores no computed values
    assert ds.frame["total"].isna().all()
    said = [w for w in ds.warnings if "formulas" in w]
    assert len(said) == 1 and said[0].startswith("Column C holds formulas that no spreadsheet has "
                                                 "computed (3 cells in the first 1,000 rows, e.g. C2: =A2*B2)")
    assert "save it, and open it again" in said[0]
    plain = read_csv(_book(tmp_path / "plain.xlsx", {"S": [["a", "b"], [1, None], [2, 3]]}))
    assert not any("formulas" in w for w in plain.warnings)  # an empty cell is just missing


def test_columns_of_uncomputed_formulas_are_named_in_the_sheets_order(tmp_path):
    rows = [["a", "b", "c"], [1, "=A2*2", "=A2+1"], ["=SUM(A2:A2)", 5, 6]]
    ds = read_csv(_book(tmp_path / "f.xlsx", {"S": rows}))
    assert any(w.startswith("Columns A, B and C hold formulas") and "(3 cells" in w and "e.g. B2: =A2*2"
               in w for w in ds.warnings), ds.warnings


def test_auto_passes_over_a_hidden_sheet_of_lookups(tmp_path):
    path = _book(tmp_path / "h.xlsx", {"Lookup": [["code", "name"], [1, "one"], [2, "two"]],
                                       "Data": [["x", "y"], [1, "a"], [2, "b"]]})
    wb = openpyxl.load_workbook(path)
    wb["Lookup"].sheet_state = "hidden"
    wb.save(path)
    assert read_csv(path).csv_options["sheet"] == "Data"
    assert read_csv(path, CsvOptions(sheet="Lookup")).frame.columns.tolist() == ["code", "name"]


def test_a_header_cell_with_a_line_break_is_said_as_in_a_csv(tmp_path):
    ds = read_csv(_book(tmp_path / "wrap.xlsx", {"S": [["Note"], ["weight\n(kg)", "y"], [70, "a"], [80, "b"]]}))
    assert list(ds.frame.columns) == ["weight (kg)", "y"]
    assert "Column names with line breaks are read with spaces: 'weight (kg)'." in ds.warnings
    assert "Row 1 ('Note') sits above the table and was left out." in ds.warnings


def test_a_cell_merged_down_rows_is_read_in_every_row_it_spans(tmp_path):
    """A region written once in a cell merged over its stores' rows: the sheet shows it in each
    row, and read as one value and empty cells under it, nine of ten stores had no region."""
    path = tmp_path / "stores.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["region", "store", "sales"])
    for i in range(10):
        ws.append(["North" if i == 0 else ("South" if i == 5 else None), f"s{i}", 100 + i])
    ws.merge_cells("A2:A6")
    ws.merge_cells("A7:A11")
    ws.merge_cells("B13:C13")  # across columns: left as the sheet has it
    wb.save(path)
    ds = read_csv(path)
    assert ds.frame["region"].tolist() == ["North"] * 5 + ["South"] * 5
    said = [w for w in ds.warnings if "merged" in w]
    assert said == ["2 cells merged down several rows (e.g. A2:A6, 'North') were read as their value "
                    "in every row they span, as the sheet shows them."]


def test_rows_a_filter_hides_are_read_and_said(tmp_path):
    path = tmp_path / "filtered.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["x", "y"])
    for i in range(8):
        ws.append([i, "ab"[i % 2]])
    for r in (3, 4, 7):
        ws.row_dimensions[r].hidden = True
    wb.save(path)
    ds = read_csv(path)
    assert ds.n_rows == 8
    assert "3 rows are hidden in the sheet (rows 3, 4, 7; a filter hides rows so): they were read as " \
           "data like the others. To leave them out, delete them in the workbook and save it." in ds.warnings
