"""Generated 2-D data, as in TensorFlow Playground: a seeded :class:`Recipe` makes the same rows every time.

Shapes: ``circles`` (a disc inside a ring), ``xor`` (the four quadrants), ``gaussians`` (two blobs),
``spiral`` (two interleaved arms), ``moons`` (two half-moons) and ``plane`` (regression: a tilted
plane over x, y). Circles, moons and Gaussians are scikit-learn's ``make_circles``, ``make_moons``
and ``make_blobs``; XOR, the spiral and the plane are drawn here. Every shape has the columns
``x`` and ``y`` (about -1..1) and a target: ``label`` (0/1) or, for the plane, ``value``.

A project made from a recipe saves the recipe (a few numbers), not the rows: the same recipe gives
the same rows on every machine (a test holds it to that).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import pandas as pd

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.errors import DataError

SHAPES = ("circles", "xor", "gaussians", "spiral", "moons", "plane")
SHAPE_LABELS = {"circles": "Circles (disc in a ring)", "xor": "XOR (quadrants)",
                "gaussians": "Two Gaussians", "spiral": "Spiral (two arms)", "moons": "Two moons",
                "plane": "Plane (regression)"}
#: The target column of the classification shapes, and of the regression plane.
LABEL, VALUE = "label", "value"
#: A dataset made from a recipe has ``source = SOURCE_PREFIX + recipe as JSON``.
SOURCE_PREFIX = "generated:"

MAX_ROWS = 100_000
LIMITS = {"rows": (4, MAX_ROWS), "noise": (0.0, 2.0), "balance": (0.05, 0.95), "test": (0.0, 0.9)}


@dataclass(frozen=True)
class Recipe:
    """Everything that makes a generated data set: same recipe, same rows."""

    shape: str = "circles"
    rows: int = 400
    noise: float = 0.1  # sd of the Gaussian noise added to the points (the plane: to the value)
    balance: float = 0.5  # share of the rows in class 1 (ignored by the plane)
    test: float = 0.5  # share of the rows held out for testing (Playground's "ratio of training data")
    seed: int = 0

    @property
    def task_is_regression(self) -> bool:
        return self.shape == "plane"

    @property
    def target(self) -> str:
        return VALUE if self.task_is_regression else LABEL

    def check(self) -> Recipe:
        """This recipe, or a :class:`DataError` naming the value out of range and the range."""
        if self.shape not in SHAPES:
            raise DataError(f"There is no generated shape '{self.shape}'.",
                            f"Choose one of: {', '.join(SHAPES)}.")
        for key, (lo, hi) in LIMITS.items():
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) \
                    or not lo <= v <= hi:
                raise DataError(f"The generator's {key} must be a number from {lo:g} to {hi:g}, not {v!r}.",
                                f"Give a value between {lo:g} and {hi:g}.")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise DataError(f"The generator's seed must be a whole number of 0 or more, not {self.seed!r}.",
                            "Give a seed such as 0, 1 or 42.")
        if int(self.rows) != self.rows:
            raise DataError(f"The number of points must be whole, not {self.rows!r}.", "Give e.g. 400.")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Recipe:
        if not isinstance(d, dict):
            raise DataError("A data recipe must be an object such as {\"shape\": \"circles\", \"rows\": 400}.")
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise DataError(f"Unknown data recipe setting(s): {', '.join(sorted(unknown))}.",
                            f"Use some of: {', '.join(f.name for f in fields(cls))}.")
        r = cls(**d)
        if isinstance(r.rows, float) and r.rows.is_integer():
            r = replace(r, rows=int(r.rows))
        return r.check()

    def title(self) -> str:
        what = SHAPE_LABELS[self.shape].split(" (")[0]
        return f"{what}: {self.rows:,} points, noise {self.noise:g}, seed {self.seed}"

    def frame(self) -> pd.DataFrame:
        return generate(self)

    def dataset(self) -> Dataset:
        return Dataset(self.frame(), self.title(), source=SOURCE_PREFIX + json.dumps(self.to_dict()),
                       synthetic=True, note="Generated from a recipe (shape, points, noise, balance, seed).")


def recipe_of(dataset) -> Recipe | None:
    """The recipe a dataset was generated from, or None (a file, an example, drawn points)."""
    src = getattr(dataset, "source", None) or ""
    if not src.startswith(SOURCE_PREFIX):
        return None
    return Recipe.from_dict(json.loads(src[len(SOURCE_PREFIX):]))


def _counts(r: Recipe) -> tuple[int, int]:
    n1 = int(round(r.rows * r.balance))
    n1 = min(max(n1, 1), r.rows - 1)
    return r.rows - n1, n1


def _xor(r: Recipe, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n0, n1 = _counts(r)
    out, lab = [], []
    for cls, n in ((0, n0), (1, n1)):
        # class 1: x and y of opposite signs (exactly one positive), as make_xor in the examples
        pts = rng.uniform(0.05, 1.0, size=(n, 2))
        sx = rng.choice([-1.0, 1.0], n)
        sy = sx if cls == 0 else -sx
        out.append(pts * np.c_[sx, sy])
        lab.append(np.full(n, cls))
    return np.vstack(out), np.concatenate(lab)


def _spiral(r: Recipe, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    out, lab = [], []
    for cls, n in enumerate(_counts(r)):
        i = np.arange(n) / max(n, 1)
        rad = 0.05 + 0.95 * i
        t = 1.75 * 2 * np.pi * i + cls * np.pi
        out.append(np.c_[rad * np.sin(t), rad * np.cos(t)])
        lab.append(np.full(n, cls))
    return np.vstack(out), np.concatenate(lab)


def generate(recipe: Recipe) -> pd.DataFrame:
    """The rows of ``recipe`` (columns x, y and the target), shuffled, rounded to 4 decimals."""
    from sklearn import datasets as skd  # noqa: PLC0415 -- lazy: scikit-learn only when data is generated

    r = recipe.check()
    rng = np.random.default_rng(r.seed)
    sk_seed = int(rng.integers(2**31 - 1))
    if r.shape == "plane":
        xy = rng.uniform(-1.0, 1.0, size=(r.rows, 2))
        value = 0.8 * xy[:, 0] - 0.5 * xy[:, 1] + rng.normal(0.0, r.noise, r.rows)
        frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], VALUE: value}).round(4)
        return frame
    n0, n1 = _counts(r)
    if r.shape == "circles":  # sklearn: the outer circle first (label 0), the inner one (label 1)
        xy, lab = skd.make_circles(n_samples=(n0, n1), noise=None, factor=0.5, random_state=sk_seed)
    elif r.shape == "moons":
        xy, lab = skd.make_moons(n_samples=(n0, n1), noise=None, random_state=sk_seed)
        xy = (xy - (0.5, 0.25)) / 1.5  # centred, about -1..1
    elif r.shape == "gaussians":
        xy, lab = skd.make_blobs(n_samples=[n0, n1], centers=[(-0.5, -0.5), (0.5, 0.5)],
                                 cluster_std=0.2, random_state=sk_seed)
    elif r.shape == "xor":
        xy, lab = _xor(r, rng)
    else:
        xy, lab = _spiral(r, rng)
    # the same noise for every shape: Gaussian, sd = noise, on both coordinates
    xy = xy + rng.normal(0.0, r.noise, size=xy.shape)
    order = rng.permutation(len(xy))
    return pd.DataFrame({"x": xy[order, 0], "y": xy[order, 1],
                         LABEL: np.asarray(lab)[order].astype(int)}).round(4)


def export_csv(recipe: Recipe, path) -> int:
    """Write the recipe's rows as CSV; returns the number of rows."""
    frame = generate(recipe)
    try:
        frame.to_csv(path, index=False)
    except OSError as e:
        raise DataError(f"Cannot write '{path}': {e.strerror or e}.", "Choose a folder you can write to.") from None
    return len(frame)
