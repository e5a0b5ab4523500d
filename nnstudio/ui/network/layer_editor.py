"""The layer editor: design the network layer by layer, with undo, parameter counts and checks.

Every edit builds a new :class:`~nnstudio.core.model.spec.NetworkSpec` and pushes a
:class:`SpecCommand` (before/after snapshots) onto the window's ``QUndoStack``, so each kind of edit
is undone and redone the same way. The command writes ``state.project.spec`` and calls
``state.notify_spec_changed()``; every view (this one included) redraws from that signal.

Rows of the list are the hidden layers (``0 .. len(hidden) - 1``) and the output layer last, the same
indices as ``spec.layers_for(task)``.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QDropEvent,
    QFont,
    QKeySequence,
    QPalette,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.model import edits
from nnstudio.core.model.spec import (
    HELP,
    INITIALIZER_HELP,
    INITIALIZERS,
    LAYER_KINDS,
    LAYER_TITLES,
    RATE_KINDS,
    LayerSpec,
    NetworkSpec,
    Task,
    advice,
    default_output,
    layer_params,
    param_formula,
    problems,
)
from nnstudio.core.registry import ACTIVATIONS, TRAINABLE_ACTIVATIONS
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.state import AppState

PARAMS_ROLE = Qt.ItemDataRole.UserRole + 1  # the "18 params" text drawn right-aligned
ERROR_COLOR = QColor("#b00020")
ADVICE_COLOR = QColor("#8a5a00")


def _fmt_rate(x: float) -> str:
    return f"{x:g}"


# ----- undo ------------------------------------------------------------------------------------------
class SpecCommand(QUndoCommand):
    """Replace the project's network spec (redo: ``after``, undo: ``before``).

    A command belongs to the project it was made on: if another project has been loaded since, it
    does nothing and marks itself obsolete (the stack then drops it).
    """

    def __init__(self, editor: LayerEditor, before: NetworkSpec, after: NetworkSpec, text: str,
                 row_before: int | None, row_after: int | None) -> None:
        super().__init__(text)
        self.editor = editor
        self.project = editor.state.project
        self.before = before.copy()
        self.after = after.copy()
        self.row_before = row_before
        self.row_after = row_after
        # the trained model of each side (undo: "before", redo: "after"), kept with the data
        # generation it was trained on: an edit sets the model aside, Undo brings it back
        self.models: dict[str, tuple[object, int]] = {}

    def redo(self) -> None:
        self._apply(self.after, self.row_after, "before", "after")

    def undo(self) -> None:
        self._apply(self.before, self.row_before, "after", "before")

    def _apply(self, spec: NetworkSpec, row: int | None, leaving: str, entering: str) -> None:
        state = self.editor.state
        if state.project is not self.project:
            self.setObsolete(True)
            return
        had = state.result
        if had is not None and not state.training:
            self.models[leaving] = (had, state.data_generation)
        self.project.spec = spec.copy()
        state.notify_spec_changed()
        kept = self.models.get(entering)
        if kept is not None and kept[1] == state.data_generation and not state.training:
            state.set_result(kept[0], restored=True)
            state.message.emit("info", "The model trained with this network is back (Undo/Redo "
                                       "restores it with the network).")
        elif had is not None:
            state.message.emit("info", "The network changed, so the trained model no longer "
                                       "fits it: press Train, or Undo (Ctrl+Z) to get it back.")
        if row is not None:
            self.editor.select_row(row)


# ----- the list ------------------------------------------------------------------------------------
class _RowDelegate(QStyledItemDelegate):
    """Draws a row's description (word-wrapped) and, right-aligned and muted, its parameter count."""

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:  # pragma: no cover
            return super().paint(painter, option, index)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        rect = rect.adjusted(2, 0, -4, 0)
        params = index.data(PARAMS_ROLE) or ""
        fm = opt.fontMetrics
        pw = fm.horizontalAdvance(params) + 10 if params else 0
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Enabled \
            else QPalette.ColorGroup.Disabled
        fg = index.data(Qt.ItemDataRole.ForegroundRole)
        if selected:
            color = opt.palette.color(group, QPalette.ColorRole.HighlightedText)
        elif isinstance(fg, (QBrush, QColor)):
            color = fg.color() if isinstance(fg, QBrush) else fg
        else:
            color = opt.palette.color(group, QPalette.ColorRole.Text)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(color)
        painter.drawText(QRect(rect.left(), rect.top(), rect.width() - pw, rect.height()),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
                             | Qt.TextFlag.TextWordWrap), text)
        if params:
            muted = QColor(color)
            if not selected:
                muted.setAlpha(150)
            painter.setPen(muted)
            small = QFont(opt.font)
            small.setBold(False)
            painter.setFont(small)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                             params)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt naming)
        size = super().sizeHint(option, index)
        hint = index.data(Qt.ItemDataRole.SizeHintRole)
        return hint if isinstance(hint, QSize) and hint.isValid() else QSize(size.width(), size.height() + 6)


