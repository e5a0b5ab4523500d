"""Training settings form, the Train / Pause / Step / Stop controls, progress and the result."""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.core.registry import OPTIMIZERS as REGISTRY_OPTIMIZERS
from nnstudio.core.training.engine import Progress, TrainResult
from nnstudio.core.training.settings import EARLY_MONITORS, LOSSES, OPTIMIZERS, loss_fits
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.data.combos import value_combo
from nnstudio.ui.state import AppState
from nnstudio.ui.training.class_weights import TIP as CLASS_WEIGHTS_TIP
from nnstudio.ui.training.class_weights import ClassWeightEditor
from nnstudio.ui.training.controller import TrainingController

#: A setting the target cannot take (its tooltip says why and what to do).
MARKED = "QComboBox { background: #fde2e2; }"
LOSS_TIP = ("What training minimizes. 'From the task' picks binary or sparse categorical "
            "cross-entropy, or mean squared error.")
BATCH_MODE_LABELS = {"mini-batch": "Mini-batch", "full-batch": "Full batch (gradient descent)",
                     "stochastic": "Stochastic (batch of 1)"}


def format_seconds(s: float) -> str:
    if not math.isfinite(s):
        return "…"
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{s} s"


def optimizer_combo() -> QComboBox:
    """The optimizers by their names ("Adam", "SGD"), each item carrying its key ("adam")."""
    return value_combo([(key, REGISTRY_OPTIMIZERS[key].label) for key in OPTIMIZERS])


