"""Preprocessing fitted on the training split only, kept as one plain (JSON-able) object.

The same :class:`FittedPreprocessor` encodes training data, new rows typed into a form, surface
grids and exported models, so every path sees exactly the same numbers.

Order of work in :func:`prepare` (no statistic ever sees a validation or test row):

1. check the chosen columns (empty, numbers with stray text, infinite values) and the target;
2. drop rows whose target is missing;
3. split into train / validation / test (seeded; stratified by class for classification);
4. decide what "automatic" means for missing values (on the training rows: drop them when they are
   at most :data:`AUTO_DROP_MAX` of the rows, otherwise fill numbers with the median and give
   categories their own "(missing)" level); drop rows with a missing value in a column whose
   strategy is (or became) "drop";
5. fit every statistic (means, scales, category lists, fill values) on the training rows;
6. drop validation/test rows holding a category never seen in training; encode every split.

Every row left out is counted with its reason (:meth:`PreparedData.rows`), and losing more than
:data:`LOSS_WARN_SHARE` of the file is a warning (:meth:`PreparedData.warnings`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
import pandas as pd

from nnstudio.core.data import features as _features
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.profile import ColumnProfile, fmt_number, is_numeric_dtype, profile_column
from nnstudio.core.data.roles import Roles, check_class_count, infer_task, stray_hint
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task

NUMERIC_SCALINGS = ("standardize", "minmax", "none")
CATEGORICAL_ENCODINGS = ("onehot", "ordinal")
MISSING_STRATEGIES = ("auto", "drop", "mean", "median", "most_frequent", "constant")
COLUMN_KINDS = ("auto", "number", "category")

#: Plain names for the choices above (the GUI's combo boxes and the CLI's help use them).
LABELS = {
    "standardize": "standardize (mean 0, sd 1)", "minmax": "scale to 0..1", "none": "no scaling",
    "onehot": "one-hot", "ordinal": "ordinal codes",
    "drop": "drop the row", "mean": "fill with the mean", "median": "fill with the median",
    "most_frequent": "fill with the most frequent", "constant": "fill with a constant",
    "auto": "automatic", "number": "a number", "category": "a category",
}
#: The missing-value choices in plain words ("auto" reads differently from the other "auto"s).
MISSING_LABELS = {**{k: LABELS[k] for k in MISSING_STRATEGIES},
                  "auto": "automatic (fill when dropping would lose many rows)"}

#: "auto" drops the rows with a missing value when they are at most this share of the training
#: rows; above it, numbers are filled with the median and categories get a "(missing)" level.
AUTO_DROP_MAX = 0.05
#: Leaving out more than this share of the file's rows is a warning before training.
LOSS_WARN_SHARE = 0.10
#: The category that stands for "missing" when "auto" fills a column of text.
MISSING_LEVEL = "(missing)"

_is_numeric = is_numeric_dtype


@dataclass
class PreprocessConfig:
    numeric: str = "standardize"
    categorical: str = "onehot"
    missing: str = "auto"
    fill_value: float | str = 0.0
    #: per-column overrides of the keys above and "kind" ("auto" | "number" | "category"),
    #: e.g. ``{"Age": {"numeric": "none", "missing": "median"}}``
    per_column: dict[str, dict] = field(default_factory=dict)
    #: engineered inputs (issue 21): formulas over numeric columns, e.g. ["x^2", "x*y", "sin(x)"]
    engineered: list[str] = field(default_factory=list)

    def for_column(self, col: str, key: str):
        default = getattr(self, key, "auto")
        return self.per_column.get(col, {}).get(key, default)

    def set_for_column(self, col: str, key: str, value) -> None:
        """Override one choice for one column (a value equal to the default removes the override)."""
        over = dict(self.per_column.get(col, {}))
        if value == getattr(self, key, "auto"):
            over.pop(key, None)
        else:
            over[key] = value
        if over:
            self.per_column[col] = over
        else:
            self.per_column.pop(col, None)

    def check(self) -> None:
        if not isinstance(self.engineered, list) or not all(isinstance(e, str) for e in self.engineered):
            raise DataError("The engineered inputs must be a list of formulas such as \"x^2\".")
        for col, over in [(None, vars(self)), *self.per_column.items()]:
            where = f" for column '{col}'" if col else ""
            for key, allowed in (("numeric", NUMERIC_SCALINGS), ("categorical", CATEGORICAL_ENCODINGS),
                                 ("missing", MISSING_STRATEGIES), ("kind", COLUMN_KINDS)):
                if key in over and over[key] not in allowed:
                    raise DataError(f"Unknown {key} choice '{over[key]}'{where}.",
                                    f"Use one of: {', '.join(allowed)}.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> PreprocessConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise DataError(f"Unknown preprocessing setting(s): {', '.join(sorted(unknown))}.")
        cfg = cls(**{k: v for k, v in d.items()})
        cfg.per_column = {str(k): dict(v) for k, v in cfg.per_column.items()}
        cfg.check()
        return cfg


@dataclass
class SplitConfig:
    test: float = 0.2
    val: float = 0.2  # fraction of the rows left after the test split (like Keras' validation_split)
    seed: int = 42
    stratify: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SplitConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise DataError(f"Unknown split setting(s): {', '.join(sorted(unknown))}.")
        return cls(**d)

    def check(self) -> None:
        if not 0 <= self.test < 0.9:
            raise DataError(f"The test fraction must be at least 0 and below 0.9 (got {self.test}).")
        if not 0 <= self.val < 0.9:
            raise DataError(f"The validation fraction must be at least 0 and below 0.9 (got {self.val}).")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or not 0 <= self.seed < 2**63:
            raise DataError(f"The split seed must be a whole number from 0 to 2^63 - 1 (got "
                            f"{self.seed!r}).")

    def fractions(self) -> tuple[float, float, float]:
        """(train, validation, test) as fractions of all rows."""
        test = self.test
        val = (1 - test) * self.val
        return 1 - test - val, val, test


@dataclass
class ColumnTransform:
    name: str
    kind: str  # "numeric" | "categorical" | "binary"
    scaling: str = "none"
    center: float = 0.0
    scale: float = 1.0
    categories: list = field(default_factory=list)
    encoding: str = "onehot"
    impute: str = "drop"
    impute_value: float | str | None = None
    n_fit: int = 0
    stats: dict = field(default_factory=dict)  # for display: mean, sd, min, max
    n_missing: int = 0  # missing values in the training split
    formula: str = ""  # an engineered input (issue 21): computed from the raw columns (core.data.features)
    encoded: bool = True  # False: a raw column read only by engineered inputs, not fed to the network

    @property
    def passthrough_binary(self) -> bool:
        """A number column holding only 0 and 1: used as it is."""
        return self.kind == "binary" and self.categories == [0, 1]

    def output_names(self) -> list[str]:
        if not self.encoded:
            return []
        if self.kind == "categorical" and self.encoding == "onehot":
            return [f"{self.name}={c}" for c in self.categories]
        return [self.name]

    def describe(self) -> str:
        if not self.encoded:
            return (f"{self.name}: read by the engineered inputs only, not given to the network "
                    f"directly")
        if self.formula:
            return "engineered input " + replace(self, formula="").describe()
        n = f"fitted on {self.n_fit:,} rows"
        if self.impute == "drop" or self.impute_value is None:
            miss = f"; {self.n_missing:,} training rows with it missing were dropped" if self.n_missing else ""
        elif self.impute == "missing_level":
            miss = f"; a missing value becomes its own category '{self.impute_value}'"
            if self.n_missing:
                miss += f" ({self.n_missing:,} in training)"
        else:
            what = {"mean": "the mean", "median": "the median", "most_frequent": "the most frequent value",
                    "constant": "the constant"}.get(self.impute, self.impute)
            v = self.impute_value
            v = fmt_number(float(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else v
            miss = f"; missing values filled with {what} ({v})"
            if self.n_missing:
                miss += f", {self.n_missing:,} in training"
        if self.kind == "numeric":
            st = self.stats
            if self.scaling in ("standardize", "minmax") and st["min"] == st["max"]:
                return (f"{self.name}: the same value ({fmt_number(st['min'])}) in every training row, "
                        f"so it becomes 0 (it carries no information), {n}{miss}")
            if self.scaling == "standardize":
                return (f"{self.name}: standardized, mean {fmt_number(st['mean'])}, "
                        f"sd {fmt_number(st['sd'])}, {n}{miss}")
            if self.scaling == "minmax":
                return (f"{self.name}: scaled to 0..1, min {fmt_number(st['min'])}, "
                        f"max {fmt_number(st['max'])}, {n}{miss}")
            return f"{self.name}: used as is (no scaling){miss}"
        if self.passthrough_binary:
            return f"{self.name}: already 0/1, used as is{miss}"
        if self.kind == "binary":
            return (f"{self.name}: two values, {self.categories[0]!s} → 0, {self.categories[1]!s} → 1, "
                    f"{n}{miss}")
        cats = ", ".join(str(c) for c in self.categories[:8]) + (" …" if len(self.categories) > 8 else "")
        if self.encoding == "onehot":
            return f"{self.name}: one-hot, {len(self.categories)} columns ({cats}), {n}{miss}"
        return f"{self.name}: ordinal codes 0..{len(self.categories) - 1} ({cats}), {n}{miss}"

    # ----- applying ------------------------------------------------------------------------------
    def _keys(self, s: pd.Series):
        if self.categories and not isinstance(self.categories[0], str):
            return s
        return s.astype(str).where(s.notna())

    def codes(self, s: pd.Series) -> np.ndarray:
        """Category codes (-1: missing or not seen in training)."""
        return pd.Categorical(self._keys(s), categories=self.categories).codes.astype(np.int64)


@dataclass
class FittedPreprocessor:
    columns: list[ColumnTransform]
    target: str
    task: Task
    classes: list = field(default_factory=list)  # class labels for classification, index = code
    #: engineered inputs (issue 21), encoded after the columns, computed from them in transform()
    derived: list[ColumnTransform] = field(default_factory=list)

    # ----- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, train: pd.DataFrame, features: list[str], target: str, task: Task, classes: list,
            config: PreprocessConfig, auto_fill: bool = True) -> FittedPreprocessor:
        """Fit every statistic on ``train`` (the training split, after dropping rows).

        A column whose missing-value strategy is "auto" is filled (numbers: the median; text: a
        "(missing)" category; numbers used as categories: the most frequent) when ``auto_fill``,
        otherwise its rows with a missing value were dropped (see :func:`prepare`)."""
        cols = []
        for c in features:
            s = train[c]
            impute = config.for_column(c, "missing")
            if impute == "auto":
                kind = config.for_column(c, "kind")
                if not auto_fill:
                    impute = "drop"
                elif _is_numeric(s) and kind != "category":
                    zero_one = set(s.dropna().unique().tolist()) <= {0, 1}
                    impute = "most_frequent" if zero_one and kind != "number" else "median"
                else:
                    impute = "most_frequent" if _is_numeric(s) else "missing_level"
            t = ColumnTransform(name=c, kind="numeric", impute=impute, n_missing=int(s.isna().sum()))
            nonnull = s.dropna()
            t.n_fit = int(len(nonnull))
            kind = config.for_column(c, "kind")
            if kind == "number" and not _is_numeric(s):
                raise DataError(f"Column '{c}' holds text, so it cannot be used as a number.",
                                "Treat it as a category, or ignore it.")
            as_number = _is_numeric(s) and kind != "category"
            if as_number and len(nonnull) == 0:
                raise DataError(f"Column '{c}' has no values in the training split.", "Ignore this column.")
            if as_number and set(nonnull.unique().tolist()) == {0, 1} and kind != "number":
                t.kind, t.categories = "binary", [0, 1]
                _fit_impute_numeric(t, c, nonnull.to_numpy(dtype=float), impute, config)
            elif as_number:
                v = nonnull.to_numpy(dtype=float)
                mean, sd = float(v.mean()), float(v.std())
                lo, hi = float(v.min()), float(v.max())
                t.stats = {"mean": mean, "sd": sd, "min": lo, "max": hi}
                t.scaling = config.for_column(c, "numeric")
                if t.scaling == "standardize":
                    t.center, t.scale = mean, (sd if sd > 0 else 1.0)
                elif t.scaling == "minmax":
                    t.center, t.scale = lo, (hi - lo if hi > lo else 1.0)
                _fit_impute_numeric(t, c, v, impute, config)
            else:
                values = nonnull if _is_numeric(s) else nonnull.astype(str)
                cats = sorted(values.unique().tolist(), key=lambda x: (str(type(x)), x))
                t.categories = cats
                t.kind = "binary" if len(cats) == 2 else "categorical"
                t.encoding = config.for_column(c, "categorical")
                if impute in ("most_frequent", "mean", "median"):
                    if len(values):
                        t.impute, t.impute_value = "most_frequent", _plain(values.mode().iloc[0])
                elif impute == "constant":
                    fill = config.for_column(c, "fill_value")
                    t.impute_value = _plain(fill) if _is_numeric(s) and isinstance(fill, (int, float)) \
                        else str(fill)
                    if t.impute_value not in t.categories:
                        t.categories.append(t.impute_value)
                        t.kind = "binary" if len(t.categories) == 2 else "categorical"
                elif impute == "missing_level" and t.n_missing:
                    # only when training has missing values: a level never seen would teach nothing
                    t.impute_value = MISSING_LEVEL
                    if MISSING_LEVEL not in t.categories:
                        t.categories.append(MISSING_LEVEL)
                        t.kind = "binary" if len(t.categories) == 2 else "categorical"
            cols.append(t)
        return cls(cols, target, Task(task), list(classes))

    # ----- applying --------------------------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def output_names(self) -> list[str]:
        return [n for c in [*self.columns, *self.derived] for n in c.output_names()]

    @property
    def n_outputs(self) -> int:
        return len(self.output_names)

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.task is not Task.REGRESSION else 1

    def rows_usable(self, frame: pd.DataFrame) -> np.ndarray:
        """Mask of rows that survive 'drop' imputation (missing values in drop-columns)."""
        mask = np.ones(len(frame), dtype=bool)
        for c in self.columns:
            if c.impute == "drop" or c.impute_value is None:
                mask &= frame[c.name].notna().to_numpy()
        return mask

    def rows_known(self, frame: pd.DataFrame) -> np.ndarray:
        """Mask of rows whose categories were all seen in training (missing values count as known)."""
        mask = np.ones(len(frame), dtype=bool)
        for c in self.columns:
            if c.kind in ("categorical", "binary") and not c.passthrough_binary:
                s = frame[c.name]
                if c.impute_value is not None:
                    s = s.fillna(c.impute_value)
                mask &= (c.codes(s) >= 0) | s.isna().to_numpy()
        return mask

    def transform(self, frame: pd.DataFrame, *, strict: bool = True) -> np.ndarray:
        """Encode raw rows (original units) into the float32 matrix the network sees.

        With ``strict`` (the default) a missing value that the fitted strategy cannot fill, a text
        where a number belongs, or a category never seen in training raises :class:`DataError`
        naming the column and the value; otherwise such cells become NaN (one-hot: all zeros).
        """
        missing = [c.name for c in self.columns if c.name not in frame.columns]
        if missing:
            raise DataError(f"Missing input column(s): {', '.join(missing)}.",
                            "The data must have the same columns the model was trained on.")
        parts, filled = [], {}
        for c in self.columns:
            s = frame[c.name]
            if c.impute_value is not None:
                s = s.fillna(c.impute_value)
            if not c.encoded:  # read by engineered inputs only
                filled[c.name] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
                continue
            if strict and s.isna().any():
                row = int(np.flatnonzero(s.isna().to_numpy())[0])
                raise DataError(f"'{c.name}' is missing in row {row + 1}.",
                                f"Give a value for '{c.name}', or choose a missing-value strategy "
                                f"other than 'drop the row' for it.")
            if c.kind == "numeric" or c.passthrough_binary:
                num = pd.to_numeric(s, errors="coerce")
                v = num.to_numpy(dtype=np.float64)
                if strict and (num.isna() & s.notna()).any():
                    row = int(np.flatnonzero((num.isna() & s.notna()).to_numpy())[0])
                    raise DataError(f"'{c.name}' must be a number, not {s.iloc[row]!r} (row {row + 1}).")
                filled[c.name] = v
                parts.append(((v - c.center) / c.scale)[:, None])
            else:
                codes = c.codes(s)
                unknown = codes < 0
                if strict and unknown.any():
                    row = int(np.flatnonzero(unknown)[0])
                    known = ", ".join(str(x) for x in c.categories[:12])
                    raise DataError(f"'{s.iloc[row]}' is not a value of '{c.name}' seen in training "
                                    f"(row {row + 1}).", f"Use one of: {known}.")
                if c.kind == "categorical" and c.encoding == "onehot":
                    m = np.zeros((len(s), len(c.categories)))
                    rows = np.nonzero(~unknown)[0]
                    m[rows, codes[rows]] = 1.0
                    parts.append(m)
                else:
                    v = codes.astype(np.float64)
                    v[unknown] = np.nan
                    parts.append(v[:, None])
        for d in self.derived:  # engineered inputs: the formula on the filled raw columns, then scaled
            v = _features.parse(d.formula, filled).numpy(filled)
            if strict and not np.isfinite(v).all():
                row = int(np.flatnonzero(~np.isfinite(v))[0])
                raise DataError(f"The engineered input '{d.name}' gives no number in row {row + 1}.",
                                "Give values for which its formula is defined.")
            parts.append(((v - d.center) / d.scale)[:, None])
        if not parts:
            return np.zeros((len(frame), 0), dtype=np.float32)
        return np.hstack(parts).astype(np.float32)

    def encode_target(self, s: pd.Series) -> np.ndarray:
        if self.task is Task.REGRESSION:
            return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float32)
        key = s if self.classes and not isinstance(self.classes[0], str) else s.astype(str)
        codes = pd.Categorical(key, categories=self.classes).codes
        return codes.astype(np.int32)

    def decode_target(self, codes: np.ndarray) -> list:
        return [self.classes[int(i)] for i in codes]

    def describe(self) -> list[str]:
        lines = [c.describe() for c in [*self.columns, *self.derived]]
        if self.task is Task.REGRESSION:
            lines.append(f"{self.target} (target): a number, predicted as is")
        else:
            cl = ", ".join(f"{c!s} → {i}" for i, c in enumerate(self.classes[:10]))
            more = f", … ({len(self.classes)} classes)" if len(self.classes) > 10 else ""
            lines.append(f"{self.target} (target, {self.task.label}): {cl}{more}")
        return lines

    # ----- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        def plain_column(c: ColumnTransform) -> dict:
            d = asdict(c)
            d["categories"] = [_plain(x) for x in c.categories]
            d["impute_value"] = _plain(c.impute_value)
            d["stats"] = {k: _plain(v) for k, v in c.stats.items()}
            # issue 21's fields only when used: models without engineered inputs stay readable by
            # earlier versions
            if not d["formula"]:
                del d["formula"]
            if d["encoded"]:
                del d["encoded"]
            return d

        out = {"columns": [plain_column(c) for c in self.columns], "target": self.target,
               "task": self.task.value, "classes": [_plain(x) for x in self.classes]}
        if self.derived:
            out["derived"] = [plain_column(c) for c in self.derived]
        return out

    @classmethod
    def from_dict(cls, d: dict) -> FittedPreprocessor:
        return cls([ColumnTransform(**c) for c in d["columns"]], d["target"], Task(d["task"]),
                   list(d.get("classes", [])), [ColumnTransform(**c) for c in d.get("derived", [])])


def _plain(x):
    return x.item() if isinstance(x, np.generic) else x


def _fit_impute_numeric(t: ColumnTransform, col: str, v: np.ndarray, impute: str,
                        config: PreprocessConfig) -> None:
    if len(v) == 0:
        return
    if impute == "mean":
        t.impute_value = float(v.mean())
    elif impute == "median":
        t.impute_value = float(np.median(v))
    elif impute == "most_frequent":
        vals, counts = np.unique(v, return_counts=True)
        t.impute_value = float(vals[np.argmax(counts)])
    elif impute == "constant":
        t.impute_value = numeric_fill_value(config, col)


@dataclass
class PreparedData:
    """Everything the engines need: encoded arrays per split, and how they were made."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    preprocessor: FittedPreprocessor
    raw_train: pd.DataFrame
    raw_val: pd.DataFrame
    raw_test: pd.DataFrame
    dropped_rows: int = 0  # all rows left out, for any of the reasons below
    dropped_missing_target: int = 0  # rows whose target is missing
    dropped_missing: int = 0  # rows with a missing value in a column whose strategy is "drop"
    dropped_unseen: int = 0  # validation/test rows with a category never seen in training
    n_total: int = 0  # rows in the table before anything was left out
    #: "drop" columns -> rows left out with a missing value in it (a row may count in several)
    dropped_by_column: dict[str, int] = field(default_factory=dict)
    missing_note: str = ""  # what "automatic" missing values did, in plain words
    auto_dropped: bool = False  # the rows dropped for missing values were dropped by "automatic"

    @property
    def task(self) -> Task:
        return self.preprocessor.task

    @property
    def n_inputs(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        return self.preprocessor.n_classes

    def summary(self) -> str:
        return (f"{len(self.X_train):,} training, {len(self.X_val):,} validation, "
                f"{len(self.X_test):,} test rows; {self.n_inputs} inputs after encoding")

    def _columns_text(self, limit: int = 3) -> str:
        top = sorted(self.dropped_by_column.items(), key=lambda kv: -kv[1])
        text = ", ".join(f"'{c}' ({n:,})" for c, n in top[:limit])
        return text + (f" and {len(top) - limit} more" if len(top) > limit else "")

    def dropped_text(self) -> list[str]:
        out = []
        if self.dropped_missing_target:
            out.append(f"{self.dropped_missing_target:,} rows without a target value were left out.")
        if self.dropped_missing:
            how = "automatic, as they were few" if self.auto_dropped else "'drop the row'"
            where = f"; missing in {self._columns_text()}" if self.dropped_by_column else ""
            out.append(f"{self.dropped_missing:,} rows with a missing value were dropped "
                       f"(missing-value strategy {how}{where}).")
        if self.dropped_unseen:
            out.append(f"{self.dropped_unseen:,} validation/test rows were left out: they hold a "
                       f"category that never occurs in the training split.")
        return out

    def rows(self) -> dict:
        """Rows per split and rows left out, by reason (``nnstudio train --json`` prints it)."""
        return {"train": int(len(self.X_train)), "validation": int(len(self.X_val)),
                "test": int(len(self.X_test)), "dropped": int(self.dropped_rows),
                "dropped_reasons": {"missing_target": int(self.dropped_missing_target),
                                    "missing_values": int(self.dropped_missing),
                                    "unseen_category": int(self.dropped_unseen)}}

    @property
    def dropped_share(self) -> float:
        return self.dropped_rows / self.n_total if self.n_total else 0.0

    def warnings(self) -> list[str]:
        """Plain-words warnings about the rows: a large share left out (above LOSS_WARN_SHARE)."""
        if self.dropped_share <= LOSS_WARN_SHARE:
            return []
        why = []
        if self.dropped_missing:
            how = "" if self.auto_dropped else " (missing-value strategy 'drop the row')"
            where = f", missing in {self._columns_text()}" if self.dropped_by_column else ""
            why.append(f"{self.dropped_missing:,} with a missing value{how}{where}")
        if self.dropped_missing_target:
            why.append(f"{self.dropped_missing_target:,} without a target value")
        if self.dropped_unseen:
            why.append(f"{self.dropped_unseen:,} validation/test rows with a category not seen in training")
        fix = []
        if self.dropped_missing:
            fix.append("fill missing values instead (missing values: automatic or median) or ignore "
                       "the columns they are in")
        if self.dropped_missing_target:
            fix.append("rows without a target cannot be used")
        left = len(self.X_train) + len(self.X_val) + len(self.X_test)
        return [f"{self.dropped_rows:,} of {self.n_total:,} rows ({self.dropped_share:.0%}) are left out: "
                f"{'; '.join(why)}. The network learns from {len(self.X_train):,} rows and is tested "
                f"on {len(self.X_test):,} (of {left:,} used)."
                + (f" To keep them: {'; '.join(fix)}." if fix else "")]

    def describe(self) -> list[str]:
        """Everything done to the data, in plain words: the split, dropped rows, every column."""
        head = [self.summary() + ".", *self.dropped_text()]
        if self.missing_note:
            head.append(self.missing_note)
        return [*head, *self.preprocessor.describe()]


def _split_indices(n: int, frac: float, seed: int, strata: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Random (stratified when ``strata``, integer class codes, is given) split of range(n) into
    (rest, taken), both sorted."""
    rng = np.random.default_rng(seed)
    if frac <= 0 or n == 0:
        return np.arange(n), np.array([], dtype=np.int64)
    taken_mask = np.zeros(n, dtype=bool)
    if strata is not None:
        order = np.argsort(strata, kind="stable")
        bounds = np.flatnonzero(np.diff(strata[order])) + 1
        for idx in np.split(order, bounds):
            idx = rng.permutation(idx)
            taken_mask[idx[:int(round(len(idx) * frac))]] = True
    else:
        taken_mask[rng.permutation(n)[:int(round(n * frac))]] = True
    return np.flatnonzero(~taken_mask), np.flatnonzero(taken_mask)


def _profile(dataset: Dataset, col: str) -> ColumnProfile:
    try:
        return dataset.profile(col)
    except AttributeError:  # a duck-typed dataset without the cache
        return profile_column(dataset.frame[col])


#: Numbers beyond this magnitude cannot be scaled (the standard deviation squares them) nor trained
#: on in float32 (largest 3.4e38): such a column is refused rather than silently turned into zeros.
MAX_MAGNITUDE = 1e30


def check_magnitude(dataset: Dataset, col: str, what: str = "Column") -> None:
    """Raise :class:`DataError` if a number column holds infinite values or values too large."""
    prof = _profile(dataset, col)
    if prof.kind not in ("number", "binary"):
        return
    if prof.n_inf:
        raise DataError(f"{what} '{col}' has {prof.n_inf:,} infinite values (inf), which a network "
                        f"cannot use.", "Replace them with numbers in the file, mark 'inf' as a "
                        "missing value when opening it (--na-values inf), or ignore the column.")
    if prof.min is None or max(abs(prof.min), abs(prof.max)) <= MAX_MAGNITUDE:
        return
    values = pd.to_numeric(dataset.frame[col], errors="coerce").to_numpy(dtype=np.float64)
    big = np.flatnonzero(np.isfinite(values) & (np.abs(values) > MAX_MAGNITUDE))
    example = f", such as {values[big[0]]:.4g} (row {big[0] + 1})" if len(big) else ""
    raise DataError(f"{what} '{col}' has {len(big):,} values too large for a network (beyond "
                    f"±{MAX_MAGNITUDE:.0e}){example}.", "Rescale it in the file (take its logarithm, "
                    "or use a larger unit), or ignore the column.")


def check_feature(dataset: Dataset, col: str, config: PreprocessConfig) -> None:
    """Raise :class:`DataError` if ``col`` cannot be used as a feature as it is."""
    prof = _profile(dataset, col)
    kind = config.for_column(col, "kind")
    if prof.kind == "empty":
        raise DataError(f"Column '{col}' is empty: every value is missing.", "Ignore this column.")
    if prof.kind == "mixed" and kind != "category":
        raise DataError(f"Column '{col}' holds numbers, but {prof.stray_count:,} values are not "
                        f"numbers: {prof.stray_text()}.",
                        stray_hint(prof)[:-1] + "; or ignore the column.")
    if kind != "category":
        check_magnitude(dataset, col)


def resolve_task(dataset: Dataset, target: str, task: Task | str | None) -> tuple[Task, list]:
    """The task (inferred, or the user's override checked against the target) and class labels."""
    col = dataset.frame[target]
    inferred, classes = infer_task(col, _profile(dataset, target))
    if task is None:
        return inferred, classes
    task = Task(task)
    if task is Task.REGRESSION:
        if not _is_numeric(col):
            raise DataError(f"The target '{target}' is text, so it cannot be predicted as a number.",
                            "Use classification for this target.")
        return task, []
    vals = col.dropna()
    if inferred is Task.REGRESSION:
        classes = sorted(vals.unique().tolist())
        check_class_count(target, len(classes), len(vals))
    if task is Task.BINARY and len(classes) != 2:
        raise DataError(f"The target '{target}' has {len(classes)} classes, so it is not a binary "
                        f"(two-class) task.", "Choose multi-class classification.")
    if task is Task.MULTICLASS and len(classes) == 2:
        return Task.BINARY, classes  # two classes are learnt as a binary task either way
    return task, classes


def prepare(dataset: Dataset, roles: Roles, config: PreprocessConfig | None = None,
            split: SplitConfig | None = None, task: Task | None = None) -> PreparedData:
    """Split the rows, fit preprocessing on the training split only, encode every split."""
    config = config or PreprocessConfig()
    split = split or SplitConfig()
    split.check()
    config.check()
    frame = dataset.frame
    if roles.target not in frame.columns:
        raise DataError(f"The target column '{roles.target}' is not in the data.",
                        "Choose a target in the Data tab (or --target).")
    formulas = engineered_formulas(dataset, roles, config)
    if not roles.features and not formulas:
        left = [f"'{c}' ({why})" for c, why in roles.ignored.items() if c != roles.target]
        why = (f": every column was left out — {'; '.join(left[:4])}"
               f"{f'; and {len(left) - 4} more' if len(left) > 4 else ''}") if left else ""
        raise DataError(f"No feature columns are selected{why}.",
                        "Choose at least one feature that holds usable values.")
    absent = [c for c in roles.features if c not in frame.columns]
    if absent:
        raise DataError(f"Feature column(s) not in the data: {', '.join(absent)}.",
                        f"Columns are: {', '.join(map(str, frame.columns[:30]))}.")
    if roles.target in roles.features:
        raise DataError(f"'{roles.target}' is both the target and a feature.",
                        "The target cannot be an input: remove it from the features.")
    # the raw columns the network reads: the features, then columns read only by engineered inputs
    inputs = list(roles.features) + [c for f in formulas for c in f.columns if c not in roles.features]
    inputs = list(dict.fromkeys(inputs))
    for c in inputs:
        check_feature(dataset, c, config)
    for f in formulas:
        _features.check_values(f, frame)
    task, classes = resolve_task(dataset, roles.target, task)
    if task is Task.REGRESSION:
        check_magnitude(dataset, roles.target, "The target")

    # rows with a missing target cannot be used for training or testing
    keep = frame[roles.target].notna().to_numpy()
    dropped_target = int((~keep).sum())
    frame = frame.loc[keep].reset_index(drop=True)
    strata = None
    if split.stratify and task is not Task.REGRESSION:
        codes = pd.factorize(frame[roles.target])[0]
        if np.bincount(codes).min() >= 2:
            strata = codes
    rest, test_idx = _split_indices(len(frame), split.test, split.seed, strata)
    train_idx, val_idx = _split_indices(len(rest), split.val, split.seed + 1,
                                        strata[rest] if strata is not None else None)
    train_idx, val_idx = rest[train_idx], rest[val_idx]
    raw = {k: frame.iloc[idx].reset_index(drop=True)
           for k, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx))}

    # "auto": decided on the training rows alone, then rows with a missing value in a "drop" column
    # go, in every split alike
    auto_cols = [c for c in inputs if config.for_column(c, "missing") == "auto"]
    train0 = raw["train"]
    auto_rows = int(train0[auto_cols].isna().any(axis=1).sum()) if auto_cols else 0
    auto_fill = auto_rows > AUTO_DROP_MAX * len(train0)
    auto_note = ""
    if auto_rows:
        share = auto_rows / max(1, len(train0))
        if auto_fill:
            auto_note = (f"Missing values (automatic): {auto_rows:,} of {len(train0):,} training rows "
                         f"({share:.0%}) have one, too many to drop, so numbers are filled with the "
                         f"training median and text gets its own '{MISSING_LEVEL}' category.")
        else:
            auto_note = (f"Missing values (automatic): only {auto_rows:,} of {len(train0):,} training "
                         f"rows ({share:.1%}) have one, so those rows are dropped (in every split).")
    drop_cols = [c for c in inputs if config.for_column(c, "missing") == "drop"
                 or (c in auto_cols and not auto_fill)]
    dropped_missing = 0
    dropped_by_column: dict[str, int] = {}
    n_missing_train = {c: int(raw["train"][c].isna().sum()) for c in inputs}
    for k, part in raw.items():
        if drop_cols:
            isna = part[drop_cols].isna()
            ok = ~isna.any(axis=1).to_numpy()
            dropped_missing += int((~ok).sum())
            for c, m in isna.sum().items():
                if m:
                    dropped_by_column[str(c)] = dropped_by_column.get(str(c), 0) + int(m)
            raw[k] = part.loc[ok].reset_index(drop=True)
    if len(raw["train"]) < 2:
        why = " after dropping rows with missing values" if dropped_missing else " after the split"
        raise DataError(f"Only {len(raw['train'])} training rows remain{why}.",
                        "Use more data, smaller test/validation fractions, or fill missing values "
                        "instead of dropping the rows.")
    pre = FittedPreprocessor.fit(raw["train"], inputs, roles.target, task, classes, config,
                                 auto_fill=auto_fill)
    for t in pre.columns:
        t.n_missing = n_missing_train[t.name]
        t.encoded = t.name in roles.features
    pre.derived = fit_engineered(pre, raw["train"], formulas, config)
    out, dropped_unseen = {}, 0
    for k, part in raw.items():
        usable = pre.rows_usable(part)
        if k != "train":
            usable &= pre.rows_known(part)
            dropped_unseen += int((~usable).sum())
        part = part.loc[usable].reset_index(drop=True)
        raw[k] = part
        out[k] = (pre.transform(part, strict=False), pre.encode_target(part[roles.target]))
    for k, (X, _) in out.items():
        if not np.all(np.isfinite(X)):
            bad = [n for n, ok in zip(pre.output_names, np.isfinite(X).all(axis=0)) if not ok]
            raise DataError(f"Column(s) {', '.join(bad[:5])} contain values that are not finite numbers "
                            f"in the {k} split.",
                            "Fix those values in the file, fill missing values, or ignore the column.")
    dropped = dropped_target + dropped_missing + dropped_unseen
    return PreparedData(out["train"][0], out["train"][1], out["val"][0], out["val"][1],
                        out["test"][0], out["test"][1], pre, raw["train"], raw["val"], raw["test"],
                        dropped, dropped_target, dropped_missing, dropped_unseen,
                        n_total=len(dataset.frame), dropped_by_column=dropped_by_column,
                        missing_note=auto_note, auto_dropped=bool(auto_rows and not auto_fill))


def engineered_formulas(dataset: Dataset, roles: Roles, config: PreprocessConfig) -> list:
    """The engineered inputs of ``config``, parsed and checked against the data (issue 21)."""
    columns = [c for c in dataset.columns if c != roles.target]
    formulas, seen = [], set()
    for text in config.engineered:
        f = _features.parse(text, columns)
        if f.text in seen:
            raise DataError(f"The engineered input '{f.text}' is listed twice.", "Remove one of them.")
        seen.add(f.text)
        for c in f.columns:
            if not _is_numeric(dataset.frame[c]) or config.for_column(c, "kind") == "category":
                raise DataError(f"The engineered input '{f.text}' reads '{c}', which is not a number "
                                f"column.", "Formulas compute with number columns only.")
        formulas.append(f)
    return formulas


def fit_engineered(pre: FittedPreprocessor, train: pd.DataFrame, formulas: list,
                   config: PreprocessConfig) -> list[ColumnTransform]:
    """One numeric transform per engineered input, fitted on the training rows (after filling)."""
    filled = {}
    for c in pre.columns:
        if c.kind == "numeric" or c.passthrough_binary or not c.encoded:
            s = train[c.name] if c.impute_value is None else train[c.name].fillna(c.impute_value)
            filled[c.name] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    out = []
    for f in formulas:
        v = f.numpy(filled)
        v = v[np.isfinite(v)]
        t = ColumnTransform(name=f.text, kind="numeric", formula=f.text, n_fit=int(len(v)))
        mean, sd = float(v.mean()), float(v.std())
        lo, hi = float(v.min()), float(v.max())
        t.stats = {"mean": mean, "sd": sd, "min": lo, "max": hi}
        t.scaling = config.numeric
        if t.scaling == "standardize":
            t.center, t.scale = mean, (sd if sd > 0 else 1.0)
        elif t.scaling == "minmax":
            t.center, t.scale = lo, (hi - lo if hi > lo else 1.0)
        out.append(t)
    return out


def numeric_fill_value(config: PreprocessConfig, col: str) -> float:
    """The constant that fills a numeric column's missing values (a DataError if not a number)."""
    fill = config.for_column(col, "fill_value")
    try:
        return float(fill)
    except (TypeError, ValueError):
        raise DataError(f"Column '{col}' holds numbers, so its missing values cannot be filled "
                        f"with {fill!r}.", "Give a number as the constant.") from None
