"""Decision-surface grids and slices: what a network predicts over a plane of two features.

A :class:`SliceSpec` names the two axis features, their ranges in the data's original units, the
grid resolution and the value every other feature is held at. :func:`make_grid` turns it into raw
rows (original units) and encodes them with the *fitted* preprocessor of training, so one-hot
columns, scaling and filled-in values are exactly what the network saw. :func:`evaluate` runs the
NumPy forward pass (:mod:`nnstudio.core.forward`) over the grid and returns a :class:`Surface`:
the probability of the positive class (binary), the class probabilities (multi-class) or the
predicted value (regression), shaped as an image (rows = y, columns = x).

With more than two features the plane is a *slice*: :func:`default_held_values` holds every other
numeric feature at its median and every categorical one at its most frequent value in the training
rows; :func:`describe_slice` says so in words.
"""
from __future__ import annotations

import functools
import itertools
import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.data.preprocess import FittedPreprocessor
from nnstudio.core.errors import DataError
from nnstudio.core.forward import ForwardLayer, forward, layers_from_weights
from nnstudio.core.model.spec import NetworkSpec, Task

#: Grid size used while training runs (cheap enough to recompute many times a second).
LIVE_RESOLUTION = 120
#: Grid size for a finished model, an axis change or a moved slice value.
FINAL_RESOLUTION = 200


# ----- which features can be axes, and where the others are held ------------------------------------
def _is_axis(c) -> bool:
    """Numbers (a column of 0 and 1 too: used as it is, so the values between mean something)."""
    return c.kind == "numeric" or c.passthrough_binary


def axis_features(pre: FittedPreprocessor) -> list[str]:
    """Features that can be an axis of the plane: the numeric ones (in feature order)."""
    return [c.name for c in pre.columns if _is_axis(c)]


#: Training rows looked at to choose the default axes (evenly spaced: the choice needs no more).
AXIS_SAMPLE_ROWS = 5000
#: A feature counts as related to the target when it explains this many times what a feature of
#: noise would on as many rows (its share of variance: (classes - 1) / rows, or 1 / rows).
AXIS_RELATED_FACTOR = 4.0
#: The second axis is not one whose correlation with the first is above this (a near copy).
AXIS_MAX_CORRELATION = 0.95


def default_axes(pre: FittedPreprocessor, train: pd.DataFrame | None = None,
                 target=None) -> tuple[str, str] | None:
    """The two numeric features the plane starts on, in feature order.

    Features that vary come first (at least 5 distinct training values if possible): a constant or
    almost constant feature (a border pixel of an image) makes a flat, useless plane. With the
    training rows' ``target`` (encoded, as ``PreparedData.y_train``), the features that say most
    about it are taken before the others (:func:`axis_scores`), the second not a near copy of the
    first; features no more related than noise keep their order.
    """
    cands = axis_features(pre)
    if len(cands) < 2:
        return None
    if train is not None and target is not None and len(target) == len(train) and len(train) \
            and all(c in train.columns for c in cands):
        return related_pair(train, cands, target, pre.task)

    @functools.cache
    def distinct(name: str) -> int:
        if train is None or name not in train.columns:
            return 5 if _column(pre, name).stats.get("sd", 1.0) > 0 else 1
        return int(train[name].nunique())

    for least in (5, 2):
        # the first two found: counting every column of a pixel file took 0.2 s
        good = list(itertools.islice((c for c in cands if distinct(c) >= least), 2))
        if len(good) == 2:
            return good[0], good[1]
    return cands[0], cands[1]


