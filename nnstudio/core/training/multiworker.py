"""Training on several machines: ``tf.distribute.MultiWorkerMirroredStrategy`` under Keras ``fit``.

**Configured the standard way.** Each worker process is told the cluster by ``TF_CONFIG`` (the JSON
every TensorFlow cluster tool writes: ``{"cluster": {"worker": ["host:port", ...]}, "task":
{"type": "worker", "index": i}}``), or by ``nnstudio train ... --workers host:port,host:port
--worker-index i``, which writes that ``TF_CONFIG`` (:func:`tf_config`). Every worker runs the same
command on the same project; worker 0 (or the task of type ``chief``) is the *chief*.

**What each worker does.** The strategy is made before anything else touches TensorFlow
(:func:`make_strategy`), the network is built inside its scope (every variable mirrored on every
worker, the chief's initial values broadcast), and Keras ``fit`` splits each *global* batch
(``--batch-size``) across all replicas of all workers; the gradients are all-reduced (ring or NCCL
collectives) before one optimizer step, so a step is the maths of one device on the whole global
batch. In-memory data is sharded with ``tf.data``'s auto-shard policy set explicitly to ``DATA``:
every worker reads the same (small) table and keeps its slice of each global batch, which is what
makes a two-worker run equal a one-worker run of the same global batch (tested, shuffle off). The
streamed CSV path shards by *file* or *line range* itself (:mod:`.streaming_csv`) and sets the
policy to ``OFF``.

**Restarts.** A :class:`ChiefBackup` (Keras ``BackupAndRestore``) writes the chief's weights,
optimizer state and epoch to ``--backup-dir`` after every epoch; a worker that dies takes the
collective ops of the others down with it, the cluster (or the user) restarts the workers with the
same command, and every worker restores the chief's backup and resumes at the epoch after it. The
backup folder must be one the workers share (a network file system or a bucket on a real
cluster); it is deleted when training completes.

**Only the chief writes**: the project, an export and the backup. The others train, then exit.

**Keras 3 and this strategy.** Keras 3.x ``fit`` fails under a multi-worker strategy
(keras-team/keras#20585): it all-reduces a whole ``(x, y)`` batch to learn the input shapes, and
means scalar metrics with ``axis=0``. :func:`_patch_keras` works around both (shapes from the local
batch; scalars meaned with ``axis=None``) and changes nothing for other strategies.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnstudio.core.data.preprocess import PreparedData
from nnstudio.core.errors import SettingsError, TrainingError
from nnstudio.core.model.spec import NetworkSpec
from nnstudio.core.settings import TrainSettings
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.trained import TrainResult
from nnstudio.core.training.control import Progress, TrainingControl
from nnstudio.core.training.distributed import build_compiled, keras_fit
from nnstudio.core.training.evaluation import evaluate_arrays
from nnstudio.core.training.steps import as_targets, target_layout, target_spread

_HINT_WORKERS = "Give every worker the same list, e.g. --workers host1:12345,host2:12345 --worker-index 0."


def parse_workers(text: str) -> list[str]:
    """``"host1:12345,host2:12345"`` -> ``["host1:12345", "host2:12345"]`` (checked)."""
    workers = [w.strip() for w in (text or "").split(",") if w.strip()]
    if not workers:
        raise SettingsError("--workers is empty.", _HINT_WORKERS)
    for w in workers:
        host, sep, port = w.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"--workers: '{w}' is not host:port (a port from 1 to 65535).",
                                _HINT_WORKERS)
    if len(set(workers)) != len(workers):
        raise SettingsError("--workers names the same host:port twice.", _HINT_WORKERS)
    return workers


def tf_config(workers: list[str], index: int) -> dict:
    """The ``TF_CONFIG`` of worker ``index`` of ``workers``."""
    if not 0 <= index < len(workers):
        raise SettingsError(f"--worker-index {index} is not a worker of the {len(workers)} in --workers.",
                            f"Give 0 to {len(workers) - 1}: this machine's place in the list.")
    return {"cluster": {"worker": list(workers)}, "task": {"type": "worker", "index": int(index)}}


def read_tf_config(environ=os.environ) -> dict:
    """``TF_CONFIG`` from the environment, checked: a cluster with workers and this task's place."""
    raw = environ.get("TF_CONFIG", "").strip()
    hint = ("Set TF_CONFIG to the cluster and this worker's place, or give --workers host:port,... "
            "and --worker-index N (docs/scale.md).")
    if not raw:
        raise SettingsError("--distribute multi-worker needs the cluster: TF_CONFIG is not set.", hint)
    try:
        cfg = json.loads(raw)
        cluster, task = cfg["cluster"], cfg["task"]
        members = [*cluster.get("chief", []), *cluster.get("worker", [])]
        kind, index = task["type"], int(task["index"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SettingsError("TF_CONFIG is not a cluster description.", hint) from None
    if kind not in ("chief", "worker") or not members or index < 0 \
            or index >= len(cluster.get(kind, [])):
        raise SettingsError(f"TF_CONFIG: this task ({kind} {index}) is not in the cluster.", hint)
    return cfg


def configure(workers: str | None, index: int | None, environ=os.environ) -> dict:
    """Write ``TF_CONFIG`` from ``--workers``/``--worker-index`` (when given), then read it back."""
    if workers is not None or index is not None:
        if workers is None or index is None:
            raise SettingsError("--workers and --worker-index go together.", _HINT_WORKERS)
        environ["TF_CONFIG"] = json.dumps(tf_config(parse_workers(workers), int(index)))
    return read_tf_config(environ)


def is_chief(cfg: dict) -> bool:
    """The chief: the task of type ``chief``, or worker 0 in a cluster without one."""
    kind, index = cfg["task"]["type"], int(cfg["task"]["index"])
    return kind == "chief" or (kind == "worker" and index == 0 and not cfg["cluster"].get("chief"))


def worker_place(cfg: dict) -> tuple[int, int]:
    """(this worker's place among all workers, number of workers), the chief first."""
    cluster = cfg["cluster"]
    chiefs, workers = len(cluster.get("chief", [])), len(cluster.get("worker", []))
    index = int(cfg["task"]["index"]) + (chiefs if cfg["task"]["type"] == "worker" else 0)
    return index, chiefs + workers


def make_strategy():
    """A ``MultiWorkerMirroredStrategy`` from ``TF_CONFIG``; call it before any other TensorFlow
    work in the process (TensorFlow's rule). Blocks until every worker has started."""
    tf = _tensorflow()
    _patch_keras()
    try:
        return tf.distribute.MultiWorkerMirroredStrategy()
    except (RuntimeError, ValueError) as exc:
        raise TrainingError(f"The workers could not form a cluster: {str(exc).splitlines()[0][:200]}",
                            "Check TF_CONFIG / --workers: the same list on every worker, each port "
                            "free and reachable.") from exc


def auto_shard(dataset, policy: str):
    """``dataset`` with ``tf.data``'s auto-shard policy set explicitly (``DATA``, ``FILE``, ``OFF``)."""
    tf = _tensorflow()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = getattr(
        tf.data.experimental.AutoShardPolicy, policy)
    return dataset.with_options(options)


_patched = False


def _patch_keras() -> None:
    """Work around keras-team/keras#20585 (see the module docstring); only multi-worker changes."""
    global _patched
    if _patched:
        return
    tf = _tensorflow()
    _keras()
    from keras.src.backend.tensorflow import trainer as kt  # noqa: PLC0415 -- lazy: Keras' TF trainer, loaded with TF

    original = kt.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and kt._collective_all_reduce_multi_worker(strategy):
            return tf.nest.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return original(values, strategy, reduction)

    kt.reduce_per_replica = reduce_per_replica
    _patched = True


def _local_shapes_build(model, strategy) -> None:
    """Keras builds a model under a strategy from an all-reduced batch, which fails across workers:
    build it from this worker's own first replica batch instead (the shapes are the same)."""
    tf = _tensorflow()

    def maybe_symbolic_build(iterator=None, data_batch=None):
        if iterator is not None:
            for _, _, it in iterator:
                batch = next(it)
                data_batch = tf.nest.map_structure(
                    lambda v: strategy.experimental_local_results(v)[0]
                    if isinstance(v, tf.distribute.DistributedValues) else v, batch)
                break
        with strategy.scope():
            model._symbolic_build(data_batch=data_batch)

    model._maybe_symbolic_build = maybe_symbolic_build


def backup_callback(backup_dir: str | Path, chief: bool):
    """A Keras ``BackupAndRestore`` that every worker restores from and only the chief writes."""
    keras = _keras()

    class ChiefBackup(keras.callbacks.BackupAndRestore):
        def on_epoch_end(self, epoch, logs=None):
            if chief:
                super().on_epoch_end(epoch, logs)

    # two copies: a chief killed while writing leaves the previous one to restore
    return ChiefBackup(str(backup_dir), double_checkpoint=True, delete_checkpoint=chief)


def backed_up_epoch(backup_dir: str | Path) -> int:
    """The epochs a backup in ``backup_dir`` holds (0 when there is none)."""
    path = Path(backup_dir) / "training_metadata.json"
    try:
        return int(json.loads(path.read_text(encoding="utf-8"))["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def prepare_model(model, strategy) -> None:
    """What a model needs before ``fit`` under a multi-worker strategy (see :func:`_patch_keras`)."""
    _patch_keras()
    _local_shapes_build(model, strategy)


def train_multiworker(data: PreparedData, spec: NetworkSpec, settings: TrainSettings, strategy, *,
                      backup_dir: str | Path | None = None, chief: bool = True,
                      shuffle: bool = True, control: TrainingControl | None = None,
                      on_progress: Callable[[Progress], None] | None = None) -> TrainResult:
    """Train on in-memory data with Keras ``fit`` under ``strategy`` (multi-worker, or any other:
    the one-worker reference of the tests). Returns a TrainResult whose ``resumed_from`` is the
    epoch restored from ``backup_dir`` (0 for a fresh start)."""
    tf = _tensorflow()
    t0 = time.perf_counter()
    settings.check()
    task = data.task
    if len(data.X_train) == 0:
        raise TrainingError("There are no training rows.", "Load data and check the split.")
    model, loss = build_compiled(spec, data.n_inputs, task, data.n_classes, settings, strategy,
                                 data.output_start)
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        prepare_model(model, strategy)
    layout = target_layout(task, model)
    n = len(data.X_train)
    bs = settings.effective_batch_size(n)
    train_ds = tf.data.Dataset.from_tensor_slices(
        (np.asarray(data.X_train, np.float32), as_targets(data.y_train, layout)))
    if shuffle:  # the same seed on every worker: the same order, each keeps its slice of a batch
        train_ds = train_ds.shuffle(n, seed=int(settings.seed), reshuffle_each_iteration=True)
    train_ds = auto_shard(train_ds.batch(bs).repeat(), "DATA")
    has_val = len(data.X_val) > 0
    val_ds, val_bs = None, max(bs, 1024)
    if has_val:
        val_ds = auto_shard(tf.data.Dataset.from_tensor_slices(
            (np.asarray(data.X_val, np.float32), as_targets(data.y_val, layout)))
            .batch(val_bs).repeat(), "DATA")
    resumed = backed_up_epoch(backup_dir) if backup_dir else 0
    extra = [backup_callback(backup_dir, chief)] if backup_dir else []
    fit = keras_fit(model, train_ds, val_ds, task, settings, control=control,
                    on_progress=on_progress, has_val=has_val, steps_per_epoch=-(-n // bs),
                    validation_steps=-(-len(data.X_val) // val_bs) if has_val else None,
                    callbacks_before=extra, target_sd=target_spread(data))
    test = evaluate_arrays(model, data.X_test, data.y_test, task, loss) if len(data.X_test) else {}
    result = TrainResult(model=model, history=fit["history"], epochs_run=fit["epochs_run"],
                         status=fit["status"], message=fit["message"],
                         seconds=time.perf_counter() - t0, test=test, best_epoch=fit["best_epoch"],
                         lr_changes=fit["lr_changes"], seed=int(settings.seed), steps=fit["steps"],
                         path="multi-worker")
    result.resumed_from = resumed
    return result


@dataclass
class Worker:
    """This process' place in a cluster, for the streamed CSV path
    (:func:`~nnstudio.core.training.streaming_csv.train_streaming`)."""

    strategy: object
    index: int
    count: int
    chief: bool
    backup_dir: str | Path | None = None
    resumed_from: int = 0

    def prepare(self, model) -> tuple[int, int]:
        """Ready ``model`` for ``fit`` here; returns the shard ``(index, workers)`` to read."""
        prepare_model(model, self.strategy)
        return self.index, self.count

    def datasets(self, train_ds, val_ds, rows: dict, batch: int, val_batch: int):
        """The datasets repeated, marked as already sharded (policy ``OFF``), and ``keras_fit``'s
        step counts and backup: an epoch is ``ceil(training rows / global batch)`` steps."""
        self.resumed_from = backed_up_epoch(self.backup_dir) if self.backup_dir else 0
        steps = {"steps_per_epoch": max(1, -(-int(rows["train"]) // batch)),
                 "callbacks_before": [backup_callback(self.backup_dir, self.chief)]
                 if self.backup_dir else None}
        train_ds = auto_shard(train_ds.repeat(), "OFF")
        if val_ds is not None:
            val_ds = auto_shard(val_ds.repeat(), "OFF")
            steps["validation_steps"] = max(1, -(-int(rows["val"]) // val_batch))
        return train_ds, val_ds, steps
