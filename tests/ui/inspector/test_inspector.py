"""The Inspector tab: hand-set weights (no TF), the trained network checked against Keras,
per-neuron maps during training, gradients, and the W6 graph."""
from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.ui.inspector.hand import HandNetEditor


def _float(table, r, c):
    return float(table.item(r, c).text())


@pytest.fixture
def hand(qtbot):
    """The hand-weights editor on its own, TensorFlow not needed (and not used: tf_loaded is False)."""
    from nnstudio.ui.app import create_app
    from nnstudio.ui.common.workers import WorkerPool
    from nnstudio.ui.state import AppState

    create_app()
    state = AppState()
    pool = WorkerPool()
    editor = HandNetEditor(state, pool)
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.show()
    yield editor
    pool.stop_all()


def test_hand_presets_give_the_w5_and_or_values(hand):
    hand.load_preset("w5-relu")
    assert _float(hand.rows, 0, 2) == -3.0
    hand.load_preset("w5-tanh")
    assert _float(hand.rows, 0, 2) == pytest.approx(0.9901095378, abs=1e-9)
    hand.load_preset("w5-relu-rows")
    assert hand.rows.item(0, 0).text() == "-1" and _float(hand.rows, 0, 2) == 0.0
    assert _float(hand.rows, 1, 2) == 12.0  # [2, 2]
    hand.load_preset("w5-two-hidden")
    assert _float(hand.rows, 0, 2) == 364.0
    assert len(hand.editors) == 3
    # every node is shown: inputs, weights, weighted sum and activation
    texts = [hand.trace_view.nodes.item(r, 2).text() for r in range(hand.trace_view.nodes.rowCount())]
    assert texts[:2] == ["2×3 + 4×5 = 26", "4×3 + (-5)×5 = -13"] and texts[-1] == "2×0 + 7×52 = 364"
    hand.load_preset("w2-or-step")
    assert [_float(hand.rows, r, 2) for r in range(4)] == [0.0, 1.0, 1.0, 1.0]
    assert "no useful gradient" in hand.status.text() or "cannot train" in hand.status.text()
    assert "Gradients need TensorFlow" in hand.trace_view.grad_label.text()  # none loaded here


def test_the_or_example_opens_the_hand_page_on_the_or_step_unit(hand):
    """W2's lesson (set 1, 1, bias -1 on a step unit) is on the hand-set page, which showed the W5
    ReLU network whatever example was open. The preset chosen for the user follows the example; one
    they picked, or a network they typed, is left alone."""
    from nnstudio.core.project import Project

    hand.state.set_project(Project.from_example("or"))
    assert hand.preset.currentData() == "w2-or-step"
    assert hand.current_net().layers[0].activation == "step"
    hand.state.set_project(Project.from_example("xor"))
    assert hand.preset.currentData() == "w5-relu"  # back to the page's first preset
    hand.preset.setCurrentIndex(hand.preset.findData("w5-tanh"))  # picked: kept
    hand.state.set_project(Project.from_example("or"))
    assert hand.preset.currentData() == "w5-tanh"
    hand.preset.setCurrentIndex(0)  # a custom network: kept whatever is opened
    hand.state.set_project(Project.from_example("xor"))
    assert hand.preset.currentIndex() == 0


def test_selecting_a_row_and_a_node_shows_its_numbers(hand):
    hand.load_preset("w5-relu-rows")
    hand.rows.selectRow(1)  # [2, 2]
    tv = hand.trace_view
    assert tv.row == 1
    assert tv.select_node(0, 1)  # hidden node_1 = 1*2 + 5*2 = 12
    d = tv.detail
    assert [d.item(r, 0).text() for r in range(d.rowCount())] == ["x0", "x1", "bias b", "sum z", "a = relu(z)"]
    assert _float(d, 0, 2) == 1.0 and _float(d, 1, 2) == 5.0 and _float(d, 1, 3) == 10.0
    assert _float(d, 3, 3) == 12.0 and _float(d, 4, 3) == 12.0
    assert tv.diagram.selected == (0, 1)
    assert not tv.select_node(5, 0) and tv.selected == (0, 1)  # no such node: nothing changes


