"""Training on a CSV larger than memory: two passes over the file in chunks, then ``tf.data``.

``nnstudio train big.csv --target y --stream`` (or a project whose CSV is big) never holds the file:

1. **Fit pass.** The CSV is read with pandas in chunks of ``chunk_rows`` rows. Each row is put in
   the training, validation or test split by a hash of its row number and the split seed
   (:func:`split_of_rows`), so every later pass agrees without storing anything. The target's
   values (for the task and the classes) and, on training rows only, each feature's count, sum,
   sum of squares, minimum, maximum and categories are accumulated. From these the same
   :class:`~nnstudio.core.data.fitted_preprocessor.FittedPreprocessor` as in the app is built, so a model
   trained here saves, exports and predicts like any other.
2. **Training.** A generator reads the file again chunk by chunk each epoch, keeps the rows of one
   split, encodes them with the fitted preprocessor and yields mini-batches to ``tf.data``; Keras
   ``fit`` trains on them (under a MirroredStrategy too, when several GPUs are visible).

Memory is bounded by one chunk plus the categories and distinct target values, not by the file.

**Limits** (documented for users in ``nnstudio train --help`` and docs/projects-and-cli.md):

* Shuffling is within a chunk (rows of a chunk in a new random order each epoch), and chunks come in
  file order: a file sorted by the target trains badly. Shuffle such a file once, or raise
  ``chunk_rows``.
* The split is random per row but not stratified, so class proportions per split are only close
  to the file's.
* Missing values: ``drop``, ``mean``, ``constant`` and ``most_frequent`` are supported; ``median``
  would need the whole column in memory and is refused, and so is ``most_frequent`` for a number
  column with more than :data:`MAX_CATEGORIES` distinct values.
* Categorical columns may have at most :data:`MAX_CATEGORIES` distinct values.
* Each chunk's text values are read as the app reads a whole file ('$1,234', '92 kg', '14:30'
  as numbers: :func:`~nnstudio.core.data.csv_numbers.read_formatted_numbers`; '?' in a number
  column as missing), and said once.
* A column whose values are numbers in one chunk and text in another is refused (in memory the
  app reads such a column as text); so are numbers written with stray text, as in memory.
* Roles are proposed from the first chunk when not given (ID-like and free-text columns ignored).
* The file is read 1 + 2 x epochs times (training and validation), plus once for the test split:
  it must be on a disk fast enough for that.

**Several files, several workers** (``nnstudio train 'parts/*.csv' --distribute multi-worker``,
docs/scale.md): rows are numbered across the files in name order (so the split is the same
whoever reads them). Under a multi-worker strategy each worker reads its share
(:func:`shard_chunks`): whole files (file ``i`` goes to worker ``i mod workers``) when there are
several, else a range of rows of the one file (pandas still scans the lines before the range:
give several files to split the reading too). The datasets then carry ``tf.data``'s auto-shard
policy ``OFF`` (already sharded) and repeat; an epoch is ``ceil(training rows / global batch)``
steps, each worker cycling through its share.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnstudio.core.data.fitted_preprocessor import ColumnTransform, FittedPreprocessor
from nnstudio.core.data.missing_codes import look
from nnstudio.core.data.prepared_data import output_start
from nnstudio.core.data.preprocess_config import PreprocessConfig, SplitConfig, numeric_fill_value
from nnstudio.core.data.profile import infinite_text
from nnstudio.core.data.roles import (
    MAX_AUTO_CLASSES,
    MAX_CLASSES,
    REASON_DATES_STREAMED,
    REASON_DATES_UNSPLIT,
    Roles,
    check_class_count,
    infer_roles,
    one_value_error,
    propose_codes,
)
from nnstudio.core.data.scales import category_order, class_order
from nnstudio.core.errors import DataError, TrainingError
from nnstudio.core.jsonsafe import python_scalar
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.numbers import inputs_text
from nnstudio.core.settings import TrainSettings
from nnstudio.core.tf import tensorflow
from nnstudio.core.trained import TrainResult
from nnstudio.core.training.distributed import build_compiled, keras_fit
from nnstudio.core.training.evaluation import evaluate_arrays
from nnstudio.core.training.steps import as_targets, target_layout
from nnstudio.core.training.streaming_read import (
    ValuesRead,
    chunks,
    csv_read_kwargs,
    file_chunks,
    read_head,
    same_columns,
)
from nnstudio.core.training.streaming_stats import MAX_CATEGORIES, ColumnStats

DEFAULT_CHUNK_ROWS = 100_000
SPLITS = ("train", "val", "test")


def split_of_rows(first_row: int, n: int, split: SplitConfig) -> np.ndarray:
    """Split codes (0 train, 1 validation, 2 test) of rows ``first_row .. first_row + n - 1``.

    A SplitMix64 hash of (row number, seed) gives each row a uniform number u in [0, 1): test when
    u < test, validation when u < test + (1 - test) * val, training otherwise.
    """
    with np.errstate(over="ignore"):
        x = np.arange(first_row, first_row + n, dtype=np.uint64)
        x = x + np.uint64((int(split.seed) & 0xFFFFFFFF) << 32)
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    test = float(split.test)
    val_edge = test + (1.0 - test) * float(split.val)
    return np.where(u < test, 2, np.where(u < val_edge, 1, 0)).astype(np.int8)


@dataclass
class StreamPlan:
    """What the fit pass learned: enough to stream, train and save a project (no rows kept)."""

    path: Path
    roles: Roles
    task: Task
    preprocessor: FittedPreprocessor
    split: SplitConfig
    rows: dict[str, int]  # rows per split after dropping missing values (before unseen categories)
    dropped_rows: int
    chunk_rows: int
    read_kwargs: dict
    seconds: float
    files: list[tuple[Path, int]] = field(default_factory=list)  # (file, number of its first row)
    n_rows: int = 0  # data rows in all files (before the split)
    output_start: tuple[float, float] | None = None  # a regression's output start, as PreparedData's
    #: the preprocessing choices it was fitted with (the caller's, and codes it proposed)
    config: PreprocessConfig = field(default_factory=PreprocessConfig)
    #: how values were read, said as in memory ("income was read as numbers: '$46,552.12' is …")
    notes: list[str] = field(default_factory=list)

    @property
    def n_inputs(self) -> int:
        return self.preprocessor.n_outputs

    @property
    def n_classes(self) -> int:
        return self.preprocessor.n_classes

    def summary(self) -> str:
        r = self.rows
        return (f"{r['train']:,} training, {r['val']:,} validation, {r['test']:,} test rows "
                f"(streamed in chunks of {self.chunk_rows:,}); {inputs_text(self.n_inputs)} after encoding")


def shard_chunks(plan: StreamPlan, usecols: list[str] | None, shard: tuple[int, int] | None = None):
    """``(first row, chunk)`` of the plan's data, or of worker ``index``'s share when ``shard`` is
    ``(index, workers)``: whole files when there are several, else a range of rows."""
    files = plan.files or [(plan.path, 0)]
    if shard is None:
        yield from file_chunks(files, plan.chunk_rows, plan.read_kwargs, usecols)
        return
    index, count = shard
    if len(files) > 1:
        if len(files) < count:
            raise DataError(f"{len(files)} files cannot be shared by {count} workers: each needs one "
                            "at least.", "Split the data into as many files as workers (or more), or "
                            "give one file (each worker then reads a range of its rows).")
        yield from file_chunks(files[index::count], plan.chunk_rows, plan.read_kwargs, usecols)
        return
    lo, hi = plan.n_rows * index // count, plan.n_rows * (index + 1) // count
    for first, chunk in file_chunks(files, plan.chunk_rows, plan.read_kwargs, usecols):
        end = first + len(chunk)
        if end <= lo:
            continue
        if first >= hi:
            break
        a, b = max(lo - first, 0), min(hi, end) - first
        yield first + a, chunk.iloc[a:b]


def _resolve_task(name: str, values: list, numeric: bool, integer: bool, n_rows: int,
                  overflow: bool, task: Task | None) -> tuple[Task, list]:
    """The task and classes, by the rules of roles.infer_task / preprocess.resolve_task."""
    nun = len(values) if not overflow else MAX_CLASSES + 1
    if nun == 0:
        raise DataError(f"The target '{name}' has no values: every row is missing.",
                        "Choose another target column.")
    if nun < 2:
        raise one_value_error(name, values[0])
    if numeric:
        if nun == 2:
            inferred = Task.BINARY
        elif integer and nun <= MAX_AUTO_CLASSES:
            inferred = Task.MULTICLASS
        else:
            inferred = Task.REGRESSION
    else:
        inferred = Task.BINARY if nun == 2 else Task.MULTICLASS
        if inferred is Task.MULTICLASS and task is None:
            check_class_count(name, nun, n_rows)
    if task is None:
        task = inferred
    if task is Task.REGRESSION:
        if not numeric:
            raise DataError(f"The target '{name}' is text, so it cannot be predicted as a number.",
                            "Use classification for this target.")
        return task, []
    check_class_count(name, nun, n_rows)
    # as infer_task: a scale's answers in its order
    classes = class_order(sorted(values) if numeric else sorted(str(v) for v in values))
    if task is Task.BINARY and len(classes) != 2:
        raise DataError(f"The target '{name}' has {len(classes)} classes, so it is not a binary "
                        f"(two-class) task.", "Choose multi-class classification.")
    if task is Task.MULTICLASS and len(classes) == 2:
        task = Task.BINARY
    return task, classes


def fit_streaming(path: Path | str | list, roles: Roles | None = None, target: str | None = None,
                  config: PreprocessConfig | None = None, split: SplitConfig | None = None,
                  task: Task | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                  csv_options: dict | None = None) -> StreamPlan:
    """The fit pass over the CSV, or over several CSVs of the same columns (a list of paths, read
    in that order); reads the data once (see the module docstring)."""
    t0 = time.perf_counter()
    paths = [Path(p) for p in path] if isinstance(path, (list, tuple)) else [Path(path)]
    if not paths:
        raise DataError("No CSV file to read.", "Give a file, or a pattern that matches files.")
    path = paths[0]
    config = config or PreprocessConfig()
    split = split or SplitConfig()
    split.check()
    if split.order == "group":
        raise DataError("Holding out whole groups is not done when streaming: the split is decided "
                        "row by row, before a group's other rows are read.",
                        "Train in memory (without --stream), or hold out random rows.")
    if split.order != "random":
        raise DataError("Holding out the last rows of the file is not done when streaming: the "
                        "split is decided row by row, before the file's length is known.",
                        "Train in memory (without --stream), or use --split-order random.")
    config.check()
    if csv_options and csv_options.get("na_in_text") is False:
        raise DataError("Keeping NA, None… in text columns as values is not done when streaming a "
                        "file: pandas reads them as missing there.",
                        "Train in memory (without --stream), or write them another way in the file.")
    read_kwargs = csv_read_kwargs(path, csv_options)
    if roles is None:  # proposed from the first rows, zip codes as categories (as in memory)
        head = read_head(path, read_kwargs)
        roles = infer_roles(head, target)
        roles.ignored.update({c: REASON_DATES_STREAMED for c, why in roles.ignored.items()
                              if why == REASON_DATES_UNSPLIT})
        config = propose_codes(config, head, roles.features)
    if not roles.features:
        raise DataError("No feature columns are selected.", "Choose at least one feature.")
    if roles.target in roles.features:
        raise DataError(f"'{roles.target}' is both the target and a feature.",
                        "The target cannot be an input: remove it from the features.")
    merge = [c for c in [*roles.features, roles.target] if config.per_column.get(c, {}).get("spelling") == "merge"]
    if merge or config.spelling == "merge":
        what = ", ".join(merge[:3]) + (", …" if len(merge) > 3 else "") if merge else "--merge-spellings"
        raise DataError(f"Reading values that differ only in capitals, spaces or a final full stop as "
                        f"one ({what}) is not done when streaming a file.",
                        "Train in memory (without --stream), or write them one way in the file.")
    for c in roles.features:
        if config.for_column(c, "missing") == "median":
            raise DataError(f"Column '{c}': filling missing values with the median needs the whole "
                            "column in memory, which streaming avoids.",
                            "Use the mean, a constant or drop the rows for streamed data.")
    usecols = [*roles.features, roles.target]
    names = list(read_kwargs.get("names") or read_head(path, read_kwargs, 1).columns)
    missing = [c for c in usecols if c not in names]
    if missing:
        raise DataError(f"{path.name} has no column(s) {', '.join(repr(m) for m in missing[:5])}.",
                        f"Columns are: {', '.join(map(str, names[:30]))}.")
    # every column not used has its reason, as in memory ('not chosen' beside --features)
    roles = Roles(roles.target, list(roles.features),
                  {c: roles.ignored.get(c, "not chosen") for c in map(str, names) if c not in usecols})
    drop_cols = [c for c in roles.features if config.for_column(c, "missing") == "drop"]
    stats = {c: ColumnStats() for c in roles.features}
    train_target = stats[roles.target] = ColumnStats()  # over the training rows kept, as features
    target_stats = ColumnStats()
    rows = {"train": 0, "val": 0, "test": 0}
    first, counts = 0, {"dropped": 0, "target": 0}
    said = ValuesRead()  # '$1,234' and '92 kg' read as numbers, '?' as missing, over the file
    coded, looked = "", 0  # a code for a missing value (-999) in the first chunk, and its rows
    starts: list[tuple[Path, int]] = []
    for p in paths:
        starts.append((p, first))
        if p != path:
            same_columns(path, p, names, read_kwargs)
        for chunk in chunks(p, chunk_rows, read_kwargs, usecols, said):
            if first == 0:  # -999 among temperatures, as in memory: looked for in the first chunk
                coded, looked = " ".join(look(chunk, usecols, roles.target).notes), len(chunk)
            first = _fit_chunk(chunk, first, split, roles, drop_cols, stats, target_stats, rows,
                               counts)
    dropped, n_target = counts["dropped"], counts["target"]
    if first == 0:
        raise DataError(f"{path.name} has no data rows.")
    if target_stats.mixed_row is not None:
        raise DataError(f"The target '{roles.target}' holds numbers and text (text from about row "
                        f"{target_stats.mixed_row + 2:,}).", "Fix those values in the file.")
    task, classes = _resolve_task(roles.target, list(target_stats.values()),
                                  bool(target_stats.numeric), target_stats.integer, n_target,
                                  target_stats.overflow, task)
    if rows["train"] < 2:
        raise DataError(f"Only {rows['train']} training rows remain after the split.",
                        "Use more data or smaller test/validation fractions.")
    if coded and looked < first:
        coded = f"In the first {looked:,} rows: {coded}"
    pre = FittedPreprocessor(_transforms(stats, roles.features, config), roles.target, task,
                             list(classes))
    return StreamPlan(path, roles, task, pre, split, rows, dropped, chunk_rows, read_kwargs,
                      time.perf_counter() - t0, starts if len(paths) > 1 else [], first,
                      output_start(task, *train_target.mean_sd()) if task is Task.REGRESSION else None,
                      config, [*said.notes(), *([coded] if coded else [])])


def _fit_chunk(chunk, first, split, roles, drop_cols, stats, target_stats, rows, counts) -> int:
    """Add one chunk (rows from ``first``) to the fit pass' counts; returns the next row number."""
    n = len(chunk)
    codes = split_of_rows(first, n, split)
    keep = chunk[roles.target].notna().to_numpy()
    counts["dropped"] += int((~keep).sum())
    counts["target"] += int(keep.sum())
    target_stats.add(chunk[roles.target], first)
    ok = chunk[drop_cols].notna().all(axis=1).to_numpy() if drop_cols else np.ones(n, bool)
    train = chunk[(codes == 0) & keep]
    for c in roles.features:
        stats[c].n_missing += int(train[c].isna().sum())
    train = train[ok[(codes == 0) & keep]]
    for c, st in stats.items():  # the features and the target
        st.add(train[c], first)
    for i, name in enumerate(SPLITS):
        rows[name] += int(((codes == i) & keep & ok).sum())
    counts["dropped"] += int((keep & ~ok).sum())
    return first + n


