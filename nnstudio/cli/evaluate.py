"""``nnstudio evaluate MODEL.keras [DATA.csv]``: loss, metrics and confusion matrix of a model."""
from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="print the metrics of an exported model on data",
                       description="Evaluate a model exported by nnstudio (.keras): on every row of "
                                   "DATA.csv (which must hold the target column), or, without DATA, "
                                   "on the training, validation and test rows of the data it was "
                                   "trained on (a built-in example, or its CSV if it is still there).")
    p.add_argument("model", help="a .keras file exported by nnstudio")
    p.add_argument("data", nargs="?", help="CSV file with the model's input columns and its target")
    p.add_argument("--split", choices=("train", "val", "test", "all"), default="all",
                   help="without DATA: which split to show (default: all three)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from nnstudio.core import model_file  # lazy: pandas/TF, paid only by the command that runs

    lm = model_file.load(args.model)
    lm.require_nnstudio()
    frame = model_file.read_csv_frame(args.data) if args.data else None
    results, left_out = model_file.evaluate_file(lm, frame)
    if frame is None and args.split != "all":
        results = {k: v for k, v in results.items() if k == args.split}
    if args.json:
        print(json.dumps({"model": str(args.model), "task": lm.preprocessor.task.value,
                          "target": lm.preprocessor.target, "rows_left_out": left_out,
                          "splits": {k: v.to_dict() for k, v in results.items()}}, indent=2))
        return 0
    for line in lm.summary_lines()[:2]:
        print(line)
    for ev in results.values():
        print()
        print("\n".join(ev.lines()))
    if left_out:
        print(f"\n{left_out:,} rows could not be predicted (a missing value, or a category never seen "
              f"in training) and were left out.")
    return 0
