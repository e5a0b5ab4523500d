"""Rows that come in groups (visits of one patient): an identifier repeated over the rows is not an
input, a random split that puts one patient's rows in training and test is said to flatter the
test score, and whole groups can be held out instead."""
from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from make_visits import visits  # tests/data (on the path: conftest.py)

from nnstudio.core.data import SplitConfig
from nnstudio.core.data.checks import notes
from nnstudio.core.data.csv import read_csv
from nnstudio.core.errors import DataError
from nnstudio.core.project import Project


def _groups(raw: pd.DataFrame) -> set:
    return set(raw["patient_id"])


@pytest.mark.parametrize("text_ids", [False, True])
def test_an_identifier_repeated_over_rows_is_no_input_and_its_random_split_is_named(tmp_path, text_ids):
    project = Project.from_dataset(read_csv(visits(tmp_path, text_ids=text_ids)), "outcome")
    assert "patient_id" not in project.roles.features
    reason = project.roles.ignored["patient_id"]
    assert "200 values, 5 rows each" in reason and "whole groups" in reason, reason
    data = project.prepare()
    said = " ".join(notes(data, project))
    shared = len(_groups(data.raw_test) & _groups(data.raw_train))
    assert shared > 100  # at random, most test patients have visits in training too
    assert (f"Rows come in groups of 'patient_id': {shared} of the {len(_groups(data.raw_test))} "
            "patient_id values of the test rows have rows in training too") in said, said
    assert "--split-by patient_id" in said
    project.split = replace(project.split, order="group", group="patient_id")
    assert "Rows come in groups" not in " ".join(notes(project.prepare(), project))


def test_whole_groups_are_held_out(tmp_path):
    project = Project.from_dataset(read_csv(visits(tmp_path)), "outcome")
    project.split = replace(project.split, order="group", group="patient_id", test=0.2, val=0.25)
    data = project.prepare()
    train, val, test = (_groups(d) for d in (data.raw_train, data.raw_val, data.raw_test))
    assert not train & test and not train & val and not val & test
    assert (len(test), len(val), len(train)) == (40, 40, 120)  # of 200 patients, whole
    assert len(data.X_test) == 200 and len(data.X_val) == 200 and len(data.X_train) == 600
    assert "200 test rows (whole groups of patient_id);" in data.summary()  # the report, the Data tab
    assert _groups(project.prepare().raw_test) == test  # the seed fixes it
    project.split = replace(project.split, seed=7)
    assert _groups(project.prepare().raw_test) != test
    back = SplitConfig.from_dict(json.loads(json.dumps(project.split.to_dict())))
    assert (back.order, back.group) == ("group", "patient_id")


def test_group_settings_that_cannot_work_are_refused_with_what_to_do(tmp_path):
    project = Project.from_dataset(read_csv(visits(tmp_path)), "outcome")
    with pytest.raises(DataError, match="Choose the column whose values"):
        SplitConfig(order="group").check()
    with pytest.raises(DataError, match="must be a column's name"):  # a project file edited by hand
        SplitConfig(group=[]).check()
    for group, said in (("patient", "There is no column 'patient'"),
                        ("outcome", "'outcome' is the target")):
        project.split = replace(project.split, order="group", group=group)
        with pytest.raises(DataError, match=said):
            project.prepare()
    few = Project.from_dataset(read_csv(visits(tmp_path, patients=3, each=10)), "outcome")
    few.split = replace(few.split, order="group", group="patient_id")
    with pytest.raises(DataError, match="only 3 different values"):
        few.prepare()