def _sample_values(train: pd.DataFrame, target: np.ndarray, cands: list[str], rows=None):
    """(values [rows, features] of ``cands`` as floats, missing filled with the column's mean;
    their target) on at most :data:`AXIS_SAMPLE_ROWS` evenly spaced rows of ``rows`` (positions;
    None: all). Columns of numbers are read in one block (784 pixel columns one by one took 0.26 s)."""
    rows = np.arange(len(train)) if rows is None else np.asarray(rows)
    n = len(rows)
    idx = rows[np.unique(np.linspace(0, n - 1, min(n, AXIS_SAMPLE_ROWS)).astype(int))]
    frame = train.iloc[idx][cands]  # the rows first: all rows of 784 columns copied took 0.2 s
    numeric = frame.dtypes.map(pd.api.types.is_numeric_dtype).to_numpy(dtype=bool)
    X = np.empty((len(frame), len(cands)))
    if numeric.any():
        X[:, numeric] = frame.loc[:, numeric].to_numpy(dtype=float, na_value=np.nan)
    for j in np.flatnonzero(~numeric):
        X[:, j] = pd.to_numeric(frame.iloc[:, j], errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(X)
    if not finite.all():  # (a pixel file has no gaps: its nanmean took 0.09 s)
        with np.errstate(all="ignore"):
            means = np.nanmean(np.where(finite, X, np.nan), axis=0)
        X = np.where(finite, X, np.nan_to_num(means)[None, :])
    return X, target[idx]


def axis_scores(X: np.ndarray, y: np.ndarray, task: Task) -> np.ndarray:
    """Each column's share of the target's variance it explains on its own: the correlation ratio
    (eta squared: between-class variance over total) for classes, r squared for a number; 0 for a
    constant column."""
    Xc = X - X.mean(axis=0)
    total = (Xc ** 2).sum(axis=0)
    with np.errstate(all="ignore"):
        if task is Task.REGRESSION:
            yc = np.asarray(y, float).ravel()
            yc = yc - yc.mean()
            score = (yc @ Xc) ** 2 / (total * float(yc @ yc))
        else:
            codes = np.unique(np.asarray(y).ravel(), return_inverse=True)[1]
            onehot = np.eye(codes.max() + 1)[codes]
            counts = onehot.sum(axis=0)
            class_sums = onehot.T @ Xc  # [classes, features]
            score = (class_sums ** 2 / counts[:, None]).sum(axis=0) / total
    return np.nan_to_num(score)


def table_pair(frame: pd.DataFrame, cands: list[str], target: str, task: Task | None) -> list[str]:
    """``cands`` (numeric columns of a table, before any preparing) with the two to plot first
    (:func:`related_pair`) at the front, judged against the raw ``target`` column; as they are
    when there is no target or task to judge against, or fewer than three."""
    if task is None or target not in frame.columns or len(cands) < 3:
        return list(cands)
    if task is Task.REGRESSION:
        y = pd.to_numeric(frame[target], errors="coerce").to_numpy(dtype=float)
    else:
        codes = pd.factorize(frame[target])[0]
        y = np.where(codes >= 0, codes, np.nan)
    pair = related_pair(frame, list(cands), y, task)
    return [*pair, *(c for c in cands if c not in pair)]


def related_pair(frame: pd.DataFrame, cands: list[str], target, task: Task) -> tuple[str, str]:
    """Two of the numeric columns ``cands`` (at least two) of ``frame`` to plot against each
    other, in column order: those that vary (5+ distinct values where possible) and say most
    about ``target`` (one value per row: class codes, or numbers for a regression; rows without
    one are left out), the second not a near copy of the first; columns no more related than
    noise keep their order (:func:`default_axes`)."""
    target = np.asarray(target)
    known = np.flatnonzero(np.isfinite(target.astype(float)))
    if len(known) < 2:
        return cands[0], cands[1]
    X, y = _sample_values(frame, target, cands, known)
    score = axis_scores(X, y, task)
    classes = 2 if task is Task.REGRESSION else max(2, len(np.unique(y)))
    noise = AXIS_RELATED_FACTOR * (classes - 1) / max(len(X), 1)
    related = sorted((j for j in range(len(cands)) if score[j] > noise), key=lambda j: -score[j])
    ranked = related + [j for j in range(len(cands)) if not score[j] > noise]

    @functools.cache
    def distinct(j: int) -> int:  # counted only for the columns looked at (every column's sort of
        # 5,000 rows of a pixel file took 0.16 s)
        return len(np.unique(X[:, j]))

    for least in (5, 2, 1):
        order = (j for j in ranked if distinct(j) >= least)
        first, runner_up = next(order, None), next(order, None)
        if runner_up is not None:
            break
    second = runner_up
    z = X[:, first] - X[:, first].mean()
    with np.errstate(all="ignore"):  # the first column's correlation with the others, one at a time
        for j in itertools.chain((runner_up,), order):  # lazily: each column's values counted when reached
            zj = X[:, j] - X[:, j].mean()
            r = (z @ zj) / np.sqrt((z @ z) * (zj @ zj))
            if abs(np.nan_to_num(r)) <= AXIS_MAX_CORRELATION:
                second = j
                break
    a, b = sorted((first, second))
    return cands[a], cands[b]


def default_held_values(pre: FittedPreprocessor, train: pd.DataFrame) -> dict[str, object]:
    """Median of every numeric feature and most frequent value of every other one (training rows).

    Remembered per (preprocessor, training frame): the surface and the prediction forms all start
    from these, and on a million rows they take a second, which the data-loading worker pays
    ahead of the GUI thread."""
    cached = pre.__dict__.get("_held_values")
    if cached is not None and cached[0]() is train:
        return dict(cached[1])
    out = _held_values(pre, train)
    try:
        pre.__dict__["_held_values"] = (weakref.ref(train), dict(out))
    except TypeError:  # a frame that cannot be weakly referenced: not remembered
        pass
    return out


def _held_values(pre: FittedPreprocessor, train: pd.DataFrame) -> dict[str, object]:
    out: dict[str, object] = {}
    for c in pre.columns:
        s = train[c.name].dropna() if c.name in train.columns else pd.Series(dtype=float)
        if c.kind == "numeric":
            v = pd.to_numeric(s, errors="coerce").dropna().to_numpy(dtype=float)
            if len(v):
                # whole numbers (a year, a count of rooms) held at one: 1974, not 1974.5
                m = float(np.median(v))
                out[c.name] = float(round(m)) if is_whole(c, v) else m
            else:
                out[c.name] = float(c.stats.get("mean", c.center))
        else:
            key = s if c.categories and not isinstance(c.categories[0], str) else s.astype(str)
            key = key[key.isin(c.categories)]
            out[c.name] = key.mode().iloc[0] if len(key) else c.categories[0]
            if isinstance(out[c.name], np.generic):
                out[c.name] = out[c.name].item()
    return out


def is_whole(c, values: np.ndarray | None = None) -> bool:
    """Whether a numeric column's training values are all whole numbers (as fitted; a model saved
    before that was recorded: judged on ``values`` when given)."""
    if "whole" in c.stats:
        return bool(c.stats["whole"])
    return values is not None and bool(np.all(values == np.round(values)))


def held_range(pre: FittedPreprocessor, name: str) -> tuple[float, float]:
    """The training range (min, max) of a numeric feature, for a slider."""
    c = _column(pre, name)
    lo, hi = float(c.stats.get("min", 0.0)), float(c.stats.get("max", 1.0))
    return (lo, hi) if hi > lo else (lo - 1.0, lo + 1.0)


def _column(pre: FittedPreprocessor, name: str):
    for c in pre.columns:
        if c.name == name:
            return c
    raise DataError(f"'{name}' is not a feature of the trained network.",
                    "Choose one of: " + ", ".join(pre.feature_names) + ".")


def format_value(v: object) -> str:
    """A held value for people: 4 significant digits, large numbers in full ('95,193')."""
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if 1e4 <= abs(f) < 1e15:
            return f"{f:,.0f}"
        return f"{f:.4g}"
    return str(v)


def describe_slice(pre: FittedPreprocessor, x: str, y: str, held: dict[str, object],
                   defaults: dict[str, object] | None = None, max_items: int | None = None) -> str:
    """'' for a plain plane of two features, else the held values in words.

    With ``max_items``, only that many values are named, those set away from their default
    first, and the rest counted ("… and 58 more at their median / most frequent").
    """
    others = [c for c in pre.columns if c.name not in (x, y)]
    if not others:
        return ""

    def is_default(c) -> bool:
        return defaults is not None and _same(defaults.get(c.name), held[c.name])

    default = {c.name: is_default(c) for c in others}
    if max_items is None:
        shown = others
    else:  # those set away from their default first (a stable sort), in column order on the line
        named = {c.name for c in sorted(others, key=lambda c: default[c.name])[:max_items]}
        shown = [c for c in others if c.name in named]
    parts = []
    for c in shown:
        tag = (" (median)" if c.kind == "numeric" else " (most frequent)") if default[c.name] else ""
        parts.append(f"{c.name} = {format_value(held[c.name])}{tag}")
    n = len(others)
    rest = n - len(shown)
    unnamed_set = sum(not default[c.name] for c in others) - sum(not default[c.name] for c in shown)
    tail = ""
    if rest:
        tail = (f" and {rest} more ({unnamed_set} set, the others at their median / most frequent)"
                if unnamed_set else f" and {rest} more at their median / most frequent")
    return (f"A slice: the {n} other feature{'s are' if n != 1 else ' is'} held at "
            + ", ".join(parts) + tail + ".")


def _same(a, b) -> bool:
    if isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number)):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-12))
    return a == b


