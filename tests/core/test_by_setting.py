"""The Runs tab's By-setting plot (core/experiments/by_setting.py): what varies among runs, and
each value's runs with their mean and spread."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.experiments import by_setting as bs
from nnstudio.core.experiments.record import RunRecord

SPEC_8 = {"hidden": [{"kind": "dense", "units": 8, "activation": "relu"}]}
SPEC_16 = {"hidden": [{"kind": "dense", "units": 16, "activation": "relu"}]}


def run(i, *, lr=0.001, seed=0, val_acc=0.5, knobs=None, spec=SPEC_8, params=33, batch=32, group=None):
    return RunRecord(id=f"r{i}", spec=spec, data={},
                     settings={"learning_rate": lr, "seed": seed, "batch_size": batch, "optimizer": "adam"},
                     final={"val": {"accuracy": val_acc, "loss": 1 - val_acc}, "train": {"accuracy": 0.9}},
                     knobs=knobs or {}, params=params, group=group)


def test_a_sweeps_knob_is_the_axis_and_each_value_gathers_its_seeds():
    runs = [run(i, lr=lr, seed=s, val_acc=acc, knobs={"lr": lr}, group=f"g{lr}")
            for i, (lr, s, acc) in enumerate([(0.1, 0, 0.60), (0.001, 0, 0.90), (0.01, 0, 0.80),
                                              (0.1, 1, 0.70), (0.001, 1, 0.94), (0.01, 1, 0.82)])]
    axes = bs.axes(runs)
    # the knob, once (not again as the learning-rate setting it sets); nothing else varies
    assert [a.key for a in axes] == ["knob:lr"]
    lr = axes[0]
    assert lr.label == "learning rate" and lr.numeric and lr.log  # 0.001 .. 0.1: two decades
    units = bs.axes([run(i, knobs={"units": u}) for i, u in enumerate((2, 4, 8, 16))])[0]
    assert units.log  # doublings evenly spaced; 33 .. 65 parameters (below) stay linear
    cols, left = bs.columns(runs, lr, lambda r: "val_accuracy")
    assert left == 0
    assert [c.value for c in cols] == [0.001, 0.01, 0.1]  # in order of the value, not of the runs
    assert cols[0].ys == [0.90, 0.94] and cols[0].mean == pytest.approx(0.92)
    assert cols[2].sd == pytest.approx(np.std([0.6, 0.7], ddof=1))
    best, close, undecided = bs.ranked(cols, "val_accuracy")
    assert best.value == 0.001
    # 0.90 / 0.94 against 0.80 / 0.82 (p = 0.07) and 0.60 / 0.70 (p = 0.08): two seeds each
    # cannot tell them apart (Welch's t-test), but the gaps are wider than the seeds' spread: not
    # "within seed noise" of the best (it said so of 0.65 beside 0.92), but undecided
    assert close == [] and [c.value for c in undecided] == [0.01, 0.1]
    tight = [bs.Column(1, "1", 1.0, [0.90, 0.901, 0.899]), bs.Column(2, "2", 2.0, [0.70, 0.701, 0.699]),
             bs.Column(3, "3", 3.0, [0.6])]
    assert bs.ranked(tight, "val_accuracy") == (tight[0], [], [])  # far apart; one run tells nothing
    loss_cols, _ = bs.columns(runs, lr, lambda r: "val_loss")
    assert bs.ranked(loss_cols, "val_loss")[0].value == 0.001


def test_runs_outside_a_sweep_vary_in_settings_network_and_size():
    runs = [run(0, spec=SPEC_8, params=33, batch=32, val_acc=0.8),
            run(1, spec=SPEC_16, params=65, batch=32, val_acc=0.85),
            run(2, spec=SPEC_16, params=65, batch=128, val_acc=0.83)]
    axes = {a.key: a for a in bs.axes(runs)}
    assert set(axes) == {"setting:batch_size", "network", "params"}  # the seed is never an axis
    net = axes["network"]
    assert not net.numeric and net.categories == ["8", "16"]
    cols, _ = bs.columns(runs, net, lambda r: "val_accuracy")
    assert [(c.label, c.x, len(c.ys)) for c in cols] == [("8", 0.0, 1), ("16", 1.0, 2)]
    assert axes["params"].numeric and not axes["params"].log  # 33 .. 65: a plain axis
    assert axes["setting:batch_size"].label == "batch size"


def test_a_run_without_the_figure_is_left_out_and_counted():
    runs = [run(0, lr=0.01, val_acc=0.8), run(1, lr=0.1, val_acc=0.7), run(2, lr=0.1)]
    runs[2].final = {"train": {"accuracy": 0.9}}  # trained without validation rows
    runs[1].final["val"]["accuracy"] = float("nan")
    axis = bs.axes(runs)[0]
    cols, left = bs.columns(runs, axis, lambda r: "val_accuracy")
    assert [c.value for c in cols] == [0.01] and left == 2
    assert bs.axes(runs[:1]) == [] and bs.ranked([], "val_accuracy") == (None, [], [])
