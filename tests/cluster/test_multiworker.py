"""Several machines, one model (issue 22), on one machine: worker processes on localhost ports under
tf.distribute.MultiWorkerMirroredStrategy, started by `nnstudio train --distribute multi-worker`."""
from __future__ import annotations

import signal
import time
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.core.training import multiworker

pytestmark = pytest.mark.cluster

# 600 training rows in global batches of 32: every batch (the last holds 24) splits evenly in two
ARGS = ["xor", "--optimizer", "sgd", "--lr", "0.2", "--batch-size", "32", "--seed", "4",
        "--no-shuffle"]


def test_two_workers_train_to_the_weights_of_one(tmp_path, workers, tf_loaded):
    procs = workers.start([*ARGS, "--epochs", "3", "--export", "model.keras", "--save", "xor",
                           "--backup-dir", str(tmp_path / "backup")], 2, tmp_path)
    # meanwhile, one worker of the same global batch, in this process
    from nnstudio.core.project import Project
    from nnstudio.core.training import distributed

    tf = tf_loaded.tensorflow()
    keras = tf_loaded.keras()
    project = Project.from_example("xor")
    settings = replace(project.settings, optimizer="sgd", learning_rate=0.2, batch_size=32,
                       batch_mode="mini-batch", epochs=3, seed=4)
    data = project.prepare()
    one = multiworker.train_multiworker(
        data, project.spec, settings,
        distributed.make_strategy([tf.config.list_logical_devices("CPU")[0].name]), shuffle=False)
    chief, other = workers.results(procs)
    assert (chief["chief"], other["chief"]) == (True, False)
    assert chief["workers"] == other["workers"] == 2 and chief["replicas"] == 2
    assert chief["path"] == "multi-worker" and chief["epochs_run"] == 3
    assert chief["resumed_from_epoch"] == 0
    # every worker holds the same model, and it is the one-worker model
    assert chief["loss"] == pytest.approx(other["loss"], rel=1e-6)
    assert chief["loss"] == pytest.approx(one.history["loss"][-1], rel=1e-4)
    assert chief["steps"] == one.steps == 3 * 19
    trained = keras.models.load_model(tmp_path / "model.keras", compile=False)
    for a, b in zip(trained.get_weights(), one.model.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # only the chief writes: the project and the export once, and the backup is gone when done
    assert chief["saved"] and (tmp_path / "xor.nnstudio").is_file()
    assert other["saved"] is None and other["exported"] == []
    assert not (tmp_path / "backup").exists()


def test_a_killed_worker_restarts_from_the_backup(tmp_path, workers):
    backup = tmp_path / "backup"
    args = [*ARGS, "--epochs", "20", "--backup-dir", str(backup)]
    chief, other = workers.start(args, 2, tmp_path)
    # wait for the chief's backup of a few epochs, then kill worker 1 mid-run
    deadline = time.monotonic() + 600
    while multiworker.backed_up_epoch(backup) < 2:
        assert chief.poll() is None and other.poll() is None, chief.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "no backup was written"
        time.sleep(0.05)
    other.send_signal(signal.SIGKILL)
    other.wait()
    # the chief cannot go on without it: as a cluster manager would, stop it and start both again
    chief.kill()
    chief.wait()
    saved = multiworker.backed_up_epoch(backup)
    assert 2 <= saved < 20
    results = workers.results(workers.start(args, 2, tmp_path))
    for r in results:
        assert r["resumed_from_epoch"] == saved  # not from epoch 0
        assert r["epochs_run"] == 20 and r["status"] == "completed"
    # the optimizer's step count came back with the backup: all 20 epochs of 19 steps
    assert results[0]["steps"] == 20 * 19
    assert not backup.exists()


def test_two_workers_stream_their_shares_of_a_csv(tmp_path, workers):
    import pandas as pd

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 3))
    table = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=(X[:, 0] + X[:, 1] > 0).astype(int))
    table.to_csv(tmp_path / "table.csv", index=False)
    chief, other = workers.results(workers.start(
        ["table.csv", "--target", "y", "--stream", "--chunk-rows", "300", "--epochs", "2",
         "--batch-size", "64", "--lr", "0.01", "--backup-dir", "backup", "--save", "table"], 2, tmp_path))
    for r in (chief, other):  # each read a range of the rows; together, one model
        assert r["path"] == "csv-stream-multi-worker" and r["status"] == "completed"
        assert r["workers"] == 2 and r["epochs_run"] == 2
    assert chief["loss"] == pytest.approx(other["loss"], rel=1e-6)
    assert chief["test_accuracy"] == pytest.approx(other["test_accuracy"])
    assert chief["test_accuracy"] > 0.65  # it learned (a linear rule; guessing scores about 0.5)
    assert (tmp_path / "table.nnstudio").is_file() and not (tmp_path / "backup").exists()
