"""A sweep over cross-validation folds: every configuration trained on each of k folds and measured
on the fold held out, ranked by its mean, and compared fold by fold (the churn tutorial's third
part, ``GridSearchCV`` over batch size, epochs and optimizer).

The folds are cut once (``Project.prepare(fold=(i, k))``, the preprocessing fitted on each fold's
training rows) and every configuration trains on the same ones, so two configurations' figures pair
up fold by fold: the ranking's "within noise of the best" and the verdicts against the first use
the corrected resampled t-test (:func:`nnstudio.core.experiments.stats.compare_folds`). Each
configuration trains with the project's seed (the folds, not seeds, are what varies).
"""
from __future__ import annotations

import time
from collections.abc import Callable

from nnstudio.core.errors import SettingsError
from nnstudio.core.experiments.crossval import as_fold, held_out_figures
from nnstudio.core.experiments.record import data_identity, new_id, record_of
from nnstudio.core.experiments.sweep import (
    GRID_HINT,
    SweepControl,
    SweepResult,
    SweepRun,
    _program_of,
    finish,
    plan,
    sweep_metric,
)
from nnstudio.core.training.host_runs import HostOrCompile


def run_sweep_folds(project, configs: list[dict], folds: int, *,
                    on_run: Callable[[SweepRun], None] | None = None,
                    control: SweepControl | None = None, keep_weights_last: int = 10,
                    source: str = "sweep") -> SweepResult:
    """Train every configuration on each of ``folds`` folds; returns the groups (one run a fold),
    ranked by the held-out folds' mean and compared fold by fold. ``on_run`` and ``control`` as
    :func:`nnstudio.core.experiments.sweep.run_sweep` (Cancel keeps and ranks what finished)."""
    from nnstudio.core.training.engine import Trainer  # noqa: PLC0415 -- lazy: TensorFlow loads only when training

    if not isinstance(folds, int) or folds < 2:
        raise SettingsError(f"A sweep over folds needs at least 2 folds (got {folds!r}).",
                            "Use 5 or 10 folds.")
    if not configs:
        raise SettingsError("The sweep has no configuration.", GRID_HINT)
    t0 = time.perf_counter()
    first = project.prepare(fold=(0, folds))  # says at once why folds cannot be cut
    sweep_id = new_id()
    confs = plan(project, first, configs, sweep_id)
    control = control or SweepControl()
    identity = data_identity(project.dataset, project.example)
    total, done = len(confs) * folds, 0
    # issue 18: a program's runs train on the host engine while that is cheaper than a compile
    runs = HostOrCompile(_program_of(c) for c in confs for _ in range(folds))
    for i in range(folds):
        if control.cancelled:
            break
        data = first if i == 0 else project.prepare(fold=(i, folds))
        for c in confs:
            program_of = _program_of(c)
            trainer = Trainer(data, c.spec, c.settings, chunk_seconds=0.5,
                              plain_first_run=runs.plain(program_of))
            control.trainer = trainer
            if control.cancelled:
                break
            result = trainer.run()
            runs.ran(program_of, trainer)
            control.trainer = None
            if control.cancelled and result.status == "stopped":
                break
            rec = record_of(result, project, data, source=source, spec=c.spec, settings=c.settings,
                            params=c.params, group=c.group, sweep=sweep_id, knobs=c.knobs,
                            name=f"{c.label} · fold {i + 1} of {folds}",
                            keep_weights=total - done <= keep_weights_last, identity=identity)
            c.records.append(as_fold(rec, held_out_figures(result, data), (i, folds)))
            done += 1
            if on_run is not None:
                elapsed = time.perf_counter() - t0
                on_run(SweepRun(c.index, i, done, total, elapsed,
                                elapsed / done * (total - done), rec))
    res = SweepResult(sweep_id, sweep_metric(first), confs, 1, time.perf_counter() - t0,
                      cancelled=control.cancelled, folds=folds)
    finish(res)
    return res
