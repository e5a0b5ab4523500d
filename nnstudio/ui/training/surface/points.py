"""The data points under the decision surface: each split's rows on the plane, misclassified rings, the view range."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsItem

from nnstudio.core.model.spec import Task
from nnstudio.ui.common.colors import class_color, miss_color, regression_colormap
from nnstudio.ui.common.text import short

#: Most points drawn per split (a seeded random subset beyond this; the caption says so).
MAX_POINTS = 4000
#: Axis titles are cut to this many characters (the X / Y boxes hold the whole names).
AXIS_LABEL_CHARS = 36
#: Rows of the legend under the plane (classes beyond its room are counted, not named).
LEGEND_ROWS = 4
#: The legend's text size (points), and the room each entry takes besides its text (pixels: the
#: mark, its margin and the gap to the next column).
LEGEND_POINTS = 8.0
LEGEND_MARK_PX = 50
#: A long class name is cut to this many characters (two columns fit a narrow plane).
LEGEND_CLASS_CHARS = 16
MISCLASSIFIED_PEN = pg.mkPen(miss_color(2), width=2)


@dataclass
class SplitPoints:
    """One split's rows as drawn: positions in original units, encoded inputs, true targets."""

    x: np.ndarray
    y: np.ndarray
    X: np.ndarray
    target: np.ndarray
    total: int  # rows in the split before subsampling / dropping unplaceable ones


def split_points(axes: tuple[str, str], raws: list[pd.DataFrame], Xs: list[np.ndarray],
                 ys: list[np.ndarray], seed: int) -> SplitPoints:
    """One split's rows as drawn on the ``axes`` plane (a seeded subset beyond MAX_POINTS)."""
    X = np.vstack(Xs) if len(Xs) > 1 else Xs[0]
    y = np.concatenate(ys) if len(ys) > 1 else ys[0]

    def axis(name: str) -> np.ndarray:  # the two columns only (not the whole table joined)
        return np.concatenate([pd.to_numeric(r[name], errors="coerce").to_numpy(float) for r in raws])

    px, py = axis(axes[0]), axis(axes[1])
    keep = np.nonzero(np.isfinite(px) & np.isfinite(py))[0]
    if len(keep) > MAX_POINTS:
        keep = np.sort(np.random.default_rng(seed).choice(keep, MAX_POINTS, replace=False))
    return SplitPoints(px[keep], py[keep], np.asarray(X[keep], np.float32), np.asarray(y)[keep],
                       sum(len(r) for r in raws))


