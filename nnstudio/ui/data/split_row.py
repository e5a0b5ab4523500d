"""The Data tab's split controls: test and validation shares, which rows are held out (at random,
the file's last ones for data in time order, or whole groups of a column's values: a patient's
visits together), the seed and stratification."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox

from nnstudio.core.data import SplitConfig
from nnstudio.ui.data.combos import select_value, value_combo

ORDER_ITEMS = [("random", "random rows"), ("last", "the last rows"), ("group", "whole groups of")]


class SplitControls(QObject):
    """The widgets of the split row; :attr:`changed` when the user changes one."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.test_spin = QSpinBox(minimum=0, maximum=89, suffix=" %")
        self.test_spin.setToolTip("Rows kept aside to test the trained network (never used for fitting)")
        self.val_spin = QSpinBox(minimum=0, maximum=89, suffix=" % of the rest")
        self.val_spin.setToolTip("Rows of the remaining data used to watch for overfitting during "
                                 "training (like Keras' validation_split)")
        self.order_combo = value_combo(ORDER_ITEMS)
        self.order_combo.setToolTip(
            "Random rows; the last rows of the file (test last, validation before it): for data "
            "in time order, a forecast is measured on rows later than those it learnt from; or "
            "whole groups of a column's values (all the visits of one patient in training, or all "
            "held out): the test rows are then of patients the network never saw")
        self.group_combo = QComboBox()
        self.group_combo.setToolTip("The column whose values name the groups held out whole (a "
                                    "patient's or a customer's ID)")
        self.group_combo.setVisible(False)
        self.group_combo.currentIndexChanged.connect(self._edited)
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed_spin.setToolTip("The same seed always gives the same split")
        self.stratify = QCheckBox("Stratify")
        self.stratify.setToolTip("Keep the class proportions the same in every split (classification)")
        for w in (self.test_spin, self.val_spin, self.seed_spin):
            w.setKeyboardTracking(False)
            w.valueChanged.connect(self._edited)
        self.stratify.toggled.connect(self._edited)
        self.order_combo.currentIndexChanged.connect(self._edited)
        self._can_stratify = True

    def widgets(self) -> list:
        return [self.test_spin, self.val_spin, self.order_combo, self.group_combo, self.seed_spin,
                self.stratify]

    def row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for text, w in (("Test:", self.test_spin), ("Validation:", self.val_spin),
                        ("Hold out:", self.order_combo), ("Seed:", self.seed_spin)):
            row.addWidget(QLabel(text))
            row.addWidget(w)
            if w is self.order_combo:
                row.addWidget(self.group_combo)
        row.addWidget(self.stratify)
        row.addStretch(1)
        return row

    def show_split(self, s: SplitConfig, can_stratify: bool, columns: list[str] = ()) -> None:
        """The controls as ``s`` says (no :attr:`changed`); stratify where ``can_stratify``;
        ``columns`` can name the groups (those that most likely do first)."""
        self._can_stratify = can_stratify
        for w in self.widgets():
            w.blockSignals(True)
        if [self.group_combo.itemText(i) for i in range(self.group_combo.count())] != list(columns):
            self.group_combo.clear()
            self.group_combo.addItems(list(columns))
        if s.group and self.group_combo.findText(s.group) < 0:
            self.group_combo.addItem(s.group)  # a project's column the file has lost: the error says so
        self.group_combo.setCurrentIndex(max(0, self.group_combo.findText(s.group)))
        self.test_spin.setValue(round(s.test * 100))
        self.val_spin.setValue(round(s.val * 100))
        self.seed_spin.setValue(int(s.seed))
        self.stratify.setChecked(bool(s.stratify))
        select_value(self.order_combo, s.order)
        for w in self.widgets():
            w.blockSignals(False)
        self.enable_as_set()

    def config(self) -> SplitConfig:
        return SplitConfig(test=self.test_spin.value() / 100, val=self.val_spin.value() / 100,
                           seed=self.seed_spin.value(), stratify=self.stratify.isChecked(),
                           order=self.order_combo.currentData(),
                           group=self.group_combo.currentText() if self.by_groups() else "")

    def by_groups(self) -> bool:
        return self.order_combo.currentData() == "group"

    def enable_as_set(self) -> None:
        """The seed and stratify boxes enabled where they apply."""
        order = self.order_combo.currentData()
        self.seed_spin.setEnabled(order != "last")  # the last rows need no seed
        self.stratify.setEnabled(order == "random" and self._can_stratify)
        self.group_combo.setVisible(order == "group")

    @Slot()
    def _edited(self) -> None:
        self.enable_as_set()
        self.changed.emit()