def test_typing_and_pasting_weights_builds_the_or_unit(hand):
    hand.preset.setCurrentIndex(0)  # custom
    while len(hand.editors) > 1:
        hand.remove_layer()
    ed = hand.editors[0]
    ed.units.setValue(1)
    ed.activation.setCurrentIndex(ed.activation.findData("step"))
    ed.table.setCurrentCell(0, 0)
    assert ed.table.paste_text("1\n1\n") == 2  # a column pasted from a spreadsheet
    ed.use_bias.setChecked(True)
    ed.table.item(2, 0).setText("-1")
    hand.rows.setCurrentCell(0, 0)
    hand.rows.paste_text("0\t0\n0\t1\n1\t0\n1\t1")  # rows grow to fit
    assert hand.rows.rowCount() == 4
    assert [_float(hand.rows, r, 2) for r in range(4)] == [0.0, 1.0, 1.0, 1.0]
    net = hand.current_net()
    assert net.layers[0].bias.tolist() == [-1.0] and net.layers[0].activation == "step"
    # a cell that is not a number: a clear message, the cell marked, no stale answers
    ed.table.item(1, 0).setText("abc")
    assert "Layer 1, node 1, weight from x1: 'abc' is not a number" in hand.status.text()
    assert hand.trace is None
    ed.table.item(1, 0).setText("1")
    assert hand.trace is not None and "4 rows evaluated" in hand.status.text()


def test_growing_the_network_keeps_shapes_consistent(hand):
    hand.load_preset("w5-relu")
    hand.editors[0].units.setValue(3)  # a third hidden node
    assert hand.preset.currentIndex() == 0  # now a custom network
    assert hand.editors[1].n_inputs == 3  # the next layer follows
    hand.editors[0].table.item(0, 2).setText("1")
    hand.editors[1].table.item(2, 0).setText("10")
    # [-1, 2]: third hidden node relu(-1 + 0) = 0 -> output still -3; with x0 = 1 it adds 10
    assert _float(hand.rows, 0, 2) == -3.0
    hand.rows.item(0, 0).setText("1")
    assert _float(hand.rows, 0, 2) == pytest.approx(2 * 9 - 11 + 10)
    hand.inputs.setValue(3)
    assert hand.editors[0].n_inputs == 3 and hand.rows.columnCount() == 3 + 1 + 1
    hand.add_layer()
    assert len(hand.editors) == 3 and hand.editors[2].n_inputs == 1
    assert hand.trace.output.shape == (1, 1)


def test_save_and_open_json(hand, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    messages = []
    hand.message.connect(lambda level, text: messages.append((level, text)))
    hand.load_preset("w5-two-hidden")
    path = tmp_path / "two.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "two"), ""))
    hand.save_file()
    d = json.loads(path.read_text())
    assert d["layers"][1]["weights"] == [[-1, 2], [1, 2]] and d["rows"] == [[3, 5]]
    assert messages[-1][0] == "info"
    hand.load_preset("w5-relu")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    hand.open_file()
    assert len(hand.editors) == 3 and _float(hand.rows, 0, 2) == 364.0
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [{"weights": [[1, 2], [3]]}]}')
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    hand.open_file()
    assert messages[-1][0] == "error" and "row 2 has 1 numbers but row 1 has 2" in messages[-1][1]
    assert _float(hand.rows, 0, 2) == 364.0  # the network shown is unchanged
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    hand.open_file()  # cancelled: nothing happens
    assert len(hand.editors) == 3


def test_before_training_the_inspector_says_so_and_offers_hand_mode(window):
    insp = window.inspector
    assert window.tabs.indexOf(insp) >= 0
    mv = insp.model_view
    assert mv.stack.currentIndex() == 0 and "no trained model yet" in mv.empty_text.text()
    assert not insp.select_node(0, 0)  # nothing to select yet
    mv.hand_btn.click()
    assert insp.tabs.currentIndex() == insp.HAND


