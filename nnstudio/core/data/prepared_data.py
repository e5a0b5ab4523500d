"""The prepared data: encoded arrays per split, the rows left out and why, in plain words."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.data.fitted_preprocessor import FittedPreprocessor
from nnstudio.core.data.profile import fmt_number
from nnstudio.core.model.spec import Task
from nnstudio.core.numbers import inputs_text


def output_start(task: Task, mean: float, sd: float) -> tuple[float, float] | None:
    """Where a regression's output layer starts (``build_model``'s ``output_start``): its bias at
    the training rows' mean target, its drawn kernel times the target's spread (sd, from 1 up) —
    where a standardized target would put it. None for classification (Keras' own start)."""
    if task is not Task.REGRESSION or not np.isfinite(mean):
        return None
    return float(mean), max(float(sd), 1.0) if np.isfinite(sd) else 1.0


def target_start(task: Task, y) -> tuple[float, float] | None:
    """:func:`output_start` from the training rows' targets ``y``."""
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    y = y[np.isfinite(y)]
    return output_start(task, float(y.mean()), float(y.std())) if len(y) else None


#: Leaving out more than this share of the file's rows is a warning before training.
LOSS_WARN_SHARE = 0.10


def row_groups(values: pd.Series) -> np.ndarray:
    """Each row's group as an integer code of its value (0, 1, … in order of first appearance); a
    row without a value is a group of its own."""
    codes = pd.factorize(values)[0]
    alone = codes < 0
    codes[alone] = codes.max(initial=-1) + 1 + np.arange(int(alone.sum()))
    return codes


@dataclass
class PreparedData:
    """Everything the engines need: encoded arrays per split, and how they were made."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    preprocessor: FittedPreprocessor
    raw_train: pd.DataFrame
    raw_val: pd.DataFrame
    raw_test: pd.DataFrame
    dropped_rows: int = 0  # all rows left out, for any of the reasons below
    dropped_missing_target: int = 0  # rows whose target is missing
    dropped_missing: int = 0  # rows with a missing value in a column whose strategy is "drop"
    dropped_unseen: int = 0  # validation/test rows with a category never seen in training
    n_total: int = 0  # rows in the table before anything was left out
    #: "drop" columns -> rows left out with a missing value in it (a row may count in several)
    dropped_by_column: dict[str, int] = field(default_factory=dict)
    missing_note: str = ""  # what "automatic" missing values did, in plain words
    auto_dropped: bool = False  # the rows dropped for missing values were dropped by "automatic"
    #: how the held-out rows were chosen: "random", "last" (the file's last rows) or "group"
    split_order: str = "random"
    #: the column whose whole groups were held out ("" when rows were): a group's rows are alike, so
    #: a score on held-out rows is judged by their groups too (core/guessing.py, core/baselines.py)
    group_column: str = ""
    #: each split's rows by their place in the table (0-based; the Data tab's Rows view numbers
    #: them from 1): ``{"train": positions, "val": …, "test": …}``; empty when not known
    positions: dict[str, np.ndarray] = field(default_factory=dict, compare=False)
    #: what was worked out once from these arrays (core/data/checks.py), by what it depended on
    memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def held_out(self) -> str:
        """How the held-out rows were chosen, in words, when not at random ("whole groups of id")."""
        if self.split_order == "group" and self.group_column:
            return f"whole groups of {self.group_column}"
        return "the last rows held out" if self.split_order == "last" else ""

    def held_groups(self, split: str) -> tuple[np.ndarray, str] | None:
        """Each row's group on ``split`` ("train", "val" or "test"; integer codes) and the column
        that names them, when whole groups were held out and the split's rows hold fewer groups
        than rows; None otherwise (rows held out one by one count as themselves)."""
        raw = {"train": self.raw_train, "val": self.raw_val, "test": self.raw_test}[split]
        if not self.group_column or self.group_column not in raw.columns:
            return None
        groups = row_groups(raw[self.group_column])
        return (groups, self.group_column) if len(np.unique(groups)) < len(groups) else None

    @property
    def task(self) -> Task:
        return self.preprocessor.task

    @property
    def n_inputs(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        return self.preprocessor.n_classes

    @property
    def output_start(self) -> tuple[float, float] | None:
        """Where the output layer starts, (bias, kernel scale): for a regression, the training
        rows' mean target and its sd, so predictions start at the mean (R² near 0), not at 0
        (auto-mpg, mean 30: R² -3 after 50 epochs, 0.75 from the mean), and the network learns
        the spread as it would a standardized target (house prices in dollars, sd 83,000: R²
        0.00 from the mean alone, 0.85 with the kernel scaled). None for classification."""
        return target_start(self.task, self.y_train)

    def summary(self) -> str:
        held = f" ({self.held_out})" if self.held_out else ""
        return (f"{len(self.X_train):,} training, {len(self.X_val):,} validation, "
                f"{len(self.X_test):,} test rows{held}; {inputs_text(self.n_inputs)} after encoding")

    def _columns_text(self, limit: int = 3) -> str:
        top = sorted(self.dropped_by_column.items(), key=lambda kv: -kv[1])
        text = ", ".join(f"'{c}' ({n:,})" for c, n in top[:limit])
        return text + (f" and {len(top) - limit} more" if len(top) > limit else "")

    def dropped_text(self) -> list[str]:
        def rows(n: int, kind: str = "") -> tuple[str, str]:  # "1 row … was", not "1 rows … were"
            return f"{n:,} {kind}row{'' if n == 1 else 's'}", "was" if n == 1 else "were"
        out = []
        if self.dropped_missing_target:
            n, was = rows(self.dropped_missing_target)
            out.append(f"{n} without a target value {was} left out.")
        if self.dropped_missing:
            how = "automatic, as they were few" if self.auto_dropped else "'drop the row'"
            where = f"; missing in {self._columns_text()}" if self.dropped_by_column else ""
            n, was = rows(self.dropped_missing)
            out.append(f"{n} with a missing value {was} dropped "
                       f"(missing-value strategy {how}{where}).")
        if self.dropped_unseen:
            n, was = rows(self.dropped_unseen, "validation/test ")
            out.append(f"{n} {was} left out: {'it holds' if was == 'was' else 'they hold'} a "
                       f"category that never occurs in the training split.")
        return out

    def rows(self) -> dict:
        """Rows per split and rows left out, by reason (``nnstudio train --json`` prints it)."""
        return {"train": int(len(self.X_train)), "validation": int(len(self.X_val)),
                "test": int(len(self.X_test)), "dropped": int(self.dropped_rows),
                "dropped_reasons": {"missing_target": int(self.dropped_missing_target),
                                    "missing_values": int(self.dropped_missing),
                                    "unseen_category": int(self.dropped_unseen)}}

    @property
    def dropped_share(self) -> float:
        return self.dropped_rows / self.n_total if self.n_total else 0.0

    def warnings(self) -> list[str]:
        """Plain-words warnings about the rows: a large share left out (above LOSS_WARN_SHARE)."""
        if self.dropped_share <= LOSS_WARN_SHARE:
            return []
        why = []
        if self.dropped_missing:
            how = "" if self.auto_dropped else " (missing-value strategy 'drop the row')"
            where = f", missing in {self._columns_text()}" if self.dropped_by_column else ""
            why.append(f"{self.dropped_missing:,} with a missing value{how}{where}")
        if self.dropped_missing_target:
            why.append(f"{self.dropped_missing_target:,} without a target value")
        if self.dropped_unseen:
            why.append(f"{self.dropped_unseen:,} validation/test rows with a category not seen in training")
        fix = []
        if self.dropped_missing:
            fix.append("fill missing values instead (missing values: automatic or median) or ignore "
                       "the columns they are in")
        if self.dropped_missing_target:
            fix.append("rows without a target cannot be used")
        left = len(self.X_train) + len(self.X_val) + len(self.X_test)
        return [f"{self.dropped_rows:,} of {self.n_total:,} rows ({self.dropped_share:.0%}) are left out: "
                f"{'; '.join(why)}. The network learns from {len(self.X_train):,} rows and is tested "
                f"on {len(self.X_test):,} (of {left:,} used)."
                + (f" To keep them: {'; '.join(fix)}." if fix else "")]

    def describe(self) -> list[str]:
        """Everything done to the data, in plain words: the split, dropped rows, every column."""
        head = [self.summary() + ".", *self.dropped_text()]
        if self.missing_note:
            head.append(self.missing_note)
        lines = [*head, *self.preprocessor.describe()]
        start = self.output_start
        if start is not None:  # the target's line, last: where the network's output starts
            lines[-1] += f"; the network's output starts at its training mean ({fmt_number(start[0])})"
            if start[1] > 1:
                lines[-1] += f", its weights scaled to its spread (sd {fmt_number(start[1])})"
        return lines
