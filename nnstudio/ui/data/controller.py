"""Opening data files: the file dialog, the import dialog, reading in a worker with progress and
Cancel, the recent-files list, and drops onto the window.

Reading, summarising the columns and proposing roles all run on a :class:`~nnstudio.ui.common.workers.Worker`
thread; the GUI thread only receives the finished :class:`~nnstudio.core.project.Project` (or an
error) and hands it to :class:`~nnstudio.ui.state.AppState`.
"""
from __future__ import annotations

import contextlib
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMenu, QProgressDialog, QWidget

from nnstudio.core.data.csv import CHUNK_ROWS, FILE_FILTER, Cancelled, CsvOptions, read_csv, sniff
from nnstudio.core.data.csv_options import VALUE_OPTIONS
from nnstudio.core.data.examples import EXAMPLES
from nnstudio.core.data.preprocess import PreparedData
from nnstudio.core.errors import NNStudioError, ReadingOptionError
from nnstudio.core.experiments.record import data_identity
from nnstudio.core.model.spec import NetworkSpec
from nnstudio.core.project import Project
from nnstudio.ui.common.recent_files import RecentFiles
from nnstudio.ui.common.workers import Worker, WorkerPool
from nnstudio.ui.data.csv_dialog import CsvImportDialog
from nnstudio.ui.state import AppState

RECENT_KEY = "data/recentFiles"
LAST_DIR_KEY = "data/lastDir"


@dataclass
class Loaded:
    """What the reading worker hands to the GUI thread."""

    project: Project
    prepared: PreparedData | NNStudioError | None = None  # or the error preparing it raised
    #: what of a built-in example was replaced by defaults for the new data (for the status bar)
    reset_from: str | None = None


def load_project(path: str | Path, options: CsvOptions | None, report, stop: threading.Event,
                 chunk_rows: int = CHUNK_ROWS, keep_from: Project | None = None) -> Loaded:
    """Worker body: read the file, summarise every column, propose roles, prepare the data (the
    views need it at once, and on a million rows it takes seconds); plain data out."""
    def progress(fraction: float, message: str) -> None:
        report((0.9 * fraction, message))

    dataset = read_csv(path, options, progress=progress, should_stop=stop.is_set, chunk_rows=chunk_rows)
    cols = dataset.columns
    for i, c in enumerate(cols):
        if stop.is_set():
            raise Cancelled(f"Reading '{dataset.name}' was cancelled.", "The data you had before is kept.")
        dataset.profile(c)
        report((0.9 + 0.09 * (i + 1) / len(cols), f"Summarising column {i + 1} of {len(cols)}: {c}"))
    project = Project.from_dataset(dataset)
    reset_from = None
    if keep_from is not None:
        # A new table keeps the network you built (its output follows the new task) and your
        # settings. What is still exactly a built-in example's was made for that example's data
        # (XOR's uniform initializer, churn's batch of 10): it starts from the defaults instead,
        # and the GUI says so.
        example = _example_or_none(keep_from.example)
        net_is_example = example is not None and keep_from.spec.to_dict() == example.spec.to_dict()
        settings_are_example = example is not None and asdict(keep_from.settings) == asdict(example.settings)
        if not net_is_example:
            project.spec = NetworkSpec([l for l in keep_from.spec.copy().hidden], None)
        if not settings_are_example:
            project.settings = replace(keep_from.settings)
        if net_is_example or settings_are_example:
            what = " and ".join(w for w, reset in (("network", net_is_example),
                                                    ("training settings", settings_are_example)) if reset)
            reset_from = f"the {what} of the example '{example.title}'"
    report((0.995, "Preparing the data for training"))
    try:
        prepared = project.prepare_for_views()
    except NNStudioError as e:  # shown in the Data tab, as when the user changes a role
        prepared = e
    # every run recorded on this file names it by its SHA-256 (cached): hashed here, not by the
    # first Train's end on the window's thread (0.1 s for an 86 MB file); a file gone or locked
    # meanwhile is the record's to report, as before, not a reason to lose the data just read
    with contextlib.suppress(OSError):
        data_identity(project.dataset)
    if stop.is_set():
        raise Cancelled(f"Reading '{dataset.name}' was cancelled.", "The data you had before is kept.")
    report((1.0, "Done"))
    return Loaded(project, prepared, reset_from)


