"""The first run: the window opens on XOR, trains live in a worker thread, stops, closes cleanly."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.core.training.engine import TrainResult


def test_opens_on_xor_ready_to_train(window):
    p = window.state.project
    assert p.example == "xor"
    assert [(l.kind, l.units, l.activation) for l in p.spec.hidden] == [("dense", 6, "relu"),
                                                                         ("dense", 4, "relu")]
    texts = [window.layers.list.item(i).text() for i in range(window.layers.list.count())]
    assert any("Dense 6, relu" in t for t in texts) and any("sigmoid" in t for t in texts)
    tp = window.training_panel
    assert tp.optimizer.currentText() == "Adam"
    assert tp.lr.value() == 0.001 and tp.epochs.value() == 100 and tp.batch_size.value() == 32
    assert tp.train_btn.isEnabled()
    assert len(window.surface.scatters) == 2  # one scatter per class


def test_train_pressed_while_tensorflow_loads_starts_once_it_is_ready(qtbot, tf_loaded):
    from nnstudio.ui.main_window import MainWindow

    win = MainWindow(load_tensorflow=False)
    qtbot.addWidget(win)
    win.training_toolbar.set_pace("max")
    tp, ctl = win.training_panel, win.training
    assert tp.train_btn.isEnabled() and "still loading" in tp.train_btn.toolTip()
    tp.epochs.setValue(3)
    tp.train_btn.click()  # the app's first seconds: kept, not refused with a dialog
    assert ctl.run_state == "waiting" and not hasattr(win, "last_message")
    assert not tp.train_btn.isEnabled() and tp.stop_btn.isEnabled() and not tp.epochs.isEnabled()
    assert "starts as soon as it is ready" in win.statusBar().currentMessage()
    banner = win.layers.lock_banner  # the layer editor says why it is locked, and how to undo it
    assert banner.isVisibleTo(win) and "starts as soon as TensorFlow has loaded" in banner.text()
    with qtbot.waitSignal(win.state.training_finished, timeout=60_000) as blocker:
        win.state.set_tf_ready()
        assert ctl.run_state == "running" and "Locked while training runs" in banner.text()
    assert blocker.args[0].epochs_run == 3
    qtbot.waitUntil(lambda: not ctl.busy, timeout=5_000)
    win.close()


def test_stop_cancels_a_train_kept_for_tensorflow(qtbot, tf_loaded):
    from nnstudio.ui.main_window import MainWindow

    win = MainWindow(load_tensorflow=False)
    qtbot.addWidget(win)
    tp, ctl = win.training_panel, win.training
    tp.repeat_btn.click()
    assert ctl.run_state == "waiting"
    tp.stop_btn.click()
    assert ctl.run_state == "idle" and tp.train_btn.isEnabled() and tp.epochs.isEnabled()
    started = []
    win.state.training_started.connect(lambda *a: started.append(a))
    win.state.set_tf_ready()  # nothing was waiting any more: nothing starts
    assert ctl.run_state == "idle" and not started
    win.close()


def test_training_delivers_curves_and_finishes(window, qtbot):
    window.training_panel.epochs.setValue(8)
    progress = []
    window.state.training_progress.connect(progress.append)
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000) as blocker:
        window.training_panel.train_btn.click()
        assert window.training.busy  # the GUI thread is free: training runs on a worker
    result: TrainResult = blocker.args[0]
    assert result.status == "completed" and result.epochs_run == 8
    assert progress and progress[-1].epoch == 8
    assert window.curves.epochs_shown == 8
    assert len(window.curves.curves["val_loss"].getData()[1]) == 8
    assert "Test accuracy" in window.training_panel.result.text()
    assert window.state.model is not None
    assert window.training_panel.train_btn.isEnabled()
    # the finished worker is forgotten by the pool, on the GUI thread
    qtbot.waitUntil(lambda: not any(w.name == "training" for w in window.pool._workers), timeout=5_000)


def test_stop_mid_run_keeps_curves_and_train_starts_fresh(window, qtbot):
    window.training_panel.epochs.setValue(100_000)
    seen = []
    window.state.training_progress.connect(lambda p: seen.append(p.epoch))
    window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1] >= 3, timeout=60_000)
    with qtbot.waitSignal(window.state.training_finished, timeout=5_000) as blocker:
        window.training_panel.stop_btn.click()
    r = blocker.args[0]
    assert r.status == "stopped" and 3 <= r.epochs_run < 100_000
    assert window.curves.epochs_shown == r.epochs_run
    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000) as b2:
        window.training_panel.train_btn.click()
    assert b2.args[0].epochs_run == 3 and window.curves.epochs_shown == 3


def test_close_mid_training_leaves_no_thread(window, qtbot):
    from nnstudio.ui.common.workers import running_workers

    window.training_panel.epochs.setValue(100_000)
    seen = []
    window.state.training_progress.connect(lambda p: seen.append(p.epoch))
    window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)
    window.close()
    assert running_workers() == []


def test_node_clicked_in_network_view_is_selected_in_inspector(window, qtbot):
    window.training_panel.epochs.setValue(2)
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    window.inspector.tabs.setCurrentIndex(window.inspector.HAND)
    window.network_view.select(1, 2)  # second Dense layer, third unit, as a click does
    assert window.inspector.tabs.currentIndex() == window.inspector.TRAINED
    window.inspector.tabs.setCurrentIndex(window.inspector.HAND)
    window.network_view.select(1, 99)  # no such node: nothing changes
    assert window.inspector.tabs.currentIndex() == window.inspector.HAND


def test_unsaved_changes_are_asked_about_before_an_example_replaces_them(window, monkeypatch):
    window.training_panel.epochs.setValue(7)  # an unsaved change
    assert window.state.dirty
    asked = []
    monkeypatch.setattr(window.project_actions, "ask_unsaved", lambda: asked.append(1) or "cancel")
    act = next(a for a in window.examples_menu.actions() if a.data() == "perceptron")
    act.trigger()  # the user's command asks
    assert asked and window.state.project.example == "xor"  # cancelled: nothing replaced
    monkeypatch.setattr(window.project_actions, "ask_unsaved", lambda: "discard")
    act.trigger()
    assert window.state.project.example == "perceptron"
    window.training_panel.epochs.setValue(9)
    window.load_example("xor")  # code never opens a dialog
    assert window.state.project.example == "xor"


def test_repeat_runs_report_each_seed_and_mean_sd(window, qtbot):
    import numpy as np

    window.training_panel.epochs.setValue(3)
    window.training_panel.repeat_n.setValue(3)
    runs = []
    window.training.repeat_run.connect(runs.append)
    with qtbot.waitSignal(window.training.repeat_finished, timeout=120_000) as blocker:
        window.training_panel.repeat_btn.click()
        assert window.training.busy and not window.training_panel.train_btn.isEnabled()
    summary = blocker.args[0]
    assert [r.seed for r in runs] == [0, 1, 2]
    accs = [r.result.test["accuracy"] for r in runs]
    assert summary.values == accs
    assert np.isclose(summary.mean, np.mean(accs)) and np.isclose(summary.sd, np.std(accs, ddof=1))
    assert "3 runs" in window.training_panel.result.text()
    assert window.state.model is runs[-1].result.model
    assert window.curves.epochs_shown == 3


def test_after_a_repeat_the_curves_show_the_seeds_range_behind_the_run_shown(window, qtbot):
    """Repeat 3: the curves are the last seed's, with each epoch's range over the 3 seeds as a band
    behind them (what the seeds agree on, and how far they spread); the next Train drops it."""
    import numpy as np

    window.training_panel.epochs.setValue(4)
    window.training_panel.repeat_n.setValue(3)
    runs = []
    window.training.repeat_run.connect(runs.append)
    with qtbot.waitSignal(window.training.repeat_finished, timeout=120_000):
        window.training_panel.repeat_btn.click()
    curves = window.curves
    assert "range of 3 seeds" in curves.loss_plot.titleLabel.text
    assert "range of 3 seeds" in curves.metric_plot.titleLabel.text
    bands = curves.seed_bands  # {history key: (lowest, highest) per epoch}
    assert set(bands) == {"loss", "val_loss", "accuracy", "val_accuracy"}
    losses = np.array([r.result.history["loss"] for r in runs])
    np.testing.assert_allclose(bands["loss"][0], losses.min(0))
    np.testing.assert_allclose(bands["loss"][1], losses.max(0))
    with qtbot.waitSignal(window.state.training_finished, timeout=120_000):
        window.training_panel.train_btn.click()
    assert curves.seed_bands == {} and "seeds" not in curves.loss_plot.titleLabel.text


def test_runs_of_a_repeat_that_end_together_draw_their_curves_once(window, qtbot, monkeypatch):
    """Seeds trained as one population end together: each run redrew the curves (12-17 ms each,
    part of a half-second pass after Repeat); only the last of those that arrive together is
    drawn. (That it is drawn before the Repeat's end is announced: the test above.)"""
    from types import SimpleNamespace

    drawn = []
    monkeypatch.setattr(window.curves, "set_history", lambda h, m: drawn.append(h["loss"]))

    def run(loss):
        return SimpleNamespace(result=SimpleNamespace(history={"loss": [loss], "accuracy": [0.5]}))
    for i in range(3):
        window._on_repeat_run(run(float(i)))
    assert drawn == []
    qtbot.waitUntil(lambda: drawn == [[2.0]], timeout=2000)
    window._on_repeat_run(run(7.0))
    qtbot.waitUntil(lambda: drawn == [[2.0], [7.0]], timeout=2000)


def test_the_background_compile_never_replaces_what_a_run_said(window, qtbot):
    """A Repeat's mean ± sd goes to the status bar; the compile that follows every run speaks in
    its own corner, so the result stays readable (it used to be overwritten within a second)."""
    window.training_panel.epochs.setValue(2)
    window.training_panel.repeat_n.setValue(2)
    pre = window.precompiler
    pre.enabled = True
    pre._timer.setInterval(10)
    with qtbot.waitSignal(pre.compiled, timeout=120_000):
        window.training_panel.repeat_btn.click()
    said = window.statusBar().currentMessage()
    assert said.startswith("2 runs (seeds 0–1): test accuracy"), said
    # and whether they beat guessing, as a single run's message says (the command line did)
    assert re.search(r"\)\. (Better|No better) than guessing: mean test accuracy .* over 2 runs", said), said
    assert window.statusBar().toolTip() == said  # the whole of it, where the bar cuts it
    # each slot with its own signature: the tooltip's slot was written above show_message's
    # @Slot(str, str) and took it, leaving the message slot undecorated
    mo = window.metaObject()
    slots = {mo.method(i).methodSignature().data().decode() for i in range(mo.methodCount())}
    assert {"show_message(QString,QString)", "_on_status_message(QString)"} <= slots
    assert "_on_status_message(QString,QString)" not in slots
    assert window.compile_label.text() in ("Compiled: Train starts at full speed",
                                           "Compiled: Train and Repeat start at full speed", "")
    window.precompiler.status.emit("Compiling the network…")
    assert window.compile_label.text().startswith("Compiling")
    assert window.statusBar().currentMessage() == said
    # a message that needs the whole bar is not cut by the compile's corner: it gives way
    window.resize(1280, 720)
    window.statusBar().showMessage("a long message " * 20, 5_000)
    assert window.compile_label.isHidden()
    window.statusBar().clearMessage()
    assert not window.compile_label.isHidden()


def test_after_a_repeat_the_scrubber_health_and_coach_speak_of_the_run_shown(window, qtbot):
    """A Train, then a Repeat: the views show the Repeat's last run, so the replay, the Health tab
    and the coach must not go on speaking of the Train run before it; the Runs tab shows the
    Repeat's seeds."""
    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.state.training_finished, timeout=120_000):
        window.training_panel.train_btn.click()
    trained = window.state.timeline_run
    assert trained is not None and trained.has_timeline and window.scrubber.play_button.isEnabled()
    assert window.runs_panel.selected_runs() == [window.state.project.runs[-1]]  # the run shown
    window.training_panel.repeat_n.setValue(2)
    with qtbot.waitSignal(window.training.repeat_finished, timeout=120_000):
        window.training_panel.repeat_btn.click()
    run = window.state.timeline_run
    assert run is not trained and run.name == "repeat · seed 1" and run.seed == 1
    assert run.history == window.state.project.runs[-1].history  # the last recorded run
    assert not window.scrubber.play_button.isEnabled()
    assert "no snapshots of this run" in window.scrubber.epoch_label.text()
    assert window.health.view.empty
    assert "repeat · seed 1 has no health record" in window.health.view.label.text()
    assert "repeat · seed 1" in window.coach.title.text()
    # the Runs tab selects the Repeat's seed group, as after a sweep: its mean ± sd band is drawn
    import pyqtgraph as pg

    assert [r.name for r in window.runs_panel.selected_runs()] == ["repeat · seed 0",
                                                                  "repeat · seed 1"]
    assert any(isinstance(i, pg.FillBetweenItem) for i in window.runs_panel.items)
    text = window.runs_panel.verdict.text()
    assert "repeat ×2: val_accuracy" in text and "over 2 seeds" in text and "for a verdict" in text
    # the Health tab trains the seed shown again, as it was, with its health record; the editor
    # keeps its own settings, and the run stands beside the Repeat's in the Runs tab
    seed = window.state.project.settings.seed
    action = window.health.view.action
    assert action.isVisibleTo(window.health) and action.text() == \
        "Train repeat · seed 1 again with its health record"
    with qtbot.waitSignal(window.state.training_finished, timeout=120_000):
        action.click()
    again = window.state.timeline_run
    assert again.name == "repeat · seed 1 again (with health)" and again.seed == 1
    for key, values in run.history.items():
        assert np.allclose(again.history[key], values, atol=1e-5), key
    assert again.health is not None and not window.health.view.empty
    assert window.state.project.settings.seed == seed
    assert {r.name for r in window.runs_panel.selected_runs()} == {"repeat · seed 1", again.name}


