"""Per-neuron maps: every node's activation over the input plane, as TensorFlow Playground shows.

For a problem with two numeric inputs, each node of each Dense layer gets a small heatmap of its
activation over the plane of the two features (in their original units), orange for positive,
blue for negative, white at 0. The maps follow training live (from ``Progress.weights``, at most
a few times a second, and only while the tab is visible) and show the trained model afterwards.
The arithmetic is the NumPy engine's (:func:`nnstudio.core.forward.neuron_maps`).
"""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from nnstudio.core.errors import NNStudioError
from nnstudio.core.forward import layers_from_model, layers_from_weights, neuron_maps, plane_grid
from nnstudio.core.numbers import inputs_text
from nnstudio.core.surface import multiply_adds
from nnstudio.ui.common.empty_state import EmptyState
from nnstudio.ui.common.follows_timeline import FollowsTimeline
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.state import AppState

RESOLUTION = 48  # grid points per side of each map
MAP_PX = 92  # on-screen size of one map
MAX_UNITS = 16  # maps per layer; wider layers show the first ones
INTERVAL_MS = 150  # at most ~7 redraws a second while training
#: Maps that cost at most this many multiply-adds are computed at once, on the GUI thread (a
#: teaching net: well under a millisecond); dearer ones on a worker (a 100,000-unit layer's maps
#: held the window for 5 s).
INLINE_MULTIPLY_ADDS = 20_000_000
#: Outputs between 0 and 1 are coloured around 0.5 (the decision threshold), others around 0.
PROBABILITY_ACTIVATIONS = ("sigmoid", "softmax", "hard_sigmoid")

_CMAP = pg.ColorMap(pos=np.array([0.0, 0.5, 1.0]),
                    color=np.array([[8, 119, 189, 255], [255, 255, 255, 255], [245, 147, 34, 255]],
                                   dtype=np.ubyte))
LUT = _CMAP.getLookupTable(0.0, 1.0, 256)


def plane_inputs(data) -> tuple[str, str] | None:
    """The two feature names when the network's inputs are exactly two numeric features, else None."""
    pre = data.preprocessor
    cols = pre.columns
    if len(cols) != 2 or pre.n_outputs != 2:
        return None
    if not all(c.kind == "numeric" or getattr(c, "passthrough_binary", False) for c in cols):
        return None
    return cols[0].name, cols[1].name


