"""The training engine.

Teaching-sized networks spend almost all of ``model.fit``'s time in per-epoch and per-step Python
overhead, and in tracing a new ``tf.function`` for every new model. This engine removes both:

* **Whole chunks of epochs in one compiled call.** Shuffling, every mini-batch, the optimizer step,
  the epoch's metrics, validation, the divergence check and early stopping run inside one
  ``tf.function`` (compiled with XLA by default, see :attr:`TrainSettings.jit_compile`). Python
  only sees chunk boundaries, where it reports progress, obeys Stop / Pause / Step and applies a new
  learning rate. Chunks are sized to last about ``chunk_seconds`` so the GUI gets ~20 updates a
  second and Stop answers within a fraction of a second.
* **Compiled programs are cached by architecture and data shape.** A *program* owns a private
  "workhorse" copy of the network and optimizer and the compiled chunk function, which takes the
  data as arguments. A run copies its freshly initialised model into the workhorse, resets the
  optimizer state, trains, and copies the weights back. The second run of the same network on the
  same data (Train again, another seed, ``train_repeated``) therefore skips tracing and compiling;
  :func:`precompile` compiles one ahead of time (an app can call it while the user edits).
* **Shuffles from the host.** Each epoch's row order is a hash of (seed, epoch, row)
  (:func:`epoch_orders`), computed in NumPy and handed to the compiled call: the same seed gives
  the same curve whatever the chunking, pauses or path, and there is no RNG or sort to compile.
  The last, partial batch of an epoch runs as a full-size batch whose extra rows weigh 0.

Same seed, same settings, same data: the same history and weights, bit for bit (XLA and the plain
graph agree to float rounding; dropout masks differ between the two, as Keras draws them with the
backend's default RNG algorithm, which XLA picks differently).

The model is a real ``keras.Model`` built by :func:`nnstudio.core.model.build.build_model` and the
optimizer a real Keras optimizer (the very ``apply_gradients`` that ``model.fit`` calls), so the
maths is Keras' own and what comes out saves, exports and predicts like any Keras model.

Data over :data:`FAST_PATH_MAX_BYTES` (training features) does not go onto the fast path but is
streamed batch by batch with ``tf.data`` (:mod:`nnstudio.core.training.streaming`).
"""
from __future__ import annotations

import collections
import json
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from nnstudio.core.data.preprocess import PreparedData
from nnstudio.core.errors import SettingsError, TrainingError
from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.training.settings import TrainSettings

#: Training features larger than this (bytes, float32) are streamed instead of held as one tensor.
FAST_PATH_MAX_BYTES = 256 * 2**20
#: The most epochs one compiled call may run (the size of its history buffer).
MAX_CHUNK_EPOCHS = 4096
#: How many compiled programs (architecture x data shape x optimizer) are kept.
PROGRAM_CACHE_SIZE = 16
#: Rows per forward pass when evaluating (bounds memory on big splits).
EVAL_BATCH_ROWS = 65536
#: At most this many row indices (epochs x rows) are handed to one compiled call.
ORDER_BUDGET = 2**19


@dataclass
class Progress:
    """What the engine reports at each chunk boundary (plain data: safe to send across threads)."""

    epoch: int  # epochs completed so far
    epochs: int  # epochs planned
    new_rows: dict[str, list[float]]  # metric -> values for the epochs of this chunk
    elapsed: float
    eta: float  # seconds left, estimated
    learning_rate: float
    weights: list[np.ndarray] | None = None  # a copy of the model's weights, when asked for
    state: str = "running"  # running | paused


