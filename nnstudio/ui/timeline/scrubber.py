"""The timeline scrubber under the curves (issue 19): go back to any snapshot of the last run.

A slider over the run's snapshots, Play / Pause at a chosen speed (snapshots a second), the memory
the snapshots take (of their cap), and **Branch from here…**. Moving it calls
``AppState.show_epoch(EpochShown)``; the curves (a marker), the surface, the neuron maps, the
network view, the evaluation (confusion matrix) and the Health tab follow the state
(``epoch_shown``). **End** (or a new run) goes back to the run's end.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider, QVBoxLayout, QWidget

from nnstudio.core.training.control import Progress
from nnstudio.ui.common.wheel_guard import guard_wheel

SPEEDS = (("1 / s", 1.0), ("3 / s", 3.0), ("10 / s", 10.0), ("25 / s", 25.0))


@dataclass
class EpochShown:
    """What the views show while scrubbing: run ``run`` after ``epoch`` of ``epochs`` epochs."""

    run: object  # the RunRecord
    epoch: int
    epochs: int
    weights: list  # model.get_weights() order
    snapshot: object  # core.timeline.Snapshot (for a branch)

    def as_progress(self) -> Progress:
        """The form the views already draw while a run trains (a paused report with weights)."""
        return Progress(self.epoch, self.epochs, {}, 0.0, 0.0, 0.0,
                        [w.copy() for w in self.weights], "paused")


class Scrubber(QWidget):
    branch_requested = Signal(object)  # EpochShown
    export_requested = Signal()

    def __init__(self, state, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.play_button = QPushButton("▶ Replay")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Replay the run from its first snapshot at the chosen speed")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Go back to any epoch a snapshot was kept at: every view follows")
        guard_wheel(self.slider)
        self.speed = QComboBox()
        self.speed.addItems([s for s, _ in SPEEDS])
        self.speed.setCurrentIndex(1)
        self.speed.setToolTip("Replay speed: snapshots a second")
        guard_wheel(self.speed)
        self.epoch_label = QLabel("")
        self.epoch_label.setMinimumWidth(90)
        self.memory_label = QLabel("")
        self.memory_label.setStyleSheet("color: #666")
        # the memory text may be cut short rather than widen the page (its tooltip has it all)
        self.memory_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.end_button = QPushButton("End")
        self.end_button.setToolTip("Back to the end of the run")
        self.branch_button = QPushButton("Branch…")
        self.branch_button.setToolTip("Branch from here: train on from this epoch's weights and optimizer state with "
                                      "other settings: a new run, beside this one in the Runs tab")
        self.export_button = QPushButton("Save replay…")
        self.export_button.setToolTip("Export the replay of the surface and curves as an animated GIF (or PNG frames)")
        top = QHBoxLayout()
        top.addWidget(self.play_button)
        top.addWidget(self.slider, 1)
        top.addWidget(self.epoch_label)
        row = QHBoxLayout()
        for w in (self.speed, self.end_button, self.branch_button, self.export_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.memory_label)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addLayout(row)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.play_button.toggled.connect(self._on_play)
        self.speed.currentIndexChanged.connect(self._on_speed)
        self.slider.valueChanged.connect(self._on_slider)
        self.end_button.clicked.connect(self.go_to_end)
        self.branch_button.clicked.connect(self._on_branch)
        self.export_button.clicked.connect(self.export_requested)
        state.timeline_changed.connect(self.refresh)
        state.training_started.connect(self._on_training_started)
        self.refresh()

    # ----- the run ---------------------------------------------------------------------------------
    @property
    def timeline(self):
        run = self.state.timeline_run
        return getattr(run, "timeline", None) if run is not None else None

    @Slot()
    def refresh(self) -> None:
        tl = self.timeline
        has = tl is not None and len(tl) > 0
        for w in (self.play_button, self.slider, self.speed, self.end_button, self.branch_button,
                  self.export_button):
            w.setEnabled(has and not self.state.training)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(tl) - 1) if has else 0)
        self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        if has:
            self.epoch_label.setText(f"epoch {tl.epochs[-1]} of {tl.epochs[-1]}")
            self.epoch_label.setToolTip("")
            self.memory_label.setText(tl.memory_text())
            self.memory_label.setToolTip("Snapshots of this run's weights and optimizer state, and "
                                         "the memory they take of their cap: " + tl.memory_text())
        else:
            none_kept = self.state.timeline_run is not None
            self.epoch_label.setText("no snapshots of this run" if none_kept else "no snapshots yet")
            self.epoch_label.setToolTip("Repeat and sweep runs train without snapshots: the Health "
                                        "tab trains this one again, as it was, with them."
                                        if none_kept else "")
            self.memory_label.setText("")

    @Slot()
    def _on_training_started(self) -> None:
        self.play_button.setChecked(False)
        for w in (self.play_button, self.slider, self.speed, self.end_button, self.branch_button,
                  self.export_button):
            w.setEnabled(False)
        self.epoch_label.setText("training…")

    # ----- moving ----------------------------------------------------------------------------------
    def shown_at(self, index: int) -> EpochShown | None:
        tl = self.timeline
        if tl is None or not len(tl):
            return None
        snap = tl.snapshots[max(0, min(index, len(tl) - 1))]
        return EpochShown(self.state.timeline_run, snap.epoch, tl.epochs[-1], tl.weights_of(snap), snap)

    def show_index(self, index: int) -> None:
        self.slider.setValue(index)

    @Slot(int)
    def _on_slider(self, index: int) -> None:
        shown = self.shown_at(index)
        if shown is None:
            return
        self.epoch_label.setText(f"epoch {shown.epoch} of {shown.epochs}")
        self.state.show_epoch(shown)

    @Slot()
    def go_to_end(self) -> None:
        self.play_button.setChecked(False)
        self.slider.setValue(self.slider.maximum())

    @Slot(bool)
    def _on_play(self, on: bool) -> None:
        if on:
            if self.slider.value() >= self.slider.maximum():
                self.slider.setValue(0)
            self.play_button.setText("⏸ Pause")
            self._on_speed()
            self.timer.start()
        else:
            self.play_button.setText("▶ Replay")
            self.timer.stop()

    @Slot()
    def _on_speed(self, *_args) -> None:
        per_second = SPEEDS[self.speed.currentIndex()][1]
        self.timer.setInterval(int(1000 / per_second))

    @Slot()
    def _tick(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + 1)

    @Slot()
    def _on_branch(self) -> None:
        shown = self.shown_at(self.slider.value())
        if shown is not None:
            self.branch_requested.emit(shown)
