"""Numbers (and lists) written as people write them, for every layer of core (the data profiles,
the Inspector's preprocessing steps) and the command line's figures."""
from __future__ import annotations

import math
import re


def fmt_number(x: float | None) -> str:
    """A number the way a person writes it: 38.9, 10.5, 0.0312, 76,485."""
    if x is None:
        return str(x)
    try:  # (a whole number beyond int64 from a CSV cell is a Python int NumPy cannot take)
        finite = math.isfinite(x)
    except OverflowError:  # beyond a float's range: its first digits and its exponent
        digits = str(abs(int(x)))
        return f"{'-' if x < 0 else ''}{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"
    if not finite:
        return str(x)
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1e15:  # written out, 1e308 took 309 digits
        return f"{x:.3g}"
    if float(x).is_integer():
        return f"{int(x):,}"
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def fmt_in(column: str, v) -> str:
    """``v`` as a value of ``column``: in a column named for years (a date's 'year' part, 'Year
    built'), a number from 1000 to 9999 is a year, written 2023 (a mean 2021.9), not 2,023;
    anything else as :func:`fmt_number` writes it."""
    words = {w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", str(column))}
    if v is not None and words & {"year", "yr"}:  # 'date year', 'YearBuilt'; not 'yearly income'
        try:
            f = float(v)
        except (TypeError, ValueError, OverflowError):
            return fmt_number(v)
        if math.isfinite(f) and 1000 <= abs(f) < 10000:
            return str(int(f)) if f.is_integer() else f"{f:.1f}"
    return fmt_number(v)


def fmt_figure(v: float, digits: int = 4) -> str:
    """A score as the Evaluation tab and the command line write it: ``digits`` decimals; whole
    numbers with thousands separators from 10,000 (a price's MAE of 31,504, not 31504.4785);
    e-notation below 0.001 and from 1e9 (a squared error in dollars: 1.561e+09)."""
    if 1e4 <= abs(v) < 1e9:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}" if abs(v) >= 1e9 or (v != 0 and abs(v) < 1e-3) else f"{v:.{digits}f}"


#: Scores on one bounded scale (1 is perfect), written with fixed decimals however near zero:
#: a mean's R² of -0.0003 reads -0.0003 beside 0.9865, not -0.0002958 (e-notation is for losses).
SCORES = frozenset({"accuracy", "balanced_accuracy", "f1", "roc_auc", "average_precision", "r2"})


def fmt_metric(key: str | None, v: float, digits: int = 4) -> str:
    """A figure named ``key`` (``evaluate.METRIC_NAMES``' keys): a score with ``digits`` fixed
    decimals (no '-0.0000'), anything else as :func:`fmt_figure` writes it."""
    if key in SCORES:
        return f"{round(v, digits) + 0.0:.{digits}f}"
    return fmt_figure(v, digits)


def fmt_spread(mean: float, sd: float | None = None, digits: int = 3) -> str:
    """A mean over seeds and its sd (``None``: one seed, the mean alone), both written one way:
    ``digits`` decimals for a score (0.951 ± 0.013), as people write amounts from 1,000 (an MAE
    in dollars: 33,812 ± 781.2, not 33811.612 ± 781.233)."""
    f = fmt_number if abs(mean) >= 1000 else (lambda v: f"{v:.{digits}f}")
    return f(mean) if sd is None else f"{f(mean)} ± {f(sd)}"


def inputs_text(n: int) -> str:
    """"1 input", "12 inputs": a network's inputs, counted."""
    return f"{n:,} input" if n == 1 else f"{n:,} inputs"


def and_list(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