@dataclass
class TrainResult:
    model: object  # keras.Model
    history: dict[str, list[float]]
    epochs_run: int
    status: str  # completed | stopped | early_stopped | diverged
    message: str
    seconds: float
    test: dict[str, float] = field(default_factory=dict)
    lr_changes: list[tuple[int, float]] = field(default_factory=list)  # (epoch, new lr)
    best_epoch: int | None = None
    seed: int = 0
    steps: int = 0  # optimizer steps taken (mini-batches)
    path: str = "fast"  # fast (compiled chunks of epochs) | streaming (tf.data, for big data)
    compiled: bool = False  # True when this run traced/compiled a new program (not from the cache)


def make_optimizer(settings: TrainSettings):
    keras = _keras()
    lr = float(settings.learning_rate)
    name = settings.optimizer
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr, momentum=float(settings.momentum),
                                    nesterov=bool(settings.nesterov))
    cls = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop,
           "adagrad": keras.optimizers.Adagrad, "adamax": keras.optimizers.Adamax,
           "nadam": keras.optimizers.Nadam}.get(name)
    if cls is None:
        raise SettingsError(f"Unknown optimizer '{name}'.")
    return cls(learning_rate=lr)


def make_loss(name: str):
    """A reducing Keras loss object for a loss name of :data:`settings.LOSSES`."""
    keras = _keras()
    cls = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
           "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
           "categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,  # integer labels
           "mse": keras.losses.MeanSquaredError, "mae": keras.losses.MeanAbsoluteError,
           "huber": keras.losses.Huber}.get(name)
    if cls is None:
        raise SettingsError(f"Unknown loss '{name}'.")
    return cls()


def metric_name(task: Task) -> str:
    return "mae" if task is Task.REGRESSION else "accuracy"


# ----- pieces shared by the fast path and the streaming path ---------------------------------------
def target_layout(task: Task, model) -> str:
    """How targets are fed: 'column' (float, shape [n, 1]) or 'index' (int class codes, shape [n])."""
    if task is Task.REGRESSION or (task is Task.BINARY and model.output_shape[-1] == 1):
        return "column"
    return "index"


def as_targets(y: np.ndarray, layout: str) -> np.ndarray:
    y = np.asarray(y)
    if layout == "column":
        return np.ascontiguousarray(y.reshape(-1, 1), dtype=np.float32)
    return np.ascontiguousarray(y.reshape(-1), dtype=np.int32)


def make_metric(task: Task):
    """The task's metric as a TF function of (targets, predictions[, row weights]): accuracy or MAE."""
    tf = _tensorflow()

    def metric(yt, p, w=None):
        if task is Task.REGRESSION:
            per_row = tf.abs(yt - p)[:, 0]
        elif p.shape[-1] == 1:
            per_row = tf.cast(tf.equal(tf.cast(p > 0.5, tf.float32), yt), tf.float32)[:, 0]
        else:
            per_row = tf.cast(tf.equal(tf.cast(tf.argmax(p, axis=-1), tf.int32), yt), tf.float32)
        if w is None:
            return tf.reduce_mean(per_row)
        return tf.reduce_sum(per_row * w) / tf.reduce_sum(w)
    return metric


def _fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: a bijective mixer of uint64 arrays (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def epoch_orders(seed: int, first_epoch: int, k: int, n: int) -> np.ndarray:
    """The shuffled row order of epochs ``first_epoch .. first_epoch + k - 1``, as [k, n] int32.

    Each epoch's order depends on (seed, epoch) only: the same whatever the chunking, pauses or
    path (fast or streaming). Rows are sorted by a hash of (seed, epoch, row); the hash is a
    bijection, so there are no ties and the order is the same on every machine.
    """
    ep = np.arange(first_epoch, first_epoch + k, dtype=np.uint64)
    s = _fmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
                ^ np.uint64(0x9E3779B97F4A7C15))
    base = _fmix64(s + ep * np.uint64(0xD1B54A32D192ED03))
    rows = np.arange(n, dtype=np.uint64) * np.uint64(0xABC98388FB8FAC03)
    keys = _fmix64(base[:, None] + rows[None, :])
    return np.argsort(keys, axis=1).astype(np.int32)


