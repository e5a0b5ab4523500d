"""A project set up in the GUI and saved, trained by `nnstudio train PROJECT --json` in another
process, gives the same result as the engine run in the app's own process with the same seed."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog


def test_gui_project_trains_the_same_in_the_cli(window, qtbot, monkeypatch, tmp_path, tf_loaded):
    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.data.examples import make_xor
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import Trainer
    from nnstudio.ui.project import recovery

    monkeypatch.setattr(recovery, "recovery_dir", lambda: tmp_path / "recovery")
    window.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    (tmp_path / "data").mkdir()
    make_xor(400, seed=7).to_csv(tmp_path / "data" / "xor.csv", index=False)
    window.state.set_project(Project.from_dataset(read_csv(tmp_path / "data" / "xor.csv"),
                                                  "class id"))
    panel = window.training_panel  # settings chosen through the GUI
    panel.epochs.setValue(6)
    panel.seed.setValue(3)
    panel.batch_size.setValue(16)
    window.state.project.split.seed = 5
    window.state.notify_data_changed()

    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "gui.nnstudio"), ""))
    window.project_actions.act_save_as.trigger()
    qtbot.waitUntil(lambda: window.project_actions.worker is None and
                    (tmp_path / "gui.nnstudio").exists(), timeout=60_000)
    assert json.loads((tmp_path / "gui.nnstudio").read_text())["data"]["path"] == "data/xor.csv"

    cli = subprocess.Popen([sys.executable, "-m", "nnstudio", "train", "gui.nnstudio", "--json"],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p = window.state.project  # the engine in this process, on the GUI's state
    here = Trainer(window.state.prepared(), p.spec, p.settings).run()
    out, err = cli.communicate(timeout=600)
    assert cli.returncode == 0, err
    there = json.loads(out)
    assert there["epochs_run"] == here.epochs_run == 6 and there["seed"] == 3
    np.testing.assert_allclose(there["loss"], here.history["loss"][-1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(there["val_loss"], here.history["val_loss"][-1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(there["test_loss"], here.test["loss"], rtol=1e-5, atol=1e-7)
    assert there["test_accuracy"] == here.test["accuracy"]
