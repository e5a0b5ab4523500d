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