def reg_loss(model):
    """Sum of the model's regularization losses (0.0 when it has none)."""
    tf = _tensorflow()
    losses = model.losses
    return tf.add_n(losses) if losses else tf.constant(0.0)


def resolve_monitor(monitor: str, task: Task, has_val: bool) -> tuple[str, bool]:
    """The history key early stopping watches, and whether bigger is better."""
    if not has_val and monitor.startswith("val_"):
        monitor = monitor[4:]
    if task is Task.REGRESSION:
        monitor = monitor.replace("accuracy", metric_name(task))
    return monitor, monitor.endswith("accuracy")


def divergence_message(done: int, lr: float) -> str:
    return (f"Training diverged at epoch {done + 1}: the loss became NaN or infinite. "
            f"The weights of epoch {done} (the last finite ones) are kept. "
            f"Lower the learning rate (now {lr:g}) and train again.")


def tf_failure(exc: Exception) -> TrainingError:
    return TrainingError(f"Training failed inside TensorFlow: {type(exc).__name__}: "
                         f"{(str(exc).splitlines() or [''])[0][:200]}",
                         "Check the data and settings; a smaller network or learning rate may help.")


# ----- the compiled program (cached) ------------------------------------------------------------------
class _Program:
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
        self.loss_obj = make_loss(loss_name)
        self.task = task
        # class weights (issue 20): one per class code, set per run; all 1 = unweighted (same maths)
        self.class_w = None if task is Task.REGRESSION else tf.Variable(
            tf.ones([max(2, int(self.model.output_shape[-1]))], tf.float32), trainable=False)
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
        self._load_fn = self._store_fn = self._eval_fn = None

    # ---- per run
    # Loading, storing and evaluating are compiled too (XLA when the program is): building the
    # run's model calls ``tf.random.set_seed``, which empties TF's eager kernel cache, so the
    # dozens of small eager ops they would otherwise be cost tens of milliseconds a run.
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
            self._load_fn = tf.function(load_fn, autograph=False, jit_compile=self.jit)
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
            self._store_fn = tf.function(store_fn, autograph=False, jit_compile=self.jit)
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
        return _summarize(np.concatenate(preds), y, self.task, loss_sum / n + float(reg))

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
                p = model(xb, training=True)
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


_cache: collections.OrderedDict[tuple, _Program] = collections.OrderedDict()
_cache_lock = threading.Lock()
# Keras draws initial weights from process-global random state (build_model seeds it): building
# two models at once on two threads would mix their draws, so model building is serialized.
_build_lock = threading.Lock()


def _program_key(model, settings: TrainSettings, task: Task, loss_name: str, n: int,
                 n_inputs: int, n_val: int, layout: str, jit: bool) -> tuple:
    config = json.dumps(model.get_config(), sort_keys=True, default=str)
    opt = (settings.optimizer, float(settings.momentum) if settings.optimizer == "sgd" else 0.0,
           bool(settings.nesterov) if settings.optimizer == "sgd" else False)
    return (type(model).__name__, config, opt, task.value, loss_name, n, n_inputs, n_val,
            settings.effective_batch_size(n), layout, bool(jit))


def _acquire_program(model, settings, task, loss_name, n, n_inputs, n_val, layout,
                     jit, precompiling: bool = False) -> tuple[_Program, bool]:
    """A program for this key, locked for the caller; (program, newly built?).

    A cached program in use by another run is not waited for (that run may take minutes): this
    run builds its own. One being compiled by :func:`precompile` is waited for: it is ready in
    seconds, and compiling a second copy alongside would only slow both down.
    """
    key = _program_key(model, settings, task, loss_name, n, n_inputs, n_val, layout, jit)
    compiling = None
    with _cache_lock:
        prog = _cache.get(key)
        if prog is not None:
            if prog.lock.acquire(blocking=False):
                _cache.move_to_end(key)
                return prog, False
            if prog.precompiling:
                compiling = prog
    if compiling is not None:
        compiling.lock.acquire()
        return compiling, False
    with _build_lock:
        prog = _Program(model, settings, task, loss_name, n, n_inputs, n_val, layout, jit)
    prog.precompiling = precompiling
    prog.lock.acquire()
    with _cache_lock:
        if key not in _cache:  # if another run holds the cached one, this one stays private
            _cache[key] = prog
            while len(_cache) > PROGRAM_CACHE_SIZE:
                _cache.popitem(last=False)
    return prog, True