def _transforms(stats: dict[str, ColumnStats], features: list[str],
                config: PreprocessConfig) -> list[ColumnTransform]:
    """Column transforms from streamed statistics, by the rules of FittedPreprocessor.fit."""
    out = []
    too_big = "needs the whole column in memory, which streaming avoids"
    for c in features:
        st = stats[c]
        impute = config.for_column(c, "missing")
        kind = config.for_column(c, "kind")
        t = ColumnTransform(name=c, kind="numeric", impute=impute, n_missing=st.n_missing,
                            n_fit=st.count + st.nonfinite)
        if st.numeric is None:
            raise DataError(f"Column '{c}' has no values in the training split.", "Ignore this column.")
        if st.mixed_row is not None:
            raise DataError(f"Column '{c}' holds numbers and text (from about row "
                            f"{st.mixed_row + 2:,} of the file).",
                            "Fix those values in the file, or ignore the column.")
        if st.stray_row is not None and kind != "category":
            raise DataError(f"Column '{c}' holds numbers, but some values are not numbers (in the "
                            f"rows from about row {st.stray_row + 2:,} of the file).",
                            "Fix those values in the file, mark them as missing (--na-values), "
                            "or ignore the column.")
        if kind == "number" and not st.numeric:
            raise DataError(f"Column '{c}' holds text, so it cannot be used as a number.",
                            "Treat it as a category, or ignore it.")
        as_number = st.numeric and kind != "category"
        if as_number and st.nonfinite:
            raise DataError(f"Column '{c}' has {infinite_text(st.nonfinite)}, which a "
                            "network cannot use.", "Replace them with numbers in the file, or "
                            "ignore the column.")
        values = st.values()
        if as_number and not st.overflow and set(values) == {0, 1} and kind != "number":
            t.kind, t.categories = "binary", [0, 1]
            _impute_numeric(t, c, st, values, impute, config, too_big)
        elif as_number:
            mean, sd = st.mean_sd()
            t.stats = {"mean": mean, "sd": sd, "min": st.lo, "max": st.hi, "whole": st.whole}
            t.scaling = config.for_column(c, "numeric")
            if t.scaling == "standardize":
                t.center, t.scale = mean, (sd if sd > 0 else 1.0)
            elif t.scaling == "minmax":
                t.center, t.scale = st.lo, (st.hi - st.lo if st.hi > st.lo else 1.0)
            _impute_numeric(t, c, st, None if st.overflow else values, impute, config, too_big)
        else:
            if st.overflow:
                raise DataError(f"Column '{c}' has more than {MAX_CATEGORIES} different values, "
                                "more categories than streaming supports.", "Ignore this column.")
            t.encoding = config.for_column(c, "categorical")
            cats = category_order(values, t.encoding)  # as in memory
            t.categories = cats
            t.kind = "binary" if len(cats) == 2 else "categorical"
            if impute in ("most_frequent", "mean", "median"):
                if values:
                    best = max(values.values())
                    t.impute = "most_frequent"
                    t.impute_value = python_scalar(min(k for k, n in values.items() if n == best))
            elif impute == "constant":
                fill = config.for_column(c, "fill_value")
                t.impute_value = python_scalar(fill) if st.numeric and isinstance(fill, (int, float)) \
                    else str(fill)
                if t.impute_value not in t.categories:
                    t.categories.append(t.impute_value)
                    t.kind = "binary" if len(t.categories) == 2 else "categorical"
        out.append(t)
    return out


