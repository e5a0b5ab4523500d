"""Dates in a CSV file read as numbers a network can use: each date column gets its year, month
and weekday as columns of their own ("order date year", "order date month", "order date
weekday"), and its hour when the times vary. The date itself stays, left out as dates.

A network cannot read "03.02.2024": a date column was left out, with "derive numbers such as the
year or weekday first", and nowhere to derive them. Reading them here, like '$1,234' is read as a
number, gives every path the same columns: training, the rows of a file to predict (read with the
training file's choices), the exported raw-column model (it takes the parts as inputs) and the
generated script (it reads a copy of the table as the app read it).

Day or month first: a first field above 12 says day first, a second above 12 month first;
otherwise "31.12." style dots and dashes are read day first and slashes month first (US), and
the note says which.
"""
from __future__ import annotations

import pandas as pd

from nnstudio.core.data.csv_missing import is_marker
from nnstudio.core.data.profile import SECONDS_AND_ZONE, is_text_dtype, looks_like_dates
from nnstudio.core.numbers import and_list

_YEAR_FIRST = r"^\s*(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})[-/.](?P<day>\d{1,2})"
_YEAR_LAST = r"^\s*(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})[-/.](?P<year>\d{4})"
# a time of day as written, on its own zone's clock (the zone is not read)
_TIME = r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})" + SECONDS_AND_ZONE + r")?\s*$"
_MONTH = {"year and month": r"^\s*(?P<year>\d{4})[-/.](?P<month>\d{1,2})\s*$",
          "month and year": r"^\s*(?P<month>\d{1,2})[-/.](?P<year>\d{4})\s*$"}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: share of a column's first values that must look like dates (as the column profile judges)
DATE_SHARE = 0.9


def part_names(column: str, hours: bool = False, days: bool = True) -> list[str]:
    """The columns a date column's parts are read into (``days``: dates of a day, not months)."""
    parts = ("year", "month", *(["weekday"] if days else []), *(["hour"] if hours else []))
    return [f"{column} {part}" for part in parts]


def date_column_of(name: str, frame: pd.DataFrame | None) -> str | None:
    """The date column of ``frame`` whose part the column ``name`` is (:func:`part_names`), if any
    ('model year' of a car file, beside no column of dates, is no such part)."""
    if frame is None:
        return None
    for part in ("year", "month", "weekday", "hour"):
        base = name[: -len(part) - 1]
        if name.endswith(" " + part) and base in frame.columns and is_text_dtype(frame[base]):
            first = frame[base].dropna().astype(str).head(20)
            if len(first) and looks_like_dates(first).mean() >= DATE_SHARE:
                return base
    return None


def _parse(text: pd.Series) -> tuple[pd.Series, str] | None:
    """The dates of ``text`` (NaT where a value is no date) and how they were read, or None when
    a value is not written as a date at all. Months alone ('2023-05') are their first day, read
    "year and month" or "month and year"."""
    for order, pattern in _MONTH.items():
        months = text.str.extract(pattern)
        if months["year"].notna().all():
            fields = {k: pd.to_numeric(months[k]) for k in ("year", "month")}
            return pd.to_datetime(pd.DataFrame({**fields, "day": 1}), errors="coerce"), order
    first = text.str.extract(_YEAR_FIRST + _TIME)
    if first["year"].notna().all():
        parts, order = first, "year first"
    else:
        last = text.str.extract(_YEAR_LAST + _TIME)
        if not last["year"].notna().all():
            return None
        a, b = last["a"].astype(int), last["b"].astype(int)
        day_first = bool((a > 12).any()) or not (bool((b > 12).any()) or last["sep"].iloc[0] == "/")
        parts = last.rename(columns={"a": "day", "b": "month"} if day_first else {"a": "month", "b": "day"})
        order = "day first" if day_first else "month first"
    fields = {k: pd.to_numeric(parts[k]) for k in ("year", "month", "day")}
    if parts["hour"].notna().any():
        fields["hour"] = pd.to_numeric(parts["hour"]).fillna(0)
        fields["minute"] = pd.to_numeric(parts["minute"]).fillna(0)
    return pd.to_datetime(pd.DataFrame(fields), errors="coerce"), order


def read_date_parts(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict]]:
    """``frame`` with each date column's parts after it (:func:`part_names`), and per date column
    ``{"parts": [column names], "order": "day first" …, "example": (as written, its date),
    "invalid": count of values no calendar has (31.02.)}``."""
    found: dict[str, dict] = {}
    for c in list(frame.columns):
        s = frame[c]
        if not is_text_dtype(s):
            continue
        text = s.dropna().astype(str).str.strip()
        text = text[~is_marker(text)]
        if text.empty or looks_like_dates(text.iloc[:2000]).mean() < DATE_SHARE:
            continue
        read = _parse(text)
        if read is None:
            continue
        dates, order = read
        days = order not in _MONTH
        hours = dates.dt.hour.nunique() > 1  # times of day that vary
        names = part_names(str(c), hours, days)
        if any(n in frame.columns for n in names):
            continue  # the file has such columns already: its own, kept
        full = dates.reindex(s.index)
        values = {names[0]: full.dt.year, names[1]: full.dt.month}
        if days:
            values[names[2]] = full.dt.day_of_week.map(dict(enumerate(WEEKDAYS)))
        if hours:
            values[names[3]] = full.dt.hour
        at = frame.columns.get_loc(c) + 1
        for i, (name, v) in enumerate(values.items()):
            if not name.endswith(" weekday"):  # whole numbers; decimals only to hold a missing one
                v = v.astype("int64") if v.notna().all() else v.astype("float64")
            frame.insert(at + i, name, v)
        first = dates.dropna()
        found[str(c)] = {"parts": names, "order": order, "invalid": int(dates.isna().sum()),
                         "example": (str(text.loc[first.index[0]]), _said(first.iloc[0], days))
                         if len(first) else None}
    return frame, found


def _said(date, days: bool = True) -> str:
    """'3 February 2024' (a month: 'February 2024'), in English whatever the machine's locale
    (strftime's %B follows it, and its %-d exists on Linux only)."""
    return f"{f'{date.day} ' if days else ''}{MONTHS[date.month - 1]} {date.year}"


def date_parts_text(found: dict[str, dict]) -> list[str]:
    """One sentence per date column: what its parts are and how its dates were read."""
    out = []
    for col, f in found.items():
        parts = and_list([f"'{n}'" for n in f["parts"]])
        how = f" ({f['order']}: '{f['example'][0]}' is {f['example'][1]})" if f["example"] else ""
        n = f["invalid"]
        bad = (f"; {n:,} value{'s are' if n != 1 else ' is'} no date in the calendar (31 February) "
               f"and {'are' if n != 1 else 'is'} missing there") if n else ""
        out.append(f"{col} holds dates{how}: a network cannot read them, so its {parts} were "
                   f"added as columns to learn from (tick Use; --features from the command line){bad}.")
    return out
