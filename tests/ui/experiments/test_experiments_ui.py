"""The Runs tab (pytest-qt): the table sorts, filters, edits and exports; selected runs overlay
their curves (seed groups as mean ± sd bands); two runs diff in plain words; two seed groups get a
verdict; runs trained in the window, by Repeat and by a sweep preset are recorded; restore."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from nnstudio.core.experiments.record import RunRecord, new_id
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.project import Project
from nnstudio.core.training.settings import TrainSettings
from nnstudio.ui.experiments.runs_model import RUN_ROLE
from nnstudio.ui.experiments.runs_panel import RunsPanel
from nnstudio.ui.state import AppState

BASE = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")])
DROP = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2), LayerSpec.dense(4, "relu")])


def run(spec, seed, acc, group=None, lr=0.001, knobs=None) -> RunRecord:
    curve = list(np.linspace(0.5, acc, 10))
    return RunRecord(id=new_id(), spec=spec.to_dict(),
                     settings=TrainSettings(seed=seed, learning_rate=lr).to_dict(),
                     data={"kind": "example", "name": "XOR", "example": "xor"},
                     history={"loss": [1 - a for a in curve], "accuracy": curve,
                              "val_loss": [1 - a for a in curve], "val_accuracy": curve},
                     final={"train": {"loss": 1 - acc, "accuracy": acc},
                            "val": {"loss": 1 - acc, "accuracy": acc},
                            "test": {"loss": 1 - acc, "accuracy": acc}},
                     epochs_run=10, seconds=0.1, params=51, group=group, knobs=knobs or {},
                     name=f"seed {seed}" + (" drop" if spec is DROP else ""))


@pytest.fixture
def panel(qtbot):
    state = AppState(Project.from_example("xor"))
    state.project.runs = (
        [run(BASE, s, a, "g0", knobs={"dropout": 0.0}) for s, a in enumerate((0.95, 0.96, 0.94))]
        + [run(DROP, s, a, "g1", knobs={"dropout": 0.2}) for s, a in enumerate((0.93, 0.95, 0.94))]
        + [run(BASE, 0, 0.90, lr=0.01)])
    p = RunsPanel(state)
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    return p


def select_rows(panel, rows):
    sel = panel.table.selectionModel()
    sel.clearSelection()
    for r in rows:
        sel.select(panel.proxy.index(r, 0), QItemSelectionModel.SelectionFlag.Select
                   | QItemSelectionModel.SelectionFlag.Rows)


def column(panel, header):
    return [c[1] for c in panel.model.columns].index(header)


def test_runs_that_differ_in_class_weights_show_their_test_balanced_accuracy(panel):
    """Accuracy cannot compare runs with and without class weights: the table adds the test rows'
    balanced accuracy for them, and only for them (one more column of every classifier's runs)."""
    runs = panel.state.project.runs
    for r in runs:
        r.final["test"]["balanced_accuracy"] = 0.5
    panel.state.project.runs = list(runs)
    panel.refresh()
    assert "test balanced accuracy" not in [c[1] for c in panel.model.columns]
    weighted = run(BASE, 0, 0.70)
    weighted.settings["class_weight"] = "balanced"
    weighted.final["test"]["balanced_accuracy"] = 0.64
    panel.state.project.runs = [*runs, weighted]
    panel.refresh()
    col = column(panel, "test balanced accuracy")
    assert panel.model.index(len(runs), col).data() == "0.6400"


def test_table_shows_differing_settings_and_metrics_sorts_and_filters(panel):
    headers = [c[1] for c in panel.model.columns]
    assert "learning rate" in headers and "seed" in headers and "test accuracy" in headers
    assert "optimizer" not in headers  # the same for every run: not a column
    assert panel.proxy.rowCount() == 7
    col = column(panel, "test accuracy")
    panel.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    vals = [float(panel.proxy.index(r, col).data()) for r in range(7)]
    assert vals == sorted(vals, reverse=True) and vals[0] == 0.96
    panel.filter.setText("drop")
    assert panel.proxy.rowCount() == 3
    panel.filter.setText("")
    assert panel.proxy.rowCount() == 7
    # a seed group's seconds are each run's share of a program they may have shared: say so
    tip = Qt.ItemDataRole.ToolTipRole
    sec = column(panel, "Seconds")
    grouped = [r for r in range(7) if panel.proxy.index(r, 0).data(RUN_ROLE).group]
    alone = [r for r in range(7) if not panel.proxy.index(r, 0).data(RUN_ROLE).group]
    assert "share" in panel.proxy.index(grouped[0], sec).data(tip)
    assert panel.proxy.index(alone[0], sec).data(tip) is None


def test_the_plot_says_what_to_do_when_it_has_nothing_to_draw(panel, qtbot):
    assert panel.plot_view.empty and "Select runs in the table" in panel.plot_view.label.text()
    select_rows(panel, [0])
    assert not panel.plot_view.empty and panel.plot_widget.isVisible()
    none = RunsPanel(AppState(Project.from_example("xor")))  # a project with no runs at all
    qtbot.addWidget(none)
    assert none.plot_view.empty and "No runs yet" in none.plot_view.label.text()


def test_one_run_gives_its_figures_a_line_per_measure(panel):
    select_rows(panel, [6])  # the lone run: 0.90 on every split
    text = panel.verdict.text()
    assert "Accuracy: training 0.9, validation 0.9, test 0.9." in text
    assert "Loss: training 0.1, validation 0.1, test 0.1." in text
    assert "val_accuracy" not in text  # no key names


def test_two_runs_overlay_and_diff_in_plain_words(panel):
    select_rows(panel, [0, 3])  # seed 0 without and with dropout
    names = [item.name() for item in panel.items if isinstance(item, pg.PlotDataItem)]
    assert names == ["seed 0", "seed 0 drop"]
    pens = {item.opts["pen"].color().name() for item in panel.items}
    assert len(pens) == 2  # one colour per run
    assert len(panel.legend.items) == 2
    text = panel.verdict.text()
    assert "Dropout 0.2 after layer 1 added" in text
    select_rows(panel, [0, 6])
    text = panel.verdict.text()
    assert "From seed 0 to seed 0: Learning rate 0.001 -> 0.01." in text
    assert "over 1 seed — one seed cannot tell a real difference from seed noise" in text


def test_two_seed_groups_get_mean_bands_and_a_verdict(panel):
    select_rows(panel, range(6))
    bands = [i for i in panel.items if isinstance(i, pg.FillBetweenItem)]
    assert len(bands) == 2
    means = [i for i in panel.items if isinstance(i, pg.PlotDataItem)]
    assert [m.name() for m in means] == ["dropout=0 (mean ± sd of 3)",
                                         "dropout=0.2 (mean ± sd of 3)"]
    _x, y = means[0].getData()
    assert y[-1] == pytest.approx(0.95)
    text = panel.verdict.text()
    assert text.count("Welch's t-test") == 1 and "within seed noise" in text
    assert "dropout=0.2: 0.940 ± 0.010 vs 0.950 ± 0.010" in text and "over 3 seeds" in text
    panel.grouped.setChecked(False)
    assert not [i for i in panel.items if isinstance(i, pg.FillBetweenItem)]
    assert len([i for i in panel.items if isinstance(i, pg.PlotDataItem)]) == 6


def _lab(c) -> np.ndarray:
    """CIE L*a*b* of a QColor (sRGB, D65): distances in it follow how different colours look."""
    rgb = np.array([c.redF(), c.greenF(), c.blueF()])
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_overlaid_runs_get_colours_that_look_different(panel):
    """Six runs overlaid: every two of their colours differ clearly (CIE76 delta E >= 30; evenly
    spread hues gave a yellow-green beside a green, delta E 22)."""
    panel.grouped.setChecked(False)
    select_rows(panel, range(6))
    lines = [i for i in panel.items if isinstance(i, pg.PlotDataItem)]
    assert len(lines) == 6
    labs = [_lab(i.opts["pen"].color()) for i in lines]
    closest = min(np.linalg.norm(a - b) for i, a in enumerate(labs) for b in labs[i + 1:])
    assert closest >= 30, closest


def test_edit_pin_delete_and_export_csv(panel, tmp_path):
    m = panel.model
    name_col, pin_col = column(panel, "Name"), column(panel, "Pin")
    assert m.setData(m.index(0, name_col), "baseline")
    assert m.setData(m.index(0, pin_col), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    r0 = panel.state.project.runs[0]
    assert r0.name == "baseline" and r0.pinned
    path = tmp_path / "runs.csv"
    panel.export_csv(str(path))
    frame = pd.read_csv(path)
    assert len(frame) == 7 and frame["Name"][0] == "baseline"
    assert list(frame["test accuracy"]) == [r.final["test"]["accuracy"]
                                            for r in panel.state.project.runs]
    select_rows(panel, [6])
    panel.delete_selected()
    assert len(panel.state.project.runs) == 6 and panel.proxy.rowCount() == 6


def test_deleted_runs_come_back_with_undo(qtbot):
    """Delete (the button or the Del key) is one click from losing a sweep's runs: it goes on
    the window's undo stack, and Undo puts the runs back at their places, selected."""
    from PySide6.QtGui import QUndoStack

    state = AppState(Project.from_example("xor"))
    state.project.runs = [run(BASE, s, a, "g0") for s, a in enumerate((0.95, 0.96, 0.94, 0.93))]
    before = [r.id for r in state.project.runs]
    stack = QUndoStack()
    p = RunsPanel(state, undo_stack=stack)
    qtbot.addWidget(p)
    p.show()
    said = []
    p.deleted.connect(said.append)
    select_rows(p, [1, 2])
    p.btn_delete.click()
    assert [r.id for r in state.project.runs] == [before[0], before[3]]
    assert p.proxy.rowCount() == 2 and said == ["Delete 2 runs: Edit > Undo (Ctrl+Z) brings them back."]
    stack.undo()
    assert [r.id for r in state.project.runs] == before  # back where they were
    assert {r.id for r in p.selected_runs()} == {before[1], before[2]}
    stack.redo()
    assert len(state.project.runs) == 2
    stack.undo()
    select_rows(p, [0])
    p.table.setFocus()
    qtbot.keyClick(p.table, Qt.Key.Key_Delete)
    assert [r.id for r in state.project.runs] == before[1:] and stack.count() == 1
    # a command of a project since replaced does nothing
    old = state.project
    state.set_project(Project.from_example("xor"))
    stack.undo()
    assert old.runs[0].id == before[1] and state.project.runs == []


def test_undo_brings_a_deleted_run_back_with_its_weights_after_a_save(qtbot, tmp_path):
    """A saved project's runs keep their weights in files beside it, and a save deletes the files
    the project no longer points to: deleting a run, saving, then Undo must not leave it without
    its weights."""
    from PySide6.QtGui import QUndoStack

    from nnstudio.core import project_file as pf

    project = Project.from_example("xor")
    weights = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(3, np.float32)]
    project.runs = [run(BASE, 0, 0.95), run(BASE, 1, 0.96)]
    project.runs[1].weights = weights
    path = pf.save_project(project, tmp_path / "x.nnstudio")
    state = AppState(pf.load_project(path))
    saved = state.project.runs[1]
    assert saved.weights is None and saved.weights_file.is_file()  # on disk only
    stack = QUndoStack()
    p = RunsPanel(state, undo_stack=stack)
    qtbot.addWidget(p)
    select_rows(p, [1])
    p.delete_selected()
    pf.save_project(state.project, path)
    assert not saved.weights_file.is_file()  # the save deleted the file
    stack.undo()
    back = state.project.runs[1]
    assert back.id == saved.id and back.has_weights
    assert all(np.array_equal(a, b) for a, b in zip(back.load_weights(), weights))
    pf.save_project(state.project, path)  # and the next save keeps them
    assert all(np.array_equal(a, b)
               for a, b in zip(pf.load_project(path).runs[1].load_weights(), weights))


def test_runs_trained_in_the_window_are_recorded_and_restore(window, qtbot):
    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.training.runs_recorded, timeout=60_000) as b:
        window.training.start()
    (rec,) = b.args[0]
    assert rec.epochs_run == 3 and rec.source == "gui" and rec.has_weights
    assert rec.data["example"] == "xor" and rec.params == 51
    assert window.runs_panel.proxy.rowCount() == 1
    # the Runs tab shows the run just trained, with no click, until the user picks runs
    assert [r.id for r in window.runs_panel.selected_runs()] == [rec.id]
    assert not window.runs_panel.plot_view.empty
    qtbot.waitUntil(lambda: not window.training.busy, timeout=5_000)
    window.training_panel.repeat_n.setValue(2)
    with qtbot.waitSignal(window.training.runs_recorded, timeout=60_000) as b:
        window.training_panel.repeat_btn.click()
    recs = b.args[0]
    assert [r.seed for r in recs] == [0, 1] and recs[0].group == recs[1].group is not None
    assert {r.id for r in window.runs_panel.selected_runs()} == {r.id for r in recs}
    qtbot.waitUntil(lambda: not window.training.busy, timeout=5_000)
    # restore the first run after changing the network and learning rate
    window.state.project.spec = DROP.copy()
    window.state.notify_spec_changed()
    window.training_panel.lr.setValue(0.05)
    panel = window.runs_panel
    panel.select_ids({rec.id})
    panel.btn_restore.click()
    assert window.state.project.spec.to_dict() == rec.spec
    assert window.state.project.settings.learning_rate == rec.settings["learning_rate"]
    assert window.training_panel.lr.value() == pytest.approx(rec.settings["learning_rate"])
    window.undo_stack.undo()
    assert window.state.project.spec.to_dict() == DROP.to_dict()
    # open the run's trained model: the same predictions as the model it trained
    window.state.project.spec = BASE.copy()
    window.state.notify_spec_changed()
    assert panel.btn_open.isEnabled()
    panel.btn_open.click()
    model = window.state.model
    assert model is not None
    data = window.state.prepared()
    pred = model.predict(data.X_test[:5], verbose=0)
    assert np.allclose(pred, rec.build_model(data).predict(data.X_test[:5], verbose=0))
    # the user's own pick stays when another run comes in
    qtbot.waitUntil(lambda: not window.training.busy, timeout=5_000)
    with qtbot.waitSignal(window.training.runs_recorded, timeout=60_000):
        window.training.start()
    assert [r.id for r in panel.selected_runs()] == [rec.id] and panel.proxy.rowCount() == 4


