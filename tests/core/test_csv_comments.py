"""Comment lines above the table ('# Exported by …, 2024'), as instruments and scripts write them,
are left out and said: with a comma in them, the first was taken for the header and the file was
refused for its next line's width."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data.csv import preview, read_csv


def test_hash_comment_lines_above_the_header_are_left_out(tmp_path):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"a": rng.normal(size=30).round(3), "b": rng.integers(0, 9, 30),
                          "note": rng.choice(["#1 pick", "plain"], 30)})
    path = tmp_path / "export.csv"
    path.write_text("# Exported 2024-01-01, by tool X\n# columns: a, b, note\n\n"
                    + frame.to_csv(index=False), encoding="utf-8")
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["a", "b", "note"] and len(ds.frame) == 30
    assert (ds.frame["note"] == "#1 pick").sum() == (frame["note"] == "#1 pick").sum()  # kept
    assert any(w.startswith("Lines 1-2 ('# Exported 2024-01-01, by tool X', '# columns: a, b, "
                            "note') sit above the table and were left out") for w in ds.warnings)
    assert len(preview(path)[0]) == 30


def test_a_header_that_starts_with_a_hash_is_the_header(tmp_path):
    """'#id,…' is how some tools write their header: with numbers under it, it is the header."""
    path = tmp_path / "hash_header.csv"
    path.write_text("#id,size,kind\n" + "".join(f"{i},{i * 1.5},{'ab'[i % 2]}\n" for i in range(30)),
                    encoding="utf-8")
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["#id", "size", "kind"] and len(ds.frame) == 30
    assert not any("above the table" in w for w in ds.warnings)


def test_line_breaks_in_header_names_are_spaces(tmp_path):
    """A spreadsheet's wrapped header ('Revenue' and '(EUR)' on two lines of one cell) gave a
    column name with a line break: printed on two lines and impossible to type for --features."""
    path = tmp_path / "wrapped.csv"
    path.write_text('"Revenue\n(EUR)","Staff\r\n count",label\n'
                    + "".join(f"{1000 + i}.5,{i % 7},{'ab'[i % 2]}\n" for i in range(30)),
                    encoding="utf-8")
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["Revenue (EUR)", "Staff count", "label"]
    assert ds.frame["Revenue (EUR)"].dtype.kind == "f"
    assert any("line breaks" in w and "'Revenue (EUR)'" in w for w in ds.warnings)
