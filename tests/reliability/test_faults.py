"""Faults during long jobs: closing the window or pressing Stop/Cancel while a CSV is read, repeat
runs train, a model is exported; ``kill -9`` while a *trained* project is saved; a run whose loss
becomes NaN; a background job that raises. Each must end with no thread running (the autouse
fixture in tests/conftest.py checks), no exception escaping into Qt (pytest-qt fails the test on
one), a message instead of a traceback, and the user's previous work in place.

Already covered elsewhere (not repeated here): Stop and close during training
(tests/ui/test_main_window.py), Cancel during a CSV read (tests/ui/data/test_data_import.py), kill -9
during a plain project save (tests/core/test_project_file.py).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.ui.common.workers import Worker, running_workers


@pytest.fixture
def win(window):
    """The window with every message it shows recorded (the dialogs still open, as for a user)."""
    window.messages = []
    for source in (window.training.message, window.data_io.message, window.evaluation.message):
        source.connect(lambda level, text: window.messages.append((level, text)))
    return window


def _train(win, qtbot, epochs: int = 2):
    win.training_panel.epochs.setValue(epochs)
    with qtbot.waitSignal(win.state.training_finished, timeout=120_000) as blocker:
        assert win.training.start()
    return blocker.args[0]


# ----- CSV load ---------------------------------------------------------------------------------------
def test_closing_the_window_while_a_csv_is_read(win, qtbot, tmp_path, monkeypatch):
    import nnstudio.ui.data.controller as dc

    path = tmp_path / "big.csv"
    path.write_text("x,y,label\n" + "".join(f"{i % 97},{i % 13},{i % 2}\n" for i in range(1000)) * 40)
    chunks, closed_at = [], []
    real_read = dc.read_csv

    def slow_read(*a, progress=None, **k):  # on the worker: a slow disk, one chunk at a time
        def report(fraction, message):
            chunks.append(fraction)
            progress(fraction, message)
            time.sleep(0.02)
        return real_read(*a, progress=report, **k)

    monkeypatch.setattr(dc, "read_csv", slow_read)
    before = win.state.project
    win.data_io.chunk_rows = 500  # 80 chunks
    win.data_io.read(str(path))
    qtbot.waitUntil(lambda: len(chunks) >= 2, timeout=30_000)
    closed_at.append(len(chunks))
    win.close()  # asks the reader to stop and waits for its thread
    assert running_workers() == []
    assert len(chunks) <= closed_at[0] + 1  # the read stopped at the next chunk, not at the end
    qtbot.wait(50)  # the worker's last queued signals reach the closed window harmlessly
    assert win.state.project is before


# ----- repeat runs -------------------------------------------------------------------------------------
def test_closing_the_window_stops_repeat_runs_between_runs(win, qtbot):
    """The GUI has no repeat-runs command; the core's ``train_repeated`` run as a window job (as a
    plugin or a future command would) must stop when the window closes."""
    from nnstudio.core.training.engine import train_repeated

    data = win.state.prepared()
    p = win.state.project
    stop = threading.Event()
    runs = []
    w = Worker(lambda _report: train_repeated(data, p.spec, replace(p.settings, epochs=1), 200,
                                              should_stop=stop.is_set,
                                              on_run=lambda i, r: runs.append(r)),
               stop=stop.set, name="repeat-runs")
    win.pool.start(w)
    qtbot.waitUntil(lambda: len(runs) >= 1, timeout=60_000)
    win.close()
    assert running_workers() == []
    assert 1 <= len(runs) < 200 and all(r.status == "completed" for r in runs)


# ----- export ------------------------------------------------------------------------------------------
def _slow_export(monkeypatch, started: threading.Event):
    from nnstudio.core import export as core_export

    real = core_export.export

    def slow(tm, folder, formats=None, **k):  # on the worker: the first format takes a while
        started.set()
        time.sleep(0.5)
        return real(tm, folder, formats, **k)

    monkeypatch.setattr(core_export, "export", slow)


def _check_exported(folder: Path) -> None:
    from nnstudio.core import model_file

    lm = model_file.load(folder / "model.keras")  # complete and loadable
    assert lm.is_nnstudio
    json.loads((folder / "weights.json").read_text())


@pytest.mark.parametrize("how", ["cancel", "close window"])
def test_export_interrupted_by_cancel_or_close_leaves_complete_files(win, qtbot, tmp_path,
                                                                     monkeypatch, how):
    from nnstudio.core import export as core_export
    from nnstudio.ui.project.export_dialog import ExportDialog

    _train(win, qtbot)
    started = threading.Event()
    _slow_export(monkeypatch, started)
    dlg = ExportDialog(win)
    dlg.folder.setText(str(tmp_path / "out"))
    wanted = ["keras", "weights_json"]
    assert all(k in core_export.FORMATS for k in wanted)
    dlg.set_selected(wanted)
    dlg.show()
    dlg.export_btn.click()
    qtbot.waitUntil(started.is_set, timeout=10_000)
    if how == "cancel":
        dlg.reject()  # Cancel: the running format is finished, not torn
        assert not dlg.isVisible()
    else:
        win.close()
    assert running_workers() == []
    qtbot.wait(50)  # the export's queued result reaches the dialog harmlessly
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(core_export.FORMATS[k].filename for k in wanted)
    _check_exported(tmp_path / "out")


# ----- divergence ---------------------------------------------------------------------------------------
def test_a_diverging_run_stops_with_a_message_and_finite_weights(win, qtbot):
    """Learning rate 100 with plain SGD on a regression: the loss becomes NaN in the first epoch.
    (On XOR the clipped cross-entropy stays finite at that rate: the run ends with a poor loss.)"""
    win.load_example("house-prices")
    panel = win.training_panel
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("sgd"))
    panel.lr.setValue(100.0)
    assert win.state.project.settings.learning_rate == 100.0
    result = _train(win, qtbot, epochs=50)
    assert result.status == "diverged" and result.epochs_run < 50
    level, text = [m for m in win.messages if "diverged" in m[1]][-1]
    assert level == "warning" and "Traceback" not in text
    assert "switch the optimizer to Adam" in text  # prices of sd 192: a lower rate is no cure
    weights = win.state.result.model.get_weights()
    assert weights and all(np.isfinite(w).all() for w in weights)


# ----- a job that raises --------------------------------------------------------------------------------
def test_a_worker_that_raises_shows_a_message_and_the_app_goes_on(win, qtbot, monkeypatch,
                                                                   tmp_path):
    import nnstudio.ui.data.controller as dc
    from nnstudio.core.training import engine

    def broken(*_a, **_k):
        raise RuntimeError("simulated failure inside the engine")

    monkeypatch.setattr(engine.Trainer, "run", broken)
    with qtbot.waitSignal(win.training.state_changed, timeout=30_000,
                          check_params_cb=lambda s: s == "idle"):
        assert win.training.start()
    level, text = win.messages[-1]
    assert level == "error" and "simulated failure inside the engine" in text
    assert "RuntimeError" in text and "Your work is kept" in text and "Traceback" not in text
    assert win.training_panel.train_btn.isEnabled()

    csv = tmp_path / "d.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    monkeypatch.setattr(dc, "read_csv", broken)
    before = win.state.project
    win.data_io.read(str(csv))
    qtbot.waitUntil(lambda: not win.data_io.reading, timeout=30_000)
    assert win.messages[-1][0] == "error" and "simulated failure" in win.messages[-1][1]
    assert win.state.project is before

    monkeypatch.undo()  # the same window trains and reads again
    assert _train(win, qtbot).status == "completed"
    with qtbot.waitSignal(win.data_io.loaded, timeout=30_000):
        win.data_io.read(str(csv))
    assert win.state.project.dataset.name == "d.csv"


# ----- kill -9 while a trained project is saved ----------------------------------------------------------
CHILD = textwrap.dedent("""
    import sys, time
    from dataclasses import replace
    from pathlib import Path
    from nnstudio.core import project_file as pf
    from nnstudio.core.model.build import build_model
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import TrainResult

    def result(epochs, seed):  # a "trained" network without the cost of training it
        model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=seed)
        return TrainResult(model, {"loss": [0.7] * epochs}, epochs, "completed", "", 0.0, seed=seed)

    marker, target = Path(sys.argv[1]), Path(sys.argv[2])
    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=2, seed=1)
    data = p.prepare()
    pf.save_project(p, target, result(2, 1), data.preprocessor)
    marker.with_name("first-saved").write_text("ok")
    p.settings = replace(p.settings, epochs=3, seed=2)
    second = result(3, 2)

    from nnstudio.core import atomic

    real_write = atomic._write_all

    def slow_write(fh, data):  # the new model and history are in place; the document is half written
        if b'"nnstudio-project"' not in data[:200]:
            return real_write(fh, data)
        fh.write(data[: len(data) // 2])
        fh.flush()
        marker.write_text("writing")
        time.sleep(120)

    atomic._write_all = slow_write
    pf.save_project(p, target, second, data.preprocessor)
""")


def test_kill_during_a_trained_save_keeps_the_previous_project_and_model(tmp_path, tf_loaded):
    from nnstudio.core import project_file as pf

    target, marker = tmp_path / "p.nnstudio", tmp_path / "marker"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), str(target)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists():
            assert child.poll() is None, child.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert (tmp_path / "first-saved").exists()
        before = json.loads(target.read_text())
        # the new model and history were written beside the old ones, not over them
        assert len(list(pf.sidecar_dir(target).glob("model-*.keras"))) == 2
        assert len(list(pf.sidecar_dir(target).glob("history-*.json"))) == 2
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert json.loads(target.read_text()) == before
    assert before["settings"]["epochs"] == 2
    trained = pf.load_trained(target)  # the old model, checked against its recorded SHA-256
    assert trained.summary["epochs_run"] == 2 and trained.history["loss"]
    # the next save (without a model) removes both models; the torn document's temporary file is
    # left alone until it is an hour old (it could belong to a save still running elsewhere)
    pf.save_project(trained.project, target)
    assert not pf.sidecar_dir(target).exists()
    left = sorted(f.name for f in tmp_path.iterdir())
    assert left[:1] and left[0].startswith(".p.nnstudio.") and left[0].endswith(".tmp")
    assert left[1:] == ["first-saved", "marker", "p.nnstudio"]
