"""The editor and the network view in the main window: Edit-menu undo, the lock while training,
live weights in the Network tab."""
import numpy as np
from PySide6.QtCore import Qt

from nnstudio.ui.network.graphics import NEUTRAL
from nnstudio.ui.network.layer_editor import LayerEditor
from nnstudio.ui.network.view import NetworkView


def test_editor_and_network_tab_are_in_the_window(window):
    assert isinstance(window.layers, LayerEditor)
    assert isinstance(window.network_view, NetworkView)
    assert window.tabs.tabText(window.tabs.indexOf(window.network_view)) == "Network"
    assert window.layers.undo_stack is window.undo_stack


def test_edit_menu_undo_redo_and_shortcuts(window, qtbot):
    ed = window.layers
    before = ed.spec.compact()
    ed.select_row(0)
    ed.duplicate_layer()
    after = ed.spec.compact()
    assert after != before
    assert window.act_undo.isEnabled() and "Duplicate" in window.act_undo.text()
    window.act_undo.trigger()
    assert ed.spec.compact() == before
    window.act_redo.trigger()
    assert ed.spec.compact() == after
    window.activateWindow()
    ed.list.setFocus()
    qtbot.keyClick(ed.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ed.spec.compact() == before
    qtbot.keyClick(ed.list, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert ed.spec.compact() == after
    # the network view follows every edit, and its +/- go through the same undo stack
    assert [c.units for c in window.network_view.columns] == [2, 6, 6, 4, 1]
    window.network_view.units_change_requested.emit(0, 1)
    assert ed.spec.hidden[0].units == 7 and window.network_view.columns[1].units == 7
    window.network_view.layer_count_change_requested.emit(-1)
    assert [c.units for c in window.network_view.columns] == [2, 7, 6, 1]
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert ed.spec.compact() == after


def test_training_locks_the_network_but_not_the_learning_rate(window, qtbot):
    ed, view = window.layers, window.network_view
    # two edits that end where they began: something to undo, and still the network and settings
    # of test_main_window, so the compiled training program is shared rather than rebuilt
    ed.change_units(0, +1)
    ed.change_units(0, -1)
    assert window.act_undo.isEnabled()
    window.tabs.setCurrentWidget(view)
    window.training_panel.epochs.setValue(100_000)
    seen = []
    window.state.training_progress.connect(lambda p: seen.append(p.epoch))
    window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=60_000)
    assert ed.locked and ed.lock_banner.isVisibleTo(window)
    assert not ed.act_add.isEnabled() and not ed.units.isEnabled() and not ed.text.isEnabled()
    assert not window.act_undo.isEnabled() and not window.act_redo.isEnabled()
    assert window.training_panel.lr.isEnabled()
    assert not view.add_layer_btn.isEnabled()
    # the view draws the weights as they change
    qtbot.waitUntil(lambda: "weights after epoch" in view.status.text(), timeout=10_000)
    pens = [line.pen().color().rgb() for line in view.edge_items(1)]
    assert NEUTRAL.rgb() not in pens
    with qtbot.waitSignal(window.state.training_finished, timeout=10_000) as blocker:
        window.training_panel.stop_btn.click()
    model = blocker.args[0].model
    assert not ed.locked and not ed.lock_banner.isVisibleTo(window)
    assert window.act_undo.isEnabled() and ed.act_add.isEnabled() and view.add_layer_btn.isEnabled()
    # the final weights are shown; a node's incoming weights are the model's own
    assert view.status.text().startswith("trained weights")
    view.select(1, 1)  # Dense 4 (index 1 in layers_for), unit 1
    kernel, bias = model.layers[1].get_weights()
    shown = [float(view.detail.item(r, 1).text()) for r in range(view.detail.rowCount())]
    np.testing.assert_allclose(shown, [bias[1], *kernel[:, 1]], atol=1e-4)
    # an edit after training clears the weights: they belonged to the old network
    ed.change_units(0, 1)
    assert "not trained yet" in view.status.text()