class LayerListWidget(QListWidget):
    """The layers, one row each; hidden rows can be dragged to a new place (the output row stays last).

    A drop does not move items itself: it asks for the move (``move_requested``), which becomes an
    undoable edit, and the list is redrawn from the spec.
    """

    move_requested = Signal(int, int)  # (from row, to row) among the hidden rows

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setItemDelegate(_RowDelegate(self))
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.n_hidden = 0

    def drop_row_at(self, pos: QPoint) -> int:
        """The hidden-row index a drop at ``pos`` (viewport coordinates) inserts before."""
        item = self.itemAt(pos)
        if item is None:
            return self.n_hidden
        row = self.row(item)
        rect = self.visualItemRect(item)
        if pos.y() > rect.center().y():
            row += 1
        return min(row, self.n_hidden)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt naming)
        if event.source() is not self:
            event.ignore()
            return
        src = self.currentRow()
        dst = self.drop_row_at(event.position().toPoint())
        # IgnoreAction: the view must not delete the dragged row itself; the spec edit redraws it
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if 0 <= src < self.n_hidden:
            to = dst - 1 if dst > src else dst
            if to != src:
                self.move_requested.emit(src, to)


class _CompactSpin(QDoubleSpinBox):
    """A spin box that shows 0.001 as "0.001", not "0.001000"."""

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt naming)
        return f"{value:.{self.decimals()}f}".rstrip("0").rstrip(".") or "0"


