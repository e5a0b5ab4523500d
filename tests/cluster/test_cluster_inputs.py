"""Every cluster option a user can get wrong says what is wrong and what to do (no TensorFlow is
started: these fail before the strategy is made)."""
from __future__ import annotations

import json

import pytest

from nnstudio.cli import main
from nnstudio.core.errors import SettingsError
from nnstudio.core.training import multiworker as mw


def test_workers_and_their_index_become_tf_config():
    env = {}
    cfg = mw.configure("h1:1234, h2:1234", 1, env)
    assert json.loads(env["TF_CONFIG"]) == cfg == {
        "cluster": {"worker": ["h1:1234", "h2:1234"]}, "task": {"type": "worker", "index": 1}}
    assert not mw.is_chief(cfg) and mw.worker_place(cfg) == (1, 2)
    assert mw.is_chief(mw.configure("h1:1234,h2:1234", 0, env))
    # a scheduler's TF_CONFIG with a chief: the chief is first, worker 0 second
    env = {"TF_CONFIG": json.dumps({"cluster": {"chief": ["c:1"], "worker": ["w:1", "w:2"]},
                                    "task": {"type": "worker", "index": 0}})}
    cfg = mw.configure(None, None, env)
    assert not mw.is_chief(cfg) and mw.worker_place(cfg) == (1, 3)


@pytest.mark.parametrize(("workers", "index", "message"), [
    ("", 0, "--workers is empty"),
    ("host1,host2:80", 0, "'host1' is not host:port"),
    ("h:99999", 0, "'h:99999' is not host:port"),
    ("h:1,h:1", 0, "the same host:port twice"),
    ("h:1,h:2", 2, "--worker-index 2 is not a worker of the 2"),
    ("h:1,h:2", None, "go together"),
])
def test_bad_workers_are_refused_with_a_hint(workers, index, message):
    with pytest.raises(SettingsError, match=message) as e:
        mw.configure(workers, index, {})
    assert e.value.hint


@pytest.mark.parametrize(("raw", "message"), [
    ("", "TF_CONFIG is not set"),
    ("{not json", "not a cluster description"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}', "not in the cluster"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}', "not in the cluster"),
])
def test_a_bad_tf_config_is_refused_with_a_hint(raw, message):
    with pytest.raises(SettingsError, match=message) as e:
        mw.read_tf_config({"TF_CONFIG": raw})
    assert "--workers" in e.value.hint


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "xor", "--workers", "h:1,h:2", "--worker-index", "0"], "Add --distribute multi-worker"),
    (["train", "xor", "--no-shuffle"], "--no-shuffle is an option of multi-worker training"),
    (["train", "xor", "--distribute", "multi-worker"], "TF_CONFIG is not set"),
    (["train", "xor", "--distribute", "multi-worker", "--repeat", "3"], "--repeat runs on one device"),
    (["train", "xor", "--distribute", "multi-worker", "--workers", "h:1"], "go together"),
    (["sweep", "xor", "--grid", "lr=0.1", "--workers", "h:1"], "--workers is an option of `nnstudio train`"),
])
def test_the_command_line_says_what_is_wrong(argv, message, capsys, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
