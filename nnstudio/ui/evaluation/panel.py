"""The Evaluation tab: how good is the trained network, and what does it say about a new row?

* loss and metrics on the training, validation and test rows, side by side;
* for the chosen split: the confusion matrix (counts and row-normalized, as a coloured grid) with
  precision / recall / F1 per class and the ROC curve (binary), or the predicted-vs-actual plot
  (regression);
* the split's rows with the prediction and its probability, a "misclassified only" filter and CSV
  export;
* a form with one field per input column (lists for categories) giving the prediction and its
  probability for one new row.

During training the figures follow the live weights (NumPy forward pass, at most a few times a
second, only while the tab is shown); after training they come from the Keras model. All computing
runs on a worker thread (``core.evaluate``); this module only shows results. File > Open model…
opens an exported ``.keras`` file (safe mode) with its data, to inspect and evaluate it.
"""
from __future__ import annotations

import html
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import evaluate as core_eval
from nnstudio.core.data.csv import FILE_FILTER
from nnstudio.core.errors import NNStudioError
from nnstudio.core.forward import layers_from_weights
from nnstudio.core.model.spec import Task
from nnstudio.core.settings import epochs_text
from nnstudio.core.surface import default_held_values
from nnstudio.ui.common.empty_state import EmptyState
from nnstudio.ui.common.follows_timeline import FollowsTimeline
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.scroll_tabs import fitted_scroll
from nnstudio.ui.common.workers import Worker, WorkerPool
from nnstudio.ui.evaluation.attribution import AttributionView
from nnstudio.ui.evaluation.baselines import BaselinesView
from nnstudio.ui.evaluation.figures import (
    SPLIT_NAMES,
    ChartBox,
    ConfusionBox,
    MetricsTable,
    compute_figures,
    reencoded,
)
from nnstudio.ui.evaluation.importance import ImportanceView
from nnstudio.ui.evaluation.opened_model import opened_result, read_model_with_data
from nnstudio.ui.evaluation.predictions import PredictionsTab
from nnstudio.ui.evaluation.residuals import ResidualsView
from nnstudio.ui.evaluation.threshold import ThresholdView
from nnstudio.ui.evaluation.widgets import PredictionForm
from nnstudio.ui.state import AppState

#: Live figures are recomputed at most this often while training runs (seconds).
LIVE_INTERVAL_S = 0.5


