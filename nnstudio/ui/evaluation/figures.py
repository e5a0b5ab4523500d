"""The Evaluation tab's figures: computed on a worker, drawn as the metrics, confusion and chart views."""
from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import evaluate as core_eval
from nnstudio.core.baselines import leading_metrics
from nnstudio.core.errors import NNStudioError
from nnstudio.core.explain import forward_layers
from nnstudio.core.guessing import LOOSE_WIDTH, accuracy_interval
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.plots import plain_numbers, thinned
from nnstudio.ui.evaluation.widgets import ConfusionMatrixView, fmt

SPLIT_NAMES = {"train": "Training", "val": "Validation", "test": "Test"}


def compute_figures(net, data, loss_name: str | None, reg: float | None, threshold: float | None = None) -> dict:
    """Every split's figures, its leading metrics (scikit-learn's: a second and a half on a
    million rows) and predictions table (plain NumPy/Keras/scikit-learn: runs on a worker), and
    the network as :func:`numpy_net` gives it."""
    evals = core_eval.evaluate_all(net, data, loss_name, reg, threshold)
    tables = {s: core_eval.predictions_table(net, data, s, outputs=e.output, threshold=threshold)
              for s, e in evals.items()}
    lead = {s: leading_metrics(e, data.y_train) for s, e in evals.items()}
    return {"evals": evals, "tables": tables, "lead": lead, "numpy_net": numpy_net(net)}


def numpy_net(net):
    """``net`` (a Keras model, or forward layers) as NumPy forward layers, made on the figures'
    worker: the form predicts its row on the GUI thread, and a Keras call there waited for
    TensorFlow while a worker trained or compiled (monkey seed 49: the window froze 1.4 s after a
    Repeat). The model itself where a layer has no NumPy pass."""
    try:
        return forward_layers(net)
    except NNStudioError:
        return net


def reencoded(data, pre):
    """The splits of ``data`` encoded with another preprocessor (an opened model's own)."""
    enc = core_eval.transform_lenient
    return dataclasses.replace(
        data, preprocessor=pre,
        X_train=enc(pre, data.raw_train), y_train=pre.encode_target(data.raw_train[pre.target]),
        X_val=enc(pre, data.raw_val), y_val=pre.encode_target(data.raw_val[pre.target]),
        X_test=enc(pre, data.raw_test), y_test=pre.encode_target(data.raw_test[pre.target]))


class MetricsTable(QTableWidget):
    """Loss and metrics on each split, a row per split."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setFixedHeight(60)
        self.setToolTip("Loss and metrics on each split. The test rows were never used in training.")

    def show_results(self, results: dict[str, core_eval.Evaluation], task: Task, y_train,
                     leading: dict | None = None) -> None:
        """``results`` by split; ``y_train`` (the training targets) ranks the leading metrics;
        ``leading``: :func:`leading_metrics` of each split when a worker computed them."""
        lead = {}
        if task is Task.REGRESSION:
            cols = [("rows", None), ("loss", None), ("MAE", "mae"), ("RMSE", "rmse"), ("R²", "r2")]
        else:
            # issue 20: the figures that matter lead (imbalanced classes: balanced accuracy, F1, PR AUC)
            if leading is None:
                leading = {s: leading_metrics(e, y_train) for s, e in results.items()}
            lead = {s: {k: v for k, _label, v in leading[s]} for s in results}
            order = next(iter(leading.values()), [])
            cols = [("rows", None), ("loss", None)] + [(label, k) for k, label, _v in order]
        self.clear()
        self.setColumnCount(len(cols))
        # a long name on two lines: the columns share the width, and at 1280 x 720 "balanced
        # accuracy" was cut to "alanced accuracy"
        self.setHorizontalHeaderLabels([c[0] if len(c[0]) <= 10 else c[0].replace(" ", "\n", 1)
                                        for c in cols])
        for j, (name, _key) in enumerate(cols):
            self.horizontalHeaderItem(j).setToolTip(name)
        self.setRowCount(len(results))
        self.setVerticalHeaderLabels([SPLIT_NAMES[s] for s in results])
        for i, e in enumerate(results.values()):
            for j, (name, key) in enumerate(cols):
                v = e.n if name == "rows" else e.loss if name == "loss" else \
                    e.metrics.get(key, lead.get(_split_of(results, e), {}).get(key))
                item = QTableWidgetItem(f"{v:,}" if name == "rows" else fmt(v, key=key))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if key == "accuracy" and v is not None and e.n > 1:
                    item.setToolTip(interval_tip(float(v), e.n))
                self.setItem(i, j, item)
        # size hints, not the current sizes: while the tab is hidden the header has not been
        # laid out for its two-line names and the rows not sized to their contents
        h = self.horizontalHeader().sizeHint().height() + 2 * self.frameWidth()
        h += sum(max(self.rowHeight(i), self.verticalHeader().sectionSizeHint(i))
                 for i in range(self.rowCount()))
        self.setFixedHeight(h + 2)

    def clear_results(self) -> None:
        self.clear()
        self.setRowCount(0)
        self.setColumnCount(0)


def interval_tip(acc: float, n: int) -> str:
    """An accuracy's 95 % interval in words: 1.0000 on 8 rows is not 1.0000 on 2,000."""
    lo, hi = accuracy_interval(acc, n)
    loose = (" The figure is loose: too few rows to pin it down." if hi - lo > LOOSE_WIDTH else "")
    return (f"Accuracy {acc:.4f} on {n:,} rows: 95 % interval {lo:.3f}–{hi:.3f} (Wilson) for new "
            f"rows like these.{loose}")


