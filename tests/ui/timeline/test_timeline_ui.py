"""Issue 19 in the GUI, without training (a run record with a small timeline and health): the
scrubber moves the state's epoch and the curves' marker, replays, and asks for a branch; the coach
lists findings and its fix becomes a comparison run's plan; the Health tab draws a layer; the Runs
table says where a branch comes from."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.core.coach import Finding, Fix
from nnstudio.core.experiments.record import RunRecord
from nnstudio.core.health import HealthMonitor
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.timeline.snapshots import Snapshot, Timeline
from nnstudio.ui.experiments.runs_model import RunsTableModel
from nnstudio.ui.state import AppState
from nnstudio.ui.timeline.coach_panel import CoachPanel
from nnstudio.ui.timeline.health_view import HealthView
from nnstudio.ui.timeline.scrubber import Scrubber
from nnstudio.ui.training.curves import CurvesView


class _Dense:
    def __init__(self, k, b, act, name):
        self.kind, self.kernel, self.bias, self.activation, self.name = "dense", k, b, act, name


@pytest.fixture
def run():
    spec = NetworkSpec.parse("dense:3:relu", Task.BINARY, 2)
    rng = np.random.default_rng(0)
    tl = Timeline()
    mon = HealthMonitor(rng.normal(size=(20, 2)).astype(np.float32), rng.integers(0, 2, 20),
                        "binary_crossentropy")
    for e in (1, 3, 6, 10):
        w = [rng.normal(size=(2, 3)).astype(np.float32), np.zeros(3, np.float32),
             rng.normal(size=(3, 1)).astype(np.float32), np.zeros(1, np.float32)]
        tl.add(Snapshot(e, w, None))
        layers = [_Dense(w[0], w[1], "relu", "dense_1"), _Dense(w[2], w[3], "sigmoid", "dense_2")]
        mon.health.points.append(mon.point(e, layers))
    rec = RunRecord(id="abc123", spec=spec.to_dict(), settings=TrainSettings(epochs=10).to_dict(),
                    data={"name": "xor"}, history={"loss": list(np.linspace(0.7, 0.3, 10)),
                                                   "accuracy": list(np.linspace(0.5, 0.9, 10))},
                    epochs_run=10, timeline=tl)
    rec.health = mon.health
    return rec


def test_the_scrubber_moves_the_epoch_shown_and_replays(qtbot, run):
    state = AppState()
    curves = CurvesView(state)
    sc = Scrubber(state)
    qtbot.addWidget(curves)
    qtbot.addWidget(sc)
    assert not sc.slider.isEnabled()
    shown = []
    state.epoch_shown.connect(shown.append)
    state.set_timeline_run(run)
    assert sc.slider.isEnabled() and sc.slider.maximum() == 3 and "4 snapshots" in sc.memory_label.text()
    sc.show_index(1)
    assert shown[-1].epoch == 3 and shown[-1].epochs == 10 and len(shown[-1].weights) == 4
    assert curves.epoch_lines[0].isVisible() and curves.epoch_lines[0].value() == 3
    assert sc.epoch_label.text() == "epoch 3 of 10"
    branches = []
    sc.branch_requested.connect(branches.append)
    sc.branch_button.click()
    assert branches[0].epoch == 3 and branches[0].snapshot is run.timeline.at(3)
    sc.speed.setCurrentIndex(3)  # 25 a second
    sc.play_button.setChecked(True)
    assert sc.slider.value() == 1  # replays from where it is
    qtbot.waitUntil(lambda: not sc.play_button.isChecked(), timeout=3000)
    assert shown[-1].epoch == 10 and [s.epoch for s in shown[-3:]] == [3, 6, 10]
    state.show_epoch(None)
    assert not curves.epoch_lines[0].isVisible()


def test_the_coach_lists_findings_and_its_fix_is_a_comparison_run(qtbot, run):
    state = AppState()
    panel = CoachPanel(state)
    qtbot.addWidget(panel)
    assert not panel.fix_button.isEnabled()
    state.set_timeline_run(run)
    state.set_findings([Finding("lr_too_low", "The loss barely moved.", "Steps too small.", epoch=10,
                                fix=Fix("learning rate 0.001 → 0.01", knobs={"lr": 0.01}))])
    assert panel.list.count() == 1 and "barely moved" in panel.list.item(0).text()
    assert panel.fix_button.isEnabled() and panel.fix_button.text() == "Try the fix"
    assert panel.reason.text() == "Steps too small. The fix to try: learning rate 0.001 → 0.01."
    assert "learning rate 0.001 → 0.01" in panel.fix_button.toolTip()
    with qtbot.waitSignal(panel.fix_requested) as sig:
        panel.fix_button.click()
    plan = sig.args[0]
    assert plan.settings.learning_rate == 0.01 and plan.knobs == {"lr": 0.01}
    assert plan.snapshot is None and "lr_too_low" in plan.name
    # a finding of two sentences is read in the list's width, wrapped, not by scrolling sideways
    long = ("Training levelled off at a loss of 0.691 with test accuracy 0.430, no better than "
            "the 0.500 of always answering '0': this network cannot draw the boundary.")
    state.set_findings([Finding("underfitting", long, "Too simple.")])
    panel.resize(420, 200)
    panel.show()
    qtbot.waitExposed(panel)
    item = panel.list.item(0)
    assert panel.list.horizontalScrollBar().maximum() == 0
    assert panel.list.visualItemRect(item).height() >= 2 * panel.list.fontMetrics().height()
    assert long in item.toolTip() and "Too simple." in item.toolTip()
    state.set_findings([])
    assert panel.list.count() == 0 and "nothing to report" in panel.title.text()


def test_a_tried_fix_can_be_kept_while_the_editor_still_holds_the_original(qtbot, run):
    """3 % fraud: 'Try the fix' trained balanced class weights beside the original and the views
    showed that run, but the editor kept class weight none, so the Repeat pressed next to check it
    over 5 seeds trained the original again (five runs at 0.970, all 'no'), with nothing saying so.
    Beside the fix's run the coach offers 'Keep the fix', which puts its settings in the editor."""
    state = AppState()
    state.project.spec, state.project.settings = run.network(), run.train_settings()
    panel = CoachPanel(state)
    qtbot.addWidget(panel)
    assert panel.keep_button.isHidden()
    state.set_timeline_run(run)
    state.set_findings([Finding("majority_class", "Always 'no'.", "Rare class.",
                                fix=Fix("balanced class weights", settings={"class_weight": "balanced"}))])
    assert panel.keep_button.isHidden()  # the original's own findings: nothing to keep
    with qtbot.waitSignal(panel.fix_requested) as sig:
        panel.fix_button.click()
    plan = sig.args[0]
    fixed = RunRecord(id="fix456", spec=plan.spec.to_dict(), settings=plan.settings.to_dict(),
                      data={"name": "xor"}, history={"loss": [0.7, 0.5]}, epochs_run=2, name=plan.name)
    state.set_timeline_run(fixed)  # the fix's run ended: the views show it
    state.set_findings([])
    assert not panel.keep_button.isHidden() and panel.keep_button.text() == "Keep the fix"
    assert "class weights" in panel.keep_button.toolTip()
    with qtbot.waitSignal(panel.keep_requested) as kept:
        panel.keep_button.click()
    assert kept.args[0] is fixed
    state.project.settings = plan.settings  # what keeping does (restore_run)
    state.notify_settings_changed()
    assert panel.keep_button.isHidden()  # kept: nothing more to keep
    state.project.settings = replace(run.train_settings(), learning_rate=0.05)  # edited since
    state.notify_settings_changed()
    assert panel.keep_button.isHidden()  # the editor holds neither: keeping would undo an edit


