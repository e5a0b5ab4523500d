"""A network too big for the machine's memory is refused before training, with the figures."""
from __future__ import annotations

import subprocess
import sys

import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.model.memory import check_fits, machine_memory_bytes, training_bytes
from nnstudio.core.model.spec import NetworkSpec, Task, count_params
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainSettings

HUGE = "dense:100000:relu,dense:100000:relu"  # ten billion parameters: 160 GB with Adam
GB = 1000**3


def test_the_bytes_are_weights_gradients_optimizer_state_and_a_batchs_outputs():
    spec = NetworkSpec.parse("dense:6:relu,dense:4:relu")
    params = count_params(spec, 2, Task.BINARY, 2)
    assert params == 51
    outputs = 4 * 2 * 32 * (2 + 6 + 4 + 1)  # each layer's outputs and their gradients, 32 rows
    assert training_bytes(spec, 2, Task.BINARY, 2, "adam") == 4 * 51 * 4 + outputs
    assert training_bytes(spec, 2, Task.BINARY, 2, "sgd") == 4 * 51 * 2 + outputs
    assert training_bytes(spec, 2, Task.BINARY, 2, "sgd", momentum=0.9) == 4 * 51 * 3 + outputs
    assert training_bytes(spec, 2, Task.BINARY, 2, "rmsprop", batch=1) == 4 * 51 * 3 + 4 * 2 * 13


def test_a_network_bigger_than_the_machine_is_refused_with_the_figures():
    spec = NetworkSpec.parse(HUGE)
    settings = TrainSettings()
    with pytest.raises(SpecError) as e:
        check_fits(spec, 2, Task.BINARY, 2, settings, 600, available=24 * GB)
    text = e.value.user_text()
    assert "about 160 GB of memory" in text and "10,000,500,001 parameters" in text
    assert "Adam's state" in text and "24 GB can hold" in text and "fewer units" in text
    small = NetworkSpec.parse("dense:512:relu,dense:256:relu")
    check_fits(small, 300, Task.MULTICLASS, 10, settings, 30_000, available=24 * GB)  # C1 fits
    # a Repeat's five networks together need five times one
    mid = NetworkSpec.parse("dense:20000:relu,dense:20000:relu")  # 400M parameters: 6.4 GB
    check_fits(mid, 2, Task.BINARY, 2, settings, 600, available=24 * GB)
    with pytest.raises(SpecError, match="5 networks of"):
        check_fits(mid, 2, Task.BINARY, 2, settings, 600, copies=5, available=24 * GB)


def test_the_machine_memory_is_known_here():
    total = machine_memory_bytes()
    assert total is not None and total > GB  # this machine: tens of GB


def test_training_refuses_it_before_allocating_anything(monkeypatch):
    from nnstudio.core.model import memory
    from nnstudio.core.training import population
    from nnstudio.core.training.engine import Trainer

    p = Project.from_example("xor")
    data = p.prepare()
    huge = NetworkSpec.parse(HUGE, data.task, data.n_classes)
    with pytest.raises(SpecError, match="of memory to train"):
        Trainer(data, huge, p.settings)
    # five seeds that fit one by one but not together train one after another
    monkeypatch.setattr(memory, "machine_memory_bytes", lambda: 24 * GB)
    mid = NetworkSpec.parse("dense:20000:relu,dense:20000:relu", data.task, data.n_classes)
    assert "do not fit in memory together" in population.supports(data, mid, p.settings, 5)
    assert population.supports(data, mid, p.settings, 2) is None  # 12.8 GB: two fit
    assert population.supports(data, p.spec, p.settings, 5) is None


def test_the_background_compile_refuses_it_before_allocating_anything(monkeypatch):
    """The app compiles each network in the background as it is edited; for a network that
    cannot fit it used to build the model, and TensorFlow failed allocating a 40 GB kernel (a
    smaller machine's share could have been taken instead). It now refuses as Train does."""
    from nnstudio.core.model import memory
    from nnstudio.core.training import engine

    p = Project.from_example("xor")
    data = p.prepare()
    spec = NetworkSpec.parse("dense:64:relu", data.task, data.n_classes)
    monkeypatch.setattr(memory, "machine_memory_bytes", lambda: 10_000)  # a 10 kB machine
    built = []
    monkeypatch.setattr(engine, "build_model", lambda *a, **k: built.append(a))
    with pytest.raises(SpecError, match="of memory to train"):
        engine.precompile(data, spec, p.settings)
    assert built == []


def test_the_cli_says_it_in_one_line_and_exits_2():
    r = subprocess.run([sys.executable, "-m", "nnstudio", "train", "xor", "--layers", HUGE,
                        "--epochs", "1"], capture_output=True, text=True, timeout=180)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "of memory to train" in r.stderr and "internal error" not in r.stderr
