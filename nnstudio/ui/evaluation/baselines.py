"""Better than simple? The network beside the majority rule and a linear model, with a verdict in
plain words (``core.baselines``). The linear model trains on a worker (seconds)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import baselines as bl
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.when_shown import ComputedWhenShown
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.evaluation.widgets import fmt


class BaselinesView(ComputedWhenShown, QWidget):
    computed = Signal()

    def __init__(self, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: bl.Comparison | None = None
        self._inputs = None
        self._linear: tuple | None = None  # (data, settings as dict, fitted linear model): reused
        self.job = LatestJob(pool, "baselines", self)
        self.job.result.connect(self._on_result)
        self.job.error.connect(self._on_error)
        top = QHBoxLayout()
        self.info = QLabel("")
        self.info.setWordWrap(True)
        top.addWidget(self.info, 1)
        self.run_btn = QPushButton("Compare again")
        self.run_btn.setToolTip("Train the linear model again and score all three on the test rows.")
        self.run_btn.clicked.connect(self.compute)
        top.addWidget(self.run_btn)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # (no stretched last column: squeezed below its figures, it was cut with no scroll bar)
        self.table.horizontalScrollBar().rangeChanged.connect(self._fit_height)
        # what each row is, under the table: as a last column it was cut to "the tr…" at 1280 x 720
        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #444")
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("QLabel { background: #f4f8f4; border: 1px solid #cfe3cf; "
                                   "border-radius: 4px; padding: 8px; font-size: 11pt; }")
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table)
        lay.addWidget(self.legend)
        lay.addWidget(self.verdict)
        lay.addStretch(1)

    def set_inputs(self, net, data, settings, threshold=None) -> None:
        self._inputs = (net, data, settings, threshold) if net is not None and data is not None else None
        self.result = None
        self.table.setRowCount(0)
        self.verdict.setText("")
        self.verdict.setVisible(False)
        self.legend.setText("")
        self.legend.setVisible(False)
        if self._inputs is None:
            self.info.setText("Train the network (or open a model) to compare it with simple models.")
            return
        simple = bl.MEAN_NAME if self._inputs[1].task is Task.REGRESSION else bl.NAMES[bl.MAJORITY]
        self.info.setText(f"The network beside {simple} and a linear model on the test rows.")
        self.request_compute()

    @Slot()
    def compute(self) -> None:
        if self._inputs is None:
            return
        self._stale = False
        net, data, settings, thr = self._inputs
        key = (data, repr(settings.to_dict()))
        same = self._linear is not None and self._linear[0] is data and self._linear[1] == key[1]
        cached = self._linear[2] if same and self.sender() is not self.run_btn else None
        how = "" if data.task is Task.REGRESSION else \
            f" (up to {bl.linear_epochs(data, settings):,} epochs of {len(data.X_train):,} rows)"
        self.info.setText(f"Training the linear model{how} and scoring the three…" if cached is None
                          else "Scoring the three…")
        tag = (id(net), id(data), thr)
        self._tag = tag

        def work():
            lin = cached if cached is not None else bl.linear_model(data, settings)
            return bl.compare(net, data, settings, split="test", threshold=thr, linear=lin), key, lin
        self.job.submit(tag, work)

    @Slot(object, object)
    def _on_result(self, tag, value) -> None:
        if tag != getattr(self, "_tag", None):
            return
        comp, key, lin = value
        self._linear = (*key, lin)
        self.result = comp
        keys = [k for k in bl.METRIC_LABELS if any(k in r.metrics for r in comp.rows)]
        if comp.imbalanced:  # the figures that matter first
            keys.sort(key=lambda k: ["balanced_accuracy", "f1", "average_precision", "roc_auc"].index(k)
                      if k in ("balanced_accuracy", "f1", "average_precision", "roc_auc") else 9)
        self.table.clear()
        self.table.setColumnCount(len(keys))
        # two-word names on two lines ("balanced / accuracy"): the columns fit a narrow tab
        self.table.setHorizontalHeaderLabels([bl.METRIC_LABELS[k].replace(" ", "\n", 1)
                                              for k in keys])
        self.table.setRowCount(len(comp.rows))
        self.table.setVerticalHeaderLabels([r.name for r in comp.rows])
        for i, r in enumerate(comp.rows):
            self.table.verticalHeaderItem(i).setToolTip(r.description)
            for j, k in enumerate(keys):
                v = r.metrics.get(k)
                item = QTableWidgetItem(fmt(v, key=k))  # as the metrics table: 14,791, not 14791.4830
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if k == comp.key_metric:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(i, j, item)
        self.legend.setText("; ".join(f"<b>{r.name}</b>: {r.description}" for r in comp.rows[1:]) + ".")
        self.legend.setVisible(True)
        self._fit_table()
        self.info.setText(f"On the test rows; in bold the figure the verdict compares "
                          f"({bl.METRIC_LABELS[comp.key_metric]}).")
        self.verdict.setText(comp.verdict())
        self.verdict.setVisible(True)
        self.computed.emit()

    def _fit_table(self) -> None:
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self._fit_height()

    @Slot()
    def _fit_height(self, *_args) -> None:
        """As tall as its rows (three), so the legend and the verdict sit right under them; with
        room for the sideways scroll bar where the columns need it (a very narrow tab)."""
        t = self.table
        bar = t.horizontalScrollBar()
        scroll = bar.sizeHint().height() if bar.maximum() > 0 else 0
        t.setFixedHeight(t.horizontalHeader().sizeHint().height() + 2 * t.frameWidth() + scroll
                         + sum(t.rowHeight(i) for i in range(t.rowCount())))

    @Slot(object, object)
    def _on_error(self, tag, err: NNStudioError) -> None:
        if tag == getattr(self, "_tag", None):
            self.info.setText(f"<span style='color:#b00'>{err.user_text()}</span>")
