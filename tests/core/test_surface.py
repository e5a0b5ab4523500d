"""Decision-surface grids: original units, slices, the training preprocessing, Keras' own predictions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core import surface as S
from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare
from nnstudio.core.errors import DataError
from nnstudio.core.forward import ForwardLayer, layers_from_model
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task


def mixed_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "income": rng.normal(50_000, 12_000, n).round(0),  # large units: scaling matters
        "age": rng.integers(18, 80, n).astype(float),
        "score": rng.uniform(0, 10, n),
        "color": rng.choice(["red", "green", "blue"], n, p=[0.2, 0.5, 0.3]),
        "member": rng.choice(["yes", "no"], n, p=[0.3, 0.7]),
        "label": rng.integers(0, 2, n),
    })


@pytest.fixture(scope="module")
def mixed():
    frame = mixed_frame()
    return prepare(Dataset(frame, "mixed"), Roles("label", ["income", "age", "score", "color", "member"]),
                   PreprocessConfig(), SplitConfig(test=0.2, val=0.2, seed=1))


def test_axes_are_numeric_features_and_held_defaults_are_median_and_most_frequent(mixed):
    pre, train = mixed.preprocessor, mixed.raw_train
    assert S.axis_features(pre) == ["income", "age", "score"]
    assert S.default_axes(pre) == ("income", "age")
    held = S.default_held_values(pre, train)
    assert held["score"] == pytest.approx(float(train["score"].median()))
    assert held["color"] == train["color"].value_counts().idxmax()
    # a whole-number column is held at a whole number: a year built of 1970.5 was offered
    years = pd.DataFrame({"built": np.tile(np.arange(1950, 2000), 2).astype(float),
                          "area": np.linspace(50, 150, 100), "y": np.arange(100) % 2})
    data = prepare(Dataset(years, "years"), Roles("y", ["built", "area"]), PreprocessConfig(),
                   SplitConfig(test=0.0, val=0.0, seed=1))
    whole = S.default_held_values(data.preprocessor, data.raw_train)
    assert data.raw_train["built"].median() == 1974.5 and whole["built"] == 1974.0
    assert whole["area"] == pytest.approx(100.0)  # a measurement: its median as it is
    assert held["member"] == train["member"].value_counts().idxmax()
    lo, hi = S.held_range(pre, "score")
    assert lo == pytest.approx(train["score"].min()) and hi == pytest.approx(train["score"].max())


def _axes_of(frame: pd.DataFrame, target: str):
    data = prepare(Dataset(frame, "f"), Roles(target, [c for c in frame.columns if c != target]),
                   PreprocessConfig(), SplitConfig(test=0.2, val=0.0, seed=1))
    return S.default_axes(data.preprocessor, data.raw_train, data.y_train)


def test_the_plane_starts_on_the_two_features_that_say_most_about_the_target():
    """A Titanic-like file opened on Age x SibSp (its first two numeric columns) where the fare
    decides most; a churn file on CreditScore x Age. The features most related to the target
    come first, a near copy of the first is passed over, and noise keeps the column order."""
    rng = np.random.default_rng(3)
    n = 600
    f = pd.DataFrame({"noise1": rng.normal(size=n), "noise2": rng.uniform(0, 9, n),
                      "fare": rng.lognormal(3, 1, n), "age": rng.uniform(1, 80, n),
                      "few": rng.integers(0, 3, n).astype(float)})
    f["fare_copy"] = f["fare"] * 1.01 + rng.normal(0, 0.01, n)
    logit = 1.5 * np.log(f["fare"]) - 4.5 - 0.04 * (f["age"] - 40) + 3.0 * f["few"]
    f["survived"] = (logit + rng.logistic(size=n) > 0).astype(int)
    # "few" says much but has 3 values: the plane's axes vary; in column order, not by strength
    assert _axes_of(f, "survived") == ("fare", "age")
    reg = f[["noise1", "noise2", "fare", "age"]].assign(
        price=3 * f["age"] + 20 * np.log(f["fare"]) + rng.normal(0, 5, n))
    assert _axes_of(reg, "price") == ("fare", "age")  # a number: r squared, the same rule
    reg["price"] = 3 * f["age"] + rng.normal(0, 5, n)  # one related: the next in column order
    assert _axes_of(reg, "price") == ("noise1", "age")
    three = f[["noise1", "noise2", "fare", "age"]].assign(k=np.digitize(f["age"], [30, 55]))
    assert _axes_of(three, "k") == ("noise1", "age")  # classes: the correlation ratio
    noise = f[["noise1", "noise2", "age"]].assign(label=rng.integers(0, 2, n))
    assert _axes_of(noise, "label") == ("noise1", "noise2")  # nothing related: column order


def test_a_raw_table_is_judged_against_its_text_target_rows_without_one_left_out():
    """The Data tab's scatter, before any preparing: a text target with missing values."""
    rng = np.random.default_rng(5)
    n = 400
    f = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n),
                      "d": rng.normal(size=n)})
    f["kind"] = np.where(f["c"] + f["d"] > 0, "good", "bad").astype(object)
    f.loc[::7, "kind"] = None
    assert S.table_pair(f, ["a", "b", "c", "d"], "kind", Task.BINARY) == ["c", "d", "a", "b"]
    f["price"] = 5 * f["b"] + rng.normal(size=n)
    assert S.table_pair(f, ["a", "b", "c", "d"], "price", Task.REGRESSION)[:2] == ["a", "b"]
    assert S.table_pair(f, ["a", "b", "c", "d"], "kind", None) == ["a", "b", "c", "d"]
    assert S.table_pair(f, ["c", "d"], "kind", Task.BINARY) == ["c", "d"]