class NeuronMapsView(FollowsTimeline, QWidget):
    node_clicked = Signal(int, int)  # (layer index, unit)

    def __init__(self, state: AppState, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        self.glw.scene().sigMouseClicked.connect(self._on_click)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(False)
        self.scroll.setWidget(self.glw)
        self.view = EmptyState(self.scroll)  # no maps yet: a message, not a white box
        lay = QVBoxLayout(self)
        lay.addWidget(self.caption)
        lay.addWidget(self.view, 1)

        self.axes: tuple[str, str] | None = None
        self.grid_inputs: np.ndarray | None = None  # the grid as network inputs
        self.extent: tuple[float, float, float, float] | None = None  # x0, x1, y0, y1
        self.images: dict[tuple[int, int], pg.ImageItem] = {}
        self.boxes: dict[tuple[int, int], pg.ViewBox] = {}
        self.maps: list[np.ndarray | None] | None = None  # what is drawn, per layer (units, n, n)
        self.updates = 0  # how many times the maps were redrawn (tests, status)
        self._shape_key = None
        self._pending = None  # ("weights", epoch, epochs, weights) | ("model", model)
        self._generation = 0  # a worker's maps for an older grid or network are dropped
        self.job = LatestJob(pool, "neuron maps", self)  # maps too dear for the GUI thread
        self.job.result.connect(self._on_job_result)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._flush)

        state.project_changed.connect(self._setup)
        state.data_changed.connect(self._setup)
        state.prepared_ready.connect(self._setup)
        state.spec_changed.connect(self._setup)
        state.model_changed.connect(self._on_model_changed)
        state.training_progress.connect(self._on_progress)
        state.epoch_shown.connect(self._on_epoch_shown)  # issue 19: the timeline scrubber
        self._setup()

    # ----- what can be drawn ------------------------------------------------------------------------
    @Slot()
    def _setup(self) -> None:
        self.timer.stop()
        self._pending = None
        self._clear()
        data = self.state.try_prepared()
        if data is None:
            self.axes = None
            self.caption.setText("The data cannot be prepared, so there is no input plane to draw.")
            self.view.show_message("")  # the caption says why
            return
        self.axes = plane_inputs(data)
        if self.axes is None:
            self.caption.setText(
                f"Per-neuron maps need a problem with exactly two numeric inputs (like XOR): each "
                f"node's activation is drawn over the plane of the two. This network has "
                f"{inputs_text(data.n_inputs)} after encoding. The <b>Trained network</b> tab shows every "
                f"node's numbers for any sample.")
            self.view.show_message("")  # the caption says why
            return
        fx, fy = self.axes
        frame = self.state.project.dataset.frame
        lo_x, hi_x = float(frame[fx].min()), float(frame[fx].max())
        lo_y, hi_y = float(frame[fy].min()), float(frame[fy].max())
        pad_x, pad_y = 0.05 * (hi_x - lo_x or 1.0), 0.05 * (hi_y - lo_y or 1.0)
        self.extent = (lo_x - pad_x, hi_x + pad_x, lo_y - pad_y, hi_y + pad_y)
        raw = plane_grid(self.extent[:2], self.extent[2:], RESOLUTION)
        self.grid_inputs = data.preprocessor.transform(pd.DataFrame({fx: raw[:, 0], fy: raw[:, 1]}),
                                                       **_lenient(data.preprocessor))
        self._on_model_changed()

    @Slot()
    def _on_model_changed(self) -> None:
        if self.axes is None:
            return
        model = self.state.model
        if model is not None:
            self._pending = ("model", model)
            self._flush()
        elif not self.state.training:
            self._clear()
            self.caption.setText(
                f"Each map shows one node's activation over the plane of <b>{self.axes[0]}</b> "
                f"(across) and <b>{self.axes[1]}</b> (up): orange positive, blue negative, white 0. "
                f"Train the network to see them; they update live while it learns.")

    @Slot(object)
    def _on_progress(self, p) -> None:
        if self.axes is None or p.weights is None:
            return
        self._pending = ("weights", p.epoch, p.epochs, p.weights)
        if not self.timer.isActive():
            self.timer.start()

    def showEvent(self, event):
        super().showEvent(event)
        if self._pending is not None:
            self._flush()

    # ----- drawing ------------------------------------------------------------------------------------
    @Slot()
    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None or self.axes is None:
            return
        if not self.isVisible():
            # draw when shown: training is not slowed by hidden maps, and the end of a run does
            # not wait for them (a 100,000-unit layer's maps froze the window for 10 s there)
            self._pending = pending
            return
        data = self.state.try_prepared()
        if data is None:
            return
        try:
            if pending[0] == "model":
                layers = layers_from_model(pending[1])
                status = "the trained model"
            else:
                _, epoch, epochs, weights = pending
                specs = self.state.project.spec.layers_for(data.task, data.n_classes)
                layers = layers_from_weights(specs, weights)
                status = f"live, epoch {epoch:,} of {epochs:,}"
        except NNStudioError:
            return
        grid = self.grid_inputs
        if len(grid) * multiply_adds(layers) > INLINE_MULTIPLY_ADDS:
            self.job.submit((self._generation, status),
                            lambda: (layers, neuron_maps(layers, grid, RESOLUTION, units=MAX_UNITS)))
            if self.maps is None:
                self.view.show_message("Computing the maps of this wide network…")
            return
        self._show(layers, neuron_maps(layers, grid, RESOLUTION, units=MAX_UNITS), data, status)

    @Slot(object, object)
    def _on_job_result(self, tag, value) -> None:
        generation, status = tag
        data = self.state.try_prepared()
        if generation != self._generation or data is None or self.axes is None:
            return  # the grid or the network changed since it was asked for
        layers, maps = value
        self._show(layers, maps, data, status)

    def _show(self, layers, maps, data, status: str) -> None:
        self.maps = maps
        self._draw(layers, data)
        self.view.show_content()
        self.updates += 1
        fx, fy = self.axes
        self.caption.setText(f"Each node's activation over <b>{fx}</b> (across) × <b>{fy}</b> (up) — "
                             f"orange positive, blue negative, white 0, scaled per layer (sigmoid and "
                             f"softmax outputs: white at 0.5). "
                             f"Showing {status}. Click a map to inspect that node.")

    def _draw(self, layers, data) -> None:
        specs = self.state.project.spec.layers_for(data.task, data.n_classes)
        dense = [(i, m) for i, m in enumerate(self.maps) if m is not None]
        widths = {i: int(layers[i].kernel.shape[1]) for i, _ in dense}  # maps keep MAX_UNITS
        key = tuple((i, widths[i]) for i, _ in dense)
        if key != self._shape_key:
            self._build_layout(dense, specs, widths)
            self._shape_key = key
        x0, x1, y0, y1 = self.extent
        for i, m in dense:
            if layers[i].activation in PROBABILITY_ACTIVATIONS:
                levels = (0.0, 1.0)  # white at 0.5: blue for one class, orange for the other
            else:
                vmax = float(np.nanmax(np.abs(m))) if m.size else 0.0
                vmax = vmax if vmax > 0 else 1.0
                levels = (-vmax, vmax)
            for u in range(min(m.shape[0], MAX_UNITS)):
                img = self.images[(i, u)]
                img.setImage(m[u].T, levels=levels, autoLevels=False)
                img.setRect(x0, y0, x1 - x0, y1 - y0)

    def _build_layout(self, dense, specs, widths: dict[int, int]) -> None:
        self.glw.clear()
        self.images.clear()
        self.boxes.clear()
        x0, x1, y0, y1 = self.extent
        cols = 1
        for r, (i, _maps) in enumerate(dense):
            last = i == len(specs) - 1
            title = specs[i].describe() if i < len(specs) else f"Layer {i + 1}"
            text = f"{'Output' if last else f'Layer {i + 1}'}<br><small>{title}</small>"
            label = self.glw.addLabel(text, row=r, col=0)
            label.setFixedWidth(130)
            n = widths[i]
            for u in range(min(n, MAX_UNITS)):
                vb = self.glw.addViewBox(row=r, col=u + 1, lockAspect=False, enableMouse=False,
                                         enableMenu=False)
                vb.setFixedWidth(MAP_PX)
                vb.setFixedHeight(MAP_PX)
                vb.setBorder(pg.mkPen("#999999"))
                img = pg.ImageItem()
                img.setLookupTable(LUT)
                vb.addItem(img)
                vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
                tag = pg.TextItem(str(u), color="#333333", anchor=(0, 0))
                tag.setPos(x0, y1)
                vb.addItem(tag)
                self.images[(i, u)] = img
                self.boxes[(i, u)] = vb
            if n > MAX_UNITS:
                self.glw.addLabel(f"+{n - MAX_UNITS} more", row=r, col=MAX_UNITS + 1)
            cols = max(cols, min(n, MAX_UNITS) + 2)
        self.glw.setFixedSize(140 + cols * (MAP_PX + 12), max(1, len(dense)) * (MAP_PX + 14) + 10)

    def _clear(self) -> None:
        self._generation += 1
        self.view.show_message("No maps to show yet: they appear once the network has weights "
                               "(Train, or Step one epoch).")
        self.glw.clear()
        self.images.clear()
        self.boxes.clear()
        self.maps = None
        self._shape_key = None

    def _on_click(self, ev) -> None:
        pos = ev.scenePos()
        for key, vb in self.boxes.items():
            if vb.sceneBoundingRect().contains(pos):
                self.node_clicked.emit(*key)
                return


def _lenient(pre) -> dict:
    """``strict=False`` for preprocessors that have the switch (grid points never fail)."""
    return {"strict": False} if "strict" in inspect.signature(pre.transform).parameters else {}
