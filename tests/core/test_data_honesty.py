"""Issue 14: real-world raw files never train on a silent sliver of the data.

Every file here is generated (tests/data/make_field_study.py, or built in the test): roles proposed
for mostly-missing, free-text and identifier-like columns, common missing markers, the automatic
missing-value strategy, rows left out counted and warned about, and the verdict against guessing.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import make_field_study  # tests/data (on the path: conftest.py)
import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare
from nnstudio.core.data.csv import CsvOptions, preview, read_csv
from nnstudio.core.data.roles import infer_roles
from nnstudio.core.errors import DataError
from nnstudio.core.guessing import baseline, judge_accuracy, margin
from nnstudio.core.project import Project


@pytest.fixture(scope="module")
def field_csv(tmp_path_factory) -> Path:
    return make_field_study.make_field_study(tmp_path_factory.mktemp("fs") / "field.csv")


# ----- roles ----------------------------------------------------------------------------------------
def test_field_study_roles_ignore_what_a_careful_analyst_would(field_csv):
    ds = read_csv(field_csv)
    roles = Project.from_dataset(ds, "class").roles
    assert roles.features == ["study", "length_mm", "width_mm", "mass_g", "depth_mm", "habitat"]
    why = roles.ignored
    assert set(why) == {"row", "seq", "specimen_id", "date", "comments",
                        "date year", "date month", "date weekday"}  # the date's parts: to tick
    assert "row number" in why["row"]
    assert why["seq"].startswith("a sequence number that restarts 3 times")
    assert "identifier" in why["specimen_id"]
    assert why["date"].startswith("dates")
    assert why["date month"].startswith("a part of the dates in 'date'")
    assert why["comments"].startswith("mostly missing (free text): ") and "(90%)" in why["comments"]


def test_a_sequence_number_within_groups_is_found_when_rows_are_shuffled(tmp_path):
    path = make_field_study.make_field_study(tmp_path / "shuffled.csv", shuffle=True, seed=3)
    ds = read_csv(path)
    roles = infer_roles(ds.frame, "class")
    assert roles.ignored["seq"].startswith("a sequence number within each 'study'")
    assert "row number" in roles.ignored["row"]


def test_sentences_are_free_text_and_shuffled_counters_are_identifiers():
    rng = np.random.default_rng(0)
    n = 200
    words = ["the", "trap", "was", "wet", "near", "stream", "after", "rain", "small", "damaged"]
    sentences = [" ".join(rng.choice(words, 5)) for _ in range(25)]
    frame = pd.DataFrame({
        "note": rng.choice(sentences, n),  # 25 different sentences repeated: not categories
        "level": rng.choice(["low school level", "some college level", "graduate level"], n),
        "subject": rng.permutation(np.arange(1001, 1001 + n)),  # ids 1001..1200 in random order
        "x": rng.normal(size=n),
        "y": rng.choice(["a", "b"], n),
    })
    roles = infer_roles(frame, "y")
    assert roles.ignored["note"].startswith("free text (sentences, about 5 words each)")
    assert "level" in roles.features  # three multi-word categories stay categories
    assert roles.ignored["subject"].startswith("numbers 1,001 to 1,200, each in exactly one row")
    assert "x" in roles.features


def test_small_whole_numbers_are_not_taken_for_sequences():
    rng = np.random.default_rng(1)
    n = 300
    frame = pd.DataFrame({"rooms": rng.integers(1, 6, n), "group": rng.choice(list("abc"), n),
                          "y": rng.choice([0, 1], n)})
    roles = infer_roles(frame, "y")
    assert roles.features == ["rooms", "group"]


def test_a_column_missing_in_half_the_rows_or_fewer_stays_a_feature():
    n = 100
    x = np.arange(n, dtype=float) % 7
    half = x.copy()
    half[:50] = np.nan
    most = x.copy()
    most[:51] = np.nan
    frame = pd.DataFrame({"half": half, "most": most, "y": np.arange(n) % 2})
    roles = infer_roles(frame, "y")
    assert roles.features == ["half"]
    assert roles.ignored["most"].startswith("mostly missing: 51 of 100 rows (51%)")


# ----- missing markers ------------------------------------------------------------------------------
def test_markers_in_number_columns_are_read_as_missing_and_counted(tmp_path):
    p = tmp_path / "uci.csv"
    p.write_text("a,b,c,name,y\n" + "".join(
        f"{m},{i}.5,{i},{n},{i % 2}\n" for i, (m, n) in enumerate(
            [("1", "none"), ("?", "x"), ("2", "y"), ("?", "none"), ("3", "z"), ("-", "x"),
             (" NA ", "x"), ("Missing", "y"), ("4", "y"), ("5", "x")])))
    ds = read_csv(p)
    a = ds.frame["a"]
    assert a.dtype.kind == "f" and int(a.isna().sum()) == 5
    assert ds.missing_markers == {"a": {"?": 2, "-": 1, "NA": 1, "Missing": 1}}
    assert "2 '?', 1 '-', 1 'NA' and 1 'Missing' values in a were read as missing" in ds.warnings[0]
    # a text column keeps its values ("none" is a category there)
    assert (ds.frame["name"] == "none").sum() == 2


def test_a_marker_kept_as_a_category_in_a_text_column_is_named(tmp_path):
    """UCI's adult file writes '?' for an unknown workclass: in a column of text it stays a
    category (it may be one), but the file's notes say so and how to read it as missing; a column
    of numbers with stray text is left to training's refusal, which names the values."""
    p = tmp_path / "adult.csv"
    work = ["Private", "?", "Gov", "Private", "Self-emp", "?", "Private", "-", "Gov", "Private"]
    p.write_text("age,workclass,code,y\n" + "".join(
        f"{20 + i},{w},{'?' if i % 10 == 3 else 100 + i},{i % 2}\n" for i, w in enumerate(work * 3)))
    ds = read_csv(p)
    assert (ds.frame["workclass"] == "?").sum() == 6  # kept as values
    assert ds.missing_markers == {"code": {"?": 3}}  # a number column's markers: read as missing
    named = [w for w in ds.warnings if "kept as a category" in w]
    assert named == ["6 '?' and 3 '-' values in workclass are kept as a category of their own, "
                     "though such a value often marks a missing one (Orange and Weka read '?' so). "
                     "To read them as missing, add them to the values read as missing ('Also "
                     "missing' when opening the file; --na-values '?,-' on the command line)."]
    # the import dialog's preview counts its own rows, and says so
    _frame, fmt = preview(p, nrows=10)
    assert [n for n in fmt.notes if "kept as a category" in n][0].startswith(
        "2 '?' and 1 '-' values in workclass (in the rows shown) are kept as a category")
    # read as the note says: missing, and no note
    told = read_csv(p, CsvOptions(na_values=["?", "-"]))
    assert int(told.frame["workclass"].isna().sum()) == 9
    assert not [w for w in told.warnings if "kept as a category" in w]
    # numbers with a stray marker kept (markers off): not a category, so not named here
    off = read_csv(p, CsvOptions(missing_markers=False))
    assert not [w for w in off.warnings if "in code are kept" in w]