def test_the_health_tab_draws_a_layer_and_the_runs_table_shows_branches(qtbot, run):
    state = AppState()
    view = HealthView(state)
    qtbot.addWidget(view)
    # nothing to draw: a message in place of four empty plots with made-up axes
    assert view.view.empty and "Train a network to see its health" in view.view.label.text()
    assert not view.layer.isEnabled()
    state.set_timeline_run(run)
    assert not view.view.empty and view.view.currentWidget() is view.glw
    assert view.layer.isEnabled() and view.layer.count() == 2
    x, y = view.dead.getData()
    assert list(x) == [1, 3, 6, 10] and all(0 <= v <= 1 for v in y)
    assert view.w_img.image.shape == (4, 40)
    for plot in (view.w_plot, view.a_plot):  # values as they are, not "400, value (x0.001)"
        plot.setYRange(-0.4, 0.4, padding=0)  # digits' first-layer weights
        axis = plot.getAxis("left")
        assert axis.range[1] == 0.4 and axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
    assert "dead ReLU units" in view.summary.text() and "at epoch 10:" in view.summary.text()
    # the numbers follow the scrubber: the last report at or before the epoch it shows
    from types import SimpleNamespace

    state.show_epoch(SimpleNamespace(epoch=5))
    assert "at epoch 3:" in view.summary.text() and view.lines[0].value() == 5
    state.show_epoch(None)
    assert "at epoch 10:" in view.summary.text()
    child = RunRecord(id="def456", spec=run.spec, settings=run.settings, data=run.data,
                      history={"loss": [0.3, 0.2]}, parent="abc123", parent_epoch=6, name="branch")
    model = RunsTableModel()
    model.set_runs([run, child])
    col = [c[1] for c in model.columns].index("Branched from")
    assert model.value(1, col) == "↳ run abc123 @ epoch 6" and model.value(0, col) == ""


