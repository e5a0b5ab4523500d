"""The rows preprocessing leaves out: how many and why (loud, amber, when they are many), and the
one-click switch between dropping rows with a missing value and filling it."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from nnstudio.core.data.prepared_data import LOSS_WARN_SHARE
from nnstudio.ui.data.styles import INFO_COLOURS, WARN_COLOURS, note_style


class RowsRow(QWidget):
    """The note and its button; ``chosen(strategy, text)``: the button asks for the missing-value
    strategy ``strategy`` (its text says what it does)."""

    chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.btn = QPushButton()
        self.btn.setVisible(False)
        self.btn.clicked.connect(self._clicked)
        self.setVisible(False)
        self._action: str | None = None  # the missing-value strategy the button switches to
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.note, 1)
        row.addWidget(self.btn, 0, Qt.AlignmentFlag.AlignTop)

    def show_rows(self, prepared, missing: str) -> None:
        """What ``prepared`` (None: nothing prepared) leaves out; ``missing``: the strategy set."""
        self._action = None
        lines = []
        if prepared is not None:
            lines = prepared.warnings() or prepared.dropped_text()
            if prepared.dropped_missing:  # dropping rows with missing values: filling is one click away
                self._action = "auto" if missing != "auto" else "median"
                self.btn.setText("Fill missing values instead")
                self.btn.setToolTip("Missing values: fill numbers with the training median and give "
                                    "text its own '(missing)' category, so these rows are kept")
            elif prepared.missing_note and missing == "auto":
                lines = [*lines, prepared.missing_note]
                self._action = "drop"
                self.btn.setText("Drop those rows instead")
                self.btn.setToolTip("Missing values: drop every row that has one (in every split)")
        if lines:
            loud = prepared.dropped_share > LOSS_WARN_SHARE
            self.note.setStyleSheet(note_style(WARN_COLOURS if loud else INFO_COLOURS))
            self.note.setText(("⚠ " if loud else "") + " ".join(lines))
        self.note.setVisible(bool(lines))
        self.btn.setVisible(bool(lines) and self._action is not None)
        self.setVisible(bool(lines))  # no empty row's spacing in the tab

    @Slot()
    def _clicked(self) -> None:
        if self._action is not None:
            self.chosen.emit(self._action, self.btn.text())
