"""A column of dates gets its year, month and weekday (and hour) as columns a network can read;
the date itself is left out, saying through which columns it is read (core.data.csv_dates)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.csv import CsvOptions, preview, read_csv, read_csv_like
from nnstudio.core.data.csv_dates import read_date_parts
from nnstudio.core.errors import DataError
from nnstudio.core.project import Project


def sales_file(tmp_path, fmt="%d.%m.%Y", n=120):
    rng = np.random.default_rng(9)
    days = pd.date_range("2023-01-01", periods=n, freq="D")
    sales = rng.poisson(20, n) + 15 * (days.day_of_week >= 5)
    frame = pd.DataFrame({"date": days.strftime(fmt), "promo": rng.integers(0, 2, n), "sales": sales})
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    return path, days


def test_a_date_column_gets_its_year_month_and_weekday(tmp_path):
    path, days = sales_file(tmp_path)
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["date", "date year", "date month", "date weekday", "promo", "sales"]
    assert ds.frame["date month"].tolist() == days.month.tolist()
    assert ds.frame["date weekday"].iloc[:7].tolist() == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    assert ds.frame["date year"].dtype.kind == "i"
    assert ("date holds dates (day first: '01.01.2023' is 1 January 2023): a network cannot read "
            "them, so its 'date year', 'date month' and 'date weekday' were added as columns to "
            "learn from (tick Use; --features from the command line).") in ds.warnings
    # nothing trains differently unless asked: the parts are there to tick, the date is left out
    p = Project.from_dataset(ds, "sales")
    assert p.roles.features == ["promo"]
    assert p.roles.ignored["date weekday"] == ("a part of the dates in 'date', added to learn from: "
                                               "tick Use (--features) to use it")
    assert p.roles.ignored["date year"].startswith("constant: the same value (2023)")  # one year
    assert p.roles.ignored["date"] == ("dates or times: not used as they are; 'date year', 'date "
                                       "month', 'date weekday' were added from them to learn from "
                                       "(tick Use; --features from the command line)")
    p.roles = replace(p.roles, features=["promo", "date month", "date weekday"])
    data = p.prepare()
    assert "date weekday=Sat" in data.preprocessor.output_names
    # a file to predict, read with the training file's choices, has the same columns
    again = read_csv_like(path, ds.csv_options)
    assert list(again.frame.columns) == list(ds.frame.columns)
    # and the switch reads the file as it is
    plain = read_csv(path, CsvOptions(date_parts=False))
    assert list(plain.frame.columns) == ["date", "promo", "sales"] and not plain.date_parts
    assert "open the file with 'Add year, month and weekday of dates' on" in \
        Project.from_dataset(plain, "sales").roles.ignored["date"]
    assert CsvOptions.from_dict(plain.csv_options).date_parts is False
    assert "dates not split into year, month and weekday" in CsvOptions(date_parts=False).describe()
    assert "date weekday" in preview(path)[0].columns
    with pytest.raises(DataError, match="date_parts must be true or false"):
        CsvOptions.from_dict({"date_parts": 1})


@pytest.mark.parametrize("values, order, month", [
    (["2024-02-03", "2023-12-31"], "year first", [2, 12]),
    (["03.02.2024", "01.12.2023"], "day first", [2, 12]),  # dots: day first
    (["02/03/2024", "12/01/2023"], "month first", [2, 12]),  # slashes: month first (US)
    (["02/03/2024", "13/01/2023"], "day first", [3, 1]),  # a first field above 12: day first
    (["3-2-2024", "01-12-2023"], "day first", [2, 12]),
])
def test_day_or_month_first(values, order, month):
    frame, found = read_date_parts(pd.DataFrame({"d": values * 5}))
    assert found["d"]["order"] == order and frame["d month"].tolist()[:2] == month


def test_times_that_vary_add_the_hour_and_a_date_no_calendar_has_is_missing():
    frame, found = read_date_parts(pd.DataFrame({
        "t": ["2024-02-03 14:30", "2024-02-04 09:05", "2024-02-30 10:00", "?", None] * 4}))
    assert found["t"]["parts"] == ["t year", "t month", "t weekday", "t hour"]
    assert frame["t hour"].iloc[:2].tolist() == [14, 9] and frame["t hour"].iloc[2:5].isna().all()
    assert found["t"]["invalid"] == 4  # 30 February, four times
    # text that is no date, and a file's own 'd year', are left as they are
    f = pd.DataFrame({"d": ["2024-01-01", "soon"] * 10, "e": ["2024-01-01"] * 20, "e year": [1] * 20})
    frame, found = read_date_parts(f)
    assert not found and list(frame.columns) == ["d", "e", "e year"]


def test_one_input_is_counted_as_one(tmp_path):
    """The window's title read '1 inputs after encoding' for a table of one feature."""
    path, _ = sales_file(tmp_path)
    data = Project.from_dataset(read_csv(path), "sales").prepare()
    assert data.n_inputs == 1 and data.summary().endswith("test rows; 1 input after encoding")


