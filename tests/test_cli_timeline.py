"""Issue 19 headless: `train --json` lists findings; `evaluate P --run R --epoch N` evaluates a
snapshot; `train P --from-run R --from-epoch N` branches (equal to the original when nothing
changes) and is saved as a child run; wrong input is one line and exit code 2. In-process (main())
so TensorFlow is imported once."""
from __future__ import annotations

import json

import pytest

from nnstudio import cli


def call(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """xor, 12 epochs, a snapshot every 2 epochs, saved as a project with its run."""
    path = tmp_path_factory.mktemp("tl") / "x.nnstudio"
    assert cli.main(["train", "xor", "--epochs", "12", "--snapshot-every", "2", "--no-stream",
                     "--save", str(path)]) == 0
    return path


def test_train_json_lists_the_runs_findings(capsys):
    code, out, _ = call(capsys, "train", "xor", "--epochs", "10", "--lr", "1e-6", "--json")
    assert code == 0
    findings = json.loads(out)["findings"]
    assert "lr_too_low" in {f["code"] for f in findings}
    assert set(findings[0]) >= {"code", "message", "epoch", "layer"}


def test_evaluate_a_snapshot_and_branch_from_it(capsys, saved):
    code, out, _ = call(capsys, "runs", str(saved), "--json")
    run = json.loads(out)["runs"][0]["id"]
    code, out, _ = call(capsys, "evaluate", str(saved), "--run", run[:6], "--json")  # its last
    assert code == 0
    ev = json.loads(out)
    snaps = ev["snapshots"]
    assert ev["epoch"] == 12 == snaps[-1] and snaps[0] == 1 and max(b - a for a, b in zip(snaps, snaps[1:])) <= 2
    last = ev["splits"]["test"]
    n = snaps[len(snaps) // 2]
    code, out, _ = call(capsys, "evaluate", str(saved), "--run", run, "--epoch", str(n), "--json")
    assert json.loads(out)["epoch"] == n and json.loads(out)["splits"]["test"]["loss"] != last["loss"]
    # a branch from n with the run's settings ends where the run ended
    code, out, _ = call(capsys, "train", str(saved), "--from-run", run, "--from-epoch", str(n),
                        "--json", "--save", str(saved))
    assert code == 0
    br = json.loads(out)
    assert br["parent"] == run and br["parent_epoch"] == n and br["epochs_run"] == 12
    assert br["optimizer_state"] == "carried over"
    assert br["test_accuracy"] == pytest.approx(last["accuracy"], abs=1e-9)
    assert br["test_loss"] == pytest.approx(last["loss"], rel=1e-5)
    code, out, _ = call(capsys, "runs", str(saved), "--json")
    child = json.loads(out)["runs"][1]
    assert child["parent"] == run and child["parent_epoch"] == n and child["id"] == br["run"]


@pytest.mark.parametrize("argv,text", [
    (["evaluate", "{p}", "--run", "nosuch"], "No run 'nosuch'"),
    (["evaluate", "{p}", "--run", "{r}", "--epoch", "99"], "no snapshot at epoch 99"),
    (["evaluate", "{p}", "--epoch", "4"], "--epoch needs --run"),
    (["evaluate", "xor", "--run", "{r}"], "needs a .nnstudio project"),
    (["train", "{p}", "--from-run", "{r}"], "needs --from-epoch"),
    (["train", "{p}", "--from-epoch", "4"], "--from-epoch needs --from-run"),
    (["train", "{p}", "--from-run", "{r}", "--from-epoch", "3", "--layers", "dense:3:relu"],
     "keeps the run's network"),
    (["train", "{p}", "--from-run", "{r}", "--from-epoch", "1", "--epochs", "1"], "above 1"),
])
def test_wrong_input_is_one_line_and_exit_2(capsys, saved, argv, text):
    runs = json.loads(call(capsys, "runs", str(saved), "--json")[1])["runs"]
    argv = [a.format(p=saved, r=runs[0]["id"]) for a in argv]
    code, _, err = call(capsys, *argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and text in err, err
