"""A population's random and normalization layers, per network as Keras' layers compute them.

:class:`~nnstudio.core.training.population_program.PopulationProgram` stacks N networks; these
are the layers it computes for each of them as the layer's Keras call does on the TensorFlow
backend, so that each network is the run its seed gives alone (a single run's program calls
Keras' layers themselves).
"""
from __future__ import annotations

from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.training.host_dropout import Noise


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


def noise(layer: Noise, h, seed):
    """The random ``layer`` (training: its kind's Keras call, with its constants) on one
    network's ``h`` with this int32 seed pair."""
    tf = _tensorflow()
    if layer.kind == "Dropout":
        return tf.nn.experimental.stateless_dropout(h, rate=layer.rate, noise_shape=tf.shape(h),
                                                    seed=seed)
    if not layer.uniform:  # GaussianNoise adds its numbers, GaussianDropout multiplies by them
        drawn = tf.random.stateless_normal(tf.shape(h), mean=layer.mean, stddev=layer.stddev, seed=seed)
        return h + drawn if layer.kind == "GaussianNoise" else h * drawn
    # AlphaDropout: units kept where a uniform number is at least the rate, then an affine map
    kept = tf.cast(tf.greater_equal(tf.random.stateless_uniform(
        tf.shape(h), minval=tf.constant(0.0), maxval=tf.constant(1.0), seed=seed), layer.rate), h.dtype)
    return layer.a * (h * kept + layer.fill * (1 - kept)) + layer.b
