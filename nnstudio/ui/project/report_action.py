"""File > Export report…: the one-page HTML report of the trained run (``core.report``), written on
a worker (it measures importance and trains the linear baseline: seconds) and opened in the browser."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from nnstudio.core import report
from nnstudio.core.errors import NNStudioError
from nnstudio.ui.common.workers import Worker


class ReportWriter(QObject):
    written = Signal(str)  # the path
    failed = Signal(str)  # the message

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.open_in_browser = True

    def ask_and_write(self) -> None:
        state = self.window.state
        if state.result is None:
            self.window.show_message("warning", "Train the network (or open a model) first: the report "
                                                "describes a trained run.")
            return
        start = str(QSettings().value("report/dir", "") or "")
        name = f"{state.project.dataset.name}-report.html".replace("/", "-").replace(" ", "_")
        path, _ = QFileDialog.getSaveFileName(self.window, "Export report",
                                              str(Path(start) / name) if start else name, "HTML (*.html)")
        if path:
            QSettings().setValue("report/dir", str(Path(path).parent))
            self.write(path)

    def write(self, path: str) -> Worker | None:
        state = self.window.state
        if state.result is None or state.training:
            self.failed.emit("There is no finished training run to report on.")
            return None
        data = state.try_prepared()
        if data is None:
            self.failed.emit("The data cannot be prepared, so no report can be written.")
            return None
        r = state.result
        pre = getattr(self.window.evaluation, "model_preprocessor", None) or data.preprocessor
        parts = report.ReportParts(state.project, r.model, pre, dict(r.history),
                                   {"message": r.message, "seconds": r.seconds, "status": r.status},
                                   state.project.threshold)

        def work(_report):
            html = report.build_report(parts)
            return str(report.write_report(html, path))

        w = Worker(work, name="report")
        w.finished.connect(self._on_written)
        w.failed.connect(self._on_failed)
        self.window.show_message("info", f"Writing the report to {path}…")
        self.window.pool.start(w)
        return w

    @Slot(object)
    def _on_written(self, path: str) -> None:
        self.window.show_message("info", f"Wrote the report to {path}.")
        if self.open_in_browser:
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))
        self.written.emit(path)

    @Slot(object)
    def _on_failed(self, err: NNStudioError) -> None:
        text = err.user_text() if isinstance(err, NNStudioError) else str(err)
        self.window.show_message("error", f"The report could not be written: {text}")
        self.failed.emit(text)
