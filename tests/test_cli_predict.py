"""`nnstudio train --export`, `nnstudio predict`, `nnstudio evaluate` and `nnstudio export`."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nnstudio import cli
from nnstudio.core import evaluate, model_file
from nnstudio.core.data.examples import get_example


@pytest.fixture(scope="module")
def xor_model(tf_loaded, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "xor.keras"
    assert cli.main(["train", "xor", "--epochs", "6", "--seed", "2", "--json", "--export", str(path)]) == 0
    rows = get_example("xor").dataset().frame.sample(40, random_state=1).drop(columns=["class id"])
    rows.to_csv(folder / "rows.csv", index=False)
    return folder, path


def test_predict_writes_predictions_for_raw_rows(xor_model):
    folder, path = xor_model
    r = subprocess.run([sys.executable, "-m", "nnstudio", "predict", str(path), "rows.csv",
                        "--out", "preds.csv"], cwd=folder, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "Wrote 40 predictions" in r.stdout and r.stderr == ""
    preds = pd.read_csv(folder / "preds.csv")
    assert list(preds.columns) == ["x", "y", "prediction", "probability", "P(class id = 1)"]
    lm = model_file.load(path)
    rows = pd.read_csv(folder / "rows.csv")
    expected = evaluate.predict_encoded(lm.net, lm.preprocessor.transform(rows))[:, 0]
    assert np.allclose(preds["P(class id = 1)"], expected, atol=1e-6)
    assert ((preds["P(class id = 1)"] > 0.5).astype(int) == preds["prediction"]).all()


def test_predict_says_which_rows_reading_left_out(xor_model, capsys, tmp_path):
    folder, path = xor_model
    rows = pd.read_csv(folder / "rows.csv")
    (tmp_path / "export.csv").write_text(rows.to_csv(index=False) + "Total,\n", encoding="utf-8")
    assert cli.main(["predict", str(path), str(tmp_path / "export.csv"), "--out",
                     str(tmp_path / "p.csv")]) == 0
    out, err = capsys.readouterr()
    assert "Wrote 40 predictions" in out
    assert "nnstudio: warning: Row 41 looks like a totals row, not data ('Total'): it was left out." in err


def test_predict_says_which_rows_lie_beyond_the_training_range(xor_model, capsys, tmp_path):
    """XOR's points lie in the square [-1, 1]; rows at x = 3 and 5 are answered by extrapolation."""
    folder, path = xor_model
    rows = pd.read_csv(folder / "rows.csv")
    rows.loc[:1, "x"] = [3.0, 5.0]
    rows.to_csv(tmp_path / "far.csv", index=False)
    assert cli.main(["predict", str(path), str(tmp_path / "far.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    err = capsys.readouterr().err
    assert "nnstudio: warning: 2 rows hold a value beyond the training rows' range: 'x' in 2 (3 to 5; " \
           "training " in err and "the network extrapolates on them" in err
    rows["class id"] = 0  # labelled: `evaluate` gives the figures, and says the same of the rows
    rows.to_csv(tmp_path / "far_labelled.csv", index=False)
    assert cli.main(["evaluate", str(path), str(tmp_path / "far_labelled.csv"), "--no-baselines"]) == 0
    assert "\n2 rows hold a value beyond the training rows' range: 'x' in 2" in capsys.readouterr().out


def test_evaluate_reproduces_the_training_figures(xor_model, capsys):
    _, path = xor_model
    assert cli.main(["evaluate", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    meta = model_file.read_metadata(path)
    assert set(out["splits"]) == {"train", "val", "test"}
    test = out["splits"]["test"]
    assert test["accuracy"] == pytest.approx(meta["result"]["test"]["accuracy"], abs=1e-9)
    assert test["loss"] == pytest.approx(meta["result"]["test"]["loss"], rel=1e-4)
    assert np.array(test["confusion_matrix"]).sum() == test["rows"] == meta["rows"]["test"]
    # on a CSV holding the target: every row, as text
    frame = get_example("xor").dataset().frame.head(100)
    frame.to_csv(path.parent / "labelled.csv", index=False)
    assert cli.main(["evaluate", str(path), str(path.parent / "labelled.csv")]) == 0
    text = capsys.readouterr().out
    assert "all rows: 100 rows" in text and "accuracy" in text and "confusion matrix" in text


def test_export_converts_an_exported_model(xor_model, capsys):
    folder, path = xor_model
    assert cli.main(["export", str(path), str(folder / "more"), "--formats",
                     "weights_npz,history_csv,script"]) == 0
    printed = capsys.readouterr().out
    for name in ("weights.npz", "history.csv", "train_model.py", "xor.csv"):
        assert (folder / "more" / name).exists() and name in printed
    assert len(pd.read_csv(folder / "more" / "history.csv")) == 6


def test_an_out_name_with_a_suffix_nnstudio_does_not_write_is_refused(xor_model, capsys, tmp_path):
    """`export model.keras out.pdf` (or model.h5) made a folder named out.pdf holding every format."""
    _, path = xor_model
    for name in ("out.pdf", "model.h5"):
        assert cli.main(["export", str(path), str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert f"'{name}'" in err and ".onnx" in err and "folder" in err
        assert not (tmp_path / name).exists()
    assert ".keras" in err  # the .h5 refusal names the format that replaced it
    assert cli.main(["train", "xor", "--epochs", "1", "--export", str(tmp_path / "m.h5")]) == 2
    assert "'m.h5'" in capsys.readouterr().err and not (tmp_path / "m.h5").exists()
    (tmp_path / "runs.v2").mkdir()  # a folder that is there is a folder, whatever its name
    assert cli.main(["export", str(path), str(tmp_path / "runs.v2"), "--formats", "weights_npz"]) == 0
    assert (tmp_path / "runs.v2" / "weights.npz").exists()


def test_user_errors_are_one_line_and_exit_2(xor_model, capsys, tmp_path):
    folder, path = xor_model
    pd.DataFrame({"x": [0.1]}).to_csv(tmp_path / "no_y.csv", index=False)
    assert cli.main(["predict", str(path), str(tmp_path / "no_y.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'y'" in err and "Traceback" not in err
    assert cli.main(["evaluate", str(path), str(folder / "rows.csv")]) == 2  # no target column
    assert "class id" in capsys.readouterr().err
    assert cli.main(["predict", str(tmp_path / "missing.keras"), str(folder / "rows.csv")]) == 2
    assert "missing.keras" in capsys.readouterr().err


def test_a_model_reads_new_files_and_its_own_as_its_training_file_was_read(tmp_path, tf_loaded, capsys):
    """Trained on a file where '??' means missing (--na-values): the exported model keeps that, so
    `nnstudio predict` reads '??' in a new file as missing (not as text in a number column) and
    File > Open model re-reads the training file the same way (the same preprocessing)."""
    r = np.random.default_rng(0)
    df = pd.DataFrame({"income": r.integers(20_000, 90_000, 120), "age": r.integers(20, 70, 120).astype(str),
                       "left": r.choice(["yes", "no"], 120)})
    df.loc[[4, 9], "age"] = "??"
    df.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m.keras"
    assert cli.main(["train", str(tmp_path / "train.csv"), "--target", "left", "--na-values", "??",
                     "--epochs", "1", "--export", str(model)]) == 0
    lm = model_file.load(model)
    assert lm.read_options["na_values"] == ["??"]
    project = model_file.project_from_meta(lm.meta)  # the training file, read again
    assert project.dataset.csv_options == lm.read_options  # a file's: the data checks apply
    assert project.prepare().preprocessor.to_dict() == lm.preprocessor.to_dict()
    new = df.drop(columns="left").head(6)
    new.to_csv(tmp_path / "new.csv", index=False)
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(tmp_path / "new.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    # how many rows were left out, and why
    assert capsys.readouterr().out.strip().endswith(
        "Wrote 5 predictions to " + str(tmp_path / "p.csv") + "; 1 row could not be predicted "
        "(see the 'note' column): age is missing (1).")
    preds = pd.read_csv(tmp_path / "p.csv")
    assert preds["note"].dropna().tolist() == ["age is missing"]  # row 4; not "not a number ('??')"


def test_evaluate_on_a_file_says_why_rows_were_left_out_and_where_it_scored(xor_model, capsys):
    """A labelled file with blank targets, an unknown class and a row that cannot be predicted:
    each counted by its own reason (a blank target is not 'could not be predicted'), and the
    baselines are scored on the file's rows, not called 'the test rows'."""
    folder, path = xor_model
    frame = get_example("xor").dataset().frame.head(60).astype({"class id": object, "x": object})
    frame.loc[[0, 1, 2], "class id"] = None
    frame.loc[[3], "class id"] = "maybe"
    frame.loc[[4], "x"] = "n/a?"
    frame.to_csv(folder / "gaps.csv", index=False)
    assert cli.main(["evaluate", str(path), str(folder / "gaps.csv")]) == 0
    text = capsys.readouterr().out
    assert "all rows: 55 rows" in text
    assert "Baselines on the file's rows" in text and "test rows" not in text
    assert ("5 rows were left out of the figures: 3 have no class id (the target); 1 has a target "
            "value the model does not know ('maybe'; the classes of class id: 0, 1); 1 could not be predicted "
            "(a missing value, or a category never seen in training).") in text


def test_evaluate_names_the_target_values_when_none_is_a_class_of_the_model(xor_model, capsys):
    folder, path = xor_model
    frame = get_example("xor").dataset().frame.head(20).astype({"class id": object})
    frame["class id"] = np.where(frame["class id"] == 1, "yes", "no")
    frame.to_csv(folder / "yesno.csv", index=False)
    assert cli.main(["evaluate", str(path), str(folder / "yesno.csv")]) == 2
    err = capsys.readouterr().err
    assert ("No row of the data can be evaluated: the target class id holds no, yes, and the "
            "model's classes are 0, 1.") in err


def test_missing_in_reads_a_columns_zeros_as_missing_for_training_and_for_new_files(tmp_path, tf_loaded, capsys):
    """`--missing-in BloodPressure=0`: the 0s of that column alone are missing (the note about
    them is not said again, the pregnancies' 0s stay numbers), and the exported model reads a new
    file so. A column the file lacks, or a value without a column, is refused with what to write."""
    from make_far import pima_like  # tests/data (on the path: conftest.py)

    frame = pima_like()
    frame.to_csv(tmp_path / "diabetes.csv", index=False)
    model = tmp_path / "m.keras"
    capsys.readouterr()
    assert cli.main(["train", str(tmp_path / "diabetes.csv"), "--target", "Outcome", "--missing-in",
                     "BloodPressure=0", "--epochs", "1", "--export", str(model)]) == 0
    err = capsys.readouterr().err
    assert "'BloodPressure' holds 0" not in err and "'Glucose' holds 0 in 5 rows" in err
    lm = model_file.load(model)
    assert lm.read_options["missing_in"] == {"BloodPressure": ["0"]}
    project = model_file.project_from_meta(lm.meta)
    assert int(project.dataset.frame["BloodPressure"].isna().sum()) == 35
    assert int((project.dataset.frame["Pregnancies"] == 0).sum()) > 0
    row = frame.drop(columns="Outcome").iloc[[0, 0, 0]].assign(BloodPressure=[0.0, np.nan, 70.0])
    row.to_csv(tmp_path / "new.csv", index=False)  # 0, empty, a reading
    assert cli.main(["predict", str(model), str(tmp_path / "new.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    p = pd.read_csv(tmp_path / "p.csv").filter(like="prob").to_numpy()
    assert p.shape[1] >= 1 and np.array_equal(p[0], p[1])  # 0 read as the empty cell is
    assert not np.array_equal(p[0], p[2])
    assert cli.main(["train", str(tmp_path / "diabetes.csv"), "--target", "Outcome", "--missing-in",
                     "BloodPresure=0", "--epochs", "1"]) == 2
    assert "has no column 'BloodPresure' to read values as missing in" in capsys.readouterr().err
    assert cli.main(["train", str(tmp_path / "diabetes.csv"), "--target", "Outcome", "--missing-in",
                     "0", "--epochs", "1"]) == 2
    assert "--missing-in: '0' is not COLUMN=VALUE." in capsys.readouterr().err
