"""JSON-safe values: NumPy scalars as Python numbers, non-finite floats as null, containers deep.

The one place that turns what the engines compute into what JSON can hold (project files, run records,
export metadata, `--json` output); there used to be nine private copies that disagreed on NaN.
"""

from __future__ import annotations

import math
from dataclasses import asdict, is_dataclass
from enum import Enum

import numpy as np


def python_scalar(x):
    """A NumPy scalar as the Python number it holds; anything else unchanged (NaN stays NaN)."""
    return x.item() if isinstance(x, np.generic) else x


def scalar(x):
    """A JSON-safe scalar: NumPy scalars to Python, NaN and infinities to None."""
    x = python_scalar(x)
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def jsonable(x):
    """A JSON-safe deep copy: dataclasses and dicts (string keys), lists/tuples/arrays, enums by value;
    scalars as in `scalar`; any other object as its text."""
    if is_dataclass(x) and not isinstance(x, type):
        return jsonable(asdict(x))
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        floats = _floats(x)
        return floats if floats is not None else [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, Enum):
        return jsonable(x.value)
    x = scalar(x)
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return str(x)


def _floats(x: list | tuple) -> list | None:
    """``[jsonable(v) for v in x]`` for a list of floats (a run's curve), in one NumPy pass; None
    for any other list. A project's runs hold hundreds of thousands of them, and the autosave
    made them JSON-safe one call each on the GUI thread (0.5 s for 100 runs of 1,000 epochs)."""
    if not x or not all(isinstance(v, (float, np.floating)) for v in x):
        return None
    a = np.asarray(x, dtype=np.float64)
    out = a.tolist()
    if not np.isfinite(a).all():
        out = [v if math.isfinite(v) else None for v in out]
    return out
