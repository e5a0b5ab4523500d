"""Markers of a missing value in CSV files, and reading them as missing in columns of numbers."""
from __future__ import annotations

import shlex

import numpy as np
import pandas as pd

from nnstudio.core.data.profile import is_text_dtype
from nnstudio.core.numbers import and_list

#: Markers pandas reads as missing values anyway (shown to the user in the import dialog).
DEFAULT_MISSING = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A", "<NA>")
#: Common markers of a missing value in public data sets (Orange and Weka read '?' as missing).
#: In a column whose other values are all numbers they are read as missing, without case or the
#: spaces around them (:func:`read_markers_as_missing`); in a column of text they stay categories.
MISSING_MARKERS = ("?", "-", "--", ".", "na", "n/a", "n.a.", "nan", "null", "none", "missing", "#n/a",
                   "<na>", "",
                   # a spreadsheet's errors where a formula had no number ('#DIV/0!')
                   "#div/0!", "#value!", "#num!", "#ref!", "#name?", "#null!")
_MARKER_SET = frozenset(MISSING_MARKERS)
#: What pandas reads as missing when left to itself (``read_csv``'s default ``na_values``). The
#: app reads files without them and decides per column (:func:`read_pandas_missing`).
PANDAS_MISSING = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                            "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
                            "nan", "null"})


def is_marker(text: pd.Series, markers: frozenset[str] = _MARKER_SET) -> pd.Series:
    """Which of these values (stripped of spaces) are markers of a missing value (``markers``,
    lower case), without case."""
    return text.str.lower().isin(markers)


def marker_counts(values: pd.Series) -> dict[str, int]:
    """``{marker as written: count}`` of these marker values."""
    counts = values.astype(str).str.strip().value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def number_column(index: pd.Index, numbers: pd.Series) -> pd.Series:
    """A float column over ``index``: ``numbers`` where they are, missing everywhere else."""
    values = pd.Series(np.nan, index=index, dtype=np.float64)
    values.loc[numbers.index] = numbers.to_numpy(dtype=np.float64)
    return values


def _text_columns(frame: pd.DataFrame):
    """(name, column, its values that are not missing) of each text column."""
    for c in frame.columns:
        s = frame[c]
        if is_text_dtype(s):
            yield c, s, s.dropna()


def _all_numbers(text: pd.Series, decimal: str) -> pd.Series | None:
    """``text`` read as numbers when every value is one (``decimal``: the file's mark), else None."""
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    if pd.to_numeric(text.iloc[:200], errors="coerce").isna().any():  # most text columns stop here
        return None
    numbers = pd.to_numeric(text, errors="coerce")
    return None if numbers.isna().any() else numbers


def read_pandas_missing(frame: pd.DataFrame, decimal: str = ".",
                        in_text: bool = True) -> dict[str, dict[str, int]]:
    """In place, on a table read without pandas' own markers of missing values: a text column
    whose other values are numbers becomes numbers with those missing, as pandas would have read
    it; in a column of text they are read as missing when ``in_text`` (as pandas would, but said:
    'NA' may be North America) and kept as values otherwise. Returns ``{column: {marker: count}}``
    of the text columns where they were read as missing."""
    found: dict[str, dict[str, int]] = {}
    for c, s, nonnull in _text_columns(frame):
        marker = nonnull.isin(PANDAS_MISSING)
        if not marker.any():
            continue
        numbers = _all_numbers(nonnull[~marker].astype(str), decimal)
        if numbers is not None:
            frame[c] = number_column(s.index, numbers)
            continue
        if in_text:
            frame[c] = s.mask(s.isin(PANDAS_MISSING))
            found[str(c)] = marker_counts(nonnull[marker])
    return found


