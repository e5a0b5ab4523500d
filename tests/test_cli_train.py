"""The headless `nnstudio train` command (its JSON keys are a stable interface)."""
import json
import re
import subprocess
import sys

import numpy as np
import pytest


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


# ----- issue 14: a raw field-study file, with all defaults ----------------------------------------------
def _field_study(tmp_path, **kw):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "make_field_study", Path(__file__).resolve().parent / "data" / "make_field_study.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_field_study(tmp_path / "field.csv", **kw)


def test_a_raw_field_study_file_trains_on_all_its_rows_well_above_guessing(tmp_path):
    path = _field_study(tmp_path)
    r = nnstudio("train", str(path), "--target", "class", "--json", timeout=400)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    rows = out["rows"]
    assert rows["train"] + rows["validation"] + rows["test"] == 360 and rows["dropped"] == 0
    assert rows["dropped_reasons"] == {"missing_target": 0, "missing_values": 0, "unseen_category": 0}
    assert rows["test"] == 72
    assert any("'?' values in depth_mm were read as missing" in w for w in out["warnings"])
    base = out["baseline"]
    assert base["split"] == "test" and base["majority_class"] == "alpha"
    assert 0.3 < base["majority_accuracy"] < 0.5
    assert base["accuracy"] == out["test_accuracy"]
    assert out["test_accuracy"] >= base["majority_accuracy"] + 0.35, out["test_accuracy"]
    assert base["better_than_guessing"] is True and base["verdict"].startswith("Better than guessing")
    # stderr says how the file was read ('?' as missing, the dates' parts); nothing about lost
    # rows (none were lost)
    err = r.stderr.strip().splitlines()
    assert err == [f"nnstudio: warning: {w}" for w in out["warnings"]] and len(err) == 3
    assert err[1].startswith("nnstudio: warning: date holds dates (year first: ")
    assert err[2] == "nnstudio: warning: To read the dates as they are: --no-date-parts."


def test_a_column_that_gives_the_answer_away_is_warned_about(tmp_path):
    """core/data/checks.py from the command line: on stderr and in the JSON's warnings."""
    import make_churn_demo  # tests/data
    import numpy as np

    df = make_churn_demo.churn_frame(400)
    df["refund"] = np.where(df["churn"] == "yes", 25.0, 0.0)
    df.to_csv(tmp_path / "leaky.csv", index=False)
    r = nnstudio("train", str(tmp_path / "leaky.csv"), "--target", "churn", "--epochs", "1",
                 "--json", timeout=400)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    said = [w for w in out["warnings"] if "predicts 'churn' alone" in w]
    assert len(said) == 1 and said[0].startswith("'refund' (100.0% right)")
    assert f"nnstudio: warning: {said[0]}" in r.stderr.splitlines()


def test_dropping_rows_warns_on_stderr_and_in_the_json(tmp_path):
    path = _field_study(tmp_path)
    r = nnstudio("train", str(path), "--target", "class", "--missing", "drop", "--epochs", "2",
                 "--json", timeout=400)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    rows = out["rows"]
    assert rows["dropped"] == rows["dropped_reasons"]["missing_values"] > 36  # more than 10 %
    assert rows["train"] + rows["validation"] + rows["test"] + rows["dropped"] == 360
    lost = [w for w in out["warnings"] if "are left out" in w]
    assert len(lost) == 1 and lost[0].startswith(f"{rows['dropped']} of 360 rows (")
    assert f"nnstudio: warning: {lost[0]}" in r.stderr.splitlines()
    assert "baseline" in out and "majority_accuracy" in out["baseline"]


def test_missing_markers_can_be_turned_off_and_are_then_refused_as_before(tmp_path):
    path = _field_study(tmp_path)
    r = nnstudio("train", str(path), "--target", "class", "--no-missing-markers", "--epochs", "1")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert "Column 'depth_mm' holds numbers, but 27 values are not numbers: '?'" in lines[0]
    assert "--na-values '?'" in lines[0]


