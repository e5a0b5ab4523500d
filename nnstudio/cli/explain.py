"""``nnstudio explain MODEL_OR_PROJECT [DATA.csv] [--row N]``: which columns matter, and why this row.

Prints the permutation importance of every input column on the rows of DATA (which must hold the
target; without DATA, the test rows of the data the model was trained on), and with ``--row N``
the attributions of that row (integrated gradients against the
training rows' typical row; they add up to the prediction minus the baseline's prediction).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from nnstudio.core.errors import DataError, NNStudioError, ProjectError
from nnstudio.core.jsonsafe import jsonable

#: Columns named in the text output (most important first); --json lists all of them.
SHOWN = 20


def add_parser(sub) -> None:
    p = sub.add_parser("explain", help="which input columns matter, and why a row gets its prediction",
                       description="Permutation importance of each input column on the rows of "
                                   "DATA.csv, and with --row N the attributions of row N (integrated "
                                   "gradients against a typical training row).")
    p.add_argument("model", help="a .keras file exported by nnstudio, or a trained .nnstudio project")
    p.add_argument("data", nargs="?",
                   help="CSV with the model's input columns (and the target, for importance); "
                        "without it, the test rows of the data the model was trained on (as the "
                        "app's Importance tab)")
    p.add_argument("--row", type=int, metavar="N",
                   help="explain data row N (1 = the first row; without DATA, the Nth test row)")
    p.add_argument("--metric", help="importance metric: accuracy, balanced_accuracy, roc_auc, log_loss "
                                    "(classification) or r2, rmse, mae (regression)")
    p.add_argument("--repeats", type=int, default=5, help="shuffles per column (default 5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the shuffles (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


@dataclass
class Loaded:
    """A trained model from a .keras export or a .nnstudio project, with what explaining needs."""

    path: str
    net: object
    preprocessor: object
    threshold: float | None
    project: object | None  # the project (its data found), or None
    settings: object | None
    read_options: dict | None = None  # how its training file was read (None: not from a file)

    @functools.cached_property
    def own_data(self):
        """Its project's data prepared, when it can be found as the model was trained on it
        (None otherwise): prepared once, however many of its splits are asked for."""
        if self.project is None:
            return None
        try:
            data = self.project.prepare()
        except NNStudioError:
            return None
        return data if data.preprocessor.to_dict() == self.preprocessor.to_dict() else None


def load_any(path: str, need_project: bool = False) -> Loaded:
    p = Path(path)
    if p.suffix.lower() == ".nnstudio":
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas loads only for the command that runs

        t = project_file.load_trained(p, require_data=need_project)
        thr = t.threshold if len(t.preprocessor.classes) == 2 else None
        return Loaded(str(p), t.model, t.preprocessor, thr, t.project, t.settings,
                      t.document.read_options)
    if p.suffix.lower() != ".keras":
        raise ProjectError(f"'{p.name}' is neither a model (.keras) nor a project (.nnstudio).",
                           "Give a model exported by nnstudio or a trained project file.")
    from nnstudio.core import model_file  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs

    lm = model_file.load(p)
    lm.require_nnstudio()
    project = None
    try:
        project = model_file.project_from_meta(lm.meta)
    except NNStudioError:
        if need_project:
            raise
    return Loaded(str(p), lm.net, lm.preprocessor, lm.threshold, project,
                  project.settings if project is not None else None, lm.read_options)


def training_rows(loaded: Loaded):
    """The raw training rows of the model's project, when its data can be found (for the baseline row)."""
    data = loaded.own_data
    return None if data is None else data.raw_train


def test_rows(loaded: Loaded, name: str):
    """The raw test rows of the data the model was trained on (``nnstudio explain MODEL`` without
    DATA), or a message saying why there are none."""
    data = loaded.own_data
    if data is None:
        raise DataError(f"The data '{Path(name).name}' was trained on cannot be found as it was "
                        f"(a CSV moved or changed since), so it has no test rows to explain on.",
                        f"Give the rows: `nnstudio explain {Path(name).name} DATA.csv`.")
    if not len(data.raw_test):
        raise DataError("The data the model was trained on has no test rows (a test fraction of 0).",
                        f"Give the rows: `nnstudio explain {Path(name).name} DATA.csv`.")
    return data.raw_test.reset_index(drop=True)


def run(args) -> int:
    from nnstudio.core import explain, model_file  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs

    m = load_any(args.model)
    if args.data is None:
        frame = test_rows(m, args.model)
    else:
        frame = model_file.read_csv_frame(args.data, m.read_options)  # as the training file was read
    pre = m.preprocessor
    out: dict = {"model": str(args.model), "task": pre.task.value, "target": pre.target,
                 "threshold": m.threshold, "rows": "test" if args.data is None else "data"}
    if args.row is not None and not 1 <= args.row <= len(frame):
        raise DataError(f"There is no row {args.row}: the data has {len(frame):,} rows.",
                        "Rows count from 1 (the first row under the header).")
    if pre.target in frame.columns:
        imp = explain.permutation_importance(m.net, pre, frame, metric=args.metric, n_repeats=args.repeats,
                                             seed=args.seed, threshold=m.threshold)
        out["importance"] = imp.to_dict()
        out["importance"]["notes"] = imp.notes
        out["importance"]["summary"] = imp.summary()
    elif args.row is None:
        raise DataError(f"The data has no column '{pre.target}' (the target), so the importance of the "
                        f"inputs cannot be measured.", "Give rows with the target, or explain one row with --row N.")
    else:
        out["importance"] = None
        out["notes"] = [f"No importance: the data has no '{pre.target}' column."]
    if args.row is not None:
        row = frame.iloc[args.row - 1].to_dict()
        att = explain.explain_row(m.net, pre, row, train=training_rows(m))
        out["row"] = {"number": args.row, **att.to_dict()}
    if args.json:
        print(json.dumps(out, indent=2, default=jsonable))
        return 0
    if out.get("importance"):
        if args.data is None:
            print(f"On the {len(frame):,} test rows of the data the model was trained on.")
        print("\n".join(imp.lines(most=SHOWN)))
        for n in [imp.summary(), *imp.notes]:
            print("  " + n)
    if args.row is not None:
        print()
        print(f"Row {args.row}: {att.sentence()}")
        order = att.order()
        w = max(len(att.columns[i]) for i in order[:SHOWN])
        for i in order[:SHOWN]:
            c = att.columns[i]
            print(f"  {c:<{w}} {att.values[i]:+.4f}   (value {explain._text(att.row.get(c))}, baseline "
                  f"{explain._text(att.baseline.get(c))})")
        if len(order) > SHOWN:
            print(f"  … and {len(order) - SHOWN:,} more columns, together "
                  f"{att.values[order[SHOWN:]].sum():+.4f} (--json lists every column)")
        print(f"  sum {att.values.sum():+.4f} = {att.prediction:.4f} − {att.baseline_prediction:.4f}")
    return 0
