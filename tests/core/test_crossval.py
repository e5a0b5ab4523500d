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


def test_a_fold_whose_held_out_rows_are_all_left_out_is_refused_with_why(tf_loaded):
    """Monkey seed 170: whole groups of 'x' held out, with 'x' read as a category: every held-out
    row's category is one the training folds never had, so each fold kept 0 rows to measure on
    and the result's text failed on no figures. Refused at the first such fold, saying why."""
    p = Project.from_example("xor")
    p.split = replace(p.split, order="group", group="x")
    p.preprocess.set_for_column("x", "kind", "category")
    p.settings = replace(p.settings, epochs=2)
    with pytest.raises(DataError, match=r"Fold 1 of 3 has no held-out rows left to measure on\. "
                                        r".*with a category not seen in training") as e:
        cross_validate(p, 3)
    assert "hold out random rows" in e.value.user_text()


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
    assert "left out with a missing value" not in text
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


def test_two_cross_validations_of_the_same_folds_are_compared_fold_by_fold():
    """Nadeau & Bengio's corrected resampled t-test: the folds' training rows overlap, so the
    variance of the mean difference is (1/k + held/trained) s², not s²/k — a plain paired t-test
    on these five folds would say p = 0.07, the corrected one p = 0.18."""
    from scipy import stats as sps

    from nnstudio.core.experiments import stats
    from nnstudio.core.experiments.groups import describe
    from nnstudio.core.experiments.record import RunRecord

    a = [0.80, 0.82, 0.78, 0.85, 0.81]
    b = [0.78, 0.80, 0.79, 0.82, 0.78]
    v = stats.compare_folds(a, b, "val_accuracy", "wide", "narrow", folds=5)  # held / trained 1/4
    d = np.subtract(a, b)
    t = d.mean() / np.sqrt((1 / 5 + 1 / 4) * d.var(ddof=1))
    assert t == pytest.approx(1.633, abs=1e-3)
    assert v.p_value == pytest.approx(2 * sps.t.sf(t, 4)) and v.p_value == pytest.approx(0.178, abs=1e-3)
    assert "over the same 5 folds" in v.text and "within fold-to-fold noise (p = 0.2," in v.text

    def group(values, units, gid):
        return [RunRecord(id=f"{gid}{i}", spec={"hidden": [{"kind": "dense", "units": units}]},
                          settings={"seed": 0}, data={"fingerprint": "f"}, task="binary", target="y",
                          split={"test": 0.2, "seed": 42, "fold": i + 1, "folds": 5}, group=gid,
                          name=f"fold {i + 1} of 5", final={"val": {"accuracy": x}})
                for i, x in enumerate(values)]
    text = describe(group(b, 6, "g1") + group(a, 12, "g2")[::-1])  # fold order does not matter
    assert "paired by fold" in text and "over the same 5 folds" in text, text
    assert "5-fold CV" in text or "5-fold cross-validation" in text
    assert "(p = 0.2, corrected resampled t-test" in text
    # other folds (another split seed): no pairing, the seeds' test
    other = group(a, 12, "g3")
    for r in other:
        r.split = {**r.split, "seed": 7}
    assert "paired by fold" not in describe(group(b, 6, "g1") + other)


def test_the_folds_are_recorded_as_one_group_of_runs(tf_loaded):
    from nnstudio.core.experiments.crossval import fold_records
    from nnstudio.core.experiments.diff import describe_diff

    p = study()
    cv = cross_validate(p, 3)
    recs = fold_records(cv, p)
    assert [r.name for r in recs] == ["fold 1 of 3", "fold 2 of 3", "fold 3 of 3"]
    assert len({r.group for r in recs}) == 1 and all(r.split["folds"] == 3 for r in recs)
    assert [r.metric("val_accuracy") for r in recs] == pytest.approx(list(cv.values()))
    assert describe_diff(recs[0], recs[1]) == "The fold held out: 1 -> 2 of 3"
    assert not recs[0].trained_on(p)  # trained on other rows than the project's split