def test_regression_reports_r2_as_its_baseline():
    r = nnstudio("train", "house-prices", "--epochs", "3", "--json", timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    base = out["baseline"]
    assert set(base) >= {"r2", "split", "rows", "better_than_guessing", "verdict"}
    assert base["better_than_guessing"] == (base["r2"] > 0)
    assert out["rows"]["test"] == base["rows"] > 0


def test_the_task_is_printed_and_whole_numbers_taken_as_classes_are_named(tmp_path):
    """A count target (visits 0..16) is inferred as 17 unordered classes: the CLI says so, and how
    to train it as a quantity, as the Data tab does; with --task regression it says it was chosen."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(size=300)
    visits = np.clip(np.round(5 + 3 * a + 2 * b), 0, 16).astype(int)
    path = tmp_path / "visits.csv"
    pd.DataFrame({"a": a, "b": b, "visits": visits}).to_csv(path, index=False)
    k = len(np.unique(visits))
    r = nnstudio("train", str(path), "--target", "visits", "--epochs", "2")
    assert r.returncode == 0, r.stderr
    line = next(s for s in r.stdout.splitlines() if s.startswith("task:"))
    assert "multi-class classification of visits (inferred)" in line
    assert f"{k} different whole numbers are taken as {k} unordered classes" in line
    assert "--task regression" in line
    r = nnstudio("train", str(path), "--target", "visits", "--epochs", "2", "--task", "regression",
                 "--json")
    out = json.loads(r.stdout)
    assert out["task"] == "regression"
    assert out["task_line"] == "task: regression of visits (chosen with --task)"


def test_the_columns_learned_from_and_those_left_out_are_said_with_their_reasons(tmp_path):
    """A run's output names the features it read, the columns left out and why, and what was
    done about missing values (the Data tab shows the same), in the text and the JSON."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 300
    age = rng.normal(40, 10, n)
    age[rng.random(n) < 0.3] = np.nan  # too many rows to drop: filled
    frame = pd.DataFrame({"id": np.arange(1, n + 1), "age": age, "x": rng.normal(size=n),
                          "name": [f"person {i}" for i in range(n)],
                          "y": (rng.random(n) < 0.5).astype(int)})
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    r = nnstudio("train", str(path), "--target", "y", "--epochs", "2")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "features: age, x (2 network inputs after encoding)" in lines
    left = next(s for s in lines if s.startswith("left out:"))
    assert "id (a row number" in left and "name (text unique to every row" in left
    assert any(s.startswith("Missing values (automatic):") and "filled" in s for s in lines)
    out = json.loads(nnstudio("train", str(path), "--target", "y", "--epochs", "2", "--json").stdout)
    assert out["features"] == ["age", "x"] and out["n_inputs"] == 2
    assert set(out["left_out"]) == {"id", "name"} and "filled" in out["missing_note"]
    rep = nnstudio("train", str(path), "--target", "y", "--epochs", "2", "--repeat", "2")
    assert "features: age, x (2 network inputs after encoding)" in rep.stdout.splitlines()
    # each seed's figure as the mean's is written (it printed 0.5333333333333333)
    seeds = [s for s in rep.stdout.splitlines() if s.startswith("seed ")]
    assert len(seeds) == 2 and all(re.fullmatch(r"seed \d: test_accuracy \d\.\d{4}", s) for s in seeds), seeds


def test_a_wide_files_columns_are_said_in_a_line_a_person_can_read():
    """A 785-column file (a pixel CSV) printed all 686 feature names and the same reason 98
    times, once per constant pixel. Long lists now give the first and last names and the count,
    and the columns left out for one reason are said once; --json still lists every column."""
    from types import SimpleNamespace

    from nnstudio.cli.common import columns_json, columns_lines

    constant = "constant: the same value (0) in every row"
    ignored = {f"pixel{i}": constant for i in range(98)} | {"id": "a row number", "y": "target"}
    project = SimpleNamespace(roles=SimpleNamespace(
        features=[f"pixel{i}" for i in range(98, 784)], ignored=ignored, target="y"))
    data = SimpleNamespace(n_inputs=686, missing_note="")
    features, left = columns_lines(project, data)
    assert features == ("features: pixel98, pixel99, pixel100, pixel101, pixel102, pixel103, …, "
                        "pixel782, pixel783: 686 columns (686 network inputs after encoding)")
    assert left == (f"left out: pixel0, pixel1, pixel2, pixel3, pixel4, pixel5, …, pixel96, "
                    f"pixel97: 98 columns ({constant}); id (a row number). Add any with --features.")
    assert len(columns_json(project, data)["features"]) == 686
    assert len(columns_json(project, data)["left_out"]) == 99
    few = SimpleNamespace(roles=SimpleNamespace(features=["age", "x"], target="y",
                                                ignored={"a": "why", "b": "why", "y": "target"}))
    assert columns_lines(few, SimpleNamespace(n_inputs=2, missing_note="")) == [
        "features: age, x (2 network inputs after encoding)", "left out: a, b (why). Add any with --features."]


def test_a_csv_without_target_is_refused_with_the_files_columns(tmp_path, capsys):
    """The refusal named a column of another file (--target Exited); it lists this file's columns
    and suggests its last one, read or streamed."""
    from nnstudio import cli

    path = tmp_path / "plants.csv"
    path.write_text("height,leaf width,species\n" + "1.0,2.0,a\n2.0,1.0,b\n" * 20)
    for extra in ([], ["--stream"]):
        assert cli.main(["train", str(path), *extra]) == 2
        err = capsys.readouterr().err
        assert "needs --target COLUMN" in err and "plants.csv" in err
        assert "height, leaf width, species" in err and "--target species" in err
        assert "Exited" not in err


def test_a_headerless_file_without_target_is_answered_with_the_column_the_app_proposes(tmp_path, capsys):
    """UCI's breast-cancer file (no header row: ID, diagnosis, measurements) was answered with
    "e.g. --target 'column 32'", its last measurement; the GUI proposes the diagnosis."""
    from nnstudio import cli

    rng = np.random.default_rng(0)
    rows = [f"{842302 + 97 * i},{rng.choice(['M', 'B'])},{rng.normal(14, 3):.3f},{rng.normal(0.1, 0.02):.4f}"
            for i in range(80)]
    path = tmp_path / "wdbc.data"
    path.write_text("\n".join(rows) + "\n")
    assert cli.main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--target 'column 2'" in err and "column 1, column 2, column 3, column 4" in err


def test_streaming_a_file_that_is_not_there_says_so(tmp_path, capsys):
    """--stream on a mistyped file name said "the data is a built-in example"."""
    from nnstudio import cli

    assert cli.main(["train", str(tmp_path / "missing.csv"), "--stream", "--target", "y"]) == 2
    err = capsys.readouterr().err
    assert "missing.csv" in err and "built-in example" not in err


def test_a_seed_out_of_range_is_a_setting_error_not_an_internal_one(capsys):
    """--seed -5 ended in "internal error: ValueError: Seed must be between 0 and 2**32 - 1"."""
    from nnstudio import cli
    from nnstudio.core.errors import SettingsError
    from nnstudio.core.settings import TrainSettings

    for seed in (-5, 2**32):
        assert cli.main(["train", "xor", "--epochs", "1", "--seed", str(seed)]) == 2
        err = capsys.readouterr().err
        assert "internal error" not in err and "seed must be a whole number from 0 to 4,294,967,295" in err
    for bad in (-1, 2**32, 1.5, True):
        with pytest.raises(SettingsError, match="seed"):
            TrainSettings(seed=bad).check()
    TrainSettings(seed=2**32 - 1).check()


def test_figures_in_dollars_are_printed_as_the_evaluation_tab_writes_them(capsys):
    """A regression on prices printed "loss: 1560910720.0000" and "mae: 31504.4785" where the
    Evaluation tab writes 1.561e+09 and 31,504."""
    from nnstudio.cli.common import print_result

    print_result("Trained 50 epochs.", {"loss": 1_560_910_720.0, "mae": 31_504.4785,
                                        "val_mae": 2271.685, "accuracy": 0.95, "seconds": 0.29}, 289)
    lines = {ln.split(":")[0].strip(): ln.split(":", 1)[1].strip()
             for ln in capsys.readouterr().out.splitlines() if ":" in ln}
    assert lines["loss"] == "1.561e+09" and lines["mae"] == "31,504"
    assert lines["val_mae"] == "2271.6850" and lines["accuracy"] == "0.9500"
    from nnstudio.core.numbers import fmt_spread  # a Repeat's or a sweep's mean ± sd, one way

    assert fmt_spread(33_812.4, 781.2331) == "33,812 ± 781.2"
    assert fmt_spread(0.96512, 0.00711, 4) == "0.9651 ± 0.0071" and fmt_spread(0.9651) == "0.965"


def test_look_alike_values_are_read_as_one_when_asked(tmp_path):
    """'ja', 'Ja' and 'ja ' in the target: five classes, said with how to read them as one;
    --merge-spellings makes them two."""
    import numpy as np
    import pandas as pd

    r = np.random.default_rng(5)
    x = r.normal(size=300)
    path = tmp_path / "loans.csv"
    pd.DataFrame({"x": x, "default": np.where(x > 0, r.choice(["ja", "Ja", "ja "], 300),
                                              r.choice(["nein", "Nein"], 300))}).to_csv(path, index=False)
    apart = nnstudio("train", str(path), "--target", "default", "--epochs", "2")
    assert "--merge-spellings" in apart.stderr and "multi-class" in apart.stdout, apart.stdout
    one = nnstudio("train", str(path), "--target", "default", "--epochs", "2", "--merge-spellings", "--json")
    out = json.loads(one.stdout)
    assert out["task"] == "binary" and "capitals" not in " ".join(out["warnings"])


def test_class_weights_are_given_on_the_command_line(tmp_path, capsys):
    """The coach's fix for 3 % fraud is balanced class weights, and `nnstudio train` printed it,
    but had no option for it: only a project file could set them. --class-weight takes none,
    balanced or a weight per class label."""
    from make_fraud import fraud

    from nnstudio import cli

    path = tmp_path / "fraud.csv"
    fraud().to_csv(path, index=False)
    assert cli.main(["train", str(path), "--target", "fraud", "--epochs", "30",
                     "--class-weight", "balanced", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)  # (unweighted: 0.968, every row 'no')
    assert out["test_accuracy"] < 0.9 and out["test_balanced_accuracy"] > 0.55
    assert out["baseline"]["better_than_guessing"], out["baseline"]["verdict"]
    assert cli.main(["train", str(path), "--target", "fraud", "--epochs", "30",
                     "--class-weight", "yes=20, no=1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["test_accuracy"] < 0.9
    for bad, said in (("often", "Unknown class weighting 'often'"), ("yes=0", "above 0"),
                      ("yes=lots", "yes=lots"), ("maybe=2", "not a class of the target")):
        assert cli.main(["train", str(path), "--target", "fraud", "--epochs", "1",
                         "--class-weight", bad]) == 2, bad
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err, err


def test_cross_validation_from_the_command_line(tmp_path):
    """`--cv K`: each fold's figure and their mean and sd; what cannot go with it is refused."""
    r = nnstudio("train", "xor", "--epochs", "5", "--cv", "3", "--json")
    assert r.returncode == 0, r.stderr
    cv = json.loads(r.stdout)["cross_validation"]
    assert cv["k"] == 3 and cv["metric"] == "accuracy" and len(cv["folds"]) == 3
    assert cv["mean"] == pytest.approx(sum(f["accuracy"] for f in cv["folds"]) / 3)
    assert sum(f["rows"] for f in cv["folds"]) + cv["test_rows"] == 1000
    text = nnstudio("train", "xor", "--epochs", "5", "--cv", "3").stdout
    assert "fold 3 of 3: " in text and "3-fold cross-validation: accuracy " in text
    r = nnstudio("train", "xor", "--cv", "3", "--export", str(tmp_path / "m.keras"))
    assert r.returncode == 2 and "--export cannot go with it" in r.stderr
    # streamed data is never cross-validated in silence (the stream trained once, --cv ignored)
    csv = tmp_path / "xor.csv"
    assert nnstudio("examples", "--generate", "xor", "--out", str(csv)).returncode == 0
    r = nnstudio("train", str(csv), "--target", "label", "--stream", "--cv", "3")
    assert r.returncode == 2 and "--cv needs the table in memory" in r.stderr and "fold" not in r.stdout
    # saved: the folds are a group of the project's runs, and a second cross-validation of the
    # same folds is compared with it fold by fold
    p = str(tmp_path / "cv.nnstudio")
    assert nnstudio("train", "xor", "--epochs", "5", "--cv", "3", "--save", p).returncode == 0
    r = nnstudio("train", p, "--epochs", "5", "--layers", "dense:3:relu", "--cv", "3", "--save", p)
    assert r.returncode == 0, r.stderr
    assert "Against the project's previous group: " in r.stdout and "paired by fold" in r.stdout
    listed = nnstudio("runs", p).stdout
    assert "fold 3 of 3" in listed and "over 3 folds" in listed
    # a project file holding a trained model is not overwritten without it (refused before training)
    m = str(tmp_path / "m.nnstudio")
    assert nnstudio("train", "xor", "--epochs", "2", "--save", m).returncode == 0
    r = nnstudio("train", m, "--cv", "3", "--save", m)
    assert r.returncode == 2 and "holds a trained model" in r.stderr and "fold 1" not in r.stdout