# ----- the editor --------------------------------------------------------------------------------------
class LayerEditor(QWidget):
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
        self.lock_banner = QLabel("<b>Locked while training runs:</b> the layers cannot change "
                                  "until it stops. The learning rate can still be changed in the "
                                  "training settings.")
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

        # ----- actions (shortcuts live on the list: they act on its selected row)
        def action(text: str, keys, slot, tip: str) -> QAction:
            a = QAction(text, self)
            if keys:
                seqs = [QKeySequence(k) for k in (keys if isinstance(keys, list) else [keys])]
                a.setShortcuts(seqs)
                a.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
                tip = f"{tip} ({seqs[0].toString(QKeySequence.SequenceFormat.NativeText)})"
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.triggered.connect(slot)
            self.list.addAction(a)
            return a

        self.act_add = action("Add Dense", "Ins", lambda: self.add_layer("dense"),
                              "Add a Dense layer below the selected layer")
        self.act_insert = action("Insert above", "Shift+Ins",
                                 lambda: self.add_layer("dense", before=True),
                                 "Insert a Dense layer above the selected layer")
        self.act_remove = action("Remove", [QKeySequence.StandardKey.Delete, "Backspace"],
                                 lambda: self.remove_layer(), "Remove the selected layer")
        self.act_duplicate = action("Duplicate", "Ctrl+D", lambda: self.duplicate_layer(),
                                    "Duplicate the selected layer")
        self.act_up = action("Move up", "Alt+Up", lambda: self.move_layer(None, -1),
                             "Move the selected layer up")
        self.act_up.setIconText("▲")
        self.act_down = action("Move down", "Alt+Down", lambda: self.move_layer(None, +1),
                               "Move the selected layer down")
        self.act_down.setIconText("▼")
        self.act_add.setIconText("+ Dense")
        self.act_insert.setIconText("Insert")
        self.act_units_up = action("One more unit", ["+", "="], lambda: self.change_units(None, +1),
                                   "Add a unit to the selected Dense layer")
        self.act_units_down = action("One unit fewer", "-", lambda: self.change_units(None, -1),
                                     "Remove a unit from the selected Dense layer")
        self.kind_actions: dict[str, QAction] = {}
        self.add_menu = QMenu("Add layer", self)
        self.insert_menu = QMenu("Insert above", self)
        for kind in LAYER_KINDS:
            a = self.add_menu.addAction(LAYER_TITLES[kind])
            a.setToolTip(HELP[kind])
            a.triggered.connect(lambda _=False, k=kind: self.add_layer(k))
            self.kind_actions[kind] = a
            b = self.insert_menu.addAction(LAYER_TITLES[kind])
            b.setToolTip(HELP[kind])
            b.triggered.connect(lambda _=False, k=kind: self.add_layer(k, before=True))
        self.add_menu.setToolTipsVisible(True)
        self.insert_menu.setToolTipsVisible(True)

        def tool(act: QAction) -> QToolButton:
            b = QToolButton()
            b.setDefaultAction(act)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return b

        self.add_btn = tool(self.act_add)
        self.add_btn.setMenu(self.add_menu)
        self.add_btn.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.insert_btn = tool(self.act_insert)
        self.insert_btn.setMenu(self.insert_menu)
        self.insert_btn.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.duplicate_btn = tool(self.act_duplicate)
        self.remove_btn = tool(self.act_remove)
        self.up_btn = tool(self.act_up)
        self.down_btn = tool(self.act_down)
        buttons = QGridLayout()
        buttons.setSpacing(3)
        buttons.addWidget(self.add_btn, 0, 0)
        buttons.addWidget(self.insert_btn, 0, 1)
        buttons.addWidget(self.duplicate_btn, 0, 2)
        buttons.addWidget(self.remove_btn, 0, 3)
        buttons.addWidget(self.up_btn, 0, 4)
        buttons.addWidget(self.down_btn, 0, 5)

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

        # ----- the selected layer's settings
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
        self.units.setRange(1, 100_000)
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
        self.stddev.setRange(0.0, 100.0)
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

        for sig in (state.project_changed, state.spec_changed, state.data_changed):
            sig.connect(self.refresh)
        state.training_started.connect(self._on_training_started)
        state.training_finished.connect(self._on_training_finished)
        self.refresh()
        self.select_row(0)
        self.set_locked(bool(state.training))

    @staticmethod
    def _reg_spin(tip: str) -> QDoubleSpinBox:
        s = _CompactSpin()
        s.setRange(0.0, 100.0)
        s.setDecimals(6)
        s.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        s.setSingleStep(0.0001)
        s.setKeyboardTracking(False)
        s.setToolTip(tip)
        return s

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
        self.total_label.setText(f"<b>Total: {total:,} parameters</b>{extra}")
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
                self.layer_help.setText(f"The output layer follows the task: {self._task_label()} "
                                        f"takes {sugg}. Untick “Follow the task” to change it.")
            else:
                self.layer_help.setText(f"The output layer is set by you; {self._task_label()} "
                                        f"would take {sugg}.")
        else:
            self.layer_help.setText(HELP[layer.kind])

    def _task_label(self) -> str:
        return Task(self._task()[0]).label

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
        """The training controller's idle | running | paused."""
        self.set_locked(run_state != "idle")

    @Slot()
    def _on_training_started(self) -> None:
        self.set_locked(True)

    @Slot(object)
    def _on_training_finished(self, _result) -> None:
        self.set_locked(False)

    # ----- edits ------------------------------------------------------------------------------------
    def apply(self, new: NetworkSpec, text: str, row_after: int | None = None) -> bool:
        """Push an undoable change from the current spec to ``new``; False if locked or unchanged."""
        if self._locked:
            return False
        before = self.spec
        if new.to_dict() == before.to_dict():
            return False
        row_before = self.list.currentRow()
        self.undo_stack.push(SpecCommand(self, before, new, text,
                                         row_before if row_before >= 0 else None, row_after))
        return True

    def _row(self, row: int | None) -> int:
        return self.list.currentRow() if row is None else row

    def _apply_edit(self, e: edits.Edit | None) -> bool:
        """Apply a :mod:`nnstudio.core.model.edits` result (None: the edit did not apply)."""
        if e is None:
            return False
        return self.apply(e.spec, e.text, self.list.currentRow() if e.row is None else e.row)

    def add_layer(self, kind: str = "dense", row: int | None = None, before: bool = False) -> bool:
        """Add a layer below (``before``: above) ``row`` (default: the selected row); the output row
        is always last, so adding at or below it appends to the hidden stack."""
        return self._apply_edit(edits.add_layer(self.spec, kind, self._row(row), before,
                                                self.dropout_rate.value()))

    def remove_layer(self, row: int | None = None) -> bool:
        return self._apply_edit(edits.remove_layer(self.spec, self._row(row)))

    def duplicate_layer(self, row: int | None = None) -> bool:
        return self._apply_edit(edits.duplicate_layer(self.spec, self._row(row)))

    def move_layer(self, row: int | None, delta: int) -> bool:
        row = self._row(row)
        return self.move_layer_to(row, row + delta)

    @Slot(int, int)
    def move_layer_to(self, src: int, dst: int) -> bool:
        return self._apply_edit(edits.move_layer(self.spec, src, dst))

    def set_layer(self, row: int, layer: LayerSpec, text: str | None = None) -> bool:
        """Replace the layer at ``row`` (the output row sets an explicit output layer)."""
        return self._apply_edit(edits.set_layer(self.spec, row, layer, text))

    def change_units(self, row: int | None, delta: int) -> bool:
        return self._apply_edit(edits.change_units(self.spec, self._row(row), delta))

    def set_output_follows_task(self, follow: bool) -> bool:
        task, k = self._task()
        return self._apply_edit(edits.set_output_follows_task(self.spec, follow, task, k))

    def set_dropout_after_hidden(self, on: bool, rate: float | None = None) -> bool:
        """W1's toggle: a Dropout after every hidden Dense layer (on), or none directly after one."""
        rate = self.dropout_rate.value() if rate is None else rate
        return self._apply_edit(edits.set_dropout_after_hidden(self.spec, on, rate))

    def set_dropout_rate_after_hidden(self, rate: float) -> bool:
        return self._apply_edit(edits.set_dropout_rate_after_hidden(self.spec, rate))

    def add_hidden_dense(self) -> bool:
        """Playground's "+ layer": a Dense layer at the end of the hidden stack."""
        return self.add_layer("dense", row=len(self.spec.hidden))

    def remove_last_hidden_dense(self) -> bool:
        """Playground's "− layer": the last hidden Dense layer and the layers that follow it."""
        return self._apply_edit(edits.remove_last_hidden_dense(self.spec))

    @Slot(int)
    def change_dense_layer_count(self, delta: int) -> bool:
        """+1: add a hidden Dense layer at the end; -1: remove the last one."""
        return self.add_hidden_dense() if delta > 0 else self.remove_last_hidden_dense()

    def set_from_text(self, text: str) -> bool:
        """Replace the network with the parsed text form; raises SpecError if it cannot be read."""
        task, k = self._task()
        return self._apply_edit(edits.from_text(text, task, k))

    # ----- widget callbacks --------------------------------------------------------------------------------
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

    @Slot(QPoint)
    def _context_menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is not None:
            self.list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addMenu(self.add_menu)
        menu.addMenu(self.insert_menu)
        menu.addSeparator()
        for a in (self.act_duplicate, self.act_remove, self.act_up, self.act_down,
                  self.act_units_up, self.act_units_down):
            menu.addAction(a)
        menu.exec(self.list.viewport().mapToGlobal(pos))