def test_the_cli_holds_out_whole_groups(tmp_path, capsys, tf_loaded):
    from nnstudio.cli import main

    path = visits(tmp_path)
    assert main(["train", str(path), "--target", "outcome", "--split-by", "patient_id",
                 "--epochs", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [out["rows"][k] for k in ("train", "validation", "test")] == [640, 160, 200]
    assert main(["train", str(path), "--target", "outcome", "--split-by", "patient_id",
                 "--epochs", "1"]) == 0
    said = capsys.readouterr().out
    assert "rows: 640 training, 160 validation, 200 test (whole groups of patient_id)" in said
    assert "Rows come in groups" not in said
    assert main(["train", str(path), "--target", "outcome", "--split-by", "patient_id", "--stream",
                 "--epochs", "1"]) == 2
    assert "not done when streaming" in capsys.readouterr().err


def test_the_generated_script_holds_out_whole_groups(tmp_path):
    from script_split import script_split  # tests/data (on the path: conftest.py)

    project = Project.from_dataset(read_csv(visits(tmp_path)), "outcome")
    project.split = replace(project.split, order="group", group="patient_id")
    scope = script_split(project, project.prepare(), visits(tmp_path))
    assert not set(scope["test"]["patient_id"]) & set(scope["train"]["patient_id"])
    assert len(scope["test"]) == 200


def test_runs_differ_by_how_their_rows_were_held_out():
    from nnstudio.core.experiments.diff import describe_diff
    from nnstudio.core.experiments.record import RunRecord

    def run(**split):
        return RunRecord.from_dict({"id": "r", "spec": {}, "settings": {}, "data": {},
                                    "split": SplitConfig(**split).to_dict()})

    said = describe_diff(run(), run(order="group", group="patient_id"))
    assert "split differs (rows held out: random -> whole groups of patient_id)" in said
    said = describe_diff(run(order="group", group="patient_id"), run(order="group", group="visit"))
    assert "rows held out: whole groups of patient_id -> whole groups of visit" in said


def test_an_identifier_of_a_few_entities_with_many_rows_each_is_a_category_to_learn_from():
    """30 stores over 120 days: store_id names a store whose rows new data has too, and its level
    of sales is what there is to learn. It was left out as a repeated identifier (R² -0.001 on the
    test rows, without it); it is a category input, and no note calls the split mixed."""
    from nnstudio.core.data.dataset import Dataset

    rng = np.random.default_rng(4)
    level = rng.normal(1000, 200, 30)
    store = np.repeat(np.arange(1, 31), 120)
    frame = pd.DataFrame({"store_id": store, "promo": rng.integers(0, 2, 3600),
                          "sales": (level[store - 1] + rng.normal(0, 50, 3600)).round(2)})
    project = Project.from_dataset(Dataset(frame, "stores.csv", source="stores.csv", csv_options={}),
                                   "sales")
    assert project.roles.features == ["store_id", "promo"]
    assert project.preprocess.for_column("store_id", "kind") == "category"
    assert "Rows come in groups" not in " ".join(notes(project.prepare(), project))


def _grouped_visits(tmp_path):
    project = Project.from_dataset(read_csv(visits(tmp_path)), "outcome")
    project.split = replace(project.split, order="group", group="patient_id", test=0.2, val=0.25)
    return project.prepare()


def _rule(weights, activation="sigmoid"):
    """A network answering from fixed weights on the three measures (NumPy forward layers)."""
    from nnstudio.core.forward import ForwardLayer

    w = np.asarray(weights, np.float32).reshape(3, 1)
    return SimpleNamespace(test={}, model=[ForwardLayer("dense", w, np.zeros(1, np.float32), activation)])


def test_a_lucky_score_on_a_few_held_out_groups_is_not_better_than_guessing(tmp_path):
    """The outcome is a coin toss per patient: a rule right on 25 of the 40 test patients scores
    0.625 on their 200 rows. As 200 independent rows that is clearly above 0.500; but a patient's
    five visits are one answer five times, so it is 40 answers, and 25 of 40 is within chance."""
    from nnstudio.core.guessing import baseline, baseline_of_runs

    data = _grouped_visits(tmp_path)
    assert data.group_column == "patient_id"
    b = baseline(data, _rule([0, 0, 1]))
    assert (b["accuracy"], b["majority_accuracy"]) == (pytest.approx(0.625), pytest.approx(0.5))
    assert b["better_than_guessing"] is False
    assert 36 <= b["effective_rows"] <= 44  # 200 rows of 40 patients whose visits agree
    assert b["verdict"].startswith("No better than guessing: test accuracy 0.625 is not clearly above 0.500")
    assert (". The 200 test rows come from 40 groups of 'patient_id', whose rows are alike: they "
            "count as about") in b["verdict"]
    runs = baseline_of_runs(data, [_rule([0, 0, 1]), _rule([0, 1, 1])])  # 0.625 and 0.595
    assert runs["better_than_guessing"] is False and "40 groups of 'patient_id'" in runs["verdict"]


def test_rows_of_a_group_that_do_not_agree_count_as_many(tmp_path):
    """A group's rows count as one answer only as far as they agree: a rule whose answers are
    right or wrong visit by visit, not patient by patient, keeps (about) all its rows."""
    from nnstudio.core.guessing import effective_rows

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), 5)
    alike = np.repeat(rng.integers(0, 2, 40), 5).astype(float)
    apart = rng.integers(0, 2, 200).astype(float)
    assert 36 <= effective_rows(alike, groups) <= 44
    assert effective_rows(apart, groups) >= 150
    assert effective_rows(apart, np.arange(200)) == 200  # each row its own group
    assert effective_rows(np.ones(200), groups) == 200  # no spread: nothing to count against


