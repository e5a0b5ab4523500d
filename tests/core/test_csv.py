"""Reading CSV files: format detection, user overrides, every kind of bad input, progress and cancel."""
from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.csv import Cancelled, CsvOptions, preview, read_csv, sniff
from nnstudio.core.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "data"


# ----- detection ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, delimiter", [("tabs.tsv", "\t"), ("pipe.txt", "|"),
                                             ("semicolon_decimal_comma.csv", ";"), ("quoted.csv", ",")])
def test_delimiter_is_detected(name, delimiter):
    fmt = sniff(DATA / name)
    assert fmt.options.delimiter == delimiter
    assert fmt.detected.delimiter == delimiter
    assert read_csv(DATA / name).frame.shape[1] >= 3


def test_semicolon_file_with_decimal_commas_reads_numbers():
    ds = read_csv(DATA / "semicolon_decimal_comma.csv")
    assert ds.csv_options["decimal"] == ","
    assert list(ds.frame.columns) == ["Länge", "Breite", "Art"]
    assert ds.frame["Länge"].tolist()[:3] == [5.1, 4.9, 7.0]
    assert pd.api.types.is_float_dtype(ds.frame["Breite"])


def test_the_user_can_override_what_was_detected():
    # forcing a comma delimiter on the pipe file: one column holding whole lines
    frame, fmt = preview(DATA / "pipe.txt", CsvOptions(delimiter=","))
    assert fmt.options.delimiter == "," and fmt.detected.delimiter == "|"
    assert list(frame.columns) == ["x|y|class"] and frame.iloc[0, 0] == "1|2|a"
    # on the semicolon file, a comma splits rows at their decimal commas: refused, naming the delimiter
    with pytest.raises(DataError, match="has 3 fields, but the header has 1. The delimiter is comma"):
        preview(DATA / "semicolon_decimal_comma.csv", CsvOptions(delimiter=",", decimal="."))
    # forcing "no header" turns the header row into data with generic names
    ds = read_csv(DATA / "pipe.txt", CsvOptions(header=False))
    assert list(ds.frame.columns) == ["column 1", "column 2", "column 3"]
    assert ds.frame.iloc[0].tolist() == ["x", "y", "class"] and len(ds.frame) == 5


def test_header_detection():
    assert sniff(DATA / "no_header.csv").options.header is False
    ds = read_csv(DATA / "no_header.csv")
    assert len(ds.frame) == 5 and ds.frame["column 1"].iloc[0] == 1.5
    assert sniff(DATA / "tabs.tsv").options.header is True


def test_quoted_fields_keep_delimiters_quotes_and_newlines():
    ds = read_csv(DATA / "quoted.csv")
    assert ds.frame["name"].tolist() == ["Smith, John", "Jane", "Lee, Ann"]
    assert ds.frame["comment"].tolist()[:2] == ['said "hi"', "two\nlines"]
    assert ds.frame["score"].tolist() == [1.5, 2.5, 3.5]


@pytest.mark.parametrize("name, encoding, text", [
    ("utf8_bom.csv", "utf-8-sig", "α"), ("latin1.csv", "cp1252", "Zürich"), ("utf16.csv", "utf-16", None)])
def test_encoding_is_detected(name, encoding, text):
    ds = read_csv(DATA / name)
    assert ds.csv_options["encoding"] == encoding
    assert not str(ds.frame.columns[0]).startswith("\ufeff")  # no BOM glued to the first name
    if text:
        assert text in ds.frame.iloc[:, 0].tolist()


def test_non_utf8_text_is_read_and_said_or_refused_with_the_fix():
    ds = read_csv(DATA / "latin1.csv")
    assert ds.frame["city"].tolist() == ["Zürich", "Málaga", "São Paulo", "Köln"]
    assert any("not UTF-8" in w for w in ds.warnings)
    with pytest.raises(DataError) as e:
        read_csv(DATA / "latin1.csv", CsvOptions(encoding="utf-8"))
    msg = str(e.value)
    assert "not valid UTF-8" in msg and "line 2" in msg and "0xFC" in msg
    assert "--encoding cp1252" in msg