def test_trained_network_matches_keras_node_by_node(window, qtbot):
    from nnstudio.core.forward import forward, layers_from_model
    from nnstudio.core.gradients import keras_gradients

    insp = window.inspector
    window.tabs.setCurrentWidget(insp)
    insp.tabs.setCurrentIndex(insp.MAPS)
    window.training_panel.epochs.setValue(6)
    updates = []
    window.state.training_progress.connect(lambda p: updates.append(p))
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    model = window.state.model
    # per-neuron maps: the trained model's hidden activations over the plane
    maps = insp.maps
    qtbot.waitUntil(lambda: maps.maps is not None and maps.updates >= 1, timeout=5_000)
    from nnstudio.core.forward import neuron_maps
    from nnstudio.ui.inspector.maps import RESOLUTION

    expected = neuron_maps(layers_from_model(model), maps.grid_inputs, RESOLUTION)
    np.testing.assert_allclose(maps.maps[0], expected[0], atol=1e-6)
    assert maps.maps[0].shape == (6, RESOLUTION, RESOLUTION) and len(maps.images) == 6 + 4 + 1
    assert updates and updates[-1].weights is not None

    mv = insp.model_view
    insp.show_data_row(7)
    assert insp.tabs.currentIndex() == insp.TRAINED and mv.stack.currentIndex() == 1
    qtbot.waitUntil(lambda: mv.keras_output is not None and mv.trace_view.grads is not None, timeout=30_000)
    frame = window.state.project.dataset.frame
    x_raw = frame.loc[7, ["x", "y"]].to_numpy(dtype=float)
    pre = window.state.prepared().preprocessor
    X = pre.transform(frame.loc[[7], ["x", "y"]])
    # the preprocessing step shown is the fitted one: raw -> scaled
    assert float(mv.prep.item(0, 1).text()) == pytest.approx(x_raw[0], abs=1e-4)
    assert float(mv.prep.item(0, 3).text()) == pytest.approx(X[0, 0], rel=1e-5)
    keras_out = np.asarray(model(X, training=False))
    np.testing.assert_allclose(mv.trace.output, keras_out, atol=1e-5)
    np.testing.assert_allclose(mv.keras_output.reshape(-1), keras_out.reshape(-1), atol=0)
    np.testing.assert_allclose(mv.trace.output, forward(layers_from_model(model), X), atol=1e-7)
    banner = mv.banner.text()
    assert "largest difference" in banner and "the same to float32 precision" in banner
    predicted = int(keras_out[0, 0] >= 0.5)
    assert f"class id = {predicted}</b>" in banner
    # gradients for the sample, beside the forward values, equal Keras' own
    y = int(frame.loc[7, "class id"])
    assert mv._target() == y  # defaults to the sample's true class
    ref = keras_gradients(model, X[0], y, "binary_crossentropy")
    np.testing.assert_allclose(mv.trace_view.grads.kernels[0], ref["nnstudio_net/dense_0/kernel"], atol=1e-6)
    # the network view's hook: select a node, see its inputs, weights, sum, activation and dL/dw
    assert insp.select_node(1, 2)
    tv = mv.trace_view
    assert tv.selected == (1, 2) and tv.diagram.selected == (1, 2)
    assert tv.nodes.selectionModel().selectedRows()[0].row() == tv._node_rows[(1, 2)]
    d = tv.detail
    lt = mv.trace.layers[1]
    for i in range(6):
        assert float(d.item(i, 1).text()) == pytest.approx(lt.inputs[0, i], rel=1e-5, abs=1e-6)
        assert float(d.item(i, 2).text()) == pytest.approx(lt.layer.kernel[i, 2], rel=1e-5)
        assert float(d.item(i, 4).text()) == pytest.approx(ref["nnstudio_net/dense_1/kernel"][i, 2],
                                                           rel=1e-4, abs=1e-7)
    assert float(d.item(7, 3).text()) == pytest.approx(lt.z[0, 2], rel=1e-5, abs=1e-6)
    # a test row, then values typed in the form (original units)
    mv.show_test_row(0)
    assert mv.sample_key == ("test", 0)
    mv.set_form_values({"x": 0.5, "y": -0.5})
    Xf = pre.transform(__import__("pandas").DataFrame({"x": [0.5], "y": [-0.5]}))
    np.testing.assert_allclose(mv.trace.output, np.asarray(model(Xf, training=False)), atol=1e-5)
    qtbot.waitUntil(lambda: not mv.job.busy, timeout=30_000)


