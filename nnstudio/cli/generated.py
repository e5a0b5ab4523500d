"""Generated data and engineered inputs on the command line (issue 21): the options ``nnstudio
train`` and ``nnstudio examples`` share.

``nnstudio train circles --noise 0.3 --rows 500 --features "x,y,x^2,y^2,x*y,sin(x)"`` trains on a
generated data set (core.data.generate) with engineered inputs (core.data.features).
"""
from __future__ import annotations

from dataclasses import replace

from nnstudio.core.errors import DataError

#: Names of the generated shapes (kept here so that `--help` needs no pandas; a test holds them equal).
SHAPES = ("circles", "xor", "gaussians", "spiral", "moons", "plane")
OPTIONS = ("rows", "noise", "balance", "data_seed")


def add_arguments(p) -> None:
    g = p.add_argument_group(
        "generated data (SOURCE a shape: " + ", ".join(SHAPES) + ")",
        "A shape as SOURCE generates its data from a seeded recipe, as in TensorFlow Playground "
        "(circles, xor and spiral are also examples: giving any of these options generates their "
        "data instead, keeping the example's network). --test sets the share held out for testing.")
    g.add_argument("--rows", type=int, help="number of points (default 400)")
    g.add_argument("--noise", type=float, help="sd of the noise added to the points, 0..2 (default 0.1)")
    g.add_argument("--balance", type=float, help="share of the points in class 1, 0.05..0.95 (default 0.5)")
    g.add_argument("--data-seed", type=int, help="seed of the generator (default 0)")


def wants_generated(args, examples) -> bool:
    src = args.source.lower()
    given = [o for o in OPTIONS if getattr(args, o, None) is not None]
    if given and src not in SHAPES:
        flag = "--" + given[0].replace("_", "-")
        raise DataError(f"{flag} is an option of generated data, and '{args.source}' is not a "
                        f"generated shape.", f"Give a shape as SOURCE: {', '.join(SHAPES)}.")
    return src in SHAPES and (bool(given) or src not in examples)


def recipe(args, shape: str):
    from nnstudio.core.data.generate import Recipe  # noqa: PLC0415 -- lazy: pandas, paid by the command that runs

    values = {"shape": shape, "rows": args.rows, "noise": args.noise, "balance": args.balance,
              "seed": args.data_seed, "test": getattr(args, "test", None)}
    return replace(Recipe(), **{k: v for k, v in values.items() if v is not None}).check()


def apply_features(project, text: str) -> None:
    """``--features``: raw columns and engineered formulas (x, y, x^2, x*y, sin(x), ...)."""
    from nnstudio.core.data import features  # noqa: PLC0415 -- lazy: NumPy, paid by the command that runs
    from nnstudio.core.data.roles import Roles  # noqa: PLC0415 -- lazy: pandas, paid by the command that runs

    entries = [f.strip() for f in text.split(",") if f.strip()]
    columns = [c for c in project.dataset.columns if c != project.roles.target]
    raw, derived = features.split_features(entries, columns)
    project.roles = Roles(project.roles.target, raw,
                          {c: "not chosen" for c in project.dataset.columns
                           if c not in raw and c != project.roles.target})
    project.preprocess = replace(project.preprocess, engineered=derived)
