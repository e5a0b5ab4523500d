"""The GUI's one source of truth: a :class:`~nnstudio.core.project.Project` plus what was computed
from it (prepared data, the trained model), with signals that views subscribe to.

Views never compute: they read from here and ask core. Only the GUI thread touches this object.

This object is the only emitter of its signals: controllers change the state through its setters
(``set_project``, ``notify_*``, ``begin_training`` / ``report_progress`` / ``finish_training``,
``set_tf_ready``) and every view subscribes to the signals it draws from (napari's model/event
pattern). A controller never calls ``.emit()`` on a signal of this class.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.data.preprocess import PreparedData
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project
from nnstudio.core.threshold import check_threshold
from nnstudio.core.training.engine import TrainResult

#: From this many rows, or this many cells (rows x columns: a pixel file of 785 columns and 10,000
#: rows took 3.4 s of preparing and checks on the GUI thread), a change of roles, preprocessing or
#: split prepares the data on a worker (a million rows take a second or two, which the window
#: must not freeze for); below, at once.
BACKGROUND_PREPARE_ROWS = 100_000
BACKGROUND_PREPARE_CELLS = 2_000_000


class AppState(QObject):
    project_changed = Signal()  # a new project/dataset: everything may have changed
    data_changed = Signal()  # roles, preprocessing or split changed (prepared data recomputed lazily)
    #: big data: the prepared data of the last change, computed on a worker, are ready (or their
    #: error is): the views that show them draw again (see ``preparing``)
    prepared_ready = Signal()
    spec_changed = Signal()  # the network architecture changed
    settings_changed = Signal()  # training settings changed
    threshold_changed = Signal()  # the decision threshold of a two-class task changed (issue 20)
    training_started = Signal()
    training_progress = Signal(object)  # core.training.engine.Progress
    training_finished = Signal(object)  # TrainResult
    model_changed = Signal()  # a trained model is available (or was cleared)
    tf_ready = Signal()
    # issue 19: the last run's timeline (a RunRecord with snapshots and health) and the epoch shown
    timeline_changed = Signal()
    epoch_shown = Signal(object)  # EpochShown, or None: back to the run's end / live
    findings_changed = Signal()  # the coach's findings about the last run
    finding_selected = Signal(object)  # the coach's finding whose evidence the views mark (or None)
    message = Signal(str, str)  # (info|warning|error, text) for the window's status bar / dialogs

    def __init__(self, project: Project | None = None) -> None:
        super().__init__()
        self._project = project or Project.from_example("xor")
        self._prepared: PreparedData | None = None
        self._prepare_error: NNStudioError | None = None
        self._preparer = None  # a LatestJob once a window gives a worker pool (attach_pool)
        self._preparing = False  # a worker is preparing this data generation's data
        self.result: TrainResult | None = None
        self.training = False
        self.tf_loaded = False
        self.dirty = False
        #: bumped whenever the prepared data may change shape: a model kept aside (by an undoable
        #: network edit) is only brought back onto the same data generation
        self.data_generation = 0
        #: True when the current result was brought back by Undo/Redo (views may say so)
        self.restored = False
        #: issue 19: the run whose timeline the scrubber shows (a RunRecord), the epoch shown, the
        #: coach's findings about it, and for a branch being trained its parent's curves up to N
        self.timeline_run = None
        self.shown = None
        self.findings: list = []
        self.finding_shown = None
        self.branch_origin: dict | None = None

    # ----- project ------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self._project

    def set_project(self, project: Project,
                    prepared: PreparedData | NNStudioError | None = None) -> None:
        """A new project. ``prepared``: its prepared data (or the error preparing it raised) when a
        worker already computed it — a million rows take seconds, which the GUI thread must not."""
        self._project = project
        self._prepared = prepared if isinstance(prepared, PreparedData) else None
        self._prepare_error = prepared if isinstance(prepared, NNStudioError) else None
        self._preparing = False
        self.data_generation += 1
        self.clear_model()
        self.dirty = False
        self.project_changed.emit()

    def notify_data_changed(self) -> None:
        """Call after changing roles, preprocessing, split or task of the project."""
        self._prepared = None
        self._prepare_error = None
        self.data_generation += 1
        self._prepare_behind()
        self.clear_model()
        self.dirty = True
        self.data_changed.emit()

    def notify_spec_changed(self) -> None:
        self.clear_model()
        self.dirty = True
        self.spec_changed.emit()

    def notify_settings_changed(self) -> None:
        self.dirty = True
        self.settings_changed.emit()

    def set_threshold(self, threshold: float) -> None:
        """The two-class decision threshold (saved with the project; the model stays trained)."""
        t = check_threshold(threshold)
        if t != self._project.threshold:
            self._project.threshold = t
            self.dirty = True
            self.threshold_changed.emit()

    # ----- prepared data (lazy; on a worker for big data) -------------------------------------------
    def attach_pool(self, pool) -> None:
        """Prepare big data on ``pool``'s workers from now on (the window's pool; without one, as
        in tests of a single view, data are prepared when first asked for)."""
        from nnstudio.ui.common.jobs import LatestJob  # noqa: PLC0415 -- lazy: jobs imports workers, which the state's users need not

        self._preparer = LatestJob(pool, "prepare-data", self)
        self._preparer.result.connect(self._prepared_behind)
        self._preparer.error.connect(self._prepared_behind)

    @property
    def preparing(self) -> bool:
        """A worker is preparing the data of the last change: ``try_prepared`` gives None until
        ``prepared_ready`` (the views say "Preparing…"); ``prepared`` still answers, at once."""
        return self._preparing

    def _prepare_behind(self) -> None:
        self._preparing = False
        ds = self._project.dataset
        if self._preparer is None or self._preparer.pool.closed or (
                ds.n_rows < BACKGROUND_PREPARE_ROWS and ds.n_rows * len(ds.columns) < BACKGROUND_PREPARE_CELLS):
            return
        snapshot = self._project.data_snapshot()  # the GUI may change the project meanwhile
        self._preparing = True
        self._preparer.submit(self.data_generation, snapshot.prepare_for_views)

    @Slot(object, object)
    def _prepared_behind(self, generation, value) -> None:
        if generation != self.data_generation or not self._preparing:
            return  # an older change's data (a newer job is on its way), a new project, or prepared() did it
        self._preparing = False
        if isinstance(value, PreparedData):
            self._prepared = value
        else:
            self._prepare_error = value
        self.prepared_ready.emit()

    def prepared(self) -> PreparedData:
        """The encoded splits; raises NNStudioError (cached) if the data cannot be used. While a
        worker prepares them (big data, ``preparing``), they are computed here at once for the
        caller (Train, an export), and the views are told (``prepared_ready``)."""
        if self._prepared is None:
            if self._prepare_error is not None:
                raise self._prepare_error
            behind, self._preparing = self._preparing, False  # what the worker brings is not needed now
            try:
                self._prepared = self._project.prepare()
            except NNStudioError as e:
                self._prepare_error = e
                raise
            finally:
                if behind:
                    self.prepared_ready.emit()
        return self._prepared

    def cached_prepared(self) -> PreparedData | None:
        """The prepared data if they were already computed (never computes: safe anywhere)."""
        return self._prepared

    def try_prepared(self) -> PreparedData | None:
        """The prepared data, or None when they cannot be used or a worker is still preparing
        them (never blocks on big data)."""
        if self.preparing:
            return None
        try:
            return self.prepared()
        except NNStudioError:
            return None

    # ----- training (the training controller reports here; views subscribe) ----------------------
    def set_tf_ready(self) -> None:
        """TensorFlow finished loading on its worker: training can start."""
        self.tf_loaded = True
        self.tf_ready.emit()

    def begin_training(self, live: bool = True) -> None:
        """A run starts: the previous model is cleared. ``live``: it reports epochs as it goes
        (views follow it); a repeat of runs (``live=False``) reports each run as it ends instead."""
        self.clear_model()
        self.training = True
        if live:
            self.training_started.emit()

    def report_progress(self, progress) -> None:
        """A report from the running engine (core.training.engine.Progress)."""
        self.training_progress.emit(progress)

    def finish_training(self, result: TrainResult | None, live: bool = True) -> None:
        """The run ended with ``result`` (None: it failed, or a repeat produced nothing)."""
        self.training = False
        if result is not None:
            self.set_result(result)
            if live:
                self.training_finished.emit(result)

    # ----- timeline (issue 19) ------------------------------------------------------------------
    def set_timeline_run(self, run) -> None:
        """The run (a RunRecord holding ``timeline`` and ``health``) the scrubber and health view show."""
        self.timeline_run = run
        self.shown = None
        self.timeline_changed.emit()

    def show_epoch(self, shown) -> None:
        """Move the views to a snapshot (``EpochShown``), or back to the end (None)."""
        self.shown = shown
        self.epoch_shown.emit(shown)

    def set_findings(self, findings: list) -> None:
        self.findings = list(findings)
        self.select_finding(None)  # the coach panel selects one of the new findings, if any
        self.findings_changed.emit()

    def select_finding(self, finding) -> None:
        """The coach's finding the user looks at (core.coach.Finding): the curves mark its epochs, the
        Health tab shows its layer. None clears the marks."""
        self.finding_shown = finding
        self.finding_selected.emit(finding)

    # ----- trained model -------------------------------------------------------------------------
    @property
    def model(self):
        return self.result.model if self.result is not None else None

    def set_result(self, result: TrainResult, *, restored: bool = False) -> None:
        self.result = result
        self.restored = restored
        self.model_changed.emit()

    def clear_model(self) -> None:
        if self.result is not None:
            self.result = None
            self.model_changed.emit()