def test_sweep_preset_streams_runs_into_the_table(window, qtbot):
    from nnstudio.ui.experiments.install import show_sweep_dialog

    dlg = show_sweep_dialog(window, "xor-dropout")
    qtbot.addWidget(dlg)
    assert dlg.grid.text() == "dropout=0,0.2" and dlg.seeds.value() == 5
    dlg.seeds.setValue(2)
    dlg.grid.setText("dropout=0,0.2;epochs=3")
    streamed = []
    dlg.run_finished.connect(streamed.append)
    with qtbot.waitSignal(dlg.sweep_finished, timeout=120_000) as b:
        assert dlg.start()
        assert not dlg.start()  # one sweep at a time
    res = b.args[0]
    assert len(streamed) == 4 and dlg.progress.value() == 4
    assert "Best by val_accuracy" in dlg.status.text()
    panel = window.runs_panel
    assert panel.proxy.rowCount() == 4
    assert {r.id for r in panel.selected_runs()} == {r.id for r in res.records}
    assert len([i for i in panel.items if isinstance(i, pg.FillBetweenItem)]) == 2
    assert "Welch's t-test" in panel.verdict.text() or "one seed" in panel.verdict.text()
    # a long summary scrolls under the buttons: it never squashes the grid field to a sliver
    # (on a desktop the dialog keeps its size; offscreen it would grow, so hold it as X11 does)
    dlg.setFixedSize(600, 420)
    dlg.status.setText("\n".join(res.summary_text() * 8))
    qtbot.wait(50)
    assert dlg.grid.height() >= dlg.grid.sizeHint().height()
    assert dlg.grid.geometry().bottom() < dlg.btn_run.geometry().top()
    dlg.close()


