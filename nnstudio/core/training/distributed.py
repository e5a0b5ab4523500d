"""Training beyond one device: ``tf.distribute.MirroredStrategy`` and a Keras ``fit`` driver.

**When.** ``nnstudio train`` uses :func:`choose_devices`: with ``--distribute auto`` (the default)
and two or more GPUs visible, it trains under a ``MirroredStrategy`` over all of them; with one GPU
or none it runs the single-device engine (:mod:`nnstudio.core.training.engine`). ``--distribute
mirrored`` forces the strategy (over every visible GPU; with no GPU over every *logical* CPU
device, which is how the tests exercise this path on a CPU-only machine), ``--distribute off``
never uses it. ``CUDA_VISIBLE_DEVICES`` picks the GPUs as usual.

**How.** The network is built, and the optimizer created, inside ``strategy.scope()`` so that
every variable is mirrored; Keras ``fit`` splits each global batch (``--batch-size``, as in the
app) evenly across the replicas, each replica computes the gradient of its share, and the
gradients are summed across replicas (NCCL on GPUs) before one optimizer step. With a loss
averaged over the global batch this is the same maths as one device training on the whole batch:
the test holds a 2-replica run to a 1-device run within float tolerance.

**Limits.** Runs on this path are reproducible for a given seed and device count, but are not
bit-identical to the single-device engine (which shuffles with its own stateless RNG inside one
compiled loop): compare results between runs on the same path. The run obeys the training
control protocol (:mod:`nnstudio.core.training.control`) like the engine: Stop after any batch,
Pause, Step and learning-rate changes at epoch starts; otherwise it runs to the end, to early
stopping or to divergence (the weights of the last finite epoch are kept). Small teaching networks
are faster on one device: the per-step all-reduce costs more than it saves.
"""
from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable

import numpy as np

from nnstudio.core import registry
from nnstudio.core.data.preprocess import PreparedData
from nnstudio.core.errors import SettingsError, TrainingError
from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.settings import TrainSettings, epochs_text
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.trained import TrainResult
from nnstudio.core.training.control import Progress, TrainingControl
from nnstudio.core.training.evaluation import evaluate_arrays
from nnstudio.core.training.program import build_lock
from nnstudio.core.training.steps import (
    as_targets,
    divergence_message,
    early_stop_message,
    make_optimizer,
    resolve_monitor,
    restored_note,
    target_layout,
    target_spread,
    tf_failure,
)

DISTRIBUTE_MODES = ("auto", "off", "mirrored")  # and "multi-worker": see .multiworker
#: Progress is reported to the callback at most this often (seconds), and at the end.
REPORT_INTERVAL = 0.1


def visible_gpus() -> list[str]:
    """Names of the logical GPU devices TensorFlow sees (``/device:GPU:0``, ...)."""
    tf = _tensorflow()
    return [d.name for d in tf.config.list_logical_devices("GPU")]


def choose_devices(mode: str = "auto") -> list[str] | None:
    """The devices to mirror over, or ``None`` for the single-device engine.

    ``auto``: all GPUs when there are at least two. ``mirrored``: all GPUs, else all logical CPU
    devices (one device is allowed: a strategy with one replica). ``off``: ``None``.
    """
    if mode not in DISTRIBUTE_MODES:
        raise SettingsError(f"Unknown distribution mode '{mode}'.",
                            f"Use one of: {', '.join(DISTRIBUTE_MODES)}.")
    if mode == "off":
        return None
    gpus = visible_gpus()
    if mode == "auto":
        return gpus if len(gpus) >= 2 else None
    if gpus:
        return gpus
    tf = _tensorflow()
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def make_strategy(devices: list[str]):
    """A ``MirroredStrategy`` over ``devices``; GPUs all-reduce with NCCL, CPUs on one device."""
    tf = _tensorflow()
    if any("GPU" in d.upper() for d in devices):
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.MirroredStrategy(
        devices, cross_device_ops=tf.distribute.ReductionToOneDevice())


def keras_metric(task: Task, n_outputs: int):
    """The task's metric as a Keras metric named like the engine's history keys."""
    keras = _keras()
    if task is Task.REGRESSION:
        return keras.metrics.MeanAbsoluteError(name="mae")
    if n_outputs == 1:
        return keras.metrics.BinaryAccuracy(name="accuracy")
    return keras.metrics.SparseCategoricalAccuracy(name="accuracy")