def clear_program_cache() -> None:
    """Forget every compiled program (the next run of each network traces and compiles again)."""
    with _cache_lock:
        _cache.clear()


class Trainer:
    """One training run. Create, then call :meth:`run` (blocking; call it from a worker thread).

    ``on_progress`` is called from the thread that runs :meth:`run`, with a :class:`Progress`.
    :meth:`stop`, :meth:`pause`, :meth:`resume`, :meth:`step` and :meth:`set_learning_rate` are
    safe to call from any thread. During a run, read the current weights from
    ``Progress.weights`` (``want_weights=True``); :attr:`model` holds them when :meth:`run` returns.
    """

    def __init__(self, data: PreparedData, spec: NetworkSpec, settings: TrainSettings, *,
                 on_progress: Callable[[Progress], None] | None = None,
                 want_weights: bool = False, chunk_seconds: float = 0.05,
                 model=None) -> None:
        settings.check()
        self.data = data
        self.spec = spec
        self.settings = settings
        self.on_progress = on_progress
        self.want_weights = want_weights
        self.chunk_seconds = chunk_seconds
        self._model = model
        self.model = model
        self.optimizer = None  # the Keras optimizer doing the steps, once running
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._step_budget = 0  # epochs to run while paused (Step)
        self._lock = threading.Lock()
        self._pending_lr: float | None = None

    # ----- control (any thread) ------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        self._running.set()

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
        if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
            raise SettingsError(f"The learning rate must be a number above 0 (got {lr!r}).")
        with self._lock:
            self._pending_lr = float(lr)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    # ----- helpers shared with the streaming path -------------------------------------------------
    def _gate(self, done: int, epochs: int, t0: float, opt,
              weights_of) -> tuple[bool, bool, float | None]:
        """Between chunks: wait while paused, then (stop?, stepping?, new learning rate or None)."""
        if not self._running.is_set():
            self._report(done, epochs, {}, t0, opt, weights_of, state="paused")
            self._running.wait()
        if self._stop.is_set():
            return True, False, None
        with self._lock:
            stepping = self._step_budget > 0
            if stepping:
                self._step_budget -= 1
            lr = self._pending_lr
            self._pending_lr = None
        return False, stepping, lr

    def _after_step(self) -> None:
        with self._lock:
            if self._step_budget == 0:
                self.pause()

    def _report(self, done, epochs, new, t0, opt, weights_of, state="running") -> None:
        if self.on_progress is None:
            return
        elapsed = time.perf_counter() - t0
        eta = elapsed / done * (epochs - done) if done else float("nan")
        weights = [w.copy() for w in weights_of.get_weights()] if self.want_weights else None
        self.on_progress(Progress(done, epochs, new, elapsed, eta,
                                  float(opt.learning_rate.numpy()), weights, state))

    # ----- the run -----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        t0 = time.perf_counter()
        data, s = self.data, self.settings
        task = data.task
        if len(data.X_train) == 0:
            raise TrainingError("There are no training rows.", "Load data and check the split.")
        model = self._model
        if model is None:
            with _build_lock:
                model = build_model(self.spec, data.n_inputs, task, data.n_classes, seed=s.seed)
        self.model = model
        if np.asarray(data.X_train).size * 4 > FAST_PATH_MAX_BYTES:
            from nnstudio.core.training.streaming import run_streaming  # noqa: PLC0415

            if s.class_weight != "none":
                raise TrainingError("Class weights are not available when the data is too large "
                                    "to train in memory.", "Set class weights to none, or use fewer rows.")

            return run_streaming(self, model, t0)

        loss_name = s.loss_for(task)
        layout = target_layout(task, model)
        n, n_inputs = data.X_train.shape
        has_val = len(data.X_val) > 0
        n_val = len(data.X_val) if has_val else 0
        monitor, mode_max = resolve_monitor(s.monitor, task, has_val)
        prog, fresh = _acquire_program(model, s, task, loss_name, n, n_inputs, n_val, layout,
                                       bool(s.jit_compile))
        try:
            return self._run_fast(prog, fresh, model, t0, monitor, mode_max)
        finally:
            prog.lock.release()

    def _run_fast(self, prog: _Program, fresh: bool, model, t0: float, monitor: str,
                  mode_max: bool) -> TrainResult:
        tf = _tensorflow()
        data, s = self.data, self.settings
        prog.load(model, s, mode_max)
        if prog.class_w is not None:  # issue 20: class weights of this run (ones: none)
            from nnstudio.core.training.class_weights import class_weight_vector  # noqa: PLC0415

            cw = class_weight_vector(s.class_weight, data.y_train, data.preprocessor.classes, data.task)
            prog.class_w.assign(np.ones(prog.class_w.shape, np.float32) if cw is None
                                else np.resize(cw.astype(np.float32), prog.class_w.shape))
        opt = prog.opt
        self.optimizer = opt
        X = tf.constant(np.asarray(data.X_train, np.float32))
        y = tf.constant(as_targets(data.y_train, prog.layout))
        if prog.has_val:
            Xv = tf.constant(np.asarray(data.X_val, np.float32))
            yv = tf.constant(as_targets(data.y_val, prog.layout))
        else:
            Xv, yv = X[:1], y[:1]
        keys = prog.keys
        mon_index = keys.index(monitor) if monitor in keys else 0
        seed = int(s.seed)
        orders = np.zeros((prog.max_k, prog.n), np.int32)
        fixed = dict(                     early=tf.constant(bool(s.early_stopping)),
                     patience=tf.constant(int(s.patience), tf.int32),
                     mon_index=tf.constant(mon_index, tf.int32),
                     mode_max=tf.constant(bool(mode_max)))
        history: dict[str, list[float]] = {k: [] for k in keys}
        lr_changes: list[tuple[int, float]] = []
        epochs = int(s.epochs)
        done = 0
        status, message = "completed", ""
        # The first chunk is one epoch (it traces and compiles on a new program; and a Pause or
        # Step sent just after start lands after epoch 1); then chunks of ~chunk_seconds, sized
        # from the speed measured on this program (also by earlier runs).
        k = 1
        run_t0 = time.perf_counter()
        # A chunk's progress report is sent once the next chunk's row orders are ready, just
        # before it starts: whoever listens (the GUI drawing curves and the live surface) then
        # works while this thread is inside the compiled call, which runs without the interpreter
        # lock, instead of competing with this thread for the lock between chunks.
        pending: tuple[int, dict] | None = None

        def flush() -> None:
            nonlocal pending
            if pending is not None:
                self._report(pending[0], epochs, pending[1], run_t0, opt, prog.model)
                pending = None

        while done < epochs:
            kk = max(1, min(k, epochs - done, prog.max_k))
            try:  # the orders of epochs done.. (a Step below runs only the first of them)
                orders[:kk] = epoch_orders(seed, done, kk, prog.n)
                orders_t, done_t = tf.constant(orders), tf.constant(done, tf.int32)
            except Exception as exc:  # a failure inside TensorFlow: report it
                raise tf_failure(exc) from exc
            flush()
            stop, stepping, lr = self._gate(done, epochs, run_t0, opt, prog.model)
            if stop:
                status, message = "stopped", f"Stopped by you after {done} epochs."
                break
            if lr is not None:
                opt.learning_rate.assign(lr)
                lr_changes.append((done, lr))
            if stepping:
                kk = 1
            traced_before = prog.traced
            c0 = time.perf_counter()
            try:
                buf, nd, st = prog.call((X, y, Xv, yv, orders_t, done_t, tf.constant(kk, tf.int32),
                                         fixed["early"], fixed["patience"], fixed["mon_index"],
                                         fixed["mode_max"]))
                nd, st = int(nd), int(st)
                rows = buf.numpy()[:nd]
            except TrainingError:
                raise
            except Exception as exc:  # a failure inside TensorFlow: report it
                raise tf_failure(exc) from exc
            c1 = time.perf_counter()
            new = {key: rows[:, i].astype(float).tolist() for i, key in enumerate(keys)}
            for key in keys:
                history[key].extend(new[key])
            done += nd
            if traced_before and nd > 0:  # calls that traced/compiled say nothing about speed
                per = (c1 - c0) / nd
                prog.epoch_seconds = per if prog.epoch_seconds is None else \
                    0.5 * prog.epoch_seconds + 0.5 * per
            k = 2 if prog.epoch_seconds is None else self._chunk_epochs(
                prog.epoch_seconds, None if (traced_before and kk == 1 and done == nd) else kk)
            pending = (done, new)
            if stepping:
                flush()
                self._after_step()
            if st == 1:
                status = "diverged"
                message = divergence_message(done, float(opt.learning_rate.numpy()))
                break
            if st == 2:
                status = "early_stopped"
                be = int(prog.best_epoch.numpy())
                message = (f"Early stopping: {monitor} did not improve for {s.patience} epochs "
                           f"(best at epoch {be + 1}).")
                break
        flush()
        best_ep = None
        if s.early_stopping and int(prog.best_epoch.numpy()) >= 0:
            best_ep = int(prog.best_epoch.numpy())
            if s.restore_best and best_ep + 1 < done:
                prog.restore_best()
                message += f" Restored the weights of epoch {best_ep + 1}."
        steps = int(opt.iterations.numpy())
        prog.store(model)
        if status == "completed":
            message = f"Trained {done} epochs."
        test = prog.evaluate(data.X_test, data.y_test) if len(data.X_test) else {}
        return TrainResult(model=model, history=history, epochs_run=done, status=status,
                           message=message.strip(), seconds=time.perf_counter() - t0, test=test,
                           lr_changes=lr_changes, best_epoch=best_ep, seed=seed, steps=steps,
                           path="fast", compiled=fresh)

    def _chunk_epochs(self, epoch_seconds: float, previous: int | None) -> int:
        k = int(self.chunk_seconds / max(epoch_seconds, 1e-7))
        if previous is not None:
            k = min(k, 8 * previous)  # grow gradually: one slow measurement cannot stall Stop
        return max(1, min(MAX_CHUNK_EPOCHS, k))