def test_axis_scores_are_the_share_of_variance_each_feature_explains():
    x = np.array([[1.0, 5.0, 2.0], [2.0, 5.0, 2.0], [3.0, 5.0, 4.0], [4.0, 5.0, 4.0]])
    classes = np.array([0, 0, 1, 1])
    eta = S.axis_scores(x, classes, Task.BINARY)
    # column 0: class means 1.5 / 3.5 around 2.5, between 4 of total 5; constant: 0; exact: 1
    np.testing.assert_allclose(eta, [0.8, 0.0, 1.0])
    r2 = S.axis_scores(x, np.array([2.0, 4.0, 6.0, 8.0]), Task.REGRESSION)
    np.testing.assert_allclose(r2, [1.0, 0.0, 0.8])


def test_grid_is_in_original_units_and_encoded_like_training(mixed):
    pre = mixed.preprocessor
    held = S.default_held_values(pre, mixed.raw_train)
    spec = S.SliceSpec.make("income", "age", (20_000, 80_000), (18, 80), 30, held)
    g = S.make_grid(pre, spec)
    assert g.shape == (30, 30) and g.X.shape == (900, pre.n_outputs) and g.X.dtype == np.float32
    np.testing.assert_allclose(g.xs, np.linspace(20_000, 80_000, 30))
    np.testing.assert_allclose(g.ys, np.linspace(18, 80, 30))
    names = pre.output_names
    col = {c.name: c for c in pre.columns}
    # x varies along a row of the image, y down the columns, both standardized as in training
    inc = g.X[:, names.index("income")].reshape(30, 30)
    np.testing.assert_allclose(inc[0], (g.xs - col["income"].center) / col["income"].scale, rtol=1e-5)
    assert np.all(inc == inc[0])
    age = g.X[:, names.index("age")].reshape(30, 30)
    np.testing.assert_allclose(age[:, 0], (g.ys - col["age"].center) / col["age"].scale, rtol=1e-5)
    # the held numeric feature: its median, standardized; the held category: its one-hot column
    np.testing.assert_allclose(g.X[:, names.index("score")],
                               (held["score"] - col["score"].center) / col["score"].scale, rtol=1e-5)
    onehot = g.X[:, [names.index(f"color={c}") for c in col["color"].categories]]
    expect = np.array([1.0 if c == held["color"] else 0.0 for c in col["color"].categories])
    assert np.all(onehot == expect)
    member = g.X[:, names.index("member")]
    assert np.all(member == col["member"].categories.index(held["member"]))


