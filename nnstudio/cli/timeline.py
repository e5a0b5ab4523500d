"""Going back in time headless (issue 19).

* ``nnstudio evaluate P.nnstudio --run R --epoch N [--json]``: the figures of run R's snapshot at
  epoch N on the project's training, validation and test rows.
* ``nnstudio train P.nnstudio --from-run R --from-epoch N [settings] [--save P.nnstudio]``: a
  branch — a new run that continues R from epoch N (weights and optimizer state) with the settings
  given (the others are R's); ``--epochs`` is the epoch the branch ends at.
"""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from nnstudio.cli.common import _Bar, print_result, result_json, rows_text, settings_overrides
from nnstudio.core.errors import NNStudioError, ProjectError
from nnstudio.core.experiments import store
from nnstudio.core.training.control import TrainingControl


def add_train_arguments(p) -> None:
    g = p.add_argument_group("going back in time (a .nnstudio project's runs)")
    g.add_argument("--from-run", metavar="RUN",
                   help="branch: continue this run (its id, a prefix of it, or its name; see "
                        "`nnstudio runs P`) from --from-epoch with its weights and optimizer state "
                        "and the settings given here (the others are the run's; the network stays)")
    g.add_argument("--from-epoch", type=int, metavar="N",
                   help="the epoch to branch from (a snapshot the run kept; --epochs is then the "
                        "epoch the branch ends at, by default the run's own)")
    g.add_argument("--snapshot-every", type=int, metavar="K",
                   help="keep a snapshot at least every K epochs (default: at the reports the run "
                        "makes, about every 0.05 s; asking for more costs time on short runs)")


def add_evaluate_arguments(p) -> None:
    p.add_argument("--run", metavar="RUN",
                   help="with a .nnstudio project: evaluate this run (id, id prefix or name) ...")
    p.add_argument("--epoch", type=int, metavar="N",
                   help="... as it was after epoch N (a snapshot it kept; default: its last)")


def find_run(runs: list, key: str):
    """The run whose id starts with ``key`` or whose name is ``key``."""
    hits = [r for r in runs if r.id == key] or [r for r in runs if r.id.startswith(key)] \
        or [r for r in runs if r.name == key]
    if len(hits) == 1:
        return hits[0]
    ids = ", ".join(f"{r.id} ({r.label()})" for r in runs[-8:]) or "none"
    if not hits:
        raise ProjectError(f"No run '{key}' in this project.", f"Its runs: {ids} (`nnstudio runs P`).")
    raise ProjectError(f"'{key}' names {len(hits)} runs.", "Give more of the run's id.")


def _project_and_run(path: str, key: str, data_path: str | None = None):
    from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    if Path(path).suffix.lower() != ".nnstudio" or not Path(path).is_file():
        raise ProjectError(f"--run needs a .nnstudio project file (got '{path}').",
                           "Give the project the run was saved in (`nnstudio train --save P`).")
    project = project_file.load_project(Path(path), data_path)
    run = find_run(project.runs, key)
    if not run.trained_on(project):
        raise ProjectError(f"Run '{run.label()}' was trained on other data (or its file read another "
                           f"way), other input columns or another split than the project has now.",
                           "Open the data it was trained on.")
    return project, run


def snapshot_of(run, epoch: int | None):
    tl = run.load_timeline()
    return tl.snapshots[-1] if epoch is None else tl.at(epoch)


def evaluate(args) -> int:
    from nnstudio.core.evaluate import evaluate_all  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.timeline.branch import model_at  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    if args.data:
        raise NNStudioError("--run evaluates on the project's own rows; DATA is not used with it.",
                            "Leave out DATA.")
    project, run = _project_and_run(args.model, args.run)
    data = project.prepare()
    snap = snapshot_of(run, args.epoch)
    model = model_at(snap, run.network(), data, seed=run.seed)
    threshold = getattr(project, "threshold", None) if data.task.value == "binary" else None
    results = evaluate_all(model, data, run.train_settings().loss_for(data.task), threshold=threshold)
    if args.split != "all":
        results = {k: v for k, v in results.items() if k == args.split}
    tl = run.load_timeline()
    if args.json:
        print(json.dumps({"project": str(args.model), "run": run.id, "name": run.label(),
                          "epoch": snap.epoch, "epochs_run": run.epochs_run,
                          "snapshots": tl.epochs, "task": data.task.value,
                          "splits": {k: v.to_dict() for k, v in results.items()}}, indent=2))
        return 0
    print(f"{run.label()} after epoch {snap.epoch} of {run.epochs_run}")
    for ev in results.values():
        print()
        print("\n".join(ev.lines()))
    return 0


def train_branch(args, load_project) -> int:
    """``train --from-run``: ``load_project(args)`` is train's project loader (data options)."""
    from nnstudio.core.coach import findings_json  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.timeline.branch import branch_trainer, same_optimizer  # noqa: PLC0415 -- lazy: TF
    from nnstudio.core.timeline.recorder import watch  # noqa: PLC0415 -- lazy: TF

    if args.from_epoch is None:
        raise NNStudioError("--from-run needs --from-epoch N (the epoch to branch from).",
                            "See the run's snapshots with `nnstudio evaluate P --run R --json`.")
    for flag, given in (("--layers", args.layers is not None), ("--repeat", bool(args.repeat)),
                        ("--stream", bool(args.stream)), ("--features", bool(args.features)),
                        ("--distribute mirrored", args.distribute == "mirrored")):
        if given:
            raise NNStudioError(f"A branch keeps the run's network and data: {flag} cannot be used "
                                f"with --from-run.", f"Leave out {flag.split()[0]}.")
    project, run = _project_and_run(args.source, args.from_run, args.data)
    data = project.prepare()
    snap = snapshot_of(run, args.from_epoch)
    original = run.train_settings()
    settings = replace(original, **settings_overrides(args))
    settings.check()
    spec = run.network()
    bar = _Bar(not args.json and sys.stderr.isatty())
    trainer = branch_trainer(snap, data, spec, settings,
                             same_optimizer=same_optimizer(original, settings),
                             control=TrainingControl(bar))
    rec = watch(trainer, every=args.snapshot_every)
    result = trainer.run()
    rec.finish(result.model)
    bar.close()
    params = run.params
    out = result_json(result, params)
    out.update({"parent": run.id, "parent_epoch": snap.epoch,
                "optimizer_state": "carried over" if same_optimizer(original, settings) else "fresh"})
    out["findings"] = findings_json(data, spec, settings, result, rec)
    if args.save:
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        target = project_file.with_suffix(args.save)
        recs = store.append_cli_runs(project, target, args.source, [result], data,
                                     timelines=[rec.timeline], parent=run.id,
                                     parent_epoch=snap.epoch, spec=spec, settings=settings)
        recs[0].name = f"{run.label()} from epoch {snap.epoch}"
        saved = project_file.save_project(project, target, result, data.preprocessor)
        out["run"] = recs[0].id
        if not args.json:
            print(f"saved {saved}")
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"branch of {run.label()} from epoch {snap.epoch} "
              f"(optimizer state {out['optimizer_state']})")
        print_result(result.message, out, params, rows_text(data))
    return 0
