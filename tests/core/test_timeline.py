"""Issue 19: snapshots restore exact weights; a branch from epoch N with unchanged settings equals
continuing the original; the memory cap thins snapshots and says so; timelines survive a file."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.core.errors import NNStudioError, ProjectError, TrainingError
from nnstudio.core.project import Project
from nnstudio.core.timeline.branch import branch, model_at
from nnstudio.core.timeline.recorder import record
from nnstudio.core.timeline.snapshots import Snapshot, Timeline
from nnstudio.core.training.engine import Trainer


@pytest.fixture(scope="module")
def xor():
    p = Project.from_example("xor-dropout")
    p.settings = replace(p.settings, epochs=30, seed=3, jit_compile=False)  # no XLA compile: quicker tests
    return p, p.prepare()


@pytest.fixture(scope="module")
def original(xor):
    """The W1 network (with dropout, so the RNG state must carry over too), 30 epochs, a snapshot
    at least every 4 epochs."""
    p, data = xor
    trainer = Trainer(data, p.spec, p.settings)
    rec = record(trainer, every=4)
    result = trainer.run()
    return trainer, rec.timeline, result


def test_snapshots_are_kept_at_reports_and_restore_exact_weights(xor, original):
    p, data = xor
    trainer, tl, result = original
    assert tl.epochs[0] == 1 and tl.epochs[-1] == 30
    assert all(b - a <= 4 for a, b in zip(tl.epochs, tl.epochs[1:]))
    final = model_at(tl.at(30), p.spec, data, seed=p.settings.seed)
    for a, b in zip(final.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # what the live views draw: the snapshot in get_weights() order (no RNG state)
    assert len(tl.weights_of(tl.at(30))) == len(result.model.get_weights()) < len(tl.at(30).variables)
    for a, b in zip(tl.weights_of(tl.at(30)), result.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # an earlier snapshot is another model: the same weights as a run trained to that epoch only
    n = tl.epochs[3]
    short = Trainer(data, p.spec, replace(p.settings, epochs=n)).run()
    early = model_at(tl.at(n), p.spec, data, seed=p.settings.seed)
    for a, b in zip(early.get_weights(), short.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert tl.at(n).optimizer is not None


def test_a_branch_with_unchanged_settings_equals_continuing(xor, original):
    p, data = xor
    _, tl, result = original
    n = tl.epochs[len(tl) // 2]
    b = branch(tl.at(n), data, p.spec, p.settings, original_settings=p.settings)
    assert b.epochs_run == 30 and len(b.history["loss"]) == 30 - n
    np.testing.assert_array_equal(b.history["loss"], result.history["loss"][n:])
    np.testing.assert_array_equal(b.history["val_accuracy"], result.history["val_accuracy"][n:])
    for a, c in zip(b.model.get_weights(), result.model.get_weights()):
        np.testing.assert_array_equal(a, c)


def test_a_branch_with_another_learning_rate_differs_and_checks_its_epochs(xor, original):
    p, data = xor
    _, tl, result = original
    n = tl.epochs[2]
    b = branch(tl.at(n), data, p.spec, replace(p.settings, learning_rate=0.05),
               original_settings=p.settings)
    assert b.history["loss"] != result.history["loss"][n:]
    with pytest.raises(NNStudioError, match="end after it|needs more epochs"):
        branch(tl.at(n), data, p.spec, replace(p.settings, epochs=n), original_settings=p.settings)
    # another optimizer starts fresh (Adam's moments do not fit SGD) instead of failing
    s = branch(tl.at(n), data, p.spec, replace(p.settings, optimizer="sgd", learning_rate=0.1),
               original_settings=p.settings)
    assert s.epochs_run == 30
    with pytest.raises(ProjectError, match="no snapshot at epoch 2.*kept at epochs"):
        Timeline(snapshots=[Snapshot(1, [np.zeros(1)]), Snapshot(3, [np.zeros(1)])]).at(2)


def test_a_snapshot_of_another_network_is_refused(xor, original):
    p, data = xor
    _, tl, _ = original
    from nnstudio.core.model.spec import NetworkSpec

    other = NetworkSpec.parse("dense:3:relu", data.task, data.n_classes)
    with pytest.raises(TrainingError, match="does not fit this network"):
        model_at(tl.at(30), other, data)


def test_the_memory_cap_thins_evenly_and_is_visible():
    tl = Timeline(cap_bytes=10 * 400)  # ten snapshots of 400 bytes
    for e in range(1, 101):
        tl.add(Snapshot(e, [np.zeros(100, np.float32)]))
    assert tl.nbytes <= tl.cap_bytes and len(tl) >= 5
    assert tl.epochs[0] == 1 and tl.epochs[-1] == 100  # the first and the newest stay
    gaps = np.diff(tl.epochs[:-1])
    assert gaps.min() >= tl.gap // 2 and tl.thinned >= 1
    assert "thinned" in tl.memory_text() and "MB of" in tl.memory_text()
    # a report at an epoch already kept (a pause) replaces it instead of adding one
    n = len(tl)
    tl.add(Snapshot(100, [np.ones(100, np.float32)]))
    assert len(tl) == n and tl.at(100).variables[0][0] == 1


def test_a_timeline_survives_its_file(tmp_path, original):
    _, tl, _ = original
    tl.save(tmp_path / "t.npz")
    back = Timeline.load(tmp_path / "t.npz")
    assert back.epochs == tl.epochs and back.gap == tl.gap and back.weight_index == tl.weight_index
    for a, b in zip(back.at(30).variables + back.at(30).optimizer,
                    tl.at(30).variables + tl.at(30).optimizer):
        np.testing.assert_array_equal(a, b)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ProjectError, match="cannot be read"):
        Timeline.load(tmp_path / "bad.npz")


def test_the_watch_budget_skips_reports_and_keeps_the_last_state(tf_loaded):
    from types import SimpleNamespace

    from nnstudio.core.tf import keras
    from nnstudio.core.timeline.recorder import Recorder
    from nnstudio.core.training.control import TrainingControl

    k = keras()
    model = k.Sequential([k.Input((2,)), k.layers.Dense(3), k.layers.Dense(1)])

    def reports(budget):
        trainer = SimpleNamespace(control=TrainingControl(), max_chunk_epochs=None, optimizer=None)
        rec = Recorder(trainer, budget=budget).attach()
        for done in range(1, 6):
            model.layers[0].kernel.assign(np.full((2, 3), float(done), np.float32))
            trainer.control.report(done, {}, 0.01, model)
        rec.finish()
        return rec

    every = reports(None)
    assert [s.epoch for s in every.timeline.snapshots] == [1, 2, 3, 4, 5]
    tight = reports(0.0)  # no time to spare: the first report, then only the end
    assert [s.epoch for s in tight.timeline.snapshots] == [1, 5]
    assert tight.timeline.snapshots[-1].variables[0][0, 0] == 5.0  # the final weights, not a stale copy


def test_the_health_statistics_are_saved_with_the_snapshots(xor, tmp_path):
    from nnstudio.core.experiments.record import RunRecord
    from nnstudio.core.timeline.recorder import watch

    p, data = xor
    trainer = Trainer(data, p.spec, replace(p.settings, epochs=8))
    rec = watch(trainer, every=2)
    trainer.run()
    health = rec.probe.health
    assert len(health) >= 4 and rec.timeline.health is health
    rec.timeline.save(tmp_path / "t.npz")
    run = RunRecord(id="r1", spec=p.spec.to_dict(), settings=p.settings.to_dict(), data={"name": "xor"},
                    history={}, timeline_file=tmp_path / "t.npz")
    run.load_timeline()
    back = run.health
    assert back.epochs == health.epochs
    for a, b in zip(back.points, health.points):
        for la, lb in zip(a.layers, b.layers):
            assert la.name == lb.name and la.dead == lb.dead and la.act_hist[0] == list(lb.act_hist[0])
            assert la.grad_norm == pytest.approx(lb.grad_norm)
            np.testing.assert_allclose(la.weights_hist[1], lb.weights_hist[1])
