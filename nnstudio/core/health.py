"""Training health (issue 19): per-layer statistics on a fixed probe batch, at the reports a run makes.

At every report a :class:`HealthMonitor` (a report hook through
:class:`~nnstudio.core.timeline.recorder.Recorder`'s ``probe``) reads the live model's Dense
layers (:func:`~nnstudio.core.forward.layers_from_model`), runs the probe batch — up to
:data:`PROBE_ROWS` training rows picked once with a fixed seed — through them in NumPy, and back
again for the gradient of the loss (the loss the run trains with, for the output/loss pairs
nnstudio builds: sigmoid + binary cross-entropy, softmax + sparse categorical cross-entropy, linear
+ mean squared error; other pairs report no gradient). Per hidden and output Dense layer it keeps

* the weight and bias distributions (histograms) and the activation distribution;
* the gradient norm of the layer's kernel, its weight norm and the *update / weight ratio*
  (how far the kernel moved since the previous report, per epoch, relative to its size);
* the fraction of **dead ReLU units** (never positive on the probe batch) and of **saturated**
  sigmoid / tanh units (|weighted sum| beyond :data:`SATURATION_Z` on at least 90 % of the
  probe rows, where their slope is almost 0);
* NaN / infinity counts in the weights and activations.

No TensorFlow call and nothing inside the compiled loop: the cost is a few NumPy products of a
probe batch per report (``tests/benchmarks/bench_health.py`` measures it on W1–W4).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import ThreadpoolController

from nnstudio.core.forward import (
    ACTIVATION_FUNCTIONS,
    ForwardLayer,
    activation_gradient,
    batchnorm_affine,
    layers_from_model,
)
from nnstudio.core.registry import canonical_activation

#: Rows of the probe batch (fewer when the training split is smaller).
PROBE_ROWS = 256
#: |z| beyond which a sigmoid / tanh unit counts as saturated on a row (slope < 0.7 % / 2.6 %).
SATURATION_Z = {"sigmoid": 5.0, "tanh": 2.5, "hard_sigmoid": 3.0}
#: Bins of the distributions kept per layer and report.
BINS = 24
_DEAD_ACTS = ("relu",)


@dataclass
class LayerHealth:
    name: str
    activation: str
    units: int
    output: bool
    weight_norm: float
    grad_norm: float | None
    update_ratio: float | None  # |ΔW| / |W| per epoch since the previous report (None: first)
    dead: float | None  # fraction of units never positive (ReLU layers)
    saturated: float | None  # fraction of saturated units (sigmoid / tanh layers)
    nonfinite: int  # NaN / inf among weights and activations
    weights_hist: tuple[list[int], list[float]]
    bias_hist: tuple[list[int], list[float]] | None
    act_hist: tuple[list[int], list[float]]

    def to_dict(self) -> dict:
        def r(x):
            return None if x is None or not np.isfinite(x) else round(float(x), 6)
        return {"name": self.name, "activation": self.activation, "units": self.units,
                "output": self.output, "weight_norm": r(self.weight_norm),
                "grad_norm": r(self.grad_norm), "update_ratio": r(self.update_ratio),
                "dead": r(self.dead), "saturated": r(self.saturated), "nonfinite": self.nonfinite}


@dataclass
class HealthPoint:
    epoch: int
    layers: list[LayerHealth]


@dataclass
class Health:
    """The health points of one run, in epoch order."""

    points: list[HealthPoint] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.points)

    @property
    def epochs(self) -> list[int]:
        return [p.epoch for p in self.points]

    def series(self, layer: int, key: str) -> list[float | None]:
        return [getattr(p.layers[layer], key) if layer < len(p.layers) else None for p in self.points]

    def last(self) -> HealthPoint | None:
        return self.points[-1] if self.points else None

    def to_state(self) -> dict:
        """Everything, histograms included, as plain JSON (saved beside the run's snapshots)."""
        def layer(lh: LayerHealth) -> dict:
            d = {k: getattr(lh, k) for k in LayerHealth.__dataclass_fields__}
            for k in ("weight_norm", "grad_norm", "update_ratio", "dead", "saturated"):
                v = d[k]
                d[k] = None if v is None or not np.isfinite(v) else float(v)
            for k in ("weights_hist", "bias_hist", "act_hist"):
                h = d[k]
                d[k] = None if h is None else [[int(c) for c in h[0]], [float(e) for e in h[1]]]
            d["units"], d["nonfinite"], d["output"] = int(d["units"]), int(d["nonfinite"]), bool(d["output"])
            return d
        return {"version": 1, "points": [{"epoch": int(p.epoch), "layers": [layer(lh) for lh in p.layers]}
                                         for p in self.points]}

    @classmethod
    def from_state(cls, state: dict) -> Health:
        def layer(d: dict) -> LayerHealth:
            d = dict(d)
            for k in ("weights_hist", "bias_hist", "act_hist"):
                d[k] = None if d[k] is None else (list(d[k][0]), list(d[k][1]))
            return LayerHealth(**d)
        return cls([HealthPoint(int(p["epoch"]), [layer(d) for d in p["layers"]])
                    for p in state.get("points", [])])

    def to_dict(self) -> dict:
        return {"epochs": self.epochs,
                "layers": [[lh.to_dict() for lh in p.layers] for p in self.points]}


def probe_rows(X, rows: int = PROBE_ROWS, seed: int = 0) -> np.ndarray:
    """The fixed probe batch: ``rows`` training rows picked with ``seed`` (all when fewer)."""
    X = np.asarray(X, np.float32)
    if len(X) <= rows:
        return X.copy()
    idx = np.sort(np.random.default_rng(seed).choice(len(X), rows, replace=False))
    return X[idx]


def probe_targets(y, X_len: int, rows: int = PROBE_ROWS, seed: int = 0) -> np.ndarray:
    y = np.asarray(y)
    if X_len <= rows:
        return y.copy()
    idx = np.sort(np.random.default_rng(seed).choice(X_len, rows, replace=False))
    return y[idx]


def _hist(a: np.ndarray) -> tuple[list[int], list[float]]:
    a = a[np.isfinite(a)].ravel().astype(np.float64)
    if not a.size:
        return [0] * BINS, [0.0] * (BINS + 1)
    # huge values (a diverging run) are binned scaled down: their span may not be finite
    scale = float(np.max(np.abs(a)))
    scale = scale if scale > 1e300 else 1.0
    a = a / scale
    lo, hi = float(a.min()), float(a.max())
    # each bin wider than float rounding at this magnitude: numpy refuses narrower ones
    least = max(abs(lo), abs(hi)) * 1e-9 * BINS
    if not hi - lo > least:
        mid, half = (lo + hi) / 2, max(least, 0.5)
        lo, hi = mid - half, mid + half
    counts, edges = np.histogram(a, BINS, (lo, hi))
    return counts.tolist(), (edges * scale).tolist()


#: Hidden-layer activations whose gradient the statistics carry back (the others report none).
_GRADIENT_ACTS = ("relu", "linear", "sigmoid", "tanh", "leaky_relu", "elu")


def _output_delta(act: str, loss: str, out: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """dL/dz of the output layer, mean over rows, for the pairs nnstudio builds."""
    n = max(1, len(out))
    if act == "sigmoid" and loss == "binary_crossentropy":
        return (out - y.reshape(out.shape).astype(out.dtype)) / n
    if act == "softmax" and loss in ("sparse_categorical_crossentropy", "categorical_crossentropy"):
        d = out.copy()
        d[np.arange(len(out)), y.astype(np.int64)] -= 1
        return d / n
    if act == "linear" and loss == "mse":
        return 2 * (out - y.reshape(out.shape).astype(out.dtype)) / (n * out.shape[1])
    return None


def _activation_name(layer) -> str:
    fn = getattr(layer, "activation", None)
    return canonical_activation(getattr(fn, "__name__", None) or type(fn).__name__)


def _layers_of(model, weights: list) -> list[ForwardLayer]:
    """:func:`layers_from_model` from weights already read (``get_weights()`` order)."""
    out, i = [], 0
    for layer in model.layers:
        n = len(layer.weights)
        w = weights[i:i + n]
        i += n
        cls = type(layer).__name__
        if cls == "Dense":
            out.append(ForwardLayer("dense", w[0], w[1] if layer.use_bias else None,
                                    _activation_name(layer),
                                    name=layer.name))
        elif cls == "BatchNormalization" and n == 4:
            sc, sh = batchnorm_affine(*w, layer.epsilon)
            out.append(ForwardLayer("affine", scale=sc, shift=sh, name=layer.name))
        elif cls == "BatchNormalization":
            return layers_from_model(model)  # scale or center off: read it the long way
        elif cls != "InputLayer":
            out.append(ForwardLayer("identity", name=layer.name))
    return out


_CONTROLLER: ThreadpoolController | None = None


def blas_controller() -> ThreadpoolController:
    """The process's threadpoolctl controller (made once: making one costs milliseconds)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


class HealthMonitor:
    """Health points from the live model at every report (``__call__(epoch, model)``)."""

    def __init__(self, X_train, y_train, loss: str, rows: int = PROBE_ROWS) -> None:
        self.X = probe_rows(X_train, rows)
        self.y = probe_targets(y_train, len(X_train), rows)
        self.loss = loss
        self.health = Health()
        self._prev: tuple[int, list[np.ndarray]] | None = None
        # NumPy's BLAS on one thread: the probe's products are tiny, and BLAS threads that wait
        # for cores TensorFlow holds made them 10x slower on a loaded 2-core machine
        self._blas = blas_controller()

    def __call__(self, epoch: int, model, weights: list | None = None) -> None:
        """A health point of ``model`` after ``epoch`` epochs (``weights``: its ``get_weights()``
        when the caller has read them already)."""
        layers = layers_from_model(model) if weights is None else _layers_of(model, weights)
        with self._blas.limit(limits=1, user_api="blas"):
            self.health.points.append(self.point(epoch, layers))

    def point(self, epoch: int, layers) -> HealthPoint:
        X = self.X
        traces = []  # (layer, input, z, a) of Dense / affine / identity layers
        a = X
        for layer in layers:
            if layer.kind == "dense":
                z = a @ layer.kernel
                if layer.bias is not None:
                    z = z + layer.bias
                out = ACTIVATION_FUNCTIONS[layer.activation](z).astype(np.float32, copy=False)
            elif layer.kind == "affine":
                z = out = a * layer.scale + layer.shift
            else:
                z = out = a
            traces.append((layer, a, z, out))
            a = out
        grads = self._gradients(traces)
        dense = [t for t in traces if t[0].kind == "dense"]
        kernels = [t[0].kernel for t in dense]
        prev = self._prev
        self._prev = (epoch, [k.copy() for k in kernels])
        out_layers = []
        for i, (layer, _x, z, act) in enumerate(dense):
            is_out = i == len(dense) - 1
            k = layer.kernel
            wn = float(np.linalg.norm(k))
            ratio = None
            if prev is not None and i < len(prev[1]) and prev[1][i].shape == k.shape \
                    and epoch > prev[0] and wn > 0:
                ratio = float(np.linalg.norm(k - prev[1][i]) / wn / (epoch - prev[0]))
            dead = sat = None
            if not is_out and layer.activation in _DEAD_ACTS:
                dead = float(np.mean(np.all(z <= 0, axis=0)))
            if not is_out and layer.activation in SATURATION_Z:
                sat = float(np.mean(np.mean(np.abs(z) > SATURATION_Z[layer.activation], axis=0) >= 0.9))
            nonfinite = int(np.size(k) - np.isfinite(k).sum()) + int(np.size(act) - np.isfinite(act).sum())
            if layer.bias is not None:
                nonfinite += int(np.size(layer.bias) - np.isfinite(layer.bias).sum())
            out_layers.append(LayerHealth(
                name=layer.name, activation=layer.activation, units=int(k.shape[1]), output=is_out,
                weight_norm=wn, grad_norm=grads.get(id(layer)), update_ratio=ratio, dead=dead,
                saturated=sat, nonfinite=nonfinite, weights_hist=_hist(k),
                bias_hist=_hist(layer.bias) if layer.bias is not None else None,
                act_hist=_hist(act)))
        return HealthPoint(int(epoch), out_layers)

    def _gradients(self, traces) -> dict[int, float]:
        """|dL/dkernel| per Dense layer (by id), by backpropagation through the probe batch."""
        if not traces or traces[-1][0].kind != "dense":
            return {}
        last = traces[-1]
        with np.errstate(all="ignore"):
            delta = _output_delta(last[0].activation, self.loss, last[3], self.y)
            if delta is None:
                return {}
            out: dict[int, float] = {}
            for j in range(len(traces) - 1, -1, -1):
                layer, x, z, a = traces[j]
                if layer.kind == "dense":
                    if j != len(traces) - 1:
                        if layer.activation not in _GRADIENT_ACTS:
                            return out
                        delta = activation_gradient(layer.activation, delta, z, a)
                    out[id(layer)] = float(np.linalg.norm(x.T @ delta))
                    delta = delta @ layer.kernel.T
                elif layer.kind == "affine":
                    delta = delta * layer.scale
        return out
