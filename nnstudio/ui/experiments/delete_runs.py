"""Deleting runs from the Runs tab, undoably: a sweep's twenty runs are one click from gone, so
Edit > Undo (Ctrl+Z) puts them back where they were (with their weights, names and notes)."""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from nnstudio.core.errors import NNStudioError


class DeleteRunsCommand(QUndoCommand):
    """Remove runs from a project's run list (redo), or put them back at their places (undo).

    A command belongs to the project it was made on: if another project has been loaded since, it
    does nothing and marks itself obsolete (the stack then drops it).
    """

    def __init__(self, panel, ids: set[str]) -> None:
        self.panel = panel
        self.project = panel.state.project
        runs = list(self.project.runs)
        self.removed = [(i, r) for i, r in enumerate(runs) if r.id in ids]
        for _, r in self.removed:
            _hold_in_memory(r)
        n = len(self.removed)
        super().__init__(f"Delete {n} run{'s' if n != 1 else ''}")

    def redo(self) -> None:
        if self.panel.state.project is not self.project:
            self.setObsolete(True)
            return
        gone = {r.id for _, r in self.removed}
        self.project.runs = [r for r in self.project.runs if r.id not in gone]
        self.panel.refresh()
        self.panel.runs_edited.emit()

    def undo(self) -> None:
        if self.panel.state.project is not self.project:
            self.setObsolete(True)
            return
        runs = list(self.project.runs)
        for i, r in self.removed:  # ascending places: each goes back where it was
            runs.insert(min(i, len(runs)), r)
        self.project.runs = runs
        self.panel.refresh()
        self.panel.select_ids({r.id for _, r in self.removed})
        self.panel.runs_edited.emit()


def _hold_in_memory(run) -> None:
    """A deleted run's weights and snapshots read into memory: the next save deletes the files the
    project no longer points to, and Undo must bring the run back whole."""
    try:
        if run.weights is None and run.has_weights:
            run.weights = run.load_weights()
        if run.timeline is None and run.has_timeline:
            run.load_timeline()
    except NNStudioError:
        pass  # unreadable already: the run comes back without them, as it was
