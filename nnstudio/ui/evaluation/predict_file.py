"""File > Predict a file…: the model the Evaluation tab shows, on the rows of a new file
(customers to score, readings to classify). The file is read and predicted on a worker; a dialog
shows what was predicted, the rows that could not be and why, the figures when the file holds the
target too, and the table, which **Save as CSV…** writes (core/predict_file.py does the work)."""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import evaluate as core_eval
from nnstudio.core import predict_file as core_predict
from nnstudio.core.data import workbook
from nnstudio.core.data.csv import FILE_FILTER
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.workers import Worker
from nnstudio.ui.evaluation.predictions import fit_columns
from nnstudio.ui.evaluation.widgets import PredictionsModel

DIR_KEY = "evaluation/predict_dir"


class PredictFileDialog(QDialog):
    finished_prediction = Signal()  # a file was predicted, or could not be (the dialog says which)

    def __init__(self, window, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Predict a file")
        self.window_ = window
        self.result: core_predict.FilePredictions | None = None
        self._front: list[str] = []
        self.worker: Worker | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # reading and predicting: no steps to count
        self.busy.setVisible(False)
        self.model = PredictionsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setResizeContentsPrecision(200)
        self.another_btn = QPushButton("Another file…")
        self.another_btn.clicked.connect(self.choose_and_predict)
        self.save_btn = QPushButton("Save as CSV…")
        self.save_btn.setEnabled(False)
        self.save_btn.clicked.connect(self.save_dialog)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.another_btn, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_btn, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.busy)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(820, 520)

    # ----- predicting ---------------------------------------------------------------------------
    def _model(self):
        """(net, preprocessor) the Evaluation tab shows, or None with the reason said."""
        win = self.window_
        panel = win.evaluation
        if win.state.training:
            win.show_message("warning", "Stop training before predicting a file: the model is still "
                                        "changing.")
            return None
        if panel.net is None or panel.pre is None or win.state.model is None:
            win.show_message("warning", "There is no trained model to predict with yet: train the "
                                        "network (or open a model) first.")
            return None
        return panel.net, panel.pre

    @Slot()
    def choose_and_predict(self) -> bool:
        if self._model() is None:
            return False
        settings = QSettings()
        start = str(settings.value(DIR_KEY, "") or "")
        path, _ = QFileDialog.getOpenFileName(self.window_, "Predict a file", start, FILE_FILTER)
        if not path:
            return False
        settings.setValue(DIR_KEY, str(Path(path).parent))
        return self.predict(path)

    def predict(self, path: str) -> bool:
        """Predict the file at ``path`` on a worker; the dialog shows the outcome."""
        model = self._model()
        if model is None or self.worker is not None:
            return False
        net, pre = model
        # the columns first in the table: those of the model that predicts (it may change later)
        self._front = core_eval.output_columns(pre) + [pre.target, core_eval.NOTE]
        project = self.window_.state.project
        threshold = project.threshold if pre.task is Task.BINARY else None
        loss = project.settings.loss_for(pre.task)
        options = project.dataset.csv_options

        def work(_report):
            return core_predict.predict_file(net, pre, path, csv_options=options,
                                             threshold=threshold, loss_name=loss,
                                             regularization=core_eval.model_regularization(net))

        self.worker = Worker(work, name="predict-file")
        self.worker.finished.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.result = None
        self.model.set_frame(pd.DataFrame())
        self.save_btn.setEnabled(False)
        self.another_btn.setEnabled(False)
        self.busy.setVisible(True)
        self.summary.setText(f"Reading and predicting {html.escape(Path(path).name)}…")
        self.show()
        self.raise_()
        self.window_.pool.start(self.worker)
        return True

    @Slot(object)
    def _on_done(self, result: core_predict.FilePredictions) -> None:
        self._end()
        self.result = result
        lines = result.summary_lines()
        self.summary.setText("<b>" + html.escape(lines[0]) + "</b><br>"
                             + "<br>".join(html.escape(x) for x in lines[1:]))
        self.model.set_frame(result.table, self._front)
        fit_columns(self.table)
        self.save_btn.setEnabled(True)
        self.finished_prediction.emit()

    @Slot(object)
    def _on_failed(self, err: NNStudioError) -> None:
        self._end()
        self.summary.setText(f"<span style='color:#b00'>{html.escape(err.user_text())}</span>")
        self.finished_prediction.emit()

    def _end(self) -> None:
        self.worker = None
        self.busy.setVisible(False)
        self.another_btn.setEnabled(True)

    # ----- saving -------------------------------------------------------------------------------
    @Slot()
    def save_dialog(self) -> None:
        if self.result is None:
            return
        settings = QSettings()
        start = str(settings.value(DIR_KEY, "") or "")
        src = Path(self.result.path)  # a workbook's predictions go to a workbook, by default
        book = src.suffix.lower() in workbook.SUFFIXES
        name = f"{src.stem}-predictions{'.xlsx' if book else '.csv'}"
        filters = ["CSV (*.csv)", "Excel workbook (*.xlsx)"]
        path, _ = QFileDialog.getSaveFileName(self, "Save the predictions",
                                              str(Path(start) / name) if start else name,
                                              ";;".join(filters[::-1] if book else filters))
        if path:
            self.save(path)

    def save(self, path: str) -> bool:
        try:
            core_predict.write_csv(self.result, path)
        except NNStudioError as e:
            self.window_.show_message("error", e.user_text())
            return False
        self.window_.statusBar().showMessage(
            f"Saved {self.result.rows:,} rows with their predictions to {path}.", 10_000)
        return True


def install(window) -> None:
    """File > Predict a file… (after Export model…) and the button in the Predictions tab."""
    def show() -> None:
        dlg = getattr(window, "predict_file_dialog", None)
        if dlg is None:
            dlg = window.predict_file_dialog = PredictFileDialog(window)
        dlg.choose_and_predict()

    window.act_predict_file = window.file_menu.addAction("&Predict a file…", show)
    window.act_predict_file.setToolTip("Predict every row of a new CSV or Excel workbook with the trained model, "
                                       "and save them with their predictions.")
    window.file_menu.insertAction(window.act_export_report, window.act_predict_file)
    btn = QPushButton("Predict a file…")
    btn.setToolTip("Predict every row of a new CSV or workbook (customers to score, readings to classify) with "
                   "this model; the file needs the model's input columns, not the target.")
    btn.clicked.connect(show)
    row = window.evaluation.predictions.buttons_row
    row.insertWidget(row.indexOf(window.evaluation.predictions.export_csv_btn), btn)
    window.predict_file_button = btn
