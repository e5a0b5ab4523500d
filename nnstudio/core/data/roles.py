"""Column roles (target, features, ignored with a reason) and task inference.

The app proposes roles the way a careful data scientist would: identifiers (unique per row, row
numbers, customer ids), free text (names), dates, empty and constant columns are ignored, each with
the reason in plain words. The user can override any proposal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from nnstudio.core.data.csv_dates import date_column_of, part_names
from nnstudio.core.data.preprocess_config import PreprocessConfig
from nnstudio.core.data.profile import (
    MAX_CATEGORIES,
    ColumnProfile,
    fmt_number,
    fmt_value,
    infinite_text,
    is_numeric_dtype,
    profile_column,
)
from nnstudio.core.data.scales import class_order
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task

MAX_CLASSES = MAX_CATEGORIES  # above this a target is refused as classes (use regression or group them)
MAX_AUTO_CLASSES = 20  # whole-number targets with at most this many values are proposed as classes

#: Column names that usually hold the thing to predict (compared without case, spaces, _ and -).
TARGET_NAMES = ("target", "label", "labels", "class", "classid", "y", "outcome", "exited", "churn",
                "churned", "survived", "species", "diagnosis", "default", "result")

_ID_NAMES = {"id", "rownumber", "rowid", "rownum", "index", "unnamed:0", "no", "number", "key", "uuid",
             "guid", "recordid", "row", "pid", "uid", "sid", "nr"}
#: Last words that make a name an identifier's ('customer_id', 'CustomerID', 'Kunden-Nr').
_ID_WORDS = ("id", "ids", "number", "no", "nr", "num", "key", "code", "uuid", "guid")
#: Words that end in those letters without naming an identifier ('amount paid' is an amount).
_NOT_ID_WORDS = frozenset(
    "valid invalid humid fluid solid liquid rapid avoid lipid hybrid covid unpaid prepaid postpaid "
    "overpaid underpaid squid pyramid android steroid thyroid tabloid asteroid opioid cupid vivid "
    "timid stupid splendid candid lucid horrid morbid rigid torrid placid braid afraid druid "
    "casino piano volcano domino albino merino neutrino techno latino soprano cappuccino "
    "whiskey turkey hockey monkey donkey jockey platinum aluminum".split())
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

REASON_ROW_NUMBER = "a row number: it counts rows and carries no pattern to learn"
#: a row number the target rises or falls along (a trend, if the rows are in time order)
REASON_ROW_NUMBER_TREND = ("a row number: left out, though '{target}' {way} along it (rank correlation "
                           "{r:.2f}): if the rows are in time order that is a trend, which a network "
                           "carries poorly beyond the rows it learnt from. To measure a forecast, "
                           "hold out the last rows; to let the network learn the trend, tick Use "
                           "(--features)")
#: the rank correlation from which a target is said to rise or fall along a row number
TREND_R = 0.5
REASON_ID = "an identifier: unique for (almost) every row, so it carries no pattern to learn"
REASON_BY_USER = "ignored by you"
#: a column of dates read as they are (no year, month and weekday columns added beside it)
REASON_DATES_UNSPLIT = ("dates or times: not used as they are (open the file with 'Add year, month "
                        "and weekday of dates' on, or derive such numbers in the file)")
#: the same, in a streamed fit (it has no such switch)
REASON_DATES_STREAMED = ("dates or times: not used as they are; a streamed fit reads dates as they "
                         "are (train in memory to learn from their year, month and weekday, or "
                         "derive such numbers in the file)")
REASON_COUNTER = ("numbers {lo} to {hi}, each in exactly one row: a row number or an identifier, so "
                  "it carries no pattern to learn")
#: the first column of a file without a header row, when its whole numbers all differ: UCI's
#: breast-cancer files start with the patient's ID number (842302, 842517, …). Only the first: a
#: census weight further right (adult's fnlwgt) differs in every row of a small sample too.
REASON_UNNAMED_ID = ("whole numbers that differ in every row ({lo} to {hi}), in the file's first "
                     "column, which has no name: most likely an identifier such as a record number, "
                     "so it carries no pattern to learn (tick Use, or --features, if it measures "
                     "something)")
#: the names the reader gives the columns of a file without a header row
_UNNAMED = re.compile(r"column \d+")
#: rows from which whole numbers that all differ, in a nameless first column, are an identifier
MIN_UNNAMED_ID_ROWS = 50

#: An identifier's name over at least this many values, each in 1.5 to MAX_ID_GROUP_ROWS rows on
#: average, names groups of rows (a patient's visits): not an input, and a random split mixes its
#: groups. With more rows each (30 stores over 120 days) it names a few entities whose rows new data
#: has too: a category to learn from (a store's level of sales).
MIN_ID_GROUPS = 20
#: A column of whole numbers and at least this many different values of text, most of its values
#: different, holds codes (a ticket number): not an input (:func:`codes_of_numbers_and_text`).
MIN_CODE_TEXTS = 5
MAX_ID_GROUP_ROWS = 10
#: A column with more than this share of its values missing is proposed as ignored.
MOSTLY_MISSING = 0.5
#: Columns looked at as the groups of a per-group sequence number (2 .. n/3 distinct values each).
MAX_GROUP_COLUMNS = 40
#: Above this many rows only a sequence in row order is looked for (grouping every column is slow).
MAX_GROUP_ROWS = 300_000


@dataclass
class Roles:
    target: str
    features: list[str]
    ignored: dict[str, str] = field(default_factory=dict)  # column -> reason

    def to_dict(self) -> dict:
        return {"target": self.target, "features": list(self.features), "ignored": dict(self.ignored)}

    @classmethod
    def from_dict(cls, d: dict) -> Roles:
        return cls(str(d["target"]), [str(c) for c in d["features"]], dict(d.get("ignored", {})))

    def role_of(self, column: str) -> str:
        """'target', 'feature' or 'ignored'."""
        if column == self.target:
            return "target"
        return "feature" if column in self.features else "ignored"


def _norm(name: str) -> str:
    return name.lower().replace("_", "").replace(" ", "").replace("-", "")


def _id_like_name(name: str) -> bool:
    """Whether a column's name is an identifier's: a known one ('id', 'row'), one whose last word
    is ('customer_id', 'CustomerID', 'order no'), or one lower-case word ending in such a word
    after one of three letters or more ('customerid'), but not an English word ('paid', 'valid')."""
    if _norm(name) in _ID_NAMES:
        return True
    words = _WORD.findall(name)
    if not words:
        return False
    last = words[-1].lower()
    if len(words) > 1:
        return last in _ID_WORDS
    return last not in _NOT_ID_WORDS and any(
        last.endswith(w) and len(last) - len(w) >= 3 for w in _ID_WORDS)


#: Names of number columns whose whole numbers name things (a zip code, a product code), not
#: amounts: as a number, 98103 would be "more" than 98004.
_CODE_SUFFIXES = ("zip", "zipcode", "postcode", "postalcode", "code", "fips")


#: what a mark column's blank is read as: text, or (a column of numbers) zero
BLANK_MARK = "(blank)"


def is_mark_column(prof: ColumnProfile, n: int) -> bool:
    """One value and blanks, at least two of each in ten rows or more: 'x' where a box was ticked
    (or 1), nothing where it was not. The blank is a value ('not marked'), not a missing one."""
    return (n >= 10 and prof.unique == 1 and prof.kind != "empty" and prof.missing >= 2
            and n - prof.missing >= 2)


def code_columns(frame: pd.DataFrame, features: list[str],
                 profiles: dict[str, ColumnProfile] | None = None) -> list[str]:
    """The features to propose as categories: whole numbers, more than two and at most
    ``MAX_CATEGORIES`` different values, under a name that says they are codes or identifiers
    (a store_id over its days: store 30 is not "more" than store 3)."""
    out = []
    for c in features:
        prof = (profiles or {}).get(c) or profile_column(frame[c])
        if (prof.kind == "number" and prof.integer and 2 < prof.unique <= MAX_CATEGORIES
                and (_norm(str(c)).endswith(_CODE_SUFFIXES) or _id_like_name(str(c)))):
            out.append(c)
    return out


def propose_codes(config: PreprocessConfig, frame: pd.DataFrame, features: list[str],
                  profiles: dict[str, ColumnProfile] | None = None) -> PreprocessConfig:
    """``config`` with each of :func:`code_columns` taken as a category, unless its kind was
    chosen already, and each mark column's (:func:`is_mark_column`) blanks filled as 'not marked'
    (:data:`BLANK_MARK`, or 0 in a column of numbers) unless its missing values' handling was
    chosen already (a copy: ``config`` is left as it is)."""
    out = replace(config)
    # each feature profiled once here (a streamed fit's first rows come without profiles)
    profiles = {c: (profiles or {}).get(c) or profile_column(frame[c]) for c in features}
    for c in code_columns(frame, features, profiles):
        if out.for_column(c, "kind") == "auto":
            out.set_for_column(c, "kind", "category")
    for c in features:
        if is_mark_column(profiles[c], len(frame)) and "missing" not in out.per_column.get(c, {}):
            out.set_for_column(c, "missing", "constant")
            out.set_for_column(c, "fill_value", 0.0 if is_numeric_dtype(frame[c]) else BLANK_MARK)
    return out


def ignore_reason(name: str, s: pd.Series, prof: ColumnProfile | None = None,
                  frame: pd.DataFrame | None = None) -> str | None:
    """Why a column should not be a feature (``None``: it can be one).

    ``frame`` (the whole table) lets a sequence number that restarts within each group of another
    column be recognised even when the rows are not sorted by that group."""
    prof = prof or profile_column(s)
    n = len(s)
    if prof.kind == "empty":
        return "empty: every value is missing"
    if is_mark_column(prof, n):
        return None  # a ticked box: its blank says 'not marked' (propose_codes fills it so)
    if prof.unique == 1 and prof.missing <= MOSTLY_MISSING * n:
        v = prof.top[0][0] if prof.top else fmt_number(prof.min)
        return f"constant: the same value ({v}) in every row, so it tells the rows apart in no way"
    dates = date_column_of(name, frame)
    if dates is not None:  # added when the file was read: the user's to use
        return f"a part of the dates in '{dates}', added to learn from: tick Use (--features) to use it"
    if n >= 10 and prof.missing > MOSTLY_MISSING * n:
        what = " (free text)" if prof.kind == "text" else ""
        return (f"mostly missing{what}: {prof.missing:,} of {n:,} rows ({prof.missing / n:.0%}) have no "
                f"value, too few to learn from")
    nonnull = n - prof.missing
    if n > 0 and prof.kind in ("number", "binary") and prof.integer and prof.unique == n and n > 20:
        d = np.diff(s.to_numpy(dtype=np.float64))
        if len(d) and np.all(d == 1):
            return REASON_ROW_NUMBER
        if prof.max - prof.min + 1 <= 1.1 * n:  # 1..n (or nearly) in some order: a counter
            return REASON_COUNTER.format(lo=fmt_number(prof.min), hi=fmt_number(prof.max))
        if n >= MIN_UNNAMED_ID_ROWS and str(name) == "column 1":
            return REASON_UNNAMED_ID.format(lo=f"{prof.min:.0f}", hi=f"{prof.max:.0f}")
    # a number with a fractional part is a measurement, never an identifier ('citric acid', whose
    # lab values differ in every row, ends in 'id')
    fractional = prof.kind in ("number", "binary") and not prof.integer
    id_name = _id_like_name(name) and not fractional
    if id_name and nonnull > 0 and prof.unique >= 0.9 * nonnull and n > 20 and prof.kind != "mixed":
        return REASON_ID
    if n > 20 and repeated_identifier(name, prof):
        each = (n - prof.missing) / prof.unique
        each_text = f"{each:.0f}" if abs(each - round(each)) < 0.05 else f"about {each:.1f}"
        return (f"an identifier repeated over the rows ({prof.unique:,} values, {each_text} rows each): "
                f"it names whose rows they are, not something to learn from, and new data brings "
                f"new ones. The rows of one {name} belong together: hold out whole groups of it "
                f"(Hold out: whole groups)")
    seq = _sequence_reason(name, s, prof, frame)
    if seq:
        return seq
    if prof.kind == "date":
        parts = [p for p in part_names(name, True) if frame is not None and p in frame.columns]
        if parts:
            return (f"dates or times: not used as they are; {', '.join(repr(p) for p in parts)} "
                    f"were added from them to learn from (tick Use; --features from the command line)")
        return REASON_DATES_UNSPLIT
    if codes_of_numbers_and_text(prof, nonnull):
        examples = ", ".join(repr(v) for v, _ in prof.top[:2])
        return (f"codes of numbers and text ({examples}, …): {prof.unique:,} different values in "
                f"{nonnull:,} rows, like a ticket or an account number, so it carries no pattern "
                f"to learn")
    if prof.kind == "text":
        if prof.unique == nonnull:
            return (f"text unique to every row ({prof.unique:,} different values), like a name or an "
                    f"identifier: there are no repeats to learn from")
        if prof.words >= 3:
            return (f"free text (sentences, about {prof.words:.0f} words each): {prof.unique:,} "
                    f"different values in {nonnull:,} rows, not categories to learn from")
        return (f"free text or names: {prof.unique:,} different values in {n:,} rows, too many to "
                f"use as categories")
    return None


def codes_of_numbers_and_text(prof: ColumnProfile, nonnull: int) -> bool:
    """Whole numbers beside at least :data:`MIN_CODE_TEXTS` different values of text, most of
    them different (a ticket column: '113803', 'PC 17599', 'A/5 21171'): codes, not numbers with
    a few stray values ('?', 'n/a', which say to mark them as missing)."""
    return (prof.kind == "mixed" and nonnull > 20 and prof.integer and prof.unique >= 0.5 * nonnull
            and prof.stray_unique >= MIN_CODE_TEXTS)


def repeated_identifier(name: str, prof: ColumnProfile) -> bool:
    """An identifier's name over values that repeat (a patient's visits): at least
    :data:`MIN_ID_GROUPS` of them, 1.5 to :data:`MAX_ID_GROUP_ROWS` rows each on average (whole
    numbers or text). Codes are not (a zip code names a place whose rows new data has too)."""
    if not _id_like_name(str(name)) or prof.kind not in ("number", "text", "binary"):
        return False
    if _norm(str(name)).endswith(_CODE_SUFFIXES):  # a zip or product code: categories to learn
        return False
    if prof.kind != "text" and not prof.integer:
        return False
    rows = prof.n - prof.missing
    return prof.unique >= MIN_ID_GROUPS and 1.5 * prof.unique <= rows <= MAX_ID_GROUP_ROWS * prof.unique


def _uneven(sizes: np.ndarray) -> bool:
    """Groups of different sizes (visits per patient, specimens per study), unlike a cycle such as
    the month in each year or the weekday, whose groups all have one size but for one (the last)."""
    if len(sizes) < 2:
        return False
    _, counts = np.unique(sizes, return_counts=True)
    return counts.max() < len(sizes) - 1


def _sequence_reason(name: str, s: pd.Series, prof: ColumnProfile,
                     frame: pd.DataFrame | None) -> str | None:
    """A sequence number that restarts per group (1, 2, 3, 1, 2, 1, 2, 3, 4 …): the reason, or None.

    Groups must differ in size: a cycle (month 1..12 in each year, i % 3) is a feature."""
    n = len(s)
    if (n <= 20 or prof.kind not in ("number", "binary") or not prof.integer or prof.missing
            or prof.min not in (0, 1) or prof.unique >= n or prof.max >= n):
        return None
    v = s.to_numpy(dtype=np.float64)
    start = prof.min
    # every group has a first row, fewer have a second, …: counts never rise, and groups average
    # three rows or more (cheap checks that rule out almost every other column at once)
    counts = np.bincount((v - start).astype(np.int64))
    if np.any(np.diff(counts) > 0) or n / counts[0] < 3:
        return None
    d = np.diff(v)
    resets = d != 1
    # rows in order: runs of start, start+1, … each restarting at the start
    runs = np.diff(np.r_[0, np.flatnonzero(resets) + 1, n])  # the length of each run
    if (resets.any() and np.all(v[1:][resets] == start) and v[0] == start and runs.mean() >= 3
            and _uneven(runs)):
        return (f"a sequence number that restarts {int(resets.sum()) + 1:,} times ({fmt_number(start)}, "
                f"{fmt_number(start + 1)}, {fmt_number(start + 2)}, … within each group of rows): it "
                f"counts rows, so it carries no pattern to learn")
    if frame is None or n > MAX_GROUP_ROWS:
        return None
    looked = 0
    for g in frame.columns:
        if str(g) == str(name):
            continue
        looked += 1
        if looked > MAX_GROUP_COLUMNS:
            break
        key = frame[g]
        if key.nunique(dropna=False) != counts[0]:  # one group per row holding the start
            continue
        agg = s.groupby(key.astype(str).where(key.notna(), "(missing)"), sort=False).agg(
            ["size", "min", "max", "sum"])
        size, lo, hi = agg["size"], agg["min"], agg["max"]
        # start, start+1, …, start+size-1 in each group: its minimum, maximum and sum say so
        if ((lo == start).all() and (hi - lo + 1 == size).all()
                and np.allclose(agg["sum"], size * (lo + hi) / 2) and _uneven(size.to_numpy())):
            return (f"a sequence number within each '{g}' ({fmt_number(start)}, {fmt_number(start + 1)}, "
                    f"{fmt_number(start + 2)}, … restarting for every {g}): it counts rows, so it "
                    f"carries no pattern to learn")
    return None


def propose_target(frame: pd.DataFrame, profiles: dict[str, ColumnProfile] | None = None) -> str:
    """The column that most likely holds what to predict: a usual name, else the last usable column.

    A file without a header row names nothing, and its class is the first column about as often as
    the last (UCI's breast cancer, mushrooms, voting records): there the first usable column is
    proposed when it holds two values and the last does not (a diagnosis M/B before 30
    measurements)."""
    cols = [str(c) for c in frame.columns]
    by_name = {_norm(c): c for c in cols}
    for name in TARGET_NAMES:
        if name in by_name:
            return by_name[name]

    def usable(order):
        for c in order:
            prof = (profiles or {}).get(c) or profile_column(frame[c])
            if ignore_reason(c, frame[c], prof, frame) is None and prof.kind != "mixed":
                return c, prof
        return None, None

    last, last_prof = usable(reversed(cols))
    if last is None:
        return cols[-1]
    if all(_UNNAMED.fullmatch(c) for c in cols) and last_prof.kind != "binary":
        first, first_prof = usable(cols)
        if first_prof is not None and first_prof.kind == "binary":
            return first
    return last


def infer_roles(frame: pd.DataFrame, target: str | None = None, *,
                profiles: dict[str, ColumnProfile] | None = None) -> Roles:
    """Propose roles: the target (given, or see :func:`propose_target`) and every usable column as a
    feature. ID-like, free-text, date, empty and constant columns are ignored, each with its reason.

    ``profiles`` (column -> :class:`ColumnProfile`) saves recomputing them on big tables.
    """
    cols = [str(c) for c in frame.columns]
    if not cols:
        raise DataError("The table has no columns.", "Open a file with a header row and data.")
    profiles = dict(profiles or {})
    if target is None:
        target = propose_target(frame, profiles)
    if target not in cols:
        near = [c for c in cols if c.lower() == str(target).lower()]
        hint = f"Did you mean '{near[0]}'? Names are case-sensitive." if near else \
            f"Choose one of: {', '.join(cols[:30])}{' …' if len(cols) > 30 else ''}."
        raise DataError(f"There is no column named '{target}'.", hint)
    features, ignored = [], {}
    for c in cols:
        if c == target:
            continue
        prof = profiles.get(c) or profile_column(frame[c])
        reason = ignore_reason(c, frame[c], prof, frame)
        if reason == REASON_ROW_NUMBER:
            reason = _trend_reason(frame[c], frame[target], target) or reason
        if reason:
            ignored[c] = reason
        else:
            features.append(c)
    return Roles(target, features, ignored)


def _trend_reason(rows: pd.Series, target: pd.Series, name: str) -> str | None:
    """The reason of a row number the (number) target rises or falls along; None otherwise."""
    if not is_numeric_dtype(target) or target.nunique() <= 20:  # an amount, not class codes
        return None
    both = pd.DataFrame({"row": rows, "y": target}).dropna()
    if len(both) > 100_000:
        both = both.sample(100_000, random_state=0)
    r = both["row"].corr(both["y"], method="spearman") if len(both) > 20 else float("nan")
    if not np.isfinite(r) or abs(r) < TREND_R:
        return None
    return REASON_ROW_NUMBER_TREND.format(target=name, way="rises" if r > 0 else "falls", r=abs(r))


def trend_along(reason: str, target: str) -> str | None:
    """"rises" or "falls" when ``reason`` is a row number's that ``target`` rises or falls along
    (:data:`REASON_ROW_NUMBER_TREND`), else None: the time-order note reads it (core.data.checks)."""
    head = REASON_ROW_NUMBER_TREND.split("{target}")[0] + target + "' "
    if not reason.startswith(head):
        return None
    return "rises" if reason[len(head):].startswith("rises") else "falls"


def one_value_error(name, value) -> DataError:
    """The refusal of a target that holds one value only (in memory and streamed alike)."""
    return DataError(f"The target '{name}' has only one value ({fmt_value(value)}), so there is "
                     "nothing to predict.", "Choose a target with at least two different values.")


def infer_task(target: pd.Series, prof: ColumnProfile | None = None) -> tuple[Task, list]:
    """Task and class labels (sorted; a scale's answers in its order) from the target column;
    raises DataError if unusable."""
    name = target.name
    prof = prof or profile_column(target)
    s = target.dropna()
    if len(s) == 0:
        raise DataError(f"The target '{name}' has no values: every row is missing.",
                        "Choose another target column.")
    if prof.kind == "mixed":
        raise DataError(f"The target '{name}' holds numbers, but {prof.strays_said()}: "
                        f"{prof.stray_text()}.", _stray_hint(prof))
    nun = prof.unique
    if nun < 2:
        raise one_value_error(name, s.iloc[0])
    if is_numeric_dtype(s):
        if prof.n_inf:
            raise DataError(f"The target '{name}' has {infinite_text(prof.n_inf)}.",
                            "Replace them with numbers in the file, or mark 'inf' as a missing "
                            "value when opening it (--na-values inf).")
        if nun == 2:
            return Task.BINARY, sorted(s.unique().tolist())
        if prof.integer and nun <= MAX_AUTO_CLASSES and len(s) >= 2 * nun:
            return Task.MULTICLASS, sorted(s.unique().tolist())
        return Task.REGRESSION, []
    if pd.api.types.is_bool_dtype(s):
        return Task.BINARY, sorted(s.unique().tolist())
    classes = sorted(s.astype(str).unique().tolist())
    if nun == 2:
        return Task.BINARY, classes
    check_class_count(name, nun, len(s))
    return Task.MULTICLASS, class_order(classes)  # survey answers: the scale's order


def check_class_count(name, n_classes: int, n_rows: int) -> None:
    """Refuse a classification target with more classes than can be learnt from the rows."""
    if n_classes > MAX_CLASSES:
        raise DataError(f"The target '{name}' has {n_classes:,} different values: too many classes "
                        f"to learn (at most {MAX_CLASSES}).",
                        "Predict it as a number (task: regression) if it is one, choose another "
                        "target, or group the values into fewer classes.")
    if n_rows < 2 * n_classes:
        raise DataError(f"The target '{name}' has {n_classes:,} classes in only {n_rows:,} rows: "
                        f"fewer than two examples per class cannot be learnt.",
                        "Use more rows, group the values into fewer classes, or predict a number "
                        "(task: regression).")


def _stray_hint(prof: ColumnProfile) -> str:
    hints = []
    if prof.decimal_comma:
        hints.append("if ',' is the decimal separator (12,5 = 12.5), choose 'decimal comma' when "
                     "opening the file (--decimal ,)")
    others = sorted({v for _, v in prof.stray if not prof.decimal_comma or "," not in v})
    if others:
        hints.append(f"mark {', '.join(repr(v) for v in others[:3])} as missing values when opening "
                     f"the file (--na-values '{','.join(others[:3])}')")
    hints.append("or fix those values in the file")
    text = "; ".join(hints)
    return text[0].upper() + text[1:] + "."


stray_hint = _stray_hint
