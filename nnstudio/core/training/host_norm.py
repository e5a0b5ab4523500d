"""BatchNormalization on the NumPy host engine: Keras' layer and TensorFlow's gradient, written out.

Keras' ``BatchNormalization`` (TensorFlow backend, the defaults the network editor builds: the last
axis, centred and scaled, no renorm) computes, in training, the batch's ``mean`` and (biased)
``variance`` over the rows (``tf.nn.moments``: the variance of ``x - stop_gradient(mean)``),
moves its statistics (``moving * momentum + batch * (1 - momentum)``) and returns
``x * inv + (beta - mean * inv)`` with ``inv = rsqrt(variance + epsilon) * gamma``
(``tf.nn.batch_normalization``); in inference it uses the moving statistics. The gradients here
are TensorFlow's of that graph, term for term (``tests/core/test_host_engine.py`` trains such
networks on both engines and compares curves, weights and statistics).

Everything is written for leading axes (``[rows, width]``, or ``[networks, rows, width]``): the
statistics are over the rows axis, -2.
"""
from __future__ import annotations

import numpy as np

F32 = np.float32


def supported(layer) -> str | None:
    """None when the host engine computes this BatchNormalization layer as Keras does; else why
    not."""
    if layer.axis not in (-1, 1) or layer.renorm or layer.synchronized:
        return "a BatchNormalization on another axis, with renorm or synchronized"
    if not (layer.center and layer.scale):
        return "a BatchNormalization without its centre or scale"
    if any(getattr(layer, name, None) is not None for name in (
            "gamma_regularizer", "beta_regularizer", "gamma_constraint", "beta_constraint")):
        return "a BatchNormalization with regularizers or constraints"
    return None


class HostNorm:
    """One BatchNormalization layer over the host engine's flat vectors: ``gamma``, ``beta`` and
    their gradients are views of the parameters' and gradients' vectors; ``mean`` and ``var``
    (the moving statistics) views of the statistics' vector."""

    __slots__ = ("beta", "eps", "gamma", "gbeta", "ggamma", "mean", "momentum", "rest", "saved",
                 "var")

    def __init__(self, layer, gamma, beta, ggamma, gbeta, mean, var) -> None:
        self.gamma, self.beta, self.ggamma, self.gbeta = gamma, beta, ggamma, gbeta
        self.mean, self.var = mean, var
        # as TensorFlow casts the Python floats against float32 tensors
        self.momentum = F32(layer.momentum)
        self.rest = F32(1.0 - layer.momentum)
        self.eps = F32(layer.epsilon)
        self.saved: tuple | None = None  # the last training forward's values, for its backward

    def infer(self, x: np.ndarray) -> np.ndarray:
        """Inference: the moving statistics."""
        inv = F32(1) / np.sqrt(self.var + self.eps) * self.gamma
        return x * inv[..., None, :] + (self.beta - self.mean * inv)[..., None, :]

    def train(self, x: np.ndarray) -> np.ndarray:
        """Training: the batch's statistics, which also move the moving ones."""
        rows = F32(x.shape[-2])  # (np.mean's own bookkeeping cost more than its sum)
        mean = x.sum(axis=-2, keepdims=True) / rows
        centred = x - mean
        var = np.square(centred).sum(axis=-2, keepdims=True) / rows
        self.mean[...] = self.mean * self.momentum + mean[..., 0, :] * self.rest
        self.var[...] = self.var * self.momentum + var[..., 0, :] * self.rest
        r = F32(1) / np.sqrt(var + self.eps)
        inv = r * self.gamma[..., None, :]
        self.saved = (x, mean, centred, r, inv)
        return x * inv + (self.beta[..., None, :] - mean * inv)

    def backward(self, g: np.ndarray) -> np.ndarray:
        """The gradient on the inputs of the last :meth:`train` from the one on its outputs;
        gamma's and beta's gradients are written to their views."""
        x, mean, centred, r, inv = self.saved
        rows = F32(x.shape[-2])
        sg = g.sum(axis=-2, keepdims=True)
        d_inv = (g * x).sum(axis=-2, keepdims=True) - mean * sg
        self.ggamma[...] = (d_inv * r)[..., 0, :]
        self.gbeta[...] = sg[..., 0, :]
        d_var = d_inv * self.gamma[..., None, :] * (F32(-0.5) * r * r * r)
        d_mean = -sg * inv
        return g * inv + d_mean / rows + F32(2) * (d_var / rows) * centred