def test_sweep_over_cross_validation_folds_from_the_dialog(window, qtbot):
    """Each configuration over the folds instead of seeds: the plan says folds, the runs are
    folds in the Runs table, and the verdict pairs them fold by fold."""
    from nnstudio.ui.experiments.install import show_sweep_dialog

    dlg = show_sweep_dialog(window)
    qtbot.addWidget(dlg)
    dlg.grid.setText("lr=0.01,0.001;epochs=5")
    dlg.over.setCurrentIndex(dlg.over.findData("folds"))
    dlg.seeds.setValue(3)
    assert dlg.seeds.minimum() == 2 and "2 configurations × 3 folds = <b>6 runs</b>" in dlg.plan.text()
    with qtbot.waitSignal(dlg.sweep_finished, timeout=120_000) as b:
        assert dlg.start()
    res = b.args[0]
    assert res.folds == 3 and len(res.records) == 6
    assert {r.split["fold"] for r in res.records} == {1, 2, 3}
    assert "paired by fold" in dlg.status.text()
    assert "paired by fold" in window.runs_panel.verdict.text()
    dlg.close()


def test_sweep_cancel_keeps_what_finished(window, qtbot):
    from nnstudio.ui.experiments.install import show_sweep_dialog

    dlg = show_sweep_dialog(window)
    qtbot.addWidget(dlg)
    dlg.grid.setText("lr=0.001,0.01,0.1;epochs=200")
    dlg.seeds.setValue(5)
    with qtbot.waitSignal(dlg.sweep_finished, timeout=120_000) as b:
        dlg.start()
        qtbot.waitUntil(lambda: dlg.progress.value() >= 1, timeout=60_000)
        dlg.btn_cancel.click()
    res = b.args[0]
    assert res.cancelled and 1 <= len(res.records) < 15
    assert "Cancelled" in dlg.status.text()
    assert len(window.state.project.runs) == len(res.records)
    dlg.close()


