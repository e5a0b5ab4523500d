"""The streaming path: training data too large to hold as one tensor on the fast path.

:class:`nnstudio.core.training.engine.Trainer` comes here by itself when the training features are
larger than :data:`engine.FAST_PATH_MAX_BYTES`. The rows stay in their NumPy array; each epoch a
``tf.data`` pipeline gathers them in shuffled *blocks* of :data:`STREAM_BLOCK_ROWS` rows (a
multiple of the batch size) on a background thread, and one compiled call runs every mini-batch of
a block (optimizer step and all). Python sees block boundaries, so Stop and Pause answer within one
block, and epoch boundaries, where it validates, checks for divergence, applies early stopping and
reports the epoch — the same history keys, statuses and messages as the fast path.

The shuffles and mini-batches are the fast path's (:func:`shuffle.epoch_orders`), so both paths
compute the same steps; results agree to float rounding (this path runs a plain TF graph, the fast
one XLA by default). Differences: Stop during an epoch keeps the weights reached so far and the
history of the finished epochs; Pause takes effect within an epoch, and Step then finishes the
current epoch.
"""
from __future__ import annotations

import time

import numpy as np

from nnstudio.core import registry
from nnstudio.core.errors import TrainingError
from nnstudio.core.settings import epochs_text
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.trained import TrainResult
from nnstudio.core.training.evaluation import evaluate_arrays
from nnstudio.core.training.shuffle import epoch_orders
from nnstudio.core.training.steps import (
    as_targets,
    divergence_message,
    early_stop_message,
    make_metric,
    make_optimizer,
    metric_name,
    reg_loss,
    resolve_monitor,
    restored_note,
    target_layout,
    target_spread,
    tf_failure,
    train_forward,
)

#: Rows per compiled call (rounded to whole batches).
STREAM_BLOCK_ROWS = 16384
#: Seconds between "still running" progress reports inside a long epoch.
REPORT_SECONDS = 0.5


