"""Why this row, and what if: a row's attributions per original column (integrated gradients against
the training rows' typical row) and the prediction as one column varies around the row (an ICE
curve), with a slider that changes that column of the row. Used by the Evaluation tab's one-row
form and by the inspector. Computed by ``core.explain`` on a worker (NumPy: milliseconds).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QSplitter, QVBoxLayout, QWidget

from nnstudio.core import explain
from nnstudio.core.errors import NNStudioError
from nnstudio.core.numbers import fmt_number
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.plots import plain_numbers
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.evaluation.bars import HBarChart

SLIDER_STEPS = 200
#: at most this many bars: the columns with the smallest shares are summed in one bar (digits' 64
#: bars made the chart 1,100 px tall, and the inspector's page scrolled its network out of view)
MAX_BARS = 12


def _compute(net, pre, row: dict, train, ice_column: str | None):
    layers = explain.forward_layers(net)
    att = explain.explain_row(layers, pre, row, train=train)
    col = ice_column if ice_column in att.columns else att.columns[int(att.order()[0])]
    return att, explain.ice_curve(layers, pre, row, col, n=61)



def figure(v: float, probability: bool, sign: str = "") -> str:
    """An answer or a contribution in the "Why?" text: a probability to 3 decimals; an amount as
    people write one (541,390 and +9,288 for a price, not 5.414e+05), 4 digits under 1,000."""
    if probability:
        return f"{v:{sign}.3f}"
    if abs(v) >= 1000:
        return ("+" if sign == "+" and v >= 0 else "") + fmt_number(v)
    return f"{v:{sign}.4g}"

class AttributionView(QWidget):
    column_clicked = Signal(str)  # a bar was clicked: the column's name
    value_edited = Signal(str, object)  # the what-if slider moved: (column, new value)
    computed = Signal()  # new attributions are on screen

    def __init__(self, pool: WorkerPool, *, with_ice: bool = True,
                 other_rows: str = "type other values or double-click a row of the predictions table",
                 parent: QWidget | None = None) -> None:
        """``other_rows``: how, where this view is, the user shows it another row."""
        super().__init__(parent)
        self.other_rows = other_rows
        self.att = None
        self.ice = None
        self._ice_column: str | None = None
        self._request = None
        self.job = LatestJob(pool, "attributions", self)
        self.job.result.connect(self._on_result)
        self.job.error.connect(self._on_error)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.bars = HBarChart()
        self.bars.setMinimumHeight(140)
        self.bars.setToolTip("Each column's share of the difference between this row's prediction and "
                             "the typical row's (integrated gradients; the bars add up to it). Click a "
                             "bar to see the nodes that carry the column in the inspector.")
        self.bars.bar_clicked.connect(self._on_bar_clicked)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.text)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.bars)
        self.with_ice = with_ice
        self.ice_box = QWidget()
        il = QVBoxLayout(self.ice_box)
        il.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("What if"))
        self.ice_col = QComboBox()
        self.ice_col.setToolTip("The column to vary around this row (every other column stays as it is).")
        self.ice_col.currentIndexChanged.connect(self._on_ice_column)
        row.addWidget(self.ice_col, 1)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip("Change this column of the row: the prediction, the bars and the curve follow.")
        self.slider.valueChanged.connect(self._on_slider)
        row.addWidget(self.slider, 2)
        il.addLayout(row)
        self.ice_plot = pg.PlotWidget(background="w")
        self.ice_plot.showGrid(x=True, y=True, alpha=0.25)
        plain_numbers(self.ice_plot)
        self.ice_plot.setMinimumHeight(130)
        il.addWidget(self.ice_plot)
        split.addWidget(self.ice_box)
        self.ice_box.setVisible(with_ice)
        lay.addWidget(split, 1)

    # ----- requests -------------------------------------------------------------------------------
    def request(self, net, pre, row: dict, train=None) -> None:
        """Explain ``row`` (original units) with ``net``; the result arrives shortly."""
        self._request = (net, pre, dict(row), train)
        tag = object()
        self._tag = tag
        col = self._ice_column
        self.job.submit(tag, lambda: _compute(net, pre, row, train, col))

    def clear(self, text: str = "") -> None:
        self.att = self.ice = None
        self._request = None
        self.bars.set_bars([], [])
        self.ice_plot.clear()
        self.text.setText(text)

    @Slot(str)
    def _on_bar_clicked(self, label: str) -> None:
        if self.att is not None and label in self.att.columns:  # not the bar of the other columns
            self.column_clicked.emit(label)

    @Slot(object, object)
    def _on_result(self, tag, value) -> None:
        if tag is not getattr(self, "_tag", None):
            return
        self.att, self.ice = value
        self._show()
        self.computed.emit()

    @Slot(object, object)
    def _on_error(self, tag, err: NNStudioError) -> None:
        if tag is getattr(self, "_tag", None):
            self.clear(f"<span style='color:#b00'>{err.user_text()}</span>")

    # ----- showing -------------------------------------------------------------------------------
    def _show(self) -> None:
        att, ice = self.att, self.ice
        order = att.order()
        prob = att.output.startswith("P(")

        def f(v, sign=""):
            return figure(v, prob, sign)
        # the form opens on the typical row itself: nothing to split but rounding (1e-11 bars)
        scale = 1.0 if prob else max(abs(att.prediction), abs(att.baseline_prediction), 1e-12)
        same = float(np.abs(att.values).max(initial=0.0)) < 1e-6 * scale
        if same:
            self.text.setText(f"<b>Why {f(att.prediction)}?</b> This row is the typical training row, "
                              f"the baseline the bars measure from: {att.output} is "
                              f"{f(att.prediction)} for both, so there is nothing to split. To see "
                              f"what moves it, {self.other_rows}.")
        else:
            self.text.setText(f"<b>Why {f(att.prediction)}?</b> {att.output} is {f(att.prediction)}; "
                              f"for the typical training row it is {f(att.baseline_prediction)}. The "
                              f"bars split the difference "
                              f"({f(att.prediction - att.baseline_prediction, '+')}) between the "
                              f"columns (they add up to it, ±{att.gap:.1g}).")
        labels, values = [att.columns[i] for i in order], att.values[order]
        if len(order) > MAX_BARS:  # the rest in one bar: the bars still add up to the difference
            rest = len(order) - (MAX_BARS - 1)
            labels = labels[:MAX_BARS - 1] + [f"{rest} other columns"]
            values = np.r_[values[:MAX_BARS - 1], values[MAX_BARS - 1:].sum()]
            self.text.setText(self.text.text() + f" The {rest} columns with the smallest shares "
                                                 f"are summed in the last bar.")
        self.bars.set_bars(labels, np.zeros_like(values) if same else values,
                           xlabel=f"contribution to {att.output}", highlight=None,
                           min_span=0.02 * scale)
        self.ice_col.blockSignals(True)
        if [self.ice_col.itemText(i) for i in range(self.ice_col.count())] != att.columns:
            self.ice_col.clear()
            self.ice_col.addItems(att.columns)
        self.ice_col.setCurrentText(ice.column)
        self.ice_col.blockSignals(False)
        self._ice_column = ice.column
        p = self.ice_plot
        p.clear()
        pi = p.getPlotItem()
        if ice.numeric:
            xs = np.asarray(ice.values, float)
            p.plot(xs, ice.predictions, pen=pg.mkPen("#1f77b4", width=2))
            p.addItem(pg.InfiniteLine(float(ice.current), angle=90, pen=pg.mkPen("#d62728", width=1.5)))
            pi.getAxis("bottom").setTicks(None)
            self.slider.setEnabled(True)
            lo, hi = float(xs.min()), float(xs.max())
            self._slider_range = (lo, hi)
            self.slider.blockSignals(True)
            self.slider.setValue(int(round((float(ice.current) - lo) / max(hi - lo, 1e-12) * SLIDER_STEPS)))
            self.slider.blockSignals(False)
        else:
            xs = np.arange(len(ice.values), dtype=float)
            cur = [i for i, v in enumerate(ice.values) if str(v) == str(ice.current)]
            brushes = [pg.mkBrush("#d62728" if i in cur else "#1f77b4") for i in range(len(xs))]
            p.addItem(pg.BarGraphItem(x=xs, height=ice.predictions, width=0.6, brushes=brushes))
            pi.getAxis("bottom").setTicks([[(float(i), str(v)[:12]) for i, v in enumerate(ice.values)]])
            self.slider.setEnabled(False)
        pi.setLabel("bottom", ice.column)
        pi.setLabel("left", ice.output)
        pi.setTitle(f"{ice.output} as {ice.column} varies, the rest of the row fixed", size="9pt")

    # ----- what if --------------------------------------------------------------------------------
    @Slot()
    def _on_ice_column(self) -> None:
        self._ice_column = self.ice_col.currentText() or None
        if self._request is not None:
            self.request(*self._request)

    @Slot(int)
    def _on_slider(self, v: int) -> None:
        if self.ice is None or not self.ice.numeric:
            return
        lo, hi = self._slider_range
        value = lo + (hi - lo) * v / SLIDER_STEPS
        self.value_edited.emit(self.ice.column, float(f"{value:.6g}"))
