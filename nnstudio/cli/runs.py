"""``nnstudio runs PROJECT.nnstudio [--json]``: the runs a project remembers."""
from __future__ import annotations

import json
from pathlib import Path

from nnstudio.core.errors import ProjectError
from nnstudio.core.experiments import groups, store
from nnstudio.core.model.spec import NetworkSpec


def add_parser(sub) -> None:
    p = sub.add_parser("runs", help="list the training runs saved in a project",
                       description="List a project's run history (each `nnstudio train --save`, "
                                   "`nnstudio sweep --save` and every run trained in the app), "
                                   "each seed group's mean ± sd and a verdict between the last "
                                   "two (Welch's t-test).")
    p.add_argument("project", help="a .nnstudio project file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from nnstudio.core.project_file import read_document  # noqa: PLC0415 -- lazy: pandas loads only for the command that runs

    path = Path(args.project)
    if not path.is_file():
        raise ProjectError(f"There is no project file at {path}.",
                           "Give a .nnstudio file saved by the app or by `nnstudio train --save`.")
    runs = store.runs_from_document(read_document(path), path)
    summ = groups.summary(runs)
    if args.json:
        out = []
        for r in runs:
            d = r.to_dict()
            d.pop("history", None)
            d["seed"] = r.seed
            d["weights_kept"] = r.has_weights
            out.append(d)
        print(json.dumps({"project": str(path), "runs": out, **summ}, indent=2))
        return 0
    if not runs:
        print(f"{path.name}: no runs yet")
        return 0

    print(f"{path.name}: {len(runs)} run{'' if len(runs) == 1 else 's'}")
    for i, r in enumerate(runs, 1):
        acc = r.metric("test_accuracy")
        acc = r.metric("test_mae") if acc is None else acc
        val = f"{acc:.4f}" if acc is not None else "  n/a "
        net = NetworkSpec.from_dict(r.spec).compact() or "(no hidden layer)"
        print(f"{i:>4}. {r.created[:19]} {r.status:<13} test {val}  seed {r.seed:<3} "
              f"lr {r.settings.get('learning_rate')}  {net}  {r.label()}")
    for line in groups.summary_lines(summ):
        print(line)
    return 0
