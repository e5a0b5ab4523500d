"""The Inspector tab: forward propagation node by node, on the trained network or on hand-set weights.

Four views:

* **Trained network** (:mod:`~nnstudio.ui.inspector.model`): pick a sample (a data-table row, a
  test row, or values typed in a form), see raw -> encoded -> scaled, then every layer's and node's
  inputs, weights, weighted sum and activation as a diagram and as tables, with Keras' own
  prediction beside NumPy's and the gradients dLoss/dw for the sample;
* **Neuron maps** (:mod:`~nnstudio.ui.inspector.maps`): each node's activation over the input
  plane for two-input problems, live during training;
* **Hand-set weights** (:mod:`~nnstudio.ui.inspector.hand`): type or paste weights, evaluate a
  table of rows, no training and no TensorFlow; presets W5 and the W2 OR unit; JSON files;
* **Backprop graph (W6)** (:mod:`~nnstudio.ui.inspector.graph`).

Layer indices (``select_node``) count the network's layers as the layer editor lists them: hidden
layers then the output layer, from 0, dropout and batch normalization included; -1 means the inputs.
"""
from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.inspector.graph import GraphView
from nnstudio.ui.inspector.hand import HandNetEditor
from nnstudio.ui.inspector.maps import NeuronMapsView
from nnstudio.ui.inspector.model import ModelInspector
from nnstudio.ui.state import AppState


class InspectorPanel(QWidget):
    message = Signal(str, str)  # (level: info|warning|error, text) for the window to show
    node_selected = Signal(int, int)  # a node picked in the inspector (layer index, unit)

    TRAINED, MAPS, HAND, GRAPH = range(4)

    def __init__(self, state: AppState, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model_view = ModelInspector(state, pool)
        self.maps = NeuronMapsView(state, pool)
        self.hand = HandNetEditor(state, pool)
        self.graph = GraphView(pool, state)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.model_view, "Trained network")
        self.tabs.addTab(self.maps, "Neuron maps")
        self.tabs.addTab(self.hand, "Hand-set weights")
        self.tabs.addTab(self.graph, "Backprop graph (W6)")
        self.tabs.setTabToolTip(self.TRAINED, "Every node's numbers for one sample, checked against Keras.")
        self.tabs.setTabToolTip(self.MAPS, "Each node's activation over the input plane (two-input problems).")
        self.tabs.setTabToolTip(self.HAND, "Set weights by hand and evaluate rows: no training, no TensorFlow.")
        self.tabs.setTabToolTip(self.GRAPH, "The chain rule on p = x + y, g = p · z, with tf.GradientTape.")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tabs)

        self.model_view.message.connect(self.message)
        self.model_view.want_hand_mode.connect(self.show_hand_mode)
        self.model_view.trace_view.node_selected.connect(self.node_selected)
        self.hand.message.connect(self.message)
        self.maps.node_clicked.connect(self._on_map_clicked)

    # ----- public: for the network view, the data table and the menus -----------------------------------
    def select_node(self, layer_index: int, unit_index: int) -> bool:
        """Show the trained network's node ``unit_index`` of layer ``layer_index`` (-1: an input).

        Switches to the Trained network view and highlights the node in the diagram and the tables.
        Returns False (and changes nothing) when there is no such node or no network to show yet.
        """
        if not self.model_view.select_node(layer_index, unit_index):
            return False
        self.tabs.setCurrentIndex(self.TRAINED)
        return True

    def show_data_row(self, index: int) -> None:
        """Inspect row ``index`` (0-based position) of the data table."""
        self.model_view.show_data_row(index)
        self.tabs.setCurrentIndex(self.TRAINED)

    def inspect_values(self, values: dict, column: str | None = None) -> bool:
        """Inspect a row typed elsewhere (original units) and light the input node(s) that carry
        ``column`` (issue 20: a clicked importance or attribution bar). False when the row or the
        column cannot be shown (nothing is changed then)."""
        try:
            self.model_view.set_form_values(values)
        except (ValueError, TypeError):
            return False
        self.tabs.setCurrentIndex(self.TRAINED)
        return self.model_view.highlight_column(column) if column else True

    @Slot()
    def show_hand_mode(self, preset: str | None = None) -> None:
        if preset:
            self.hand.load_preset(preset)
        self.tabs.setCurrentIndex(self.HAND)

    @Slot(int, int)
    def _on_map_clicked(self, layer_index: int, unit: int) -> None:
        self.select_node(layer_index, unit)
