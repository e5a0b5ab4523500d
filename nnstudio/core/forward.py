"""NumPy forward propagation: the one place a network is computed without TensorFlow.

The inspector (node-by-node numbers) and the decision surface (a grid of predictions, many times a
second while training runs) both use it, and a test holds it to Keras' own output.

A network here is a list of :class:`ForwardLayer`: ``dense`` (kernel inputs x units, bias or None,
activation), ``affine`` (batch normalization at inference: ``x * scale + shift``) or ``identity``
(dropout, Gaussian noise: no-ops at inference).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnstudio.core.model.spec import LayerSpec


def _sigmoid(z):
    # split by sign for stability; same values as Keras' sigmoid to float32 precision
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _gelu(z):
    from math import sqrt  # noqa: PLC0415

    try:
        from scipy.special import erf  # noqa: PLC0415
    except ImportError:  # pragma: no cover - scipy ships with TensorFlow's dependencies
        erf = np.vectorize(__import__("math").erf)
    return 0.5 * z * (1.0 + erf(z / sqrt(2.0)))


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805

ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z >= 0, z, 0.2 * z),  # Keras' default negative slope
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
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


@dataclass
class ForwardLayer:
    kind: str  # dense | affine | identity
    kernel: np.ndarray | None = None  # (inputs, units)
    bias: np.ndarray | None = None
    activation: str = "linear"
    scale: np.ndarray | None = None  # affine
    shift: np.ndarray | None = None
    name: str = ""


@dataclass
class LayerTrace:
    layer: ForwardLayer
    inputs: np.ndarray  # (rows, in)
    z: np.ndarray  # weighted sums (rows, units); for affine/identity the transformed values
    a: np.ndarray  # activations (rows, units)


@dataclass
class Trace:
    layers: list[LayerTrace] = field(default_factory=list)

    @property
    def output(self) -> np.ndarray:
        return self.layers[-1].a


def apply_layer(layer: ForwardLayer, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if layer.kind == "dense":
        z = x @ layer.kernel
        if layer.bias is not None:
            z = z + layer.bias
        return z, ACTIVATIONS[layer.activation](z)
    if layer.kind == "affine":
        z = x * layer.scale + layer.shift
        return z, z
    return x, x


def forward(layers: list[ForwardLayer], X: np.ndarray) -> np.ndarray:
    a = np.asarray(X)
    for layer in layers:
        a = apply_layer(layer, a)[1]
    return a


def trace(layers: list[ForwardLayer], X: np.ndarray) -> Trace:
    a = np.asarray(X)
    t = Trace()
    for layer in layers:
        z, out = apply_layer(layer, a)
        t.layers.append(LayerTrace(layer, a, z, out))
        a = out
    return t


def batchnorm_affine(gamma, beta, mean, var, epsilon=1e-3):
    scale = gamma / np.sqrt(var + epsilon)
    return scale, beta - mean * scale


def layers_from_weights(specs: list[LayerSpec], weights: list[np.ndarray]) -> list[ForwardLayer]:
    """Forward layers from the layer specs (hidden + output) and ``model.get_weights()``."""
    out, i = [], 0
    for s in specs:
        if s.kind == "dense":
            k = weights[i]
            i += 1
            b = None
            if s.use_bias:
                b = weights[i]
                i += 1
            out.append(ForwardLayer("dense", k, b, s.activation, name=s.describe()))
        elif s.kind == "batchnorm":
            g, be, m, v = weights[i:i + 4]
            i += 4
            sc, sh = batchnorm_affine(g, be, m, v)
            out.append(ForwardLayer("affine", scale=sc, shift=sh, name=s.describe()))
        else:
            out.append(ForwardLayer("identity", name=s.describe()))
    return out


def layers_from_model(model) -> list[ForwardLayer]:
    """Forward layers read from a built Keras model (Dense, BatchNormalization, Dropout, noise)."""
    out = []
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "Dense":
            w = layer.get_weights()
            act = layer.activation.__name__ if hasattr(layer.activation, "__name__") else "linear"
            out.append(ForwardLayer("dense", w[0], w[1] if len(w) > 1 else None, act, name=layer.name))
        elif cls == "BatchNormalization":
            g, b, m, v = layer.get_weights()
            sc, sh = batchnorm_affine(g, b, m, v, layer.epsilon)
            out.append(ForwardLayer("affine", scale=sc, shift=sh, name=layer.name))
        elif cls in ("Dropout", "GaussianNoise", "InputLayer"):
            if cls != "InputLayer":
                out.append(ForwardLayer("identity", name=layer.name))
        else:
            from nnstudio.core.errors import SpecError  # noqa: PLC0415

            raise SpecError(f"The forward inspector cannot compute a {cls} layer.")
    return out