def evaluate_arrays(model, X, y, task: Task, loss_obj=None, loss_fn=None) -> dict[str, float]:
    """Loss (with regularization) and the task's metric on one split, in inference mode."""
    tf = _tensorflow()
    X = np.asarray(X, np.float32)
    y = np.asarray(y)
    fn = loss_fn or loss_obj
    n = len(X)
    if n == 0:
        return {}
    loss_sum, preds = 0.0, []
    for i in range(0, n, EVAL_BATCH_ROWS):
        p = model(tf.constant(X[i:i + EVAL_BATCH_ROWS]), training=False)
        if fn is not None:
            yb = y[i:i + EVAL_BATCH_ROWS]
            yt = tf.constant(yb.astype(np.float32).reshape(-1, 1)) \
                if task is Task.REGRESSION or p.shape[-1] == 1 else tf.constant(yb.astype(np.int32))
            loss_sum += float(fn(yt, p)) * len(yb)
        preds.append(p.numpy())
    return _summarize(np.concatenate(preds), y, task,
                      loss_sum / n + float(sum(float(l) for l in model.losses)) if fn else None)


def _summarize(pn: np.ndarray, y: np.ndarray, task: Task, loss: float | None) -> dict[str, float]:
    out = {"loss": float(loss)} if loss is not None else {}
    if task is Task.REGRESSION:
        out["mae"] = float(np.mean(np.abs(pn[:, 0] - y.astype(float))))
    elif pn.shape[-1] == 1:
        out["accuracy"] = float(np.mean((pn[:, 0] > 0.5).astype(int) == y))
    else:
        out["accuracy"] = float(np.mean(pn.argmax(axis=-1) == y))
    return out


