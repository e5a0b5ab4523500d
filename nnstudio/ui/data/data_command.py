"""The Data tab's one-click remedies as undo commands: Ctrl+Z (Edit > Undo) takes a click on
"Read 0 as missing in these 3 columns", "Read -999 as missing", "Read them as one" or "Hold out
whole groups of …" back, where before only opening the file again did (and lost the other choices
made since)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nnstudio.core.data.preprocess_config import PreprocessConfig, SplitConfig

if TYPE_CHECKING:
    from collections.abc import Callable


def snapshot(project) -> tuple:
    """What a remedy may change: the table (with how its file is read), the preprocessing, the split."""
    return (project.dataset, PreprocessConfig.from_dict(project.preprocess.to_dict()),
            SplitConfig.from_dict(project.split.to_dict()))


class DataCommand(QUndoCommand):
    """The project's table, preprocessing and split replaced by a remedy's (redo: ``after``,
    undo: ``before``); ``done`` says so to the Data tab (it refreshes its views). A command
    belongs to the project it was made on: once another is loaded it does nothing and marks
    itself obsolete (the stack then drops it)."""

    def __init__(self, state, text: str, before: tuple, after: tuple, done: Callable[[], None]) -> None:
        super().__init__(text)
        self.state, self.project = state, state.project
        self.before, self.after, self.done = before, after, done

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)

    def _apply(self, side: tuple) -> None:
        if self.state.project is not self.project:
            self.setObsolete(True)
            return
        dataset, preprocess, split = side
        p = self.project
        p.dataset = dataset
        p.preprocess = PreprocessConfig.from_dict(preprocess.to_dict())
        p.split = SplitConfig.from_dict(split.to_dict())
        self.done()
