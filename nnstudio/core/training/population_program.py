"""The compiled population program: N networks of one architecture, stacked, in one XLA program.

:mod:`nnstudio.core.training.population` trains with it (and says what a population is and why
each network is the run its seed gives alone); this module is the program itself: the stacked
variables, one optimizer over them, the compiled chunk of epochs, and the functions that load,
store and evaluate the N networks.
"""
from __future__ import annotations

import threading

import numpy as np

from nnstudio.core import registry
from nnstudio.core.errors import TrainingError
from nnstudio.core.model.spec import Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.training.evaluation import summarize
from nnstudio.core.training.host_dropout import KINDS as NOISE_KINDS
from nnstudio.core.training.host_dropout import Noise
from nnstudio.core.training.population_early import CompiledEarly, EarlyState
from nnstudio.core.training.population_layers import noise, norm
from nnstudio.core.training.program import (
    MAX_CHUNK_EPOCHS,
    ORDER_BUDGET,
    assign_class_weights,
    class_weight_variable,
    warm_epoch_affordable,
)
from nnstudio.core.training.steps import as_targets, kernel_penalties, make_optimizer, metric_name

#: A training layer of at most this many products (networks x rows x inputs x units) is computed
#: as a broadcast product and a sum instead of a batched matrix product (faster on XLA's CPU
#: backend for teaching-sized layers: 3.9 against 16-20 µs a step for five 12-6-6-1 nets).
SMALL_DOT = 2**15
#: At most this many row indices (epochs x networks x rows) go to one compiled call: twice a
#: single run's, so that W2's 1000 epochs of five 150-row networks are one call, not two with
#: the second's shuffles computed in between (4 MiB of int32).
POPULATION_ORDER_BUDGET = 2 * ORDER_BUDGET
def population_max_k(n: int, pop: int) -> int:
    """The most epochs one call of a population of ``pop`` networks on ``n`` rows runs."""
    return max(1, min(MAX_CHUNK_EPOCHS, POPULATION_ORDER_BUDGET // max(n * pop, 1)))


class PopulationProgram:
    """Stacked weights of N networks, one optimizer over them, and the compiled chunk function."""

    def __init__(self, template, settings: TrainSettings, task: Task, loss_name: str,
                 n: int, n_inputs: int, n_val: int, layout: str, pop: int, jit: bool,
                 max_k: int | None = None, n_test: int = 0) -> None:
        tf = _tensorflow()
        keras = _keras()
        self.lock = threading.Lock()
        self.pop, self.n, self.n_inputs, self.n_val, self.layout = pop, n, n_inputs, n_val, layout
        self.n_test = int(n_test)
        # what the last call ended with: (each stacked variable's values, test predictions
        # [N, rows, out] and losses [N] if it was a run's last, else None); None since load()
        # until a call has run
        self.last: tuple | None = None
        self.task = task
        self.bs = settings.effective_batch_size(n)
        self.has_val = n_val > 0
        self.keys = ["loss", metric_name(task)] + (
            ["val_loss", f"val_{metric_name(task)}"] if self.has_val else [])
        self.max_k = int(max_k) if max_k else population_max_k(n, pop)
        self.loss_obj = registry.make_loss(loss_name)
        # per row, [N, rows]: Keras' "sum over batch size" is then sum(values * weights) / rows
        self.loss_rows = registry.make_loss(loss_name, reduction=None)
        # the layers, in order: ("dense", kernel, bias|None, activation, l1, l2) |
        # ("dropout", Noise|None, state|None) (a random layer; None: rate 0, it passes through) |
        # ("norm", gamma, beta, moving mean, moving variance, momentum, epsilon)
        self.layers: list[tuple] = []
        self.sources: list[list[int]] = []  # per stacked variable: its index in model.variables
        index = {id(v): i for i, v in enumerate(template.variables)}
        trainable = []
        for layer in template.layers:
            name = type(layer).__name__
            if name == "Dense":
                k = tf.Variable(tf.zeros([pop, *layer.kernel.shape]), name=f"{layer.name}_k")
                self.sources.append(index[id(layer.kernel)])
                b = None
                if layer.use_bias:
                    b = tf.Variable(tf.zeros([pop, *layer.bias.shape]), name=f"{layer.name}_b")
                    self.sources.append(index[id(layer.bias)])
                l1, l2 = kernel_penalties(layer)
                self.layers.append(("dense", k, b, keras.activations.get(layer.activation), l1, l2))
                trainable += [k] + ([b] if b is not None else [])
            elif name in NOISE_KINDS and not hasattr(layer, "seed_generator"):
                # rate 0: Keras makes no seed generator and the layer passes its inputs through
                self.layers.append(("dropout", None, None))
            elif name in NOISE_KINDS:  # Dropout, AlphaDropout, GaussianNoise, GaussianDropout
                state = layer.seed_generator.state
                st = tf.Variable(tf.zeros([pop, *state.shape], state.dtype), trainable=False,
                                 name=f"{layer.name}_seed")
                self.sources.append(index[id(state)])
                self.layers.append(("dropout", Noise.of(layer), st))
            elif name == "BatchNormalization":  # gamma, beta; the moving mean and variance
                norm = [tf.Variable(tf.zeros([pop, *v.shape]) if i < 2 else tf.ones([pop, *v.shape]),
                                    trainable=i < 2, name=f"{layer.name}_{i}")
                        for i, v in enumerate((layer.gamma, layer.beta, layer.moving_mean,
                                               layer.moving_variance))]
                self.sources += [index[id(v)] for v in (layer.gamma, layer.beta, layer.moving_mean,
                                                         layer.moving_variance)]
                self.layers.append(("norm", *norm, float(layer.momentum), float(layer.epsilon)))
                trainable += norm[:2]
            else:  # pragma: no cover - supports() keeps other layers out
                raise ValueError(f"population: unsupported layer {name}")
        self.stacked = [v for layer in self.layers  # kernel, bias, seed state, norm's four
                        for v in ((layer[1], layer[2]) if layer[0] == "dense" else
                                  layer[1:5] if layer[0] == "norm" else (layer[2],))
                        if v is not None]
        # batch normalization takes a last, partial batch as a step of its own (padding rows
        # would count in its statistics), as a single run's program does
        self.tail_step = any(layer[0] == "norm" for layer in self.layers)
        # each network's early stopping (compiled in only for a run with it: population._program_key)
        self.early = CompiledEarly(self.stacked, pop) if settings.early_stopping else None
        self.ran = 0  # epochs the last call ran (fewer than asked once every network stopped)
        self.tvars = trainable
        self.weight_slots = weight_slots(template, self.sources)
        # class weights (set per run: set_class_weights) compiled in only for weighted runs
        # (population._program_key): weighing each row cost W4's five networks 113 -> 62 ms a
        # Repeat's call even with every weight 1, W1's 80 -> 56 ms
        self.class_w = class_weight_variable(task, template) \
            if settings.class_weight != "none" else None
        self.opt = make_optimizer(settings)
        self.opt.build(self.tvars)
        self.opt_initial = [tf.constant(v.numpy()) for v in self.opt.variables]
        # the values the next call starts from when ``fresh`` (:meth:`load`): stacked, and the rate
        self.start = ([tf.zeros_like(v) for v in self.stacked],
                      tf.constant(float(settings.learning_rate), self.opt.learning_rate.dtype))
        self.fresh = False
        self.fn = self._make_function(jit)
        self.traced = False
        self.epoch_seconds: float | None = None  # measured, to size calls that answer a stop
        self._load_fn = self._store_fn = self._eval_fn = self._read_fn = None

    # ---- values in and out: compiled (a model was just built, which calls tf.random.set_seed
    # and so empties TF's eager kernel cache: dozens of eager ops would cost tens of milliseconds)
    def load(self, values, settings: TrainSettings) -> None:
        """Start a run: network i gets ``values[i]`` (its model's ``variables`` values: weights,
        dropout seed state, as NumPy arrays), and the optimizer its starting state. The next call
        does it, before it trains (a function of its own was ~1 ms of dispatch a lane); what
        reads the networks before a call has run does it first (:meth:`_settle`)."""
        tf = _tensorflow()
        self.last = None
        # stacked here: one array per variable is a few tensors to pass, not N times as many
        self.start = ([tf.constant(np.stack([np.asarray(vals[j]) for vals in values]))
                       for j in self.sources],
                      tf.constant(float(settings.learning_rate), self.opt.learning_rate.dtype))
        self.fresh = True

    def set_class_weights(self, weights) -> None:
        """One weight per class code for this run's networks (None: unweighted, all 1)."""
        if weights is not None and self.class_w is None:
            raise TrainingError("Internal error: class weights given to a population program "
                                "compiled without them.")
        assign_class_weights(self.class_w, weights)

    def set_early_stopping(self, on: bool, patience: int, index: int, mode_max: bool) -> None:
        """This run's early stopping (each network's own): :mod:`population_early`."""
        if self.early is not None:
            self.early.set_run(on, patience, index, mode_max)

    def early_state(self) -> EarlyState | None:
        return None if self.early is None else self.early.state()

    def _resets(self) -> list[tuple]:
        """(optimizer variable, its starting value) for each but the rate (a start sets that)."""
        return [(v, init) for v, init in zip(self.opt.variables, self.opt_initial)
                if v is not self.opt.learning_rate]

    def _settle(self) -> None:
        """Do what :meth:`load` left to the next call, now: something reads the networks before
        any call has run (a run stopped before its first epoch)."""
        if not self.fresh:
            return
        tf = _tensorflow()
        if self._load_fn is None:
            def load_fn(src, lr):
                ops = [v.assign(value) for v, value in zip(self.stacked, src)]
                ops += [v.assign(init) for v, init in self._resets()]
                ops.append(self.opt.learning_rate.assign(lr))
                with tf.control_dependencies(ops):
                    return tf.constant(0)
            self._load_fn = tf.function(load_fn, autograph=False)
        self._load_fn(*self.start)
        self.fresh = False

    def store(self, models) -> None:
        """Model i gets network i's values."""
        tf = _tensorflow()
        if self._store_fn is None:
            def store_fn(dst):
                ops = [d[j].assign(v[i]) for i, d in enumerate(dst)
                       for j, v in enumerate(self.stacked)]
                with tf.control_dependencies(ops):
                    return tf.constant(0)
            self._store_fn = tf.function(store_fn, autograph=False)
        self._settle()
        self._store_fn([[m.variables[j].value for j in self.sources] for m in models])

    def read(self) -> list[list[np.ndarray]]:
        """Each network's values: [i][j] is network i's value of its model's variable
        ``sources[j]`` (what :meth:`store` would assign there). The last call returned them; a
        function of their own reads them when no call has run since :meth:`load`."""
        tf = _tensorflow()
        if self.last is not None:
            arrays = [v.numpy() for v in self.last[0]]
        else:
            self._settle()
            if self._read_fn is None:
                self._read_fn = tf.function(lambda: [tf.identity(v) for v in self.stacked],
                                            autograph=False)
            arrays = [t.numpy() for t in self._read_fn()]
        return [[a[i] for a in arrays] for i in range(self.pop)]

    def steps(self) -> int:
        """Optimizer steps taken since :meth:`load` (each network's)."""
        self._settle()
        return int(self.opt.iterations.numpy())

    def arguments(self, orders: np.ndarray, k: int, last: bool = False) -> tuple:
        """The chunk's per-call arguments: row orders [max_k, N, n], epochs ``k``, and whether
        these are the run's last epochs (the call then ends with its answers on the test rows)."""
        tf = _tensorflow()
        return tf.constant(orders), tf.constant(k, tf.int32), tf.constant(bool(last))

    def tensors(self, data) -> tuple:
        """The run's arrays as the chunk takes them: (X, y, Xv, yv, Xt, yt); a split with no
        rows is given one training row, whose answers are not read."""
        tf = _tensorflow()
        X = tf.constant(np.asarray(data.X_train, np.float32))
        y = tf.constant(as_targets(data.y_train, self.layout))
        out = [X, y]
        for Xs, ys in ((data.X_val, data.y_val), (data.X_test, data.y_test)):
            out += [tf.constant(np.asarray(Xs, np.float32)),
                    tf.constant(as_targets(ys, self.layout))] if len(Xs) else [X[:1], y[:1]]
        return tuple(out)

    def call(self, data: tuple, args: tuple) -> np.ndarray:
        """One compiled call on ``data`` (:meth:`tensors`): rows [MAX_CHUNK_EPOCHS, N, keys],
        the first ``k`` filled. It ends with every network's values, and a run's last call with
        their answers on the test rows (kept for :meth:`read` and :meth:`tested`): no calls of
        their own after it."""
        tf = _tensorflow()
        buf, p, loss, ran, *values = self.fn(*data, *args, *self.start, tf.constant(self.fresh))
        self.fresh = False
        self.ran = int(ran)
        self.last = (values, p, loss) if bool(args[2]) else (values, None, None)
        return buf.numpy()

    def call_with(self, data: tuple, orders: np.ndarray, k: int, last: bool) -> np.ndarray:
        """:meth:`call` with its :meth:`arguments` made here (by a :class:`SplitPopulation`'s
        lane, on its own thread)."""
        return self.call(data, self.arguments(orders, k, last))

    def tested(self, X, y) -> list[dict[str, float]]:
        """Each network's loss and metric on the test rows ``X``, ``y`` (those the calls were
        given): from the last call, or evaluated now if that was not a run's last (a run
        stopped) or no call has run since :meth:`load`."""
        if self.last is None or self.last[1] is None:
            return self.evaluate(X, y)
        return self._summaries(self.last[1].numpy(), self.last[2].numpy(), y)

    def _summaries(self, p: np.ndarray, loss: np.ndarray, y) -> list[dict[str, float]]:
        """Each network's loss and metric from its answers ``p`` [N, rows, out] and losses [N]."""
        y = np.asarray(y)
        return [summarize(p[i], y, self.task, float(loss[i])) for i in range(self.pop)]

    def compile_now(self) -> None:
        """Trace and compile the chunk (a Repeat calls nothing else compiled). Its call starts
        from what :meth:`load` gave and runs one epoch on zeros where that is cheap
        (:func:`warm_epoch_affordable`: a first execution is slower), none otherwise; the next
        :meth:`load` undoes it."""
        tf = _tensorflow()
        ydt = tf.float32 if self.layout == "column" else tf.int32
        rows = (lambda m: [m, 1]) if self.layout == "column" else (lambda m: [m])
        nv, nt = max(self.n_val, 1), max(self.n_test, 1)
        warm = warm_epoch_affordable(self.n, self.bs, sum(int(np.prod(v.shape)) for v in self.tvars))
        self.fn(tf.zeros([self.n, self.n_inputs]), tf.zeros(rows(self.n), ydt),
                tf.zeros([nv, self.n_inputs]), tf.zeros(rows(nv), ydt),
                tf.zeros([nt, self.n_inputs]), tf.zeros(rows(nt), ydt),
                *self.arguments(np.zeros([self.max_k, self.pop, self.n], np.int32), int(warm), True),
                *self.start, tf.constant(self.fresh))
        self.fresh = False

    def evaluate(self, X, y) -> list[dict[str, float]]:
        """Each network's loss and metric on one split (inference mode), in one compiled call."""
        tf = _tensorflow()
        self._settle()
        if self._eval_fn is None:
            self._eval_fn = tf.function(self.answers, autograph=False, input_signature=[
                tf.TensorSpec([None, self.n_inputs], tf.float32),
                tf.TensorSpec([None, 1] if self.layout == "column" else [None],
                              tf.float32 if self.layout == "column" else tf.int32)])
        p, loss = self._eval_fn(tf.constant(np.asarray(X, np.float32)),
                                tf.constant(as_targets(np.asarray(y), self.layout)))
        return self._summaries(p.numpy(), loss.numpy(), y)

    def evaluate_values(self, values: dict, X, y) -> dict[int, dict[str, float]]:
        """The test figures of the networks in ``values`` (network -> its values in
        :meth:`read`'s order) with those values, from this program's own inference pass: an
        early-stopping run's restored networks (a Keras model each cost 10-15 ms to make). The
        program keeps them until the next :meth:`load`."""
        if not values:
            return {}
        rows = self.read()
        for j, v in enumerate(self.stacked):
            v.assign(np.stack([values[i][j] if i in values else rows[i][j]
                               for i in range(self.pop)]))
        out = self.evaluate(X, y)
        return {i: out[i] for i in values}

    # ---- the compiled function
    def answers(self, X, y):
        """The N networks' answers on rows ``X`` shared by all ([rows, in]; inference mode),
        [N, rows, out], and each one's loss with its penalties on targets ``y``, [N]: the
        validation row of each epoch, the test rows of a run's last call, :meth:`evaluate`."""
        tf = _tensorflow()
        p = self.forward(X, False)
        return p, tf.reduce_mean(self.loss_rows(tf.stack([y] * self.pop), p), -1) + self.reg_losses()

    def forward(self, h, training: bool):
        """The N networks on ``h`` ([N, rows, in], or [rows, in] shared by all): [N, rows, out]."""
        tf = _tensorflow()
        for layer in self.layers:
            if layer[0] == "dense":
                _, k, b, act, _, _ = layer
                # [rows, in] shared by all networks (validation, test), or [N, rows, in]
                if h.shape.rank == 2:
                    h = tf.einsum("ri,nio->nro", h, k)
                elif h.shape[1] is not None and \
                        self.pop * h.shape[1] * k.shape[1] * k.shape[2] <= SMALL_DOT:
                    # tiny layers: a broadcast product summed over the inputs, which XLA fuses
                    # into one loop; its batched dot cost 3-5x more per step (W1, W4)
                    h = tf.reduce_sum(h[:, :, :, None] * k[:, None, :, :], axis=2)
                else:
                    h = tf.matmul(h, k)
                if b is not None:
                    h = h + b[:, None, :]
                h = act(h)
            elif layer[0] == "norm":
                h = norm(h, training, *layer[1:])
            elif training and layer[1] is not None:
                h = self._dropout(h, *layer[1:])
        return h

    def _dropout(self, h, layer: Noise, st):
        """Each network's own mask or noise, drawn as the random ``layer``'s Keras call draws it
        on the TF backend (``stateless_dropout``, ``stateless_uniform`` or ``stateless_normal``
        seeded by the layer's seed state, which then advances by [0, 1])."""
        tf = _tensorflow()
        if layer.kind != "GaussianNoise" and layer.rate >= 1.0:
            return tf.zeros_like(h)
        out = []
        for i in range(self.pop):
            seed = st[i]
            if seed.dtype != tf.int32:  # Keras' _cast_seed: int64 state, int32 seeds for XLA
                seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
            out.append(noise(layer, h[i], seed))
        with tf.control_dependencies(out):
            inc = st.assign_add(tf.tile(tf.constant([[0, 1]], st.dtype), [self.pop, 1]))
        with tf.control_dependencies([inc]):
            return tf.identity(tf.stack(out))

    def reg_losses(self):
        """Each network's regularization loss, [N]."""
        tf = _tensorflow()
        total = tf.zeros([self.pop])
        for layer in self.layers:
            if layer[0] == "dense" and (layer[4] or layer[5]):
                k = layer[1]
                total += layer[4] * tf.reduce_sum(tf.abs(k), [1, 2]) + \
                    layer[5] * tf.reduce_sum(tf.square(k), [1, 2])
        return total

    def _make_function(self, jit: bool):
        tf = _tensorflow()
        pop, n, bs, n_in = self.pop, self.n, self.bs, self.n_inputs
        opt, tvars = self.opt, self.tvars
        has_val, nkeys = self.has_val, len(self.keys)
        n_steps = -(-n // bs)
        n_loop = n // bs if self.tail_step else n_steps  # steps of the loop: of full batches
        ydt = tf.float32 if self.layout == "column" else tf.int32
        yshape = (lambda m: [m, 1]) if self.layout == "column" else (lambda m: [m])
        nv = max(self.n_val, 1)

        loss_rows, class_w = self.loss_rows, self.class_w

        def metric(yt, p, w=None):
            """The task's metric of each network, [N] (:func:`make_metric`, vectorised)."""
            if self.task is Task.REGRESSION:
                per_row = tf.abs(yt - p)[..., 0]
            elif p.shape[-1] == 1:
                per_row = tf.cast(tf.equal(tf.cast(p > 0.5, tf.float32), yt), tf.float32)[..., 0]
            else:
                per_row = tf.cast(tf.equal(tf.cast(tf.argmax(p, axis=-1), tf.int32), yt),
                                  tf.float32)
            if w is None:
                return tf.reduce_mean(per_row, -1)
            return tf.reduce_sum(per_row * w, -1) / tf.reduce_sum(w)

        def step(X, y, idx, wb):
            """One optimizer step of every network: idx [N, bs] rows, wb [bs] row weights."""
            xb, yb = tf.gather(X, idx), tf.gather(y, idx)
            scale = tf.cast(bs, tf.float32) / tf.reduce_sum(wb)  # exactly 1.0 for a full batch
            sw = wb if class_w is None else wb * tf.gather(  # [N, bs]: each row's class weight
                class_w, tf.reshape(tf.cast(yb, tf.int32), tf.shape(idx)))
            with tf.GradientTape() as tape:
                p = self.forward(xb, True)
                losses = tf.reduce_sum(loss_rows(yb, p) * sw, -1) / bs * scale + self.reg_losses()
                total = tf.reduce_sum(losses)  # slice i's gradient is network i's own
            grads = tape.gradient(total, tvars)
            opt.apply_gradients(zip(grads, tvars))
            return losses, metric(yb, p, wb)

        nt = max(self.n_test, 1)
        out_units = [layer for layer in self.layers if layer[0] == "dense"][-1][1].shape[-1]

        def chunk(X, y, Xv, yv, Xt, yt, orders, k, last, start, lr, fresh):
            # a run's first call starts it (fresh): each network's values, the optimizer's state
            ops = [v.assign(tf.where(fresh, value, v)) for v, value in zip(self.stacked, start)]
            ops += [v.assign(tf.where(fresh, init, v)) for v, init in self._resets()]
            ops.append(self.opt.learning_rate.assign(lr))
            ops += self.early.reset_ops(fresh) if self.early is not None else []

            def epoch(e, buf):
                perm = orders[e]  # [N, n]
                pad = n_steps * bs - n
                perm_p = tf.concat([perm, perm[:, :pad]], 1) if pad else perm
                batches = tf.transpose(tf.reshape(perm_p, [pop, n_steps, bs]), [1, 0, 2])
                slots = tf.range(bs)
                zero = tf.zeros([pop])

                def batch(b, ls, ms):
                    wb = tf.cast(b * bs + slots < n, tf.float32)
                    lo, me = step(X, y, batches[b], wb)
                    cnt = tf.reduce_sum(wb)
                    return b + 1, ls + lo * cnt, ms + me * cnt

                _, ls, ms = tf.while_loop(lambda b, ls, ms: b < n_loop, batch,
                                          [tf.constant(0), zero, zero])
                if n_loop < n_steps:  # the last, partial batch: its real rows only
                    lo, me = step(X, y, perm[:, n_loop * bs:], tf.ones([n - n_loop * bs]))
                    ls, ms = ls + lo * (n - n_loop * bs), ms + me * (n - n_loop * bs)
                row = [ls / n, ms / n]
                if has_val:
                    with tf.control_dependencies([ls]):
                        pv, val_loss = self.answers(Xv, yv)
                    row += [val_loss, metric(tf.stack([yv] * pop), pv)]
                row = tf.stack(row, 1)  # [N, keys]
                buf = tf.tensor_scatter_nd_update(buf, [[e]], [row])
                if self.early is None:
                    return e + 1, buf
                with tf.control_dependencies([buf]):
                    decided = self.early.after_epoch(row)  # each network's early stopping
                with tf.control_dependencies([decided]):
                    return e + 1, tf.identity(buf)

            def more(e, buf):  # epochs left, and (early stopping) a network that has not stopped
                if self.early is None:
                    return e < k
                return tf.logical_and(e < k, tf.logical_not(self.early.all_stopped()))

            with tf.control_dependencies(ops):
                ran, buf = tf.while_loop(more, epoch, [tf.constant(0),
                                                       tf.zeros([MAX_CHUNK_EPOCHS, pop, nkeys])])
            # what a run reads after its last call, computed in it: a function of its own each
            # was ~1 ms of dispatch a lane (W3's Repeat: 3-5 ms of ~50)
            with tf.control_dependencies([buf]):
                values = [v.read_value() for v in self.stacked]
                pt, lt = tf.cond(last, lambda: self.answers(Xt, yt),
                                 lambda: (tf.zeros([pop, nt, out_units]), tf.zeros([pop])))
            return [buf, pt, lt, ran, *values]

        sig = [tf.TensorSpec([n, n_in], tf.float32), tf.TensorSpec(yshape(n), ydt),
               tf.TensorSpec([nv, n_in], tf.float32), tf.TensorSpec(yshape(nv), ydt),
               tf.TensorSpec([nt, n_in], tf.float32), tf.TensorSpec(yshape(nt), ydt),
               tf.TensorSpec([self.max_k, pop, n], tf.int32), tf.TensorSpec([], tf.int32),
               tf.TensorSpec([], tf.bool), [tf.TensorSpec(v.shape, v.dtype) for v in self.stacked],
               tf.TensorSpec([], self.opt.learning_rate.dtype), tf.TensorSpec([], tf.bool)]
        return tf.function(chunk, input_signature=sig, jit_compile=bool(jit), autograph=False)


def weight_slots(template, sources: list[int]) -> list[int] | None:
    """Where each of ``template.get_weights()`` is among values given per ``sources`` (indices
    into ``template.variables``), in ``get_weights()`` order; None if some weight is not there."""
    slot = {id(template.variables[s]): j for j, s in enumerate(sources)}
    out = [slot.get(id(w)) for w in template.weights]
    return None if None in out else out