def text_missing_text(found: dict[str, dict[str, int]]) -> list[str]:
    """One sentence for every text column's 'NA', 'None' … read as missing, or none."""
    if not found:
        return []
    total = sum(n for counts in found.values() for n in counts.values())
    parts = [f"'{m}' in {col} ({n:,})" for col, counts in found.items() for m, n in counts.items()]
    shown = ", ".join(parts[:6]) + (", …" if len(parts) > 6 else "")
    seen = {m for counts in found.values() for m in counts}
    examples = [e for m, e in (("NA", "NA for North America"), ("None", "None for 'no alley'"))
                if m in seen] or ["a code"]
    return [f"{total:,} value{'s' if total != 1 else ''} in text columns {'were' if total != 1 else 'was'} "
            f"read as missing: {shown}. If they are values there ({', '.join(examples)}), read the "
            f"file with them kept as values."]


def read_markers_as_missing(frame: pd.DataFrame, decimal: str = ".") -> dict[str, dict[str, int]]:
    """In place: a text column whose values are all numbers except :data:`MISSING_MARKERS` becomes
    a number column with those values missing. Returns ``{column: {marker as written: count}}``.

    A column holding any other text (``12,5`` with a decimal point, ``abc``) is left as it is, so
    it is refused with the stray values named, as before; so is a column of markers only."""
    found: dict[str, dict[str, int]] = {}
    for c, s, nonnull in _text_columns(frame):
        if nonnull.empty:
            continue
        text = nonnull.astype(str).str.strip()
        marker = is_marker(text)
        if not marker.any() or marker.all():
            continue
        numbers = _all_numbers(text[~marker], decimal)
        if numbers is None:
            continue
        frame[c] = number_column(s.index, numbers)
        found[str(c)] = marker_counts(nonnull[marker])
    return found


def markers_text(markers: dict[str, dict[str, int]]) -> list[str]:
    """One plain sentence per column: "44 '?' values in CreditScore were read as missing"."""
    out = []
    for col, counts in markers.items():
        parts = [f"{n:,} '{m}'" for m, n in counts.items()]
        what = and_list(parts)
        total = sum(counts.values())
        out.append(f"{what} value{'s' if total > 1 else ''} in {col} {'were' if total > 1 else 'was'} "
                   f"read as missing (a common marker of a missing number).")
    return out


#: Markers of a missing value that stay values in a column of text (a category of their own) and
#: that the file's notes name: '?' is Orange's and Weka's missing value (UCI's adult, mushroom and
#: heart-disease files write it), the others a survey's or a spreadsheet's. ('none', 'na' and '.'
#: are too often real categories to be named.)
TEXT_MARKERS = frozenset({"?", "-", "--", "missing", "n.a.", "#div/0!", "#value!", "#num!", "#ref!",
                          "#name?", "#null!"})


def text_markers(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """``{column: {marker as written: count}}`` of :data:`TEXT_MARKERS` kept as values in the
    columns of text that are categories (not numbers with stray text, which training refuses with
    the values named)."""
    found: dict[str, dict[str, int]] = {}
    for c, _s, nonnull in _text_columns(frame):
        uniq = pd.Series(pd.unique(nonnull))
        hit = is_marker(uniq.astype(str).str.strip(), TEXT_MARKERS)
        if not hit.any() or hit.all():
            continue
        others = uniq[~hit].astype(str).iloc[:200]
        if pd.to_numeric(others, errors="coerce").notna().mean() > 0.5:
            continue
        found[str(c)] = marker_counts(nonnull[nonnull.isin(uniq[hit])])
    return found


def text_markers_text(found: dict[str, dict[str, int]]) -> list[str]:
    """One sentence per column: "30 '?' values in workclass are kept as a category …"."""
    out = []
    for col, counts in found.items():
        total = sum(counts.values())
        what = and_list([f"{n:,} '{m}'" for m, n in counts.items()])
        many = total > 1
        out.append(f"{what} value{'s' if many else ''} in {col} {'are' if many else 'is'} kept as a "
                   f"category of {'their' if many else 'its'} own, though such a value often marks a "
                   f"missing one (Orange and Weka read '?' so). To read {'them' if many else 'it'} "
                   f"as missing, add {'them' if len(counts) > 1 else 'it'} to the values read as "
                   f"missing ('Also missing' when opening the file; --na-values "
                   f"{shlex.quote(','.join(counts))} on the command line).")
    return out
