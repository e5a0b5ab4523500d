"""A loss chosen by hand is checked against the task before training: a clear message, not
TensorFlow's shape error from the worker (or a loss that trains on the wrong shape in silence)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare
from nnstudio.core.data.examples import make_xor
from nnstudio.core.errors import SettingsError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.training import population
from nnstudio.core.training.engine import Trainer, train_repeated
from nnstudio.core.training.settings import TrainSettings

FITS = {
    "auto": {Task.BINARY, Task.MULTICLASS, Task.REGRESSION},
    "binary_crossentropy": {Task.BINARY},
    "sparse_categorical_crossentropy": {Task.MULTICLASS},
    "categorical_crossentropy": {Task.MULTICLASS},  # the old name, read from old projects
    "mse": {Task.BINARY, Task.REGRESSION},  # a squared error on a sigmoid: a classic, and fits
    "mae": {Task.BINARY, Task.REGRESSION},
    "huber": {Task.BINARY, Task.REGRESSION},
}


@pytest.mark.parametrize("loss", sorted(FITS))
@pytest.mark.parametrize("task", list(Task))
def test_each_loss_is_accepted_for_the_tasks_it_can_train(loss, task):
    s = TrainSettings(loss=loss)
    if task in FITS[loss]:
        s.check_loss_fits(task)
        return
    with pytest.raises(SettingsError) as err:
        s.check_loss_fits(task)
    text = err.value.user_text()
    assert "cannot train this target" in text and "from the task" in text
    assert TrainSettings().loss_for(task) in ("binary_crossentropy",
                                                 "sparse_categorical_crossentropy", "mse")


@pytest.fixture(scope="module")
def xor(tf_loaded):
    return prepare(Dataset(make_xor(n=120, seed=1), "xor"), Roles("class id", ["x", "y"]),
                   PreprocessConfig(), SplitConfig(test=0.2, val=0.2, seed=42))


@pytest.fixture(scope="module")
def blobs(tf_loaded):
    rng = np.random.default_rng(4)
    lab = np.repeat([0, 1, 2], 30)
    x = np.array([[0, 0], [4, 0], [0, 4]])[lab] + rng.normal(0, 0.8, size=(90, 2))
    frame = pd.DataFrame({"x": x[:, 0], "y": x[:, 1], "k": [f"c{i}" for i in lab]})
    return prepare(Dataset(frame, "blobs"), Roles("k", ["x", "y"]), PreprocessConfig(),
                   SplitConfig(test=0.2, val=0.2, seed=1))


def test_a_run_and_a_repeat_with_a_loss_that_does_not_fit_say_so(xor, blobs):
    """The crashes a random-actions QA run found: the categorical loss on XOR's one sigmoid unit
    ("label value of 1 outside [0, 1)") and Huber on three softmax units (a shape error)."""
    spec = NetworkSpec([LayerSpec.dense(4, "relu")])
    for data, loss in ((xor, "sparse_categorical_crossentropy"), (blobs, "huber"),
                       (blobs, "binary_crossentropy")):
        s = TrainSettings(loss=loss, epochs=2)
        with pytest.raises(SettingsError, match="cannot train this target"):
            Trainer(data, spec, s, plain_first_run=True).run()
        assert population.supports(data, spec, s, 3) is None  # the seeds would train together
        with pytest.raises(SettingsError, match="cannot train this target"):
            train_repeated(data, spec, s, 3)
    ok = Trainer(xor, spec, TrainSettings(loss="mse", epochs=2), plain_first_run=True).run()
    assert ok.status == "completed"
