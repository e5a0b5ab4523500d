"""One layer of a hand-set network: its units, activation and a weights table that takes pastes
(the table grows to what is pasted), for :mod:`nnstudio.ui.inspector.hand`."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from nnstudio.core.forward import fmt
from nnstudio.core.handnet import (
    HAND_ACTIVATIONS,
    HandLayer,
    HandNetError,
)
from nnstudio.core.registry import ACTIVATIONS

MAX_UI_UNITS = 32
READ_ONLY_BG = QColor("#f0f0f0")
BAD_BG = QColor("#fde2e2")


def parse_cell(text: str) -> float | None:
    text = (text or "").strip().replace("−", "-")
    if not text:
        return None
    return float(text)


class PasteTable(QTableWidget):
    """A table of numbers that takes a block pasted from a spreadsheet or text (Ctrl+V)."""

    edited = Signal()  # after typing in a cell or pasting a block

    def __init__(self, rows: int, cols: int, grow_rows: bool = False, parent=None) -> None:
        super().__init__(rows, cols, parent)
        self.grow_rows = grow_rows
        self.read_only_cols: set[int] = set()
        self.cellChanged.connect(lambda *_: None if self.signalsBlocked() else self.edited.emit())

    def keyPressEvent(self, event):
        if event.matches(QKeySequence.StandardKey.Paste):
            self.paste_text(QGuiApplication.clipboard().text())
            return
        super().keyPressEvent(event)

    def paste_text(self, text: str) -> int:
        """Fill cells from the current one (or the top-left) with a block of text; returns cells set."""
        lines = [ln for ln in text.replace("\r", "").split("\n") if ln.strip()]
        if not lines:
            return 0
        r0 = max(0, self.currentRow())
        c0 = max(0, self.currentColumn())
        n = 0
        self.blockSignals(True)
        try:
            for i, line in enumerate(lines):
                r = r0 + i
                if r >= self.rowCount():
                    if not self.grow_rows:
                        break
                    self.insertRow(self.rowCount())
                sep = "\t" if "\t" in line else ("," if "," in line else None)
                vals = [v.strip() for v in (line.split(sep) if sep else line.split())]
                for j, v in enumerate(vals):
                    c = c0 + j
                    if c >= self.columnCount() or c in self.read_only_cols:
                        break
                    self.setItem(r, c, QTableWidgetItem(v))
                    n += 1
        finally:
            self.blockSignals(False)
        self.edited.emit()
        return n

    def set_number(self, r: int, c: int, v: float | None, read_only: bool = False) -> None:
        it = QTableWidgetItem("" if v is None else fmt(v, 10))
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if read_only:
            it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            it.setBackground(QBrush(READ_ONLY_BG))
        self.setItem(r, c, it)

    def text_at(self, r: int, c: int) -> str:
        it = self.item(r, c)
        return it.text() if it is not None else ""


class HandLayerEditor(QGroupBox):
    """One layer: units, activation, bias switch, and its weights (inputs x nodes) plus a bias row."""

    changed = Signal()

    def __init__(self, index: int, n_inputs: int, parent=None) -> None:
        super().__init__(parent)
        self.index = index
        self.units = QSpinBox()
        self.units.setRange(1, MAX_UI_UNITS)
        self.units.setToolTip("How many nodes this layer has (columns of its weights).")
        self.activation = QComboBox()
        for a in HAND_ACTIVATIONS:
            self.activation.addItem(a, a)
        self.activation.insertSeparator(len(HAND_ACTIVATIONS))
        for a in ACTIVATIONS:
            if a not in HAND_ACTIVATIONS:
                self.activation.addItem(a, a)
        self.activation.setToolTip("The function applied to each node's weighted sum. 'step' (1 if "
                                   "z ≥ 0 else 0) can only be set by hand: it has no useful gradient.")
        self.use_bias = QCheckBox("bias")
        self.use_bias.setToolTip("Add a bias (the last row) to each node's weighted sum.")
        self.table = PasteTable(n_inputs + 1, 1)
        self.table.setToolTip("Weights laid out inputs × nodes like a Keras kernel: column j holds "
                              "node j's weights, one row per input; the last row is the bias.\n"
                              "Type numbers or paste a block (Ctrl+V).")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setMinimumSectionSize(56)
        top = QHBoxLayout()
        top.addWidget(QLabel("nodes"))
        top.addWidget(self.units)
        top.addWidget(self.activation, 1)
        top.addWidget(self.use_bias)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.table)
        self.units.valueChanged.connect(self._on_units)
        self.activation.currentIndexChanged.connect(self.changed)
        self.use_bias.toggled.connect(self._on_bias)
        self.table.edited.connect(self.changed)
        self.input_names: list[str] = []
        self.set_inputs(n_inputs, [f"x{i}" for i in range(n_inputs)])
        self._on_units(1)
        self._on_bias(False)

    def set_title(self, last: bool) -> None:
        self.setTitle(f"Layer {self.index + 1}" + (" (output)" if last else ""))

    # ----- shape ----------------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return self.table.rowCount() - 1

    def set_inputs(self, n: int, names: list[str]) -> None:
        t = self.table
        t.blockSignals(True)
        old = self.n_inputs
        bias = [t.text_at(old, c) for c in range(t.columnCount())] if old >= 0 else []
        if n > old:
            for r in range(old, n):
                t.insertRow(r)
                for c in range(t.columnCount()):
                    t.set_number(r, c, 0.0)
        elif n < old:
            for _ in range(old - n):
                t.removeRow(n)
        for c, text in enumerate(bias):
            t.setItem(n, c, QTableWidgetItem(text))
        self.input_names = list(names)
        t.setVerticalHeaderLabels([*names, "bias"])
        t.blockSignals(False)
        self._style_bias_row()
        self._fit_height()

    @Slot(int)
    def _on_units(self, units: int) -> None:
        t = self.table
        t.blockSignals(True)
        old = t.columnCount()
        t.setColumnCount(units)
        for c in range(units):
            for r in range(t.rowCount()):
                if c >= old or t.item(r, c) is None:
                    t.set_number(r, c, 0.0)
        t.setHorizontalHeaderLabels([f"node {j + 1}" for j in range(units)])
        t.blockSignals(False)
        self._style_bias_row()
        self._fit_height()
        self.changed.emit()

    @Slot(bool)
    def _on_bias(self, on: bool) -> None:
        self._style_bias_row()
        self.changed.emit()

    def _style_bias_row(self) -> None:
        t = self.table
        r = self.n_inputs
        on = self.use_bias.isChecked()
        t.blockSignals(True)
        for c in range(t.columnCount()):
            it = t.item(r, c)
            if it is None:
                it = QTableWidgetItem("0")
                t.setItem(r, c, it)
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            it.setFlags(flags | Qt.ItemFlag.ItemIsEditable if on else flags)
            it.setForeground(QBrush(QColor("black" if on else "#aaaaaa")))
            it.setToolTip("" if on else "No bias: tick 'bias' to use this row.")
        t.blockSignals(False)

    def _fit_height(self) -> None:
        """Size the table to its cells (scrolling only for big layers)."""
        t = self.table
        t.resizeColumnsToContents()
        h = t.horizontalHeader().sizeHint().height() + sum(t.rowHeight(r) for r in range(t.rowCount()))
        w = t.verticalHeader().sizeHint().width() + sum(t.columnWidth(c) for c in range(t.columnCount()))
        frame = 2 * t.frameWidth() + 2
        t.setFixedHeight(min(h + frame, 330))
        t.setMinimumWidth(min(w + frame, 560))

    # ----- values -----------------------------------------------------------------------------------
    def set_layer(self, layer: HandLayer) -> None:
        self.blockSignals(True)
        self.units.setValue(layer.units)
        self.activation.setCurrentIndex(max(0, self.activation.findData(layer.activation)))
        self.use_bias.setChecked(layer.bias is not None)
        t = self.table
        t.blockSignals(True)
        for r in range(layer.n_inputs):
            for c in range(layer.units):
                t.set_number(r, c, float(layer.weights[r, c]))
        for c in range(layer.units):
            t.set_number(layer.n_inputs, c, float(layer.bias[c]) if layer.bias is not None else 0.0)
        t.blockSignals(False)
        self._style_bias_row()
        self._fit_height()
        self.blockSignals(False)

    def layer(self) -> HandLayer:
        """The layer as typed; raises :class:`HandNetError` naming the first cell that is not a number."""
        t = self.table
        where = f"Layer {self.index + 1}"
        bad = None
        weights = []
        for r in range(self.n_inputs):
            row = []
            for c in range(t.columnCount()):
                try:
                    v = parse_cell(t.text_at(r, c))
                except ValueError:
                    v = None
                    bad = bad or (r, c, f"'{t.text_at(r, c)}' is not a number")
                if v is None:
                    bad = bad or (r, c, "is empty")
                row.append(v if v is not None else 0.0)
            weights.append(row)
        bias = None
        if self.use_bias.isChecked():
            bias = []
            for c in range(t.columnCount()):
                try:
                    v = parse_cell(t.text_at(self.n_inputs, c))
                except ValueError:
                    v = None
                    bad = bad or (self.n_inputs, c, f"'{t.text_at(self.n_inputs, c)}' is not a number")
                bias.append(0.0 if v is None else v)  # an empty bias cell means 0
        self._mark_bad(bad)
        if bad is not None:
            r, c, what = bad
            source = self.input_names[r] if r < len(self.input_names) else r
            cell = "bias" if r == self.n_inputs else f"weight from {source}"
            raise HandNetError(f"{where}, node {c + 1}, {cell}: {what}.", "Type a number such as 3, -1.5 or 0.")
        return HandLayer.make(weights, bias, self.activation.currentData(), where)

    def _mark_bad(self, bad) -> None:
        t = self.table
        t.blockSignals(True)
        for r in range(t.rowCount()):
            for c in range(t.columnCount()):
                it = t.item(r, c)
                if it is not None and (r < self.n_inputs or self.use_bias.isChecked()):
                    it.setBackground(QBrush(BAD_BG if bad and (r, c) == bad[:2] else QColor("white")))
        t.blockSignals(False)
