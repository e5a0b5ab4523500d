"""Pieces every training loop shares: the optimizer and metric of a run, how targets are fed, the
regularization loss, what early stopping watches, and the messages for divergence and TF failures."""
from __future__ import annotations

import functools

import numpy as np

from nnstudio.core import registry
from nnstudio.core.errors import TrainingError
from nnstudio.core.model.spec import Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.tf import tensorflow as _tensorflow


def make_optimizer(settings: TrainSettings):
    """The settings' Keras optimizer (:func:`nnstudio.core.registry.make_optimizer`)."""
    return registry.make_optimizer(settings.optimizer, settings.learning_rate, settings.momentum,
                                   settings.nesterov)


def metric_name(task: Task) -> str:
    return "mae" if task is Task.REGRESSION else "accuracy"


def target_layout(task: Task, model) -> str:
    """How targets are fed: 'column' (float, shape [n, 1]) or 'index' (int class codes, shape [n])."""
    return layout_for(task, model.output_shape[-1])


def layout_for(task: Task, output_units: int) -> str:
    """:func:`target_layout` from the output layer's width (no model needed)."""
    if task is Task.REGRESSION or (task is Task.BINARY and output_units == 1):
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


def kernel_penalties(layer) -> tuple[float, float]:
    """A Dense layer's (l1, l2) kernel penalty factors (0.0 where it has none)."""
    reg = layer.kernel_regularizer
    if reg is None:
        return 0.0, 0.0
    return float(getattr(reg, "l1", 0.0) or 0.0), float(getattr(reg, "l2", 0.0) or 0.0)


def train_forward(model, x):
    """``model(x, training=True)``, Keras' own call, with each random layer's seed (Dropout,
    GaussianNoise, GaussianDropout, AlphaDropout: ``SeedGenerator.next``) taken as a slice of a
    stacked tensor, cast to int32 as Keras casts it (:func:`_sliced_next`): compiled with XLA and
    differentiated, a seed cast straight from its variable made W1 with its two dropouts cost
    0.7 s a run against 0.1 s without them (0.5 s for one GaussianNoise); the slice, as the
    population program takes its seeds, 0.15 s. The same seeds, masks and values (the host
    engine's tests tie Dropout to Keras' layer; ``test_train_forward_is_keras_own_call`` all four).
    Called while a step is traced: the patch lasts the trace only."""
    gens = [layer.seed_generator for layer in model.layers
            if getattr(layer, "seed_generator", None) is not None]
    for gen in gens:
        gen.next = functools.partial(_sliced_next, gen)
    try:
        return model(x, training=True)
    finally:
        for gen in gens:
            del gen.next


def _sliced_next(gen, ordered: bool = True):
    """``gen.next()`` (the seed drawn: the state before it advances) cast as Keras' TensorFlow
    backend casts a seed (``_cast_seed``: int32, floormod 2^31 - 2), read through a slice."""
    tf = _tensorflow()
    state = gen.state
    seed = tf.stack([state.value * 1])  # read now (``value`` is the variable), as Keras does
    if ordered:
        state.assign(seed[0] + tf.constant([0, 1], seed.dtype))
    else:
        state.assign((seed[0] + 1) * 5387 % 933199)
    if seed.dtype != tf.int32:
        seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
    return seed[0]


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


def early_stop_message(monitor: str, patience: int, best_epoch: int | None) -> str:
    """A run's message when early stopping ended it (``best_epoch`` counted from 0), the same
    from every engine: a Repeat's seeds are compared with their single runs by it."""
    best = "?" if best_epoch is None else best_epoch + 1
    return f"Early stopping: {monitor} did not improve for {patience} epochs (best at epoch {best})."


def restored_note(best_epoch: int) -> str:
    """What a run's message adds when its best epoch's weights were put back."""
    return f" Restored the weights of epoch {best_epoch + 1}."


#: A regression target whose sd is at least this makes SGD's steps 100x or more a standardized
#: target's (they grow with its square): a diverged SGD run there is told to use Adam, whose steps
#: do not, rather than a lower rate (house prices of sd 192 diverged at 0.01, 0.001 and 0.0001 alike).
WIDE_TARGET_SD = 10.0


def target_spread(data) -> float | None:
    """A regression target's sd over the training rows; None for a classification (or no rows)."""
    y = getattr(data, "y_train", None)
    if data.task is not Task.REGRESSION or y is None or not len(y):
        return None
    return float(np.std(np.asarray(y, np.float64)))


def sgd_on_wide_target(optimizer: str, target_sd: float | None) -> bool:
    """SGD on a regression target so wide that a lower rate is no cure for its divergence."""
    return str(optimizer).lower() == "sgd" and target_sd is not None and target_sd >= WIDE_TARGET_SD


def divergence_message(done: int, lr: float, optimizer: str = "adam", target_sd: float | None = None) -> str:
    """What the status bar says of a diverged run (``done``: its finished, finite epochs); its
    advice is the coach's (:func:`nnstudio.core.coach_curves.diverged`)."""
    kept = (f"The weights of epoch {done} (the last finite ones) are kept." if done else
            "The starting weights are kept (no epoch finished).")
    if sgd_on_wide_target(optimizer, target_sd):
        advice = (f"With SGD on a target this wide (sd {target_sd:,.0f}) a lower rate barely helps: "
                  f"switch the optimizer to Adam and train again.")
    else:
        advice = f"Lower the learning rate (now {lr:g}) and train again."
    return f"Training diverged at epoch {done + 1}: the loss became NaN or infinite. {kept} {advice}"


def tf_failure(exc: Exception) -> TrainingError:
    return TrainingError(f"Training failed inside TensorFlow: {type(exc).__name__}: "
                         f"{(str(exc).splitlines() or [''])[0][:200]}",
                         "Check the data and settings; a smaller network or learning rate may help.")