def test_bad_grid_is_said_in_the_dialog(window, qtbot):
    from nnstudio.ui.experiments.install import show_sweep_dialog

    dlg = show_sweep_dialog(window)
    qtbot.addWidget(dlg)
    # the grid's size is said as it is typed, and what is wrong with it before Run is pressed
    dlg.grid.setText("dropout=0,0.2;lr=0.001,0.01,0.1")
    dlg.seeds.setValue(3)
    assert "6 configurations × 3 seeds = <b>18 runs</b>" in dlg.plan.text()
    assert dlg.btn_run.isEnabled()
    dlg.random.setValue(4)
    assert "4 of the grid's 6 configurations × 3 seeds = <b>12 runs</b>" in dlg.plan.text()
    dlg.grid.setText("dropout=0,3")
    assert "not a rate" in dlg.plan.text() and not dlg.btn_run.isEnabled()
    assert not dlg.start()
    assert "not a rate" in dlg.status.text()
    dlg.grid.setText("dropout=0,0.3")
    assert dlg.btn_run.isEnabled() and "2 configurations" in dlg.plan.text()
    assert "same network" not in dlg.plan.text()
    # dropout on a network with no hidden layer: the same runs twice, said before Run
    dlg.grid.setText("layers=|dense:4:relu;dropout=0,0.3")
    assert "layers=(none), dropout=0.3 trains the same network with the same settings as " \
        "layers=(none), dropout=0: dropout changes nothing there (Dropout follows hidden Dense " \
        "layers, and this network has none)." in dlg.plan.text()
    assert dlg.btn_run.isEnabled()  # a note, not a refusal
    dlg.close()


def test_runs_without_validation_rows_show_their_training_curves(panel):
    """Churn trains with no validation rows: its runs have training curves only. Until the user
    picks a split, the panel draws the curves the selected runs have (and says why), rather than
    empty axes and a message to pick another split."""
    no_val = run(BASE, 0, 0.86)
    no_val.history = {k: v for k, v in no_val.history.items() if not k.startswith("val_")}
    panel.state.project.runs.append(no_val)
    panel.refresh()
    panel.select_ids({no_val.id})
    assert not panel.plot_view.empty and len(panel.items) == 1
    assert panel.split_box.currentData() == "train"
    assert "no validation rows" in panel.plot.titleLabel.text
    # runs that have validation curves: back to those (the user still chose nothing)
    panel.select_ids({panel.state.project.runs[0].id})
    assert panel.split_box.currentData() == "val" and len(panel.items) == 1
    assert "no validation rows" not in panel.plot.titleLabel.text


