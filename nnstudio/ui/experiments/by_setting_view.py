"""The Runs tab's *By setting* plot: the selected runs' final figure against what differs between
them (a sweep's knob, a setting, the network, its size), each run a dot and each value's mean with
its runs' standard deviation; the best value in words. Drawn when the tab is shown."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.core.experiments import by_setting as bs
from nnstudio.core.experiments import stats
from nnstudio.core.experiments.record import RunRecord
from nnstudio.ui.common.empty_state import EmptyState
from nnstudio.ui.common.plots import light_grid, plain_numbers
from nnstudio.ui.common.when_shown import ComputedWhenShown

DOT = (31, 119, 180, 200)  # a run: blue, a little see-through where dots overlap
MEAN = "#d62728"


class BySettingView(ComputedWhenShown, QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[RunRecord] = []
        self.metric_key = lambda r: "val_accuracy"
        self.metric_label = "accuracy (validation)"
        self.axes: list[bs.Axis] = []
        self.cols: list[bs.Column] = []
        self.axis_box = QComboBox()
        self.axis_box.setToolTip("What differs between the selected runs: their final figures "
                                 "are drawn against it.")
        self.axis_box.activated.connect(self._on_axis)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        light_grid(self.plot)
        plain_numbers(self.plot)  # an accuracy axis labelled "(x0.001)" read 0.9 as 900
        self.view = EmptyState(self.plot_widget)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(QLabel("Across:"))
        row.addWidget(self.axis_box)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.note)

    def show_runs(self, runs: list[RunRecord], metric_key, metric_label: str) -> None:
        """The selected runs and the figure to compare (``metric_key(run)``: ``val_accuracy``,
        ``loss``, ...); drawn now if the view is on screen, else when it is shown."""
        self.runs = list(runs)
        self.metric_key, self.metric_label = metric_key, metric_label
        self.request_compute()

    @Slot(int)
    def _on_axis(self, _index: int) -> None:
        self.compute()

    def compute(self) -> None:
        self._stale = False
        self.plot.clear()
        self.cols = []
        chosen = self.axis_box.currentData()
        self.axes = bs.axes(self.runs) if len(self.runs) > 1 else []
        self.axis_box.clear()
        for a in self.axes:
            self.axis_box.addItem(a.label, a.key)
        keys = [a.key for a in self.axes]
        if chosen in keys:
            self.axis_box.setCurrentIndex(keys.index(chosen))
        self.axis_box.setEnabled(bool(self.axes))
        self.note.setText("")
        if len(self.runs) < 2:
            self.view.show_message("Select runs of several settings (a sweep's, or Repeats of "
                                   "different networks) to see their final figures side by side.")
            return
        if not self.axes:
            self.view.show_message("The selected runs differ only in their seeds: nothing to draw "
                                   "them against. Select runs of several settings too.")
            return
        axis = self.axes[self.axis_box.currentIndex()]
        self.cols, left = bs.columns(self.runs, axis, self.metric_key)
        if not self.cols:
            self.view.show_message(f"None of the selected runs has a final {self.metric_label}.")
            return
        self.view.show_content()
        self._draw(axis)
        self._say(axis, left)

    def _x(self, axis: bs.Axis, c: bs.Column) -> float:
        return math.log10(c.x) if axis.log else c.x

    def _draw(self, axis: bs.Axis) -> None:
        xs = np.array([self._x(axis, c) for c in self.cols])
        gap = float(np.min(np.diff(xs))) if len(xs) > 1 else 1.0
        means = np.array([c.mean for c in self.cols])
        sds = np.array([c.sd for c in self.cols])
        if axis.numeric and len(xs) > 1:
            self.plot.plot(xs, means, pen=pg.mkPen(MEAN, width=1.5))
        self.plot.addItem(pg.ErrorBarItem(x=xs, y=means, height=2 * sds, beam=0.25 * gap,
                                          pen=pg.mkPen(MEAN, width=1.5)))
        self.plot.addItem(pg.ScatterPlotItem(xs, means, size=11, symbol="d", pen=pg.mkPen("w"),
                                             brush=pg.mkBrush(MEAN)))
        for c, x in zip(self.cols, xs):  # each run a dot over them, spread a little sideways
            spread = (np.arange(len(c.ys)) - (len(c.ys) - 1) / 2) * 0.07 * gap
            self.plot.addItem(pg.ScatterPlotItem(
                x + spread, c.ys, data=c.runs, size=7, pen=pg.mkPen("w"), hoverable=True,
                brush=pg.mkBrush(*DOT), hoverSize=10,
                tip=lambda x, y, data: f"{data}: {y:.4g}"))  # which run a dot is, on hover
        self.plot.getAxis("bottom").setTicks([[(x, c.label) for x, c in zip(xs, self.cols)]])
        self.plot.setLabel("bottom", axis.label + (" (log scale)" if axis.log else ""))
        self.plot.setLabel("left", "final " + self.metric_label)
        self.plot.setTitle(f"Final {self.metric_label} by {axis.label}: each run a dot, "
                           f"each value's mean ± sd", size="9pt")
        self.plot.setXRange(float(xs.min()) - 0.5 * gap, float(xs.max()) + 0.5 * gap, padding=0)
        self.plot.enableAutoRange(axis="y")

    def _say(self, axis: bs.Axis, left: int) -> None:
        b, close, undecided = bs.ranked(self.cols, self.metric_key(self.runs[0]))
        spread = f" ± {b.sd:.3g} (sd of {len(b.ys)} runs)" if len(b.ys) > 1 else " (one run)"
        text = (f"Best {axis.label}: <b>{b.label}</b>, final {self.metric_label} "
                f"<b>{b.mean:.4g}</b>{spread}.")
        if close:
            text += (f" Within seed noise of it ({stats.TEST_NAME}, p ≥ {stats.ALPHA:g}, no farther "
                     f"off than the seeds' spread): "
                     + ", ".join(c.label for c in close) + ".")
        if undecided:  # the test cannot call the gap real, but it is wider than the seeds' spread
            text += (" The seeds cannot tell " + ", ".join(c.label for c in undecided)
                     + " from it yet: Repeat with more seeds to know.")
        if any(len(c.ys) == 1 for c in self.cols):
            text += " A value with one run has no spread: Repeat it to see its seeds' noise."
        if left:
            text += f" {left} selected run{'s' if left > 1 else ''} without that figure left out."
        self.note.setText(text)
