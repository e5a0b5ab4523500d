"""Holding out the last rows (in file order), for data in time order: a random split trains on
later rows to predict earlier ones, which flatters a forecast; and the note that says so."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import SplitConfig
from nnstudio.core.data.checks import notes
from nnstudio.core.data.csv import read_csv
from nnstudio.core.errors import DataError
from nnstudio.core.project import Project


def daily(tmp_path, n: int = 300, shuffled: bool = False):
    rng = np.random.default_rng(1)
    days = pd.date_range("2022-01-01", periods=n, freq="D")
    frame = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "promo": rng.integers(0, 2, n),
                          "sales": (100 + 0.2 * np.arange(n) + rng.normal(0, 5, n)).round(1)})
    if shuffled:
        frame = frame.sample(frac=1.0, random_state=0)
    path = tmp_path / "daily.csv"
    frame.to_csv(path, index=False)
    return path


def test_the_last_rows_are_held_out(tmp_path):
    project = Project.from_dataset(read_csv(daily(tmp_path)), "sales")
    project.split = replace(project.split, order="last", test=0.2, val=0.25)
    data = project.prepare()
    assert len(data.X_test) == 60 and len(data.X_val) == 60 and len(data.X_train) == 180
    assert data.raw_test["date"].tolist() == pd.read_csv(daily(tmp_path))["date"].tolist()[-60:]
    assert data.raw_val["date"].iloc[-1] < data.raw_test["date"].iloc[0]
    assert data.raw_train["date"].is_monotonic_increasing
    with pytest.raises(DataError, match="order"):
        SplitConfig(order="newest").check()
    assert SplitConfig.from_dict({"test": 0.2, "val": 0.2, "seed": 1, "stratify": True}).order == "random"


def test_rows_in_date_order_split_at_random_are_named(tmp_path):
    project = Project.from_dataset(read_csv(daily(tmp_path)), "sales")
    said = " ".join(notes(project.prepare(), project))
    assert ("The rows are in the order of their dates ('date'): a random split trains on later "
            "rows to predict earlier ones") in said
    assert "hold out the last rows" in said
    project.split = replace(project.split, order="last")
    assert "in the order of their dates" not in " ".join(notes(project.prepare(), project))
    shuffled = Project.from_dataset(read_csv(daily(tmp_path, shuffled=True)), "sales")
    assert "in the order of their dates" not in " ".join(notes(shuffled.prepare(), shuffled))


def test_the_cli_holds_out_the_last_rows(tmp_path, capsys, tf_loaded):
    from nnstudio.cli import main

    path = daily(tmp_path)
    assert main(["train", str(path), "--target", "sales", "--split-order", "last", "--epochs", "1",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rows"]["test"] == 60
    assert main(["train", str(path), "--target", "sales", "--split-order", "last", "--stream",
                 "--epochs", "1"]) == 2
    assert "not done when streaming" in capsys.readouterr().err


def test_the_generated_script_holds_out_the_same_rows(tmp_path):
    from script_split import script_split  # tests/data (on the path: conftest.py)

    project = Project.from_dataset(read_csv(daily(tmp_path)), "sales")
    project.split = replace(project.split, order="last")
    data = project.prepare()
    scope = script_split(project, data, daily(tmp_path))
    assert scope["test"]["date"].tolist() == data.raw_test["date"].tolist()


def test_a_year_column_in_order_is_named_too():
    """Yearly figures sorted by a 'year' column (numbers, no dates to read) split at random."""
    from nnstudio.core.data.dataset import Dataset

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"Year": np.repeat(np.arange(1990, 2020), 3), "rate": rng.normal(size=90),
                          "gdp": rng.normal(size=90)})
    project = Project.from_dataset(Dataset(frame, "yearly.csv", source="yearly.csv", csv_options={}),
                                   "gdp")
    assert "The rows are in the order of their years ('Year')" in " ".join(notes(project.prepare(), project))
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    other = Project.from_dataset(Dataset(shuffled, "yearly.csv", source="yearly.csv", csv_options={}), "gdp")
    assert "in the order of their" not in " ".join(notes(other.prepare(), other))


def _new_class(tmp_path):
    """Two classes all along; a third ('c') only in the last fifth of the file."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1000, 2))
    y = np.where(x[:, 0] > 0, "a", "b").astype(object)
    y[800:][x[800:, 1] > 0.5] = "c"
    path = tmp_path / "newclass.csv"
    pd.DataFrame({"x1": x[:, 0].round(3), "x2": x[:, 1].round(3), "label": y}).to_csv(path, index=False)
    return Project.from_dataset(read_csv(path), "label")


def test_a_class_the_training_rows_never_hold_is_said(tmp_path):
    """The last rows held out, a class that appears only there: the network cannot learn it, so
    each of its 62 test rows is counted wrong (test accuracy 0.645, 'better than guessing'), and
    nothing said why: a class of 69 rows is not rare."""
    project = _new_class(tmp_path)
    project.split = replace(project.split, order="last")
    said = " ".join(notes(project.prepare(), project))
    assert ("A class of 'label' has no training rows: 'c' (69 test rows), so the network cannot "
            "learn it and answers each of its rows with another class") in said
    assert "the last rows held out" in said
    project.split = replace(project.split, order="random")  # stratified: every class trains
    assert "has no training rows" not in " ".join(notes(project.prepare(), project))


def test_a_row_number_the_target_trends_along_under_a_random_split_is_a_time_order(tmp_path):
    """Sales over 1,000 days with no date column, only a day count the sales rise along: a random
    split trains on later days to predict earlier ones, and nothing said so (the note looked for
    dates and years only)."""
    rng = np.random.default_rng(0)
    day = np.arange(1000)
    frame = pd.DataFrame({"day": day, "promo": rng.integers(0, 2, 1000),
                          "sales": (200 + 0.3 * day + rng.normal(0, 10, 1000)).round(1)})
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    project = Project.from_dataset(read_csv(path), "sales")
    said = " ".join(notes(project.prepare(), project))
    assert ("The rows are in the order of 'day', which 'sales' rises along: a random split trains "
            "on later rows to predict earlier ones") in said
    project.split = replace(project.split, order="last")
    assert "in the order of" not in " ".join(notes(project.prepare(), project))
