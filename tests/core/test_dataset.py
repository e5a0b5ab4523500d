"""Dataset: what the Data tab asks of a table for each column on every change, read once."""
from __future__ import annotations

import pandas as pd

from nnstudio.core.data import Dataset


def test_is_numeric_follows_the_columns_types():
    frame = pd.DataFrame({"n": [1, 2], "x": [0.5, 1.5], "nullable": pd.array([1, None], dtype="Int64"),
                          "flag": [True, False], "text": ["a", "b"], 7: ["c", "d"]})
    ds = Dataset(frame, "t")
    assert [c for c in ds.columns if ds.is_numeric(c)] == ["n", "x", "nullable"]
    assert ds.columns == ["n", "x", "nullable", "flag", "text", "7"]


def test_the_column_list_handed_out_is_the_callers_to_change():
    ds = Dataset(pd.DataFrame({"a": ["1", "2"], "b": [1, 2]}), "t")
    listed = ds.columns
    listed.append("c")
    assert ds.columns == ["a", "b"]
