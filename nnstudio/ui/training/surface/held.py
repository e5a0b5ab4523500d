"""The slice's held values: with more than two features, every feature that is not an axis is held
at a value the user picks (a slider for numbers, a list for categories; median / most frequent by
default)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QPushButton, QScrollArea, QVBoxLayout, QWidget
from superqt import QLabeledDoubleSlider

from nnstudio.core import surface as core_surface


class HeldValuesPanel(QGroupBox):
    """One control per held feature; ``changed(name, value)`` when the user moves one."""

    changed = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Slice: the other features are held at", parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        self.form = QFormLayout()
        inner = QWidget()
        inner.setLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMaximumHeight(120)
        lay.addWidget(scroll)
        self.reset_btn = QPushButton("Reset to median / most frequent")
        self.reset_btn.clicked.connect(self.reset)
        lay.addWidget(self.reset_btn, 0, Qt.AlignmentFlag.AlignRight)
        self.values: dict[str, object] = {}  # every feature's held value (axes' too: kept for later)
        self.defaults: dict[str, object] = {}
        self.widgets: dict[str, QWidget] = {}
        self.hide()

    def set_defaults(self, defaults: dict[str, object]) -> None:
        """New data: every feature back to its default."""
        self.defaults = dict(defaults)
        self.values = dict(defaults)

    def rebuild(self, pre, axes: tuple[str, str] | None) -> None:
        """Controls for the features of ``pre`` (a fitted preprocessor) that are not ``axes``."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets.clear()
        if pre is None or axes is None:
            self.hide()
            return
        others = [c for c in pre.columns if c.name not in axes]
        for c in others:
            w = self._slider(pre, c) if c.kind == "numeric" else self._combo(c)
            self.widgets[c.name] = w
            self.form.addRow(c.name, w)
        n = len(others)
        self.setTitle(f"Slice: the other {n} feature{'s are' if n != 1 else ' is'} held at")
        self.setVisible(bool(others))

    def _slider(self, pre, c) -> QWidget:
        lo, hi = core_surface.held_range(pre, c.name)
        w = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        span = hi - lo
        decimals = int(min(6, max(0, 3 - np.floor(np.log10(span))))) if span > 0 else 2
        w.setDecimals(decimals)
        w.setRange(lo, hi)
        w.setValue(float(self.values[c.name]))
        w.setToolTip(f"{c.name}: between {lo:.4g} and {hi:.4g} in the training rows; "
                     f"median {core_surface.format_value(self.defaults[c.name])}.")
        w.valueChanged.connect(lambda v, n=c.name: self._set(n, float(v)))
        return w

    def _combo(self, c) -> QWidget:
        w = QComboBox()
        for cat in c.categories:
            w.addItem(str(cat), cat)
        w.setCurrentIndex(max(0, w.findData(self.values[c.name])))
        w.setToolTip(f"{c.name}: most frequent is {core_surface.format_value(self.defaults[c.name])}.")
        w.currentIndexChanged.connect(lambda i, n=c.name, box=w: self._set(n, box.itemData(i)))
        return w

    def set_value(self, name: str, value) -> None:
        """Hold ``name`` at ``value`` (as if the user moved its slider / picked it in its list)."""
        w = self.widgets.get(name)
        if isinstance(w, QComboBox):
            w.setCurrentIndex(w.findData(value))
        elif w is not None:
            w.setValue(float(value))
        else:
            self._set(name, value)

    def _set(self, name: str, value) -> None:
        if self.values.get(name) == value:
            return
        self.values[name] = value
        self.changed.emit(name, value)

    @Slot()
    def reset(self) -> None:
        for name, v in self.defaults.items():
            if name in self.widgets:
                self.set_value(name, v)
