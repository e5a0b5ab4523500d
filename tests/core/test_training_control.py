"""The training control protocol: one TrainingControl steers the fast, streaming and Keras-fit
(mirrored) loops alike — stop, pause, step, learning-rate change, reports."""
from __future__ import annotations

import threading

import pytest

from nnstudio.core.errors import SettingsError
from nnstudio.core.training.control import Gate, TrainingControl


class Weights:
    def get_weights(self):
        import numpy as np

        return [np.ones(2)]


def test_commands_become_gates():
    c = TrainingControl()
    assert c.checkpoint(0, lambda: 0.1) == Gate()
    c.set_learning_rate(0.5)
    assert c.checkpoint(0, lambda: 0.1) == Gate(learning_rate=0.5)
    assert c.checkpoint(0, lambda: 0.1) == Gate()  # a new rate is applied once
    c.pause()
    c.step()  # paused + Step: one epoch
    assert not c.paused and c.checkpoint(1, lambda: 0.1) == Gate(stepping=True)
    c.after_step()
    assert c.paused
    c.stop()  # wakes a paused run to stop it
    assert not c.paused and c.checkpoint(2, lambda: 0.1) == Gate(stop=True) and c.stopped


def test_a_paused_checkpoint_reports_once_and_waits():
    seen = []
    c = TrainingControl(seen.append, want_weights=True)
    c.begin(10)
    c.pause()
    box = {}
    th = threading.Thread(target=lambda: box.update(g=c.checkpoint(3, lambda: 0.25, Weights())))
    th.start()
    th.join(0.2)
    assert th.is_alive() and len(seen) == 1  # waiting, having said so once
    p = seen[0]
    assert (p.epoch, p.epochs, p.state, p.learning_rate, p.new_rows) == (3, 10, "paused", 0.25, {})
    assert p.weights is not None and p.weights[0].tolist() == [1.0, 1.0]
    c.resume()
    th.join(30)
    assert box["g"] == Gate()


def test_reports_reach_every_listener_and_should_stop_counts_as_stop():
    a, b = [], []
    flag = {"stop": False}
    c = TrainingControl(a.append, should_stop=lambda: flag["stop"])
    c.add_listener(b.append)
    c.begin(4)
    c.report(2, {"loss": [0.5, 0.4]}, 0.01)
    assert len(a) == len(b) == 1 and a[0].epoch == 2 and a[0].weights is None
    assert not c.stopped
    flag["stop"] = True
    assert c.stopped and c.checkpoint(2, lambda: 0.01).stop


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "0.1", True])
def test_a_bad_learning_rate_is_refused(bad):
    with pytest.raises(SettingsError, match="learning rate"):
        TrainingControl().set_learning_rate(bad)


# ----- the three loops obey the same control -------------------------------------------------------
def _xor():
    from nnstudio.core.project import Project

    return Project.from_example("xor")


def _run_stepped(train, epochs: int = 40):
    """Start paused with one Step and a new learning rate; the run does one epoch, reports it,
    pauses; then Stop. Returns (result, reports)."""
    seen, paused = [], threading.Semaphore(0)

    def on_progress(p):
        seen.append(p)
        if p.state == "paused":
            paused.release()

    control = TrainingControl(on_progress)
    control.pause()
    control.set_learning_rate(0.5)
    control.step()
    box = {}
    th = threading.Thread(target=lambda: box.update(r=train(control)))
    th.start()
    assert paused.acquire(timeout=120), "the run did not pause after its Step"
    control.stop()
    th.join(120)
    assert not th.is_alive()
    return box["r"], seen


def _check_stepped(r, seen):
    assert r.status == "stopped" and r.epochs_run == 1
    assert r.lr_changes == [(0, 0.5)]
    running = [p for p in seen if p.state == "running" and p.new_rows]
    assert [p.epoch for p in running] == [1] and running[0].learning_rate == pytest.approx(0.5)
    assert seen[-1].state == "paused" and seen[-1].epoch == 1


def test_fast_path_obeys_the_control(tf_loaded):
    from nnstudio.core.training.engine import Trainer

    p = _xor()
    data, s = p.prepare(), p.settings

    r, seen = _run_stepped(lambda c: Trainer(data, p.spec, s, control=c).run())
    assert r.path == "fast"
    _check_stepped(r, seen)


def test_streaming_path_obeys_the_control(tf_loaded, monkeypatch):
    from nnstudio.core.training import engine
    from nnstudio.core.training.engine import Trainer

    monkeypatch.setattr(engine, "FAST_PATH_MAX_BYTES", 0)
    p = _xor()
    data, s = p.prepare(), p.settings
    r, seen = _run_stepped(lambda c: Trainer(data, p.spec, s, control=c).run())
    assert r.path == "streaming"
    _check_stepped(r, seen)


def test_keras_fit_path_obeys_the_control(tf_loaded):
    from nnstudio.core.training import distributed as d

    p = _xor()
    data, s = p.prepare(), p.settings
    strategy = d.make_strategy(d.choose_devices("mirrored"))
    r, seen = _run_stepped(lambda c: d.train_mirrored(data, p.spec, s, strategy, control=c))
    assert r.path == "mirrored"
    _check_stepped(r, seen)