def test_a_chosen_split_is_kept_and_a_missing_curve_said_so(panel):
    """A split the user picked stays picked: runs without it get a message, not other curves."""
    no_val = run(BASE, 0, 0.86)
    no_val.history = {k: v for k, v in no_val.history.items() if not k.startswith("val_")}
    panel.state.project.runs.append(no_val)
    panel.refresh()
    i = panel.split_box.findData("val")
    panel.split_box.setCurrentIndex(i)
    panel.split_box.activated.emit(i)  # what a click on the box's item sends
    panel.select_ids({no_val.id})
    assert panel.split_box.currentData() == "val"
    assert panel.plot_view.empty and not panel.items
    assert "trained without validation rows" in panel.plot_view.label.text()
    panel.split_box.setCurrentIndex(panel.split_box.findData("train"))
    assert not panel.plot_view.empty and len(panel.items) == 1
    # with a run that has it, the curve that exists is drawn and the title says one is missing
    panel.split_box.setCurrentIndex(panel.split_box.findData("val"))
    panel.select_ids({no_val.id, panel.state.project.runs[-2].id})
    assert not panel.plot_view.empty and len(panel.items) == 1
    assert "1 of 2 selected runs have no such curve" in panel.plot.titleLabel.text


def test_two_repeats_are_told_apart_by_what_differs(panel):
    """Two Repeats are both "repeat ×3" by name: the legend and the verdict name them by their
    networks (or settings), not "repeat ×3 vs repeat ×3"."""
    a = [run(BASE, s, acc, "ga") for s, acc in enumerate((0.95, 0.96, 0.94))]
    b = [run(DROP, s, acc, "gb") for s, acc in enumerate((0.91, 0.92, 0.90))]
    c = [run(BASE, s, acc, "gc", lr=0.05) for s, acc in enumerate((0.80, 0.82, 0.81))]
    for r in a + b + c:
        r.name = f"repeat · seed {r.seed}"
    panel.state.project.runs = a + b + c
    panel.refresh()
    panel.select_ids({r.id for r in a + b})
    text = panel.verdict.text()
    assert "repeat ×3" not in text
    legend = [label.text for _, label in panel.plot.legend.items]
    assert len(set(legend)) == 2 and all("×3 (mean ± sd of 3)" in x for x in legend)
    assert text.startswith("From 6-4 ×3 to 6-drop 0.2-4 ×3: Dropout 0.2 after layer 1 added")
    assert "6-drop 0.2-4 ×3: 0.910 ± 0.010 vs 0.950 ± 0.010 (6-4 ×3)" in text
    panel.select_ids({r.id for r in a + c})  # the same network: the setting that differs names them
    text = panel.verdict.text()
    assert "learning rate 0.05 ×3" in text and "learning rate 0.001 ×3" in text


def test_the_table_gets_its_share_of_the_height(panel, qtbot):
    """At the Runs tab's size in a 1280 x 720 window the table had five rows under a plot twice
    its height: a sweep's runs were read by scrolling."""
    panel.resize(850, 600)
    qtbot.wait(20)
    table, bottom = panel.split.sizes()
    assert table >= 0.4 * (table + bottom)


def test_selecting_a_large_seed_group_redraws_once(qtbot, monkeypatch):
    """A Repeat of many seeds selects its group in one selection change: the plot is drawn once,
    not once per row (65 seeds froze the window for 2 s)."""
    state = AppState(Project.from_example("xor"))
    state.project.runs = [run(BASE, s, 0.9, "g0") for s in range(40)]
    p = RunsPanel(state)
    qtbot.addWidget(p)
    p.show()
    draws = []
    monkeypatch.setattr(p, "redraw", lambda: draws.append(len(p.selected_runs())))
    p.select_ids({r.id for r in state.project.runs[:30]})
    assert draws == [30]
    assert {r.id for r in p.selected_runs()} == {r.id for r in state.project.runs[:30]}


def test_the_legend_names_at_most_eight_curves_and_says_so(qtbot):
    """Twenty runs overlaid one by one: twenty curves, a legend of the first eight in two columns
    (more covered the plot, their colours repeating), and the title says how many it names."""
    from nnstudio.ui.experiments.runs_panel import LEGEND_MAX

    p = _overlaid(qtbot, 20)
    assert _drawn_curves(p) == 20
    assert len(p.legend.items) == LEGEND_MAX == 8 and p.legend.columnCount == 2
    assert f"first {LEGEND_MAX} of 20 curves" in p.plot.titleLabel.text


def _overlaid(qtbot, n: int) -> RunsPanel:
    """A Runs tab with ``n`` runs of one network (each its own rate), all selected, one by one."""
    state = AppState(Project.from_example("xor"))
    state.project.runs = [run(BASE, s, 0.9, lr=0.001 * (s + 1)) for s in range(n)]
    p = RunsPanel(state)
    qtbot.addWidget(p)
    p.show()
    p.grouped.setChecked(False)
    p.select_ids({r.id for r in state.project.runs})
    return p


def _drawn_curves(panel) -> int:
    """Curves drawn: an item's runs are separated by a gap (NaN) where one item draws several."""
    n = 0
    for item in panel.plot.listDataItems():
        y = np.asarray(item.getData()[1], float)
        if len(y):
            n += 1 + int(np.sum(np.isnan(y[1:]) & ~np.isnan(y[:-1])))
    return n


