"""What the project commands need of the window they serve: the ProjectWindow protocol."""
from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMenu

from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.state import AppState


class ProjectWindow(Protocol):
    """What the project commands use of the window they serve (the main window is one)."""

    state: AppState
    settings: QSettings
    undo_stack: QUndoStack
    pool: WorkerPool
    curves: object  # ui.training.curves.CurvesView: a reopened model shows its history
    data_io: object  # ui.data.controller.DataController: "new project from a CSV"
    file_menu: QMenu
    training: object  # ui.training.controller.TrainingController: no open/save while it runs
    windowTitleChanged: object  # the QWidget signal

    def load_example(self, name: str, ask: bool = False) -> None: ...
    def open_project_path(self, path: str) -> bool: ...
    def show_message(self, level: str, text: str) -> None: ...
    def statusBar(self): ...
    def setWindowModified(self, modified: bool) -> None: ...
    def close(self) -> bool: ...
