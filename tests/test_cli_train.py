"""The headless `nnstudio train` command (its JSON keys are a stable interface)."""
import json
import subprocess
import sys


def nnstudio(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "nnstudio", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_train_xor_json():
    r = nnstudio("train", "xor", "--epochs", "3", "--seed", "1", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("loss", "accuracy", "val_accuracy", "test_accuracy", "epochs_run", "seconds", "params"):
        assert key in out, key
    assert out["epochs_run"] == 3
    assert out["params"] == 2 * 6 + 6 + 6 * 4 + 4 + 4 + 1
    assert 0.0 <= out["test_accuracy"] <= 1.0
    assert r.stderr == ""  # nothing printed on stderr (no TensorFlow chatter)


def test_version():
    r = nnstudio("--version")
    assert r.returncode == 0 and r.stdout.startswith("nnstudio ")


def test_bad_input_is_one_line_and_exit_2():
    r = nnstudio("train", "no-such-example")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert "no-such-example" in r.stderr


def test_an_unexpected_failure_is_one_line_not_a_traceback(monkeypatch, capsys):
    from nnstudio import cli
    from nnstudio.cli import train as train_cmd

    def boom(_args):
        raise RuntimeError("simulated bug\nsecond line")

    monkeypatch.setattr(train_cmd, "run", boom)
    monkeypatch.delenv("NNSTUDIO_DEBUG", raising=False)
    assert cli.main(["train", "xor"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "RuntimeError: simulated bug" in err
    assert "Traceback" not in err
