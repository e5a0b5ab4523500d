"""The network view's drawing pieces: colours and sizes, a column of nodes, the in-scene +/-
buttons and the graphics view that turns clicks and keys into the owner's selection."""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QToolTip,
)

from nnstudio.core.model.spec import LayerSpec
from nnstudio.ui.common.fit import no_scroll_bars

POSITIVE = QColor(8, 119, 189)  # TensorFlow Playground's blue
NEGATIVE = QColor(245, 147, 34)  # and orange
NEUTRAL = QColor(170, 170, 170)
NODE_R = 13.0
NODE_DY = 40.0
COL_DX = 190.0

ROLE = 0  # QGraphicsItem.data key: ("node", col, unit) | ("more", col) | ("edge", col, s, t)


@dataclass
class Column:
    layer_index: int  # -1: the inputs; else the index in spec.layers_for(task)
    units: int
    title: str
    names: list[str]
    spec: LayerSpec | None = None
    between: list[str] = field(default_factory=list)  # unit-less layers just before this column
    expanded: bool = False
    shown: list[int] = field(default_factory=list)
    x: float = 0.0
    ys: dict[int, float] = field(default_factory=dict)
    nodes: dict[int, QGraphicsEllipseItem] = field(default_factory=dict)
    more: QGraphicsItem | None = None


class SceneButton(QGraphicsRectItem):
    """A small clickable "+" / "−" in the drawing (TensorFlow Playground's controls)."""

    def __init__(self, text: str, tip: str, callback, parent=None) -> None:
        super().__init__(QRectF(0, 0, 20, 18), parent)
        self.callback = callback
        self.setBrush(QBrush(QColor("#f1f3f5")))
        self.setPen(QPen(QColor("#9aa3ab"), 1))
        self.setToolTip(tip)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        label = QGraphicsSimpleTextItem(text, self)
        f = QFont()
        f.setPointSizeF(10)
        f.setBold(True)
        label.setFont(f)
        r = label.boundingRect()
        label.setPos(10 - r.width() / 2, 9 - r.height() / 2)

    def mousePressEvent(self, event) -> None:
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self.isEnabled() and self.rect().contains(event.pos()):
            self.callback()
        event.accept()


class GraphView(QGraphicsView):
    clicked = Signal(object)  # the tagged item under the mouse, or None
    key = Signal(int)

    def __init__(self, scene: QGraphicsScene, owner) -> None:
        super().__init__(scene)
        self.owner = owner
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        no_scroll_bars(self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")

    def tagged_at(self, pos) -> QGraphicsItem | None:
        for item in self.items(pos):
            it = item
            while it is not None:
                if isinstance(it, SceneButton):
                    return None
                if it.data(ROLE) is not None:
                    return it
                it = it.parentItem()
        return None

    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        if any(isinstance(i, SceneButton) or isinstance(i.parentItem(), SceneButton) for i in self.items(pos)):
            super().mousePressEvent(event)
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.tagged_at(pos))
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                           Qt.Key.Key_Escape):
            self.key.emit(int(event.key()))
            event.accept()
            return
        super().keyPressEvent(event)

    def viewportEvent(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            item = self.tagged_at(event.pos())
            text = self.owner.tooltip_for(item) if item is not None else ""
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                return super().viewportEvent(event)
            return True
        return super().viewportEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.owner.fit()


def blend(a: QColor, b: QColor, t: float) -> QColor:
    t = max(0.0, min(1.0, t))
    return QColor(int(a.red() + (b.red() - a.red()) * t), int(a.green() + (b.green() - a.green()) * t),
                  int(a.blue() + (b.blue() - a.blue()) * t))