def test_stop_ends_repeat_runs(window, qtbot):
    window.training_panel.epochs.setValue(100_000)
    window.training_panel.repeat_n.setValue(5)
    window.training_panel.repeat_btn.click()
    qtbot.wait(1500)
    with qtbot.waitSignal(window.training.repeat_finished, timeout=30_000) as blocker:
        window.training_panel.stop_btn.click()
    assert len(blocker.args[0].values) <= 1
    assert not window.training.busy


def test_pause_step_resume_and_stop_in_the_window(window, qtbot):
    """Pause holds the run (the status bar says so, not "Training…"), Step trains one epoch, Resume
    goes on, Stop keeps the model; Step with nothing running starts a run paused after epoch 1."""
    tp, status = window.training_panel, window.statusBar()
    tp.epochs.setValue(100_000)
    tp.train_btn.click()
    qtbot.waitUntil(lambda: window.curves.epochs_shown >= 2, timeout=60_000)
    tp.pause_btn.click()
    qtbot.waitUntil(lambda: window.training.run_state == "paused", timeout=10_000)
    assert tp.pause_btn.text() == "Resume" and status.currentMessage().startswith("Paused")
    def settled() -> int:
        """The epochs shown once the work in flight when Pause came has been reported."""
        last = -1
        for _ in range(20):
            if window.curves.epochs_shown == last:
                return last
            last = window.curves.epochs_shown
            qtbot.wait(400)
        raise AssertionError("still training after Pause")

    held = settled()
    qtbot.wait(500)
    assert window.curves.epochs_shown == held  # paused: nothing trains
    tp.step_btn.click()
    qtbot.waitUntil(lambda: window.curves.epochs_shown == held + 1, timeout=10_000)
    assert settled() == held + 1 and window.training.run_state == "paused"
    tp.pause_btn.click()  # Resume
    qtbot.waitUntil(lambda: window.curves.epochs_shown > held + 3, timeout=10_000)
    assert status.currentMessage() == "Training…" and tp.pause_btn.text() == "Pause"
    with qtbot.waitSignal(window.state.training_finished, timeout=30_000) as blocker:
        tp.stop_btn.click()
    assert blocker.args[0].status == "stopped" and window.state.model is blocker.args[0].model
    tp.step_btn.click()  # from idle
    qtbot.waitUntil(lambda: window.training.run_state == "paused", timeout=60_000)
    qtbot.waitUntil(lambda: window.curves.epochs_shown == 1, timeout=10_000)
    assert status.currentMessage().startswith("Paused")
    with qtbot.waitSignal(window.state.training_finished, timeout=30_000):
        tp.stop_btn.click()