def test_describe_slice_names_the_held_values(mixed):
    pre = mixed.preprocessor
    defaults = S.default_held_values(pre, mixed.raw_train)
    held = dict(defaults, color="red")
    text = S.describe_slice(pre, "income", "age", held, defaults)
    assert text.startswith("A slice: the 3 other features are held at")
    assert f"score = {S.format_value(defaults['score'])} (median)" in text
    assert "color = red," in text and "color = red (" not in text  # edited: no longer the default
    assert f"member = {defaults['member']} (most frequent)" in text
    two = prepare(Dataset(mixed_frame(), "two"), Roles("label", ["income", "age"]))
    assert S.describe_slice(two.preprocessor, "income", "age", {}) == ""


def test_grid_refuses_what_cannot_be_an_axis(mixed):
    pre = mixed.preprocessor
    held = S.default_held_values(pre, mixed.raw_train)
    with pytest.raises(DataError, match="categorical"):
        S.make_grid(pre, S.SliceSpec.make("color", "age", (0, 1), (18, 80), 10, held))
    with pytest.raises(DataError, match="same feature"):
        S.make_grid(pre, S.SliceSpec.make("age", "age", (18, 80), (18, 80), 10, held))
    with pytest.raises(DataError, match="range"):
        S.make_grid(pre, S.SliceSpec.make("income", "age", (5, 5), (18, 80), 10, held))
    with pytest.raises(DataError, match="No value"):
        S.make_grid(pre, S.SliceSpec.make("income", "age", (0, 1), (0, 1), 10, {"score": 1.0}))
    with pytest.raises(DataError, match="purple"):
        S.make_grid(pre, S.SliceSpec.make("income", "age", (0, 1), (0, 1), 10, dict(held, color="purple")))


def test_number_columns_of_0_and_1_are_axes_as_the_network_reads_them():
    """OR's truth table (x1, x2 in {0, 1}) drew no surface: "needs two numeric features; this data
    has 0". Its columns are numbers used as they are, so the plane between the corners is what a
    perceptron's line lives on."""
    from nnstudio.core.project import Project

    data = Project.from_example("or").prepare()
    pre = data.preprocessor
    assert S.axis_features(pre) == ["x1", "x2"] and S.default_axes(pre, data.raw_train) == ("x1", "x2")
    g = S.make_grid(pre, S.SliceSpec.make("x1", "x2", (-0.5, 1.5), (-0.5, 1.5), 5))
    np.testing.assert_allclose(g.X[:5, 0], [-0.5, 0.0, 0.5, 1.0, 1.5])  # used as they are
    np.testing.assert_allclose(g.X[::5, 1], [-0.5, 0.0, 0.5, 1.0, 1.5])
    # a two-valued text column is still not an axis
    mixed = prepare(Dataset(mixed_frame(), "m"), Roles("label", ["income", "member"]))
    assert S.axis_features(mixed.preprocessor) == ["income"]


def test_image_orientation_rows_are_y_columns_are_x():
    xs, ys = np.linspace(-1, 1, 5), np.linspace(10, 20, 7)
    gx, gy = np.meshgrid(xs, ys)
    grid = S.SurfaceGrid(S.SliceSpec.make("x", "y", (-1, 1), (10, 20), 5), xs, ys,
                         np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32))
    only_x = [ForwardLayer("dense", np.array([[3.0], [0.0]], np.float32), np.zeros(1, np.float32), "sigmoid")]
    s = S.evaluate(grid, only_x, Task.BINARY)
    assert s.values.shape == (7, 5)
    assert np.all(np.diff(s.values, axis=1) > 0) and np.all(np.diff(s.values, axis=0) == 0)
    np.testing.assert_array_equal(s.winner, (gx >= 0).astype(int))
    # the boundary of a sigmoid of 3x is the vertical line x = 0
    seg = s.boundary.reshape(-1, 2)
    assert len(seg) and np.allclose(seg[:, 0], 0.0, atol=1e-6)


