"""Hand-weights mode: type or paste weights and biases, evaluate a table of input rows, no training.

Every edit re-evaluates the network with NumPy (:mod:`nnstudio.core.handnet`); TensorFlow is used
only for the optional gradients column, off the GUI thread. Networks are saved and loaded as the
small JSON file of :mod:`nnstudio.core.handnet`. Built-in presets: the W5 forward-propagation
examples and the W2 OR unit.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.gradients import sample_gradients
from nnstudio.core.handnet import (
    PRESETS,
    STEP_GRADIENT_NOTE,
    HandNet,
    HandNetError,
    get_preset,
    parse_rows,
)
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.inspector.hand_layer import MAX_UI_UNITS, HandLayerEditor, PasteTable, parse_cell
from nnstudio.ui.inspector.trace import TraceView
from nnstudio.ui.state import AppState

MAX_UI_LAYERS = 8
HAND_LOSSES = (("mse", "mean squared error"), ("binary_crossentropy", "binary cross-entropy"))
FILE_FILTER = "Hand-set network (*.json);;All files (*)"


#: The preset the page shows for an example, and for any other data.
EXAMPLE_PRESETS = {"or": "w2-or-step"}
DEFAULT_PRESET = "w5-relu"


class HandNetEditor(QWidget):
    message = Signal(str, str)  # (level, text) for the window

    def __init__(self, state: AppState | None, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.net: HandNet | None = None
        self.trace = None
        self.current_file = None
        self._building = False
        self._rows_n_in = 0
        self.job = LatestJob(pool, "hand-gradients", self)
        self.job.result.connect(self._on_gradients)
        self.job.error.connect(self._on_gradient_error)

        # ----- top bar
        self.preset = QComboBox()
        self.preset.addItem("Custom network", "")
        for key, p in PRESETS.items():
            self.preset.addItem(p.title, key)
        self.preset.setToolTip("Built-in teaching networks (W5 forward propagation, W2 OR unit).")
        self.open_btn = QPushButton("Open…")
        self.open_btn.setToolTip("Load a hand-set network from a JSON file.")
        self.save_btn = QPushButton("Save…")
        self.save_btn.setToolTip("Save this network (and its input rows) as a JSON file.")
        self.inputs = QSpinBox()
        self.inputs.setRange(1, MAX_UI_UNITS)
        self.inputs.setToolTip("How many numbers each input row has.")
        self.add_layer_btn = QPushButton("+ Layer")
        self.add_layer_btn.setToolTip("Add a layer after the last one.")
        self.remove_layer_btn = QPushButton("− Layer")
        self.remove_layer_btn.setToolTip("Remove the last layer.")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Preset:"))
        bar.addWidget(self.preset, 1)
        bar.addWidget(self.open_btn)
        bar.addWidget(self.save_btn)
        bar.addSpacing(16)
        bar.addWidget(QLabel("Inputs:"))
        bar.addWidget(self.inputs)
        bar.addWidget(self.add_layer_btn)
        bar.addWidget(self.remove_layer_btn)

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)

        # ----- layers
        self.layers_row = QHBoxLayout()
        self.layers_row.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.layers_row.addStretch(1)
        holder = QWidget()
        holder.setLayout(self.layers_row)
        self.layers_scroll = QScrollArea()
        self.layers_scroll.setWidgetResizable(True)
        self.layers_scroll.setWidget(holder)
        self.layers_scroll.setMinimumHeight(190)
        self.editors: list[HandLayerEditor] = []

        # ----- input rows
        self.rows = PasteTable(1, 1, grow_rows=True)
        self.rows.setToolTip("Input rows: type numbers or paste a block (Ctrl+V); outputs are "
                             "computed as you type. 'target' (optional) is the answer the loss "
                             "compares with, for the gradients.")
        self.rows.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.rows.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.add_row_btn = QPushButton("+ Row")
        self.remove_row_btn = QPushButton("− Row")
        self.loss = QComboBox()
        for key, label in HAND_LOSSES:
            self.loss.addItem(label, key)
        self.loss.setToolTip("The loss for the gradients: how far the output is from the target.")
        rbar = QHBoxLayout()
        rbar.addWidget(self.add_row_btn)
        rbar.addWidget(self.remove_row_btn)
        rbar.addStretch(1)
        rbar.addWidget(QLabel("Loss:"))
        rbar.addWidget(self.loss)
        rows_box = QGroupBox("Input rows → outputs")
        rl = QVBoxLayout(rows_box)
        rl.addWidget(self.rows, 1)
        rl.addLayout(rbar)

        self.trace_view = TraceView()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(rows_box)
        lower.addWidget(self.trace_view)
        lower.setStretchFactor(1, 1)
        lower.setSizes([340, 800])
        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(self.note)
        ul.addWidget(self.layers_scroll, 1)
        ul.addWidget(self.status)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([300, 460])
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(split, 1)

        self.preset.currentIndexChanged.connect(self._on_preset)
        self.open_btn.clicked.connect(self.open_file)
        self.save_btn.clicked.connect(self.save_file)
        self.inputs.valueChanged.connect(self._on_inputs)
        self.add_layer_btn.clicked.connect(self.add_layer)
        self.remove_layer_btn.clicked.connect(self.remove_layer)
        self.add_row_btn.clicked.connect(self._add_row)
        self.remove_row_btn.clicked.connect(self._remove_row)
        self.rows.edited.connect(self.evaluate)
        self.rows.itemSelectionChanged.connect(self._show_selected_row)
        self.loss.currentIndexChanged.connect(self._start_gradients)
        if state is not None:
            state.tf_ready.connect(self._start_gradients)
            state.project_changed.connect(self._follow_example)
        self._auto_preset = DEFAULT_PRESET  # the preset chosen for the user, not by them
        self.load_preset(DEFAULT_PRESET)

    @Slot()
    def _follow_example(self) -> None:
        """OR's example opens this page on its step unit (its lesson is set by hand), the others
        on the first preset; a preset the user picked, or a network they typed, is kept."""
        current = self.preset.currentData()
        if current != self._auto_preset:
            return
        key = EXAMPLE_PRESETS.get(self.state.project.example or "", DEFAULT_PRESET)
        self._auto_preset = key
        if key != current:
            self.load_preset(key)

    # ----- building the network ----------------------------------------------------------------------
    def load_preset(self, key: str) -> None:
        p = get_preset(key)
        i = self.preset.findData(key)
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(i)
        self.preset.blockSignals(False)
        targets = None
        if key.startswith("w2-or"):
            targets = [str(int(a or b)) for a, b in p.rows]  # the OR truth table
        self.set_net(p.net, p.rows, targets)
        self.loss.setCurrentIndex(1 if p.net.layers[-1].activation == "sigmoid" else 0)
        self._set_note(f"<b>{p.title}.</b> {p.net.description} {p.note}")

    @Slot()
    def _on_preset(self) -> None:
        key = self.preset.currentData()
        if key:
            self.load_preset(key)
        else:
            self._set_note("<b>Custom network.</b> Set the number of inputs and layers, type or "
                           "paste weights (column = one node's weights, one row per input) and "
                           "evaluate rows below.")

    def _set_note(self, text: str) -> None:
        self.note.setText(text)

    def set_net(self, net: HandNet, rows=None, targets=None) -> None:
        """Show ``net`` in the editors and evaluate ``rows`` (default: the net's own example rows)."""
        self._building = True
        self.trace_view.selected = None  # a new network: start from its output node
        try:
            self.inputs.blockSignals(True)
            self.inputs.setValue(net.n_inputs)
            self.inputs.blockSignals(False)
            while len(self.editors) > len(net.layers):
                self._pop_editor()
            names = net.inputs()
            for k, layer in enumerate(net.layers):
                if k >= len(self.editors):
                    self._push_editor(layer.n_inputs)
                ed = self.editors[k]
                ed.set_inputs(layer.n_inputs,
                              names if k == 0 else [f"L{k} node {j + 1}" for j in range(layer.n_inputs)])
                ed.set_layer(layer)
            self._titles()
            rows = rows if rows is not None else (net.rows or [[0.0] * net.n_inputs])
            self._set_rows(rows, targets, names)
        finally:
            self._building = False
        self.evaluate()

    def _push_editor(self, n_inputs: int) -> HandLayerEditor:
        ed = HandLayerEditor(len(self.editors), n_inputs)
        ed.setMinimumWidth(220)
        ed.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Maximum)
        ed.changed.connect(self._on_layer_changed)
        # at the top of the row: centred, a short layer beside a tall one sat cut off at the bottom
        self.layers_row.insertWidget(len(self.editors), ed, 0, Qt.AlignmentFlag.AlignTop)
        self.editors.append(ed)
        return ed

    def _pop_editor(self) -> None:
        ed = self.editors.pop()
        self.layers_row.removeWidget(ed)
        ed.setParent(None)
        ed.deleteLater()

    def _titles(self) -> None:
        for k, ed in enumerate(self.editors):
            ed.set_title(k == len(self.editors) - 1)
        self.remove_layer_btn.setEnabled(len(self.editors) > 1)
        self.add_layer_btn.setEnabled(len(self.editors) < MAX_UI_LAYERS)

    @Slot()
    def add_layer(self) -> None:
        prev = self.editors[-1]
        ed = self._push_editor(prev.units.value())
        ed.set_inputs(prev.units.value(), [f"L{len(self.editors) - 1} node {j + 1}" for j in range(prev.units.value())])
        ed.activation.setCurrentIndex(ed.activation.findData("linear"))
        self._titles()
        self._custom()
        self._on_layer_changed()

    @Slot()
    def remove_layer(self) -> None:
        if len(self.editors) > 1:
            self._pop_editor()
            self._titles()
            self._custom()
            self._on_layer_changed()

    @Slot(int)
    def _on_inputs(self, n: int) -> None:
        names = [f"x{i}" for i in range(n)]
        self.editors[0].set_inputs(n, names)
        self._set_rows(self._row_texts(), self._target_texts(), names, width=n)
        self._custom()
        self._on_layer_changed()

    @Slot()
    def _on_layer_changed(self) -> None:
        if self._building:
            return
        # keep every layer's inputs equal to the previous layer's nodes
        for k in range(1, len(self.editors)):
            units = self.editors[k - 1].units.value()
            if self.editors[k].n_inputs != units:
                self.editors[k].set_inputs(units, [f"L{k} node {j + 1}" for j in range(units)])
        self._custom()
        self.evaluate()

    def _custom(self) -> None:
        if not self._building and self.preset.currentIndex() != 0:
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(0)
            self.preset.blockSignals(False)
            self._set_note("<b>Custom network</b> (edited). " + self.note.text().split("</b>", 1)[-1])

    def current_net(self) -> HandNet:
        """The network as typed; raises :class:`HandNetError` for a cell that is not a number."""
        layers = [ed.layer() for ed in self.editors]
        return HandNet(layers, input_names=list(self.editors[0].input_names))

    # ----- rows --------------------------------------------------------------------------------------
    def _n_out(self) -> int:
        return self.editors[-1].units.value() if self.editors else 1

    def _layout_rows(self, n_in: int, names: list[str]) -> None:
        n_out = self._n_out()
        headers = [*names, *(["output"] if n_out == 1 else [f"output {j}" for j in range(n_out)]), "target"]
        self.rows.setColumnCount(len(headers))
        self.rows.setHorizontalHeaderLabels(headers)
        self._rows_n_in = n_in
        self.rows.read_only_cols = set(range(n_in, n_in + n_out))

    def _set_rows(self, rows, targets, names, width: int | None = None) -> None:
        n_in = width if width is not None else len(names)
        self.rows.blockSignals(True)
        self.rows.setRowCount(0)
        self._layout_rows(n_in, names)
        self.rows.setRowCount(max(1, len(rows)))
        for r, row in enumerate(rows):
            for c in range(n_in):
                v = row[c] if c < len(row) else 0.0
                if isinstance(v, str):
                    self.rows.setItem(r, c, QTableWidgetItem(v))
                else:
                    self.rows.set_number(r, c, float(v))
            if targets is not None and r < len(targets) and targets[r]:
                self.rows.setItem(r, self.rows.columnCount() - 1, QTableWidgetItem(str(targets[r])))
        self.rows.blockSignals(False)

    def _row_texts(self) -> list[list[str]]:
        """The input cells as typed, in the table's current layout."""
        return [[self.rows.text_at(r, c) for c in range(self._rows_n_in)] for r in range(self.rows.rowCount())]

    def input_rows(self) -> np.ndarray:
        n_in = self.editors[0].n_inputs
        out = []
        for r in range(self.rows.rowCount()):
            vals = []
            for c in range(n_in):
                text = self.rows.text_at(r, c)
                try:
                    v = parse_cell(text)
                except ValueError:
                    raise HandNetError(f"Input row {r + 1}, {self._input_name(c)}: '{text}' is not a number.",
                                       "Type a number in every input cell.") from None
                if v is None:
                    raise HandNetError(f"Input row {r + 1}, {self._input_name(c)} is empty.",
                                       "Type a number in every input cell.")
                vals.append(v)
            out.append(vals)
        return np.array(out, dtype=np.float64).reshape(len(out), n_in)

    def _input_name(self, c: int) -> str:
        names = self.editors[0].input_names
        return names[c] if c < len(names) else f"input {c}"

    def target_for(self, r: int):
        text = self.rows.text_at(r, self.rows.columnCount() - 1).strip()
        if not text:
            return None

        return parse_rows(text)[0]

    @Slot()
    def _add_row(self) -> None:
        r = self.rows.rowCount()
        self.rows.blockSignals(True)
        self.rows.insertRow(r)
        for c in range(self.editors[0].n_inputs):
            self.rows.set_number(r, c, 0.0)
        self.rows.blockSignals(False)
        self.evaluate()
        self.rows.selectRow(r)

    @Slot()
    def _remove_row(self) -> None:
        if self.rows.rowCount() > 1:
            r = self.rows.currentRow()
            self.rows.removeRow(r if r >= 0 else self.rows.rowCount() - 1)
            self.evaluate()

    # ----- evaluating (NumPy, instant) ---------------------------------------------------------------
    @Slot()
    def evaluate(self) -> None:
        if self._building:
            return
        try:
            net = self.current_net()
            names = net.inputs()
            # the rows table follows the network's shape (outputs may have changed)
            if self._rows_n_in != net.n_inputs or self.rows.columnCount() != net.n_inputs + net.n_outputs + 1:
                self._set_rows(self._row_texts(), self._target_texts(), names, width=net.n_inputs)
            X = self.input_rows()
            t = net.trace(X)
        except NNStudioError as e:
            self.net = None
            self.trace = None
            self.status.setText(f"<span style='color:#d62728'>{e.user_text()}</span>")
            self.trace_view.clear("Fix the highlighted value to evaluate.")
            return
        self.net, self.trace = net, t
        n_in, n_out = net.n_inputs, net.n_outputs
        self.rows.blockSignals(True)
        for r in range(len(X)):
            for j in range(n_out):
                self.rows.set_number(r, n_in + j, float(t.output[r, j]), read_only=True)
        self.rows.blockSignals(False)
        msg = f"{len(X)} row{'s' if len(X) != 1 else ''} evaluated with NumPy (no TensorFlow, no training)."
        if net.has_step and STEP_GRADIENT_NOTE not in self.note.text():
            msg += f"<br><b>Why not train it?</b> {STEP_GRADIENT_NOTE}"
        self.status.setText(msg)
        self._show_selected_row()

    def _target_texts(self) -> list[str]:
        c = self.rows.columnCount() - 1
        return [self.rows.text_at(r, c).strip() for r in range(self.rows.rowCount())]

    def selected_row(self) -> int:
        r = self.rows.currentRow()
        return r if self.trace is not None and 0 <= r < len(self.trace.output) else 0

    @Slot()
    def _show_selected_row(self) -> None:
        if self.trace is None or self.net is None:
            return
        r = self.selected_row()
        titles = [f"Layer {k + 1}, {l.activation}" + (" (output)" if k == len(self.net.layers) - 1 else "")
                  for k, l in enumerate(self.net.layers)]
        n_out = self.net.n_outputs
        labels = ["output"] if n_out == 1 else [f"output {j}" for j in range(n_out)]
        self.trace_view.set_trace(self.trace, r, self.net.inputs(), titles, list(range(n_out)), labels)
        self._start_gradients()

    # ----- gradients (TensorFlow, off the GUI thread) ----------------------------------------------------
    @Slot()
    def _start_gradients(self) -> None:
        if self.trace is None or self.net is None:
            return
        r = self.selected_row()
        try:
            y = self.target_for(r)
        except NNStudioError as e:
            self.trace_view.set_gradients(None, f"Target: {e.user_text()}")
            return
        if y is None:
            self.trace_view.set_gradients(None, "Type a target for this row (last column) to see "
                                                "dLoss/dw for every weight.")
            return
        if self.state is None or not self.state.tf_loaded:
            self.trace_view.set_gradients(None, "Gradients need TensorFlow, which is still loading; "
                                                "the forward values above need none.")
            return
        layers = self.net.forward_layers()
        x = self.trace.inputs[r].copy()
        loss = self.loss.currentData()
        tag = (self._fingerprint(), r, tuple(np.ravel(y)), loss)

        def work():
            return sample_gradients(layers, x, y, loss)

        self.job.submit(tag, work)

    def _fingerprint(self):
        return None if self.net is None else self.net.to_json() + repr(self.trace.inputs.tolist())

    @Slot(object, object)
    def _on_gradients(self, tag, grads) -> None:
        if self.net is None or tag[0] != self._fingerprint() or tag[1] != self.selected_row():
            return
        self.trace_view.set_gradients(grads)

    @Slot(object, object)
    def _on_gradient_error(self, tag, err) -> None:
        self.trace_view.set_gradients(None, f"No gradients: {err.user_text()}")

    # ----- files -------------------------------------------------------------------------------------
    @Slot()
    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a hand-set network", "", FILE_FILTER)
        if not path:
            return
        try:
            net = HandNet.load(path)
        except NNStudioError as e:
            self.message.emit("error", e.user_text())
            return
        self.current_file = path
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(0)
        self.preset.blockSignals(False)
        self.set_net(net)
        title = net.name or path.rsplit("/", 1)[-1]
        self._set_note(f"<b>{title}</b> (opened from {path}). {net.description}")
        self.message.emit("info", f"Opened the hand-set network {path}.")

    @Slot()
    def save_file(self) -> None:
        try:
            net = self.current_net()
            rows = self.input_rows()
        except NNStudioError as e:
            self.message.emit("error", f"Cannot save yet: {e.user_text()}")
            return
        key = self.preset.currentData()
        if key:
            p = PRESETS[key]
            net.name, net.description = p.net.name, p.net.description
        net.rows = rows.tolist()
        path, _ = QFileDialog.getSaveFileName(self, "Save the hand-set network",
                                              self.current_file or "network.json", FILE_FILTER)
        if not path:
            return
        if not path.lower().endswith(".json"):
            path += ".json"
        try:
            net.save(path)
        except NNStudioError as e:
            self.message.emit("error", e.user_text())
            return
        self.current_file = path
        self.message.emit("info", f"Saved the hand-set network to {path}.")
