"""The multi-device path: `nnstudio train --distribute mirrored` under tf.distribute.MirroredStrategy,
exercised on a CPU-only machine with two logical CPU devices (set up in a fresh process, before
TensorFlow initialises its devices)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.core.errors import SettingsError

CHILD = textwrap.dedent("""
    import sys
    from nnstudio.core.tf import tensorflow
    tf = tensorflow()
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
    from nnstudio.cli import main
    sys.exit(main(sys.argv[1:]))
""")

ARGS = ["xor", "--optimizer", "sgd", "--lr", "0.2", "--batch-mode", "full-batch", "--epochs", "3",
        "--seed", "4"]


def test_mirrored_on_two_logical_cpus_matches_one_device(tf_loaded):
    child = subprocess.Popen([sys.executable, "-c", CHILD, "train", *ARGS, "--distribute",
                              "mirrored", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    # meanwhile, the same maths on one device: full-batch gradient descent does not depend on the
    # shuffle, and the replicas' gradients summed over the split batch equal the whole batch's
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import Trainer

    p = Project.from_example("xor")
    s = replace(p.settings, optimizer="sgd", learning_rate=0.2, batch_mode="full-batch", epochs=3,
                seed=4)
    one = Trainer(p.prepare(), p.spec, s).run()
    stdout, stderr = child.communicate(timeout=600)
    assert child.returncode == 0, stderr
    out = json.loads(stdout)
    assert out["path"] == "mirrored" and out["replicas"] == 2
    assert out["epochs_run"] == 3 and out["status"] == "completed"
    np.testing.assert_allclose(out["loss"], one.history["loss"][-1], rtol=1e-5)
    np.testing.assert_allclose(out["val_loss"], one.history["val_loss"][-1], rtol=1e-5)
    np.testing.assert_allclose(out["test_loss"], one.test["loss"], rtol=1e-5)


def test_device_choice(tf_loaded):
    from nnstudio.core.training import distributed as d

    assert d.choose_devices("off") is None
    if len(d.visible_gpus()) < 2:
        assert d.choose_devices("auto") is None  # one device: the single-device engine
    forced = d.choose_devices("mirrored")
    assert forced and all(("GPU" in x or "CPU" in x) for x in forced)
    with pytest.raises(SettingsError):
        d.choose_devices("everywhere")


def test_mirrored_in_process_reports_progress_and_stops(tf_loaded):
    from nnstudio.core.project import Project
    from nnstudio.core.training import distributed as d

    p = Project.from_example("xor")
    s = replace(p.settings, epochs=50, batch_size=64)
    seen = []
    strategy = d.make_strategy(d.choose_devices("mirrored"))
    r = d.train_mirrored(p.prepare(), p.spec, s, strategy, on_progress=seen.append,
                         should_stop=lambda: len(seen) >= 1)
    assert r.status == "stopped" and 1 <= r.epochs_run < 50
    assert seen[0].epochs == 50 and "loss" in seen[0].new_rows
    assert len(r.history["loss"]) == r.epochs_run
