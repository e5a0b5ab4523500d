"""Held-out rows whose inputs lie beyond every training row's: a score there measures how the
network extrapolates (sales over time, the last rows held out, the day count as an input)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from nnstudio.core.data.checks import check
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.project import Project


def _sales(order: str) -> tuple:
    rng = np.random.default_rng(0)
    day = np.arange(1000)
    temp = (15 + 10 * np.sin(2 * np.pi * day / 365) + rng.normal(0, 2, 1000)).round(1)
    frame = pd.DataFrame({"day": day, "temp": temp, "sales": (200 + 0.3 * day + 4 * temp).round(1)})
    project = Project.from_dataset(Dataset(frame, "sales.csv", source="sales.csv", csv_options={}), "sales")
    project.roles = replace(project.roles, features=["day", "temp"])
    project.split = replace(project.split, order=order)
    data = project.prepare()
    return check(data, project), data


def test_test_rows_beyond_every_training_row_are_said_to_be_extrapolated():
    found, data = _sales("last")
    (note,) = [n for n in found.notes if "beyond" in n]
    assert note.startswith("The test rows' 'day' (800 to 999) lie beyond the training rows' (0 to "
                           "639) in all 200 of them: the network extrapolates there")
    assert "'temp'" not in note  # the seasons come round again: within the training range
    assert found.columns["day"] == "test rows beyond its training range: extrapolated"
    assert "a straight line (the linear model on the Baselines tab)" in note


def test_a_random_split_holds_out_rows_within_the_training_range():
    found, _ = _sales("random")
    assert not [n for n in found.notes if "beyond the training rows'" in n]
    assert "day" not in found.columns or "beyond" not in found.columns["day"]


def test_years_are_written_as_years():
    """'date year' 2,023 read as an amount; a year is written 2023."""
    from nnstudio.core.data.extrapolation import Beyond, beyond_text, outside_text

    assert outside_text([("date year", 2025.0, 2021.0, 2023.0)]).startswith(
        "'date year' 2025 lies beyond the training rows' (2021 to 2023)")
    said = beyond_text("test", [Beyond("date year", 200, 200, (2023.0, 2023.0), (2021.0, 2022.0))])
    assert said.startswith("The test rows' 'date year' (2023) lie beyond the training rows' (2021 to 2022)")
    assert outside_text([("price", 2500.0, 100.0, 1900.0)]).startswith("'price' 2,500 lies")


def test_a_year_column_reads_as_years_on_the_data_tab():
    from nnstudio.core.data.profile import profile_column

    p = profile_column(pd.Series([2021, 2022, 2023, 2021], name="date year"))
    assert p.values_text() == "2021 … 2023, mean 2021.8"
    assert profile_column(pd.Series([1500, 2500], name="price")).values_text() == "1,500 … 2,500, mean 2,000"
    assert profile_column(pd.Series([1500, 2500], name="yearly_income")).values_text().startswith("1,500 …")
    assert profile_column(pd.Series([1990, 2004], name="YearBuilt")).values_text().startswith("1990 … 2004")


def test_a_row_number_the_target_rises_along_is_not_said_to_carry_no_pattern():
    """Sales over 1,000 days, the day count left out as a row number 'that carries no pattern to
    learn': the sales rise along it (a trend). It is still left out (a network extrapolates a
    trend poorly), but the reason says what it carries."""
    from nnstudio.core.data.roles import REASON_ROW_NUMBER, infer_roles

    rng = np.random.default_rng(0)
    day = np.arange(1000)
    trend = pd.DataFrame({"day": day, "promo": rng.integers(0, 2, 1000),
                          "sales": 200 + 0.3 * day + rng.normal(0, 10, 1000)})
    why = infer_roles(trend, "sales").ignored["day"]
    assert why.startswith("a row number: left out, though 'sales' rises along it (rank correlation 0.9")
    assert "hold out the last rows" in why
    flat = trend.assign(sales=rng.normal(0, 1, 1000))
    assert infer_roles(flat, "sales").ignored["day"] == REASON_ROW_NUMBER
