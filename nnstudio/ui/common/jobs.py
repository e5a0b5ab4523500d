"""The one "latest request wins" helper for background computations of the views: the decision
surface's frames, the evaluation's figures, the inspector's Keras checks and gradients.

:class:`LatestJob` runs one computation at a time on a :class:`~nnstudio.ui.common.workers.Worker`. A
request made while one runs waits, replacing any request already waiting, so clicking through rows
quickly computes the first and the last, never a queue of stale ones. Results carry the request's
tag so a view can ignore answers for a sample it no longer shows.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.ui.common.workers import Worker, WorkerPool


class LatestJob(QObject):
    result = Signal(object, object)  # (tag, value)
    error = Signal(object, object)  # (tag, NNStudioError)
    idle = Signal()  # nothing running and nothing waiting

    def __init__(self, pool: WorkerPool, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool
        self.name = name
        self._running: Worker | None = None
        self._running_tag = None
        self._waiting: tuple[object, Callable[[], object]] | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None or self._waiting is not None

    def submit(self, tag, fn: Callable[[], object]) -> None:
        """Compute ``fn()`` off the GUI thread; ``result(tag, value)`` arrives on the GUI thread."""
        if self._running is not None:
            self._waiting = (tag, fn)
            return
        self._start(tag, fn)

    def _start(self, tag, fn) -> None:
        worker = Worker(lambda _report: fn(), name=self.name)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        self._running, self._running_tag = worker, tag
        self.pool.start(worker)

    @Slot(object)
    def _on_finished(self, value) -> None:
        self.result.emit(self._running_tag, value)

    @Slot(object)
    def _on_failed(self, err) -> None:
        self.error.emit(self._running_tag, err)

    @Slot()
    def _on_done(self) -> None:
        self._running = None
        if self._waiting is not None:
            tag, fn = self._waiting
            self._waiting = None
            self._start(tag, fn)
        else:
            self.idle.emit()
