"""``nnstudio train SOURCE --distribute multi-worker``: one worker of a cluster training one model.

Every worker runs the same command (same SOURCE and options) with its own ``--worker-index`` (or its
own ``TF_CONFIG``); see :mod:`nnstudio.core.training.multiworker` and docs/scale.md. Only the chief
(worker 0) writes ``--save`` / ``--export`` and the backup.
"""
from __future__ import annotations

import json
import sys

from nnstudio.cli import train_stream
from nnstudio.cli.common import _Bar, data_warnings, print_result, result_json, rows_text, warn
from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.model.spec import param_counts, validate
from nnstudio.core.training.control import TrainingControl


def add_arguments(g) -> None:
    """The cluster options (in the training group of ``nnstudio train``)."""
    g.add_argument("--workers", metavar="HOST:PORT,...",
                   help="multi-worker: every worker of the cluster, the same list on each (worker 0 "
                        "is the chief); writes TF_CONFIG. Without it TF_CONFIG must be set")
    g.add_argument("--worker-index", type=int, metavar="N",
                   help="multi-worker: this machine's place in --workers (0 = the chief)")
    g.add_argument("--backup-dir", metavar="DIR", default="nnstudio-backup",
                   help="multi-worker: a folder all workers share where the chief backs up every "
                        "epoch; a restarted worker resumes from it (default ./nnstudio-backup, "
                        "deleted when training completes)")
    g.add_argument("--no-shuffle", dest="shuffle", action="store_false", default=True,
                   help="multi-worker: train on the rows in their order (reproducible against "
                        "one worker to float tolerance)")


def wanted(args) -> bool:
    """Whether the command asks for multi-worker training (and not in a contradictory way)."""
    cluster = args.workers is not None or args.worker_index is not None
    if args.distribute == "multi-worker":
        return True
    if cluster:
        raise NNStudioError(f"--workers / --worker-index train on a cluster, but --distribute is "
                            f"{args.distribute}.", "Add --distribute multi-worker.")
    if not args.shuffle:
        raise NNStudioError("--no-shuffle is an option of multi-worker training.",
                            "Add --distribute multi-worker, or leave out --no-shuffle.")
    return False


def run(args, load_project) -> int:
    """One worker's run; ``load_project(args)`` is ``nnstudio train``'s (which imports this module)."""
    from nnstudio.core.training import multiworker  # noqa: PLC0415 -- lazy: TensorFlow, paid only by the command that runs

    if args.repeat:
        raise NNStudioError("--repeat runs on one device.", "Leave out --distribute multi-worker.")
    cfg = multiworker.configure(args.workers, args.worker_index)
    chief = multiworker.is_chief(cfg)
    place, count = multiworker.worker_place(cfg)
    strategy = multiworker.make_strategy()  # before any other TensorFlow work (TensorFlow's rule)
    cluster = {"workers": count, "worker": place, "chief": chief}
    if train_stream.wants_streaming(args):
        if not args.shuffle:
            raise NNStudioError("--no-shuffle is for in-memory data; a streamed CSV is read in "
                                "file order with rows shuffled within a chunk.",
                                "Leave out --no-shuffle.")
        return train_stream.run_streaming(args, strategy=strategy, cluster=cluster)
    project = load_project(args)
    data = project.prepare()
    warnings = data_warnings(project, data)
    problems = validate(project.spec, data.task, data.n_classes)
    if problems:
        raise SpecError(f"The network cannot train on this task: {problems[0]}")
    params = sum(n for _, n in param_counts(project.spec, data.n_inputs, data.task, data.n_classes))
    warn(warnings)
    bar = _Bar(not args.json and sys.stderr.isatty() and chief)
    result = multiworker.train_multiworker(data, project.spec, project.settings, strategy,
                                           backup_dir=args.backup_dir, chief=chief,
                                           shuffle=args.shuffle, control=TrainingControl(bar))
    bar.close()
    out = result_json(result, params)
    out.update(cluster, replicas=int(strategy.num_replicas_in_sync), steps=int(result.steps),
               resumed_from_epoch=int(result.resumed_from), rows=data.rows(), warnings=warnings)
    saved, exported = None, []
    if chief and args.export:
        from nnstudio.core import export  # noqa: PLC0415 -- lazy: export formats, paid only when exporting

        exported = export.export_model(result, data, project, args.export)
    if chief and args.save:
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only when saving
        from nnstudio.core.experiments import store  # noqa: PLC0415 -- lazy: pandas/TF, paid only when saving

        store.append_cli_runs(project, project_file.with_suffix(args.save), args.source, [result], data)
        saved = str(project_file.save_project(project, project_file.with_suffix(args.save), result,
                                              data.preprocessor))
    out["saved"], out["exported"] = saved, [str(p) for p in exported]
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    who = "chief" if chief else "worker"
    print(f"{who} {place} of {count}" + (f", resumed after epoch {result.resumed_from}"
                                         if result.resumed_from else ""))
    print_result(result.message, out, params, rows_text(data))
    for p in exported:
        print(f"exported {p}")
    if saved:
        print(f"saved {saved}")
    elif not chief and (args.save or args.export):
        print("the chief (worker 0) writes the project and the export")
    return 0
