"""`nnstudio train PROJECT`: bad project files are one line on stderr and exit status 2 (in a fresh
process, never a traceback); --data for a moved CSV; --save writes a trained project."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nnstudio.core import project_file as pf
from nnstudio.core.data.examples import make_xor


def nnstudio(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nnstudio", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def csv_project(tmp_path):
    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.project import Project

    make_xor(200, seed=1).to_csv(tmp_path / "d.csv", index=False)
    p = Project.from_dataset(read_csv(tmp_path / "d.csv"), "class id")
    return pf.save_project(p, tmp_path / "p.nnstudio")


@pytest.mark.parametrize("case,content,words", [
    ("future", json.dumps({"format": "nnstudio-project", "version": 7}), "newer nnstudio"),
    ("not json", "{{{ definitely not json", "not valid JSON"),
    ("not ours", json.dumps({"hello": "world"}), "not an nnstudio project"),
    ("missing csv", None, "was not found"),
])
def test_bad_project_one_line_exit_2(tmp_path, case, content, words):
    if content is None:
        path = csv_project(tmp_path)
        (tmp_path / "d.csv").unlink()
    else:
        path = tmp_path / "p.nnstudio"
        path.write_text(content)
    r = nnstudio("train", str(path), "--json")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error:"), r.stderr
    assert words in lines[0] and "Traceback" not in r.stderr
    assert r.stdout == ""
    if case == "missing csv":
        assert "--data" in lines[0]


def test_data_option_and_save(tmp_path, tf_loaded, capsys, monkeypatch):
    from nnstudio.cli import main

    csv_project(tmp_path)
    (tmp_path / "moved").mkdir()
    (tmp_path / "d.csv").rename(tmp_path / "moved" / "d.csv")
    monkeypatch.chdir(tmp_path)
    assert main(["train", "p.nnstudio", "--data", "moved/d.csv", "--epochs", "2", "--seed", "1",
                 "--json", "--save", "trained.nnstudio"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["epochs_run"] == 2 and out["path"] in ("host", "fast")  # in memory, not streamed
    t = pf.load_trained(tmp_path / "trained.nnstudio")
    assert t.project is not None and t.project.settings.epochs == 2
    assert t.summary["epochs_run"] == 2 and len(t.history["loss"]) == 2
    # the saved project remembers the data's new place and trains again without --data
    assert main(["train", "trained.nnstudio", "--epochs", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["epochs_run"] == 1
    assert main(["train", "xor", "--data", "x.csv"]) == 2
    assert "--data gives the data file" in capsys.readouterr().err


def test_a_second_repeat_saved_to_a_project_gets_a_verdict_against_the_first(tmp_path, tf_loaded,
                                                                            capsys):
    """Dropout on or off over 5 seeds, headless: `train --repeat N --save P` twice. The runs
    were saved and listed one by one; the question — did the change help, beyond seed noise? —
    needed the app. The second Repeat now answers it, and `nnstudio runs` gives each seed group's
    mean ± sd and the verdict between the last two, the way the Runs tab words them."""
    from nnstudio import cli

    proj = str(tmp_path / "xor.nnstudio")
    assert cli.main(["train", "xor", "--repeat", "3", "--epochs", "5", "--save", proj]) == 0
    first = capsys.readouterr().out
    assert "previous seed group" not in first  # nothing to compare with yet
    assert cli.main(["train", proj, "--layers", "", "--repeat", "3", "--epochs", "5",
                     "--save", proj, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    verdict = out["verdict_vs_previous"]
    assert verdict.startswith("From 6-4 ×3 to (no hidden layer) ×3: Dense 6, relu (layer 1) removed")
    assert "over 3 seeds — " in verdict and "Welch's t-test" in verdict
    assert out["saved"] == proj
    assert cli.main(["runs", proj, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [g["label"] for g in listed["groups"]] == ["6-4 ×3", "(no hidden layer) ×3"]
    assert [len(g["runs"]) for g in listed["groups"]] == [3, 3] and listed["verdict"] == verdict
    vals = [r["final"]["val"]["accuracy"] for r in listed["runs"][:3]]
    assert listed["groups"][0]["mean"] == pytest.approx(sum(vals) / 3)
    assert cli.main(["runs", proj]) == 0
    text = capsys.readouterr().out
    assert "Seed groups (val_accuracy, mean ± sd):\n  6-4 ×3: " in text and "\nThe last two: From 6-4" in text
