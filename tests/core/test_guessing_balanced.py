"""Better than guessing, for a rare class: a network that trades accuracy for finding the rare
class (balanced class weights, the coach's own fix) is judged by its balanced accuracy, and one
that names no rare row but ranks them is told so."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from make_fraud import fraud  # tests/data (on the path: conftest.py)

from nnstudio.core.coach import apply_fix, diagnose
from nnstudio.core.data import Dataset
from nnstudio.core.guessing import (
    balanced_test,
    balanced_verdict,
    baseline,
    baseline_of_runs,
    ranks_above_chance,
)
from nnstudio.core.project import Project
from nnstudio.core.training.engine import Trainer, train_repeated


def test_answers_that_ignore_the_class_are_at_chance_and_answers_that_follow_it_are_above():
    y = np.array([1] * 30 + [0] * 970)
    ba, chance, m = balanced_test(y, np.zeros_like(y))  # always the most frequent class
    assert (ba, chance) == (0.5, 0.5) and m == pytest.approx(0.02)
    rng = np.random.default_rng(0)
    coin = (rng.random(y.size) < 0.3).astype(int)  # 'yes' for 30 % of rows, whatever the class
    ba, chance, m = balanced_test(y, coin)
    assert ba - chance < m
    follows = np.where(y == 1, rng.random(y.size) < 0.6, rng.random(y.size) < 0.3).astype(int)
    ba, chance, m = balanced_test(y, follows)  # recall 0.6 on 'yes', 0.7 on 'no'
    assert ba - chance > m and 0.55 < ba < 0.8
    assert balanced_test(y, follows, n_eff=200)[2] == pytest.approx(m * 5 ** 0.5)  # rows in groups count as fewer


def test_a_ranking_is_clearly_above_chance_only_on_rows_enough():
    y = np.array([1] * 30 + [0] * 970)
    assert ranks_above_chance(0.706, y) and not ranks_above_chance(0.55, y)
    assert not ranks_above_chance(0.706, y[-60:].tolist() + [1, 1, 1])  # 3 'yes' rows: no telling
    assert not ranks_above_chance(None, y)


@pytest.fixture(scope="module")
def payments():
    p = Project.from_dataset(Dataset(fraud(), "fraud.csv"), "fraud")
    return p, p.prepare()


def test_the_coachs_class_weights_fix_is_not_called_no_better_than_guessing(payments):
    """3 % fraud: the default network answers 'no' for every row, is no better than guessing, and
    the coach offers balanced class weights. Its run scored accuracy 0.706 (it finds the fraud at
    the cost of some false alarms) and was told "No better than guessing: test accuracy 0.706 is
    not clearly above 0.970": the app's own fix, called worse than nothing. Its balanced accuracy
    is clearly above what answers that ignore the inputs score, and the verdict says so."""
    p, data = payments
    first = Trainer(data, p.spec, p.settings).run()
    base = baseline(data, first)
    assert not base["better_than_guessing"] and base["verdict"].startswith("No better than guessing")
    # it names no fraud, but its probabilities rank the rows: said, with what turns that into answers
    assert "rank the rows better than chance (ROC AUC 0." in base["verdict"], base["verdict"]
    fix = next(f for f in diagnose(data, p.spec, p.settings, first) if f.code == "majority_class").fix
    spec, settings = apply_fix(p.spec, p.settings, fix)
    assert settings.class_weight == "balanced"
    fixed = Trainer(data, spec, settings).run()
    base = baseline(data, fixed)
    assert base["accuracy"] < base["majority_accuracy"]
    assert base["better_than_guessing"], base["verdict"]
    assert base["verdict"].startswith("Better than guessing at telling the classes apart: balanced "
                                      f"accuracy {base['balanced_accuracy']:.3f}")
    assert (f"Its accuracy, {base['accuracy']:.3f}, is below the {base['majority_accuracy']:.3f} of "
            "always answering 'no': it gives up right 'no' answers to find more 'yes' rows") in base["verdict"]
    assert "majority_class" not in {f.code for f in diagnose(data, spec, settings, fixed)}
    runs = train_repeated(data, spec, replace(settings, epochs=20), 3)["runs"]
    many = baseline_of_runs(data, runs)
    assert many["better_than_guessing"] and "mean over 3 runs" in many["verdict"], many["verdict"]


def test_the_balanced_verdict_says_a_trade_only_where_accuracy_fell():
    below = balanced_verdict(0.64, 0.5, 0.706, 0.970, "no", "the 1,000 test rows", "yes")
    assert below.endswith("is below the 0.970 of always answering 'no': it gives up right 'no' "
                          "answers to find more 'yes' rows (Evaluation: each class's recall).")
    level = balanced_verdict(0.64, 0.5, 0.972, 0.970, "no", "the 1,000 test rows", "yes")
    assert level.endswith("Its accuracy, 0.972, is not clearly above the 0.970 of always answering 'no'.")