# ----- the grid --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SliceSpec:
    x: str
    y: str
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    resolution: int = FINAL_RESOLUTION
    held: tuple[tuple[str, object], ...] = ()  # (feature, value) for every feature but x and y

    @classmethod
    def make(cls, x: str, y: str, x_range, y_range, resolution: int = FINAL_RESOLUTION,
             held: dict[str, object] | None = None) -> SliceSpec:
        h = tuple(sorted(((k, v) for k, v in (held or {}).items() if k not in (x, y)),
                         key=lambda kv: kv[0]))
        return cls(x, y, (float(x_range[0]), float(x_range[1])),
                   (float(y_range[0]), float(y_range[1])), int(resolution), h)


@dataclass
class SurfaceGrid:
    spec: SliceSpec
    xs: np.ndarray  # (nx,) pixel centres, original units
    ys: np.ndarray  # (ny,)
    X: np.ndarray  # (ny * nx, n_inputs) float32: the encoded rows, x varying fastest

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.ys), len(self.xs)

    @property
    def n_rows(self) -> int:
        return self.X.shape[0]


def make_grid(pre: FittedPreprocessor, spec: SliceSpec) -> SurfaceGrid:
    """Raw rows on a regular grid in original units, encoded by the training preprocessing."""
    names = pre.feature_names
    for f in (spec.x, spec.y):
        if f not in names:
            raise DataError(f"'{f}' is not a feature of this network.",
                            "Choose two of: " + ", ".join(names) + ".")
        if not _is_axis(_column(pre, f)):
            raise DataError(f"'{f}' is categorical, so it cannot be an axis of the plane.",
                            "Choose numeric features for the axes; categorical ones are held at a value.")
    if spec.x == spec.y:
        raise DataError("The two axes show the same feature.", "Choose two different features.")
    held = dict(spec.held)
    missing = [n for n in names if n not in (spec.x, spec.y) and n not in held]
    if missing:
        raise DataError(f"No value given for the held feature(s) {', '.join(missing)}.")
    n = max(2, int(spec.resolution))
    (x0, x1), (y0, y1) = spec.x_range, spec.y_range
    if not (np.isfinite([x0, x1, y0, y1]).all() and x1 > x0 and y1 > y0):
        raise DataError("The plane's range is empty or not finite.", "Reset the view (View all).")
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    rows = gx.size
    data = {}
    for c in pre.columns:
        if c.name == spec.x:
            data[c.name] = gx.ravel()
        elif c.name == spec.y:
            data[c.name] = gy.ravel()
        else:
            v = held[c.name]
            data[c.name] = np.full(rows, float(v)) if c.kind == "numeric" else [v] * rows
    X = pre.transform(pd.DataFrame(data))
    bad = ~np.isfinite(X).all(axis=0)
    if bad.any():
        cols = [nm for nm, b in zip(pre.output_names, bad) if b]
        raise DataError(f"The held value of {', '.join(cols)} cannot be encoded.",
                        "Pick one of the values seen in training.")
    return SurfaceGrid(spec, xs, ys, np.ascontiguousarray(X, dtype=np.float32))


