"""The data on the plane: a scatter of two feature columns coloured by class.

(The decision surface drawn under the points is added by the surface view's own controller.)
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.ui.state import AppState

CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf"]


def class_color(i: int) -> str:
    return CLASS_COLORS[i % len(CLASS_COLORS)]


class SurfaceView(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.plot = pg.PlotWidget(background="w")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.addLegend(offset=(10, 10))
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.caption)
        self.scatters: list[pg.ScatterPlotItem] = []
        state.project_changed.connect(self.refresh_points)
        state.data_changed.connect(self.refresh_points)
        self.refresh_points()

    @Slot()
    def refresh_points(self) -> None:
        for s in self.scatters:
            self.plot.removeItem(s)
        self.scatters.clear()
        legend = self.plot.plotItem.legend
        if legend is not None:
            legend.clear()
        project = self.state.project
        feats = project.roles.features
        if len(feats) < 2:
            self.caption.setText("Choose at least two numeric features to see the data on a plane.")
            return
        fx, fy = feats[0], feats[1]
        frame = project.dataset.frame
        target = frame[project.roles.target]
        self.plot.setLabel("bottom", fx)
        self.plot.setLabel("left", fy)
        try:
            x = np.asarray(frame[fx], dtype=float)
            y = np.asarray(frame[fy], dtype=float)
        except (TypeError, ValueError):
            self.caption.setText(f"'{fx}' or '{fy}' is not numeric: pick numeric axes.")
            return
        classes = sorted(target.dropna().unique().tolist(), key=str)
        if len(classes) <= 10:
            for i, c in enumerate(classes):
                m = (target == c).to_numpy()
                s = pg.ScatterPlotItem(x[m], y[m], size=6, pen=pg.mkPen("w", width=0.5),
                                       brush=pg.mkBrush(class_color(i)), name=f"{project.roles.target} = {c}")
                self.plot.addItem(s)
                self.scatters.append(s)
        else:
            s = pg.ScatterPlotItem(x, y, size=5, brush=pg.mkBrush("#1f77b4"))
            self.plot.addItem(s)
            self.scatters.append(s)
        self.caption.setText(f"{len(frame):,} rows of '{project.dataset.name}': {fx} vs {fy}, "
                             f"coloured by {project.roles.target}.")