def test_many_runs_overlaid_are_drawn_in_few_items(qtbot):
    """200 runs selected: each a plot item cost ~2.5 ms to make and the redraw 0.5-0.8 s on the
    GUI thread. Runs past the legend's eight share one item per colour (gaps between them):
    every run is still drawn, in its colour."""
    from nnstudio.ui.experiments.runs_panel import LEGEND_MAX

    p = _overlaid(qtbot, 200)
    assert _drawn_curves(p) == 200
    assert len(p.plot.listDataItems()) <= LEGEND_MAX + 10  # one per colour past the legend's


def test_the_legend_sits_where_the_curves_are_not(panel, qtbot):
    """Accuracy climbs, so the legend sits bottom right; a loss falls and ends bottom right, where
    the legend covered the ends of the curves: it moves to the top right."""
    panel.select_ids({r.id for r in panel.state.project.runs})
    panel.resize(900, 700)
    vb = panel.plot.vb

    def legend_in_upper_half() -> bool:
        qtbot.wait(50)
        box = panel.legend.mapRectToItem(vb, panel.legend.boundingRect())
        return box.center().y() < vb.boundingRect().center().y()
    assert not legend_in_upper_half()  # accuracy
    panel.curve.setCurrentIndex(panel.curve.findData("loss"))
    assert legend_in_upper_half()
    panel.curve.setCurrentIndex(panel.curve.findData("metric"))
    assert not legend_in_upper_half()


def test_refreshing_many_runs_sizes_columns_from_a_sample(qtbot):
    """After every run the table is refreshed: its columns are sized from their first rows, not
    from up to 1,000 of them (600 runs took 1 s a refresh, one Python call a cell)."""
    state = AppState(Project.from_example("xor"))
    state.project.runs = [run(BASE, s % 5, 0.9, group=f"g{s // 5}") for s in range(600)]
    p = RunsPanel(state)
    qtbot.addWidget(p)
    p.show()
    rows_read = set()
    real = p.model.data
    p.model.data = lambda index, role=Qt.ItemDataRole.DisplayRole: (
        rows_read.add(index.row()) or real(index, role))
    p.table.resizeColumnsToContents()
    assert rows_read and len(rows_read) <= 200  # of 600


def test_a_refresh_sizes_columns_as_qt_would_without_asking_cell_by_cell(panel):
    """The table is refreshed after each run of a Repeat or sweep, while the next trains: Qt's
    sizing asks the Python model for each cell and role apart, each call waiting for the GIL
    (see tables.fit_columns_to_texts). The columns are sized from the model's texts instead, to
    the widths Qt's own sizing gives (within a glyph's bearing)."""
    panel.state.project.runs[0].note = "a longer note written on the first run"
    panel.state.project.runs[1].name = "seed 1 with a much longer name than the others"
    panel.state.project.runs[2].spec = {"hidden": [LayerSpec.dense(6).to_dict(), LayerSpec.batchnorm().to_dict(),
                                                   LayerSpec.dense(4).to_dict()]}  # "6-batchnorm-4"
    cells = []
    real = type(panel.model).data
    panel.model.data = lambda index, role=Qt.ItemDataRole.DisplayRole: (
        cells.append((index.row(), role)) or real(panel.model, index, role))
    panel.refresh()
    sized = [c for c in cells if c[1] in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.SizeHintRole)]
    widths = [panel.table.columnWidth(i) for i in range(panel.model.columnCount())]
    del panel.model.data
    panel.table.resizeColumnsToContents()
    qt = [panel.table.columnWidth(i) for i in range(panel.model.columnCount())]
    # never narrower than Qt's sizing (its text would be cut short), at most 2 px wider
    assert all(0 <= a - b <= 2 for a, b in zip(widths, qt)), (qt, widths)
    assert len(sized) < panel.model.rowCount() * panel.model.columnCount() / 2


def test_a_refresh_that_keeps_the_selection_draws_the_plot_once(panel, monkeypatch):
    """Reloading the table (after every run) re-selects the runs selected before and draws the
    plot once, not once for the re-selection and again at the end."""
    select_rows(panel, [0, 1, 2])
    draws = []
    monkeypatch.setattr(panel, "redraw", lambda: draws.append(len(panel.selected_runs())))
    panel.refresh()
    assert draws == [3]


def test_runs_just_recorded_are_drawn_once(window, monkeypatch):
    """After each run the table reloads and selects the new runs: the plot is drawn once, for
    the new selection (it was drawn for the old one first, then again: with a sweep's runs
    selected, a second or more of a frozen window after every Repeat)."""
    panel = window.runs_panel
    draws = []
    monkeypatch.setattr(panel, "redraw", lambda: draws.append({r.id for r in panel.selected_runs()}))
    for group in ("g8", "g9"):
        recs = [run(BASE, s, 0.9, group) for s in range(3)]
        window.state.project.runs = [*window.state.project.runs, *recs]
        draws.clear()
        window.training.runs_recorded.emit(recs)
        assert draws == [{r.id for r in panel.selected_runs()}]
    assert len(draws[0]) == 6  # a Repeat after a Repeat: both seed groups