def test_non_utf8_byte_after_the_detection_sample_switches_to_cp1252(tmp_path):
    p = tmp_path / "late.csv"
    body = "".join(f"{i},{i % 7},a\n" for i in range(40_000))  # > 256 KB of ASCII
    p.write_bytes(("n,x,label\n" + body + "99,1,caf\xe9\n").encode("cp1252"))
    assert sniff(p).options.encoding == "utf-8"  # the sample alone looks like UTF-8
    ds = read_csv(p, chunk_rows=10_000)
    assert ds.csv_options["encoding"] == "cp1252" and ds.frame["label"].iloc[-1] == "café"
    assert len(ds.frame) == 40_001 and any("not UTF-8" in w for w in ds.warnings)


def test_extra_missing_markers_and_decimal_comma_fix_stray_text():
    ds = read_csv(DATA / "stray_text.csv")
    assert ds.profile("age").kind == "mixed"
    assert {v for _, v in ds.profile("age").stray} == {"12,5", "?"}
    assert ds.profile("age").missing == 1  # "n/a" is a standard missing marker
    fixed = read_csv(DATA / "stray_text.csv", CsvOptions(na_values=["?", "12,5"]))
    assert pd.api.types.is_float_dtype(fixed.frame["age"]) and fixed.frame["age"].isna().sum() == 3


# ----- bad input: each names the problem and the fix --------------------------------------------
@pytest.mark.parametrize("name, words", [
    ("empty.csv", ["empty.csv", "is empty", "Choose a file"]),
    ("blank.csv", ["blank.csv", "empty", "Choose a file"]),
    ("header_only.csv", ["header row (x1, x2, label)", "no rows of data", "Add rows"]),
    ("binary.bin", ["not a text file", "binary data", "Choose a CSV"]),
    ("binary.xlsx", ["binary.xlsx", "cannot be read as an Excel workbook", "save it again"]),
    ("ragged.csv", ["Line 4", "4 fields", "header has 3", "delimiter is comma", "quotes"]),
    ("duplicate_columns.csv", ["'Age' appears twice", "columns 2 and 4", "Rename one"]),
    ("unclosed_quote.csv", ["quote", "line 3", "never closed"]),
])
def test_bad_files_raise_a_data_error_naming_problem_and_fix(name, words):
    with pytest.raises(DataError) as e:
        read_csv(DATA / name)
    for w in words:
        assert w in str(e.value), (w, str(e.value))
    assert "\n" not in str(e.value).strip()  # one line for the CLI


@pytest.mark.parametrize("text, words", [
    ('[{"age": 31, "plan": "basic"}, {"age": 45, "plan": "pro"}]', ["JSON", "not a table"]),
    ('{\n  "rows": [[1, 2], [3, 4]]\n}', ["JSON", "not a table"]),
    ("<!DOCTYPE html>\n<html><body><table><tr><td>1</td></tr></table>", ["web page (HTML)"]),
    ('<?xml version="1.0"?>\n<rows><row a="1"/></rows>', ["XML"]),
])
def test_a_json_html_or_xml_file_is_named_as_such(tmp_path, text, words):
    """A JSON export was read as a CSV whose header was '[{"age":31, plan:basic}…' and 'no rows of
    data': the message named a header the file does not have. These say what the file is."""
    path = tmp_path / "export.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_csv(path)
    for w in words:
        assert w in str(e.value), (w, str(e.value))
    assert "CSV" in e.value.hint  # what to do
    # a CSV whose first column happens to start with a bracket is still a CSV
    (tmp_path / "ok.csv").write_text("[group],value\n[a],1\n[b],2\n", encoding="utf-8")
    assert read_csv(tmp_path / "ok.csv").frame.shape == (2, 2)


