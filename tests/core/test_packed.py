"""Compressed tables (.csv.gz, .bz2, .xz, a .zip of one table): read as the table inside."""
from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nnstudio.core.data.csv import Cancelled, CsvOptions, preview, read_csv, sniff
from nnstudio.core.data.packed import tables
from nnstudio.core.errors import DataError, ReadingOptionError


@pytest.fixture
def table(tmp_path):
    r = np.random.default_rng(0)
    frame = pd.DataFrame({"age": r.integers(18, 90, 300), "income": r.normal(50, 10, 300).round(3),
                          "plan": r.choice(["basic", "pro"], 300), "left": r.choice(["yes", "no"], 300)})
    frame.to_csv(tmp_path / "customers.csv", index=False)
    return tmp_path / "customers.csv"


@pytest.mark.parametrize("suffix, pack", [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_a_compressed_csv_reads_as_the_csv_inside(table, suffix, pack):
    packed = table.with_name(table.name + suffix)
    packed.write_bytes(pack(table.read_bytes()))
    ds = read_csv(packed)
    pd.testing.assert_frame_equal(ds.frame, read_csv(table).frame)
    assert ds.name == packed.name and ds.source == str(packed.resolve())


def test_a_zip_of_one_table_reads_it_and_of_several_names_them(table, tmp_path):
    one = tmp_path / "download.zip"
    with zipfile.ZipFile(one, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(table, "data/customers.csv")
        z.writestr("__MACOSX/data/._customers.csv", b"\x00\x05\x16\x07")  # a Mac's resource fork
        z.writestr("README.txt", "Customers of 2024.")
        z.writestr("data/", "")
    pd.testing.assert_frame_equal(read_csv(one).frame, read_csv(table).frame)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.write(table, "a.csv")
        z.write(table, "b.csv")
    with pytest.raises(ReadingOptionError) as e:  # the import dialog opens to choose one
        read_csv(two)
    assert "'two.zip' holds 2 tables (a.csv, b.csv)" in str(e.value) and "--member" in e.value.hint
    ds = read_csv(two, CsvOptions(member="b.csv"))
    assert ds.csv_options["member"] == "b.csv" and ds.n_rows == 300
    assert tables(two) == ["a.csv", "b.csv"] and tables(one) == ["data/customers.csv"]
    with pytest.raises(DataError) as e:
        read_csv(two, CsvOptions(member="c.csv"))
    assert "'two.zip' holds no file 'c.csv'. Its tables: a.csv, b.csv." in str(e.value)
    with pytest.raises(DataError, match="not an archive"):
        read_csv(table, CsvOptions(member="a.csv"))
    none = tmp_path / "pictures.zip"
    with zipfile.ZipFile(none, "w") as z:
        z.writestr("cat.png", b"\x89PNG")
    with pytest.raises(DataError) as e:
        read_csv(none)
    assert "'pictures.zip' holds no table" in str(e.value) and "cat.png" in str(e.value)


def test_a_zip_of_a_workbook_reads_its_sheet(tmp_path):
    wb = openpyxl.Workbook()
    for row in (["x", "y"], [1, "a"], [2, "b"]):
        wb.active.append(row)
    wb.save(tmp_path / "book.xlsx")
    with zipfile.ZipFile(tmp_path / "book.zip", "w") as z:
        z.write(tmp_path / "book.xlsx", "book.xlsx")
    ds = read_csv(tmp_path / "book.zip")
    assert ds.frame.to_dict("list") == {"x": [1, 2], "y": ["a", "b"]} and ds.csv_options["sheet"] == "Sheet"


def test_a_damaged_archive_says_so(table, tmp_path):
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(table.read_bytes())[:-40])
    with pytest.raises(DataError) as e:
        read_csv(cut)
    assert "'cut.csv.gz' is damaged" in str(e.value) and "again" in e.value.hint


def test_a_big_archive_is_previewed_from_its_start_and_read_whole_with_progress(tmp_path):
    rows = "".join(f"{i},{i % 7},{'ab'[i % 2]}\n" for i in range(200_000))
    big = tmp_path / "big.csv.gz"
    big.write_bytes(gzip.compress(("x,z,y\n" + rows).encode()))
    fmt = sniff(big)  # the import dialog's look: the start of the file only
    assert fmt.names == ["x", "z", "y"] and not fmt.sample_complete
    frame, _ = preview(big, nrows=50)
    assert len(frame) == 50
    seen = []
    ds = read_csv(big, progress=lambda f, m: seen.append((f, m)))
    assert ds.n_rows == 200_000 and seen[-1][0] == 1.0
    assert any(m.startswith("Unpacked") for _, m in seen)
    other = tmp_path / "big2.csv.gz"
    other.write_bytes(big.read_bytes())
    with pytest.raises(Cancelled):
        read_csv(other, should_stop=lambda: True)


def test_exports_name_a_compressed_file_as_pandas_reads_it(table, tmp_path):
    from nnstudio.core.export import read_call
    from nnstudio.core.export_script import _script_data
    from nnstudio.core.trained import TrainedModel

    assert read_call({"data": {"name": "customers.csv.gz", "read_options": {}}}) == 'pd.read_csv("customers.csv.gz")'
    packed = tmp_path / "customers.csv.gz"
    packed.write_bytes(gzip.compress(table.read_bytes()))
    frame = read_csv(packed).frame
    tm = TrainedModel(net=None, preprocessor=None, data_frame=frame, source_path=str(packed),
                      meta={"data": {"name": packed.name}})
    out = tmp_path / "out"
    out.mkdir()
    assert _script_data(tm, out) == ("customers.csv", [str(out / "customers.csv")])  # not .csv.gz.csv