def _impute_numeric(t: ColumnTransform, col: str, st: ColumnStats, values: dict | None,
                    impute: str, config: PreprocessConfig, too_big: str) -> None:
    if st.count == 0:
        return
    if impute == "mean":
        t.impute_value = st.mean_sd()[0]
    elif impute == "median":
        raise DataError(f"Column '{col}': filling with the median {too_big}.",
                        "Use the mean, a constant or drop the rows for streamed data.")
    elif impute == "most_frequent":
        if values is None:
            raise DataError(f"Column '{col}': filling with the most frequent number {too_big}.",
                            "Use the mean, a constant or drop the rows for streamed data.")
        best = max(values.values())
        t.impute_value = float(min(k for k, n in values.items() if n == best))
    elif impute == "constant":
        t.impute_value = numeric_fill_value(config, col)


def encoded_chunks(plan: StreamPlan, which: str, *, shuffle_seed: int | None = None,
                   shard: tuple[int, int] | None = None):
    """``(X, y)`` per chunk for one split (``train``/``val``/``test``), encoded with the plan; only
    worker ``index``'s share when ``shard`` is ``(index, workers)``."""
    pre = plan.preprocessor
    code = SPLITS.index(which)
    usecols = [*plan.roles.features, plan.roles.target]
    for i, (first, chunk) in enumerate(shard_chunks(plan, usecols, shard)):
        codes = split_of_rows(first, len(chunk), plan.split)
        part = chunk[(codes == code) & chunk[plan.roles.target].notna().to_numpy()]
        usable = pre.rows_usable(part)
        if which != "train":  # as in memory: rows with a category never seen in training go
            usable &= pre.rows_known(part)
        part = part.loc[usable]
        if not len(part):
            continue
        X = pre.transform(part, strict=False)
        y = pre.encode_target(part[plan.roles.target])
        ok = np.isfinite(X).all(axis=1) & (y >= 0 if pre.task is not Task.REGRESSION
                                           else np.isfinite(y))
        X, y = X[ok], y[ok]
        if shuffle_seed is not None:
            perm = np.random.default_rng([shuffle_seed, i]).permutation(len(X))
            X, y = X[perm], y[perm]
        yield X, y