def test_neuron_maps_follow_training_live(window, qtbot):
    from nnstudio.core.forward import layers_from_weights, neuron_maps
    from nnstudio.ui.inspector.maps import RESOLUTION

    insp = window.inspector
    window.tabs.setCurrentWidget(insp)
    insp.tabs.setCurrentIndex(insp.MAPS)
    maps = insp.maps
    assert maps.view.empty and "No maps to show yet" in maps.view.label.text()  # not a white box
    window.training_panel.epochs.setValue(100_000)
    seen = []
    window.state.training_progress.connect(lambda p: seen.append(p))
    window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: maps.updates >= 2, timeout=60_000)
    assert window.training.busy and "live, epoch" in maps.caption.text()
    assert not maps.view.empty and maps.scroll.isVisible()
    drawn = [m.copy() if m is not None else None for m in maps.maps]
    assert maps.updates <= len(seen)  # rate-limited: never more redraws than reports
    # what is drawn is the engine's maps for one of the reported weight sets
    p = window.state.project
    specs = p.spec.layers_for(p.task, 2)
    candidates = [neuron_maps(layers_from_weights(specs, s.weights), maps.grid_inputs, RESOLUTION)
                  for s in seen if s.weights is not None]
    assert any(np.allclose(c[0], drawn[0], atol=1e-6) for c in candidates)
    # the node-by-node view follows the live weights too (Keras' check waits for the end)
    mv = insp.model_view
    insp.tabs.setCurrentIndex(insp.TRAINED)
    qtbot.waitUntil(lambda: mv.source == "live" and "Live weights at epoch" in mv.banner.text(),
                    timeout=10_000)
    assert mv.trace is not None and mv.trace.output.shape == (1, 1)
    # the sample's preprocessing (raw -> encoded -> scaled) does not change with the weights: its
    # table is not filled again at every live update (0.18 s of each 0.29 s refresh on digits)
    first, trace = mv.prep.item(0, 1), mv.trace
    qtbot.waitUntil(lambda: mv.trace is not trace, timeout=10_000)
    assert mv.prep.item(0, 1) is first
    with qtbot.waitSignal(window.state.training_finished, timeout=10_000):
        window.training_panel.stop_btn.click()


def test_hand_gradients_step_has_none_sigmoid_has(hand, qtbot, tf_loaded):
    hand.state.tf_loaded = True
    hand.load_preset("w2-or-step")
    hand.editors[0].table.item(2, 0).setText("-2")  # now (0, 1) -> 0 although OR says 1
    hand.rows.selectRow(1)
    tv = hand.trace_view
    qtbot.waitUntil(lambda: tv.grads is not None and not hand.job.busy, timeout=30_000)
    assert _float(hand.rows, 1, 2) == 0.0 and tv.grads.loss == 1.0
    assert np.all(tv.grads.kernels[0] == 0) and "No gradient flows here" in tv.grad_label.text()
    hand.load_preset("w2-or-sigmoid")
    hand.rows.selectRow(1)
    qtbot.waitUntil(lambda: tv.grads is not None and not tv.grads.blocked[0] and not hand.job.busy,
                    timeout=30_000)
    assert tv.grads.kernels[0][1, 0] != 0  # input b = 1: its weight gets a gradient
    assert tv.detail.item(1, 4).text() != ""  # dLoss/dw shown beside the forward values


def test_w6_graph_preset(qtbot, tf_loaded):
    from nnstudio.ui.app import create_app
    from nnstudio.ui.common.workers import WorkerPool
    from nnstudio.ui.inspector.graph import GraphView

    create_app()
    pool = WorkerPool()
    view = GraphView(pool)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.computed, timeout=30_000) as blocker:
        view.compute()
    r = blocker.args[0]
    assert r.forward == {"p": 4.0, "g": -12.0}
    t = view.table
    cells = {t.item(i, 0).text(): (t.item(i, 1).text(), t.item(i, 2).text()) for i in range(t.rowCount())}
    assert cells["p = x + y"] == ("4", "dg/dp = -3") and cells["g = p · z"] == ("-12", "dg/dg = 1")
    assert cells["z"][1] == "dg/dz = 4" and cells["x"][1] == "dg/dx = -3" and cells["y"][1] == "dg/dy = -3"
    assert "agree" in view.steps.text()
    with qtbot.waitSignal(view.computed, timeout=30_000) as b2:
        view.z.setValue(2.0)  # debounced recompute
    assert b2.args[0].forward["g"] == 8.0 and b2.args[0].backward["dg/dx"] == 2.0
    qtbot.waitUntil(lambda: not view.job.busy, timeout=10_000)
    pool.stop_all()


