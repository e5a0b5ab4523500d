"""Column roles (target, features, ignored with a reason) and task inference."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task

MAX_CLASSES = 100  # above this a categorical target is refused (use regression or group classes)


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


def _looks_like_id(name: str, s: pd.Series) -> str | None:
    n = len(s)
    lname = name.lower().replace("_", "").replace(" ", "")
    if n == 0:
        return None
    if lname in {"id", "rownumber", "rowid", "index", "unnamed:0"} or lname.endswith("id") and s.nunique() > 0.9 * n:
        if s.nunique(dropna=True) >= 0.9 * n:
            return "an identifier: unique for (almost) every row, so it carries no pattern to learn"
    if pd.api.types.is_integer_dtype(s) and s.is_unique and n > 20:
        d = np.diff(s.to_numpy())
        if len(d) and (np.all(d == 1) or s.nunique() == n and lname.endswith(("id", "number", "no"))):
            return "a row number or identifier: it counts rows and carries no pattern to learn"
    if (s.dtype == object or pd.api.types.is_string_dtype(s)) and n > 20:
        nun = s.nunique(dropna=True)
        if nun >= 0.5 * n and nun > MAX_CLASSES:
            return f"free text: {nun} distinct values in {n} rows, too many to use as categories"
        if nun > MAX_CLASSES and nun > 0.05 * n:
            return f"free text or a name: {nun} distinct values, too many to use as categories"
    return None


def infer_roles(frame: pd.DataFrame, target: str | None = None) -> Roles:
    """Propose roles: the target (default: the last column) and every usable column as a feature.

    ID-like and free-text columns are ignored, each with the reason in plain words.
    """
    cols = [str(c) for c in frame.columns]
    if not cols:
        raise DataError("The table has no columns.", "Open a file with a header row and data.")
    if target is None:
        target = cols[-1]
    if target not in cols:
        raise DataError(f"There is no column named '{target}'.",
                        f"Choose one of: {', '.join(cols[:20])}.")
    features, ignored = [], {}
    for c in cols:
        if c == target:
            continue
        s = frame[c]
        reason = _looks_like_id(c, s)
        if reason is None and s.isna().all():
            reason = "empty: every value is missing"
        if reason is None and s.nunique(dropna=True) <= 1:
            reason = "constant: the same value in every row"
        if reason:
            ignored[c] = reason
        else:
            features.append(c)
    return Roles(target, features, ignored)


def infer_task(target: pd.Series) -> tuple[Task, list]:
    """Task and class labels (sorted) from the target column; raises DataError if unusable."""
    s = target.dropna()
    name = target.name
    if len(s) == 0:
        raise DataError(f"The target '{name}' has no values: every row is missing.",
                        "Choose another target column.")
    nun = s.nunique()
    if nun < 2:
        raise DataError(f"The target '{name}' has only one value ({s.iloc[0]!r}), so there is "
                        f"nothing to predict.", "Choose a target with at least two classes.")
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if numeric:
        vals = s.to_numpy(dtype=float)
        integral = np.all(np.isfinite(vals)) and np.all(vals == np.round(vals))
        if nun == 2:
            return Task.BINARY, sorted(s.unique().tolist())
        if integral and nun <= 20:
            return Task.MULTICLASS, sorted(s.unique().tolist())
        return Task.REGRESSION, []
    classes = sorted(s.astype(str).unique().tolist())
    if nun == 2:
        return Task.BINARY, classes
    if nun > MAX_CLASSES:
        raise DataError(f"The target '{name}' has {nun} different text values: too many classes "
                        f"to learn from {len(s)} rows.",
                        "Choose another target, or group the values into fewer classes.")
    return Task.MULTICLASS, classes