def run_streaming(data, s, model, control, t0: float):
    """Train ``model`` on ``data`` (PreparedData) with settings ``s``, steered by ``control`` (a
    :class:`~nnstudio.core.training.control.TrainingControl`); returns (optimizer, TrainResult)."""
    tf = _tensorflow()
    task = data.task
    layout = target_layout(task, model)
    loss_obj = registry.make_loss(s.loss_for(task))
    metric = make_metric(task)
    opt = make_optimizer(s)
    tvars = model.trainable_variables
    opt.build(tvars)
    weights = list(model.weights)

    X = np.asarray(data.X_train)
    if X.dtype != np.float32:
        X = X.astype(np.float32)
    y = as_targets(data.y_train, layout)
    n, n_in = X.shape
    bs = s.effective_batch_size(n)
    block = max(1, STREAM_BLOCK_ROWS // bs) * bs
    has_val = len(data.X_val) > 0
    mname = metric_name(task)
    keys = ["loss", mname] + (["val_loss", f"val_{mname}"] if has_val else [])
    monitor, mode_max = resolve_monitor(s.monitor, task, has_val)
    seed = int(s.seed)
    ydt = tf.float32 if layout == "column" else tf.int32
    yshape = [None, 1] if layout == "column" else [None]

    @tf.function(autograph=False, input_signature=[tf.TensorSpec([None, n_in], tf.float32),
                                                    tf.TensorSpec(yshape, ydt)])
    def train_block(xs, ys):
        """Every mini-batch of one block (the last one may be short); sums of loss and metric."""
        m = tf.shape(xs)[0]
        nb = (m + bs - 1) // bs

        def body(b, ls, ms):
            lo = b * bs
            hi = tf.minimum(lo + bs, m)
            xb, yb = xs[lo:hi], ys[lo:hi]
            with tf.GradientTape() as tape:
                p = train_forward(model, xb)
                total = loss_obj(yb, p) + reg_loss(model)
            grads = tape.gradient(total, tvars)
            opt.apply_gradients(zip(grads, tvars))
            cnt = tf.cast(hi - lo, tf.float32)
            return b + 1, ls + total * cnt, ms + metric(yb, p) * cnt

        zero = tf.constant(0.0)
        _, ls, ms = tf.while_loop(lambda b, ls, ms: b < nb, body, [tf.constant(0), zero, zero])
        return ls, ms

    def blocks(first_epoch):
        """Blocks of rows, epoch after epoch; a block's third item says "last of its epoch"."""
        for epoch in range(first_epoch, epochs):
            perm = epoch_orders(seed, epoch, 1, n)[0]  # the fast path's shuffle, too
            for i in range(0, n, block):
                idx = perm[i:i + block]
                yield X[idx], y[idx], i + block >= n

    def dataset(first_epoch):
        """One tf.data pipeline for the run: blocks gathered on a background thread, 2 ahead."""
        return tf.data.Dataset.from_generator(
            lambda: blocks(first_epoch),
            output_signature=(tf.TensorSpec([None, n_in], tf.float32), tf.TensorSpec(yshape, ydt),
                              tf.TensorSpec([], tf.bool)),
        ).prefetch(2)

    def copy(dst, src):
        for d, v in zip(dst, src):
            d.assign(v)

    backup = [tf.Variable(v, trainable=False) for v in weights]
    best = [tf.Variable(v, trainable=False) for v in weights]
    best_value = -np.inf if mode_max else np.inf
    best_epoch = -1
    wait = 0

    history: dict[str, list[float]] = {k: [] for k in keys}
    lr_changes: list[tuple[int, float]] = []
    epochs = int(s.epochs)
    done = 0
    status, message = "completed", ""
    control.begin(epochs)
    last_report = time.perf_counter()

    def lr_now() -> float:
        return float(opt.learning_rate.numpy())

    def gate():
        nonlocal stepping
        g = control.checkpoint(done, lr_now, model)
        if g.learning_rate is not None:
            opt.learning_rate.assign(g.learning_rate)
            lr_changes.append((done, g.learning_rate))
        stepping = stepping or g.stepping
        return g.stop

    stream = None
    while done < epochs:
        stepping = False
        if gate():
            status, message = "stopped", f"Stopped by you after {epochs_text(done)}."
            break
        if stream is None:
            stream = iter(dataset(done))
        copy(backup, weights)
        loss_sum = met_sum = 0.0
        stopped = False
        first = True
        try:
            for xs, ys, last in stream:
                if not first and gate():
                    stopped = True
                    break
                first = False
                ls, ms = train_block(xs, ys)
                loss_sum += float(ls)
                met_sum += float(ms)
                now = time.perf_counter()
                if now - last_report > REPORT_SECONDS:  # a sign of life inside a long epoch
                    control.report(done, {}, lr_now(), model)
                    last_report = now
                if bool(last):
                    break
        except TrainingError:
            raise
        except Exception as exc:
            raise tf_failure(exc) from exc
        if stopped:
            status = "stopped"
            message = (f"Stopped by you during epoch {done + 1}; the history has the {done} "
                       f"finished epochs, the weights are those reached when you stopped.")
            break
        row = [loss_sum / n, met_sum / n]
        if has_val:
            v = evaluate_arrays(model, data.X_val, data.y_val, task, loss_obj)
            row += [v["loss"], v[mname]]
        finite = np.all(np.isfinite(row)) and all(
            bool(tf.reduce_all(tf.math.is_finite(w))) for w in weights)
        if not finite:
            copy(weights, backup)
            status = "diverged"
            message = divergence_message(done, float(opt.learning_rate.numpy()), s.optimizer,
                                         target_spread(data))
            break
        new = {k: [float(x)] for k, x in zip(keys, row)}
        for k in keys:
            history[k].extend(new[k])
        done += 1
        control.report(done, new, lr_now(), model)
        last_report = time.perf_counter()
        if stepping:
            control.after_step()
        if s.early_stopping:
            cur = new[monitor][0] if monitor in new else row[0]
            if (cur > best_value) if mode_max else (cur < best_value):
                best_value, best_epoch, wait = cur, done - 1, 0
                copy(best, weights)
            else:
                wait += 1
                if wait >= s.patience:
                    status = "early_stopped"
                    message = early_stop_message(monitor, s.patience, best_epoch)
                    break
    best_ep = None
    if s.early_stopping and best_epoch >= 0:
        best_ep = best_epoch
        if s.restore_best and best_ep + 1 < done:
            copy(weights, best)
            message += restored_note(best_ep)
    if status == "completed":
        message = f"Trained {epochs_text(done)}."
    test = evaluate_arrays(model, data.X_test, data.y_test, task, loss_obj) \
        if len(data.X_test) else {}
    return opt, TrainResult(model=model, history=history, epochs_run=done, status=status,
                              message=message.strip(), seconds=time.perf_counter() - t0,
                              test=test, lr_changes=lr_changes, best_epoch=best_ep, seed=seed,
                              steps=int(opt.iterations.numpy()), path="streaming", compiled=True)
