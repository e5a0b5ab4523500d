"""Runs the core training engine on a worker thread and relays its progress to :class:`AppState`."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.coach import diagnose
from nnstudio.core.data import checks
from nnstudio.core.data.profile import fmt_number
from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments import store
from nnstudio.core.experiments.crossval import cross_validate, fold_records
from nnstudio.core.guessing import baseline, baseline_of_runs
from nnstudio.core.model.memory import check_fits
from nnstudio.core.model.spec import Task, validate
from nnstudio.core.timeline.branch import branch_trainer
from nnstudio.core.timeline.recorder import app_every, watch
from nnstudio.core.training import population
from nnstudio.core.training.control import Progress, TrainingControl
from nnstudio.core.training.engine import Trainer, TrainResult, train_repeated
from nnstudio.ui.common.workers import Worker, WorkerPool
from nnstudio.ui.experiments.install import record_runs
from nnstudio.ui.state import AppState
from nnstudio.ui.training.pace import Pacer, chunk_cap


def _baseline(data, runs: list) -> dict | None:
    """The comparison with guessing, computed on the worker thread (R² runs the model)."""
    if not runs:
        return None
    try:
        return baseline(data, runs[0]) if len(runs) == 1 else baseline_of_runs(data, runs)
    except NNStudioError:
        return None


def _findings(data, spec, settings, result, health=None) -> list:
    """The coach's findings about ``result``, computed on the worker thread (it runs the model);
    ``health``: the run's, when it was watched (a Repeat's runs are not)."""
    if result is None:
        return []
    try:
        return diagnose(data, spec, settings, result, health)
    except NNStudioError:
        return []


@dataclass
class RunPlan:
    """A run other than the project's own (issue 19): a branch from ``snapshot`` of run
    ``parent`` at ``parent_epoch``, or a coach's fix (``knobs``) — its network and settings."""

    spec: object | None = None
    settings: object | None = None
    snapshot: object | None = None
    same_optimizer: bool = True
    parent: str | None = None
    parent_epoch: int | None = None
    name: str = ""
    knobs: dict | None = None
    beside: str | None = None  # a coach's fix: the run it is tried beside (the Runs tab shows both)


@dataclass
class RepeatRun:
    seed: int
    of: int
    result: TrainResult


@dataclass
class RepeatSummary:
    metric: str  # accuracy | mae
    values: list[float]
    mean: float
    sd: float

    @classmethod
    def of(cls, runs: list[TrainResult], task) -> RepeatSummary:
        key = "mae" if task is Task.REGRESSION else "accuracy"
        vals = [float(r.test.get(key, np.nan)) for r in runs]
        arr = np.array(vals, float)
        return cls(key, vals, float(np.mean(arr)) if len(arr) else float("nan"),
                   float(np.std(arr, ddof=1)) if len(arr) > 1 else 0.0)

    def text(self) -> str:
        n = len(self.values)
        if n == 0:  # stopped during its first runs: "0 runs (seeds 0–-1): test accuracy nan"
            return "The Repeat was stopped before a run finished: no runs recorded."
        name = "test accuracy" if self.metric == "accuracy" else "test MAE"
        # a regression's MAE is in the target's units: 396,964 for a price, not 396964.500
        f = (lambda v: f"{v:.3f}") if self.metric == "accuracy" else fmt_number
        if n == 1:
            return f"1 run (seed 0): {name} {f(self.mean)}."
        each = ", ".join(f(v) for v in self.values)
        return (f"{n} runs (seeds 0–{n - 1}): {name} "
                f"{f(self.mean)} ± {f(self.sd)} (each: {each}).")  # a sentence: a verdict follows


