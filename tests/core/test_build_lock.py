"""Keras draws initial weights from process-global random state: two models built at once on two
threads would mix their draws (a seed's run would not be that seed's). Every path that builds a
training network builds it under ``program.build_lock``, the streamed and mirrored fits too."""
from __future__ import annotations

from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.training import distributed
from nnstudio.core.training.program import build_lock


def test_the_streamed_and_mirrored_fits_build_their_network_under_the_build_lock(tf_loaded, monkeypatch):
    held = []
    real = distributed.build_model

    def build(*args, **kwargs):
        held.append(build_lock.locked())
        return real(*args, **kwargs)

    monkeypatch.setattr(distributed, "build_model", build)
    model, _ = distributed.build_compiled(NetworkSpec.parse("dense:4:relu"), 3, Task.BINARY, 2,
                                          TrainSettings())
    assert held == [True] and not build_lock.locked()
    assert model.count_params() == 3 * 4 + 4 + 4 + 1
