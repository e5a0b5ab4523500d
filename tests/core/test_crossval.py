"""k-fold cross-validation: the folds (every row outside the test split held out once, classes kept
in proportion, groups whole, preprocessing fitted per fold) and the figures it reports."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.errors import DataError
from nnstudio.core.experiments.crossval import cross_validate
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.project import Project
from nnstudio.core.training.settings import TrainSettings


def study(n: int = 60, seed: int = 1) -> Project:
    """A small study: the kind of file where one split's handful of test rows says little."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    frame = pd.DataFrame({"row": np.arange(n), "dose": (x[:, 0] * 2 + 5).round(2),
                          "age": (50 + 10 * x[:, 1]).round(),
                          "outcome": np.where(x[:, 0] + 0.4 * rng.normal(size=n) > 0.3, "yes", "no")})
    p = Project.from_dataset(Dataset(frame, "study", source=None), "outcome")
    p.roles.features = ["dose", "age"]
    p.spec = NetworkSpec([LayerSpec.dense(4, "relu")])
    p.settings = TrainSettings(epochs=15, batch_size=8, learning_rate=0.05)
    return p


def test_every_row_outside_the_test_split_is_held_out_once():
    p = study()
    p.roles.features = ["row", "dose", "age"]  # (the row number read back from the raw rows)
    plain = p.prepare()
    folds = [p.prepare(fold=(i, 5)) for i in range(5)]
    test = set(plain.raw_test["row"])
    held = [set(d.raw_val["row"]) for d in folds]
    assert all(set(d.raw_test["row"]) == test for d in folds)  # the test rows stay the test rows
    assert sum(len(h) for h in held) == 60 - len(test) and set().union(*held) == set(range(60)) - test
    for d, h in zip(folds, held):
        assert not h & set(d.raw_train["row"]) and len(d.raw_train) + len(h) + len(test) == 60
    # each fold keeps the classes' shares (stratified)
    share = np.mean(plain.raw_train["outcome"].tolist() + plain.raw_val["outcome"].tolist() == np.array("yes"))
    for d in folds:
        assert abs(np.mean(d.raw_val["outcome"] == "yes") - share) < 0.15
    # preprocessing is fitted on each fold's own training rows
    def fitted(d):
        col = next(c for c in d.preprocessor.to_dict()["columns"] if c["name"] == "dose")
        return col["center"], col["n_fit"]
    for d in folds:
        center, n_fit = fitted(d)
        assert n_fit == len(d.raw_train) and center == pytest.approx(d.raw_train["dose"].mean())


def test_groups_stay_whole_and_time_order_is_refused():
    p = study(80)
    p.dataset.frame["patient"] = np.arange(80) // 4  # 20 patients, 4 visits each
    p.split = replace(p.split, order="group", group="patient")
    folds = [p.prepare(fold=(i, 4)) for i in range(4)]
    frame = p.dataset.frame
    for d in folds:
        train = set(frame.loc[frame["row"].isin(d.raw_train["row"]), "patient"])
        held = set(frame.loc[frame["row"].isin(d.raw_val["row"]), "patient"])
        assert held and not train & held
    p.split = replace(p.split, order="last", group="")
    with pytest.raises(DataError, match="time order"):
        p.prepare(fold=(0, 5))
    with pytest.raises(DataError, match="folds cannot be cut"):
        study(12).prepare(fold=(0, 20))


def test_cross_validation_reports_each_fold_and_their_spread(tf_loaded):
    p = study()
    seen = []
    cv = cross_validate(p, 4, on_fold=lambda f, k: seen.append((f.index, k)))
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4)] and not cv.stopped
    acc = cv.values()
    assert len(acc) == 4 and all(0 <= a <= 1 for a in acc)
    assert cv.mean == pytest.approx(acc.mean()) and cv.sd == pytest.approx(acc.std(ddof=1))
    assert sum(f.rows for f in cv.folds) + cv.test_rows == 60
    text = cv.text()
    assert text.startswith(f"4-fold cross-validation: accuracy {cv.mean:.3f} ± {cv.sd:.3f}")
    assert f"the {cv.test_rows} test rows were not used" in text and "Early stopping" not in text
    # a fold's figure is its own network's on its held-out rows, as a plain run on that fold gives
    from nnstudio.core.training.engine import train
    from nnstudio.core.training.evaluation import evaluate_arrays

    d = p.prepare(fold=(2, 4))
    alone = evaluate_arrays(train(d, p.spec, p.settings).model, d.X_val, d.y_val, d.task)
    assert cv.folds[2].figures["accuracy"] == pytest.approx(alone["accuracy"])
    # stopped after two folds: those are kept and said
    calls = []
    part = cross_validate(p, 4, on_fold=lambda f, k: calls.append(f), should_stop=lambda: len(calls) >= 2)
    assert part.stopped and len(part.folds) == 2 and part.text().startswith("Cross-validation, 2 of 4 folds")
    # early stopping picks each fold's epoch on its held-out fold: said
    p.settings = replace(p.settings, early_stopping=True, patience=2)
    assert "Early stopping chose each fold's epoch" in cross_validate(p, 2).text()
    with pytest.raises(DataError, match="at least 2 folds"):
        cross_validate(p, 1)
