"""Command line: ``nnstudio`` opens the GUI; subcommands run headless (no Qt is imported).

Errors a user can cause print one line on stderr and exit with status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import json
import os
import sys
from pathlib import Path

from nnstudio import __version__
from nnstudio.cli import generated
from nnstudio.core import suffixes
from nnstudio.core import tf as core_tf
from nnstudio.core.errors import NNStudioError

#: Subcommands: each is a module nnstudio/cli/<name>.py with ``add_parser(subparsers)`` that sets
#: ``func`` (returning the exit status). Listed here in the order `nnstudio --help` shows them.
COMMAND_MODULES = ("train", "evaluate", "predict", "export", "forward",
                   "sweep", "runs",  # experiments (issue 17)
                   "explain", "report",  # explain and decide (issue 20)
                   "challenge")  # the teacher's playground (issue 21)
SUBCOMMANDS = (*COMMAND_MODULES, "examples")


def _parser() -> argparse.ArgumentParser:

    p = argparse.ArgumentParser(prog="nnstudio", description="Design, train and understand neural "
                                "networks. With no command, opens the desktop app.")
    p.add_argument("--version", action="version", version=f"nnstudio {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"nnstudio.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"nnstudio.cli.{name}":
                raise
            continue
        module.add_parser(sub)
    ex = sub.add_parser("examples", help="list the built-in examples, or write generated data as CSV",
                        description="List the built-in examples and the generated shapes; with "
                                    "--generate SHAPE --out FILE.csv, write a generated data set.")
    ex.add_argument("--json", action="store_true", help="machine-readable output")
    ex.add_argument("--generate", metavar="SHAPE", choices=generated.SHAPES,
                    help="generate a data set: " + ", ".join(generated.SHAPES))
    ex.add_argument("--out", metavar="CSV", help="where --generate writes the rows (default: stdout)")
    ex.add_argument("--test", type=float, help=argparse.SUPPRESS)
    generated.add_arguments(ex)
    ex.set_defaults(func=_examples)
    return p


def _examples(args) -> int:

    from nnstudio.core.data.examples import EXAMPLES  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.data.generate import SHAPE_LABELS  # noqa: PLC0415 -- lazy: pandas, as above

    if args.generate:
        recipe = generated.recipe(args, args.generate)
        if args.out:
            from nnstudio.core.data.generate import export_csv  # noqa: PLC0415 -- lazy: pandas

            n = export_csv(recipe, args.out)
            print(f"Wrote {n:,} rows of {recipe.title()} to {args.out}.", file=sys.stderr)
        else:
            sys.stdout.write(recipe.frame().to_csv(index=False))
        return 0
    if any(getattr(args, o) is not None for o in (*generated.OPTIONS, "out")):
        raise NNStudioError("--rows, --noise, --balance, --data-seed and --out go with --generate SHAPE.",
                            f"Add e.g. --generate circles (shapes: {', '.join(generated.SHAPES)}).")
    if args.json:
        print(json.dumps([{"name": n, "title": e.title, "description": e.description,
                           "synthetic": e.synthetic} for n, e in EXAMPLES.items()]
                         + [{"name": s, "title": t, "generated": True} for s, t in SHAPE_LABELS.items()],
                         indent=2))
    else:
        width = max(len(n) for n in EXAMPLES)
        for n, e in EXAMPLES.items():
            print(f"{n:<{width}}  {e.title}")
        print("\nGenerated shapes (nnstudio train SHAPE --rows 400 --noise 0.1 ...; "
              "nnstudio examples --generate SHAPE --out data.csv):")
        for s, t in SHAPE_LABELS.items():
            print(f"{s:<{width}}  {t}")
    return 0


#: Words on the command line that name a file the GUI opens (data tables and projects); a word
#: that is neither an existing path nor ends like this is a mistyped command, not a file.
FILE_SUFFIXES = (*suffixes.DATA, suffixes.PROJECT)


def looks_like_file(word: str) -> bool:
    return Path(word).exists() or word.lower().endswith(FILE_SUFFIXES) or "/" in word or "\\" in word


def unknown_command(word: str) -> str:
    """The one-line message for a word that is neither a command nor a file."""
    close = difflib.get_close_matches(word.lower(), SUBCOMMANDS, n=1, cutoff=0.5)
    hint = f" — did you mean '{close[0]}'?" if close else "."
    return (f"nnstudio: error: unknown command '{word}'{hint} Commands: {', '.join(SUBCOMMANDS)}; "
            f"or give a data or project file to open it in the app (no such file: '{word}').")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in SUBCOMMANDS and not argv[0].startswith("-") \
            and not looks_like_file(argv[0]):
        print(unknown_command(argv[0]), file=sys.stderr)
        return 2
    if not argv or (argv[0] not in SUBCOMMANDS and not argv[0].startswith("-")):
        # no command: the GUI, optionally opening files given on the command line
        from nnstudio.ui.app import run_gui  # noqa: PLC0415 -- lazy: Qt, only when the GUI opens

        return run_gui(argv)
    # headless: TensorFlow may take every core (the GUI keeps one free for itself)
    core_tf.use_every_core()
    parser = _parser()
    args = parser.parse_args(argv)  # argparse exits 2 with a one-line usage error
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except NNStudioError as e:
        # one line even when the message quotes data holding line breaks (a quoted column name)
        text = e.user_text().replace("\r", "\\r").replace("\n", "\\n")
        print(f"nnstudio: error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnstudio: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: one line, not a traceback (NNSTUDIO_DEBUG=1 shows it)

        if os.environ.get("NNSTUDIO_DEBUG"):
            raise
        first = (str(e).splitlines() or [""])[0][:300]
        print(f"nnstudio: internal error: {type(e).__name__}: {first} — this is a bug in nnstudio; "
              f"run again with NNSTUDIO_DEBUG=1 for the details and please report it.", file=sys.stderr)
        return 1