def _control_callback(epochs: int, control: TrainingControl):
    """A Keras callback that puts ``fit`` under the training control protocol: Stop (after any
    batch), Pause / Step / learning-rate changes (at epoch starts), reports (at most every
    :data:`REPORT_INTERVAL` seconds, and at the end), and catches divergence."""
    keras = _keras()

    class ControlCallback(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.pending: dict[str, list[float]] = {}
            self.last_report = 0.0
            self.done = 0
            self.diverged = False
            self.stopped = False
            self.stepping = False
            self.discard_epoch = False
            self.good_weights = None
            self.lr_changes: list[tuple[int, float]] = []

        def lr(self) -> float:
            return float(np.asarray(self.model.optimizer.learning_rate))

        def on_train_begin(self, logs=None):
            control.begin(epochs)
            self.good_weights = self.model.get_weights()

        def on_epoch_begin(self, epoch, logs=None):
            gate = control.checkpoint(self.done, self.lr, self.model)
            if gate.stop:  # Keras still runs one batch of this epoch: it is undone at its end
                self.discard_epoch = True
                self.stop()
                return
            if gate.learning_rate is not None:
                self.model.optimizer.learning_rate.assign(gate.learning_rate)
                self.lr_changes.append((self.done, gate.learning_rate))
            self.stepping = gate.stepping

        def on_train_batch_end(self, batch, logs=None):
            if control.stopped:
                self.stop()

        def stop(self) -> None:
            self.stopped = True
            self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            if self.discard_epoch:  # stopped before it began: as if it never ran
                self.model.set_weights(self.good_weights)
                self.flush()
                return
            logs = logs or {}
            self.done = epoch + 1
            for k, v in logs.items():
                if k == "learning_rate":
                    continue
                self.pending.setdefault(k, []).append(float(v))
            if not all(math.isfinite(float(v)) for k, v in logs.items() if "loss" in k):
                self.diverged = True
                self.model.stop_training = True
                self.model.set_weights(self.good_weights)
            else:
                self.good_weights = self.model.get_weights()
            if control.stopped:
                self.stop()
            now = time.perf_counter()
            if now - self.last_report >= REPORT_INTERVAL or self.done == epochs or \
                    self.model.stop_training or self.stepping:
                self.flush(now)
            if self.stepping:
                self.stepping = False
                control.after_step()

        def flush(self, now: float | None = None) -> None:
            if self.pending:
                control.report(self.done, self.pending, self.lr(), self.model)
            self.pending = {}
            self.last_report = now or time.perf_counter()

    return ControlCallback()


def keras_fit(model, train_ds, val_ds, task: Task, settings: TrainSettings, *,
              control: TrainingControl | None = None,
              on_progress: Callable[[Progress], None] | None = None,
              should_stop: Callable[[], bool] | None = None,
              has_val: bool = True, steps_per_epoch: int | None = None,
              validation_steps: int | None = None, callbacks_before: list | None = None,
              target_sd: float | None = None) -> dict:
    """Fit a compiled model on ``tf.data`` datasets under the training control protocol
    (``control``, or one made from ``on_progress`` and ``should_stop``), with the app's early
    stopping and divergence handling. Returns history, status, message, epochs run, best epoch,
    steps and learning-rate changes. ``callbacks_before`` run first (a backup to restore before
    the control callback takes its first good weights). ``target_sd``: a regression target's
    spread, for the advice of a diverged run."""
    keras = _keras()
    epochs = int(settings.epochs)
    if control is None:
        control = TrainingControl(on_progress, should_stop=should_stop)
    reporter = _control_callback(epochs, control)
    callbacks = [*(callbacks_before or []), reporter]
    early = None
    if settings.early_stopping:
        monitor, mode_max = resolve_monitor(settings.monitor, task, has_val)
        early = keras.callbacks.EarlyStopping(monitor=monitor, patience=int(settings.patience),
                                              mode="max" if mode_max else "min",
                                              restore_best_weights=bool(settings.restore_best))
        callbacks.append(early)
    try:
        with warnings.catch_warnings():
            # Keras warns when a generator-fed dataset ends an epoch (how streaming works)
            warnings.filterwarnings("ignore", message=".*ran out of data.*")
            hist = model.fit(train_ds, validation_data=val_ds if has_val else None, epochs=epochs,
                             callbacks=callbacks, verbose=0, steps_per_epoch=steps_per_epoch,
                             validation_steps=validation_steps if has_val else None,
                             shuffle=False)  # the datasets shuffle themselves
    except (TrainingError, SettingsError):
        raise
    except Exception as exc:  # a failure inside TensorFlow: a message, not a traceback
        raise tf_failure(exc) from exc
    done = reporter.done
    history = {k: [float(x) for x in v][:done] for k, v in hist.history.items()
               if k != "learning_rate"}
    best_epoch = None
    lr = float(np.asarray(model.optimizer.learning_rate))
    if reporter.diverged:
        status, message = "diverged", divergence_message(done - 1, lr, settings.optimizer, target_sd)
    elif reporter.stopped:
        status, message = "stopped", f"Stopped after {epochs_text(done)}."
    elif early is not None and early.stopped_epoch > 0:
        best_epoch = int(early.best_epoch)
        status = "early_stopped"
        message = early_stop_message(early.monitor, settings.patience, best_epoch)
        if settings.restore_best:
            message += restored_note(best_epoch)
    else:
        status, message = "completed", f"Trained {epochs_text(done)}."
    if early is not None and best_epoch is None and early.best_epoch is not None and done:
        best_epoch = int(early.best_epoch)
    return {"history": history, "status": status, "message": message, "epochs_run": done,
            "best_epoch": best_epoch, "steps": int(model.optimizer.iterations.numpy()),
            "lr_changes": reporter.lr_changes}


def build_compiled(spec: NetworkSpec, n_inputs: int, task: Task, n_classes: int,
                   settings: TrainSettings, strategy=None,
                   output_start: tuple[float, float] | None = None):
    """The network and its optimizer, loss and metric, created under ``strategy.scope()``
    (``output_start``: where a regression's output starts, as :func:`build_model` takes it)."""
    if settings.class_weight != "none":  # issue 20: weighted losses run on the in-memory engine only
        raise SettingsError("Class weights are not available when training streams the data or "
                            "runs on several devices.", "Set class weights to none for this run.")
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        with build_lock:  # Keras' global random state: one model built at a time (program.py)
            model = build_model(spec, n_inputs, task, n_classes, seed=settings.seed,
                                output_start=output_start)
        loss = registry.make_loss(settings.loss_for(task))
        model.compile(optimizer=make_optimizer(settings), loss=loss,
                      metrics=[keras_metric(task, model.output_shape[-1])],
                      # XLA pays off in the engine's chunks of epochs; here steps are fed from
                      # tf.data (streamed CSV chunks, replicas) and compiling would only add
                      # start-up time, once per batch shape
                      jit_compile=False)
    return model, loss


def train_mirrored(data: PreparedData, spec: NetworkSpec, settings: TrainSettings, strategy, *,
                   control: TrainingControl | None = None,
                   on_progress: Callable[[Progress], None] | None = None,
                   should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Train on in-memory data under ``strategy`` (a MirroredStrategy) with Keras ``fit``."""
    tf = _tensorflow()
    t0 = time.perf_counter()
    settings.check()
    task = data.task
    if len(data.X_train) == 0:
        raise TrainingError("There are no training rows.", "Load data and check the split.")
    model, loss = build_compiled(spec, data.n_inputs, task, data.n_classes, settings, strategy,
                                 data.output_start)
    layout = target_layout(task, model)
    n = len(data.X_train)
    bs = settings.effective_batch_size(n)
    # Repeated datasets with a known number of steps: the distributed iterators are made once,
    # not every epoch (making them costs far more than a small epoch). Each pass reshuffles.
    train_ds = (tf.data.Dataset.from_tensor_slices(
        (np.asarray(data.X_train, np.float32), as_targets(data.y_train, layout)))
        .shuffle(n, seed=int(settings.seed), reshuffle_each_iteration=True)
        .batch(bs).repeat())
    has_val = len(data.X_val) > 0
    val_ds, val_bs = None, max(bs, 1024)
    if has_val:
        val_ds = (tf.data.Dataset.from_tensor_slices(
            (np.asarray(data.X_val, np.float32), as_targets(data.y_val, layout)))
            .batch(val_bs).repeat())
    fit = keras_fit(model, train_ds, val_ds, task, settings, control=control,
                    on_progress=on_progress, should_stop=should_stop, has_val=has_val,
                    steps_per_epoch=-(-n // bs), target_sd=target_spread(data),
                    validation_steps=-(-len(data.X_val) // val_bs) if has_val else None)
    test = evaluate_arrays(model, data.X_test, data.y_test, task, loss) if len(data.X_test) else {}
    return TrainResult(model=model, history=fit["history"], epochs_run=fit["epochs_run"],
                       status=fit["status"], message=fit["message"],
                       seconds=time.perf_counter() - t0, test=test, best_epoch=fit["best_epoch"],
                       lr_changes=fit["lr_changes"], seed=int(settings.seed), steps=fit["steps"],
                       path="mirrored")
