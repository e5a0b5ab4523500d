"""The layer editor on its own: every kind of edit, undo/redo, counts, checks, keyboard, lock."""
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent

from nnstudio.core.model.spec import (
    INITIALIZERS,
    NetworkSpec,
    Task,
    param_counts,
    validate,
)
from nnstudio.core.registry import TRAINABLE_ACTIVATIONS as ACTIVATIONS
from nnstudio.ui.network.layer_editor import LayerEditor
from nnstudio.ui.network.layer_list import PARAMS_ROLE
from nnstudio.ui.state import AppState

W1 = "dense:6:relu,dense:4:relu"


@pytest.fixture
def editor(qtbot):
    ed = LayerEditor(AppState())
    qtbot.addWidget(ed)
    ed.resize(380, 800)
    ed.show()
    qtbot.waitExposed(ed)
    return ed


def load(ed: LayerEditor, text: str, row: int = 0) -> None:
    ed.state.project.spec = NetworkSpec.parse(text)
    ed.state.notify_spec_changed()
    ed.undo_stack.clear()
    ed.select_row(row)


def texts(ed: LayerEditor) -> list[str]:
    return [ed.list.item(i).text() for i in range(ed.list.count())]


def compact(ed: LayerEditor) -> str:
    return ed.spec.compact()


def combo_pick(combo, data) -> None:
    i = combo.findData(data)
    combo.setCurrentIndex(i)
    combo.activated.emit(i)


