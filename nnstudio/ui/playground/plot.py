"""The Playground's data plot: the points coloured by class, and drawing on it.

With drawing on, a click (or a drag) adds a point of the chosen class where the pointer is; in
erase mode it removes the points near it. The plot only reports (``add_requested``,
``erase_requested``); the panel owns the points.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt, Signal

from nnstudio.ui.common.colors import class_color
from nnstudio.ui.common.plots import plain_numbers


class _Events(QObject):
    add_requested = Signal(float, float)
    erase_requested = Signal(float, float)


class DrawViewBox(pg.ViewBox):
    """A ViewBox that, while ``drawing``, turns left clicks and drags into points instead of panning."""

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.events = _Events()
        self.drawing = False
        self.erasing = False
        self._last: QPointF | None = None

    def _emit(self, scene_pos) -> None:
        p = self.mapSceneToView(scene_pos)
        if self.erasing:
            self.events.erase_requested.emit(p.x(), p.y())
        else:
            self.events.add_requested.emit(p.x(), p.y())

    def mouseClickEvent(self, ev) -> None:
        if self.drawing and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._emit(ev.scenePos())
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.drawing and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            pos = ev.scenePos()
            # a point every few pixels of the drag, not one per mouse event
            if self._last is None or ev.isStart() or (pos - self._last).manhattanLength() > 8:
                self._emit(pos)
                self._last = pos
            if ev.isFinish():
                self._last = None
            return
        super().mouseDragEvent(ev, axis)


class _PassClicks(pg.ScatterPlotItem):
    """Points that let clicks through to the view box (to erase them, or to add one beside them)."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class DataPlot(pg.PlotWidget):
    """x against y, one colour per class (or a colour scale for a number target)."""

    def __init__(self, parent=None) -> None:
        self.vb = DrawViewBox()
        super().__init__(parent, viewBox=self.vb)
        self.setBackground("w")
        self.setAspectLocked(True)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("bottom", "x")
        self.setLabel("left", "y")
        plain_numbers(self)  # never "y (x0.001)" for points in -1..1
        self.setXRange(-1.4, 1.4)
        self.setYRange(-1.4, 1.4)
        self._axes: tuple[str, str] | None = None  # another table's two inputs shown (show_points)
        self.scatter = _PassClicks(size=7, pen=pg.mkPen("w", width=0.5))
        self.addItem(self.scatter)

    def show_points(self, x: np.ndarray, y: np.ndarray, target: np.ndarray | None,
                    regression: bool = False, axes: tuple[str, str] | None = None) -> None:
        """The Playground's own x and y; or (``axes``: the two columns' names) another table's two
        inputs, for a look: each on its own scale, the view fitted to them."""
        if axes != self._axes:
            self._axes = axes
            self.setLabel("bottom", axes[0] if axes else "x")
            self.setLabel("left", axes[1] if axes else "y")
            self.setAspectLocked(axes is None)
            if axes is None:
                self.setXRange(-1.4, 1.4)
                self.setYRange(-1.4, 1.4)
        self._show(x, y, target, regression)
        if axes is not None and len(x):
            self.autoRange()

    def _show(self, x, y, target, regression: bool) -> None:
        if target is None or len(x) == 0:
            self.scatter.setData([], [])
            return
        if regression:
            t = np.asarray(target, dtype=float)
            span = float(t.max() - t.min()) or 1.0
            cmap = pg.colormap.get("viridis")
            brushes = [pg.mkBrush(c) for c in cmap.map((t - t.min()) / span, mode="qcolor")]
        else:
            codes = np.asarray(target).astype(int)
            palette = [pg.mkBrush(class_color(i)) for i in range(max(2, int(codes.max()) + 1))]
            brushes = [palette[c] for c in codes]
        self.scatter.setData(np.asarray(x, dtype=float), np.asarray(y, dtype=float), brush=brushes)
