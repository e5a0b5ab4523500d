"""The network view: structure, weights as colour and width, collapsed layers, selection, live updates."""
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from nnstudio.core.model.spec import NetworkSpec
from nnstudio.core.training.engine import Progress
from nnstudio.ui.network.graphics import NEGATIVE, POSITIVE, SceneButton
from nnstudio.ui.network.view import MAX_NODES, NetworkView
from nnstudio.ui.state import AppState

W1 = "dense:6:relu,dropout:0.2,dense:4:relu,dropout:0.2"


@pytest.fixture
def view(qtbot):
    v = NetworkView(AppState())
    qtbot.addWidget(v)
    v.resize(1000, 640)
    v.show()
    qtbot.waitExposed(v)
    return v


def load(v: NetworkView, text: str) -> None:
    v.state.project.spec = NetworkSpec.parse(text)
    v.state.notify_spec_changed()


def weights_for(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype(np.float32) for s in shapes]


W1_SHAPES = [(2, 6), (6,), (6, 4), (4,), (4, 1), (1,)]


def scene_texts(v):
    return [i.text() for i in v.scene.items() if isinstance(i, QGraphicsSimpleTextItem)]


def click_scene(qtbot, v, point):
    qtbot.mouseClick(v.view.viewport(), Qt.MouseButton.LeftButton, pos=v.view.mapFromScene(point))


def test_w1_structure(view):
    load(view, W1)
    assert [c.units for c in view.columns] == [2, 6, 4, 1]
    assert [c.layer_index for c in view.columns] == [-1, 0, 2, 4]  # indices into layers_for
    assert [len(view.edge_items(i)) for i in (1, 2, 3)] == [12, 24, 4]
    texts = scene_texts(view)
    assert texts.count("Dropout 0.2") == 2
    assert "x" in texts and "y" in texts and "P(class id = 1)" in texts
    assert view.layers_label.text() == "2 hidden Dense layers"
    assert "not trained yet" in view.status.text()


def test_perceptron_structure(view):
    load(view, "")
    assert [c.units for c in view.columns] == [2, 1]
    assert len(view.edge_items(1)) == 2
    assert view.layers_label.text() == "0 hidden Dense layers"
    assert not view.remove_layer_btn.isEnabled()


def test_wide_layers_are_collapsed_with_a_count_and_expand_on_click(view, qtbot):
    load(view, "dense:64:relu,dense:4:relu")
    wide = view.columns[1]
    assert len(wide.shown) == MAX_NODES - 2 and len(wide.nodes) == MAX_NODES - 2
    assert f"… +{64 - (MAX_NODES - 2)}" in scene_texts(view)
    assert len(view.edge_items(1)) == 2 * (MAX_NODES - 2)
    click_scene(qtbot, view, wide.more.scenePos())
    wide = view.columns[1]
    assert wide.expanded and len(wide.shown) > MAX_NODES and "… +34" in scene_texts(view)
    click_scene(qtbot, view, wide.more.scenePos())
    assert not view.columns[1].expanded and len(view.columns[1].shown) == MAX_NODES - 2


def test_weights_set_edge_colour_by_sign_and_width_by_magnitude(view):
    load(view, W1)
    w = weights_for(W1_SHAPES)
    assert view.set_weights(w, "after epoch 3")
    k = w[2]  # Dense 6 -> Dense 4
    items = view.edge_items(2)
    widths, mags = [], []
    for line in items:
        _tag, _ci, s, t = line.data(0)
        pen = line.pen()
        expected = POSITIVE if k[s, t] >= 0 else NEGATIVE
        assert pen.color().rgb() == expected.rgb()
        widths.append(pen.widthF())
        mags.append(abs(k[s, t]))
    order = np.argsort(mags)
    assert np.all(np.diff(np.asarray(widths)[order]) >= -1e-9)  # wider for larger |w|
    assert max(widths) > 3 * min(widths)
    node = view.columns[2].nodes[0]
    b = w[3][0]
    fill = node.brush().color()
    assert (fill.blue() > fill.red()) == (b >= 0)  # blue-ish for a positive bias, orange otherwise
    assert view.status.text() == "after epoch 3"


def test_a_large_output_bias_does_not_wash_out_the_hidden_layers_fills(view):
    """A regression's output bias starts at the target's mean (30 for miles per gallon; hundreds
    for prices in thousands): scaled against it, every hidden bias drew white. Each layer's fills
    are scaled by its own largest bias."""
    load(view, W1)
    w = weights_for(W1_SHAPES)
    w[5][:] = 300.0  # the output's bias
    assert view.set_weights(w, "after epoch 3")

    def whiteness(ci, u):
        c = view.columns[ci].nodes[u].brush().color()
        return min(c.red(), c.green(), c.blue())
    strongest = int(np.argmax(np.abs(w[3])))  # Dense 4's largest bias: the layer's full colour
    assert whiteness(2, strongest) < 120
    assert whiteness(3, 0) < 120  # the output too
    assert view.legend.text().endswith("node fill = bias, scaled within its layer")


def test_weights_that_do_not_fit_the_network_are_ignored(view):
    load(view, W1)
    assert not view.set_weights(weights_for([(3, 6), (6,), (6, 4), (4,), (4, 1), (1,)]))
    assert not view.set_weights(weights_for(W1_SHAPES[:2]))
    assert "not trained yet" in view.status.text()


