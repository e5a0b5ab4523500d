"""Spec -> Keras: counts equal Keras' own, every layer type and activation builds and trains."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.preprocess import PreprocessConfig, SplitConfig, prepare
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import SpecError
from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import (
    INITIALIZERS,
    KERAS_CLASSES,
    LAYER_KINDS,
    LayerSpec,
    NetworkSpec,
    Task,
    count_params,
    layer_params,
    param_counts,
)
from nnstudio.core.registry import TRAINABLE_ACTIVATIONS as ACTIVATIONS
from nnstudio.core.training.engine import train
from nnstudio.core.training.settings import TrainSettings

pytestmark = pytest.mark.usefixtures("tf_loaded")


def small_data(task: Task, n: int = 80, k: int = 3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    if task is Task.REGRESSION:
        y = X @ [1.0, -2.0, 0.5] + rng.normal(0, 0.1, n)
    elif task is Task.BINARY:
        y = (X[:, 0] * X[:, 1] > 0).astype(int)
    else:
        y = np.array(list("abcdefghij"[:k]))[np.arange(n) % k]
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "t": y})
    return prepare(Dataset(frame, "small"), Roles("t", ["a", "b", "c"], {}), PreprocessConfig(),
                   SplitConfig(test=0.25, val=0.2, seed=0), task)


# ----- parameter counts ----------------------------------------------------------------------------
dense = st.builds(LayerSpec.dense, st.integers(1, 40), st.sampled_from(ACTIVATIONS),
                  use_bias=st.booleans())
layer = st.one_of(dense, st.just(LayerSpec.dropout(0.3)), st.just(LayerSpec.batchnorm()),
                  st.just(LayerSpec.gaussian_noise(0.2)), st.just(LayerSpec.gaussian_dropout(0.2)),
                  st.just(LayerSpec.alpha_dropout(0.1)))
tasks = st.sampled_from([(Task.BINARY, 2), (Task.MULTICLASS, 3), (Task.MULTICLASS, 10),
                         (Task.REGRESSION, 1)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(layer, max_size=6), st.integers(1, 30), tasks, st.booleans())
def test_parameter_counts_equal_keras(hidden, n_inputs, task_k, explicit_output):
    task, k = task_k
    spec = NetworkSpec(hidden)
    if explicit_output:
        spec.output = LayerSpec.dense(k if task is Task.MULTICLASS else 1,
                                      {"binary": "sigmoid", "multiclass": "softmax",
                                       "regression": "linear"}[task.value], use_bias=False)
    model = build_model(spec, n_inputs, task, k)
    assert count_params(spec, n_inputs, task, k) == model.count_params()
    ours = [n for _, n in param_counts(spec, n_inputs, task, k)]
    assert ours == [l.count_params() for l in model.layers]
    width = n_inputs
    for s, keras_layer in zip(spec.layers_for(task, k), model.layers):
        _total, trainable, width = layer_params(s, width)
        assert trainable == sum(int(np.prod(w.shape)) for w in keras_layer.trainable_weights)


def test_each_kind_builds_the_matching_keras_layer():
    hidden = [LayerSpec.of_kind(kind) for kind in LAYER_KINDS]
    model = build_model(NetworkSpec(hidden), 4, Task.BINARY)
    assert [type(l).__name__ for l in model.layers] == \
        [KERAS_CLASSES[k] for k in LAYER_KINDS] + ["Dense"]
    assert model.layers[-1].name == "output"


def test_initializers_draw_what_they_say():
    for name in INITIALIZERS:
        model = build_model(NetworkSpec([LayerSpec.dense(64, "relu", initializer=name)]), 32,
                            Task.BINARY, seed=1)
        w = model.layers[0].get_weights()[0]
        if name == "zeros":
            assert not w.any()
        elif name == "ones":
            assert (w == 1).all()
        elif name == "uniform":  # Keras 2's uniform: +-0.05
            assert np.abs(w).max() <= 0.05 and w.std() > 0.02
        elif name == "normal":
            assert 0.04 < w.std() < 0.06
        elif name.startswith("he_"):
            assert abs(w.std() - np.sqrt(2 / 32)) < 0.05
        else:
            assert w.std() > 0.05 and abs(w.mean()) < 0.05, name


def test_regularizers_and_bias_reach_keras():
    spec = NetworkSpec([LayerSpec.dense(5, "tanh", use_bias=False, l1=0.01, l2=0.001)])
    model = build_model(spec, 3, Task.BINARY)
    dense0 = model.layers[0]
    assert dense0.use_bias is False and dense0.activation.__name__ == "tanh"
    reg = dense0.kernel_regularizer
    assert np.isclose(reg.l1, 0.01) and np.isclose(reg.l2, 0.001)
    assert len(model.losses) == 1 and float(model.losses[0]) > 0


def test_build_refuses_what_cannot_train():
    with pytest.raises(SpecError, match="Softmax on one unit"):
        build_model(NetworkSpec([], LayerSpec.dense(1, "softmax")), 2, Task.BINARY)
    with pytest.raises(SpecError, match="no input features"):
        build_model(NetworkSpec([]), 0, Task.BINARY)


# ----- training ------------------------------------------------------------------------------------
def _changed(before, after) -> list[bool]:
    return [not np.allclose(a, b) for a, b in zip(before, after)]


def test_every_layer_type_and_activation_trains_one_epoch():
    """One network holding every activation (one Dense layer each) and every layer type."""
    data = small_data(Task.BINARY)
    others = [LayerSpec.of_kind(k) for k in LAYER_KINDS if k != "dense"]
    hidden = []
    for i, act in enumerate(ACTIVATIONS):
        hidden.append(LayerSpec.dense(6, act, l2=0.001 if i % 3 == 0 else 0.0,
                                      use_bias=i % 4 != 1))
        if i < len(others):
            hidden.append(others[i])
    spec = NetworkSpec(hidden)
    assert {l.kind for l in hidden} == set(LAYER_KINDS)
    assert {l.activation for l in hidden if l.kind == "dense"} == set(ACTIVATIONS)
    settings = TrainSettings(epochs=1, batch_size=16, jit_compile=False, learning_rate=0.01)
    initial = build_model(spec, data.n_inputs, data.task, data.n_classes, seed=0).get_weights()
    result = train(data, spec, settings)
    assert result.status == "completed" and result.epochs_run == 1
    assert np.isfinite(result.history["loss"][0]) and 0 <= result.test["accuracy"] <= 1
    trained = result.model.get_weights()
    # every Dense kernel moved (every activation passed a gradient); batch-norm's statistics too
    kernels = [i for i, w in enumerate(initial) if w.ndim == 2]
    assert len(kernels) == len(ACTIVATIONS) + 1
    assert all(_changed([initial[i] for i in kernels], [trained[i] for i in kernels]))
    (bn,) = [l for l in result.model.layers if type(l).__name__ == "BatchNormalization"]
    assert np.abs(np.asarray(bn.moving_mean)).max() > 0  # it saw training batches


@pytest.mark.parametrize("task, k", [(Task.MULTICLASS, 4), (Task.REGRESSION, 1)])
def test_output_layer_from_the_task_trains(task, k):
    data = small_data(task, k=k)
    assert data.task is task and data.n_classes == k
    spec = NetworkSpec.parse("dense:5:relu:init=he_uniform,dropout:0.1")
    result = train(data, spec, TrainSettings(epochs=1, batch_size=16, jit_compile=False))
    out = result.model.layers[-1]
    assert out.units == k and out.activation.__name__ == ("softmax" if k > 1 else "linear")
    assert np.isfinite(result.history["loss"][0])
    assert ("accuracy" if task is Task.MULTICLASS else "mae") in result.test


def test_initial_values_are_the_built_models_without_building_it():
    """Issue 18: a population draws each seed's starting values without building its Keras
    model, every seed's in one traced call; they must be exactly what build_model starts from
    (weights, dropout seed state, batch normalization's), for every initializer the editor
    offers."""
    from nnstudio.core.model import build
    from nnstudio.core.model.spec import INITIALIZERS

    specs = [NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")]),
             NetworkSpec([LayerSpec.dense(6, "relu", initializer="uniform"), LayerSpec.dropout(0.2),
                          LayerSpec.dense(4, "tanh", initializer="normal"), LayerSpec.dropout(0.3)]),
             NetworkSpec([LayerSpec.dense(16, "relu", initializer="he_normal"),
                          LayerSpec.dense(8, "elu", l2=0.01, use_bias=False)]),
             NetworkSpec([LayerSpec.batchnorm(), LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2),
                          LayerSpec.batchnorm(), LayerSpec.dense(4, "relu")]),
             NetworkSpec([LayerSpec.gaussian_noise(0.1), LayerSpec.dense(6, "relu"),
                          LayerSpec.gaussian_dropout(0.2), LayerSpec.dense(5, "selu"),
                          LayerSpec.alpha_dropout(0.1), LayerSpec.gaussian_noise(0.0)])]
    specs += [NetworkSpec([LayerSpec.dense(3, "tanh", initializer=name)]) for name in INITIALIZERS]
    seeds = [0, 3, 11]
    for spec in specs:
        for task, n_classes in [(Task.BINARY, 2), (Task.MULTICLASS, 10), (Task.REGRESSION, 0)]:
            many = build.initial_values_many(spec, 5, task, n_classes, seeds)
            assert len(many) == len(seeds)
            for seed, got in zip(seeds, many):
                model = build_model(spec, 5, task, n_classes, seed=seed, seed_tf=False)
                ref = [np.asarray(v) for v in model.variables]
                assert len(got) == len(ref)
                for a, b in zip(got, ref):
                    assert a.dtype == b.dtype
                    np.testing.assert_array_equal(a, b)
            one = build.initial_values(spec, 5, task, n_classes, seeds[1])
            for a, b in zip(one, many[1]):
                np.testing.assert_array_equal(a, b)
    # the values came from the traced draw, not its slower eager fallback
    assert build._draw_functions and all(build._draw_functions.values())


def test_empty_model_is_the_built_model_with_zeros(tmp_path):
    """The population's result models (issue 18) are made without drawing weights: the same
    model as build_model's in everything but the values, which are zero until set."""
    from nnstudio.core.model.build import empty_model
    from nnstudio.core.tf import keras

    spec = NetworkSpec([LayerSpec.dense(6, "relu", l2=0.01), LayerSpec.dropout(0.2),
                        LayerSpec.dense(4, "tanh", initializer="uniform")])
    built = build_model(spec, 3, Task.MULTICLASS, 4, seed=2, seed_tf=False)
    empty = empty_model(spec, 3, Task.MULTICLASS, 4)
    assert type(empty) is type(built)
    assert empty.get_config() == built.get_config()
    assert [v.path for v in empty.variables if "seed" not in v.path] == \
        [v.path for v in built.variables if "seed" not in v.path]
    assert [v.value.name for v in empty.variables if "seed" not in v.path] == \
        [v.value.name for v in built.variables if "seed" not in v.path]
    assert [(v.dtype, v.shape, v.trainable) for v in empty.variables] == \
        [(v.dtype, v.shape, v.trainable) for v in built.variables]
    assert all(not np.any(v.numpy()) for v in empty.variables)
    assert len(empty.losses) == len(built.losses) == 1  # the L2 penalty is there
    for v, w in zip(empty.variables, built.variables):
        v.assign(w.numpy())
    x = np.random.default_rng(0).normal(size=(7, 3)).astype("float32")
    np.testing.assert_array_equal(empty.predict(x, verbose=0), built.predict(x, verbose=0))
    empty.save(tmp_path / "empty.keras")
    loaded = keras().models.load_model(tmp_path / "empty.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), built.predict(x, verbose=0))
    with pytest.raises(SpecError):
        empty_model(spec, 0, Task.MULTICLASS, 4)
