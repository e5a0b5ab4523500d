"""Loss and metric of a trained network on one split, in inference mode, in blocks of rows."""
from __future__ import annotations

import numpy as np

from nnstudio.core.model.spec import Task
from nnstudio.core.tf import tensorflow as _tensorflow

#: Rows per forward pass when evaluating (bounds memory on big splits).
EVAL_BATCH_ROWS = 65536


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
    return summarize(np.concatenate(preds), y, task,
                      loss_sum / n + float(sum(float(l) for l in model.losses)) if fn else None)


def summarize(pn: np.ndarray, y: np.ndarray, task: Task, loss: float | None) -> dict[str, float]:
    out = {"loss": float(loss)} if loss is not None else {}
    if task is Task.REGRESSION:
        out["mae"] = float(np.mean(np.abs(pn[:, 0] - y.astype(float))))
    else:
        pred = (pn[:, 0] > 0.5).astype(int) if pn.shape[-1] == 1 else pn.argmax(axis=-1)
        y = np.asarray(y).reshape(len(pred), -1)[:, 0].astype(np.int64)
        out["accuracy"] = float(np.mean(pred == y))
        # each present class's recall, averaged: what runs with and without class weights are
        # compared by (accuracy rewards always answering the most frequent class)
        rows, right, _ = class_counts(y, pred)
        out["balanced_accuracy"] = float(np.mean(right[rows > 0] / rows[rows > 0]))
    return out


def class_counts(y, pred) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per class code: the rows of known labels ``y`` (codes >= 0), how many of them the answers
    ``pred`` get right, and how many rows ``pred`` gives the class. Counted at once: a Repeat
    summarizes every network, and issue 18 counts milliseconds."""
    y, pred = np.asarray(y, np.int64).ravel(), np.asarray(pred, np.int64).ravel()
    known = y >= 0
    yk, pk = y[known], pred[known]
    k = int(max(pk.max(initial=0), yk.max(initial=0))) + 1
    return (np.bincount(yk, minlength=k), np.bincount(yk[pk == yk], minlength=k),
            np.bincount(pk, minlength=k))
