"""The slice's held values: with more than two features, every feature that is not an axis is held
at a value the user picks (a slider for numbers, a list for categories; median / most frequent by
default). Up to :data:`MAX_CONTROLS` held features get a control each; beyond (a pixel CSV holds
hundreds), one control for the feature picked in a list: 684 sliders froze the window for 2.5 s
and fitted nobody's screen."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider

from nnstudio.core import surface as core_surface
from nnstudio.ui.common.text import short_label
from nnstudio.ui.common.wheel_guard import guard_wheel

#: Held features shown each with its control; more are set one at a time, picked from a list.
MAX_CONTROLS = 12
#: A held feature's name is cut to this many characters (the whole name is its tooltip).
LABEL_CHARS = 24


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
        self.widgets: dict[str, QWidget] = {}  # the controls on screen, by feature
        self.held: list[str] = []  # the features held (not axes)
        self.picker: QComboBox | None = None  # many features: which one the control sets
        self._pre = None
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
        self.picker, self._pre = None, pre
        if pre is None or axes is None:
            self.held = []
            self.hide()
            return
        others = [c for c in pre.columns if c.name not in axes]
        self.held = [c.name for c in others]
        n = len(others)
        if n <= MAX_CONTROLS:
            for c in others:
                self._add_control(c)
            title = f"Slice: the other {n} feature{'s are' if n != 1 else ' is'} held at"
        else:
            self.picker = QComboBox()
            self.picker.setEditable(True)  # type a name to find it among hundreds
            self.picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            self.picker.addItems(self.held)
            self.picker.setToolTip("Pick the feature to hold at another value (type to find it).")
            self.picker.currentIndexChanged.connect(self._picked)
            self.form.addRow("Feature", self.picker)
            self._add_control(others[0])
            # short: a group box's title sets its least width (the whole sentence made the
            # Training tab scroll sideways at 1280 x 720); Reset names the defaults
            title = f"Slice: {n} other features held at their defaults"
        self.setTitle(title)
        self.setVisible(bool(others))
        guard_wheel(self)  # made after the window guarded its fields: the wheel scrolls past them

    def _add_control(self, c) -> None:
        w = self._slider(self._pre, c) if c.kind == "numeric" else self._combo(c)
        self.widgets[c.name] = w
        self.form.addRow(short_label(c.name, LABEL_CHARS), w)

    @Slot(int)
    def _picked(self, index: int) -> None:
        """Many features: the control is the picked feature's."""
        if index < 0 or self._pre is None:
            return
        name = self.held[index]
        if name in self.widgets:
            return
        self.form.removeRow(1)
        self.widgets.clear()
        self._add_control(next(c for c in self._pre.columns if c.name == name))
        guard_wheel(self)

    def _slider(self, pre, c) -> QWidget:
        lo, hi = core_surface.held_range(pre, c.name)
        w = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        span = hi - lo
        decimals = int(min(6, max(0, 3 - np.floor(np.log10(span))))) if span > 0 else 2
        if core_surface.is_whole(c):  # a year or a count: 1974, not 1974.00
            decimals = 0
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
        """Every held feature back to its default (those without a control on screen too)."""
        for name in self.held:
            if name in self.defaults:
                self.set_value(name, self.defaults[name])
