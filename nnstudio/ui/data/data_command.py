"""The Data tab's changes as undo commands: Ctrl+Z (Edit > Undo) takes back a new target, a column
used or ignored, its scaling, encoding or missing values, the task, the split, and the one-click
remedies ("Read 0 as missing in these 3 columns", "Read -999 as missing", "Read them as one", "Hold
out whole groups of …"), where before only choosing again, or opening the file again (losing the
other choices made since), did."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from nnstudio.core.data.preprocess_config import PreprocessConfig, SplitConfig
from nnstudio.core.data.roles import Roles

if TYPE_CHECKING:
    from collections.abc import Callable

#: the :meth:`QUndoCommand.id` of the Data tab's commands that merge (see :class:`DataCommand`)
MERGING_ID = 0x4E44


def snapshot(project) -> tuple:
    """What a Data tab change may change: the table (with how its file is read), the
    preprocessing, the split, the columns' roles and the task chosen."""
    return (project.dataset, PreprocessConfig.from_dict(project.preprocess.to_dict()),
            SplitConfig.from_dict(project.split.to_dict()), Roles.from_dict(project.roles.to_dict()),
            project.task_override)


def _same(a: tuple, b: tuple) -> bool:
    return a[0] is b[0] and all(x == y for x, y in zip(a[1:], b[1:], strict=True))


def push_edit(stack, state, text: str, change: Callable, done: Callable[[], None],
              merge: str | None = None) -> None:
    """Apply ``change(project)`` to the state's project; where it changed anything, as a command
    on ``stack`` (the window's undo stack; None: applied without one) named ``text``, then
    ``done()`` (the views refresh). Consecutive commands with the same ``merge`` key are one step
    (the split's spin boxes stepped by their arrows)."""
    project = state.project
    before = snapshot(project)
    change(project)
    after = snapshot(project)
    if _same(before, after):
        return
    if stack is None:
        done()
        return
    stack.push(DataCommand(state, text, before, after, done, merge))  # its redo runs done()


class DataCommand(QUndoCommand):
    """The project's table, preprocessing, split, roles and task replaced by a change's (redo:
    ``after``, undo: ``before``); ``done`` says so to the Data tab (it refreshes its views). A
    command belongs to the project it was made on: once another is loaded it does nothing and
    marks itself obsolete (the stack then drops it)."""

    def __init__(self, state, text: str, before: tuple, after: tuple, done: Callable[[], None],
                 merge: str | None = None) -> None:
        super().__init__(text)
        self.state, self.project = state, state.project
        self.before, self.after, self.done, self.merge = before, after, done, merge
        self._pushed = False  # the first redo (the stack's push) finds the change made
        # the trained model of each side with the network it is ("before": the one the change
        # sets aside): Undo brings it back with the data it was trained on, as the layer editor's
        self.models: dict[str, tuple[object, dict]] = {}
        self._keep("before")

    def id(self) -> int:
        return MERGING_ID if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DataCommand) or other.merge != self.merge or other.project is not self.project:
            return False
        self.after = other.after
        self.setObsolete(_same(self.before, self.after))  # stepped back where it began: no step
        return True

    def redo(self) -> None:
        if not self._pushed:  # the project keeps its own objects (a view may hold them)
            self._pushed = True
            self.done()
            return
        self._apply(self.after, "before", "after")

    def undo(self) -> None:
        self._apply(self.before, "after", "before")

    def _keep(self, side: str) -> None:
        state = self.state
        if state.result is not None and not state.training:
            self.models[side] = (state.result, self.project.spec.to_dict())

    def _apply(self, side: tuple, leaving: str, entering: str) -> None:
        state = self.state
        if state.project is not self.project:
            self.setObsolete(True)
            return
        self._keep(leaving)
        dataset, preprocess, split, roles, task = side
        p = self.project
        p.dataset = dataset
        p.preprocess = PreprocessConfig.from_dict(preprocess.to_dict())
        p.split = SplitConfig.from_dict(split.to_dict())
        p.roles = Roles.from_dict(roles.to_dict())
        p.task_override = task
        self.done()  # the data changed: the views refresh, the model is set aside
        kept = self.models.get(entering)
        # the same data prepared again (the same split) and the same network: the model fits;
        # not while big data are prepared on a worker (the views would wait on the GUI thread)
        if kept is not None and kept[1] == p.spec.to_dict() and not state.training and not state.preparing:
            state.set_result(kept[0], restored=True)
            state.message.emit("info", "The model trained on these data is back (Undo/Redo restores "
                                       "it with the data).")
