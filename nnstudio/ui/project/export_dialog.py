"""File > Export model…: choose a folder and formats; the files are written on a worker thread."""
from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import export as core_export
from nnstudio.core.errors import NNStudioError
from nnstudio.ui.common.workers import Worker

PLOTS = "plots_png"


class ExportDialog(QDialog):
    """Folder, format checkboxes (with what each is for), Export; reports what was written."""

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.setWindowTitle("Export model")
        self.setMinimumWidth(620)
        self.written: list[str] = []
        self._worker: Worker | None = None
        state = window.state
        ds = state.project.dataset

        intro = QLabel("The exported models take the <b>raw columns</b> as the data has them: the "
                       "preprocessing (scaling, one-hot, filling missing values) is built in, so "
                       "<code>keras.saving.load_model(…)</code> predicts raw rows directly. Each "
                       "model carries its metadata (columns, classes, preprocessing, settings).")
        intro.setWordWrap(True)

        folder_row = QHBoxLayout()
        settings = QSettings()
        base = str(settings.value("export/dir", "") or str(Path.home()))
        name = f"{ds.name}-model".replace("/", "-").replace(" ", "_").replace("(", "").replace(")", "")
        self.folder = QLineEdit(str(Path(base) / name))
        self.folder.setToolTip("The files are written into this folder (created if needed).")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(QLabel("Folder"))
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)

        box = QGroupBox("Formats")
        grid = QGridLayout(box)
        self.checks: dict[str, QCheckBox] = {}
        rows = [(f.key, f.label, f"{f.filename} — {f.description}", f.needs)
                for f in core_export.FORMATS.values()]
        rows.append((PLOTS, "Plots (PNG)", "curves.png, evaluation.png, surface.png — the training "
                                          "curves, the evaluation chart and the decision surface.", ()))
        for i, (key, label, desc, needs) in enumerate(rows):
            cb = QCheckBox(label)
            cb.setChecked(True)
            missing = [n for n in needs if importlib.util.find_spec(n) is None]
            text = QLabel(desc)
            text.setWordWrap(True)
            text.setStyleSheet("color: #555")
            if missing:
                cb.setChecked(False)
                cb.setEnabled(False)
                text.setText(f"{desc} Needs {', '.join(missing)}: pip install \"nnstudio[export]\".")
            if key == "history_csv" and not (state.result and state.result.history):
                cb.setChecked(False)
                cb.setEnabled(False)
            cb.setToolTip(desc)
            grid.addWidget(cb, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, i, 1)
            self.checks[key] = cb
        grid.setColumnStretch(1, 1)

        self.progress = QLabel()
        self.progress.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_btn = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_btn.setDefault(True)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(folder_row)
        lay.addWidget(box)
        lay.addWidget(self.progress)
        lay.addWidget(self.buttons)

    # ----- choices ------------------------------------------------------------------------------------
    def selected(self) -> list[str]:
        return [k for k, cb in self.checks.items() if cb.isChecked() and cb.isEnabled()]

    def set_selected(self, keys) -> None:
        for k, cb in self.checks.items():
            cb.setChecked(k in keys and cb.isEnabled())

    @Slot()
    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Export into folder", self.folder.text())
        if path:
            self.folder.setText(path)

    # ----- exporting ----------------------------------------------------------------------------------
    def trained_model(self):
        w = self.window_
        state = w.state
        data = state.prepared()
        other = getattr(getattr(w, "evaluation", None), "model_preprocessor", None)
        if other is not None:
            data = dataclasses.replace(data, preprocessor=other)
        return core_export.from_training(state.result, data, state.project)

    @Slot()
    def start(self) -> None:
        if self._worker is not None:
            return
        state = self.window_.state
        if state.model is None:
            self._fail("There is no trained model to export.", "Train the network first, or open a model.")
            return
        folder = self.folder.text().strip()
        if not folder:
            self._fail("Choose a folder to export into.")
            return
        keys = self.selected()
        if not keys:
            self._fail("Choose at least one format.")
            return
        try:
            tm = self.trained_model()
        except NNStudioError as e:
            self._fail(e.user_text())
            return
        formats = [k for k in keys if k != PLOTS]
        labels = {k: f.label for k, f in core_export.FORMATS.items()}
        self._folder, self._plots = Path(folder), PLOTS in keys
        self.export_btn.setEnabled(False)
        self.progress.setText("Exporting…")

        def work(report):
            return core_export.export(tm, folder, formats, on_format=lambda k: report(labels[k]))

        w = Worker(work, name="export")
        w.progress.connect(self._on_progress)
        w.finished.connect(self._on_done)
        w.failed.connect(self._on_failed)
        self._worker = w
        self.window_.pool.start(w)

    @Slot(object)
    def _on_progress(self, label: str) -> None:
        self.progress.setText(f"Writing {label}…")

    @Slot(object)
    def _on_done(self, paths: list) -> None:
        self._worker = None
        written = list(paths)
        if self._plots:
            written += self.write_plots(self._folder)
        self.written = written
        QSettings().setValue("export/dir", str(self._folder.parent))
        names = ", ".join(Path(p).name for p in written)
        msg = f"Exported {len(written)} files to {self._folder}: {names}."
        self.progress.setText(msg)
        self.window_.show_message("info", msg)
        self.accept()

    def write_plots(self, folder: Path) -> list[str]:
        """The views' own PNG exports (GUI thread: they draw widgets)."""
        w = self.window_
        out = []
        folder.mkdir(parents=True, exist_ok=True)
        jobs = [("curves.png", getattr(getattr(w, "curves", None), "export_png", None))]
        ev = getattr(w, "evaluation", None)
        if ev is not None and ev.chart_box.isVisibleTo(ev) and ev.results:
            jobs.append(("evaluation.png", ev.export_chart_png))
        surface = getattr(w, "surface", None)
        if surface is not None and getattr(surface, "last_surface", None) is not None:
            jobs.append(("surface.png", surface.export_png))
        for name, fn in jobs:
            if fn is None:
                continue
            try:
                fn(str(folder / name))
            except (NNStudioError, OSError, RuntimeError) as e:
                self.window_.show_message("warning", f"{name} was not written: {e}")
                continue
            if (folder / name).exists():
                out.append(str(folder / name))
        return out

    @Slot(object)
    def _on_failed(self, err: NNStudioError) -> None:
        self._worker = None
        self.export_btn.setEnabled(True)
        self._fail(err.user_text())

    def _fail(self, message: str, hint: str = "") -> None:
        text = f"{message} {hint}".strip()
        self.progress.setText(f"<span style='color:#b00'>{text}</span>")
        self.window_.show_message("error", text)

    def reject(self) -> None:
        if self._worker is not None:  # let the running export finish; its files stay complete
            self.progress.setText("Finishing the current format…")
            self._worker.wait(120_000)
        super().reject()


def show_export_dialog(window) -> ExportDialog | None:
    """File > Export model…: the dialog, or a message when there is nothing to export yet."""
    if window.state.model is None:
        window.show_message("warning", "There is no trained model to export yet: press Train first "
                                       "(or open a model with File > Open model…).")
        return None
    dlg = ExportDialog(window)
    dlg.open()
    return dlg