def test_a_repeat_after_a_repeat_shows_both_seed_groups_and_the_verdict(window, qtbot):
    """Dropout off over 2 seeds, then on: the tab shows both groups and the verdict with no click;
    a third Repeat pairs with the second; after a change of data, a Repeat is shown alone."""
    panel = window.runs_panel
    window.training_panel.epochs.setValue(3)
    window.training_panel.repeat_n.setValue(2)

    def repeat() -> list:
        qtbot.waitUntil(lambda: not window.training.busy, timeout=10_000)
        with qtbot.waitSignal(window.training.runs_recorded, timeout=60_000) as b:
            window.training_panel.repeat_btn.click()
        return b.args[0]

    window.state.project.spec = BASE.copy()
    window.state.notify_spec_changed()
    off = repeat()
    window.state.project.spec = DROP.copy()
    window.state.notify_spec_changed()
    on = repeat()
    assert {r.id for r in panel.selected_runs()} == {r.id for r in off + on}
    text = panel.verdict.text()
    assert "dropout" in text.lower() and "×2" in text
    again = repeat()  # the same network again: paired with the one before, not with the first
    assert {r.id for r in panel.selected_runs()} == {r.id for r in on + again}
    window.state.project.split.seed += 1  # other rows in each split: not the same comparison
    window.state.notify_data_changed()
    other = repeat()
    assert {r.id for r in panel.selected_runs()} == {r.id for r in other}


def test_long_runs_are_drawn_with_a_thin_pen(panel):
    """A run of 13,000 epochs drawn with a 2-pixel antialiased pen took 0.8 s a repaint (Qt
    strokes wide pens about 100 times slower): curves of more than WIDE_PEN_POINTS points get a
    1-pixel pen, short ones keep 2 pixels."""
    from nnstudio.ui.common.plots import WIDE_PEN_POINTS

    select_rows(panel, range(3))  # a seed group of 10-epoch runs
    means = [i for i in panel.items if isinstance(i, pg.PlotDataItem)]
    assert [m.opts["pen"].widthF() for m in means] == [2.0]
    long = np.linspace(0.5, 0.9, WIDE_PEN_POINTS + 1).tolist()
    for r in panel.state.project.runs[:3]:
        r.history = {k: long for k in r.history}
    panel.redraw()
    means = [i for i in panel.items if isinstance(i, pg.PlotDataItem)]
    assert len(means[0].getData()[0]) == WIDE_PEN_POINTS + 1
    assert [m.opts["pen"].widthF() for m in means] == [1.0]


def test_by_setting_names_values_the_seeds_cannot_place_yet(panel):
    """0.2's three seeds at 0.80, 0.86, 0.92 against 0's 0.95 ± 0.01: Welch's test cannot call the
    gap real (p = 0.12), but it is wider than the seeds' spread; the note says to Repeat with
    more seeds instead of calling 0.2 'within seed noise' of the best."""
    for r, acc in zip(panel.state.project.runs[3:6], (0.80, 0.86, 0.92)):
        r.final["val"]["accuracy"] = acc
    select_rows(panel, range(6))
    view = panel.by_setting
    panel.views.setCurrentWidget(view)
    assert "Within seed noise" not in view.note.text()
    assert "The seeds cannot tell 0.2 from it yet: Repeat with more seeds to know." in view.note.text()


def test_regression_runs_name_their_curve_mae_not_accuracy(panel):
    """House prices: the runs record MAE, and the box and the title said 'accuracy' over it."""
    reg = [run(BASE, s, 0.9, "greg") for s in range(2)]
    for r in reg:
        r.history = {"loss": [3.0, 2.0], "mae": [30.0, 20.0], "val_loss": [3.5, 2.5],
                     "val_mae": [33.0, 22.0]}
    panel.state.project.runs += reg
    panel.refresh()
    panel.select_ids({r.id for r in reg})
    assert panel.curve.itemText(panel.curve.findData("metric")) == "MAE"
    assert panel.plot.titleLabel.text.startswith("MAE (validation")
    # classifiers' runs: accuracy again
    panel.select_ids({panel.state.project.runs[0].id})
    assert panel.curve.itemText(panel.curve.findData("metric")) == "accuracy"
    assert panel.plot.titleLabel.text.startswith("accuracy (validation")


