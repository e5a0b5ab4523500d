"""Wiring of the timeline, the coach and the health view into the main window (issue 19), the
"Branch from here" dialog and the replay's frames.

The views that follow the scrubber subscribe to ``AppState.epoch_shown`` themselves: each draws the
snapshot in the form it already draws a live run's weights (``EpochShown.as_progress``), and its
final model again when the scrubber goes back to the end.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.timeline.branch import same_optimizer
from nnstudio.ui.common.wheel_guard import guard_wheel
from nnstudio.ui.data.combos import select_value
from nnstudio.ui.experiments.install import restore_run
from nnstudio.ui.timeline.coach_panel import CoachPanel
from nnstudio.ui.timeline.health_view import HealthView
from nnstudio.ui.timeline.replay import export_replay
from nnstudio.ui.timeline.scrubber import EpochShown, Scrubber
from nnstudio.ui.training.controller import RunPlan
from nnstudio.ui.training.panel import optimizer_combo


def install_timeline(window) -> None:
    """The scrubber and the coach under the curves; the Health tab; the views follow the scrubber."""
    curves = window.curves
    split = curves.parentWidget()
    index = split.indexOf(curves)
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    window.scrubber = Scrubber(window.state)
    window.coach = CoachPanel(window.state)
    lay.addWidget(curves, 1)
    lay.addWidget(window.scrubber)
    lay.addWidget(window.coach)
    split.insertWidget(index, box)
    split.setSizes([520, 520])
    window.health = HealthView(window.state)
    window.tabs.addTab(window.health, "Health")
    window.scrubber.branch_requested.connect(lambda shown: branch_dialog(window, shown))
    window.scrubber.export_requested.connect(lambda: export_replay(window))
    window.coach.fix_requested.connect(lambda plan: start_plan(window, plan))
    window.coach.keep_requested.connect(lambda run: restore_run(window, run))
    window.coach.message.connect(window.show_message)
    window.health.record_requested.connect(lambda run: train_again(window, run))


def train_again(window, run) -> bool:
    """``run`` (a Repeat's or a sweep's, kept without a health record) trained again as it was,
    seed and all, with its health record: beside it in the Runs tab; the editor keeps its own."""
    try:
        spec, settings = run.network(), run.train_settings()
    except NNStudioError as e:
        window.show_message("error", e.user_text())
        return False
    return start_plan(window, RunPlan(spec=spec, settings=settings, beside=run.id,
                                      name=f"{run.label()} again (with health)"))


def start_plan(window, plan: RunPlan) -> bool:
    if window.training.busy:
        window.show_message("warning", "Stop training before starting another run.")
        return False
    return window.training.start(plan)


class BranchDialog(QDialog):
    """The settings of a branch from epoch N (the network stays)."""

    def __init__(self, shown: EpochShown, spec, settings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Branch from epoch {shown.epoch}")
        self.spec, self.settings = spec, settings
        form = QFormLayout(self)
        intro = QLabel(f"Continue <b>{shown.run.label()}</b> from epoch {shown.epoch} with its "
                       f"weights and optimizer state. The network stays; a new run appears "
                       f"beside this one in the Runs tab.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 10.0)
        self.lr.setValue(settings.learning_rate)
        self.optimizer = optimizer_combo()  # named as the training settings name them ("Adam")
        select_value(self.optimizer, settings.optimizer)
        self.batch = QSpinBox()
        self.batch.setRange(1, 1_000_000)
        self.batch.setValue(settings.batch_size)
        self.epochs = QSpinBox()
        self.epochs.setRange(shown.epoch + 1, 1_000_000)
        self.epochs.setValue(max(settings.epochs, shown.epoch + 1))
        self.l2 = QDoubleSpinBox()
        self.l2.setDecimals(5)
        self.l2.setRange(0.0, 1.0)
        dense = [la for la in spec.hidden if la.kind == "dense"]
        self.l2.setValue(float(getattr(dense[0], "l2", 0.0) or 0.0) if dense else 0.0)
        form.addRow("Learning rate:", self.lr)
        form.addRow("Optimizer:", self.optimizer)
        form.addRow("Batch size:", self.batch)
        form.addRow("Ends at epoch:", self.epochs)
        form.addRow("L2 of hidden layers:", self.l2)
        self.dropout = None
        if any(la.kind == "dropout" for la in spec.hidden):
            self.dropout = QDoubleSpinBox()
            self.dropout.setRange(0.0, 0.95)
            self.dropout.setSingleStep(0.05)
            self.dropout.setValue(next(la.rate for la in spec.hidden if la.kind == "dropout"))
            form.addRow("Dropout rate:", self.dropout)
        self._l2_shown = self.l2.value()
        self._rate_shown = self.dropout.value() if self.dropout is not None else None
        for w in (self.lr, self.optimizer, self.batch, self.epochs, self.l2, self.dropout):
            if w is not None:
                guard_wheel(w)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Train the branch")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_setup(self):
        """The branch's network and settings. The L2 and dropout fields show the first layer's
        value and set every layer only when changed: layers with rates of their own keep them."""
        spec = self.spec.copy()
        l2_changed = self.l2.value() != self._l2_shown
        rate_changed = self.dropout is not None and self.dropout.value() != self._rate_shown
        for la in spec.hidden:
            if la.kind == "dense" and l2_changed:
                la.l2 = float(self.l2.value())
            if la.kind == "dropout" and rate_changed:
                la.rate = float(self.dropout.value())
        settings = replace(self.settings, learning_rate=float(self.lr.value()),
                           optimizer=self.optimizer.currentData(), batch_size=int(self.batch.value()),
                           epochs=int(self.epochs.value()))
        return spec, settings


def branch_plan(shown: EpochShown, spec, settings) -> RunPlan:
    run = shown.run
    return RunPlan(spec=spec, settings=settings, snapshot=shown.snapshot,
                   same_optimizer=same_optimizer(run.train_settings(), settings), parent=run.id,
                   parent_epoch=shown.epoch, name=f"{run.label()} from epoch {shown.epoch}")


def start_branch(window, shown: EpochShown, spec, settings) -> bool:
    plan = branch_plan(shown, spec, settings)
    window.state.branch_origin = {k: list(v[:shown.epoch]) for k, v in shown.run.history.items()}
    if not start_plan(window, plan):
        window.state.branch_origin = None
        return False
    return True


def branch_dialog(window, shown: EpochShown) -> None:
    run = shown.run
    try:
        spec, settings = run.network(), run.train_settings()
    except Exception as e:  # a damaged record: say so
        window.show_message("error", f"This run cannot be branched: {e}")
        return
    dlg = BranchDialog(shown, spec, settings, window)
    if dlg.exec() == QDialog.DialogCode.Accepted:
        spec, settings = dlg.result_setup()
        start_branch(window, shown, spec, settings)
