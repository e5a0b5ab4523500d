"""The network drawn as nodes and weighted edges, updating live while it trains.

One column of nodes per Dense layer (plus the inputs); layers without units (dropout, noise, batch
normalization) are labelled between the columns they sit between. Edge colour is the weight's sign
(blue positive, orange negative) and width its magnitude relative to the largest weight shown. Node
fill is the bias, coloured the same way and scaled within its layer. Columns wider than
:data:`MAX_NODES` are drawn collapsed with a count ("… +54"); clicking the count expands the column
(up to :data:`MAX_EXPANDED` nodes).

Clicking a node selects it: the view emits :attr:`NetworkView.node_selected` ``(layer_index,
unit_index)`` — ``layer_index`` indexes ``spec.layers_for(task)`` (``-1``: the inputs) — and lists
its incoming weights (an input node: its outgoing ones) beside the drawing. The arrow keys move the
selection.

Weights arrive with every training progress report (``Progress.weights``); the view keeps the latest
and redraws at most :data:`REDRAW_HZ` times a second, and not at all while it is hidden. Each redraw
only re-pens the existing edge items: the scene is rebuilt only when the architecture changes.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsLineItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.forward import ForwardLayer, layers_from_weights
from nnstudio.core.model.spec import LayerSpec, Task
from nnstudio.core.settings import epochs_text
from nnstudio.core.training.engine import Progress
from nnstudio.ui.common.text import short
from nnstudio.ui.network.graphics import (
    COL_DX,
    NEGATIVE,
    NEUTRAL,
    NODE_DY,
    NODE_R,
    POSITIVE,
    ROLE,
    Column,
    GraphView,
    SceneButton,
    blend,
)
from nnstudio.ui.network.selection import NodeSelection
from nnstudio.ui.state import AppState

MAX_NODES = 10  # a column with more units shows MAX_NODES - 2 of them and a "+N" node
MAX_EXPANDED = 32  # an expanded column shows at most this many
REDRAW_HZ = 20
class NetworkView(NodeSelection, QWidget):
    node_selected = Signal(int, int)  # (layer index in spec.layers_for(task) or -1 for inputs, unit)
    selection_cleared = Signal()
    units_change_requested = Signal(int, int)  # (hidden layer index, +1 | -1)
    layer_count_change_requested = Signal(int)  # +1: add a hidden Dense layer; -1: remove the last

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._columns: list[Column] = []
        self._edges: dict[int, tuple[list[QGraphicsLineItem], np.ndarray, np.ndarray]] = {}
        self._layer_specs: list[LayerSpec] = []
        self._forward: list[ForwardLayer] | None = None  # weights mapped to layers
        self._pending: list[np.ndarray] | None = None
        self._dirty = False
        self._epoch_text = ""
        self._selected: tuple[int, int] | None = None  # (column, unit)
        self._expanded: set[int] = set()  # layer indices shown expanded
        self._locked = False
        self._buttons: list[SceneButton] = []
        self.redraws = 0  # how many weight redraws happened (tests and curiosity)

        self.scene = QGraphicsScene(self)
        self.view = GraphView(self.scene, self)
        self.view.clicked.connect(self._on_clicked)
        self.view.key.connect(self._on_key)

        self.layers_label = QLabel()
        self.remove_layer_btn = QToolButton()
        self.remove_layer_btn.setText("−")
        self.remove_layer_btn.setToolTip("Remove the last hidden Dense layer (undo with Ctrl+Z).")
        self.remove_layer_btn.clicked.connect(lambda: self.layer_count_change_requested.emit(-1))
        self.add_layer_btn = QToolButton()
        self.add_layer_btn.setText("+")
        self.add_layer_btn.setToolTip("Add a hidden Dense layer at the end (undo with Ctrl+Z).")
        self.add_layer_btn.clicked.connect(lambda: self.layer_count_change_requested.emit(+1))
        legend = QLabel(f"<span style='color:{POSITIVE.name()}'>━ positive</span> &nbsp; "
                        f"<span style='color:{NEGATIVE.name()}'>━ negative</span> &nbsp; "
                        f"thicker = larger |weight| · node fill = bias, scaled within its layer")
        self.legend = legend
        legend.setWordWrap(True)  # (word-wrapped labels may shrink with the window)
        legend.setToolTip("Edges are weights; nodes are units. Click a node to see its weights; "
                          "click “+N” to expand a wide layer.")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.remove_layer_btn)
        top.addWidget(self.layers_label)
        top.addWidget(self.add_layer_btn)
        top.addSpacing(16)
        top.addWidget(legend, 2)
        top.addWidget(self.status, 1)

        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.detail_title.setTextFormat(Qt.TextFormat.RichText)
        self.detail = QTableWidget(0, 2)
        self.detail.setHorizontalHeaderLabels(["From", "Weight"])
        self.detail.verticalHeader().setVisible(False)
        self.detail.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.detail.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.detail.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.detail.setToolTip("The selected node's incoming weights (for an input: its outgoing "
                               "ones), updated live while training runs.")
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(4, 0, 0, 0)
        side_lay.addWidget(self.detail_title)
        side_lay.addWidget(self.detail, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.view)
        split.addWidget(side)
        split.setStretchFactor(0, 1)
        split.setSizes([700, 240])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(split, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(1000 / REDRAW_HZ))
        self._timer.timeout.connect(self._flush)

        for sig in (state.project_changed, state.spec_changed, state.data_changed, state.prepared_ready):
            sig.connect(self.rebuild)
        state.training_progress.connect(self.on_progress)
        state.training_started.connect(self._on_started)
        state.model_changed.connect(self._on_model_changed)
        state.epoch_shown.connect(self._on_epoch_shown)  # issue 19: the timeline scrubber
        self.rebuild()
        self._on_model_changed()

    # ----- structure -------------------------------------------------------------------------------
    def _task(self):
        prep = self.state.try_prepared()
        if prep is not None:
            return prep.task, prep.n_classes, prep
        p = self.state.project
        try:
            return p.task, p.n_classes(), None
        except (NNStudioError, KeyError, ValueError, TypeError):
            return Task.BINARY, 2, None

    def _columns_for(self) -> list[Column]:
        task, k, prep = self._task()
        task = Task(task)
        spec = self.state.project.spec
        if prep is not None:
            in_names = list(prep.preprocessor.output_names)
            classes = [str(c) for c in prep.preprocessor.classes]
        else:
            in_names = list(self.state.project.roles.features)
            classes = [str(i) for i in range(k)]
        target = self.state.project.roles.target
        layers = spec.layers_for(task, k)
        self._layer_specs = layers
        cols = [Column(-1, len(in_names), "Input", in_names)]
        between: list[str] = []
        for i, layer in enumerate(layers):
            if layer.kind != "dense":
                between.append(layer.describe())
                continue
            is_out = i == len(layers) - 1
            if is_out:
                title = f"Output · {layer.units} {layer.activation}"
                if task is Task.REGRESSION or layer.units != len(classes) and layer.units != 1:
                    names = [target if layer.units == 1 else f"output {u}" for u in range(layer.units)]
                elif layer.units == 1 and task is Task.BINARY:
                    names = [f"P({target} = {classes[-1] if classes else 1})"]
                else:
                    names = [f"{target} = {c}" for c in classes]
            else:
                title = f"{layer.units} {layer.activation}"
                names = [f"unit {u + 1}" for u in range(layer.units)]
            cols.append(Column(i, layer.units, title, names, layer, between))
            between = []
        return cols

    @Slot()
    def rebuild(self) -> None:
        """Redraw the architecture (weights are cleared: they belonged to the old network)."""
        self._forward = None
        self._pending = None
        self._epoch_text = ""
        self._build_scene()

    def _build_scene(self) -> None:
        self._selected = None
        self.scene.clear()
        self._buttons = []
        self._edges = {}
        self._columns = cols = self._columns_for()
        n_hidden = sum(1 for c in cols[1:-1])
        self.layers_label.setText(f"{n_hidden} hidden Dense layer{'s' if n_hidden != 1 else ''}")
        small = QFont()
        small.setPointSizeF(8.5)
        title_font = QFont()
        title_font.setPointSizeF(9.5)
        title_font.setBold(True)
        for ci, col in enumerate(cols):
            col.expanded = col.layer_index in self._expanded
            cap = MAX_EXPANDED if col.expanded else MAX_NODES
            if col.units <= cap:
                col.shown = list(range(col.units))
            else:
                col.shown = list(range(cap - 2))
            extra = col.units - len(col.shown)
            slots = len(col.shown) + (1 if extra else 0)
            col.x = ci * COL_DX
            top = -(slots - 1) / 2 * NODE_DY
            col.ys = {u: top + j * NODE_DY for j, u in enumerate(col.shown)}
            # column title (and the unit-less layers before it)
            head_y = top - NODE_R - 30
            t = QGraphicsSimpleTextItem(col.title)
            t.setFont(title_font)
            t.setPos(col.x - t.boundingRect().width() / 2, head_y)
            self.scene.addItem(t)
            for bi, text in enumerate(col.between):
                chip = QGraphicsSimpleTextItem(text)
                chip.setFont(small)
                chip.setBrush(QBrush(QColor("#6b4fa0")))
                r = chip.boundingRect()
                bx = col.x - COL_DX / 2 - r.width() / 2
                by = -NODE_DY * 0.5 - 8 + bi * 16 - (len(col.between) - 1) * 8
                bg = QGraphicsRectItem(QRectF(bx - 4, by - 2, r.width() + 8, r.height() + 4))
                bg.setBrush(QBrush(QColor(245, 240, 252, 235)))
                bg.setPen(QPen(QColor("#c9b8e6"), 1))
                bg.setZValue(3)
                chip.setPos(bx, by)
                chip.setZValue(4)
                self.scene.addItem(bg)
                self.scene.addItem(chip)
            # +/- units above hidden Dense columns
            if 0 < ci < len(cols) - 1:
                hidden_index = col.layer_index
                minus = SceneButton("−", f"One unit fewer in layer {hidden_index + 1}",
                                lambda h=hidden_index: self.units_change_requested.emit(h, -1))
                plus = SceneButton("+", f"One more unit in layer {hidden_index + 1}",
                               lambda h=hidden_index: self.units_change_requested.emit(h, +1))
                minus.setPos(col.x - 24, head_y - 24)
                plus.setPos(col.x + 4, head_y - 24)
                for b in (minus, plus):
                    b.setZValue(5)
                    self.scene.addItem(b)
                    self._buttons.append(b)
                minus.setEnabled(col.units > 1)
            # nodes
            for u in col.shown:
                node = QGraphicsEllipseItem(QRectF(-NODE_R, -NODE_R, 2 * NODE_R, 2 * NODE_R))
                node.setPos(col.x, col.ys[u])
                node.setData(ROLE, ("node", ci, u))
                node.setZValue(2)
                node.setCursor(Qt.CursorShape.PointingHandCursor)
                self.scene.addItem(node)
                col.nodes[u] = node
                if ci == 0 or ci == len(cols) - 1:
                    label = QGraphicsSimpleTextItem(short(col.names[u] if u < len(col.names) else "", 22))
                    label.setFont(small)
                    r = label.boundingRect()
                    lx = col.x - NODE_R - 6 - r.width() if ci == 0 else col.x + NODE_R + 6
                    label.setPos(lx, col.ys[u] - r.height() / 2)
                    self.scene.addItem(label)
            if extra:
                y = top + len(col.shown) * NODE_DY
                pill = QGraphicsRectItem(QRectF(-26, -11, 52, 22))
                pill.setPos(col.x, y)
                pill.setBrush(QBrush(QColor("#eef1f4")))
                pill.setPen(QPen(QColor("#9aa3ab"), 1, Qt.PenStyle.DashLine))
                pill.setData(ROLE, ("more", ci))
                pill.setZValue(2)
                pill.setCursor(Qt.CursorShape.PointingHandCursor)
                text = QGraphicsSimpleTextItem(f"… +{extra}", pill)
                text.setFont(small)
                r = text.boundingRect()
                text.setPos(-r.width() / 2, -r.height() / 2)
                self.scene.addItem(pill)
                col.more = pill
            elif col.expanded and col.units > MAX_NODES:
                y = top + len(col.shown) * NODE_DY
                pill = QGraphicsRectItem(QRectF(-26, -11, 52, 22))
                pill.setPos(col.x, y - NODE_DY * 0.4)
                pill.setBrush(QBrush(QColor("#eef1f4")))
                pill.setPen(QPen(QColor("#9aa3ab"), 1, Qt.PenStyle.DashLine))
                pill.setData(ROLE, ("more", ci))
                pill.setZValue(2)
                text = QGraphicsSimpleTextItem("collapse", pill)
                text.setFont(small)
                r = text.boundingRect()
                text.setPos(-r.width() / 2, -r.height() / 2)
                self.scene.addItem(pill)
                col.more = pill
        # edges between consecutive node columns
        for ci in range(1, len(cols)):
            prev, col = cols[ci - 1], cols[ci]
            items, src, dst = [], [], []
            for t in col.shown:
                for s in prev.shown:
                    line = QGraphicsLineItem(prev.x + NODE_R, prev.ys[s], col.x - NODE_R, col.ys[t])
                    line.setData(ROLE, ("edge", ci, s, t))
                    line.setZValue(1)
                    self.scene.addItem(line)
                    items.append(line)
                    src.append(s)
                    dst.append(t)
            self._edges[ci] = (items, np.asarray(src, int), np.asarray(dst, int))
        self._set_buttons_enabled()
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-30, -20, 30, 20))
        self._paint()
        self.fit()
        self._show_detail()

    def fit(self) -> None:
        """Fit the drawing into the view, never magnifying more than twice."""
        rect = self.scene.sceneRect()
        vp = self.view.viewport().rect()
        if rect.isEmpty() or vp.width() < 10 or vp.height() < 10:
            return
        s = min(vp.width() / rect.width(), vp.height() / rect.height(), 2.0)
        self.view.resetTransform()
        self.view.scale(s, s)
        self.view.centerOn(rect.center())

    # ----- weights -------------------------------------------------------------------------------------
    @Slot(object)
    def on_progress(self, p: Progress) -> None:
        if p.weights is None:
            return
        self._pending = p.weights
        self._epoch_text = f"weights after epoch {p.epoch} of {p.epochs}"
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_started(self) -> None:
        self.status.setText("training…")


    @Slot(object)
    def _on_epoch_shown(self, shown) -> None:
        """The timeline scrubber (issue 19): draw its snapshot, or the final model again (None)."""
        if shown is None:
            self._on_model_changed()
        else:
            self.on_progress(shown.as_progress())

    @Slot()
    def _on_model_changed(self) -> None:
        """A trained model was set (a run or a Repeat ended, a model or project was opened, the
        scrubber went back to the end) or cleared; while a run trains, its progress draws."""
        if self.state.training:
            return
        self._timer.stop()
        result = self.state.result
        # the weights the training worker read (TrainResult.weights): no copy on this thread
        weights = result.weights() if result is not None else None
        if weights is not None:
            self.set_weights(weights, f"trained weights ({epochs_text(result.epochs_run)})")
        else:
            self._forward = None
            self._epoch_text = ""
            self._paint()
            self._show_detail()

    def set_weights(self, weights: list[np.ndarray], label: str = "") -> bool:
        """Show these weights (``model.get_weights()`` of the current network) now."""
        try:
            fl = layers_from_weights(self._layer_specs, weights)
        except (NNStudioError, IndexError, ValueError):
            return False
        widths = [len(self._columns[0].names)]
        for layer in fl:
            if layer.kind == "dense":
                if layer.kernel.shape[0] != widths[-1]:
                    return False
                widths.append(layer.kernel.shape[1])
        self._forward = fl
        if label:
            self._epoch_text = label
        self._paint()
        self._show_detail()
        return True

    @Slot()
    def _flush(self) -> None:
        if self._pending is None:
            return
        if not self.isVisible():
            self._dirty = True  # drawn when shown again
            return
        weights, self._pending = self._pending, None
        self.set_weights(weights)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._dirty = False
            self._flush()
        self.fit()

    def _kernels(self) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
        """Column index -> (kernel, bias) from the mapped weights."""
        out = {}
        if self._forward is None:
            return out
        by_layer = {i: fl for i, fl in enumerate(self._forward)}
        for ci, col in enumerate(self._columns):
            if ci == 0:
                continue
            fl = by_layer.get(col.layer_index)
            if fl is not None and fl.kind == "dense":
                out[ci] = (np.asarray(fl.kernel), None if fl.bias is None else np.asarray(fl.bias))
        return out

    def _paint(self) -> None:
        """Pens and brushes from the current weights (or neutral ones without weights)."""
        self.redraws += 1
        kernels = self._kernels()
        sel = self._selected
        if kernels:
            wmax = max((float(np.max(np.abs(k[np.ix_(self._columns[ci - 1].shown, self._columns[ci].shown)])))
                        for ci, (k, _b) in kernels.items()), default=0.0) or 1.0
            # each layer's fills by its own largest bias: a regression's output bias starts at
            # the target's mean (hundreds, thousands) and would wash every hidden fill out
            bmax = {ci: float(np.max(np.abs(b))) or 1.0 for ci, (_k, b) in kernels.items()
                    if b is not None and b.size}
        for ci, (items, src, dst) in self._edges.items():
            kb = kernels.get(ci)
            if kb is None:
                pen = QPen(NEUTRAL, 1.0)
                pen.setCosmetic(False)
                faded = QColor(NEUTRAL)
                faded.setAlpha(90)
                for line in items:
                    line.setPen(pen if sel is None else QPen(faded, 1.0))
                continue
            w = kb[0][src, dst]
            mag = np.abs(w) / wmax
            for j, line in enumerate(items):
                c = QColor(POSITIVE if w[j] >= 0 else NEGATIVE)
                m = float(mag[j])
                alpha = int(50 + 205 * m)
                if sel is not None and not self._edge_touches(ci, int(src[j]), int(dst[j])):
                    alpha = 18
                c.setAlpha(alpha)
                line.setPen(QPen(c, 0.5 + 5.5 * m))
        for ci, col in enumerate(self._columns):
            kb = kernels.get(ci)
            for u, node in col.nodes.items():
                fill = QColor("#f4f4f4") if ci == 0 else QColor("white")
                if kb is not None and kb[1] is not None:
                    b = float(kb[1][u])
                    fill = blend(QColor("white"), POSITIVE if b >= 0 else NEGATIVE,
                                 min(1.0, abs(b) / bmax[ci]))
                node.setBrush(QBrush(fill))
                chosen = sel == (ci, u)
                node.setPen(QPen(QColor("#111111") if chosen else QColor("#555555"),
                                 3.0 if chosen else 1.2))
        self.status.setText(self._epoch_text if kernels else
                            ("training…" if self.state.training else
                             "not trained yet: weights appear here live while it trains"))

    def _edge_touches(self, ci: int, s: int, t: int) -> bool:
        sc, su = self._selected
        return (ci == sc and t == su) or (ci == sc + 1 and s == su)

    # ----- locking (the +/- controls edit the network) --------------------------------------------------
    @Slot(bool)
    def set_locked(self, locked: bool) -> None:
        self._locked = bool(locked)
        self._set_buttons_enabled()

    def _set_buttons_enabled(self) -> None:
        editable = not self._locked
        for b in self._buttons:
            b.setVisible(editable)
        self.add_layer_btn.setEnabled(editable)
        n_hidden = len(self._columns) - 2
        self.remove_layer_btn.setEnabled(editable and n_hidden > 0)

    # ----- for tests ----------------------------------------------------------------------------------
    @property
    def columns(self) -> list[Column]:
        return self._columns

    def edge_items(self, column: int) -> list[QGraphicsLineItem]:
        return self._edges.get(column, ([], None, None))[0]

    def node_pos(self, column: int, unit: int) -> QPointF:
        return self._columns[column].nodes[unit].scenePos()
