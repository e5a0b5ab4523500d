"""``nnstudio predict MODEL DATA.csv``: predictions for raw rows, as CSV (MODEL: an exported
``.keras`` or a trained ``.nnstudio`` project)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from nnstudio.cli.common import warn
from nnstudio.cli.evaluate import _threshold


def add_parser(sub) -> None:
    p = sub.add_parser("predict", help="predict the rows of a CSV with an exported model",
                       description="Predict every row of DATA.csv (the raw columns, as the training "
                                   "CSV had them) with a model exported by nnstudio (.keras) or a "
                                   "trained project (.nnstudio). Writes the rows with 'prediction' "
                                   "and 'probability' columns.")
    p.add_argument("model", help="a .keras file exported by nnstudio, or a trained .nnstudio project")
    p.add_argument("data", help="CSV file or Excel workbook (.xlsx) with the model's input columns")
    p.add_argument("--out", metavar="PATH", help="write the predictions to this CSV, or to a workbook "
                                                 "when PATH ends in .xlsx (default: CSV on stdout)")
    p.add_argument("--threshold", type=float, metavar="T",
                   help="two classes: predict the second class when its probability is above T "
                        "(default: the threshold saved with the model, else 0.5)")
    p.add_argument("--only-predictions", action="store_true",
                   help="write only the prediction columns, not the input columns")
    p.set_defaults(func=run)


def run(args) -> int:
    from nnstudio.cli.explain import load_any  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core import evaluate, model_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.data.csv import read_csv_like  # noqa: PLC0415 -- lazy: pandas loads only for the command that runs
    from nnstudio.core.data.extrapolation import beyond_rows, beyond_rows_text  # noqa: PLC0415 -- lazy: pandas
    from nnstudio.core.predict_file import (  # noqa: PLC0415 -- lazy: pandas
        reasons_of,
        reasons_text,
        write_table,
    )

    if Path(args.model).suffix.lower() == ".nnstudio":  # a project trained with `train --save`
        lm = load_any(args.model)
    else:  # an export (a legacy .h5, a folder, a missing file: each with its own message)
        lm = model_file.load(args.model)
        lm.require_nnstudio()
    ds = read_csv_like(args.data, lm.read_options)  # as the training file was read
    frame = ds.frame

    table = evaluate.predict_frame(lm.net, lm.preprocessor, frame,
                                   keep_columns=not args.only_predictions,
                                   threshold=_threshold(args, lm))
    warn(ds.warnings)  # rows left out (a totals row …), '$1,234' read as numbers … (bad input: one line)
    beyond = beyond_rows_text(*beyond_rows(lm.preprocessor, frame))  # rows it extrapolates on
    warn([beyond] if beyond else [])
    skipped = int(table[evaluate.PREDICTION].isna().sum())
    left = ""
    if skipped:  # how many, and why (the commonest reasons; every row's is in its note)
        why = reasons_text(reasons_of(table[evaluate.NOTE])) if evaluate.NOTE in table else ""
        left = (f"{skipped:,} row{'s' if skipped != 1 else ''} could not be predicted (see the "
                f"'note' column)" + (f": {why}." if why else "."))
    if args.out:
        write_table(table, args.out)  # .xlsx: a workbook
        print(f"Wrote {len(table) - skipped:,} predictions to {args.out}" + (f"; {left}" if left else "."))
    else:
        try:
            table.to_csv(sys.stdout, index=False)
            sys.stdout.flush()
        except BrokenPipeError:  # `nnstudio predict … | head`: the reader has enough

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        if left:
            print(f"nnstudio: {left}", file=sys.stderr)
    return 0