# ----- predictions over the grid ---------------------------------------------------------------------
@dataclass
class Surface:
    """A network's predictions over a grid, shaped as images (ny, nx)."""

    task: Task
    grid: SurfaceGrid
    outputs: np.ndarray  # (ny * nx, units): the raw network outputs
    values: np.ndarray  # (ny, nx): P(positive class) | confidence of the winning class | prediction
    winner: np.ndarray | None = None  # (ny, nx) predicted class code (classification)
    probs: np.ndarray | None = None  # (ny, nx, k) class probabilities (multi-class)
    meta: dict = field(default_factory=dict)  # e.g. epoch, seconds
    boundary: np.ndarray | None = None  # (n, 2, 2) segments of the 0.5 contour (binary)

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.outputs).all())


def positive_probability(outputs: np.ndarray) -> np.ndarray:
    """P(class 1) from a binary network: one sigmoid unit or two softmax units."""
    return outputs[:, 0] if outputs.shape[1] == 1 else outputs[:, 1]


def predicted_classes(outputs: np.ndarray, task: Task) -> np.ndarray:
    """Class codes (classification) or predicted values (regression) from network outputs."""
    if task is Task.REGRESSION:
        return outputs[:, 0]
    if outputs.shape[1] == 1:
        return (outputs[:, 0] >= 0.5).astype(np.int64)
    return outputs.argmax(axis=1)


