"""A loaded table and where it came from."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Dataset:
    frame: pd.DataFrame
    name: str
    source: str | None = None  # a file path, or "example:NAME"
    synthetic: bool = False
    note: str = ""  # shown to the user (e.g. "synthetic data with the real schema")

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]
