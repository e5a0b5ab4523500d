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

The pieces live beside it: ``preprocess_config`` (the choices and their plain names),
``fitted_preprocessor`` (the fitted column transforms), ``prepared_data`` (the result).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data import features as _features
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.engineered import engineered_formulas, fit_engineered, input_columns
from nnstudio.core.data.fitted_preprocessor import MISSING_LEVEL, FittedPreprocessor
from nnstudio.core.data.prepared_data import PreparedData, row_groups
from nnstudio.core.data.preprocess_config import PreprocessConfig, SplitConfig
from nnstudio.core.data.profile import (
    ColumnProfile,
    infinite_text,
    is_numeric_dtype,
    profile_column,
)
from nnstudio.core.data.roles import Roles, check_class_count, infer_task, stray_hint
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task

#: "auto" drops the rows with a missing value when they are at most this share of the training
#: rows; above it, numbers are filled with the median and categories get a "(missing)" level.
AUTO_DROP_MAX = 0.05
#: Holding out whole groups needs at least this many (some for training, validation and test).
MIN_GROUPS = 5


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


def _split_last(n: int, frac: float) -> tuple[np.ndarray, np.ndarray]:
    """range(n) as (rest, taken): the last ``frac`` of the rows taken, in file order."""
    k = int(round(n * frac)) if frac > 0 else 0
    return np.arange(n - k), np.arange(n - k, n)


