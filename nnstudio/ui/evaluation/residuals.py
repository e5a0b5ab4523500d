"""Regression: residuals (actual − predicted) against the prediction and their histogram,
beside the predicted-vs-actual chart of the Evaluation tab."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnstudio.ui.common.plots import plain_numbers


class ResidualsView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.residual_plot = pg.PlotWidget(background="w")
        self.hist_plot = pg.PlotWidget(background="w")
        for p in (self.residual_plot, self.hist_plot):
            p.showGrid(x=True, y=True, alpha=0.25)
        lay = QVBoxLayout(self)
        lay.addWidget(self.residual_plot, 1)
        lay.addWidget(self.hist_plot, 1)

    def show_evaluation(self, e, target: str) -> None:
        self.residual_plot.clear()
        self.hist_plot.clear()
        if e is None or e.y_true is None or not e.n:
            return
        y, p = np.asarray(e.y_true, float), np.asarray(e.y_pred, float)
        ok = np.isfinite(p) & np.isfinite(y)
        res = y[ok] - p[ok]
        rp = self.residual_plot
        rp.addItem(pg.ScatterPlotItem(p[ok], res, size=5, pen=None, brush=pg.mkBrush(31, 119, 180, 140)))
        rp.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#888", style=Qt.PenStyle.DashLine)))
        pi = rp.getPlotItem()
        pi.setLabel("bottom", f"predicted {target}")
        pi.setLabel("left", "actual − predicted")
        plain_numbers(pi)
        pi.setTitle(f"Residuals ({e.label} rows): a pattern here is something the network missed", size="9pt")
        counts, edges = np.histogram(res, bins=min(40, max(5, int(np.sqrt(len(res))))))
        self.hist_plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts,
                                               brush=pg.mkBrush(31, 119, 180, 180), pen=pg.mkPen("w")))
        hi = self.hist_plot.getPlotItem()
        hi.setLabel("bottom", "actual − predicted")
        hi.setLabel("left", "rows")
        plain_numbers(hi)
        mean = float(np.mean(res))
        lean = " (above 0: predictions too low)" if mean > 0 else " (below 0: predictions too high)"
        hi.setTitle(f"Residuals: mean {mean:+.4g}{lean if mean else ''}, sd {np.std(res):.4g}",
                    size="9pt")
