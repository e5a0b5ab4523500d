"""k-fold cross-validation: how good is this network and these settings, measured on every row?

One train/validation split measures a network on one slice of the rows: on a 40-patient study
that is 6 rows, and another seed of the split gives another figure. Cross-validation cuts the rows
outside the test split into k folds (``Project.prepare(fold=(i, k))``: stratified, or whole groups
where rows come in groups) and trains the network k times, each time holding out one fold; every
row is held out once. The preprocessing is fitted anew on each fold's training rows, so nothing of
a held-out fold leaks into its network. The figures of the k held-out folds, their mean and spread,
estimate how the network does on new rows; the test rows stay untouched, for the end. (The churn
tutorial's second part does this with ``cross_val_score`` over 10 folds.)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.core.experiments.record import new_id, record_of
from nnstudio.core.model.spec import Task
from nnstudio.core.numbers import fmt_spread
from nnstudio.core.training.host_runs import HostOrCompile

#: The folds a cross-validation uses unless told otherwise (scikit-learn's default).
DEFAULT_FOLDS = 5


@dataclass
class Fold:
    index: int  # 0-based
    rows: int  # held-out rows
    train_rows: int
    dropped: int  # rows left out of this fold's data (a missing value under 'drop the row')
    figures: dict[str, float]  # the held-out fold's accuracy and balanced accuracy, or MAE
    epochs: int
    status: str


@dataclass
class CrossValidation:
    k: int
    task: Task
    metric: str  # "accuracy" or "mae"
    folds: list[Fold] = field(default_factory=list)
    test_rows: int = 0
    early_stopping: bool = False
    stopped: bool = False
    #: each fold's run and what its record needs of its data (not in to_dict): the Runs tab keeps
    #: the folds as a group, their curves and a verdict paired fold by fold (:func:`fold_records`)
    runs: list = field(default_factory=list, repr=False)

    def values(self, key: str | None = None) -> np.ndarray:
        key = key or self.metric
        return np.array([f.figures[key] for f in self.folds if key in f.figures], float)

    @property
    def mean(self) -> float:
        v = self.values()
        return float(v.mean()) if len(v) else float("nan")

    @property
    def sd(self) -> float | None:
        v = self.values()
        return float(v.std(ddof=1)) if len(v) > 1 else None

    def text(self) -> str:
        """The result in plain words (the status bar, the CLI)."""
        done = len(self.folds)
        if not done:
            return "Cross-validation stopped before a fold finished."
        v = self.values()
        if not len(v):  # (no fold measured: refused by cross_validate, said here too)
            return f"Cross-validation: none of the {done} folds done could be measured."
        rows = sum(f.rows for f in self.folds)
        name = "MAE" if self.metric == "mae" else self.metric
        head = (f"Cross-validation, {done} of {self.k} folds: " if done < self.k
                else f"{self.k}-fold cross-validation: ")
        low, high = min(f.rows for f in self.folds), max(f.rows for f in self.folds)
        each = f"{low:,}" if low == high else f"{low:,}-{high:,}"
        text = (f"{head}{name} {fmt_spread(self.mean, self.sd)} (mean ± sd over the folds; each "
                f"fold {each} held-out rows, {rows:,} in all; from {fmt_spread(float(v.min()))} to "
                f"{fmt_spread(float(v.max()))}).")
        if self.metric == "accuracy" and len(self.values("balanced_accuracy")) == done:
            ba = self.values("balanced_accuracy")
            text += f" Balanced accuracy {fmt_spread(float(ba.mean()), float(ba.std(ddof=1)) if done > 1 else None)}."
        dropped = max(f.dropped for f in self.folds)
        text += (" Each fold's network learned from the other folds, preprocessing fitted on them "
                 "alone; every row outside the test split was held out once"
                 + (f" (but for rows a fold's data left out with a missing value: up to "
                    f"{dropped:,})" if dropped else ""))
        text += f", and the {self.test_rows:,} test rows were not used." if self.test_rows else "."
        if self.early_stopping:
            text += (" Early stopping chose each fold's epoch on its held-out fold, which flatters "
                     "these figures a little: turn it off for a fair estimate.")
        return text

    def to_dict(self) -> dict:
        return {"k": self.k, "metric": self.metric, "mean": self.mean, "sd": self.sd,
                "folds": [{"fold": f.index + 1, "rows": f.rows, "train_rows": f.train_rows,
                           "dropped_rows": f.dropped,
                           "epochs": f.epochs, "status": f.status, **f.figures} for f in self.folds],
                "test_rows": self.test_rows, "stopped": self.stopped}


def cross_validate(project, k: int = DEFAULT_FOLDS, *,
                   on_fold: Callable[[Fold, int], None] | None = None,
                   should_stop: Callable[[], bool] = lambda: False,
                   trainer_made: Callable[[object], None] | None = None) -> CrossValidation:
    """Train ``project``'s network and settings on each of ``k`` folds and measure it on the fold
    held out. ``on_fold(fold, k)`` after each; ``should_stop()`` is asked between folds (the
    folds done are kept); ``trainer_made(trainer)`` lets a caller stop a fold part-way."""
    from nnstudio.core.training.engine import Trainer, metric_name  # noqa: PLC0415 -- lazy: TensorFlow loads only when training
    if not isinstance(k, int) or k < 2:
        raise DataError(f"Cross-validation needs at least 2 folds (got {k}).",
                        f"Use {DEFAULT_FOLDS} or 10 folds.")
    spec, settings = project.spec.copy(), replace(project.settings)
    out: CrossValidation | None = None
    runs = HostOrCompile([None] * k)  # the folds are runs of one network (issue 18)
    for i in range(k):
        if should_stop():
            break
        data = project.prepare(fold=(i, k))
        if not len(data.X_val):  # every held-out row left out: nothing to measure the fold on
            why = " ".join(data.warnings())
            raise DataError(f"Fold {i + 1} of {k} has no held-out rows left to measure on. {why}",
                            "Cross-validate with fewer folds, hold out random rows, or change what "
                            "leaves the rows out (above).")
        if out is None:
            out = CrossValidation(k, data.task, metric_name(data.task), test_rows=len(data.X_test),
                                  early_stopping=bool(settings.early_stopping))
        # on the host engine while its time there is less than a compile's (the digits example's
        # folds compiled twice before, 2 s each: folds of 1,150 and 1,151 rows are two programs)
        trainer = Trainer(data, spec, settings, plain_first_run=runs.plain(None))
        if trainer_made is not None:
            trainer_made(trainer)
        r = trainer.run()
        runs.ran(None, trainer)
        if r.model is None or should_stop() and r.status == "stopped":
            break
        figures = held_out_figures(r, data)
        fold = Fold(i, len(data.X_val), len(data.X_train), int(data.rows().get("dropped", 0)),
                    figures, int(r.epochs_run), r.status)
        out.folds.append(fold)
        out.runs.append((r, SimpleNamespace(n_inputs=data.n_inputs, task=data.task,
                                            n_classes=data.n_classes)))
        if on_fold is not None:
            on_fold(fold, k)
    if out is None:
        out = CrossValidation(k, project.task, "mae" if project.task is Task.REGRESSION else "accuracy")
    out.stopped = len(out.folds) < k
    return out


def held_out_figures(result, data) -> dict[str, float]:
    """A fold's network on its held-out fold (the validation rows): accuracy and balanced
    accuracy, or MAE, of the weights the run ended with."""
    from nnstudio.core.training.evaluation import evaluate_arrays  # noqa: PLC0415 -- lazy: TensorFlow loads only when training

    return evaluate_arrays(result.model, data.X_val, data.y_val, data.task)


def as_fold(rec, figures: dict[str, float], fold: tuple[int, int]):
    """``rec`` (a run's record) as the run of fold i of k: its split names the fold held out and
    its validation figures are the held-out fold's (:func:`held_out_figures`)."""
    rec.split = {**rec.split, "fold": fold[0] + 1, "folds": fold[1]}
    rec.final.setdefault("val", {}).update(figures)
    return rec


def fold_records(cv: CrossValidation, project, source: str = "gui") -> list:
    """The folds as run records of one group ("fold 2 of 5"), their split saying which fold was
    held out: curves in the Runs tab, and two cross-validations of the same folds compared fold by
    fold (:func:`nnstudio.core.experiments.stats.compare_folds`)."""
    group = new_id()
    recs = []
    for fold, (result, shape) in zip(cv.folds, cv.runs):
        rec = record_of(result, project, shape, source=source, group=group,
                        name=f"fold {fold.index + 1} of {cv.k}")
        recs.append(as_fold(rec, fold.figures, (fold.index, cv.k)))
    return recs
