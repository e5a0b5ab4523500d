"""A row of units under the header (instrument and lab exports: 'kg', 'cm', '°C') is read as
such, not as data: it was refused as a stray value in every number column."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.csv import preview, read_csv, read_csv_like
from nnstudio.core.data.roles import Roles
from nnstudio.core.training import streaming_csv as sc


def write(path, units: str, n: int = 40, above: str = "") -> tuple:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"weight": rng.normal(70, 9, n).round(1), "height": rng.normal(170, 8, n).round(),
                          "temp": rng.normal(36.8, 0.3, n).round(2), "risk": rng.choice(["low", "high"], n)})
    body = frame.to_csv(index=False).splitlines()
    path.write_text(above + "\n".join([body[0], units, *body[1:]]) + "\n", encoding="utf-8")
    return path, frame


def test_a_units_row_is_left_out_and_said(tmp_path):
    path, frame = write(tmp_path / "lab.csv", "kg,cm,°C,")
    ds = read_csv(path)
    assert len(ds.frame) == len(frame)
    assert all(pd.api.types.is_numeric_dtype(ds.frame[c]) for c in ("weight", "height", "temp"))
    np.testing.assert_allclose(ds.frame["weight"], frame["weight"])
    assert ("Line 2 under the header holds units, not values, and was left out: weight in kg, "
            "height in cm, temp in °C.") in ds.warnings
    # the preview, a file to predict and a streamed fit read it the same way
    assert len(preview(path)[0]) == len(frame) and pd.api.types.is_numeric_dtype(preview(path)[0]["temp"])
    assert read_csv_like(path, ds.csv_options).frame.equals(ds.frame)
    plan = sc.fit_streaming(path, Roles("risk", ["weight", "height", "temp"], {}),
                            csv_options=ds.csv_options)
    assert sum(plan.rows.values()) == len(frame)


def test_units_in_brackets_under_a_title_line(tmp_path):
    path, frame = write(tmp_path / "lab.csv", "[kg],[cm],[degC],[-]", above="Ward 3 measurements\n")
    ds = read_csv(path)
    assert len(ds.frame) == len(frame) and ds.frame["height"].dtype.kind == "f"
    assert any(w.startswith("Line 3 under the header holds units") and "weight in [kg]" in w
               for w in ds.warnings)


def test_a_first_row_of_values_is_not_units(tmp_path):
    # missing markers are a row of missing values; one odd value in one column stays a stray
    path, frame = write(tmp_path / "marked.csv", "?,?,?,low")
    ds = read_csv(path)
    assert len(ds.frame) == len(frame) + 1 and ds.frame["weight"].isna().sum() == 1
    assert not any("units" in w for w in ds.warnings)
    path, frame = write(tmp_path / "odd.csv", "about 70,171,36.5,low")
    assert not any("units" in w for w in preview(path)[1].notes)


def test_units_of_some_columns_only(tmp_path):
    """A units row often leaves text columns (and trailing ones) empty: not a short row to note."""
    path, frame = write(tmp_path / "lab.csv", "kg,cm")
    ds = read_csv(path)
    assert len(ds.frame) == len(frame) and ds.frame["weight"].dtype.kind == "f"
    assert not any("fewer fields" in w for w in ds.warnings)


def test_a_streamed_fit_reads_units_money_and_times_as_numbers_as_in_memory(tmp_path):
    """Streamed, '$46,552.12', '92 kg', '1:05:32' and '?' were read as pandas reads them: text, so
    income was left out as 'free text' and weight one-hot encoded, where the same file in memory
    trains on numbers. Each chunk's values are now read as the whole file's are, and said."""
    rng = np.random.default_rng(5)
    n = 300
    income, weight = rng.uniform(1000, 90000, n).round(2), rng.integers(50, 110, n)
    frame = pd.DataFrame({"income": [f"${v:,.2f}" for v in income],
                          "weight": [f"{w} kg" for w in weight],
                          "call": [f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
                                   for s in rng.integers(60, 7200, n)],
                          "age": [("?" if i % 37 == 5 else str(a))
                                  for i, a in enumerate(rng.integers(18, 80, n))],
                          "bought": np.where(income > 40000, "yes", "no")})
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    plan = sc.fit_streaming(path, target="bought", chunk_rows=70)
    assert plan.roles.features == ["income", "weight", "call", "age"] and plan.n_inputs == 4
    assert all(c.kind == "numeric" for c in plan.preprocessor.columns)
    assert any(w.startswith("income was read as numbers: '$") for w in plan.notes)
    assert any(w.startswith("weight was read as numbers: ") and "the unit kg" in w for w in plan.notes)
    memory = read_csv(path).frame
    X = np.vstack([x for x, _ in sc.encoded_chunks(plan, "train")])
    assert X.shape[1] == 4 and np.isfinite(X).all()
    # '?' in a number column is missing, counted over the whole file (refused before: "some
    # values are not numbers"), as in memory
    said = "8 '?' values in age were read as missing (a common marker of a missing number)."
    assert said in plan.notes and said in read_csv(path).warnings
    mean = {c.name: c.center for c in plan.preprocessor.columns}
    train = memory.loc[sc.split_of_rows(0, n, plan.split) == 0]
    assert mean["income"] == pytest.approx(train["income"].mean())
    assert mean["weight"] == pytest.approx(train["weight"].mean())
