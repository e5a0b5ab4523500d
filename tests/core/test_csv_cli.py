"""`nnstudio train FILE.csv --target X`: bad input is one line on stderr and exit 2; good input trains
with the same inference and preprocessing as the GUI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"


def _run(capsys, *args):
    rc = main(["train", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("name, target, words", [
    ("missing.csv", "label", ["There is no file"]),
    ("empty.csv", "label", ["is empty"]),
    ("header_only.csv", "label", ["no rows of data"]),
    ("binary.xlsx", "label", ["cannot be read as an Excel workbook", "save it again"]),
    ("binary.bin", "label", ["not a text file"]),
    ("ragged.csv", "label", ["Line 4", "header has 3"]),
    ("stray_text.csv", "label", ["Column 'age' holds numbers", "'12,5'", "'?'", "--decimal ,", "--na-values"]),
    ("inf.csv", "label", ["infinite values", "--na-values inf"]),
    ("duplicate_columns.csv", "label", ["'Age' appears twice"]),
    ("one_class.csv", "label", ["only one value", "nothing to predict"]),
    ("target_all_missing.csv", "label", ["no values: every row is missing"]),
    ("unclosed_quote.csv", "label", ["never closed"]),
    ("tabs.tsv", "nope", ["There is no column named 'nope'", "x, y, class"]),
])
def test_bad_input_is_one_line_and_exit_2(capsys, name, target, words):
    rc, out, err = _run(capsys, DATA / name, "--target", target)
    assert rc == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nnstudio: error: ") and "Traceback" not in err
    for w in words:
        assert w in err, (w, err)


def test_non_utf8_forced_is_refused_and_auto_is_read(capsys):
    rc, _, err = _run(capsys, DATA / "latin1.csv", "--target", "rain", "--encoding", "utf-8")
    assert rc == 2 and "not valid UTF-8" in err and "--encoding cp1252" in err


def test_csv_needs_a_target(capsys):
    rc, _, err = _run(capsys, DATA / "tabs.tsv")
    assert rc == 2 and "--target" in err


def test_bad_csv_options_are_user_errors(capsys):
    rc, _, err = _run(capsys, DATA / "tabs.tsv", "--target", "class", "--delimiter", "::")
    assert rc == 2 and "one character" in err
    rc, _, err = _run(capsys, DATA / "tabs.tsv", "--target", "class", "--encoding", "nope")
    assert rc == 2 and "Unknown text encoding" in err


def test_load_project_honours_csv_options_features_and_task():
    from nnstudio.cli import _parser
    from nnstudio.cli.train import load_project

    args = _parser().parse_args(["train", str(DATA / "stray_text.csv"), "--target", "label",
                                 "--na-values", "?,12,5", "--task", "multiclass",
                                 "--features", "age,income"])
    # "12,5" splits at the comma into two markers: '12' and '5'; '?' is what matters here
    p = load_project(args)
    assert p.dataset.csv_options["na_values"] == ["?", "12", "5"]
    assert p.roles.features == ["age", "income"] and p.roles.target == "label"
    args = _parser().parse_args(["train", str(DATA / "pipe.txt"), "--target", "column 3",
                                 "--no-header", "--delimiter", "pipe"])
    p = load_project(args)
    assert p.dataset.columns == ["column 1", "column 2", "column 3"] and len(p.dataset.frame) == 5


def test_train_on_a_csv_with_json_output(tmp_path, capsys, tf_loaded):
    from nnstudio.core.data.examples import make_churn

    path = tmp_path / "churn.csv"
    make_churn(n=600).to_csv(path, sep=";", decimal=",", index=False)
    rc, out, err = _run(capsys, path, "--target", "Exited", "--epochs", "2", "--layers", "dense:4:relu",
                        "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert res["epochs_run"] == 2 and 0 <= res["test_accuracy"] <= 1
    # ids and names ignored, Geography one-hot: 12 inputs -> 4 -> 1, the same encoding as the GUI's
    assert res["params"] == 12 * 4 + 4 + 4 + 1


def test_money_columns_are_numbers_unless_no_formatted_numbers(tmp_path):
    import pandas as pd

    from nnstudio.cli import _parser
    from nnstudio.cli.train import load_project

    path = tmp_path / "money.csv"
    pd.DataFrame({"income": ["$1,200", "$3,400", "$560", "$7,000"] * 10,
                  "left": ["yes", "no"] * 20}).to_csv(path, index=False)
    p = load_project(_parser().parse_args(["train", str(path), "--target", "left"]))
    assert p.roles.features == ["income"] and p.dataset.frame["income"].iloc[0] == 1200.0
    assert any(w.startswith("income was read as numbers") for w in p.dataset.warnings)
    p = load_project(_parser().parse_args(["train", str(path), "--target", "left",
                                           "--no-formatted-numbers"]))
    assert p.dataset.frame["income"].iloc[0] == "$1,200" and p.dataset.csv_options["formatted_numbers"] is False
