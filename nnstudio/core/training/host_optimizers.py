"""The host engine's optimizers: Keras' ``update_step`` of Adam, SGD and RMSprop, transcribed.

Operation for operation in Keras' order and in float32 (``tests/core/test_host_engine.py`` trains
with each on the host engine and on the compiled program and compares the runs), on flat vectors
that hold every parameter of a network (or of a population of them), into scratch buffers: no
temporaries on big networks.
"""
from __future__ import annotations

import numpy as np

F32 = np.float32
OPTIMIZERS = ("adam", "sgd", "rmsprop")
EPSILON = F32(1e-7)  # Keras' epsilon (Adam and RMSprop)


def apply(name: str, g: np.ndarray, w: np.ndarray, m: np.ndarray, v: np.ndarray, t1: np.ndarray,
          t2: np.ndarray, lr, step_count: int, momentum, nesterov: bool) -> None:
    """One update of the parameters ``w`` from their gradients ``g`` by optimizer ``name``, at
    step ``step_count`` (0 first) with learning rate ``lr``: Adam's moments ``m`` and ``v``, SGD's
    momentum ``m``, RMSprop's velocity ``v`` updated in place; ``t1``, ``t2`` scratch."""
    if name == "adam":
        t = F32(step_count + 1)
        b1p = np.power(F32(0.9), t)
        b2p = np.power(F32(0.999), t)
        alpha = lr * np.sqrt(F32(1) - b2p) / (F32(1) - b1p)
        np.subtract(g, m, out=t1)  # m += (g - m) * (1 - beta_1)
        t1 *= F32(0.1)
        m += t1
        np.square(g, out=t1)  # v += (g^2 - v) * (1 - beta_2)
        t1 -= v
        t1 *= F32(1 - 0.999)
        v += t1
        np.multiply(m, alpha, out=t1)  # w -= (m * alpha) / (sqrt(v) + epsilon)
        np.sqrt(v, out=t2)
        t2 += EPSILON
        t1 /= t2
        w -= t1
    elif name == "sgd":
        if float(momentum) != 0:
            np.multiply(g, lr, out=t2)  # m = m * momentum - g * lr
            m *= momentum
            m -= t2
            if nesterov:  # w += m * momentum - g * lr
                np.multiply(m, momentum, out=t1)
                t1 -= t2
                w += t1
            else:
                w += m
        else:
            np.multiply(g, lr, out=t1)
            w -= t1
    else:  # rmsprop (Keras defaults: rho 0.9, no momentum, not centered)
        v *= F32(0.9)  # v = rho * v + (1 - rho) * g^2
        np.square(g, out=t1)
        t1 *= F32(1 - 0.9)
        v += t1
        np.multiply(g, lr, out=t1)  # w -= (lr * g) / sqrt(v + epsilon)
        np.add(v, EPSILON, out=t2)
        np.sqrt(t2, out=t2)
        t1 /= t2
        w -= t1
