"""Many runs, many machines (issue 22): a sweep on a local Ray instance lands in the project's runs
like a local sweep; without Ray the option says how to install it."""
from __future__ import annotations

import json
import sys

import pytest

from nnstudio.cli import main
from nnstudio.core.errors import SettingsError
from nnstudio.core.experiments import ray_sweep, store, sweep
from nnstudio.core.project import Project

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray")  # in the test extra: importorskip only guards a broken install
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_a_sweep_on_ray_lands_in_the_runs_like_a_local_sweep(local_ray, tmp_path, capsys):
    seen = []
    project = Project.from_example("xor")
    configs = sweep.expand(sweep.parse_grid("lr=0.01,0.1;epochs=3"))  # two trials: each a TF process
    res = ray_sweep.run_sweep_on_ray(project, configs, 1, address="auto", on_run=seen.append,
                                     keep_weights_last=1)
    # the same runs, in grid order, as the local sweep makes them
    local = sweep.run_sweep(project, configs, 1)
    assert [(r.knobs, r.seed) for r in res.records] == [(r.knobs, r.seed) for r in local.records]
    assert all(r.sweep == res.id and r.status == "completed" and r.epochs_run == 3
               for r in res.records)
    for a, b in zip(res.records, local.records):  # the ordinary engine in each trial
        assert a.metric(res.metric) == pytest.approx(b.metric(local.metric), abs=1e-4)
    assert sorted(r.done for r in seen) == [1, 2]
    assert [r.has_weights for r in res.records] == [False, True]
    assert res.ranking is not None and res.ranking.best is not None
    # and from the command line, into a saved project's runs table
    path = tmp_path / "xor.nnstudio"
    assert main(["sweep", "xor", "--grid", "lr=0.01,0.1;epochs=2", "--seeds", "1",
                 "--ray", "auto", "--save", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["runs"] == 2 and out["saved"]
    runs = store.existing_runs(path)
    assert len(runs) == 2 and {r.sweep for r in runs} == {out["sweep"]}
    assert {r.source for r in runs} == {"cli"}


def test_without_ray_the_option_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    with pytest.raises(SettingsError, match="not installed") as e:
        ray_sweep.require_ray()
    assert "nnstudio[cluster]" in e.value.hint
    assert main(["sweep", "xor", "--grid", "lr=0.1", "--ray", "auto"]) != 0
    err = capsys.readouterr().err
    assert "nnstudio[cluster]" in err and "Traceback" not in err