def drop(ed: LayerEditor, src: int, onto: int, below: bool) -> None:
    """Drag row ``src`` and drop it in the upper or lower half of row ``onto``."""
    ed.list.setCurrentRow(src)
    rect = ed.list.visualItemRect(ed.list.item(onto))
    y = rect.bottom() - 2 if below else rect.top() + 2
    mime = ed.list.model().mimeData([ed.list.model().index(src, 0)])
    ev = QDropEvent(QPointF(rect.center().x(), y), Qt.DropAction.MoveAction, mime,
                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # a drop from this list onto itself (what QListWidget.startDrag produces)
    ev.source = lambda: ed.list
    ed.list.dropEvent(ev)


# (name, starting network, row to select, the edit, the network after it)
EDITS = [
    ("add dense button", W1, 0, lambda ed: ed.add_btn.click(), "dense:6:relu,dense:6:relu,dense:4:relu"),
    ("add on output row appends", W1, 2, lambda ed: ed.act_add.trigger(),
     "dense:6:relu,dense:4:relu,dense:4:relu"),
    ("add kind from menu", W1, 0, lambda ed: ed.kind_actions["batchnorm"].trigger(),
     "dense:6:relu,batchnorm,dense:4:relu"),
    ("add gaussian noise", W1, 1, lambda ed: ed.kind_actions["gaussian_noise"].trigger(),
     "dense:6:relu,dense:4:relu,gaussian_noise:0.1"),
    ("insert above", W1, 1, lambda ed: ed.insert_btn.click(), "dense:6:relu,dense:6:relu,dense:4:relu"),
    ("remove", W1, 0, lambda ed: ed.remove_btn.click(), "dense:4:relu"),
    ("duplicate", "dense:6:tanh:l2=0.01,dense:4:relu", 0, lambda ed: ed.duplicate_btn.click(),
     "dense:6:tanh:l2=0.01,dense:6:tanh:l2=0.01,dense:4:relu"),
    ("move down", "dense:6:relu,dropout:0.2,dense:4:relu", 0, lambda ed: ed.down_btn.click(),
     "dropout:0.2,dense:6:relu,dense:4:relu"),
    ("move up", "dense:6:relu,dropout:0.2,dense:4:relu", 2, lambda ed: ed.up_btn.click(),
     "dense:6:relu,dense:4:relu,dropout:0.2"),
    ("drag down", "dense:6:relu,dropout:0.2,dense:4:relu", 0,
     lambda ed: drop(ed, 0, 2, below=True), "dropout:0.2,dense:4:relu,dense:6:relu"),
    ("drag up", "dense:6:relu,dropout:0.2,dense:4:relu", 2,
     lambda ed: drop(ed, 2, 0, below=False), "dense:4:relu,dense:6:relu,dropout:0.2"),
    ("units", W1, 0, lambda ed: ed.units.setValue(9), "dense:9:relu,dense:4:relu"),
    ("activation", W1, 1, lambda ed: combo_pick(ed.activation, "gelu"), "dense:6:relu,dense:4:gelu"),
    ("initializer", W1, 0, lambda ed: combo_pick(ed.initializer, "he_normal"),
     "dense:6:relu:init=he_normal,dense:4:relu"),
    ("use bias", W1, 0, lambda ed: ed.use_bias.click(), "dense:6:relu:nobias,dense:4:relu"),
    ("l1", W1, 0, lambda ed: ed.l1.setValue(0.01), "dense:6:relu:l1=0.01,dense:4:relu"),
    ("l2", W1, 1, lambda ed: ed.l2.setValue(0.0005), "dense:6:relu,dense:4:relu:l2=0.0005"),
    ("kind", W1, 1, lambda ed: combo_pick(ed.kind, "dropout"), "dense:6:relu,dropout:0.2"),
    ("rate", "dense:6:relu,alpha_dropout:0.1", 1, lambda ed: ed.rate.setValue(0.25),
     "dense:6:relu,alpha_dropout:0.25"),
    ("stddev", "gaussian_noise:0.1,dense:3:relu", 0, lambda ed: ed.stddev.setValue(0.5),
     "gaussian_noise:0.5,dense:3:relu"),
    ("override output", W1, 2, lambda ed: ed.follow_task.click(),
     "dense:6:relu,dense:4:relu,dense:1:sigmoid:output"),
    ("follow the task again", "dense:3:relu,dense:1:tanh:output", 1, lambda ed: ed.follow_task.click(),
     "dense:3:relu"),
    ("output activation", "dense:3:relu,dense:1:sigmoid:output", 1,
     lambda ed: combo_pick(ed.activation, "tanh"), "dense:3:relu,dense:1:tanh:output"),
    ("dropout toggle on", W1, 0, lambda ed: ed.dropout_toggle.click(),
     "dense:6:relu,dropout:0.2,dense:4:relu,dropout:0.2"),
    ("dropout toggle off", "dense:6:relu,dropout:0.3,dense:4:relu,dropout:0.3", 0,
     lambda ed: ed.dropout_toggle.click(), W1),
    ("dropout toggle completes", "dense:6:relu,dropout:0.2,dense:4:relu", 0,
     lambda ed: ed.dropout_toggle.click(), "dense:6:relu,dropout:0.2,dense:4:relu,dropout:0.2"),
    ("dropout rate", "dense:6:relu,dropout:0.2,dense:4:relu,dropout:0.2", 0,
     lambda ed: ed.dropout_rate.setValue(0.35), "dense:6:relu,dropout:0.35,dense:4:relu,dropout:0.35"),
    ("units +", W1, 1, lambda ed: ed.change_units(None, +1), "dense:6:relu,dense:5:relu"),
    ("units −", W1, 0, lambda ed: ed.change_units(0, -1), "dense:5:relu,dense:4:relu"),
    ("+ layer", W1, 0, lambda ed: ed.change_dense_layer_count(+1),
     "dense:6:relu,dense:4:relu,dense:4:relu"),
    ("− layer", "dense:6:relu,dense:4:relu,dropout:0.2", 0, lambda ed: ed.change_dense_layer_count(-1),
     "dense:6:relu"),
    ("text", W1, 0, lambda ed: (ed.text.setText("dense:3:tanh, bn"), ed.text.returnPressed.emit()),
     "dense:3:tanh,batchnorm"),
    ("text ending with an output", W1, 0,
     lambda ed: (ed.text.setText("dense:8:relu,dense:1:sigmoid"), ed.text.returnPressed.emit()),
     "dense:8:relu,dense:1:sigmoid:output"),
]


@pytest.mark.parametrize("name, start, row, edit, expected", EDITS, ids=[e[0] for e in EDITS])
def test_every_edit_is_undoable_and_redoable(editor, name, start, row, edit, expected):
    load(editor, start, row)
    before_rows = texts(editor)
    edit(editor)
    assert compact(editor) == expected
    assert editor.undo_stack.count() == 1 and editor.undo_stack.undoText()
    after_rows = texts(editor)
    assert after_rows != before_rows  # the list shows the edit
    editor.undo_stack.undo()
    assert compact(editor) == NetworkSpec.parse(start).compact()
    assert texts(editor) == before_rows
    editor.undo_stack.redo()
    assert compact(editor) == expected
    assert texts(editor) == after_rows


def test_rows_show_descriptions_and_keras_counts(editor):
    load(editor, "dense:6:relu,dropout:0.2,batchnorm,dense:4:relu:nobias")
    rows = texts(editor)
    assert rows[:4] == ["1. Dense 6, relu", "2. Dropout 0.2", "3. Batch normalization",
                        "4. Dense 4, relu (no bias)"]
    assert rows[4] == "Dense 1, sigmoid — output, from the task (binary classification)"
    expected = param_counts(editor.spec, 2, Task.BINARY)
    shown = [editor.list.item(i).data(PARAMS_ROLE) for i in range(editor.list.count())]
    assert shown == [f"{n:,} param{'s' if n != 1 else ''}" for _, n in expected]
    total = sum(n for _, n in expected)
    assert f"Total: {total:,} parameters" in editor.total_label.text()
    assert "12 of them non-trainable" in editor.total_label.text()  # 2 x 6 batch-norm statistics


def test_every_field_has_a_tooltip_and_every_choice_is_offered(editor):
    for w in (editor.kind, editor.units, editor.activation, editor.initializer, editor.use_bias,
              editor.l1, editor.l2, editor.rate, editor.stddev, editor.follow_task,
              editor.dropout_toggle, editor.text):
        assert w.toolTip().strip(), w
    assert [editor.activation.itemData(i) for i in range(editor.activation.count())] == list(ACTIVATIONS)
    assert [editor.initializer.itemData(i) for i in range(editor.initializer.count())] == \
        list(INITIALIZERS)
    assert all(editor.activation.itemData(i, Qt.ItemDataRole.ToolTipRole)
               for i in range(editor.activation.count()))


def test_perceptron_is_valid(editor):
    load(editor, W1)
    editor.remove_layer(0)
    editor.remove_layer(0)
    assert editor.spec.hidden == [] and texts(editor) == [
        "Dense 1, sigmoid — output, from the task (binary classification)"]
    assert not editor.problems_label.isVisibleTo(editor)
    assert "Total: 3 parameters" in editor.total_label.text()
    assert not editor.act_remove.isEnabled()  # the output row cannot be removed


def test_invalid_output_is_flagged_with_the_reason_before_training(editor):
    load(editor, W1, row=2)
    editor.follow_task.click()
    editor.units.setValue(3)
    assert editor.problems_label.isVisibleTo(editor)
    reason = validate(editor.spec, Task.BINARY)[0]
    assert "1 sigmoid output unit, not 3" in reason
    assert reason in editor.problems_label.text()
    out = editor.list.item(2)
    assert out.foreground().color().name() == "#b00020" and reason.split(": ", 1)[1] in out.toolTip()
    editor.undo_stack.undo()
    assert not editor.problems_label.isVisibleTo(editor)


def test_regression_output_squashing_is_flagged(editor):
    editor.state.project.task_override = Task.REGRESSION
    editor.state.notify_data_changed()
    load(editor, "dense:4:relu", row=1)
    assert texts(editor)[-1] == "Dense 1, linear — output, from the task (regression)"
    # where its predictions start is said where the output layer is explained
    assert "starts at the training rows' mean" in editor.layer_help.text()
    editor.follow_task.click()
    combo_pick(editor.activation, "sigmoid")
    assert "squashes predictions" in editor.problems_label.text()


def test_text_errors_are_shown_and_change_nothing(editor):
    load(editor, W1)
    editor.text.setText("dense:6:relu,conv:3")
    editor.text.returnPressed.emit()
    assert editor.text_error.isVisibleTo(editor) and "Unknown layer type 'conv'" in editor.text_error.text()
    assert compact(editor) == W1 and editor.undo_stack.count() == 0


def test_keyboard_edits_on_the_list(editor, qtbot):
    load(editor, W1, row=0)
    editor.activateWindow()
    editor.list.setFocus()
    qtbot.waitUntil(editor.list.hasFocus)
    qtbot.keyClick(editor.list, Qt.Key.Key_Insert)
    assert compact(editor) == "dense:6:relu,dense:6:relu,dense:4:relu"
    assert editor.list.currentRow() == 1
    qtbot.keyClick(editor.list, Qt.Key.Key_Plus)
    assert compact(editor) == "dense:6:relu,dense:7:relu,dense:4:relu"
    qtbot.keyClick(editor.list, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert compact(editor) == "dense:6:relu,dense:4:relu,dense:7:relu"
    qtbot.keyClick(editor.list, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert compact(editor) == "dense:6:relu,dense:4:relu,dense:7:relu,dense:7:relu"
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)  # the selection moves on to the output row
    assert compact(editor) == "dense:6:relu,dense:4:relu,dense:7:relu"
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)  # which cannot be removed
    qtbot.keyClick(editor.list, Qt.Key.Key_Up)  # plain arrows move the selection
    qtbot.keyClick(editor.list, Qt.Key.Key_Up)
    qtbot.keyClick(editor.list, Qt.Key.Key_Delete)
    assert compact(editor) == "dense:6:relu,dense:7:relu"
    assert editor.undo_stack.count() == 6


def test_tab_order_reaches_every_field(editor):
    load(editor, W1, row=0)
    order, w = [], editor.list
    for _ in range(40):
        order.append(w)
        w = w.nextInFocusChain()
    for field in (editor.add_btn, editor.remove_btn, editor.units, editor.activation, editor.l2,
                  editor.text):
        assert field in order
    assert order.index(editor.add_btn) < order.index(editor.units) < order.index(editor.text)


def test_training_locks_the_architecture_visibly(editor):
    load(editor, W1, row=0)
    state = editor.state
    state.begin_training()
    assert editor.locked and editor.lock_banner.isVisibleTo(editor)
    assert not any(a.isEnabled() for a in (editor.act_add, editor.act_insert, editor.act_remove,
                                           editor.act_duplicate, editor.act_down))
    assert not editor.units.isEnabled() and not editor.text.isEnabled()
    assert not editor.dropout_toggle.isEnabled()
    assert not editor.add_layer("dense") and not editor.change_units(0, 1)
    assert compact(editor) == W1 and editor.undo_stack.count() == 0
    editor.list.setCurrentRow(1)  # browsing stays possible
    assert editor.form_box.title() == "Layer 2: Dense" and editor.units.value() == 4
    state.training_finished.emit(None)
    assert not editor.locked and not editor.lock_banner.isVisibleTo(editor)
    assert editor.add_layer("dense")


def test_commands_of_another_project_do_nothing(editor):
    from nnstudio.core.project import Project

    load(editor, W1, row=0)
    editor.remove_layer(0)
    editor.state.set_project(Project.from_example("xor"))
    editor.undo_stack.undo()
    assert compact(editor) == W1  # the new project's network, untouched
    assert editor.undo_stack.count() == 0  # the stale command dropped itself


def test_drag_cannot_move_below_the_output(editor):
    load(editor, "dense:6:relu,dropout:0.2,dense:4:relu", row=0)
    drop(editor, 0, 3, below=True)  # onto the output row
    assert compact(editor) == "dropout:0.2,dense:4:relu,dense:6:relu"
    drop(editor, 3, 0, below=False)  # the output row itself does not move
    assert compact(editor) == "dropout:0.2,dense:4:relu,dense:6:relu"


def test_drop_from_elsewhere_is_refused(editor):
    load(editor, W1, row=0)
    mime = QMimeData()
    mime.setText("dense:3")
    ev = QDropEvent(QPointF(QPoint(5, 5)), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    editor.list.dropEvent(ev)
    assert compact(editor) == W1
