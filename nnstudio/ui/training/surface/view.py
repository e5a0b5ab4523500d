"""The decision surface: what the network predicts over a plane of two features, live while it trains.

Under the data points, a heatmap of the prediction: binary — the probability of the positive class
on a diverging map centred on 0.5, with the 0.5 contour (the decision boundary); multi-class — each
class its colour, stronger where the network is more confident; regression — the predicted value.
Axes are in the data's original units. With more than two features the plane is a slice: the user
picks the axes and every other feature is held at a value (median / most frequent by default).

The grid itself is :mod:`nnstudio.core.surface` (encoding through the training preprocessing,
the NumPy forward pass). While training runs, every :class:`~nnstudio.core.training.engine.Progress`
carries a copy of the weights; frames are rate-limited, computed on the GUI thread when the grid
costs a few milliseconds, otherwise on a worker thread (one frame in flight, the newest weights
next). Panning or zooming the plot recomputes the grid over the visible range.
"""
from __future__ import annotations

import collections
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import surface as core_surface
from nnstudio.core.data.preprocess import PreparedData
from nnstudio.core.errors import NNStudioError
from nnstudio.core.forward import ForwardLayer, forward, layers_from_model
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.training.engine import Progress
from nnstudio.ui.common.colors import (
    binary_colormap,
    class_color,
    class_image,
    confidence_colormap,
    regression_colormap,
)
from nnstudio.ui.common.image_export import ask_png_path, export_png
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.plots import legend_below
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.state import AppState
from nnstudio.ui.training.surface.held import HeldValuesPanel

#: Most points drawn per split (a seeded random subset beyond this; the caption says so).
MAX_POINTS = 4000
#: A grid whose estimated cost is below this (seconds) is computed on the GUI thread.
INLINE_BUDGET_S = 0.008
#: Shortest time between two live frames (seconds): at most 20 frames a second. In the app the
#: engine reports 15 times a second (TrainingController.REPORT_INTERVAL_S) and each report is drawn
#: as it arrives, while the training thread is inside its next compiled chunk; a frame costs the
#: GUI thread ~8 ms (NumPy ~2 ms, the repaint the rest).
MIN_FRAME_INTERVAL_S = 1 / 20
MISCLASSIFIED_PEN = pg.mkPen("#d62728", width=2)


@dataclass
class _Points:
    """One split's rows as drawn: positions in original units, encoded inputs, true targets."""

    x: np.ndarray
    y: np.ndarray
    X: np.ndarray
    target: np.ndarray
    total: int  # rows in the split before subsampling / dropping unplaceable ones


@dataclass
class _Job:
    seq: int
    layers: list[ForwardLayer]
    meta: dict
    spec: core_surface.SliceSpec
    grid: core_surface.SurfaceGrid | None  # None: must be built (encoded) first


