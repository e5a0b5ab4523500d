"""Column roles (target, features, ignored with a reason) and task inference.

The app proposes roles the way a careful data scientist would: identifiers (unique per row, row
numbers, customer ids), free text (names), dates, empty and constant columns are ignored, each with
the reason in plain words. The user can override any proposal.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.data.profile import (
    MAX_CATEGORIES,
    ColumnProfile,
    fmt_number,
    is_numeric_dtype,
    profile_column,
)
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task

MAX_CLASSES = MAX_CATEGORIES  # above this a target is refused as classes (use regression or group them)
MAX_AUTO_CLASSES = 20  # whole-number targets with at most this many values are proposed as classes

#: Column names that usually hold the thing to predict (compared without case, spaces, _ and -).
TARGET_NAMES = ("target", "label", "labels", "class", "classid", "y", "outcome", "exited", "churn",
                "churned", "survived", "species", "diagnosis", "default", "result")

_ID_NAMES = {"id", "rownumber", "rowid", "rownum", "index", "unnamed:0", "no", "number", "key", "uuid",
             "guid", "recordid", "row"}
_ID_SUFFIXES = ("id", "number", "no", "num", "key", "code", "uuid")

REASON_ROW_NUMBER = "a row number: it counts rows and carries no pattern to learn"
REASON_ID = "an identifier: unique for (almost) every row, so it carries no pattern to learn"
REASON_BY_USER = "ignored by you"


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


def ignore_reason(name: str, s: pd.Series, prof: ColumnProfile | None = None) -> str | None:
    """Why a column should not be a feature (``None``: it can be one)."""
    prof = prof or profile_column(s)
    n = len(s)
    if prof.kind == "empty":
        return "empty: every value is missing"
    if prof.unique == 1:
        v = prof.top[0][0] if prof.top else fmt_number(prof.min)
        return f"constant: the same value ({v}) in every row, so it tells the rows apart in no way"
    lname = _norm(name)
    nonnull = n - prof.missing
    if n > 0 and prof.kind in ("number", "binary") and prof.integer and prof.unique == n and n > 20:
        d = np.diff(s.to_numpy(dtype=np.float64))
        if len(d) and np.all(d == 1):
            return REASON_ROW_NUMBER
    id_name = lname in _ID_NAMES or lname.endswith(_ID_SUFFIXES)
    if id_name and nonnull > 0 and prof.unique >= 0.9 * nonnull and n > 20 and prof.kind != "mixed":
        return REASON_ID
    if prof.kind == "date":
        return "dates or times: not used as they are (derive numbers such as the year or weekday first)"
    if prof.kind == "text":
        if prof.unique == nonnull:
            return (f"text unique to every row ({prof.unique:,} different values), like a name or an "
                    f"identifier: there are no repeats to learn from")
        return (f"free text or names: {prof.unique:,} different values in {n:,} rows, too many to "
                f"use as categories")
    return None


def propose_target(frame: pd.DataFrame, profiles: dict[str, ColumnProfile] | None = None) -> str:
    """The column that most likely holds what to predict: a usual name, else the last usable column."""
    cols = [str(c) for c in frame.columns]
    by_name = {_norm(c): c for c in cols}
    for name in TARGET_NAMES:
        if name in by_name:
            return by_name[name]
    for c in reversed(cols):
        prof = (profiles or {}).get(c) or profile_column(frame[c])
        if ignore_reason(c, frame[c], prof) is None and prof.kind != "mixed":
            return c
    return cols[-1]


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
        reason = ignore_reason(c, frame[c], prof)
        if reason:
            ignored[c] = reason
        else:
            features.append(c)
    return Roles(target, features, ignored)


def infer_task(target: pd.Series, prof: ColumnProfile | None = None) -> tuple[Task, list]:
    """Task and class labels (sorted) from the target column; raises DataError if unusable."""
    name = target.name
    prof = prof or profile_column(target)
    s = target.dropna()
    if len(s) == 0:
        raise DataError(f"The target '{name}' has no values: every row is missing.",
                        "Choose another target column.")
    if prof.kind == "mixed":
        raise DataError(f"The target '{name}' holds numbers, but {prof.stray_count:,} values are not "
                        f"numbers: {prof.stray_text()}.", _stray_hint(prof))
    nun = prof.unique
    if nun < 2:
        raise DataError(f"The target '{name}' has only one value ({s.iloc[0]!r}), so there is "
                        f"nothing to predict.", "Choose a target with at least two different values.")
    if is_numeric_dtype(s):
        if prof.n_inf:
            raise DataError(f"The target '{name}' has {prof.n_inf:,} infinite values (inf).",
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
    return Task.MULTICLASS, classes


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