class TrainingPanel(QWidget):
    def __init__(self, state: AppState, controller: TrainingController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.controller = controller
        self._filling = FillGuard()

        box = QGroupBox("Training settings")
        self.settings_box = box  # a challenge may lock it (issue 21)
        form = QFormLayout(box)
        self.optimizer = optimizer_combo()
        self.optimizer.setToolTip("The rule that turns gradients into weight updates.")
        form.addRow("Optimizer", self.optimizer)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 100.0)
        self.lr.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.lr.setToolTip("Step size of each weight update. Can be changed while training runs.")
        form.addRow("Learning rate", self.lr)
        self.momentum = QDoubleSpinBox()
        self.momentum.setDecimals(3)  # with the default 2, the top, 0.999, became 1.0: refused
        self.momentum.setRange(0.0, 0.999)
        self.momentum.setSingleStep(0.05)
        self.momentum.setToolTip("SGD only: fraction of the previous update added to the next one.")
        self.nesterov = QCheckBox("Nesterov")
        self.nesterov.setToolTip("SGD only: look-ahead momentum.")
        mrow = QHBoxLayout()
        mrow.addWidget(self.momentum)
        mrow.addWidget(self.nesterov)
        form.addRow("Momentum", mrow)
        self.batch_mode = QComboBox()
        for key, label in BATCH_MODE_LABELS.items():
            self.batch_mode.addItem(label, key)
        self.batch_mode.setToolTip("Full batch: one update per epoch over all rows (gradient descent). "
                                   "Stochastic: one update per row. Mini-batch: one update per N rows.")
        form.addRow("Batches", self.batch_mode)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 1_000_000)
        self.batch_size.setToolTip("Rows per mini-batch.")
        form.addRow("Batch size", self.batch_size)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1_000_000)
        self.epochs.setToolTip("Passes over the training data.")
        form.addRow("Epochs", self.epochs)
        self.loss = QComboBox()
        for key in LOSSES:
            self.loss.addItem("from the task" if key == "auto" else key, key)
        self.loss.setToolTip(LOSS_TIP)
        form.addRow("Loss", self.loss)

        self.class_weights = ClassWeightEditor()
        form.addRow("Class weights", self.class_weights)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Same seed, same initial weights and shuffles: the same curve.")
        form.addRow("Seed", self.seed)
        self.early = QCheckBox("Early stopping")
        self.early.setToolTip("Stop when the monitored value has not improved for 'patience' epochs.")
        self.monitor = QComboBox()
        self.monitor.addItems(list(EARLY_MONITORS))
        self.patience = QSpinBox()
        self.patience.setRange(1, 100_000)
        self.patience.setPrefix("patience ")
        erow = QHBoxLayout()
        erow.addWidget(self.early)
        erow.addWidget(self.monitor)
        erow.addWidget(self.patience)
        form.addRow(erow)

        self.train_btn = QPushButton("Train")
        self.train_btn.setToolTip("Train the network from fresh weights (Ctrl+T).")
        self.pause_btn = QPushButton("Pause")
        self.step_btn = QPushButton("Step")
        self.step_btn.setToolTip("Run exactly one epoch, then pause.")
        self.stop_btn = QPushButton("Stop")
        # the buttons live in the window's training toolbar (ui.training.toolbar), always in view
        self.repeat_n = QSpinBox()
        self.repeat_n.setRange(2, 100)
        self.repeat_n.setValue(5)
        self.repeat_n.setSuffix(" seeds")
        self.repeat_btn = QPushButton("Repeat")
        self.repeat_btn.setToolTip("Train from scratch with seeds 0..N-1 and report each run's test "
                                   "figure and their mean ± sd (the XOR tutorial averages 5 runs).")
        self.progress = QProgressBar()
        self.progress.setFormat("Not trained yet")
        self.progress.setValue(0)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(box)
        lay.addWidget(self.progress)
        lay.addWidget(self.result)
        lay.addStretch(1)

        self._editors = [self.optimizer, self.momentum, self.nesterov, self.batch_mode, self.batch_size,
                         self.epochs, self.loss, self.seed, self.early, self.monitor, self.patience,
                         self.class_weights]
        for w in (self.optimizer, self.batch_mode, self.loss, self.monitor):
            w.currentIndexChanged.connect(self._store)
        for w in (self.momentum, self.batch_size, self.epochs, self.seed, self.patience):
            w.valueChanged.connect(self._store)
        for w in (self.nesterov, self.early):
            w.toggled.connect(self._store)
        self.class_weights.changed.connect(self._store)
        self.lr.valueChanged.connect(self._lr_changed)

        self.train_btn.clicked.connect(controller.start)
        self.stop_btn.clicked.connect(controller.stop)
        self.pause_btn.clicked.connect(self._pause_clicked)
        self.step_btn.clicked.connect(controller.step)
        self.repeat_btn.clicked.connect(lambda: controller.start_repeat(self.repeat_n.value()))
        controller.repeat_run.connect(self._on_repeat_run)
        controller.repeat_finished.connect(self._on_repeat_finished)
        controller.state_changed.connect(self._on_run_state)
        state.project_changed.connect(self.load)
        state.training_started.connect(self._on_started)
        state.training_progress.connect(self._on_progress)
        state.training_finished.connect(self._on_finished)
        state.tf_ready.connect(self._update_enabled)
        # figures of a run on another network or other data are not left beside the new one
        state.spec_changed.connect(lambda: self._invalidated("the network changed"))
        state.data_changed.connect(lambda: self._invalidated("the data changed"))
        state.data_changed.connect(self._mark_for_task)  # a new target may take other settings
        state.model_changed.connect(self._on_model_changed)
        self.load()

    # ----- settings <-> widgets ------------------------------------------------------------------
    @Slot()
    def load(self) -> None:
        s = self.state.project.settings
        with self._filling:
            self.optimizer.setCurrentIndex(self.optimizer.findData(s.optimizer))
            self.lr.setValue(s.learning_rate)
            self.momentum.setValue(s.momentum)
            self.nesterov.setChecked(s.nesterov)
            self.batch_mode.setCurrentIndex(self.batch_mode.findData(s.batch_mode))
            self.batch_size.setValue(s.batch_size)
            self.epochs.setValue(s.epochs)
            self.loss.setCurrentIndex(self.loss.findData(s.loss))
            self.seed.setValue(s.seed)
            self.early.setChecked(s.early_stopping)
            self.monitor.setCurrentText(s.monitor)
            self.patience.setValue(s.patience)
            self.class_weights.set_value(s.class_weight)
        self.result.setText("")
        self.progress.setValue(0)
        self.progress.setFormat("Not trained yet")
        self._update_enabled()
        self._mark_for_task()

    def _task(self) -> Task | None:
        try:
            return self.state.project.task
        except (NNStudioError, KeyError, ValueError):  # no usable target (the Data tab says why)
            return None

    @Slot()
    def _mark_for_task(self) -> None:
        self._mark_losses()
        self._mark_class_weights()

    def _mark_class_weights(self) -> None:
        """Class weights are for classification: on a regression target the box is greyed out,
        saying so, unless weights are set (from a classification target before), which Train
        refuses: then it stays usable, red, saying to set them to none."""
        box = self.class_weights.mode
        if self.controller.run_state != "idle":
            return  # every editor is disabled while a network trains
        regression = self._task() is Task.REGRESSION
        weighted = self.state.project.settings.class_weight != "none"
        self.class_weights.setEnabled(not regression or weighted)
        box.setStyleSheet(MARKED if regression and weighted else "")
        box.setToolTip(
            "Class weights only apply to classification: set them to none for this regression "
            "target (Train refuses them)." if regression and weighted else
            "Class weights only apply to classification: this target is a number." if regression
            else CLASS_WEIGHTS_TIP)

    def _mark_losses(self) -> None:
        """Losses that cannot train the target's task are greyed out in the list, each saying
        why; a chosen one that no longer fits (the target changed) stays chosen, marked, with what
        to do: nothing the user set changes by itself, and Train would refuse it with the same words."""
        task = self._task()
        model = self.loss.model()
        for i in range(self.loss.count()):
            key = self.loss.itemData(i)
            fits = task is None or loss_fits(key, task)
            item = model.item(i)
            item.setEnabled(fits)
            item.setToolTip("" if fits else f"Cannot train this target: it is {task.label}.")
        problem = None
        if task is not None:
            try:
                self.state.project.settings.check_loss_fits(task)
            except NNStudioError as e:
                problem = e.user_text()
        self.loss.setStyleSheet(MARKED if problem else "")
        self.loss.setToolTip(problem or LOSS_TIP)

    @Slot()
    def _store(self) -> None:
        if self._filling:
            return
        s = self.state.project.settings
        s.optimizer = self.optimizer.currentData()
        s.momentum = self.momentum.value()
        s.nesterov = self.nesterov.isChecked()
        s.batch_mode = self.batch_mode.currentData()
        s.batch_size = self.batch_size.value()
        s.epochs = self.epochs.value()
        if s.loss != self.loss.currentData():
            s.loss = self.loss.currentData()
            self._mark_losses()
        s.seed = self.seed.value()
        s.early_stopping = self.early.isChecked()
        s.monitor = self.monitor.currentText()
        s.patience = self.patience.value()
        try:
            s.class_weight = self.class_weights.value()
            self.class_weights.custom.setStyleSheet("")
            self.class_weights.custom.setToolTip("A weight per class label; classes not named weigh 1.")
        except NNStudioError as e:  # keep the last valid weights; say what is wrong
            self.class_weights.custom.setStyleSheet("QLineEdit { background: #fde2e2; }")
            self.class_weights.custom.setToolTip(e.user_text())
        self._update_enabled()
        self.state.notify_settings_changed()

    @Slot(float)
    def _lr_changed(self, value: float) -> None:
        if self._filling:
            return
        self.state.project.settings.learning_rate = value
        self.state.notify_settings_changed()
        self.controller.set_learning_rate(value)  # takes effect at once if a run is going

    # ----- run state -----------------------------------------------------------------------------
    @Slot()
    def _pause_clicked(self) -> None:
        if self.controller.run_state == "paused":
            self.controller.resume()
        else:
            self.controller.pause()

    @Slot(str)
    def _on_run_state(self, _s: str) -> None:
        self._update_enabled()

    @Slot()
    def _update_enabled(self) -> None:
        run = self.controller.run_state
        idle = run == "idle"
        ready = self.state.tf_loaded
        # pressed while TensorFlow loads, Train, Repeat and Step start once it is ready
        self.train_btn.setEnabled(idle)
        self.train_btn.setToolTip("Train the network from fresh weights (Ctrl+T)." if ready else
                                  "Train the network from fresh weights (Ctrl+T). TensorFlow is "
                                  "still loading: the run starts as soon as it is ready.")
        self.stop_btn.setEnabled(not idle)
        self.pause_btn.setEnabled(run in ("running", "paused"))
        self.repeat_btn.setEnabled(idle)
        self.repeat_n.setEnabled(idle)
        self.pause_btn.setText("Resume" if run == "paused" else "Pause")
        self.step_btn.setEnabled(run in ("idle", "running", "paused"))
        if not idle:
            # a field that is about to be disabled gives the focus up first: Qt would hand it to
            # the next enabled field, the learning rate (where a wheel turn would then change it)
            fw = QApplication.focusWidget()
            if fw is not None and any(fw is w or w.isAncestorOf(fw) for w in self._editors):
                fw.clearFocus()
        for w in self._editors:
            w.setEnabled(idle)
        s = self.state.project.settings
        if idle:
            sgd = s.optimizer == "sgd"
            self.momentum.setEnabled(sgd)
            self.nesterov.setEnabled(sgd)
            self.batch_size.setEnabled(s.batch_mode == "mini-batch")
            self.monitor.setEnabled(s.early_stopping)
            self.patience.setEnabled(s.early_stopping)
            self._mark_class_weights()

    @Slot()
    def _on_started(self) -> None:
        epochs = self.state.project.settings.epochs
        self.progress.setRange(0, epochs)
        self.progress.setValue(0)
        self.progress.setFormat(f"Epoch 0 of {epochs} — starting…")
        self.result.setText(self._rows_html())

    def _rows_html(self) -> str:
        """The rows the run learns from, and those left out with the reason (amber when many)."""
        data = self.controller.last_data
        if data is None:
            return ""
        r = data.rows()
        text = (f"Rows: {r['train']:,} training, {r['validation']:,} validation, {r['test']:,} test")
        if r["dropped"]:
            color = "#8a5300" if data.warnings() else "#555"
            text += (f"; <span style='color:{color}'>{r['dropped']:,} of {data.n_total:,} left out: "
                     f"{' '.join(data.dropped_text())}</span>")
        return text

    def _verdict_html(self) -> str:
        b = self.controller.last_baseline
        if not b or not b.get("verdict"):
            return ""
        color = ("#2e7d32" if b.get("better_than_guessing") else
                 "#8a5300" if b.get("too_few_rows") or b.get("imbalanced") else "#b3261e")
        return f"<br><span style='color:{color}'><b>{b['verdict']}</b></span>"

    @Slot(object)
    def _on_progress(self, p: Progress) -> None:
        self.progress.setRange(0, p.epochs)
        self.progress.setValue(p.epoch)
        tail = "paused" if p.state == "paused" else f"{format_seconds(p.eta)} left"
        self.progress.setFormat(f"Epoch {p.epoch} of {p.epochs} — {tail}")

    @Slot(object)
    def _on_repeat_run(self, run) -> None:
        self.progress.setRange(0, run.of)
        self.progress.setValue(run.seed + 1)
        fig = run.result.test.get("accuracy", run.result.test.get("mae", float("nan")))
        self.progress.setFormat(f"Run {run.seed + 1} of {run.of} — test {fig:.3f}")

    @Slot(object)
    def _on_repeat_finished(self, summary) -> None:
        self.result.setText(f"<b>{summary.text()}</b>{self._verdict_html()}<br>{self._rows_html()}")

    def _invalidated(self, why: str) -> None:
        if self.state.training or self.state.result is not None:
            return
        self.result.setText("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(f"Not trained yet — {why}")

    @Slot()
    def _on_model_changed(self) -> None:
        r = self.state.result
        if r is not None and self.state.restored and not self.state.training:  # Undo brought it back
            self.progress.setRange(0, max(1, r.epochs_run))
            self.progress.setValue(r.epochs_run)
            self.progress.setFormat(f"Epoch {r.epochs_run} — the model of this network (restored)")
            self.result.setText(self._figures(r))

    @Slot(object)
    def _on_finished(self, r: TrainResult) -> None:
        self.progress.setValue(r.epochs_run)
        self.progress.setFormat(f"Epoch {r.epochs_run} of {self.progress.maximum()} — "
                                f"{r.status.replace('_', ' ')} in {r.seconds:.1f} s")
        self.result.setText(self._figures(r))

    def _figures(self, r: TrainResult) -> str:
        parts = []
        if "accuracy" in r.test:
            parts.append(f"<b>Test accuracy: {r.test['accuracy']:.3f}</b>")
        if "mae" in r.test:
            parts.append(f"<b>Test MAE: {r.test['mae']:.4g}</b>")
        if "loss" in r.test:
            parts.append(f"test loss {r.test['loss']:.4f}")
        return (" · ".join(parts) + self._verdict_html()
                + (f"<br>{r.message}" if r.message else "") + f"<br>{self._rows_html()}")
