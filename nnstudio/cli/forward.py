"""``nnstudio forward NET.json --rows "3,5;1,2"``: evaluate a hand-set network, headless, with NumPy.

NET is a hand-set network saved from the inspector (or written by hand, see
:mod:`nnstudio.core.handnet`) or the name of a built-in preset (``--list-presets``). No TensorFlow
is loaded.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from nnstudio.core.errors import DataError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "forward", help="evaluate a hand-set network (JSON) on input rows, node by node",
        description="Forward propagation through a hand-set network with NumPy: each row's output, "
                    "and with --trace every node's weighted sum and activation. NET is a JSON file "
                    '({"layers": [{"weights": [[...], ...], "bias": [...] or null, "activation": '
                    '"relu"}, ...]}, weights inputs x units like a Keras kernel) or a preset name.')
    p.add_argument("net", nargs="?", help="hand-set network .json file, or a preset name")
    p.add_argument("--rows", help='input rows: numbers split by commas, rows by ";" (e.g. "3,5;1,2"); '
                                  "default: the rows saved with the network")
    p.add_argument("--rows-file", metavar="PATH",
                   help="read input rows from a text/CSV file, one row per line")
    p.add_argument("--trace", action="store_true",
                   help="print every node's inputs, weighted sum z and activation a")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--digits", type=int, default=10, help="significant digits printed (default 10)")
    p.add_argument("--list-presets", action="store_true", help="list the built-in networks and exit")
    # let `--rows "-1,2;3,5"` through: a value starting with a minus sign and a digit is a number,
    # not an option (argparse's default pattern only accepts a single plain negative number)
    p._negative_number_matcher = re.compile(r"^-\.?\d")
    p.set_defaults(func=run)


def load_net(source: str):
    from nnstudio.core.handnet import (  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
        PRESETS,
        HandNet,
        get_preset,
    )

    if source.strip().lower() in PRESETS and not Path(source).exists():
        preset = get_preset(source)
        return preset.net, preset.rows
    net = HandNet.load(source)
    return net, net.rows


def _read_rows(args, net, default_rows):
    from nnstudio.core.handnet import parse_rows  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    if args.rows is not None and args.rows_file:
        raise DataError("Give --rows or --rows-file, not both.")
    if args.rows_file:
        path = Path(args.rows_file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise DataError(f"Cannot read '{path}': {e.strerror or e}.", "Check the path.") from None
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if lines:
            try:
                parse_rows(lines[0], net.n_inputs)
            except Exception:  # a header line: skip it
                lines = lines[1:]
        return parse_rows("\n".join(lines), net.n_inputs)
    if args.rows is not None:
        return parse_rows(args.rows, net.n_inputs)
    if default_rows:
        return parse_rows(";".join(",".join(repr(v) for v in r) for r in default_rows), net.n_inputs)
    raise DataError("No input rows given.", 'Add --rows "3,5;1,2" (numbers split by commas, rows by ;).')


def run(args) -> int:
    from nnstudio.core.forward import fmt, weighted_sum_text  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.handnet import PRESETS, STEP_GRADIENT_NOTE  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    if args.list_presets:
        if args.json:
            print(json.dumps([{"name": k, "title": p.title, "rows": p.rows} for k, p in PRESETS.items()],
                             indent=2))
        else:
            width = max(len(k) for k in PRESETS)
            for k, p in PRESETS.items():
                print(f"{k:<{width}}  {p.title}")
        return 0
    if not args.net:
        raise DataError("Name a network: a hand-set network .json file or a preset.",
                        "See `nnstudio forward --list-presets`.")
    if not 1 <= args.digits <= 17:
        raise DataError(f"--digits must be from 1 to 17 (got {args.digits}).")
    net, default_rows = load_net(args.net)
    X = _read_rows(args, net, default_rows)
    t = net.trace(X)
    names = net.inputs()
    d = args.digits

    if args.json:
        rows = []
        for r in range(len(X)):
            item = {"input": X[r].tolist(), "output": t.output[r].tolist()}
            if args.trace:
                item["layers"] = [{"layer": i + 1, "activation": lt.layer.activation,
                                   "inputs": lt.inputs[r].tolist(), "z": lt.z[r].tolist(),
                                   "a": lt.a[r].tolist()} for i, lt in enumerate(t.layers)]
            rows.append(item)
        out = {"network": net.name or str(args.net), "inputs": names, "rows": rows}
        if net.has_step:
            out["note"] = STEP_GRADIENT_NOTE
        print(json.dumps(out, indent=2))
        return 0

    def vec(v):
        return ", ".join(fmt(x, d) for x in v)

    for r in range(len(X)):
        if not args.trace:
            print(f"{vec(X[r])} -> {vec(t.output[r])}")
            continue
        print(f"row {r + 1}: " + ", ".join(f"{n} = {fmt(v, d)}" for n, v in zip(names, X[r])))
        for i, lt in enumerate(t.layers):
            last = i == len(t.layers) - 1
            print(f"  layer {i + 1}{' (output)' if last else ''}, {lt.layer.activation}:")
            for j in range(lt.z.shape[1]):
                print(f"    node {j + 1}: z = {weighted_sum_text(t, i, r, j, d)}   "
                      f"a = {lt.layer.activation}(z) = {fmt(lt.a[r, j], d)}")
        print(f"  output: {vec(t.output[r])}")
    if args.trace and net.has_step:
        print(f"note: {STEP_GRADIENT_NOTE}")
    return 0