def test_form_with_categoricals_shows_raw_encoded_scaled(window, qtbot):
    """A churn-like table: categoricals are lists in the form, one-hot in the network's inputs."""
    import pandas as pd
    from PySide6.QtWidgets import QComboBox

    from nnstudio.core.data import Dataset
    from nnstudio.core.model.build import build_model
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import TrainResult

    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"Geography": rng.choice(["France", "Germany", "Spain"], n),
                          "Gender": rng.choice(["Female", "Male"], n),
                          "Age": rng.integers(18, 80, n).astype(float),
                          "Exited": rng.integers(0, 2, n)})
    window.state.set_project(Project.from_dataset(Dataset(frame, "mini churn"), "Exited"))
    data = window.state.prepared()
    model = build_model(window.state.project.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    window.state.set_result(TrainResult(model, {}, 0, "completed", "", 0.0))  # any model will do
    mv = window.inspector.model_view
    assert mv.stack.currentIndex() == 1
    # the form's fields are made when the form is shown, not for every file opened (a pixel
    # file's 686 fields took 0.36 s of the window's time)
    assert mv._form_widgets == {}
    mv.source_box.setCurrentIndex(2)
    geo = mv._form_widgets["Geography"]
    assert isinstance(geo, QComboBox) and [geo.itemText(i) for i in range(geo.count())] == \
        ["France", "Germany", "Spain"]
    mv.set_form_values({"Geography": "Spain", "Gender": "Female", "Age": 40})
    prep = {mv.prep.item(r, 2).text(): mv.prep.item(r, 3).text() for r in range(mv.prep.rowCount())}
    assert prep["Geography=Spain: 1"] == "1" and prep["Geography=France: 0"] == "0"
    age = data.preprocessor.columns[[c.name for c in data.preprocessor.columns].index("Age")]
    assert mv.prep_how.text().count("standardized") == 1 and "one-hot" in mv.prep_how.text()
    row = pd.DataFrame({"Geography": ["Spain"], "Gender": ["Female"], "Age": [40.0]})
    X = data.preprocessor.transform(row)
    assert float(prep["40"]) == pytest.approx((40 - age.center) / age.scale, rel=1e-5)
    np.testing.assert_allclose(mv.trace.output, np.asarray(model(X, training=False)), atol=1e-5)
    assert mv.trace_view.input_names == data.preprocessor.output_names
    qtbot.waitUntil(lambda: mv.keras_output is not None and not mv.job.busy, timeout=30_000)
    assert "the same to float32 precision" in mv.banner.text()


def test_column_titles_of_the_diagram_do_not_run_into_each_other(window, qtbot):
    """Long layer titles ("Dense 1, sigmoid (uniform) (output)") are wrapped to their column, and
    the preprocessing table keeps four rows in view however long the list of scalings is."""
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    from nnstudio.core.model.build import build_model
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import TrainResult

    window.state.set_project(Project.from_example("churn"))
    data = window.state.prepared()
    model = build_model(window.state.project.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    window.state.set_result(TrainResult(model, {}, 0, "completed", "", 0.0))
    window.tabs.setCurrentWidget(window.inspector)
    mv = window.inspector.model_view
    diagram = mv.trace_view.diagram
    qtbot.waitUntil(lambda: bool(diagram.nodes), timeout=10_000)
    titles = sorted((i.sceneBoundingRect() for i in diagram.scene().items()
                     if isinstance(i, QGraphicsSimpleTextItem) and "\n" in i.text()),
                    key=lambda r: r.left())
    assert len(titles) >= 2 and any("(output)" in i.text() for i in diagram.scene().items()
                                    if isinstance(i, QGraphicsSimpleTextItem))
    for a, b in zip(titles, titles[1:]):
        assert a.right() < b.left(), (a, b)
    rows = mv.prep.verticalHeader().defaultSectionSize()
    assert mv.prep.minimumHeight() >= 4 * rows


def _small_trace_view(qtbot):
    """A TraceView showing a 2-3-1 network (ones for weights) on the row [1, 2]; (view, X, the
    hidden layer, the output layer)."""
    from nnstudio.core.forward import ForwardLayer, trace
    from nnstudio.ui.inspector.trace import TraceView

    tv = TraceView()
    qtbot.addWidget(tv)
    X = np.array([[1.0, 2.0]], np.float32)
    hidden = ForwardLayer("dense", np.ones((2, 3), np.float32), np.zeros(3, np.float32), "relu")
    out = ForwardLayer("dense", np.ones((3, 1), np.float32), np.zeros(1, np.float32), "sigmoid")
    tv.set_trace(trace([hidden, out], X), 0, ["x", "y"], ["Dense 3", "Output"])
    return tv, X, hidden, out


def test_a_dropout_where_the_selected_node_was_moves_the_selection(qtbot):
    """The selected node's layer becomes a Dropout (the network was edited and trained again): the
    selection goes to the output, as for a node that no longer exists. Before, the view took the
    Dropout for batch normalization and raised in the event loop (its scale is None)."""
    from nnstudio.core.forward import ForwardLayer, trace

    tv, X, hidden, out = _small_trace_view(qtbot)
    assert tv.select_node(1, 0) and tv.selected == (1, 0)
    dropped = trace([hidden, ForwardLayer("identity"), out], X)
    tv.set_trace(dropped, 0, ["x", "y"], ["Dense 3", "Dropout", "Output"])
    assert tv.selected == (2, 0)
    assert "Output" in tv.detail_title.text()
    assert not tv.select_node(1, 0)  # a Dropout has no node to show


def test_no_gradients_to_clear_leaves_the_node_table_as_it_is(qtbot):
    """Every live update during training said "no gradients yet" by filling the node table again,
    a second time after the new trace had filled it (33 ms of each 0.11 s refresh on digits)."""
    from nnstudio.core.gradients import SampleGradients

    tv = _small_trace_view(qtbot)[0]
    first = tv.nodes.item(0, 3)
    tv.set_gradients(None, "Gradients appear when training ends.")
    assert tv.nodes.item(0, 3) is first  # nothing to clear: not filled again
    grads = SampleGradients("binary_crossentropy", 0.5, np.array([0.9]), np.array([1.0]),
                            kernels=[np.zeros((2, 3)), np.zeros((3, 1))],
                            biases=[np.zeros(3), np.zeros(1)],
                            dz=[np.array([0.1, 0.2, 0.3]), np.array([0.5])], blocked=[False, False])
    tv.set_gradients(grads)
    assert tv.nodes.item(0, 6).text() == "0.1" and tv.nodes.item(3, 6).text() == "0.5"
    assert tv.nodes.item(0, 3) is first  # the column written, not the table made again
    tv.set_gradients(None, "stale")  # gradients shown: cleared
    assert tv.nodes.item(0, 6).text() == ""


def test_the_node_table_keeps_its_values_in_view_and_its_sum_readable(qtbot):
    """At 1280 x 720 the stretched weighted-sum column (then third) was a few pixels wide, its
    header cut to "sum z ="; with long layer titles a and dLoss/dz were pushed out of view. The
    sum is now last, at least as wide as its header (the table scrolls), filling a wide table;
    long layer titles are capped and their whole text is the cell's tooltip."""
    from nnstudio.core.forward import trace
    from nnstudio.ui.inspector.trace import LABEL_COLUMNS_MAX_PX, NODE_COLUMNS

    tv, X, hidden, out = _small_trace_view(qtbot)
    title = "2. Dense 3, relu (uniform), a very long title of a layer"
    tv.set_trace(trace([hidden, out], X), 0, ["x", "y"], [title, "Output"])
    tv.show()
    header = tv.nodes.horizontalHeader()
    assert header.visualIndex(2) == len(NODE_COLUMNS) - 1  # the written-out sum last
    assert header.sectionSize(0) <= LABEL_COLUMNS_MAX_PX[0]
    assert tv.nodes.item(0, 0).toolTip() == title
    others = sum(header.sectionSize(c) for c in range(len(NODE_COLUMNS)) if c != 2)
    need = others + header.sectionSizeHint(2)
    for width, roomy in ((300, False), (2400, True)):
        tv.resize(width, 700)
        qtbot.waitUntil(lambda roomy=roomy: (tv.nodes.viewport().width() > need) == roomy)
        qtbot.wait(20)
        assert header.sectionSize(2) >= header.sectionSizeHint(2)  # its header whole
        if roomy:  # room to spare: the sum fills it, nothing scrolls
            assert others + header.sectionSize(2) == tv.nodes.viewport().width()


def test_a_very_wide_layer_lists_a_bounded_table_that_still_adds_up(qtbot):
    """A hidden layer of 5,000 units: the node table lists the first 200 and says how many more
    (100,000 units froze the window for 25 s), and an output node's detail lists its 200 largest
    terms and the rest as one row, so that the column still sums to z."""
    from nnstudio.core.forward import ForwardLayer, trace
    from nnstudio.ui.inspector.trace import DETAIL_INPUTS_MAX, NODE_ROWS_MAX, TraceView

    rng = np.random.default_rng(0)
    tv = TraceView()
    qtbot.addWidget(tv)
    X = rng.normal(size=(1, 3)).astype(np.float32)
    hidden = ForwardLayer("dense", rng.normal(size=(3, 5000)).astype(np.float32),
                          np.zeros(5000, np.float32), "relu")
    out = ForwardLayer("dense", rng.normal(size=(5000, 1)).astype(np.float32) / 50,
                       np.full(1, 0.25, np.float32), "linear")
    t = trace([hidden, out], X, dtype=np.float64)
    tv.set_trace(t, 0, ["a", "b", "c"], ["Dense 5000", "Output"])
    assert tv.nodes.rowCount() == NODE_ROWS_MAX + 1 + 1  # 200 hidden, "+4,800 more", the output
    more = tv.nodes.item(NODE_ROWS_MAX, 1).text()
    assert more == "+4,800"
    assert tv.select_node(1, 0)
    rows = tv.detail.rowCount()
    assert rows == DETAIL_INPUTS_MAX + 1 + 3  # 200 terms, the other inputs, bias, z, a
    assert "other 4,800 inputs" in tv.detail.item(DETAIL_INPUTS_MAX, 0).text()
    terms = [float(tv.detail.item(i, 3).text().replace("−", "-"))
             for i in range(DETAIL_INPUTS_MAX + 2)]  # the terms, the rest, the bias
    z = float(tv.detail.item(DETAIL_INPUTS_MAX + 2, 3).text().replace("−", "-"))
    assert sum(terms) == pytest.approx(z, rel=1e-5, abs=1e-6)
    assert z == pytest.approx(float(t.layers[1].z[0, 0]), rel=1e-6)
    shown = [abs(v) for v in terms[:DETAIL_INPUTS_MAX]]
    assert shown == sorted(shown, reverse=True)  # the largest terms first


def test_hidden_neuron_maps_wait_to_be_shown(window, qtbot, monkeypatch):
    """The maps of a trained model are computed when their tab is shown, not at the end of every
    run while another tab is open (a wide layer's maps held the window for 10 s there)."""
    from nnstudio.ui.inspector import maps as maps_module

    computed = []
    real = maps_module.neuron_maps
    monkeypatch.setattr(maps_module, "neuron_maps", lambda *a, **k: computed.append(1) or real(*a, **k))
    insp = window.inspector
    window.tabs.setCurrentWidget(window.data_panel)
    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    qtbot.wait(300)
    assert not insp.maps.isVisible() and computed == []
    window.tabs.setCurrentWidget(insp)
    insp.tabs.setCurrentIndex(insp.MAPS)
    qtbot.waitUntil(lambda: insp.maps.updates >= 1, timeout=5_000)
    assert computed and "the trained model" in insp.maps.caption.text()


def test_a_wide_networks_neuron_maps_are_computed_on_a_worker(window, qtbot, monkeypatch):
    """A 100,000-unit layer's maps held the window for 5 s on the GUI thread; maps that cost more
    than INLINE_MULTIPLY_ADDS are computed on a worker and drawn when they arrive."""
    import threading

    from nnstudio.ui.inspector import maps as maps_module

    threads = []
    real = maps_module.neuron_maps
    monkeypatch.setattr(maps_module, "neuron_maps",
                        lambda *a, **k: threads.append(threading.current_thread()) or real(*a, **k))
    monkeypatch.setattr(maps_module, "INLINE_MULTIPLY_ADDS", 0)  # XOR's net counts as wide
    window.training_panel.epochs.setValue(2)
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    insp = window.inspector
    window.tabs.setCurrentWidget(insp)
    insp.tabs.setCurrentIndex(insp.MAPS)
    qtbot.waitUntil(lambda: insp.maps.updates >= 1, timeout=10_000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert insp.maps.maps[0].shape[0] == 6 and len(insp.maps.images) == 6 + 4 + 1
    assert "the trained model" in insp.maps.caption.text()


def test_hand_layers_of_different_heights_line_up_at_the_top(hand, qtbot):
    """A 1-input layer beside a 32-row one was centred in the row: its title sat far down, cut off
    by the bottom of the scroll area at 1280 x 720 (monkey seed 42's screenshot)."""
    hand.load_preset("w5-relu")
    hand.editors[0].units.setValue(32)  # the next layer gets 32 input rows: much taller
    qtbot.waitUntil(lambda: hand.editors[1].sizeHint().height() > hand.editors[0].sizeHint().height() + 100)
    qtbot.wait(50)
    assert hand.editors[0].geometry().top() == hand.editors[1].geometry().top()


def test_a_model_that_arrives_while_the_trace_is_hidden_is_traced_when_looked_at(window, qtbot):
    """The end of a run (or a workbook opened) while the Trained network view is hidden draws
    nothing there: the diagram and node table took 0.3-1.5 s of the window while a worker ran
    Python (monkey seed 147). Showing the view, or a node asked for from elsewhere, traces it."""
    insp = window.inspector
    mv = insp.model_view
    window.tabs.setCurrentWidget(window.data_panel)
    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: window.state.model is not None, timeout=10_000)
    assert not mv.isVisible() and mv.trace is None and not mv.trace_view.diagram.nodes
    assert not mv.job.busy  # nor Keras' check started for a sample not traced
    # the network view's "show this node in the inspector" on the hidden view
    assert insp.select_node(1, 2)
    assert mv.trace is not None and mv.trace_view.selected == (1, 2)
    from nnstudio.core.forward import forward, layers_from_model

    np.testing.assert_allclose(mv.trace.output, forward(layers_from_model(window.state.model), mv.X),
                               atol=1e-7)
    qtbot.waitUntil(lambda: mv.keras_output is not None, timeout=30_000)
    # a second run while another tab is open: stale again, traced as the tab is shown
    window.tabs.setCurrentWidget(window.data_panel)
    old = mv.trace
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: mv._stale, timeout=10_000)
    assert mv.trace is old
    window.tabs.setCurrentWidget(insp)
    assert mv.trace is not old and not mv._stale
    np.testing.assert_allclose(mv.trace.output, forward(layers_from_model(window.state.model), mv.X),
                               atol=1e-7)
    qtbot.waitUntil(lambda: not mv.job.busy, timeout=30_000)


def test_the_diagram_s_edges_and_nodes_answer_the_pointer(qtbot):
    """The edges are drawn as a few paths (one per colour, style and width step): each edge still
    has its tooltip, found by position, and a click on a node selects it."""
    from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QGraphicsPathItem, QToolTip

    from nnstudio.core.forward import ForwardLayer, trace
    from nnstudio.ui.inspector.diagram import MAX_NODES, NetworkDiagram, R

    rng = np.random.default_rng(3)
    hidden = ForwardLayer("dense", rng.normal(size=(3, 12)).astype(np.float32),
                          np.zeros(12, np.float32), "relu")
    out = ForwardLayer("dense", rng.normal(size=(12, 2)).astype(np.float32),
                       np.zeros(2, np.float32), "linear")
    X = np.array([[0.5, -1.0, 0.0]], np.float32)  # input 3 is 0: its terms are dotted edges
    t = trace([hidden, out], X)
    view = NetworkDiagram()
    qtbot.addWidget(view)
    view.resize(600, 700)
    view.show()
    view.set_trace(t, 0, ["a", "b", "c"], ["Dense 12", "Output"])
    shown = MAX_NODES - 1  # of the 12 hidden nodes
    assert len(view.nodes) == 3 + shown + 2
    paths = [i for i in view.scene().items() if isinstance(i, QGraphicsPathItem)]
    assert 1 < len(paths) < 3 * shown + shown * 2  # grouped, not one item an edge
    # the edge from input 1 (a = 0.5) to hidden node 1: at its midpoint no other edge passes
    a = view.nodes[(-1, 0)].scenePos() + QPointF(R, 0)
    b = view.nodes[(0, 0)].scenePos() - QPointF(R, 0)
    mid = (a + b) / 2
    w = float(hidden.kernel[0, 0])
    assert view.edge_tip_at(mid, 1.0) == f"weight {fmt_(w)} × input 0.5 = {fmt_(w * 0.5)}"
    # as the pointer rests there: Qt's tooltip event
    vp = view.mapFromScene(mid)
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, vp,
                                                       view.viewport().mapToGlobal(vp)))
    assert QToolTip.text() == view.edge_tip_at(mid, 1.0)
    # input 3 (c = 0) to hidden node 1: a term of 0
    c = view.nodes[(-1, 2)].scenePos() + QPointF(R, 0)
    assert view.edge_tip_at(c + (b - c) * 0.75, 1.0).endswith("input 0 = 0")  # (no crossing there)
    assert view.edge_tip_at(QPointF(mid.x(), mid.y() + 400), 1.0) is None
    # a click on output node 2 selects it and says so
    node = view.nodes[(1, 1)]
    pos = view.mapFromScene(node.scenePos())
    with qtbot.waitSignal(view.node_clicked) as sig:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos.x(), pos.y()))
    assert sig.args == [1, 1] and view.selected == (1, 1)
    # an infinite term (hand-set weights can be anything) is drawn at the widest, not an error
    hidden.kernel[0, 0] = np.inf
    with np.errstate(invalid="ignore"):  # inf x 0 in the forward pass: NaN further on
        t = trace([hidden, out], X)
    view.set_trace(t, 0, ["a", "b", "c"], ["Dense 12", "Output"])
    assert view.edge_tip_at(mid, 1.0) == f"weight {fmt_(np.inf)} × input 0.5 = {fmt_(np.inf)}"


def fmt_(v: float) -> str:
    from nnstudio.core.forward import fmt

    return fmt(v)
