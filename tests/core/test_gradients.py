"""One-sample gradients from tf.GradientTape (held to Keras' own) and the W6 graph."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.errors import SettingsError, SpecError


def test_w6_computational_graph(tf_loaded):
    from nnstudio.core.gradients import computational_graph

    r = computational_graph(1, 3, -3)
    assert r.forward == {"p": 4.0, "g": -12.0}
    assert r.backward["dg/dz"] == 4.0 and r.backward["dg/dp"] == -3.0
    assert r.backward["dg/dx"] == -3.0 and r.backward["dg/dy"] == -3.0
    assert r.by_hand == r.backward  # the chain rule written out agrees with the tape
    other = computational_graph(2, -1, 5)
    assert other.forward == {"p": 1.0, "g": 5.0} and other.backward["dg/dz"] == 1.0
    assert other.backward["dg/dx"] == 5.0


@pytest.mark.parametrize("task, n_classes, loss, y", [
    ("binary", 2, "binary_crossentropy", 1),
    ("multiclass", 3, "sparse_categorical_crossentropy", 2),
    ("regression", 1, "mse", 0.7),
])
def test_sample_gradients_equal_keras_own(tf_loaded, task, n_classes, loss, y):
    from nnstudio.core.forward import forward, layers_from_model
    from nnstudio.core.gradients import keras_gradients, sample_gradients
    from nnstudio.core.model.build import build_model
    from nnstudio.core.model.spec import LayerSpec, NetworkSpec

    spec = NetworkSpec([LayerSpec.dense(5, "tanh"), LayerSpec.dropout(0.5), LayerSpec.dense(3, "elu"),
                        LayerSpec.batchnorm()])
    model = build_model(spec, 3, task, n_classes, seed=3)
    layers = layers_from_model(model)
    x = np.array([0.4, -1.3, 0.8], dtype=np.float32)
    g = sample_gradients(layers, x, y, loss)
    ref = keras_gradients(model, x, y, loss)
    np.testing.assert_allclose(g.kernels[0], ref["nnstudio_net/dense_0/kernel"], atol=1e-6)
    np.testing.assert_allclose(g.biases[2], ref["nnstudio_net/dense_1/bias"], atol=1e-6)
    np.testing.assert_allclose(g.kernels[4], ref["nnstudio_net/output/kernel"], atol=1e-6)
    assert g.kernels[1] is None and g.kernels[3] is None  # dropout, batch norm: no kernel
    np.testing.assert_allclose(g.output, forward(layers, x[None])[0], atol=1e-6)
    # the chain rule: dL/dW of a node = its inputs times its delta dL/dz (and dL/db = delta)
    np.testing.assert_allclose(g.dz[0], g.biases[0], atol=1e-7)
    h = np.tanh(x @ layers[0].kernel + layers[0].bias)
    np.testing.assert_allclose(g.kernels[2], np.outer(h, g.dz[2]), atol=1e-6)
    w, b = g.weight_gradient(2, 1)
    assert w.tolist() == g.kernels[2][:, 1].tolist() and b == pytest.approx(g.biases[2][1])


def test_step_unit_has_no_gradient_but_sigmoid_has(tf_loaded):
    from nnstudio.core.gradients import sample_gradients
    from nnstudio.core.handnet import get_preset

    step = sample_gradients(get_preset("w2-or-step").net.forward_layers(), [0, 1], 0, "mse")
    assert step.loss == 1.0  # predicts 1 where the target is 0 ...
    assert np.all(step.kernels[0] == 0) and np.all(step.biases[0] == 0)  # ... yet no signal
    assert step.blocked == [True]
    sig = sample_gradients(get_preset("w2-or-sigmoid").net.forward_layers(), [0, 1], 0,
                           "binary_crossentropy")
    assert sig.blocked == [False]
    assert sig.kernels[0][1, 0] > 0.9 and sig.kernels[0][0, 0] == 0.0  # input 0 is 0: no gradient
    assert sig.output.dtype == np.float64  # hand-set weights stay in double precision


def test_gradient_target_errors(tf_loaded):
    from nnstudio.core.gradients import sample_gradients
    from nnstudio.core.handnet import get_preset

    layers = get_preset("w5-relu").net.forward_layers()
    with pytest.raises(SpecError, match="Class 3 does not exist"):
        sample_gradients(layers, [1, 2], 3, "sparse_categorical_crossentropy")
    with pytest.raises(SpecError, match="between 0 and 1"):
        sample_gradients(layers, [1, 2], 5, "binary_crossentropy")
    with pytest.raises(SettingsError, match="Unknown loss"):
        sample_gradients(layers, [1, 2], 0, "hinge")