def test_missing_file_and_folder(tmp_path):
    (tmp_path / "real.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError) as e:
        read_csv(tmp_path / "rael.csv")
    assert "There is no file" in str(e.value) and "real.csv" in str(e.value)  # names what is there
    with pytest.raises(DataError, match="is a folder"):
        read_csv(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    import nnstudio.core.data.csv_file as csv_file

    p = tmp_path / "secret.csv"
    p.write_text("a,b\n1,2\n")

    def denied(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(csv_file, "open", denied, raising=False)  # as for a file of another user
    with pytest.raises(DataError) as e:
        read_csv(p)
    assert "cannot be read: permission denied" in str(e.value) and "permissions" in str(e.value)


def test_ragged_row_far_into_the_file_is_reported_with_its_line(tmp_path):
    p = tmp_path / "late_ragged.csv"
    p.write_text("a,b\n" + "1,2\n" * 100_000 + "1,2,3\n4,5\n")
    with pytest.raises(DataError, match=r"Line 100002 .* has 3 fields, but the header has 2"):
        read_csv(p, chunk_rows=20_000)


def test_short_rows_become_missing_values_and_are_mentioned(tmp_path):
    p = tmp_path / "short.csv"
    p.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    ds = read_csv(p)
    assert ds.frame["c"].isna().tolist() == [False, True, False]
    assert any("Line 3" in w and "fewer fields" in w for w in ds.warnings)


def test_trailing_delimiter_column_is_dropped(tmp_path):
    p = tmp_path / "trailing.csv"
    p.write_text("a,b,\n1,2,\n3,4,\n")
    ds = read_csv(p)
    assert list(ds.frame.columns) == ["a", "b"]
    assert any("no name and no values" in w for w in ds.warnings)


def test_a_first_row_with_blank_extra_fields_reads_without_pandas_warning(tmp_path):
    """'1,2,3,,' under the header 'a,b,c': the blank fields carry nothing (the sniff refuses a row
    whose extra fields hold values), but pandas printed its ParserWarning ("leads to a loss of
    data") on the user's terminal, as if values had been dropped. (In a process of its own: pytest
    sets the warning filters per test.)"""
    import subprocess
    import sys

    p = tmp_path / "trail.csv"
    p.write_text("a,b,c\n1,2,3,,\n4,5,6\n7,8,9\n")
    code = ("import sys; from nnstudio.core.data.csv import preview, read_csv; "
            "print(preview(sys.argv[1])[0].values.tolist()[:2], read_csv(sys.argv[1]).frame.values.tolist()[:2])")
    done = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[1, 2, 3], [4, 5, 6]] [[1, 2, 3], [4, 5, 6]]"
    assert "Warning" not in done.stderr, done.stderr
    p.write_text("a,b,c\n1,2,3,4,5\n6,7,8\n")  # values there: refused, as before
    with pytest.raises(DataError, match="Line 2 .* has 5 fields, but the header has 3"):
        read_csv(p)


def test_csv_options_are_checked():
    with pytest.raises(DataError, match="one character"):
        CsvOptions(delimiter=";;").check()
    with pytest.raises(DataError, match="Unknown text encoding"):
        CsvOptions(encoding="klingon").check()
    with pytest.raises(DataError, match="same as the delimiter"):
        CsvOptions(delimiter=",", decimal=",").check()
    assert CsvOptions.from_dict(CsvOptions(";", "cp1252", True, ",", ["?"]).to_dict()).na_values == ["?"]


# ----- big files: progress and cancel ------------------------------------------------------------
def _big_csv(path: Path, rows: int) -> None:
    """A CSV of ``rows`` rows (4 columns) written quickly from a repeated block of varied lines."""
    rng = np.random.default_rng(0)
    block = 1000
    lines = [f"{rng.normal():.4f},{rng.normal():.4f},{'abc'[i % 3]},{i % 2}\n" for i in range(block)]
    chunk = "".join(lines)
    with open(path, "w") as fh:
        fh.write("x,y,kind,label\n")
        for _ in range(rows // block):
            fh.write(chunk)


def test_a_million_rows_load_with_progress(tmp_path):
    p = tmp_path / "big.csv"
    _big_csv(p, 1_000_000)
    seen = []
    ds = read_csv(p, progress=lambda f, msg: seen.append((f, msg)), chunk_rows=100_000)
    assert ds.n_rows == 1_000_000
    fractions = [f for f, _ in seen]
    assert len(seen) >= 10 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert 0 < fractions[0] < 0.2
    assert "1,000,000 rows" in seen[-1][1]


def test_reading_can_be_cancelled_between_chunks(tmp_path):
    p = tmp_path / "big.csv"
    _big_csv(p, 200_000)
    calls = []

    def stop():
        return len(calls) >= 3

    with pytest.raises(Cancelled) as e:
        read_csv(p, progress=lambda f, m: calls.append(f), should_stop=stop, chunk_rows=10_000)
    assert len(calls) == 3 and calls[-1] < 0.5  # stopped early, not after reading it all
    assert "cancelled" in str(e.value) and "kept" in str(e.value)


def test_dataset_records_how_it_was_read():
    ds = read_csv(DATA / "semicolon_decimal_comma.csv")
    again = read_csv(DATA / "semicolon_decimal_comma.csv", ds.csv_options)
    pd.testing.assert_frame_equal(ds.frame, again.frame)
    assert ds.source.endswith("semicolon_decimal_comma.csv") and ds.name == "semicolon_decimal_comma.csv"


def test_utf16_without_special_handling_would_look_binary():
    # the UTF-16 BOM is what keeps its NUL bytes from being taken for binary data
    raw = (DATA / "utf16.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE) and b"\x00" in raw
    assert sniff(DATA / "utf16.csv").options.encoding == "utf-16"


def test_a_header_row_repeated_inside_the_data_is_left_out_and_said(tmp_path):
    """Two exports joined one after the other: the second's header line sat among the rows, and
    every column became text ('numbers with stray text': 'RowNumber' (row 201) in each), the
    target too. The repeated header rows are left out, said, and the columns are numbers again."""
    head = "id,score,city,left"
    part = [f"{i},{50 + i % 7}.5,{'AB'[i % 2]},{i % 2}" for i in range(1, 31)]
    path = tmp_path / "joined.csv"
    path.write_text("\n".join([head, *part, head, *part, " id , score,city,left"]) + "\n",
                    encoding="utf-8")
    ds = read_csv(path)
    assert len(ds.frame) == 60
    assert ds.frame["id"].dtype.kind == "i" and ds.frame["score"].dtype.kind == "f"
    assert set(ds.frame["left"]) == {0, 1} and ds.frame["left"].dtype.kind == "i"
    assert ("2 rows repeat the header row (rows 31, 62): files joined one after another? They "
            "were left out.") in ds.warnings
    # a row of data that only shares some values with the header names stays
    named = ["a,b,label"] + [f"{i},{i * 2},{'ab'[i % 2]}" for i in range(20)] + ["1,2,label"]
    path.write_text("\n".join(named) + "\n", encoding="utf-8")
    assert len(read_csv(path).frame) == 21


def test_a_totals_row_at_the_end_is_left_out_and_said(tmp_path):
    """A spreadsheet's export ended with "Total,342,,,…": the ID column became "numbers with
    stray text", training refused ("'Total' (row 892)"), and the fix offered (read 'Total' as
    missing) made 342 a third class of the target. A last row that reads like a totals row is
    left out, with a note."""
    rows = ["id,survived,age,city"] + [f"{i},{i % 2},{20 + i},{'AB'[i % 2]}" for i in range(1, 41)]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(rows + ["Total,20,,", ",,,"]) + "\n", encoding="utf-8")
    ds = read_csv(path)
    assert len(ds.frame) == 40 and ds.frame["id"].dtype.kind in "i"
    assert set(ds.frame["survived"]) == {0, 1} and ds.frame["survived"].dtype.kind == "i"
    assert "1 row with every cell empty (row 42) was left out." in ds.warnings
    note = next(w for w in ds.warnings if "totals row" in w)
    assert note.startswith("Row 41 looks like a totals row, not data ('Total', 20): it was left out")
    # "Average" and "Grand total" too, in any column; a row of data named like a word stays
    path.write_text("\n".join(rows + ["Grand total,,,", "Average,0.5,40.5,"]) + "\n", encoding="utf-8")
    ds = read_csv(path)
    assert len(ds.frame) == 40 and sum("totals row" in w for w in ds.warnings) == 2
    named = ["name,score,genre,year"] + [f"p{i},{i},x,2000" for i in range(30)]
    path.write_text("\n".join(named + ["Total,99,y,2001"]) + "\n", encoding="utf-8")
    ds = read_csv(path)  # a text column: 'Total' is one more name, and 99 a score
    assert len(ds.frame) == 31 and not any("totals" in w for w in ds.warnings)
    path.write_text("\n".join(named + ["Mean Girls,,,"]) + "\n", encoding="utf-8")
    ds = read_csv(path)  # a title that starts like a label, on a row of missing values: data
    assert len(ds.frame) == 31 and not any("totals" in w for w in ds.warnings)
    path.write_text("\n".join(named + ["Totals:,,,"]) + "\n", encoding="utf-8")
    assert len(read_csv(path).frame) == 30  # the label alone on an empty row: a totals row
    # rows are numbered as in the file, whichever comes first; a file of empty rows has no data
    path.write_text("\n".join(rows + [",,,", "Total,20,,"]) + "\n", encoding="utf-8")
    ds = read_csv(path)
    assert ds.warnings[:2] == ["1 row with every cell empty (row 41) was left out.",
                               "Row 42 looks like a totals row, not data ('Total', 20): it was left out."]
    path.write_text("a,b\n,\n,\n", encoding="utf-8")
    with pytest.raises(DataError, match="has a header row \\(a, b\\) but no rows of data"):
        read_csv(path)
    # a delimiter at the end of each line, twice: one note for both empty columns
    path.write_text("\n".join(r + ",," for r in rows) + "\n", encoding="utf-8")
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["id", "survived", "age", "city"]
    assert "Columns 5 and 6 have no name and no values (a delimiter at the end of each line?): " \
           "they were left out." in ds.warnings


def test_a_totals_row_is_known_by_its_sums_under_a_text_column(tmp_path):
    """A French spreadsheet export ended with "Total;"22 639 039,01";59055;;": 'Total' sat in the
    region column, a text column, on a row with numbers, so it was read as data: a fifth region
    whose revenue was every row's together. Its numbers are the sums of the rows above: that
    tells it from a row of data named 'Total' (below, a score of 99 is no sum)."""
    rng = np.random.default_rng(5)
    region = rng.choice(["Bretagne", "Provence", "Alsace"], 40)
    staff = rng.integers(1, 200, 40)
    revenue = rng.gamma(2, 20000, 40).round(2)
    rows = ["region;staff;revenue;profitable"] + [
        f"{r};{s};{v:.2f};{'ja' if v / s > 800 else 'nein'}" for r, s, v in zip(region, staff, revenue)]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(rows + [f"Total;{staff.sum()};{revenue.sum():.2f};"]) + "\n")
    ds = read_csv(path)
    assert len(ds.frame) == 40 and "Total" not in set(ds.frame["region"])
    assert ds.frame["staff"].dtype.kind == "i"
    assert f"Row 41 looks like a totals row, not data ('Total', {staff.sum()}, " \
           f"{revenue.sum():.2f}): it was left out." in ds.warnings
    # an "Average" row of the columns' means, the target filled in too (a regression's export)
    path.write_text("\n".join(rows[:1] + rows[1:] + [
        f"Average;{staff.mean():.1f};{revenue.mean():.2f};nein"]) + "\n")
    ds = read_csv(path)
    assert len(ds.frame) == 40 and any("Row 41 looks like a totals row" in w for w in ds.warnings)
    # numbers that are not the sums or means above: a row of data, kept
    path.write_text("\n".join(rows + ["Total;99;1234.50;ja"]) + "\n")
    ds = read_csv(path)
    assert len(ds.frame) == 41 and not any("totals" in w for w in ds.warnings)


def test_lines_above_the_table_are_left_out_and_said(tmp_path):
    """A report tool's export starts with a title and a blank line, and Excel may write a 'sep=;'
    line first: the app refused such a file ("Line 3 has 3 fields, but the header has 1") and
    named the title as the cause of nothing. Lines of one field above the first line of the
    table's width are left out, with a note; the table, and its line numbers, are as written."""
    body = [f"{50 + i % 7},{160 + i % 11},{'ab'[i % 2]}" for i in range(30)]
    path = tmp_path / "report.csv"
    path.write_text("\n".join(["Weight study 2024", "", "weight,height,risk"] + body) + "\n")
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["weight", "height", "risk"] and len(ds.frame) == 30
    assert ds.frame["weight"].dtype.kind == "i"
    assert "Line 1 ('Weight study 2024') sits above the table and was left out." in ds.warnings
    frame, fmt = preview(path)
    assert list(frame.columns) == ["weight", "height", "risk"] and fmt.skip_lines == 2
    # Excel's delimiter line, a title under it: both left out, and the hint's delimiter used
    path.write_text("\n".join(["sep=;", "Sales;", "a;b;c"] + [r.replace(",", ";") for r in body]))
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["a", "b", "c"] and len(ds.frame) == 30
    assert "Lines 1-2 ('sep=;', 'Sales') sit above the table and were left out." in ds.warnings
    # a short line further down is still a row with missing fields, not a table's start
    path.write_text("\n".join(["weight,height,risk"] + body[:3] + ["55"] + body[3:]) + "\n")
    ds = read_csv(path)
    assert len(ds.frame) == 31 and not any("above the table" in w for w in ds.warnings)
    # a file of one column has no lines above it
    path.write_text("\n".join(["value"] + [str(i) for i in range(30)]) + "\n")
    assert len(read_csv(path).frame) == 30


def test_a_note_below_the_data_is_left_out_and_said(tmp_path):
    """An export ended with a blank line and "Source: clinic records, exported 2024-05-01": the
    note made the weight column "numbers with stray text" and training refused, proposing to read
    'Source: clinic records' as a missing value. A last row that reads like a note (a word and a
    colon, or '*') in a column of numbers, or on a row mostly empty, is left out and said."""
    body = [f"{50 + i % 7},{160 + i % 11},{'ab'[i % 2]}" for i in range(30)]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(["weight,height,risk"] + body + [
        "", "Source: clinic records, exported 2024-05-01", "* heights rounded"]) + "\n")
    ds = read_csv(path)
    assert len(ds.frame) == 30 and ds.frame["weight"].dtype.kind == "i"
    assert "Row 31 looks like a note below the data ('Source: clinic records', 'exported " \
           "2024-05-01'), not data: it was left out." in ds.warnings
    assert any(w.startswith("Row 32 looks like a note below the data ('* heights") for w in ds.warnings)
    # in a text column, on a row of values, such words are data
    names = ["name,score"] + [f"p{i},{i}" for i in range(30)]
    path.write_text("\n".join(names + ["Note: a song,7"]) + "\n")
    ds = read_csv(path)
    assert len(ds.frame) == 31 and not any("note below" in w for w in ds.warnings)
