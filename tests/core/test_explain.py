"""Issue 20: importance ranks the columns that matter first, attributions add up, ICE curves follow
the network, the threshold decides and travels, class weights weigh as Keras' class_weight."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core import evaluate as ev
from nnstudio.core import explain
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import DataError
from nnstudio.core.forward import ACTIVATION_FUNCTIONS, ForwardLayer
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.training.settings import TrainSettings


def _frame(n=600, seed=0, task="binary"):
    """a and colour drive the target; noise1, noise2 and shade do not."""
    r = np.random.default_rng(seed)
    a, b = r.normal(size=n), r.normal(size=n)
    colour = r.choice(["red", "green", "blue"], n)
    z = 2.5 * a - 1.5 * b + np.where(colour == "red", 2.0, np.where(colour == "blue", -2.0, 0.0))
    df = pd.DataFrame({"a": a, "noise1": r.normal(size=n), "b": b, "colour": colour,
                       "noise2": r.uniform(size=n), "shade": r.choice(["x", "y"], n)})
    df["y"] = (z + 0.3 * r.normal(size=n) > 0).astype(int) if task == "binary" else z
    return df


def _project(df, task, hidden=(8,), epochs=60):
    feats = [c for c in df.columns if c != "y"]
    return Project(Dataset(df, "gen"), Roles("y", feats, {}),
                   NetworkSpec([LayerSpec.dense(h, "relu") for h in hidden]),
                   TrainSettings(epochs=epochs, learning_rate=0.02, batch_size=64, seed=1),
                   task_override=Task(task))


@pytest.fixture(scope="module")
def trained_binary(tf_loaded):
    from nnstudio.core.training.engine import train

    p = _project(_frame(), "binary")
    data = p.prepare()
    return p, data, train(data, p.spec, p.settings).model


@pytest.fixture(scope="module")
def trained_regression(tf_loaded):
    from nnstudio.core.training.engine import train

    p = _project(_frame(task="regression"), "regression", hidden=(8,), epochs=80)
    data = p.prepare()
    return p, data, train(data, p.spec, p.settings).model


def _test_frame(data):
    return data.raw_test


@pytest.mark.parametrize("which", ["trained_binary", "trained_regression"])
def test_importance_ranks_the_columns_that_matter_first(which, request):
    _p, data, model = request.getfixturevalue(which)
    imp = explain.permutation_importance(model, data.preprocessor, _test_frame(data), n_repeats=4, seed=0)
    assert set(imp.columns[:3]) == {"a", "b", "colour"}  # one-hot colour counted as one column
    assert len(imp.columns) == 6  # original columns, not encoded inputs
    top = imp.mean[0]
    for c in ("noise1", "noise2", "shade"):
        i = imp.columns.index(c)
        assert abs(imp.mean[i]) < 0.1 * top  # irrelevant: near zero
        assert imp.std[i] >= 0
    assert imp.repeats.shape == (6, 4)
    assert np.allclose(imp.mean, imp.repeats.mean(axis=1))


@pytest.mark.parametrize("which, metric", [("trained_binary", "log_loss"), ("trained_regression", "r2")])
def test_importance_without_encoding_again_equals_encoding_each_shuffled_frame(which, metric, request,
                                                                               monkeypatch):
    """Permutation importance shuffles the encoded rows of each column's inputs instead of encoding
    each shuffled frame again (50 ms a call for a 686-column file: 3 minutes for 49 rows). Same
    shuffles, same numbers, one-hot columns included."""
    _p, data, model = request.getfixturevalue(which)
    pre = data.preprocessor
    assert explain._ShuffledRows.blocks(pre) is not None
    fast = explain.permutation_importance(model, pre, _test_frame(data), metric=metric, n_repeats=3)
    monkeypatch.setattr(explain._ShuffledRows, "blocks", staticmethod(lambda pre: None))
    slow = explain.permutation_importance(model, pre, _test_frame(data), metric=metric, n_repeats=3)
    assert fast.columns == slow.columns
    np.testing.assert_allclose(fast.repeats, slow.repeats, rtol=0, atol=1e-12)
    assert fast.score == slow.score


def test_importance_in_words_names_the_top_columns_and_counts_the_rest(trained_binary):
    """`nnstudio explain` printed a line per column: 686 for a pixel file. With ``most`` the
    text names that many, most important first, and counts the rest."""
    _p, data, model = trained_binary
    imp = explain.permutation_importance(model, data.preprocessor, _test_frame(data), n_repeats=2)
    every = imp.lines()
    assert len(every) == 1 + 6 and every[1].split()[0] == imp.columns[0]
    short = imp.lines(most=2)
    assert short[:3] == every[:3]
    assert short[3].startswith("  … and 4 more columns, each at most ")
    assert f"{imp.mean[2]:+.4f}" in short[3] and len(short) == 4


def _importance(mean, std, metric="accuracy"):
    cols = [f"c{i}" for i in range(len(mean))]
    return explain.Importance(cols, np.array(mean, float), np.array(std, float),
                              np.zeros((len(mean), 5)), metric, 0.8034, 178, 5)


def test_importance_summary_names_leaned_on_idle_and_harmful_columns():
    """The Titanic-like file's chart showed a red bar beyond its whisker (shuffling Parch made
    accuracy *better*) and the text said nothing of it: it named the top columns and the idle
    ones only. A column whose shuffling improves the score beyond noise is named, with what it
    means and what to try."""
    imp = _importance([0.24, 0.018, 0.006, 0.0, -0.002, -0.015], [0.02, 0.017, 0.004, 0.018, 0.005, 0.004])
    text = imp.summary()
    assert "The network leans most on c0, c1." in text
    assert "Shuffling c3, c4 changes nothing beyond noise." in text
    assert "Shuffling c5 improves accuracy (by 0.015)" in text and "without it" in text
    assert "c2" not in text  # above noise but small: neither idle nor leaned on nor harmful
    # names can be marked (the app's bold), and a chart with no such column says nothing of it
    marked = _importance([0.3, 0.0], [0.01, 0.01]).summary(mark=lambda s: f"<b>{s}</b>")
    assert "leans most on <b>c0</b>." in marked and "improves" not in marked
    two = _importance([0.1, -0.03, -0.02], [0.01, 0.01, 0.005], metric="roc_auc").summary()
    assert "Shuffling c1, c2 improves ROC AUC (by 0.03 and 0.02)" in two


def test_importance_metrics_and_errors(trained_binary):
    _p, data, model = trained_binary
    pre = data.preprocessor
    imp = explain.permutation_importance(model, pre, _test_frame(data), metric="log_loss", n_repeats=2)
    assert imp.columns[0] in ("a", "colour", "b") and imp.mean[0] > 0  # positive: the loss grows
    with pytest.raises(DataError, match="not a metric"):
        explain.permutation_importance(model, pre, _test_frame(data), metric="r2")
    with pytest.raises(DataError, match="target"):
        explain.permutation_importance(model, pre, _test_frame(data).drop(columns=["y"]))


def test_importance_says_why_rows_were_left_out(trained_binary):
    """Rows without a target, with a class the model does not know, or that cannot be predicted
    are each counted by their reason (before: all 'could not be predicted')."""
    _p, data, model = trained_binary
    frame = _test_frame(data).reset_index(drop=True).astype({"y": object})
    frame.loc[[0, 1], "y"] = None
    frame.loc[[2], "y"] = "7"
    frame.loc[[3], "colour"] = "purple"
    imp = explain.permutation_importance(model, data.preprocessor, frame, n_repeats=2)
    assert imp.n_rows == len(frame) - 4
    assert imp.notes == ["4 rows were left out of the figures: 2 have no y (the target); 1 has a "
                         "target value the model does not know ('7'; the classes of y: 0, 1); 1 "
                         "could not be predicted (a missing value, or a category never seen in "
                         "training)."]
    frame["y"] = "yes"
    with pytest.raises(DataError, match=r"the target y holds yes, and the model's classes are 0, 1\."):
        explain.permutation_importance(model, data.preprocessor, frame, n_repeats=2)


@pytest.mark.parametrize("which", ["trained_binary", "trained_regression"])
def test_attributions_sum_to_the_difference_from_the_baseline(which, request):
    _p, data, model = request.getfixturevalue(which)
    pre = data.preprocessor
    for i in range(5):
        row = data.raw_test.iloc[i].to_dict()
        att = explain.explain_row(model, pre, row, train=data.raw_train)
        assert att.columns == pre.feature_names
        assert abs(att.values.sum() - (att.prediction - att.baseline_prediction)) < 1e-3
        # the explained prediction is the network's own (Keras, float32)
        out = ev.predict_encoded(model, ev.encode_row(pre, row))
        assert att.prediction == pytest.approx(float(out[0, 0]), abs=1e-5)
        # the one-hot inputs of colour add up to colour's attribution
        g = {gr.name: gr.indices for gr in explain.column_groups(pre)}
        assert att.values[pre.feature_names.index("colour")] == pytest.approx(att.encoded[g["colour"]].sum())
    # a column equal to the baseline's value gets nothing (its input does not move along the path)
    base = explain.baseline_row(pre, data.raw_train)
    row = dict(base, a=base["a"] + 1.0)
    att = explain.explain_row(model, pre, row, train=data.raw_train)
    for c in pre.feature_names:
        if c != "a":
            assert att.values[pre.feature_names.index(c)] == 0.0
    assert att.values[0] == pytest.approx(att.prediction - att.baseline_prediction, abs=1e-3)


def test_gradient_matches_finite_differences(trained_binary):
    _p, data, model = trained_binary
    layers = explain._as64(explain.forward_layers(model))
    x = np.asarray(data.X_test[:3], np.float64)
    f, g = explain.output_and_gradient(layers, x, 0)
    h = 1e-6
    for j in range(x.shape[1]):
        xp = x.copy()
        xp[:, j] += h
        fp, _ = explain.output_and_gradient(layers, xp, 0)
        assert np.allclose((fp - f) / h, g[:, j], atol=1e-4)


@pytest.mark.parametrize("act", sorted(set(ACTIVATION_FUNCTIONS) - {"step"}))
def test_gradient_through_every_activation_matches_finite_differences(act):
    """Attributions carry the gradient back through every activation a layer can have, with the
    same derivative training uses (one function for both), checked against central differences."""
    r = np.random.default_rng(5)
    layers = [ForwardLayer("dense", r.normal(size=(3, 6)), r.normal(size=6), act),
              ForwardLayer("dense", r.normal(size=(6, 2)), r.normal(size=2), "linear")]
    x = r.normal(size=(4, 3))
    _f, g = explain.output_and_gradient(layers, x, 1)
    h = 1e-6
    for j in range(3):
        step = np.zeros(3)
        step[j] = h
        up = explain.output_and_gradient(layers, x + step, 1)[0]
        down = explain.output_and_gradient(layers, x - step, 1)[0]
        np.testing.assert_allclose(g[:, j], (up - down) / (2 * h), rtol=1e-5, atol=1e-6)


def test_an_unknown_activation_is_a_clear_error():
    g = np.ones((1, 2))
    with pytest.raises(DataError, match="'mystery' activation"):
        explain._activation_backward("mystery", g, g, g)


def test_attributions_through_softmax_and_smooth_activations(tf_loaded):
    from nnstudio.core.forward import ForwardLayer

    r = np.random.default_rng(3)
    layers = [ForwardLayer("dense", r.normal(size=(4, 5)), r.normal(size=5), "tanh"),
              ForwardLayer("affine", scale=r.uniform(0.5, 2, 5), shift=r.normal(size=5)),
              ForwardLayer("dense", r.normal(size=(5, 5)), r.normal(size=5), "gelu"),
              ForwardLayer("dense", r.normal(size=(5, 3)), r.normal(size=3), "softmax")]
    x, b = r.normal(size=4), r.normal(size=4)
    for unit in range(3):
        ig, fx, fb, _steps = explain.integrated_gradients(layers, x, b, unit)
        assert abs(ig.sum() - (fx - fb)) < 1e-3


def test_a_wide_network_is_explained_in_bounded_blocks_and_steps(monkeypatch):
    """Integrated gradients took the path in blocks of 8,192 points whatever the network: through
    a 100,000-unit layer that was 20 GB, and the app was killed for memory. The blocks now hold a
    bounded number of values, the steps stop doubling past a multiply-add budget, and the answer
    is the same as in one block."""
    from nnstudio.core.forward import ForwardLayer

    r = np.random.default_rng(4)
    layers = [ForwardLayer("dense", r.normal(size=(3, 400)) / 20, r.normal(size=400) / 20, "tanh"),
              ForwardLayer("dense", r.normal(size=(400, 1)) / 20, None, "sigmoid")]
    x, b = r.normal(size=3), np.zeros(3)
    whole = explain.integrated_gradients(layers, x, b, 0, min_steps=64, max_steps=64)
    seen = []
    step = explain.output_and_gradient
    monkeypatch.setattr(explain, "output_and_gradient",
                        lambda ls, X, u: (seen.append(len(X)), step(ls, X, u))[1])
    monkeypatch.setattr(explain, "IG_BLOCK_VALUES", 400 * 10)  # 10 points of the 400-unit layer
    blocked = explain.integrated_gradients(layers, x, b, 0, min_steps=64, max_steps=64)
    assert max(seen[1:]) == 10 and sum(seen[1:]) == 64  # (the first call is the two ends)
    np.testing.assert_allclose(blocked[0], whole[0], rtol=1e-12, atol=1e-15)
    # 1,600 multiply-adds a point, a budget of 300 points: 64, 128, 256 steps, and no 512
    monkeypatch.setattr(explain, "IG_MAX_MULTIPLY_ADDS", 1600 * 300)
    ig, fx, fb, steps = explain.integrated_gradients(layers, x, b, 0, tol=0.0)
    assert steps == 256 and abs(ig.sum() - (fx - fb)) < 1e-3


def test_ice_curve_follows_the_forward_pass(trained_binary):
    _p, data, model = trained_binary
    pre = data.preprocessor
    row = data.raw_test.iloc[0].to_dict()
    ice = explain.ice_curve(model, pre, row, "a", n=21)
    assert ice.numeric and row["a"] in ice.values
    for v, p in zip(ice.values[::5], ice.predictions[::5]):
        out = ev.predict_encoded(model, ev.encode_row(pre, {**row, "a": v}))
        assert p == pytest.approx(float(out[0, 0]), abs=1e-5)
    assert ice.predictions[-1] > ice.predictions[0]  # a pushes towards class 1
    cat = explain.ice_curve(model, pre, row, "colour")
    assert cat.values == ["blue", "green", "red"] and not cat.numeric
    red, blue = cat.predictions[2], cat.predictions[0]
    assert red > blue
    with pytest.raises(DataError, match="not an input column"):
        explain.ice_curve(model, pre, row, "nope")


def test_with_a_rare_class_importance_is_measured_on_what_the_network_ranks(tf_loaded):
    """3 % fraud, the network answers 'no' for every row: shuffling any column leaves accuracy at
    0.970, and the Importance tab said "Shuffling country, amount, age, online, hour changes
    nothing beyond noise" of a network whose probabilities rank the rows (ROC AUC 0.71) by those
    very columns. With a class that rare the default measure is ROC AUC (log loss for more than
    two classes), and it names the columns the network leans on."""
    from make_fraud import fraud

    from nnstudio.core.data import Dataset as _Dataset
    from nnstudio.core.training.engine import train

    p = Project.from_dataset(_Dataset(fraud(), "fraud.csv"), "fraud")
    data = p.prepare()
    model = train(data, p.spec, p.settings).model
    frame = data.raw_test
    assert explain.default_metric(Task.BINARY, frame["fraud"]) == "roc_auc"
    assert explain.default_metric(Task.MULTICLASS, np.array(["a"] * 95 + ["b"] * 3 + ["c"] * 2)) == "log_loss"
    assert explain.default_metric(Task.BINARY, np.array([0, 1] * 50)) == "accuracy"
    imp = explain.permutation_importance(explain.forward_layers(model), data.preprocessor, frame, n_repeats=3)
    assert imp.metric == "roc_auc"
    assert imp.mean[0] > 3 * imp.std[0] and imp.columns[0] in {"amount", "country", "hour", "online"}
    assert "The network leans most on" in imp.summary()
    assert any("ROC AUC, not accuracy: 'no' is" in n for n in imp.notes), imp.notes
    # four classes, the rarest at 3 %, the most frequent at 56 %: accuracy still moves, and stays
    assert explain.default_metric(Task.MULTICLASS, np.repeat(list("ABCD"), [56, 27, 14, 3])) == "accuracy"
