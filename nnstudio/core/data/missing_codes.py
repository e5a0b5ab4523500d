"""Numbers that stand for a missing value: -999, 9999, 99 written where a value was not known.

Sensor logs, surveys and older statistics files write a code of nines instead of leaving the cell
empty. Read as a number it is a wrong answer the app would give silently: -999 among temperatures
of 4 to 38 degrees becomes 8 % of the rows at -999, and scaled with it the real temperatures span a
sliver of what the network sees (a 0.92-accuracy failure file trained to no better than guessing).

A value is said to be such a code when it is written with nines only (99, 999, 9999 … either sign),
it is in two rows or more, and it sits apart from all the column's other values: further from the
nearest of them than they spread (so 999 among prices of 10 to 800 is a price). Whether it means
"not known" only the user knows ('days since the last call: 999, never called' is a value), so the
app asks, with a click that reads it as missing (:func:`read_codes_as_missing`): the same as adding it
to the file's "Also missing" values, which a project, a streamed fit and a file scored later read it
with.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from nnstudio.core.data.profile import is_numeric_dtype, is_text_dtype
from nnstudio.core.numbers import and_list, fmt_number

#: Fewer known values than this in a column say too little of where its values lie.
MIN_VALUES = 20
#: A code is in at least this many rows (one odd value is an outlier, not a convention).
MIN_ROWS = 2


@dataclass(frozen=True)
class MissingCode:
    column: str
    code: str  # as a file writes it: '-999'
    rows: int  # rows holding it
    share: float  # of the column's known values
    low: float  # the column's other values span low .. high
    high: float

    @property
    def below(self) -> bool:
        return float(self.code) < self.low

    @property
    def squeeze(self) -> float:
        """The share of the column's scaled range its other values keep beside the code."""
        whole = max(self.high, float(self.code)) - min(self.low, float(self.code))
        return (self.high - self.low) / whole if whole else 1.0


def _nines(v: float) -> bool:
    a = abs(float(v))
    return 99 <= a < 1e15 and a.is_integer() and set(str(int(a))) == {"9"}


def code_text(v: float) -> str:
    return str(int(v))


def column_codes(column: str, values: pd.Series) -> list[MissingCode]:
    """The codes of a missing value in one column of numbers (none in a column of text)."""
    if not is_numeric_dtype(values):
        return []
    s = values.dropna()
    if len(s) < MIN_VALUES:
        return []
    counts = s.value_counts()
    codes = [float(v) for v, n in counts.items() if n >= MIN_ROWS and _nines(v)]
    if not codes:
        return []
    rest = s[~s.isin(codes)]
    if rest.nunique() < 2:
        return []
    low, high = float(rest.min()), float(rest.max())
    spread = high - low
    return [MissingCode(column, code_text(v), int(counts[v]), int(counts[v]) / len(s), low, high)
            for v in sorted(codes)
            if (v < low and low - v > spread) or (v > high and v - high > spread)]


def find_codes(frame: pd.DataFrame, columns: list[str]) -> list[MissingCode]:
    """The codes of a missing value in these columns of the table, column by column."""
    return [c for col in columns if col in frame.columns for c in column_codes(col, frame[col])]


def codes_of(found: list[MissingCode]) -> list[str]:
    """The codes found, each once, in the order found."""
    return list(dict.fromkeys(c.code for c in found))


def codes_text(found: list[MissingCode], shown: int = 3) -> str:
    """One note for every code found, or ''."""
    if not found:
        return ""
    parts = [f"'{c.column}' holds {c.code} in {c.rows:,} rows ({c.share:.0%}), far "
             f"{'below' if c.below else 'above'} its other values ({fmt_number(c.low)} to "
             f"{fmt_number(c.high)})" for c in found[:shown]]
    more = f" (and {len(found) - shown} more column{'s' if len(found) - shown > 1 else ''})" \
        if len(found) > shown else ""
    codes = codes_of(found)
    said = and_list(codes)
    first = found[0]
    return (f"{'; '.join(parts)}{more}: a code for a missing value? Read as a number, {first.code} "
            f"squeezes the real values of '{first.column}' into {first.squeeze:.0%} of the range "
            f"the network sees. If it means 'not known', read it as missing (Read {said} as "
            f"missing, on the Data tab; --na-values {','.join(codes)} from the command line); if "
            f"it is a real value, leave it.")


def read_codes_as_missing(dataset, codes: list[str]):
    """A copy of ``dataset`` with ``codes`` read as missing, as the file read with them among its
    "Also missing" values would be (pandas' ``na_values``: the number in a column of numbers, the
    text as written in a column of text); the reading options gain them, so the project, a streamed
    fit and a file scored later read the file so, and the Data tab says how many were read."""
    frame = dataset.frame.copy()
    numbers = [float(c) for c in codes]
    found: dict[str, dict[str, int]] = {}
    for col in frame.columns:
        s = frame[col]
        if is_numeric_dtype(s):
            hits = {code: s == v for code, v in zip(codes, numbers, strict=True)}
        elif is_text_dtype(s):
            hits = {code: s == code for code in codes}
        else:
            continue
        counts = {code: int(hit.sum()) for code, hit in hits.items() if hit.any()}
        if counts:
            frame[col] = s.mask(pd.concat(hits.values(), axis=1).any(axis=1))
            found[str(col)] = counts
    options = dict(dataset.csv_options or {})
    options["na_values"] = list(dict.fromkeys([*options.get("na_values", []), *codes]))
    return replace(dataset, frame=frame, csv_options=options,
                   warnings=[*dataset.warnings, *codes_read_text(found)])


def codes_read_text(found: dict[str, dict[str, int]]) -> list[str]:
    """What reading the codes as missing did: one sentence a column."""
    out = []
    for col, counts in found.items():
        total = sum(counts.values())
        what = and_list([f"{n:,} '{code}'" for code, n in counts.items()])
        out.append(f"{what} value{'s' if total > 1 else ''} in {col} {'were' if total > 1 else 'was'} "
                   f"read as missing (a code for a missing value; to read "
                   f"{'them' if len(counts) > 1 else 'it'} as a number again, open the file again "
                   f"and clear 'Also missing').")
    return out