def _batches(plan: StreamPlan, which: str, batch_size: int, layout: str, seed: int | None,
             epoch_counter: list[int], shard: tuple[int, int] | None = None):
    """A generator of mini-batches; the shuffle changes every epoch (``epoch_counter``)."""
    def gen():
        shuffle_seed = None
        if seed is not None:
            shuffle_seed = int(seed) * 1_000_003 + epoch_counter[0]
            epoch_counter[0] += 1
        carry_x, carry_y = None, None
        for X, y in encoded_chunks(plan, which, shuffle_seed=shuffle_seed, shard=shard):
            y = as_targets(y, layout)
            if carry_x is not None:
                X, y = np.concatenate([carry_x, X]), np.concatenate([carry_y, y])
            n_full = len(X) // batch_size * batch_size
            for i in range(0, n_full, batch_size):
                yield X[i:i + batch_size], y[i:i + batch_size]
            carry_x, carry_y = X[n_full:], y[n_full:]
        if carry_x is not None and len(carry_x):
            yield carry_x, carry_y
    return gen


def train_streaming(plan: StreamPlan, spec: NetworkSpec, settings: TrainSettings, *,
                    control=None, on_progress: Callable | None = None,
                    should_stop: Callable[[], bool] | None = None, strategy=None, worker=None):
    """Train with Keras ``fit`` on batches streamed from the CSV, steered by ``control`` (a
    :class:`~nnstudio.core.training.control.TrainingControl`, or one made from ``on_progress`` and
    ``should_stop``); returns a TrainResult. ``worker`` (a
    :class:`~nnstudio.core.training.multiworker.Worker`): this process is one worker of a cluster and
    reads its share of the rows."""
    tf = tensorflow()
    t0 = time.perf_counter()
    settings.check()
    task = plan.task
    if worker is not None:
        strategy = worker.strategy
    model, loss = build_compiled(spec, plan.n_inputs, task, plan.n_classes, settings, strategy,
                                 plan.output_start)
    shard = worker.prepare(model) if worker is not None else None
    layout = target_layout(task, model)
    bs = settings.effective_batch_size(plan.rows["train"])
    ysig = (tf.TensorSpec([None, 1], tf.float32) if layout == "column"
            else tf.TensorSpec([None], tf.int32))
    sig = (tf.TensorSpec([None, plan.n_inputs], tf.float32), ysig)
    counter = [0]
    train_ds = tf.data.Dataset.from_generator(
        _batches(plan, "train", bs, layout, settings.seed, counter, shard), output_signature=sig
    ).prefetch(2)
    has_val = plan.rows["val"] > 0
    val_ds = None
    if has_val:
        val_ds = tf.data.Dataset.from_generator(
            _batches(plan, "val", max(bs, 4096), layout, None, [0], shard), output_signature=sig
        ).prefetch(2)
    steps = {}
    if worker is not None:  # each worker cycles through its share; all take the same steps
        train_ds, val_ds, steps = worker.datasets(train_ds, val_ds, plan.rows, bs, max(bs, 4096))
    fit = keras_fit(model, train_ds, val_ds, task, settings, control=control,
                    on_progress=on_progress, should_stop=should_stop, has_val=has_val, **steps)
    test: dict[str, float] = {}
    if plan.rows["test"]:
        n_total, sums = 0, {}
        for X, y in encoded_chunks(plan, "test"):
            part = evaluate_arrays(model, X, y, task, loss)
            for k, v in part.items():
                sums[k] = sums.get(k, 0.0) + v * len(X)
            n_total += len(X)
        if n_total:
            test = {k: v / n_total for k, v in sums.items()}
    if fit["epochs_run"] == 0:
        raise TrainingError("No training batch could be read from the file.")
    return TrainResult(model=model, history=fit["history"], epochs_run=fit["epochs_run"],
                       status=fit["status"], message=fit["message"],
                       seconds=time.perf_counter() - t0, test=test, best_epoch=fit["best_epoch"],
                       lr_changes=fit["lr_changes"], seed=int(settings.seed), steps=fit["steps"],
                       path="csv-stream-multi-worker" if worker is not None else
                       "csv-stream" if strategy is None else "csv-stream-mirrored")
