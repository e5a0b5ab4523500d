"""`nnstudio sweep`, `nnstudio runs` and `nnstudio train --save` appending runs (JSON interface)."""
import json
import subprocess
import sys

import pytest


def nnstudio(*args, timeout=400):
    return subprocess.run([sys.executable, "-m", "nnstudio", *args], capture_output=True, text=True, check=False,
                          timeout=timeout)


def test_sweep_json_save_tensorboard_then_train_appends(tmp_path):
    proj, tb = tmp_path / "xor.nnstudio", tmp_path / "tb"
    r = nnstudio("sweep", "xor", "--grid", "dropout=0,0.2;lr=0.01", "--seeds", "2", "--epochs",
                 "4", "--save", str(proj), "--tensorboard", str(tb), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["metric"] == "val_accuracy" and out["seeds"] == 2 and out["runs"] == 4
    confs = out["configurations"]
    assert [c["knobs"] for c in confs] == [{"dropout": 0.0, "lr": 0.01},
                                           {"dropout": 0.2, "lr": 0.01}]
    assert confs[1]["network"] == "dense:6:relu,dropout:0.2,dense:4:relu,dropout:0.2"
    for c in confs:
        vals = [s["val_accuracy"] for s in c["seeds"]]
        assert [s["seed"] for s in c["seeds"]] == [0, 1]
        assert c["mean"] == pytest.approx(sum(vals) / 2)
        assert all(s["epochs_run"] == 4 and "test_accuracy" in s for s in c["seeds"])
    assert out["best"]["index"] in (0, 1) and out["smallest_within_noise"] is not None
    (v,) = out["verdicts"]
    assert v["configuration"] == 1 and v["against"] == 0 and v["test"] == "Welch's t-test"
    assert v["difference"] == pytest.approx(confs[1]["mean"] - confs[0]["mean"])
    assert isinstance(v["within_noise"], (bool, type(None))) and "p_value" in v
    assert out["seconds"] > 0 and out["saved"] == str(proj)
    assert len([p for p in tb.iterdir() if (p / "train").is_dir()]) == 4
    # train --save appends to the same project
    r = nnstudio("train", "xor", "--epochs", "3", "--save", str(proj), "--json")
    assert r.returncode == 0, r.stderr
    r = nnstudio("runs", str(proj), "--json")
    assert r.returncode == 0, r.stderr
    runs = json.loads(r.stdout)["runs"]
    assert len(runs) == 5 and [x["source"] for x in runs] == ["cli"] * 5
    assert [x["seed"] for x in runs] == [0, 1, 0, 1, 0]
    assert runs[4]["epochs_run"] == 3 and runs[0]["knobs"] == {"dropout": 0.0, "lr": 0.01}
    assert runs[0]["group"] == runs[1]["group"] != runs[2]["group"]
    assert all(x["weights_kept"] for x in runs)
    r = nnstudio("runs", str(proj))
    assert r.returncode == 0 and "5 runs" in r.stdout


@pytest.mark.parametrize("args, message", [
    (["--grid", "dropout=0,2"], "not a rate"),
    (["--grid", "warp=1"], "Unknown sweep knob"),
    (["--grid", "lr=0.1", "--repeat", "3"], "--repeat is an option of `nnstudio train`"),
    (["--grid", "lr=0.1", "--seeds", "0"], "--seeds must be at least 1"),
])
def test_sweep_bad_input_is_one_line(args, message):
    r = nnstudio("sweep", "xor", *args, timeout=120)
    assert r.returncode == 2 and message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_runs_of_a_missing_project(tmp_path):
    r = nnstudio("runs", str(tmp_path / "none.nnstudio"), timeout=60)
    assert r.returncode == 2 and "no project file" in r.stderr


def test_a_sweep_over_cross_validation_folds(tmp_path):
    """`nnstudio sweep --cv K`: each configuration over K folds instead of seeds, and a project file
    holding a trained model is not overwritten without it."""
    r = nnstudio("sweep", "xor", "--grid", "lr=0.01,0.001", "--epochs", "5", "--cv", "3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["folds"] == 3 and len(out["configurations"]) == 2
    assert [s["fold"] for s in out["configurations"][1]["seeds"]] == [1, 2, 3]
    assert "paired by fold" in out["verdicts"][0]["text"]
    text = nnstudio("sweep", "xor", "--grid", "lr=0.01,0.001", "--epochs", "5", "--cv", "3").stdout
    assert "2 configurations x 3 folds (cross-validated)" in text
    m = str(tmp_path / "m.nnstudio")
    assert nnstudio("train", "xor", "--epochs", "2", "--save", m).returncode == 0
    r = nnstudio("sweep", m, "--grid", "lr=0.01,0.001", "--epochs", "2", "--seeds", "2", "--save", m)
    assert r.returncode == 2 and "holds a trained model" in r.stderr