class SurfacePoints:
    """Mix in before the QWidget base of :class:`~nnstudio.ui.training.surface.view.SurfaceView`:
    draws the rows of each split as scatters (with the legend) and rings the misclassified ones."""

    _legend_fit: int | None = None  # the legend's columns that fitted under the plane last

    def _draw_points(self, autorange: bool = False) -> None:
        for s in self.scatters + self.test_scatters:
            self.plot.removeItem(s)
        self.scatters.clear()
        self.test_scatters.clear()
        self.legend.clear()
        self.legend.setColumnCount(2)
        self._legend_cols = 2  # the plan for this drawing's legend (fit_legend keeps to it)
        self.miss_scatter.setData([], [])
        self._points = {}
        self._with_val = False
        prep = self._prep
        if prep is None or self._axes is None:
            self.plot.setLabel("bottom", "")
            self.plot.setLabel("left", "")
            return
        fx, fy = self._axes
        # a long name ran under the colour bar: the combo boxes above hold the whole one
        self.plot.setLabel("bottom", short(fx, AXIS_LABEL_CHARS))
        self.plot.setLabel("left", short(fy, AXIS_LABEL_CHARS))
        # ● the rows the network learnt from, with the validation rows (their own split: said)
        self._with_val = len(prep.raw_val) > 0
        self._points["train"] = split_points(self._axes, [prep.raw_train, prep.raw_val],
                                               [prep.X_train, prep.X_val],
                                               [prep.y_train, prep.y_val], 0)
        if len(prep.raw_test):
            self._points["test"] = split_points(self._axes, [prep.raw_test], [prep.X_test], [prep.y_test], 1)
        task = prep.task
        target = prep.preprocessor.target
        many = sum(len(p.x) for p in self._points.values()) > 1500
        size = 5 if many else 7
        self.miss_scatter.setSize(size + (4 if many else 7))
        ring = miss_color(prep.n_classes)
        self.miss_scatter.setPen(pg.mkPen(ring, width=1.2 if many else 2))
        edge = pg.mkPen("w", width=0.6)
        test_edge = pg.mkPen("#222", width=0.8)
        if task is Task.REGRESSION:
            cm = regression_colormap(False)
            lo, hi = self._reg_levels
            for key, pts in self._points.items():
                brushes = cm.map(np.clip((pts.target.astype(float) - lo) / (hi - lo), 0, 1), mode="qcolor")
                if key == "train":
                    s = pg.ScatterPlotItem(pts.x, pts.y, size=size, pen=pg.mkPen("#222", width=0.6),
                                           brush=brushes, symbol="o",
                                           name="training + validation rows" if self._with_val
                                           else "training rows")
                    self.scatters.append(s)
                else:
                    s = pg.ScatterPlotItem(pts.x, pts.y, size=size + 2, pen=test_edge, brush=brushes,
                                           symbol="t1", name="test rows")
                    self.test_scatters.append(s)
                self.plot.addItem(s)
        else:
            classes = prep.preprocessor.classes
            k = len(classes)
            names, cols, named = self._legend_plan(target, classes)
            for key, pts in self._points.items():
                for i in range(k):
                    m = pts.target == i
                    if key == "train":
                        s = pg.ScatterPlotItem(pts.x[m], pts.y[m], size=size, pen=edge, symbol="o",
                                               brush=pg.mkBrush(class_color(i, k)),
                                               name=names[i] if i < named else None)
                        self.scatters.append(s)
                    else:
                        s = pg.ScatterPlotItem(pts.x[m], pts.y[m], size=size + 2, pen=test_edge,
                                               symbol="t1", brush=pg.mkBrush(class_color(i, k)))
                        self.test_scatters.append(s)
                    self.plot.addItem(s)
            if named < k:  # an entry with no mark: the classes the legend has no room to name
                self.legend.addItem(pg.ScatterPlotItem(size=0, pen=None, brush=None),
                                    f"+ {k - named} more")
            if self.test_scatters:
                self.legend.addItem(pg.ScatterPlotItem(symbol="t1", size=size + 2, pen=test_edge,
                                                       brush=pg.mkBrush("#bbb")), "test rows (▲)")
            self.legend.addItem(pg.ScatterPlotItem(symbol="o", size=12, pen=pg.mkPen(ring, width=2),
                                                   brush=None), "misclassified")
            self._legend_cols = cols
            self.fit_legend()
        for s in self.test_scatters:
            s.setVisible(self.show_test.isChecked())
        # The data points do not change while the surface under them does: keep each scatter as a
        # pixmap (redrawn when the view moves) instead of repainting every point on every frame.
        for s in self.scatters + self.test_scatters:
            s.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if autorange:
            self.view_all()

    def _legend_plan(self, target: str, classes) -> tuple[list[str], int, int]:
        """(each class's legend label, columns, how many classes are named): at most LEGEND_ROWS
        rows under the plane, long labels cut to fit two columns; 30 species a row each had
        squeezed the plane to nothing."""
        k = len(classes)
        names = [f"{target} = {c}" for c in classes]
        long = any(len(n) > self.legend.LONG_LABEL for n in names)
        if long:  # the class names alone, cut to fit two columns (the caption names the target)
            names = [short(c, LEGEND_CLASS_CHARS) for c in classes]
        cols = 2 if long or k <= 2 else 3 if k <= 10 else 4
        fit = self._legend_fit
        if fit:  # no more columns than fit: the classes they cannot hold are counted, not named
            cols = max(2, min(cols, fit))
        extras = 1 + ("test" in self._points)  # "misclassified", "test rows (▲)"
        room = LEGEND_ROWS * cols - extras
        return names, cols, (k if k <= room else room - 1)

    @Slot()
    def fit_legend(self) -> None:
        """As many of the planned legend columns as fit under the plane, but never more than
        LEGEND_ROWS rows (the plane's room comes first): at 1280 x 720 three columns of
        "quality = 5" ran under the colour bar and the third column's class names were cut off,
        where two columns of four rows held all six."""
        planned = getattr(self, "_legend_cols", 2)  # (a resize before the first drawing)
        labels = [lab.text for _, lab in self.legend.items]
        width = self.vb.width()
        cols = planned
        if labels and width > 0:
            font = QFont()
            font.setPointSizeF(LEGEND_POINTS)
            widest = max(QFontMetrics(font).horizontalAdvance(t) for t in labels)
            fit = int(width // (widest + LEGEND_MARK_PX))
            unnamed = any(t.startswith("+ ") for t in labels)
            if fit != self._legend_fit and (
                    unnamed or -(-len(labels) // LEGEND_ROWS) > fit):
                # name as many classes as the columns that fit hold (26 letters planned in four
                # columns ran under the colour bar at 1280 x 720, where two fitted), and more
                # again when wider
                self._legend_fit = fit
                self._draw_points()
                return
            cols = max(1, -(-len(labels) // LEGEND_ROWS), min(planned, fit))
        if cols != self.legend.columnCount:
            self.legend.setColumnCount(cols)

    @Slot()
    def view_all(self) -> None:
        """Fit the view to the data points (a constant feature gets a unit-wide range; a feature of
        two or three values, such as OR's 0 and 1, a quarter of its range on each side, so that the
        plane around its corners shows and no corner point sits under the status line)."""
        pts = [p for k, p in self._points.items() if len(p.x)]
        self.vb.disableAutoRange()
        if not pts:
            return
        ranges = []
        for coord in ("x", "y"):
            v = np.concatenate([getattr(p, coord) for p in pts])
            lo, hi = float(v.min()), float(v.max())
            few = hi > lo and len(np.unique(v)) <= 3  # (at most MAX_POINTS a split are drawn)
            pad = (0.25 if few else 0.06) * (hi - lo) if hi > lo else max(1.0, abs(lo) * 0.1)
            ranges.append((lo - pad, hi + pad))
        self.vb.setRange(xRange=ranges[0], yRange=ranges[1], padding=0)

    def _draw_misclassified(self) -> None:
        task = self._task()
        preds = getattr(self, "_preds", {})
        if task is None or task is Task.REGRESSION or not preds:
            self.miss_scatter.setData([], [])
            self.last_misclassified = {}
            return
        xs, ys, counts = [], [], {}
        for key, pts in self._points.items():
            if key not in preds:
                continue
            wrong = preds[key] != pts.target
            counts[key] = int(wrong.sum())
            if key == "test" and not self.show_test.isChecked():
                continue
            xs.append(pts.x[wrong])
            ys.append(pts.y[wrong])
        self.last_misclassified = counts
        if xs:
            self.miss_scatter.setData(np.concatenate(xs), np.concatenate(ys))
        else:
            self.miss_scatter.setData([], [])

