"""Numbers far from a column's others, which squeeze its real values into a sliver of what the
network sees: codes for a missing value (-999, 9999, 99 written where a value was not known) and a
few values far beyond all the rest (a typo of three zeros among incomes).

Sensor logs, surveys and older statistics files write a code of nines instead of leaving the cell
empty. Read as a number it is a wrong answer the app would give silently: -999 among temperatures
of 4 to 38 degrees becomes 8 % of the rows at -999, and scaled with it the real temperatures span a
sliver of what the network sees (a 0.92-accuracy failure file trained to no better than guessing).

A value is said to be such a code when it is written with nines only (9, 99, 999 … either sign),
it is in two rows or more, and it sits apart from all the column's other values: further from the
nearest of them than they spread (so 999 among prices of 10 to 800 is a price). Whether it means
"not known" only the user knows ('days since the last call: 999, never called' is a value), so the
app asks, with a click that reads it as missing (:func:`read_codes_as_missing`): the same as adding it
to the file's "Also missing" values, which a project, a streamed fit and a file scored later read it
with.

A few values beyond the central 99 % of a column by ten times its span (:func:`far_values`) are
said too: two incomes of 480,000,000 and 1,000,000,000 among 13,200 to 208,900 took a loan file
from 0.992 test accuracy to 0.575. A typo is read as missing the same way; a column that truly
spans orders of magnitude is better given as its logarithm (an engineered input), which the note
says.

A 0 no other value of a column of measures comes near (:func:`lone_zeros`: a blood pressure of 0
among 24 to 122, 'not measured') is said the same way, and so is a -1 where the column's other
values are 0 or more (:func:`lone_minus_ones`: an age of -1); each is read as missing in its
column alone in a click (:func:`read_missing_in`): the same file's 0 pregnancies are real, and
-1 may be a real value elsewhere.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from nnstudio.core.data.profile import is_numeric_dtype, is_text_dtype
from nnstudio.core.numbers import and_list, fmt_number

#: Fewer known values than this in a column say too little of where its values lie.
MIN_VALUES = 20
#: A code is in at least this many rows (one odd value is an outlier, not a convention).
MIN_ROWS = 2
#: ... and in at most this share of them: a value most rows hold is what the column mostly says
#: ('days since the last call: 999' for the customers never called), and read as missing those
#: rows would all be filled with the others' median, losing it.
MOST_ROWS = 0.5
#: Values beyond the central 99 % of a column by more than this many times its span are far.
FAR = 10
#: ... looked for in columns of at least this many values (so 0.5 % of them are a row or more).
MIN_FAR_ROWS = 200
#: The central 99 % of a column is measured on at most this many of its values.
QUANTILE_SAMPLE = 50_000
#: A 0 is apart from a column's other values when the nearest is further from it than this share
#: of their central span (a blood pressure of 24 beside 38 to 110: 0.33; children: 1 beside 0 to 5)
ZERO_GAP = 0.25
#: ... among at least this many distinct other values (measures, not counts of a few values)
ZERO_DISTINCT = 20


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
    return 9 <= a < 1e15 and a.is_integer() and set(str(int(a))) == {"9"}


def column_codes(column: str, values: pd.Series) -> list[MissingCode]:
    """The codes of a missing value in one column of numbers (none in a column of text). A code
    sits apart from the other values, so it is the column's least or greatest value once the codes
    beyond it are left out: a few passes over the column, not a count of every value. Apart: further
    from the nearest other value than the central 99 % of them spread, and than half its own size
    (9999 just below values of 10,001 and 10,002 is no code)."""
    if not is_numeric_dtype(values):
        return []
    a = values.to_numpy(dtype=np.float64, na_value=np.nan)
    a = a[np.isfinite(a)]
    if len(a) < MIN_VALUES:
        return []
    rest, codes = a, []
    for _ in range(4):
        ends = {float(rest.min()), float(rest.max())}
        found = [v for v in ends if _nines(v) and np.count_nonzero(a == v) >= MIN_ROWS]
        if not found:
            break
        codes += found
        rest = rest[~np.isin(rest, found)]
        if len(rest) == 0 or rest.min() == rest.max():  # nothing beside them to be far from
            return []
    if not codes:
        return []
    low, high = float(rest.min()), float(rest.max())
    spread = _span(rest)  # (the central 99 %: a typo beyond the other end does not hide it)
    rows = {v: int(np.count_nonzero(a == v)) for v in codes}
    return [MissingCode(column, _written(v), rows[v], rows[v] / len(a), low, high)
            for v in sorted(codes)
            if rows[v] <= MOST_ROWS * len(a)
            and max(low - v, v - high) > max(spread, abs(v) / 2)]  # (outside: one of the two is negative)


def _sample(a: np.ndarray) -> np.ndarray:
    """At most ``QUANTILE_SAMPLE`` of these values (the same ones each time)."""
    return a if len(a) <= QUANTILE_SAMPLE else np.random.default_rng(0).choice(a, QUANTILE_SAMPLE, replace=False)


def _central(a: np.ndarray) -> tuple[float, float]:
    """Where the central 99 % of these values (a sample of them) lie: values the column holds."""
    lo, hi = np.quantile(_sample(a), [0.005, 0.995], method="inverted_cdf")
    return float(lo), float(hi)


def _span(a: np.ndarray) -> float:
    lo, hi = _central(a)
    return hi - lo


def _written(v: float) -> str:
    """A number as a file may write it, for 'Also missing': 1000000000, 0.5."""
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def far_values(column: str, values: pd.Series, codes: list[MissingCode] = ()) -> list[MissingCode]:
    """A few values far beyond all the others (a typo of three zeros: 1,000,000,000 among incomes
    of 13,200 to 188,323): beyond the central 99 % of the values by more than ``FAR`` times their
    span, in at most 0.5 % of the rows. Said as :class:`MissingCode` s (the codes found in the
    column are left out first). The central 99 % is measured on a sample of ``QUANTILE_SAMPLE``
    values; the far ones are looked for in all."""
    if not is_numeric_dtype(values):
        return []
    a = values.to_numpy(dtype=np.float64, na_value=np.nan)
    a = a[np.isfinite(a)]
    if codes:
        a = a[~np.isin(a, [float(c.code) for c in codes])]
    if len(a) < MIN_FAR_ROWS:
        return []
    lo, hi = _central(a)
    span = hi - lo
    if span <= 0:  # (a pixel lit in a few rows: its other values are one)
        return []
    is_far = (a > hi + FAR * span) | (a < lo - FAR * span)
    if not is_far.any():
        return []
    far, rest = a[is_far], a[~is_far]
    low, high, middle = float(rest.min()), float(rest.max()), (lo + hi) / 2
    values_, counts = np.unique(far, return_counts=True)
    order = np.argsort(-np.abs(values_ - middle))
    return [MissingCode(column, _written(values_[i]), int(counts[i]), float(counts[i] / len(a)), low, high)
            for i in order]


def _apart(values: pd.Series, value: float) -> tuple[np.ndarray, int, int] | None:
    """(the column's other values, rows holding ``value``, known values) where ``value`` is in
    two or more rows but at most half of a column of numbers with enough known values; else None."""
    if not is_numeric_dtype(values):
        return None
    a = values.to_numpy(dtype=np.float64, na_value=np.nan)
    a = a[np.isfinite(a)]
    k = int(np.count_nonzero(a == value))
    if len(a) < MIN_VALUES or k < MIN_ROWS or k > MOST_ROWS * len(a):
        return None
    return a[a != value], k, len(a)


def lone_zeros(column: str, values: pd.Series) -> MissingCode | None:
    """A 0 no other value of a column of measures comes near (a blood pressure of 0 among 24 to
    122): in two or more rows but at most half, the other values all on one side of it, at least
    ``ZERO_DISTINCT`` of them, the nearest further from 0 than ``ZERO_GAP`` of their central span.
    Counts ('children: 0 to 5') and amounts ('balance: 0, or 3,768 to 250,898') hold real 0s."""
    found = _apart(values, 0.0)
    if found is None:
        return None
    rest, zeros, n = found
    if (rest < 0).any() and (rest > 0).any():
        return None
    if len(np.unique(_sample(rest))) < ZERO_DISTINCT or np.abs(rest).min() <= ZERO_GAP * _span(rest):
        return None
    return MissingCode(column, "0", zeros, zeros / n, float(rest.min()), float(rest.max()))


def lone_minus_ones(column: str, values: pd.Series) -> MissingCode | None:
    """-1 where every other value of a column of measures is 0 or more (an age of -1, a file's
    way of writing 'not known'): in two or more rows but at most half, beside at least
    ``ZERO_DISTINCT`` other values. A column whose -1s are most of it ('days since the last
    contact: -1, never contacted') says what it mostly says, and one with other negative values
    holds real ones."""
    found = _apart(values, -1.0)
    if found is None:
        return None
    rest, ones, n = found
    if (rest < 0).any() or len(np.unique(_sample(rest))) < ZERO_DISTINCT:
        return None
    return MissingCode(column, "-1", ones, ones / n, float(rest.min()), float(rest.max()))


def _own_note(found: list[MissingCode], shown: int, others: str, why: str) -> str:
    """The note for values read as missing in their own column: "'BMI' holds 0 in 11 rows,
    {others} (18.2 to 67.1): {why}, read it as missing in that column alone (…)"."""
    code = found[0].code
    parts = [f"'{m.column}' holds {code} in {m.rows:,} rows, {others} ({fmt_number(m.low)} to "
             f"{fmt_number(m.high)})" for m in found[:shown]]
    more = f" (and {len(found) - shown} more column{'s' if len(found) - shown > 1 else ''})" \
        if len(found) > shown else ""
    flags = " ".join(f"--missing-in {shlex.quote(f'{m.column}={code}')}" for m in found[:shown])
    return (f"{'; '.join(parts)}{more}: {why}, read it as missing in "
            f"{'that column' if len(found) == 1 else 'those columns'} alone (Read {code} as missing, "
            f"on the Data tab; {flags}{' …' if len(found) > shown else ''} from the command line)")


def zeros_text(found: list[MissingCode], shown: int = 3) -> str:
    """One note for the columns whose 0s no other value comes near, or ''."""
    if not found:
        return ""
    return _own_note(found, shown, "apart from its other values",
                     "a 0 no other value comes near often means 'not measured'. Read as a number "
                     "it is taken for a value far from any real one. If so") + \
        ": the app then fills or drops those cells as Missing values says. The file's other 0s stay numbers."


def minus_ones_text(found: list[MissingCode], shown: int = 3) -> str:
    """One note for the columns whose only negative value is -1, or ''."""
    if not found:
        return ""
    return _own_note(found, shown, "where its other values are 0 or more",
                     "a code for 'not known'? Read as a number, -1 is taken for a real value below "
                     "every other one. If it means 'not known'") + "; if it is a real value, leave it."


def find_codes(frame: pd.DataFrame, columns: list[str]) -> list[MissingCode]:
    """The codes of a missing value in these columns of the table, column by column."""
    return [c for col in columns if col in frame.columns for c in column_codes(col, frame[col])]


def far_text(found: list[MissingCode], target: str | None = None) -> str:
    """One note for the first column with values far beyond the others, or ''. Of the target
    (``target``), the rows are what reading them as missing leaves out, and no logarithm is offered
    (an engineered input is no target)."""
    if not found:
        return ""
    col = found[0].column
    mine = [f for f in found if f.column == col]
    f, n = mine[0], sum(m.rows for m in mine)
    shown = and_list([fmt_number(float(m.code)) for m in mine[:4]]) + (" …" if len(mine) > 4 else "")
    side = "above" if all(not m.below for m in mine) else "below" if all(m.below for m in mine) \
        else "beyond"
    whole = max(f.high, *(float(m.code) for m in mine)) - min(f.low, *(float(m.code) for m in mine))
    others = [c for c in dict.fromkeys(g.column for g in found) if c != col]
    more = f" ('{and_list(others)}' too)" if others else ""
    values = ",".join(codes_of(found)[:6])
    them = "them" if n > 1 else "it"
    head = (f"'{col}' holds {n:,} value{'s' if n > 1 else ''} far {side} its others ({shown}; the "
            f"others {fmt_number(f.low)} to {fmt_number(f.high)}){more}: ")
    remedy = (f"If {'they are typos' if n > 1 else 'it is a typo'}, correct the file or read {them} "
              f"as missing (Read … as missing, on the Data tab; --na-values {values} from the "
              f"command line)")
    if col == target:
        return (f"{head}the others span {(f.high - f.low) / whole:.2%} of the range the network "
                f"must answer in, and the squared {'errors' if n > 1 else 'error'} on {them} "
                f"outweigh the others'. {remedy}: the rows are then left out.")
    return (f"{head}scaled with {them}, the others span {(f.high - f.low) / whole:.2%} of the range "
            f"the network sees. {remedy}; if the column spans orders of magnitude (incomes, sizes, "
            f"counts), give the network its logarithm instead (the input log({col}), added on the "
            f"Playground tab, with {col} unticked; log({col}) in --features from the command line).")


class Looked(NamedTuple):
    codes: list[MissingCode]  # -999 …: read as missing in a click
    far: list[MissingCode]  # typos: read as missing in a click
    #: a blood pressure of 0, an age of -1: each read as missing in its own column in a click
    own: list[MissingCode]
    notes: list[str]  # what the Data tab, Train and the CLI say of them


def look(frame: pd.DataFrame, columns: list[str], target: str | None = None,
         memo: dict | None = None) -> Looked:
    """The codes (-999), the values far beyond the others, the lone 0s and -1s in these columns,
    and the notes that say them (``target``: the one of them the network predicts).

    Each column's findings depend on its values alone: with ``memo`` (a dict that lives as long
    as ``frame`` is this table) a column is looked at once, not at every change of the roles (a
    42,000-row pixel file's 784 columns took 0.9 s each time a column was ticked)."""
    memo = {} if memo is None else memo
    codes, far, own = [], [], []
    for col in (c for c in columns if c in frame.columns):
        if ("look", col) not in memo:
            mine = column_codes(col, frame[col])
            memo[("look", col)] = (mine, far_values(col, frame[col], mine), column_own_codes(col, frame[col]))
        c, f, o = memo[("look", col)]
        codes += c
        far += f
        own += o
    zeros, ones = [m for m in own if m.code == "0"], [m for m in own if m.code == "-1"]
    return Looked(codes, far, [*zeros, *ones], [t for t in (codes_text(codes), far_text(far, target),
                                                            zeros_text(zeros), minus_ones_text(ones)) if t])


def own_codes(frame: pd.DataFrame) -> list[MissingCode]:
    """The lone 0s and -1s of the table's columns (:func:`lone_zeros`, :func:`lone_minus_ones`),
    column by column: each a value to read as missing in its own column alone."""
    return [m for c in frame.columns for m in column_own_codes(c, frame[c])]


def column_own_codes(col: str, s: pd.Series) -> list[MissingCode]:
    """The lone 0 and the lone -1 of one column (:func:`own_codes`)."""
    return [m for find in (lone_zeros, lone_minus_ones) if (m := find(col, s)) is not None]


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
    frame, found = _masked(dataset.frame, {col: codes for col in dataset.frame.columns})
    options = dict(dataset.csv_options or {})
    options["na_values"] = list(dict.fromkeys([*options.get("na_values", []), *codes]))
    return replace(dataset, frame=frame, csv_options=options,
                   warnings=[*dataset.warnings, *codes_read_text(found)])


def read_missing_in(dataset, columns: dict[str, list[str]]):
    """A copy of ``dataset`` with each column's values (``{column: values}``, as written) read as
    missing in that column alone, as the file read with them in ``CsvOptions.missing_in`` would be
    (a blood pressure of 0 'not measured', where the same file's 0 pregnancies are real); the
    reading options gain them, so the project, a streamed fit and a file scored later read so."""
    frame, found = _masked(dataset.frame, {c: v for c, v in columns.items() if c in dataset.frame.columns})
    options = dict(dataset.csv_options or {})
    own = {c: list(v) for c, v in (options.get("missing_in") or {}).items()}
    for col, values in columns.items():
        own[col] = list(dict.fromkeys([*own.get(col, []), *values]))
    options["missing_in"] = own
    return replace(dataset, frame=frame, csv_options=options,
                   warnings=[*dataset.warnings, *missing_in_read_text(found)])


def _masked(frame: pd.DataFrame, columns: dict) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """A copy of ``frame`` with each column's codes (``{column: codes}``) read as missing, and
    ``{column: {code: rows}}`` of those it held."""
    frame = frame.copy()
    found: dict[str, dict[str, int]] = {}
    for col, codes in columns.items():
        hits = _hits(frame[col], codes)
        counts = {code: int(hit.sum()) for code, hit in hits.items() if hit.any()}
        if counts:
            frame[col] = frame[col].mask(pd.concat(hits.values(), axis=1).any(axis=1))
            found[str(col)] = counts
    return frame, found


def _hits(s: pd.Series, codes: list[str]) -> dict[str, pd.Series]:
    """Where each code is in the column: the number in a column of numbers, the text as written
    in a column of text (as pandas' ``na_values`` compare); empty for other columns."""
    if is_numeric_dtype(s):
        return {code: s == v for code in codes
                if (v := pd.to_numeric(pd.Series([code]), errors="coerce")[0]) == v}
    if is_text_dtype(s):
        return {code: s == code for code in codes}
    return {}


def missing_in_read_text(found: dict[str, dict[str, int]]) -> list[str]:
    """What reading a column's own values as missing did, in one sentence: "Read 0 as missing, as
    you chose: in Glucose (5 rows), BloodPressure (35 rows) and BMI (11 rows). …"."""
    if not found:
        return []
    values = list(dict.fromkeys(v for counts in found.values() for v in counts))

    def rows(n: int) -> str:
        return f"{n:,} row{'s' if n > 1 else ''}"

    where = and_list([f"{col} ({rows(counts[values[0]])})" if len(values) == 1 else
                      f"{col} ({and_list([f'{v} in {rows(n)}' for v, n in counts.items()])})"
                      for col, counts in found.items()])
    many = sum(sum(c.values()) for c in found.values()) > 1
    them, cols = ("them" if many else "it"), ("those columns'" if len(found) > 1 else "that column's")
    return [f"Read {and_list(values)} as missing, as you chose: in {where}. To read {them} as "
            f"{'numbers' if many else 'a number'} again, Undo (Ctrl+Z) or open the file again (Open "
            f"data…; the project keeps {them} among {cols} own missing values until then). The "
            f"file's other columns are read as before."]


def codes_read_text(found: dict[str, dict[str, int]]) -> list[str]:
    """What reading the values as missing did: one sentence a column."""
    out = []
    for col, counts in found.items():
        what = and_list([f"{code} ({n:,} row{'s' if n > 1 else ''})" for code, n in counts.items()])
        them = "them" if len(counts) > 1 else "it"
        out.append(f"Read as missing in {col}, as you chose: {what}. To read {them} as "
                   f"{'numbers' if len(counts) > 1 else 'a number'} again, Undo (Ctrl+Z) or open "
                   f"the file again (Open data…; the project keeps {them} among its 'Also missing' "
                   f"values until then).")
    return out
