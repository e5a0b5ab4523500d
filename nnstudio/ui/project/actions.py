"""File > New / Open / Save / Save As / Open Recent for ``.nnstudio`` projects, the window title's
unsaved-changes mark, the question on closing, and crash recovery from an autosave.

* Reading a project (its CSV, its trained model) and writing one (the model's ``.keras`` sidecar,
  fsyncs) run on :class:`~nnstudio.ui.common.workers.Worker` threads; the documents are built on the GUI
  thread from the project as it is at that moment, so later edits cannot tear a save.
* The title is ``NAME[*] — nnstudio`` with ``setWindowModified`` following ``AppState.dirty``: Qt
  shows the ``*`` (and macOS the dot in the close button).
* Closing asks Save / Discard / Cancel when there are unsaved changes — for the user's ways of
  closing (the window's close button, File > Quit, Ctrl+Q). A close asked for by code (tests,
  ``app.quit()``) does not ask.
* Every :data:`AUTOSAVE_MS` with unsaved changes the project is written to a recovery file owned by
  this session (guarded by a ``QLockFile``). A clean exit deletes it; after a crash the next start
  finds a recovery file whose lock is stale and offers it back.
* A project whose CSV moved asks for the file's new location (:class:`MissingDataError`).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from nnstudio.core import project_file
from nnstudio.core.data.examples import EXAMPLES
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project
from nnstudio.core.training.engine import metric_name
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.common.recent_files import RecentFiles
from nnstudio.ui.common.workers import Worker
from nnstudio.ui.project import dialogs
from nnstudio.ui.project.naming import default_project_stem
from nnstudio.ui.project.recovery import new_session_file, orphaned_recovery_files, recovery_question
from nnstudio.ui.project.window import ProjectWindow

FILE_FILTER = "nnstudio projects (*.nnstudio);;All files (*)"
RECENT_KEY = "projects/recent"
LAST_DIR_KEY = "projects/lastDir"
#: How often the project is autosaved to the recovery file while it has unsaved changes.
AUTOSAVE_MS = 60_000
NEW_FROM_CSV = "A data file (CSV)…"


class ProjectActions(QObject):
    """The project file commands of a :class:`~nnstudio.ui.main_window.MainWindow`."""

    opened = Signal(str)  # path, after a project was opened (and its model restored)
    saved = Signal(str)  # path, after a save completed

    def __init__(self, window: ProjectWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.path: Path | None = None
        self.worker: Worker | None = None  # the open or save in progress
        self._filling = FillGuard()
        self._generation = 0  # counts edits: a save clears "dirty" only if nothing changed meanwhile
        self._autosaved = 0
        self._close_confirmed = False
        self._quit_requested = False
        self._pending_recovery: Path | None = None  # a recovery file being opened
        self.recovery_file: Path | None = None
        self._lock: QLockFile | None = None
        self.recovery_box: QMessageBox | None = None
        self._recovery_candidate: tuple[Path, QLockFile] | None = None
        self._job: dict = {}

        self.act_new = QAction("&New project…", window, shortcut=QKeySequence.StandardKey.New)
        self.act_new.setToolTip("Start a new project from an example or a data file")
        self.act_new.triggered.connect(self.new_project)
        self.act_open = QAction("&Open project…", window, shortcut=QKeySequence.StandardKey.Open)
        self.act_open.setToolTip("Open a .nnstudio project file")
        self.act_open.triggered.connect(self.open_dialog)
        self.recent_menu = QMenu("Open &recent project", window)
        self.recent_menu.aboutToShow.connect(self.fill_recent_menu)
        self.act_save = QAction("&Save project", window, shortcut=QKeySequence.StandardKey.Save)
        self.act_save.setToolTip("Save the project (data source, roles, preprocessing, network, "
                                 "settings and the trained model)")
        self.act_save.triggered.connect(self.save)
        self.act_save_as = QAction("Save project &as…", window,
                                   shortcut=QKeySequence.StandardKey.SaveAs)
        self.act_save_as.triggered.connect(self.save_as)
        if self.act_save_as.shortcut().isEmpty():
            self.act_save_as.setShortcut(QKeySequence("Ctrl+Shift+S"))

        for sig in (self.state.data_changed, self.state.spec_changed, self.state.settings_changed):
            sig.connect(self._on_edited)
        self.state.training_finished.connect(self._on_trained)
        self.state.project_changed.connect(self._on_project_replaced)
        window.windowTitleChanged.connect(self._on_title_changed)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        QTimer.singleShot(0, self.offer_recovery)
        self.update_title()

    def add_to_menu(self, menu: QMenu) -> None:
        for a in (self.act_new, self.act_open):
            menu.addAction(a)
        menu.addMenu(self.recent_menu)
        menu.addAction(self.act_save)
        menu.addAction(self.act_save_as)
        menu.addSeparator()

    # ----- title and dirty state -------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        return self.path.name if self.path else self.state.project.dataset.name

    def update_title(self) -> None:
        w = self.window
        w.setWindowTitle(f"{self.display_name}[*] — nnstudio")
        w.setWindowModified(bool(self.state.dirty))
        w.setWindowFilePath(str(self.path) if self.path else "")

    @Slot(str)
    def _on_title_changed(self, title: str) -> None:
        if "[*]" not in title:  # someone set a plain title: keep ours, with the modified mark
            self.update_title()

    def mark_dirty(self) -> None:
        self._generation += 1
        self.state.dirty = True
        self.window.setWindowModified(True)

    @Slot()
    def _on_edited(self) -> None:
        self._generation += 1
        self.window.setWindowModified(bool(self.state.dirty))

    @Slot(object)
    def _on_trained(self, _result) -> None:
        self.mark_dirty()  # a new trained model that is not saved yet

    @Slot()
    def _on_project_replaced(self) -> None:
        self._generation += 1
        if not self._filling:  # an example or a data file: a new, untitled project
            self.path = None
        self.update_title()

    # ----- recent projects (ui.common.recent_files) -------------------------------------------------
    @property
    def recent_files(self) -> RecentFiles:
        return RecentFiles(self.window.settings, RECENT_KEY, "No recent projects")

    def recent(self) -> list[str]:
        return self.recent_files.paths()

    def add_recent(self, path: Path) -> None:
        self.recent_files.add(path)
        self.window.settings.setValue(LAST_DIR_KEY, str(Path(path).resolve().parent))

    def forget_recent(self, path: str | Path) -> None:
        self.recent_files.forget(path)

    def clear_recent(self) -> None:
        self.recent_files.clear()

    @Slot()
    def fill_recent_menu(self) -> None:
        self.recent_files.fill_menu(self.recent_menu, self.open_recent)

    def open_recent(self, path: str) -> bool:
        if not Path(path).is_file():
            self.forget_recent(path)
            self.window.show_message("warning", f"The project {path} no longer exists; it was "
                                                "removed from the recent projects.")
            return False
        return self.open_project(path)

    def _last_dir(self) -> str:
        d = self.window.settings.value(LAST_DIR_KEY, "") or ""
        return str(d) if d and Path(str(d)).is_dir() else str(Path.home())

    # ----- asking ------------------------------------------------------------------------------------
    def ask_unsaved(self) -> str:
        """Save / Discard / Cancel for unsaved changes: returns 'save', 'discard' or 'cancel'."""
        return dialogs.ask_unsaved(self.window, self.display_name)

    def maybe_save(self) -> bool:
        """Before the project is replaced or the window closes: True to go on, False to stay."""
        if not self.state.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save_now()
        return answer == "discard"

    def _wait_for_autosave(self) -> None:
        """An autosave in progress is short: let it finish rather than refuse the user's command."""
        if self.worker is not None and self.worker.name == "autosave":
            self.worker.wait()
            self.worker = None

    def _release(self) -> None:
        """In a worker's result slot: the worker is done (unless another one started since)."""
        if self.sender() is self.worker or self.sender() is None:
            self.worker = None

    def _busy(self) -> bool:
        self._wait_for_autosave()
        if self.window.training.busy:
            self.window.show_message("warning", "Stop training first.")
            return True
        if self.worker is not None:
            self.window.show_message("warning", "A project is being opened or saved; wait a moment.")
            return True
        return False

    # ----- new -------------------------------------------------------------------------------------
    @Slot()
    def new_project(self) -> bool:
        """A new untitled project: from a built-in example, or a data file (the import dialog)."""
        if self._busy() or not self.maybe_save():
            return False
        titles = [ex.title for ex in EXAMPLES.values()] + [NEW_FROM_CSV]
        choice, ok = QInputDialog.getItem(self.window, "New project", "Start from:", titles, 0, False)
        if not ok:
            return False
        if choice == NEW_FROM_CSV:  # the import dialog replaces the project when the user opens
            self.window.data_io.open_dialog()
            return True
        name = next(n for n, ex in EXAMPLES.items() if ex.title == choice)
        self.window.load_example(name)
        return True

    # ----- open --------------------------------------------------------------------------------------
    @Slot()
    def open_dialog(self) -> bool:
        if self._busy() or not self.maybe_save():
            return False
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", self._last_dir(),
                                              FILE_FILTER)
        if not path:
            return False
        return self.open_project(path, ask=False)

    def open_project(self, path: str | Path, data_path: str | Path | None = None, *,
                     ask: bool = True, recovery: bool = False) -> bool:
        """Open a project on a worker thread (returns False if it could not start)."""
        if self._busy() or (ask and not self.maybe_save()):
            return False
        path = Path(path)
        self._pending_recovery = path if recovery else None

        def work(_report):
            return project_file.open_project(path, data_path)

        self._start(Worker(work, name="open-project"), self._opened, self._open_failed, path=path)
        self.window.statusBar().showMessage(f"Opening {path.name}…")
        return True

    def _start(self, worker: Worker, on_finished, on_failed, **job) -> None:
        """Run ``worker``; its results come back to ``@Slot`` methods with ``self._job`` as context."""
        worker.finished.connect(on_finished)
        worker.failed.connect(on_failed)
        worker.done.connect(self._worker_done)
        self.worker = worker
        self._job = job
        self.window.pool.start(worker)

    @Slot()
    def _worker_done(self) -> None:
        self._release()

    @Slot(object)
    def _opened(self, opened) -> None:
        self._release()
        path = self._job["path"]
        recovery = self._pending_recovery is not None
        self._pending_recovery = None
        with self._filling:
            self.state.set_project(opened.project, opened.prepared)
        self.window.undo_stack.clear()
        if opened.result is not None:
            self.state.set_result(opened.result)
            try:
                self.window.curves.set_history(opened.result.history,
                                               metric_name(opened.project.task))
            except NNStudioError:
                pass
        if recovery:
            original = (opened.recovery or {}).get("original_path")
            self.path = Path(original) if original and Path(original).parent.is_dir() else None
            self.mark_dirty()
            self.remove_recovery(path)
            what = f"Recovered the unsaved changes to {self.display_name}."
        else:
            self.path = path
            self.add_recent(path)
            if opened.data_relocated:
                self.mark_dirty()  # save to remember the data file's new place
            what = f"Opened {path.name}" + (" with its trained model." if opened.result else ".")
        self.update_title()
        self.window.statusBar().showMessage(what, 15_000)
        for text in opened.warnings:
            self.window.show_message("warning", text)
        self.opened.emit(str(path))

    @Slot(object)
    def _open_failed(self, err: NNStudioError) -> None:
        self._release()
        path = self._job["path"]
        self.window.statusBar().clearMessage()
        if isinstance(err, project_file.MissingDataError):
            new = self.ask_data_location(err)
            if new:
                recovery = self._pending_recovery is not None
                QTimer.singleShot(0, lambda: self.open_project(path, new, ask=False,
                                                               recovery=recovery))
            else:
                self._pending_recovery = None
            return
        self._pending_recovery = None
        if not path.is_file():
            self.forget_recent(str(path.resolve()) if path.exists() else str(path))
        self.window.show_message("error", err.user_text())

    def ask_data_location(self, err: project_file.MissingDataError) -> str | None:
        """Ask for the new place of a project's data file; None when the user cancels."""
        return dialogs.ask_data_location(self.window, err)

    # ----- save ----------------------------------------------------------------------------------------
    def _document(self, path: Path) -> tuple[dict, object, object]:
        """The document, the trained result and its preprocessing, taken on the GUI thread."""
        project: Project = self.state.project
        doc = project_file.build_document(project, path, with_fingerprint=False)
        result = self.state.result
        pre = None
        if result is not None:
            prepared = self.state.try_prepared()
            pre = prepared.preprocessor if prepared is not None else None
            if pre is None or result.model is None:
                result = None
        return doc, result, pre

    @Slot()
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    @Slot()
    def save_as(self) -> bool:
        path = self.ask_save_path()
        if not path:
            return False
        return self.save_to(path)

    def ask_save_path(self) -> Path | None:
        start = self.path or Path(self._last_dir()) / (
            default_project_stem(self.state.project) + project_file.SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", str(start), FILE_FILTER)
        return project_file.with_suffix(path) if path else None

    def save_to(self, path: str | Path) -> bool:
        """Save on a worker thread (returns False if it could not start)."""
        self._wait_for_autosave()
        if self.worker is not None:
            self.window.show_message("warning", "A project is being opened or saved; wait a moment.")
            return False
        path = Path(path)
        try:
            doc, result, pre = self._document(path)
        except NNStudioError as e:
            self.window.show_message("error", e.user_text())
            return False
        generation = self._generation

        def work(_report):
            return str(project_file.write_project(doc, path, result, pre))

        self._start(Worker(work, name="save-project"), self._save_finished, self._save_failed,
                    path=path, generation=generation, result=result)
        self.window.statusBar().showMessage(f"Saving {path.name}…")
        return True

    @Slot(object)
    def _save_finished(self, _path) -> None:
        self._release()
        self._saved(self._job["path"], self._job["generation"], self._job["result"])

    @Slot(object)
    def _save_failed(self, err: NNStudioError) -> None:
        self._release()
        self.window.statusBar().clearMessage()
        self.window.show_message("error", err.user_text())

    def save_now(self) -> bool:
        """Save and wait (when closing or replacing the project); False if cancelled or failed."""
        path = self.path or self.ask_save_path()
        if not path:
            return False
        if self.worker is not None:
            self.worker.wait()
        generation = self._generation
        try:
            doc, result, pre = self._document(path)
            project_file.write_project(doc, path, result, pre)
        except NNStudioError as e:
            self.window.show_message("error", e.user_text())
            return False
        self._saved(path, generation, result)
        return True

    def _saved(self, path: Path, generation: int, result) -> None:
        self.path = path
        if generation == self._generation:
            self.state.dirty = False
            self.remove_recovery()
        self.add_recent(path)
        self.update_title()
        extra = " with its trained model" if result is not None else ""
        self.window.statusBar().showMessage(f"Saved {path.name}{extra}.", 10_000)
        self.saved.emit(str(path))

    # ----- closing -------------------------------------------------------------------------------------
    @Slot()
    def quit(self) -> None:
        """File > Quit: closing as the user asked for it (with the unsaved-changes question)."""
        self._quit_requested = True
        try:
            self.window.close()
        finally:
            self._quit_requested = False

    def confirm_close(self, event: QCloseEvent) -> bool:
        """From ``closeEvent``: False (and the event ignored) when the user wants to stay."""
        if (event.spontaneous() or self._quit_requested) and not self._close_confirmed:
            if not self.maybe_save():
                event.ignore()
                return False
        self._close_confirmed = True
        self.autosave_timer.stop()
        self.remove_recovery()
        return True

    # ----- autosave and recovery -------------------------------------------------------------------
    def _session_files(self) -> tuple[Path, Path]:
        if self.recovery_file is None:
            self.recovery_file = new_session_file()
        return self.recovery_file, self.recovery_file.with_suffix(".lock")

    @Slot()
    def autosave(self) -> bool:
        """Write the project (without its trained model) to this session's recovery file."""
        if not self.state.dirty or self._autosaved == self._generation or self.worker is not None:
            return False
        file, lockpath = self._session_files()
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        if self._lock is None:
            self._lock = QLockFile(str(lockpath))
            self._lock.setStaleLockTime(0)
            if not self._lock.tryLock(0):
                self._lock = None
                return False
        recovery = {"original_path": str(self.path) if self.path else None,
                    "name": self.display_name, "pid": os.getpid(), "time": time.time()}
        try:
            doc = project_file.build_document(self.state.project, file, with_fingerprint=False,
                                              recovery=recovery)
        except NNStudioError:
            return False  # data that cannot be stored (too big to embed): nothing to autosave
        generation = self._generation

        def work(_report):
            project_file.write_project(doc, file)
            return generation

        self._start(Worker(work, name="autosave"), self._autosaved_done, self._autosave_failed)
        return True

    @Slot(object)
    def _autosave_failed(self, _err) -> None:
        self._release()  # an autosave that fails is tried again at the next tick

    @Slot(object)
    def _autosaved_done(self, generation: int) -> None:
        self._release()
        self._autosaved = generation
        if not self.state.dirty:  # saved or discarded meanwhile
            self.remove_recovery()

    def remove_recovery(self, path: Path | None = None) -> None:
        """Delete a recovery file (default: this session's) and release its lock."""
        if path is None:
            if self.recovery_file is not None:
                self.recovery_file.unlink(missing_ok=True)
            if self._lock is not None:
                self._lock.unlock()
                self._lock = None
            self._autosaved = 0
            return
        path.unlink(missing_ok=True)
        if self._recovery_candidate is not None and self._recovery_candidate[0] == path:
            self._recovery_candidate[1].unlock()
            self._recovery_candidate = None

    def orphaned_recovery_files(self) -> list[tuple[Path, QLockFile]]:
        """Recovery files of sessions that ended without cleaning up (a crash), newest first,
        each with its lock now held by this session."""
        return orphaned_recovery_files(self.recovery_file)

    @Slot()
    def offer_recovery(self) -> None:
        """Offer the newest orphaned autosave back (a non-blocking question)."""
        if self.recovery_box is not None:
            return
        found = self.orphaned_recovery_files()
        if not found:
            return
        for _f, lock in found[1:]:
            lock.unlock()  # offered one at a time, newest first
        f, lock = found[0]
        self._recovery_candidate = (f, lock)
        try:
            info = project_file.read_document(f).get("recovery") or {}
        except NNStudioError:
            self.remove_recovery(f)  # unreadable: nothing to offer
            QTimer.singleShot(0, self.offer_recovery)
            return
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.get("time", f.stat().st_mtime)))
        box, self.recover_button, self.discard_button = recovery_question(
            self.window, info.get("name"), when)
        box.finished.connect(lambda _r, b=box, path=f: self._recovery_answered(b, path))
        self.recovery_box = box
        box.open()

    def _recovery_answered(self, box: QMessageBox, path: Path) -> None:
        self.recovery_box = None
        clicked = box.clickedButton()
        if clicked is self.recover_button:
            if not self.open_project(path, ask=True, recovery=True):
                self.remove_recovery_lock(path)
        elif clicked is self.discard_button:
            self.remove_recovery(path)
            QTimer.singleShot(0, self.offer_recovery)
        else:  # closed without an answer: offered again at the next start
            self.remove_recovery_lock(path)
        box.deleteLater()

    def remove_recovery_lock(self, path: Path) -> None:
        if self._recovery_candidate is not None and self._recovery_candidate[0] == path:
            self._recovery_candidate[1].unlock()
            self._recovery_candidate = None


def install(window: ProjectWindow) -> ProjectActions:
    """Add the project commands to ``window.file_menu`` (called from MainWindow._build_menus)."""
    actions = ProjectActions(window)
    actions.add_to_menu(window.file_menu)
    window.open_project_path = actions.open_project
    return actions
