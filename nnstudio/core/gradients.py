"""Gradients for one sample, from ``tf.GradientTape``, and the W6 computational-graph example.

The forward values come from the NumPy engine (:mod:`nnstudio.core.forward`); the backward values
here come from TensorFlow's automatic differentiation over the very same arrays, with Keras'
activations and losses, so the inspector can show dLoss/dw for every weight beside the numbers that
produced it. TensorFlow is imported on first use (call these functions off the GUI thread).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnstudio.core import registry
from nnstudio.core.errors import SpecError
from nnstudio.core.forward import ForwardLayer, compute_dtype, fmt
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow


@dataclass
class SampleGradients:
    """dLoss/d(everything) for one input row, aligned with the forward layers."""

    loss_name: str
    loss: float
    output: np.ndarray  # the network's output for the row (TensorFlow's own forward pass)
    target: np.ndarray
    kernels: list[np.ndarray | None] = field(default_factory=list)  # dL/dW (inputs x units)
    biases: list[np.ndarray | None] = field(default_factory=list)  # dL/db (units,)
    dz: list[np.ndarray | None] = field(default_factory=list)  # dL/dz, the node's "delta"
    blocked: list[bool] = field(default_factory=list)  # a step unit stops the gradient here

    def weight_gradient(self, layer: int, unit: int) -> tuple[np.ndarray, float | None]:
        """dL/dw for each incoming weight of one node, and dL/db (None without bias)."""
        k = self.kernels[layer]
        if k is None:
            raise SpecError(f"Layer {layer + 1} has no weights.")
        b = self.biases[layer]
        return k[:, unit], (None if b is None else float(b[unit]))


def target_array(loss: str, y, units: int) -> np.ndarray:
    """The target for one row in the layout the loss expects: a class index or a row of values."""
    if registry.canonical_loss(loss) == "sparse_categorical_crossentropy":
        y = int(np.asarray(y).reshape(-1)[0])
        if not 0 <= y < units:
            raise SpecError(f"Class {y} does not exist: the output has {units} nodes.",
                            f"Choose a class from 0 to {units - 1}.")
        return np.array([y], dtype=np.int32)
    y = np.asarray(y, dtype=np.float64).reshape(1, -1)
    if y.shape[1] == 1 and units > 1:
        y = np.repeat(y, units, axis=1)
    if y.shape[1] != units:
        raise SpecError(f"The target has {y.shape[1]} values but the output has {units} nodes.")
    if loss == "binary_crossentropy" and not np.all((y >= 0) & (y <= 1)):
        raise SpecError("Binary cross-entropy needs a target between 0 and 1.",
                        "Use 0 or 1 (the class), or another loss.")
    return y


def _tf_activation(name: str):
    tf = _tensorflow()
    if name == "step":
        # the derivative of a step is zero (undefined at 0): TensorFlow has no gradient for it
        return lambda z: tf.cast(z >= 0, z.dtype)
    if name == "leaky_relu":
        return lambda z: tf.nn.leaky_relu(z, alpha=0.2)
    return _keras().activations.get("silu" if name == "swish" else name)


def sample_gradients(layers: list[ForwardLayer], x, y, loss: str = "mse") -> SampleGradients:
    """dLoss/dW, dLoss/db and dLoss/dz of every dense layer for one input row ``x``.

    ``y`` is the target: a class index for the categorical cross-entropies, else a value per output
    node (one value is repeated over the nodes). Arithmetic runs in the weights' precision (float32
    for a trained model, float64 for hand-set weights), inference mode (dropout off, batch
    normalization with its moving statistics).
    """
    tf = _tensorflow()
    dt = "float32" if compute_dtype(layers) == np.float32 else "float64"
    dense = [l for l in layers if l.kind == "dense"]
    if not dense:
        raise SpecError("The network has no weights to differentiate.")
    units = dense[-1].units
    X = np.asarray(x, dtype=dt).reshape(1, -1)
    target = target_array(loss, y, units)
    loss_fn = registry.make_loss(loss, dtype=dt)
    kvars = [tf.Variable(l.kernel.astype(dt)) if l.kind == "dense" else None for l in layers]
    bvars = [tf.Variable(l.bias.astype(dt)) if l.kind == "dense" and l.bias is not None else None
             for l in layers]
    zs: list = [None] * len(layers)
    with tf.GradientTape() as tape:
        a = tf.constant(X)
        for i, l in enumerate(layers):
            if l.kind == "dense":
                z = tf.matmul(a, kvars[i])
                if bvars[i] is not None:
                    z = z + bvars[i]
                zs[i] = z
                a = _tf_activation(l.activation)(z)
            elif l.kind == "affine":
                a = a * tf.constant(l.scale.astype(dt)) + tf.constant(l.shift.astype(dt))
        value = loss_fn(tf.constant(target), a)
    sources = [v for v in kvars if v is not None] + [v for v in bvars if v is not None] + \
              [z for z in zs if z is not None]
    grads = tape.gradient(value, sources, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    it = iter(grads)
    kg = [np.asarray(next(it)) if v is not None else None for v in kvars]
    bg = [np.asarray(next(it)) if v is not None else None for v in bvars]
    zg = [np.asarray(next(it))[0] if z is not None else None for z in zs]
    steps = [i for i, l in enumerate(layers) if l.kind == "dense" and l.activation == "step"]
    last_step = max(steps) if steps else -1
    return SampleGradients(loss, float(value.numpy()), np.asarray(a)[0], target, kg, bg, zg,
                           [i <= last_step for i in range(len(layers))])


def keras_outputs(model, X) -> np.ndarray:
    """Keras' own output for rows ``X`` (inference mode: ``model(X, training=False)``)."""
    X = np.asarray(X, dtype=np.float32)
    return np.asarray(model(X, training=False))


