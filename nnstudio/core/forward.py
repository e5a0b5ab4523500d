"""NumPy forward propagation: the one place a network is computed without TensorFlow.

The inspector (node-by-node numbers), hand-set networks and the decision surface (a grid of
predictions, many times a second while training runs) all use it, and a test holds it to Keras' own
output for every activation and layer type the app can build.

A network here is a list of :class:`ForwardLayer`: ``dense`` (kernel inputs x units, bias or None,
activation), ``affine`` (batch normalization at inference: ``x * scale + shift``) or ``identity``
(dropout, Gaussian noise: no-ops at inference). For a network the app built, the list has one entry
per layer of ``spec.layers_for(task)`` (hidden layers then the output layer), in that order, so a
layer index means the same thing everywhere.

Arithmetic runs in the weights' precision: float32 for a trained Keras model (what Keras itself
computes in), float64 for hand-set networks (so 2*tanh(3) - tanh(9) prints exactly).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nnstudio.core.errors import DataError, SpecError
from nnstudio.core.model.spec import LayerSpec
from nnstudio.core.numbers import fmt_number
from nnstudio.core.registry import canonical_activation


def _erf(x):
    """scipy.special's ``erf``, imported on first use (scipy.special is 0.25 s of start-up before
    the window paints); the first call puts the ufunc itself in this module's place."""
    global _erf
    from scipy.special import erf  # noqa: PLC0415 -- lazy: see above
    _erf = erf
    return erf(x)


def _expit(z, out=None):
    """scipy.special's ``expit``, imported on first use as :func:`_erf` (the host engine calls it
    once a batch: no import statement after the first)."""
    global _expit
    from scipy.special import expit  # noqa: PLC0415 -- lazy: see _erf
    _expit = expit
    return expit(z, out=out)


def _sigmoid(z):
    return _expit(z).astype(z.dtype, copy=False)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _gelu(z):
    # Keras' "gelu" is the exact one (approximate=False): 0.5 z (1 + erf(z / sqrt 2))
    return (0.5 * z * (1.0 + np.asarray(_erf(z / math.sqrt(2.0)), dtype=z.dtype))).astype(z.dtype, copy=False)


def _elu(z):
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805

#: Activation name (:data:`nnstudio.core.registry.ACTIVATIONS`) -> its NumPy function of the weighted
#: sums ``z`` (rows x units), elementwise except softmax (per row).
ACTIVATION_FUNCTIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z >= 0, z, 0.2 * z),  # Keras' default negative slope
    "elu": _elu,
    "selu": lambda z: _SELU_SCALE * np.where(z > 0, z, _SELU_ALPHA * np.expm1(np.minimum(z, 0))),
    "gelu": _gelu,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "softmax": _softmax,
    "softplus": lambda z: np.logaddexp(0, z),
    "swish": lambda z: z * _sigmoid(z),
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),  # Keras 3 definition
    "step": lambda z: (z >= 0).astype(z.dtype),  # hand-set networks only (no useful gradient)
}