def test_contour_segments_follow_the_level_exactly_for_a_plane():
    xs, ys = np.linspace(-2, 2, 41), np.linspace(-1, 3, 33)
    gx, gy = np.meshgrid(xs, ys)
    v = 0.7 * gx - 1.3 * gy
    seg = S.contour_segments(v, 0.4, xs, ys)
    pts = seg.reshape(-1, 2)
    assert len(seg) > 20
    np.testing.assert_allclose(0.7 * pts[:, 0] - 1.3 * pts[:, 1], 0.4, atol=1e-9)
    # a saddle (XOR-like) gives both branches: points on x = 0 and on y = 0
    sx, sy = np.linspace(-1, 1, 21), np.linspace(-1, 1, 21)
    sad = S.contour_segments(np.multiply.outer(sy, sx), 0.0, sx, sy)
    p = sad.reshape(-1, 2)
    assert np.allclose(p[:, 0] * p[:, 1], 0.0, atol=1e-12)
    assert (np.abs(p[:, 0]) < 1e-12).sum() > 5 and (np.abs(p[:, 1]) < 1e-12).sum() > 5
    assert len(S.contour_segments(np.ones((4, 4)), 0.5, xs[:4], ys[:4])) == 0


def _model(spec, n_inputs, task, k, tf_loaded):
    from nnstudio.core.model.build import build_model

    return build_model(spec, n_inputs, task, k, seed=3)


@pytest.mark.parametrize("task,out", [
    (Task.BINARY, None),
    (Task.MULTICLASS, None),
    (Task.REGRESSION, None),
])
def test_surface_equals_keras_predictions_on_the_encoded_grid(mixed, tf_loaded, task, out):
    pre = mixed.preprocessor
    k = 3 if task is Task.MULTICLASS else 2
    spec = NetworkSpec([LayerSpec.dense(7, "tanh"), LayerSpec.dropout(0.3), LayerSpec.batchnorm(),
                        LayerSpec.dense(5, "relu")], out)
    model = _model(spec, pre.n_outputs, task, k, tf_loaded)
    held = S.default_held_values(pre, mixed.raw_train)
    g = S.make_grid(pre, S.SliceSpec.make("age", "score", (10, 90), (-1, 11), 40, held))
    expect = model(g.X, training=False).numpy()
    # live frames: layers from the spec and get_weights(); final frames: layers read from the model
    for layers in (S.network_from_weights(spec, task, k, model.get_weights()), layers_from_model(model)):
        s = S.evaluate(g, layers, task)
        np.testing.assert_allclose(s.outputs, expect, rtol=1e-4, atol=1e-5)
        if task is Task.BINARY:
            p1 = expect[:, 0] if expect.shape[1] == 1 else expect[:, 1]
            np.testing.assert_allclose(s.values.ravel(), p1, rtol=1e-4, atol=1e-5)
            np.testing.assert_array_equal(s.winner.ravel(), (s.values.ravel() >= 0.5).astype(int))
        elif task is Task.MULTICLASS:
            np.testing.assert_allclose(s.probs.reshape(-1, 3), expect, rtol=1e-4, atol=1e-5)
            np.testing.assert_array_equal(s.winner.ravel(), expect.argmax(1))
            np.testing.assert_allclose(s.values.ravel(), expect.max(1), rtol=1e-4, atol=1e-5)
        else:
            np.testing.assert_allclose(s.values.ravel(), expect[:, 0], rtol=1e-4, atol=1e-5)
        assert s.finite


def test_cost_estimate_grows_with_grid_and_network():
    small = [ForwardLayer("dense", np.zeros((2, 6), np.float32), None, "relu"),
             ForwardLayer("dense", np.zeros((6, 1), np.float32), None, "sigmoid")]
    big = [ForwardLayer("dense", np.zeros((64, 64), np.float32), None, "relu"),
           ForwardLayer("dense", np.zeros((64, 10), np.float32), None, "softmax")]
    assert S.multiply_adds(small) == 18 and S.multiply_adds(big) == 64 * 64 + 640
    assert S.estimate_seconds(100 * 100, small) < S.estimate_seconds(200 * 200, small)
    assert S.estimate_seconds(100 * 100, small) * 20 < S.estimate_seconds(100 * 100, big)
    assert S.estimate_seconds(100, small, n_columns=10) > S.estimate_seconds(100, small)