def test_markers_can_be_turned_off_and_junk_is_still_refused(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text("CreditScore,x,y\n" + "".join(
        f"{'?' if i % 5 == 0 else 600 + i},{i % 7},{i % 2}\n" for i in range(40)))
    ds = read_csv(p)
    assert ds.missing_markers == {"CreditScore": {"?": 8}}
    assert ds.warnings == ["8 '?' values in CreditScore were read as missing (a common marker of a "
                           "missing number)."]
    off = read_csv(p, CsvOptions(missing_markers=False))
    assert off.missing_markers == {} and not pd.api.types.is_numeric_dtype(off.frame["CreditScore"])
    with pytest.raises(DataError, match=r"Column 'CreditScore' holds numbers, but 8 values are not "
                                        r"numbers: '\?' \(rows 1, 6, 11, 16 …\)"):
        prepare(off, Roles("y", ["CreditScore", "x"]))
    # junk that is no marker: refused as before, naming it
    junk = tmp_path / "junk.csv"
    junk.write_text("a,y\n" + "".join(f"{v},{i % 2}\n" for i, v in
                                      enumerate(["1", "?", '"12,5"', "abc"] + [str(i) for i in range(30)])))
    bad = read_csv(junk)
    assert bad.missing_markers == {} and not pd.api.types.is_numeric_dtype(bad.frame["a"])
    with pytest.raises(DataError, match=r"values are not numbers: '\?' \(row 2\), '12,5' \(row 3\), "
                                        r"'abc' \(row 4\)"):
        prepare(bad, Roles("y", ["a"]))


def test_the_preview_says_so_too_and_the_option_round_trips(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text("a,y\n1,0\n?,1\n3,0\n")
    frame, fmt = preview(p)
    assert frame["a"].isna().sum() == 1
    assert "1 '?' value in a was read as missing" in " ".join(fmt.notes)
    opts = CsvOptions(missing_markers=False)
    assert CsvOptions.from_dict(opts.to_dict()).missing_markers is False
    assert CsvOptions.from_dict({}).missing_markers is True  # files saved before issue 14
    with pytest.raises(DataError, match="missing_markers must be true or false"):
        CsvOptions.from_dict({"missing_markers": "yes"})


# ----- missing values: automatic ---------------------------------------------------------------------
def _frame(n=400, missing_share=0.25, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(size=n) + 2 * y
    x[rng.random(n) < missing_share] = np.nan
    colour = rng.choice(["red", "blue"], n).astype(object)
    colour[rng.random(n) < missing_share] = None
    return pd.DataFrame({"x": x, "colour": colour, "z": rng.normal(size=n), "y": y})


def test_automatic_fills_when_dropping_would_lose_many_rows():
    frame = _frame()
    d = prepare(Dataset(frame, "t"), Roles("y", ["x", "colour", "z"]))  # defaults
    assert PreprocessConfig().missing == "auto"
    assert d.dropped_rows == 0 and d.rows()["train"] + d.rows()["validation"] + d.rows()["test"] == 400
    x = next(c for c in d.preprocessor.columns if c.name == "x")
    assert x.impute == "median"
    colour = next(c for c in d.preprocessor.columns if c.name == "colour")
    assert colour.impute == "missing_level" and "(missing)" in colour.categories
    text = "\n".join(d.describe())
    assert "too many to drop, so numbers are filled with the training median" in text
    assert "a missing value becomes its own category '(missing)'" in text
    assert d.warnings() == []


def test_automatic_median_comes_from_the_training_rows_only():
    frame = _frame(seed=2)
    split = SplitConfig(test=0.3, val=0.2, seed=9)
    d = prepare(Dataset(frame, "t"), Roles("y", ["x", "colour", "z"]), split=split)
    x = next(c for c in d.preprocessor.columns if c.name == "x")
    # raw_train holds the training rows as read (missing values still missing)
    assert x.impute_value == pytest.approx(float(d.raw_train["x"].median()))
    assert x.impute_value != pytest.approx(float(frame["x"].median()))


def test_automatic_drops_the_few_and_says_so():
    frame = _frame(missing_share=0.01, seed=4)
    d = prepare(Dataset(frame, "t"), Roles("y", ["x", "colour", "z"]))
    assert 0 < d.dropped_missing < 0.05 * 400 and d.auto_dropped
    assert d.rows()["dropped_reasons"] == {"missing_target": 0, "missing_values": d.dropped_missing,
                                           "unseen_category": 0}
    text = "\n".join(d.describe())
    assert "so those rows are dropped (in every split)" in text
    assert f"{d.dropped_missing} rows with a missing value were dropped (missing-value strategy " \
           f"automatic, as they were few" in text


def test_drop_the_row_loses_rows_loudly():
    frame = _frame()
    frame.loc[:19, "y"] = np.nan
    d = prepare(Dataset(frame, "t"), Roles("y", ["x", "colour", "z"]), PreprocessConfig(missing="drop"))
    r = d.rows()
    assert r["dropped"] == d.dropped_rows == 20 + d.dropped_missing
    assert r["dropped_reasons"]["missing_target"] == 20
    assert r["train"] + r["validation"] + r["test"] + r["dropped"] == 400
    assert set(d.dropped_by_column) == {"x", "colour"}
    (w,) = d.warnings()
    assert w.startswith(f"{r['dropped']} of 400 rows ({r['dropped'] / 400:.0%}) are left out: ")
    assert "with a missing value (missing-value strategy 'drop the row'), missing in '" in w
    assert "'x' (" in w and "'colour' (" in w
    assert "20 without a target value" in w and "To keep them: fill missing values instead" in w


# ----- the verdict ------------------------------------------------------------------------------------
def _data(y_train, y_test, task="multiclass", classes=("a", "b", "c")):
    from nnstudio.core.model.spec import Task

    pre = SimpleNamespace(classes=list(classes))
    return SimpleNamespace(y_train=np.array(y_train), y_test=np.array(y_test), y_val=np.array([]),
                           X_test=np.zeros((len(y_test), 1)), X_val=np.zeros((0, 1)),
                           X_train=np.zeros((len(y_train), 1)),
                           task=Task(task), n_classes=len(classes), preprocessor=pre)


def test_accuracy_not_clearly_above_the_majority_rate_is_no_better_than_guessing():
    # the run: 10 test rows, accuracy 0.50, majority class 40 % of them
    data = _data([0] * 8 + [1] * 6 + [2] * 5, [0] * 4 + [1] * 3 + [2] * 3)
    b = baseline(data, SimpleNamespace(test={"accuracy": 0.5}, model=None))
    assert b["majority_class"] == "a" and b["majority_accuracy"] == pytest.approx(0.4)
    assert b["better_than_guessing"] is False
    assert b["verdict"].startswith("No better than guessing: test accuracy 0.500 is not clearly above 0.400")
    good = _data([0] * 100 + [1] * 80 + [2] * 60, [0] * 36 + [1] * 30 + [2] * 24)
    b = baseline(good, SimpleNamespace(test={"accuracy": 0.95}, model=None))
    assert b["better_than_guessing"] is True and b["verdict"].startswith("Better than guessing")
    assert b["rows"] == 90 and b["split"] == "test"
    assert margin(0.4, 90) == pytest.approx(1.645 * np.sqrt(0.24 / 90))
    assert margin(0.99, 10_000) == 0.02


def test_rows_too_few_to_tell_any_accuracy_from_guessing_are_said_as_such():
    """OR's truth table: every one of its 4 rows right (1.000 against 0.750) was called "No better
    than guessing", which no accuracy on 4 rows could escape: too few rows to tell, not a verdict."""
    data = _data([0, 1, 1, 1], [0, 1, 1, 1], classes=("0", "1"))
    b = baseline(data, SimpleNamespace(test={"accuracy": 1.0}, model=None))
    assert b["better_than_guessing"] is False and b["too_few_rows"] is True
    assert b["verdict"] == ("Too few rows to tell from guessing: test accuracy 1.000 against 0.750 "
                            "for always answering the most frequent class ('1'), on 4 rows; even all "
                            "of them right would not be clearly above it.")
    wrong = baseline(data, SimpleNamespace(test={"accuracy": 0.5}, model=None))  # below the rate
    assert wrong["verdict"].startswith("No better than guessing") and not wrong["too_few_rows"]
    # 10 rows at 0.50 against 0.40: a perfect score would count there, so it is a verdict
    ten = _data([0] * 8 + [1] * 6 + [2] * 5, [0] * 4 + [1] * 3 + [2] * 3)
    assert not baseline(ten, SimpleNamespace(test={"accuracy": 0.5}, model=None))["too_few_rows"]


def test_an_accuracy_on_few_rows_is_given_with_how_loose_it_is():
    """A 40-patient study: 8 test rows, all right. 'Better than guessing: test accuracy 1.000' is
    true (0.5^8), but new patients could score 0.68 as well: the verdict gives the interval where
    it is wider than 15 points, and says nothing more where the rows pin the figure down."""
    data = _data([0] * 13 + [1] * 13, [0] * 4 + [1] * 4, classes=("no", "yes"))
    b = baseline(data, SimpleNamespace(test={"accuracy": 1.0}, model=None))
    assert b["better_than_guessing"] is True
    # Wilson's 95 % interval of 8 right of 8: from 8 / (8 + 1.96²) = 0.676 to 1
    assert "Measured on only 8 rows, the figure is loose: 95 % interval 0.676–1.000" in b["verdict"], b["verdict"]
    assert b["accuracy_interval"] == pytest.approx((0.6756, 1.0), abs=1e-4)
    worse = baseline(data, SimpleNamespace(test={"accuracy": 0.625}, model=None))  # 5 of 8
    assert worse["verdict"].startswith("No better than guessing") and "95 % interval 0.306–0.863" in worse["verdict"]
    good = _data([0] * 100 + [1] * 80 + [2] * 60, [0] * 136 + [1] * 130 + [2] * 124)
    b = baseline(good, SimpleNamespace(test={"accuracy": 0.95}, model=None))
    assert "interval" not in b["verdict"] and "accuracy_interval" not in b
    # rows held out in groups (40 patients' 200 visits count as fewer rows): said as such
    grouped = judge_accuracy(0.9, 0.5, 200, "no", "test", n_eff=20)
    assert "Measured on 200 rows that count as 20, the figure is loose" in grouped["verdict"]


def test_regression_r2_at_or_below_zero_is_no_better_than_guessing(monkeypatch):
    from nnstudio.core import guessing as bl

    data = _data([0.0] * 5, [1.0, 2.0, 3.0], task="regression", classes=())
    result = SimpleNamespace(test={}, model=object())
    monkeypatch.setattr(bl, "_r2", lambda *a: (-0.2, None))
    b = baseline(data, result)
    assert b["r2"] == -0.2 and b["better_than_guessing"] is False
    assert b["verdict"].startswith("No better than guessing: R² is -0.200 on the 3 test rows")
    monkeypatch.setattr(bl, "_r2", lambda *a: (0.8, None))
    assert baseline(data, result)["better_than_guessing"] is True
    one = _data([0.0] * 5, [1.0], task="regression", classes=())  # one row: "row", not "rows"
    monkeypatch.setattr(bl, "_r2", lambda *a: (None, None))
    assert "cannot be measured on the 1 test row (their target" in baseline(one, result)["verdict"]


def test_an_r2_within_chance_of_zero_is_not_better_than_guessing():
    """A regression trained 5 epochs: R² 0.001 on 54 test rows was "Better than guessing", as if
    any R² above 0 were evidence. Like accuracy against the majority rate, it must be clearly
    above predicting the training mean (a paired test of the squared errors on those rows)."""
    from nnstudio.core.forward import ForwardLayer

    rng = np.random.default_rng(11)
    x_tr, x_te = rng.normal(size=(200, 1)), rng.normal(size=(54, 1))
    y_tr = 3 * x_tr[:, 0] + 1 + rng.normal(0, 1, 200)
    y_te = 3 * x_te[:, 0] + 1 + rng.normal(0, 1, 54)
    z_te = rng.normal(size=(54, 1))  # a column that says nothing of y
    data = _data(y_tr, y_te, task="regression", classes=())
    data.X_test = np.hstack([x_te, z_te]).astype(np.float32)

    def net(wx, wz):  # the training mean, plus wx * x + wz * z
        k, b = np.float32([[wx], [wz]]), np.float32([np.mean(y_tr)])
        return SimpleNamespace(test={}, model=[ForwardLayer("dense", k, b, "linear")])
    weak = baseline(data, net(0.0, 0.3))  # R² 0.002: the mean, give or take noise
    assert 0 < weak["r2"] < 0.01 and weak["better_than_guessing"] is False
    assert weak["verdict"].startswith("Not clearly better than guessing: R² 0.002 on the 54 test rows")
    assert "within chance of predicting the training mean for every row (p = " in weak["verdict"]
    good = baseline(data, net(3.0, 0.0))
    assert good["r2"] > 0.8 and good["better_than_guessing"] is True
    assert good["verdict"].startswith("Better than guessing: R² ")
    # Repeat: the mean R² of runs within chance of the mean is not better than guessing either
    from nnstudio.core.guessing import baseline_of_runs

    runs = baseline_of_runs(data, [net(0.0, 0.3), net(0.0, 0.25), net(3.0, 0.0)])
    assert runs["r2"] > 0.25 and runs["better_than_guessing"] is False
    assert runs["verdict"].startswith("Not clearly better than guessing: mean R² ")
    assert runs["verdict"].endswith("not clearly better than predicting the training mean in 2 of them.")
    both = baseline_of_runs(data, [net(3.0, 0.0), net(2.5, 0.0)])
    assert both["better_than_guessing"] is True and both["verdict"].startswith("Better than")


def test_a_forecast_far_better_than_the_training_mean_is_better_than_guessing_whatever_its_r2():
    """Sales that grow over time, the last rows held out: the training rows' mean (400) is far
    below the test rows' (550). A network 9x closer than that mean had R² -4.1 (R² compares with
    the test rows' own mean, which no forecast knows in advance) and was called "No better than
    guessing: … predicting the training mean for every row would do as well or better": false.
    The guess is the training mean; the verdict now compares with it."""
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.core.guessing import baseline_of_runs

    rng = np.random.default_rng(5)
    y_tr, y_te = rng.normal(400, 60, 640), rng.normal(550, 5, 200)
    data = _data(y_tr, y_te, task="regression", classes=())

    def net(err):  # the true value give or take ``err``
        data.X_test = (y_te + rng.normal(0, err, 200)).astype(np.float32)[:, None]
        return SimpleNamespace(test={}, model=[ForwardLayer("dense", np.float32([[1.0]]), None, "linear")])

    b = baseline(data, net(10.0))
    assert b["r2"] < -2 and b["skill"] > 0.99 and b["better_than_guessing"] is True
    assert b["verdict"].startswith("Better than guessing: its squared error on the 200 test rows is "
                                   "100% below that of predicting the training mean for every row")
    assert f"R² is {b['r2']:.3f} all the same" in b["verdict"]
    runs = baseline_of_runs(data, [net(10.0), net(12.0)])
    assert runs["better_than_guessing"] is True and runs["r2"] < 0
    assert runs["verdict"].startswith("Better than guessing: over 2 runs, the squared error on the 200 "
                                      "test rows is 99% below")
    # a network no closer than the training mean is still no better than guessing
    far = baseline(data, SimpleNamespace(test={}, model=[ForwardLayer(
        "dense", np.float32([[0.0]]), np.float32([300.0]), "linear")]))
    assert far["better_than_guessing"] is False and far["verdict"].startswith("No better than guessing")


def test_cycles_such_as_the_month_are_not_sequence_numbers():
    n = 12 * 10 + 5
    frame = pd.DataFrame({"year": 2000 + np.arange(n) // 12, "month": np.arange(n) % 12 + 1,
                          "k": np.arange(n) % 3, "y": np.arange(n) % 2})
    roles = infer_roles(frame, "y")
    assert "month" in roles.features and "k" in roles.features
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert "month" in infer_roles(shuffled, "y").features


def test_an_r2_clearly_but_hardly_above_zero_is_not_better_than_guessing():
    """A house-price file in dollars: the output starts at the training mean and barely moves
    from it (R² 0.000 on 153 test rows), and the paired test calls its tiny but steady gain
    real: "Better than guessing: R² 0.000" said what the figure denies. Like accuracy, which must
    beat the majority rate by 2 points, an R² must reach 0.02 to count."""
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.core.guessing import MIN_R2, baseline

    rng = np.random.default_rng(5)
    x_tr, x_te = rng.normal(size=(2000, 1)), rng.normal(size=(2000, 1))
    y_tr = 3 * x_tr[:, 0] + rng.normal(0, 1, 2000)
    y_te = 3 * x_te[:, 0] + rng.normal(0, 1, 2000)
    data = _data(y_tr, y_te, task="regression", classes=())
    data.X_test = x_te.astype(np.float32)

    def net(w):
        k, b = np.float32([[w]]), np.float32([np.mean(y_tr)])
        return SimpleNamespace(test={}, model=[ForwardLayer("dense", k, b, "linear")])
    hardly = baseline(data, net(0.02))  # every answer a hair towards the truth
    assert 0 < hardly["r2"] < MIN_R2 == 0.02 and hardly["better_than_guessing"] is False
    assert hardly["verdict"].startswith("Hardly better than guessing: R² 0.0")
    assert "predicting the training mean for every row does almost as well" in hardly["verdict"]
    assert baseline(data, net(0.3))["better_than_guessing"] is True  # R² ~0.18


def test_a_column_of_marks_and_blanks_is_a_feature_whose_blank_says_no():
    """A ticked box exported as 'x' (or 1) and an empty field: the column was left out as
    'mostly missing' (or 'constant'), though it was the strongest input; the blank is 'not
    marked', a value of its own."""
    rng = np.random.default_rng(4)
    n = 200
    ticked = rng.random(n) < 0.4
    frame = pd.DataFrame({"attended": np.where(ticked, "x", None), "member": np.where(rng.random(n) < 0.9, 1.0, np.nan),
                          "score": rng.normal(50, 10, n).round(1),
                          "passed": np.where(ticked | (rng.random(n) < 0.2), "yes", "no")})
    project = Project.from_dataset(Dataset(frame, "marks"), "passed")
    assert project.roles.features == ["attended", "member", "score"]
    data = project.prepare()
    assert data.rows()["dropped"] == 0  # no row dropped for its blank
    cols = {c.name: c for c in data.preprocessor.columns}
    assert sorted(cols["attended"].categories) == ["(blank)", "x"]
    assert set(data.raw_train["attended"].fillna("(blank)")) == {"x", "(blank)"}
    assert "blank" in cols["attended"].describe() and "member" in cols
    X = data.preprocessor.transform(frame)
    assert len(np.unique(X[:, 0])) == 2  # marked or not: both kept apart


def test_a_rare_class_is_judged_by_roc_auc_not_by_accuracy_against_the_majority():
    """2 % fraud on 4,000 test rows: always answering 'no' scores 0.98, and within the 2-point
    margin of a perfect score no accuracy could count, which the verdict blamed on "too few rows".
    It says accuracy cannot tell, and gives the ROC AUC of the network's probabilities."""
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.core.guessing import baseline_of_runs

    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 1)).astype(np.float32)
    y_test = (x[:, 0] + rng.normal(0, 0.5, 4000) > 2.3).astype(int)
    assert 0.005 < y_test.mean() < 0.02
    data = _data([0] * 980 + [1] * 20, y_test, task="binary", classes=("no", "yes"))
    data.X_test = x

    def net(w):  # probabilities below 0.5 on every row, ranked by w * x
        return SimpleNamespace(test={"accuracy": float(1 - y_test.mean())},
                               model=[ForwardLayer("dense", np.float32([[w]]), np.float32([-6.0]), "sigmoid")])
    b = baseline(data, net(1.0))
    assert b["imbalanced"] is True and b["too_few_rows"] is False and b["better_than_guessing"] is False
    assert b["verdict"].startswith("Accuracy cannot tell here: always answering the most frequent "
                                   "class ('no') scores 0.9"), b["verdict"]
    assert "Too few rows" not in b["verdict"] and "on the 4,000 test rows" in b["verdict"]
    assert b["roc_auc"] > 0.9
    assert f"Its ROC AUC, {b['roc_auc']:.3f} (0.5: chance; 1: every 'yes' row ranked" in b["verdict"]
    blind = baseline(data, net(0.0))  # the same probability for every row: it ranks nothing
    assert blind["roc_auc"] == pytest.approx(0.5) and "ROC AUC, 0.500" in blind["verdict"]
    runs = baseline_of_runs(data, [net(1.0), net(0.0)])
    assert runs["verdict"].startswith("Accuracy cannot tell here") and "Their mean ROC AUC, 0.7" in runs["verdict"]
    # OR's 4 rows are still too few rows, not a rare class
    four = baseline(_data([0, 1, 1, 1], [0, 1, 1, 1], classes=("0", "1")),
                    SimpleNamespace(test={"accuracy": 1.0}, model=None))
    assert four["too_few_rows"] is True and not four.get("imbalanced")