def test_a_network_too_big_for_the_memory_is_refused_with_a_message(window, qtbot):
    """Ten billion parameters: said at Train, on the GUI thread, before anything is allocated
    (TensorFlow's out-of-memory failure on the worker, or the system killing the app, before)."""
    from nnstudio.core.model.spec import NetworkSpec

    p = window.state.project
    p.spec = NetworkSpec.parse("dense:100000:relu,dense:100000:relu")
    window.state.notify_spec_changed()
    # the network editor says so as soon as it is typed, under the parameter count
    assert "of memory to train" in window.layers.total_label.text()
    with qtbot.waitSignal(window.training.message, timeout=5_000) as b:
        assert window.training.start() is False
    level, text = b.args
    assert level == "error" and "of memory to train" in text and "fewer units" in text
    assert not window.training.busy and window.state.result is None
    p.spec = NetworkSpec.parse("dense:6:relu")
    window.state.notify_spec_changed()
    assert "memory" not in window.layers.total_label.text()


def test_curves_draw_a_report_at_once_and_a_burst_within_a_frame(qtbot):
    from nnstudio.ui.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    view.reset("accuracy")
    view.append({"loss": [1.0, 0.8], "accuracy": [0.5, 0.6]})
    # the first report is drawn as it arrives, not at a timer's later moment
    assert list(view.curves["loss"].getData()[1]) == [1.0, 0.8]
    view.append({"loss": [0.7], "accuracy": [0.7]})  # right after: waits for the next frame
    assert len(view.curves["loss"].getData()[1]) == 2
    qtbot.waitUntil(lambda: len(view.curves["loss"].getData()[1]) == 3, timeout=2000)
    assert view.epochs_shown == 3


