"""Per-column summaries: what a column holds, in the terms a user and the role inference need.

A :class:`ColumnProfile` says what kind of values a column holds (numbers, two values, categories,
free text, dates, numbers written with stray text, nothing), how many are missing or distinct, the
range or the most frequent values, and a small histogram. The Data tab shows it; role inference and
:func:`~nnstudio.core.data.preprocess.prepare` use it to propose roles and to refuse columns that
cannot be used, with the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.jsonsafe import python_scalar
from nnstudio.core.numbers import fmt_in, fmt_number  # also imported from here by most callers

#: Text columns with more distinct values than this (and more than 5 % of the rows) are free text.
MAX_CATEGORIES = 100

#: Text whose distinct values average this many words or more, with at least SENTENCE_MIN_UNIQUE of
#: them, is free text (comments, descriptions), not categories.
SENTENCE_WORDS = 3.0
SENTENCE_MIN_UNIQUE = 10

_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
#: how a value of dates starts: '2024-02-03', '03.02.2024', '2/3/2024' (csv_dates reads them)
DATE_START = r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
#: what may follow a time's hours and minutes: seconds (with a fraction), then a zone as ISO 8601
#: writes it ('Z', '+01:00', '-0500')
SECONDS_AND_ZONE = r"(?::\d{2}(?:\.\d+)?)?(?:\s?(?:Z|[+-]\d{2}(?::?\d{2})?))?"
_DATE = re.compile(DATE_START + r"([ T]\d{1,2}:\d{2}" + SECONDS_AND_ZONE + r")?\s*$")
#: a month of a year, alone: '2023-05', '05/2023' (monthly figures)
MONTH_ONLY = r"^\s*(?:\d{4}[-/.](?:0?[1-9]|1[0-2])|(?:0?[1-9]|1[0-2])[-/.]\d{4})\s*$"


def looks_like_dates(text: pd.Series) -> pd.Series:
    """Which values (text) are written as dates: a day, or a month of a year."""
    return text.str.match(DATE_START) | text.str.match(MONTH_ONLY)

KIND_LABELS = {
    "number": "number",
    "binary": "two values",
    "category": "category",
    "text": "free text",
    "date": "date/time",
    "mixed": "numbers with stray text",
    "empty": "empty",
}


def is_numeric_dtype(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def is_text_dtype(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s)


@dataclass
class ColumnProfile:
    name: str
    kind: str  # one of KIND_LABELS
    dtype: str
    n: int
    missing: int
    unique: int
    integer: bool = False  # numbers that are all whole
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    sd: float | None = None
    n_inf: int = 0  # +inf / -inf values in a number column
    top: list[tuple[str, int]] = field(default_factory=list)  # most frequent values, up to 10
    hist_edges: list[float] = field(default_factory=list)  # numbers: bin edges (len = counts + 1)
    hist_counts: list[int] = field(default_factory=list)
    stray: list[tuple[int, str]] = field(default_factory=list)  # "mixed": (row, text), first few
    stray_count: int = 0
    stray_unique: int = 0  # "mixed": how many different values are not numbers
    decimal_comma: bool = False  # some values look like numbers with a decimal comma ("12,5")
    words: float = 0.0  # text: mean number of words in its distinct values (sentences: 3 or more)

    # ----- plain words -------------------------------------------------------------------------
    @property
    def type_label(self) -> str:
        if self.kind == "number":
            return "whole number" if self.integer else "number"
        if self.kind == "binary" and self.integer:
            return "0/1" if (self.min, self.max) == (0, 1) else "two numbers"
        return KIND_LABELS[self.kind]

    @property
    def constant(self) -> bool:
        return self.unique == 1

    def values_text(self, width: int = 3) -> str:
        """A one-line summary of the values: the range, or the most frequent values with shares."""
        if self.kind == "empty":
            return "no values"
        if self.kind in ("number",) or (self.kind == "binary" and self.min is not None):
            inf = f", {self.n_inf:,} infinite" if self.n_inf else ""
            if self.min is None:
                return f"only infinite values{inf}"
            return (f"{fmt_in(self.name, self.min)} … {fmt_in(self.name, self.max)}, "
                    f"mean {fmt_in(self.name, self.mean)}{inf}")
        if self.kind == "mixed":
            return f"{self.stray_count:,} not numbers: " + ", ".join(repr(v) for _, v in self.stray[:width])
        total = max(1, self.n - self.missing)
        parts = [f"{v} {100 * c / total:.0f}%" for v, c in self.top[:width]]
        more = " …" if self.unique > width else ""
        return ", ".join(parts) + more

    def strays_said(self) -> str:
        """How many values are not numbers, in words: "1 value is not a number", "27 values are
        not numbers"."""
        if self.stray_count == 1:
            return "1 value is not a number"
        return f"{self.stray_count:,} values are not numbers"

    def stray_text(self, limit: int = 3) -> str:
        """The stray values with their rows (1-based), grouped: "'?' (rows 5, 18), '12,5' (row 3)"."""
        rows: dict[str, list[int]] = {}
        for r, v in self.stray:
            rows.setdefault(v, []).append(r + 1)
        parts = []
        for v, rs in list(rows.items())[:limit]:
            where = f"row {rs[0]}" if len(rs) == 1 else "rows " + ", ".join(map(str, rs[:4])) + \
                (" …" if len(rs) > 4 else "")
            parts.append(f"'{v}' ({where})")
        counts = dict(self.top)  # every stray value's count (the rows above are the first ten)
        shown = sum(counts.get(v, len(rs)) for v, rs in list(rows.items())[:limit])
        more = f" and {self.stray_count - shown:,} more" if self.stray_count > shown else ""
        return ", ".join(parts) + more


