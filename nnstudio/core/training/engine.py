"""The training engine.

Teaching-sized networks spend almost all of ``model.fit``'s time in per-epoch and per-step Python
overhead. This engine runs whole *chunks of epochs* — shuffling, every mini-batch, the optimizer step,
the epoch's metrics, validation, divergence checks and early stopping — inside one compiled
``tf.function``. Python only sees the chunk boundaries, where it reports progress, obeys Stop / Pause /
Step and applies a new learning rate. Chunks are sized to last about ``chunk_seconds`` so the GUI
gets ~20 updates a second and Stop answers within a fraction of a second.

The model is a real ``keras.Model`` built by :func:`nnstudio.core.model.build.build_model`, and the
optimizer a real Keras optimizer, so what comes out saves, exports and predicts like any Keras model.
"""
from __future__ import annotations

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

    def final(self, key: str) -> float | None:
        v = self.history.get(key)
        return float(v[-1]) if v else None


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


class Trainer:
    """One training run. Create, then call :meth:`run` (blocking; call it from a worker thread).

    ``on_progress`` is called from the thread that runs :meth:`run`, with a :class:`Progress`.
    :meth:`stop`, :meth:`pause`, :meth:`resume`, :meth:`step` and :meth:`set_learning_rate` are
    safe to call from any thread.
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

    # ----- the run -----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        tf = _tensorflow()
        keras = _keras()
        t0 = time.perf_counter()
        data, s = self.data, self.settings
        task = data.task
        n_classes = data.n_classes
        if len(data.X_train) == 0:
            raise TrainingError("There are no training rows.", "Load data and check the split.")
        model = self._model or build_model(self.spec, data.n_inputs, task, n_classes, seed=s.seed)
        self.model = model
        opt = make_optimizer(s)
        tvars = model.trainable_variables
        opt.build(tvars)
        all_vars = model.weights  # includes non-trainable (batch-norm statistics)
        loss_name = s.loss_for(task)
        loss_obj = make_loss(loss_name)

        X = tf.constant(data.X_train, tf.float32)
        has_val = len(data.X_val) > 0
        Xv = tf.constant(data.X_val if has_val else data.X_train[:1], tf.float32)
        if task is Task.REGRESSION:
            y = tf.constant(data.y_train.reshape(-1, 1), tf.float32)
            yv = tf.constant((data.y_val if has_val else data.y_train[:1]).reshape(-1, 1), tf.float32)
        elif task is Task.BINARY and model.output_shape[-1] == 1:
            y = tf.constant(data.y_train.reshape(-1, 1), tf.float32)
            yv = tf.constant((data.y_val if has_val else data.y_train[:1]).reshape(-1, 1), tf.float32)
        else:
            y = tf.constant(data.y_train, tf.int32)
            yv = tf.constant(data.y_val if has_val else data.y_train[:1], tf.int32)
        n = int(X.shape[0])
        bs = s.effective_batch_size(n)
        n_batches = math.ceil(n / bs)
        seed = int(s.seed)

        def metric(yt, p):
            if task is Task.REGRESSION:
                return tf.reduce_mean(tf.abs(yt - p))
            if p.shape[-1] == 1:
                return tf.reduce_mean(tf.cast(tf.equal(tf.cast(p > 0.5, tf.float32), yt), tf.float32))
            return tf.reduce_mean(tf.cast(tf.equal(tf.cast(tf.argmax(p, axis=-1), tf.int32), yt),
                                          tf.float32))

        def loss_fn(yt, p):
            return loss_obj(yt, p)

        def reg_loss():
            losses = model.losses
            return tf.add_n(losses) if losses else tf.constant(0.0)

        # state that lives across chunks
        backup = [tf.Variable(v, trainable=False) for v in all_vars]  # start-of-epoch weights
        best = [tf.Variable(v, trainable=False) for v in all_vars]  # best weights (early stopping)
        monitor = s.monitor if (has_val or not s.monitor.startswith("val_")) else s.monitor[4:]
        monitor = monitor.replace("accuracy", metric_name(task)) if task is Task.REGRESSION else monitor
        mode_max = monitor.endswith("accuracy")
        best_value = tf.Variable(-np.inf if mode_max else np.inf, dtype=tf.float32, trainable=False)
        best_epoch = tf.Variable(-1, dtype=tf.int32, trainable=False)
        wait = tf.Variable(0, dtype=tf.int32, trainable=False)
        early = bool(s.early_stopping)
        patience = int(s.patience)
        keys = ["loss", metric_name(task)] + (["val_loss", f"val_{metric_name(task)}"] if has_val else [])
        mon_index = keys.index(monitor) if monitor in keys else 0

        def copy_vars(dst, src):
            for d, v in zip(dst, src):
                d.assign(v)

        @tf.function(reduce_retracing=True)
        def train_chunk(k_epochs, epoch0):
            out = tf.TensorArray(tf.float32, size=k_epochs, element_shape=[len(keys)])
            status = tf.constant(0)  # 0 ok, 1 diverged, 2 early stop
            done = tf.constant(0)
            for e in tf.range(k_epochs):
                copy_vars(backup, all_vars)
                perm = tf.random.experimental.stateless_shuffle(
                    tf.range(n), seed=tf.stack([tf.constant(seed, tf.int32), epoch0 + e]))
                loss_sum = tf.constant(0.0)
                met_sum = tf.constant(0.0)
                for b in tf.range(n_batches):
                    idx = perm[b * bs: tf.minimum((b + 1) * bs, n)]
                    xb = tf.gather(X, idx)
                    yb = tf.gather(y, idx)
                    with tf.GradientTape() as tape:
                        p = model(xb, training=True)
                        total = loss_fn(yb, p) + reg_loss()
                    grads = tape.gradient(total, tvars)
                    opt.apply_gradients(zip(grads, tvars))
                    w = tf.cast(tf.shape(idx)[0], tf.float32)
                    loss_sum += total * w
                    met_sum += metric(yb, p) * w
                row = [loss_sum / n, met_sum / n]
                if has_val:
                    pv = model(Xv, training=False)
                    row += [loss_fn(yv, pv) + reg_loss(), metric(yv, pv)]
                row = tf.stack(row)
                if not tf.reduce_all(tf.math.is_finite(row)):
                    copy_vars(all_vars, backup)
                    status = tf.constant(1)
                    break
                out = out.write(e, row)
                done += 1
                if early:
                    cur = row[mon_index]
                    improved = cur > best_value if mode_max else cur < best_value
                    if improved:
                        best_value.assign(cur)
                        best_epoch.assign(epoch0 + e)
                        wait.assign(0)
                        copy_vars(best, all_vars)
                    else:
                        wait.assign_add(1)
                        if wait >= patience:
                            status = tf.constant(2)
                            break
            return out.stack()[:done], status

        history: dict[str, list[float]] = {k: [] for k in keys}
        lr_changes: list[tuple[int, float]] = []
        epochs = int(s.epochs)
        done = 0
        status, message = "completed", ""
        k = 1  # the first chunk is one epoch: it includes tracing, and times an epoch
        run_t0 = time.perf_counter()
        while done < epochs:
            # ---- pause / step / stop, between chunks only
            if not self._running.is_set():
                self._report(done, epochs, {}, run_t0, opt, state="paused")
                self._running.wait()
            if self._stop.is_set():
                status, message = "stopped", f"Stopped by you after {done} epochs."
                break
            with self._lock:
                stepping = self._step_budget > 0
                if stepping:
                    self._step_budget -= 1
                lr = self._pending_lr
                self._pending_lr = None
            if lr is not None:
                opt.learning_rate.assign(lr)
                lr_changes.append((done, lr))
            kk = 1 if stepping else min(k, epochs - done)
            c0 = time.perf_counter()
            try:
                rows, st = train_chunk(tf.constant(kk, tf.int32), tf.constant(done, tf.int32))
            except Exception as exc:  # a failure inside TensorFlow: report it, keep what we have
                raise TrainingError(f"Training failed inside TensorFlow: {type(exc).__name__}: "
                                    f"{str(exc).splitlines()[0][:200]}",
                                    "Check the data and settings; a smaller network or learning "
                                    "rate may help.") from exc
            rows = rows.numpy()
            c1 = time.perf_counter()
            new = {key: rows[:, i].astype(float).tolist() for i, key in enumerate(keys)}
            for key in keys:
                history[key].extend(new[key])
            done += len(rows)
            st = int(st)
            per_epoch = (c1 - c0) / max(1, len(rows))
            if done > 1 or kk > 1:  # skip the traced first chunk when sizing
                k = max(1, min(10_000, int(self.chunk_seconds / max(per_epoch, 1e-6))))
            else:
                k = 2
            self._report(done, epochs, new, run_t0, opt)
            if stepping and self._step_budget == 0:
                self.pause()
            if st == 1:
                status = "diverged"
                message = (f"Training diverged at epoch {done + 1}: the loss became NaN or infinite. "
                           f"The weights of epoch {done} (the last finite ones) are kept. "
                           f"Lower the learning rate (now {float(opt.learning_rate.numpy()):g}) "
                           f"and train again.")
                break
            if st == 2:
                status = "early_stopped"
                be = int(best_epoch.numpy())
                message = (f"Early stopping: {monitor} did not improve for {patience} epochs "
                           f"(best at epoch {be + 1}).")
                break
        best_ep = None
        if early and int(best_epoch.numpy()) >= 0:
            best_ep = int(best_epoch.numpy())
            if s.restore_best and best_ep + 1 < done:
                copy_vars(all_vars, best)
                message += f" Restored the weights of epoch {best_ep + 1}."
        if status == "completed":
            message = f"Trained {done} epochs."
        test = evaluate_arrays(model, data.X_test, data.y_test, task, loss_obj, loss_fn) \
            if len(data.X_test) else {}
        return TrainResult(model=model, history=history, epochs_run=done, status=status,
                           message=message.strip(), seconds=time.perf_counter() - t0, test=test,
                           lr_changes=lr_changes, best_epoch=best_ep, seed=seed)

    def _report(self, done, epochs, new, t0, opt, state="running") -> None:
        if self.on_progress is None:
            return
        elapsed = time.perf_counter() - t0
        eta = elapsed / done * (epochs - done) if done else float("nan")
        weights = [w.copy() for w in self.model.get_weights()] if self.want_weights else None
        self.on_progress(Progress(done, epochs, new, elapsed, eta,
                                  float(opt.learning_rate.numpy()), weights, state))


def evaluate_arrays(model, X, y, task: Task, loss_obj=None, loss_fn=None) -> dict[str, float]:
    """Loss and the task's metric on one split (inference mode)."""
    tf = _tensorflow()
    p = model(tf.constant(X, tf.float32), training=False)
    if task is Task.REGRESSION or p.shape[-1] == 1:
        yt = tf.constant(np.asarray(y, np.float32).reshape(-1, 1))
    else:
        yt = tf.constant(np.asarray(y, np.int32))
    fn = loss_fn or loss_obj
    out = {"loss": float(fn(yt, p)) + float(sum(float(l) for l in model.losses))} if fn else {}
    pn = p.numpy()
    if task is Task.REGRESSION:
        out["mae"] = float(np.mean(np.abs(pn[:, 0] - np.asarray(y, float))))
    elif pn.shape[-1] == 1:
        out["accuracy"] = float(np.mean((pn[:, 0] > 0.5).astype(int) == np.asarray(y)))
    else:
        out["accuracy"] = float(np.mean(pn.argmax(axis=-1) == np.asarray(y)))
    return out


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
