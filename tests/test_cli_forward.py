"""`nnstudio forward NET.json --rows ...`: outputs, --trace, --json, and one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from nnstudio.cli import main
from nnstudio.core.handnet import get_preset


@pytest.fixture
def net_file(tmp_path):
    net = get_preset("w5-two-hidden").net
    net.rows = []  # no example rows saved with it: --rows is needed
    return net.save(tmp_path / "net.json")


def test_prints_each_rows_output(net_file, capsys):
    assert main(["forward", str(net_file), "--rows", "3,5;1,2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    # [1, 2]: layer 1 -> relu(10), relu(-6) = 10, 0; layer 2 -> relu(-10), relu(20) = 0, 20; 7*20
    assert lines == ["3, 5 -> 364", "1, 2 -> 140"]


def test_trace_shows_every_nodes_weighted_sum_and_activation(net_file, capsys):
    assert main(["forward", str(net_file), "--rows", "3,5", "--trace"]) == 0
    out = capsys.readouterr().out
    assert "node 1: z = 2×3 + 4×5 = 26   a = relu(z) = 26" in out
    assert "node 2: z = 4×3 + (-5)×5 = -13   a = relu(z) = 0" in out
    assert "output: 364" in out


def test_json_is_machine_readable(net_file, capsys):
    assert main(["forward", str(net_file), "--rows", "-1,2;3,5", "--json", "--trace"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [r["input"] for r in d["rows"]] == [[-1.0, 2.0], [3.0, 5.0]]
    assert d["rows"][1]["output"] == [364.0]
    assert d["rows"][1]["layers"][0] == {"layer": 1, "activation": "relu", "inputs": [3.0, 5.0],
                                         "z": [26.0, -13.0], "a": [26.0, 0.0]}


def test_presets_and_saved_rows(capsys):
    assert main(["forward", "w2-or-step"]) == 0  # the preset's own truth table
    assert capsys.readouterr().out.splitlines() == ["0, 0 -> 0", "0, 1 -> 1", "1, 0 -> 1", "1, 1 -> 1"]
    assert main(["forward", "w5-tanh", "--rows", "-1,2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"][0]["output"][0] == pytest.approx(0.9901095378)


def test_rows_file_with_a_header(net_file, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n3,5\n1,2\n")
    assert main(["forward", str(net_file), "--rows-file", str(rows)]) == 0
    assert capsys.readouterr().out.splitlines() == ["3, 5 -> 364", "1, 2 -> 140"]


@pytest.mark.parametrize("args, message", [
    (["nosuch.json", "--rows", "1,2"], "There is no file"),
    (["NET", "--rows", "1,2,3"], "Row 1 has 3 values but the network takes 2"),
    (["NET", "--rows", "1,x"], "'x' is not a number"),
    (["NET"], "No input rows given"),
])
def test_errors_are_one_line_and_exit_2(net_file, capsys, args, message):
    args = [str(net_file) if a == "NET" else a for a in args]
    assert main(["forward", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nnstudio: error:") and message in err and "\n" not in err


def test_bad_json_file_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"layers": [{"weights": [[1, 1]], "bias": [0]}]}))
    r = subprocess.run([sys.executable, "-m", "nnstudio", "forward", str(bad), "--rows", "1"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "2 nodes" in r.stderr and "1 bias value" in r.stderr
    assert "tensorflow" not in r.stderr.lower()
