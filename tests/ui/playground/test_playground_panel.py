"""Issue 21 in the GUI: a click on the plot adds a point of the chosen class and the drawn set
becomes the project's data; a slider regenerates the data; engineered inputs and challenges."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.data.generate import Recipe, recipe_of
from nnstudio.core.project import Project
from nnstudio.ui.playground.panel import PlaygroundPanel
from nnstudio.ui.state import AppState


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("NNSTUDIO_HOME", str(tmp_path))  # leaderboards go here
    state = AppState(Project.from_recipe(Recipe("circles", rows=60, seed=2)))
    w = PlaygroundPanel(state)
    qtbot.addWidget(w)
    w.resize(1000, 640)
    w.show()
    qtbot.waitExposed(w)
    return w


def _click(qtbot, panel, x, y):
    scene = panel.plot.vb.mapViewToScene(QPointF(x, y))
    pos = panel.plot.mapFromScene(scene)
    qtbot.mouseClick(panel.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_a_click_on_the_plot_adds_a_point_of_the_chosen_class(panel, qtbot):
    state = panel.state
    _click(qtbot, panel, 0.3, -0.4)  # drawing off: a click only looks
    assert panel.points is None
    panel.draw_on.setChecked(True)
    panel.class0.setChecked(True)
    _click(qtbot, panel, 0.3, -0.4)
    assert len(panel.points) == 61
    added = panel.points.iloc[-1]
    assert added["label"] == 0 and added["x"] == pytest.approx(0.3, abs=0.03) \
        and added["y"] == pytest.approx(-0.4, abs=0.03)
    with qtbot.waitSignal(state.project_changed, timeout=3000):
        pass  # the drawn set becomes the project's data a moment later
    frame = state.project.dataset.frame
    assert len(frame) == 61 and recipe_of(state.project.dataset) is None
    assert state.project.dataset.name == "Drawn points"
    # erase near the point, then clear: too few points to train is said, not trained
    panel.erase.setChecked(True)
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a second click, not a double click
    before = state.project.dataset.frame
    _click(qtbot, panel, 0.3, -0.4)  # on the drawn point: it (and any other point that near) goes
    near = np.hypot(before["x"] - 0.3, before["y"] + 0.4) < 0.1
    assert len(panel.points) == len(before) - near.sum() and near.sum() >= 1
    assert (np.hypot(panel.points["x"] - 0.3, panel.points["y"] + 0.4) > 0.06).all()
    panel.clear_points()
    panel.commit_points()
    assert "draw at least two points of each class" in panel.note.text()
    assert len(state.project.dataset.frame) == 61  # the project keeps the last usable set


def test_moving_a_slider_regenerates_the_data(panel, qtbot, tmp_path):
    with qtbot.waitSignal(panel.state.project_changed, timeout=3000):
        panel.noise.setValue(0.4)
    recipe = Recipe("circles", rows=60, noise=0.4, seed=2)
    assert recipe_of(panel.state.project.dataset) == recipe
    panel.save_csv(str(tmp_path / "points.csv"))  # what "Save as CSV…" writes
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "points.csv"), recipe.frame())
    assert "Wrote 60 points" in panel.note.text()


def test_engineered_inputs_reach_the_prepared_data_and_bad_formulas_are_said(panel, qtbot):
    state = panel.state
    with qtbot.waitSignal(state.data_changed, timeout=1000):
        panel.toggles["x^2"].setChecked(True)
    assert state.prepared().preprocessor.output_names == ["x", "y", "x^2"]
    panel.formula.setText("x**2 + z")
    panel.add_formula()
    assert "reads 'z', which is not a column" in panel.inputs_msg.text()
    panel.formula.setText("x**2 + y**2")
    panel.add_formula()
    assert state.prepared().preprocessor.output_names == ["x", "y", "x^2", "x**2 + y**2"]


def test_a_challenge_locks_its_controls_and_checks_each_run(panel, qtbot):
    box = panel.challenge
    box.choice.setCurrentIndex(box.choice.findText("Circles without a hidden layer"))
    box.start_selected()
    assert not panel.generate_btn.isEnabled() and not panel.draw_on.isEnabled()
    assert panel.toggles["x^2"].isEnabled()  # the inputs are the point of this one
    panel.toggles["x^2"].setChecked(True)
    panel.toggles["y^2"].setChecked(True)
    box.on_finished(SimpleNamespace(test={"accuracy": 0.97}, history={}))
    assert "Met" in box.verdict.text() and "Rank 1 of 1" in box.verdict.text()
    assert "1. me: 5 parameters" in box.board.text()
    box.on_finished(SimpleNamespace(test={"accuracy": 0.6}, history={}))
    assert "Not met" in box.verdict.text() and "below 0.95" in box.verdict.text()
    box.leave()
    assert panel.generate_btn.isEnabled()


def test_formulas_work_on_any_data_with_number_columns(qtbot):
    state = AppState(Project.from_example("house-prices"))
    w = PlaygroundPanel(state)
    qtbot.addWidget(w)
    assert not w.toggles["x^2"].isEnabled() and w.formula.isEnabled()
    w.formula.setText("Area / Rooms")
    with qtbot.waitSignal(state.data_changed, timeout=1000):
        w.add_formula()
    names = state.prepared().preprocessor.output_names
    assert names[-1] == "Area / Rooms" and "Area" in names  # the columns stay as the Data tab chose
    w.formula.setText("log(Area - 1000)")  # no number for any house: said, and nothing changes
    w.add_formula()
    assert "gives no number in" in w.inputs_msg.text()
    assert state.project.preprocess.engineered == ["Area / Rooms"]


def test_a_challenge_that_locks_the_network_and_settings_greys_out_their_editors(window, tmp_path, monkeypatch):
    import json

    from nnstudio.core import challenge

    monkeypatch.setenv("NNSTUDIO_HOME", str(tmp_path))
    doc = json.loads((challenge.SHIPPED_DIR / "xor-one-small-layer.json").read_text())
    doc["locked"] = ["data", "network", "settings"]
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(doc))
    assert window.layers.isEnabled() and window.training_panel.settings_box.isEnabled()
    window.playground.challenge.start(str(path))
    assert not window.layers.isEnabled() and not window.network_view.add_layer_btn.isEnabled()
    assert not window.training_panel.settings_box.isEnabled()
    window.playground.challenge.leave()
    assert window.layers.isEnabled() and window.training_panel.settings_box.isEnabled()


def test_the_data_tabs_generate_button_opens_the_generator(window):
    window.tabs.setCurrentWidget(window.data_panel)
    window.data_panel.generate_btn.click()
    assert window.tabs.currentWidget() is window.playground


def test_another_table_of_two_inputs_is_drawn_for_a_look(qtbot, tmp_path, monkeypatch):
    """The app opens on XOR; its Playground tab was an empty plot. A table of two number inputs is
    drawn as it is (on its own scale, its columns on the axes); a wider table draws nothing."""
    monkeypatch.setenv("NNSTUDIO_HOME", str(tmp_path))
    state = AppState(Project.from_example("xor"))
    w = PlaygroundPanel(state)
    qtbot.addWidget(w)
    frame = state.project.dataset.frame
    x, y = w.plot.scatter.getData()
    assert len(x) == len(frame) == 1000 and np.array_equal(np.sort(x), np.sort(frame["x"].to_numpy(float)))
    assert w.note.text().startswith("The plot shows 'XOR (deep net)': its 1,000 rows, x across, y up, "
                                    "for a look. The data is not from the Playground")
    state.set_project(Project.from_example("perceptron"))
    assert w.plot.getPlotItem().getAxis("bottom").labelText == "x1" and not w.plot.vb.state["aspectLocked"]
    assert len(w.plot.scatter.getData()[0]) == 200
    state.set_project(Project.from_example("churn"))  # eleven inputs: nothing to draw
    assert len(w.plot.scatter.getData()[0]) == 0 and w.note.text().startswith("The data is not from")
    state.set_project(Project.from_recipe(Recipe("circles", rows=60, seed=2)))  # the Playground's own
    assert len(w.plot.scatter.getData()[0]) == 60 and w.plot.vb.state["aspectLocked"]
    assert w.plot.getPlotItem().getAxis("bottom").labelText == "x"


def test_a_csv_of_x_y_and_a_text_label_is_drawn_as_a_table_not_taken_for_the_playgrounds(qtbot, tmp_path,
                                                                                         monkeypatch):
    """Columns named as the Playground names its own (x, y, label), the labels text ('cat', 'dog'):
    taken for generated data, its labels were made whole numbers, and the slot failed."""
    from nnstudio.core.data.dataset import Dataset

    monkeypatch.setenv("NNSTUDIO_HOME", str(tmp_path))
    state = AppState(Project.from_example("xor"))
    w = PlaygroundPanel(state)
    qtbot.addWidget(w)
    frame = pd.DataFrame({"x": np.arange(20.0), "y": np.arange(20.0) % 7, "label": ["cat", "dog"] * 10})
    state.set_project(Project.from_dataset(Dataset(frame, "pets.csv")))
    x, _y = w.plot.scatter.getData()
    assert len(x) == 20 and w.note.text().startswith("The plot shows 'pets.csv': its 20 rows, x across")
    assert len({b.color().name() for b in w.plot.scatter.data["brush"]}) == 2  # a colour per class


def test_a_table_of_numbers_too_large_to_plot_draws_only_the_rows_it_can(qtbot, tmp_path, monkeypatch):
    """x1 = ±1e308 in every other row (the corpus's huge_numbers.csv): the view cannot span them
    (pyqtgraph raised 'Cannot set range [-inf, -inf]' in the event loop)."""
    from nnstudio.core.data.dataset import Dataset

    monkeypatch.setenv("NNSTUDIO_HOME", str(tmp_path))
    frame = pd.DataFrame({"x1": [(-1) ** i * 1e308 if i % 2 else float(i) for i in range(30)],
                          "x2": [i % 5 for i in range(30)], "label": [i % 2 for i in range(30)]})
    state = AppState(Project.from_dataset(Dataset(frame, "huge.csv"), "label"))
    w = PlaygroundPanel(state)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    x, _ = w.plot.scatter.getData()
    assert sorted(x) == [float(i) for i in range(0, 30, 2)]
    assert w.note.text().startswith("The plot shows 'huge.csv': its 15 rows (15 with numbers too large "
                                    "to draw left out), x1 across, x2 up, for a look.")
    huge = pd.DataFrame({"x1": [1e308, -1e308] * 5, "x2": list(range(10)), "label": [0, 1] * 5})
    state.set_project(Project.from_dataset(Dataset(huge, "all-huge.csv"), "label"))
    assert len(w.plot.scatter.getData()[0]) == 0 and w.note.text().startswith("The data is not from")


def test_the_inputs_are_locked_while_a_network_trains(window, qtbot):
    """A run trains on the inputs it started with: the Playground's input boxes are greyed out
    while it runs (as the Data tab's editors), and a change made anyway is undone and said. It
    used to go through, and the run's model (3 inputs) then met data of 4 in the Evaluation tab
    ("expected axis -1 ... to have value 3", found by the random-actions QA run)."""
    pg, state = window.playground, window.state
    state.set_project(Project.from_recipe(Recipe("circles", rows=200, seed=2)))
    assert pg.toggles["x^2"].isEnabled() and pg.add_formula_btn.isEnabled()
    window.training_panel.epochs.setValue(100_000)
    window.training_toolbar.set_pace("slow")
    with qtbot.waitSignal(state.training_started, timeout=60_000):
        window.training_panel.train_btn.click()
    assert not pg.toggles["x^2"].isEnabled() and not pg.add_formula_btn.isEnabled()
    generation = state.data_generation
    pg.toggles["x^2"].setChecked(True)  # programmatically, past the lock
    assert state.data_generation == generation and not pg.toggles["x^2"].isChecked()
    assert "Training is running" in pg.inputs_msg.text()
    with qtbot.waitSignal(state.training_finished, timeout=60_000):
        window.training_panel.stop_btn.click()
    qtbot.waitUntil(lambda: pg.toggles["x^2"].isEnabled(), timeout=5_000)
    pg.toggles["x^2"].setChecked(True)
    assert state.data_generation > generation
