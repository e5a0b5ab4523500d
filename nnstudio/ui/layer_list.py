"""A read-only, layer-by-layer listing of the network (the full editor lives in layer_editor.py)."""
from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QListWidget, QVBoxLayout, QWidget

from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import param_counts
from nnstudio.ui.state import AppState


class LayerList(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.list = QListWidget()
        self.total = QLabel()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.list)
        lay.addWidget(self.total)
        for sig in (state.project_changed, state.spec_changed, state.data_changed):
            sig.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        p = self.state.project
        self.list.clear()
        try:
            n_in = self.state.prepared().n_inputs
        except NNStudioError:
            n_in = len(p.roles.features)
        task, k = p.task, p.n_classes()
        self.list.addItem(f"Input: {n_in} features")
        rows = param_counts(p.spec, n_in, task, k)
        for text, (desc, n) in zip(p.spec.summary(task, k), rows):
            self.list.addItem(f"{text}   [{n} params]")
        self.total.setText(f"{sum(n for _, n in rows):,} parameters in total")
