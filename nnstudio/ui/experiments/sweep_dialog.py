"""The sweep dialog: knobs over a grid (or a random sample) × seeds, on a worker thread, with a
progress bar, ETA and Cancel; one-click presets for the tutorials' comparisons. Finished runs
stream into the project's runs (the Runs tab) as they arrive."""
from __future__ import annotations

import html
import math
from dataclasses import replace

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments import sweep
from nnstudio.core.experiments.sweep_folds import run_sweep_folds
from nnstudio.core.experiments.tensorboard import RunWriter
from nnstudio.core.project import Project
from nnstudio.ui.common.scroll_tabs import vertical_scroll
from nnstudio.ui.common.wheel_guard import guard_wheel
from nnstudio.ui.common.workers import Worker, WorkerPool

CUSTOM = ""


class SweepDialog(QDialog):
    run_finished = Signal(object)  # RunRecord, as each run ends (GUI thread)
    sweep_finished = Signal(object)  # SweepResult

    def __init__(self, state, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sweep")
        self.state = state
        self.pool = pool
        self._examples: dict = {}  # a preset's example project, made once (the plan reads it)
        self.worker: Worker | None = None
        self.control: sweep.SweepControl | None = None
        self.result: sweep.SweepResult | None = None

        self.preset = QComboBox()
        self.preset.addItem("Custom (this project)", CUSTOM)
        for p in sweep.PRESETS.values():
            self.preset.addItem(p.title, p.name)
        self.preset.currentIndexChanged.connect(self._on_preset)
        self.grid = QLineEdit("dropout=0,0.2;lr=0.001,0.01")
        self.grid.setToolTip("knob=value,value;knob=value. Knobs: " + ", ".join(sweep.KNOBS)
                             + ". layers: stacks separated by |, e.g. "
                               "layers=|dense:6:relu|dense:6:relu,dense:4:relu")
        self.random = QSpinBox()
        self.random.setRange(0, 10_000)
        self.random.setSpecialValueText("whole grid")
        self.random.setToolTip("Run this many configurations picked at random from the grid")
        self.seeds = QSpinBox()
        self.seeds.setRange(1, 100)
        self.seeds.setValue(5)
        # seeds 0..N-1, or the folds of a cross-validation (GridSearchCV: the same folds for all)
        self.over = QComboBox()
        self.over.addItem("seeds", "seeds")
        self.over.addItem("cross-validation folds", "folds")
        self.over.setToolTip("Seeds: each configuration trained with seeds 0..N-1 on the split. "
                             "Folds: each trained on every fold of the rows outside the test split "
                             "and measured on the fold held out (the project's seed); compared "
                             "fold by fold.")
        self.tensorboard = QLineEdit()
        self.tensorboard.setPlaceholderText("optional: a folder for TensorBoard event files")
        self.about = QLabel()
        self.about.setWordWrap(True)
        knobs = QLabel("knob=value,value;knob=value — knobs: " + ", ".join(sweep.KNOBS))
        knobs.setWordWrap(True)
        knobs.setStyleSheet("color: #666")
        # what Run will do, worked out as the grid is typed: its size, or what is wrong with it
        self.plan = QLabel()
        self.plan.setWordWrap(True)
        top = QFormLayout()
        top.addRow("Preset:", self.preset)
        form = QFormLayout()
        grid_box = QVBoxLayout()  # the field and its syntax under it, as one row of the form
        grid_box.setSpacing(2)
        grid_box.addWidget(self.grid)
        grid_box.addWidget(knobs)
        form.addRow("Grid:", grid_box)
        form.addRow("Random sample:", self.random)
        each = QHBoxLayout()
        each.addWidget(self.seeds)
        each.addWidget(self.over, 1)
        form.addRow("Each configuration:", each)
        form.addRow("TensorBoard:", self.tensorboard)
        form.addRow("", self.plan)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.btn_run = QPushButton("Run")
        self.btn_run.setDefault(True)
        self.btn_run.clicked.connect(self.start)
        self.btn_cancel = QPushButton("Cancel")
        self.btn_cancel.setEnabled(False)
        self.btn_cancel.clicked.connect(self.cancel)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.btn_run)
        row.addWidget(self.btn_cancel)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.about)  # outside the form: a wrapped label gets the height it needs
        lay.addLayout(form)
        lay.addLayout(row)
        # a sweep's summary and verdicts can run to many lines: they scroll in the room left,
        # instead of squashing the grid field above them to a sliver
        status_box = vertical_scroll(self.status)
        status_box.setMinimumHeight(90)
        lay.addWidget(status_box, 1)
        lay.addWidget(close)
        self.resize(640, 460)
        guard_wheel(self)  # the wheel over Seeds or Preset does not change them
        self.grid.textChanged.connect(self._update_plan)
        self.random.valueChanged.connect(self._update_plan)
        self.seeds.valueChanged.connect(self._update_plan)
        self.over.currentIndexChanged.connect(self._on_over)
        self._on_preset()
        self._update_plan()

    @Slot()
    def _update_plan(self, *_args) -> None:
        """Say how many runs the grid makes, or what is wrong with it (Run waits for a good one)."""
        try:
            grid = sweep.parse_grid(self.grid.text())
            configs = sweep.expand(grid, self.random.value() or None)
        except NNStudioError as e:  # (the syntax is under the field: not said twice)
            text = e.message if e.hint == sweep.GRID_HINT else e.user_text()
            self.plan.setText(f"<span style='color:#b00'>{html.escape(text)}</span>")
            self.btn_run.setEnabled(False)
            return
        whole = math.prod(len(values) for values in grid.values())
        seeds = self.seeds.value()
        unit = "fold" if self.folds else "seed"
        picked = (f"{len(configs)} of the grid's {whole} configurations" if len(configs) < whole
                  else f"{len(configs)} configuration{'s' if len(configs) != 1 else ''}")
        text = f"{picked} × {seeds} {unit}{'s' if seeds != 1 else ''} = <b>{len(configs) * seeds} runs</b>"
        project = self._plan_project()
        same = sweep.repeated(project.spec, project.settings, configs) if project else []
        if same:  # their runs would only repeat another configuration's
            text += "".join(f"<br><span style='color:#8a5a00'>{html.escape(t)}</span>"
                            for t in same)
        self.plan.setText(text)
        self.btn_run.setEnabled(self.worker is None)

    # ----- presets ------------------------------------------------------------------------------
    @Slot()
    def _on_preset(self, *_args) -> None:
        name = self.preset.currentData()
        p = sweep.PRESETS.get(name)
        if p is None:
            self.about.setText("Knobs vary the current project's network and settings.")
            self.grid.setEnabled(True)
            return
        self.grid.setText(p.grid)
        self.over.setCurrentIndex(self.over.findData("seeds"))  # the tutorials' presets: seeds
        self.seeds.setValue(p.seeds)
        self.random.setValue(0)
        self.about.setText(f"{p.description} Runs on the built-in '{p.example}' example with its "
                           f"tutorial network and settings (your project is not changed; the runs "
                           f"are added to its Runs table).")

    def choose_preset(self, name: str) -> None:
        self.preset.setCurrentIndex(self.preset.findData(name))

    def _plan_project(self):
        """The project whose network and settings the knobs vary (a preset's example: made once)."""
        name = self.preset.currentData()
        if not name:
            return self.state.project
        cache = self._examples
        if name not in cache:
            try:
                cache[name] = Project.from_example(sweep.PRESETS[name].example)
            except NNStudioError:
                cache[name] = None
        return cache[name]

    # ----- running --------------------------------------------------------------------------------
    def _project_and_data(self):
        name = self.preset.currentData()
        if name:
            project = Project.from_example(sweep.PRESETS[name].example)
            return project, None
        p = self.state.project
        snapshot = Project(p.dataset, p.roles, p.spec.copy(), replace(p.settings), p.preprocess,
                           p.split, p.task_override, p.example)
        return snapshot, self.state.prepared()

    @Slot()
    @property
    def folds(self) -> bool:
        """Whether each configuration is cross-validated (folds) rather than repeated (seeds)."""
        return self.over.currentData() == "folds"

    @Slot()
    def _on_over(self, *_args) -> None:
        self.seeds.setRange(2 if self.folds else 1, 20 if self.folds else 100)
        self._update_plan()

    def start(self) -> bool:
        if self.worker is not None:
            return False
        if not self.state.tf_loaded:
            self.status.setText("TensorFlow is still loading; run the sweep once it is ready.")
            return False
        try:
            grid = sweep.parse_grid(self.grid.text())
            configs = sweep.expand(grid, self.random.value() or None)
            project, data = self._project_and_data()
            seeds = self.seeds.value()
            tb = self.tensorboard.text().strip() or None
        except NNStudioError as e:
            self.status.setText(e.user_text())
            return False
        control = sweep.SweepControl()
        self.control = control
        total = len(configs) * seeds

        folds = self.folds

        def work(report):
            if not folds:
                return sweep.run_sweep(project, configs, seeds, data=data, on_run=report,
                                       control=control, tensorboard=tb)
            res = run_sweep_folds(project, configs, seeds, on_run=report, control=control)
            if tb:
                writer = RunWriter(tb)
                for rec in res.records:
                    writer.write(rec)
            return res

        self.worker = Worker(work, stop=control.cancel, name="sweep")
        self.worker.progress.connect(self._on_run)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.status.setText(f"{len(configs)} configurations × {seeds} {'folds' if folds else 'seeds'} = {total} runs "
                            f"(the first run of each new network compiles it: a few seconds)…")
        self.btn_run.setEnabled(False)
        self.btn_cancel.setEnabled(True)
        self.pool.start(self.worker)
        return True

    @Slot()
    def cancel(self) -> None:
        if self.control is not None:
            self.control.cancel()
            self.status.setText("Cancelling after the current run…")

    @Slot(object)
    def _on_run(self, r: sweep.SweepRun) -> None:
        self.progress.setValue(r.done)
        self.status.setText(f"Run {r.done} of {r.total}: {r.record.label()} — "
                            f"{r.elapsed:.0f} s, about {r.eta:.0f} s left")
        self.run_finished.emit(r.record)

    @Slot(object)
    def _on_finished(self, res: sweep.SweepResult) -> None:
        self._end()
        self.result = res
        lines = ([f"Cancelled: {len(res.records)} runs finished."] if res.cancelled else
                 [f"{len(res.records)} runs in {res.seconds:.1f} s."])
        lines += res.summary_text()
        lines += [v.text for v in res.verdicts_vs_first if v is not None][:6]
        self.status.setText("\n".join(lines))
        self.sweep_finished.emit(res)

    @Slot(object)
    def _on_failed(self, err: NNStudioError) -> None:
        self._end()
        self.status.setText(err.user_text())

    def _end(self) -> None:
        self.worker = None
        self.control = None
        self.btn_cancel.setEnabled(False)
        self._update_plan()  # Run again, if the grid is still good

    @property
    def running(self) -> bool:
        return self.worker is not None

    def reject(self) -> None:
        # closing while a sweep runs cancels it (what finished stays in the Runs table)
        self.cancel()
        super().reject()
