"""Built-in examples: data, network and settings of each workload; the churn file's schema and the
same treatment through the CSV path."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.csv import read_csv
from nnstudio.core.data.examples import EXAMPLES, get_example, make_blobs, make_churn
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task, param_counts
from nnstudio.core.project import Project

CHURN_COLUMNS = ["RowNumber", "CustomerId", "Surname", "CreditScore", "Geography", "Gender", "Age",
                 "Tenure", "Balance", "NumOfProducts", "HasCrCard", "IsActiveMember",
                 "EstimatedSalary", "Exited"]


def test_every_example_loads_data_network_and_settings():
    assert {"xor", "xor-dropout", "or", "perceptron", "digits", "churn", "circles", "spiral",
            "house-prices"} <= set(EXAMPLES)
    tasks = set()
    for name in EXAMPLES:
        p = Project.from_example(name)
        d = p.prepare()
        assert p.example == name and len(d.X_train) > 0
        assert d.n_inputs == len(d.preprocessor.output_names)
        p.settings.check()
        tasks.add(d.task)
        # the project is a copy: editing it leaves the example alone
        p.spec.hidden.append(p.spec.hidden[0] if p.spec.hidden else p.spec.output_for(d.task))
        assert len(Project.from_example(name).spec.hidden) == len(get_example(name).spec.hidden)
    assert tasks == {Task.BINARY, Task.MULTICLASS, Task.REGRESSION}


def test_unknown_example_lists_the_known_ones():
    with pytest.raises(DataError, match="no example called 'nope'.*xor"):
        get_example("nope")


def test_xor_title_does_not_claim_dropout_and_the_dropout_variant_has_it():
    xor, drop = get_example("xor"), get_example("xor-dropout")
    assert "dropout" not in xor.title.lower()
    assert [l.kind for l in xor.spec.hidden] == ["dense", "dense"]
    assert [(l.kind, l.rate if l.kind == "dropout" else l.units) for l in drop.spec.hidden] == \
        [("dense", 6), ("dropout", 0.2), ("dense", 4), ("dropout", 0.2)]
    s = xor.settings
    assert (s.optimizer, s.epochs, s.batch_size) == ("adam", 100, 32)
    assert (xor.split.test, xor.split.seed) == (0.25, 42)


def test_or_truth_table_and_perceptron_blobs():
    p = Project.from_example("or")
    assert p.dataset.frame.to_dict("list") == {"x1": [0, 0, 1, 1], "x2": [0, 1, 0, 1], "y": [0, 1, 1, 1]}
    assert p.spec.hidden == [] and p.spec.output_for(Task.BINARY).activation == "sigmoid"
    d = p.prepare()
    assert len(d.X_train) == 4  # all four rows train; there is nothing else to test on
    assert "step" in get_example("or").description and "sigmoid" in get_example("or").description

    blobs = make_blobs()
    assert len(blobs) == 200 and set(blobs["label"]) == {0, 1}
    for label, centre in ((0, (10, 10)), (1, (0, 0))):
        pts = blobs.loc[blobs["label"] == label, ["x1", "x2"]].to_numpy()
        assert len(pts) == 100
        assert np.allclose(pts.mean(axis=0), centre, atol=0.3)
        assert np.allclose(pts.std(axis=0), 1.0, atol=0.2)
    ex = get_example("perceptron")
    assert ex.spec.hidden == [] and (ex.split.test, ex.split.seed) == (0.25, 42)
    assert (ex.settings.epochs, ex.settings.batch_size, ex.settings.optimizer) == (1000, 32, "adam")
    d = Project.from_example("perceptron").prepare()
    assert (len(d.X_train), len(d.X_test)) == (150, 50)


def test_digits_is_64_pixels_and_10_classes():
    p = Project.from_example("digits")
    d = p.prepare()
    assert p.dataset.frame.shape == (1797, 65) and not p.dataset.synthetic
    assert d.n_inputs == 64 and d.task is Task.MULTICLASS and d.n_classes == 10
    assert [(l.units, l.activation) for l in p.spec.hidden] == [(64, "relu"), (64, "relu")]
    assert p.spec.output_for(d.task, d.n_classes).units == 10
    assert p.settings.loss_for(d.task) == "sparse_categorical_crossentropy"
    assert (p.settings.epochs, p.settings.batch_size, p.split.val) == (10, 32, 0.2)
    assert p.roles.ignored == {}  # constant border pixels stay inputs: the net has 64 of them


def test_churn_has_the_public_schema_and_realistic_distributions():
    f = make_churn()
    assert list(f.columns) == CHURN_COLUMNS and len(f) == 10_000
    assert f["RowNumber"].tolist() == list(range(1, 10_001))
    assert f["CustomerId"].is_unique and f["CustomerId"].between(15_565_701, 15_815_690).all()
    assert set(f["Geography"]) == {"France", "Spain", "Germany"}
    assert abs((f["Geography"] == "France").mean() - 0.5) < 0.03
    assert set(f["Gender"]) == {"Male", "Female"}
    assert 0.17 < f["Exited"].mean() < 0.23
    assert f["Age"].between(18, 92).all() and 36 < f["Age"].mean() < 42
    assert f["CreditScore"].between(350, 850).all()
    assert 0.3 < (f["Balance"] == 0).mean() < 0.42
    assert set(f["NumOfProducts"]) == {1, 2, 3, 4} and set(f["HasCrCard"]) == {0, 1}
    assert f["Surname"].nunique() > 500
    # the relations the tutorial finds: older, German, female and inactive customers leave more
    by = f.groupby("Geography")["Exited"].mean()
    assert by["Germany"] > by["France"] + 0.08
    assert f.loc[f["IsActiveMember"] == 0, "Exited"].mean() > f.loc[f["IsActiveMember"] == 1, "Exited"].mean()
    assert f.loc[f["Age"].between(45, 60), "Exited"].mean() > 2 * f.loc[f["Age"] < 35, "Exited"].mean()
    pd.testing.assert_frame_equal(make_churn(), f)  # seeded: the same rows every time


def test_churn_example_is_labelled_synthetic_and_proposes_the_tutorial_preprocessing():
    p = Project.from_example("churn")
    ds = p.dataset
    assert ds.synthetic and "synthetic" in ds.note.lower() and "synthetic" in ds.name.lower()
    assert set(p.roles.ignored) == {"RowNumber", "CustomerId", "Surname"}
    assert "row number" in p.roles.ignored["RowNumber"]
    assert "identifier" in p.roles.ignored["CustomerId"]
    assert "names" in p.roles.ignored["Surname"]
    assert p.roles.features == CHURN_COLUMNS[3:-1]
    d = p.prepare()
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (8000, 0, 2000)
    text = "\n".join(d.describe())
    assert "Gender: two values, Female → 0, Male → 1, fitted on 8,000 rows" in text
    assert "Geography: one-hot, 3 columns (France, Germany, Spain), fitted on 8,000 rows" in text
    age = d.raw_train["Age"]
    assert f"Age: standardized, mean {age.mean():.1f}, sd {age.std(ddof=0):.1f}, fitted on 8,000 rows" in text
    assert d.n_inputs == 12
    spec = p.spec
    assert [(l.units, l.activation, l.initializer) for l in spec.hidden] == [(6, "relu", "uniform")] * 2
    assert (spec.output.units, spec.output.activation, spec.output.initializer) == (1, "sigmoid", "uniform")
    assert (p.settings.batch_size, p.settings.epochs, p.settings.optimizer) == (10, 50, "adam")
    assert [n for _, n in param_counts(spec, d.n_inputs, d.task)] == [78, 42, 7]


def test_the_real_churn_file_opens_unchanged_through_the_csv_path(tmp_path):
    # a file written like the public Churn_Modelling.csv (comma-separated, header, no index column)
    path = tmp_path / "Churn_Modelling.csv"
    make_churn().to_csv(path, index=False)
    ds = read_csv(path)
    assert list(ds.frame.columns) == CHURN_COLUMNS and ds.n_rows == 10_000
    p = Project.from_dataset(ds, "Exited")
    ex = Project.from_example("churn")
    assert p.roles == ex.roles
    p.split, p.preprocess = replace(ex.split), replace(ex.preprocess)
    a, b = p.prepare(), ex.prepare()
    assert a.describe() == b.describe()
    np.testing.assert_allclose(a.X_train, b.X_train, rtol=1e-6)


def test_an_example_opens_fresh_after_its_preprocessing_was_changed():
    """Age set to min-max on the Data tab stayed min-max in every churn example opened after it
    (File > Examples), in the app and in every later test in the process: the project's
    preprocessing shared its per-column dict with the example's own."""
    changed = Project.from_example("churn")
    changed.preprocess.set_for_column("Age", "numeric", "minmax")
    changed.preprocess.set_for_column("Geography", "categorical", "ordinal")
    assert changed.preprocess.for_column("Age", "numeric") == "minmax"
    fresh = Project.from_example("churn")
    assert fresh.preprocess.for_column("Age", "numeric") == "standardize"
    assert fresh.preprocess.for_column("Geography", "categorical") == "onehot"
    assert fresh.preprocess.per_column == {}