def test_default_window_shows_the_whole_surface_and_no_sideways_scrollbar(window, qtbot):
    """At the default size, the plot and its colour bar fit in the surface view (pyqtgraph's
    layout once kept the width of a wider first layout and cut off the colour bar), also after
    a dataset with slice text, and the settings column needs no horizontal scrollbar."""
    for example in ("xor", "churn", "xor"):
        window.load_example(example)
        qtbot.wait(50)
        glw = window.surface.glw
        assert glw.ci.geometry().width() <= glw.width() + 0.5, example
        bar = window.surface.color_bar.sceneBoundingRect()
        assert bar.right() <= glw.width() + 0.5, example
    scroll = window.centralWidget().widget(0)
    assert not scroll.horizontalScrollBar().isVisible()
    assert scroll.widget().width() >= scroll.widget().minimumSizeHint().width()


def test_log_scale_on_an_empty_plot_after_a_diverged_run_gets_a_plain_range(qtbot):
    """Monkey seed 44: a run's loss reached 1e30, a new example emptied the plot (its range kept),
    and ticking Log scale made pyqtgraph tick 10^0..10^(1e30) decade by decade: the window hung,
    eating memory. The empty plot now gets a plain range, and the next curve is autoranged."""
    from nnstudio.ui.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    view.set_history({"loss": [1e30, 1e20, 5.0], "accuracy": [0.5, 0.6, 0.7]})
    qtbot.waitUntil(lambda: view.loss_plot.getViewBox().viewRange()[1][1] > 1e29, timeout=2000)
    view.hide()  # not painted until the range is checked (a paint of the old range never ended)
    view.reset("accuracy")
    view.log_scale.setChecked(True)
    low, high = view.loss_plot.getViewBox().viewRange()[1]
    assert -10 < low < high < 10  # powers of ten
    view.show()
    view.append({"loss": [0.5, 0.1], "accuracy": [0.6, 0.7]})
    view.flush()
    qtbot.waitUntil(lambda: view.loss_plot.getViewBox().viewRange()[1][1] < 0, timeout=3000)
    low, high = view.loss_plot.getViewBox().viewRange()[1]
    assert -1.5 < low < -0.9 and -0.4 < high < 0  # log10 of 0.1 .. 0.5, autoranged


