"""The fitted preprocessing: one ColumnTransform per column and the FittedPreprocessor that encodes rows."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from nnstudio.core.data import features as _features
from nnstudio.core.data.preprocess_config import PreprocessConfig, numeric_fill_value
from nnstudio.core.data.profile import fmt_number, is_numeric_dtype
from nnstudio.core.data.scales import category_order
from nnstudio.core.data.spellings import merged, spelling_text
from nnstudio.core.errors import DataError
from nnstudio.core.jsonsafe import python_scalar
from nnstudio.core.model.spec import Task

#: The category that stands for "missing" when "auto" fills a column of text.
MISSING_LEVEL = "(missing)"

_is_numeric = is_numeric_dtype


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
    #: "merge": values that differ only in capitals, spaces or a final full stop are read as one (core.data.spellings);
    #: ``spellings``: the variants met in the table, each to the spelling it is read as
    spelling: str = "exact"
    spellings: dict = field(default_factory=dict)

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
            miss += spelling_note(self.spelling, self.spellings)
            return (f"{self.name}: two values, {self.categories[0]!s} → 0, {self.categories[1]!s} → 1, "
                    f"{n}{miss}")
        cats = ", ".join(str(c) for c in self.categories[:8]) + (" …" if len(self.categories) > 8 else "")
        miss += spelling_note(self.spelling, self.spellings)
        if self.encoding == "onehot":
            return f"{self.name}: one-hot, {len(self.categories)} columns ({cats}), {n}{miss}"
        return f"{self.name}: ordinal codes 0..{len(self.categories) - 1} ({cats}), {n}{miss}"

    # ----- applying ------------------------------------------------------------------------------
    def _keys(self, s: pd.Series):
        return keys_of(s, self.categories, self.spelling, self.spellings)

    def codes(self, s: pd.Series) -> np.ndarray:
        """Category codes (-1: missing or not seen in training)."""
        return category_codes(self._keys(s), self.categories)


@dataclass
class FittedPreprocessor:
    columns: list[ColumnTransform]
    target: str
    task: Task
    classes: list = field(default_factory=list)  # class labels for classification, index = code
    #: engineered inputs (issue 21), encoded after the columns, computed from them in transform()
    derived: list[ColumnTransform] = field(default_factory=list)
    #: the target's spelling choice and variants, as a column's (ColumnTransform.spelling)
    target_spelling: str = "exact"
    target_spellings: dict = field(default_factory=dict)

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
                # "whole": every training value a whole number (a year, a count): held and
                # offered as whole numbers (core.surface, the surface's sliders)
                t.stats = {"mean": mean, "sd": sd, "min": lo, "max": hi, "whole": bool(np.all(v == np.round(v)))}
                t.scaling = config.for_column(c, "numeric")
                if t.scaling == "standardize":
                    t.center, t.scale = mean, (sd if sd > 0 else 1.0)
                elif t.scaling == "minmax":
                    t.center, t.scale = lo, (hi - lo if hi > lo else 1.0)
                _fit_impute_numeric(t, c, v, impute, config)
            else:
                values = nonnull if _is_numeric(s) else nonnull.astype(str)
                t.encoding = config.for_column(c, "categorical")
                cats = category_order(values.unique().tolist(), t.encoding)  # a scale's own order
                t.categories = cats
                t.kind = "binary" if len(cats) == 2 else "categorical"
                if impute in ("most_frequent", "mean", "median"):
                    if len(values):
                        t.impute, t.impute_value = "most_frequent", python_scalar(values.mode().iloc[0])
                elif impute == "constant":
                    fill = config.for_column(c, "fill_value")
                    t.impute_value = python_scalar(fill) if _is_numeric(s) and isinstance(fill, (int, float)) \
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
    def scaled_outputs(self) -> list[bool]:
        """Per network input (:attr:`output_names`' order): whether it was standardized or scaled
        to 0..1 (one-hot and 0/1 columns are small already; ordinal codes and unscaled numbers
        are not scaled)."""
        return [c.kind == "numeric" and c.scaling in ("standardize", "minmax")
                for c in [*self.columns, *self.derived] for _ in c.output_names()]

    @property
    def n_outputs(self) -> int:
        return len(self.output_names)

    @property
    def n_classes(self) -> int:
        return len(self.classes) if self.task is not Task.REGRESSION else 1

    def rows_usable(self, frame: pd.DataFrame) -> np.ndarray:
        """Mask of rows that survive 'drop' imputation (missing values in drop-columns)."""
        names = [c.name for c in self.columns if c.impute == "drop" or c.impute_value is None]
        if not names:
            return np.ones(len(frame), dtype=bool)
        # one pass for all (a wide file: 784 pixel columns); a mask of its own, to be written on
        return frame[names].notna().all(axis=1).to_numpy(dtype=bool, copy=True)

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
        block: list[ColumnTransform] = []  # consecutive plain number columns, encoded together

        def flush() -> None:
            if block:
                parts.append(self._numbers(frame, block, strict, filled if self.derived else None))
                block.clear()
        for c in self.columns:
            if plain_number(c, frame[c.name].dtype):
                block.append(c)
                continue
            flush()
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
        flush()
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

    @staticmethod
    def _numbers(frame: pd.DataFrame, cols: list[ColumnTransform], strict: bool,
                 filled: dict | None) -> np.ndarray:
        """:meth:`transform` of number columns held as NumPy numbers (:func:`plain_number`), as
        one block: the same values, messages and order as column by column, without a pass of
        pandas calls per column (a 784-pixel file: 0.3 s a split)."""
        v = filled_numbers(frame, cols)
        if strict:
            gaps = np.isnan(v)
            if gaps.any():
                j = int(np.flatnonzero(gaps.any(axis=0))[0])
                name, row = cols[j].name, int(np.flatnonzero(gaps[:, j])[0])
                raise DataError(f"'{name}' is missing in row {row + 1}.",
                                f"Give a value for '{name}', or choose a missing-value strategy "
                                f"other than 'drop the row' for it.")
        if filled is not None:
            filled.update((c.name, v[:, j]) for j, c in enumerate(cols))
        return (v - np.array([c.center for c in cols])) / np.array([c.scale for c in cols])

    def encode_target(self, s: pd.Series) -> np.ndarray:
        if self.task is Task.REGRESSION:
            return pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float32)
        key = keys_of(s, self.classes, self.target_spelling, self.target_spellings)
        return category_codes(key, self.classes).astype(np.int32)

    def decode_target(self, codes: np.ndarray) -> list:
        return [self.classes[int(i)] for i in codes]

    def describe(self) -> list[str]:
        lines = [c.describe() for c in [*self.columns, *self.derived]]
        if self.task is Task.REGRESSION:
            lines.append(f"{self.target} (target): a number, predicted as is")
        else:
            cl = ", ".join(f"{c!s} → {i}" for i, c in enumerate(self.classes[:10]))
            more = f", … ({len(self.classes)} classes)" if len(self.classes) > 10 else ""
            lines.append(f"{self.target} (target, {self.task.label}): {cl}{more}"
                         f"{spelling_note(self.target_spelling, self.target_spellings)}")
        return lines

    # ----- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        def plain_column(c: ColumnTransform) -> dict:
            d = asdict(c)
            d["categories"] = [python_scalar(x) for x in c.categories]
            d["impute_value"] = python_scalar(c.impute_value)
            d["stats"] = {k: python_scalar(v) for k, v in c.stats.items()}
            # issue 21's fields only when used: models without engineered inputs stay readable by
            # earlier versions
            if not d["formula"]:
                del d["formula"]
            if d["encoded"]:
                del d["encoded"]
            if d["spelling"] == "exact":  # (as the fields above: only when used)
                del d["spelling"], d["spellings"]
            return d

        out = {"columns": [plain_column(c) for c in self.columns], "target": self.target,
               "task": self.task.value, "classes": [python_scalar(x) for x in self.classes]}
        if self.derived:
            out["derived"] = [plain_column(c) for c in self.derived]
        if self.target_spelling != "exact":
            out["target_spelling"], out["target_spellings"] = self.target_spelling, self.target_spellings
        return out

    @classmethod
    def from_dict(cls, d: dict) -> FittedPreprocessor:
        return cls([ColumnTransform(**c) for c in d["columns"]], d["target"], Task(d["task"]),
                   list(d.get("classes", [])), [ColumnTransform(**c) for c in d.get("derived", [])],
                   d.get("target_spelling", "exact"), dict(d.get("target_spellings", {})))


def keys_of(s: pd.Series, known: list, spelling: str, spellings: dict) -> pd.Series:
    """The values of ``s`` as they are looked up among ``known`` (a column's categories, the
    classes): numbers as they are; text as text, missing kept missing, and look-alikes read as one
    when ``spelling`` is "merge"."""
    if known and not isinstance(known[0], str):
        if s.dtype == object or pd.api.types.is_string_dtype(s):  # '1' beside a stray 'maybe'
            num = pd.to_numeric(s, errors="coerce")
            return num.where(num.notna(), s)
        return s
    keys = s.astype(str).where(s.notna())
    return merged(keys, spellings, known) if spelling == "merge" else keys


def category_codes(keys, known: list) -> np.ndarray:
    """The position of each key among ``known`` (-1: missing or not among them), as int64."""
    return pd.Index(known).get_indexer(pd.Series(keys)).astype(np.int64)


def spelling_note(spelling: str, spellings: dict) -> str:
    """"; capitals, spaces and a final full stop ignored ('Ja' and 'ja ' read as one: 'ja')" for a
    merged column."""
    if spelling != "merge":
        return ""
    return "; capitals, spaces and a final full stop ignored" + (
        f" ({spelling_text(spellings)}: read as one)" if spellings else "")


def filled_numbers(frame: pd.DataFrame, cols: list[ColumnTransform]) -> np.ndarray:
    """The :func:`plain_number` columns ``cols`` of ``frame`` as one float64 block, each gap
    filled with its column's fitted value (NaN where it has none: those rows are dropped)."""
    v = frame[[c.name for c in cols]].to_numpy(dtype=np.float64, copy=True)
    gaps = np.isnan(v)
    if gaps.any():
        fill = np.array([np.nan if c.impute_value is None else c.impute_value for c in cols])
        v = np.where(gaps, fill, v)
    return v


def plain_number(c: ColumnTransform, dtype) -> bool:
    """Whether a column encodes as a plain number from a NumPy int or float column (no text to
    read, no missing marker of pandas' own), so :meth:`FittedPreprocessor._numbers` can take it."""
    return (c.encoded and (c.kind == "numeric" or getattr(c, "passthrough_binary", False))
            and isinstance(dtype, np.dtype) and dtype.kind in "iuf"
            and (c.impute_value is None
                 or (isinstance(c.impute_value, (int, float, np.number))
                     and not isinstance(c.impute_value, bool))))


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