def test_house_prices_is_a_regression_with_missing_values_filled():
    p = Project.from_example("house-prices")
    d = p.prepare()
    assert d.task is Task.REGRESSION and p.dataset.frame["Age"].isna().sum() > 0
    assert d.dropped_rows == 0
    assert any(line.startswith("Age:") and "median" in line for line in d.describe())
    assert any("Garden: two values" in line for line in d.describe())


def test_house_prices_learns_with_its_settings_and_the_coach_has_nothing_to_say(tf_loaded):
    """An example shows the app at its best. Its settings (rate 0.01, 200 epochs) were made for
    outputs that started at 0; from where a standardized target would start they overfit from
    epoch ~90 (R² 0.969, the coach said so)."""
    from nnstudio.core.coach import diagnose
    from nnstudio.core.training.engine import train

    p = Project.from_example("house-prices")
    d = p.prepare()
    r = train(d, p.spec, p.settings)
    pred = r.model.predict(d.X_test, verbose=0).ravel()
    r2 = 1 - np.sum((d.y_test - pred) ** 2) / np.sum((d.y_test - d.y_test.mean()) ** 2)
    assert r2 > 0.97, r2
    assert diagnose(d, p.spec, p.settings, r) == []


def test_or_trains_with_a_sigmoid_and_churn_learns(tf_loaded):
    from nnstudio.core.training.engine import train

    # jit_compile off: the same maths without XLA's compile time, which dominates such short runs
    p = Project.from_example("or")
    r = train(p.prepare(), p.spec, replace(p.settings, jit_compile=False))
    assert r.history["accuracy"][-1] == 1.0

    p = Project.from_example("churn")
    d = p.prepare()
    r = train(d, p.spec, replace(p.settings, epochs=2, jit_compile=False))
    baseline = 1 - d.y_test.mean()  # always predicting "stays"
    assert r.test["accuracy"] > baseline + 0.02
