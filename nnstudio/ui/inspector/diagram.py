"""The inspector's diagram: one sample flowing through the network, node by node.

Columns of nodes (inputs, then each layer); a node's fill shows its activation (orange positive,
blue negative, as TensorFlow Playground colours them) with the value written under it; an edge's
colour is the sign and its width the size of the term weight × input it adds to the next node's
weighted sum. Clicking a node selects it. Wide layers are drawn with their first nodes and a
"+N more" marker.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsScene,
    QGraphicsView,
    QSizePolicy,
    QToolTip,
)

from nnstudio.core.forward import Trace, fmt
from nnstudio.ui.common.fit import no_scroll_bars
from nnstudio.ui.common.text import short

POSITIVE = QColor("#f59322")  # TensorFlow Playground's orange
NEGATIVE = QColor("#0877bd")  # and blue
HIGHLIGHT = QColor("#d62728")
PREDICTED = QColor("#2ca02c")
MAX_NODES = 10  # per column; wider layers show the first MAX_NODES - 1 and "+N more"

COL_W = 128
ROW_H = 54
R = 15


def value_color(v: float, vmax: float) -> QColor:
    """White at 0, orange for positive, blue for negative, saturating at |v| = vmax."""
    if not math.isfinite(v):
        return QColor("#bbbbbb")
    t = 0.0 if vmax <= 0 else max(-1.0, min(1.0, v / vmax))
    base = POSITIVE if t >= 0 else NEGATIVE
    t = abs(t)
    return QColor(int(255 + (base.red() - 255) * t), int(255 + (base.green() - 255) * t),
                  int(255 + (base.blue() - 255) * t))


#: Edge widths are drawn in steps of this many pixels: the edges of one colour, style and width
#: are one path item (a 64-wide layer's 81 lines a layer were 81 items, each of which costs the
#: window the interpreter lock to make and to delete: see :meth:`NetworkDiagram.set_trace`).
WIDTH_STEP = 0.2
#: How near (view pixels) the pointer must be to an edge for the edge's tooltip.
EDGE_TIP_PX = 4.0
_KEY = 0  # QGraphicsItem.data key of a node's (layer index, unit)


class NetworkDiagram(QGraphicsView):
    """Draws a :class:`Trace` row. ``node_clicked(layer_index, unit)``; inputs are layer -1."""

    node_clicked = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 180)
        no_scroll_bars(self)
        self.nodes: dict[tuple[int, int], QGraphicsEllipseItem] = {}
        self._edges = np.zeros((0, 4))  # [x1, y1, x2, y2] in scene coordinates, for tooltips
        self._edge_tips: list[str] = []
        self.selected: tuple[int, int] | None = None
        self.predicted: set[tuple[int, int]] = set()
        self._empty_text = "No network to draw."
        self.show_message(self._empty_text)

    # ----- drawing ----------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        sc = self.scene()
        sc.clear()
        self.nodes.clear()
        self._edges, self._edge_tips = np.zeros((0, 4)), []
        item = sc.addSimpleText(text)
        item.setBrush(QColor("#666666"))
        sc.setSceneRect(item.boundingRect().adjusted(-20, -20, 20, 20))

    def set_trace(self, trace: Trace, row: int, input_names: list[str], layer_titles: list[str],
                  predicted_units: list[int] | None = None) -> None:
        """Draw row ``row`` of ``trace``; ``predicted_units`` are output nodes to mark as the answer.

        Every item is made by the scene (``addEllipse``, ``addSimpleText``) and the edges are a few
        path items: a Qt call that makes, paints or deletes an item takes the interpreter lock
        again, which a worker thread running Python holds for up to the switch interval, and the
        scene of a 64-64-10 net, 342 items with a Python class for the nodes, took 0.3 s to
        clear and 0.1 s to paint while training ran (5 ms quiet)."""
        sc = self.scene()
        sc.clear()
        self.nodes.clear()
        # the view shrinks the scene to fit (to half size and less in a 1280 x 720 window): text a
        # little larger than the window's stays readable there
        small = QFont()
        small.setPointSizeF(small.pointSizeF() * 1.1)
        bold = QFont(small)
        bold.setBold(True)
        # columns: inputs, then every layer that changes values (identity layers become a note)
        x_in = np.asarray(trace.inputs[row], dtype=float)
        cols: list[tuple[int, np.ndarray, str]] = [(-1, x_in, "Inputs")]
        notes: dict[int, str] = {}
        for i, lt in enumerate(trace.layers):
            if lt.layer.kind == "identity":
                notes[len(cols)] = f"{layer_titles[i]}: off at inference"
                continue
            cols.append((i, np.asarray(lt.a[row], dtype=float), layer_titles[i]))
        tallest = max(min(len(v), MAX_NODES) for _, v, _ in cols)
        positions: list[list[tuple[float, float]]] = []
        for c, (li, vals, title) in enumerate(cols):
            n = len(vals)
            shown = n if n <= MAX_NODES else MAX_NODES - 1
            y0 = (tallest - min(n, MAX_NODES)) * ROW_H / 2
            pts = [(c * COL_W, y0 + k * ROW_H) for k in range(shown)]
            positions.append(pts)
            font = bold if li == len(trace.layers) - 1 else small
            t = sc.addSimpleText(_wrap(title, font, COL_W - 12))  # short lines: columns stay apart
            t.setFont(font)
            b = t.boundingRect()
            t.setPos(c * COL_W - b.width() / 2, -R - 8 - b.height())
            if n > shown:
                more = sc.addSimpleText(f"+{n - shown} more")
                more.setFont(small)
                more.setBrush(QColor("#666666"))
                more.setPos(c * COL_W - more.boundingRect().width() / 2, y0 + shown * ROW_H - 8)
        for c, note in notes.items():
            t = sc.addSimpleText(note)
            t.setFont(small)
            t.setBrush(QColor("#888888"))
            t.setPos((c - 0.5) * COL_W - t.boundingRect().width() / 2, tallest * ROW_H - 6)
        self._draw_edges(sc, trace, row, cols, positions)
        # nodes
        predicted = {(len(trace.layers) - 1, u) for u in (predicted_units or [])}
        self.predicted = predicted
        grey = QColor("#333333")
        for c, (li, vals, _) in enumerate(cols):
            vmax = float(np.nanmax(np.abs(vals))) if len(vals) else 0.0
            for k, (x, y) in enumerate(positions[c]):
                v = float(vals[k])
                node = sc.addEllipse(-R, -R, 2 * R, 2 * R, QPen(QColor("#555555"), 1.2),
                                     QBrush(value_color(v, vmax)))
                node.setPos(x, y)
                node.setCursor(Qt.CursorShape.PointingHandCursor)
                node.setZValue(2)
                node.setData(_KEY, (li, k))
                if li >= 0:
                    lt = trace.layers[li]
                    tip = (f"{cols[c][2]}, node {k + 1}\nweighted sum z = {fmt(lt.z[row, k])}\n"
                           f"activation a = {fmt(v)}")
                else:
                    tip = f"input {input_names[k] if k < len(input_names) else k} = {fmt(v)}"
                node.setToolTip(tip)
                self.nodes[(li, k)] = node
                label = sc.addSimpleText(fmt(v, 4))
                label.setFont(small)
                label.setPos(x - label.boundingRect().width() / 2, y + R + 1)
                label.setZValue(3)
                if li < 0 and k < len(input_names):
                    name = sc.addSimpleText(short(input_names[k], 18))
                    name.setFont(small)
                    name.setBrush(grey)
                    name.setPos(x - R - 6 - name.boundingRect().width(), y - 8)
        self._restyle()
        rect = sc.itemsBoundingRect().adjusted(-16, -12, 16, 12)
        sc.setSceneRect(rect)
        self._fit()

    def _draw_edges(self, sc, trace: Trace, row: int, cols, positions) -> None:
        """The edges between drawn nodes: for a dense layer, colour the weight's sign, width the
        size of the term weight x input (dotted where it is 0); one-to-one for batch
        normalization. Edges alike are one path; each edge's tooltip is found by position."""
        paths: dict[tuple, QPainterPath] = {}
        ends, tips = [], []
        for c in range(1, len(cols)):
            li = cols[c][0]
            layer = trace.layers[li].layer
            src, dst = positions[c - 1], positions[c]
            if layer.kind == "dense":
                inp = trace.layers[li].inputs[row]
                terms = inp[:len(src), None] * layer.kernel[:len(src), :len(dst)]
                big = float(np.nanmax(np.abs(terms))) if terms.size else 0.0
                for a in range(len(src)):
                    for b in range(len(dst)):
                        w = float(layer.kernel[a, b])
                        term = float(terms[a, b])
                        width = 0.6 + (3.4 * abs(term) / big if big > 0 else 0.0)
                        if not math.isfinite(width):  # an infinite term (hand-set weights)
                            width = 4.0
                        key = (w >= 0, term == 0, round(width / WIDTH_STEP))
                        ends.append((src[a][0] + R, src[a][1], dst[b][0] - R, dst[b][1]))
                        tips.append(f"weight {fmt(w)} × input {fmt(inp[a])} = {fmt(term)}")
                        path = paths.setdefault(key, QPainterPath())
                        path.moveTo(*ends[-1][:2])
                        path.lineTo(*ends[-1][2:])
            else:
                path = paths.setdefault(None, QPainterPath())
                for a in range(min(len(src), len(dst))):
                    path.moveTo(src[a][0] + R, src[a][1])
                    path.lineTo(dst[a][0] - R, dst[a][1])
        for key, path in paths.items():
            if key is None:
                pen = QPen(QColor("#999999"), 1.0)
            else:
                positive, zero, step = key
                color = QColor(POSITIVE if positive else NEGATIVE)
                color.setAlpha(90 if zero else 200)
                pen = QPen(color, step * WIDTH_STEP)
                if zero:
                    pen.setStyle(Qt.PenStyle.DotLine)
            item = sc.addPath(path, pen)
            item.setZValue(0)
        self._edges = np.asarray(ends, dtype=float).reshape(-1, 4)
        self._edge_tips = tips

    def edge_tip_at(self, scene_pos: QPointF, tolerance: float) -> str | None:
        """The tooltip of the edge nearest ``scene_pos``, if within ``tolerance`` (scene units)."""
        if not len(self._edges):
            return None
        p = np.array([scene_pos.x(), scene_pos.y()])
        a, b = self._edges[:, :2], self._edges[:, 2:]
        ab = b - a
        t = np.clip(((p - a) * ab).sum(1) / np.maximum((ab * ab).sum(1), 1e-12), 0.0, 1.0)
        dist = np.hypot(*(a + t[:, None] * ab - p).T)
        i = int(np.argmin(dist))
        return self._edge_tips[i] if dist[i] <= tolerance else None

    def viewportEvent(self, event):
        if event.type() == QEvent.Type.ToolTip:
            pos = event.pos()
            if self._node_at(pos) is None:  # a node's own tooltip: Qt's
                scale = max(self.transform().m11(), 1e-6)
                tip = self.edge_tip_at(self.mapToScene(pos), EDGE_TIP_PX / scale)
                if tip is None:
                    QToolTip.hideText()
                else:
                    QToolTip.showText(event.globalPos(), tip, self.viewport())
                return True
        return super().viewportEvent(event)

    def _node_at(self, pos) -> tuple[int, int] | None:
        """The (layer index, unit) of the node under view position ``pos``, if any."""
        for item in self.items(pos):
            key = item.data(_KEY)
            if key is not None:
                return tuple(key)
        return None

    def select(self, layer_index: int, unit: int) -> None:
        self.selected = (layer_index, unit)
        self._restyle()
        node = self.nodes.get(self.selected)
        if node is not None:
            self.ensureVisible(node)

    def _restyle(self) -> None:
        for key, node in self.nodes.items():
            if key == self.selected:
                node.setPen(QPen(HIGHLIGHT, 4))
            elif key in self.predicted:
                node.setPen(QPen(PREDICTED, 4))
            else:
                node.setPen(QPen(QColor("#555555"), 1.2))

    # ----- interaction ------------------------------------------------------------------------------
    def mousePressEvent(self, event):
        key = self._node_at(event.position().toPoint())
        if key is not None:
            self.select(*key)
            self.node_clicked.emit(*key)
            return
        super().mousePressEvent(event)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        view = self.viewport().rect()
        # shrink to fit, but never blow a small network up beyond its natural size
        s = min(view.width() / rect.width(), view.height() / rect.height(), 1.5)
        self.resetTransform()
        self.scale(s, s)
        self.centerOn(rect.center())

    def node_rect(self, layer_index: int, unit: int) -> QRectF | None:
        node = self.nodes.get((layer_index, unit))
        return None if node is None else node.sceneBoundingRect()


def _wrap(text: str, font: QFont, width: float) -> str:
    """``text`` in lines no wider than ``width`` where its words allow (a column's title)."""
    fm = QFontMetricsF(font)
    lines: list[str] = []
    for word in text.split():
        if lines and fm.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)
