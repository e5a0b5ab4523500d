"""The linear baseline trains to convergence, in a bounded number of optimizer steps: 300 epochs of
a million rows were six million steps, and the Baselines tab waited for minutes."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from nnstudio.core import baselines as bl
from nnstudio.core.settings import TrainSettings


def _data(rows):
    return SimpleNamespace(X_train=np.zeros((rows, 1), np.float32))


def test_small_data_keep_their_300_epochs_and_big_data_get_100000_steps():
    s = TrainSettings(epochs=50, batch_size=32)
    assert bl.linear_epochs(_data(750), s) == 300  # XOR: 24 steps an epoch, 7,200 steps
    assert bl.linear_epochs(_data(640_000), TrainSettings(epochs=2)) == 5  # 20,000 steps an epoch
    assert bl.linear_epochs(_data(8_000), TrainSettings(epochs=5, batch_size=10)) == 125  # churn: 800 a epoch
    assert bl.linear_epochs(_data(640_000), TrainSettings(epochs=20, batch_size=32)) == 20  # never fewer than the net's
    assert bl.linear_epochs(_data(640_000), TrainSettings(epochs=2, batch_mode="full-batch")) == 300
    assert bl.linear_epochs(_data(0), s) == 300
