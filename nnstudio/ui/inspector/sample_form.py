"""The inspector's sample form: one field per input column, in original units."""
from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QWidget

from nnstudio.core.forward import fmt
from nnstudio.core.surface import default_held_values


def build_sample_form(form: QFormLayout, data, on_changed) -> dict[str, QWidget]:
    """Fill ``form`` with a field per input column of ``data`` (a spin box, or a list of the
    categories), each starting at the training rows' median / most frequent value; ``on_changed``
    is called when one changes. Returns the fields by column name."""
    widgets: dict[str, QWidget] = {}
    train = data.raw_train
    held = default_held_values(data.preprocessor, train)  # median / most frequent, computed once
    for c in data.preprocessor.columns:
        s = train[c.name] if c.name in train else pd.Series(dtype=float)
        if c.kind == "numeric":
            w = QDoubleSpinBox()
            lo = c.stats.get("min", float(s.min()) if len(s) else 0.0)
            hi = c.stats.get("max", float(s.max()) if len(s) else 1.0)
            span = max(hi - lo, 1.0)
            w.setRange(lo - 10 * span, hi + 10 * span)
            w.setDecimals(4)
            w.setSingleStep(span / 20 if span > 0 else 0.1)
            med = float(held[c.name]) if c.name in held and s.notna().any() else (lo + hi) / 2
            w.setValue(med)
            w.setToolTip(f"{c.describe()}\nRange in training: {fmt(lo)} … {fmt(hi)}.")
            w.valueChanged.connect(on_changed)
        else:
            w = QComboBox()
            for cat in c.categories:
                w.addItem(str(cat), cat)
            if c.name in held and s.notna().any():
                i = w.findText(str(held[c.name]))
                w.setCurrentIndex(max(0, i))
            w.setToolTip(c.describe())
            w.currentIndexChanged.connect(on_changed)
        form.addRow(c.name, w)
        widgets[c.name] = w
    return widgets


def set_sample_form_values(widgets: dict[str, QWidget], values: dict) -> None:
    """Type ``values`` (original units, by column name) into the form's fields."""
    for name, v in values.items():
        w = widgets.get(name)
        if isinstance(w, QComboBox):
            i = w.findText(str(v))
            if i < 0:
                raise ValueError(f"{v!r} is not a category of {name}")
            w.setCurrentIndex(i)
        elif isinstance(w, QDoubleSpinBox):
            w.setValue(float(v))


def sample_form_values(widgets: dict[str, QWidget]) -> dict:
    """The form's row: each column's value in original units."""
    out = {}
    for name, w in widgets.items():
        out[name] = w.currentData() if isinstance(w, QComboBox) else w.value()
    return out
