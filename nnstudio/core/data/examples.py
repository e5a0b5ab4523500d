"""Built-in examples: each one loads data *and* its network and settings (../shared/WORKLOADS.md).

All data is generated here with a fixed seed, so nothing is downloaded and every run of the app
sees the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.preprocess import PreprocessConfig, SplitConfig
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.training.settings import TrainSettings


@dataclass
class Example:
    name: str
    title: str
    description: str
    make: Callable[[], pd.DataFrame]
    target: str
    spec: NetworkSpec
    settings: TrainSettings
    features: list[str] | None = None  # None: proposed by role inference
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    synthetic: bool = True
    note: str = ""

    def dataset(self) -> Dataset:
        return Dataset(self.make(), self.title, source=f"example:{self.name}",
                       synthetic=self.synthetic, note=self.note)


def make_xor(n: int = 1000, noise: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """Points in the square [-1, 1]^2; class 1 where exactly one coordinate is positive (XOR)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-1.0, 1.0, size=(n, 2))
    cls = ((xy[:, 0] > 0) ^ (xy[:, 1] > 0)).astype(int)
    xy = xy + rng.normal(0.0, noise, size=xy.shape)
    return pd.DataFrame({"x": xy[:, 0].round(4), "y": xy[:, 1].round(4), "class id": cls})


EXAMPLES: dict[str, Example] = {}


def register(example: Example) -> Example:
    EXAMPLES[example.name] = example
    return example


register(Example(
    name="xor",
    title="XOR (deep net with dropout)",
    description="1000 points in a square; the class is the XOR of the signs of x and y. A single "
                "straight line cannot separate the classes; a net with hidden layers bends the "
                "boundary and solves it. Workload W1.",
    make=make_xor,
    target="class id",
    features=["x", "y"],
    spec=NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.001, epochs=100, batch_size=32),
    split=SplitConfig(test=0.25, val=0.2, seed=42),
))


def get_example(name: str) -> Example:
    key = name.strip().lower()
    if key not in EXAMPLES:
        raise DataError(f"There is no example called '{name}'.",
                        f"Examples: {', '.join(EXAMPLES)} (see `nnstudio examples`).")
    return EXAMPLES[key]