class SurfaceView(QWidget):
    surface_updated = Signal(object)  # core.surface.Surface, after it is drawn
    message = Signal(str, str)  # (level, text) for the window

    def __init__(self, state: AppState, pool: WorkerPool | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pool = pool or WorkerPool(self)

        # ----- controls
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        for c, tip in ((self.x_combo, "Feature on the horizontal axis"),
                       (self.y_combo, "Feature on the vertical axis")):
            c.setToolTip(tip + " (numeric features; the others are held at a value).")
            c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            c.setMinimumContentsLength(6)
        self.show_test = QCheckBox("Test data")
        self.show_test.setChecked(True)
        self.show_test.setToolTip("Draw the test rows (triangles) as well as the training rows (circles).")
        self.discretize = QCheckBox("Discretize")
        self.discretize.setToolTip("Show only the predicted class (or value bands) instead of "
                                   "shading by probability.")
        self.live = QCheckBox("Live")
        self.live.setChecked(True)
        self.live.setToolTip("Redraw the surface while the network trains.")
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 0)
        bar.addWidget(QLabel("X"))
        bar.addWidget(self.x_combo)
        bar.addWidget(QLabel("Y"))
        bar.addWidget(self.y_combo)
        bar.addStretch(1)
        for w in (self.show_test, self.discretize, self.live):
            bar.addWidget(w)

        # ----- plot, colour bar, slice line (the last two are part of an exported image)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.plot: pg.PlotItem = self.glw.addPlot(row=0, col=0)
        # no grid, ticks outside: an axis that reaches into the plot is repainted with every frame
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setStyle(tickLength=5)
        self.vb = self.plot.getViewBox()
        self.color_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=binary_colormap(False),
                                         interactive=False, colorMapMenu=False, width=14)
        self.glw.addItem(self.color_bar, row=0, col=1)
        self.slice_label = self.glw.addLabel("", row=1, col=0, colspan=2, size="9pt", color="#444")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-20)
        self.plot.addItem(self.image, ignoreBounds=True)
        self.color_bar.setImageItem(self.image)
        self.rgb_image = pg.ImageItem(axisOrder="row-major")
        self.rgb_image.setZValue(-20)
        self.plot.addItem(self.rgb_image, ignoreBounds=True)
        # the 0.5 contour, as segments from core.surface.contour_segments (NumPy marching squares)
        self.contour = pg.PlotCurveItem(pen=pg.mkPen("#222", width=2), connect="pairs")
        self.contour.setZValue(-10)
        self.plot.addItem(self.contour, ignoreBounds=True)
        # under the plot, not over the points (issue 16)
        self.legend = legend_below(self.plot, columns=2, labelTextSize="8pt")
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # per-frame status in the plot's corner (an item in the view: changing it repaints only itself)
        # bottom right: the legend takes the top left, and in a narrow view the two met at the top
        self.status_item = pg.TextItem("", color="#222", anchor=(1, 1), fill=pg.mkBrush(255, 255, 255, 200))
        self.status_item.setParentItem(self.vb)
        self.status_item.setZValue(30)
        self.status_item.hide()
        self.vb.sigResized.connect(self._place_status)
        self.miss_scatter = pg.ScatterPlotItem(symbol="o", size=14, pen=MISCLASSIFIED_PEN, brush=None)
        self.miss_scatter.setZValue(10)
        self.plot.addItem(self.miss_scatter, ignoreBounds=True)
        self.export_action = self.vb.menu.addAction("Export image (PNG)…")
        self.export_action.triggered.connect(self.export_image_dialog)

        self.readout = QLabel(" ")  # what the network predicts under the mouse pointer
        self.readout.setToolTip("The prediction at the grid point nearest the mouse pointer.")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)

        # ----- held values (slice)
        self.held_box = HeldValuesPanel()
        self.held_box.changed.connect(self._on_held_changed)
        self.reset_held_btn = self.held_box.reset_btn

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.glw, 1)
        lay.addWidget(self.readout)
        lay.addWidget(self.caption)
        lay.addWidget(self.held_box)

        # ----- state
        self.scatters: list[pg.ScatterPlotItem] = []  # training rows, one per class (legend entries)
        self.test_scatters: list[pg.ScatterPlotItem] = []
        self._prep: PreparedData | None = None
        self._axes: tuple[str, str] | None = None
        self._points: dict[str, _Points] = {}
        self._problem = ""
        self._reg_levels = (0.0, 1.0)
        self._train_net: tuple[NetworkSpec, Task, int] | None = None
        self._net: tuple[list[ForwardLayer], dict] | None = None  # what the surface shows
        self._grids: collections.OrderedDict = collections.OrderedDict()
        self._pending: dict | None = None
        # frames computed off the GUI thread: one at a time (the newest request is computed next)
        self.jobs = LatestJob(self.pool, "surface", self)
        self.jobs.result.connect(self._on_job_finished)
        self.jobs.error.connect(self._on_job_failed)
        self.jobs.idle.connect(self._on_jobs_idle)
        self._seq = 0
        self._min_seq = 0
        self._last_frame_t = 0.0
        self._cost_scale = 1.0  # measured / estimated cost of a frame
        self._stale = False
        self.last_surface: core_surface.Surface | None = None
        self.last_misclassified: dict[str, int] = {}
        self.frames = 0  # surfaces drawn since the last project / training start
        self.inline_frames = 0  # of which computed on the GUI thread

        self._frame_timer = QTimer(self)
        self._frame_timer.setSingleShot(True)
        self._frame_timer.timeout.connect(self._render_pending)
        self._regrid_timer = QTimer(self)
        self._regrid_timer.setSingleShot(True)
        self._regrid_timer.setInterval(120)
        self._regrid_timer.timeout.connect(self._on_view_settled)
        self._settle_timer = QTimer(self)  # full resolution once a dragged slider rests
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(250)
        self._settle_timer.timeout.connect(lambda: self._schedule_redraw())

        self.x_combo.currentTextChanged.connect(lambda _t: self._axis_changed("x"))
        self.y_combo.currentTextChanged.connect(lambda _t: self._axis_changed("y"))
        self.show_test.toggled.connect(self._on_show_test)
        self.discretize.toggled.connect(self._on_discretize)
        self.live.toggled.connect(self._on_live_toggled)
        self.vb.sigRangeChanged.connect(lambda *_: self._regrid_timer.start())
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        state.project_changed.connect(self.refresh_points)
        state.data_changed.connect(self.refresh_points)
        state.training_started.connect(self._on_training_started)
        state.training_progress.connect(self._on_progress)
        state.model_changed.connect(self._on_model_changed)
        self.refresh_points()

    # ===== data and points ============================================================================
    @Slot()
    def refresh_points(self) -> None:
        """A new project or new roles/preprocessing: axes, held values and points from scratch."""
        self._invalidate()
        self._grids.clear()
        self._net = None
        self.frames = 0
        self._clear_surface()
        self._prep = self.state.try_prepared()
        self._problem = ""
        if self._prep is None:
            try:
                self.state.prepared()
            except NNStudioError as e:
                self._problem = f"The data cannot be shown: {e.user_text()}"
        else:
            pre = self._prep.preprocessor
            cands = core_surface.axis_features(pre)
            if len(cands) < 2:
                self._problem = (f"The decision surface needs two numeric features; this data has "
                                 f"{len(cands)}{' (' + cands[0] + ')' if cands else ''}. Categorical "
                                 f"features cannot be an axis.")
            else:
                prev = self._axes
                self._axes = prev if prev and prev[0] in cands and prev[1] in cands else \
                    core_surface.default_axes(pre, self._prep.raw_train)
                for combo, name in ((self.x_combo, self._axes[0]), (self.y_combo, self._axes[1])):
                    combo.blockSignals(True)
                    combo.clear()
                    combo.addItems(cands)
                    combo.setCurrentText(name)
                    combo.blockSignals(False)
                self.held_box.set_defaults(core_surface.default_held_values(pre, self._prep.raw_train))
                if pre.task is Task.REGRESSION:
                    yt = np.asarray(self._prep.y_train, float)
                    lo, hi = float(np.nanmin(yt)), float(np.nanmax(yt))
                    self._reg_levels = (lo, hi) if hi > lo else (lo - 1.0, lo + 1.0)
        if self._problem:
            self._axes = None
            for combo in (self.x_combo, self.y_combo):
                combo.blockSignals(True)
                combo.clear()
                combo.blockSignals(False)
        self.x_combo.setEnabled(self._axes is not None)
        self.y_combo.setEnabled(self._axes is not None)
        self._build_held_panel()
        self._draw_points(autorange=True)
        self._set_colors()
        self._update_texts()
        if self.state.model is not None:  # e.g. a project reloaded with its model
            self._on_model_changed()

    def _task(self) -> Task | None:
        return self._prep.task if self._prep is not None else None

    def _split_points(self, raws: list[pd.DataFrame], Xs: list[np.ndarray], ys: list[np.ndarray],
                      seed: int) -> _Points:
        fx, fy = self._axes
        raw = pd.concat(raws, ignore_index=True) if len(raws) > 1 else raws[0]
        X = np.vstack(Xs) if len(Xs) > 1 else Xs[0]
        y = np.concatenate(ys) if len(ys) > 1 else ys[0]
        px = pd.to_numeric(raw[fx], errors="coerce").to_numpy(float)
        py = pd.to_numeric(raw[fy], errors="coerce").to_numpy(float)
        keep = np.nonzero(np.isfinite(px) & np.isfinite(py))[0]
        if len(keep) > MAX_POINTS:
            keep = np.sort(np.random.default_rng(seed).choice(keep, MAX_POINTS, replace=False))
        return _Points(px[keep], py[keep], np.asarray(X[keep], np.float32), np.asarray(y)[keep], len(raw))

    def _draw_points(self, autorange: bool = False) -> None:
        for s in self.scatters + self.test_scatters:
            self.plot.removeItem(s)
        self.scatters.clear()
        self.test_scatters.clear()
        self.legend.clear()
        self.legend.setColumnCount(2)
        self.miss_scatter.setData([], [])
        self._points = {}
        prep = self._prep
        if prep is None or self._axes is None:
            self.plot.setLabel("bottom", "")
            self.plot.setLabel("left", "")
            return
        fx, fy = self._axes
        self.plot.setLabel("bottom", fx)
        self.plot.setLabel("left", fy)
        self._points["train"] = self._split_points([prep.raw_train, prep.raw_val],
                                                   [prep.X_train, prep.X_val],
                                                   [prep.y_train, prep.y_val], 0)
        if len(prep.raw_test):
            self._points["test"] = self._split_points([prep.raw_test], [prep.X_test], [prep.y_test], 1)
        task = prep.task
        target = prep.preprocessor.target
        many = sum(len(p.x) for p in self._points.values()) > 1500
        size = 5 if many else 7
        self.miss_scatter.setSize(size + (4 if many else 7))
        self.miss_scatter.setPen(pg.mkPen("#d62728", width=1.2 if many else 2))
        edge = pg.mkPen("w", width=0.6)
        test_edge = pg.mkPen("#222", width=0.8)
        if task is Task.REGRESSION:
            cm = regression_colormap(False)
            lo, hi = self._reg_levels
            for key, pts in self._points.items():
                brushes = cm.map(np.clip((pts.target.astype(float) - lo) / (hi - lo), 0, 1), mode="qcolor")
                if key == "train":
                    s = pg.ScatterPlotItem(pts.x, pts.y, size=size, pen=pg.mkPen("#222", width=0.6),
                                           brush=brushes, symbol="o", name="training rows")
                    self.scatters.append(s)
                else:
                    s = pg.ScatterPlotItem(pts.x, pts.y, size=size + 2, pen=test_edge, brush=brushes,
                                           symbol="t1", name="test rows")
                    self.test_scatters.append(s)
                self.plot.addItem(s)
        else:
            classes = prep.preprocessor.classes
            k = len(classes)
            for key, pts in self._points.items():
                for i, c in enumerate(classes):
                    m = pts.target == i
                    if key == "train":
                        s = pg.ScatterPlotItem(pts.x[m], pts.y[m], size=size, pen=edge, symbol="o",
                                               brush=pg.mkBrush(class_color(i, k)),
                                               name=f"{target} = {c}" if i < 12 else None)
                        self.scatters.append(s)
                    else:
                        s = pg.ScatterPlotItem(pts.x[m], pts.y[m], size=size + 2, pen=test_edge,
                                               symbol="t1", brush=pg.mkBrush(class_color(i, k)))
                        self.test_scatters.append(s)
                    self.plot.addItem(s)
            if self.test_scatters:
                self.legend.addItem(pg.ScatterPlotItem(symbol="t1", size=size + 2, pen=test_edge,
                                                       brush=pg.mkBrush("#bbb")), "test rows (▲)")
            self.legend.addItem(pg.ScatterPlotItem(symbol="o", size=12, pen=MISCLASSIFIED_PEN,
                                                   brush=None), "misclassified")
            if max((len(lab.text) for _, lab in self.legend.items), default=0) <= self.legend.LONG_LABEL:
                self.legend.setColumnCount(2 if k <= 2 else 3 if k <= 10 else 4)
        for s in self.test_scatters:
            s.setVisible(self.show_test.isChecked())
        # The data points do not change while the surface under them does: keep each scatter as a
        # pixmap (redrawn when the view moves) instead of repainting every point on every frame.
        for s in self.scatters + self.test_scatters:
            s.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if autorange:
            self.view_all()

    @Slot()
    def view_all(self) -> None:
        """Fit the view to the data points (a constant feature gets a unit-wide range)."""
        pts = [p for k, p in self._points.items() if len(p.x)]
        self.vb.disableAutoRange()
        if not pts:
            return
        ranges = []
        for coord in ("x", "y"):
            v = np.concatenate([getattr(p, coord) for p in pts])
            lo, hi = float(v.min()), float(v.max())
            pad = 0.06 * (hi - lo) if hi > lo else max(1.0, abs(lo) * 0.1)
            ranges.append((lo - pad, hi + pad))
        self.vb.setRange(xRange=ranges[0], yRange=ranges[1], padding=0)

    # ===== held values (slice) ===========================================================================
    def _build_held_panel(self) -> None:
        self.held_box.rebuild(self._prep.preprocessor if self._prep is not None else None, self._axes)

    def set_held_value(self, name: str, value) -> None:
        """Hold ``name`` at ``value`` (as if the user moved its slider / picked it in its list)."""
        self.held_box.set_value(name, value)

    @Slot(str, object)
    def _on_held_changed(self, _name: str, _value) -> None:
        self._update_texts()
        self._schedule_redraw(quick=True)

    @Slot()
    def reset_held_values(self) -> None:
        self.held_box.reset()

    @property
    def held_values(self) -> dict[str, object]:
        return {k: v for k, v in self.held_box.values.items() if self._axes and k not in self._axes}

    @property
    def axes(self) -> tuple[str, str] | None:
        return self._axes

    def set_axes(self, x: str, y: str) -> None:
        self.x_combo.setCurrentText(x)
        self.y_combo.setCurrentText(y)

    def _axis_changed(self, which: str) -> None:
        if self._axes is None:
            return
        x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if not x or not y:
            return
        if x == y:  # the same feature twice: swap instead
            other = self.y_combo if which == "x" else self.x_combo
            old = self._axes[0] if which == "x" else self._axes[1]
            other.blockSignals(True)
            other.setCurrentText(old)
            other.blockSignals(False)
            x, y = self.x_combo.currentText(), self.y_combo.currentText()
        if (x, y) == self._axes:
            return
        self._axes = (x, y)
        self._invalidate()
        self._grids.clear()
        self._clear_surface(keep_net=True)
        self._build_held_panel()
        self._draw_points(autorange=True)
        self._update_texts()
        self._schedule_redraw()

    # ===== toggles ==============================================================================
    @Slot(bool)
    def _on_show_test(self, on: bool) -> None:
        for s in self.test_scatters:
            s.setVisible(on)
        self._draw_misclassified()
        self._update_texts()

    @Slot(bool)
    def _on_discretize(self, _on: bool) -> None:
        self._set_colors()
        if self.last_surface is not None:
            self._draw_surface(self.last_surface)

    @Slot(bool)
    def _on_live_toggled(self, on: bool) -> None:
        if on and self._pending is not None:
            self._kick()

    def _set_colors(self) -> None:
        task = self._task()
        disc = self.discretize.isChecked()
        axis = self.color_bar.getAxis("left")
        if task is Task.REGRESSION:
            self.color_bar.setColorMap(regression_colormap(disc))
            self.color_bar.setLevels(self._reg_levels)
            axis.setLabel(f"predicted {self._prep.preprocessor.target}")
        elif task is Task.MULTICLASS:
            k = self._prep.n_classes
            self.color_bar.setColorMap(confidence_colormap())
            self.color_bar.setLevels((1.0 / k, 1.0))
            axis.setLabel("confidence (colour strength)")
        else:
            self.color_bar.setColorMap(binary_colormap(disc))
            self.color_bar.setLevels((0.0, 1.0))
            if self._prep is not None:
                pre = self._prep.preprocessor
                axis.setLabel(f"P({pre.target} = {pre.classes[1]})")
            else:
                axis.setLabel("")

    # ===== training and the model ==========================================================================
    @Slot()
    def _on_training_started(self) -> None:
        prep = self._prep or self.state.try_prepared()
        if prep is None:
            self._train_net = None
            return
        self._train_net = (self.state.project.spec.copy(), prep.task, prep.n_classes)
        self.frames = 0
        self.inline_frames = 0

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        if p.weights is None or self._train_net is None or self._axes is None:
            return
        spec, task, k = self._train_net
        meta = {"epoch": p.epoch, "epochs": p.epochs, "live": True, "state": p.state}
        self._pending = {"weights": p.weights, "spec": spec, "task": task, "k": k, "meta": meta}
        if self.live.isChecked():
            self._kick()

    @Slot()
    def _on_model_changed(self) -> None:
        model = self.state.model
        self._invalidate()
        if model is None:
            self._net = None
            self._clear_surface()
            self._update_texts()
            return
        try:
            layers = layers_from_model(model)
        except NNStudioError as e:
            self._net = None
            self._clear_surface()
            self._problem = f"The surface cannot be drawn: {e.user_text()}"
            self._update_texts()
            return
        r = self.state.result
        meta = {"final": True, "epoch": r.epochs_run if r else None, "test": dict(r.test) if r else {}}
        self._net = (layers, meta)
        self._schedule_redraw(final=True)

    # ===== scheduling ===========================================================================
    def _invalidate(self) -> None:
        """Results of frames requested so far are no longer wanted."""
        self._min_seq = self._seq + 1
        self._pending = None

    def _schedule_redraw(self, final: bool = False, quick: bool = False) -> None:
        """Recompute the current network on the current plane (after a view, slice or model change).

        ``quick``: at the live resolution (a slider being dragged); the full one follows once the
        value has stayed put for a moment.
        """
        if self._net is None or self._axes is None:
            return
        layers, meta = self._net
        self._pending = {"layers": layers, "meta": dict(meta), "final": final or "final" in meta,
                         "quick": quick}
        self._kick(immediate=True)
        if quick:
            self._settle_timer.start()

    def _kick(self, immediate: bool = False) -> None:
        if self.jobs.busy:
            return  # the running job picks up the newest request when it ends
        wait = 0.0 if immediate else max(0.0, MIN_FRAME_INTERVAL_S - (time.perf_counter() - self._last_frame_t))
        if not self._frame_timer.isActive():
            self._frame_timer.start(int(wait * 1000))
        elif immediate:
            self._frame_timer.start(0)

    def _current_spec(self, resolution: int) -> core_surface.SliceSpec:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return core_surface.SliceSpec.make(self._axes[0], self._axes[1], (x0, x1), (y0, y1),
                                           resolution, self.held_values)

    @Slot()
    def _render_pending(self) -> None:
        if self._pending is None or self.jobs.busy or self._axes is None or self._prep is None:
            return
        if not self.isVisible():
            self._stale = True  # drawn when the view is shown again
            return
        req = self._pending
        live = req["meta"].get("live", False)
        if live and not self.live.isChecked():
            return
        self._pending = None
        if "weights" in req:
            try:
                layers = core_surface.network_from_weights(req["spec"], req["task"], req["k"],
                                                           req["weights"])
            except NNStudioError as e:
                self._problem = f"The live surface cannot be drawn: {e.user_text()}"
                self._update_texts()
                return
            self._net = (layers, req["meta"])
        else:
            layers = req["layers"]
        res = core_surface.LIVE_RESOLUTION if live or req.get("quick") else core_surface.FINAL_RESOLUTION
        try:
            spec = self._current_spec(res)
        except (ValueError, TypeError):
            return
        grid = self._grids.get(spec)
        self._seq += 1
        job = _Job(self._seq, layers, req["meta"], spec, grid)
        rows = res * res
        ncols = 0 if grid is not None else len(self._prep.preprocessor.columns)
        est = core_surface.estimate_seconds(rows, layers, ncols) * self._cost_scale
        self._last_frame_t = time.perf_counter()
        if est <= INLINE_BUDGET_S:
            self.inline_frames += 1
            try:
                out = self._compute(job, self._prep.preprocessor, self._points)
            except NNStudioError as e:
                self._show_problem(e)
                return
            self._finish(job, out, est)
        else:
            self._start_worker(job, est)

    @staticmethod
    def _compute(job: _Job, pre, points: dict[str, _Points]) -> dict:
        """Grid (if needed), surface and point predictions: plain NumPy, safe on any thread.

        ``seconds`` is the CPU time of this thread (what the frame costs, whatever else runs).
        """
        t0 = time.thread_time()
        grid = job.grid if job.grid is not None else core_surface.make_grid(pre, job.spec)
        surf = core_surface.evaluate(grid, job.layers, pre.task)
        surf.meta = dict(job.meta)
        preds = {k: core_surface.predicted_classes(np.asarray(forward(job.layers, p.X)), pre.task)
                 for k, p in points.items() if len(p.X)}
        return {"surface": surf, "preds": preds, "seconds": time.thread_time() - t0}

    def _start_worker(self, job: _Job, est: float) -> None:
        pre, points = self._prep.preprocessor, dict(self._points)
        self.jobs.submit((job, est), lambda: self._compute(job, pre, points))

    @Slot(object, object)
    def _on_job_finished(self, tag, out: dict) -> None:
        job, est = tag
        self._finish(job, out, est)

    @Slot(object, object)
    def _on_job_failed(self, _tag, err: NNStudioError) -> None:
        self._show_problem(err)

    @Slot()
    def _on_jobs_idle(self) -> None:
        if self._pending is not None:
            self._kick()

    def _finish(self, job: _Job, out: dict, est: float) -> None:
        measured = out["seconds"]
        if est > 0:  # learn how pessimistic the estimate is (smoothed, bounded)
            ratio = min(20.0, max(0.05, measured / (est / self._cost_scale)))
            self._cost_scale = 0.7 * self._cost_scale + 0.3 * ratio
        if job.seq < self._min_seq:
            return  # superseded (new model, new data, training restarted)
        surf: core_surface.Surface = out["surface"]
        surf.meta["seconds"] = measured  # CPU time of the grid, surface and point predictions
        self._grids[job.spec] = surf.grid
        while len(self._grids) > 4:
            self._grids.popitem(last=False)
        if not surf.finite:
            self._problem = ("The network's outputs are not finite numbers (training diverged?): "
                             "lower the learning rate and train again.")
            self._update_texts()
            return
        had_problem, prev = bool(self._problem), self.last_surface
        self._problem = ""
        self._preds = out["preds"]
        self._draw_surface(surf)
        self._draw_misclassified()
        self.frames += 1
        self.last_surface = surf
        if had_problem or prev is None or bool(prev.meta.get("live")) != bool(surf.meta.get("live")):
            self._update_texts()
        else:  # the common case while training: only what changes every frame
            self._update_title()
            self._update_status()
        self.surface_updated.emit(surf)

    def _show_problem(self, err: NNStudioError) -> None:
        self._problem = f"The surface cannot be drawn: {err.user_text()}"
        self._update_texts()

    # ===== drawing ==============================================================================
    def _clear_surface(self, keep_net: bool = False) -> None:
        self.image.clear()
        self.rgb_image.clear()
        self.contour.setData([], [])
        self.image.hide()
        self.rgb_image.hide()
        self.miss_scatter.setData([], [])
        self._preds = {}
        self.last_surface = None
        self.last_misclassified = {}
        if not keep_net:
            self._net = None

    def _draw_surface(self, surf: core_surface.Surface) -> None:
        g = surf.grid
        xs, ys = g.xs, g.ys
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        rect = QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))
        if surf.task is Task.MULTICLASS:
            rgb = class_image(surf.winner, surf.values, surf.probs.shape[-1], self.discretize.isChecked())
            self.rgb_image.setImage(rgb, levels=(0, 255))
            self.rgb_image.setRect(rect)
            self.rgb_image.show()
            self.image.hide()
            self.contour.setData([], [])
            return
        vals = np.ascontiguousarray(surf.values, dtype=np.float32)
        self.image.setImage(vals, autoLevels=False)
        self.image.setLevels(self.color_bar.levels())
        self.image.setRect(rect)
        self.image.show()
        self.rgb_image.hide()
        seg = surf.boundary
        if surf.task is Task.BINARY and seg is not None and len(seg):
            pts = seg.reshape(-1, 2)
            self.contour.setData(pts[:, 0], pts[:, 1], connect="pairs")
        else:
            self.contour.setData([], [])

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

    # ===== texts ==============================================================================
    def _update_texts(self) -> None:
        """Title, slice line and caption: they change with the configuration, not every frame."""
        prep = self._prep
        if self._problem and (prep is None or self._axes is None):
            self._set_title("")
            self._set_slice_text("")
            self._update_status()
            self.caption.setText(self._problem)
            self.color_bar.hide()
            return
        self.color_bar.show()
        pre = prep.preprocessor
        task = prep.task
        self._update_title()
        self._update_status()
        sl = core_surface.describe_slice(pre, *self._axes, self.held_values, self.held_box.defaults)
        self._set_slice_text(core_surface.describe_slice(pre, *self._axes, self.held_values,
                                                         self.held_box.defaults, max_items=4))
        # caption: how to read it
        parts = []
        if task is Task.BINARY:
            parts.append(f"Colour: the probability that <i>{pre.target}</i> = {pre.classes[1]} "
                         f"(blue: {pre.classes[0]}, orange: {pre.classes[1]}); black line: 0.5, the "
                         f"decision boundary.")
        elif task is Task.MULTICLASS:
            parts.append("Colour: the predicted class, stronger where the network is more confident.")
        else:
            parts.append(f"Colour: the predicted <i>{pre.target}</i>; points are coloured by their "
                         f"true value on the same scale.")
        n_tr = self._points["train"].total if "train" in self._points else 0
        n_te = self._points["test"].total if "test" in self._points else 0
        pts = f"● {n_tr:,} training rows"
        if n_te and self.show_test.isChecked():
            pts += f", ▲ {n_te:,} test rows"
        shown = sum(len(p.x) for p in self._points.values())
        if shown < n_tr + n_te:
            pts += f" (a random {shown:,} of them drawn)"
        parts.append(pts + ".")
        if task is not Task.REGRESSION:
            parts.append("<span style='color:#d62728'>○</span> misclassified by the network shown.")
        if sl:
            parts.append("<b>A slice</b>: points are all rows projected onto the plane.")
        if self._problem:
            parts.append(f"<span style='color:#b00'>{self._problem}</span>")
        self.caption.setText(" ".join(parts))

    def _set_title(self, text: str) -> None:
        # only on a real change: a new title re-lays out the plot, which repaints its axes too
        if text != getattr(self, "_title", None):
            self._title = text
            self.plot.setTitle(text, size="10pt")
            self._fit_layout()

    def _update_title(self) -> None:
        surf = self.last_surface
        if surf is None:
            # short titles: the title's width is the plot's minimum width
            title = "Not trained yet: press Train" if self.state.model is None \
                else "Computing the surface…"
        elif surf.meta.get("live"):
            title = "Training (live)"
        else:
            test = surf.meta.get("test") or {}
            title = "Trained model"
            if "accuracy" in test:
                title += f" · test accuracy {test['accuracy']:.3f}"
            elif "mae" in test:
                title += f" · test MAE {test['mae']:.4g}"
        self._set_title(title)

    def _update_status(self) -> None:
        """The line in the plot's corner that changes with every frame: epoch, misclassified rows."""
        surf = self.last_surface
        parts = []
        if surf is not None and surf.meta.get("live"):
            paused = " (paused)" if surf.meta.get("state") == "paused" else ""
            parts.append(f"epoch {surf.meta.get('epoch')} of {surf.meta.get('epochs')}{paused}")
        m = self.last_misclassified
        if surf is not None and m:
            sub = any(len(p.x) < p.total for p in self._points.values())
            txt = f"misclassified: {m.get('train', 0)} training"
            if "test" in m and self.show_test.isChecked():
                txt += f", {m['test']} test"
            parts.append(txt + ("\n(of the rows drawn)" if sub else ""))
        text = "\n".join(parts)  # one line each: a narrow view cut a single long line
        if text != self.status_text:
            self.status_item.setText(text)
            self.status_item.setVisible(bool(text))
            self._place_status()

    @property
    def status_text(self) -> str:
        return self.status_item.toPlainText() if self.status_item.isVisible() else ""

    @Slot()
    def _place_status(self) -> None:
        self.status_item.setPos(self.vb.width() - 4, self.vb.height() - 4)

    def _set_slice_text(self, text: str) -> None:
        """The slice line under the plot (part of an exported image), wrapped to the plot's width."""
        self._slice_text = text
        self.slice_label.item.setTextWidth(max(120.0, self.glw.width() - 30.0) if text else -1)
        self.slice_label.setText(text)
        self.slice_label.setMaximumHeight(16777215 if text else 0)  # no empty row under a plane
        self._fit_layout()

    def _fit_layout(self) -> None:
        """Fit the plot, colour bar and slice line to the view again.

        pyqtgraph's labels take their text's width as their minimum width, and the layout grows to
        fit but never shrinks back by itself: a slice line wrapped for a wider view once kept the
        plot and its colour bar partly past the right edge of a narrower one.
        """
        self.glw.ci.setGeometry(self.glw.range)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        super().resizeEvent(event)
        if getattr(self, "_slice_text", ""):
            self._set_slice_text(self._slice_text)

    @Slot(object)
    def _on_mouse_moved(self, pos) -> None:
        self.readout.setText(self.describe_point(pos) or " ")

    def describe_point(self, scene_pos) -> str:
        """The prediction at the grid point nearest a scene position, in words ('' outside)."""
        surf = self.last_surface
        if surf is None or self._prep is None or not self.vb.sceneBoundingRect().contains(scene_pos):
            return ""
        p = self.vb.mapSceneToView(scene_pos)
        return self.describe_at(p.x(), p.y())

    def describe_at(self, x: float, y: float) -> str:
        surf = self.last_surface
        if surf is None or self._prep is None:
            return ""
        g = surf.grid
        dx, dy = g.xs[1] - g.xs[0], g.ys[1] - g.ys[0]
        i, j = int(round((x - g.xs[0]) / dx)), int(round((y - g.ys[0]) / dy))
        if not (0 <= i < len(g.xs) and 0 <= j < len(g.ys)):
            return ""
        pre = self._prep.preprocessor
        fx, fy = g.spec.x, g.spec.y
        where = f"{fx} = {core_surface.format_value(float(g.xs[i]))}, " \
                f"{fy} = {core_surface.format_value(float(g.ys[j]))}"
        if surf.task is Task.BINARY:
            v = float(surf.values[j, i])
            what = f"P({pre.target} = {pre.classes[1]}) = {v:.3f} → {pre.classes[int(v >= 0.5)]}"
        elif surf.task is Task.MULTICLASS:
            k = int(surf.winner[j, i])
            what = f"{pre.target} = {pre.classes[k]} ({surf.values[j, i]:.0%} sure)"
        else:
            what = f"predicted {pre.target} = {core_surface.format_value(float(surf.values[j, i]))}"
        return f"{where}: {what}"

    # ===== the view range follows the user ==================================================================
    @Slot()
    def _on_view_settled(self) -> None:
        if self._net is None or self.last_surface is None:
            return
        spec = self.last_surface.grid.spec
        (x0, x1), (y0, y1) = self.vb.viewRange()
        tol_x, tol_y = 0.01 * (x1 - x0), 0.01 * (y1 - y0)
        same = (abs(spec.x_range[0] - x0) < tol_x and abs(spec.x_range[1] - x1) < tol_x
                and abs(spec.y_range[0] - y0) < tol_y and abs(spec.y_range[1] - y1) < tol_y)
        if not same:
            self._schedule_redraw()

    # ===== visibility ==============================================================================
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt naming)
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._kick(immediate=True)

    # ===== export ===================================================================================
    def export_png(self, path: str, scale: float = 2.0) -> None:
        """Write the plot with its colour bar and slice line as a PNG, ``scale`` times the screen size."""
        export_png(self.glw, path, scale)

    @Slot()
    def export_image_dialog(self) -> None:
        path = ask_png_path(self, f"{self.state.project.dataset.name}-surface.png", "surface/export_dir")
        if path is None:
            return
        try:
            self.export_png(path)
        except NNStudioError as e:
            self.message.emit("error", e.user_text())
            return
        self.message.emit("info", f"Saved the decision surface to {path}.")
