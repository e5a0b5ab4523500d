"""Compiled training programs, cached by architecture and data shape.

A *program* owns a private "workhorse" copy of the network and optimizer and the compiled
chunk-of-epochs function, which takes the data as arguments. A run copies its freshly initialised
model into the workhorse, resets the optimizer state, trains, and copies the weights back, so the
second run of the same network on the same data (Train again, another seed, ``train_repeated``)
skips tracing and compiling. The last, partial batch of an epoch runs as a full-size batch whose
extra rows weigh 0.
"""
from __future__ import annotations

import collections
import json
import threading

import numpy as np

from nnstudio.core import registry
from nnstudio.core.errors import TrainingError
from nnstudio.core.model.spec import Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.training.evaluation import EVAL_BATCH_ROWS, summarize
from nnstudio.core.training.steps import (
    as_targets,
    make_metric,
    make_optimizer,
    metric_name,
    reg_loss,
    train_forward,
)

#: The most epochs one compiled call may run (the size of its history buffer).
MAX_CHUNK_EPOCHS = 4096
#: How many compiled programs (architecture x data shape x optimizer) are kept.
PROGRAM_CACHE_SIZE = 16
#: At most this many row indices (epochs x rows) are handed to one compiled call.
ORDER_BUDGET = 2**19
#: A compile ahead of a run also runs one epoch when it has at most this many steps and
#: multiply-adds (:func:`warm_epoch_affordable`).
WARM_EPOCH_MAX_STEPS = 2_000
WARM_EPOCH_MAX_MULTIPLY_ADDS = 5e8


