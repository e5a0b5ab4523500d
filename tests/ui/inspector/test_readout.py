"""The inspector banner's verdict on NumPy beside Keras: float32 rounding grows with the output."""
from __future__ import annotations

import numpy as np

from nnstudio.ui.inspector.readout import outputs_agree


def test_a_large_regression_output_agrees_within_float32_rounding():
    # seen on a house-price file: 1031.2015 (NumPy) and 1031.2017 (Keras) were flagged in red
    diff, ok = outputs_agree(np.float32([1031.2015]), np.float32([1031.2017]))
    assert 1e-4 < diff < 3e-4 and ok


def test_outputs_that_differ_beyond_rounding_are_flagged():
    assert not outputs_agree(np.float32([1031.2]), np.float32([1031.3]))[1]
    assert not outputs_agree(np.float32([0.51, 0.49]), np.float32([0.5, 0.5]))[1]
    assert outputs_agree(np.float32([0.51, 0.49]), np.float32([0.51, 0.49 + 3e-6]))[1]
    assert not outputs_agree(np.float32([0.51]), np.float32([0.51 + 3e-5]))[1]
