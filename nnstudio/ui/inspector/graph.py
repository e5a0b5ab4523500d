"""W6: backpropagation on a computational graph, p = x + y, g = p · z.

The graph is drawn with its forward values (green, above each wire) and the gradients of g (red,
below), computed by ``tf.GradientTape`` on a worker thread and set beside the chain rule written
out by hand. x, y and z can be changed.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.forward import fmt
from nnstudio.core.gradients import computational_graph
from nnstudio.ui.common.fit import no_scroll_bars
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.workers import WorkerPool

FORWARD = QColor("#2a8a2a")
BACKWARD = QColor("#c0392b")


class FitView(QGraphicsView):
    """Shows the whole scene, scaled to the view but never beyond ``max_scale``."""

    max_scale = 1.6

    def __init__(self, *args) -> None:
        super().__init__(*args)
        no_scroll_bars(self)

    def fit(self) -> None:
        sc = self.scene()
        rect = sc.itemsBoundingRect().adjusted(-20, -20, 20, 20)
        if rect.isEmpty():
            return
        sc.setSceneRect(rect)
        vp = self.viewport().rect()
        s = min(vp.width() / rect.width(), vp.height() / rect.height(), self.max_scale)
        self.resetTransform()
        self.scale(s, s)
        self.centerOn(rect.center())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.fit()


class GraphView(QWidget):
    computed = Signal(object)  # GraphResult

    def __init__(self, pool: WorkerPool, state=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result = None
        self.job = LatestJob(pool, "w6-graph", self)
        self.job.result.connect(self._on_result)
        self.job.error.connect(self._on_error)

        intro = QLabel("<b>W6: backpropagation on a computational graph.</b> p = x + y, then "
                       "g = p · z. The forward pass computes values left to right; the backward "
                       "pass sends the gradient of g right to left, multiplying local slopes — the "
                       "chain rule. It is the same rule that trains every network here: "
                       "<tt>tf.GradientTape</tt> computes the red numbers below.")
        intro.setWordWrap(True)
        self.x, self.y, self.z = (self._spin(v) for v in (1.0, 3.0, -3.0))
        bar = QHBoxLayout()
        for name, w in (("x", self.x), ("y", self.y), ("z", self.z)):
            bar.addWidget(QLabel(f"{name} ="))
            bar.addWidget(w)
        self.reset_btn = QPushButton("Reset to 1, 3, −3")
        self.reset_btn.clicked.connect(self.reset)
        bar.addWidget(self.reset_btn)
        bar.addStretch(1)

        self.scene = QGraphicsScene(self)
        self.view = FitView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(230)
        self.view.setBackgroundBrush(QBrush(QColor("white")))
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Quantity", "Forward value", "Gradient of g (tf.GradientTape)",
                                              "By the chain rule"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.steps = QLabel()
        self.steps.setWordWrap(True)
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(bar)
        lay.addWidget(self.view, 2)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.steps)

        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(120)
        self.debounce.timeout.connect(self.compute)
        for w in (self.x, self.y, self.z):
            w.valueChanged.connect(self.debounce.start)
        if state is not None:
            state.tf_ready.connect(self.compute)
        self._draw(None)

    def _spin(self, v: float) -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setRange(-1e6, 1e6)
        s.setDecimals(3)
        s.setValue(v)
        return s

    @Slot()
    def reset(self) -> None:
        for w, v in ((self.x, 1.0), (self.y, 3.0), (self.z, -3.0)):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        self.compute()

    def showEvent(self, event):
        super().showEvent(event)
        if self.result is None and not self.job.busy:
            self.compute()

    @Slot()
    def compute(self) -> None:
        """Forward and backward through the graph with TensorFlow, off the GUI thread."""
        if self.state is not None and not self.state.tf_loaded:
            self.steps.setText("<i>TensorFlow is loading; the gradients appear when it is ready.</i>")
            return
        x, y, z = self.x.value(), self.y.value(), self.z.value()

        def work():
            return computational_graph(x, y, z)

        self.job.submit((x, y, z), work)

    @Slot(object, object)
    def _on_result(self, tag, r) -> None:
        if tag != (self.x.value(), self.y.value(), self.z.value()):
            return
        self.result = r
        self._draw(r)
        rows = [("x", r.x, "dg/dx"), ("y", r.y, "dg/dy"), ("z", r.z, "dg/dz"),
                ("p = x + y", r.forward["p"], "dg/dp"), ("g = p · z", r.forward["g"], "dg/dg")]
        self.table.setRowCount(len(rows))
        for i, (name, v, key) in enumerate(rows):
            cells = [name, fmt(v), f"{key} = {fmt(r.backward[key])}", f"{key} = {fmt(r.by_hand[key])}"]
            for c, text in enumerate(cells):
                it = QTableWidgetItem(text)
                if c == 2:
                    it.setForeground(QBrush(BACKWARD))
                elif c == 1:
                    it.setForeground(QBrush(FORWARD))
                self.table.setItem(i, c, it)
        agree = all(abs(r.backward[k] - r.by_hand[k]) < 1e-12 for k in r.backward)
        verdict = ("TensorFlow's autodiff and the chain rule agree." if agree else
                   "TensorFlow and the chain rule disagree!")
        self.steps.setText("<br>".join(r.steps) + f"<br><b>{verdict}</b>")
        self.computed.emit(r)

    @Slot(object, object)
    def _on_error(self, tag, err) -> None:
        self.steps.setText(f"<span style='color:#d62728'>{err.user_text()}</span>")

    # ----- the drawing --------------------------------------------------------------------------------
    def _draw(self, r) -> None:
        sc = self.scene
        sc.clear()
        font = QFont()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        bold = QFont(font)
        bold.setBold(True)
        pos = {"x": QPointF(0, 0), "y": QPointF(0, 200), "z": QPointF(300, 320),
               "+": QPointF(260, 100), "×": QPointF(540, 190), "g": QPointF(760, 190)}

        def node(key: str, label: str, op: bool = False) -> None:
            p = pos[key]
            rad = 24
            brush = QBrush(QColor("#fff3e0" if op else "#e8f0fb"))
            e = sc.addEllipse(p.x() - rad, p.y() - rad, 2 * rad, 2 * rad, QPen(QColor("#444444"), 1.5), brush)
            e.setZValue(3)
            t = sc.addSimpleText(label)
            t.setFont(bold)
            t.setZValue(4)
            b = t.boundingRect()
            t.setPos(p.x() - b.width() / 2, p.y() - b.height() / 2)

        def wire(a: str, b: str, fwd: str, back: str) -> None:
            pa, pb = pos[a], pos[b]
            sc.addLine(pa.x() + 24, pa.y(), pb.x() - 24, pb.y(), QPen(QColor("#666666"), 1.6))
            mid = QPointF((pa.x() + pb.x()) / 2, (pa.y() + pb.y()) / 2)
            for text, color, dy in ((fwd, FORWARD, -27), (back, BACKWARD, 3)):
                if not text:
                    continue
                t = sc.addSimpleText(text)
                t.setFont(font)
                t.setBrush(color)
                t.setZValue(2)
                b = t.boundingRect()
                t.setPos(mid.x() - b.width() / 2, mid.y() + dy)
                box = sc.addRect(t.sceneBoundingRect().adjusted(-3, 0, 3, 0), QPen(Qt.PenStyle.NoPen),
                                 QBrush(QColor(255, 255, 255, 225)))
                box.setZValue(1)

        f = r.forward if r else {}
        g = r.backward if r else {}
        v = (lambda k, d: fmt(d[k]) if k in d else "") if r else (lambda k, d: "")
        xv, yv, zv = (fmt(w.value()) for w in (self.x, self.y, self.z))
        wire("x", "+", f"x = {xv}", f"dg/dx = {v('dg/dx', g)}" if r else "")
        wire("y", "+", f"y = {yv}", f"dg/dy = {v('dg/dy', g)}" if r else "")
        wire("+", "×", f"p = {v('p', f)}" if r else "p", f"dg/dp = {v('dg/dp', g)}" if r else "")
        wire("z", "×", f"z = {zv}", f"dg/dz = {v('dg/dz', g)}" if r else "")
        wire("×", "g", f"g = {v('g', f)}" if r else "g", "dg/dg = 1" if r else "")
        node("x", "x")
        node("y", "y")
        node("z", "z")
        node("+", "+", op=True)
        node("×", "×", op=True)
        node("g", "g")
        legend = sc.addSimpleText("green: forward values    red: gradients of g (backward)")
        legend.setBrush(QColor("#555555"))
        legend.setPos(0, 370)
        self.view.fit()
