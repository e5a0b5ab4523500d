"""The layer editor's edits: every change to the network as an undoable command, and the actions that make them."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QGridLayout, QMenu, QToolButton

from nnstudio.core.model import edits
from nnstudio.core.model.spec import HELP, LAYER_KINDS, LAYER_TITLES, LayerSpec, NetworkSpec
from nnstudio.ui.network.spec_command import SpecCommand


class LayerEdits:
    """Mix in before the QWidget base of :class:`~nnstudio.ui.network.layer_editor.LayerEditor`:
    add, insert, remove, duplicate, move and change layers (each one undoable), and the actions,
    menus and buttons that call them."""

    def _build_actions(self) -> QGridLayout:
        """The actions (shortcuts live on the list: they act on its selected row), menus and buttons."""
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
        return buttons

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