def precompile(data: PreparedData, spec: NetworkSpec, settings: TrainSettings) -> bool:
    """Trace and compile the program that :class:`Trainer` would use, without training.

    Compiling a new architecture takes a second or more (XLA); an app can call this on a worker
    thread when the network, data or settings change, so that Train starts at full speed. The
    result is the same as without it. Returns False when there is nothing to do (already
    compiled, busy, or the data go to the streaming path).
    """
    tf = _tensorflow()
    settings.check()
    if len(data.X_train) == 0 or np.asarray(data.X_train).size * 4 > FAST_PATH_MAX_BYTES:
        return False
    task = data.task
    with _build_lock:
        model = build_model(spec, data.n_inputs, task, data.n_classes, seed=settings.seed)
    n, n_inputs = data.X_train.shape
    n_val = len(data.X_val)
    layout = target_layout(task, model)
    prog, fresh = _acquire_program(model, settings, task, settings.loss_for(task), n, n_inputs,
                                   n_val, layout, bool(settings.jit_compile), precompiling=True)
    try:
        if prog.traced:
            return False
        prog.load(model, settings, False)
        X = tf.zeros([n, n_inputs], tf.float32)
        ydt = tf.float32 if layout == "column" else tf.int32
        y = tf.zeros([n, 1] if layout == "column" else [n], ydt)
        if n_val:
            Xv = tf.zeros([n_val, n_inputs], tf.float32)
            yv = tf.zeros([n_val] + list(y.shape[1:]), ydt)
        else:
            Xv, yv = X[:1], y[:1]
        prog.call((X, y, Xv, yv, tf.zeros([prog.max_k, n], tf.int32), tf.constant(0),
                   tf.constant(0), tf.constant(False), tf.constant(1), tf.constant(0),
                   tf.constant(False)))  # zero epochs: compiles, changes nothing
        prog.store(model)
        return True
    finally:
        prog.precompiling = False
        prog.lock.release()


def train(data: PreparedData, spec: NetworkSpec, settings: TrainSettings, **kw) -> TrainResult:
    """Headless convenience: build, train and return the result."""
    return Trainer(data, spec, settings, **kw).run()


def train_repeated(data: PreparedData, spec: NetworkSpec, settings: TrainSettings, repeat: int,
                   should_stop: Callable[[], bool] | None = None,
                   on_run: Callable[[int, TrainResult], None] | None = None) -> dict:
    """Train ``repeat`` times with seeds 0..repeat-1; each run's figures plus mean and sd."""
    from dataclasses import replace  # noqa: PLC0415

    runs = []
    for i in range(repeat):
        if should_stop and should_stop():
            break
        r = train(data, spec, replace(settings, seed=i))
        runs.append(r)
        if on_run:
            on_run(i, r)
    key = "accuracy" if data.task is not Task.REGRESSION else "mae"
    vals = np.array([r.test.get(key, np.nan) for r in runs], float)
    return {"runs": runs, "metric": f"test_{key}",
            "mean": float(np.mean(vals)) if len(vals) else float("nan"),
            "sd": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0}
