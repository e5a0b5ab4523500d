"""The NumPy forward engine: exact against Keras for every activation and layer type, fast, TF-free."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.errors import DataError, SpecError
from nnstudio.core.forward import (
    ACTIVATION_FUNCTIONS,
    ForwardLayer,
    canonical_activation,
    explain_inputs,
    forward,
    layers_from_model,
    layers_from_weights,
    neuron_maps,
    plane_grid,
    trace,
    weighted_sum_text,
)
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.registry import ACTIVATIONS
from nnstudio.core.registry import TRAINABLE_ACTIVATIONS as EDITOR_ACTIVATIONS


def _randomize(model, rng):
    """Weights away from initialization and non-trivial batch-norm statistics (not 0 and 1)."""
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "Dense":
            for v in layer.weights:
                v.assign(rng.normal(0, 0.6, size=v.shape).astype(np.float32))
        elif cls == "BatchNormalization":
            n = layer.moving_mean.shape[-1]
            layer.gamma.assign(rng.uniform(0.5, 2.0, n).astype(np.float32))
            layer.beta.assign(rng.normal(0, 0.5, n).astype(np.float32))
            layer.moving_mean.assign(rng.normal(0, 1.0, n).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.2, 3.0, n).astype(np.float32))


#: |NumPy - Keras| <= 1e-5 + RTOL * |Keras|: 1e-5 absolute, plus ~8 float32 rounding steps (one is
#: 6e-8 relative) for the rare output beyond about +-20, where 1e-5 is finer than float32 can be.
RTOL = 5e-7


@pytest.mark.parametrize("activation", EDITOR_ACTIVATIONS)
def test_equals_keras_for_every_activation_and_layer_type(tf_loaded, activation):
    from nnstudio.core.model.build import build_model

    rng = np.random.default_rng(EDITOR_ACTIVATIONS.index(activation))
    hidden = [LayerSpec.dense(5, activation), LayerSpec.dropout(0.5),
              LayerSpec.dense(4, activation, use_bias=False), LayerSpec.batchnorm(),
              LayerSpec.gaussian_noise(1.0), LayerSpec.dense(3, activation)]
    X = rng.normal(0, 2.0, size=(64, 3)).astype(np.float32)  # both signs, beyond the linear range
    for task, n_classes in (("multiclass", 3), ("regression", 1), ("binary", 2)):
        spec = NetworkSpec(hidden)
        model = build_model(spec, 3, task, n_classes, seed=1)
        _randomize(model, rng)
        keras_out = np.asarray(model(X, training=False))
        from_model = forward(layers_from_model(model), X)
        from_weights = forward(layers_from_weights(spec.layers_for(task, n_classes), model.get_weights()), X)
        assert from_model.shape == keras_out.shape
        np.testing.assert_allclose(from_model, keras_out, rtol=RTOL, atol=1e-5)
        np.testing.assert_allclose(from_weights, keras_out, rtol=RTOL, atol=1e-5)
        # the traced pass (what the inspector shows) gives the same output as the fast path
        np.testing.assert_allclose(trace(layers_from_model(model), X).output, from_model,
                                   rtol=RTOL, atol=1e-6)


def test_every_registered_activation_has_a_numpy_function_and_step_too():
    assert set(ACTIVATION_FUNCTIONS) == set(ACTIVATIONS)
    assert "step" in ACTIVATIONS and "step" not in EDITOR_ACTIVATIONS  # hand-set networks only
    z = np.array([[-2.0, 0.0, 3.0]])
    assert ACTIVATION_FUNCTIONS["step"](z).tolist() == [[0.0, 1.0, 1.0]]
    assert canonical_activation("silu") == "swish"  # Keras names swish's function silu
    with pytest.raises(SpecError, match="Unknown activation 'wobble'"):
        canonical_activation("wobble")


def test_trace_gives_inputs_weighted_sums_and_activations():
    layers = [ForwardLayer("dense", np.array([[3.0, 1.0], [3.0, 5.0]]), None, "relu"),
              ForwardLayer("identity"),
              ForwardLayer("dense", np.array([[2.0], [-1.0]]), np.array([0.5]), "linear")]
    t = trace(layers, [[-1.0, 2.0]])
    assert t.layers[0].z.tolist() == [[3.0, 9.0]]
    assert t.layers[2].inputs.tolist() == [[3.0, 9.0]]
    assert t.output.tolist() == [[-2.5]]
    assert t.contributions(2, 0, 0).tolist() == [6.0, -9.0]
    assert weighted_sum_text(t, 2, 0, 0) == "2×3 + (-1)×9 + 0.5 = -2.5"
    with pytest.raises(SpecError):
        weighted_sum_text(t, 1, 0, 0)


def test_many_rows_through_a_wide_layer_go_in_blocks_with_the_same_answer(monkeypatch):
    """A 200 x 200 surface grid through a 100,000-unit layer was one 16 GB array; the rows now
    go through in blocks that keep a layer's outputs under BLOCK_VALUES numbers."""
    import nnstudio.core.forward as fwd

    rng = np.random.default_rng(3)
    layers = [ForwardLayer("dense", rng.standard_normal((3, 50)), rng.standard_normal(50), "relu"),
              ForwardLayer("dense", rng.standard_normal((50, 2)), None, "tanh")]
    X = rng.standard_normal((1001, 3))
    whole = fwd._forward_block(layers, X.copy())
    seen = []
    block = fwd._forward_block
    monkeypatch.setattr(fwd, "_forward_block", lambda ls, a: (seen.append(len(a)), block(ls, a))[1])
    monkeypatch.setattr(fwd, "BLOCK_VALUES", 50 * 64)  # 64 rows of the 50-unit layer a block
    out = forward(layers, X)
    assert max(seen) == 64 and sum(seen) == 1001 and len(seen) == 16
    np.testing.assert_allclose(out, whole, rtol=1e-12, atol=1e-12)
    assert forward(layers, X[:0]).shape == (0, 2)