class TrainingController(QObject):
    message = Signal(str, str)  # (level: info|warning|error, text) for the window to show
    state_changed = Signal(str)  # idle | waiting (for TensorFlow) | running | paused | repeating
    repeat_run = Signal(object)  # RepeatRun, after each run of a repeat
    repeat_finished = Signal(object)  # RepeatSummary
    runs_recorded = Signal(object)  # list of RunRecords added to the project (issue 17)
    cv_fold = Signal(object, int)  # a cross-validation's fold as it ends (crossval.Fold), and k
    cv_finished = Signal(object)  # crossval.CrossValidation (the folds done, when stopped)

    #: How often the engine reports while the GUI trains (seconds): the live curves and surface
    #: redraw as each report arrives, so this is their frame rate (15 a second).
    REPORT_INTERVAL_S = 1 / 15

    def __init__(self, state: AppState, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._checked = None  # the prepared data whose checks were said (core/data/checks.py)
        self.state = state
        self.pool = pool
        self.trainer: Trainer | None = None
        self.worker: Worker | None = None
        self.run_state = "idle"
        #: the last run's comparison with guessing (core.data.baseline), set before training_finished
        self.last_baseline: dict | None = None
        self.tried_beside: str | None = None  # the last recorded run's original (a coach's fix)
        self.last_data = None  # the prepared data the last run trained on (its rows, dropped rows)
        self.pace: float | None = None  # epochs per second while a run is watched (None: max)
        self.pacer: Pacer | None = None
        #: a command pressed while TensorFlow loads or big data are prepared (Train, Repeat, Step):
        #: it runs once both are ready
        self.waiting = None
        state.tf_ready.connect(self._run_waiting)
        state.prepared_ready.connect(self._run_waiting)

    # ----- commands (GUI thread) -----------------------------------------------------------------
    def waiting_for(self) -> str:
        """What a kept command waits for, in words ('' when nothing)."""
        if not self.state.tf_loaded:
            return "TensorFlow"
        return "the data" if self.state.preparing else ""

    def _wait_for_tensorflow(self, command) -> bool:
        """While TensorFlow loads (the app's first seconds) or a worker prepares big data just
        changed, keep ``command`` to run the moment they are ready: a Train pressed then is not
        refused, nor does it freeze the window preparing the data again; returns whether it was kept."""
        if not self.waiting_for() or self.run_state != "idle":
            return False
        self.waiting = command
        self._set_state("waiting")
        return True

    @Slot()
    def _run_waiting(self) -> None:
        if self.waiting_for():
            return  # TensorFlow is ready but the data are not yet (or the other way round)
        command, self.waiting = self.waiting, None
        if self.run_state == "waiting":
            self._set_state("idle")
            if command is not None:
                command()

    def cancel_waiting(self) -> None:
        """Forget a command kept for TensorFlow (Stop, or TensorFlow failed to load)."""
        self.waiting = None
        if self.run_state == "waiting":
            self._set_state("idle")

    def _ready_data(self):
        """The prepared data if a run can start now; otherwise say why (a message) and return None."""
        if self.run_state != "idle":
            return None
        p = self.state.project
        try:
            data = self.state.prepared()
            problems = validate(p.spec, data.task, data.n_classes)
            if problems:
                raise NNStudioError("The network cannot train on this task: " + problems[0],
                                    "Change the output layer in the network editor.")
            p.settings.check(data.task)
            check_fits(p.spec, data.n_inputs, data.task, data.n_classes, p.settings,
                       len(data.X_train))  # said now, not as TensorFlow's failure on the worker
        except NNStudioError as e:
            self.message.emit("error", e.user_text())
            return None
        return data

    def start(self, plan: RunPlan | None = None) -> bool:
        """Train the project's network with its settings, or (issue 19) a ``plan``: a branch from
        a snapshot, or a coach's comparison run, with its own network and settings."""
        if self._wait_for_tensorflow(lambda: self.start(plan)):
            return False
        data = self._ready_data()
        if data is None:
            return False
        p = self.state.project
        plan = plan or RunPlan()
        spec = (plan.spec or p.spec).copy()
        settings = replace(plan.settings or p.settings)
        try:
            control = TrainingControl(want_weights=True)
            kw = dict(control=control, chunk_seconds=self.REPORT_INTERVAL_S,
                      plain_first_run=True)  # no XLA wait on a new network (issue 18)
            if plan.snapshot is not None:
                self.trainer = branch_trainer(plan.snapshot, data, spec, settings,
                                              same_optimizer=plan.same_optimizer, **kw)
            else:
                self.trainer = Trainer(data, spec, settings, **kw)
        except NNStudioError as e:
            self.message.emit("error", e.user_text())
            return False
        trainer = self.trainer
        trainer.max_chunk_epochs = chunk_cap(self.pace)
        pacer = self.pacer = Pacer(self.pace)
        recorder = watch(trainer, every=app_every(settings.epochs))  # issue 19: snapshots and health
        self._run_setup = (data, trainer.spec, trainer.settings)  # recorded as a run (issue 17)
        self._plan = plan

        def work(report):
            def on_progress(p: Progress) -> None:
                report(p)  # the GUI draws it while this thread waits for the pace
                pacer.wait(p.epoch, p.state)

            control.add_listener(on_progress)
            result = trainer.run()
            recorder.finish(result.model)  # its last state, if the time budget skipped that report
            result.weights()  # read here, kept: the views and the run's record use them on the GUI thread
            findings = _findings(data, spec, settings, result, recorder.probe.health)
            return result, _baseline(data, [result]), (recorder, findings)

        self.worker = Worker(work, stop=control.stop, name="training")
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self._warn_rows(data)
        self.state.begin_training()
        self._set_state("running")
        self.pool.start(self.worker)
        return True

    def _warn_rows(self, data) -> None:
        """Before training: a visible warning when preprocessing left out many rows (it does not
        stop the run; the Data tab says how to keep them)."""
        self.last_data = data
        self.last_baseline = None
        for w in data.warnings():
            self.message.emit("warning", w + " (Training goes on; see the Data tab.)")
        # what a score depends on (a column that gives the answer away …), said once for these
        # data: the Data tab says it too, but a user who trains from the Training tab may not look
        if data is not self._checked:
            self._checked = data
            for w in checks.notes(data, self.state.project):
                self.message.emit("warning", w + " (Training goes on; the Data tab says this too.)")

    def start_repeat(self, n: int) -> bool:
        """Train ``n`` times with seeds 0..n-1 (the XOR tutorial averages 5): each run's test
        figures, then their mean and sd (``repeat_run`` / ``repeat_finished`` signals)."""
        if self._wait_for_tensorflow(lambda: self.start_repeat(n)):
            return False
        data = self._ready_data()
        if data is None:
            return False
        p = self.state.project
        spec, settings = p.spec.copy(), replace(p.settings)
        stopped = {"flag": False}
        current: dict = {}
        self._run_setup = (data, spec, settings)  # recorded as a seed group (issue 17)

        def stop() -> None:
            stopped["flag"] = True
            if current.get("trainer") is not None:
                current["trainer"].stop()

        def last_findings(runs: list) -> list:  # about the run the views show after the Repeat
            return _findings(data, spec, settings, runs[-1] if runs else None)

        def ended(runs: list):
            for r in runs:  # every run's weights read here, kept: its record reads them on the
                r.weights()  # GUI thread (a population's are known: nothing to copy)
            return runs, _baseline(data, runs), last_findings(runs)

        def work(report):
            if population.supports(data, spec, settings, n) is None:
                # issue 18: the seeds train together, each the run it gives alone (Stop drops a
                # group stopped part-way: the runs that finished are kept)
                out = train_repeated(data, spec, settings, n, should_stop=lambda: stopped["flag"],
                                     on_run=lambda seed, r: report(RepeatRun(seed, n, r)))
                runs = out["runs"]
                # a population's models are made on first use (core.trained.Deferred; the runs
                # are recorded from their weights): the one the views show is made here, not by
                # the GUI thread (6-12 ms); the others when a user asks for them, if ever
                if runs:
                    runs[-1].model  # noqa: B018 -- read for its effect
                return ended(runs)
            runs = []
            for seed in range(n):
                if stopped["flag"]:
                    break
                trainer = Trainer(data, spec, replace(settings, seed=seed), plain_first_run=True)
                current["trainer"] = trainer
                if stopped["flag"]:
                    break
                r = trainer.run()
                runs.append(r)
                report(RepeatRun(seed, n, r))
            return ended(runs)

        self.worker = Worker(work, stop=stop, name="repeat-runs")
        self.worker.progress.connect(self._on_repeat_run)
        self.worker.finished.connect(self._on_repeat_finished)
        self.worker.failed.connect(self._on_failed)
        self._repeat_stop = stop
        self._warn_rows(data)
        self.state.begin_training(live=False)
        self._set_state("repeating")
        self.pool.start(self.worker)
        return True

    def start_cross_validation(self, k: int) -> bool:
        """Train the project's network on each of ``k`` folds of the rows outside the test split
        and measure it on the fold held out (core.experiments.crossval): ``cv_fold`` after each,
        ``cv_finished`` at the end. The model the views show stays; Stop ends it between folds."""
        if self._wait_for_tensorflow(lambda: self.start_cross_validation(k)):
            return False
        if self._ready_data() is None:  # said why (a network that cannot train, too big…)
            return False
        project = self.state.project.data_snapshot()
        project.spec, project.settings = self.state.project.spec.copy(), replace(self.state.project.settings)
        stopped = {"flag": False}
        current: dict = {}

        def stop() -> None:
            stopped["flag"] = True
            if current.get("trainer") is not None:
                current["trainer"].stop()

        def work(report):
            return cross_validate(project, k, on_fold=lambda fold, n: report((fold, n)),
                                  should_stop=lambda: stopped["flag"],
                                  trainer_made=lambda t: current.__setitem__("trainer", t))

        self.worker = Worker(work, stop=stop, name="cross-validation")
        self.worker.progress.connect(self._on_cv_fold)
        self.worker.finished.connect(self._on_cv_finished)
        self.worker.failed.connect(self._on_cv_failed)
        self._repeat_stop = stop
        self._set_state("repeating")
        self.pool.start(self.worker)
        self.message.emit("info", f"Cross-validating: training fold 1 of {k}…")
        return True

    @Slot(object)
    def _on_cv_fold(self, item) -> None:
        fold, k = item
        if fold.index + 1 < k:
            self.message.emit("info", f"Cross-validating: training fold {fold.index + 2} of {k}…")
        self.cv_fold.emit(fold, k)

    @Slot(object)
    def _on_cv_finished(self, cv) -> None:
        self._end()
        if cv.folds:  # the folds as one group of runs in the Runs tab (curves, a paired verdict)
            recs = fold_records(cv, self.state.project)
            store.add_runs(self.state.project, recs)
            self.state.dirty = True
            self.runs_recorded.emit(recs)
        self.cv_finished.emit(cv)
        self.message.emit("info", cv.text())

    @Slot(object)
    def _on_cv_failed(self, error: NNStudioError) -> None:
        self._end()
        self.cv_finished.emit(None)
        self.message.emit("error", error.user_text())

    def set_pace(self, epochs_per_second: float | None) -> None:
        """Epochs a second for runs (None: full speed); applies at once to a running run."""
        self.pace = epochs_per_second
        if self.trainer is not None:
            self.trainer.max_chunk_epochs = chunk_cap(epochs_per_second)
        if self.pacer is not None:
            self.pacer.set(epochs_per_second)

    def stop(self) -> None:
        self.cancel_waiting()
        if self.pacer is not None:
            self.pacer.cancel()
        if self.trainer is not None:
            self.trainer.stop()
        if self.run_state == "repeating" and getattr(self, "_repeat_stop", None):
            self._repeat_stop()

    def pause(self) -> None:
        if self.trainer is not None and self.run_state == "running":
            self.trainer.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.trainer is not None and self.run_state == "paused":
            self.trainer.resume()
            self._set_state("running")

    def step(self) -> None:
        """One epoch: while paused, or to start a run that pauses after its first epoch."""
        if self._wait_for_tensorflow(self.step):
            return
        if self.run_state == "idle":
            if self.start() and self.trainer is not None:
                self.trainer.pause()
                self.trainer.step()
                self._set_state("paused")
        elif self.trainer is not None:
            self.trainer.step()
            self._set_state("paused")

    def set_learning_rate(self, lr: float) -> None:
        if self.trainer is not None and self.run_state != "idle":
            self.trainer.set_learning_rate(lr)

    @property
    def busy(self) -> bool:
        return self.run_state != "idle"

    # ----- from the worker thread (queued) ------------------------------------------------------------
    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        self.state.report_progress(progress)

    @Slot(object)
    def _on_finished(self, done) -> None:
        result, self.last_baseline, (recorder, findings) = done
        self._end()
        recs = self._record([result], timelines=[recorder])
        self.state.branch_origin = None
        self.state.finish_training(result)
        if recs:
            self.state.set_timeline_run(recs[0])
        self.state.set_findings(findings)
        level = "warning" if result.status == "diverged" else "info"
        self.message.emit(level, self._with_verdict(result.message))

    @Slot(object)
    def _on_repeat_run(self, run: RepeatRun) -> None:
        self.repeat_run.emit(run)

    @Slot(object)
    def _on_repeat_finished(self, done) -> None:
        runs, self.last_baseline, findings = done
        self._end()
        recs = self._record(runs, grouped=True)
        self.state.finish_training(runs[-1] if runs else None, live=False)
        # the scrubber, the Health tab and the coach speak of the run the views now show (not of
        # a run trained before the Repeat): it kept no snapshots or health, they say so
        self.state.set_timeline_run(recs[-1] if recs else None)
        self.state.set_findings(findings if recs else [])
        summary = RepeatSummary.of(runs, self.state.project.task)
        self.repeat_finished.emit(summary)
        self.message.emit("info", self._with_verdict(summary.text()))

    def _with_verdict(self, text: str) -> str:
        """A run's (or a Repeat's) message, and whether it beat guessing when that is known."""
        verdict = (self.last_baseline or {}).get("verdict")
        return text + (f" {verdict}" if verdict else "")

    @Slot(object)
    def _on_failed(self, error: NNStudioError) -> None:
        self._end()
        self.state.finish_training(None)
        self.message.emit("error", error.user_text())

    def _record(self, results: list, grouped: bool = False, timelines: list | None = None) -> list:
        """Every finished run goes into the project's runs (experiments, issue 17), with its
        snapshots and health (issue 19) and, for a branch or a coach's run, its origin."""
        plan = getattr(self, "_plan", None) or RunPlan()
        recs = record_runs(self.state, getattr(self, "_run_setup", None), results, grouped)
        for rec, recorder in zip(recs, timelines or []):
            rec.timeline = recorder.timeline
            rec.health = recorder.probe.health
            rec.parent, rec.parent_epoch = plan.parent, plan.parent_epoch
            rec.name = plan.name or rec.name
            rec.knobs = dict(plan.knobs or rec.knobs)
        self._plan = None
        self.tried_beside = plan.beside
        self.runs_recorded.emit(recs)
        return recs

    def _end(self) -> None:
        self.trainer = None
        self.pacer = None
        self.worker = None
        self._set_state("idle")

    def _set_state(self, s: str) -> None:
        self.run_state = s
        self.state_changed.emit(s)
