"""The training control protocol: how whoever starts a run steers it and hears from it.

One :class:`TrainingControl` is made by the caller (the GUI's training controller, the CLI, a test)
and passed to whichever loop trains — the fast path (:class:`~nnstudio.core.training.trainer.Trainer`),
the in-memory streaming path (:mod:`~nnstudio.core.training.streaming`) or Keras ``fit`` for the
mirrored and CSV-streaming paths (:mod:`~nnstudio.core.training.distributed`). Like Keras'
``CallbackList`` it is the one object between the caller and the loop, so every loop obeys the
same commands in the same way:

* **Commands** (any thread): :meth:`~TrainingControl.stop`, :meth:`~TrainingControl.pause`,
  :meth:`~TrainingControl.resume`, :meth:`~TrainingControl.step` (while paused: one more epoch,
  then pause again) and :meth:`~TrainingControl.set_learning_rate`. They only set thread-safe
  flags; nothing waits.
* **Reports** (the training thread): each loop calls :meth:`~TrainingControl.report` with what it
  finished; the control turns that into a :class:`Progress` (plain data, safe to send across
  threads) for every listener (``on_progress`` and :meth:`~TrainingControl.add_listener`).
* **Checkpoints** (the training thread): between chunks of work a loop calls
  :meth:`~TrainingControl.checkpoint`, which waits while paused (reporting the paused state once),
  and answers with a :class:`Gate`: stop now?, run a single epoch (Step)?, a new learning rate?
  After a stepped epoch the loop calls :meth:`~TrainingControl.after_step`.
* **Report hooks** (the training thread): :meth:`~TrainingControl.add_report_hook` functions are
  called at every report with the epochs done, the *live* model (its ``variables``, RNG state
  included) and the report's state, before the listeners, so a recorder can copy what it needs
  (the timeline's snapshots, issue 19) without every report carrying a copy of the weights.

Where a loop checks in differs by path (the fast path between compiled chunks of epochs, the
streaming path between blocks of rows, Keras ``fit`` at epoch starts and, for Stop, after every
batch); what a command does does not.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import SettingsError


@dataclass
class Progress:
    """What a run reports (plain data: safe to send across threads)."""

    epoch: int  # epochs completed so far
    epochs: int  # epochs planned
    new_rows: dict[str, list[float]]  # metric -> values for the epochs finished since the last report
    elapsed: float
    eta: float  # seconds left, estimated
    learning_rate: float
    weights: list[np.ndarray] | None = None  # a copy of the model's weights, when asked for
    state: str = "running"  # running | paused


@dataclass(frozen=True)
class Gate:
    """A checkpoint's answer: stop now, run only one epoch (a Step), apply a learning rate."""

    stop: bool = False
    stepping: bool = False
    learning_rate: float | None = None


class TrainingControl:
    """Stop / pause / step / learning-rate commands and progress listeners for one run.

    ``on_progress`` (optional) is the first listener; ``want_weights`` adds a copy of the model's
    weights to every report (the GUI draws them live); ``should_stop`` is an extra stop condition
    polled at every checkpoint (e.g. a worker's cancel flag).
    """

    def __init__(self, on_progress: Callable[[Progress], None] | None = None, *,
                 want_weights: bool = False,
                 should_stop: Callable[[], bool] | None = None) -> None:
        self.want_weights = want_weights
        self._listeners: list[Callable[[Progress], None]] = [on_progress] if on_progress else []
        self._hooks: list[Callable[[int, object, str], None]] = []
        self._should_stop = should_stop
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._step_budget = 0  # epochs to run while paused (Step)
        self._pending_lr: float | None = None
        self._t0 = time.perf_counter()
        self._epochs = 0

    # ----- listeners --------------------------------------------------------------------------------
    def add_listener(self, fn: Callable[[Progress], None]) -> None:
        self._listeners.append(fn)

    def add_report_hook(self, fn: Callable[[int, object, str], None]) -> None:
        """``fn(done, model, state)`` at every report, on the training thread, with the live model
        (or None when the loop has none to show); it must copy what it keeps and return quickly."""
        self._hooks.append(fn)

    @property
    def listening(self) -> bool:
        """Whether anyone hears reports (a loop may skip building them otherwise)."""
        return bool(self._listeners or self._hooks)

    # ----- commands (any thread) --------------------------------------------------------------------
    @property
    def wants_model(self) -> bool:
        """Whether a report's model is read (report hooks, or listeners that want weights)."""
        return bool(self._hooks) or (self.want_weights and bool(self._listeners))

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused run wakes up to stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def step(self) -> None:
        """While paused, run exactly one more epoch and pause again."""
        with self._lock:
            self._step_budget += 1
        self._running.set()

    def set_learning_rate(self, lr: float) -> None:
        if isinstance(lr, bool) or not (isinstance(lr, (int, float)) and lr > 0
                                        and math.isfinite(lr)):
            raise SettingsError(f"The learning rate must be a number above 0 (got {lr!r}).")
        with self._lock:
            self._pending_lr = float(lr)

    @property
    def stopped(self) -> bool:
        """Whether Stop was asked for (by :meth:`stop` or the ``should_stop`` condition)."""
        if not self._stop.is_set() and self._should_stop is not None and self._should_stop():
            self._stop.set()
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    # ----- the training thread ----------------------------------------------------------------------
    def begin(self, epochs: int) -> None:
        """A loop starts: ``epochs`` planned; elapsed times and ETAs count from now."""
        self._t0 = time.perf_counter()
        self._epochs = int(epochs)

    def checkpoint(self, done: int, learning_rate: Callable[[], float],
                   weights_of=None, model_fn: Callable[[], object] | None = None) -> Gate:
        """Between chunks of work: wait while paused (reporting it), then say what to do next.

        ``learning_rate()`` gives the optimizer's current rate and ``weights_of`` (anything with
        ``get_weights()``) the weights, for the paused report; or ``model_fn()`` gives it, called
        only for that report (the host engine writes its weights into the model when asked).
        """
        if not self._running.is_set():
            if weights_of is None and model_fn is not None:
                weights_of = model_fn()
            self.report(done, {}, learning_rate(), weights_of, state="paused")
            self._running.wait()
        if self.stopped:
            return Gate(stop=True)
        with self._lock:
            stepping = self._step_budget > 0
            if stepping:
                self._step_budget -= 1
            lr, self._pending_lr = self._pending_lr, None
        return Gate(False, stepping, lr)

    def after_step(self) -> None:
        """A stepped epoch is done: pause again, unless another Step is already waiting."""
        with self._lock:
            if self._step_budget == 0:
                self.pause()

    def report(self, done: int, new: dict[str, list[float]], learning_rate: float,
               weights_of=None, state: str = "running") -> None:
        """Tell every listener: ``done`` epochs finished, ``new`` their figures since last time."""
        for hook in list(self._hooks):
            hook(done, weights_of, state)
        if not self._listeners:
            return
        elapsed = time.perf_counter() - self._t0
        eta = elapsed / done * (self._epochs - done) if done else float("nan")
        weights = None
        if self.want_weights and weights_of is not None:
            weights = [w.copy() for w in weights_of.get_weights()]
        p = Progress(done, self._epochs, new, elapsed, eta, float(learning_rate), weights, state)
        for fn in list(self._listeners):
            fn(p)