def test_precision_follows_the_weights():
    f32 = [ForwardLayer("dense", np.ones((2, 1), np.float32), np.zeros(1, np.float32), "tanh")]
    f64 = [ForwardLayer("dense", np.ones((2, 1)), None, "tanh")]
    grid = np.zeros((4, 2))  # float64 input
    assert forward(f32, grid).dtype == np.float32  # Keras' own precision, and faster
    assert forward(f64, grid).dtype == np.float64  # hand-set weights: exact


def test_wrong_input_width_is_a_clear_error():
    layers = [ForwardLayer("dense", np.ones((2, 3)), None, "relu")]
    with pytest.raises(DataError, match="takes 2 inputs per row, but the rows have 3"):
        forward(layers, np.ones((5, 3)))
    with pytest.raises(DataError, match="not all numbers"):
        trace(layers, [["a", "b"]])


def test_weights_that_do_not_fit_the_specs_are_refused():
    specs = [LayerSpec.dense(3, "relu"), LayerSpec.dense(1, "sigmoid")]
    w = [np.ones((2, 3)), np.zeros(3), np.ones((3, 1)), np.zeros(1)]
    assert len(layers_from_weights(specs, w)) == 2
    with pytest.raises(SpecError, match="missing"):
        layers_from_weights(specs, w[:3])
    with pytest.raises(SpecError, match="left over"):
        layers_from_weights(specs, [*w, np.zeros(1)])
    with pytest.raises(SpecError, match="3 units"):
        layers_from_weights(specs, [np.ones((2, 4)), *w[1:]])
    with pytest.raises(SpecError, match="1 units on 3 inputs"):
        layers_from_weights(specs, [*w[:2], np.ones((4, 1)), np.zeros(1)])
    with pytest.raises(SpecError, match="the bias has shape"):
        layers_from_weights(specs, [w[0], np.zeros(4), *w[2:]])


def test_a_snapshot_of_another_network_is_refused_where_a_batchnorm_layer_now_stands():
    """Monkey seed 40: the Replay showed epochs of a 9-4-16 run while the network was edited to
    put batch normalization after the first layer; its kernel was read as the layer's statistics
    and the Inspector failed with a NumPy broadcast error instead of refusing the snapshot."""
    ran = [np.ones((2, 9)), np.zeros(9), np.ones((9, 4)), np.zeros(4), np.ones((4, 16)),
           np.zeros(16), np.ones((16, 1)), np.zeros(1)]
    edited = [LayerSpec.dense(9, "relu"), LayerSpec.batchnorm(), LayerSpec.dense(1, "sigmoid")]
    with pytest.raises(SpecError, match="normalizes 9 values"):
        layers_from_weights(edited, ran[:6])
    bn = [np.ones(9), np.zeros(9), np.zeros(9), np.ones(9)]
    fitted = layers_from_weights(edited, [*ran[:2], *bn, np.ones((9, 1)), np.zeros(1)])
    assert [layer.kind for layer in fitted] == ["dense", "affine", "dense"]
    first = [LayerSpec.batchnorm(), LayerSpec.dense(1, "sigmoid")]  # the width comes from the stats
    assert len(layers_from_weights(first, [*[np.ones(2)] * 4, np.ones((2, 1)), np.zeros(1)])) == 2
    with pytest.raises(SpecError, match="normalizes 2 values"):
        layers_from_weights(first, [np.ones(2), np.ones(3), np.ones(2), np.ones(2), np.ones((2, 1)),
                                    np.zeros(1)])


