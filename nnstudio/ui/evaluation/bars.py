"""A horizontal bar chart with error bars whose bars can be clicked (importance, attributions)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal, Slot

from nnstudio.ui.common.plots import plain_numbers
from nnstudio.ui.common.text import short

POSITIVE = (31, 119, 180)
NEGATIVE = (214, 39, 40)
BAR_ROW_PX = 16  # the least height of one bar's row (its label's text height)
CHART_MARGIN_PX = 60  # the axis, its label and the title
#: Labels longer than this are cut with "…" on the axis (the click still names the whole column):
#: a file's long column names took the whole width and left no room for the bars.
MAX_LABEL_CHARS = 20


class HBarChart(pg.PlotWidget):
    """Bars from top to bottom in the order given; ``bar_clicked(label)`` when one is clicked."""

    bar_clicked = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent, background="w")
        self.labels: list[str] = []
        self.values = np.zeros(0)
        pi = self.getPlotItem()
        pi.showGrid(x=True, y=False, alpha=0.25)
        plain_numbers(pi)
        pi.setMenuEnabled(False)
        pi.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        self.scene().sigMouseClicked.connect(self._on_click)

    def set_bars(self, labels, values, errors=None, *, xlabel: str = "", title: str = "",
                 highlight: str | None = None, min_span: float = 0.0) -> None:
        """``min_span``: the value axis spans at least this much (bars of rounding noise, 1e-11,
        were drawn on an axis of 1e-11)."""
        self.clear()
        self.labels = [str(x) for x in labels]
        self.values = np.asarray(values, float)
        n = len(self.labels)
        pi = self.getPlotItem()
        pi.setTitle(title, size="9pt")
        pi.setLabel("bottom", xlabel)
        # a readable row per bar (labels overlapped when a short panel squeezed 12 bars into 90 px):
        # the page scrolls instead (ui.common.scroll_tabs)
        self.setMinimumHeight(BAR_ROW_PX * n + CHART_MARGIN_PX)
        if not n:
            return
        y = np.arange(n)[::-1].astype(float)  # the first label on top
        brushes = [pg.mkBrush(*(POSITIVE if v >= 0 else NEGATIVE), 255 if lab == highlight or highlight is None
                              else 150) for v, lab in zip(self.values, self.labels)]
        self.addItem(pg.BarGraphItem(x0=np.minimum(self.values, 0), width=np.abs(self.values), y=y,
                                     height=0.7, brushes=brushes, pens=[pg.mkPen(None)] * n))
        if errors is not None:
            e = np.asarray(errors, float)
            self.addItem(pg.ErrorBarItem(x=self.values, y=y, left=e, right=e, beam=0.2,
                                         pen=pg.mkPen("k", width=1.2)))
        self.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#444")))
        pi.getAxis("left").setTicks([[(float(yy), short(lab, MAX_LABEL_CHARS)) for yy, lab in zip(y, self.labels)]])
        span = np.r_[self.values, 0.0]
        if errors is not None:
            span = np.r_[span, self.values + e, self.values - e]
        lo, hi = float(span.min()), float(span.max())
        if hi - lo < min_span:  # widened on the side(s) the bars are on; both when none are
            grow = min_span - (hi - lo)
            lo, hi = (lo - grow, hi) if hi <= 0 < -lo else \
                (lo, hi + grow) if lo >= 0 < hi else (lo - grow / 2, hi + grow / 2)
        pad = 0.05 * max(hi - lo, 1e-9)
        self.setRange(xRange=(lo - pad, hi + pad), yRange=(-0.6, n - 0.4), padding=0)

    def label_at(self, y: float) -> str | None:
        """The label of the bar at height ``y`` (view coordinates), or None."""
        n = len(self.labels)
        i = int(round(y))
        if not n or abs(y - i) > 0.45 or not 0 <= i < n:
            return None
        return self.labels[n - 1 - i]

    @Slot(object)
    def _on_click(self, event) -> None:
        vb = self.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        label = self.label_at(vb.mapSceneToView(event.scenePos()).y())
        if label is not None:
            self.bar_clicked.emit(label)
