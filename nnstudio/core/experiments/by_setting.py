"""Runs' final figures against what differs between them: the Runs tab's *By setting* plot.

A sweep over learning rates, a Repeat of three network sizes: the question is which setting ends
best, and by how much against the seeds' spread. TensorBoard answers it with its HParams scatter,
Sony's Neural Network Console with a trade-off graph (error against the network's size); here
:func:`axes` finds what varies among the selected runs (a sweep's knobs, a training setting, the
network, its parameter count) and :func:`columns` gathers each value's runs with their mean and
standard deviation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nnstudio.core.experiments import stats
from nnstudio.core.experiments.diff import SETTING_WORDS, varying_settings
from nnstudio.core.experiments.groups import network_text
from nnstudio.core.experiments.record import RunRecord

#: A sweep knob's name in words, and the training setting it sets (offered once, as the knob).
KNOB_WORDS = {"lr": "learning rate", "batch_size": "batch size", "batch_mode": "batch mode",
              "l2": "L2", "units": "units", "layers": "hidden layers"}
KNOB_SETTING = {"lr": "learning_rate", "batch_size": "batch_size", "batch_mode": "batch_mode",
                "optimizer": "optimizer", "epochs": "epochs"}
#: A number axis spanning this ratio or more is drawn on a log scale: doublings (units 2, 4, 8,
#: 16; batch sizes 16..128) and decades (learning rates) evenly spaced.
LOG_SPAN = 8
#: Settings that say nothing about a run's figures, or that every run of a group differs in.
NOT_AXES = ("seed", "jit_compile")


@dataclass
class Axis:
    key: str  # "knob:lr", "setting:batch_size", "params", "network"
    label: str  # in words: "learning rate", "parameters"
    values: list  # one per run (None: the run does not say)
    numeric: bool
    log: bool = False  # numbers spanning 8x or more, all above 0 (units 2..16, lr 0.001..0.1)

    @property
    def categories(self) -> list[str]:
        """The distinct values in the order the runs first have them (a text axis)."""
        return list(dict.fromkeys(_text(v) for v in self.values if v is not None))


@dataclass
class Column:
    """The runs that share one value of the axis."""

    value: object
    label: str
    x: float  # where it is drawn (the value, or its category's index)
    ys: list[float] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)  # each figure's run, by its label

    @property
    def mean(self) -> float:
        return float(np.mean(self.ys))

    @property
    def sd(self) -> float:
        """The sample standard deviation of the runs (0 for one run)."""
        return float(np.std(self.ys, ddof=1)) if len(self.ys) > 1 else 0.0


def _text(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if v == "":
        return "(none)"
    return str(v)


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _axis(key: str, label: str, values: list) -> Axis | None:
    known = [v for v in values if v is not None]
    if len({_text(v) for v in known}) < 2:
        return None
    numeric = all(_is_number(v) for v in known)
    log = numeric and min(known) > 0 and max(known) / min(known) >= LOG_SPAN
    return Axis(key, label, values, numeric, log)


def axes(runs: list[RunRecord]) -> list[Axis]:
    """What varies among ``runs``, each with its value for every run: a sweep's knobs first, then
    the other training settings that differ, the network and its parameter count."""
    out: list[Axis] = []
    knobs = list(dict.fromkeys(k for r in runs for k in (r.knobs or {})))
    covered = set()
    for k in knobs:
        values = [(r.knobs or {}).get(k, r.setting(KNOB_SETTING.get(k, ""))) for r in runs]
        a = _axis(f"knob:{k}", KNOB_WORDS.get(k, k), values)
        if a is not None:
            out.append(a)
            covered.add(KNOB_SETTING.get(k))
    for k in varying_settings(runs):
        if k in NOT_AXES or k in covered:
            continue
        a = _axis(f"setting:{k}", SETTING_WORDS.get(k, k.replace("_", " ")),
                  [r.setting(k) for r in runs])
        if a is not None:
            out.append(a)
    if not {"layers", "units", "dropout"} & set(knobs):  # those knobs are the network's changes
        a = _axis("network", "network", [network_text(r) for r in runs])
        if a is not None:
            out.append(a)
    a = _axis("params", "parameters", [int(r.params) if r.params else None for r in runs])
    if a is not None:
        out.append(a)
    return out


def columns(runs: list[RunRecord], axis: Axis, metric_key) -> tuple[list[Column], int]:
    """The runs gathered by their value on ``axis`` (numbers in order, text in the order first
    seen), each with its runs' final ``metric_key(run)`` figure (``val_accuracy``, ``loss``, ...:
    :meth:`RunRecord.metric`); and how many runs were left out (no value or no figure)."""
    by: dict[str, Column] = {}
    cats = axis.categories
    left = 0
    for r, v in zip(runs, axis.values):
        y = r.metric(metric_key(r))
        if v is None or y is None or not math.isfinite(y):
            left += 1
            continue
        t = _text(v)
        if t not in by:
            by[t] = Column(v, t, float(v) if axis.numeric else float(cats.index(t)))
        by[t].ys.append(float(y))
        by[t].runs.append(r.label())
    cols = sorted(by.values(), key=lambda c: c.x)
    return cols, left


def ranked(cols: list[Column], metric: str) -> tuple[Column | None, list[Column], list[Column]]:
    """The column with the best mean ``metric`` (``val_accuracy``, ``val_loss``, ...: which way is
    better comes from its name), the others close to it (within seed noise and no farther off
    than the seeds' spread: :attr:`stats.Verdict.close`) and those the seeds cannot place (the
    test cannot call the gap real, but it is larger than the spread: more seeds would tell), as a
    sweep ranks its configurations (:func:`stats.rank`, Welch's t-test); a column of one run is
    never "within noise" (that cannot be told)."""
    rk = stats.rank([c.ys for c in cols], [0] * len(cols), metric)
    if rk.best is None:
        return None, [], []
    return (cols[rk.best], *rk.close_and_undecided(cols))