_SQRT_HALF = math.sqrt(0.5)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def activation_gradient(name: str, g: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``g`` (dLoss/da) carried back through the activation to dLoss/dz, as TensorFlow computes
    it (from the output ``a`` where its gradient op does: ReLU, sigmoid, tanh, ELU, SELU; from the
    weighted sums ``z`` otherwise). The host engine trains with it and the health statistics use
    it for their gradient norms. Every trainable activation but softmax (ValueError)."""
    if name == "linear":
        return g
    if name == "relu":
        return g * (a > 0)
    if name == "sigmoid":
        return g * (a * (1 - a))
    if name == "tanh":
        return g * (1 - a * a)
    if name == "leaky_relu":
        return np.where(z > 0, g, g * 0.2)
    if name == "elu":
        return np.where(a > 0, g, g * (a + 1))
    if name == "selu":
        return np.where(a > 0, g * _SELU_SCALE, g * (a + _SELU_SCALE * _SELU_ALPHA))
    if name == "softplus":
        return g * _sigmoid(z)
    if name == "swish":
        sig = _sigmoid(z)
        return g * (sig * (1 + z * (1 - sig)))
    if name == "hard_sigmoid":
        return (g / 6) * ((z > -3) & (z < 3))
    if name == "gelu":  # d/dz of 0.5 z (1 + erf(z / sqrt 2)), TF's exact gelu
        x = (z * _SQRT_HALF).astype(z.dtype, copy=False)
        cdf = (0.5 * (1 + np.asarray(_erf(x), dtype=z.dtype))).astype(z.dtype, copy=False)
        return g * cdf + g * (0.5 * z) * (_TWO_OVER_SQRT_PI * np.exp(-x * x)) * _SQRT_HALF
    raise ValueError(f"activation_gradient: no gradient for the {name} activation")


# ----- in-place variants for the fast path (the weighted sums are not kept) --------------------------
def _relu_(z):
    return np.maximum(z, 0, out=z)


def _tanh_(z):
    return np.tanh(z, out=z)


def _sigmoid_(z):
    return _expit(z, out=z)


_INPLACE = {"linear": lambda z: z, "relu": _relu_, "tanh": _tanh_, "sigmoid": _sigmoid_}


@dataclass
class ForwardLayer:
    kind: str  # dense | affine | identity
    kernel: np.ndarray | None = None  # (inputs, units)
    bias: np.ndarray | None = None
    activation: str = "linear"
    scale: np.ndarray | None = None  # affine
    shift: np.ndarray | None = None
    name: str = ""

    @property
    def units(self) -> int | None:
        """Output width (None for an identity layer: the same as its input)."""
        if self.kind == "dense":
            return int(self.kernel.shape[1])
        if self.kind == "affine":
            return int(np.shape(self.scale)[-1])
        return None

    @property
    def n_inputs(self) -> int | None:
        if self.kind == "dense":
            return int(self.kernel.shape[0])
        if self.kind == "affine":
            return int(np.shape(self.scale)[-1])
        return None

    @property
    def has_weights(self) -> bool:
        return self.kind == "dense"


@dataclass
class LayerTrace:
    layer: ForwardLayer
    inputs: np.ndarray  # (rows, in)
    z: np.ndarray  # weighted sums (rows, units); for affine/identity the transformed values
    a: np.ndarray  # activations (rows, units)


@dataclass
class Trace:
    layers: list[LayerTrace] = field(default_factory=list)
    inputs: np.ndarray | None = None  # what went into the first layer (rows, n_inputs)

    @property
    def output(self) -> np.ndarray:
        if not self.layers:
            return self.inputs
        return self.layers[-1].a

    def contributions(self, layer_index: int, row: int, unit: int) -> np.ndarray:
        """x_i * w_ij for every input i of a dense node: the terms of its weighted sum."""
        lt = self.layers[layer_index]
        if lt.layer.kind != "dense":
            raise SpecError(f"Layer {layer_index + 1} has no weights.")
        return lt.inputs[row] * lt.layer.kernel[:, unit]


def compute_dtype(layers: list[ForwardLayer]) -> np.dtype:
    """float32 when every weight is float32 (a Keras model), else float64."""
    arrays = [a for l in layers for a in (l.kernel, l.bias, l.scale, l.shift) if a is not None]
    if arrays and all(np.asarray(a).dtype == np.float32 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def input_width(layers: list[ForwardLayer]) -> int | None:
    for layer in layers:
        if layer.n_inputs is not None:
            return layer.n_inputs
    return None


def _as_input(layers: list[ForwardLayer], X, dtype=None) -> np.ndarray:
    dtype = np.dtype(dtype) if dtype is not None else compute_dtype(layers)
    try:
        X = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError):
        raise DataError("The input rows are not all numbers.",
                        "Type one number per input in every row.") from None
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise DataError(f"The inputs must be a table of rows (got an array with {X.ndim} dimensions).")
    width = input_width(layers)
    if width is not None and X.shape[1] != width:
        raise DataError(f"The network takes {width} input{'s' if width != 1 else ''} per row, "
                        f"but the row{'s have' if len(X) != 1 else ' has'} {X.shape[1]}.",
                        f"Give {width} number{'s' if width != 1 else ''} per row.")
    return X


def apply_layer(layer: ForwardLayer, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One layer: (weighted sums z, activations a)."""
    if layer.kind == "dense":
        z = x @ layer.kernel.astype(x.dtype, copy=False)
        if layer.bias is not None:
            z = z + layer.bias.astype(x.dtype, copy=False)
        return z, ACTIVATION_FUNCTIONS[layer.activation](z).astype(x.dtype, copy=False)
    if layer.kind == "affine":
        z = x * layer.scale.astype(x.dtype, copy=False) + layer.shift.astype(x.dtype, copy=False)
        return z, z
    return x, x


#: :func:`forward` runs at most this many numbers of a layer's outputs at once: a grid of 40,000
#: rows through a 100,000-unit layer was one 16 GB array (36 s on one core); in blocks of 10 rows
#: (4 MB) it takes 0.1 GB and 7-9 s.
BLOCK_VALUES = 1 << 20


def block_rows(layers: list[ForwardLayer], n_inputs: int, values: int | None = None) -> int:
    """Rows per block such that no layer's outputs (nor the inputs) exceed ``values`` numbers
    (default :data:`BLOCK_VALUES`)."""
    widths = [n_inputs] + [int(l.kernel.shape[1]) for l in layers if l.kind == "dense"]
    return max(1, (BLOCK_VALUES if values is None else values) // max(widths))


def forward(layers: list[ForwardLayer], X, dtype=None) -> np.ndarray:
    """The network's output for every row of ``X`` (rows x inputs).

    The fast path for grids: weighted sums are updated in place and not kept (use :func:`trace`
    to see them), and the rows go through in blocks of at most :data:`BLOCK_VALUES` numbers in
    the widest layer, so memory stays bounded. Raises :class:`DataError` if the rows have the
    wrong width.
    """
    a = _as_input(layers, X, dtype)
    step = block_rows(layers, a.shape[1])
    if len(a) <= step:
        return _forward_block(layers, a)
    out = None
    for i in range(0, len(a), step):
        block = _forward_block(layers, a[i:i + step])
        if out is None:
            out = np.empty((len(a),) + block.shape[1:], block.dtype)
        out[i:i + len(block)] = block
    return out


def _forward_block(layers: list[ForwardLayer], a: np.ndarray) -> np.ndarray:
    dt = a.dtype
    for layer in layers:
        if layer.kind == "dense":
            z = a @ layer.kernel.astype(dt, copy=False)
            if layer.bias is not None:
                z += layer.bias.astype(dt, copy=False)
            fn = _INPLACE.get(layer.activation)
            a = fn(z) if fn is not None else ACTIVATION_FUNCTIONS[layer.activation](z).astype(dt, copy=False)
        elif layer.kind == "affine":
            a = a * layer.scale.astype(dt, copy=False)
            a += layer.shift.astype(dt, copy=False)
    return a


def trace(layers: list[ForwardLayer], X, dtype=None) -> Trace:
    """Every layer's inputs, weighted sums and activations for the rows of ``X``."""
    a = _as_input(layers, X, dtype)
    t = Trace(inputs=a)
    for layer in layers:
        z, out = apply_layer(layer, a)
        t.layers.append(LayerTrace(layer, a, z, out))
        a = out
    return t


def batchnorm_affine(gamma, beta, mean, var, epsilon=1e-3):
    """Batch normalization at inference, ``gamma (x - mean) / sqrt(var + eps) + beta``, as x*scale+shift."""
    gamma, beta, mean, var = (np.asarray(v) for v in (gamma, beta, mean, var))
    dt = np.result_type(gamma, beta, mean, var)
    scale = (gamma / np.sqrt(var + np.asarray(epsilon, dtype=dt))).astype(dt, copy=False)
    return scale, (beta - mean * scale).astype(dt, copy=False)


def layers_from_weights(specs: list[LayerSpec], weights: list[np.ndarray]) -> list[ForwardLayer]:
    """Forward layers from the layer specs (hidden + output) and ``model.get_weights()``.

    This is how the live views follow training: ``Progress.weights`` is ``get_weights()`` of the
    model being trained, in this order. Raises :class:`SpecError` if the arrays do not fit the specs.
    """
    out, i = [], 0
    weights = list(weights)

    def take(n: int, what: str):
        nonlocal i
        if i + n > len(weights):
            raise SpecError(f"The weights do not match the network: {what} is missing.",
                            "Train the network again.")
        got = weights[i:i + n]
        i += n
        return got

    def misfit(s: LayerSpec, what: str) -> SpecError:
        return SpecError(f"The weights do not match the network: '{s.describe()}' {what}.",
                         "Train the network again.")

    width = None  # the values coming into the layer, once a layer before it has fixed them
    for s in specs:
        if s.kind == "dense":
            (k,) = take(1, f"the kernel of '{s.describe()}'")
            k = np.asarray(k)
            if k.ndim != 2 or k.shape[1] != s.units or width not in (None, k.shape[0]):
                raise misfit(s, f"has {s.units} units on {width or 'its'} inputs, the kernel has "
                                f"shape {k.shape}")
            b = np.asarray(take(1, f"the bias of '{s.describe()}'")[0]) if s.use_bias else None
            if b is not None and b.shape != (s.units,):
                raise misfit(s, f"has {s.units} units, the bias has shape {b.shape}")
            out.append(ForwardLayer("dense", k, b, canonical_activation(s.activation), name=s.describe()))
            width = s.units
        elif s.kind == "batchnorm":
            stats = [np.asarray(a) for a in take(4, "a batch-normalization layer's statistics")]
            n = width if width is not None else stats[0].shape[0] if stats[0].ndim == 1 else -1
            if any(a.shape != (n,) for a in stats):  # a snapshot of another network (issue 19)
                raise misfit(s, f"normalizes {n if n >= 0 else 'its'} values, its statistics "
                                f"have shapes {', '.join(str(a.shape) for a in stats)}")
            sc, sh = batchnorm_affine(*stats)
            out.append(ForwardLayer("affine", scale=sc, shift=sh, name=s.describe()))
            width = n
        else:
            out.append(ForwardLayer("identity", name=s.describe()))
    if i != len(weights):
        raise SpecError(f"The weights do not match the network: {len(weights) - i} array(s) left over.",
                        "Train the network again.")
    return out


def _keras_activation_name(layer) -> str:
    fn = getattr(layer, "activation", None)
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return canonical_activation(name)


def layers_from_model(model) -> list[ForwardLayer]:
    """Forward layers read from a built Keras model (Dense, BatchNormalization, Dropout, noise)."""
    out = []
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "Dense":
            w = layer.get_weights()
            out.append(ForwardLayer("dense", w[0], w[1] if layer.use_bias else None,
                                    _keras_activation_name(layer), name=layer.name))
        elif cls == "BatchNormalization":
            g, b, m, v = _bn_weights(layer)
            sc, sh = batchnorm_affine(g, b, m, v, layer.epsilon)
            out.append(ForwardLayer("affine", scale=sc, shift=sh, name=layer.name))
        elif cls in ("Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout", "InputLayer"):
            if cls != "InputLayer":
                out.append(ForwardLayer("identity", name=layer.name))
        else:
            raise SpecError(f"The forward inspector cannot compute a {cls} layer.",
                            "It supports Dense, Dropout, BatchNormalization and GaussianNoise layers.")
    return out


def _bn_weights(layer):
    """gamma, beta, moving mean, moving variance (gamma/beta are absent when scale/center is off)."""
    n = int(layer.moving_mean.shape[-1])
    mean = np.asarray(layer.moving_mean)
    var = np.asarray(layer.moving_variance)
    gamma = np.asarray(layer.gamma) if getattr(layer, "scale", True) else np.ones(n, mean.dtype)
    beta = np.asarray(layer.beta) if getattr(layer, "center", True) else np.zeros(n, mean.dtype)
    return gamma, beta, mean, var


# ----- preprocessing, shown step by step -------------------------------------------------------------
@dataclass
class InputStep:
    """How one raw feature value becomes the network's input(s)."""

    column: str
    raw: object  # the value as in the data (None when missing)
    encoded: list[tuple[str, float]]  # (input name, value) after encoding, before scaling
    scaled: list[tuple[str, float]]  # (input name, value) the network sees
    how: str  # in words: "standardized: (x − 38.9) / 10.5"
    problem: str = ""  # e.g. "missing: training drops such rows"


def explain_inputs(preprocessor, row) -> list[InputStep]:
    """Raw -> encoded -> scaled for one row (a dict or pandas Series in original units).

    The network inputs are exactly ``preprocessor.transform`` of the row, so what is shown is what
    the network computes with.
    """
    import pandas as pd  # noqa: PLC0415 -- lazy: pandas is heavy; the forward pass itself does not need it

    values = {c.name: (row.get(c.name) if hasattr(row, "get") else row[c.name])
              for c in preprocessor.columns}

    def as_number(v):  # numeric columns stay numeric when a form sends text
        try:
            return float(v)
        except (TypeError, ValueError):
            return float("nan")

    frame = pd.DataFrame({c.name: [as_number(values[c.name]) if c.kind == "numeric" else values[c.name]]
                          for c in preprocessor.columns})
    try:  # lenient: show the problem beside the value instead of refusing the whole row
        X = preprocessor.transform(frame, strict=False)[0]
    except TypeError:  # a preprocessor without the strict switch
        X = preprocessor.transform(frame)[0]
    steps, j = [], 0
    for c in preprocessor.columns:
        names = c.output_names()
        scaled = [(n, float(X[j + k])) for k, n in enumerate(names)]
        j += len(names)
        raw = values[c.name]
        missing = raw is None or (isinstance(raw, float) and math.isnan(raw))
        problem = ""
        if missing:
            if c.impute == "drop":
                problem = "missing: training drops rows like this, so the network's answer is undefined"
            else:
                problem = f"missing: filled with {c.impute_value!r} ({c.impute})"
        if not getattr(c, "encoded", True):  # read by engineered inputs only (issue 21)
            steps.append(InputStep(c.name, None if missing else raw, [], [],
                                   "not an input itself: read by the engineered inputs", problem))
            continue
        if c.kind == "numeric":
            v = raw if not missing else c.impute_value
            try:
                enc = float(v) if v is not None else float("nan")
            except (TypeError, ValueError):
                enc = float("nan")
                problem = problem or f"'{raw}' is not a number"
            if c.scaling == "standardize":
                how = f"standardized: (x − {fmt_number(c.center)}) / {fmt_number(c.scale)}"
            elif c.scaling == "minmax":
                how = f"scaled to 0..1: (x − {fmt_number(c.center)}) / {fmt_number(c.scale)}"
            else:
                how = "used as is"
            encoded = [(names[0], enc)]
        else:
            encoded = scaled
            if c.kind == "categorical" and c.encoding == "onehot":
                how = f"one-hot over {len(c.categories)} categories"
            elif getattr(c, "passthrough_binary", False):
                how = "already 0/1, used as is"
            elif c.kind == "binary":
                how = f"{c.categories[0]!s} → 0, {c.categories[1]!s} → 1"
            else:
                how = f"ordinal code 0..{len(c.categories) - 1}"
            onehot_none = c.kind == "categorical" and c.encoding == "onehot" and not any(v for _, v in scaled)
            if not missing and (onehot_none or any(math.isnan(v) for _, v in scaled)):
                problem = problem or f"'{raw}' is not one of the categories seen in training"
        steps.append(InputStep(c.name, None if missing else raw, encoded, scaled, how, problem))
    for d in getattr(preprocessor, "derived", []):  # engineered inputs (issue 21), after the columns
        v = float(X[j])
        value = v * d.scale + d.center
        how = f"engineered: {d.formula}" + (f", then (v − {fmt_number(d.center)}) / {fmt_number(d.scale)}"
                                            if d.scaling in ("standardize", "minmax") else "")
        steps.append(InputStep(d.name, value, [(d.name, value)], [(d.name, v)], how,
                               "" if math.isfinite(v) else "the formula gives no number here"))
        j += 1
    return steps


# ----- per-neuron maps over the input plane -------------------------------------------------------------
def plane_grid(x_range: tuple[float, float], y_range: tuple[float, float], n: int) -> np.ndarray:
    """(n*n, 2) points of an n x n grid, x varying fastest (row-major image of shape (n, n))."""
    xs = np.linspace(float(x_range[0]), float(x_range[1]), n)
    ys = np.linspace(float(y_range[0]), float(y_range[1]), n)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def neuron_maps(layers: list[ForwardLayer], X_grid: np.ndarray, n: int,
                units: int | None = None) -> list[np.ndarray | None]:
    """For each layer, its activations over an n x n grid as (units, n, n), None for non-dense layers.

    ``X_grid`` is the grid as network inputs (already preprocessed), row-major as :func:`plane_grid`.
    ``units``: keep only each layer's first so many maps (those shown). The grid goes through in
    blocks, as in :func:`forward`: a 100,000-unit layer's maps were 2.7 GB of traces.
    """
    a = _as_input(layers, X_grid)
    step = block_rows(layers, a.shape[1])
    parts: list[list[np.ndarray]] = [[] for _ in layers]
    for i in range(0, max(len(a), 1), step):
        x = a[i:i + step]
        for k, layer in enumerate(layers):
            x = apply_layer(layer, x)[1]
            if layer.kind == "dense":
                parts[k].append(x[:, :units])  # units None: every column
    return [np.ascontiguousarray(np.concatenate(p).T.reshape(-1, n, n))
            if layers[k].kind == "dense" else None for k, p in enumerate(parts)]


# ----- words and numbers for people (inspector tables, CLI --trace) --------------------------------------
def fmt(v: float, digits: int = 6) -> str:
    """A number as people write it: 26, -3, 0.990110, 1.2e-07 (``digits`` significant digits)."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{digits}g}"


def weighted_sum_text(trace_: Trace, layer_index: int, row: int, unit: int, digits: int = 6,
                      max_terms: int = 12) -> str:
    """A dense node's weighted sum written out: ``2×3 + 4×5 + (−1) = 25`` (weight × input + bias)."""
    lt = trace_.layers[layer_index]
    layer = lt.layer
    if layer.kind != "dense":
        raise SpecError(f"Layer {layer_index + 1} has no weights.")
    x = lt.inputs[row]
    w = layer.kernel[:, unit]

    def paren(v):
        s = fmt(v, digits)
        return f"({s})" if v < 0 else s

    n = len(w)
    shown = n if n <= max_terms else max_terms - 1  # only the terms shown are formatted
    terms = [f"{paren(w[i])}×{paren(x[i])}" for i in range(shown)]
    if shown < n:
        terms.append(f"… {n - shown} more terms")
    if layer.bias is not None:
        terms.append(paren(layer.bias[unit]))
    return f"{' + '.join(terms) or '0'} = {fmt(lt.z[row, unit], digits)}"