def test_iso_times_with_a_zone_are_dates_read_as_written():
    """Database and web exports write '2024-02-03T10:00:00Z' or '…+01:00': they were left as text
    that no part was read from. The parts are the time as written (its own zone's clock)."""
    frame, found = read_date_parts(pd.DataFrame({"t": [
        "2024-02-03T10:00:00Z", "2024-02-04T23:30:00.250+01:00", "2024-02-05T08:15-0500",
        "2024-02-06 07:00:00 +02:00"] * 5}))
    assert found["t"]["parts"] == ["t year", "t month", "t weekday", "t hour"]
    assert frame["t hour"].tolist()[:4] == [10, 23, 8, 7]
    assert frame["t weekday"].tolist()[:4] == ["Sat", "Sun", "Mon", "Tue"]
    assert found["t"]["example"] == ("2024-02-03T10:00:00Z", "3 February 2024")


def test_the_column_profile_calls_them_dates_too():
    """The column's kind (and so its role's reason) follows the same pattern as the parts: a zone
    or fractional seconds left the column 'text unique to every row'."""
    from nnstudio.core.data.profile import profile_column

    for tail in ("T10:00:00Z", "T23:30:00+01:00", " 10:00:00.125"):
        s = pd.Series([f"2024-02-{d:02d}{tail}" for d in range(1, 29)])
        assert profile_column(s).kind == "date", tail


@pytest.mark.parametrize("fmt, order", [("%Y-%m", "year and month"), ("%m/%Y", "month and year")])
def test_months_are_dates_with_a_year_and_a_month(tmp_path, fmt, order):
    """Monthly figures ('2023-05'): three years of months were 36 values in 60 rows, dropped as
    'text unique to every row'. They are dates of a year and a month (no weekday)."""
    rng = np.random.default_rng(3)
    months = pd.date_range("2021-01-01", periods=36, freq="MS")
    frame = pd.DataFrame({"month": months.strftime(fmt), "sales": rng.normal(100, 10, 36).round(1),
                          "promo": rng.integers(0, 2, 36)})
    path = tmp_path / "monthly.csv"
    frame.to_csv(path, index=False)
    ds = read_csv(path)
    assert list(ds.frame.columns) == ["month", "month year", "month month", "sales", "promo"]
    assert ds.frame["month month"].tolist() == months.month.tolist()
    assert ds.frame["month year"].tolist() == months.year.tolist()
    example = frame["month"].iloc[0]
    assert (f"month holds dates ({order}: '{example}' is January 2021): a network cannot read them, "
            "so its 'month year' and 'month month' were added") in " ".join(ds.warnings)
    p = Project.from_dataset(ds, "sales")
    assert p.roles.ignored["month"].startswith("dates or times: not used as they are; 'month year', "
                                               "'month month' were added")
