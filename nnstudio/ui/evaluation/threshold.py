"""Two classes: at which probability to call it? ROC and precision-recall curves with the current
operating point, a threshold slider that updates the confusion matrix and precision / recall / F1
live, and a calibration (reliability) plot. The chosen threshold is the project's
(``Project.threshold``: saved with it, used by predictions and exports).

More classes: the network answers its most probable class, so there is no threshold to choose;
the tab ("ROC curves") shows each class against the rest instead: a table of every class's ROC AUC
and PR AUC with their macro average, and the selected class's three curves."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import threshold as th
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.common.plots import plain_numbers, thinned
from nnstudio.ui.common.when_shown import ComputedWhenShown
from nnstudio.ui.evaluation.widgets import ConfusionMatrixView, fmt

STEPS = 1000
COMMIT_MS = 400  # the project takes the threshold once the slider rests this long
#: A class with fewer rows than this in the rows shown is said to be too few for its curves.
FEW_CLASS_ROWS = 10


def _plot(title: str, xlabel: str, ylabel: str) -> pg.PlotWidget:
    p = pg.PlotWidget(background="w")
    p.showGrid(x=True, y=True, alpha=0.25)
    pi = p.getPlotItem()
    pi.setTitle(title, size="9pt")
    pi.setLabel("bottom", xlabel)
    pi.setLabel("left", ylabel)
    pi.layout.setContentsMargins(1, 1, 10, 1)  # the last tick's label is drawn whole
    plain_numbers(pi)
    # 0 … 1 on both axes, labelled at the ends and the middle (left to itself, pyqtgraph dropped
    # the "1.0" of a plot 194 pixels wide at 1280 x 720), a grid line every tenth
    tenths = [(i / 10, "") for i in range(11) if i not in (0, 5, 10)]
    for side in ("bottom", "left"):
        pi.getAxis(side).setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], tenths])
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
        self.tune: tuple | None = None  # (codes, P(second class), label) a suggestion is chosen on
        self._suggested = ""  # what the figures say of a suggested threshold, until moved by hand
        self._suggested_at = -1.0
        self.proba = None  # more than two classes: every class's probability (rows x classes)
        self.classes: list = []
        self.per_class: th.ClassFigures | None = None
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
        self.best_f1.setToolTip("The threshold with the highest F1 of the second class on the "
                                "validation rows (else the training rows): not on the rows it is "
                                "judged on, whose figures it would flatter.")
        self.best_bal = QPushButton("Best balanced accuracy")
        self.best_bal.setToolTip("The threshold with the highest balanced accuracy on the validation "
                                 "rows (else the training rows).")
        self.reset = QPushButton("0.5")
        self.reset.setToolTip("Back to the default threshold.")
        row = QHBoxLayout()
        self.label = QLabel("Threshold")
        row.addWidget(self.label)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        row2 = QHBoxLayout()
        self.suggest_label = QLabel("Suggest:")
        row2.addWidget(self.suggest_label)
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
        self.cal = _plot("Calibration: predicted vs observed", "predicted probability",
                         "share of positives")
        self.class_table = QTableWidget(0, 4)
        self.class_table.setHorizontalHeaderLabels(["class", "rows", "ROC\nAUC", "PR\nAUC"])
        self.class_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.class_table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.class_table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.class_table.verticalHeader().hide()
        self.class_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.class_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.class_table.horizontalHeader().setMinimumSectionSize(20)
        self.class_table.setToolTip("Each class against the rest: select one to draw its curves.")
        self.class_table.hide()
        grid = QGridLayout()
        grid.addWidget(self.roc, 0, 0)
        grid.addWidget(self.pr, 0, 1)
        grid.addWidget(self.confusion, 1, 0)
        grid.addWidget(self.class_table, 1, 0)
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
        self.reset.clicked.connect(self._reset)
        self.class_table.itemSelectionChanged.connect(self._on_class)
        self.roc_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush("#d62728"), pen=pg.mkPen("w"))
        self.pr_marker = pg.ScatterPlotItem(size=11, brush=pg.mkBrush("#d62728"), pen=pg.mkPen("w"))
        self.show_rows(None, None, [], 0.5, "")

    # ----- data ---------------------------------------------------------------------------------
    def show_rows(self, y, score, classes: list, threshold: float, rows_label: str,
                  tune: tuple | None = None) -> None:
        """The rows' true class codes and P(second class); ``threshold`` is the project's. Drawn
        now if the tab is on screen, else the next time it is. ``tune``: (codes, P(second class),
        label) of the rows a suggested threshold is chosen on (None: these rows themselves)."""
        self.tune = None if tune is None or not len(tune[0]) else (
            np.asarray(tune[0], int), np.asarray(tune[1], float), tune[2])
        if not self._suggested or abs(float(threshold) - self._suggested_at) > 0.5 / STEPS:
            self._suggested = ""  # (kept when the figures come back at the suggested threshold)
        self.y = None if y is None else np.asarray(y, int)
        self.score = None if score is None else np.asarray(score, float)
        self.proba = None
        self.classes = list(classes)
        self._shown_at, self.rows_label = float(threshold), rows_label
        self.curves = None
        self.request_compute()

    @staticmethod
    def title(task) -> str:
        """The tab's name for a task: a threshold to choose for two classes, curves for more."""
        return "ROC curves" if task is Task.MULTICLASS else "Threshold"

    def show_evaluation(self, e, threshold: float, splits: dict | None = None) -> None:
        """One split's :class:`~nnstudio.core.evaluate.Evaluation` of a classifier (a
        regression's, or one without rows, leaves the view as it is); ``splits``: every split's,
        of which a suggested threshold is chosen on the validation rows, else the training rows."""
        splits = splits or {}
        tune = next((splits[k] for k in ("val", "train") if splits.get(k) is not None and splits[k].n), None)
        if e.task is Task.BINARY and e.n:
            rows = None if tune is None or tune is e else (
                tune.y_true, th.positive_score(tune.output, tune.task), f"{tune.label} rows")
            self.show_rows(e.y_true, th.positive_score(e.output, e.task), e.classes, threshold,
                           f"{e.label} rows", rows)
        elif e.task is Task.MULTICLASS and e.n and e.one_vs_rest is not None:
            self.show_classes(e.y_true, e.output, e.one_vs_rest, f"{e.label} rows")

    def show_classes(self, y, proba, figures: th.ClassFigures, rows_label: str) -> None:
        """More than two classes: the rows' true class codes, every class's probability and each
        class's figures against the rest (the evaluation's, computed on its worker)."""
        self.y, self.score = np.asarray(y, int), None
        self.proba = np.asarray(proba, float)
        self.per_class = figures
        self.classes = list(figures.classes)
        self.rows_label = rows_label
        self.curves = None
        self.request_compute()

    @property
    def multi(self) -> bool:
        return self.proba is not None

    def _set_mode(self, has: bool) -> None:
        """The threshold's controls for two classes, the class table for more."""
        for w in (self.label, self.slider, self.spin, self.suggest_label, self.best_f1,
                  self.best_bal, self.reset):
            w.setVisible(not self.multi)
            w.setEnabled(has)
        self.confusion.setVisible(not self.multi)
        self.class_table.setVisible(self.multi)

    def compute(self) -> None:
        self._stale = False
        threshold = self._shown_at
        for p in (self.roc, self.pr, self.cal):
            p.clear()
        self.curves = None
        has = self.y is not None and len(self.y) > 0
        self._set_mode(has)
        if not has:
            self.figures.setText("<i>For two-class tasks: train the network to choose its threshold.</i>")
            self.confusion.setRowCount(0)
            return
        if self.multi:
            self._fill_classes()
            return
        try:
            cv = th.curves(self.y, self.score)
        except NNStudioError as e:
            self.figures.setText(f"<span style='color:#b00'>{e.user_text()}</span>")
            return
        self._draw(cv)
        self.roc.addItem(self.roc_marker)
        self.pr.addItem(self.pr_marker)
        pos = self.classes[1] if len(self.classes) > 1 else "1"
        self.label.setText(f"P({pos!s}) above")
        self.set_threshold(threshold, commit=False)

    def _draw(self, cv: th.Curves) -> None:
        """The three curves of one positive class (the second, or one class against the rest)."""
        self.curves = cv
        diag = pg.mkPen("#999", style=Qt.PenStyle.DashLine)
        self.roc.plot([0, 1], [0, 1], pen=diag)
        self.roc.plot(*thinned(cv.fpr, cv.tpr), pen=pg.mkPen("#1f77b4", width=2))
        self.roc.getPlotItem().setTitle(f"ROC: AUC {cv.roc_auc:.3f}", size="9pt")
        self.pr.plot([0, 1], [cv.positive_rate] * 2, pen=diag)
        self.pr.plot(*thinned(cv.recall, cv.precision), pen=pg.mkPen("#1f77b4", width=2))
        # (short: beside the ROC curve at 1280 x 720 a plot is 194 pixels wide, its title ~120)
        self.pr.getPlotItem().setTitle(f"PR curve: AP {cv.average_precision:.3f}", size="9pt")
        self.cal.plot([0, 1], [0, 1], pen=diag)
        self.cal.plot(cv.prob_pred, cv.prob_true, pen=pg.mkPen("#2ca02c", width=2), symbol="o",
                      symbolSize=7, symbolBrush="#2ca02c")
        # (two lines: on one, the title made the plot wider than its 194 pixels)
        self.cal.getPlotItem().setTitle(f"Calibration<br>Brier {cv.brier:.3f}", size="9pt")
        for p in (self.roc, self.pr, self.cal):
            p.setRange(xRange=(0, 1), yRange=(0, 1))

    # ----- more than two classes: one against the rest ---------------------------------------
    def _fill_classes(self) -> None:
        chosen = self.chosen_class()
        pc = self.per_class
        t = self.class_table
        with self._filling:
            t.setRowCount(len(pc.classes))
            for i, name in enumerate(pc.classes):
                for j, v in enumerate((str(name), f"{pc.rows[i]:,}", fmt(pc.roc_auc[i], 3),
                                       fmt(pc.average_precision[i], 3))):
                    item = QTableWidgetItem(v)  # a class without rows: "—"
                    if j:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    t.setItem(i, j, item)
        scored = pc.scored
        if not scored:
            self.figures.setText(f"<span style='color:#b00'>The {self.rows_label} hold one class "
                                 f"only: no class can be scored against the rest.</span> Evaluate "
                                 f"on another split.")
            return
        pick = chosen if chosen in scored else scored[0]
        t.selectRow(pick)  # draws it (_on_class)
        if self.curves is None:
            self._show_class(pick)

    def chosen_class(self) -> int | None:
        rows = self.class_table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    @Slot()
    def _on_class(self) -> None:
        k = self.chosen_class()
        if self._filling or k is None or self.per_class is None:
            return
        self._show_class(k)

    def _show_class(self, k: int) -> None:
        pc = self.per_class
        for p in (self.roc, self.pr, self.cal):
            p.clear()
        name = pc.classes[k]
        left = [str(pc.classes[i]) for i in range(len(pc.classes)) if i not in pc.scored]
        macro = (f"Macro-average ROC AUC over the {len(pc.scored)} classes: "
                 f"<b>{pc.macro_roc_auc:.3f}</b> (0.5: chance, 1: perfect)"
                 + (f"; left out, with no {self.rows_label} of their own: {', '.join(left)}" if left else "")
                 + ".")
        if not np.isfinite(pc.roc_auc[k]):
            self.curves = None
            self.figures.setText(f"Class {name!s} has no {self.rows_label}: no curve. {macro}")
            return
        self._draw(th.curves(self.y == k, self.proba[:, k]))
        few = ""
        if pc.rows[k] < FEW_CLASS_ROWS:  # 2 rows of quality 3: the curves are steps of half
            few = (f" <span style='color:#8a5a00'>Only {pc.rows[k]:,} {self.rows_label} are "
                   f"{name!s}: each moves its ROC AUC by up to {1 / pc.rows[k]:.2f}, and its "
                   f"curves step by as much; these figures say little of new rows.</span>")
        self.figures.setText(
            f"The network answers its most probable class; here <b>{name!s}</b> against the other "
            f"classes on the {self.rows_label}: ROC AUC <b>{pc.roc_auc[k]:.3f}</b>, PR AUC "
            f"<b>{pc.average_precision[k]:.3f}</b> ({pc.rows[k]:,} of {len(self.y):,} rows are "
            f"{name!s}).{few} {macro}")

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
        self._suggested = ""  # moved by hand
        with self._filling:
            self.spin.setValue(v / STEPS)
        self._update()
        self._commit.start()

    @Slot(float)
    def _on_spin(self, v: float) -> None:
        if self._filling:
            return
        self._suggested = ""  # moved by hand
        with self._filling:
            self.slider.setValue(int(round(v * STEPS)))
        self._update()
        self._commit.start()

    @Slot()
    def _reset(self) -> None:
        self._suggested = ""
        self.set_threshold(0.5, commit=True)

    def _suggest(self, criterion: str) -> None:
        """The best threshold by ``criterion``, chosen on the tuning rows: chosen on the rows shown,
        their figures at it would be tuned to them, higher than new rows would give."""
        if self.y is None or self.multi:
            return
        name = "Best F1" if criterion == "f1" else "Best balanced accuracy"
        if self.tune is not None:
            y, score, label = self.tune
            t = th.best_threshold(y, score, criterion)
            self._suggested = f" {name} on the {len(y):,} {label}: {t:.3f}."
        else:
            t = th.best_threshold(self.y, self.score, criterion)
            self._suggested = f" {name} chosen on these rows themselves: their figures flatter it."
        self._suggested_at = float(t)
        self.set_threshold(t, commit=True)

    @Slot()
    def _emit_chosen(self) -> None:
        self._commit.stop()
        self.threshold_chosen.emit(self.threshold())

    def _update(self) -> None:
        if self.y is None or not len(self.y) or self.curves is None or self.multi:
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
            + (f"<b>{m.precision:.3f}</b> (of the rows called {pos!s}, this share is {pos!s})"
               if tp + fp else f"<b>—</b> (no row is called {pos!s}: none to be right or wrong)")
            + f", recall <b>{m.recall:.3f}</b> (of the {pos!s} rows, this share is found), "
            f"F1 <b>{m.f1:.3f}</b> · accuracy {m.accuracy:.3f}, balanced accuracy {m.balanced_accuracy:.3f}, "
            f"specificity {m.specificity:.3f}. {int(tp + fp):,} rows called {pos!s}.{self._suggested}")