def test_engine_runs_without_tensorflow():
    code = ("import sys, numpy as np\n"
            "from nnstudio.core import forward, handnet\n"
            "from nnstudio.core.handnet import PRESETS\n"
            "out = {k: p.net.evaluate(p.rows).ravel().tolist() for k, p in PRESETS.items()}\n"
            "assert out['w5-two-hidden'] == [364.0], out\n"
            "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_preprocessing_steps_raw_encoded_scaled():
    from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare

    rng = np.random.default_rng(0)
    n = 60
    frame = pd.DataFrame({"Age": rng.integers(20, 70, n).astype(float),
                          "Geography": rng.choice(["France", "Spain", "Germany"], n),
                          "Gender": rng.choice(["Female", "Male"], n),
                          "Exited": rng.integers(0, 2, n)})
    data = prepare(Dataset(frame, "t"), Roles("Exited", ["Age", "Geography", "Gender"]),
                   PreprocessConfig(), SplitConfig(test=0.2, val=0.0, seed=1))
    pre = data.preprocessor
    row = {"Age": 40.0, "Geography": "Spain", "Gender": "Female"}
    steps = explain_inputs(pre, row)
    assert [s.column for s in steps] == ["Age", "Geography", "Gender"]
    age = steps[0]
    assert age.raw == 40.0 and age.encoded == [("Age", 40.0)]
    mean, sd = pre.columns[0].center, pre.columns[0].scale
    assert age.scaled[0][1] == pytest.approx((40.0 - mean) / sd, rel=1e-6)
    assert "standardized" in age.how
    geo = dict(steps[1].scaled)
    assert geo == {"Geography=France": 0.0, "Geography=Germany": 0.0, "Geography=Spain": 1.0}
    assert dict(steps[2].scaled) == {"Gender": 0.0}
    # the scaled values are exactly what the network sees
    flat = [v for s in steps for _, v in s.scaled]
    np.testing.assert_allclose(flat, pre.transform(pd.DataFrame([row]))[0], rtol=1e-6)
    unknown = explain_inputs(pre, {**row, "Geography": "Italy"})
    assert "not one of the categories" in unknown[1].problem
    missing = explain_inputs(pre, {**row, "Age": float("nan")})
    assert "missing" in missing[0].problem and missing[0].raw is None


def test_neuron_maps_are_the_hidden_activations_over_the_plane():
    rng = np.random.default_rng(3)
    layers = [ForwardLayer("dense", rng.normal(size=(2, 3)), rng.normal(size=3), "tanh"),
              ForwardLayer("identity"),
              ForwardLayer("dense", rng.normal(size=(3, 1)), None, "sigmoid")]
    n = 7
    grid = plane_grid((-1, 1), (-2, 2), n)
    assert grid.shape == (49, 2) and grid[1].tolist() == pytest.approx([-1 + 2 / 6, -2])  # x fastest
    maps = neuron_maps(layers, grid, n)
    assert maps[1] is None and maps[0].shape == (3, n, n) and maps[2].shape == (1, n, n)
    i, j = 4, 2  # image row i (y), column j (x)
    point = grid[i * n + j]
    assert maps[0][1, i, j] == pytest.approx(np.tanh(point @ layers[0].kernel[:, 1] + layers[0].bias[1]))


def test_neuron_maps_keep_the_maps_shown_and_go_through_in_blocks(monkeypatch):
    """The Network tab shows 16 maps a layer; it used to trace the whole grid through every unit
    and keep every layer's inputs, sums and activations (2.7 GB for a 100,000-unit layer)."""
    import nnstudio.core.forward as fwd

    rng = np.random.default_rng(5)
    layers = [ForwardLayer("dense", rng.normal(size=(2, 40)), rng.normal(size=40), "relu"),
              ForwardLayer("dense", rng.normal(size=(40, 1)), None, "sigmoid")]
    n = 9
    grid = plane_grid((-1, 1), (-1, 1), n)
    every = neuron_maps(layers, grid, n)
    monkeypatch.setattr(fwd, "BLOCK_VALUES", 40 * 10)  # blocks of 10 of the 81 points
    shown = neuron_maps(layers, grid, n, units=16)
    assert shown[0].shape == (16, n, n) and shown[1].shape == (1, n, n)
    np.testing.assert_allclose(shown[0], every[0][:16], rtol=1e-12)
    np.testing.assert_allclose(shown[1], every[1], rtol=1e-12)
    t = trace(layers, grid)  # and both are the trace's activations
    np.testing.assert_allclose(every[0], t.layers[0].a.T.reshape(-1, n, n), rtol=1e-12)


def test_the_scaling_of_an_amount_is_written_as_people_write_numbers():
    """The Inspector wrote an income's scaling "standardized: (x − 4.119e+04) / 2.173e+04"."""
    from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare

    rng = np.random.default_rng(1)
    n = 80
    frame = pd.DataFrame({"income": rng.normal(41_000, 21_000, n).round(2),
                          "rate": rng.uniform(0.01, 0.03, n), "y": rng.integers(0, 2, n)})
    data = prepare(Dataset(frame, "t"), Roles("y", ["income", "rate"]), PreprocessConfig(),
                   SplitConfig(test=0.2, val=0.0, seed=1))
    income, rate = explain_inputs(data.preprocessor, {"income": 50_000.0, "rate": 0.02})
    mean, sd = data.preprocessor.columns[0].center, data.preprocessor.columns[0].scale
    assert income.how == f"standardized: (x − {mean:,.0f}) / {sd:,.0f}", income.how
    assert "e+" not in rate.how and "e-" not in rate.how, rate.how