class EvaluationPanel(FollowsTimeline, QWidget):
    message = Signal(str, str)  # (level, text) for the window to show
    evaluated = Signal()  # new figures are on screen
    export_requested = Signal()  # the "Export model…" button
    model_opened = Signal(object)  # a TrainResult made from an opened .keras file
    # issue 20: a column's bar was clicked: inspect this row (original units) with that column's nodes
    inspect_requested = Signal(object, str)
    report_requested = Signal()  # the "Report…" button

    def __init__(self, state: AppState, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pool = pool
        self.results: dict[str, core_eval.Evaluation] = {}
        self.tables: dict = {}
        self.net = None  # what predicts the form's row now: forward layers (numpy_net)
        self.pre = None
        self.live = False
        self.model_preprocessor = None  # an opened file's own preprocessing, if it differs
        self.opened_path: str | None = None
        # the figures are computed off the GUI thread, one computation at a time
        self.jobs = LatestJob(pool, "evaluation", self)
        self.jobs.result.connect(self._on_done)
        self.jobs.error.connect(self._on_failed)
        self.jobs.idle.connect(self._on_idle)
        self._pending: dict | None = None
        self._seq = 0
        self._min_seq = 0
        self._last_live = 0.0
        self._stale = False
        self._live_timer = QTimer(self, singleShot=True)
        self._live_timer.timeout.connect(self._kick)
        self._build()
        state.project_changed.connect(self._reset)
        state.data_changed.connect(self._reset)
        state.spec_changed.connect(self._reset)
        state.training_started.connect(self._on_training_started)
        state.training_progress.connect(self._on_progress)
        state.model_changed.connect(self._on_model_changed)
        state.epoch_shown.connect(self._on_epoch_shown)  # issue 19: the timeline scrubber
        state.threshold_changed.connect(self._on_threshold_changed)
        self._reset()

    # ===== layout =================================================================================
    def _build(self) -> None:
        top = QHBoxLayout()
        top.addWidget(QLabel("Split:"))
        self.split = QComboBox()
        self.split.setToolTip("Which rows the confusion matrix, the charts and the table show.")
        self.split.currentIndexChanged.connect(self._show_split)
        self.split.activated.connect(self._on_split_chosen)
        self.chosen_split = "test"  # the user's choice: kept when data without that split comes and goes
        top.addWidget(self.split)
        self.status = QLabel()
        self.status.setWordWrap(True)
        top.addWidget(self.status, 1)
        self.open_btn = QPushButton("Open model…")
        self.open_btn.setToolTip("Open a .keras file exported by nnstudio, to inspect and evaluate it.")
        self.open_btn.clicked.connect(self.open_model_dialog)
        top.addWidget(self.open_btn)
        self.export_btn = QPushButton("Export model…")
        self.export_btn.setToolTip("Save the trained model as .keras, SavedModel, ONNX, LiteRT, weights, "
                                   "history or a Python script.")
        self.export_btn.clicked.connect(self.export_requested)
        top.addWidget(self.export_btn)
        self.report_btn = QPushButton("Report…")
        self.report_btn.setToolTip("Write a one-page HTML report of this run (curves, metrics, importance, "
                                   "baselines) and open it in the browser.")
        self.report_btn.clicked.connect(self.report_requested)
        top.addWidget(self.report_btn)

        self.metrics = MetricsTable()

        # left: confusion matrix + per class, chart
        self.cm_box = ConfusionBox()
        self.chart_box = ChartBox()

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.cm_box)
        left.addWidget(self.chart_box)
        left.setSizes([330, 350])

        # right: predictions table, one-row form
        self.right = QTabWidget()
        self.predictions = PredictionsTab()
        self.predictions.only_wrong.toggled.connect(self._fill_table)
        self.predictions.export_csv_btn.clicked.connect(self.export_predictions_dialog)
        self.predictions.table.doubleClicked.connect(self._row_to_form)
        self.right.addTab(self.predictions, "Predictions")
        self.form = PredictionForm()
        self.form.changed.connect(self.predict_form_row)
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        answer = QWidget()  # the fields scroll; the answer under them stays in view
        al = QVBoxLayout(answer)
        al.setContentsMargins(0, 0, 0, 0)
        al.addWidget(scroll, 1)
        al.addWidget(self.form.result)
        # issue 20: why this row, what if, which columns, which threshold, better than simple?
        self.attribution = AttributionView(self.pool)
        self.attribution.column_clicked.connect(self._inspect_form_row)
        self.attribution.value_edited.connect(self._what_if)
        one = QSplitter(Qt.Orientation.Vertical)
        one.addWidget(answer)
        # why, what if: they scroll in their box rather than squeeze the fields to two rows
        one.addWidget(fitted_scroll(self.attribution))
        one.setSizes([250, 300])  # the fields and the answer: four at 1280 x 720, six at 1320 x 820
        self.right.addTab(one, "Predict one row")
        self.importance = ImportanceView(self.pool)
        self.importance.column_clicked.connect(self._inspect_form_row)
        self.right.addTab(self.importance, "Importance")
        self.threshold_view = ThresholdView()
        self.threshold_view.threshold_chosen.connect(self._on_threshold_chosen)
        self.right.addTab(self.threshold_view, "Threshold")
        self.baselines = BaselinesView(self.pool)
        self.right.addTab(self.baselines, "Baselines")
        self.residuals = ResidualsView()
        self.right.addTab(self.residuals, "Residuals")

        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(self.right)
        body.setSizes([470, 470])

        figures = QWidget()  # the metrics and everything under them; a message until there are any
        fl = QVBoxLayout(figures)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.addWidget(self.metrics)
        fl.addWidget(body, 1)
        self.figures = EmptyState(figures)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.figures, 1)

    # ===== state changes ==========================================================================
    @Slot()
    def _reset(self) -> None:
        self._min_seq = self._seq + 1
        self._pending = None
        self.results, self.tables, self.leading = {}, {}, {}
        self.net = None
        self.live = False
        if self.state.model is None:
            self.model_preprocessor = None
            self.opened_path = None
        data = self.state.try_prepared()
        self.pre = data.preprocessor if data is not None else None
        self._fill_splits(data)
        self._set_tabs()
        self._clear_views()
        self.form.set_columns(self.pre, self._form_defaults(data))
        self._update_status()
        if self.state.model is not None:
            self._on_model_changed()

    def _fill_splits(self, data) -> None:
        keep = self.chosen_split
        self.split.blockSignals(True)
        self.split.clear()
        if data is not None:
            for s in core_eval.SPLITS:
                n = len(getattr(data, f"y_{s}"))
                if n:
                    self.split.addItem(f"{SPLIT_NAMES[s]} ({n:,} rows)", s)
        i = self.split.findData(keep)
        self.split.setCurrentIndex(i if i >= 0 else self.split.count() - 1)
        self.split.blockSignals(False)

    @Slot(int)
    def _on_split_chosen(self, _index: int) -> None:
        self.chosen_split = self.split.currentData() or self.chosen_split

    @staticmethod
    def _form_defaults(data) -> dict:
        if data is None:
            return {}

        # median / most frequent of the training rows, computed once per data (the loading worker
        # computes them for a new file: on a million rows they take a second)
        held = default_held_values(data.preprocessor, data.raw_train)
        names = [c.name for c in data.preprocessor.columns if c.name in held]
        known = data.raw_train[names].notna().any()  # one pass (a wide file: 784 columns)
        return {name: held[name] for name in names if known[name]}

    @Slot()
    def _on_training_started(self) -> None:
        self._reset()
        self.live = True
        self._update_status()

    @Slot(object)
    def _on_progress(self, p) -> None:
        if p.weights is None:
            return
        self._pending = {"weights": p.weights, "epoch": p.epoch, "epochs": p.epochs}
        if not self.isVisible():
            self._stale = True
            return
        wait = max(0.0, LIVE_INTERVAL_S - (time.perf_counter() - self._last_live))
        if not self._live_timer.isActive():
            self._live_timer.start(int(wait * 1000))

    @Slot()
    def _on_model_changed(self) -> None:
        model = self.state.model
        if model is None:
            return
        self.live = False
        self._live_timer.stop()
        self._pending = {"model": model}
        self._min_seq = self._seq + 1
        self._kick()

    # ===== computing (on a worker) ===================================================================
    @Slot()
    def _kick(self) -> None:
        if self.jobs.busy or self._pending is None:
            return
        data = self.state.try_prepared()
        if data is None:
            return
        req, self._pending = self._pending, None
        project = self.state.project
        task, k = data.task, max(data.n_classes, 2)
        specs = project.spec.layers_for(task, k)
        loss = project.settings.loss_for(task)
        thr = project.threshold if task is Task.BINARY else None
        if "model" in req:
            net, reg = req["model"], None
            if self.model_preprocessor is not None:
                data = reencoded(data, self.model_preprocessor)
        else:
            try:
                net = layers_from_weights(specs, req["weights"])
            except NNStudioError:
                return
            reg = core_eval.regularization_from_layers(net, specs)
            self._last_live = time.perf_counter()
        self._seq += 1
        seq = self._seq
        meta = {"seq": seq, "live": "model" not in req, "epoch": req.get("epoch"),
                "epochs": req.get("epochs"), "net": net, "pre": data.preprocessor, "data": data,
                "threshold": thr, "changed": req.get("changed", "model")}
        self.jobs.submit(meta, lambda: compute_figures(net, data, loss, reg, thr))

    @Slot(object, object)
    def _on_done(self, meta: dict, out: dict) -> None:
        if meta["seq"] >= self._min_seq:
            self.results, self.tables, self.leading = out["evals"], out["tables"], out["lead"]
            self.net, self.pre = out["numpy_net"], meta["pre"]
            self._live_meta = meta
            self._show_all()
            self._feed_explain_views(meta)
            self.evaluated.emit()

    @Slot(object, object)
    def _on_failed(self, _meta: dict, err: NNStudioError) -> None:
        text = f"The figures could not be computed: {err.user_text()}"
        self.status.setText(f"<span style='color:#b00'>{html.escape(text)}</span>")
        if not self.results:  # not "Computing the figures…" forever
            self.figures.show_message(text)

    @Slot()
    def _on_idle(self) -> None:
        """The next request: a new model at once; live weights at the live rate, when shown."""
        if self._pending is None:
            return
        if "model" in self._pending:
            self._kick()
        elif self.isVisible() and not self._live_timer.isActive():
            self._live_timer.start(int(LIVE_INTERVAL_S * 1000))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._kick()

    def busy(self) -> bool:
        return self.jobs.busy

    # ===== showing =============================================================================
    def _clear_views(self) -> None:
        self.metrics.clear_results()
        self.cm_box.clear_figures()
        self.chart_box.chart.clear()
        self.predictions.clear_table()
        self.form.show_prediction(None, None)
        self.attribution.clear("")
        self.importance.set_inputs(None, None, None)
        self.baselines.set_inputs(None, None, None)
        self.threshold_view.show_rows(None, None, [], 0.5, "")
        self.residuals.show_evaluation(None, "")
        task = self.pre.task if self.pre is not None else None
        self.cm_box.setVisible(task is not Task.REGRESSION)
        self.chart_box.setVisible(task is not Task.MULTICLASS)
        self.predictions.only_wrong.setEnabled(task is not Task.REGRESSION)
        self.export_btn.setEnabled(self.state.model is not None)

    def _update_status(self) -> None:
        empty = None  # what the figures' place says while there are none
        text = ""
        if self.pre is None:
            empty = "The data cannot be used yet: fix it in the Data tab."
        elif self.results:
            m = getattr(self, "_live_meta", {})
            if m.get("live") and not self.state.training:  # the timeline scrubber's snapshot
                text = (f"<b>Epoch {m.get('epoch')} of {m.get('epochs')}</b> (timeline) — the "
                        f"network as it was then; End returns to the trained model.")
            elif m.get("live"):
                text = f"<b>Live</b>: epoch {m.get('epoch')} of {m.get('epochs')} — the figures follow training."
            elif self.opened_path:
                text = f"Model opened from <b>{Path(self.opened_path).name}</b>."
            else:
                r = self.state.result
                # seed: a Repeat trains N networks and shows one (the last seed's)
                text = (f"Trained model (seed {r.seed}, {epochs_text(r.epochs_run)}, {r.status})."
                        if r else "Trained model.")
        elif self.live or self.state.training:
            empty = "Training… the figures appear after the first epochs (while this tab is shown)."
        elif self.state.model is not None:
            empty = "Computing the figures…"
        else:
            empty = ("There is no trained model to evaluate yet.\n\nTrain the network (Training ▸ "
                     "Train, or Ctrl+T), or open a model exported by nnstudio (Open model…). This "
                     "tab then shows its loss and metrics on each split, the errors it makes, each "
                     "row's prediction and why, which columns it uses, and how it compares with "
                     "simple models.")
        self.status.setText(text)
        if empty is None:
            self.figures.show_content()
        else:
            self.figures.show_message(empty)
        self.export_btn.setEnabled(self.state.model is not None)

    def _show_all(self) -> None:
        self._update_status()
        self._fill_metrics()
        self._show_split()
        self.predict_form_row()

    def _fill_metrics(self) -> None:
        data = self.state.cached_prepared()
        self.metrics.show_results(self.results, self.pre.task, data.y_train if data is not None else None,
                                  self.leading)

    # ===== issue 20: explanations, threshold, baselines ===========================================
    def _set_tabs(self) -> None:
        task = self.pre.task if self.pre is not None else None
        for w, show in ((self.threshold_view, task in (Task.BINARY, Task.MULTICLASS)),
                        (self.residuals, task is Task.REGRESSION)):
            self.right.setTabVisible(self.right.indexOf(w), show)
        self.right.setTabText(self.right.indexOf(self.threshold_view), ThresholdView.title(task))

    def _train_rows(self):
        """The training rows (their typical row is the attributions' baseline)."""
        data = self.state.cached_prepared()
        return data.raw_train if data is not None else None

    def _feed_explain_views(self, meta: dict) -> None:
        """New figures: hand the model to the importance and baselines views (not while live)."""
        if meta.get("live"):
            return
        data = meta["data"]
        thr = meta.get("threshold")
        self.importance.set_inputs(meta["net"], data.preprocessor, data.raw_test, thr)
        self.baselines.set_inputs(meta["net"], data, self.state.project.settings, thr)

    @Slot(float)
    def _on_threshold_chosen(self, t: float) -> None:
        if self.pre is not None and self.pre.task is Task.BINARY:
            self.state.set_threshold(t)

    @Slot()
    def _on_threshold_changed(self) -> None:
        """The project's threshold changed: the figures, the table and the form follow it."""
        model = self.state.model
        if model is None or self.live:
            return
        self._pending = {"model": model, "changed": "threshold"}
        self._min_seq = self._seq + 1
        self._kick()

    def _inspect_form_row(self, column: str) -> None:
        """A column's bar was clicked: the inspector on the form's row, that column's nodes lit."""
        values = self.form.values()
        if self.pre is not None and values:
            self.inspect_requested.emit(values, column)

    @Slot(str, object)
    def _what_if(self, column: str, value) -> None:
        try:
            self.form.set_value(column, value)
        except KeyError:
            pass

    def metric_value(self, split: str, key: str):  # not "metric": QWidget::metric exists (grab() calls it)
        e = self.results.get(split)
        if e is None:
            return None
        return e.loss if key == "loss" else e.metrics.get(key)

    @Slot()
    def _show_split(self, *_):
        split = self.split.currentData()
        e = self.results.get(split)
        if e is None:
            return
        if e.confusion is not None:
            self.cm_box.show_evaluation(e)
        self.chart_box.draw(e, self.pre.target)
        self._fill_table()
        self.threshold_view.show_evaluation(e, self.state.project.threshold, self.results)
        if e.task is Task.REGRESSION:
            self.residuals.show_evaluation(e, self.pre.target)

    @Slot()
    def _fill_table(self, *_):
        split = self.split.currentData()
        table = self.tables.get(split)
        if table is None:
            return
        self.predictions.show_table(table, self.pre)

    def shown_table(self):
        return self.predictions.frame

    # ===== the form =================================================================================
    @Slot()
    def predict_form_row(self):
        thr = self.state.project.threshold if self.pre is not None and self.pre.task is Task.BINARY else None
        r = self.form.show_prediction(self.net, self.pre, thr)
        if r is not None:
            self.attribution.request(self.net, self.pre, self.form.values(), self._train_rows())
        return r

    @Slot(object)
    def _row_to_form(self, index) -> None:
        frame = self.predictions.frame
        if index.isValid() and len(frame):
            self.form.fill(frame.iloc[index.row()].to_dict())
            self.right.setCurrentIndex(1)

    # ===== files ==================================================================================
    @Slot()
    def export_predictions_dialog(self) -> None:
        frame = self.shown_table()
        if frame is None or not len(frame):
            self.message.emit("warning", "There are no predictions to export yet: train the network first.")
            return
        settings = QSettings()
        start = str(settings.value("evaluation/export_dir", "") or "")
        split = self.split.currentData() or "test"
        name = f"{self.state.project.dataset.name}-{split}-predictions.csv".replace("/", "-").replace(" ", "_")
        path, _ = QFileDialog.getSaveFileName(self, "Export predictions",
                                              str(Path(start) / name) if start else name, "CSV (*.csv)")
        if not path:
            return
        try:
            self.export_predictions(path)
        except NNStudioError as e:
            self.message.emit("error", e.user_text())
            return
        settings.setValue("evaluation/export_dir", str(Path(path).parent))
        self.message.emit("info", f"Saved {len(frame):,} rows with their predictions to {path}.")

    def export_predictions(self, path: str) -> None:
        self.predictions.write_csv(path)

    def export_chart_png(self, path: str) -> None:
        self.chart_box.export_png(path)

    @Slot()
    def open_model_dialog(self) -> None:
        start = str(QSettings().value("evaluation/model_dir", "") or "")
        path, _ = QFileDialog.getOpenFileName(self, "Open model", start, "Keras model (*.keras)")
        if path:
            QSettings().setValue("evaluation/model_dir", str(Path(path).parent))
            self.open_model(path)

    def open_model(self, path: str, data_path: str | None = None) -> None:
        """Open a ``.keras`` file (on a worker: loading needs TensorFlow) with the data it was
        trained on; when that data cannot be found, ask where it is."""
        if self.state.training:
            self.message.emit("warning", "Stop training before opening a model.")
            return

        w = Worker(lambda _report: read_model_with_data(path, data_path), name="open-model")
        w.finished.connect(self._on_model_loaded)
        w.failed.connect(self._on_open_failed)
        self._open_path = path
        self.pool.start(w)

    @Slot(object)
    def _on_open_failed(self, err: NNStudioError) -> None:
        self.message.emit("error", err.user_text())

    @Slot(object)
    def _on_model_loaded(self, out: dict) -> None:
        lm, project = out["lm"], out["project"]
        if project is None:
            name = (lm.meta.get("data") or {}).get("name") or "its data"
            path, _ = QFileDialog.getOpenFileName(
                self, f"Where is the data of this model ({name})?", "", FILE_FILTER)
            if not path:
                self.message.emit("warning", f"The model was not opened: it needs the data it was "
                                             f"trained on ({name}) to be evaluated.")
                return
            self.open_model(self._open_path, path)
            return
        if self.state.training:
            self.message.emit("warning", "Stop training before opening a model.")
            return
        self.state.set_project(project)
        self.model_preprocessor = None if out.get("same") else lm.preprocessor
        self.opened_path = lm.path
        result = opened_result(lm)
        self.state.set_result(result)
        self.model_opened.emit(result)
        if not out.get("same"):
            self.message.emit("warning", "This data is not exactly the data the model was trained on: "
                                         "its predictions use the model's own preprocessing.")
        else:
            self.message.emit("info", f"Opened {Path(lm.path).name}: "
                                      + "; ".join(lm.summary_lines()[1:2]))