def _split_groups(groups: np.ndarray, frac: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """range(len(groups)) as (rest, taken), both sorted: whole groups (integer codes, one per
    row) taken in a seeded random order until they hold the nearest to ``frac`` of the rows."""
    n = len(groups)
    if frac <= 0 or n == 0:
        return np.arange(n), np.array([], dtype=np.int64)
    sizes = np.bincount(groups)
    order = np.random.default_rng(seed).permutation(len(sizes))
    rows = np.cumsum(sizes[order])
    k = int(np.argmin(np.abs(rows - n * frac))) + 1  # the first k groups in that order
    taken = np.isin(groups, order[:k])
    return np.flatnonzero(~taken), np.flatnonzero(taken)


def fold_indices(n: int, fold: tuple[int, int], seed: int, strata: np.ndarray | None = None,
                 groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """range(n) as (training, held out) for fold ``i`` of ``k`` (scikit-learn's splitters):
    whole groups where rows come in groups (GroupKFold), each class's share kept where every
    class has k rows or more (StratifiedKFold), else rows at random (KFold); seeded."""
    from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold  # noqa: PLC0415 -- lazy: scikit-learn loads only when cross-validating

    i, k = fold
    units = len(np.unique(groups)) if groups is not None else n
    what = "groups" if groups is not None else "rows"
    if not 2 <= k <= units:
        raise DataError(f"{k} folds cannot be cut from {units:,} {what} (outside the test split).",
                        f"Choose between 2 and {max(2, min(units, 20))} folds.")
    if not 0 <= i < k:
        raise DataError(f"There is no fold {i + 1} of {k}.")
    X = np.zeros((n, 1))
    if groups is not None:
        parts = GroupKFold(n_splits=k).split(X, groups=groups)
    elif strata is not None and np.bincount(strata).min() >= k:
        parts = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(X, strata)
    else:
        parts = KFold(n_splits=k, shuffle=True, random_state=seed).split(X)
    train, held = list(parts)[i]
    return np.sort(train), np.sort(held)


def group_codes(frame: pd.DataFrame, column: str, target: str) -> np.ndarray:
    """Each row's group (an integer code of ``column``'s value; a row without one is its own
    group), or a DataError saying why the column cannot group the rows."""
    if column == target:
        raise DataError(f"'{column}' is the target: its values cannot also name the groups held out.",
                        "Choose the column that names the groups (a patient's or a customer's ID).")
    if column not in frame.columns:
        raise DataError(f"There is no column '{column}' to hold out whole groups of.",
                        "Choose one of the table's columns, or hold out random rows.")
    codes = row_groups(frame[column])
    groups = len(np.unique(codes))
    if groups < MIN_GROUPS:
        raise DataError(f"'{column}' has only {groups} different values: too few groups to hold "
                        f"whole ones out for validation and test.",
                        f"Hold out whole groups of a column with at least {MIN_GROUPS} values, or "
                        f"hold out random rows.")
    return codes


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
        raise DataError(f"{what} '{col}' has {infinite_text(prof.n_inf)}, which a network "
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
        raise DataError(f"Column '{col}' holds numbers, but {prof.strays_said()}: "
                        f"{prof.stray_text()}.",
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
        if not is_numeric_dtype(col):
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
            split: SplitConfig | None = None, task: Task | None = None,
            fold: tuple[int, int] | None = None) -> PreparedData:
    """Split the rows, fit preprocessing on the training split only, encode every split.
    ``fold`` (i, k): cross-validation's fold i of k — the test rows as the split makes them, the
    rest cut in k folds (:func:`fold_indices`): fold i is the validation rows, the others train."""
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
    inputs = input_columns(roles, formulas)  # issue 21: columns read only by formulas too
    # text columns whose spelling choice is "merge": written one way ('Ja' and 'ja ' as 'ja')
    merge = [c for c in [*inputs, roles.target] if c in frame.columns and config.for_column(c, "spelling") == "merge"]
    dataset, spellings = dataset.reading_as_one(merge) if merge else (dataset, {})
    frame = dataset.frame
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
    kept = np.flatnonzero(keep)  # each row's place in the table, followed through what leaves rows out
    strata = None
    if split.stratify and task is not Task.REGRESSION:
        codes = pd.factorize(frame[roles.target])[0]
        if np.bincount(codes).min() >= 2:
            strata = codes
    groups = None
    if split.order == "last":  # the file's last rows: test, then validation before them
        if fold is not None:
            raise DataError("Cross-validation holds out folds from anywhere in the file, and these "
                            "rows are in time order: a network would learn from later rows to "
                            "predict earlier ones.",
                            "Judge a forecast on the last rows (the split as it is), or hold out "
                            "random rows to cross-validate.")
        rest, test_idx = _split_last(len(frame), split.test)
        train_idx, val_idx = _split_last(len(rest), split.val)
    elif split.order == "group":  # the visits of one patient: all in training, or all held out
        groups = group_codes(frame, split.group, roles.target)
        rest, test_idx = _split_groups(groups, split.test, split.seed)
        if fold is None:
            train_idx, val_idx = _split_groups(np.unique(groups[rest], return_inverse=True)[1],
                                               split.val, split.seed + 1)
    else:
        rest, test_idx = _split_indices(len(frame), split.test, split.seed, strata)
        if fold is None:
            train_idx, val_idx = _split_indices(len(rest), split.val, split.seed + 1,
                                                strata[rest] if strata is not None else None)
    if fold is not None:
        train_idx, val_idx = fold_indices(len(rest), fold, split.seed + 1,
                                          strata[rest] if strata is not None else None,
                                          groups[rest] if groups is not None else None)
    train_idx, val_idx = rest[train_idx], rest[val_idx]
    raw = {k: frame.iloc[idx].reset_index(drop=True)
           for k, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx))}
    rows = {"train": kept[train_idx], "val": kept[val_idx], "test": kept[test_idx]}

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
            rows[k] = rows[k][ok]
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
        if t.name in spellings and t.kind != "numeric" and not t.passthrough_binary:
            t.spelling, t.spellings = "merge", spellings[t.name]
    if roles.target in spellings and task is not Task.REGRESSION:
        pre.target_spelling, pre.target_spellings = "merge", spellings[roles.target]
    pre.derived = fit_engineered(pre, raw["train"], formulas, config)
    out, dropped_unseen = {}, 0
    for k, part in raw.items():
        usable = pre.rows_usable(part)
        if k != "train":
            usable &= pre.rows_known(part)
            dropped_unseen += int((~usable).sum())
        part = part.loc[usable].reset_index(drop=True)
        raw[k] = part
        rows[k] = rows[k][usable]
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
                        missing_note=auto_note, auto_dropped=bool(auto_rows and not auto_fill),
                        split_order=split.order,
                        group_column=split.group if split.order == "group" else "", positions=rows)