def test_a_run_that_diverged_in_its_first_epoch_says_why_its_plot_is_empty(qtbot):
    """House prices with SGD at 0.001: the loss became NaN in epoch 1, so no epoch has a value
    to draw. The plot was empty under a bare 'Loss' title (it read as broken); its title now
    says what happened, until the next run."""
    from types import SimpleNamespace

    from nnstudio.ui.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    view._on_finished(SimpleNamespace(status="diverged", history={}, lr_changes=[], epochs_run=0))
    assert "diverged in epoch 1" in view.loss_plot.titleLabel.text
    view.reset("accuracy")
    assert view.loss_plot.titleLabel.text == "Loss"
    view.append({"loss": [0.7, float("nan")], "accuracy": [0.5, float("nan")]})
    view._on_finished(SimpleNamespace(status="diverged", history={}, lr_changes=[], epochs_run=1))
    assert view.loss_plot.titleLabel.text == "Loss"  # an epoch to draw: the coach says the rest


def test_curves_list_validation_only_when_there_is_a_validation_split(qtbot):
    from nnstudio.ui.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)

    def names(plot):
        return [label.text for _, label in plot.legend.items]

    view.set_history({"loss": [1.0, 0.9], "accuracy": [0.5, 0.6]})
    assert names(view.loss_plot) == ["training"] and names(view.metric_plot) == ["training"]
    view.set_history({"loss": [1.0], "val_loss": [1.1], "accuracy": [0.5], "val_accuracy": [0.4]})
    assert names(view.loss_plot) == ["training", "validation"]
    assert names(view.metric_plot) == ["training", "validation"]


