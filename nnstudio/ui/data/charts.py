"""The Data tab's charts: a column's histogram (stacked by class) and the scatter plot of two columns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.core.data.profile import ColumnProfile, fmt_number
from nnstudio.core.data.scales import class_order, shown_scale
from nnstudio.core.model.spec import Task
from nnstudio.core.surface import table_pair
from nnstudio.ui.common.plots import legend_below, plain_numbers
from nnstudio.ui.common.text import short
from nnstudio.ui.data.column_notes import task_or_none
from nnstudio.ui.data.combos import select_value

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]
SCATTER_MAX = 5000  # points drawn in the scatter plot (a seeded random sample of bigger tables)
STACK_MAX_ROWS = 200_000  # histograms split by class up to this many rows
MAX_VALUE_TICKS = 12  # whole-number columns of at most this many values: a tick under each bar


def class_color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def target_classes(tgt) -> list:
    """The target's classes in the order the network's are (a scale's answers in its order)."""
    return class_order(sorted(tgt.dropna().unique().tolist(), key=str))


def draw_histogram(plot: pg.PlotWidget, legend: pg.LegendItem | None, project, col: str, p: ColumnProfile) -> None:
    """Bars of one column's values, stacked by class when the target holds 2 to 10 classes."""
    plot.clear()
    if legend is not None:
        legend.clear()
    ax = plot.getAxis("bottom")
    ax.setTicks(None)
    pr = project
    frame = project.dataset.frame
    target = pr.roles.target
    split_by = None
    if col != target and target in frame.columns and len(frame) <= STACK_MAX_ROWS:
        tgt = pr.target_values()[0]  # as the network learns it ('ja' and 'Ja ' as one, if asked)
        classes = target_classes(tgt)
        if 2 <= len(classes) <= 10 and task_or_none(project) not in (None, Task.REGRESSION):
            split_by = (tgt, classes)
    numeric_hist = bool(p.hist_counts) and p.kind in ("number", "binary")
    if numeric_hist:
        edges = np.asarray(p.hist_edges, float)
        if len(edges) == 2 * len(p.hist_counts) and p.integer:  # one bar per whole value
            lefts, rights = edges[0::2], edges[1::2]
            if len(lefts) <= MAX_VALUE_TICKS:  # each value under its bar (1 2 3, not 1 1.5 2 2.5 3)
                ax.setTicks([[(float(v), f"{v:g}") for v in np.round(lefts / 2 + rights / 2)]])
        else:
            lefts, rights = edges[:-1], edges[1:]
        with np.errstate(over="ignore", invalid="ignore"):
            x, w = lefts / 2 + rights / 2, (rights - lefts)
        # values near the largest float: no bar width survives (1e308 ± 0.4 is 1e308), nor a
        # span between them; such a column is drawn as its values' counts, by name, below
        numeric_hist = bool(np.isfinite(x).all() and np.isfinite(w).all() and (w > 0).all())
    if numeric_hist:
        if split_by is None:
            plot.addItem(pg.BarGraphItem(x=x, height=p.hist_counts, width=w * 0.95,
                                              brush="#6b8fbf", pen=pg.mkPen("#4a6a94")))
        else:
            v = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
            bins = np.r_[lefts, rights[-1]] if len(lefts) else np.array([0, 1])
            base = np.zeros(len(x))
            tgt, classes = split_by
            for i, c in enumerate(classes):
                m = (tgt == c).to_numpy() & np.isfinite(v)
                if p.integer and len(edges) == 2 * len(p.hist_counts):
                    counts = np.array([np.sum(v[m] == xv) for xv in np.round(x)])
                else:
                    counts, _ = np.histogram(v[m], bins=bins)
                plot.addItem(pg.BarGraphItem(x=x, y0=base, height=counts, width=w * 0.95,
                                                  brush=class_color(i), pen=pg.mkPen("w", width=0.5),
                                                  name=f"{target} = {c}"))
                base = base + counts
        plot.setLabel("bottom", col)
    else:
        top = p.top[:12]
        order = shown_scale(top, p.unique)
        if order is not None:  # survey answers, sizes, bands: in the scale's order, not by count
            top = sorted(top, key=lambda vc: order.index(vc[0]))
        if not top:
            plot.setLabel("bottom", f"{col}: values too large to draw" if p.hist_counts else "no values")
            return
        labels = [short(v, 12) for v, _ in top]
        if len(labels) > 4 and max(len(v) for v in labels) > 5:
            # every other name a line lower: ten surnames side by side ran into each other
            labels = [("\n" + v) if i % 2 else v for i, v in enumerate(labels)]
        x = np.arange(len(top))
        if split_by is None:
            plot.addItem(pg.BarGraphItem(x=x, height=[c for _, c in top], width=0.8,
                                              brush="#6b8fbf", pen=pg.mkPen("#4a6a94")))
        else:
            tgt, classes = split_by
            values = pr.column_as_read(col)[0]  # as the network reads it ('Nord', 'nord' as one)
            keys = values.astype(str).where(values.notna())
            base = np.zeros(len(top))
            for i, c in enumerate(classes):
                vc = keys[(tgt == c).to_numpy()].value_counts()
                counts = np.array([vc.get(v, 0) for v, _ in top], float)
                plot.addItem(pg.BarGraphItem(x=x, y0=base, height=counts, width=0.8,
                                                  brush=class_color(i), pen=pg.mkPen("w", width=0.5),
                                                  name=f"{target} = {c}"))
                base = base + counts
        ax.setTicks([list(zip(x.tolist(), labels))])
        more = f" (the {len(top)} most frequent of {p.unique:,})" if p.unique > len(top) else ""
        plot.setLabel("bottom", col + more)
    plot.setLabel("left", "rows")
    plain_numbers(plot)


class ScatterBox(QGroupBox):
    """Two numeric columns against each other; the Data tab redraws it with :meth:`draw`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Scatter plot, coloured by the target", parent)
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        self.scatter = pg.PlotWidget(background="w")
        self.scatter.setMinimumHeight(160)
        self.scatter.showGrid(x=True, y=True, alpha=0.2)
        plain_numbers(self.scatter)
        self.scatter_legend = legend_below(self.scatter, labelTextSize="8pt")  # not over the points
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self.scatter_caption = QLabel()
        self.scatter_caption.setWordWrap(True)
        self.scatter_caption.setStyleSheet("color: #555")
        axes = QHBoxLayout()
        axes.addWidget(QLabel("x:"))
        axes.addWidget(self.x_combo, 1)
        axes.addWidget(QLabel("y:"))
        axes.addWidget(self.y_combo, 1)
        sl = QVBoxLayout(self)
        sl.addLayout(axes)
        sl.addWidget(self.scatter, 1)
        sl.addWidget(self.scatter_caption)

    def set_columns(self, numeric: list[str], features: list[str], project=None) -> None:
        """Offer the numeric columns on both axes; start with the two numeric features that say
        most about ``project``'s target (the surface's rule: :func:`core.surface.table_pair`), or
        the first two."""
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            for c in numeric:
                combo.addItem(c, c)
            combo.blockSignals(False)
        feats = [c for c in features if c in numeric] or numeric
        if project is not None:
            feats = table_pair(project.dataset.frame, feats, project.roles.target,
                               task_or_none(project))
        if feats:
            select_value(self.x_combo, feats[0])
            select_value(self.y_combo, feats[1] if len(feats) > 1 else feats[0])

    def draw(self, project) -> None:
        """Plot the two chosen columns of ``project``'s table, coloured by its target."""
        for it in self.scatter_items:
            self.scatter.removeItem(it)
        self.scatter_items.clear()
        if self.scatter_legend is not None:
            self.scatter_legend.clear()
        pr = project
        frame = project.dataset.frame
        fx, fy = self.x_combo.currentData(), self.y_combo.currentData()
        if fx is None or fy is None:
            self.scatter_caption.setText("The table has no numeric columns to plot.")
            return
        n = len(frame)
        rows = np.arange(n)
        if n > SCATTER_MAX:
            rows = np.sort(np.random.default_rng(0).choice(n, SCATTER_MAX, replace=False))
        x = pd.to_numeric(frame[fx].iloc[rows], errors="coerce").to_numpy(float)
        y = pd.to_numeric(frame[fy].iloc[rows], errors="coerce").to_numpy(float)
        target = pr.roles.target
        tgt = pr.target_values()[0].iloc[rows] if target in frame.columns else None
        ok = np.isfinite(x) & np.isfinite(y)
        self.scatter.setLabel("bottom", fx)
        self.scatter.setLabel("left", fy)
        sample = f"a random {len(rows):,} of {n:,} rows" if n > SCATTER_MAX else f"{n:,} rows"
        task = task_or_none(project)
        if tgt is not None and task in (Task.BINARY, Task.MULTICLASS):
            classes = target_classes(tgt)
            if len(classes) <= len(PALETTE):
                for i, c in enumerate(classes):
                    m = ok & (tgt == c).to_numpy()
                    color = pg.mkColor(class_color(i))
                    color.setAlpha(150)  # see-through, so the most frequent class does not hide the rest
                    it = pg.ScatterPlotItem(x[m], y[m], size=5, pen=None, brush=pg.mkBrush(color),
                                            name=f"{target} = {c}")
                    self.scatter.addItem(it)
                    self.scatter_items.append(it)
                self.scatter_caption.setText(f"{fx} against {fy}, {sample}, coloured by {target}.")
                return
        if tgt is not None and task is Task.REGRESSION:
            v = pd.to_numeric(tgt, errors="coerce").to_numpy(float)
            m = ok & np.isfinite(v)
            lo, hi = (float(np.min(v[m])), float(np.max(v[m]))) if m.any() else (0.0, 1.0)
            cmap = pg.colormap.get("viridis")
            colors = cmap.map((v[m] - lo) / (hi - lo if hi > lo else 1.0), mode="qcolor")
            it = pg.ScatterPlotItem(x[m], y[m], size=5, pen=None, brush=[pg.mkBrush(c) for c in colors])
            self.scatter.addItem(it)
            self.scatter_items.append(it)
            self.scatter_caption.setText(f"{fx} against {fy}, {sample}; colour: {target} from "
                                         f"{fmt_number(lo)} (purple) to {fmt_number(hi)} (yellow).")
            return
        it = pg.ScatterPlotItem(x[ok], y[ok], size=5, pen=None, brush=pg.mkBrush("#1f77b4"))
        self.scatter.addItem(it)
        self.scatter_items.append(it)
        self.scatter_caption.setText(f"{fx} against {fy}, {sample}.")
