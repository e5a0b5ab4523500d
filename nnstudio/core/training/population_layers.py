"""A population's random and normalization layers, per network as Keras' layers compute them.

:class:`~nnstudio.core.training.population_program.PopulationProgram` stacks N networks; these
are the layers it computes for each of them as the layer's Keras call does on the TensorFlow
backend, so that each network is the run its seed gives alone (a single run's program calls
Keras' layers themselves).
"""
from __future__ import annotations

import math

from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.training.host_dropout import ALPHA, SCALE


def norm(h, training: bool, gamma, beta, mean, var, momentum: float, eps: float):
    """Each network's BatchNormalization as Keras' layer computes it: in training the rows'
    moments (``tf.nn.moments``), which move the moving ones, else the moving ones."""
    tf = _tensorflow()
    if training:
        m, v = tf.nn.moments(h, axes=[-2], keepdims=True)
        moved = [mean.assign(mean * momentum + m[:, 0] * (1.0 - momentum)),
                 var.assign(var * momentum + v[:, 0] * (1.0 - momentum))]
        with tf.control_dependencies(moved):
            h = tf.identity(h)
    else:
        m, v = mean[:, None, :], var[:, None, :]
    inv = tf.math.rsqrt(v + eps) * gamma[:, None, :]
    return h * inv + (beta[:, None, :] - m * inv)


def noise(kind: str, h, rate: float, seed):
    """Keras' layer ``kind`` (training) on one network's ``h`` with this int32 seed pair."""
    tf = _tensorflow()
    if kind == "Dropout":
        return tf.nn.experimental.stateless_dropout(h, rate=rate, noise_shape=tf.shape(h), seed=seed)
    if kind == "GaussianNoise":
        return h + tf.random.stateless_normal(tf.shape(h), mean=0.0, stddev=rate, seed=seed)
    if kind == "GaussianDropout":
        stddev = math.sqrt(rate / (1.0 - rate))
        return h * tf.random.stateless_normal(tf.shape(h), mean=1.0, stddev=stddev, seed=seed)
    # AlphaDropout: units kept where a uniform number is at least the rate, then an affine map
    alpha_p = -ALPHA * SCALE
    kept = tf.cast(tf.greater_equal(tf.random.stateless_uniform(
        tf.shape(h), minval=tf.constant(0.0), maxval=tf.constant(1.0), seed=seed), rate), h.dtype)
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    return a * (h * kept + alpha_p * (1 - kept)) + (-a * alpha_p * rate)
