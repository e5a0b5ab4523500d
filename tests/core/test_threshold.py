"""The two-class decision figures (core/threshold.py) are scikit-learn's, counted in NumPy so that
the Threshold tab's slider and its Best F1 / balanced-accuracy buttons stay live on big data (on
640,000 rows scikit-learn took 0.3 s a slider move, and Best F1 looped over every distinct score)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as m

from nnstudio.core import threshold as th


def _rows(n, share, seed, ties=False):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < share).astype(int)
    s = np.clip(0.3 * y + rng.normal(0.35, 0.2, n), 0, 1)
    if ties:
        s = np.round(s, 1)  # many rows on each score: decisions between the steps only
    return y, s


@pytest.mark.parametrize("n,share,seed,ties", [(300, 0.5, 0, False), (500, 0.1, 1, True),
                                               (50, 0.02, 2, False), (200, 0.9, 3, True)])
def test_figures_at_a_threshold_are_scikit_learns(n, share, seed, ties):
    y, s = _rows(n, share, seed, ties)
    for t in (0.0, 0.1, 0.3, 0.5, 0.7, 0.95, 1.0):
        got = th.metrics_at(y, s, t)
        pred = (s > t).astype(int)
        assert got.confusion.tolist() == m.confusion_matrix(y, pred, labels=[0, 1]).tolist()
        assert got.precision == pytest.approx(m.precision_score(y, pred, zero_division=0))
        assert got.recall == pytest.approx(m.recall_score(y, pred, zero_division=0))
        assert got.f1 == pytest.approx(m.f1_score(y, pred, zero_division=0))
        assert got.accuracy == pytest.approx(m.accuracy_score(y, pred))
        if len(np.unique(y)) == 2:  # one class only: 0 here (scikit-learn: that class's recall)
            assert got.balanced_accuracy == pytest.approx(m.balanced_accuracy_score(y, pred))


def test_one_class_only_gives_zeros_not_a_division_error():
    y = np.zeros(20, int)
    got = th.metrics_at(y, np.linspace(0, 1, 20), 0.5)
    assert got.recall == 0.0 and got.balanced_accuracy == 0.0 and got.specificity == pytest.approx(0.5)


@pytest.mark.parametrize("criterion,score", [("f1", m.f1_score), ("balanced_accuracy", m.balanced_accuracy_score)])
@pytest.mark.parametrize("seed,ties", [(0, False), (1, True), (5, False)])
def test_the_best_threshold_is_the_best_of_every_decision(criterion, score, seed, ties):
    y, s = _rows(400, 0.25, seed, ties)
    best = th.best_threshold(y, s, criterion)
    u = np.unique(s)
    every = np.r_[(u[:-1] + u[1:]) / 2, 0.5, max(u[0] - 1e-6, 0.0)]
    values = [score(y, (s > t).astype(int)) for t in every]
    assert score(y, (s > best).astype(int)) == pytest.approx(max(values))
    first = min(t for t, v in zip(every, values) if v >= max(values) - 1e-12)
    assert best == pytest.approx(first)  # of equally good thresholds, the lowest


def test_curves_area_and_average_precision_are_scikit_learns():
    y, s = _rows(1000, 0.3, 7, ties=True)
    cv = th.curves(y, s)
    assert cv.roc_auc == pytest.approx(m.roc_auc_score(y, s))
    assert cv.average_precision == pytest.approx(m.average_precision_score(y, s))
    assert cv.brier == pytest.approx(m.brier_score_loss(y, s))
    with pytest.raises(th.SettingsError):
        th.best_threshold(y, s, "accuracy")


def test_one_vs_rest_figures_are_scikit_learns_and_skip_a_class_without_rows():
    """More than two classes: each class against the rest, and the macro average that
    ``roc_auc_score(multi_class="ovr")`` gives; a class absent from the rows has no figures
    (scikit-learn raises there) and is left out of the average, not counted as 0 or 0.5."""
    rng = np.random.default_rng(4)
    y = rng.integers(0, 3, 400)
    logits = rng.normal(size=(400, 4)) + 1.5 * np.eye(4)[y]
    proba = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)  # class 3: no rows
    got = th.one_vs_rest(y, proba, ["a", "b", "c", "d"])
    assert got.rows == [int((y == k).sum()) for k in range(3)] + [0]
    assert got.scored == [0, 1, 2] and np.isnan(got.roc_auc[3]) and np.isnan(got.average_precision[3])
    for k in range(3):
        assert got.roc_auc[k] == pytest.approx(m.roc_auc_score(y == k, proba[:, k]))
        assert got.average_precision[k] == pytest.approx(m.average_precision_score(y == k, proba[:, k]))
    three = proba[:, :3] / proba[:, :3].sum(1, keepdims=True)  # rows summing to 1, as scikit-learn asks
    assert th.one_vs_rest(y, three).macro_roc_auc == pytest.approx(
        m.roc_auc_score(y, three, multi_class="ovr", average="macro"))
    assert got.macro_roc_auc == pytest.approx(np.mean(got.roc_auc[:3]))
    assert np.isnan(th.one_vs_rest(np.zeros(5, int), np.full((5, 3), 1 / 3)).macro_roc_auc)