def keras_gradients(model, x, y, loss: str) -> dict[str, np.ndarray]:
    """dLoss/dv for every trainable variable of a Keras model on one row, by variable path.

    The reference for :func:`sample_gradients` (a test holds the two equal).
    """
    tf = _tensorflow()
    X = np.asarray(x, dtype=np.float32).reshape(1, -1)
    target = target_array(loss, y, int(model.output_shape[-1]))
    loss_fn = registry.make_loss(loss, dtype="float32")
    with tf.GradientTape() as tape:
        value = loss_fn(tf.constant(target.astype(np.float32) if target.dtype != np.int32 else target),
                        model(X, training=False))
    grads = tape.gradient(value, model.trainable_variables,
                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return {v.path: np.asarray(g) for v, g in zip(model.trainable_variables, grads)}


# ----- W6: backpropagation on a computational graph ------------------------------------------------------
@dataclass
class GraphResult:
    """p = x + y, g = p * z: forward values and the gradients of g from ``tf.GradientTape``."""

    x: float
    y: float
    z: float
    forward: dict[str, float]  # {"p": ..., "g": ...}
    backward: dict[str, float]  # {"dg/dg", "dg/dp", "dg/dz", "dg/dx", "dg/dy"}: from the tape
    by_hand: dict[str, float]  # the same by the chain rule, written out in Python
    steps: list[str]  # the chain rule, one line per gradient


def computational_graph(x: float = 1.0, y: float = 3.0, z: float = -3.0) -> GraphResult:
    """W6 of ../shared/WORKLOADS.md, with TensorFlow's autodiff and the chain rule side by side."""
    tf = _tensorflow()
    tx, ty, tz = (tf.Variable(float(v), dtype=tf.float64) for v in (x, y, z))
    with tf.GradientTape() as tape:
        p = tx + ty
        g = p * tz
    dgdp, dgdz, dgdx, dgdy = tape.gradient(g, [p, tz, tx, ty])
    fwd = {"p": float(p.numpy()), "g": float(g.numpy())}
    back = {"dg/dg": 1.0, "dg/dp": float(dgdp.numpy()), "dg/dz": float(dgdz.numpy()),
            "dg/dx": float(dgdx.numpy()), "dg/dy": float(dgdy.numpy())}
    ph = float(x) + float(y)
    hand = {"dg/dg": 1.0, "dg/dp": float(z), "dg/dz": ph, "dg/dx": float(z) * 1.0, "dg/dy": float(z) * 1.0}

    def q(v):  # a factor in a product: negative numbers in parentheses
        return f"({fmt(v)})" if v < 0 else fmt(v)

    steps = [
        f"Forward: p = x + y = {fmt(x)} + {q(y)} = {fmt(fwd['p'])};  g = p · z = {q(fwd['p'])} · "
        f"{q(z)} = {fmt(fwd['g'])}",
        f"dg/dz = p = {fmt(hand['dg/dz'])}   (g = p · z, so its slope in z is p)",
        f"dg/dp = z = {fmt(hand['dg/dp'])}   (its slope in p is z)",
        f"dg/dx = dg/dp · dp/dx = {q(z)} · 1 = {fmt(hand['dg/dx'])}   (chain rule: p = x + y has "
        f"slope 1 in x)",
        f"dg/dy = dg/dp · dp/dy = {q(z)} · 1 = {fmt(hand['dg/dy'])}",
    ]
    return GraphResult(float(x), float(y), float(z), fwd, back, hand, steps)
