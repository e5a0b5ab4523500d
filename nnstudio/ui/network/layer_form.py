"""The layer editor's form for the selected layer: kind, units, activation, initializer, bias, regularizers, rates."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox

from nnstudio.core.model.spec import (
    HELP,
    INITIALIZER_HELP,
    INITIALIZERS,
    LAYER_KINDS,
    LAYER_TITLES,
    MAX_DENSE_UNITS,
    RATE_KINDS,
    LayerSpec,
    Task,
    default_output,
)
from nnstudio.core.registry import ACTIVATIONS, TRAINABLE_ACTIVATIONS


class CompactSpin(QDoubleSpinBox):
    """A spin box that shows 0.001 as "0.001", not "0.001000"."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.{self.decimals()}f}".rstrip("0").rstrip(".") or "0"


class LayerForm:
    """Mix in before the QWidget base of :class:`~nnstudio.ui.network.layer_editor.LayerEditor`:
    the selected layer's settings, loaded from the spec and turned into undoable edits."""

    def _build_form(self) -> None:
        """The selected layer's settings (a group box with a form), wired to :meth:`_field_changed`."""
        self.form_box = QGroupBox("Selected layer")
        self.form = QFormLayout(self.form_box)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.follow_task = QCheckBox("Follow the task")
        self.follow_task.setToolTip(HELP["output"] + " Untick to set the output layer by hand.")
        self.follow_task.clicked.connect(self._follow_task_clicked)
        self.form.addRow(self.follow_task)
        self.kind = QComboBox()
        for kind in LAYER_KINDS:
            self.kind.addItem(LAYER_TITLES[kind], kind)
            self.kind.setItemData(self.kind.count() - 1, HELP[kind], Qt.ItemDataRole.ToolTipRole)
        self.kind.setToolTip(HELP["kind"])
        self.form.addRow("Type", self.kind)
        self.units = QSpinBox()
        self.units.setRange(1, MAX_DENSE_UNITS)
        self.units.setKeyboardTracking(False)
        self.units.setAccelerated(True)
        self.units.setToolTip(HELP["units"])
        self.form.addRow("Units", self.units)
        self.activation = QComboBox()
        for a in TRAINABLE_ACTIVATIONS:
            self.activation.addItem(a, a)
            self.activation.setItemData(self.activation.count() - 1, ACTIVATIONS[a].help,
                                        Qt.ItemDataRole.ToolTipRole)
        self.activation.setToolTip(HELP["activation"])
        self.form.addRow("Activation", self.activation)
        self.initializer = QComboBox()
        for name in INITIALIZERS:
            self.initializer.addItem(name, name)
            self.initializer.setItemData(self.initializer.count() - 1, INITIALIZER_HELP[name],
                                         Qt.ItemDataRole.ToolTipRole)
        self.initializer.setToolTip(HELP["initializer"])
        self.form.addRow("Initializer", self.initializer)
        self.use_bias = QCheckBox("Use bias")
        self.use_bias.setToolTip(HELP["use_bias"])
        self.form.addRow(self.use_bias)
        self.l1 = self._reg_spin(HELP["l1"])
        self.form.addRow("L1", self.l1)
        self.l2 = self._reg_spin(HELP["l2"])
        self.form.addRow("L2", self.l2)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.0, 0.99)
        self.rate.setSingleStep(0.05)
        self.rate.setDecimals(3)
        self.rate.setKeyboardTracking(False)
        self.rate.setToolTip(HELP["rate"])
        self.form.addRow("Rate", self.rate)
        self.stddev = QDoubleSpinBox()
        self.stddev.setRange(0.0, 1.0)  # Keras' GaussianNoise takes no more (spec.validate)
        self.stddev.setSingleStep(0.05)
        self.stddev.setDecimals(3)
        self.stddev.setKeyboardTracking(False)
        self.stddev.setToolTip(HELP["stddev"])
        self.form.addRow("Std. dev.", self.stddev)
        self.layer_help = QLabel()
        self.layer_help.setWordWrap(True)
        self.layer_help.setStyleSheet("QLabel { color: palette(mid); }")
        self.form.addRow(self.layer_help)

        self.kind.activated.connect(lambda _i: self._field_changed("kind"))
        self.activation.activated.connect(lambda _i: self._field_changed("activation"))
        self.initializer.activated.connect(lambda _i: self._field_changed("initializer"))
        self.units.valueChanged.connect(lambda _v: self._field_changed("units"))
        self.use_bias.clicked.connect(lambda _c: self._field_changed("use_bias"))
        for name in ("l1", "l2", "rate", "stddev"):
            getattr(self, name).valueChanged.connect(lambda _v, n=name: self._field_changed(n))

    @staticmethod
    def _reg_spin(tip: str) -> QDoubleSpinBox:
        s = CompactSpin()
        s.setRange(0.0, 100.0)
        s.setDecimals(6)
        s.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        s.setSingleStep(0.0001)
        s.setKeyboardTracking(False)
        s.setToolTip(tip)
        return s

    def _load_form(self) -> None:
        row = self.list.currentRow()
        if not 0 <= row < self.n_rows:
            self.form_box.setTitle("Selected layer")
            for w in self._form_widgets:
                w.setEnabled(False)
            return
        layer = self.layer_at(row)
        is_out = row == self.output_row
        task, _k = self._task()
        self.form_box.setTitle("Output layer" if is_out else f"Layer {row + 1}: {layer.title}")
        with self._filling:
            self.kind.setCurrentIndex(self.kind.findData(layer.kind))
            self.units.setValue(layer.units)
            self.activation.setCurrentIndex(self.activation.findData(layer.activation))
            self.initializer.setCurrentIndex(self.initializer.findData(layer.initializer))
            self.use_bias.setChecked(layer.use_bias)
            self.l1.setValue(layer.l1)
            self.l2.setValue(layer.l2)
            self.rate.setValue(layer.rate)
            self.stddev.setValue(layer.stddev)
            self.follow_task.setChecked(self.spec.output is None)
        dense = layer.kind == "dense"
        self.form.setRowVisible(self.follow_task, is_out)
        self.form.setRowVisible(self.kind, not is_out)
        for w in (self.units, self.activation, self.initializer, self.use_bias, self.l1, self.l2):
            self.form.setRowVisible(w, dense)
        self.form.setRowVisible(self.rate, layer.kind in RATE_KINDS)
        self.form.setRowVisible(self.stddev, layer.kind == "gaussian_noise")
        if is_out:
            sugg = default_output(task, _k).describe()
            if self.spec.output is None:
                text = (f"The output layer follows the task: {self._task_label()} takes {sugg}. "
                        f"Untick “Follow the task” to change it.")
            else:
                text = f"The output layer is set by you; {self._task_label()} would take {sugg}."
            if Task(task) is Task.REGRESSION and layer.use_bias:
                text += (" Its bias starts at the training rows' mean target and its weights are "
                         "scaled to the target's spread, as for a standardized target: predictions "
                         "start at the mean.")
            self.layer_help.setText(text)
        else:
            self.layer_help.setText(HELP[layer.kind])

    def _task_label(self) -> str:
        return Task(self._task()[0]).label

    def _field_changed(self, name: str) -> None:
        if self._filling or self._locked:
            return
        row = self.list.currentRow()
        if not 0 <= row < self.n_rows:
            return
        layer = self.layer_at(row)
        if name == "kind":
            kind = self.kind.currentData()
            if kind == layer.kind:
                return
            self.set_layer(row, LayerSpec.of_kind(kind, layer),
                           f"Change layer {row + 1} to {LAYER_TITLES[kind]}")
            return
        value = {"units": self.units.value, "activation": self.activation.currentData,
                 "initializer": self.initializer.currentData, "use_bias": self.use_bias.isChecked,
                 "l1": self.l1.value, "l2": self.l2.value, "rate": self.rate.value,
                 "stddev": self.stddev.value}[name]()
        if isinstance(value, float):
            value = round(value, 6)
        if getattr(layer, name) == value:
            return
        where = "the output layer" if row == self.output_row else f"layer {row + 1}"
        label = {"units": "units", "activation": "activation", "initializer": "initializer",
                 "use_bias": "bias", "l1": "L1", "l2": "L2", "rate": "rate",
                 "stddev": "noise"}[name]
        shown = ("on" if value else "off") if name == "use_bias" else f"{value:g}" \
            if isinstance(value, float) else str(value)
        if not self.set_layer(row, replace(layer, **{name: value}),
                              f"Set the {label} of {where} to {shown}"):
            self._load_form()

    @Slot(bool)
    def _follow_task_clicked(self, checked: bool) -> None:
        if not self.set_output_follows_task(checked):
            self._load_form()