def _example_or_none(name: str | None):
    return EXAMPLES.get(name) if name else None


class DataController(QObject):
    """Everything about getting a table into the app. ``message`` carries (level, text)."""

    message = Signal(str, str)
    loaded = Signal(str)  # path, after the new project is in AppState

    def __init__(self, state: AppState, pool: WorkerPool, parent: QWidget,
                 settings: QSettings | None = None, is_busy=None, may_replace=None) -> None:
        super().__init__(parent)
        self.state = state
        self.pool = pool
        self.window = parent
        self.settings = settings or QSettings()
        self._is_busy = is_busy or (lambda: False)
        self._may_replace = may_replace or (lambda: True)  # unsaved changes: Save/Discard/Cancel
        self.dialog: CsvImportDialog | None = None
        self.progress: QProgressDialog | None = None
        self.worker: Worker | None = None
        self._stop: threading.Event | None = None
        self._path: str | None = None
        self.chunk_rows = CHUNK_ROWS

    @property
    def reading(self) -> bool:
        return self.worker is not None

    # ----- commands ------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """File > Open data…"""
        start = str(self.settings.value(LAST_DIR_KEY, "") or "")
        path, _ = QFileDialog.getOpenFileName(self.window, "Open data", start, FILE_FILTER)
        if path and self._may_replace():  # asked only for the user's own command, never in code
            self.open_path(path)

    def open_path(self, path: str | Path, options: CsvOptions | None = None) -> bool:
        """Show the import dialog for ``path`` (it reads the file when the user presses Open)."""
        if self._is_busy():
            self.message.emit("warning", "Stop training before opening other data.")
            return False
        if self.reading:
            self.message.emit("warning", "A file is already being read: wait for it or press Cancel.")
            return False
        try:
            sniff(path, options)  # missing, empty, binary: say so at once, without a dialog
        except ReadingOptionError:
            pass  # other reading options may read it: the dialog says so beside them
        except NNStudioError as e:
            self.message.emit("error", e.user_text())
            self.forget_recent(str(path))
            return False
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = CsvImportDialog(path, options, self.window)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg = self.dialog
        dlg.accepted.connect(lambda: self.read(path, dlg.options()))
        dlg.finished.connect(self._dialog_closed)
        dlg.open()
        return True

    @Slot(str)
    def read_sheet(self, sheet: str) -> None:
        """Read another sheet of the workbook the data is from, with the user's reading choices
        (what is missing, the switches); the header and the rest are detected for that sheet."""
        self._read_other("sheet", sheet)

    @Slot(str)
    def read_member(self, member: str) -> None:
        """Read another table of the archive the data is from (a .zip of train.csv and
        valid.csv), with the user's reading choices; its sheet, if a workbook, found afresh."""
        self._read_other("member", member)

    def _read_other(self, what: str, name: str) -> None:
        ds = self.state.project.dataset
        if self._is_busy():
            other = "table" if what == "member" else what
            self.message.emit("warning", f"Stop training before reading another {other}.")
            return
        if self.reading or not ds.source or not self._may_replace():
            return
        keep = {k: v for k, v in (ds.csv_options or {}).items()  # these two: that one's columns
                if k in VALUE_OPTIONS and k not in ("minutes_seconds", "missing_in")}
        if what == "sheet" and (ds.csv_options or {}).get("member"):
            keep["member"] = ds.csv_options["member"]  # the workbook inside the archive
        self.read(ds.source, CsvOptions.from_dict({**keep, what: name}))

    @Slot()
    def _dialog_closed(self) -> None:
        self.dialog = None

    def read(self, path: str | Path, options: CsvOptions | None = None) -> None:
        """Read the whole file on a worker thread, with a progress dialog and Cancel."""
        if self.reading:
            return
        path = str(path)
        stop = threading.Event()
        keep = self.state.project
        chunk = self.chunk_rows
        worker = Worker(lambda report: load_project(path, options, report, stop, chunk, keep),
                        stop=stop.set, name="read-data")
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_loaded)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        self.worker, self._stop, self._path = worker, stop, path
        self.progress = QProgressDialog(f"Reading {Path(path).name}…", "Cancel", 0, 1000, self.window)
        self.progress.setWindowTitle("Opening data")
        # not modal: a modal QProgressDialog processes events inside setValue (re-entrancy)
        self.progress.setWindowModality(Qt.WindowModality.NonModal)
        self.progress.setMinimumDuration(400)
        self.progress.setAutoClose(False)
        self.progress.setAutoReset(False)
        self.progress.setValue(0)
        self.progress.canceled.connect(self.cancel)
        self.pool.start(worker)

    @Slot()
    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.request_stop()
            if self.progress is not None:
                self.progress.setLabelText("Cancelling…")

    # ----- worker signals ----------------------------------------------------------------------
    @Slot(object)
    def _on_progress(self, p) -> None:
        fraction, text = p
        if self.progress is not None and not (self._stop and self._stop.is_set()):
            self.progress.setValue(int(1000 * fraction))
            self.progress.setLabelText(text)

    @Slot(object)
    def _on_loaded(self, loaded: Loaded) -> None:
        project = loaded.project
        if self._is_busy():
            self.message.emit("warning", "Training started while the file was read: stop it and open "
                                         "the file again.")
            return
        path = self._path or ""
        self.state.set_project(project, loaded.prepared)
        self.add_recent(path)
        self.settings.setValue(LAST_DIR_KEY, str(Path(path).parent))
        ds = project.dataset
        rows, cols = ds.n_rows, len(ds.columns)
        self.message.emit("info", f"Opened {ds.name}: {rows:,} row{'s' if rows != 1 else ''}, {cols} "
                                  f"column{'s' if cols != 1 else ''}; "
                                  f"target '{project.roles.target}' proposed (change it in the Data tab).")
        for w in ds.warnings:
            self.message.emit("info", w)
        if loaded.reset_from:
            s = project.settings
            hidden = ", ".join(str(l.units) for l in project.spec.hidden if l.kind == "dense")
            self.message.emit("info", f"New data, new start: {loaded.reset_from} made way for "
                                      f"defaults for {ds.name} (now: hidden layers {hidden}; "
                                      f"{s.optimizer} at {s.learning_rate:g}, batch {s.batch_size}, "
                                      f"{s.epochs} epochs).")
        self.loaded.emit(path)

    @Slot(object)
    def _on_failed(self, err: NNStudioError) -> None:
        if isinstance(err, Cancelled):
            self.message.emit("info", err.user_text())
        else:
            self.message.emit("error", err.user_text())

    @Slot()
    def _on_done(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.worker, self._stop = None, None

    # ----- recent files (ui.common.recent_files) -------------------------------------------------
    @property
    def recent_files(self) -> RecentFiles:
        return RecentFiles(self.settings, RECENT_KEY, "No recent data files")

    def recent(self) -> list[str]:
        return self.recent_files.paths()

    def add_recent(self, path: str) -> None:
        self.recent_files.add(path)

    def forget_recent(self, path: str) -> None:
        self.recent_files.forget(path)

    def clear_recent(self) -> None:
        self.recent_files.clear()

    @Slot()
    def fill_recent_menu(self, menu: QMenu | None = None) -> None:
        self.recent_files.fill_menu(menu or self.sender(),
                                    lambda p: self._may_replace() and self.open_path(p))

    # ----- drag and drop --------------------------------------------------------------------------
    @staticmethod
    def dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[str]:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return []
        return [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
