"""``nnstudio sweep SOURCE --grid "dropout=0,0.2;lr=0.001,0.01" --seeds 5``: a headless sweep."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from nnstudio.cli import train
from nnstudio.cli.common import keeps_trained_model
from nnstudio.cli.train import load_project
from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments import store, sweep
from nnstudio.core.numbers import fmt_spread


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sweep", help="train a grid (or random sample) of configurations x seeds and compare them",
        description="Vary knobs over a grid or a random sample of it, each configuration with "
                    "seeds 0..N-1; rank them by the validation metric (test when there is no "
                    "validation split), name the smallest network within seed noise of the best "
                    "and compare each configuration with the first (Welch's t-test). SOURCE and "
                    "the data / network / training options are those of `nnstudio train`. "
                    "Details: docs/experiments.md")
    train.add_arguments(p)
    g = p.add_argument_group("sweep")
    g.add_argument("--grid", required=True,
                   help='knobs and values: "dropout=0,0.2;lr=0.001,0.01". Knobs: lr, optimizer, '
                        'batch_size (N, full, stochastic), batch_mode, epochs, dropout (after '
                        'every hidden layer), l2, activation and units (every hidden layer), '
                        'layers (stacks separated by |, e.g. "layers=|dense:6:relu|dense:6:relu,'
                        'dense:4:relu"; the empty one: no hidden layer)')
    g.add_argument("--random", type=int, metavar="N",
                   help="run N configurations picked at random from the grid")
    g.add_argument("--random-seed", type=int, default=0, help="seed of the random pick (0)")
    g.add_argument("--seeds", type=int, default=5, help="seeds per configuration: 0..N-1 (5)")
    g.add_argument("--tensorboard", metavar="DIR",
                   help="write each run's curves as TensorBoard event files, one folder per run")
    g.add_argument("--ray", metavar="ADDRESS",
                   help="run the trials on a Ray cluster (Ray Tune; pip install 'nnstudio[cluster]'): "
                        "auto (the cluster this machine joined with `ray start`), HOST:PORT, or "
                        "local (this machine only). Results land in the same runs. docs/scale.md")
    g.add_argument("--ray-cpus", type=float, default=1, metavar="N",
                   help="CPUs each Ray trial asks for (1)")
    p.set_defaults(func=run)


def run(args) -> int:
    for flag, given in (("--repeat", args.repeat), ("--export", args.export),
                        ("--distribute", args.distribute not in (None, "auto")),
                        ("--workers", args.workers is not None),
                        ("--worker-index", args.worker_index is not None),
                        ("--no-shuffle", not args.shuffle),
                        ("--stream", args.stream), ("--seed", args.seed is not None)):
        if given:
            raise NNStudioError(f"{flag} is an option of `nnstudio train`, not of a sweep.",
                                "A sweep runs seeds 0..N-1 itself (--seeds N); export a run "
                                "from the app or with `nnstudio train`.")
    if args.seeds is None or args.seeds < 1:
        raise NNStudioError("--seeds must be at least 1.", "Give e.g. --seeds 5.")
    if args.cv is not None and args.ray is not None:
        raise NNStudioError("--cv runs on this machine: it cannot go with --ray.",
                            "Leave out --ray to cross-validate, or sweep seeds on the cluster.")
    if args.ray is not None:
        from nnstudio.core.experiments.ray_sweep import require_ray  # noqa: PLC0415 -- lazy: Ray, an optional extra

        require_ray()  # before reading any data: say at once how to install it
    grid = sweep.parse_grid(args.grid)
    configs = sweep.expand(grid, args.random, args.random_seed)
    if args.save:
        keeps_trained_model(args.save, "the sweep's runs")
    project = load_project(args)
    data = project.prepare()
    each = args.cv if args.cv is not None else args.seeds
    total = len(configs) * each
    show = not args.json and sys.stderr.isatty()

    def on_run(r: sweep.SweepRun) -> None:
        if show:
            sys.stderr.write(f"\rrun {r.done}/{r.total}  {r.elapsed:.0f} s, about {r.eta:.0f} s "
                             f"left   ")
            sys.stderr.flush()

    if show:
        sys.stderr.write(f"{len(configs)} configurations x {each} {'folds' if args.cv else 'seeds'} "
                         f"= {total} runs\n")
    if args.cv is not None:
        from nnstudio.core.experiments.sweep_folds import run_sweep_folds  # noqa: PLC0415 -- lazy: TensorFlow loads only for the command that runs

        res = run_sweep_folds(project, configs, args.cv, on_run=on_run, source="cli")
        if args.tensorboard:
            _write_tensorboard(res, args.tensorboard)
    elif args.ray is not None:
        from nnstudio.core.experiments import ray_sweep  # noqa: PLC0415 -- lazy: Ray, an optional extra

        res = ray_sweep.run_sweep_on_ray(project, configs, args.seeds, address=args.ray, data=data,
                                         on_run=on_run, cpus_per_trial=args.ray_cpus, source="cli")
        if args.tensorboard:
            _write_tensorboard(res, args.tensorboard)
    else:
        res = sweep.run_sweep(project, configs, args.seeds, data=data, on_run=on_run,
                              tensorboard=args.tensorboard, source="cli")
    if show:
        sys.stderr.write("\n")
    out = res.to_json()
    if args.save:
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas loads only for the command that runs

        path = project_file.with_suffix(args.save)
        same = _source_path(args) is not None and path.is_file() \
            and path.resolve() == _source_path(args)
        project.runs = list(project.runs) if same else store.existing_runs(path)
        store.add_runs(project, res.records)
        saved = project_file.save_project(project, path)
        out["saved"] = str(saved)
    if args.tensorboard:
        out["tensorboard"] = args.tensorboard
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    runs = f"{res.folds} folds (cross-validated)" if res.folds else f"{res.seeds} seeds"
    print(f"{len(res.configurations)} configurations x {runs}, ranked by {res.metric} "
          f"(mean ± sd), best first:")
    groups = out["configurations"]
    w = min(max(len(c["label"]) for c in groups), 60)
    for rank, i in enumerate(res.order(), 1):  # the JSON keeps the grid's order
        c = groups[i]
        mean = "n/a" if c["mean"] is None else fmt_spread(c["mean"], c["sd"], 4)
        print(f"  {rank:>3}. {c['label']:<{w}}  {mean}  ({c['params']} parameters)")
    for line in res.summary_text():
        print(line)
    for v in out["verdicts"]:
        print(f"  {v['text']}")
    print(f"{out['runs']} runs in {out['seconds']:.1f} s")
    if args.save:
        print(f"saved {out['saved']}")
    return 0


def _write_tensorboard(res, folder: str) -> None:
    """Each run's curves as TensorBoard event files (after a sweep that did not write them)."""
    from nnstudio.core.experiments.tensorboard import RunWriter  # noqa: PLC0415 -- lazy: TensorBoard writer

    writer = RunWriter(folder)
    for rec in res.records:
        writer.write(rec)


def _source_path(args):
    p = Path(args.source)
    return p.resolve() if p.suffix.lower() == ".nnstudio" else None
