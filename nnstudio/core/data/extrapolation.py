"""Held-out rows whose inputs lie beyond every training row's.

A network extrapolates poorly: past its last bend a ReLU network goes on in straight lines, and
tanh or sigmoid units level off. Where many test rows hold a value of an input outside the range
the training rows covered (the later days of data in time order, the last rows held out, with a
day count among the inputs), the test score measures that extrapolation, and a straight line may
continue a trend the network cannot. A random split holds out rows among the others: a few at
most lie outside, so a share of at least :data:`SHARE` of the held-out rows is what is said.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nnstudio.core.numbers import and_list, fmt_in

#: At least this share of the held-out rows (and MIN_ROWS of them) beyond the training range.
SHARE = 0.2
MIN_ROWS = 5
#: Columns named in the note, at most.
SHOWN = 3
#: A value counts as beyond the training range when it lies outside it by more than this share of
#: its span (a day or two past the last training day is no extrapolation to speak of).
MARGIN = 0.05


def _outside(v, lo: float, hi: float):
    """Whether each value of ``v`` lies beyond [lo, hi] by more than MARGIN of its span (NaN: no)."""
    pad = MARGIN * (hi - lo)
    v = np.asarray(v, np.float64)
    return (v < lo - pad) | (v > hi + pad)


def _trained_numbers(pre):
    """(column, training min, training max) of each number input the preprocessor fitted."""
    for t in getattr(pre, "columns", []):
        st = t.stats or {}
        if t.kind == "numeric" and t.encoded and "min" in st:
            yield t.name, float(st["min"]), float(st["max"])


@dataclass
class Beyond:
    column: str
    rows: int  # held-out rows with a value outside the training rows' range
    of: int  # held-out rows with a value
    held: tuple[float, float]  # the held-out rows' range
    train: tuple[float, float]  # the training rows' range


def _numbers(frame: pd.DataFrame, col: str) -> np.ndarray:
    v = pd.to_numeric(frame[col], errors="coerce").to_numpy(np.float64)
    return v[np.isfinite(v)]


def beyond_training(data) -> tuple[str, list[Beyond]]:
    """The split the score is measured on ("test", else "validation") and its number inputs
    whose values lie outside the training rows' range in at least SHARE of its rows."""
    held, name = (data.raw_test, "test") if len(data.X_test) else (data.raw_val, "validation")
    out: list[Beyond] = []
    for col, lo, hi in _trained_numbers(data.preprocessor):  # (min, max: of the training rows)
        rows = _numbers(held, col) if col in held.columns else np.zeros(0)
        n = int(np.sum(_outside(rows, lo, hi)))
        if n >= MIN_ROWS and n >= SHARE * len(rows):
            out.append(Beyond(col, n, len(rows), (float(rows.min()), float(rows.max())), (lo, hi)))
    return name, sorted(out, key=lambda b: -b.rows / b.of)


def _range(r: tuple[float, float], column: str = "") -> str:
    lo, hi = fmt_in(column, r[0]), fmt_in(column, r[1])
    return lo if r[0] == r[1] else f"{lo} to {hi}"


def beyond_text(name: str, found: list[Beyond]) -> str:
    """"The test rows' 'day' (800 to 999) lie beyond the training rows' (0 to 639) in all 200 of
    them: …" (empty when nothing was found)."""
    if not found:
        return ""
    parts = []
    for b in found[:SHOWN]:
        share = f"all {b.of:,} of them" if b.rows == b.of else f"{b.rows:,} of {b.of:,}"
        parts.append(f"'{b.column}' ({_range(b.held, b.column)}) lie beyond the training rows' "
                     f"({_range(b.train, b.column)}) in {share}")
    more = f" (and {len(found) - SHOWN} more columns)" if len(found) > SHOWN else ""
    return (f"The {name} rows' {and_list(parts)}{more}: the network extrapolates there, which "
            f"networks do poorly (past its last bend a ReLU network goes on in straight lines; "
            f"tanh and sigmoid units level off). The score measures that extrapolation, and new "
            f"data beyond the training range will meet it too: a straight line (the linear model "
            f"on the Baselines tab) may continue a trend better, or leave out a column that only "
            f"grows (a day count).")


def outside_range(pre, row: dict) -> list[tuple[str, float, float, float]]:
    """The number inputs of one row (``row``: column -> value as typed) that lie outside the
    training rows' range: (column, value, min, max) each."""
    out = []
    for name, lo, hi in _trained_numbers(pre):
        try:
            v = float(row[name]) if name in row else float("nan")
        except (TypeError, ValueError):
            continue
        if _outside(v, lo, hi):
            out.append((name, v, lo, hi))
    return out


def outside_text(found: list[tuple[str, float, float, float]]) -> str:
    """"'day' 1,200 lies beyond the training rows' (0 to 639): the network extrapolates …"."""
    if not found:
        return ""
    values = and_list([f"'{c}' {fmt_in(c, v)}" for c, v, _, _ in found])
    ranges = "; ".join(_range((lo, hi), c) for c, _, lo, hi in found)
    verb = "lie" if len(found) > 1 else "lies"
    return (f"{values} {verb} beyond the training rows' ({ranges}): the network extrapolates "
            f"here, and its answer is its own guess.")


def beyond_rows(pre, frame: pd.DataFrame) -> tuple[int, list]:
    """The rows of a file to predict that hold a number beyond the training rows' range, and per
    such column (column, rows, those rows' range, the training range), most rows first."""
    out, any_far = [], np.zeros(len(frame), bool)
    for name, lo, hi in _trained_numbers(pre):
        if name not in frame.columns:
            continue
        v = pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64)
        far = _outside(v, lo, hi)
        if far.any():
            any_far |= far
            out.append((name, int(far.sum()), (float(v[far].min()), float(v[far].max())), (lo, hi)))
    return int(any_far.sum()), sorted(out, key=lambda x: -x[1])


def beyond_rows_text(rows: int, found: list) -> str:
    """"12 rows hold a value beyond the training rows' range: 'tenure' in 12 (80 to 120; training
    0 to 60.7): …" for a file to predict (empty when none)."""
    if not found:
        return ""
    parts = [f"'{c}' in {n:,} ({_range(r, c)}; training {_range(train, c)})"
             for c, n, r, train in found[:SHOWN]]
    more = f" and {len(found) - SHOWN} more columns" if len(found) > SHOWN else ""
    what = f"{rows:,} rows hold" if rows != 1 else "1 row holds"
    return (f"{what} a value beyond the training rows' range: {and_list(parts)}{more}: the network "
            f"extrapolates on them, and its answers there are its own guesses.")
