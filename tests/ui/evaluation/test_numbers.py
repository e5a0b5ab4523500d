"""How the Evaluation tab writes numbers: a house price reads as a price, not in e-notation."""
from __future__ import annotations

import math

import numpy as np

from nnstudio.ui.evaluation.widgets import fmt


def test_prices_and_errors_in_the_thousands_read_with_separators():
    assert fmt(416656.0) == "416,656"  # was 4.167e+05
    assert fmt(np.float32(-415625.3)) == "-415,625"
    assert fmt(387594.53) == "387,595"


def test_small_moderate_and_huge_numbers_keep_their_forms():
    assert fmt(0.98765) == "0.9877" and fmt(1031.2015) == "1031.2015"
    assert fmt(2.5e-5) == "2.5e-05"
    assert fmt(1.571e11) == "1.571e+11"  # a squared error in dollars: a separator run is no help
    assert fmt(0.0) == "0.0000" and fmt(None) == "—" and fmt(math.nan) == "—"
    assert fmt("yes") == "yes"


def test_a_repeats_summary_writes_a_regressions_mae_as_people_write_it():
    from nnstudio.ui.training.controller import RepeatSummary

    s = RepeatSummary("mae", [392926.3319, 401002.7], 396964.5, 5710.6)
    assert s.text() == "2 runs (seeds 0–1): test MAE 396,964 ± 5,711 (each: 392,926, 401,003)"
    acc = RepeatSummary("accuracy", [0.874, 0.875], 0.8745, 0.0007)
    assert acc.text() == "2 runs (seeds 0–1): test accuracy 0.875 ± 0.001 (each: 0.874, 0.875)"
