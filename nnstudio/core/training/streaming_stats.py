"""Running statistics of one column over the training rows of a streamed CSV (the fit pass of
:mod:`~nnstudio.core.training.streaming_csv`): count, sums, range, categories, never the rows."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.data.profile import profile_column

#: A streamed column with more distinct values than this is not categories (counts are dropped).
MAX_CATEGORIES = 1000


def is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


@dataclass
class ColumnStats:
    """Running statistics of one feature over the training rows (after 'drop' rows are gone)."""

    numeric: bool | None = None  # None until a non-empty chunk was seen
    mixed_row: int | None = None  # first row where a number column turned to text (or back)
    stray_row: int | None = None  # first chunk of numbers written with stray text ("12a", "?")
    count: int = 0
    shift: float | None = None  # the first value: sums are taken around it (numerically stable)
    s1: float = 0.0
    s2: float = 0.0
    lo: float = math.inf
    hi: float = -math.inf
    nonfinite: int = 0
    integer: bool = True  # every chunk was read as whole numbers
    whole: bool = True  # every finite value is a whole number (1974.0 too: a year with gaps)
    counts: dict = field(default_factory=dict)  # value -> count, while <= MAX_CATEGORIES distinct
    overflow: bool = False  # more distinct values than MAX_CATEGORIES
    n_missing: int = 0  # missing in the training split (before dropping rows)

    def add(self, s: pd.Series, first_row: int) -> None:
        v = s.dropna()
        if not len(v):
            return
        numeric = is_numeric(v)
        if self.numeric is None:
            self.numeric = numeric
        elif numeric != self.numeric and self.mixed_row is None:
            self.mixed_row = first_row
        if numeric:
            self.integer &= pd.api.types.is_integer_dtype(v)
            a = v.to_numpy(dtype=np.float64)
            fin = np.isfinite(a)
            self.nonfinite += int((~fin).sum())
            a = a[fin]
            self.whole &= bool(np.all(a == np.round(a)))
            if len(a):
                if self.shift is None:
                    self.shift = float(a[0])
                d = a - self.shift
                self.count += len(a)
                self.s1 += float(d.sum())
                self.s2 += float((d * d).sum())
                self.lo = min(self.lo, float(a.min()))
                self.hi = max(self.hi, float(a.max()))
        else:
            self.count += len(v)
            if self.stray_row is None and profile_column(v).kind == "mixed":
                self.stray_row = first_row
            v = v.astype(str)
        if not self.overflow:
            for k, c in v.value_counts(sort=False).items():
                self.counts[k] = self.counts.get(k, 0) + int(c)
            if len(self.counts) > MAX_CATEGORIES:
                self.overflow, self.counts = True, {}

    def mean_sd(self) -> tuple[float, float]:
        m = self.s1 / self.count
        var = max(self.s2 / self.count - m * m, 0.0)
        return self.shift + m, math.sqrt(var)

    def values(self) -> dict:
        """Distinct values -> counts, numbers as int or float like the whole column would be."""
        if not self.numeric:
            return dict(self.counts)
        conv = int if self.integer else float
        out: dict = {}
        for k, c in self.counts.items():
            out[conv(k)] = out.get(conv(k), 0) + c
        return out