def test_clicking_a_node_selects_it_and_lists_its_incoming_weights(view, qtbot):
    load(view, W1)
    w = weights_for(W1_SHAPES, seed=3)
    view.set_weights(w)
    with qtbot.waitSignal(view.node_selected) as blocker:
        click_scene(qtbot, view, view.node_pos(2, 3))
    assert blocker.args == [2, 3]  # layer index 2 (Dense 4) in layers_for, unit 3
    assert view.selected == (2, 3)
    rows = [(view.detail.item(r, 0).text(), float(view.detail.item(r, 1).text()))
            for r in range(view.detail.rowCount())]
    assert rows[0] == ("bias", pytest.approx(w[3][3], abs=1e-4))
    assert [r[0] for r in rows[1:]] == [f"unit {i}" for i in range(1, 7)]  # nodes numbered from 1, as layers
    assert [r[1] for r in rows[1:]] == pytest.approx(w[2][:, 3].tolist(), abs=1e-4)
    assert "Layer 3 · Dense 4, relu" in view.detail_title.text()
    # the incoming edges stand out, the others fade
    for line in view.edge_items(2):
        t = line.data(0)[3]
        assert (line.pen().color().alpha() >= 50) if t == 3 else (line.pen().color().alpha() < 30)
    # an input node lists its outgoing weights; a click on nothing clears the selection
    with qtbot.waitSignal(view.node_selected) as blocker:
        click_scene(qtbot, view, view.node_pos(0, 1))
    assert blocker.args == [-1, 1] and view.detail.rowCount() == 6
    with qtbot.waitSignal(view.selection_cleared):
        click_scene(qtbot, view, view.node_pos(1, 5) + QPointF(0, 32))
    assert view.selected is None


def test_arrow_keys_move_the_selection(view, qtbot):
    load(view, W1)
    view.view.setFocus()
    qtbot.keyClick(view.view, Qt.Key.Key_Right)  # nothing selected: the first input
    assert view.selected == (-1, 0)
    qtbot.keyClick(view.view, Qt.Key.Key_Right)
    qtbot.keyClick(view.view, Qt.Key.Key_Down)
    assert view.selected == (0, 1)
    qtbot.keyClick(view.view, Qt.Key.Key_Escape)
    assert view.selected is None


def test_live_updates_are_rate_limited_and_show_the_latest(view, qtbot):
    load(view, W1)
    before = view.redraws
    latest = None
    for epoch in range(1, 51):  # 50 reports arriving faster than the screen is redrawn
        latest = weights_for(W1_SHAPES, seed=epoch)
        view.state.training_progress.emit(Progress(epoch, 100, {}, 0.0, 0.0, 0.001, latest))
    assert view.redraws == before  # nothing drawn yet: the timer coalesces them
    qtbot.waitUntil(lambda: view.redraws > before)
    qtbot.wait(120)
    assert view.redraws == before + 1
    assert view.status.text() == "weights after epoch 50 of 100"
    view.select_node(1, 0)
    assert float(view.detail.item(1, 1).text()) == pytest.approx(latest[0][0, 0], abs=1e-4)


def test_a_hidden_view_does_not_redraw_until_shown(view, qtbot):
    load(view, W1)
    view.hide()
    before = view.redraws
    view.state.training_progress.emit(Progress(1, 5, {}, 0.0, 0.0, 0.001, weights_for(W1_SHAPES)))
    qtbot.wait(150)
    assert view.redraws == before
    view.show()
    assert view.redraws == before + 1 and view.status.text() == "weights after epoch 1 of 5"


def test_plus_minus_controls_ask_for_edits_and_hide_when_locked(view, qtbot):
    load(view, W1)
    buttons = [i for i in view.scene.items() if isinstance(i, SceneButton)]
    assert len(buttons) == 4  # - and + above each hidden Dense column
    plus = next(b for b in buttons if "One more unit in layer 3" in b.toolTip())
    with qtbot.waitSignal(view.units_change_requested) as blocker:
        click_scene(qtbot, view, plus.sceneBoundingRect().center())
    assert blocker.args == [2, 1]
    with qtbot.waitSignal(view.layer_count_change_requested) as blocker:
        view.add_layer_btn.click()
    assert blocker.args == [1]
    view.set_locked(True)
    assert not any(b.isVisible() for b in buttons) and not view.add_layer_btn.isEnabled()


@pytest.mark.parametrize("button", ["train", "repeat"])
def test_a_runs_weights_are_copied_off_the_gui_thread(window, qtbot, monkeypatch, button):
    """When a run (or a Repeat's runs) ends, the network view and the runs' records show the
    weights as the training worker read them (``TrainResult.weights``): the window's thread
    copies no Keras model's weights (a 100,000-unit network: tenths of a second a copy)."""
    import threading

    import keras

    on_gui = []
    real = keras.Model.get_weights

    def recording(model):
        if threading.current_thread() is threading.main_thread():
            on_gui.append(model.name)
        return real(model)
    monkeypatch.setattr(keras.Model, "get_weights", recording)
    tp = window.training_panel
    if button == "repeat":
        tp.epochs.setValue(3)
        tp.repeat_n.setValue(3)
    ended = window.state.training_finished if button == "train" else window.training.repeat_finished
    with qtbot.waitSignal(ended, timeout=120_000):
        (tp.train_btn if button == "train" else tp.repeat_btn).click()
    qtbot.wait(200)  # the views' slots after the run's end
    assert on_gui == []
    result = window.state.result
    assert result.weights() is result.weights()  # read once, kept
    for got, want in zip(result.weights(), real(result.model), strict=True):
        np.testing.assert_array_equal(got, want)
    window.tabs.setCurrentWidget(window.network_view)
    qtbot.wait(300)
    assert "trained weights" in window.network_view.status.text(), window.network_view.status.text()
