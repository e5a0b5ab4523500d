"""The layer editor: design the network layer by layer, with undo, parameter counts and checks.

Every edit builds a new :class:`~nnstudio.core.model.spec.NetworkSpec` and pushes a
:class:`~nnstudio.ui.network.spec_command.SpecCommand` (before/after snapshots) onto the window's
``QUndoStack``, so each kind of edit is undone and redone the same way. The command writes
``state.project.spec`` and calls ``state.notify_spec_changed()``; every view (this one included)
redraws from that signal.

Rows of the list are the hidden layers (``0 .. len(hidden) - 1``) and the output layer last, the same
indices as ``spec.layers_for(task)``.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.model import edits
from nnstudio.core.model.memory import check_fits
from nnstudio.core.model.spec import (
    HELP,
    LayerSpec,
    NetworkSpec,
    advice,
    layer_params,
    param_formula,
    problems,
)
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.network.layer_edits import LayerEdits
from nnstudio.ui.network.layer_form import LayerForm
from nnstudio.ui.network.layer_list import PARAMS_ROLE, LayerListWidget
from nnstudio.ui.state import AppState

ERROR_COLOR = QColor("#b00020")
ADVICE_COLOR = QColor("#8a5a00")


# ----- the editor --------------------------------------------------------------------------------------
LOCKED_RUNNING = ("<b>Locked while training runs:</b> the layers cannot change until it stops. "
                  "The learning rate can still be changed in the training settings.")
#: a Train pressed while TensorFlow loads (it starts by itself once TensorFlow is ready)
LOCKED_WAITING = ("<b>Training starts as soon as TensorFlow has loaded and the data are prepared:</b> "
                  "the layers are locked for it. Press Stop to cancel and edit them.")


class LayerEditor(LayerEdits, LayerForm, QWidget):
    """Add, insert, remove, duplicate, reorder and edit layers; every edit undoable."""

    locked_changed = Signal(bool)

    def __init__(self, state: AppState, undo_stack: QUndoStack | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.undo_stack = undo_stack if undo_stack is not None else QUndoStack(self)
        self._filling = FillGuard()
        self._locked = False
        self._n_inputs = 0

        # ----- lock banner
        self.lock_banner = QLabel(LOCKED_RUNNING)
        self.lock_banner.setWordWrap(True)
        self.lock_banner.setStyleSheet("QLabel { background: #fff3cd; color: #5c4400; border: 1px "
                                       "solid #e0c36a; border-radius: 4px; padding: 4px; }")
        self.lock_banner.setVisible(False)

        self.input_label = QLabel()
        self.input_label.setWordWrap(True)
        self.input_label.setToolTip("The network's inputs: one per encoded feature column "
                                    "(one-hot columns count once per category).")

        # ----- the list
        self.list = LayerListWidget()
        self.list.setToolTip("The network from input to output. Drag a hidden layer to move it; "
                             "Insert adds, Delete removes, Alt+Up/Down moves, Ctrl+D duplicates, "
                             "+ and − change the units of a Dense layer.")
        self.list.currentRowChanged.connect(self._on_row_changed)
        self.list.move_requested.connect(self.move_layer_to)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)

        buttons = self._build_actions()

        # ----- W1's dropout toggle
        self.dropout_toggle = QCheckBox("Dropout after each hidden Dense layer")
        self.dropout_toggle.setTristate(False)
        self.dropout_toggle.setToolTip("Insert (or remove) a Dropout layer after every hidden Dense "
                                       "layer in one step. " + HELP["dropout"])
        self.dropout_toggle.clicked.connect(self._dropout_toggled)
        self.dropout_rate = QDoubleSpinBox()
        self.dropout_rate.setRange(0.0, 0.95)
        self.dropout_rate.setSingleStep(0.05)
        self.dropout_rate.setDecimals(2)
        self.dropout_rate.setValue(0.2)
        self.dropout_rate.setKeyboardTracking(False)
        self.dropout_rate.setToolTip("Rate of those Dropout layers. " + HELP["rate"])
        self.dropout_rate.valueChanged.connect(self._dropout_rate_changed)
        drop_row = QHBoxLayout()
        drop_row.addWidget(self.dropout_toggle, 1)
        drop_row.addWidget(self.dropout_rate)

        # ----- checks and totals
        self.total_label = QLabel()
        self.total_label.setWordWrap(True)  # a network too big for the memory says so under it
        self.total_label.setToolTip(HELP["params"])
        self.problems_label = QLabel()
        self.problems_label.setWordWrap(True)
        self.problems_label.setTextFormat(Qt.TextFormat.RichText)
        self.problems_label.setStyleSheet("QLabel { background: #fdecea; color: #8b0016; border: 1px "
                                          "solid #e6a5ab; border-radius: 4px; padding: 4px; }")
        self.problems_label.setVisible(False)
        self.advice_label = QLabel()
        self.advice_label.setWordWrap(True)
        self.advice_label.setTextFormat(Qt.TextFormat.RichText)
        self.advice_label.setStyleSheet("QLabel { color: #8a5a00; }")
        self.advice_label.setVisible(False)

        self._build_form()

        # ----- the text form
        self.text = QLineEdit()
        self.text.setPlaceholderText("(no hidden layer)")
        self.text.setToolTip("The hidden layers as text, as `nnstudio train --layers` takes them: "
                             "dense:UNITS:ACTIVATION (options init=NAME, l1=X, l2=X, nobias), "
                             "dropout:RATE, batchnorm, gaussian_noise:STD, gaussian_dropout:RATE, "
                             "alpha_dropout:RATE. Press Enter to apply.")
        self.text.returnPressed.connect(self._text_entered)
        self.text_error = QLabel()
        self.text_error.setWordWrap(True)
        self.text_error.setStyleSheet("QLabel { color: #b00020; }")
        self.text_error.setVisible(False)
        text_row = QHBoxLayout()
        text_label = QLabel("&As text")
        text_label.setBuddy(self.text)
        text_row.addWidget(text_label)
        text_row.addWidget(self.text, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.lock_banner)
        lay.addWidget(self.input_label)
        lay.addWidget(self.list)
        lay.addLayout(buttons)
        lay.addWidget(self.total_label)
        lay.addWidget(self.problems_label)
        lay.addWidget(self.advice_label)
        lay.addLayout(drop_row)
        lay.addWidget(self.form_box)
        lay.addLayout(text_row)
        lay.addWidget(self.text_error)
        lay.addStretch(1)

        chain = [self.list, self.add_btn, self.insert_btn, self.duplicate_btn, self.remove_btn,
                 self.up_btn, self.down_btn, self.dropout_toggle, self.dropout_rate, self.follow_task,
                 self.kind, self.units, self.activation, self.initializer, self.use_bias, self.l1,
                 self.l2, self.rate, self.stddev, self.text]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)
        self._form_widgets = [self.kind, self.units, self.activation, self.initializer,
                              self.use_bias, self.l1, self.l2, self.rate, self.stddev]

        for sig in (state.project_changed, state.spec_changed, state.data_changed, state.prepared_ready):
            sig.connect(self.refresh)
        state.training_started.connect(self._on_training_started)
        state.training_finished.connect(self._on_training_finished)
        self.refresh()
        self.select_row(0)
        self.set_locked(bool(state.training))

    # ----- reading the state -----------------------------------------------------------------------
    @property
    def spec(self) -> NetworkSpec:
        return self.state.project.spec

    def _task(self):
        p = self.state.project
        prep = self.state.try_prepared()
        if prep is not None:
            return prep.task, prep.n_classes
        try:
            return p.task, p.n_classes()
        except (NNStudioError, KeyError, ValueError, TypeError):
            return p.task_override or "binary", 2

    def _inputs(self) -> tuple[int, list[str]]:
        prep = self.state.try_prepared()
        if prep is not None:
            return prep.n_inputs, list(prep.preprocessor.output_names)
        feats = list(self.state.project.roles.features)
        return len(feats), feats

    @property
    def n_rows(self) -> int:
        return len(self.spec.hidden) + 1

    @property
    def output_row(self) -> int:
        return len(self.spec.hidden)

    def current_row(self) -> int:
        return self.list.currentRow()

    def layer_at(self, row: int) -> LayerSpec:
        task, k = self._task()
        return self.spec.layers_for(task, k)[row]

    # ----- drawing ------------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        spec = self.spec
        task, k = self._task()
        n_in, names = self._inputs()
        self._n_inputs = n_in
        shown = ", ".join(names[:6]) + (f", … +{len(names) - 6}" if len(names) > 6 else "")
        self.input_label.setText(f"<b>Input</b>: {n_in} feature{'s' if n_in != 1 else ''}"
                                 + (f" ({shown})" if names else ""))
        found = problems(spec, task, k)
        tips = advice(spec, task, k)
        bad = {p.layer: p.message for p in found if p.layer is not None}
        warn = {p.layer: p.message for p in tips if p.layer is not None}
        row = self.list.currentRow()
        with self._filling:
            self.list.clear()
            width = n_in
            total = trainable = 0
            layers = spec.layers_for(task, k)
            for i, layer in enumerate(layers):
                n, t, new_width = layer_params(layer, width)
                formula = param_formula(layer, width)
                width = new_width
                total += n
                trainable += t
                is_out = i == len(layers) - 1
                text = spec.output_description(task, k) if is_out else f"{i + 1}. {layer.describe()}"
                item = QListWidgetItem(text)
                item.setData(PARAMS_ROLE, f"{n:,} param{'s' if n != 1 else ''}")
                tip = [f"<b>{text}</b>", HELP[layer.kind], formula]
                if i in bad:
                    item.setForeground(QBrush(ERROR_COLOR))
                    item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
                    tip.append(f"<span style='color:#b00020'>⚠ {bad[i]}</span>")
                elif i in warn:
                    item.setForeground(QBrush(ADVICE_COLOR))
                    tip.append(f"<span style='color:#8a5a00'>{warn[i]}</span>")
                item.setToolTip("<br>".join(tip))
                flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                if not is_out:
                    flags |= Qt.ItemFlag.ItemIsDragEnabled
                else:
                    f = QFont(self.list.font())
                    f.setBold(True)
                    item.setFont(f)
                    fm = self.list.fontMetrics()
                    item.setSizeHint(QSize(0, 2 * fm.height() + 10))
                item.setFlags(flags)
                self.list.addItem(item)
            self.list.n_hidden = len(spec.hidden)
            # as tall as its rows (plus room to drop below the last), scrolling beyond ~10 rows
            rows_h = sum(self.list.sizeHintForRow(r) for r in range(self.list.count()))
            self.list.setFixedHeight(max(90, min(rows_h + 2 * self.list.frameWidth() + 14, 340)))
            if 0 <= row < self.list.count():
                self.list.setCurrentRow(row)
            elif self.list.count():
                self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1))
        non = total - trainable
        extra = f" ({non:,} of them non-trainable running statistics)" if non else ""
        self.total_label.setText(f"<b>Total: {total:,} parameters</b>{extra}"
                                 + ("" if found else self._memory_text(spec, n_in, task, k)))
        if found:
            items = "".join(f"<li>{p.text(len(spec.hidden))}</li>" for p in found)
            self.problems_label.setText(f"<b>⚠ This network cannot train on this task:</b>"
                                        f"<ul style='margin:0'>{items}</ul>Training stays "
                                        f"disabled until this is fixed.")
        self.problems_label.setVisible(bool(found))
        self.problems_label.setToolTip("Training refuses to start until these are fixed." if found else "")
        if tips:
            self.advice_label.setText("".join(f"ℹ {p.text(len(spec.hidden))}<br>" for p in tips)[:-4])
        self.advice_label.setVisible(bool(tips))
        self._load_dropout_toggle()
        if not self.text.hasFocus():
            self.text.setText(spec.compact())
            self.text_error.setVisible(False)
        self._load_form()
        self._update_enabled()

    def _memory_text(self, spec, n_in: int, task, k: int) -> str:
        """Red, after the total, when the network is too big to train on this machine (Train
        refuses it with the same figures): said while it is typed, not at Train."""
        prep = self.state.try_prepared()
        try:
            check_fits(spec, n_in, task, k, self.state.project.settings,
                       len(prep.X_train) if prep is not None else 32)
        except NNStudioError as e:
            return f"<br><span style='color:#b00020'>⚠ {html.escape(e.message)}</span>"
        except (ValueError, TypeError):  # a half-typed network: its problems are said below
            return ""
        return ""

    def _dropout_state(self) -> tuple[int, int, float | None]:
        """(hidden Dense layers, of them followed by a Dropout, the rate of the first such one)."""
        return edits.dropout_state(self.spec)

    def _load_dropout_toggle(self) -> None:
        dense, followed, rate = self._dropout_state()
        with self._filling:
            if followed == 0:
                self.dropout_toggle.setCheckState(Qt.CheckState.Unchecked)
            elif followed == dense:
                self.dropout_toggle.setCheckState(Qt.CheckState.Checked)
            else:
                self.dropout_toggle.setCheckState(Qt.CheckState.PartiallyChecked)
            if rate is not None:
                self.dropout_rate.setValue(rate)
        self.dropout_toggle.setText("Dropout after each hidden Dense layer" if followed in (0, dense)
                                    else f"Dropout after {followed} of {dense} hidden Dense layers")

    @Slot(int)
    def _on_row_changed(self, _row: int) -> None:
        if not self._filling:
            self._load_form()
            self._update_enabled()

    def _update_enabled(self) -> None:
        row = self.list.currentRow()
        editable = not self._locked
        hidden = 0 <= row < self.output_row
        is_out = row == self.output_row
        layer = self.layer_at(row) if 0 <= row < self.n_rows else None
        self.act_add.setEnabled(editable)
        self.act_insert.setEnabled(editable)
        for a in self.kind_actions.values():
            a.setEnabled(editable)
        self.add_menu.setEnabled(editable)
        self.insert_menu.setEnabled(editable)
        self.act_remove.setEnabled(editable and hidden)
        self.act_duplicate.setEnabled(editable and hidden)
        self.act_up.setEnabled(editable and hidden and row > 0)
        self.act_down.setEnabled(editable and hidden and row < self.output_row - 1)
        dense = layer is not None and layer.kind == "dense"
        overridable = editable and (hidden or (is_out and self.spec.output is not None))
        self.act_units_up.setEnabled(overridable and dense)
        self.act_units_down.setEnabled(overridable and dense and layer.units > 1)
        for w in self._form_widgets:
            w.setEnabled(overridable)
        self.follow_task.setEnabled(editable)
        self.dropout_toggle.setEnabled(editable and self._dropout_state()[0] > 0)
        self.dropout_rate.setEnabled(editable)
        self.text.setEnabled(editable)
        self.list.setDragEnabled(editable)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove if editable
                                  else QAbstractItemView.DragDropMode.NoDragDrop)

    def select_row(self, row: int) -> None:
        if self.list.count():
            self.list.setCurrentRow(max(0, min(row, self.list.count() - 1)))

    # ----- locking ------------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self._locked

    @Slot(bool)
    def set_locked(self, locked: bool) -> None:
        """While training runs the architecture cannot change (the learning rate still can)."""
        locked = bool(locked)
        changed = locked != self._locked
        self._locked = locked
        self.lock_banner.setVisible(locked)
        self.list.setToolTip("Locked while training runs." if locked else
                             "The network from input to output. Drag a hidden layer to move it; "
                             "Insert adds, Delete removes, Alt+Up/Down moves, Ctrl+D duplicates, "
                             "+ and − change the units of a Dense layer.")
        self._update_enabled()
        if changed:
            self.locked_changed.emit(locked)

    @Slot(str)
    def on_run_state(self, run_state: str) -> None:
        """The training controller's idle | waiting | running | paused | repeating."""
        self.lock_banner.setText(LOCKED_WAITING if run_state == "waiting" else LOCKED_RUNNING)
        self.set_locked(run_state != "idle")

    @Slot()
    def _on_training_started(self) -> None:
        self.set_locked(True)

    @Slot(object)
    def _on_training_finished(self, _result) -> None:
        self.set_locked(False)

    # ----- widget callbacks --------------------------------------------------------------------------------
    @Slot(bool)
    def _dropout_toggled(self, _checked: bool) -> None:
        if self._filling:
            return
        _dense, followed, _rate = self._dropout_state()
        on = followed < _dense  # unchecked or partial: add to all; checked: remove
        if not self.set_dropout_after_hidden(on):
            self._load_dropout_toggle()

    @Slot(float)
    def _dropout_rate_changed(self, value: float) -> None:
        if self._filling or self._locked:
            return
        if self._dropout_state()[1]:
            self.set_dropout_rate_after_hidden(value)

    @Slot()
    def _text_entered(self) -> None:
        try:
            changed = self.set_from_text(self.text.text())
        except NNStudioError as e:
            self.text_error.setText(e.user_text())
            self.text_error.setVisible(True)
            return
        self.text_error.setVisible(False)
        if not changed:
            self.text.setText(self.spec.compact())

