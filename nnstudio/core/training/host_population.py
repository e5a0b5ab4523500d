"""Seeds in parallel with nothing to compile: a population on the NumPy host engine.

A population program (:mod:`nnstudio.core.training.population`) trains N seeds of one network in
one compiled call, but compiling it costs 1.5-4 s on a new network, several times what the N runs
themselves take on a teaching net. So a population whose program is not compiled yet trains here,
in NumPy, stacked the way the compiled one is: each kernel is ``[N, in, out]``, each mini-batch step
is batched matrix products over the N networks, and one optimizer update (the host engine's, on
flat vectors that hold every network's parameters, each weight's N copies side by side) steps all
of them. What a network's slice sees depends on that network only, so each is the run its seed
gives alone, up to float rounding: the same starting weights, row orders and batches, and the
host engine's maths (:class:`~nnstudio.core.training.host.HostProgram`), which equals the compiled
program's.

What it covers: what both the population (:func:`population.supports`) and the host engine
(:func:`host.supports`) cover. Each network's Dropout layers keep their own seed states and draw
from them the masks its single run's program would draw (:mod:`~nnstudio.core.training.host_dropout`),
every network's, many steps ahead, in one go.
"""
from __future__ import annotations

import numpy as np

from nnstudio.core.model.spec import Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.training.evaluation import summarize
from nnstudio.core.training.host import F32, HostProgram
from nnstudio.core.training.population_early import EarlyState, HostEarly
from nnstudio.core.training.population_program import population_max_k

#: The N networks' rows of an epoch are gathered in one go up to this many bytes (else batch by
#: batch: five copies of a 64 MB training set would be 320 MB).
GATHER_BYTES = 32 * 2**20


class HostPopulation(HostProgram):
    """N networks of one architecture, their optimizer state and epoch loop, in NumPy: the part
    of :class:`~nnstudio.core.training.population_program.PopulationProgram`'s interface that
    :func:`~nnstudio.core.training.population.train_population` uses."""

    def __init__(self, template, settings: TrainSettings, task: Task, loss_name: str, n: int,
                 n_inputs: int, n_val: int, layout: str, pop: int) -> None:
        super().__init__(template, settings, task, loss_name, n, n_inputs, n_val, layout, pop=pop)
        self.pop = pop
        self.max_k = population_max_k(n, pop)
        index = {id(v): i for i, v in enumerate(template.variables)}
        self.sources = [index[id(v)] for v in self.tvars]  # each weight's place in .variables
        self.seed_sources = [index[id(layer.seed_generator.state)] for layer in self.dropouts]
        self.stat_sources = [index[id(v)] for v in self.stat_vars]  # moving statistics
        self.early = HostEarly(pop)  # each network's early stopping
        self.ran = 0  # epochs the last call ran (fewer than asked once every network stopped)

    # ---- values in and out
    def load(self, values, settings: TrainSettings) -> None:
        """Start a run: network i gets ``values[i]`` (its model's ``variables`` values)."""
        for view, src in zip(self.views + self.stat_views, self.sources + self.stat_sources):
            view[...] = np.stack([np.asarray(vals[src]) for vals in values])
        self.masks.reset([np.stack([np.asarray(vals[src]) for vals in values])
                          for src in self.seed_sources])
        self.m[:] = 0
        self.v[:] = 0
        self.step_count = 0
        self.lr = F32(settings.learning_rate)
        self.early.reset()

    @property
    def read_sources(self) -> list[int]:
        """Where :meth:`read`'s values go in a model's ``variables``."""
        return self.sources + self.stat_sources + self.seed_sources

    def read(self) -> list[list[np.ndarray]]:
        """Each network's values now: [i][j] is network i's value of ``read_sources[j]``."""
        arrays = self.views + self.stat_views + self.masks.states
        return [[np.array(a[i]) for a in arrays] for i in range(self.pop)]

    def evaluate_values(self, values: dict, X, y) -> dict[int, dict[str, float]]:
        """:meth:`PopulationProgram.evaluate_values` on the host: the given networks' values
        written into the population's arrays (their random layers' states untouched), then its
        own pass."""
        if not values:
            return {}
        arrays = self.views + self.stat_views
        for i, vals in values.items():
            for a, x in zip(arrays, vals):
                a[i][...] = x
        out = self.evaluate(X, y)
        return {i: out[i] for i in values}

    def set_early_stopping(self, on: bool, patience: int, index: int, mode_max: bool) -> None:
        """This run's early stopping (each network's own): :mod:`population_early`."""
        self.early.set_run(on, patience, index, mode_max)

    def early_state(self) -> EarlyState:
        return self.early.state()

    def store(self, models) -> None:
        """Model i gets network i's values."""
        for i, model in enumerate(models):
            variables = model.variables
            for view, src in zip(self.views + self.stat_views, self.sources + self.stat_sources):
                variables[src].assign(view[i])
            for src, state in zip(self.seed_sources, self.masks.states):
                variables[src].assign(state[i])

    # ---- the maths: the host engine's, with the networks on the leading axis
    def _shared(self, y: np.ndarray) -> np.ndarray:
        """Targets shared by every network, broadcast to [N, rows, ...]."""
        return np.broadcast_to(y, (self.pop, *y.shape))

    def _call(self, args) -> np.ndarray:
        """``k`` epochs of every network: [k, N, keys] rows (a network whose loss became NaN or
        infinite goes on as NaN; the caller trains that seed again alone)."""
        X, y, Xv, yv, orders, k = args
        n, bs, pop = self.n, self.bs, self.pop
        buf = np.zeros((int(k), pop, len(self.keys)), np.float32)
        whole = pop * X.nbytes <= GATHER_BYTES  # an epoch's rows gathered at once, or per batch
        for e in range(int(k)):
            perm = orders[e]  # [N, n]: each network's own order
            if whole:
                Xe, ye = X[perm], y[perm]
            loss_sum = np.zeros(pop)
            met_sum = np.zeros(pop)
            for s in range(0, n, bs):
                if whole:
                    xb, yb = Xe[:, s:s + bs], ye[:, s:s + bs]
                else:
                    rows = perm[:, s:s + bs]
                    xb, yb = X[rows], y[rows]
                lo, me = self._step(xb, yb)
                loss_sum += lo * min(bs, n - s)
                met_sum += me
            row = [loss_sum / n, met_sum / n]
            if self.has_val:
                row += list(self._validate(Xv, yv))
            buf[e] = np.stack(row, axis=1)
            self.ran = e + 1
            self.early.after_epoch(buf[e], self.read)
            if self.early.all_stopped():
                break
        return buf

    def fn(self, X, y, Xv, yv, orders, k) -> np.ndarray:
        """The compiled chunk's call: rows [max_k, N, keys] of ``k`` epochs (the rest zero)."""
        return self.call((X, y, Xv, yv, orders, k))

    def evaluate(self, X, y) -> list[dict[str, float]]:
        """Each network's loss (with its penalties) and metric on a split."""
        if len(X) == 0:
            return [{} for _ in range(self.pop)]
        p, loss = self._split(X, y)
        y = np.asarray(y)
        return [summarize(p[i], y, self.task, float(loss[i])) for i in range(self.pop)]