def test_loss_goes_on_a_log_axis_for_regression_and_the_user_can_switch_it(window, qtbot):
    curves = window.curves
    assert not curves.log_scale.isChecked()  # XOR: a classification loss reads fine on a line
    window.load_example("house-prices")  # squared error from 150,000 down to 700
    assert curves.log_scale.isChecked()
    assert curves.loss_plot.getAxis("left").logMode and curves.metric_plot.getAxis("left").logMode
    curves.set_history({"loss": [150_000.0, 900.0, 0.0], "mae": [350.0, 20.0, 0.0]}, "mae")
    assert curves.loss_plot.getAxis("left").logMode  # a new history keeps the choice
    y = curves.curves["loss"].getData()[1]  # drawn as log10; an exact 0 is left out, not an error
    assert np.allclose(y[:2], np.log10([150_000.0, 900.0]))
    curves.log_scale.setChecked(False)
    assert not curves.loss_plot.getAxis("left").logMode
    assert list(curves.curves["loss"].getData()[1]) == [150_000.0, 900.0, 0.0]
    window.load_example("xor")
    assert not curves.log_scale.isChecked() and not curves.metric_plot.getAxis("left").logMode


def test_every_training_setting_the_panel_allows_is_accepted(window):
    """The ends of each number box are settings the engine takes: with two decimals, momentum's
    top (0.999) was shown and stored as 1.0, and Train then refused it."""
    from PySide6.QtWidgets import QAbstractSpinBox

    tp = window.training_panel
    tp.optimizer.setCurrentIndex(tp.optimizer.findData("sgd"))
    boxes = [w for w in tp.findChildren(QAbstractSpinBox) if w.isEnabled() and hasattr(w, "maximum")]
    assert tp.momentum in boxes
    for box in boxes:
        for end in (box.minimum(), box.maximum()):
            box.setValue(end)
            window.state.project.settings.check()  # raises SettingsError with the message shown
    assert window.state.project.settings.momentum == tp.momentum.maximum() < 1


