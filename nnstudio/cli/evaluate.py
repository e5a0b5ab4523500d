"""``nnstudio evaluate MODEL.keras [DATA.csv]``: loss, metrics and confusion matrix of a model."""
from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np

from nnstudio.cli import timeline
from nnstudio.core.errors import DataError, NNStudioError


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="print the metrics of an exported model on data",
                       description="Evaluate a model exported by nnstudio (.keras): on every row of "
                                   "DATA.csv (which must hold the target column), or, without DATA, "
                                   "on the training, validation and test rows of the data it was "
                                   "trained on (a built-in example, or its CSV if it is still there).")
    p.add_argument("model", help="a .keras file exported by nnstudio, or a trained .nnstudio project "
                                 "(its model; with --run, one of its runs)")
    p.add_argument("data", nargs="?", help="CSV file with the model's input columns and its target")
    p.add_argument("--split", choices=("train", "val", "test", "all"), default="all",
                   help="without DATA: which split to show (default: all three)")
    p.add_argument("--threshold", type=float, metavar="T",
                   help="two classes: predict the second class when its probability is above T "
                        "(default: the threshold saved with the model, else 0.5)")
    p.add_argument("--no-baselines", action="store_true",
                   help="do not compare with the majority rule and a linear model")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    timeline.add_evaluate_arguments(p)
    p.set_defaults(func=run)


def run(args) -> int:
    if args.run is not None or args.epoch is not None:
        if args.run is None:
            raise NNStudioError("--epoch needs --run RUN (the run whose snapshot to evaluate).",
                                "List the project's runs with `nnstudio runs P`.")
        return timeline.evaluate(args)
    from nnstudio.core import model_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    lm = _load(args.model)
    lm.require_nnstudio()
    threshold = _threshold(args, lm)
    frame = model_file.read_csv_frame(args.data, lm.read_options) if args.data else None
    results, left_out = model_file.evaluate_file(lm, frame, threshold)
    if frame is None and args.split != "all":
        results = {k: v for k, v in results.items() if k == args.split}
    base = None if args.no_baselines else baselines(lm, frame, threshold)
    if args.json:
        print(json.dumps({"model": str(args.model), "task": lm.preprocessor.task.value,
                          "target": lm.preprocessor.target, "rows_left_out": left_out,
                          "threshold": threshold,
                          "splits": {k: v.to_dict() for k, v in results.items()},
                          **({} if base is None else {"baselines": base})}, indent=2))
        return 0
    for line in lm.summary_lines()[:2]:
        print(line)
    for ev in results.values():
        print()
        print("\n".join(ev.lines()))
    if base is not None:
        print()
        print("\n".join(base.get("lines") or [f"Baselines: {base.get('unavailable')}"]))
    notes = [ev.left_out_note for ev in results.values() if ev.left_out_note]
    if frame is not None:  # the figures on rows the network extrapolates on are of those
        from nnstudio.core.data.extrapolation import beyond_rows, beyond_rows_text  # noqa: PLC0415 -- lazy: pandas

        beyond = beyond_rows_text(*beyond_rows(lm.preprocessor, frame))
        if beyond:
            print("\n" + beyond)
    if notes and frame is not None:  # a labelled file: each reason counted
        print("\n" + notes[0])
    elif left_out:
        print(f"\n{left_out:,} rows could not be predicted (a missing value, or a category never seen "
              f"in training) and were left out.")
    return 0


def _load(path: str):
    """The model of ``path``: an exported ``.keras``, or a trained project's model (read as its
    ``.keras`` export reads: the same figures as `nnstudio export P m.keras` then evaluating it)."""
    from nnstudio.core import model_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    if Path(path).suffix.lower() != ".nnstudio":
        return model_file.load(path)
    from nnstudio.cli.export import _project_model  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core import export  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    tm = _project_model(path)
    with tempfile.TemporaryDirectory() as folder:
        keras_path = Path(folder) / "model.keras"
        export.write_format(tm, "keras", keras_path)
        return model_file.load(keras_path)


def _threshold(args, lm) -> float | None:
    """--threshold checked, else the model's own (None: not a two-class model)."""
    from nnstudio.core.threshold import check_threshold  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs

    if args.threshold is None:
        return lm.threshold
    if lm.threshold is None:
        raise DataError("--threshold applies only to two-class models.",
                        "This model predicts " + lm.preprocessor.task.label + ".")
    return check_threshold(args.threshold)


def baselines(lm, frame, threshold) -> dict:
    """The network beside the majority rule and a linear model (issue 20), as JSON-able data: fitted
    on the data the model was trained on; scored on its test rows, or on every row of ``frame``."""
    from nnstudio.core import baselines as bl  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs
    from nnstudio.core import evaluate as ev  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs
    from nnstudio.core import model_file  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs

    try:
        project = model_file.project_from_meta(lm.meta)
        data = project.prepare()
        if data.preprocessor.to_dict() != lm.preprocessor.to_dict():
            return {"unavailable": "the training data changed since the model was trained"}
        if frame is not None:
            pre = lm.preprocessor
            f = frame.reset_index(drop=True)
            X = ev.transform_lenient(pre, f)
            y = pre.encode_target(f[pre.target])
            ok = (np.isfinite(y) if pre.task.value == "regression" else y >= 0) & np.isfinite(X).all(axis=1)
            data = dataclasses.replace(data, X_test=X[ok], y_test=y[ok])
        comp = bl.compare(lm.net, data, project.settings, split="test", threshold=threshold)
    except NNStudioError as e:
        return {"unavailable": e.user_text()}
    if frame is not None:  # scored on the file's rows, and said so
        comp = dataclasses.replace(comp, split="all")
    d = comp.to_dict()
    d["lines"] = comp.lines()
    return d
