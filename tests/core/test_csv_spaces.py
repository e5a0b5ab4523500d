"""A file whose fields are separated by runs of spaces (UCI's housing.data, auto-mpg.data: numbers
aligned in columns, no header) is a table of its columns, in the app, a streamed fit, a file to
predict and the model's usage snippet; it was one column whose name was the first line."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data.csv import CsvOptions, preview, read_csv, read_csv_like, sniff
from nnstudio.core.data.roles import Roles


def housing(path, n: int = 60, header: str = ""):
    rng = np.random.default_rng(2)
    values = np.column_stack([rng.random((n, 3)) * 100, rng.integers(0, 2, n), rng.random(n) * 50])
    lines = [" " + " ".join(f"{v:>9.4f}" if j != 3 else f"{int(v):>3d}" for j, v in enumerate(row))
             for row in values]
    path.write_text((header + "\n" if header else "") + "\n".join(lines) + "\n")
    return path, values


def test_a_space_aligned_file_is_read_as_its_columns(tmp_path):
    path, values = housing(tmp_path / "housing.data")
    fmt = sniff(path)
    assert fmt.options.delimiter == " " and not fmt.options.header
    assert fmt.delimiter_reason.startswith("space: 5 fields")
    ds = read_csv(path)
    assert list(ds.frame.columns) == [f"column {i}" for i in range(1, 6)]
    np.testing.assert_allclose(ds.frame.to_numpy(float), values, atol=1e-4)
    assert len(preview(path)[0].columns) == 5
    assert read_csv_like(path, ds.csv_options).frame.equals(ds.frame)  # a file to predict
    assert "space-separated" in CsvOptions.from_dict(ds.csv_options).describe()


def test_a_header_and_text_in_a_space_separated_file(tmp_path):
    path = tmp_path / "plants.txt"
    path.write_text("height  width   species\n1.5     2       a\n3       4.25    b\n5       6       a\n")
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["height", "width", "species"]
    assert ds.frame["width"].tolist() == [2, 4.25, 6] and ds.frame["species"].tolist() == ["a", "b", "a"]


def test_spaces_inside_other_files_do_not_split_them(tmp_path):
    names = tmp_path / "names.csv"
    names.write_text("name\nJohn Smith\nMary Ann Lee\nBob Stone\n")
    assert sniff(names).options.delimiter == "," and list(read_csv(names).frame.columns) == ["name"]
    tsv = tmp_path / "t.tsv"
    tsv.write_text("a\tb\tc\n1\t2\t3\n4\t5\t6\n")
    assert sniff(tsv).options.delimiter == "\t"
    spaced = tmp_path / "spaced.csv"  # a comma after each field and a space
    spaced.write_text("x, y, label\n1, 2, a\n3, 4, b\n5, 6, a\n")
    assert sniff(spaced).options.delimiter == ","
    assert list(read_csv(spaced).frame.columns) == ["x", "y", "label"]


def test_a_streamed_fit_and_the_usage_snippet_read_it_as_the_app(tmp_path, monkeypatch):
    from nnstudio.core.export import usage_snippet
    from nnstudio.core.training import streaming_csv as sc

    path, values = housing(tmp_path / "housing.data", n=80)
    ds = read_csv(path)
    cols = list(ds.frame.columns)
    plan = sc.fit_streaming(path, Roles(cols[-1], cols[:-1], {}), csv_options=ds.csv_options)
    assert sum(plan.rows.values()) == 80
    meta = {"inputs": [{"input": c, "column": c, "dtype": "float32"} for c in cols[:-1]],
            "output": {"meaning": "a number"},
            "data": {"name": "housing.data", "columns": cols, "read_options": dict(ds.csv_options)}}
    code = usage_snippet(meta)
    assert r'sep="\\s+"' in code, code
    scope: dict = {}
    monkeypatch.chdir(tmp_path)
    exec(code.split("outputs = ")[0].replace('model = keras.saving.load_model("model.keras")', ""), scope)
    np.testing.assert_allclose(scope["inputs"]["column 1"], values[:, 0], atol=1e-4)  # written to 4 places


def test_the_command_line_names_the_space_delimiter(tmp_path):
    from types import SimpleNamespace

    from nnstudio.cli.common import csv_options

    args = SimpleNamespace(delimiter="space", encoding=None, header=None, decimal=None, na_values=None)
    assert csv_options(args).delimiter == " "
    path, _ = housing(tmp_path / "housing.data")
    frame = pd.read_csv(path, sep=r"\s+", header=None)
    assert frame.shape == read_csv(path, csv_options(args)).frame.shape


def test_a_project_on_a_data_file_opens_again(tmp_path):
    """UCI's '.data' suffix (housing.data, iris.data) is a table's: a project saved on one opens
    again without asking for the file."""
    from nnstudio.core import project_file as pf
    from nnstudio.core.project import Project

    path, values = housing(tmp_path / "housing.data")
    project = Project.from_dataset(read_csv(path), target="column 5")
    pf.save_project(project, tmp_path / "h.nnstudio")
    again = pf.load_project(tmp_path / "h.nnstudio")
    assert again.dataset.n_rows == len(values) and again.roles.target == "column 5"


def test_uci_files_with_quoted_names_and_doubled_tabs(tmp_path):
    """auto-mpg.data: runs of spaces, '?' for a missing horsepower, a tab and a quoted name with
    spaces last; seeds_dataset.txt: tabs, doubled on some lines (a ragged tab file before)."""
    auto = tmp_path / "auto-mpg.data"
    auto.write_text("".join(f"{18 + i % 9}.0   {4 + 2 * (i % 3)}   307.0      {'?' if i == 7 else '130.0'}"
                            f"      3504.      12.0   70  1\t\"chevrolet chevelle malibu\"\n" for i in range(40)))
    ds = read_csv(auto)
    assert ds.frame.shape == (40, 9) and ds.frame["column 9"].iloc[0] == "chevrolet chevelle malibu"
    assert ds.frame["column 4"].isna().sum() == 1 and pd.api.types.is_numeric_dtype(ds.frame["column 4"])
    seeds = tmp_path / "seeds_dataset.txt"
    seeds.write_text("".join(f"15.26\t14.84{chr(9) * (2 if i % 11 == 3 else 1)}0.871\t5.763\t{i % 3 + 1}\n"
                             for i in range(40)))
    ds = read_csv(seeds)
    assert ds.frame.shape == (40, 5) and ds.frame["column 5"].tolist()[:3] == [1, 2, 3]


def test_a_fixed_width_file_with_blank_cells_is_not_split_at_its_spaces(tmp_path):
    """Runs of spaces would move a blank cell's neighbours into its column: such a file is not
    read as space-separated (its one column says to choose a delimiter)."""
    path = tmp_path / "fixed.txt"
    lines = [f"{i:>6}{'' if i == 5 else 3 * i:>6}{2 * i:>6}" for i in range(1, 30)]
    path.write_text("\n".join(lines) + "\n")
    assert sniff(path).options.delimiter != " "


def test_old_mac_line_ends_with_leading_spaces(tmp_path):
    """Lines ended by a lone \\r: their leading and trailing spaces are no field (as pandas reads them)."""
    path = tmp_path / "mac.txt"
    path.write_bytes(b"a b c\r" + b"".join(b"  %d   %d.5   %d  \r" % (i, i, i % 2) for i in range(30)))
    ds = read_csv(path)
    assert ds.frame.shape == (30, 3) and ds.frame["b"].iloc[3] == 3.5
