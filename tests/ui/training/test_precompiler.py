"""The training program is compiled in the background while the user edits (ui.precompiler)."""
from __future__ import annotations

from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.project import Project
from nnstudio.ui.common.workers import WorkerPool
from nnstudio.ui.state import AppState
from nnstudio.ui.training.controller import TrainingController
from nnstudio.ui.training.precompiler import Precompiler


def _setup(enabled: bool):
    project = Project.from_example("xor")
    # an architecture no other test trains, so that nothing has compiled its program yet
    project.spec = NetworkSpec([LayerSpec.dense(7, "tanh"), LayerSpec.dense(3, "relu")])
    project.settings.epochs = 3
    state = AppState(project)
    state.prepared()  # as the window does when a dataset is shown
    pool = WorkerPool()
    pre = Precompiler(state, pool, enabled=enabled)
    pre._timer.setInterval(10)
    return state, pool, pre


def test_the_first_train_after_an_edit_finds_its_program_compiled(qtbot, tf_loaded):
    state, pool, pre = _setup(enabled=True)
    lines = []
    pre.status.connect(lines.append)
    with qtbot.waitSignal(pre.compiled, timeout=60_000) as sig:
        state.set_tf_ready()
    assert sig.args == [True]
    assert lines[0].startswith("Compiling") and "Train starts at full speed" in lines[-1]
    # an edit to the number of epochs does not change the program: nothing new to compile
    state.project.settings.epochs = 4
    with qtbot.waitSignal(pre.compiled, timeout=60_000) as sig:
        state.notify_settings_changed()
    assert sig.args == [False]
    assert lines[-1] == ""  # "Compiling…" does not stay in the status bar once nothing was new
    trainer = TrainingController(state, pool)
    with qtbot.waitSignal(state.training_finished, timeout=60_000) as done:
        assert trainer.start()
    result = done.args[0]
    assert result.status == "completed" and result.epochs_run == 4
    assert result.compiled is False  # the program came from the background compile
    pool.stop_all()


def test_nothing_is_compiled_from_data_not_yet_prepared(qtbot, tf_loaded):
    """Preparing data can take seconds (a million rows): the precompiler never does it itself."""
    state, pool, pre = _setup(enabled=True)
    state.notify_data_changed()  # the prepared data are dropped; nobody has prepared them again
    state.set_tf_ready()
    qtbot.wait(100)
    assert not pre.busy and not pool.running and state.cached_prepared() is None


def test_off_means_no_background_work(qtbot, tf_loaded):
    state, pool, pre = _setup(enabled=False)
    state.set_tf_ready()
    state.notify_spec_changed()
    qtbot.wait(100)
    assert not pre.busy and not pool.running


def test_a_repeat_on_the_host_engine_is_followed_by_its_population_program(qtbot, tf_loaded):
    """Issue 18: the first Repeat of a network trains its seeds together on the host engine (no
    compile wait); the precompiler then compiles that network's population program, so the next
    Repeat runs compiled."""
    from nnstudio.core.training import population

    state, pool, pre = _setup(enabled=False)  # quiet until the Repeat has run
    state.project.spec = NetworkSpec([LayerSpec.dense(5, "tanh"), LayerSpec.dense(2, "relu")])
    population.clear_population_cache()
    state.set_tf_ready()
    trainer = TrainingController(state, pool)
    trainer.repeat_finished.connect(pre.note_repeat)
    paths = []
    trainer.repeat_run.connect(lambda run: paths.append(run.result.path))
    with qtbot.waitSignal(trainer.repeat_finished, timeout=60_000):
        assert trainer.start_repeat(3)
    assert paths == ["population-host"] * 3
    pre.enabled = True
    lines = []
    pre.status.connect(lines.append)
    with qtbot.waitSignal(pre.compiled, timeout=60_000) as sig:
        pre.note_repeat(type("Summary", (), {"values": [0.9] * 3})())
    assert sig.args == [True]
    assert "Train and Repeat start at full speed" in lines[-1]
    paths.clear()
    with qtbot.waitSignal(trainer.repeat_finished, timeout=60_000):
        assert trainer.start_repeat(3)
    assert paths == ["population"] * 3
    pool.stop_all()
