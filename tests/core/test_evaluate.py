"""Evaluation: metrics held to scikit-learn, losses to Keras, predictions to the trained model."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from nnstudio.core import evaluate as ev
from nnstudio.core import ranking
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.training.settings import TrainSettings

#: The W4 customer of ../shared/WORKLOADS.md.
W4_CUSTOMER = {"Geography": "Spain", "CreditScore": 500, "Gender": "Female", "Age": 40, "Tenure": 3,
               "Balance": 50000, "NumOfProducts": 2, "HasCrCard": 1, "IsActiveMember": 1,
               "EstimatedSalary": 40000}


def churn_like(n: int = 800, seed: int = 3) -> pd.DataFrame:
    """A small table with the W4 churn schema (the columns the model uses), leaving ~25 %."""
    rng = np.random.default_rng(seed)
    geo = rng.choice(["France", "Spain", "Germany"], n, p=[0.5, 0.25, 0.25])
    gender = rng.choice(["Male", "Female"], n)
    age = rng.integers(18, 80, n)
    active = rng.integers(0, 2, n)
    products = rng.integers(1, 5, n)
    z = (0.08 * (age - 45) + 0.9 * (geo == "Germany") + 0.5 * (gender == "Female") - 0.8 * active
         + 0.7 * (products >= 3) + rng.normal(0, 0.6, n) - 0.6)
    return pd.DataFrame({
        "CreditScore": rng.integers(350, 850, n), "Geography": geo, "Gender": gender, "Age": age,
        "Tenure": rng.integers(0, 11, n), "Balance": np.round(rng.uniform(0, 200000, n), 2),
        "NumOfProducts": products, "HasCrCard": rng.integers(0, 2, n), "IsActiveMember": active,
        "EstimatedSalary": np.round(rng.uniform(1000, 200000, n), 2), "Exited": (z > 0).astype(int)})


# ----- metrics against scikit-learn (no TensorFlow needed) ------------------------------------------
@pytest.mark.parametrize("k", [2, 4])
def test_classification_metrics_match_scikit_learn(k):
    rng = np.random.default_rng(k)
    y = rng.integers(0, k, 300)
    logits = rng.normal(size=(300, k)) + 2.0 * np.eye(k)[y]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    out = probs[:, 1:2] if k == 2 else probs  # binary: one sigmoid unit
    e = ev.evaluate_outputs(y, out, Task.BINARY if k == 2 else Task.MULTICLASS, list("abcd"[:k]))
    pred = probs.argmax(axis=1) if k > 2 else (probs[:, 1] > 0.5).astype(int)
    assert np.array_equal(e.confusion, skm.confusion_matrix(y, pred, labels=range(k)))
    assert np.allclose(e.confusion_normalized, skm.confusion_matrix(y, pred, labels=range(k),
                                                                    normalize="true"))
    p, r, f, s = skm.precision_recall_fscore_support(y, pred, labels=range(k), zero_division=0)
    assert np.allclose([c.precision for c in e.per_class], p)
    assert np.allclose([c.recall for c in e.per_class], r)
    assert np.allclose([c.f1 for c in e.per_class], f)
    assert [c.support for c in e.per_class] == list(s)
    assert e.metrics["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    if k == 2:
        assert e.metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(y, probs[:, 1]))
    else:  # each class against the rest, their mean (no single curve to draw)
        assert e.metrics["roc_auc"] == pytest.approx(skm.roc_auc_score(y, probs, multi_class="ovr"))
        assert e.roc is None
        assert "ROC AUC (each class against the rest, mean) 0." in "\n".join(e.lines())


def test_roc_auc_and_curve_with_ties_match_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    score = np.round(rng.uniform(size=200) * 0.6 + 0.4 * y, 1)  # many ties
    auc, (fpr, tpr) = ranking.roc_auc_and_curve(y, score)
    assert auc == pytest.approx(skm.roc_auc_score(y, score))
    sk_fpr, sk_tpr, _ = skm.roc_curve(y, score, drop_intermediate=False)
    assert np.allclose(fpr, sk_fpr) and np.allclose(tpr, sk_tpr)
    assert np.isnan(ranking.roc_auc_and_curve(np.ones(5), np.arange(5))[0])  # one class only: undefined


@pytest.mark.parametrize("n,share,ties", [(400, 0.5, False), (3000, 0.05, True), (50, 0.9, True)])
def test_auc_and_ap_from_one_sort_are_scikit_learns(n, share, ties):
    """Each class against the rest costs one sort (ten classes on 640,000 rows took 0.9 s by
    ranks and 3.7 s by scikit-learn): the same values, ties included; not a number when they
    cannot be (one class, a NaN score) rather than a figure from garbage."""
    rng = np.random.default_rng(n)
    y = rng.random(n) < share
    s = np.clip(0.3 * y + rng.normal(0.4, 0.2, n), 0, 1)
    if ties:
        s = np.round(s, 1)
    auc, ap = ranking.auc_and_ap(y, s)
    assert auc == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert ap == pytest.approx(skm.average_precision_score(y, s), abs=1e-12)
    assert np.isnan(ranking.auc_and_ap(np.ones(5, bool), np.arange(5.0))).all()
    s[3] = np.nan
    assert np.isnan(ranking.auc_and_ap(y, s)).all()


def test_class_never_predicted_scores_zero_and_empty_rows_normalize_to_zero():
    cm = ev.confusion_matrix([0, 0, 1, 1], [0, 0, 0, 0], 3)
    scores = ev.per_class_scores(cm, ["a", "b", "c"])
    assert scores[1].precision == 0 and scores[1].recall == 0 and scores[1].f1 == 0
    assert np.array_equal(ev.row_normalized(cm)[2], [0, 0, 0])
    assert np.allclose(ev.row_normalized(cm)[:2].sum(axis=1), 1)


def test_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(1)
    y = rng.normal(10, 3, 100)
    out = (y + rng.normal(0, 1, 100))[:, None]
    e = ev.evaluate_outputs(y, out, Task.REGRESSION, loss_name="mse")
    assert e.metrics["mae"] == pytest.approx(skm.mean_absolute_error(y, out[:, 0]))
    assert e.metrics["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(y, out[:, 0])))
    assert e.metrics["r2"] == pytest.approx(skm.r2_score(y, out[:, 0]))
    assert e.loss == pytest.approx(skm.mean_squared_error(y, out[:, 0]))
    assert e.confusion is None and "R²" in "\n".join(e.lines())


# ----- losses against Keras ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["binary_crossentropy", "sparse_categorical_crossentropy", "mse",
                                  "mae", "huber"])
def test_losses_match_keras(tf_loaded, name):
    from nnstudio.core.registry import make_loss

    rng = np.random.default_rng(2)
    if name == "binary_crossentropy":
        y, out = rng.integers(0, 2, 50), rng.uniform(0, 1, (50, 1)).astype(np.float32)
        out[0, 0], out[1, 0] = 0.0, 1.0  # clipped, as Keras clips
        yt = y.astype(np.float32)[:, None]
    elif name == "sparse_categorical_crossentropy":
        y = rng.integers(0, 3, 50)
        out = rng.dirichlet(np.ones(3), 50).astype(np.float32)
        yt = y.astype(np.int32)
    else:
        y, out = rng.normal(size=50), rng.normal(size=(50, 1)).astype(np.float32) * 2
        yt = y.astype(np.float32)[:, None]
    keras_value = float(make_loss(name)(tf_loaded.tensorflow().constant(yt), out))
    assert ev.loss_value(name, Task.REGRESSION, y, out) == pytest.approx(keras_value, rel=1e-5)


# ----- on a trained network ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tf_loaded):
    from nnstudio.core.training.engine import train

    p = Project.from_dataset(Dataset(churn_like(), "churn-like"), "Exited")
    p.spec = NetworkSpec([LayerSpec.dense(6, "relu", l2=0.001), LayerSpec.dense(6, "relu")])
    p.settings = TrainSettings(epochs=15, batch_size=32, learning_rate=0.01, jit_compile=False)
    data = p.prepare()
    result = train(data, p.spec, p.settings)
    return p, data, result


def test_evaluation_agrees_with_the_training_engine(trained):
    p, data, result = trained
    e = ev.evaluate(result.model, data, "test", p.settings.loss_for(data.task))
    assert e.n == len(data.X_test)
    assert e.metrics["accuracy"] == pytest.approx(result.test["accuracy"], abs=1e-9)
    assert e.loss == pytest.approx(result.test["loss"], rel=1e-4)  # regularization included
    assert e.confusion.sum() == len(data.X_test)
    assert 0.5 < e.metrics["roc_auc"] <= 1.0
    alls = ev.evaluate_all(result.model, data, "binary_crossentropy")
    assert set(alls) == {"train", "val", "test"}
    assert alls["val"].loss == pytest.approx(result.history["val_loss"][-1], rel=1e-3)


def test_live_forward_pass_gives_the_same_figures(trained):
    from nnstudio.core.forward import layers_from_weights

    p, data, result = trained
    layers = layers_from_weights(p.spec.layers_for(data.task, 2), result.model.get_weights())
    reg = ev.regularization_from_layers(layers, p.spec.layers_for(data.task, 2))
    assert reg == pytest.approx(ev.model_regularization(result.model), rel=1e-4)
    a = ev.evaluate(result.model, data, "test", "binary_crossentropy")
    b = ev.evaluate(layers, data, "test", "binary_crossentropy", regularization=reg)
    assert np.allclose(a.output, b.output, atol=1e-5)
    assert np.array_equal(a.confusion, b.confusion) and b.loss == pytest.approx(a.loss, rel=1e-4)


def test_predictions_table_and_misclassified_filter(trained):
    project, data, result = trained
    table = ev.predictions_table(result.model, data, "test")
    assert list(table.columns[:len(data.raw_test.columns)]) == list(data.raw_test.columns)
    assert {"prediction", "probability", "P(Exited = 1)", "correct"} <= set(table.columns)
    assert table["probability"].between(0.5, 1.0).all()
    pos = table["P(Exited = 1)"]
    assert ((pos > 0.5) == (table["prediction"] == 1)).all()
    e = ev.evaluate(result.model, data, "test")
    wrong = ev.misclassified(table)
    assert len(wrong) == e.confusion.sum() - np.trace(e.confusion)
    assert (wrong["prediction"] != wrong["Exited"]).all()
    # each row by its number in the table (from 1), kept by the filter: found in the file
    assert table.index.name == ev.DATA_ROW and table.index.tolist() == (data.positions["test"] + 1).tolist()
    first = wrong.index[0]
    in_table = project.dataset.frame.iloc[first - 1]
    assert in_table.tolist() == wrong.loc[first, data.raw_test.columns].tolist()


def test_w4_customer_prediction_in_original_units(trained):
    _, data, result = trained
    pre = data.preprocessor
    r = ev.predict_row(result.model, pre, dict(W4_CUSTOMER))
    encoded = pre.transform(pd.DataFrame({k: [v] for k, v in W4_CUSTOMER.items()}))
    p_leave = float(result.model(encoded).numpy()[0, 0])
    assert r.probabilities[1] == pytest.approx(p_leave, abs=1e-6)
    assert r.value == (1 if p_leave > 0.5 else 0)
    assert r.probability == pytest.approx(max(p_leave, 1 - p_leave), abs=1e-6)
    assert "Exited" in r.text()
    # the same customer typed as text (a form's fields) gives the same answer
    as_text = {k: str(v) for k, v in W4_CUSTOMER.items()}
    assert ev.predict_row(result.model, pre, as_text).probabilities[1] == pytest.approx(p_leave, abs=1e-6)
    with pytest.raises(DataError, match="Geography"):
        ev.predict_row(result.model, pre, {**W4_CUSTOMER, "Geography": "Italy"})
    with pytest.raises(DataError, match="Age"):
        ev.predict_row(result.model, pre, {**W4_CUSTOMER, "Age": ""})
    with pytest.raises(DataError, match="number"):
        ev.predict_row(result.model, pre, {**W4_CUSTOMER, "Balance": "lots"})


def test_predict_frame_marks_rows_it_cannot_predict(trained):
    _, data, result = trained
    rows = data.raw_test.head(4).copy()
    rows["Geography"] = rows["Geography"].astype(object)
    rows.loc[1, "Geography"] = "Italy"
    rows.loc[2, "Age"] = np.nan
    table = ev.predict_frame(result.model, data.preprocessor, rows)
    assert table["prediction"].isna().tolist() == [False, True, True, False]
    assert "Italy" in table.loc[1, "note"] and "Age is missing" in table.loc[2, "note"]
    expected = ev.predict_encoded(result.model, data.preprocessor.transform(rows.iloc[[0, 3]]))
    assert np.allclose(table["P(Exited = 1)"].to_numpy()[[0, 3]], expected[:, 0], atol=1e-6)
    with pytest.raises(DataError, match="Balance"):
        ev.predict_frame(result.model, data.preprocessor, rows.drop(columns=["Balance"]))


def test_row_notes_are_the_same_with_number_columns_checked_as_one_block(trained, monkeypatch):
    """Why a row cannot be predicted: number columns' gaps are found in one block (a wide file),
    the notes the same and in the same column order as column by column."""
    from nnstudio.core.data import fitted_preprocessor as fp
    from nnstudio.core.data import raw_rows

    _, data, _ = trained
    pre = data.preprocessor
    rows = data.raw_test.head(6).copy()
    rows["Geography"] = rows["Geography"].astype(object)
    rows.loc[1, ["CreditScore", "Balance"]] = np.nan
    rows.loc[1, "Geography"] = "Italy"
    rows.loc[3, "EstimatedSalary"] = np.nan
    rows.loc[4, "Gender"] = None
    block = ev.row_problems(pre, rows)
    monkeypatch.setattr(raw_rows, "plain_number", lambda c, dtype: False)
    assert block == ev.row_problems(pre, rows)
    assert fp.plain_number(pre.columns[0], rows[pre.columns[0].name].dtype)  # the block was used
    assert block[1].startswith("CreditScore is missing; ") and "Italy" in block[1]
    assert block[0] == "" and "EstimatedSalary is missing" in block[3]


def test_a_class_never_answered_has_no_precision_and_the_text_says_so():
    """Wine quality 3-8: the network answers neither '3' nor '8'. Their precision (right answers
    among the rows given the class) is 0/0: printed as 0.000 it read as 'every answer 3 was wrong'.
    The figure stays 0 where it is averaged (scikit-learn's zero_division=0) and is counted."""
    y = [0, 0, 1, 1, 1, 2, 2, 2]
    out = np.eye(3)[[1, 1, 1, 1, 1, 1, 1, 1]]  # always '5'
    e = ev.evaluate_outputs(np.array(y), out, Task.MULTICLASS, classes=[3, 5, 8])
    assert [c.predicted for c in e.per_class] == [0, 8, 0]
    assert e.per_class[0].precision == 0 and e.macro()["precision"] == pytest.approx(3 / 8 / 3)
    text = "\n".join(e.lines())
    table = text.split("precision  recall")[1].splitlines()
    row3 = next(line for line in table if line.strip().startswith("3 "))
    assert "0.000" not in row3.split()[1] and row3.split()[1] == "—"
    assert "never answers 3 or 8" in text and "undefined" in text and "as 0" in text
    assert e.to_dict()["per_class"][0]["predicted"] == 0
    # every class answered: no note
    out = np.eye(3)[[0, 0, 1, 1, 1, 2, 2, 2]]
    assert "never answers" not in "\n".join(ev.evaluate_outputs(np.array(y), out, Task.MULTICLASS,
                                                                 classes=[3, 5, 8]).lines())
