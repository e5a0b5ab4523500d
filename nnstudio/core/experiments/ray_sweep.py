"""Sweeps on a Ray cluster: ``nnstudio sweep ... --ray auto|ADDRESS`` (Ray Tune, the ``cluster`` extra).

The same sweep as :func:`nnstudio.core.experiments.sweep.run_sweep` — the same grid, the same
configurations checked by :func:`~nnstudio.core.experiments.sweep.plan`, the same ranking and
verdicts (:func:`~nnstudio.core.experiments.sweep.finish`) and the same run records in the project's
runs table — but every (configuration, seed) is a Ray Tune trial, scheduled on whatever machines the
Ray cluster has. Each trial is the ordinary engine (:class:`~nnstudio.core.training.engine.Trainer`)
on the project's prepared data, which Ray ships to the trial through its object store
(``tune.with_parameters``): the machines need nnstudio installed, not the data file. A trial
reports its run record (and, for the last ``keep_weights_last`` runs, its trained weights); the
driver merges them in grid order, so the result does not depend on which trial finished first.

``address``: ``auto`` (the cluster this machine belongs to: ``ray start`` ran here), a Ray address
(``host:6379``, ``ray://host:10001``), or ``local`` (a Ray instance on this machine, started and
stopped by the sweep). When Ray is already initialised in this process (the tests'
``ray.init(num_cpus=2)``) that instance is used.
"""
from __future__ import annotations

import base64
import contextlib
import io
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from nnstudio.core.errors import SettingsError, TrainingError
from nnstudio.core.experiments import sweep
from nnstudio.core.experiments.record import RunRecord, data_identity, new_id, record_of

INSTALL_HINT = 'Install the cluster extra: pip install "nnstudio[cluster]" (it brings Ray Tune).'
CONNECT_HINT = ("Start a cluster with `ray start --head` on one machine and `ray start --address "
                "HEAD:6379` on the others, then give --ray auto there (or --ray HEAD:6379); "
                "--ray local runs on this machine alone.")


def require_ray():
    """``(ray, ray.tune)``, or a SettingsError saying how to install them."""
    try:
        import ray  # noqa: PLC0415 -- lazy: an optional extra, and seconds to import
        from ray import tune  # noqa: PLC0415 -- lazy: as above
    except ImportError:
        raise SettingsError("Running a sweep on Ray needs Ray Tune, which is not installed.",
                            INSTALL_HINT) from None
    return ray, tune


def connect(address: str) -> bool:
    """Join the Ray cluster at ``address`` (see the module docstring); True when this call started
    a local instance (which the caller shuts down)."""
    ray, _ = require_ray()
    if ray.is_initialized():
        return False
    if not (address or "").strip():
        raise SettingsError("--ray needs an address: auto, local or HOST:PORT.", CONNECT_HINT)
    try:
        if address == "local":
            ray.init(include_dashboard=False, log_to_driver=False)
            return True
        ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise SettingsError(f"No Ray cluster at '{address}': {str(exc).splitlines()[0][:200]}",
                            CONNECT_HINT) from None
    return False


def _pack(weights: list | None) -> str | None:
    if weights is None:
        return None
    buf = io.BytesIO()
    np.savez(buf, *weights)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _unpack(text: str | None) -> list | None:
    if text is None:
        return None
    with np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False) as z:
        return [z[f"arr_{i}"] for i in range(len(z.files))]


