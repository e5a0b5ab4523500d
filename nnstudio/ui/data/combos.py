"""Combo boxes whose items carry a value: build one, and choose an item by its value without signals."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox


def value_combo(items: list[tuple[object, str]]) -> QComboBox:
    c = QComboBox()
    for data, text in items:
        c.addItem(text, data)
    return c


def select_value(combo: QComboBox, data) -> None:
    i = combo.findData(data)
    combo.blockSignals(True)
    combo.setCurrentIndex(max(0, i))
    combo.blockSignals(False)
