"""Two population programs called together on two threads: a population of mid-sized steps
when TensorFlow has two compute threads (headless, or the app on 3 cores or more).

XLA's CPU code runs one program's small batched products on one core; :class:`SplitPopulation`
calls programs of the first ceil(N/2) networks and of the rest together, one on the caller's
thread and one on a lane thread. Each lane is an ordinary
:class:`~nnstudio.core.training.population_program.PopulationProgram` of its seeds.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

import numpy as np

from nnstudio.core.settings import TrainSettings
from nnstudio.core.training.population_early import EarlyState
from nnstudio.core.training.population_program import population_max_k

#: A population of at least :data:`SPLIT_MIN_NETWORKS` networks, each of whose steps is between
#: these many multiply-adds (rows x sum of in x out), is two programs called together on two
#: threads when TensorFlow has two compute threads (:class:`SplitPopulation`). One program of five
#: W3 nets (64-64-10, 32 rows: 2^18 a step) took 72-78 ms a call, two of three and two 41-46 ms.
#: Below, the call is too short to gain (W1, W2, W4: 0.7-1.4x); above, each step's products are
#: big enough for TensorFlow's own threads to share out.
SPLIT_MACS = (2**16, 2**22)
SPLIT_MIN_NETWORKS = 4



def splits(template, batch: int, pop: int, threads: int) -> bool:
    """Whether a population of ``pop`` networks like ``template`` is a :class:`SplitPopulation`
    on ``threads`` compute threads."""
    macs = batch * sum(int(np.prod(layer.kernel.shape)) for layer in template.layers
                       if type(layer).__name__ == "Dense")
    return threads >= 2 and pop >= SPLIT_MIN_NETWORKS and SPLIT_MACS[0] <= macs <= SPLIT_MACS[1]


class _Lane(threading.Thread):
    """The thread a :class:`SplitPopulation` calls its second program on (one for all, made
    once: a thread's start costs the caller a switch interval). A daemon: it holds no state."""

    def __init__(self) -> None:
        super().__init__(name="population-lane", daemon=True)
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()

    def submit(self, fn, *args) -> Future:
        done: Future = Future()
        self.jobs.put((fn, args, done))
        return done

    def run(self) -> None:
        while True:
            fn, args, done = self.jobs.get()
            try:
                done.set_result(fn(*args))
            except BaseException as exc:  # the caller's result() raises it
                done.set_exception(exc)


_lane_thread: _Lane | None = None
_lane_lock = threading.Lock()


def _lane() -> _Lane:
    global _lane_thread
    with _lane_lock:
        if _lane_thread is None:
            _lane_thread = _Lane()
            _lane_thread.start()
        return _lane_thread


class SplitPopulation:
    """A population as two :class:`PopulationProgram` s, the first ceil(N/2) networks and the
    rest, whose calls run together: the second on the lane thread, the first on the caller's.

    XLA's CPU code runs one program's small batched products on one core: W3's five networks
    (64-64-10, 32-row batches) took 72-78 ms a call as one program, and 41-46 ms as programs of
    three and two called together. Same interface as one program; the networks are the same
    runs (each lane is an ordinary population program of its seeds)."""

    def __init__(self, make, pop: int, n: int) -> None:
        """``make(pop, max_k)`` builds one lane's program."""
        self.pop = int(pop)
        self.first = (self.pop + 1) // 2
        self.max_k = population_max_k(n, self.pop)  # both lanes take the whole orders buffer's
        self.lanes = (make(self.first, self.max_k), make(self.pop - self.first, self.max_k))
        lane = self.lanes[0]
        self.keys, self.layout, self.sources = lane.keys, lane.layout, lane.sources
        self.weight_slots = lane.weight_slots
        self.lock = threading.Lock()
        self.traced = False
        self.epoch_seconds: float | None = None
        self._after: list[tuple] = []  # (fn, Future): for the lane once its next call has ended

    def after_next_call(self, fn) -> Future:
        """Run ``fn()`` on the lane thread once the second program's next call (the lane's next
        job, :meth:`_both`) has ended, while the first (one network more) is still running:
        interpreter work in that lane's idle time. The future has its answer or error;
        :meth:`flush` hands on what no call took."""
        done: Future = Future()
        self._after.append((fn, done))
        return done

    def flush(self) -> None:
        """The lane gets the work :meth:`after_next_call` queued, now (no call took it)."""
        lane = _lane()
        for fn, done in self._after:
            lane.jobs.put((fn, (), done))
        self._after.clear()

    def _both(self, method: str, first: tuple, second: tuple):
        """``method`` of both lanes at once; (first's answer, second's). The second has ended
        when this returns, an error or not; work :meth:`after_next_call` queued runs on the lane
        right after it."""
        other = _lane().submit(getattr(self.lanes[1], method), *second)
        self.flush()
        try:
            mine = getattr(self.lanes[0], method)(*first)
        finally:
            theirs = other.result()
        return mine, theirs

    def _shares(self, items) -> tuple:
        """``items`` (one per network) as (the first lane's, the second's)."""
        return items[:self.first], items[self.first:]

    def load(self, values, settings: TrainSettings) -> None:
        for lane, part in zip(self.lanes, self._shares(values)):
            lane.load(part, settings)

    def store(self, models) -> None:
        for lane, part in zip(self.lanes, self._shares(models)):
            lane.store(part)

    def set_class_weights(self, weights) -> None:
        for lane in self.lanes:
            lane.set_class_weights(weights)

    def set_early_stopping(self, *run) -> None:
        for lane in self.lanes:
            lane.set_early_stopping(*run)

    def early_state(self) -> EarlyState:
        return EarlyState.joined([lane.early_state() for lane in self.lanes])

    @property
    def ran(self) -> int:
        """Epochs the last call ran: its longer lane's (a lane whose networks have all stopped
        early ends its call before the other)."""
        return max(lane.ran for lane in self.lanes)

    def read(self) -> list[list[np.ndarray]]:
        return self.lanes[0].read() + self.lanes[1].read()

    def steps(self) -> int:
        return self.lanes[0].steps()

    def evaluate(self, X, y) -> list[dict[str, float]]:
        mine, theirs = self._both("evaluate", (X, y), (X, y))
        return mine + theirs

    def evaluate_values(self, values: dict, X, y) -> dict[int, dict[str, float]]:
        n0 = self.lanes[0].pop
        out = self.lanes[0].evaluate_values({i: v for i, v in values.items() if i < n0}, X, y)
        theirs = self.lanes[1].evaluate_values({i - n0: v for i, v in values.items() if i >= n0},
                                               X, y)
        return {**out, **{i + n0: t for i, t in theirs.items()}}

    def tested(self, X, y) -> list[dict[str, float]]:
        if any(lane.last is None or lane.last[1] is None for lane in self.lanes):
            return self.evaluate(X, y)
        return self.lanes[0].tested(X, y) + self.lanes[1].tested(X, y)

    def tensors(self, data) -> tuple:
        return self.lanes[0].tensors(data)

    def arguments(self, orders: np.ndarray, k: int, last: bool = False) -> tuple:
        """Each lane's share of the row orders (views: each lane makes its tensor itself)."""
        return (orders[:, :self.first], k, last), (orders[:, self.first:], k, last)

    def call(self, data: tuple, args: tuple) -> np.ndarray:
        mine, theirs = self._both("call_with", (data, *args[0]), (data, *args[1]))
        return np.concatenate([mine, theirs], axis=1)

    def compile_now(self) -> None:
        self._both("compile_now", (), ())
