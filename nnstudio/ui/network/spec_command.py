"""The layer editor's undo command: one network spec replaced by another, the trained model kept with it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nnstudio.core.model.spec import NetworkSpec

if TYPE_CHECKING:
    from nnstudio.ui.network.layer_editor import LayerEditor


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
