"""Training pace: how many epochs a second the GUI lets a run go, so a person can watch it learn.

Like TensorFlow Playground's continuous play. "Max" is the engine's own speed (and the CLI's,
which never paces). The pace works from the outside of the engine: it caps the epochs of each
chunk (``Trainer.max_chunk_epochs``) and, in the progress callback on the training thread, waits
until the epochs reported are due. That wait sits between two chunks, so Pause, Step, Stop and a
new learning rate are answered as before.
"""
from __future__ import annotations

import threading
import time

#: name -> (label, epochs per second; None = as fast as the engine goes)
PACES: dict[str, tuple[str, float | None]] = {
    "slow": ("Slow (10 epochs/s)", 10.0),
    "normal": ("Normal (50 epochs/s)", 50.0),
    "fast": ("Fast (200 epochs/s)", 200.0),
    "max": ("Max (full speed)", None),
}
DEFAULT_PACE = "normal"
#: progress reports a second at a set pace (each carries ~pace/REPORTS_PER_S epochs)
REPORTS_PER_S = 15


def chunk_cap(epochs_per_second: float | None) -> int | None:
    """Most epochs per chunk at this pace (None: no cap)."""
    if epochs_per_second is None:
        return None
    return max(1, round(epochs_per_second / REPORTS_PER_S))


class Pacer:
    """Holds a run to ``epochs_per_second`` (None: no holding). :meth:`set` from the GUI thread;
    :meth:`wait` from the training thread after each report; :meth:`cancel` (Stop) ends a wait."""

    def __init__(self, epochs_per_second: float | None = None) -> None:
        self.epochs_per_second = epochs_per_second
        self._anchor: tuple[float, int] | None = None
        self._cancel = threading.Event()

    def set(self, epochs_per_second: float | None) -> None:
        self.epochs_per_second = epochs_per_second
        self._anchor = None  # the new pace counts from the next report

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, epoch: int, state: str = "running") -> float:
        """Sleep until ``epoch`` epochs are due at the pace; returns the seconds waited."""
        eps = self.epochs_per_second
        if eps is None or state != "running" or self._cancel.is_set():
            self._anchor = None  # a pause (or Max) restarts the clock
            return 0.0
        now = time.perf_counter()
        anchor = self._anchor
        if anchor is None or epoch < anchor[1]:
            self._anchor = (now, epoch)
            return 0.0
        due = anchor[0] + (epoch - anchor[1]) / eps
        if due <= now:
            if now - due > 1.0:  # slower than the pace (a big epoch): do not try to catch up
                self._anchor = (now, epoch)
            return 0.0
        self._cancel.wait(due - now)
        return due - now
