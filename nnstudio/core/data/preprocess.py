"""Preprocessing fitted on the training split only, kept as one plain (JSON-able) object.

The same :class:`FittedPreprocessor` encodes training data, new rows typed into a form, surface
grids and exported models, so every path sees exactly the same numbers.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.roles import Roles, infer_task
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task

NUMERIC_SCALINGS = ("standardize", "minmax", "none")
CATEGORICAL_ENCODINGS = ("onehot", "ordinal")
MISSING_STRATEGIES = ("drop", "mean", "median", "most_frequent", "constant")


@dataclass
class PreprocessConfig:
    numeric: str = "standardize"
    categorical: str = "onehot"
    missing: str = "drop"
    fill_value: float | str = 0.0
    per_column: dict[str, dict] = field(default_factory=dict)  # overrides: {"Age": {"numeric": "none"}}

    def for_column(self, col: str, key: str):
        return self.per_column.get(col, {}).get(key, getattr(self, key))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> PreprocessConfig:
        return cls(**d)


@dataclass
class SplitConfig:
    test: float = 0.2
    val: float = 0.2  # fraction of the rows left after the test split
    seed: int = 42
    stratify: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SplitConfig:
        return cls(**d)

    def check(self) -> None:
        if not 0 < self.test < 0.9:
            raise DataError(f"The test fraction must be between 0 and 0.9 (got {self.test}).")
        if not 0 <= self.val < 0.9:
            raise DataError(f"The validation fraction must be between 0 and 0.9 (got {self.val}).")


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

    def output_names(self) -> list[str]:
        if self.kind == "categorical" and self.encoding == "onehot":
            return [f"{self.name}={c}" for c in self.categories]
        return [self.name]

    def describe(self) -> str:
        n = f"fitted on {self.n_fit:,} rows"
        miss = "" if self.impute == "drop" else f"; missing values filled with {self.impute} ({self.impute_value})"
        if self.kind == "numeric":
            st = self.stats
            if self.scaling == "standardize":
                return f"{self.name}: standardized, mean {st['mean']:.4g}, sd {st['sd']:.4g}, {n}{miss}"
            if self.scaling == "minmax":
                return f"{self.name}: scaled to 0..1, min {st['min']:.4g}, max {st['max']:.4g}, {n}{miss}"
            return f"{self.name}: used as is (no scaling){miss}"
        if self.kind == "binary":
            return f"{self.name}: two values, {self.categories[0]!s} → 0, {self.categories[1]!s} → 1{miss}"
        cats = ", ".join(str(c) for c in self.categories[:8]) + (" …" if len(self.categories) > 8 else "")
        if self.encoding == "onehot":
            return f"{self.name}: one-hot, {len(self.categories)} columns ({cats}), {n}{miss}"
        return f"{self.name}: ordinal codes 0..{len(self.categories) - 1} ({cats}), {n}{miss}"


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


@dataclass
class FittedPreprocessor:
    columns: list[ColumnTransform]
    target: str
    task: Task
    classes: list = field(default_factory=list)  # class labels for classification, index = code

    # ----- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, train: pd.DataFrame, features: list[str], target: str, task: Task, classes: list,
            config: PreprocessConfig) -> FittedPreprocessor:
        cols = []
        for c in features:
            s = train[c]
            impute = config.for_column(c, "missing")
            t = ColumnTransform(name=c, kind="numeric", impute=impute, n_fit=int(s.notna().sum()))
            nonnull = s.dropna()
            if _is_numeric(s) and not (nonnull.nunique() == 2 and set(nonnull.unique()) <= {0, 1}):
                v = nonnull.to_numpy(dtype=float)
                if len(v) == 0:
                    raise DataError(f"Column '{c}' has no values in the training split.",
                                    "Ignore this column.")
                mean, sd = float(v.mean()), float(v.std())
                lo, hi = float(v.min()), float(v.max())
                t.stats = {"mean": mean, "sd": sd, "min": lo, "max": hi}
                t.scaling = config.for_column(c, "numeric")
                if t.scaling == "standardize":
                    t.center, t.scale = mean, (sd if sd > 0 else 1.0)
                elif t.scaling == "minmax":
                    t.center, t.scale = lo, (hi - lo if hi > lo else 1.0)
                if impute == "mean":
                    t.impute_value = mean
                elif impute == "median":
                    t.impute_value = float(np.median(v))
                elif impute == "most_frequent":
                    t.impute_value = float(nonnull.mode().iloc[0])
                elif impute == "constant":
                    t.impute_value = float(config.fill_value)
            else:
                values = nonnull.astype(str) if not _is_numeric(s) else nonnull
                cats = sorted(values.unique().tolist(), key=lambda x: (str(type(x)), x))
                t.categories = cats
                t.kind = "binary" if len(cats) == 2 else "categorical"
                t.encoding = config.for_column(c, "categorical")
                if impute in ("most_frequent", "mean", "median"):
                    t.impute, t.impute_value = "most_frequent", values.mode().iloc[0]
                elif impute == "constant":
                    t.impute_value = str(config.fill_value)
                    if t.impute_value not in t.categories:
                        t.categories.append(t.impute_value)
            cols.append(t)
        return cls(cols, target, task, list(classes))

    # ----- applying --------------------------------------------------------------------------
    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def output_names(self) -> list[str]:
        return [n for c in self.columns for n in c.output_names()]

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
            if c.impute == "drop":
                mask &= frame[c.name].notna().to_numpy()
        return mask

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode raw rows (original units) into the float32 matrix the network sees."""
        missing = [c.name for c in self.columns if c.name not in frame.columns]
        if missing:
            raise DataError(f"Missing input column(s): {', '.join(missing)}.",
                            "The data must have the same columns the model was trained on.")
        parts = []
        for c in self.columns:
            s = frame[c.name]
            if c.impute_value is not None:
                s = s.fillna(c.impute_value)
            if c.kind == "numeric":
                v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
                parts.append(((v - c.center) / c.scale)[:, None])
            else:
                key = s if c.categories and not isinstance(c.categories[0], str) else s.astype(str).where(s.notna())
                codes = pd.Categorical(key, categories=c.categories).codes.astype(np.int64)
                unknown = codes < 0
                if c.kind == "categorical" and c.encoding == "onehot":
                    m = np.zeros((len(s), len(c.categories)))
                    rows = np.nonzero(~unknown)[0]
                    m[rows, codes[rows]] = 1.0
                    parts.append(m)
                else:
                    v = codes.astype(np.float64)
                    v[unknown] = np.nan
                    parts.append(v[:, None])
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
        lines = [c.describe() for c in self.columns]
        if self.task is Task.REGRESSION:
            lines.append(f"{self.target} (target): a number, predicted as is")
        else:
            cl = ", ".join(f"{c!s} → {i}" for i, c in enumerate(self.classes[:10]))
            lines.append(f"{self.target} (target, {self.task.label}): {cl}")
        return lines

    # ----- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        def plain(x):
            return x.item() if isinstance(x, np.generic) else x
        cols = []
        for c in self.columns:
            d = asdict(c)
            d["categories"] = [plain(x) for x in c.categories]
            d["impute_value"] = plain(c.impute_value)
            cols.append(d)
        return {"columns": cols, "target": self.target, "task": self.task.value,
                "classes": [plain(x) for x in self.classes]}

    @classmethod
    def from_dict(cls, d: dict) -> FittedPreprocessor:
        return cls([ColumnTransform(**c) for c in d["columns"]], d["target"], Task(d["task"]),
                   list(d.get("classes", [])))


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
    dropped_rows: int = 0

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