def test_the_replay_exports_as_an_animated_gif_and_as_frames(window, run, tmp_path):
    from PIL import Image

    from nnstudio.ui.timeline.replay import export_replay

    window.state.set_timeline_run(run)
    sc = window.scrubber
    sc.show_index(1)
    assert export_replay(window, str(tmp_path / "replay.gif")) == 4
    with Image.open(tmp_path / "replay.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == 4 and gif.info["loop"] == 0
        assert abs(gif.info["duration"] - 1000 / 3) <= 10  # the scrubber's speed, 3 a second (GIF counts 1/100 s)
        first = gif.convert("RGB").tobytes()
        gif.seek(3)
        assert gif.convert("RGB").tobytes() != first  # the frames differ: the replay moves
    assert sc.slider.value() == 1  # back where the user was
    assert export_replay(window, str(tmp_path / "frames")) == 4
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [f"frame-{i:04d}.png" for i in range(4)]


def test_a_findings_evidence_is_marked_on_the_curves_and_its_layer_shown_in_health(qtbot, run):
    state = AppState()
    curves, panel, health = CurvesView(state), CoachPanel(state), HealthView(state)
    for w in (curves, panel, health):
        qtbot.addWidget(w)
    state.set_timeline_run(run)
    assert not curves.evidence["loss"].isVisible() and health.layer.currentIndex() == 0
    over = Finding("overfitting", "Validation loss rises from epoch 6.", "…", epoch=6,
                   evidence={"curve": "val_loss", "from": 6, "to": 10})
    dead = Finding("dead_relu", "Most ReLUs of dense_2 are dead.", "…", layer="dense_2",
                   evidence={"layer": "dense_2", "series": "dead"})
    state.set_findings([over, dead])  # the first finding is selected
    assert curves.evidence["loss"].isVisible() and not curves.evidence["metric"].isVisible()
    assert curves.evidence["loss"].getRegion() == (5.5, 10.5)
    panel.list.setCurrentRow(1)
    assert not curves.evidence["loss"].isVisible() and health.layer.currentIndex() == 1
    state.set_findings([])
    assert not curves.evidence["loss"].isVisible()


def test_the_inspector_follows_the_scrubber_node_by_node(window, run):
    state, insp = window.state, window.inspector.model_view
    state.project.spec = NetworkSpec.parse("dense:3:relu", Task.BINARY, 2)  # the run's network
    state.notify_spec_changed()
    state.set_timeline_run(run)
    window.show()
    window.tabs.setCurrentWidget(window.inspector)  # the node table is drawn when it is seen
    window.scrubber.show_index(1)
    assert insp.source == "snapshot" and insp.live_epoch == (3, 10)
    w = run.timeline.at(3).variables
    np.testing.assert_allclose(insp.layers[0].kernel, w[0])
    assert "epoch 3 of 10" in insp.banner.text()
    window.scrubber.show_index(3)
    np.testing.assert_allclose(insp.layers[1].kernel, run.timeline.at(10).variables[2])
    state.show_epoch(None)  # back to the end: no trained model in this window
    assert insp.source is None


def test_the_evaluation_says_it_shows_a_past_epoch_not_live_training(window, run, qtbot):
    """Scrubbed back, the Evaluation figures are the snapshot's: the tab says which epoch and that
    End returns to the model; it said "Live … the figures follow training" with nothing training."""
    state, ev = window.state, window.evaluation
    state.project.spec = NetworkSpec.parse("dense:3:relu", Task.BINARY, 2)  # the run's network
    state.notify_spec_changed()
    state.set_timeline_run(run)
    window.show()
    window.tabs.setCurrentWidget(ev)
    with qtbot.waitSignal(ev.evaluated, timeout=30_000):
        window.scrubber.show_index(1)
    assert not state.training and "Live" not in ev.status.text()
    assert "Epoch 3 of 10</b> (timeline)" in ev.status.text() and "End returns" in ev.status.text()


def test_the_runs_table_shows_branches_as_a_tree(qtbot, run):
    from PySide6.QtCore import Qt

    def rec(id_, parent=None, epoch=None):
        return RunRecord(id=id_, spec=run.spec, settings=run.settings, data=run.data,
                         history={"loss": [0.3]}, parent=parent, parent_epoch=epoch, name=id_)

    other, child, grandchild, orphan = rec("zzz"), rec("c1", "abc123", 6), rec("g1", "c1", 2), rec("o1", "gone", 3)
    model = RunsTableModel()
    model.set_runs([run, other, grandchild, child, orphan])  # the order the runs were made in
    assert [r.id for r in model.runs] == ["abc123", "c1", "g1", "zzz", "o1"]
    assert [model.depth_of(i) for i in range(5)] == [0, 1, 2, 0, 0]
    name = [c[0] for c in model.columns].index("name")
    shown = [model.data(model.index(i, name), Qt.ItemDataRole.DisplayRole) for i in range(5)]
    assert shown[1].startswith("↳ ") and shown[2].startswith("    ↳ ") and not shown[3].startswith("↳")
    assert model.value(1, name) == child.label()  # sorting and CSV use the plain name


def test_selecting_a_run_with_snapshots_in_the_runs_table_goes_back_over_it(qtbot, run):
    from dataclasses import replace as dc_replace

    from nnstudio.core.project import Project
    from nnstudio.ui.experiments.runs_panel import RunsPanel

    project = Project.from_example("xor")
    project.spec = NetworkSpec.parse("dense:3:relu", Task.BINARY, 2)
    state = AppState(project)
    here = dc_replace(run, spec=project.spec.to_dict(), data={"name": project.dataset.name},
                      preprocess=project.preprocess.to_dict(), split=project.split.to_dict(),
                      target=project.roles.target)
    other_net = dc_replace(here, id="other1", spec=NetworkSpec.parse("dense:5:relu", Task.BINARY, 2).to_dict())
    project.runs = [here, other_net]
    panel = RunsPanel(state)
    qtbot.addWidget(panel)
    panel.refresh()
    panel.select_ids({"other1"})  # another network: the scrubber cannot draw it on this one
    assert state.timeline_run is None
    panel.select_ids({here.id})
    assert state.timeline_run is here


def test_the_branch_dialog_names_optimizers_as_the_settings_do(qtbot, run):
    """'Adam', 'SGD' as in the training settings (not 'adam', 'sgd'), the choice kept as its key,
    and the introduction wrapped rather than stretching the dialog."""
    from nnstudio.ui.timeline.install import BranchDialog
    from nnstudio.ui.timeline.scrubber import EpochShown

    shown = EpochShown(run, 5, 10, [], None)
    dlg = BranchDialog(shown, run.network(), run.train_settings())
    qtbot.addWidget(dlg)
    items = [dlg.optimizer.itemText(i) for i in range(dlg.optimizer.count())]
    assert "Adam" in items and "SGD" in items and "adam" not in items
    assert dlg.optimizer.currentData() == run.train_settings().optimizer
    dlg.optimizer.setCurrentIndex(dlg.optimizer.findData("sgd"))
    _, settings = dlg.result_setup()
    assert settings.optimizer == "sgd"
    dlg.show()
    assert dlg.width() < 700


def test_a_branch_keeps_each_layers_own_l2_and_dropout_unless_changed(qtbot, run):
    """The dialog shows the first layer's L2 and dropout rate; accepting it unchanged used to set
    every layer to those, silently changing a network whose layers had rates of their own."""
    from nnstudio.ui.timeline.install import BranchDialog
    from nnstudio.ui.timeline.scrubber import EpochShown

    spec = NetworkSpec([LayerSpec.dense(6, "relu", l2=0.01), LayerSpec.dropout(0.1),
                        LayerSpec.dense(4, "relu"), LayerSpec.dropout(0.3)])
    dlg = BranchDialog(EpochShown(run, 5, 10, [], None), spec, run.train_settings())
    qtbot.addWidget(dlg)
    assert dlg.l2.value() == 0.01 and dlg.dropout.value() == 0.1
    unchanged, _ = dlg.result_setup()
    assert unchanged.to_dict() == spec.to_dict()
    dlg.l2.setValue(0.001)
    dlg.dropout.setValue(0.5)
    changed, _ = dlg.result_setup()
    assert [la.l2 for la in changed.hidden if la.kind == "dense"] == [0.001, 0.001]
    assert [la.rate for la in changed.hidden if la.kind == "dropout"] == [0.5, 0.5]


def test_the_histograms_over_time_have_no_empty_stripes():
    """Each epoch's 24 bins went whole into one of 40 common bins by their centre: about a third
    of the common bins stayed empty in every row, white stripes across a uniform spread of weights.
    Counts are shared out by overlap; each row still sums to 1."""
    from nnstudio.ui.timeline.health_view import histogram_image

    hists = []
    for spread in (1.0, 0.98, 1.03):  # each epoch's own edges, nearly the same range
        edges = np.linspace(-spread, spread, 25)
        hists.append(([100] * 24, edges.tolist()))
    img, lo, hi = histogram_image(hists)
    assert (lo, hi) == (-1.03, 1.03)
    inner = img[0, 1:-1]  # the first row spans -1..1: the outermost common bins only partly
    assert inner.min() > 0.5 * inner.mean()
    np.testing.assert_allclose(img.sum(axis=1), 1.0)