def test_a_repeats_models_are_made_only_when_asked_for(window, qtbot, monkeypatch):
    """A split population's result models are made on first use (issue 18). The Repeat's worker
    makes the one the views show, so the GUI thread never spends 6-12 ms on Keras' layer
    tracking; the others are never made, and each seed's run is still recorded with its own
    trained weights (those its model has when it is made)."""
    from nnstudio.core.trained import Deferred
    from nnstudio.core.training import population
    from nnstudio.core.training import population_split as pp

    monkeypatch.setattr(population, "compute_threads", lambda: 2)  # as headless, or 3+ cores
    monkeypatch.setattr(pp, "SPLIT_MACS", (0, 2**40))
    monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)  # compiled at once
    from nnstudio.core.training import engine  # the population even though one run's program
    monkeypatch.setattr(engine, "_single_program_ready", lambda *a: False)  # is compiled
    population.clear_population_cache()
    window.training_panel.epochs.setValue(2)
    window.training_panel.repeat_n.setValue(4)
    results, recorded = [], []
    window.training.repeat_run.connect(lambda run: results.append(run.result))
    window.training.runs_recorded.connect(recorded.extend)
    with qtbot.waitSignal(window.training.repeat_finished, timeout=120_000):
        window.training_panel.repeat_btn.click()
    assert [isinstance(r.__dict__["_model"], Deferred) for r in results] == [True] * 3 + [False]
    assert any(isinstance(p, pp.SplitPopulation) for p in population._cache.values())
    assert [rec.settings["seed"] for rec in recorded] == [0, 1, 2, 3]
    for r, rec in zip(results, recorded):  # made now, by the test: the same values
        for got, want in zip(rec.weights, r.model.get_weights(), strict=True):
            np.testing.assert_array_equal(got, want)
    assert not np.array_equal(recorded[0].weights[0], recorded[1].weights[0])
    population.clear_population_cache()


def test_objects_alive_once_tensorflow_loads_are_kept_out_of_full_collections(qtbot, tf_loaded):
    """The app collects garbage on the GUI thread; a full pass over the ~450,000 objects that
    TensorFlow, Keras and the window leave froze the window for 0.4-0.5 s about once a minute.
    Once TensorFlow is ready they are frozen (gc.freeze), so full passes skip them."""
    import gc

    from nnstudio.ui.main_window import MainWindow

    win = MainWindow()  # loads TensorFlow on its worker, as the app does
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.state.tf_loaded, timeout=60_000)
    assert gc.get_freeze_count() > 100_000
    assert "TensorFlow" in win.statusBar().currentMessage()
    win.close()


def test_tensorflow_starts_loading_once_the_window_has_painted(qtbot, tf_loaded):
    """Importing TensorFlow holds the interpreter for seconds at a time: begun while the window
    was built, it held the window's first paint back by 2 s (5.1 s from launch instead of 3.1)."""
    from nnstudio.ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    assert not [w for w in win.pool.running if w.name == "tensorflow-import"]
    assert win.statusBar().currentMessage() == "Loading TensorFlow…"
    painted = []
    win.paintEvent = lambda e, paint=win.paintEvent: (painted.append(win.state.tf_loaded), paint(e))
    win.show()
    qtbot.waitUntil(lambda: win.state.tf_loaded, timeout=60_000)
    assert painted and painted[0] is False  # the window painted first, then TensorFlow loaded
    win.close()


def test_the_app_runs_numpy_products_on_one_blas_thread(qtbot):
    """OpenBLAS runs one product at a time on its pool, and a small product keeps the interpreter
    lock while it waits: a one-row trace on the GUI thread waited 3-5 s for a worker's decision
    surface through a 100,000-unit layer, with the window frozen. In the app each product runs on
    the thread that asks for it."""
    from threadpoolctl import threadpool_info

    from nnstudio.core.health import blas_controller
    from nnstudio.ui.app import create_app

    with blas_controller().limit(limits=2, user_api="blas"):  # as a process starts: every core
        create_app()
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)


def test_the_gui_thread_asks_for_the_interpreter_back_after_0_2_ms(qtbot):
    """Every cell a table sizes and every item a plot paints is a call into Python that must take
    the interpreter lock again: with a worker running Python, each waited up to the switch
    interval (Python's 5 ms), and the window froze for 2-4 s sizing the predictions table after
    a Repeat on churn, and for 1-2 s at a time (at 1 ms) while a long run trained on the host
    engine at Max pace."""
    from nnstudio.ui.app import SWITCH_INTERVAL_S, create_app

    sys.setswitchinterval(0.005)  # Python's default, as a process starts
    create_app()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S) and SWITCH_INTERVAL_S <= 0.0002


