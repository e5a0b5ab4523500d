"""Scores of a ranking (how well a score orders the rows of one class above the others): ROC AUC,
average precision, the ROC curve, and each class against the rest for more than two classes.
Plain NumPy, scikit-learn's values (the tests hold them to it); :mod:`nnstudio.core.evaluate`
uses them for its figures and :mod:`nnstudio.core.threshold` for its curves."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _curve(pos: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One sort of the rows by falling score: false and true positive rates from (0, 0) at the last
    row of each distinct score (ties step together), and the true and false positives there."""
    order = np.argsort(-s)
    last = np.r_[np.flatnonzero(np.diff(s[order])), len(s) - 1] if len(s) else np.array([], int)
    tps = np.cumsum(pos[order])[last].astype(np.float64)
    fps = (last + 1) - tps
    n_pos = int(pos.sum())
    return np.r_[0.0, fps / max(len(s) - n_pos, 1)], np.r_[0.0, tps / max(n_pos, 1)], tps, fps


def _scorable(pos: np.ndarray, s: np.ndarray) -> bool:
    """Rows of both kinds, and every score a number (not a diverged net's)."""
    return 0 < int(pos.sum()) < pos.size and bool(np.all(np.isfinite(s)))


def _area(fpr: np.ndarray, tpr: np.ndarray) -> float:
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # trapezoids: ties averaged


def auc_and_ap(positive, score) -> tuple[float, float]:
    """ROC AUC and average precision (PR AUC) of ``score`` for the rows where ``positive`` is
    true, as scikit-learn's ``roc_auc_score`` and ``average_precision_score`` give them, from one
    sort of the rows (a tenth of a second on 640,000: the ten classes of a digits-sized file one
    against the rest, where a rank per class and scikit-learn's two passes took 0.9 and 3.7 s).
    NaN, NaN when the rows hold one class only, or a score is not a number (a diverged net)."""
    pos, s = np.asarray(positive, bool), np.asarray(score, np.float64)
    if not _scorable(pos, s):
        return float("nan"), float("nan")
    fpr, tpr, tps, fps = _curve(pos, s)
    return _area(fpr, tpr), float(np.sum(np.diff(tpr) * tps / (tps + fps)))  # recall steps x precision


def roc_auc_and_curve(positive, score) -> tuple[float, tuple[np.ndarray, np.ndarray] | None]:
    """The area under the ROC curve (the Mann-Whitney statistic, ties averaged) and the curve,
    false and true positive rates at every distinct threshold from (0, 0) to (1, 1), from one
    sort (a two-class evaluation reads both); NaN and no curve where the AUC is not defined (one
    class only, a score that is not a number)."""
    pos, s = np.asarray(positive, bool), np.asarray(score, np.float64)
    if not _scorable(pos, s):
        return float("nan"), None
    fpr, tpr, _, _ = _curve(pos, s)
    return _area(fpr, tpr), (fpr, tpr)


@dataclass
class ClassFigures:
    """More than two classes: each class against the rest (one-vs-rest), as scikit-learn's
    ``roc_auc_score(..., multi_class="ovr")`` scores them. A class with no rows (or only its rows)
    among these has no curve: its figures are NaN and it is left out of the macro average."""

    classes: list
    rows: list[int]  # rows of each class
    roc_auc: list[float]
    average_precision: list[float]

    @property
    def scored(self) -> list[int]:
        """The classes with figures (rows of it and of the others)."""
        return [i for i, a in enumerate(self.roc_auc) if np.isfinite(a)]

    @property
    def macro_roc_auc(self) -> float:
        """The unweighted mean ROC AUC over the scored classes (NaN when none is)."""
        return float(np.mean([self.roc_auc[i] for i in self.scored])) if self.scored else float("nan")


def one_vs_rest(y_true, proba, classes: list | None = None) -> ClassFigures:
    """ROC AUC and average precision of each class's probability (column ``k`` of ``proba``)
    against the rows' true class codes ``y_true`` being ``k``; the curves of one class are
    ``threshold.curves(y_true == k, proba[:, k])``."""
    y = np.asarray(y_true).astype(int)
    p = np.asarray(proba, np.float64)
    k = p.shape[1]
    figures = [auc_and_ap(y == c, p[:, c]) for c in range(k)]
    return ClassFigures(list(classes) if classes else list(range(k)),
                        [int(np.sum(y == c)) for c in range(k)],
                        [f[0] for f in figures], [f[1] for f in figures])