def test_by_setting_draws_each_values_runs_and_names_the_best(panel, qtbot):
    """A sweep's two dropout values, three seeds each: the By-setting tab draws every run's final
    figure at its value, each value's mean ± sd, and names the best; the figure follows the Curve
    box (loss: lower is better)."""
    select_rows(panel, range(6))
    view = panel.by_setting
    panel.views.setCurrentWidget(view)
    assert [view.axis_box.itemText(i) for i in range(view.axis_box.count())] == ["dropout"]
    assert [(c.label, len(c.ys)) for c in view.cols] == [("0", 3), ("0.2", 3)]
    assert view.cols[0].mean == pytest.approx(0.95) and view.cols[1].sd == pytest.approx(0.01)
    bars = [i for i in view.plot.items if isinstance(i, pg.ErrorBarItem)]
    assert len(bars) == 1 and np.allclose(bars[0].opts["height"], [0.02, 0.02])
    dots = [i for i in view.plot.items if isinstance(i, pg.ScatterPlotItem)]
    assert sorted(len(d.data) for d in dots) == [2, 3, 3]  # the means, then each value's runs
    run_dots = [d for d in dots if d.opts["hoverable"]]  # a run's dot names it on hover
    assert [list(d.data["data"]) for d in run_dots] == [["seed 0", "seed 1", "seed 2"],
                                                        ["seed 0 drop", "seed 1 drop", "seed 2 drop"]]
    assert run_dots[0].opts["tip"](x=0, y=0.95, data="seed 0") == "seed 0: 0.95"
    assert "Best dropout: <b>0</b>, final accuracy (validation) <b>0.95</b>" in view.note.text()
    assert ("Within seed noise of it (Welch's t-test, p ≥ 0.05, no farther off than the seeds' "
            "spread): 0.2.") in view.note.text()
    assert [t[1] for t in view.plot.getAxis("bottom")._tickLevels[0]] == ["0", "0.2"]
    assert not view.plot.getAxis("left").autoSIPrefix  # 0.95, not "950 (x0.001)"
    panel.curve.setCurrentIndex(panel.curve.findData("loss"))
    assert "Best dropout: <b>0</b>, final loss (validation) <b>0.05</b>" in view.note.text()
    # with a run at another learning rate: that setting too, chosen in the box
    select_rows(panel, range(7))
    assert [view.axis_box.itemText(i) for i in range(view.axis_box.count())] == ["dropout", "learning rate"]
    view.axis_box.setCurrentIndex(1)
    view.axis_box.activated.emit(1)
    assert [(c.label, len(c.ys)) for c in view.cols] == [("0.001", 6), ("0.01", 1)]
    assert "A value with one run has no spread" in view.note.text()
    select_rows(panel, range(6))
    assert view.axis_box.currentText() == "dropout"  # the chosen axis is gone: the first one
    # one seed group: nothing differs but the seed, and the view says so
    select_rows(panel, range(3))
    assert not view.cols and "differ only in their seeds" in view.view.label.text()


def test_a_regressions_curves_go_on_a_log_axis_until_the_user_says_otherwise(panel):
    """House prices: a loss from 150,000 to 700 flattened on the Runs tab's linear axis after a
    few epochs (the Training tab draws it on a log axis). Regression runs get Log scale ticked;
    accuracy keeps 0..1; the user's choice stays; a band never reaches zero on the log axis."""
    def reg(seed, end):
        loss = list(np.geomspace(150_000, end, 20))
        return RunRecord(id=new_id(), spec=BASE.to_dict(), settings=TrainSettings(seed=seed).to_dict(),
                         data={"kind": "example", "name": "XOR", "example": "xor"},
                         history={"loss": loss, "mae": loss, "val_loss": loss, "val_mae": loss},
                         final={"val": {"loss": end, "mae": end}}, epochs_run=20, params=51,
                         group="reg", name=f"reg {seed}")
    panel.state.project.runs = panel.state.project.runs + [reg(0, 700.0), reg(1, 9_000.0), reg(2, 50.0)]
    panel.refresh()
    select_rows(panel, [7, 8, 9])
    assert panel.log_scale.isChecked() and panel.log_scale.isEnabled()
    assert panel.plot.getAxis("left").logMode
    band = [i for i in panel.items if isinstance(i, pg.FillBetweenItem)][0]
    low = band.curves[0].yData  # the lower edge, as drawn: its values, not their logarithms
    assert np.all(np.isfinite(np.log10(low))) and np.all(low > 0)
    select_rows(panel, [0, 1])  # classification, accuracy: a linear 0..1 axis, the box idle
    assert not panel.plot.getAxis("left").logMode and not panel.log_scale.isEnabled()
    panel.curve.setCurrentIndex(panel.curve.findData("loss"))
    assert not panel.log_scale.isChecked() and panel.log_scale.isEnabled()
    panel.log_scale.click()  # the user's choice: log for a classifier's loss too, and it stays
    assert panel.plot.getAxis("left").logMode
    select_rows(panel, [7, 8, 9])
    panel.log_scale.click()
    select_rows(panel, [7, 8])
    assert not panel.log_scale.isChecked() and not panel.plot.getAxis("left").logMode


def test_a_coachs_fix_is_shown_beside_the_run_it_fixes(window, qtbot):
    """auto-mpg: Try the fix (twice the epochs) trained the comparison run and the Runs tab showed
    it alone, its figures and no diff; the coach's docs promise it beside the original. Both are
    selected: the diff in words and both curves."""
    from nnstudio.core.coach import Finding, Fix

    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.training.runs_recorded, timeout=60_000) as b:
        window.training.start()
    (first,) = b.args[0]
    qtbot.waitUntil(lambda: not window.training.busy and window.state.timeline_run is first,
                    timeout=10_000)
    window.state.set_findings([Finding("still_learning", "Still falling.", "Train longer.",
                                       fix=Fix("epochs 3 → 6", knobs={"epochs": 6}))])
    with qtbot.waitSignal(window.training.runs_recorded, timeout=60_000) as b:
        window.coach.fix_button.click()
    (fix,) = b.args[0]
    panel = window.runs_panel
    assert fix.epochs_run == 6 and fix.name == "coach (still_learning): epochs 3 → 6"
    assert {r.id for r in panel.selected_runs()} == {first.id, fix.id}
    assert ": Epochs 3 -> 6." in panel.verdict.text()  # what differs, in words
    qtbot.waitUntil(lambda: not window.training.busy, timeout=10_000)
    with qtbot.waitSignal(window.training.runs_recorded, timeout=60_000) as b:
        window.training.start()  # a plain Train after it: back to the usual rule
    assert [r.id for r in panel.selected_runs()] == [b.args[0][0].id]
