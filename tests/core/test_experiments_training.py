"""Experiments with real (short) training: a sweep's records, ranking and verdicts; Cancel; the
weights of a run rebuild its model; TensorBoard event files hold the curves."""
from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.core import project_file as pf
from nnstudio.core.experiments import store, sweep
from nnstudio.core.experiments.record import record_of
from nnstudio.core.project import Project


@pytest.fixture(scope="module")
def xor():
    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=4)
    return p, p.prepare()


def test_sweep_records_groups_and_ranks(xor, tmp_path, tf_loaded):
    project, data = xor
    configs = sweep.expand(sweep.parse_grid("layers=|dense:6:relu;lr=0.01"))
    seen = []
    res = sweep.run_sweep(project, configs, 2, data=data, on_run=seen.append,
                          tensorboard=str(tmp_path / "tb"))
    assert [(s.index, s.seed, s.done) for s in seen] == [(0, 0, 1), (0, 1, 2), (1, 0, 3), (1, 1, 4)]
    assert seen[-1].eta == 0 and seen[0].total == 4
    c0, c1 = res.configurations
    assert c0.spec.hidden == [] and c0.params == 3 and c1.params == 2 * 6 + 6 + 6 + 1
    assert [r.seed for r in c0.records] == [0, 1] and {r.group for r in c0.records} == {c0.group}
    assert all(r.settings["learning_rate"] == 0.01 and r.epochs_run == 4 for r in res.records)
    assert res.metric == "val_accuracy"
    assert res.values(c1) == [r.final["val"]["accuracy"] for r in c1.records]
    assert res.ranking.best in (0, 1) and res.verdicts_vs_first[0] is None
    v = res.verdicts_vs_first[1]
    assert v.a.values == res.values(c1) and v.b.values == res.values(c0)
    out = res.to_json()
    assert out["runs"] == 4 and out["configurations"][0]["knobs"] == {"layers": "", "lr": 0.01}
    assert out["verdicts"][0]["test"] == "Welch's t-test"
    # the TensorBoard files hold every epoch's training loss
    from tensorflow.core.util import event_pb2

    tf = tf_loaded.tensorflow()
    run_dir = next((tmp_path / "tb").glob(f"*-{c1.records[0].id}"))
    losses = {}
    for f in (run_dir / "train").iterdir():
        for raw in tf.data.TFRecordDataset(str(f)):
            e = event_pb2.Event.FromString(raw.numpy())
            for val in e.summary.value:
                if val.tag == "epoch_loss":
                    assert val.metadata.plugin_data.plugin_name == "scalars"
                    losses[e.step] = float(tf.make_ndarray(val.tensor))
    assert [losses[i] for i in range(4)] == pytest.approx(c1.records[0].history["loss"])


def test_sweep_cancel_keeps_finished_runs(xor, tf_loaded):
    project, data = xor
    control = sweep.SweepControl()
    configs = sweep.expand(sweep.parse_grid("lr=0.001,0.01,0.1"))

    def on_run(r):
        if r.done == 2:
            control.cancel()
    res = sweep.run_sweep(project, configs, 3, data=data, on_run=on_run, control=control)
    assert res.cancelled and len(res.records) == 2
    assert [len(c.records) for c in res.configurations] == [2, 0, 0]


def test_cancel_stops_the_run_in_progress(xor, tf_loaded):
    project, data = xor
    control = sweep.SweepControl()
    configs = [{"epochs": 100_000}]
    timer = threading.Timer(1.0, control.cancel)
    timer.start()
    res = sweep.run_sweep(project, configs, 2, data=data, control=control)
    timer.join()
    # the two seeds train together (one population program, issue 18): both were in progress
    assert res.cancelled and len(res.records) == 2
    assert all(r.status == "stopped" and r.epochs_run < 100_000 for r in res.records)


def test_kept_weights_rebuild_the_trained_model_after_a_save(xor, tmp_path, tf_loaded):
    from nnstudio.core.training.engine import train

    project, data = xor
    result = train(data, project.spec, replace(project.settings, seed=3))
    rec = record_of(result, project, data, source="cli")
    assert rec.seed == 3 and rec.params == 51 and rec.final["test"] == result.test
    assert rec.data == {"kind": "example", "name": project.dataset.name, "example": "xor"}
    p = Project.from_example("xor")
    store.add_runs(p, [rec])
    path = pf.save_project(p, tmp_path / "x.nnstudio")
    loaded = pf.load_project(path).runs[0]
    assert loaded.weights is None and loaded.has_weights
    model = loaded.build_model(data)
    x = data.X_test[:20]
    assert np.allclose(model(x, training=False).numpy(),
                       result.model(x, training=False).numpy(), atol=1e-6)


