"""Two-class decisions: ROC and precision-recall curves, calibration, and the decision threshold.

A two-class network outputs P(second class); the *threshold* turns it into a decision (above it:
the second class). 0.5 is only a default: when a missed positive costs more than a false alarm
(churn, fraud, disease) a lower one is better. The threshold is saved in the project
(``Project.threshold``), used by ``nnstudio predict``/``evaluate`` and written into an exported
model's metadata and training script. The curves come from scikit-learn's metrics.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import SettingsError
from nnstudio.core.evaluate import DEFAULT_THRESHOLD, class_probabilities, confusion_matrix, per_class_scores
from nnstudio.core.model.spec import Task
from nnstudio.core.ranking import ClassFigures, one_vs_rest
from nnstudio.core.settings import check_threshold

__all__ = ["DEFAULT_THRESHOLD", "ClassFigures", "Curves", "ThresholdMetrics", "best_threshold",
           "check_threshold", "curves", "metrics_at", "one_vs_rest", "positive_score"]


def positive_score(out: np.ndarray, task: Task) -> np.ndarray:
    """P(second class) from a two-class network's outputs."""
    return class_probabilities(out, task)[:, 1]


@dataclass
class Curves:
    """Everything that does not depend on the threshold, for one set of rows."""

    fpr: np.ndarray
    tpr: np.ndarray
    roc_thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    pr_thresholds: np.ndarray
    roc_auc: float
    average_precision: float
    prob_pred: np.ndarray  # calibration: mean predicted probability per bin
    prob_true: np.ndarray  # ... and the share of positives in it
    bin_counts: np.ndarray
    brier: float
    positive_rate: float  # share of positives (the PR curve's chance level)


def curves(y_true, score, n_bins: int = 10) -> Curves:
    """ROC, precision-recall and calibration (reliability) curves of a positive-class score. The
    ROC AUC and average precision are read off the curves, as scikit-learn's ``roc_auc_score`` and
    ``average_precision_score`` compute them (each sorts the rows again: a second on a million)."""
    from sklearn import metrics as m  # noqa: PLC0415 -- lazy: scikit-learn loads only when this runs, not at start-up
    from sklearn.calibration import calibration_curve  # noqa: PLC0415 -- lazy: scikit-learn loads only when this runs, not at start-up

    y = np.asarray(y_true).astype(int)
    s = np.asarray(score, np.float64)
    if len(np.unique(y)) < 2:
        raise SettingsError("The curves need rows of both classes.", "Evaluate on more rows.")
    fpr, tpr, rt = m.roc_curve(y, s)
    prec, rec, pt = m.precision_recall_curve(y, s)
    prob_true, prob_pred = calibration_curve(y, s, n_bins=n_bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.bincount(np.clip(np.searchsorted(edges[1:-1], s, side="right"), 0, n_bins - 1),
                         minlength=n_bins)
    average_precision = -float(np.sum(np.diff(rec) * prec[:-1]))
    return Curves(fpr, tpr, rt, prec, rec, pt, float(m.auc(fpr, tpr)), average_precision,
                  prob_pred, prob_true, counts[counts > 0], float(np.mean((s - y) ** 2)), float(y.mean()))


@dataclass
class ThresholdMetrics:
    threshold: float
    confusion: np.ndarray  # 2 x 2 counts, rows: true class, columns: predicted class
    precision: float
    recall: float
    f1: float
    accuracy: float
    balanced_accuracy: float
    specificity: float

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "precision": self.precision, "recall": self.recall,
                "f1": self.f1, "accuracy": self.accuracy, "balanced_accuracy": self.balanced_accuracy,
                "specificity": self.specificity, "confusion_matrix": self.confusion.astype(int).tolist()}


def metrics_at(y_true, score, threshold: float) -> ThresholdMetrics:
    """Decision figures when P(second class) above ``threshold`` predicts the second class
    (precision / recall / F1 of the second class with scikit-learn's definitions and
    zero_division=0), counted in NumPy: the Threshold tab's slider asks on every move."""
    t = check_threshold(threshold)
    y = np.asarray(y_true).astype(int)
    pred = (np.asarray(score, np.float64) > t).astype(int)
    cm = confusion_matrix(y, pred, 2)
    (tn, fp), (fn, tp) = cm
    second = per_class_scores(cm, [0, 1])[1]
    spec = float(tn / (tn + fp)) if tn + fp else 0.0
    return ThresholdMetrics(
        t, cm, second.precision, second.recall, second.f1,
        float((tp + tn) / len(y)) if len(y) else 0.0,
        0.5 * (second.recall + spec) if tp + fn and tn + fp else 0.0, spec)


def best_threshold(y_true, score, criterion: str = "f1") -> float:
    """The threshold that maximizes ``criterion`` (f1 or balanced_accuracy) over the distinct
    scores: every decision at once, from the rows sorted by score (a million rows, a million
    candidate thresholds, under a second)."""
    if criterion not in ("f1", "balanced_accuracy"):
        raise SettingsError(f"Unknown criterion '{criterion}'.", "Use f1 or balanced_accuracy.")
    y = np.asarray(y_true).astype(int)
    s = np.asarray(score, np.float64)
    u = np.unique(s)
    # every distinct decision: halfway between neighbouring scores (and 0.5, the default)
    cands = np.unique(np.r_[(u[:-1] + u[1:]) / 2, DEFAULT_THRESHOLD,
                            max(float(u[0]) - 1e-6, 0.0) if len(u) else 0.0])
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    order = np.argsort(-s, kind="stable")
    tp_cum = np.r_[0, np.cumsum(pos[order])]
    k = np.searchsorted(-s[order], -cands, side="left")  # rows with score > t, per candidate
    tp = tp_cum[k]
    fp = k - tp
    if criterion == "f1":
        v = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + (n_pos - tp), 1), 0.0)
    else:
        v = 0.5 * ((tp / n_pos if n_pos else 0.0) + ((n_neg - fp) / n_neg if n_neg else 0.0))
    v = np.broadcast_to(v, cands.shape)
    return float(cands[np.flatnonzero(v >= v.max() - 1e-12)[0]])
