"""Plot helpers shared by the views."""
from __future__ import annotations

import math
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from nnstudio.ui.common.text import short

#: Curves of more points than this are drawn with a 1-pixel pen: Qt strokes a wider antialiased
#: pen about 100 times slower (a 13,000-epoch curve took 0.8 s a repaint at 2 pixels, 6 ms at 1;
#: a noisy decision boundary of 14,000 segments 0.37 s against 2 ms).
WIDE_PEN_POINTS = 2000


def curve_pen(color, points: int, width: float = 2.0):
    """A pen ``width`` pixels wide for a curve of ``points`` points, 1 pixel for a long one."""
    return pg.mkPen(color, width=width if points <= WIDE_PEN_POINTS else 1)


class _LaidOutLegend(pg.LegendItem):
    """A legend placed by its plot's layout: it asks for its size instead of setting its geometry
    (pyqtgraph's own moves itself to (0, 0) of its parent, over the data)."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        # pyqtgraph draws legends unscaled (ItemIgnoresTransformations), which breaks their
        # placement by a layout
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, False)
        self.layout.setContentsMargins(4, 2, 4, 2)

    #: labels longer than this go one a row (side by side they ran past the plot's edge)
    LONG_LABEL = 22

    #: longer labels are cut with "…" (a legend cannot wrap, and ran under the colour bar)
    MAX_LABEL = 32

    def addItem(self, item, name) -> None:
        name = short(name, self.MAX_LABEL)
        super().addItem(item, name)
        if len(name) > self.LONG_LABEL and self.columnCount != 1:
            self.setColumnCount(1)

    def updateSize(self) -> None:
        height = width = 0.0
        for row in range(self.layout.rowCount()):
            row_height = col_width = 0.0
            for col in range(self.layout.columnCount()):
                item = self.layout.itemAt(row, col)
                if item:
                    col_width += item.preferredWidth() + 3
                    row_height = max(row_height, item.preferredHeight())
            width, height = max(width, col_width), height + row_height
        # the layout's margins too: without them a one-row legend was given 21 px for its 39
        # (9 + 21 + 9) and its labels were cut off at the bottom of the plot
        left, top, right, bottom = self.layout.getContentsMargins()
        spacing = self.layout.verticalSpacing() * max(self.layout.rowCount() - 1, 0)
        width, height = width + left + right, height + top + bottom + max(spacing, 0)
        self.setMinimumSize(0, height)
        self.setPreferredSize(width, height)
        self.setMaximumHeight(height)
        self.updateGeometry()


def legend_below(plot, columns: int = 2, **kw) -> pg.LegendItem:
    """A legend under the plot's x axis, in ``columns`` columns: never over the points or bars
    (pyqtgraph's ``addLegend`` floats it over the data). Items added to the plot with a ``name``
    are listed in it, as with ``addLegend``."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    legend = _LaidOutLegend(colCount=columns, **kw)  # no offset: laid out, not floating
    item.layout.addItem(legend, 4, 1)  # rows: title, top axis, view, bottom axis -> 4 is below
    legend.setParentItem(item)
    item.legend = legend
    return legend


def floating_legend(plot, offset: tuple[int, int]) -> pg.LegendItem:
    """pyqtgraph's legend over the plot's view at ``offset`` (negative: from the right/bottom), on
    a near-opaque white background, with the grid lines drawn under it and under the curves.
    pyqtgraph stacks its axes, which draw the grid, over the view: a grid line then ran through
    the legend's labels. Only for plots whose view has no image (the grid would go under it)."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    legend = item.addLegend(offset=offset, brush=pg.mkBrush(255, 255, 255, 220))
    for side in ("left", "bottom", "right", "top"):
        axis = item.getAxis(side)
        axis.setZValue(min(axis.zValue(), item.vb.zValue() - 0.5))
    return legend


def place_legend(legend: pg.LegendItem, rising: bool) -> None:
    """The legend where the curves are not: bottom right under curves that climb (accuracy), top
    right over curves that fall (losses, errors), whose ends are bottom right."""
    legend.setOffset((-10, -10) if rising else (-10, 10))


#: Grid lines drawn as light ticks (the Runs tab's plots).
GRID_PEN = pg.mkPen("#e6e6e6")


def light_grid(plot) -> None:
    """A grid of light lines at the labelled ticks only, on ``plot`` (a PlotItem)."""
    plot.showGrid(x=True, y=True)
    for side in ("left", "bottom"):
        plot.getAxis(side).setStyle(tickAlpha=255, maxTickLevel=0)
        plot.getAxis(side).setTickPen(GRID_PEN)


def plain_numbers(plot) -> None:
    """Axes that show the values as they are. With a label, pyqtgraph rescales an axis whose
    values stay under 1 and writes "(x0.001)" after the label: 0.4 read as "400, value (x0.001)".
    Whole numbers from 10,000 on a linear axis are written short, as the row counts are (150k,
    1.2M, not 150000 or 1e+06): labels with thousands separators ran into each other under a
    plot of prices; four digits stay as they are (a year: 1970)."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    for side in ("left", "bottom", "right", "top"):
        axis = item.getAxis(side)
        axis.enableAutoSIPrefix(False)
        if not isinstance(axis.tickStrings, partial):  # once: a chart redrawn calls this again
            axis.tickStrings = partial(_grouped_tick_strings, axis.tickStrings, axis)


def _grouped_tick_strings(own, axis, values, scale, spacing) -> list[str]:
    strings = own(values, scale, spacing)
    if axis.logMode:
        return strings
    return [short_count(v * scale) if 1e4 <= abs(v * scale) < 1e9 and v * scale == round(v * scale)
            and spacing * scale >= 1 else text for v, text in zip(values, strings)]


def thinned(x, y, resolution: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """The points of a curve of one point per row (the ROC and precision-recall curves of 600,000
    rows) that a plot can show: a point where the curve has moved 1/``resolution`` of its range
    since the last one kept, and the ends. 600,000 line segments took 0.3-0.7 s a repaint."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) <= 2 * resolution:
        return x, y
    span = [max(float(np.ptp(v)), 1e-12) for v in (x, y)]
    path = np.r_[0.0, np.cumsum(np.abs(np.diff(x)) / span[0] + np.abs(np.diff(y)) / span[1])]
    step = np.floor(path * resolution)
    keep = np.r_[True, step[1:] != step[:-1]]
    keep[-1] = True
    return x[keep], y[keep]


def short_count(value: float) -> str:
    """A count (or a whole number) as an axis label: 800, 7500, 40k, 2.5M (fits an axis a few
    characters wide)."""
    v = abs(value)
    if v < 10_000:
        return f"{value:g}"
    if v < 1_000_000:
        return f"{value / 1e3:g}k"
    return f"{value / 1e6:g}M"


class CountAxis(pg.AxisItem):
    """An axis of counts (rows): 40k, 1.2M rather than 40000 cut off by a narrow axis (a
    histogram of a million rows showed no count at all but 0)."""

    def tickStrings(self, values, scale, spacing):
        return [short_count(v * scale) for v in values]


def _one_two_five(v: float) -> bool:
    """Whether 10**v is 1, 2 or 5 times a power of ten (a labelled tick of a log axis)."""
    m = 10 ** (v - np.floor(v))
    return abs(m - round(m)) < 1e-6 and round(m) in (1, 2, 5)


def _plain(value: float) -> str:
    """A tick value as a person writes it: 5,000 and 40k (not 4e+04) up to 1e9 as the linear
    axes write them, 5.52e+11 beyond."""
    v = float(f"{value:.4g}")
    if v != round(v) or not 1e3 <= abs(v) < 1e9:
        return f"{v:.4g}"
    return f"{v:,.0f}" if abs(v) < 1e4 else short_count(v)


class EpochAxis(pg.AxisItem):
    """An axis of epochs, ticked at whole ones only: a three-epoch run's axis read 1.0, 1.5, 2.0,
    2.5, 3.0, as if a half epoch were a point of the curve. Wider ranges keep pyqtgraph's steps
    of 1, 2, 5, 10 …; a range with no whole number inside shows none."""

    def tickValues(self, minVal, maxVal, size):
        levels = [(spacing, [v for v in values if float(v).is_integer()])
                  for spacing, values in super().tickValues(minVal, maxVal, size) if spacing >= 1]
        if levels or not (np.isfinite(minVal) and np.isfinite(maxVal)):
            return levels
        return [(1.0, [float(v) for v in range(math.ceil(minVal), math.floor(maxVal) + 1)])]


class SparseLogAxis(pg.AxisItem):
    """A log axis that labels 1, 2 and 5 of each decade only: pyqtgraph labels all of 1..9 when the
    range spans under three decades, and 0.06..0.09 ran into each other. Labels are plain numbers
    (20, 500, 0.05, 40k, 2M) below 1e9, pyqtgraph's 2·10⁹ beyond. A range with fewer than two
    of those (a loss that sat at 5.5e11 all run) gets evenly spaced values labelled as they are."""

    _linear: set | None = None  # the values of evenly spaced ticks, when those replace 1-2-5

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        self._linear = None
        if not (np.isfinite(minVal) and np.isfinite(maxVal) and maxVal > minVal):
            return ticks
        if sum(_one_two_five(v) for _, level in ticks for v in level) >= 2:
            return ticks
        with np.errstate(over="ignore"):  # (Python's 10.0 ** 308.4 raises)
            lo, hi = np.power(10.0, [float(minVal), float(maxVal)])
        raw = (hi - lo) / 4
        if not (np.isfinite(raw) and raw > 0):  # beyond float range: pyqtgraph's own ticks
            return ticks
        mag = 10.0 ** np.floor(np.log10(raw))
        step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
        values = np.arange(np.ceil(lo / step) * step, hi, step)
        logs = [float(v) for v in np.log10(values[values > 0]) if minVal <= v <= maxVal]
        self._linear = {round(v, 9) for v in logs}
        return [(None, logs)]

    def tickStrings(self, values, scale, spacing):
        if not self.logMode:
            return super().tickStrings(values, scale, spacing)
        if self._linear is not None:
            return [_plain(10.0 ** v * scale) if round(v, 9) in self._linear else "" for v in values]
        out = []
        for v in values:
            value = 10.0 ** v * scale
            if not _one_two_five(v):
                out.append("")
            elif 1e-4 <= value < 1e9:  # 20, 5,000, 40k, 0.05: plain numbers where they are short
                out.append(_plain(value))
            else:
                out.append(super().tickStrings([v], scale, spacing)[0])
        return out