def warm_epoch_affordable(n: int, batch_size: int, weights: int) -> bool:
    """Whether a compile ahead of a run (``precompile``) also runs one epoch on zeros, so that the
    run after it is at full speed: a compiled program's first execution costs 15-35 ms more than
    later ones on W1-W4 (a W1-W4 run is 40-90 ms), and a call of zero epochs never enters the
    training loop. Small data only: there that is much of a run, and the epoch costs the
    background little (``weights``: trainable values of every network the program trains, about
    their multiply-adds a row)."""
    steps = -(-int(n) // max(int(batch_size), 1))
    return steps <= WARM_EPOCH_MAX_STEPS and 3.0 * n * weights <= WARM_EPOCH_MAX_MULTIPLY_ADDS


def class_weight_variable(task: Task, model):
    """A program's class weights (issue 20): one per class code of ``model``'s output, all 1
    until a run sets them (:func:`assign_class_weights`); None for regression."""
    if task is Task.REGRESSION:
        return None
    tf = _tensorflow()
    return tf.Variable(tf.ones([max(2, int(model.output_shape[-1]))], tf.float32), trainable=False)


def assign_class_weights(variable, weights) -> None:
    """``variable`` (:func:`class_weight_variable`) gets one weight per class code (None: all 1)."""
    if variable is not None:
        variable.assign(np.ones(variable.shape, np.float32) if weights is None
                        else np.resize(np.asarray(weights, np.float32), variable.shape))


class Program:
    """A workhorse network + optimizer and the compiled chunk-of-epochs function for one key.

    The function closes over the workhorse's variables only; data, seed and control values are
    arguments, so one trace serves every run of this architecture on data of this shape.
    """

    def __init__(self, template, settings: TrainSettings, task: Task, loss_name: str,
                 n: int, n_inputs: int, n_val: int, layout: str, jit: bool) -> None:
        tf = _tensorflow()
        keras = _keras()
        self.lock = threading.Lock()
        self.precompiling = False  # held by precompile(): a run of the same key waits for it
        self.model = keras.models.clone_model(template)
        if len(self.model.variables) != len(template.variables) or any(
                tuple(a.shape) != tuple(b.shape)
                for a, b in zip(self.model.variables, template.variables)):
            raise TrainingError("Internal error: the network could not be copied for training.")
        self.opt = make_optimizer(settings)
        self.tvars = list(self.model.trainable_variables)
        self.opt.build(self.tvars)
        self.opt_initial = [tf.constant(v.numpy()) for v in self.opt.variables]
        self.loss_obj = registry.make_loss(loss_name)
        self.task = task
        # class weights (issue 20): one per class code, set per run; all 1 = unweighted (same maths)
        self.class_w = class_weight_variable(task, self.model)
        self.n, self.n_inputs, self.n_val, self.layout = n, n_inputs, n_val, layout
        self.bs = settings.effective_batch_size(n)
        self.has_val = n_val > 0
        self.max_k = max(1, min(MAX_CHUNK_EPOCHS, ORDER_BUDGET // max(n, 1)))  # epochs per call
        self.keys = ["loss", metric_name(task)] + (
            ["val_loss", f"val_{metric_name(task)}"] if self.has_val else [])
        self.weights = list(self.model.weights)  # trainable + statistics (no RNG state)
        self.backup = [tf.Variable(v, trainable=False) for v in self.weights]
        self.best = [tf.Variable(v, trainable=False) for v in self.weights]
        self.best_value = tf.Variable(0.0, dtype=tf.float32, trainable=False)
        self.best_epoch = tf.Variable(-1, dtype=tf.int32, trainable=False)
        self.wait = tf.Variable(0, dtype=tf.int32, trainable=False)
        self.traced = False
        self.epoch_seconds: float | None = None  # measured speed, to size the first chunk of a run
        self.jit = jit
        self.fn = self._make_function(jit)
        self.fn_plain = None  # the same chunk in a plain graph: a first run that skips XLA
        self.plain_traced = False
        self._load_fn = self._store_fn = self._eval_fn = None

    host = False  # a compiled program (not the NumPy :class:`~nnstudio.core.training.host.HostProgram`)

    # ---- per run: the interface the trainer's loop uses (HostProgram has the same)
    def inputs(self, data) -> tuple:
        """The run's training and validation arrays as tensors (one row for no validation)."""
        tf = _tensorflow()
        X = tf.constant(np.asarray(data.X_train, np.float32))
        y = tf.constant(as_targets(data.y_train, self.layout))
        if self.has_val:
            return (X, y, tf.constant(np.asarray(data.X_val, np.float32)),
                    tf.constant(as_targets(data.y_val, self.layout)))
        return X, y, X[:1], y[:1]

    def set_class_weights(self, weights) -> None:
        """One weight per class code for this run (None: unweighted, all 1)."""
        assign_class_weights(self.class_w, weights)

    def learning_rate(self) -> float:
        return float(self.opt.learning_rate.numpy())

    def set_learning_rate(self, lr: float) -> None:
        self.opt.learning_rate.assign(lr)

    def steps(self) -> int:
        return int(self.opt.iterations.numpy())

    def best_epoch_index(self) -> int:
        return int(self.best_epoch.numpy())

    # Loading, storing and evaluating are graph functions too: dozens of small eager ops would
    # cost tens of milliseconds a run. Plain graphs, not XLA: they only copy values, and an XLA
    # compile of them would add to a first run that skips XLA (:meth:`call_plain`).
    def load(self, model, settings: TrainSettings, mode_max: bool) -> None:
        """Start a run: the run's model's values (weights, RNG state), a fresh optimizer."""
        tf = _tensorflow()
        if self._load_fn is None:
            dst = list(self.model.variables)
            resets = [(v, init) for v, init in zip(self.opt.variables, self.opt_initial)
                      if v is not self.opt.learning_rate]

            def load_fn(src, lr, start):
                ops = [d.assign(v) for d, v in zip(dst, src)]
                ops += [v.assign(init) for v, init in resets]
                ops += [self.opt.learning_rate.assign(lr), self.best_value.assign(start),
                        self.best_epoch.assign(-1), self.wait.assign(0)]
                with tf.control_dependencies(ops):
                    return tf.constant(0)
            self._load_fn = tf.function(load_fn, autograph=False)
        self._load_fn([v.value for v in model.variables],
                      tf.constant(float(settings.learning_rate), self.opt.learning_rate.dtype),
                      tf.constant(-np.inf if mode_max else np.inf, tf.float32))

    def store(self, model) -> None:
        """The run's model gets the workhorse's values."""
        tf = _tensorflow()
        if self._store_fn is None:
            src = list(self.model.variables)

            def store_fn(dst):
                with tf.control_dependencies([d.assign(v) for d, v in zip(dst, src)]):
                    return tf.constant(0)
            self._store_fn = tf.function(store_fn, autograph=False)
        self._store_fn([v.value for v in model.variables])

    def evaluate(self, X, y) -> dict[str, float]:
        """:func:`evaluate_arrays` on the workhorse: one compiled call per block of rows."""
        tf = _tensorflow()
        model, loss_obj = self.model, self.loss_obj
        if self._eval_fn is None:
            def ev(xb, yb):
                p = model(xb, training=False)
                return p, loss_obj(yb, p), reg_loss(model)
            # a plain graph, any number of rows: an XLA compile would cost more than it saves
            self._eval_fn = tf.function(ev, autograph=False, input_signature=[
                tf.TensorSpec([None, self.n_inputs], tf.float32),
                tf.TensorSpec([None, 1] if self.layout == "column" else [None],
                              tf.float32 if self.layout == "column" else tf.int32)])
        n = len(X)
        if n == 0:
            return {}
        y = np.asarray(y)
        yt_all = as_targets(y, self.layout)
        loss_sum, reg, preds = 0.0, 0.0, []
        for i in range(0, n, EVAL_BATCH_ROWS):
            p, lo, reg = self._eval_fn(
                tf.constant(np.asarray(X[i:i + EVAL_BATCH_ROWS], np.float32)),
                tf.constant(yt_all[i:i + EVAL_BATCH_ROWS]))
            loss_sum += float(lo) * len(p)
            preds.append(p.numpy())
        return summarize(np.concatenate(preds), y, self.task, loss_sum / n + float(reg))

    def restore_best(self) -> None:
        for dst, src in zip(self.weights, self.best):
            dst.assign(src)

    # ---- the compiled function
    def _make_function(self, jit: bool):
        """The chunk function, written with explicit ``tf.while_loop`` / ``tf.cond`` (no autograph).

        Autograph would trace the loop bodies (and so the Keras model and optimizer) several
        times; here the train step is traced once, as a nested function with a free batch size
        that serves both the full batches and the last, partial one.
        """
        tf = _tensorflow()
        model, opt, loss_obj = self.model, self.opt, self.loss_obj
        tvars = self.tvars
        weights, backup, best = self.weights, self.backup, self.best
        best_value, best_epoch, wait = self.best_value, self.best_epoch, self.wait
        n, bs, has_val, nkeys = self.n, self.bs, self.has_val, len(self.keys)
        n_full, rem = divmod(n, bs)
        metric = make_metric(self.task)
        ydt = tf.float32 if self.layout == "column" else tf.int32
        yshape = (lambda m: [m, 1]) if self.layout == "column" else (lambda m: [m])
        nv = max(self.n_val, 1)
        n_in = self.n_inputs
        class_w = self.class_w

        # The last, partial batch: nets without batch normalization run it as a full-size batch
        # whose extra rows have weight 0 (the same gradient; one traced and compiled step for all
        # batches). Batch normalization would see the padding rows, so there it is its own step.
        padded = bool(rem) and not any(
            type(layer).__name__ == "BatchNormalization" for layer in model.layers)
        n_steps = n_full + (1 if padded else 0)
        tail = rem if (rem and not padded) else 0

        @tf.function(autograph=False, input_signature=[
            tf.TensorSpec([None, n_in], tf.float32), tf.TensorSpec(yshape(None), ydt),
            tf.TensorSpec([None], tf.float32)])
        def train_step(xb, yb, wb):
            """One optimizer step on rows weighted ``wb`` (1: a row of the batch, 0: padding)."""
            count = tf.reduce_sum(wb)
            scale = tf.cast(tf.shape(wb)[0], tf.float32) / count  # exactly 1.0 for a full batch
            sw = wb if class_w is None else wb * tf.gather(class_w, tf.reshape(tf.cast(yb, tf.int32), [-1]))
            with tf.GradientTape() as tape:
                p = train_forward(model, xb)
                total = loss_obj(yb, p, sample_weight=sw) * scale + reg_loss(model)
            grads = tape.gradient(total, tvars)
            opt.apply_gradients(zip(grads, tvars))
            return total, metric(yb, p, wb)

        def copy(dst, src):
            return tf.group(*[d.assign(v) for d, v in zip(dst, src)])

        def all_finite():
            return tf.reduce_all(tf.stack([tf.reduce_all(tf.math.is_finite(v)) for v in weights]))

        sig = [tf.TensorSpec([n, n_in], tf.float32), tf.TensorSpec(yshape(n), ydt),
               tf.TensorSpec([nv, n_in], tf.float32), tf.TensorSpec(yshape(nv), ydt),
               tf.TensorSpec([self.max_k, n], tf.int32),  # row order of each epoch (rows 0..k-1)
               tf.TensorSpec([], tf.int32),  # epoch0: epochs done before this chunk
               tf.TensorSpec([], tf.int32),  # k: epochs to run
               tf.TensorSpec([], tf.bool),  # early stopping on
               tf.TensorSpec([], tf.int32),  # patience
               tf.TensorSpec([], tf.int32),  # index of the monitored key
               tf.TensorSpec([], tf.bool)]  # monitored value: bigger is better

        def chunk(X, y, Xv, yv, orders, epoch0, k, early, patience, mon_index, mode_max):
            def epoch(e, done, status, buf):
                with tf.control_dependencies([copy(backup, weights)]):
                    # the shuffle comes from the host (epoch_orders): an RNG and a sort inside
                    # the loop would cost more to compile than everything else together
                    perm = orders[e]
                zero = tf.constant(0.0)
                loss_sum, met_sum = zero, zero
                if n_steps:
                    if padded:  # indices for the padding rows: any valid rows (weight 0)
                        perm_p = tf.concat([perm, perm[: n_steps * bs - n]], 0)
                    else:
                        perm_p = perm[: n_steps * bs]
                    batches = tf.reshape(perm_p, [n_steps, bs])
                    slots = tf.range(bs)

                    def batch(b, ls, ms):
                        idx = batches[b]
                        wb = tf.cast(b * bs + slots < n, tf.float32)
                        lo, me = train_step(tf.gather(X, idx), tf.gather(y, idx), wb)
                        cnt = tf.reduce_sum(wb)
                        return b + 1, ls + lo * cnt, ms + me * cnt

                    _, loss_sum, met_sum = tf.while_loop(
                        lambda b, ls, ms: b < n_steps, batch, [tf.constant(0), zero, zero])
                if tail:
                    with tf.control_dependencies([loss_sum]):
                        idx = perm[n_full * bs:]
                    lo, me = train_step(tf.gather(X, idx), tf.gather(y, idx),
                                        tf.ones([tail], tf.float32))
                    loss_sum, met_sum = loss_sum + lo * tail, met_sum + me * tail
                row = [loss_sum / n, met_sum / n]
                if has_val:
                    with tf.control_dependencies([loss_sum]):
                        pv = model(Xv, training=False)
                    row += [loss_obj(yv, pv) + reg_loss(model), metric(yv, pv)]
                row = tf.stack(row)
                with tf.control_dependencies([row]):
                    ok = tf.logical_and(tf.reduce_all(tf.math.is_finite(row)), all_finite())

                def rollback():
                    with tf.control_dependencies([copy(weights, backup)]):
                        return tf.constant(False)

                def watch():
                    cur = tf.gather(row, mon_index)
                    improved = tf.where(mode_max, cur > best_value, cur < best_value)

                    def better():
                        with tf.control_dependencies([
                                best_value.assign(cur), best_epoch.assign(epoch0 + e),
                                wait.assign(0), copy(best, weights)]):
                            return tf.constant(False)

                    def worse():
                        return wait.assign_add(1) >= patience

                    return tf.cond(improved, better, worse)

                stop_early = tf.cond(ok, lambda: tf.cond(early, watch, lambda: tf.constant(False)),
                                     rollback)
                status = tf.where(ok, tf.where(stop_early, 2, 0), 1)
                buf = tf.tensor_scatter_nd_update(buf, [[e]], [row])
                done = done + tf.cast(ok, tf.int32)
                return e + 1, done, status, buf

            _, done, status, buf = tf.while_loop(
                lambda e, done, status, buf: tf.logical_and(e < k, tf.equal(status, 0)), epoch,
                [tf.constant(0), tf.constant(0), tf.constant(0),
                 tf.zeros([MAX_CHUNK_EPOCHS, nkeys], tf.float32)])
            return buf, done, status

        return tf.function(chunk, input_signature=sig, jit_compile=bool(jit), autograph=False)

    def can_run_plain(self) -> bool:
        """Whether a run may use :meth:`call_plain` with the same results as :meth:`call`, up to
        float rounding: not with Dropout, whose masks XLA draws with another RNG algorithm."""
        return not any(type(layer).__name__ == "Dropout" for layer in self.model.layers)

    def call_plain(self, args):
        """Run one chunk in a plain TF graph (traced on first use), on the same variables.

        Issue 18: on a new architecture, XLA compilation costs seconds (2-6 s on W1-W4) where the
        plain graph traces in about one; a first run that would otherwise wait for it runs here,
        and the XLA program is compiled later (:func:`~nnstudio.core.training.engine.precompile`).
        """
        if self.fn_plain is None:
            self.fn_plain = self.fn if not self.jit else self._make_function(False)
        out = self.fn_plain(*args)
        self.plain_traced = True
        return out

    def call(self, args):
        """Run one chunk; on the first call, fall back from XLA to a plain graph if XLA refuses."""
        tf = _tensorflow()
        if self.traced or not self.jit:
            self.traced = True
            return self.fn(*args)
        try:
            out = self.fn(*args)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError,
                tf.errors.InternalError) as exc:
            if "XLA" not in str(exc) and "xla" not in str(exc) and "compile" not in str(exc):
                raise
            # An op without an XLA kernel (nothing has run yet): same maths in a plain TF graph.
            self.jit = False
            self.fn = self._make_function(False)
            out = self.fn(*args)
        self.traced = True
        return out


cache: collections.OrderedDict[tuple, Program] = collections.OrderedDict()
cache_lock = threading.Lock()
# Keras draws initial weights from process-global random state (build_model seeds it): building
# two models at once on two threads would mix their draws, so model building is serialized.
build_lock = threading.Lock()


def program_key(model, settings: TrainSettings, task: Task, loss_name: str, n: int,
                 n_inputs: int, n_val: int, layout: str, jit: bool) -> tuple:
    config = json.dumps(model.get_config(), sort_keys=True, default=str)
    opt = (settings.optimizer, float(settings.momentum) if settings.optimizer == "sgd" else 0.0,
           bool(settings.nesterov) if settings.optimizer == "sgd" else False)
    return (type(model).__name__, config, opt, task.value, loss_name, n, n_inputs, n_val,
            settings.effective_batch_size(n), layout, bool(jit))


def is_compiled(key: tuple) -> bool:
    """Whether the program for this :func:`program_key` exists and has been traced (and, with
    XLA, compiled)."""
    with cache_lock:
        prog = cache.get(key)
    return prog is not None and prog.traced


def try_acquire_compiled(key: tuple):
    """The compiled program for this :func:`program_key`, locked for the caller, if it exists,
    is compiled and is not in use; else None (nothing is built or waited for)."""
    with cache_lock:
        prog = cache.get(key)
        if prog is not None and prog.traced and prog.lock.acquire(blocking=False):
            cache.move_to_end(key)
            return prog
    return None


def acquire_program(model, settings, task, loss_name, n, n_inputs, n_val, layout,
                     jit, precompiling: bool = False) -> tuple[Program, bool]:
    """A program for this key, locked for the caller; (program, newly built?).

    A cached program in use by another run is not waited for (that run may take minutes): this
    run builds its own. One being compiled by :func:`precompile` is waited for: it is ready in
    seconds, and compiling a second copy alongside would only slow both down.
    """
    key = program_key(model, settings, task, loss_name, n, n_inputs, n_val, layout, jit)
    compiling = None
    with cache_lock:
        prog = cache.get(key)
        if prog is not None:
            if prog.lock.acquire(blocking=False):
                cache.move_to_end(key)
                return prog, False
            if prog.precompiling:
                compiling = prog
    if compiling is not None:
        compiling.lock.acquire()
        return compiling, False
    with build_lock:
        prog = Program(model, settings, task, loss_name, n, n_inputs, n_val, layout, jit)
    prog.precompiling = precompiling
    prog.lock.acquire()
    with cache_lock:
        if key not in cache:  # if another run holds the cached one, this one stays private
            cache[key] = prog
            while len(cache) > PROGRAM_CACHE_SIZE:
                cache.popitem(last=False)
    return prog, True


def clear_program_cache() -> None:
    """Forget every compiled program (the next run of each network traces and compiles again)."""
    with cache_lock:
        cache.clear()
