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

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
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
from nnstudio.core.forward import ForwardLayer, layers_from_model
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.training.engine import Progress
from nnstudio.ui.common.colors import binary_colormap
from nnstudio.ui.common.follows_timeline import FollowsTimeline
from nnstudio.ui.common.image_export import ask_png_path, export_png
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.plots import legend_below, plain_numbers
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.state import AppState
from nnstudio.ui.training.surface.frames import FrameScheduling
from nnstudio.ui.training.surface.heatmap import SurfaceHeatmap
from nnstudio.ui.training.surface.held import HeldValuesPanel
from nnstudio.ui.training.surface.points import (
    LEGEND_POINTS,
    MISCLASSIFIED_PEN,
    SplitPoints,
    SurfacePoints,
)
from nnstudio.ui.training.surface.texts import SurfaceTexts


class SurfaceView(FollowsTimeline, FrameScheduling, SurfacePoints, SurfaceHeatmap, SurfaceTexts, QWidget):
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
        # data within -1..1 (drawn points) read "y (x0.001)" with ticks -900..900 otherwise
        plain_numbers(self.plot)
        self.vb = self.plot.getViewBox()
        self.color_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=binary_colormap(False),
                                         interactive=False, colorMapMenu=False, width=14)
        self.glw.addItem(self.color_bar, row=0, col=1)
        plain_numbers(self.color_bar)  # a price colour bar in dollars: 300,000, not 300000
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
        self.legend = legend_below(self.plot, columns=2, labelTextSize=f"{LEGEND_POINTS:g}pt")
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # per-frame status in the plot's corner (an item in the view: changing it repaints only itself)
        # bottom right: the legend takes the top left, and in a narrow view the two met at the top
        # small and see-through: on a crowded plane (churn's 8,000 rows) it hid the corner's points
        self.status_item = pg.TextItem("", color="#222", anchor=(1, 1), fill=pg.mkBrush(255, 255, 255, 140))
        font = self.status_item.textItem.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        self.status_item.setFont(font)
        self.status_item.setParentItem(self.vb)
        self.status_item.setZValue(30)
        self.status_item.hide()
        self.vb.sigResized.connect(self._place_status)
        self.vb.sigResized.connect(self.fit_legend)
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
        self._points: dict[str, SplitPoints] = {}
        self._with_val = False  # ● holds the validation rows too
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
        state.prepared_ready.connect(self.refresh_points)
        state.training_started.connect(self._on_training_started)
        state.training_progress.connect(self._on_progress)
        state.model_changed.connect(self._on_model_changed)
        state.epoch_shown.connect(self._on_epoch_shown)  # issue 19: the timeline scrubber
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
        if self._prep is None and self.state.preparing:
            self._problem = "Preparing the data…"  # big data, on a worker: drawn when they are ready
        elif self._prep is None:
            try:
                self.state.prepared()
            except NNStudioError as e:
                self._problem = f"The data cannot be shown: {e.user_text()}"
        else:
            pre = self._prep.preprocessor
            cands = core_surface.axis_features(pre)
            if len(cands) < 2:
                self._problem = (f"The decision surface needs two numeric features (numbers, or 0/1 "
                                 f"columns); this data has "
                                 f"{len(cands)}{' (' + cands[0] + ')' if cands else ''}. Categorical "
                                 f"features cannot be an axis.")
            else:
                prev = self._axes
                self._axes = prev if prev and prev[0] in cands and prev[1] in cands else \
                    core_surface.default_axes(pre, self._prep.raw_train, self._prep.y_train)
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
        self._update_title()  # "Computing the surface…" until it is drawn (later, if hidden now)
        self._schedule_redraw(final=True)

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
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._kick(immediate=True)

    # ===== export ===================================================================================
    def export_png(self, path: str, scale: float = 2.0) -> None:
        """Write the plot with its colour bar and slice line as a PNG, ``scale`` times the screen size."""
        self._show_slice_line(True)  # the image has no panel of held values to say it
        try:
            self.glw.ci.layout.activate()
            export_png(self.glw, path, scale)
        finally:
            self._show_slice_line(False)

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
