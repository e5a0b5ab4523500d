"""Compile the training program in the background while the user edits, so that Train starts at once.

The engine compiles one XLA program per architecture, data shape, batch size and optimizer (2-6 s on
a 2-core machine) and keeps it. Without this, the first Train of every new network paid that wait
with the clock running. :class:`Precompiler` calls :func:`nnstudio.core.training.engine.precompile`
on a worker thread a moment after the network, the data or the settings stop changing, one compile
at a time, never while training runs. The result of training is the same either way (up to float
rounding). A Train pressed before the compile is done does not wait for it (``Trainer.plain_first_run``):
a network the layer editor builds trains that run on the NumPy host engine
(:mod:`nnstudio.core.training.host`, nothing to compile; it draws XLA's dropout masks and noise),
other networks (another optimizer, a model from elsewhere) in a plain TF graph. The compile
follows when the run ends.

The same goes for Repeat (issue 18): a Repeat of a network whose population program is not
compiled trains its seeds together on the host engine; once it ends, the population program of
that network and seed count is compiled here too (:meth:`Precompiler.note_repeat`), so the next
Repeat of it runs compiled.

Set ``NNSTUDIO_BACKGROUND_COMPILE=0`` to turn it off (the test suite does, except where it tests it).
"""
from __future__ import annotations

import os
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.core.training import engine, population
from nnstudio.ui.common.workers import Worker, WorkerPool
from nnstudio.ui.state import AppState

ENV = "NNSTUDIO_BACKGROUND_COMPILE"


def enabled_by_environment() -> bool:
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


class Precompiler(QObject):
    status = Signal(str)  # a line for the status bar ("" when there is nothing to say)
    compiled = Signal(bool)  # after each background compile: True if it compiled something new

    #: Quiet time after the last change before compiling (ms): typing "64" in a units box is one
    #: compile, not two.
    DELAY_MS = 1000

    def __init__(self, state: AppState, pool: WorkerPool, parent: QObject | None = None,
                 enabled: bool | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pool = pool
        self.enabled = enabled_by_environment() if enabled is None else enabled
        self.busy = False
        self._again = False
        self._population: tuple[str, int] | None = None  # (spec, seeds) of the last Repeat
        self._with_repeat = False  # the compile under way includes that Repeat's program
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self._start)
        for sig in (state.tf_ready, state.project_changed, state.data_changed, state.prepared_ready,
                    state.spec_changed, state.settings_changed):
            sig.connect(self.schedule)
        state.training_started.connect(self._timer.stop)
        # a Train pressed before the compile ran trains its first run without XLA (issue 18):
        # compile then, once it is over, for the runs that follow (a no-op when compiled)
        state.training_finished.connect(self.schedule)

    @Slot()
    def schedule(self) -> None:
        """Something the program depends on changed: compile once things are quiet."""
        if not self.enabled or not self.state.tf_loaded:
            return
        if self.busy:
            self._again = True  # after the one under way
            return
        self._timer.start()

    @Slot(object)
    def note_repeat(self, summary) -> None:
        """A Repeat ended: compile its population program too (for the network it repeated,
        while that is still the network), with the next background compile."""
        runs = len(getattr(summary, "values", []) or [])
        if runs > 1:
            self._population = (repr(self.state.project.spec), min(runs, population.POPULATION_MAX))
            self.schedule()

    @Slot()
    def _start(self) -> None:
        if self.busy or self.state.training or self.pool.closed:
            return
        # only data already prepared (the data panel and the window prepare them as they change):
        # preparing a million rows here would block the GUI thread
        data = self.state.cached_prepared()
        if data is None:
            return
        spec, settings = self.state.project.spec.copy(), replace(self.state.project.settings)
        try:
            settings.check(data.task)
        except NNStudioError:
            return  # a bad setting: Train will say which

        repeat = self._population
        seeds = repeat[1] if repeat is not None and repeat[0] == repr(spec) else 0

        def work(_report):
            fresh = engine.precompile(data, spec, settings)
            if seeds and population.supports(data, spec, settings, seeds) is None:
                fresh = population.precompile(data, spec, settings, seeds) or fresh
            return fresh

        self._with_repeat = bool(seeds)
        w = Worker(work, name="precompile")
        w.finished.connect(self._on_finished)
        w.failed.connect(self._on_failed)
        self.busy = True
        self.pool.start(w)
        self.status.emit("Compiling the network…")

    @Slot(object)
    def _on_finished(self, fresh: bool) -> None:
        self._end()
        if fresh and not self.state.training:
            self.status.emit("Compiled: Train and Repeat start at full speed"
                             if self._with_repeat else "Compiled: Train starts at full speed")
        else:  # nothing new (or a run began meanwhile): "Compiling…" must not stay behind
            self.status.emit("")
        self.compiled.emit(bool(fresh))

    @Slot(object)
    def _on_failed(self, _err: NNStudioError) -> None:
        # e.g. a layer the data cannot feed: Train reports it in full; nothing to say here
        self._end()
        if not self.state.training:
            self.status.emit("")
        self.compiled.emit(False)

    def _end(self) -> None:
        self.busy = False
        if self._again:
            self._again = False
            self._timer.start()