def _split_indices(n: int, frac: float, seed: int, strata: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Random (stratified when possible) split of range(n) into (rest, taken)."""
    rng = np.random.default_rng(seed)
    if frac <= 0:
        return np.arange(n), np.array([], dtype=int)
    if strata is not None:
        taken = []
        for k in np.unique(strata):
            idx = np.nonzero(strata == k)[0]
            idx = rng.permutation(idx)
            m = int(round(len(idx) * frac))
            taken.append(idx[:m])
        taken = np.sort(np.concatenate(taken))
    else:
        perm = rng.permutation(n)
        taken = np.sort(perm[: int(round(n * frac))])
    rest = np.setdiff1d(np.arange(n), taken)
    return rest, taken


def prepare(dataset: Dataset, roles: Roles, config: PreprocessConfig | None = None,
            split: SplitConfig | None = None, task: Task | None = None) -> PreparedData:
    """Split the rows, fit preprocessing on the training split only, encode every split."""
    config = config or PreprocessConfig()
    split = split or SplitConfig()
    split.check()
    frame = dataset.frame
    if roles.target not in frame.columns:
        raise DataError(f"The target column '{roles.target}' is not in the data.")
    if not roles.features:
        raise DataError("No feature columns are selected.", "Choose at least one feature.")
    inferred, classes = infer_task(frame[roles.target])
    task = Task(task) if task is not None else inferred
    if task is not Task.REGRESSION and inferred is Task.REGRESSION:
        vals = frame[roles.target].dropna()
        classes = sorted(vals.unique().tolist())
        if len(classes) > 100:
            raise DataError(f"The target '{roles.target}' has {len(classes)} values: too many to "
                            f"treat as classes.", "Use regression for this target.")
    if task is Task.REGRESSION and not _is_numeric(frame[roles.target]):
        raise DataError(f"The target '{roles.target}' is text, so it cannot be predicted as a number.",
                        "Use classification for this target.")
    if task is Task.BINARY and len(classes) != 2:
        task = Task.MULTICLASS
    # rows with a missing target cannot be used for training or testing
    keep = frame[roles.target].notna().to_numpy()
    dropped = int((~keep).sum())
    frame = frame.loc[keep].reset_index(drop=True)
    strata = None
    if split.stratify and task is not Task.REGRESSION:
        t = frame[roles.target].astype(str).to_numpy()
        _, counts = np.unique(t, return_counts=True)
        if counts.min() >= 2:
            strata = t
    rest, test_idx = _split_indices(len(frame), split.test, split.seed, strata)
    train_idx, val_idx = _split_indices(len(rest), split.val, split.seed + 1,
                                        strata[rest] if strata is not None else None)
    train_idx, val_idx = rest[train_idx], rest[val_idx]
    raw = {k: frame.iloc[idx].reset_index(drop=True)
           for k, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx))}
    if len(raw["train"]) < 2:
        raise DataError(f"Only {len(raw['train'])} training rows remain after the split.",
                        "Use more data or smaller test/validation fractions.")
    pre = FittedPreprocessor.fit(raw["train"], roles.features, roles.target, task, classes, config)
    out = {}
    for k, part in raw.items():
        usable = pre.rows_usable(part)
        dropped += int((~usable).sum())
        part = part.loc[usable].reset_index(drop=True)
        raw[k] = part
        X = pre.transform(part)
        y = pre.encode_target(part[roles.target])
        out[k] = (X, y)
    X_train = out["train"][0]
    if not np.all(np.isfinite(X_train)):
        bad = [n for n, ok in zip(pre.output_names, np.isfinite(X_train).all(axis=0)) if not ok]
        raise DataError(f"Column(s) {', '.join(bad[:5])} contain values that are not finite numbers "
                        f"(inf, or text that could not be read).",
                        "Fix those values in the file, fill missing values, or ignore the column.")
    return PreparedData(out["train"][0], out["train"][1], out["val"][0], out["val"][1],
                        out["test"][0], out["test"][1], pre, raw["train"], raw["val"], raw["test"],
                        dropped)
