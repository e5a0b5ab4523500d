"""A loop of runs (folds, a sweep's runs alone) weighs the host engine against a compile by what
it measured (issue 18)."""
from __future__ import annotations

from types import SimpleNamespace

from nnstudio.core.training.engine import COMPILE_BEHIND_S
from nnstudio.core.training.host_runs import HostOrCompile


def ran(host: bool, seconds: float = 0.0, switched_at=None):
    return SimpleNamespace(ran_host=host, host_seconds=seconds, switched_at=switched_at)


def test_runs_stay_on_the_host_engine_while_the_runs_left_cost_less_there_than_a_compile():
    long = COMPILE_BEHIND_S / 1.5  # two such runs on the host engine pass the rule, one does not
    runs = HostOrCompile(["a"] * 4 + ["b"] * 2)
    assert runs.plain("a") and runs.plain("b")  # nothing measured: no compile wait
    runs.ran("a", ran(True, long))
    assert not runs.plain("a")  # 3 runs left x long > the rule: compile
    assert runs.plain("b")  # another program: its own measure
    runs.ran("a", ran(False))  # compiled: the host measure stays (another shape compiles too)
    assert not runs.plain("a")  # 2 left
    runs.ran("a", ran(False))
    assert runs.plain("a")  # 1 left x long < the rule
    runs.ran("b", ran(True, COMPILE_BEHIND_S / 10))
    assert runs.plain("b")
    # a run that switched to its compiled program mid-run measured no whole host run
    other = HostOrCompile(["c"] * 3)
    other.ran("c", ran(True, 10 * COMPILE_BEHIND_S, switched_at=3))
    assert other.plain("c")