def evaluate(grid: SurfaceGrid, layers: list[ForwardLayer], task: Task | str) -> Surface:
    """Run the network over the grid (NumPy, any thread) and shape the answer for drawing."""
    task = Task(task)
    out = np.asarray(forward(layers, grid.X))
    shape = grid.shape
    if task is Task.REGRESSION:
        return Surface(task, grid, out, out[:, 0].reshape(shape))
    winner = predicted_classes(out, task).reshape(shape)
    if task is Task.BINARY:
        p = positive_probability(out).reshape(shape)
        return Surface(task, grid, out, p, winner,
                       boundary=contour_segments(p, 0.5, grid.xs, grid.ys))
    probs = out.reshape(*shape, out.shape[1])
    return Surface(task, grid, out, probs.max(axis=-1), winner, probs)


# ----- the decision boundary as line segments ----------------------------------------------------------
# (edge a, edge b) pairs per marching-squares case; corners: 1 = (y0, x0), 2 = (y0, x1), 4 = (y1, x1),
# 8 = (y1, x0); edges: 0 bottom, 1 right, 2 top, 3 left. Cases 5 and 10 are decided by the centre.
_CASES = {1: [(0, 3)], 2: [(0, 1)], 3: [(1, 3)], 4: [(1, 2)], 6: [(0, 2)], 7: [(2, 3)], 8: [(2, 3)],
          9: [(0, 2)], 11: [(1, 2)], 12: [(1, 3)], 13: [(0, 1)], 14: [(0, 3)]}


def contour_segments(values: np.ndarray, level: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Line segments (n, 2, 2) [(x, y) start, (x, y) end] where ``values`` (ny, nx) crosses ``level``.

    Marching squares with linear interpolation, in NumPy: about a millisecond for a 200 x 200 grid
    (pyqtgraph's own ``isocurve`` walks the cells in Python, tens of milliseconds, too slow to run
    many times a second while training).
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or min(v.shape) < 2:
        return np.zeros((0, 2, 2))
    above = v >= level
    case = (above[:-1, :-1] * 1 + above[:-1, 1:] * 2 + above[1:, 1:] * 4 + above[1:, :-1] * 8)
    iy, ix = np.nonzero((case != 0) & (case != 15))  # only the cells the boundary passes through
    case = case[iy, ix]
    a, b, c, d = v[iy, ix], v[iy, ix + 1], v[iy + 1, ix + 1], v[iy + 1, ix]
    X0, X1, Y0, Y1 = xs[ix], xs[ix + 1], ys[iy], ys[iy + 1]
    centre_above = (a + b + c + d) / 4.0 >= level

    def frac(p, q):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (level - p) / (q - p)
        return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)

    # the crossing point on each edge of every boundary cell: 0 bottom, 1 right, 2 top, 3 left
    edges = [np.column_stack([X0 + frac(a, b) * (X1 - X0), Y0]),
             np.column_stack([X1, Y0 + frac(b, c) * (Y1 - Y0)]),
             np.column_stack([X0 + frac(d, c) * (X1 - X0), Y1]),
             np.column_stack([X0, Y0 + frac(a, d) * (Y1 - Y0)])]
    pieces = []

    def add(m: np.ndarray, pairs) -> None:
        if m.any():
            for e1, e2 in pairs:
                pieces.append(np.stack([edges[e1][m], edges[e2][m]], axis=1))

    for k, pairs in _CASES.items():
        add(case == k, pairs)
    # saddles: the centre value says which corners are joined
    add((case == 5) & centre_above, [(0, 1), (2, 3)])
    add((case == 5) & ~centre_above, [(0, 3), (1, 2)])
    add((case == 10) & centre_above, [(0, 3), (1, 2)])
    add((case == 10) & ~centre_above, [(0, 1), (2, 3)])
    return np.concatenate(pieces) if pieces else np.zeros((0, 2, 2))


def network_from_weights(spec: NetworkSpec, task: Task | str, n_classes: int,
                         weights: list[np.ndarray]) -> list[ForwardLayer]:
    """The forward network of ``spec`` with weights from ``model.get_weights()`` (e.g. live ones)."""
    return layers_from_weights(spec.layers_for(task, n_classes), weights)


def multiply_adds(layers: list[ForwardLayer]) -> int:
    """Multiply-adds per row of a forward pass (for a cost estimate)."""
    return sum(int(np.prod(l.kernel.shape)) for l in layers if l.kind == "dense")


def estimate_seconds(rows: int, layers: list[ForwardLayer], n_columns: int = 0) -> float:
    """A deliberately pessimistic guess of :func:`evaluate` (+ grid encoding when ``n_columns``).

    The GUI uses it to decide whether a grid is cheap enough to compute on its own thread; it then
    corrects it with what it measures.
    """
    per_row = 2e-9 * multiply_adds(layers) + 1.5e-7 * max(len(layers), 1)
    return rows * (per_row + 5e-8 * n_columns)
