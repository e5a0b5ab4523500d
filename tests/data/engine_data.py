"""Small prepared datasets the engine tests share (XOR, a regression, three blobs)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare
from nnstudio.core.data.examples import make_xor


def small_xor(n: int = 300):
    """XOR points, 60:20:20 train/validation/test."""
    return prepare(Dataset(make_xor(n=n, seed=1), "xor"), Roles("class id", ["x", "y"]),
                   PreprocessConfig(), SplitConfig(test=0.2, val=0.2, seed=42))


def small_regression(n: int = 240):
    """A smooth target of three inputs with a little noise."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 3))
    target = 3 * x[:, 0] - 2 * x[:, 1] + 0.5 * x[:, 2] ** 2 + rng.normal(0, 0.1, n)
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "t": target})
    return prepare(Dataset(frame, "reg"), Roles("t", ["a", "b", "c"]), PreprocessConfig(),
                   SplitConfig(test=0.2, val=0.2, seed=42))


def three_blobs(spread: float = 0.8):
    """Three classes of 60 points around (0, 0), (4, 0) and (0, 4)."""
    rng = np.random.default_rng(4)
    centres = np.array([[0, 0], [4, 0], [0, 4]])
    lab = np.repeat([0, 1, 2], 60)
    x = centres[lab] + rng.normal(0, spread, size=(180, 2))
    frame = pd.DataFrame({"x": x[:, 0], "y": x[:, 1], "k": [f"c{i}" for i in lab]})
    return prepare(Dataset(frame, "blobs"), Roles("k", ["x", "y"]), PreprocessConfig(),
                   SplitConfig(test=0.2, val=0.2, seed=42))
