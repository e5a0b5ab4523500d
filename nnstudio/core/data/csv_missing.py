"""Markers of a missing value in CSV files, and reading them as missing in columns of numbers."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data.profile import is_text_dtype

#: Markers pandas reads as missing values anyway (shown to the user in the import dialog).
DEFAULT_MISSING = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A", "<NA>")
#: Common markers of a missing value in public data sets (Orange and Weka read '?' as missing).
#: In a column whose other values are all numbers they are read as missing, without case or the
#: spaces around them (:func:`read_markers_as_missing`); in a column of text they stay categories.
MISSING_MARKERS = ("?", "-", "--", ".", "na", "n/a", "n.a.", "nan", "null", "none", "missing", "#n/a",
                   "<na>", "")
_MARKER_SET = frozenset(MISSING_MARKERS)


def is_marker(text: pd.Series) -> pd.Series:
    """Which of these values (stripped of spaces) are markers of a missing value, without case."""
    return text.str.lower().isin(_MARKER_SET)


def marker_counts(values: pd.Series) -> dict[str, int]:
    """``{marker as written: count}`` of these marker values."""
    counts = values.astype(str).str.strip().value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def number_column(index: pd.Index, numbers: pd.Series) -> pd.Series:
    """A float column over ``index``: ``numbers`` where they are, missing everywhere else."""
    values = pd.Series(np.nan, index=index, dtype=np.float64)
    values.loc[numbers.index] = numbers.to_numpy(dtype=np.float64)
    return values


def read_markers_as_missing(frame: pd.DataFrame, decimal: str = ".") -> dict[str, dict[str, int]]:
    """In place: a text column whose values are all numbers except :data:`MISSING_MARKERS` becomes
    a number column with those values missing. Returns ``{column: {marker as written: count}}``.

    A column holding any other text (``12,5`` with a decimal point, ``abc``) is left as it is, so
    it is refused with the stray values named, as before; so is a column of markers only."""
    found: dict[str, dict[str, int]] = {}
    for c in frame.columns:
        s = frame[c]
        if not is_text_dtype(s):
            continue
        nonnull = s.dropna()
        if nonnull.empty:
            continue
        text = nonnull.astype(str).str.strip()
        marker = is_marker(text)
        if not marker.any() or marker.all():
            continue
        rest = text[~marker]
        if decimal == ",":
            rest = rest.str.replace(",", ".", regex=False)
        head = pd.to_numeric(rest.iloc[:200], errors="coerce")  # most text columns fail here, cheaply
        if head.isna().any():
            continue
        numbers = pd.to_numeric(rest, errors="coerce")
        if numbers.isna().any():
            continue
        frame[c] = number_column(s.index, numbers)
        found[str(c)] = marker_counts(nonnull[marker])
    return found


def markers_text(markers: dict[str, dict[str, int]]) -> list[str]:
    """One plain sentence per column: "44 '?' values in CreditScore were read as missing"."""
    out = []
    for col, counts in markers.items():
        parts = [f"{n:,} '{m}'" for m, n in counts.items()]
        what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        total = sum(counts.values())
        out.append(f"{what} value{'s' if total > 1 else ''} in {col} {'were' if total > 1 else 'was'} "
                   f"read as missing (a common marker of a missing number).")
    return out
