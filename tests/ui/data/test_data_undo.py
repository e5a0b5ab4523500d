"""Every change on the Data tab is a step of the window's undo stack (Edit > Undo, Ctrl+Z): a new
target, a column used or ignored, its scaling, the defaults, the task and the split, each undone
and redone with the tab's widgets showing the project as it is."""
from __future__ import annotations

import pytest

from nnstudio.core.model.spec import Task


@pytest.fixture
def churn(window, qtbot):
    window.load_example("churn")
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    assert window.undo_stack.count() == 0
    return window, panel


def test_a_new_target_is_undone_with_its_roles_and_task(churn):
    window, panel = churn
    p = window.state.project
    roles = p.roles.to_dict()
    panel.task_combo.setCurrentIndex(panel.task_combo.findData(Task.MULTICLASS))
    assert p.task_override is Task.MULTICLASS
    assert window.act_undo.text() == "&Undo Task: Multi-class classification"
    panel.target_combo.setCurrentIndex(panel.target_combo.findData("Age"))
    assert p.roles.target == "Age" and "Exited" in p.roles.features and p.task_override is None
    assert window.act_undo.text() == "&Undo Target 'Age'" and window.act_undo.isEnabled()
    window.undo_stack.undo()
    assert p.roles.to_dict() == roles and p.task_override is Task.MULTICLASS
    assert panel.target_combo.currentData() == "Exited" and panel.task_combo.currentData() == Task.MULTICLASS
    window.undo_stack.undo()
    assert p.task_override is None and panel.task_combo.currentData() is None
    window.undo_stack.redo()
    window.undo_stack.redo()
    assert p.roles.target == "Age" and panel.target_combo.currentData() == "Age"


def test_ignoring_a_column_and_its_scaling_are_undone(churn, qtbot):
    window, panel = churn
    p = window.state.project
    panel.set_use("Age", False)
    assert "Age" in p.roles.ignored and window.act_undo.text() == "&Undo Ignore 'Age'"
    window.undo_stack.undo()
    assert "Age" in p.roles.features and "Age" not in p.roles.ignored
    panel.select_column("Age")
    box = panel.column_box
    box.scaling_combo.setCurrentIndex(box.scaling_combo.findData("minmax"))
    assert p.preprocess.per_column["Age"] == {"numeric": "minmax"}
    assert window.act_undo.text() == "&Undo Scaling of 'Age': scale to 0..1"
    window.undo_stack.undo()
    assert "Age" not in p.preprocess.per_column and box.scaling_combo.currentData() == "standardize"
    qtbot.waitUntil(lambda: any(panel.prep_list.item(i).text().startswith("Age: standardized")
                                for i in range(panel.prep_list.count())), timeout=5000)
    panel.default_numeric.setCurrentIndex(panel.default_numeric.findData("none"))
    assert p.preprocess.numeric == "none"
    window.undo_stack.undo()
    assert p.preprocess.numeric == "standardize" and panel.default_numeric.currentData() == "standardize"


def test_a_spin_box_stepped_is_one_step_and_stepped_back_is_none(churn):
    window, panel = churn
    p = window.state.project
    start = panel.test_spin.value()
    for v in (start + 1, start + 2, start + 3):
        panel.test_spin.setValue(v)
    assert p.split.test == pytest.approx((start + 3) / 100)
    assert window.undo_stack.count() == 1 and window.act_undo.text() == "&Undo Split: test share"
    panel.seed_spin.setValue(panel.seed_spin.value() + 1)  # another box: its own step
    assert window.undo_stack.count() == 2
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert p.split.test == pytest.approx(start / 100) and panel.test_spin.value() == start
    window.undo_stack.clear()
    panel.val_spin.setValue(panel.val_spin.value() + 1)
    panel.val_spin.setValue(panel.val_spin.value() - 1)
    assert window.undo_stack.count() == 0 and not window.act_undo.isEnabled()


def test_choosing_what_is_already_chosen_is_no_step(churn):
    window, panel = churn
    panel.set_target("Exited")
    panel.set_use("Age", True)
    assert window.undo_stack.count() == 0


def test_another_file_takes_the_steps_of_the_last_away(churn, qtbot):
    window, panel = churn
    panel.set_use("Age", False)
    assert window.act_undo.isEnabled()
    window.load_example("circles")
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    assert window.undo_stack.count() == 0 and not window.act_undo.isEnabled()


def test_undo_brings_back_the_model_a_change_set_aside(window, qtbot):
    window.load_example("xor")
    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.state.training_finished, timeout=120_000):
        window.training_panel.train_btn.click()
    state, panel = window.state, window.data_panel
    model = state.result
    panel.test_spin.setValue(panel.test_spin.value() + 5)
    assert state.result is None  # trained on another split: set aside
    window.undo_stack.undo()
    assert state.result is model and state.restored
    window.undo_stack.redo()
    assert state.result is None
    window.undo_stack.undo()
    assert state.result is model
