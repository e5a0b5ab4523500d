"""The class-weights setting of the training panel: none, balanced, or a weight per class label
(``core.training.class_weights``)."""
from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

from nnstudio.core.errors import SettingsError
from nnstudio.core.training.class_weights import check_class_weight

TIP = ("How much each class's rows count in the loss (classification). Balanced: rows of a class "
       "count n_rows / (n_classes × its rows), as Keras' class_weight.")
MODES = (("none", "none (every row counts once)"), ("balanced", "balanced (rare classes count more)"),
         ("custom", "custom…"))


def parse_custom(text: str) -> dict:
    """'yes=3, no=1' -> {'yes': 3.0, 'no': 1.0}; SettingsError naming the bad part."""
    out = {}
    for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
        if "=" not in part:
            raise SettingsError(f"'{part}' is not label=weight.", "Write e.g. yes=3, no=1.")
        label, _, w = part.rpartition("=")
        try:
            out[label.strip()] = float(w)
        except ValueError:
            raise SettingsError(f"The weight of '{label.strip()}' is not a number ({w.strip()!r}).") from None
    if not out:
        raise SettingsError("Give a weight per class, e.g. yes=3, no=1.")
    check_class_weight(out)
    return out


class ClassWeightEditor(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.mode.setToolTip(TIP)
        self.custom = QLineEdit()
        self.custom.setPlaceholderText("label=weight, e.g. yes=3, no=1")
        self.custom.setToolTip("A weight per class label; classes not named weigh 1.")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.mode)
        lay.addWidget(self.custom, 1)
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.custom.editingFinished.connect(self.changed)
        self._on_mode()

    def set_value(self, value) -> None:
        self.blockSignals(True)
        mode = value if isinstance(value, str) else "custom"
        self.mode.setCurrentIndex(self.mode.findData(mode))
        self.custom.setText(", ".join(f"{k}={v:g}" for k, v in value.items()) if isinstance(value, dict) else "")
        self._on_mode()
        self.blockSignals(False)

    def value(self):
        """The setting; SettingsError if the custom text is not valid."""
        mode = self.mode.currentData()
        return parse_custom(self.custom.text()) if mode == "custom" else mode

    @Slot()
    def _on_mode(self) -> None:
        custom = self.mode.currentData() == "custom"
        self.custom.setVisible(custom)
        if not custom or self.custom.text().strip():
            self.changed.emit()
