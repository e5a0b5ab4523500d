"""Issue 19: the health statistics. The gradient norms computed in NumPy on the probe batch equal
TensorFlow's; dead and saturated fractions count the right units; update ratios follow the reports."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.forward import layers_from_model
from nnstudio.core.health import HealthMonitor, probe_rows
from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import NetworkSpec, Task


@pytest.mark.parametrize("task,layers,loss,n_classes", [
    (Task.BINARY, "dense:5:relu,dropout:0.2,dense:3:tanh", "binary_crossentropy", 2),
    (Task.MULTICLASS, "dense:4:sigmoid,batchnorm", "sparse_categorical_crossentropy", 3),
    (Task.REGRESSION, "dense:4:elu", "mse", 1)])
def test_gradient_norms_equal_tensorflows(task, layers, loss, n_classes):
    from nnstudio.core import registry
    from nnstudio.core.tf import tensorflow

    tf = tensorflow()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = (rng.integers(0, n_classes, 40) if task is not Task.REGRESSION
         else rng.normal(size=40)).astype(np.float32 if task is not Task.MULTICLASS else np.int32)
    model = build_model(NetworkSpec.parse(layers, task, n_classes), 3, task, n_classes, seed=2)
    mon = HealthMonitor(X, y, loss)
    point = mon.point(1, layers_from_model(model))
    mon(1, model, model.get_weights())  # from weights already read: the same point
    assert [lh.to_dict() for lh in mon.health.points[0].layers] == [lh.to_dict() for lh in point.layers]
    loss_fn = registry.make_loss(loss)
    yt = y.reshape(-1, 1) if task is not Task.MULTICLASS else y
    with tf.GradientTape() as tape:
        value = loss_fn(yt, model(X, training=False))
    kernels = [v for v in model.trainable_variables if v.path.endswith("kernel")]
    expected = [float(np.linalg.norm(g)) for g in tape.gradient(value, kernels)]
    got = [lh.grad_norm for lh in point.layers]
    np.testing.assert_allclose(got, expected, rtol=1e-4)


def test_dead_saturated_and_update_ratio_are_counted_per_layer():
    task = Task.BINARY
    model = build_model(NetworkSpec.parse("dense:4:relu,dense:4:sigmoid", task, 2), 2, task, 2, seed=0)
    k0, b0, k1, b1, k2, b2 = model.get_weights()
    k0[:] = 0.1
    b0[:] = [1, -5, -5, 1]  # units 2 and 3 never positive on inputs in [-1, 1]
    k1[:] = 10.0  # every sigmoid unit's sum far beyond 5 on almost every row
    model.set_weights([k0, b0, k1, b1, k2, b2])
    X = np.random.default_rng(0).uniform(0.5, 1, size=(300, 2)).astype(np.float32)
    mon = HealthMonitor(X, np.zeros(300), "binary_crossentropy")
    assert len(mon.X) == 256 and np.array_equal(mon.X, probe_rows(X))  # fixed: the same rows each time
    mon(3, model)
    first = mon.health.points[0]
    assert first.layers[0].dead == 0.5 and first.layers[0].saturated is None
    assert first.layers[1].saturated == 1.0 and first.layers[1].dead is None
    assert first.layers[2].output and first.layers[2].dead is None and first.layers[0].update_ratio is None
    k0 *= 1.5
    model.set_weights([k0, b0, k1, b1, k2, b2])
    mon(5, model)  # the kernel grew by half of its new size (1/3) over 2 epochs
    assert mon.health.points[1].layers[0].update_ratio == pytest.approx((0.5 / 1.5) / 2, rel=1e-5)
    assert mon.health.series(1, "saturated") == [1.0, 1.0]
    k0[0, 0] = np.nan
    model.set_weights([k0, b0, k1, b1, k2, b2])
    mon(6, model)
    assert mon.health.points[2].layers[0].nonfinite >= 1
    d = mon.health.to_dict()
    assert d["epochs"] == [3, 5, 6] and d["layers"][0][0]["dead"] == 0.5


@pytest.mark.parametrize("values", [
    [1e30, 1e30, 1e30],  # one huge value: ±0.5 vanished in its rounding
    np.float32(1e8) + np.arange(3, dtype=np.float32),  # a span narrower than 24 bins can split
    [-1.7e308, 1.7e308, 0.0],  # a span that is not finite
    [0.0, 0.0], [3.0], [-2.0, 5.0, 1.0, np.nan, np.inf]])
def test_activation_histograms_of_any_finite_values(values):
    """A diverging run's activations are binned, not raised on in the training worker ("Too many
    bins for data range": the run failed after its first epoch)."""
    from nnstudio.core.health import BINS, _hist

    a = np.asarray(values)
    counts, edges = _hist(a)
    assert len(counts) == BINS and len(edges) == BINS + 1
    assert sum(counts) == int(np.isfinite(a).sum())
    assert np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)
    finite = a[np.isfinite(a)].astype(float)
    assert edges[0] <= finite.min() and finite.max() <= edges[-1] * (1 + 1e-12) + 1e-12