def _stats(v: np.ndarray) -> tuple[float, float, float, float]:
    """Min, max, mean and sd of finite values. Values near the largest float (refused by
    check_magnitude) overflow a plain sum: their mean and sd are worked out scaled down."""
    lo, hi = float(v.min()), float(v.max())
    big = max(abs(lo), abs(hi))
    k = big if big > 1e150 else 1.0
    return lo, hi, float((v / k).mean() * k), float((v / k).std() * k)


def fmt_value(v) -> str:
    """One cell's value as a message quotes it: text in quotes ('yes'), a number as a person
    writes it (1, 0.25), never NumPy's repr (``np.int64(1)``)."""
    v = python_scalar(v)
    if isinstance(v, (bool, str)) or not isinstance(v, (int, float)):
        return repr(v)
    return fmt_number(v)


def infinite_text(count: int) -> str:
    """"1 infinite value (inf)", "2 infinite values (inf)"."""
    return f"{count:,} infinite value{'' if count == 1 else 's'} (inf)"


def _histogram(v: np.ndarray, integer: bool, unique: int) -> tuple[list[float], list[int]]:
    if len(v) == 0:
        return [], []
    if integer and unique <= 30:
        vals, counts = np.unique(v, return_counts=True)
        # one bar per value: edges half-way between neighbours would be uneven, so use v ± 0.4
        edges = []
        for x in vals:
            edges += [float(x) - 0.4, float(x) + 0.4]
        return edges, counts.tolist()
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        return [lo - 0.5, lo + 0.5], [int(len(v))]
    # near the largest float numpy's bin arithmetic overflows: the bins of values scaled down
    big = max(abs(lo), abs(hi))
    k = big if big > 1e150 else 1.0
    counts, edges = np.histogram(v / k, bins=min(30, max(5, unique)))
    return (edges * k).tolist(), counts.tolist()


def _top(s: pd.Series, k: int = 10) -> list[tuple[str, int]]:
    vc = s.value_counts(dropna=True)
    return [(str(v), int(c)) for v, c in vc.iloc[:k].items()]


def profile_column(s: pd.Series) -> ColumnProfile:
    """Summarise one column (one pass of pandas operations; fine for a million rows)."""
    name = str(s.name)
    n = len(s)
    missing = int(s.isna().sum())
    nonnull = s.dropna()
    p = ColumnProfile(name=name, kind="empty", dtype=str(s.dtype), n=n, missing=missing, unique=0)
    if len(nonnull) == 0:
        return p
    p.unique = int(nonnull.nunique())
    if pd.api.types.is_bool_dtype(s):
        p.kind = "binary" if p.unique == 2 else "category"
        p.top = _top(nonnull)
        return p
    if is_numeric_dtype(s):
        v = nonnull.to_numpy(dtype=np.float64)
        finite = np.isfinite(v)
        p.n_inf = int((~finite).sum())
        fv = v[finite]
        p.integer = bool(len(fv) and np.all(fv == np.round(fv)))
        if len(fv):
            p.min, p.max, p.mean, p.sd = _stats(fv)
        p.kind = "binary" if p.unique == 2 else "number"
        if p.unique <= 10:
            p.top = _top(nonnull)
        p.hist_edges, p.hist_counts = _histogram(fv, p.integer, p.unique)
        return p
    # text (or mixed Python objects)
    text = nonnull.astype(str)
    sample = text.iloc[:2000]
    as_num = pd.to_numeric(sample, errors="coerce")
    comma = sample.str.match(_DECIMAL_COMMA)
    numeric_share = float((as_num.notna() | comma).mean())
    if numeric_share >= 0.5:
        full = pd.to_numeric(text, errors="coerce")
        bad = full.isna()
        if bad.any():
            p.kind = "mixed"
            p.stray_count = int(bad.sum())
            p.stray_unique = int(text[bad].nunique())
            idx = np.flatnonzero(bad.to_numpy())[:10]
            rows = np.flatnonzero(s.notna().to_numpy())  # position in the column of each value
            p.stray = [(int(rows[i]), text.iloc[i]) for i in idx]
            p.decimal_comma = bool(text[bad].str.match(_DECIMAL_COMMA).any())
            p.top = _top(text[bad])
            good = full[~bad].to_numpy(dtype=np.float64)
            good = good[np.isfinite(good)]
            if len(good):
                p.min, p.max, p.mean, _ = _stats(good)
                p.integer = bool(np.all(good == np.round(good)))
            return p
    p.top = _top(text)
    distinct = pd.Series(text.unique()[:2000])
    p.words = float(distinct.str.split().str.len().mean()) if len(distinct) else 0.0
    if p.unique == 2:
        p.kind = "binary"
    elif (sample.str.match(_DATE) | sample.str.match(MONTH_ONLY)).mean() >= 0.9:
        p.kind = "date"
    elif n > 20 and (p.unique >= 0.5 * len(nonnull) or (p.unique > MAX_CATEGORIES and p.unique > 0.05 * n)
                     or (p.words >= SENTENCE_WORDS and p.unique >= SENTENCE_MIN_UNIQUE)):
        p.kind = "text"
    else:
        p.kind = "category"
    return p
