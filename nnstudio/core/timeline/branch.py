"""Going back to epoch N: a snapshot as a model, and a branch that trains on from it.

* :func:`model_at` builds the run's network and gives it a snapshot's values: the model exactly
  as it was after epoch N (evaluate it, draw its surface, inspect it).
* :func:`branch` trains a new run from a snapshot with (possibly) changed settings — learning
  rate, optimizer, batch size, epochs, early stopping, class weights — and the same architecture.
  The optimizer's state (moments, step count) carries over when the optimizer is the same; with
  another optimizer it starts fresh. ``settings.epochs`` is the epoch the branch *ends at*, as if
  the original had been set to that many; row orders continue from epoch N, so a branch with
  unchanged settings trains exactly as the original went on.

Settings that change the network itself (dropout rate, L2) are network edits: pass the edited
``spec``; its variables must have the original's shapes (a Dropout adds none), or the branch is
refused with a message.
"""
from __future__ import annotations

from dataclasses import replace

from nnstudio.core.errors import TrainingError
from nnstudio.core.model.build import build_model
from nnstudio.core.timeline.snapshots import Snapshot
from nnstudio.core.training.engine import StartFrom, Trainer
from nnstudio.core.training.program import build_lock


def model_at(snap: Snapshot, spec, data, seed: int = 0):
    """A Keras model of ``spec`` for ``data`` holding the snapshot's values."""
    with build_lock:
        model = build_model(spec, data.n_inputs, data.task, data.n_classes, seed=seed,
                            output_start=data.output_start)
    variables = list(model.variables)
    if len(variables) != len(snap.variables) or any(
            tuple(v.shape) != tuple(a.shape) for v, a in zip(variables, snap.variables)):
        raise TrainingError("The snapshot does not fit this network (another architecture or "
                            "data shape).", "Use the run's own network and data.")
    for v, a in zip(variables, snap.variables):
        v.assign(a.astype(v.dtype))
    return model


def branch_trainer(snap: Snapshot, data, spec, settings, *, same_optimizer: bool = True,
                   **trainer_kw) -> Trainer:
    """A :class:`Trainer` that starts from ``snap`` (call ``run()``; attach a recorder first if the
    branch should keep a timeline). ``same_optimizer``: whether the original ran the same optimizer
    (its state is then carried over)."""
    if int(settings.epochs) <= snap.epoch:
        raise TrainingError(f"A branch from epoch {snap.epoch} must end after it (epochs is the "
                            f"epoch the branch ends at; got {settings.epochs}).",
                            f"Set epochs above {snap.epoch}.")
    opt = snap.optimizer if same_optimizer else None
    return Trainer(data, spec, settings, start=StartFrom(snap.epoch, snap.variables, opt),
                   **trainer_kw)


def branch(snap: Snapshot, data, spec, settings, *, original_settings=None, **trainer_kw):
    """Train a branch from ``snap``; returns the engine's TrainResult (its history starts at epoch
    ``snap.epoch + 1``)."""
    same = original_settings is None or same_optimizer(original_settings, settings)
    return branch_trainer(snap, data, spec, settings, same_optimizer=same, **trainer_kw).run()


def same_optimizer(a, b) -> bool:
    return (a.optimizer, float(a.momentum), bool(a.nesterov)) == \
        (b.optimizer, float(b.momentum), bool(b.nesterov))


def branch_settings(original, **changes):
    """The original's settings with ``changes`` (None values are left out)."""
    return replace(original, **{k: v for k, v in changes.items() if v is not None})
