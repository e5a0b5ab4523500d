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
(:func:`host.supports`) cover, without Dropout (its masks come from TensorFlow's generator).
"""
from __future__ import annotations

import numpy as np

from nnstudio.core.forward import activation_gradient
from nnstudio.core.model.spec import Task
from nnstudio.core.registry import canonical_activation
from nnstudio.core.settings import TrainSettings
from nnstudio.core.training.evaluation import EVAL_BATCH_ROWS, summarize
from nnstudio.core.training.host import F32, SMALL_PRODUCT, HostProgram, _Layer
from nnstudio.core.training.steps import as_targets, metric_name

#: The N networks' rows of an epoch are gathered in one go up to this many bytes (else batch by
#: batch: five copies of a 64 MB training set would be 320 MB).
GATHER_BYTES = 32 * 2**20


class HostPopulation(HostProgram):
    """N networks of one architecture, their optimizer state and epoch loop, in NumPy: the part
    of :class:`~nnstudio.core.training.population_program.PopulationProgram`'s interface that
    :func:`~nnstudio.core.training.population.train_population` uses."""

    def __init__(self, template, settings: TrainSettings, task: Task, loss_name: str, n: int,
                 n_inputs: int, n_val: int, layout: str, pop: int) -> None:
        self.keras_model = template
        self.task, self.loss_name, self.layout = task, loss_name, layout
        self.n, self.n_inputs, self.n_val, self.pop = n, n_inputs, n_val, pop
        self.bs = settings.effective_batch_size(n)
        self.has_val = n_val > 0
        self.keys = ["loss", metric_name(task)] + (
            ["val_loss", f"val_{metric_name(task)}"] if self.has_val else [])
        self.optimizer_name = settings.optimizer
        self.momentum = F32(settings.momentum)
        self.nesterov = bool(settings.nesterov)
        self.tvars = list(template.trainable_variables)
        index = {id(v): i for i, v in enumerate(template.variables)}
        self.sources = [index[id(v)] for v in self.tvars]  # each weight's place in .variables
        shapes = [tuple(v.shape) for v in self.tvars]
        sizes = [pop * int(np.prod(s)) for s in shapes]
        total = sum(sizes)
        self.params = np.zeros(total, F32)
        self.grads = np.zeros(total, F32)
        ends = np.cumsum(sizes).tolist()
        self.slices = [slice(end - size, end) for size, end in zip(sizes, ends)]
        self.views = [self.params[sl].reshape((pop, *s)) for sl, s in zip(self.slices, shapes)]
        self.gviews = [self.grads[sl].reshape((pop, *s)) for sl, s in zip(self.slices, shapes)]
        tindex = {id(v): i for i, v in enumerate(self.tvars)}
        self.layers: list[_Layer] = []
        for layer in template.layers:
            k = tindex[id(layer.kernel)]
            b = tindex[id(layer.bias)] if layer.use_bias else None
            reg = layer.kernel_regularizer
            l1 = float(getattr(reg, "l1", 0.0) or 0.0) if reg is not None else 0.0
            l2 = float(getattr(reg, "l2", 0.0) or 0.0) if reg is not None else 0.0
            self.layers.append(_Layer(
                canonical_activation(getattr(layer.activation, "__name__", "linear")),
                self.views[k], None if b is None else self.views[b],
                self.gviews[k], None if b is None else self.gviews[b], l1, l2))
        self.m = np.zeros(total, F32)
        self.v = np.zeros(total, F32)
        self._t1 = np.zeros(total, F32)
        self._t2 = np.zeros(total, F32)
        self.step_count = 0
        self.lr = F32(settings.learning_rate)
        self._penalized = any(layer.l1 or layer.l2 for layer in self.layers)
        width = max([n_inputs] + [s[-1] for s in shapes])
        self.blas_threads = 1 if pop * self.bs * width * width < SMALL_PRODUCT else None

    # ---- values in and out
    def load(self, values, settings: TrainSettings) -> None:
        """Start a run: network i gets ``values[i]`` (its model's ``variables`` values)."""
        for j, view in enumerate(self.views):
            view[...] = np.stack([np.asarray(vals[self.sources[j]]) for vals in values])
        self.m[:] = 0
        self.v[:] = 0
        self.step_count = 0
        self.lr = F32(settings.learning_rate)

    def store(self, models) -> None:
        """Model i gets network i's values."""
        for i, model in enumerate(models):
            variables = model.variables
            for j, view in enumerate(self.views):
                variables[self.sources[j]].assign(view[i])

    # ---- the maths, with the networks on the leading axis
    def _forward(self, x: np.ndarray) -> tuple[list, list]:
        """``x``: [N, rows, in], or [rows, in] shared by every network (validation, test)."""
        zs, acts = [], [x]
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            z = acts[-1] @ layer.kernel
            if layer.bias is not None:
                z += layer.bias[:, None, :]
            zs.append(z)
            acts.append(z if i == last else layer.fn(z))
        return zs, acts

    def _head(self, z: np.ndarray, y: np.ndarray, need_grad: bool):
        """Per network: output activation, per-row loss [N, rows] and dLoss/dz (unscaled)."""
        if self.loss_name == "binary_crossentropy":
            p = F32(1) / (F32(1) + np.exp(-z))
            per_row = (np.maximum(z, F32(0)) - z * y + np.log1p(np.exp(-np.abs(z))))[..., 0]
            return p, per_row, (p - y if need_grad else None)
        if self.loss_name == "sparse_categorical_crossentropy":
            zmax = z.max(axis=-1, keepdims=True)
            e = np.exp(z - zmax)
            s = e.sum(axis=-1, keepdims=True)
            p = e / s
            per_row = (np.log(s) + zmax)[..., 0] - np.take_along_axis(z, y[..., None], -1)[..., 0]
            d = None
            if need_grad:
                d = p.copy()
                d[np.arange(len(z))[:, None], np.arange(z.shape[1])[None, :], y] -= F32(1)
            return p, per_row, d
        act = self.layers[-1].act  # mse
        p = self.layers[-1].fn(z)
        diff = p - y
        per_row = np.mean(diff * diff, axis=-1)
        d = None
        if need_grad:
            d = activation_gradient(act, diff * (F32(2) / F32(z.shape[-1])), z, p)
        return p, per_row, d

    def _metric_rows(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.task is Task.REGRESSION:
            return np.abs(y - p)[..., 0]
        if p.shape[-1] == 1:
            return ((p > F32(0.5)).astype(F32) == y)[..., 0].astype(F32)
        return (p.argmax(axis=-1) == y).astype(F32)

    def _reg(self) -> np.ndarray:
        total = np.zeros(self.pop, F32)
        for layer in self.layers:
            if layer.l1:
                total += layer.l1 * np.sum(np.abs(layer.kernel), axis=(1, 2))
            if layer.l2:
                total += layer.l2 * np.sum(np.square(layer.kernel), axis=(1, 2))
        return total

    def _step(self, xb: np.ndarray, yb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One optimizer step of every network on its own batch; per network (batch loss,
        correct rows or summed |error|)."""
        zs, acts = self._forward(xb)
        p, per_row, d = self._head(zs[-1], yb, True)
        m = xb.shape[1]
        loss = per_row.sum(axis=1) / F32(m)
        d = d / F32(m)
        reg = self._reg() if self._penalized else F32(0)
        layers = self.layers
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            np.matmul(acts[i].transpose(0, 2, 1), d, out=layer.gk)
            if layer.gb is not None:
                d.sum(axis=1, out=layer.gb)
            if layer.l1:
                layer.gk += layer.l1 * np.sign(layer.kernel)
            if layer.l2:
                layer.gk += F32(2) * layer.l2 * layer.kernel
            if i:
                d = activation_gradient(layers[i - 1].act, d @ layer.kernel.transpose(0, 2, 1),
                                        zs[i - 1], acts[i])
        self._apply()
        return loss + reg, self._metric_rows(p, yb).sum(axis=1)

    def _shared(self, y: np.ndarray) -> np.ndarray:
        """Targets shared by every network, broadcast to [N, rows, ...]."""
        return np.broadcast_to(y, (self.pop, *y.shape))

    def _validate(self, Xv: np.ndarray, yv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        zs, _ = self._forward(Xv)
        yb = self._shared(yv)
        p, per_row, _ = self._head(zs[-1], yb, False)
        return per_row.mean(axis=1) + self._reg(), self._metric_rows(p, yb).mean(axis=1)

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
        return buf

    def fn(self, X, y, Xv, yv, orders, k) -> np.ndarray:
        """The compiled chunk's call: rows [max_k, N, keys] of ``k`` epochs (the rest zero)."""
        return self.call((X, y, Xv, yv, orders, k))

    def inputs(self, data) -> tuple:
        X = np.ascontiguousarray(data.X_train, F32)
        y = as_targets(data.y_train, self.layout)
        if self.has_val:
            return X, y, np.ascontiguousarray(data.X_val, F32), as_targets(data.y_val, self.layout)
        return X, y, X[:1], y[:1]

    def evaluate(self, X, y) -> list[dict[str, float]]:
        """Each network's loss (with its penalties) and metric on a split, in blocks of rows."""
        n = len(X)
        if n == 0:
            return [{} for _ in range(self.pop)]
        y = np.asarray(y)
        yt_all = as_targets(y, self.layout)
        loss_sum = np.zeros(self.pop)
        preds = []
        with np.errstate(all="ignore"):
            for i in range(0, n, EVAL_BATCH_ROWS):
                zs, _ = self._forward(np.ascontiguousarray(X[i:i + EVAL_BATCH_ROWS], F32))
                p, per_row, _ = self._head(zs[-1], self._shared(yt_all[i:i + EVAL_BATCH_ROWS]),
                                           False)
                loss_sum += per_row.sum(axis=1)
                preds.append(p)
            loss = loss_sum / n + self._reg()
        p = np.concatenate(preds, axis=1)
        return [summarize(p[i], y, self.task, float(loss[i])) for i in range(self.pop)]
