"""Big data are prepared on a worker as they change (ui/state.py): a click on the Data tab of a
million-row file froze the window for 1.5-2.5 s while every view asked for the new prepared data.
Now the views say "Preparing…" and draw when ``prepared_ready`` comes; Train (``prepared()``) still
gets them at once. The row threshold is lowered here so that the XOR example (1,000 rows) takes the
big-data path."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from nnstudio.core.project import Project
from nnstudio.ui import state as state_module


@pytest.fixture
def big(window, monkeypatch, qtbot):
    monkeypatch.setattr(state_module, "BACKGROUND_PREPARE_ROWS", 100)
    threads = []
    real = Project.prepare
    gate = threading.Event()  # the worker prepares once the test opens it (a million rows' second)

    def counted(self):
        on_gui = threading.current_thread() is threading.main_thread()
        if not on_gui:
            gate.wait(10)
        threads.append(on_gui)
        return real(self)

    monkeypatch.setattr(Project, "prepare", counted)
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    threads.clear()
    yield window, panel, threads, gate
    gate.set()


def test_a_change_is_prepared_on_a_worker_and_the_views_draw_when_it_is_ready(big, qtbot):
    window, panel, on_gui, gate = big
    state = window.state
    with qtbot.waitSignal(state.prepared_ready, timeout=20_000):
        panel.set_use("x", False)
        assert state.preparing and state.try_prepared() is None  # the views do not wait for it
        qtbot.wait(200)  # the data panel's refresh runs meanwhile: it says what is happening
        assert on_gui == []  # nothing prepared on the GUI thread by the views
        assert panel.split_label.text() == "Preparing the data (1,000 rows)…"
        assert "Preparing the data…" in window.dataset_label.text()
        assert window.surface._problem == "Preparing the data…"
        gate.set()
    assert on_gui == [False]  # one preparation, on the worker
    data = state.try_prepared()
    assert data is not None and not state.preparing
    assert data.preprocessor.feature_names == ["y"]
    expected = state.project.prepare()
    np.testing.assert_array_equal(data.X_train, expected.X_train)
    qtbot.waitUntil(lambda: panel.split_label.text().endswith("1 network inputs · binary classification"),
                    timeout=5000)
    assert "Preparing" not in window.dataset_label.text()
    assert window.layers.input_label.text().startswith("<b>Input</b>: 1 feature (y")


def test_quick_changes_keep_the_data_of_the_last_one(big, qtbot):
    window, panel, on_gui, gate = big
    state = window.state
    ready = []
    state.prepared_ready.connect(lambda: ready.append(state.data_generation))
    panel.set_use("x", False)
    panel.set_use("x", True)
    panel.test_spin.setValue(30)
    gate.set()
    qtbot.waitUntil(lambda: not state.preparing, timeout=20_000)
    qtbot.wait(300)  # any late answer of an earlier change would arrive now
    assert ready == [state.data_generation]  # told once, for the last change
    data = state.try_prepared()
    assert data.preprocessor.feature_names == ["x", "y"]
    assert len(data.X_test) == round(0.3 * (len(data.X_train) + len(data.X_val) + len(data.X_test)))
    assert not any(on_gui)


def test_train_while_preparing_gets_the_data_at_once_and_the_views_are_told(big, qtbot):
    window, panel, on_gui, gate = big
    state = window.state
    ready = []
    state.prepared_ready.connect(lambda: ready.append(state.cached_prepared()))
    panel.set_use("y", False)
    assert state.preparing
    data = state.prepared()  # what Train asks for: computed here, not waited for
    assert data.preprocessor.feature_names == ["x"] and not state.preparing
    assert ready == [data] and on_gui == [True]
    gate.set()
    qtbot.waitUntil(lambda: len(on_gui) == 2, timeout=10_000)
    qtbot.wait(300)  # the worker's answer comes and is not used
    assert ready == [data] and state.try_prepared() is data


def test_small_data_are_prepared_at_once(window, qtbot):
    state, panel = window.state, window.data_panel
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    panel.set_use("x", False)  # 1,000 rows: below the threshold
    assert not state.preparing and state.try_prepared().preprocessor.feature_names == ["y"]


def test_train_pressed_while_preparing_starts_when_the_data_are_ready(big, qtbot):
    """Pressing Train a moment after a change waits for the worker instead of preparing the data
    again on the GUI thread (2.4 s of frozen window at a million rows)."""
    window, panel, on_gui, gate = big
    state, training = window.state, window.training
    panel.set_use("x", False)
    assert training.start() is False  # kept, not refused
    assert training.run_state == "waiting" and training.waiting_for() == "the data"
    assert window.statusBar().currentMessage() == ("Preparing the data… training starts as soon as it "
                                                   "is ready (Stop cancels).")
    assert not panel.test_spin.isEnabled()  # the data are locked for the run kept
    with qtbot.waitSignal(state.training_finished, timeout=60_000):
        gate.set()
    assert on_gui == [False]  # prepared once, on the worker
    assert state.result is not None and state.result.model.input_shape[-1] == 1


def test_stop_forgets_a_train_kept_for_the_data(big, qtbot):
    window, panel, _, gate = big
    training = window.training
    panel.set_use("x", False)
    training.start()
    training.stop()
    assert training.run_state == "idle" and training.waiting is None
    gate.set()
    qtbot.waitUntil(lambda: not window.state.preparing, timeout=10_000)
    qtbot.wait(200)
    assert training.run_state == "idle" and window.state.result is None


def test_a_wide_table_under_the_row_threshold_is_prepared_on_a_worker_too(window, monkeypatch, qtbot):
    """A pixel file of 785 columns and 10,000 rows (under 100,000 rows) took 3.4 s of preparing
    and checks on the GUI thread per change: the cells count too. XOR's 1,000 rows x 3 columns
    stand for it here, with the cell threshold lowered below them and the row threshold not."""
    monkeypatch.setattr(state_module, "BACKGROUND_PREPARE_CELLS", 2_000)
    state = window.state
    assert state.project.dataset.n_rows < state_module.BACKGROUND_PREPARE_ROWS
    with qtbot.waitSignal(state.prepared_ready, timeout=20_000):
        window.data_panel.set_use("x", False)
        assert state.preparing
    assert not state.preparing and state.try_prepared().preprocessor.feature_names == ["y"]
    monkeypatch.setattr(state_module, "BACKGROUND_PREPARE_CELLS", 4_000)  # above XOR's 3,000
    window.data_panel.set_use("x", True)
    assert not state.preparing
