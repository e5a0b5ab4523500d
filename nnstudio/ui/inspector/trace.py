"""One sample through the network, as a diagram and as tables (shared by both inspector modes).

* the diagram (:class:`~nnstudio.ui.inspector.diagram.NetworkDiagram`);
* every node in one table: its weighted sum written out, z, the activation, a, and dLoss/dz;
* the selected node in detail: each input x, weight w, the term w·x and dLoss/dw, then the bias,
  the sum z and the activation a = f(z).

The owner computes the :class:`~nnstudio.core.forward.Trace` (NumPy) and, off the GUI thread, the
:class:`~nnstudio.core.gradients.SampleGradients`; this view only shows them.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.forward import Trace, fmt, weighted_sum_text
from nnstudio.core.registry import ACTIVATIONS, loss_label
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.common.tables import FillingColumn
from nnstudio.ui.inspector.diagram import NetworkDiagram

#: The node table's Layer and Node columns at most this wide (px): "2. Dense 6, relu (uniform)"
#: took a quarter of the table at the default size and pushed a and dLoss/dz out of view.
LABEL_COLUMNS_MAX_PX = {0: 150, 1: 90}
PREDICTED_BG = QColor("#d9f2d9")
SELECTED_BG = QColor("#fde2e2")

NODE_COLUMNS = ["Layer", "Node", "Weighted sum  z = Σ w·x + b", "z", "Activation", "a", "dLoss/dz"]
DETAIL_COLUMNS = ["", "x (input)", "w (weight)", "w · x", "dLoss/dw"]


def _item(text: str, *, tip: str = "", align_right: bool = False, bold: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if tip:
        it.setToolTip(tip)
    if align_right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bold:
        f = QFont()
        f.setBold(True)
        it.setFont(f)
    return it


#: Nodes of a layer listed in the table (a layer of 100,000 units froze the window for 25 s).
NODE_ROWS_MAX = 200
#: Inputs of a node listed in its detail: beyond, the largest terms and one row for the rest.
DETAIL_INPUTS_MAX = 200
DIGITS = 8  # significant digits shown: enough to tell tanh(9) = 0.99999997 from 1


def _num(v: float, bold: bool = False) -> QTableWidgetItem:
    return _item(fmt(v, DIGITS), tip=repr(float(v)), align_right=True, bold=bold)


class TraceView(QWidget):
    node_selected = Signal(int, int)  # (layer index, unit); inputs are layer -1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trace: Trace | None = None
        self.row = 0
        self.input_names: list[str] = []
        self.layer_titles: list[str] = []
        self.output_labels: list[str] = []
        self.predicted_units: list[int] = []
        self.grads = None
        self.grad_note = ""
        self.selected: tuple[int, int] | None = None
        self._node_rows: dict[tuple[int, int], int] = {}
        self._filling = FillGuard()

        self.diagram = NetworkDiagram()
        self.diagram.node_clicked.connect(self._on_diagram_click)
        self.nodes = QTableWidget(0, len(NODE_COLUMNS))
        self.nodes.setHorizontalHeaderLabels(NODE_COLUMNS)
        self.nodes.horizontalHeaderItem(2).setToolTip(
            "The weighted sum z = Σ w·x + b of the node's inputs (the terms of a small layer in the "
            "cell's tooltip; select the row for every term).")
        self.nodes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.nodes.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.nodes.verticalHeader().setVisible(False)
        self.nodes.setWordWrap(False)
        self.nodes.horizontalHeader().setResizeContentsPrecision(40)  # size columns from 40 rows
        # the written-out sum last, taking the width the values leave (it scrolls before they are
        # cut: at 1280 x 720 a stretched middle column was a few characters wide)
        self.nodes.horizontalHeader().moveSection(2, len(NODE_COLUMNS) - 1)
        self._sum_column = FillingColumn(self.nodes, 2)
        self.nodes.itemSelectionChanged.connect(self._on_table_selection)
        self.nodes.setToolTip("Every node of every layer for this sample. Select a row to see the "
                              "node's inputs, weights and gradients.")
        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.detail_title.setTextFormat(Qt.TextFormat.RichText)
        self.detail = QTableWidget(0, len(DETAIL_COLUMNS))
        self.detail.setHorizontalHeaderLabels(DETAIL_COLUMNS)
        self.detail.verticalHeader().setVisible(False)
        self.detail.setWordWrap(False)
        self.detail.horizontalHeader().setResizeContentsPrecision(40)
        self.detail.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grad_label = QLabel()
        self.grad_label.setWordWrap(True)
        self.grad_label.setTextFormat(Qt.TextFormat.RichText)

        detail_box = QWidget()
        dl = QVBoxLayout(detail_box)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.detail, 1)
        dl.addWidget(self.grad_label)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.diagram)
        top.addWidget(detail_box)
        top.setSizes([620, 380])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.nodes)
        split.setSizes([470, 150])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self.clear("No sample.")

    # ----- content ----------------------------------------------------------------------------------
    def clear(self, message: str) -> None:
        self.trace = None
        self.grads = None
        self.diagram.show_message(message)
        self.nodes.setRowCount(0)
        self.detail.setRowCount(0)
        self.detail_title.setText("")
        self.grad_label.setText("")

    def set_trace(self, trace: Trace, row: int, input_names: list[str], layer_titles: list[str],
                  predicted_units: list[int] | None = None, output_labels: list[str] | None = None,
                  keep_gradients: bool = False) -> None:
        self.trace, self.row = trace, row
        self.input_names = list(input_names)
        self.layer_titles = list(layer_titles)
        self.predicted_units = list(predicted_units or [])
        self.output_labels = list(output_labels or [])
        if not keep_gradients:
            self.grads = None
        self.diagram.set_trace(trace, row, self.input_names, self.layer_titles, self.predicted_units)
        self._fill_nodes()
        if self.selected is None or not self._valid(self.selected):
            last = len(trace.layers) - 1
            unit = self.predicted_units[0] if self.predicted_units else 0
            self.selected = (last, unit) if last >= 0 else None
        if self.selected is not None:
            self.select_node(*self.selected, emit=False)

    def set_gradients(self, grads, note: str = "") -> None:
        """Show dLoss/dw beside the forward values (None: none available, with ``note`` saying why)."""
        shown = self.grads is not None
        self.grads = grads
        self.grad_note = note
        if grads is not None or shown:  # none before and none now: the table has none to clear
            self._fill_gradients()
        if self.selected is not None and self._valid(self.selected):
            self._fill_detail(*self.selected)

    def _valid(self, key: tuple[int, int]) -> bool:
        li, unit = key
        if self.trace is None:
            return False
        if li == -1:
            return 0 <= unit < self.trace.inputs.shape[1]
        if not 0 <= li < len(self.trace.layers):
            return False
        if self.trace.layers[li].layer.kind == "identity":  # a Dropout: no node of its own
            return False
        return 0 <= unit < self.trace.layers[li].a.shape[1]

    def _title(self, li: int) -> str:
        return self.layer_titles[li] if li < len(self.layer_titles) else f"Layer {li + 1}"

    def _fill_nodes(self) -> None:
        t, r = self.trace, self.row
        if t is None:
            return
        with self._filling:
            self.nodes.setRowCount(0)
            self._node_rows.clear()
            rows = []
            last = len(t.layers) - 1
            for li, lt in enumerate(t.layers):
                layer = lt.layer
                title = self._title(li)
                if layer.kind == "identity":
                    rows.append((li, None, [title, "all", "passes its inputs through (off at inference)",
                                            "", "identity", "", ""]))
                    continue
                width = lt.a.shape[1]
                for u in range(min(width, NODE_ROWS_MAX)):
                    if layer.kind == "dense":
                        formula = weighted_sum_text(t, li, r, u, digits=4, max_terms=4)
                        act = layer.activation
                    else:
                        formula = (f"{fmt(lt.inputs[r, u], 4)} × {fmt(layer.scale[u], 4)} + "
                                   f"{fmt(layer.shift[u], 4)}  (normalized)")
                        act = "batch norm"
                    node_name = str(u + 1)
                    if li == last and u < len(self.output_labels):
                        node_name = f"{u + 1}: {self.output_labels[u]}"
                    rows.append((li, u, [title, node_name, formula, fmt(lt.z[r, u], DIGITS), act,
                                         fmt(lt.a[r, u], DIGITS), self._dz_text(li, u)]))
                if width > NODE_ROWS_MAX:
                    rows.append((li, None, [title, f"+{width - NODE_ROWS_MAX:,}",
                                            f"more nodes, not listed: the table lists the first "
                                            f"{NODE_ROWS_MAX} of a layer", "", "", "", ""]))
            self.nodes.setRowCount(len(rows))
            for i, (li, u, cells) in enumerate(rows):
                for c, text in enumerate(cells):
                    it = _item(text, tip=text if c in LABEL_COLUMNS_MAX_PX else "",
                               align_right=c in (3, 5, 6), bold=(li == last and u in self.predicted_units))
                    if c == 2 and u is not None and t.layers[li].layer.kind == "dense" \
                            and t.layers[li].inputs.shape[1] <= 16:  # wider: the detail pane lists all
                        it.setToolTip(weighted_sum_text(t, li, r, u, digits=8, max_terms=16))
                    if li == last and u in self.predicted_units:
                        it.setBackground(QBrush(PREDICTED_BG))
                    self.nodes.setItem(i, c, it)
                if u is not None:
                    self._node_rows[(li, u)] = i
            self.nodes.resizeColumnsToContents()
            header = self.nodes.horizontalHeader()
            for c, cap in LABEL_COLUMNS_MAX_PX.items():  # long layer titles elide (tooltip: whole)
                header.resizeSection(c, min(header.sectionSize(c), cap))
            self._sum_column.fit()

    def _dz_text(self, li: int, u: int) -> str:
        g = self.grads
        if g is None or li >= len(g.dz) or g.dz[li] is None:
            return ""
        return fmt(g.dz[li][u], 4)

    def _fill_gradients(self) -> None:
        """The dLoss/dz column of the table as it is (the trace's rows stay): one text a row, not
        the whole table made again (monkey seed 147: 1.5 s of the window, the gradients of a
        sample arriving while a worker ran Python)."""
        with self._filling:
            for (li, u), i in self._node_rows.items():
                item = self.nodes.item(i, 6)
                if item is not None:
                    item.setText(self._dz_text(li, u))
            self.nodes.resizeColumnToContents(6)

    # ----- selection --------------------------------------------------------------------------------
    def select_node(self, layer_index: int, unit: int, emit: bool = True) -> bool:
        """Highlight a node in the diagram and the table and show its details. False if no such node."""
        key = (int(layer_index), int(unit))
        if not self._valid(key):
            return False
        self.selected = key
        self.diagram.select(*key)
        row = self._node_rows.get(key)
        with self._filling:
            if row is not None:
                self.nodes.selectRow(row)
                self.nodes.scrollToItem(self.nodes.item(row, 0))
            else:
                self.nodes.clearSelection()
        self._fill_detail(*key)
        if emit:
            self.node_selected.emit(*key)
        return True

    @Slot(int, int)
    def _on_diagram_click(self, li: int, unit: int) -> None:
        self.select_node(li, unit)

    @Slot()
    def _on_table_selection(self) -> None:
        if self._filling:
            return
        rows = self.nodes.selectionModel().selectedRows()
        if not rows:
            return
        for key, r in self._node_rows.items():
            if r == rows[0].row():
                self.select_node(*key)
                return

    # ----- the selected node in detail -------------------------------------------------------------
    def _fill_detail(self, li: int, unit: int) -> None:
        t, r = self.trace, self.row
        self.detail.setRowCount(0)
        if t is None:
            return
        if li == -1:
            name = self.input_names[unit] if unit < len(self.input_names) else f"x{unit}"
            self.detail_title.setText(f"<b>Input {name}</b> = {fmt(t.inputs[r, unit])} (what the first "
                                      f"layer receives, after preprocessing)")
            self.grad_label.setText("")
            return
        lt = t.layers[li]
        layer = lt.layer
        is_out = li == len(t.layers) - 1
        label = self.output_labels[unit] if is_out and unit < len(self.output_labels) else ""
        shown = label and label.lower() not in ("output", f"output {unit}")
        head = f"<b>{self._title(li)}, node {unit + 1}</b>" + (f" — <i>{label}</i>" if shown else "")
        if layer.kind != "dense":
            self.detail_title.setText(head + "<br>Batch normalization at inference: a fixed "
                                             "scale and shift learned in training (no weights to "
                                             "inspect per input).")
            rows = [("input x", lt.inputs[r, unit], None, None, None),
                    ("scale (γ / √(variance + ε))", None, layer.scale[unit], None, None),
                    ("shift (β − mean · scale)", None, layer.shift[unit], None, None),
                    ("output x · scale + shift", None, None, lt.a[r, unit], None)]
            self._set_detail_rows(rows, bold_last=True)
            self.grad_label.setText("")
            return
        entry = ACTIVATIONS.get(layer.activation)
        formula = entry.formula if entry is not None else layer.activation
        self.detail_title.setText(f"{head}<br>z = Σ w·x + b = {fmt(lt.z[r, unit], DIGITS)};  "
                                  f"{layer.activation}: {formula} → a = <b>{fmt(lt.a[r, unit], DIGITS)}</b>")
        g_w = g_b = dz = None
        if self.grads is not None and self.grads.kernels[li] is not None:
            g_w, g_b = self.grads.weight_gradient(li, unit)
            dz = self.grads.dz[li][unit]
        names = self._input_names_for(li)
        rows = []
        xs, ws = lt.inputs[r].astype(np.float64), layer.kernel[:, unit].astype(np.float64)
        order = np.arange(len(ws))
        if len(ws) > DETAIL_INPUTS_MAX:  # the largest terms, then the rest as one row
            order = np.argsort(-np.abs(xs * ws), kind="stable")[:DETAIL_INPUTS_MAX]
        for i in order:
            x, w = float(xs[i]), float(ws[i])
            rows.append((names[i], x, w, x * w, None if g_w is None else float(g_w[i])))
        if len(order) < len(ws):
            rest = np.ones(len(ws), bool)
            rest[order] = False
            rows.append((f"the other {int(rest.sum()):,} inputs (smaller terms)", None, None,
                         float(np.sum(xs[rest] * ws[rest])), None))
        if layer.bias is not None:
            rows.append(("bias b", 1.0, float(layer.bias[unit]), float(layer.bias[unit]), g_b))
        else:
            rows.append(("bias b", None, None, None, None))
        rows.append(("sum z", None, None, float(lt.z[r, unit]), dz))
        rows.append((f"a = {layer.activation}(z)", None, None, float(lt.a[r, unit]), None))
        self._set_detail_rows(rows)
        self._fill_gradient_note(li, unit, dz)

    def _set_detail_rows(self, rows, bold_last: bool = False) -> None:
        self.detail.setRowCount(len(rows))
        for i, (name, *vals) in enumerate(rows):
            last = i >= len(rows) - 2 and not bold_last or bold_last and i == len(rows) - 1
            self.detail.setItem(i, 0, _item(name, bold=last))
            for c, v in enumerate(vals, start=1):
                if v is None:
                    text = "—" if name == "bias b" and c == 2 else ""
                    self.detail.setItem(i, c, _item(text, align_right=True,
                                                    tip="this layer has no bias" if text else ""))
                else:
                    self.detail.setItem(i, c, _num(v, bold=last))
        self.detail.resizeColumnsToContents()

    def _input_names_for(self, li: int) -> list[str]:
        t = self.trace
        n = t.layers[li].inputs.shape[1]
        prev = li - 1
        while prev >= 0 and t.layers[prev].layer.kind == "identity":
            prev -= 1
        if prev < 0:
            names = list(self.input_names)
        else:
            names = [f"L{prev + 1} node {k + 1}" for k in range(n)]
        return names + [f"input {k}" for k in range(len(names), n)]

    def _fill_gradient_note(self, li: int, unit: int, dz) -> None:
        g = self.grads
        if g is None:
            self.grad_label.setText(f"<i>{self.grad_note}</i>" if self.grad_note else "")
            return

        target = g.target.reshape(-1)
        tgt = (self.output_labels[int(target[0])] if g.loss_name.endswith("categorical_crossentropy")
               and int(target[0]) < len(self.output_labels) else ", ".join(fmt(v) for v in target))
        text = (f"Loss ({loss_label(g.loss_name)}) for target {tgt}: "
                f"<b>{fmt(g.loss)}</b>. dLoss/dz = {fmt(dz) if dz is not None else '—'} for this node; "
                f"each dLoss/dw = x · dLoss/dz (chain rule), from <tt>tf.GradientTape</tt>.")
        if g.blocked[li]:
            text += ("<br><b>No gradient flows here:</b> a step unit's slope is 0 everywhere, so "
                     "dLoss/dw = 0 and gradient descent cannot change these weights (a sigmoid could).")
        elif dz is not None and np.all(g.kernels[li][:, unit] == 0) and dz == 0:
            text += ("<br>dLoss/dz is 0 for this node: its ReLU is off for this sample, or every path "
                     "from it to the output passes through a ReLU that is off. This sample does not "
                     "move these weights.")
        self.grad_label.setText(text)