def test_a_runs_figures_leave_the_status_bar_when_a_change_clears_its_model(window, qtbot):
    """After a run the status bar says its test accuracy; a change of the data or the network
    clears the model, and the old figure then no longer describes the window, so it goes too
    (it used to stay until the next run)."""
    window.training_panel.epochs.setValue(2)
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: not window.training.busy, timeout=10_000)
    status = window.statusBar()
    assert "accuracy" in status.currentMessage()
    window.statusBar().showMessage("something else said since")
    window.state.notify_spec_changed()  # a message said after the run is not the run's: kept
    assert status.currentMessage() == "something else said since"
    with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
        window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: not window.training.busy, timeout=10_000)
    assert "accuracy" in status.currentMessage()
    window.state.notify_data_changed()
    assert "accuracy" not in status.currentMessage()
    assert "train again" in status.currentMessage()


def test_losses_that_cannot_train_the_target_are_greyed_out_and_a_chosen_one_is_marked(window):
    """The loss list offers what the target's task can take; when the target changes under a
    chosen loss, the choice stays (nothing changes by itself) and the box says what to do."""
    from nnstudio.core.model.spec import Task

    tp, state = window.training_panel, window.state
    enabled = {tp.loss.itemData(i): tp.loss.model().item(i).isEnabled() for i in range(tp.loss.count())}
    assert state.project.task == Task.BINARY
    assert not enabled["sparse_categorical_crossentropy"]
    assert enabled["auto"] and enabled["binary_crossentropy"] and enabled["mse"]
    tp.loss.setCurrentIndex(tp.loss.findData("binary_crossentropy"))
    assert state.project.settings.loss == "binary_crossentropy"
    assert "cannot train" not in tp.loss.toolTip()

    state.project.task_override = Task.REGRESSION
    state.notify_data_changed()
    item = tp.loss.model().item(tp.loss.findData("binary_crossentropy"))
    assert not item.isEnabled() and "regression" in item.toolTip()
    assert state.project.settings.loss == "binary_crossentropy"  # kept, and marked
    assert "cannot train this target" in tp.loss.toolTip() and "from the task" in tp.loss.toolTip()
    assert tp.loss.styleSheet()

    tp.loss.setCurrentIndex(tp.loss.findData("auto"))
    assert not tp.loss.styleSheet() and "cannot train" not in tp.loss.toolTip()


def test_the_window_is_built_without_scipy_special(tmp_path):
    """scipy.special (erf, expit for the NumPy forward pass) is 0.25 s of imports: it loads when
    a pass first needs it, not before the window can paint (TensorFlow neither)."""
    code = ("import os, sys\n"
            "from nnstudio.ui.app import create_app\n"
            "from nnstudio.ui.main_window import MainWindow\n"
            "app = create_app([])\n"
            "w = MainWindow()\n"
            "w.show()\n"
            "bad = [m for m in ('scipy.special', 'tensorflow') if m in sys.modules]\n"
            "print(bad)\n"
            "os._exit(1 if bad else 0)")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    # a signal wired to a setter that is not a slot made PySide print "addMetaMethod: Cannot add
    # dynamic method" on every start, on the user's terminal
    assert "libpyside" not in r.stderr, r.stderr


def test_class_weights_are_greyed_out_for_regression_and_marked_when_set(window):
    """Monkey seed 45: a project with balanced class weights and a regression target; each Train
    was refused ("Class weights only apply to classification", 11 times) with nothing on the panel
    to say why. The box is greyed out for regression, and marked (still usable) when weights are set."""
    from nnstudio.core.model.spec import Task

    tp, state = window.training_panel, window.state
    cw = tp.class_weights
    assert cw.isEnabled() and not cw.mode.styleSheet()  # XOR: two classes
    cw.mode.setCurrentIndex(cw.mode.findData("balanced"))
    assert state.project.settings.class_weight == "balanced"
    state.project.task_override = Task.REGRESSION
    state.notify_data_changed()
    assert cw.isEnabled() and cw.mode.styleSheet()  # weights set: usable, to set them to none
    assert "set them to none" in cw.mode.toolTip()
    cw.mode.setCurrentIndex(cw.mode.findData("none"))
    assert state.project.settings.class_weight == "none"
    assert not cw.isEnabled() and not cw.mode.styleSheet()
    assert "only apply to classification" in cw.mode.toolTip()
    state.project.task_override = None
    state.notify_data_changed()
    assert cw.isEnabled()
