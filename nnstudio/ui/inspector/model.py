"""The inspector on the trained network: pick a sample, see every node's numbers, check them with Keras.

The forward values are NumPy's (:mod:`nnstudio.core.forward`) on the model's own arrays; Keras' own
prediction and the gradients for the sample come from TensorFlow on a worker thread and appear
beside them. While training runs, the view follows the live weights (``Progress.weights``), a few
times a second.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.explain import input_units
from nnstudio.core.forward import explain_inputs, layers_from_model, layers_from_weights, trace
from nnstudio.core.gradients import keras_outputs, sample_gradients
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.common.jobs import LatestJob
from nnstudio.ui.common.wheel_guard import guard_wheel
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.evaluation.attribution import AttributionView
from nnstudio.ui.inspector.readout import banner_html, fill_preprocessing_table, interpret, preprocessing_box
from nnstudio.ui.inspector.sample_form import build_sample_form, sample_form_values, set_sample_form_values
from nnstudio.ui.inspector.trace import TraceView
from nnstudio.ui.state import AppState

LIVE_INTERVAL_MS = 200  # follow live weights at most 5 times a second

SOURCES = (("data", "Data table row"), ("test", "Test row"), ("form", "Values typed in a form"))


class ModelInspector(QWidget):
    message = Signal(str, str)
    want_hand_mode = Signal()

    def __init__(self, state: AppState, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.layers = None  # list[ForwardLayer] of the model shown (None: none)
        self.source = None  # "model" | "live"
        self.live_epoch: tuple[int, int] | None = None
        self.trace = None
        self.X = None  # the sample as network inputs (1, n)
        self.sample_key = None
        self._prep_for: tuple | None = None  # (preprocessor, sample key, steps) the table shows
        self.true_value = None
        self.keras_output = None
        self._pending_live = None
        self._stale = False  # a new model arrived while this view was hidden: refresh when shown
        self._form_widgets: dict[str, QWidget] = {}
        self._form_stale = True  # the data changed since the form's fields were made
        self._filling = FillGuard()
        self._problems: list[str] = []

        self.job = LatestJob(pool, "inspector-keras", self)
        self.job.result.connect(self._on_job_result)
        self.job.error.connect(self._on_job_error)
        self.live_timer = QTimer(self)
        self.live_timer.setSingleShot(True)
        self.live_timer.setInterval(LIVE_INTERVAL_MS)
        self.live_timer.timeout.connect(self._apply_live)

        # ----- empty page: before training
        self.empty_text = QLabel()
        self.empty_text.setWordWrap(True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hand_btn = QPushButton("Try hand-set weights (no training needed)")
        self.hand_btn.clicked.connect(self.want_hand_mode)
        empty = QWidget()
        el = QVBoxLayout(empty)
        el.addStretch(1)
        el.addWidget(self.empty_text)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.hand_btn)
        row.addStretch(1)
        el.addLayout(row)
        el.addStretch(2)

        # ----- main page
        self.source_box = QComboBox()
        for key, label in SOURCES:
            self.source_box.addItem(label, key)
        self.source_box.setToolTip("Which sample to send through the network.")
        self.index = QSpinBox()
        self.index.setMinimum(1)
        self.index.setToolTip("Row number (1 = the first row).")
        self.of_label = QLabel()
        self.prev_btn = QPushButton("◀")
        self.next_btn = QPushButton("▶")
        for b, tip in ((self.prev_btn, "Previous row"), (self.next_btn, "Next row")):
            b.setFixedWidth(32)
            b.setToolTip(tip)
        self.prev_btn.clicked.connect(lambda: self.index.stepBy(-1))
        self.next_btn.clicked.connect(lambda: self.index.stepBy(1))
        self.target_label = QLabel("Target for gradients:")
        self.target_class = QComboBox()
        self.target_class.setToolTip("The answer the loss compares the output with, for dLoss/dw.")
        self.target_value = QDoubleSpinBox()
        self.target_value.setRange(-1e12, 1e12)
        self.target_value.setDecimals(4)
        self.target_value.setToolTip(self.target_class.toolTip())
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Sample:"))
        bar.addWidget(self.source_box)
        bar.addWidget(self.prev_btn)
        bar.addWidget(self.index)
        bar.addWidget(self.next_btn)
        bar.addWidget(self.of_label)
        bar.addStretch(1)
        bar.addWidget(self.target_label)
        bar.addWidget(self.target_class)
        bar.addWidget(self.target_value)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setStyleSheet("QLabel { background: #f4f8f4; border: 1px solid #cfe3cf; "
                                  "border-radius: 4px; padding: 6px; }")

        self.form_box = QGroupBox("Values in original units")
        self.form = QFormLayout(self.form_box)
        prep_box, self.prep, self.prep_how = preprocessing_box()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.form_box)
        ll.addWidget(prep_box, 1)
        # issue 20: why this prediction, per original column; a bar lights the column's input nodes

        self.why = AttributionView(pool, with_ice=False,
                                   other_rows="pick another sample or type other values")
        self.why.column_clicked.connect(self.highlight_column)
        why_box = QGroupBox("Why this prediction (per column)")
        QVBoxLayout(why_box).addWidget(self.why)
        ll.addWidget(why_box, 1)

        self.trace_view = TraceView()
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.trace_view)
        # the preprocessing table gets a share of a wider window too (its columns were cut)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        split.setSizes([270, 870])
        main = QWidget()
        ml = QVBoxLayout(main)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addLayout(bar)
        ml.addWidget(self.banner)
        ml.addWidget(split, 1)

        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(main)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)

        self.source_box.currentIndexChanged.connect(self._on_source_changed)
        self.index.valueChanged.connect(self._on_sample_changed)
        self.target_class.currentIndexChanged.connect(self._on_target_changed)
        self.target_value.valueChanged.connect(self._on_target_changed)
        state.project_changed.connect(self._on_data_changed)
        state.data_changed.connect(self._on_data_changed)
        state.prepared_ready.connect(self._on_data_changed)
        state.spec_changed.connect(self._on_model_changed)
        state.model_changed.connect(self._on_model_changed)
        state.training_started.connect(self._on_training_started)
        state.training_progress.connect(self._on_progress)
        state.tf_ready.connect(self._start_job)
        state.epoch_shown.connect(self._on_epoch_shown)  # issue 19: the timeline scrubber
        self._on_data_changed()

    # ----- project and model ---------------------------------------------------------------------------
    @property
    def data(self):
        return self.state.try_prepared()

    @Slot()
    def _on_data_changed(self) -> None:
        self._build_form()
        self._set_index_range()
        self._setup_target()
        self._on_model_changed()

    @Slot()
    def _on_model_changed(self) -> None:
        self.live_timer.stop()
        self._pending_live = None
        model = self.state.model
        self.keras_output = None
        if model is not None:
            try:
                self.layers = layers_from_model(model)
            except NNStudioError as e:
                self.layers = None
                self._show_empty(f"This model cannot be inspected: {e.user_text()}")
                return
            self.source = "model"
            self.live_epoch = None
            self.stack.setCurrentIndex(1)
            if self.isVisible():
                self.refresh()
            else:  # traced when first looked at (_catch_up)
                self._stale = True
        elif self.state.training and self.source == "live" and self.layers is not None:
            self.refresh()
        else:
            self.layers = None
            self.source = None
            if self.state.training:
                self._show_empty("Training has started: the inspector follows the live weights as "
                                 "soon as the first epochs report.")
            else:
                self._show_empty("There is no trained model yet.\n\nTrain the network (Training ▸ "
                                 "Train, or Ctrl+T) and this tab shows, for any sample, every node's "
                                 "inputs, weights, weighted sum and activation — and checks them "
                                 "against Keras.\n\nOr set weights by hand and watch forward "
                                 "propagation without any training:")

    def _show_empty(self, text: str) -> None:
        self.empty_text.setText(text)
        self.stack.setCurrentIndex(0)
        self.trace_view.clear(text.split("\n")[0])

    @Slot()
    def _on_training_started(self) -> None:
        self.source = "live"
        self.layers = None
        self._show_empty("Training has started: the inspector follows the live weights as soon "
                         "as the first epochs report.")

    @Slot(object)
    def _on_progress(self, p) -> None:
        if p.weights is None:
            return
        self._pending_live = (p.epoch, p.epochs, p.weights)
        if not self.live_timer.isActive():
            self.live_timer.start()

    @Slot()
    def _apply_live(self) -> None:
        if self._pending_live is None or self.state.model is not None or not self.state.training:
            return
        epoch, epochs, weights = self._pending_live
        self._pending_live = None
        data = self.data
        if data is None:
            return
        specs = self.state.project.spec.layers_for(data.task, data.n_classes)
        try:
            self.layers = layers_from_weights(specs, weights)
        except NNStudioError:
            return  # the architecture changed under a stale report: the next one will fit
        self.source = "live"
        self.live_epoch = (epoch, epochs)
        self.stack.setCurrentIndex(1)
        if self.isVisible():
            self.refresh()

    @Slot(object)
    def _on_epoch_shown(self, shown) -> None:
        """The timeline scrubber (issue 19): every node of the snapshot's weights, or the final model
        again (None)."""
        if shown is None:
            if self.source == "snapshot":
                self._on_model_changed()
            return
        data = self.data
        if data is None or self.state.training:
            return
        specs = self.state.project.spec.layers_for(data.task, data.n_classes)
        try:
            self.layers = layers_from_weights(specs, shown.weights)
        except NNStudioError:
            return  # the network was edited since that run: its snapshots no longer fit
        self.source = "snapshot"
        self.live_epoch = (shown.epoch, shown.epochs)
        self.stack.setCurrentIndex(1)
        if self.isVisible():
            self.refresh()

    def showEvent(self, event):
        super().showEvent(event)
        if self._stale or self.source in ("live", "snapshot") and self.layers is not None:
            self.refresh()

    def _catch_up(self) -> None:
        """The trace of a model that arrived while this view was hidden, made now.

        A new model (a run's end, a workbook opened) is traced when the view is first shown, not
        while hidden: drawing the diagram and the node table is ~30 ms on a quiet machine but took
        0.3-1.5 s while a worker thread ran Python (every Qt call there waits for the interpreter
        lock; monkey seed 147 saw the window frozen 1.5 s after Stop and Open workbook)."""
        if self._stale:
            self.refresh()

    # ----- sample selection -------------------------------------------------------------------------
    def _source_key(self) -> str:
        return self.source_box.currentData()

    def _set_index_range(self) -> None:
        key = self._source_key()
        data = self.data
        n = 0
        if key == "data":
            n = len(self.state.project.dataset.frame)
        elif key == "test" and data is not None:
            n = len(data.raw_test)
        with self._filling:
            self.index.setMaximum(max(1, n))
        form = key == "form"
        if form:
            self._ensure_form()
        for w in (self.index, self.prev_btn, self.next_btn, self.of_label):
            w.setVisible(not form)
        self.form_box.setVisible(form)
        self.of_label.setText(f"of {n:,}" + (" (the whole table)" if key == "data" else " (test split)"))

    @Slot()
    def _on_source_changed(self) -> None:
        self._set_index_range()
        if not self._filling:
            self.refresh()

    @Slot()
    def _on_sample_changed(self) -> None:
        if not self._filling:
            self.refresh()

    def show_data_row(self, index: int) -> None:
        """Inspect row ``index`` (0-based position) of the data table."""
        self._show_row(0, index)

    def show_test_row(self, index: int) -> None:
        """Inspect row ``index`` (0-based) of the test split."""
        self._show_row(1, index)

    def _show_row(self, source: int, index: int) -> None:
        with self._filling:
            self.source_box.setCurrentIndex(source)
            self.index.setValue(int(index) + 1)
        self.refresh()

    def set_form_values(self, values: dict) -> None:
        """Type values (original units) into the form and inspect them."""
        self.source_box.setCurrentIndex(2)
        self._ensure_form()
        with self._filling:
            set_sample_form_values(self._form_widgets, values)
        self.refresh()

    def _build_form(self) -> None:
        """New data: the form's fields are made when the form is first shown (a pixel file's 686
        fields took 0.36 s of the window's time on every file opened)."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self._form_widgets.clear()
        self._form_stale = True
        if self._source_key() == "form":
            self._ensure_form()

    def _ensure_form(self) -> None:
        data = self.data
        if not self._form_stale or data is None:
            return
        self._form_stale = False
        self._form_widgets.update(build_sample_form(self.form, data, self._on_form_changed))
        guard_wheel(self.form_box)  # made after the window guarded its fields

    @Slot()
    def _on_form_changed(self) -> None:
        if not self._filling and self._source_key() == "form":
            self.refresh()

    def _form_row(self) -> dict:
        self._ensure_form()
        return sample_form_values(self._form_widgets)

    def _sample(self):
        """(raw row as a dict, the true target value or None, a key naming the sample)."""
        data = self.data
        key = self._source_key()
        target = self.state.project.roles.target
        if key == "form":
            row = self._form_row()
            return row, None, ("form", tuple(sorted((k, str(v)) for k, v in row.items())))
        i = self.index.value() - 1
        frame = self.state.project.dataset.frame if key == "data" else data.raw_test
        if not 0 <= i < len(frame):
            return None, None, None
        row = {c: frame[c].iloc[i] for c in frame.columns}  # per-column dtypes kept
        true = row.get(target)
        return row, true, (key, i)

    # ----- target for gradients -----------------------------------------------------------------------
    def _setup_target(self) -> None:
        data = self.data
        with self._filling:
            self.target_class.clear()
            regression = data is not None and data.task is Task.REGRESSION
            if data is not None and not regression:
                for i, c in enumerate(data.preprocessor.classes):
                    self.target_class.addItem(f"{c}", i)
            self.target_class.setVisible(not regression)
            self.target_value.setVisible(regression)

    def _set_target_from(self, true_value, predicted_index: int | None, predicted_value=None) -> None:
        data = self.data
        with self._filling:
            if data is not None and data.task is Task.REGRESSION:
                v = true_value if true_value is not None and not pd.isna(true_value) else predicted_value
                if v is not None:
                    self.target_value.setValue(float(v))
            else:
                code = self._true_code()
                i = code if code is not None else -1
                if i < 0 and predicted_index is not None:
                    i = predicted_index
                if i >= 0:
                    self.target_class.setCurrentIndex(i)

    @Slot()
    def _on_target_changed(self) -> None:
        if not self._filling:
            self._start_job()

    def _target(self):
        data = self.data
        if data is None:
            return None
        if data.task is Task.REGRESSION:
            return self.target_value.value()
        i = self.target_class.currentData()
        return None if i is None else int(i)

    # ----- computing and showing ------------------------------------------------------------------------
    def refresh(self) -> None:
        self._stale = False
        data = self.data
        if self.layers is None:
            return
        if data is None:
            self.trace_view.clear("The data cannot be prepared: fix it in the data tab.")
            self.banner.setText("The data cannot be prepared, so there is no sample to inspect.")
            return
        row, true, key = self._sample()
        if row is None:
            self.trace_view.clear("No such row.")
            self.banner.setText("No such row.")
            return
        pre = data.preprocessor
        done = self._prep_for
        if done is not None and done[0] is pre and done[1] == key:
            steps = done[2]  # the same row through the same preprocessing: live weights changed
        else:
            steps = explain_inputs(pre, row)
            self._fill_prep(steps)
            self._prep_for = (pre, key, steps)
        X = np.array([[v for s in steps for _, v in s.scaled]], dtype=np.float32)
        problems = [f"<b>{s.column}</b>: {s.problem}" for s in steps if s.problem]
        if not np.all(np.isfinite(X)):
            self.trace_view.clear("This sample cannot be computed.")
            self.banner.setText("This sample cannot go through the network: " + "; ".join(problems))
            self.X = None
            return
        self.X, self.true_value = X, true
        new_sample = key != self.sample_key
        self.sample_key = key
        try:
            self.trace = trace(self.layers, X)
        except NNStudioError as e:
            self.trace_view.clear(e.user_text())
            self.banner.setText(e.user_text())
            return
        out = self.trace.output[0]
        predicted, labels, pred_index, pred_value = interpret(out, data)
        titles = self._layer_titles(data)
        live = self.source in ("live", "snapshot")
        self.trace_view.set_trace(self.trace, 0, pre.output_names, titles, predicted, labels,
                                  keep_gradients=live)
        if new_sample or self.source == "model":
            self._set_target_from(true, pred_index, pred_value)
        self.keras_output = None
        self._update_banner(problems)
        self.why.request(self.layers, pre, row, data.raw_train)
        if self.source == "model":
            self._start_job()
        elif self.source == "snapshot":
            self.trace_view.set_gradients(None, "Gradients and Keras' own check are for the final model: "
                                                "press End under the curves.")
        elif live:
            self.trace_view.set_gradients(None, "Gradients and Keras' own check appear when training ends.")

    def _layer_titles(self, data) -> list[str]:
        specs = self.state.project.spec.layers_for(data.task, data.n_classes)
        if len(specs) != len(self.layers):
            specs = None
        titles = []
        for i, layer in enumerate(self.layers):
            t = specs[i].describe() if specs else (layer.name or f"Layer {i + 1}")
            titles.append(f"{t} (output)" if i == len(self.layers) - 1 else f"{i + 1}. {t}")
        return titles

    def _update_banner(self, problems: list[str] | None = None) -> None:
        if problems is None:
            problems = self._problems
        self._problems = problems
        self.banner.setText(banner_html(self.trace.output[0], self.data, self.true_value, self._true_code,
                                        self.source, self.live_epoch, self.keras_output,
                                        self.state.tf_loaded, problems))

    def _true_code(self) -> int | None:
        """The class index of the sample's true target (None: unknown, missing or not a class)."""
        v = self.true_value
        if v is None or (not isinstance(v, str) and pd.isna(v)) or self.data is None:
            return None
        try:
            code = int(self.data.preprocessor.encode_target(pd.Series([v]))[0])
        except (ValueError, TypeError, IndexError):
            return None
        return code if code >= 0 else None

    def _fill_prep(self, steps) -> None:
        fill_preprocessing_table(self.prep, self.prep_how, steps)

    # ----- TensorFlow: Keras' prediction and the gradients, off the GUI thread ---------------------------
    @Slot()
    def _start_job(self) -> None:
        model = self.state.model
        if self._stale:
            return  # started by the refresh that the view's showing makes
        if self.source != "model" or model is None or self.X is None or not self.state.tf_loaded:
            if self.source == "model" and not self.state.tf_loaded:
                self.trace_view.set_gradients(None, "Gradients appear once TensorFlow has loaded.")
            return
        data = self.data
        layers, X, y = self.layers, self.X.copy(), self._target()
        loss = self.state.project.settings.loss_for(data.task)
        tag = (self.sample_key, y, id(model))

        def work():
            out = keras_outputs(model, X)
            grads = sample_gradients(layers, X[0], y, loss) if y is not None else None
            return out, grads

        self.job.submit(tag, work)

    @Slot(object, object)
    def _on_job_result(self, tag, value) -> None:
        if self.state.model is None or tag != (self.sample_key, self._target(), id(self.state.model)):
            return  # an answer for a sample or model no longer shown
        out, grads = value
        self.keras_output = np.asarray(out)
        self._update_banner()
        self.trace_view.set_gradients(grads, "" if grads is not None else "Choose a target for gradients.")

    @Slot(object, object)
    def _on_job_error(self, tag, err) -> None:
        self.trace_view.set_gradients(None, f"Gradients could not be computed: {err.user_text()}")

    # ----- nodes --------------------------------------------------------------------------------------
    def select_node(self, layer_index: int, unit_index: int) -> bool:
        self._catch_up()
        return self.trace_view.select_node(layer_index, unit_index)

    @Slot(str)
    def highlight_column(self, column: str) -> bool:
        """Select the input node that carries ``column`` for the sample shown (issue 20)."""
        data = self.data
        if data is None:
            return False
        row = self._sample()[0] or {}
        units = input_units(data.preprocessor, column, row.get(column))
        return bool(units) and self.select_node(-1, units[0])