def _split_of(results: dict, e) -> str | None:
    return next((s for s, x in results.items() if x is e), None)


def compact(layout) -> None:
    """Narrow margins in a box of the left column: at 1280 x 720 the default ones took 30 px
    from the ROC curve."""
    layout.setContentsMargins(6, 4, 6, 6)
    layout.setSpacing(4)


class ConfusionBox(QGroupBox):
    """The confusion matrix (counts and/or row %) and precision / recall / F1 per class."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Confusion matrix", parent)
        cm_lay = QVBoxLayout(self)
        compact(cm_lay)
        row = QHBoxLayout()
        row.addWidget(QLabel("Show"))
        self.cm_mode = QComboBox()
        for key, label in (("both", "counts and row %"), ("counts", "counts"),
                           ("normalized", "row % (each true class sums to 100 %)")):
            self.cm_mode.addItem(label, key)
        self.cm_mode.currentIndexChanged.connect(
            lambda _=0: self.confusion.set_mode(self.cm_mode.currentData()))
        row.addWidget(self.cm_mode)
        row.addStretch(1)
        cm_lay.addLayout(row)
        self.confusion = ConfusionMatrixView()
        cm_lay.addWidget(self.confusion, 3)
        self.per_class = QTableWidget()
        self.per_class.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.per_class.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.per_class.verticalHeader().hide()
        self.per_class.verticalHeader().setDefaultSectionSize(22)  # one line each, unlike the matrix
        cm_lay.addWidget(self.per_class, 2)

    def show_evaluation(self, e: core_eval.Evaluation) -> None:
        self.confusion.show_matrix(e.confusion, e.classes)
        self._fill_per_class(e)
        # the room shared as the two tables need it: a binary model's 2 x 2 matrix had more than
        # it needed while its per-class table hid the macro average behind a scroll bar
        need = [t.horizontalHeader().sizeHint().height() + 2 * t.frameWidth() + 2
                + sum(t.rowHeight(i) for i in range(t.rowCount()))
                for t in (self.confusion, self.per_class)]
        for t, n in zip((self.confusion, self.per_class), need):
            self.layout().setStretchFactor(t, max(1, n))
        # a few classes' scores are shown whole, without a scroll bar taking the columns' room
        self.per_class.setMinimumHeight(need[1] if self.per_class.rowCount() <= 4 else 0)

    def _fill_per_class(self, e) -> None:
        heads = ["class", "precision", "recall", "F1", "rows"]
        self.per_class.clear()
        self.per_class.setColumnCount(len(heads))
        self.per_class.setHorizontalHeaderLabels(heads)
        rows = [(str(c.label), c.precision, c.recall, c.f1, c.support) for c in e.per_class]
        mac = e.macro()
        if mac:
            rows.append(("macro avg", mac["precision"], mac["recall"], mac["f1"], e.n))
        self.per_class.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                item = QTableWidgetItem(v if j == 0 else f"{v:,}" if j == 4 else f"{v:.3f}")
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.per_class.setItem(i, j, item)
        # 0/0 is no score: a class never answered has no precision, one with no rows no recall
        for i, c in enumerate(e.per_class):
            for j, undefined, why in (
                    (1, c.no_precision, core_eval.never_answered_text([c.label])),
                    (2, c.no_recall, core_eval.no_rows_text([c.label]))):
                if undefined:
                    self.per_class.item(i, j).setText("—")
                    self.per_class.item(i, j).setToolTip(
                        f"{why} The macro average counts it as 0 (scikit-learn's zero_division=0).")
        if mac:
            self.per_class.item(len(rows) - 1, 0).setToolTip(
                "The mean over the classes, each class counting the same (macro average)")
            note = core_eval.undefined_note(e.per_class)
            if note:
                for j in (1, 2, 3):
                    self.per_class.item(len(rows) - 1, j).setToolTip(note)
        # the labels' column as wide as its longest ("average (macro)" was cut to "average")
        # ("macro avg", as in scikit-learn's classification report, leaves "precision" its room)
        self.per_class.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents)

    def clear_figures(self) -> None:
        self.confusion.clear()
        self.confusion.setRowCount(0)
        self.confusion.setColumnCount(0)
        self.confusion.counts = None
        self.per_class.clear()
        self.per_class.setRowCount(0)


class ChartBox(QGroupBox):
    """The split's chart: predicted vs actual (regression) or the ROC curve (binary)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Chart", parent)
        ch_lay = QVBoxLayout(self)
        compact(ch_lay)
        self.chart = pg.PlotWidget(background="w")
        self.chart.showGrid(x=True, y=True, alpha=0.25)
        ch_lay.addWidget(self.chart)

    def draw(self, e: core_eval.Evaluation, target: str) -> None:
        c = self.chart
        c.clear()
        pi = c.getPlotItem()
        if e.task is Task.REGRESSION:
            self.setTitle(f"Predicted vs actual {target} ({e.label} rows)")
            y, p = np.asarray(e.y_true, float), np.asarray(e.y_pred, float)
            ok = np.isfinite(p)
            if ok.any():
                lo = float(min(y.min(), p[ok].min()))
                hi = float(max(y.max(), p[ok].max()))
                c.plot([lo, hi], [lo, hi], pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
            c.addItem(pg.ScatterPlotItem(y[ok], p[ok], size=5, pen=None,
                                         brush=pg.mkBrush(31, 119, 180, 140)))
            pi.setLabel("bottom", f"actual {target}")
            pi.setLabel("left", f"predicted {target}")
            plain_numbers(pi)
            pi.setTitle(f"R² {fmt(e.metrics.get('r2'), key='r2')}, MAE {fmt(e.metrics.get('mae'))}", size="9pt")
            # the ROC curve's fixed 0..1 range (setRange turns auto-range off) would otherwise
            # stay, and a regression model after a classifier showed empty axes
            if ok.any():
                c.setRange(xRange=(lo, hi), yRange=(lo, hi), padding=0.05)
            else:
                pi.enableAutoRange()
        elif e.roc is not None:
            self.setTitle(f"ROC curve ({e.label} rows)")
            fpr, tpr = e.roc
            c.plot([0, 1], [0, 1], pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine))
            c.plot(*thinned(fpr, tpr), pen=pg.mkPen("#1f77b4", width=2))
            pi.setLabel("bottom", "false positive rate")
            pi.setLabel("left", "true positive rate")
            pi.setTitle(f"AUC {e.metrics['roc_auc']:.3f} (0.5: chance, 1: perfect)", size="9pt")
            c.setRange(xRange=(0, 1), yRange=(0, 1))

    def export_png(self, path: str) -> None:
        ImageExporter(self.chart.getPlotItem()).export(str(path))
