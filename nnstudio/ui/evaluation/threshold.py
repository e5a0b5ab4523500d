"""Two classes: at which probability to call it? ROC and precision-recall curves with the current
operating point, a threshold slider that updates the confusion matrix and precision / recall / F1
live, and a calibration (reliability) plot. The chosen threshold is the project's
(``Project.threshold``: saved with it, used by predictions and exports)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import threshold as th
from nnstudio.core.errors import NNStudioError
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.common.plots import plain_numbers, thinned
from nnstudio.ui.common.when_shown import ComputedWhenShown
from nnstudio.ui.evaluation.widgets import ConfusionMatrixView

STEPS = 1000
COMMIT_MS = 400  # the project takes the threshold once the slider rests this long


def _plot(title: str, xlabel: str, ylabel: str) -> pg.PlotWidget:
    p = pg.PlotWidget(background="w")
    p.showGrid(x=True, y=True, alpha=0.25)
    pi = p.getPlotItem()
    pi.setTitle(title, size="9pt")
    pi.setLabel("bottom", xlabel)
    pi.setLabel("left", ylabel)
    plain_numbers(pi)
    p.setRange(xRange=(0, 1), yRange=(0, 1))
    p.setMouseEnabled(x=False, y=False)
    return p


class ThresholdView(ComputedWhenShown, QWidget):
    """Its curves are computed when the tab is seen (ComputedWhenShown): on 640,000 rows they take
    most of a second, which every evaluation of a live run would otherwise pay on the GUI thread."""

    threshold_chosen = Signal(float)  # the user settled on a threshold (for the project)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.y = None
        self.score = None
        self.classes: list = []
        self.curves: th.Curves | None = None
        self.current: th.ThresholdMetrics | None = None
        self._filling = FillGuard()
        self._commit = QTimer(self, singleShot=True, interval=COMMIT_MS)
        self._commit.timeout.connect(self._emit_chosen)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, STEPS)
        self.slider.setToolTip("P(second class) above the threshold predicts the second class.")
        self.spin = QDoubleSpinBox()
        self.spin.setRange(0.0, 1.0)
        self.spin.setDecimals(3)
        self.spin.setSingleStep(0.01)
        self.best_f1 = QPushButton("Best F1")
        self.best_f1.setToolTip("The threshold with the highest F1 of the second class on these rows.")
        self.best_bal = QPushButton("Best balanced accuracy")
        self.reset = QPushButton("0.5")
        self.reset.setToolTip("Back to the default threshold.")
        row = QHBoxLayout()
        self.label = QLabel("Threshold")
        row.addWidget(self.label)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Suggest:"))
        row2.addWidget(self.best_f1)
        row2.addWidget(self.best_bal)
        row2.addWidget(self.reset)
        row2.addStretch(1)
        self.figures = QLabel("")
        self.figures.setWordWrap(True)
        self.figures.setTextFormat(Qt.TextFormat.RichText)
        self.confusion = ConfusionMatrixView()
        self.roc = _plot("ROC curve", "false positive rate", "true positive rate")
        self.pr = _plot("Precision-recall curve", "recall", "precision")
        self.cal = _plot("Calibration: predicted vs observed", "mean predicted probability",
                         "share of positives")
        grid = QGridLayout()
        grid.addWidget(self.roc, 0, 0)
        grid.addWidget(self.pr, 0, 1)
        grid.addWidget(self.confusion, 1, 0)
        grid.addWidget(self.cal, 1, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addLayout(row2)
        lay.addWidget(self.figures)
        lay.addLayout(grid, 1)
        self.slider.valueChanged.connect(self._on_slider)
        self.spin.valueChanged.connect(self._on_spin)
        self.best_f1.clicked.connect(lambda: self._suggest("f1"))
        self.best_bal.clicked.connect(lambda: self._suggest("balanced_accuracy"))
        self.reset.clicked.connect(lambda: self.set_threshold(0.5, commit=True))
        self.roc_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush("#d62728"), pen=pg.mkPen("w"))
        self.pr_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush("#d62728"), pen=pg.mkPen("w"))
        self.show_rows(None, None, [], 0.5, "")

    # ----- data ---------------------------------------------------------------------------------
    def show_rows(self, y, score, classes: list, threshold: float, rows_label: str) -> None:
        """The rows' true class codes and P(second class); ``threshold`` is the project's. Drawn
        now if the tab is on screen, else the next time it is."""
        self.y = None if y is None else np.asarray(y, int)
        self.score = None if score is None else np.asarray(score, float)
        self.classes = list(classes)
        self._shown_at, self.rows_label = float(threshold), rows_label
        self.curves = None
        self.request_compute()

    def compute(self) -> None:
        self._stale = False
        threshold = self._shown_at
        for p in (self.roc, self.pr, self.cal):
            p.clear()
        self.curves = None
        has = self.y is not None and len(self.y) > 0
        for w in (self.slider, self.spin, self.best_f1, self.best_bal, self.reset):
            w.setEnabled(has)
        if not has:
            self.figures.setText("<i>For two-class tasks: train the network to choose its threshold.</i>")
            self.confusion.setRowCount(0)
            return
        try:
            cv = th.curves(self.y, self.score)
        except NNStudioError as e:
            self.figures.setText(f"<span style='color:#b00'>{e.user_text()}</span>")
            return
        self.curves = cv
        diag = pg.mkPen("#999", style=Qt.PenStyle.DashLine)
        self.roc.plot([0, 1], [0, 1], pen=diag)
        self.roc.plot(*thinned(cv.fpr, cv.tpr), pen=pg.mkPen("#1f77b4", width=2))
        self.roc.getPlotItem().setTitle(f"ROC: AUC {cv.roc_auc:.3f}", size="9pt")
        self.pr.plot([0, 1], [cv.positive_rate] * 2, pen=diag)
        self.pr.plot(*thinned(cv.recall, cv.precision), pen=pg.mkPen("#1f77b4", width=2))
        self.pr.getPlotItem().setTitle(f"Precision-recall: AP {cv.average_precision:.3f}", size="9pt")
        self.cal.plot([0, 1], [0, 1], pen=diag)
        self.cal.plot(cv.prob_pred, cv.prob_true, pen=pg.mkPen("#2ca02c", width=2), symbol="o",
                      symbolSize=7, symbolBrush="#2ca02c")
        self.cal.getPlotItem().setTitle(f"Calibration: Brier {cv.brier:.3f}", size="9pt")
        self.roc.addItem(self.roc_marker)
        self.pr.addItem(self.pr_marker)
        for p in (self.roc, self.pr, self.cal):
            p.setRange(xRange=(0, 1), yRange=(0, 1))
        pos = self.classes[1] if len(self.classes) > 1 else "1"
        self.label.setText(f"P({pos!s}) above")
        self.set_threshold(threshold, commit=False)

    # ----- threshold ----------------------------------------------------------------------------
    def threshold(self) -> float:
        return float(self.spin.value())

    def set_threshold(self, t: float, commit: bool = False) -> None:
        with self._filling:
            self.spin.setValue(float(t))
            self.slider.setValue(int(round(float(t) * STEPS)))
        self._update()
        if commit:
            self._emit_chosen()

    @Slot(int)
    def _on_slider(self, v: int) -> None:
        if self._filling:
            return
        with self._filling:
            self.spin.setValue(v / STEPS)
        self._update()
        self._commit.start()

    @Slot(float)
    def _on_spin(self, v: float) -> None:
        if self._filling:
            return
        with self._filling:
            self.slider.setValue(int(round(v * STEPS)))
        self._update()
        self._commit.start()

    def _suggest(self, criterion: str) -> None:
        if self.y is not None:
            self.set_threshold(th.best_threshold(self.y, self.score, criterion), commit=True)

    @Slot()
    def _emit_chosen(self) -> None:
        self._commit.stop()
        self.threshold_chosen.emit(self.threshold())

    def _update(self) -> None:
        if self.y is None or not len(self.y) or self.curves is None:
            return
        t = self.threshold()
        m = th.metrics_at(self.y, self.score, t)
        self.current = m
        self.confusion.show_matrix(m.confusion, self.classes)
        tn, fp = m.confusion[0]
        fn, tp = m.confusion[1]
        fpr = fp / (fp + tn) if fp + tn else 0.0
        self.roc_marker.setData([fpr], [m.recall])
        self.pr_marker.setData([m.recall], [m.precision if tp + fp else 1.0])
        pos = self.classes[1] if len(self.classes) > 1 else "1"
        self.figures.setText(
            f"On the {getattr(self, 'rows_label', 'rows')}, at <b>{t:.3f}</b>: precision "
            f"<b>{m.precision:.3f}</b> (of the rows called {pos!s}, this share "
            f"is {pos!s}), recall <b>{m.recall:.3f}</b> (of the {pos!s} rows, this share is found), "
            f"F1 <b>{m.f1:.3f}</b> · accuracy {m.accuracy:.3f}, balanced accuracy {m.balanced_accuracy:.3f}, "
            f"specificity {m.specificity:.3f}. {int(tp + fp):,} rows called {pos!s}.")