def _trial(config: dict, *, project, data, confs, seeds: int, sweep_id: str, identity: dict,
           source: str, keep_from: int, threads: int) -> None:
    """One Ray Tune trial: one (configuration, seed) on the ordinary engine; reports its record."""
    os.environ.setdefault("NNSTUDIO_COMPUTE_THREADS", str(threads))  # the trial's share of cores
    from ray import tune  # noqa: PLC0415 -- lazy: runs inside a Ray worker

    from nnstudio.core.training.engine import Trainer  # noqa: PLC0415 -- lazy: TensorFlow

    i = int(config["trial"])
    c, seed = confs[i // seeds], i % seeds
    settings = replace(c.settings, seed=seed)
    result = Trainer(data, c.spec, settings, chunk_seconds=0.5).run()
    rec = record_of(result, project, data, source=source, spec=c.spec, settings=settings,
                    params=c.params, group=c.group, sweep=sweep_id, knobs=c.knobs,
                    name=f"{c.label} · seed {seed}", keep_weights=i >= keep_from, identity=identity)
    tune.report({"trial": i, "record": rec.to_dict(), "weights": _pack(rec.weights)})


def _record(result: dict) -> RunRecord:
    rec = RunRecord.from_dict(result["record"])
    rec.weights = _unpack(result.get("weights"))
    return rec


def run_sweep_on_ray(project, configs: list[dict], seeds: int, *, address: str = "auto",
                     data=None, on_run: Callable[[sweep.SweepRun], None] | None = None,
                     cpus_per_trial: float = 1, keep_weights_last: int = 10,
                     source: str = "sweep") -> sweep.SweepResult:
    """Run the sweep as Ray Tune trials; returns the same SweepResult as a local sweep."""
    ray, tune = require_ray()
    if not isinstance(seeds, int) or seeds < 1:
        raise SettingsError(f"Seeds must be a whole number of at least 1 (got {seeds!r}).")
    if not configs:
        raise SettingsError("The sweep has no configuration.")
    if not cpus_per_trial > 0:
        raise SettingsError("CPUs per trial must be above 0.", "Give e.g. --ray-cpus 1.")
    t0 = time.perf_counter()
    data = data if data is not None else project.prepare()
    sweep_id = new_id()
    confs = sweep.plan(project, data, configs, sweep_id)  # a bad configuration fails before Ray starts
    total = len(confs) * seeds
    started = connect(address)
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")  # records come back, not files
    done = [0]

    class Progress(tune.Callback):
        def on_trial_result(self, iteration, trials, trial, result, **info):
            done[0] += 1
            if on_run is not None:
                i = int(result["trial"])
                elapsed = time.perf_counter() - t0
                on_run(sweep.SweepRun(i // seeds, i % seeds, done[0], total, elapsed,
                                      elapsed / done[0] * (total - done[0]), _record(result)))

    trainable = tune.with_resources(
        tune.with_parameters(_trial, project=project, data=data, confs=confs, seeds=seeds,
                             sweep_id=sweep_id, identity=data_identity(project.dataset, project.example),
                             source=source, keep_from=total - keep_weights_last,
                             threads=max(1, int(cpus_per_trial))),
        {"cpu": cpus_per_trial})
    try:
        with tempfile.TemporaryDirectory(prefix="nnstudio-ray-") as storage:
            tuner = tune.Tuner(
                trainable, param_space={"trial": tune.grid_search(list(range(total)))},
                tune_config=tune.TuneConfig(reuse_actors=True),
                run_config=tune.RunConfig(name=f"nnstudio-sweep-{sweep_id}", storage_path=storage,
                                          verbose=0, callbacks=[Progress()]))
            # Tune prints its tables on stdout, where `--json` writes the result: send them to stderr;
            # and it warns that it wrote no result files, which it need not (records come back)
            logging.getLogger("ray.tune.analysis.experiment_analysis").setLevel(logging.ERROR)
            with contextlib.redirect_stdout(sys.stderr):
                grid = tuner.fit()
            if grid.errors:
                raise TrainingError(f"{len(grid.errors)} of {total} trials failed on Ray: "
                                    f"{str(grid.errors[0]).strip().splitlines()[-1][:300]}",
                                    "Check that every machine of the cluster has nnstudio installed.")
            records = {}
            for r in grid:
                records[int(r.metrics["trial"])] = _record(r.metrics)
    finally:
        if started:
            ray.shutdown()
    for i in sorted(records):
        confs[i // seeds].records.append(records[i])
    res = sweep.SweepResult(sweep_id, sweep.sweep_metric(data), confs, seeds,
                            time.perf_counter() - t0, cancelled=len(records) < total)
    sweep.finish(res)
    return res