def test_cross_validations_across_class_weights_compare_the_held_out_folds_balanced_accuracy():
    from nnstudio.core.experiments.groups import describe, verdict_metric
    from nnstudio.core.experiments.record import RunRecord

    def group(weights, values, gid):
        return [RunRecord(id=f"{gid}{i}", spec={}, settings={"seed": 0, "class_weight": weights},
                          data={"fingerprint": "f"}, task="binary", target="fraud", group=gid,
                          split={"seed": 42, "fold": i + 1, "folds": 3},
                          final={"val": {"accuracy": 0.97 - x / 3, "balanced_accuracy": x},
                                 "test": {"accuracy": 0.96, "balanced_accuracy": 0.5}})
                for i, x in enumerate(values)]
    runs = group("none", [0.50, 0.51, 0.50], "a") + group("balanced", [0.66, 0.70, 0.64], "b")
    assert verdict_metric(runs) == "val_balanced_accuracy"
    text = describe(runs)
    assert "val_balanced_accuracy over the same 3 folds" in text and "paired by fold" in text
    assert "the verdict compares the held-out folds' balanced accuracy" in text


def test_rows_left_out_for_a_missing_value_are_said(tf_loaded):
    from nnstudio.core.data.preprocess import PreprocessConfig

    p = study(60)
    p.dataset.frame.loc[[3, 17, 40], "dose"] = np.nan
    p.preprocess = PreprocessConfig(per_column={"dose": {"missing": "drop"}})
    cv = cross_validate(p, 3)
    assert sum(f.rows for f in cv.folds) + cv.test_rows == 57
    assert "but for rows a fold's data left out with a missing value: up to 3" in cv.text()
    assert all(f["dropped_rows"] == 3 for f in cv.to_dict()["folds"])


def test_a_sweep_over_folds_trains_every_configuration_on_the_same_folds(tf_loaded):
    """GridSearchCV: each configuration on each fold, ranked by the folds' mean, and compared
    with the first fold by fold (the same rows held out for every configuration)."""
    from nnstudio.core.experiments import sweep
    from nnstudio.core.experiments.sweep_folds import run_sweep_folds

    p = study(60)
    seen = []
    res = run_sweep_folds(p, sweep.expand(sweep.parse_grid("lr=0.05,0.001")), 3, on_run=seen.append)
    assert res.folds == 3 and res.unit == "fold" and res.metric == "val_accuracy"
    assert [r.done for r in seen] == [1, 2, 3, 4, 5, 6] and seen[-1].total == 6
    for c in res.configurations:
        assert [r.split["fold"] for r in c.records] == [1, 2, 3]
        assert [r.name for r in c.records][0] == f"{c.label} · fold 1 of 3"
    # the same folds for both: a configuration's fold i held out the same rows as the other's
    alone = cross_validate(replace(p, settings=res.configurations[0].settings), 3)
    assert [r.metric("val_accuracy") for r in res.configurations[0].records] == \
        pytest.approx(list(alone.values()))
    v = res.verdicts_vs_first[1]
    assert v.test == "corrected resampled t-test, paired by fold" and "over the same 3 folds" in v.text
    text = "\n".join(res.summary_text())
    assert "seed" not in text and ("fold-to-fold noise" in text or "The folds" in text), text
    assert res.to_json()["folds"] == 3 and res.to_json()["configurations"][0]["seeds"][2]["fold"] == 3


def test_folds_train_on_the_host_engine_until_their_time_there_would_pass_a_compile(tf_loaded,
                                                                                    monkeypatch):
    """Issue 18: a fold whose program is not compiled starts at once on the host engine, as a
    first run does; the folds compile their program only when the last fold's time on the host
    engine, times the folds left, would be more than a long run's rule (``COMPILE_BEHIND_S``).
    Either way a fold's figures are the run that fold gives."""
    from nnstudio.core.training import engine

    p = study(80)
    p.spec = NetworkSpec([LayerSpec.dense(5, "tanh")])  # a network no other test here compiles
    trainers = []
    short = cross_validate(p, 4, trainer_made=trainers.append)
    assert [t.ran_host for t in trainers] == [True] * 4  # 15 epochs of 60 rows: no compile
    assert all(t.host_seconds > 0 for t in trainers)
    # where the folds left would take longer on the host engine than that, they compile
    monkeypatch.setattr(engine, "COMPILE_BEHIND_S", 0.0)
    p.spec = NetworkSpec([LayerSpec.dense(6, "tanh")])
    trainers.clear()
    long = cross_validate(p, 4, trainer_made=trainers.append)
    assert [t.ran_host for t in trainers] == [True, False, False, False]
    assert [r.path for r, _ in long.runs] == ["host", "fast", "fast", "fast"]
    # the same folds' figures whichever engine trained them (float rounding)
    monkeypatch.setattr(engine, "COMPILE_BEHIND_S", 1e9)
    again = cross_validate(p, 4)
    assert [r.path for r, _ in again.runs] == ["fast"] * 4  # compiled above: no host run now
    assert list(again.values()) == pytest.approx(list(long.values()))
    assert len(short.folds) == 4
