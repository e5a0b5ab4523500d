"""Early stopping for each network of a population, inside its program (compiled or host).

A single run stops when its monitored value (``resolve_monitor``) has not been strictly better
than its best for ``patience`` epochs, and restores the best epoch's weights when asked (its
random layers' seed states stay as they are). A population's networks stop at their own epochs:
after every epoch each network's best and stop are decided in the program, and its values are
copied there and then (at its best epoch, at its stop); a stopped network trains on with the
others (what it does then is not read) until every network has stopped. Each network's result
is then the one its seed's run gives alone: its history ends at its stop, its values are its
stop's, or its best epoch's weights where those are restored.
"""
from __future__ import annotations

import numpy as np

from nnstudio.core.tf import tensorflow as _tensorflow


class EarlyState:
    """What a population's early stopping decided: per network the epoch it stopped after (-1:
    it did not stop), its best epoch (-1: none), and its values at the best epoch and at the stop
    (each network's list, in the program's ``read()`` order)."""

    def __init__(self, stopped, best_epoch, best_values, stop_values) -> None:
        self.stopped = np.asarray(stopped, int)
        self.best_epoch = np.asarray(best_epoch, int)
        self.best_values, self.stop_values = best_values, stop_values

    def values(self, i: int, last: list, restore: bool) -> list | None:
        """Network ``i``'s result values when they are not ``last`` (its values at the end), else
        None: its stop's, with its best epoch's weights (not seed states) where restored."""
        stopped = self.stopped[i] >= 0
        values = self.stop_values[i] if stopped else last
        end = self.stopped[i] if stopped else np.inf
        if restore and 0 <= self.best_epoch[i] < end:
            values = [b if np.asarray(b).dtype.kind == "f" else v
                      for b, v in zip(self.best_values[i], values)]
        return None if values is last else values

    @staticmethod
    def joined(states: list[EarlyState]) -> EarlyState:
        """The states of consecutive groups of networks as one (a split program's lanes)."""
        return EarlyState(np.concatenate([s.stopped for s in states]),
                          np.concatenate([s.best_epoch for s in states]),
                          [v for s in states for v in s.best_values],
                          [v for s in states for v in s.stop_values])


