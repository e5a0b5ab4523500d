"""Which inputs matter, and why this row: permutation importance, integrated gradients, ICE curves.

Everything is reported per *original* column (the columns of the data, not the network's encoded
inputs): a one-hot encoded category is one column, its indicator inputs are permuted together and
its attributions summed.

* :func:`permutation_importance` — how much a metric on held-out rows drops when one column's
  values are shuffled across the rows (scikit-learn's ``permutation_importance`` over the raw
  columns, the network wrapped as an estimator), repeated with the spread shown;
* :func:`explain_row` — integrated gradients of the network's output for one row against a
  baseline row (by default the training rows' median / most frequent values): one number per
  column, and the numbers add up to the prediction minus the baseline's prediction. The path
  integral is computed with the NumPy forward pass and an exact NumPy backward pass, the number of
  steps doubled until the sum matches to within ``tol`` (piecewise-linear nets such as ReLU ones
  converge quickly);
* :func:`ice_curve` — the prediction as one column varies with the others held at the row's
  values (an individual conditional expectation curve), from the NumPy forward pass.

No Qt here; the Evaluation tab, the inspector and ``nnstudio explain`` all call these functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from nnstudio.core import evaluate as ev
from nnstudio.core.data.classes import RARE_CLASS_SHARE, most_frequent
from nnstudio.core.data.features import parse as parse_formula
from nnstudio.core.data.raw_rows import left_out_note, no_rows_message, require_columns
from nnstudio.core.errors import DataError
from nnstudio.core.forward import (
    activation_gradient,
    apply_layer,
    block_rows,
    layers_from_model,
)
from nnstudio.core.jsonsafe import scalar
from nnstudio.core.model.spec import Task
from nnstudio.core.surface import default_held_values, multiply_adds

#: Metrics permutation importance can measure the drop of (bigger is better for each).
CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "roc_auc", "log_loss")
REGRESSION_METRICS = ("r2", "rmse", "mae")
#: Rows permutation importance uses at most (a random sample beyond; seeded).
MAX_IMPORTANCE_ROWS = 5000


# ----- columns ------------------------------------------------------------------------------------
@dataclass
class ColumnGroup:
    """An original column and the network inputs that carry it."""

    name: str
    indices: list[int]  # positions among the encoded inputs
    kind: str  # numeric | categorical | binary
    #: each index's share of this column (None: all 1); an engineered input reading two columns
    #: counts half for each
    weights: list[float] | None = None


def column_groups(pre) -> list[ColumnGroup]:
    """The encoded inputs of each original column. An engineered input (issue 21) counts for every
    column its formula reads, in equal shares (see ``weights``), so attributions still add up."""
    out, i = [], 0
    for c in pre.columns:
        k = len(c.output_names())
        out.append(ColumnGroup(c.name, list(range(i, i + k)), c.kind))
        i += k
    by_name = {g.name: g for g in out}
    for d in getattr(pre, "derived", []):
        reads = [c for c in parse_formula(d.formula, by_name).columns if c in by_name]
        for c in reads:
            g = by_name[c]
            g.indices.append(i)
            g.weights = [*(g.weights or [1.0] * (len(g.indices) - 1)), 1.0 / len(reads)]
        i += 1
    return out


def input_units(pre, column: str, value=None) -> list[int]:
    """The network inputs that carry ``column`` (for a one-hot column given ``value``: its
    category's input first). Empty if there is no such column."""
    for c, g in zip(pre.columns, column_groups(pre)):
        if c.name != column:
            continue
        units = list(g.indices)
        if value is not None and len(units) > 1 and c.categories:
            hit = [i for i, cat in enumerate(c.categories) if str(cat) == str(value)]
            if hit:
                units.insert(0, units.pop(hit[0]))
        return units
    return []


def forward_layers(net) -> list:
    """The NumPy forward layers of a Keras model (a list of forward layers is returned as it is)."""
    if isinstance(net, (list, tuple)):
        return list(net)

    return layers_from_model(net)


# ----- the network's output for one unit, and its gradient ---------------------------------------------
def _as64(layers) -> list:
    def f(a):
        return None if a is None else np.asarray(a, np.float64)

    return [replace(lay, kernel=f(lay.kernel), bias=f(lay.bias), scale=f(lay.scale), shift=f(lay.shift))
            for lay in layers]


def _activation_backward(name: str, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """dOutput/dz from dOutput/da for an activation: the gradient training uses
    (:func:`~nnstudio.core.forward.activation_gradient`), and what training never carries back
    through: softmax (its Jacobian) and the hand-built nets' step function (zero almost
    everywhere)."""
    if name == "softmax":
        return a * (g - np.sum(g * a, axis=-1, keepdims=True))
    if name == "step":
        return g * 0.0
    try:
        return activation_gradient(name, g, z, a)
    except ValueError:
        raise DataError(f"Attributions cannot be computed through a '{name}' activation.") from None


def output_and_gradient(layers, X: np.ndarray, unit: int) -> tuple[np.ndarray, np.ndarray]:
    """Output ``unit`` of the network for every row of ``X`` and its gradient with respect to the
    inputs (rows x inputs), in float64 (the forward pass of :mod:`core.forward`, then backward)."""
    a = np.asarray(X, np.float64)
    cache = []
    for lay in layers:
        z, out = apply_layer(lay, a)
        cache.append((lay, z, out))
        a = out
    f = a[:, unit].copy()
    g = np.zeros_like(a)
    g[:, unit] = 1.0
    for lay, z, out in reversed(cache):
        if lay.kind == "dense":
            g = _activation_backward(lay.activation, z, out, g)
            g = g @ lay.kernel.T
        elif lay.kind == "affine":
            g = g * lay.scale
    return f, g


def explained_unit(pre, units: int, class_index: int | None = None) -> tuple[int, str]:
    """(output unit, what it means) for the number attributions explain.

    Regression: the predicted value. Two classes: the probability of the second class. More
    classes: the probability of ``class_index`` (default: chosen by the caller, the predicted one).
    """
    if pre.task is Task.REGRESSION:
        return 0, f"predicted {pre.target}"
    if units == 1:
        return 0, f"P({pre.target} = {pre.classes[1]!s})"
    k = (1 if len(pre.classes) == 2 else 0) if class_index is None else int(class_index)
    if not 0 <= k < units:
        raise DataError(f"There is no class number {k} (the network has {units} classes).")
    return k, f"P({pre.target} = {pre.classes[k]!s})"


#: Integrated gradients take the path's points in blocks of at most this many numbers in the
#: widest layer (float64: 8 MB an array). Blocks of 8,192 points through a 100,000-unit layer
#: took 20 GB, and the app was killed for memory.
IG_BLOCK_VALUES = 1 << 20
#: ...and double their steps only while steps x multiply-adds per point stays under this (a few
#: seconds of one core): a teaching net still gets up to ``max_steps``, a very wide one fewer,
#: and the gap the attributions leave is reported as it is.
IG_MAX_MULTIPLY_ADDS = 1 << 31


def integrated_gradients(layers, x: np.ndarray, baseline: np.ndarray, unit: int, *,
                         tol: float = 1e-4, min_steps: int = 64,
                         max_steps: int = 65536) -> tuple[np.ndarray, float, float, int]:
    """Integrated gradients of output ``unit`` at ``x`` (one encoded row) against ``baseline``.

    Midpoint rule along the straight path, the steps doubled until the attributions add up to
    f(x) - f(baseline) within ``tol`` (or ``max_steps`` is reached, or the next doubling would
    pass :data:`IG_MAX_MULTIPLY_ADDS`). Returns (attributions per input, f(x), f(baseline), steps
    used).
    """
    layers = _as64(layers)
    x = np.asarray(x, np.float64).reshape(-1)
    b = np.asarray(baseline, np.float64).reshape(-1)
    ends, _ = output_and_gradient(layers, np.stack([x, b]), unit)
    fx, fb = float(ends[0]), float(ends[1])
    diff = x - b
    block = block_rows(layers, len(x), IG_BLOCK_VALUES)
    per_point = max(1, multiply_adds(layers))
    steps = min_steps
    total = np.zeros_like(x)
    while True:
        alphas = (np.arange(steps) + 0.5) / steps
        pts = b[None, :] + alphas[:, None] * diff[None, :]
        grad_sum = np.zeros_like(x)
        for i in range(0, steps, block):
            grad_sum += output_and_gradient(layers, pts[i:i + block], unit)[1].sum(axis=0)
        total = diff * (grad_sum / steps)
        if (abs(total.sum() - (fx - fb)) <= tol or steps >= max_steps
                or 2 * steps * per_point > IG_MAX_MULTIPLY_ADDS):
            return total, fx, fb, steps
        steps *= 2


# ----- one row ----------------------------------------------------------------------------------------
@dataclass
class Attribution:
    """Why the network answers what it does for one row, per original column."""

    columns: list[str]
    values: np.ndarray  # attribution per column (output units)
    prediction: float  # the explained output at the row
    baseline_prediction: float  # ... at the baseline row
    output: str  # what the explained output is, in words
    row: dict  # the row, original units
    baseline: dict  # the baseline row, original units
    encoded: np.ndarray  # attribution per network input
    input_names: list[str]
    steps: int = 0
    unit: int = 0

    @property
    def gap(self) -> float:
        """|sum of attributions - (prediction - baseline prediction)| (completeness error)."""
        return float(abs(self.values.sum() - (self.prediction - self.baseline_prediction)))

    def order(self) -> np.ndarray:
        """Column positions, largest absolute attribution first."""
        return np.argsort(-np.abs(self.values), kind="stable")

    def sentence(self, top: int = 3) -> str:
        parts = []
        for i in self.order()[:top]:
            v = self.values[i]
            parts.append(f"{self.columns[i]} = {_text(self.row.get(self.columns[i]))} "
                         f"({'+' if v >= 0 else '−'}{abs(v):.3g})")
        return (f"{self.output} is {self.prediction:.4g} against {self.baseline_prediction:.4g} for "
                f"the baseline row; most of the difference comes from " + ", ".join(parts) + ".")

    def to_dict(self) -> dict:
        return {"output": self.output, "prediction": self.prediction,
                "baseline_prediction": self.baseline_prediction,
                "difference": self.prediction - self.baseline_prediction,
                "sum_of_attributions": float(self.values.sum()), "completeness_gap": self.gap,
                "steps": self.steps,
                "attributions": [{"column": self.columns[i], "value": scalar(self.row.get(self.columns[i])),
                                  "baseline": scalar(self.baseline.get(self.columns[i])),
                                  "attribution": float(self.values[i])} for i in self.order()]}


def _text(v) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)


def _typed_row(pre, row: dict) -> dict:
    """The row's input columns with numbers as numbers (a form sends text); checked."""
    frame = ev.row_frame(pre, row)
    return {c.name: scalar(frame[c.name].iloc[0]) for c in pre.columns}


def baseline_row(pre, train: pd.DataFrame | None = None) -> dict:
    """The reference row attributions are measured against: the training rows' median of every
    number column and most frequent value of every other one (without training rows: the fitted
    means, and the first category)."""
    if train is not None and len(train):
        held = default_held_values(pre, train)
        if all(c.name in held for c in pre.columns):
            return {c.name: held[c.name] for c in pre.columns}
    out = {}
    for c in pre.columns:
        if c.kind == "numeric":
            out[c.name] = float((c.stats or {}).get("mean", c.center))
        elif c.impute_value is not None:
            out[c.name] = c.impute_value
        else:
            out[c.name] = c.categories[0] if c.categories else None
    return out


def explain_row(net, pre, row: dict, baseline: dict | None = None, *, train: pd.DataFrame | None = None,
                class_index: int | None = None, tol: float = 1e-4) -> Attribution:
    """Attributions of one row (original units) per original column; see :func:`integrated_gradients`.

    For more than two classes the explained output is the probability of ``class_index`` (default:
    the class the network predicts for the row).
    """
    layers = forward_layers(net)
    row = _typed_row(pre, row)
    base = baseline if baseline is not None else baseline_row(pre, train)
    x = ev.encode_row(pre, row)[0]
    try:
        b = ev.encode_row(pre, base)[0]
    except DataError as e:
        raise DataError(f"The baseline row cannot be used: {e.message}", e.hint) from None
    units = ev.output_width(layers)
    if class_index is None and pre.task is not Task.REGRESSION and units > 2:
        class_index = int(np.argmax(ev.predict_encoded(layers, x[None, :])[0]))
    unit, what = explained_unit(pre, units, class_index)
    enc, fx, fb, steps = integrated_gradients(layers, x, b, unit, tol=tol)
    groups = column_groups(pre)
    per_col = np.array([(enc[g.indices] * (g.weights or 1.0)).sum() for g in groups])
    return Attribution([g.name for g in groups], per_col, fx, fb, what, row, dict(base), enc,
                       list(pre.output_names), steps, unit)


# ----- what if: one column varied --------------------------------------------------------------------
@dataclass
class IceCurve:
    column: str
    values: list  # the column's values tried (numbers, or categories)
    predictions: np.ndarray  # the explained output at each
    current: object  # the row's own value
    output: str
    numeric: bool


def ice_curve(net, pre, row: dict, column: str, *, n: int = 41, class_index: int | None = None) -> IceCurve:
    """The prediction as ``column`` varies over its training range (numbers, ``n`` points, the row's
    own value included) or over its categories, every other column held at the row's values."""
    cols = {c.name: c for c in pre.columns}
    if column not in cols:
        raise DataError(f"'{column}' is not an input column of the model.",
                        f"Choose one of: {', '.join(cols)}.")
    c = cols[column]
    layers = forward_layers(net)
    row = _typed_row(pre, row)
    x = ev.encode_row(pre, row)[0]
    numeric = c.kind == "numeric"
    if numeric:
        st = c.stats or {}
        lo, hi = float(st.get("min", 0.0)), float(st.get("max", 1.0))
        cur = float(row[column])
        lo, hi = min(lo, cur), max(hi, cur)
        if hi <= lo:
            hi = lo + 1.0
        values = sorted(set(np.linspace(lo, hi, n).tolist()) | {cur})
    else:
        values = list(c.categories)
    frame = pd.DataFrame([{**row, column: v} for v in values])
    X = ev.transform_lenient(pre, frame)
    X[:, :] = np.where(np.isfinite(X), X, x[None, :])
    out = ev.predict_encoded(layers, X)
    units = out.shape[1]
    if class_index is None and pre.task is not Task.REGRESSION and units > 2:
        class_index = int(np.argmax(ev.predict_encoded(layers, x[None, :])[0]))
    unit, what = explained_unit(pre, units, class_index)
    return IceCurve(column, values, np.asarray(out[:, unit], np.float64), row[column], what, numeric)


# ----- which columns matter ---------------------------------------------------------------------------
@dataclass
class Importance:
    """Permutation importance per original column, most important first."""

    columns: list[str]
    mean: np.ndarray  # drop of the metric when the column is shuffled (bigger: more important)
    std: np.ndarray
    repeats: np.ndarray  # columns x repeats
    metric: str
    score: float  # the metric on the rows as they are
    n_rows: int
    n_repeats: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def metric_label(self) -> str:
        return ev.METRIC_NAMES.get(self.metric, self.metric)

    def to_dict(self) -> dict:
        return {"metric": self.metric, "score": self.score, "rows": self.n_rows,
                "repeats": self.n_repeats,
                "columns": [{"column": c, "importance": float(m), "sd": float(s)}
                            for c, m, s in zip(self.columns, self.mean, self.std)]}

    def summary(self, mark=str) -> str:
        """The chart in words: the (at most three) columns the network leans on, those whose
        shuffling changes nothing beyond noise (one sd of the repeats), and those whose shuffling
        *improves* the score beyond noise: what the network learned from them does not hold on
        these rows. ``mark`` dresses each column name (the app makes it bold)."""
        top = [mark(c) for c, m in zip(self.columns, self.mean)
               if m > 0.01 * max(abs(self.score), 1e-9)][:3]
        idle = [mark(c) for c, m, s in zip(self.columns, self.mean, self.std)
                if abs(m) <= max(s, 1e-3)]
        worse = [(mark(c), -m) for c, m, s in zip(self.columns, self.mean, self.std)
                 if m < 0 and -m > max(s, 1e-3)]
        out = []
        if top:
            out.append(f"The network leans most on {', '.join(top)}.")
        if idle:
            out.append(f"Shuffling {', '.join(idle)} changes nothing beyond noise.")
        if worse:
            names = ", ".join(c for c, _ in worse)
            by = " and ".join(f"{d:.2g}" for _, d in worse)
            it = "it" if len(worse) == 1 else "them"
            out.append(f"Shuffling {names} improves {self.metric_label} (by {by}): what the "
                       f"network learned from {it} does not hold on these rows, as if it fitted "
                       f"noise; try training without {it}.")
        return " ".join(out)

    def lines(self, most: int | None = None) -> list[str]:
        """The figures in words, most important first; with ``most``, that many columns and a
        line for the rest (a pixel file has hundreds)."""
        shown = len(self.columns) if most is None else min(most, len(self.columns))
        w = max([len(c) for c in self.columns[:shown]] + [6])
        out = [f"Permutation importance: drop of {self.metric_label} ({self.score:.4f} as is) when "
               f"a column is shuffled, {self.n_repeats} repeats on {self.n_rows:,} rows"]
        for c, m, s in zip(self.columns[:shown], self.mean[:shown], self.std[:shown]):
            out.append(f"  {c:<{w}} {m:+.4f} ± {s:.4f}")
        rest = len(self.columns) - shown
        if rest:
            out.append(f"  … and {rest:,} more columns, each at most {self.mean[shown:].max():+.4f} "
                       f"(--json lists every column)")
        return out


class _RawColumnsModel:
    """The network as a scikit-learn-style estimator over the raw (original) columns."""

    def __init__(self, layers, pre, threshold: float | None) -> None:
        self.layers, self.pre, self.threshold = layers, pre, threshold

    def fit(self, X, y=None):
        return self

    def outputs(self, frame: pd.DataFrame) -> np.ndarray:
        X = ev.transform_lenient(self.pre, frame)
        return ev.predict_encoded(self.layers, np.nan_to_num(X, nan=0.0))


class _ShuffledRows(_RawColumnsModel):
    """:class:`_RawColumnsModel` for permutation importance without encoding the rows again.

    scikit-learn is handed, for each raw column, the row each value comes from (an integer
    matrix, ``arange(n)`` in every column) and shuffles one column of it at a time. Each raw
    column is encoded row by row into its own block of network inputs, so the encoded rows with
    column ``j`` shuffled are the rows encoded once with block ``j``'s rows taken in that order:
    the same numbers as encoding the shuffled frame again, which took 50 ms a call for 686
    columns (3 minutes for a 49-row importance). Engineered inputs read several columns: those
    preprocessors keep the frame path (:func:`blocks` gives None)."""

    def __init__(self, layers, pre, threshold: float | None, raw: pd.DataFrame,
                 blocks: list[slice]) -> None:
        super().__init__(layers, pre, threshold)
        self.encoded = np.nan_to_num(ev.transform_lenient(pre, raw), nan=0.0)
        self.work = self.encoded.copy()  # a call's rows: one block changed, then put back
        self.slices = blocks
        self.rows = np.arange(len(raw), dtype=np.int32)

    @staticmethod
    def blocks(pre) -> list[slice] | None:
        """Each raw column's slice of the encoded inputs, or None (engineered inputs)."""
        if getattr(pre, "derived", None):
            return None
        out, at = [], 0
        for c in pre.columns:
            width = len(c.output_names())
            out.append(slice(at, at + width))
            at += width
        return out if at == len(pre.output_names) else None

    def outputs(self, order: np.ndarray) -> np.ndarray:
        moved = np.flatnonzero((order != self.rows[:, None]).any(axis=0))
        for j in moved:
            self.work[:, self.slices[j]] = self.encoded[order[:, j], self.slices[j]]
        try:
            return ev.predict_encoded(self.layers, self.work)
        finally:
            for j in moved:
                self.work[:, self.slices[j]] = self.encoded[:, self.slices[j]]


def _score(metric: str, task: Task, threshold: float | None):
    from sklearn import metrics as m  # noqa: PLC0415 -- lazy: scikit-learn loads only when this runs, not at start-up

    def scorer(est: _RawColumnsModel, X, y) -> float:
        out = est.outputs(X)
        if task is Task.REGRESSION:
            p = out[:, 0].astype(np.float64)
            if metric == "r2":
                return float(m.r2_score(y, p))
            if metric == "rmse":
                return -float(np.sqrt(m.mean_squared_error(y, p)))
            return -float(m.mean_absolute_error(y, p))
        probs = ev.class_probabilities(out, task)
        if metric == "accuracy":
            return float(np.mean(ev.predicted_codes(out, task, threshold) == y))
        if metric == "balanced_accuracy":
            return float(m.balanced_accuracy_score(y, ev.predicted_codes(out, task, threshold)))
        if metric == "roc_auc":
            if probs.shape[1] == 2:
                return float(m.roc_auc_score(y, probs[:, 1]))
            return float(m.roc_auc_score(y, probs, multi_class="ovr", labels=list(range(probs.shape[1]))))
        return -float(m.log_loss(y, np.clip(probs, 1e-7, 1 - 1e-7), labels=list(range(probs.shape[1]))))

    return scorer


def default_metric(task: Task, y=None) -> str:
    """R² for a regression; accuracy for classes, unless one class is nearly all the labels ``y``
    (97 % of payments not fraud): shuffling a column then barely moves accuracy whatever the
    network does with it (a network answering 'no' everywhere scores 0.970 shuffled or not), so ROC
    AUC (two classes) or log loss (more), which read its probabilities."""
    if Task(task) is Task.REGRESSION:
        return "r2"
    if y is not None and len(y) and most_frequent(y)[1] >= 1 - RARE_CLASS_SHARE:
        return "roc_auc" if Task(task) is Task.BINARY else "log_loss"
    return "accuracy"


def permutation_importance(net, pre, frame: pd.DataFrame, *, metric: str | None = None,
                           n_repeats: int = 5, seed: int = 0, threshold: float | None = None,
                           max_rows: int = MAX_IMPORTANCE_ROWS) -> Importance:
    """How much ``metric`` drops on the rows of ``frame`` (original columns, with the target) when
    each input column is shuffled, ``n_repeats`` times (scikit-learn's permutation_importance).

    Loss-like metrics (RMSE, MAE, log loss) are negated inside, so a positive importance always
    means "the network needs this column". Rows that cannot be predicted are left out (noted).
    """
    from sklearn.inspection import permutation_importance as sk_pi  # noqa: PLC0415 -- lazy: scikit-learn loads only when this runs, not at start-up

    task = pre.task
    chosen = metric is None
    allowed = REGRESSION_METRICS if task is Task.REGRESSION else CLASSIFICATION_METRICS
    if not chosen and metric not in allowed:
        raise DataError(f"'{metric}' is not a metric for this task.", f"Use one of: {', '.join(allowed)}.")
    if not (isinstance(n_repeats, int) and 1 <= n_repeats <= 100):
        raise DataError(f"The number of repeats must be a whole number from 1 to 100 (got {n_repeats!r}).")
    if pre.target not in frame.columns:
        raise DataError(f"The data has no column '{pre.target}' (the target), so the importance of "
                        f"the inputs cannot be measured.", "Give rows that hold the target.")
    require_columns(pre, frame)
    frame = frame.reset_index(drop=True)
    y = pre.encode_target(frame[pre.target])
    has_y = np.isfinite(y) if task is Task.REGRESSION else y >= 0
    known = frame[pre.target][has_y]  # (a value the model does not know is no class of it)
    metric = metric or default_metric(task, known)
    X = ev.transform_lenient(pre, frame)
    predictable = np.array([not n for n in ev.row_problems(pre, frame)], bool) & np.isfinite(X).all(axis=1)
    ok = has_y & predictable
    notes = [left_out_note(pre, frame[pre.target], has_y, predictable)] if (~ok).any() else []
    idx = np.flatnonzero(ok)
    if not has_y.any():  # the target blank, or only values the model does not know
        raise DataError(no_rows_message(pre, frame[pre.target], has_y),
                        "Give rows whose target is written as the training file wrote it.")
    if len(idx) < 2:
        raise DataError("Fewer than two rows can be predicted, so no importance can be measured.",
                        "Give more rows like the model's training data.")
    if len(idx) > max_rows:
        idx = np.sort(np.random.default_rng(seed).choice(idx, max_rows, replace=False))
        notes.append(f"Measured on a random sample of {max_rows:,} rows.")
    if metric == "roc_auc" and len(np.unique(y[idx])) < 2:
        raise DataError("ROC AUC needs rows of both classes.", "Choose another metric.")
    if chosen and metric != default_metric(task):
        label, share = most_frequent(known)
        name = ev.METRIC_NAMES[metric]
        notes.append(f"{name[:1].upper() + name[1:]}, not accuracy: '{label}' is {share:.1%} of these "
                     f"rows, so shuffling a column barely moves accuracy whatever the network "
                     f"does with it.".replace("%", " %"))
    raw = frame.loc[idx, [c.name for c in pre.columns]].reset_index(drop=True)
    yy = y[idx]
    scorer = _score(metric, task, threshold)
    blocks = _ShuffledRows.blocks(pre)
    if blocks is None:
        est, X = _RawColumnsModel(forward_layers(net), pre, threshold), raw
    else:  # the row each value comes from, shuffled by scikit-learn: nothing encoded again
        est = _ShuffledRows(forward_layers(net), pre, threshold, raw, blocks)
        X = np.repeat(est.rows[:, None], len(raw.columns), axis=1)
    base = scorer(est, X, yy)
    res = sk_pi(est, X, yy, scoring=scorer, n_repeats=n_repeats, random_state=seed)
    order = np.argsort(-res.importances_mean, kind="stable")
    sign = -1.0 if metric in ("rmse", "mae", "log_loss") else 1.0
    return Importance([raw.columns[i] for i in order], res.importances_mean[order],
                      res.importances_std[order], res.importances[order], metric, sign * base,
                      len(idx), n_repeats, notes)
