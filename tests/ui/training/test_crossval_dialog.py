"""Training > Cross-validate…: the folds fill the dialog's table as they end, the summary stays, the
trained model the views show is kept, and Stop ends it between folds with the folds done said."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.project import Project
from nnstudio.core.training.settings import TrainSettings
from nnstudio.ui.experiments.install import open_run_model


def study() -> Project:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 2))
    frame = pd.DataFrame({"dose": (2 * x[:, 0] + 5).round(2), "age": (50 + 10 * x[:, 1]).round(),
                          "outcome": np.where(x[:, 0] > 0, "responder", "non-responder")})
    p = Project.from_dataset(Dataset(frame, "study.csv", source=None), "outcome")
    p.spec = NetworkSpec([LayerSpec.dense(4, "relu")])
    p.settings = TrainSettings(epochs=10, batch_size=8, learning_rate=0.05)
    return p


def test_cross_validation_from_the_training_menu(window, qtbot):
    window.state.set_project(study())
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training.start()
    model = window.state.model
    before = len(window.state.project.runs)
    window.act_crossval.trigger()
    dlg = window.crossval_dialog
    assert dlg.isVisible() and dlg.folds.value() == 5
    dlg.folds.setValue(3)
    said = []
    window.statusBar().messageChanged.connect(said.append)
    with qtbot.waitSignal(window.training.cv_finished, timeout=120_000):
        dlg.run_button.click()
        assert not window.act_train.isEnabled() and dlg.stop_button.isEnabled()
    # the status bar says which fold trains (the dialog may be behind the window)
    assert "Cross-validating: training fold 1 of 3…" in said and "Cross-validating: training fold 3 of 3…" in said
    cv = dlg.result
    assert cv is not None and len(cv.folds) == 3 and dlg.table.rowCount() == 3
    assert dlg.table.item(2, 0).text() == "3 of 3"
    assert int(dlg.table.item(0, 1).text()) == cv.folds[0].rows
    assert dlg.summary.text().startswith("3-fold cross-validation: accuracy ")
    assert window.training.run_state == "idle" and window.act_train.isEnabled()
    assert window.state.model is model  # the trained model the views show stays
    assert "3-fold cross-validation" in window.statusBar().currentMessage()
    # the folds are a group of runs in the Runs tab, selected: their verdict pane speaks of folds
    folds = window.state.project.runs[before:]
    assert [r.name for r in folds] == ["fold 1 of 3", "fold 2 of 3", "fold 3 of 3"]
    assert {r.id for r in window.runs_panel.selected_runs()} >= {r.id for r in folds}
    assert "3 folds held out in turn" in window.runs_panel.verdict.text()
    # a fold's network is not the project's model: Open model says why, and changes nothing
    assert not open_run_model(window, folds[0]) and window.state.model is model
    assert "belongs to a 3-fold cross-validation" in window.last_message[1]
    # Stop after the first fold: the fold done is kept and said
    dlg.folds.setValue(10)
    window.training.cv_fold.connect(lambda *_: window.training.stop())
    with qtbot.waitSignal(window.training.cv_finished, timeout=120_000):
        dlg.run_button.click()
    assert dlg.result.stopped and 1 <= len(dlg.result.folds) < 10
    assert dlg.summary.text().startswith(f"Cross-validation, {len(dlg.result.folds)} of 10 folds")
