"""Dropout and noise on the NumPy host engine (issue 18: a first run of a network with Dropout
or a noise layer has nothing to compile): its masks are the compiled program's, bit for bit — XLA's
stateless uniform numbers under ``jit_compile``, TensorFlow's kernel's in a plain graph — drawn
from each layer's seed state as Keras draws them, and its normal numbers theirs to float rounding."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.training import host_dropout


@pytest.fixture(scope="module")
def tf(tf_loaded):
    import tensorflow

    return tensorflow


SEEDS = [(1, 0), (12345, 7), (987_654_321, 3), (2**31 - 3, 2**31 - 3), (0, 0)]


@pytest.mark.parametrize("size", [1, 6, 42, 129])
def test_the_numbers_are_tensorflows_with_and_without_xla(tf, size):
    compiled = tf.function(lambda s: tf.random.stateless_uniform([size], seed=s), jit_compile=True)
    ours_xla = host_dropout.uniform(np.array(SEEDS), size)
    ours_kernel = host_dropout.uniform(np.array(SEEDS), size, xla=False)
    assert ours_xla.shape == (len(SEEDS), size) and ours_xla.dtype == np.float32
    for i, seed in enumerate(SEEDS):
        s = tf.constant(seed, tf.int32)
        np.testing.assert_array_equal(ours_xla[i], compiled(s).numpy())
        np.testing.assert_array_equal(ours_kernel[i], tf.random.stateless_uniform([size], seed=s).numpy())
    assert not np.array_equal(ours_xla, ours_kernel)  # the two do differ: the flag matters


# 1-D, odd sizes; XLA pairs along the first even dimension, else the first largest
@pytest.mark.parametrize("shape", [(1,), (7,), (64,), (20, 2), (9, 2), (7, 3), (3, 5), (5, 5), (4, 6)])
def test_the_normal_numbers_are_tensorflows_with_and_without_xla(tf, shape):
    """``stateless_random_normal``: Box-Muller on pairs of the uniform numbers, to float rounding
    of sine, cosine and logarithm (NumPy's against XLA's and Eigen's)."""
    compiled = tf.function(lambda s: tf.random.stateless_normal(shape, seed=s), jit_compile=True)
    for xla in (True, False):
        ours = host_dropout.normal(np.array(SEEDS), shape, xla)
        assert ours.shape == (len(SEEDS), *shape) and ours.dtype == np.float32
        for i, seed in enumerate(SEEDS):
            s = tf.constant(seed, tf.int32)
            theirs = (compiled(s) if xla else tf.random.stateless_normal(shape, seed=s)).numpy()
            np.testing.assert_allclose(ours[i], theirs, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("kind, value", [("GaussianNoise", 0.4), ("GaussianDropout", 0.3),
                                         ("AlphaDropout", 0.2)])
def test_the_noise_layers_are_keras_own_in_a_compiled_function(tf, jit, kind, value):
    """Keras' noise layers called three times in a tf.function: what Noise.draw and forward
    give, their gradients as TensorFlow's."""
    from nnstudio.core.tf import keras

    layer = getattr(keras().layers, kind)(value)
    layer.build((6, 4))
    start = layer.seed_generator.state.numpy().copy()
    x = tf.constant(np.linspace(-1, 1, 24, dtype=np.float32).reshape(6, 4))
    up = tf.constant(np.linspace(0.5, 2, 24, dtype=np.float32).reshape(6, 4))  # dLoss/dout

    def step(v):
        with tf.GradientTape() as tape:
            tape.watch(v)
            out = layer(v, training=True)
        return out, tape.gradient(out, v, output_gradients=up)

    call = tf.function(step, jit_compile=jit)
    noise = host_dropout.Noise(kind, value)
    draws = noise.draw(start, 3, (6, 4), jit)
    for t in range(3):
        out, grad = call(x)
        np.testing.assert_allclose(noise.forward(x.numpy(), draws[t]), out.numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(noise.backward(up.numpy(), draws[t]), grad.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(layer.seed_generator.state.numpy(), start + [0, 3])


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("state", [None, (3_000_000_000, 2**31 + 5)])  # the layer's own, or one past int32
def test_the_masks_are_keras_dropouts_in_a_compiled_function(tf, jit, state):
    """Keras' Dropout layer called three times in a tf.function (its seed state advancing by
    [0, 1] a call, cast to int32 by floormod) keeps exactly the units keep_masks says."""
    from nnstudio.core.tf import keras

    layer = keras().layers.Dropout(0.3)
    layer.build((5, 7))
    if state is not None:
        layer.seed_generator.state.assign(np.array(state, np.int64))
    start = layer.seed_generator.state.numpy().copy()
    call = tf.function(lambda x: layer(x, training=True), jit_compile=jit)
    x = tf.ones([5, 7])
    outs = np.stack([call(x).numpy() for _ in range(3)])
    masks = host_dropout.keep_masks(start, 3, (5, 7), 0.3, xla=jit)
    assert masks.shape == (3, 5, 7) and 0 < masks.mean() < 1
    np.testing.assert_array_equal(outs, np.where(masks, np.float32(1) * host_dropout.scale_of(0.3), 0))
    np.testing.assert_array_equal(layer.seed_generator.state.numpy(), start + [0, 3])


def test_a_stream_gives_each_networks_masks_step_by_step_and_advances_their_states():
    """Two networks' states: step t of network i is keep_masks of its state at draw t, whether
    drawn an epoch ahead or one at a time; a partial batch takes the first rows."""
    states = [np.array([[11, 0], [99, 4]], np.int64)]
    stream = host_dropout.MaskStream(states, [3], [host_dropout.Noise("Dropout", 0.5)], bs=4, steps=2)
    got = [stream.next(4), stream.next(2), stream.next(4)]  # the third starts the next "epoch"
    for t, (m,) in enumerate(got):
        for i, st in enumerate(states[0]):
            want = host_dropout.keep_masks(st, t + 1, (4, 3), 0.5)[t]
            np.testing.assert_array_equal(m[i], want[: m.shape[1]])
    assert got[1][0].shape == (2, 2, 3)
    np.testing.assert_array_equal(stream.states[0], [[11, 3], [99, 7]])
    stream.reset([np.array([[11, 0], [99, 4]])])  # a run loaded again: the same masks again
    np.testing.assert_array_equal(stream.next(4)[0], got[0][0])


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("kind", ["Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout"])
def test_train_forward_is_keras_own_call(tf, kind, jit):
    """The compiled train step's forward (``steps.train_forward``: the seeds read through a slice,
    which XLA runs several times faster) gives exactly Keras' own ``model(x, training=True)``:
    the same noise, call after call, and the same seed state after; the patch is gone after."""
    from nnstudio.core.tf import keras
    from nnstudio.core.training.steps import train_forward

    k = keras()
    arg = {"Dropout": 0.3, "GaussianNoise": 0.5, "GaussianDropout": 0.3, "AlphaDropout": 0.2}[kind]
    model = k.Sequential([k.Input((4,)), k.layers.Dense(5), getattr(k.layers, kind)(arg),
                          k.layers.Dense(2)])
    state = model.layers[1].seed_generator.state
    start = state.numpy().copy()
    x = tf.constant(np.arange(24, dtype=np.float32).reshape(6, 4) / 10)

    def three(fn):
        state.assign(start)
        call = tf.function(fn, jit_compile=jit)
        return [call(x).numpy() for _ in range(3)], state.numpy().copy()

    theirs, their_state = three(lambda v: model(v, training=True))
    ours, our_state = three(lambda v: train_forward(model, v))
    assert not np.array_equal(theirs[0], theirs[1])  # noise that changes call after call
    for a, b in zip(theirs, ours):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(our_state, their_state)
    assert "next" not in vars(model.layers[1].seed_generator)