def test_better_than_the_mean_on_grouped_rows_is_tested_on_the_groups(tmp_path):
    """Regression: a network's squared errors against the training mean's, compared per group."""
    from nnstudio.core.baselines import paired_p

    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(30), 10)
    y = np.zeros(300)
    # per patient, the network is a little closer or farther than the mean, the same on each visit
    err = np.repeat(rng.normal(0, 1, 30), 10) + 0.25
    a, b = y + np.sqrt(np.abs(1 - err)), y + 1.0
    rows, by_group = paired_p("rmse", y, a, b), paired_p("rmse", y, a, b, groups=groups)
    assert rows < 0.01 < by_group  # 300 rows say "clearly"; 30 patients do not
    # accuracy: one network alone right on 9 patients, the other alone right on 4: as rows that
    # is 90 against 40 (clearly apart); as patients, 9 against 4 (within chance)
    a_right = np.isin(groups, np.arange(9)) | np.isin(groups, np.arange(20, 26))
    b_right = np.isin(groups, np.arange(9, 13)) | np.isin(groups, np.arange(20, 26))
    ya = np.zeros(300, np.int64)
    rows = paired_p("accuracy", ya, np.where(a_right, 0, 1), np.where(b_right, 0, 1))
    by_group = paired_p("accuracy", ya, np.where(a_right, 0, 1), np.where(b_right, 0, 1), groups=groups)
    assert rows < 0.001 and by_group > 0.05


def test_the_baselines_tab_tests_a_lead_over_the_held_out_groups(tmp_path):
    """The network's 12.5-point lead over the majority rule on 200 rows of 40 patients: McNemar's
    test on the rows calls it clear (p = 0.005); over the patients it is within chance."""
    from nnstudio.core.baselines import MAJORITY, compare

    data = _grouped_visits(tmp_path)
    c = compare(_rule([0, 0, 1]).model, data, None, train_linear=False)
    assert c.p_value(c.get(MAJORITY)) > 0.05
    assert "within chance on 200 rows from 40 groups of 'patient_id', p = " in c.verdict()
    data.group_column = ""  # the same rows, as if held out one by one
    c = compare(_rule([0, 0, 1]).model, data, None, train_linear=False)
    assert c.p_value(c.get(MAJORITY)) < 0.01 and "within chance" not in c.verdict()


def test_the_generated_script_holds_out_the_groups_the_app_does_rows_without_one_included(tmp_path):
    """A row whose group is not known is a group of its own, in the app and in its script alike
    (the script took all of them for one group, and held out other rows)."""
    from script_split import script_split  # tests/data (on the path: conftest.py)

    frame = pd.read_csv(visits(tmp_path))
    frame.loc[frame.index[::40], "patient_id"] = np.nan  # 25 visits without a patient
    path = tmp_path / "some_unknown.csv"
    frame.to_csv(path, index=False)
    project = Project.from_dataset(read_csv(path), "outcome")
    project.split = replace(project.split, order="group", group="patient_id")
    data = project.prepare()
    scope = script_split(project, data, path)

    def rows(f):
        return sorted(map(tuple, f[["bp", "chol", "bmi"]].to_numpy().tolist()))

    assert rows(scope["test"]) == rows(data.raw_test)
