"""Background work on QThreads.

A :class:`Worker` runs one callable on its own ``QThread``. The callable receives a ``report``
function; everything it reports, returns or raises reaches the GUI thread as a queued signal
carrying plain data. Receivers are ``@Slot``-decorated methods on GUI objects.

:class:`WorkerPool` owns the running workers of a window so that closing the window can ask each one
to stop and wait for its thread (no thread outlives its window; the tests check this).
"""
from __future__ import annotations

import logging
import traceback
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from nnstudio.core.errors import NNStudioError

log = logging.getLogger(__name__)

#: Every Worker ever created, weakly: the tests use it to fail any test that leaves a thread running.
ALL_WORKERS: weakref.WeakSet = weakref.WeakSet()


def running_workers() -> list[Worker]:
    out = []
    for w in list(ALL_WORKERS):
        try:
            if w.thread.isRunning():
                out.append(w)
        except RuntimeError:  # the C++ object is already gone: not running
            pass
    return out


class Worker(QObject):
    progress = Signal(object)
    finished = Signal(object)  # the callable's return value
    failed = Signal(object)  # an NNStudioError (already user-readable)
    done = Signal()  # after finished or failed; the thread is quitting

    def __init__(self, fn: Callable, *, stop: Callable[[], None] | None = None, name: str = "") -> None:
        super().__init__()
        self._fn = fn
        self._stop = stop
        self.name = name or getattr(fn, "__name__", "work")
        self.thread = QThread()
        self.thread.setObjectName(f"nnstudio-{self.name}")
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)
        # quit() is thread-safe; a direct connection lets the thread end even while the GUI thread
        # is blocked waiting for it (closing the window)
        self.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        ALL_WORKERS.add(self)

    @Slot()
    def _run(self) -> None:
        try:
            result = self._fn(self.progress.emit)
        except NNStudioError as e:
            self.failed.emit(e)
        except Exception as e:
            log.error("Background task %s failed:\n%s", self.name, traceback.format_exc())
            err = NNStudioError(f"Something went wrong while running '{self.name}': "
                                f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".strip(),
                                "Your work is kept. Details were written to the log; please report "
                                "this if it happens again.")
            self.failed.emit(err)
        else:
            self.finished.emit(result)
        finally:
            self.done.emit()

    def start(self) -> None:
        self.thread.start()

    def request_stop(self) -> None:
        if self._stop is not None:
            self._stop()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def wait(self, ms: int = 30_000) -> bool:
        return self.thread.wait(ms)


class WorkerPool(QObject):
    """Keeps references to running workers (so they are not garbage collected) until they end."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workers: list[Worker] = []
        self.closed = False

    def start(self, worker: Worker) -> Worker:
        """Start ``worker`` on its thread; once the pool is closed (window closing) nothing starts."""
        if self.closed:
            log.info("not starting %s: the window is closing", worker.name)
            return worker
        self._workers.append(worker)
        # a bound slot of this GUI-thread object: Qt queues the call to the GUI thread (a lambda
        # would run on the finishing worker thread itself)
        worker.thread.finished.connect(self._on_thread_finished)
        worker.start()
        return worker

    @Slot()
    def _on_thread_finished(self) -> None:
        thread = self.sender()
        for worker in list(self._workers):
            if worker.thread is thread:
                self._workers.remove(worker)
                worker.thread.deleteLater()
                worker.deleteLater()

    @property
    def running(self) -> list[Worker]:
        return [w for w in self._workers if w.is_running()]

    def stop_all(self, wait_ms: int = 60_000) -> bool:
        """Close the pool, ask every worker to stop, then wait for each thread. True if all ended."""
        self.closed = True
        for w in list(self._workers):
            w.request_stop()
        ok = True
        for w in list(self._workers):
            ok &= w.wait(wait_ms)
        return ok
