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