def test_a_run_in_a_sweep_equals_the_same_run_trained_alone(xor, tf_loaded):
    """A sweep reuses starting networks across learning rates; the results must not change."""
    from nnstudio.core.training.engine import train

    project, data = xor
    configs = sweep.expand(sweep.parse_grid("lr=0.001,0.01;dropout=0,0.2"))
    res = sweep.run_sweep(project, configs, 2, data=data)
    for c in (res.configurations[1], res.configurations[3]):  # lr 0.01, built for lr 0.001 first
        for rec in c.records:
            alone = train(data, c.spec, replace(c.settings, seed=rec.seed))
            # the seeds of a configuration train together (issue 18): equal to float rounding
            assert rec.history.keys() == alone.history.keys()
            for k, v in alone.history.items():
                assert rec.history[k] == pytest.approx(v, abs=1e-5)
            assert rec.final["test"] == pytest.approx(alone.test, abs=1e-5)


def test_a_sweeps_starting_networks_are_built_under_the_engines_build_lock(xor, tf_loaded):
    """Keras draws starting weights from process-wide random state: a sweep's builds must take
    turns with the engine's (a Repeat's lane, a population compiled in the background), or a seed
    gets another start than it gives alone. It looked for the lock under a name the engine does
    not have, and took a lock of its own each time, which excluded nothing."""
    project, data = xor
    starting = sweep._StartingModels(data)
    _waits_for_build_lock(lambda: starting.get(project.spec, 7))
    # a kept run rebuilt (Runs > Restore) seeds Keras too: it takes its turn as well
    from nnstudio.core.training.engine import train

    rec = record_of(train(data, project.spec, replace(project.settings, seed=3)), project, data,
                    source="cli")
    _waits_for_build_lock(lambda: rec.build_model(data))


def _waits_for_build_lock(build) -> None:
    from nnstudio.core.training.program import build_lock

    built = threading.Event()
    worker = threading.Thread(target=lambda: (build(), built.set()))
    with build_lock:
        worker.start()
        assert not built.wait(1.0)  # waits for the engine's builds
    assert built.wait(60)
    worker.join()


def test_a_network_the_sweep_trains_alone_a_few_times_skips_the_compile(xor, tf_loaded,
                                                                        monkeypatch):
    """Issue 18: such runs train on the host engine (the same runs as compiled ones, to float
    rounding); where the last host run's seconds times the runs of that network still to come
    pass a long run's rule (COMPILE_BEHIND_S) the sweep compiles it."""
    from nnstudio.core.training import engine, program

    project, data = xor
    seen = []

    class Spy(engine.Trainer):
        def run(self):
            result = super().run()
            seen.append(self.ran_host)
            return result

    monkeypatch.setattr(engine, "Trainer", Spy)
    configs = sweep.expand(sweep.parse_grid("lr=0.003,0.01"))
    program.clear_program_cache()
    res = sweep.run_sweep(project, configs, 1, data=data)
    assert seen == [True, True]
    for c in res.configurations:
        rec = c.records[0]
        compiled = engine.train(data, c.spec, replace(c.settings, seed=rec.seed))
        for k, v in compiled.history.items():
            assert rec.history[k] == pytest.approx(v, abs=1e-5)
    seen.clear()
    monkeypatch.setattr(engine, "COMPILE_BEHIND_S", 0.0)
    program.clear_program_cache()
    configs = sweep.expand(sweep.parse_grid("lr=0.003,0.01,0.03"))
    sweep.run_sweep(project, configs, 1, data=data)
    assert seen == [True, False, False]  # nothing measured before the first


def test_a_sweep_lists_best_first_and_names_configurations_that_repeat_another(xor, tf_loaded,
                                                                                capsys):
    """`nnstudio sweep titanic.csv --grid "layers=|dense:16:relu,dense:8:relu;dropout=0,0.3"`
    printed its configurations in the grid's order, numbered 1-4 under "ranked by val_accuracy",
    with the worst first; and the two configurations without hidden layers, dropout 0 and 0.3,
    were the same network trained twice, unsaid."""
    from nnstudio import cli

    project, data = xor
    grid = {"layers": ["", "dense:8:tanh"], "dropout": [0.0, 0.3]}
    configs = sweep.expand(grid)
    notes = sweep.repeated(project.spec, project.settings, configs)
    assert notes == ["layers=(none), dropout=0.3 trains the same network with the same settings "
                     "as layers=(none), dropout=0: dropout changes nothing there (Dropout "
                     "follows hidden Dense layers, and this network has none)."]
    res = sweep.run_sweep(project, configs, seeds=1, data=data)
    assert res.notes == notes and notes[0] in res.summary_text()
    means = [res.values(res.configurations[i])[0] for i in res.order()]
    assert means == sorted(means, reverse=True) and sorted(res.order()) == [0, 1, 2, 3]
    assert res.order()[0] == res.ranking.best
    assert cli.main(["sweep", "xor", "--grid", "layers=|dense:8:tanh;dropout=0,0.3", "--seeds", "1",
                     "--epochs", str(project.settings.epochs)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("best first:")
    ranked = [float(x.split("±")[0].split()[-1]) for x in lines[1:5]]
    assert ranked == sorted(ranked, reverse=True) and lines[1].lstrip().startswith("1. ")
    assert any("trains the same network with the same settings" in x for x in lines)