class CompiledEarly:
    """The compiled population program's early stopping: variables beside its stacked ones."""

    def __init__(self, stacked: list, pop: int) -> None:
        tf = _tensorflow()
        self.stacked = stacked
        self.best_copy = [tf.Variable(tf.zeros_like(v), trainable=False) for v in stacked]
        self.stop_copy = [tf.Variable(tf.zeros_like(v), trainable=False) for v in stacked]
        self.best = tf.Variable(tf.zeros([pop]), trainable=False)
        self.best_epoch = tf.Variable(-tf.ones([pop], tf.int32), trainable=False)
        self.wait = tf.Variable(tf.zeros([pop], tf.int32), trainable=False)
        self.stopped = tf.Variable(-tf.ones([pop], tf.int32), trainable=False)
        self.epochs = tf.Variable(0, trainable=False)  # epochs since the run's start
        # the run's settings (set_run): on, patience, the monitored key's index, bigger is better
        self.on = tf.Variable(False, trainable=False)
        self.patience = tf.Variable(1, trainable=False)
        self.index = tf.Variable(0, trainable=False)
        self.mode_max = tf.Variable(False, trainable=False)

    def set_run(self, on: bool, patience: int, index: int, mode_max: bool) -> None:
        self.on.assign(bool(on))
        self.patience.assign(int(patience))
        self.index.assign(int(index))
        self.mode_max.assign(bool(mode_max))

    def reset_ops(self, fresh) -> list:
        """In-graph: a fresh run's start (nothing decided, the best the worst value)."""
        tf = _tensorflow()
        worst = tf.where(self.mode_max, -np.inf, np.inf) * tf.ones_like(self.best)
        return [self.best.assign(tf.where(fresh, worst, self.best)),
                self.best_epoch.assign(tf.where(fresh, -tf.ones_like(self.best_epoch),
                                                self.best_epoch)),
                self.wait.assign(tf.where(fresh, tf.zeros_like(self.wait), self.wait)),
                self.stopped.assign(tf.where(fresh, -tf.ones_like(self.stopped), self.stopped)),
                self.epochs.assign(tf.where(fresh, 0, self.epochs))]

    def all_stopped(self):
        tf = _tensorflow()
        return tf.logical_and(self.on, tf.reduce_all(self.stopped >= 0))

    def after_epoch(self, row):
        """In-graph, after an epoch whose rows [N, keys] are ``row``: each network's decision."""
        tf = _tensorflow()

        def decide():
            e = self.epochs
            cur = tf.gather(row, self.index, axis=1)
            active = self.stopped < 0
            better = active & tf.where(self.mode_max, cur > self.best, cur < self.best)
            wait = tf.where(better, 0, tf.where(active, self.wait + 1, self.wait))
            stop = active & ~better & (wait >= self.patience)
            ops = [self.best.assign(tf.where(better, cur, self.best)),
                   self.best_epoch.assign(tf.where(better, e, self.best_epoch)),
                   self.wait.assign(wait), self.stopped.assign(tf.where(stop, e, self.stopped))]
            for v, b, s in zip(self.stacked, self.best_copy, self.stop_copy):
                shape = [-1] + [1] * (v.shape.rank - 1)
                ops += [b.assign(tf.where(tf.reshape(better, shape), v, b)),
                        s.assign(tf.where(tf.reshape(stop, shape), v, s))]
            with tf.control_dependencies(ops):
                return tf.constant(0)

        with tf.control_dependencies([tf.cond(self.on, decide, lambda: tf.constant(0))]):
            return self.epochs.assign_add(1)

    def state(self) -> EarlyState:
        pop = int(self.stopped.shape[0])
        best = [v.numpy() for v in self.best_copy]
        stop = [v.numpy() for v in self.stop_copy]
        return EarlyState(self.stopped.numpy(), self.best_epoch.numpy(),
                          [[a[i] for a in best] for i in range(pop)],
                          [[a[i] for a in stop] for i in range(pop)])


class HostEarly:
    """The host population's early stopping: the same decisions on its NumPy arrays."""

    def __init__(self, pop: int) -> None:
        self.pop = pop
        self.set_run(False, 1, 0, False)

    def set_run(self, on: bool, patience: int, index: int, mode_max: bool) -> None:
        self.on, self.patience, self.index, self.mode_max = bool(on), int(patience), int(index), \
            bool(mode_max)
        self.reset()

    def reset(self) -> None:
        self.best = np.full(self.pop, -np.inf if self.mode_max else np.inf, np.float32)
        self.best_epoch = np.full(self.pop, -1)
        self.wait = np.zeros(self.pop, int)
        self.stopped = np.full(self.pop, -1)
        self.epochs = 0
        self.best_values: list = [None] * self.pop
        self.stop_values: list = [None] * self.pop

    def all_stopped(self) -> bool:
        return self.on and bool(np.all(self.stopped >= 0))

    def after_epoch(self, row: np.ndarray, read) -> None:
        """After an epoch whose rows [N, keys] (float32) are ``row``; ``read()`` gives each
        network's values now (called only when some network's best or stop needs them)."""
        e, self.epochs = self.epochs, self.epochs + 1
        if not self.on:
            return
        cur = row[:, self.index]
        active = self.stopped < 0
        with np.errstate(invalid="ignore"):
            better = active & ((cur > self.best) if self.mode_max else (cur < self.best))
        self.wait = np.where(better, 0, np.where(active, self.wait + 1, self.wait))
        stop = active & ~better & (self.wait >= self.patience)
        self.best = np.where(better, cur, self.best)
        self.best_epoch = np.where(better, e, self.best_epoch)
        self.stopped = np.where(stop, e, self.stopped)
        if better.any() or stop.any():
            values = read()
            for i in np.flatnonzero(better):
                self.best_values[i] = [np.array(v) for v in values[i]]
            for i in np.flatnonzero(stop):
                self.stop_values[i] = [np.array(v) for v in values[i]]

    def state(self) -> EarlyState:
        return EarlyState(self.stopped, self.best_epoch, self.best_values, self.stop_values)
