"""``nnstudio challenge FILE.json``: train on a challenge's data and check its goal (issue 21)."""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from nnstudio.cli.common import _Bar, settings_overrides
from nnstudio.core.errors import NNStudioError
from nnstudio.core.settings import OPTIMIZERS


def add_parser(sub) -> None:
    p = sub.add_parser(
        "challenge", help="train on a challenge's data and check its goal",
        description="Train on the data of a challenge file (resources/challenges/*.json), starting from "
                    "its network and inputs, check the goal, and record a run that meets it on the "
                    "local leaderboard (fewest parameters first; ~/.nnstudio/leaderboards, or "
                    "$NNSTUDIO_HOME/leaderboards).")
    p.add_argument("file", help="a challenge file, or the name of a shipped one (e.g. circles-no-hidden-layer)")
    p.add_argument("--layers", help="hidden layers, e.g. dense:2:tanh ('' for none); refused when "
                                    "the challenge locks the network")
    p.add_argument("--features", help='inputs: columns and engineered formulas, e.g. "x,y,x^2,y^2"; '
                                      "refused when the challenge locks them")
    p.add_argument("--name", default="me", help="your name on the leaderboard")
    p.add_argument("--no-record", action="store_true", help="check only; leave the leaderboard alone")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    g = p.add_argument_group("training (refused when the challenge locks the settings)")
    g.add_argument("--optimizer", choices=OPTIMIZERS)
    g.add_argument("--lr", "--learning-rate", dest="lr", type=float, help="learning rate")
    g.add_argument("--epochs", type=int)
    g.add_argument("--batch-size", type=int)
    g.add_argument("--seed", type=int, help="seed of the weights and the shuffling")
    p.set_defaults(func=run, momentum=None, nesterov=None, loss=None, early_stopping=None,
                   patience=None, monitor=None, batch_mode=None)


def _resolve(name: str):
    from nnstudio.core import challenge  # noqa: PLC0415 -- lazy: pandas and the project, paid by this command

    p = Path(name)
    if not p.exists() and not p.suffix:
        shipped = challenge.SHIPPED_DIR / f"{name}.json"
        if shipped.exists():
            p = shipped
    return challenge.load(p)


def run(args) -> int:
    from nnstudio.core import challenge  # noqa: PLC0415 -- lazy: pandas and the project, paid by this command
    from nnstudio.core.model.spec import validate  # noqa: PLC0415 -- lazy: as above
    from nnstudio.core.training.control import TrainingControl  # noqa: PLC0415 -- lazy: as above
    from nnstudio.core.training.engine import Trainer  # noqa: PLC0415 -- lazy: TensorFlow

    ch = _resolve(args.file)
    overrides = settings_overrides(args)
    for what, given in (("network", args.layers is not None), ("features", args.features is not None),
                        ("settings", bool(overrides))):
        if given and what in ch.locked:
            raise NNStudioError(f"The challenge '{ch.title}' locks the {what}.",
                                f"Leave out the {what} options; locked: {', '.join(ch.locked)}.")
    project = ch.project()
    challenge.apply_start(project, args.layers,
                          [f.strip() for f in args.features.split(",")] if args.features is not None else None)
    project.settings = replace(project.settings, **overrides)
    project.settings.check()
    data = project.prepare()
    problems = validate(project.spec, data.task, data.n_classes)
    if problems:
        raise NNStudioError(f"The network cannot train on this task: {problems[0]}")
    bar = _Bar(not args.json and sys.stderr.isatty())
    result = Trainer(data, project.spec, project.settings, control=TrainingControl(bar),
                     plain_first_run=True).run()  # one run: no compile wait (issue 18)
    bar.close()
    verdict = challenge.check(ch, project, data, result)
    board = challenge.Leaderboard.of(ch)
    rank = None if args.no_record else board.add(ch, verdict, project, args.name)
    out = {"challenge": ch.title, "goal": ch.goal.text(), "met": verdict.met, "reasons": verdict.reasons,
           "figures": verdict.figures, "layers": project.spec.compact(),
           "features": [*project.roles.features, *project.preprocess.engineered],
           "rank": rank, "leaderboard": board.ranked()[:10], "leaderboard_file": str(board.path)}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{ch.title}: {ch.goal.text()}")
        print(verdict.text())
        if rank:
            print(f"Recorded on the leaderboard: rank {rank} of {len(board.entries)} ({board.path}).")
    return 0
