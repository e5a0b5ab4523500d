"""Which columns matter: permutation importance of every original column on the test rows, as a
sorted bar chart with the spread of the repeats (``core.explain.permutation_importance``)."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from nnstudio.core import evaluate as ev
from nnstudio.core import explain
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.scroll_tabs import vertical_scroll
from nnstudio.ui.common.when_shown import ComputedWhenShown
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.evaluation.bars import HBarChart


class ImportanceView(ComputedWhenShown, QWidget):
    column_clicked = Signal(str)
    computed = Signal()

    def __init__(self, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: explain.Importance | None = None
        self._inputs = None  # (net, pre, frame, threshold)
        self.job = LatestJob(pool, "importance", self)
        self.job.result.connect(self._on_result)
        self.job.error.connect(self._on_error)
        top = QHBoxLayout()
        top.addWidget(QLabel("Drop of"))
        self.metric_box = QComboBox()
        self.metric_box.setToolTip("The figure measured before and after shuffling a column.")
        top.addWidget(self.metric_box)
        self.repeats = QSpinBox()
        self.repeats.setRange(1, 50)
        self.repeats.setValue(5)
        self.repeats.setSuffix(" repeats")
        self.repeats.setToolTip("Each column is shuffled this many times; the bars show the mean ± sd.")
        top.addWidget(self.repeats)
        self.run_btn = QPushButton("Measure")
        self.run_btn.clicked.connect(self.compute)
        top.addWidget(self.run_btn)
        top.addStretch(1)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.chart = HBarChart()
        self.chart.bar_clicked.connect(self.column_clicked)
        self.chart.setToolTip("How much worse the network does on the test rows when the column's values "
                              "are shuffled between rows (one-hot groups together). Near zero: the "
                              "network does not use the column. Click a bar to see its nodes in the inspector.")
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.info)
        # a readable row per bar, in a scrolling box of its own: digits' 64 bars made the whole
        # Evaluation page 1,300 px tall and stretched the confusion matrix beside it
        self.chart_scroll = vertical_scroll(self.chart)
        lay.addWidget(self.chart_scroll, 1)
        self._picked = False  # the user chose the measure: kept; else the data's default
        self.metric_box.currentIndexChanged.connect(self._on_metric)
        self.repeats.valueChanged.connect(self._changed)

    def set_inputs(self, net, pre, frame, threshold=None) -> None:
        """The model and the rows to measure on; measured when shown (or at once if shown)."""
        keep = self.metric_box.currentData()
        task = pre.task if pre is not None else None
        metrics = explain.REGRESSION_METRICS if task is Task.REGRESSION else explain.CLASSIFICATION_METRICS
        self.metric_box.blockSignals(True)
        self.metric_box.clear()
        for m in metrics:
            if m == "roc_auc" and pre is not None and len(pre.classes) > 2:
                continue
            self.metric_box.addItem(ev.METRIC_NAMES[m], m)
        if not self._picked and pre is not None and frame is not None and pre.target in frame.columns:
            keep = explain.default_metric(task, frame[pre.target].dropna())  # ROC AUC for a rare class
        i = self.metric_box.findData(keep)
        self.metric_box.setCurrentIndex(max(i, 0))
        self.metric_box.blockSignals(False)
        self._inputs = (net, pre, frame, threshold) if net is not None and pre is not None else None
        self.result = None
        self.chart.set_bars([], [])
        if self._inputs is None:
            self.info.setText("<i>Train the network (or open a model) to see which columns it uses.</i>")
            return
        self.info.setText("Measuring…" if self.isVisible() else "")
        self.request_compute()

    @Slot()
    def _on_metric(self) -> None:
        self._picked = True
        self._changed()

    @Slot()
    def _changed(self) -> None:
        if self._inputs is not None:
            self.request_compute()

    @Slot()
    def compute(self) -> None:
        if self._inputs is None:
            return
        self._stale = False
        net, pre, frame, thr = self._inputs
        # the data's default is asked for as such (None), so the figures say why it is the default
        metric, n = self.metric_box.currentData() if self._picked else None, self.repeats.value()
        self.info.setText("Measuring…")
        tag = (id(net), metric, n, thr)
        self._tag = tag

        def work():
            layers = explain.forward_layers(net)
            return explain.permutation_importance(layers, pre, frame, metric=metric, n_repeats=n,
                                                  threshold=thr)
        self.job.submit(tag, work)

    @Slot(object, object)
    def _on_result(self, tag, imp) -> None:
        if tag != getattr(self, "_tag", None):
            return
        self.result = imp
        if not self._picked and self.metric_box.currentData() != imp.metric:  # the default it chose
            self.metric_box.blockSignals(True)
            self.metric_box.setCurrentIndex(max(self.metric_box.findData(imp.metric), 0))
            self.metric_box.blockSignals(False)
        self.chart.set_bars(imp.columns, imp.mean, imp.std,
                            xlabel=f"drop of {imp.metric_label} when shuffled (± sd)")
        label = imp.metric_label[:1].upper() + imp.metric_label[1:]  # a sentence's first word
        text = " ".join([f"{label} on the {imp.n_rows:,} test rows is {imp.score:.4g}.",
                         imp.summary(mark=lambda c: f"<b>{html.escape(c)}</b>"), *imp.notes])
        self.info.setText(text)
        self.computed.emit()

    @Slot(object, object)
    def _on_error(self, tag, err: NNStudioError) -> None:
        if tag == getattr(self, "_tag", None):
            self.info.setText(f"<span style='color:#b00'>{err.user_text()}</span>")
