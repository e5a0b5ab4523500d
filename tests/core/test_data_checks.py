"""Checks of the data a score depends on (core/data/checks.py): a column that alone predicts the
target (a leak, when it is known only after the outcome) and held-out rows repeating training rows.
Every table is generated here, with the answer known by construction."""
from __future__ import annotations

import re

import make_churn_demo  # tests/data (on the path: conftest.py)
import numpy as np
import pandas as pd
import pytest
from make_fraud import fraud

from nnstudio.core.data import checks
from nnstudio.core.data.csv import read_csv
from nnstudio.core.project import Project


def project_of(frame: pd.DataFrame, target: str, tmp_path) -> Project:
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return Project.from_dataset(read_csv(path), target)


def test_a_column_recorded_after_the_outcome_is_named_and_the_genuine_ones_are_not(tmp_path):
    df = make_churn_demo.churn_frame(800)
    r = np.random.default_rng(1)
    # why the customer left: known only once they have: one value for "stayed"
    df["cancel_reason"] = np.where(df["churn"] == "yes", r.choice(["price", "service", "moved"], 800),
                                   "none")
    # a refund paid to leavers only: a number this time
    df["refund"] = np.where(df["churn"] == "yes", np.round(r.uniform(10, 100, 800), 2), 0.0)
    p = project_of(df, "churn", tmp_path)
    data = p.prepare()
    found = checks.leaks(data, p.roles.features)
    assert sorted(leak.column for leak in found) == ["cancel_reason", "refund"]
    assert all(leak.score == 1.0 and leak.rows == len(data.X_val) + len(data.X_test) for leak in found)
    said = checks.notes(data, p)
    assert said == [checks.leaks_text(found, "churn")]
    assert said[0].startswith("'cancel_reason' (100.0% right) and 'refund' (100.0% right) each "
                              "predict 'churn' alone") and "untick Use on the Data tab" in said[0]


def test_a_quantity_and_the_same_quantity_with_tax_are_a_leak_in_regression(tmp_path):
    r = np.random.default_rng(2)
    size = r.uniform(40, 200, 600)
    df = pd.DataFrame({"size": size, "rooms": r.integers(1, 6, 600),
                       "price": 3000 * size + 20_000 * r.normal(size=600)})
    df["price_incl_tax"] = np.round(df["price"] * 1.2, 2)
    p = project_of(df, "price", tmp_path)
    found = checks.leaks(p.prepare(), p.roles.features)
    assert [leak.column for leak in found] == ["price_incl_tax"]  # size explains a lot, not all
    assert found[0].score > 0.99 and found[0].text("price").startswith(
        "'price_incl_tax' (R² 0.999) predicts 'price' alone")


def test_a_rare_class_is_not_a_leak_of_every_column(tmp_path):
    """99.5% of one class: any column 'predicts' it 99.5% of the time, which says nothing."""
    r = np.random.default_rng(3)
    df = pd.DataFrame({"a": r.normal(size=2000), "b": r.choice(list("xyz"), 2000)})
    df["fraud"] = np.where(r.uniform(size=2000) < 0.005, "yes", "no")
    p = project_of(df, "fraud", tmp_path)
    assert checks.leaks(p.prepare(), p.roles.features) == []


def test_held_out_rows_that_repeat_training_rows_are_counted(tmp_path):
    r = np.random.default_rng(4)
    base = pd.DataFrame({"a": r.integers(0, 3, 300), "b": r.choice(["u", "v"], 300),
                         "c": r.normal(size=300).round(3)})
    base.loc[:99, "c"] = 0.0  # the first hundred rows take six input combinations between them
    base["y"] = np.where(base["a"] + r.normal(size=300) > 1, "hi", "lo")
    p = project_of(base, "y", tmp_path)
    data = p.prepare()
    found = {f.split: f for f in checks.repeats(data)}
    train = {(*row, y) for row, y in zip(data.X_train, data.y_train.ravel())}
    for split, x, ys in (("validation", data.X_val, data.y_val), ("test", data.X_test, data.y_test)):
        expected = sum((*row, y) in train for row, y in zip(x, ys.ravel()))
        assert expected > 0 and found[split].repeated == expected and found[split].rows == len(x)
    assert "repeat a training row exactly, inputs and target" in found["test"].text()
    both = checks.repeats_text([found["validation"], found["test"]])  # one paragraph for both
    assert both.startswith(f"{found['validation'].count_text} and {found['test'].count_text} repeat")
    assert "the scores show recall" in both and both in checks.notes(data, p)


def test_the_training_rows_are_sampled_above_a_size_and_the_count_says_at_least(tmp_path, monkeypatch):
    monkeypatch.setattr(checks, "REPEAT_SAMPLE", 100)
    r = np.random.default_rng(5)
    unique = pd.DataFrame({"a": r.normal(size=700).round(4), "y": r.choice(["p", "q"], 700)})
    df = pd.concat([unique, unique.sample(300, random_state=1)], ignore_index=True)  # records twice
    p = project_of(df, "y", tmp_path)
    found = checks.repeats(p.prepare())
    assert found and all(f.sampled for f in found)
    assert checks.repeats_text(found).startswith("at least ")


def test_rows_alike_only_through_their_filled_in_values_are_not_called_duplicates(tmp_path):
    """An insurance file with ages and BMIs often missing: rows missing both were filled with the
    same medians and shared their inputs, and 42% of the held-out rows were said to "repeat a
    training row ... Duplicated records are the usual cause; remove the duplicates". They are
    not records twice: rows with a filled-in value are left out of the count."""
    r = np.random.default_rng(9)
    n = 2000
    df = pd.DataFrame({"age": r.integers(18, 90, n).astype(float), "bmi": r.normal(27, 5, n).round(2),
                       "smoker": r.choice(["yes", "no"], n)})
    df.loc[r.uniform(size=n) < 0.4, "age"] = np.nan
    df.loc[r.uniform(size=n) < 0.4, "bmi"] = np.nan
    df["claim"] = 100 + 3 * df["age"].fillna(50) + r.normal(0, 20, n)
    p = project_of(df, "claim", tmp_path)
    data = p.prepare()
    assert checks._TrainRows(data.X_train).repeated(data.X_test) > 0.1 * len(data.X_test)  # alike
    assert checks.repeats(data) == []
    twice = pd.concat([df, df.dropna().head(200)], ignore_index=True)  # complete records twice
    assert {f.split for f in checks.repeats(project_of(twice, "claim", tmp_path).prepare())} == {
        "validation", "test"}


def test_rows_alike_on_paper_with_different_targets_are_not_records_twice(tmp_path):
    """Houses of the same size and bedrooms sold at different prices: the held-out ones share a
    training house's inputs, not its price, so the network cannot have learned theirs by heart
    (claims of 4-5 % "repeats" on an insurance-like file were such rows)."""
    r = np.random.default_rng(12)
    n = 1000
    df = pd.DataFrame({"sqft": r.integers(0, 40, n) * 50 + 800, "beds": r.integers(1, 16, n)})
    df["price"] = df["sqft"] * 150 + df["beds"] * 9000 + r.normal(0, 20_000, n).round()
    data = project_of(df, "price", tmp_path).prepare()
    assert checks._TrainRows(data.X_train).repeated(data.X_test) > 0.2 * len(data.X_test)  # alike
    assert checks.repeats(data) == []


def test_few_input_combinations_repeat_by_nature_and_are_not_said(tmp_path):
    """All inputs categories or small counts (3 x 2 x 3 combinations): every test row repeats a
    training row's inputs, as new rows will too; that is no sign of duplicated records."""
    r = np.random.default_rng(7)
    df = pd.DataFrame({"pclass": r.integers(1, 4, 900), "sex": r.choice(["m", "f"], 900),
                       "port": r.choice(list("CQS"), 900)})
    df["survived"] = np.where((df["sex"] == "f") ^ (r.uniform(size=900) < 0.2), "yes", "no")
    p = project_of(df, "survived", tmp_path)
    data = p.prepare()
    assert checks._TrainRows(data.X_train).repeated(data.X_test) == len(data.X_test)  # every one repeats
    assert checks.repeats(data) == [] and checks.notes(data, p) == []


def test_a_number_target_that_meets_itself_again_on_few_inputs_is_no_duplicate(tmp_path):
    """Daily sales (one decimal) with a promo flag the only input: 15 % of the test rows met a
    training row with the same flag and the same sales to the cent, by chance, and were called
    duplicated records. Only two input rows exist, so new rows repeat them too: as for inputs
    of a few categories, nothing is said."""
    r = np.random.default_rng(1)
    promo = r.integers(0, 2, 1000)
    df = pd.DataFrame({"promo": promo, "sales": (100 + 0.2 * np.arange(1000) + 20 * promo
                                                 + r.normal(0, 5, 1000)).round(1)})
    p = project_of(df, "sales", tmp_path)
    data = p.prepare()
    test = checks._records(data, data.X_test, data.y_test, data.raw_test)
    train = checks._records(data, data.X_train, data.y_train, data.raw_train)
    assert checks._TrainRows(train).repeated(test) >= 20  # inputs and target, met again by chance
    assert checks.repeats(data) == []


def test_a_file_with_no_test_rows_says_every_score_is_on_seen_rows(tmp_path):
    """A CSV of a handful of rows left none for testing (the split rounds them away), and the only
    sign was "0 test" in a summary: the scores were all on rows the network trained on."""
    from dataclasses import replace

    tiny = pd.DataFrame({"a": [1.0, 3.0, 2.0, 5.0], "b": [2.0, 4.0, 1.0, 3.0], "y": [0, 1, 0, 1]})
    p = project_of(tiny, "y", tmp_path)
    data = p.prepare()
    assert len(data.X_test) == 0
    said = [n for n in checks.notes(data, p) if n.startswith("No test rows")]
    assert len(said) == 1 and "rows the network trained on" in said[0], checks.notes(data, p)
    assert "more rows" in said[0]  # a file this small: the split cannot hold any out
    rng = np.random.default_rng(0)
    bigger = pd.DataFrame({"a": rng.normal(size=200), "y": [0, 1] * 100})
    p = project_of(bigger, "y", tmp_path)
    assert not any(n.startswith("No test rows") for n in checks.notes(p.prepare(), p))
    p.split = replace(p.split, test=0.0)  # held out by choice: still said, without "more rows"
    said = [n for n in checks.notes(p.prepare(), p) if n.startswith("No test rows")]
    assert len(said) == 1 and "more rows" not in said[0] and "Test above 0 %" in said[0]


@pytest.mark.parametrize("name", ["xor", "or", "perceptron", "digits", "churn", "circles",
                                  "spiral", "house-prices"])
def test_the_built_in_examples_raise_nothing(name):
    """The perceptron's blobs are apart along either axis, by design: columns that predict alone are
    looked for in files only."""
    p = Project.from_example(name)
    data = p.prepare()
    assert checks.notes(data, p) == []
    if name == "perceptron":
        assert {leak.column for leak in checks.leaks(data, p.roles.features)} == {"x1", "x2"}


def test_the_report_carries_the_checks(tmp_path, tf_loaded):
    """A report is read without the app: the column that gives the answer away is in it."""
    from nnstudio.core.model.build import build_model
    from nnstudio.core.report import ReportParts, build_report

    df = make_churn_demo.churn_frame(300)
    df["refund"] = np.where(df["churn"] == "yes", 25.0, 0.0)
    p = project_of(df, "churn", tmp_path)
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    html = build_report(ReportParts(p, model, data.preprocessor, threshold=0.5), importance=False,
                        baselines=False)
    assert "<p class='warn'>Check: &#x27;refund&#x27; (100.0% right) predicts &#x27;churn&#x27;" in html


def test_a_class_of_a_few_rows_is_said_with_what_the_test_rows_hold_of_it(tmp_path):
    r = np.random.default_rng(6)
    df = pd.DataFrame({"a": r.normal(size=400), "b": r.normal(size=400)})
    df["kind"] = np.where(r.uniform(size=400) < 0.5, "cat", "dog")
    df.loc[[3], "kind"] = "ferret"  # one row in all
    df.loc[[10, 20, 30], "kind"] = "hamster"  # three
    p = project_of(df, "kind", tmp_path)
    data = p.prepare()
    found = checks.rare_classes(data)
    assert [(c.label, c.train + c.held_out) for c in found] == [("ferret", 1), ("hamster", 3)]
    for c in found:  # the counts are the splits' own
        i = list(data.preprocessor.classes).index(c.label)
        assert c.train == int(np.sum(data.y_train == i)) and c.test == int(np.sum(data.y_test == i))
    text = checks.rare_text(found, "kind", len(data.X_test))
    assert text.startswith("2 classes of 'kind' have too few rows to learn or to test: 'ferret' (1 row")
    assert text.endswith("Merge them into a larger class, or remove their rows from the file.")
    assert text in checks.notes(data, p)
    # with every class plentiful there is nothing to say
    df.loc[[3, 10, 20, 30], "kind"] = "cat"
    assert checks.rare_classes(project_of(df, "kind", tmp_path).prepare()) == []


def test_the_checks_are_worked_out_once_for_the_same_prepared_data(tmp_path, monkeypatch):
    """The Data tab, Train and the report ask of the same prepared data: one computation."""
    df = make_churn_demo.churn_frame(300)
    df["refund"] = np.where(df["churn"] == "yes", 25.0, 0.0)
    p = project_of(df, "churn", tmp_path)
    data = p.prepare()
    calls = []
    real = checks.leaks
    monkeypatch.setattr(checks, "leaks", lambda *a: calls.append(1) or real(*a))
    first = checks.check(data, p)
    assert checks.check(data, p) is first and checks.notes(data, p) == first.notes
    assert len(calls) == 1 and list(first.columns) == ["refund"]
    p.roles.features.remove("refund")  # what the checks depend on changed: worked out again
    assert checks.check(data, p).columns == {} and len(calls) == 2


def test_a_name_column_one_hot_encoded_into_hundreds_of_inputs_is_said(tmp_path, monkeypatch):
    """In a big file a surname repeats enough to pass for a category (1,297 surnames among 200,000
    customers: 1,297 of 1,309 inputs, a gigabyte of encoded rows); small here by a lowered limit."""
    monkeypatch.setattr(checks, "WIDE_ONEHOT", 20)
    df = make_churn_demo.churn_frame(3000)
    r = np.random.default_rng(4)
    df["agent"] = r.choice([f"agent {i:02d}" for i in range(40)], 3000)  # 40 values, each in ~75 rows
    df["branch"] = r.choice(["north", "south", "east"], 3000)
    p = project_of(df, "churn", tmp_path)
    assert p.roles.role_of("agent") == "feature"
    data = p.prepare()
    assert checks.wide_categories(data) == [("agent", 40)]
    found = checks.check(data, p)
    assert found.columns == {"agent": "40 one-hot inputs: a name or a code?"}
    train = len(data.X_train)
    assert found.notes == [f"One-hot encoding gives the network {data.n_inputs:,} inputs: 'agent' makes "
                           f"40 of them (a value every {train // 40:,} training rows on average). So many "
                           "values are usually a name, an identifier or a code rather than categories to "
                           "learn from; values seen in few rows are learnt by heart, and every input costs "
                           "memory and time. Leave the column out if it names or numbers things (untick "
                           "Use on the Data tab; --features from the command line); if its values matter, "
                           "group the rare ones into fewer categories in the file."]
    p.roles.features.remove("agent")  # unticked: nothing left to say
    assert checks.check(p.prepare(), p).notes == []


def test_a_wide_files_report_draws_the_columns_that_matter_most_and_counts_the_rest(tmp_path, tf_loaded):
    """The report's importance chart had a bar per column: 15,000 pixels tall for a pixel file.
    It draws the REPORT_BARS columns that matter most and says how many more there are."""
    from nnstudio.core import report
    from nnstudio.core.model.build import build_model

    r = np.random.default_rng(2)
    df = pd.DataFrame(r.normal(size=(200, report.REPORT_BARS + 5)),
                      columns=[f"p{i}" for i in range(report.REPORT_BARS + 5)])
    df["y"] = np.where(df["p0"] > 0, "a", "b")
    p = project_of(df, "y", tmp_path)
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    html = report.build_report(report.ReportParts(p, model, data.preprocessor, threshold=0.5),
                               baselines=False, n_repeats=1)
    chart = html[html.index("Which columns matter"):]
    assert f"The {report.REPORT_BARS} columns that matter most; 5 more columns each drop it" in chart
    import base64
    import re
    svg = base64.b64decode(re.search(r"data:image/svg\+xml;base64,([^'\"]+)", chart).group(1)).decode()
    assert svg.count("<rect") == 1 + report.REPORT_BARS  # the background and one bar per column


def test_a_columns_rule_score_is_the_held_out_accuracy_of_its_cells_majority():
    """The score behind a leak, against a plain pandas reference: each cell answers its training
    rows' most frequent class (the smallest on a tie), a cell with no training rows the overall
    majority; a held-out class the training rows lack is never answered."""
    from nnstudio.core.model.spec import Task

    r = np.random.default_rng(4)
    k_train, k_held = r.integers(-1, 9, 3000), r.integers(-1, 11, 1000)  # cells 9, 10: unseen
    y_train = r.choice([2, 5, 8], 3000, p=[0.5, 0.3, 0.2]) + (k_train == 3)  # cell 3: partly 3, 6, 9
    y_held = np.where(r.uniform(size=1000) < 0.05, 7, r.choice([2, 5, 8], 1000))
    by_cell = pd.DataFrame({"k": k_train, "y": y_train}).groupby("k")["y"].agg(
        lambda s: s.value_counts().sort_index().idxmax())
    majority = pd.Series(y_train).value_counts().sort_index().idxmax()
    want = np.mean(pd.Series(k_held).map(by_cell).fillna(majority).to_numpy() == y_held)
    target = checks._Target(y_train, y_held, Task.MULTICLASS)
    assert checks._rule_score(k_train, k_held, target) == pytest.approx(want, abs=1e-12)
    assert 0.2 < want < 0.9  # neither trivial


def test_a_wide_table_is_checked_on_fewer_rows_and_its_leak_still_found(tmp_path, monkeypatch):
    """On a table of many columns the one-column rules read fewer rows (a cell budget), and the
    leak's sentence says how many held-out rows it was measured on."""
    monkeypatch.setattr(checks, "SAMPLE_CELLS", 40 * 500)  # 40 columns: 500 rows of each split
    monkeypatch.setattr(checks, "MIN_SAMPLE", 100)
    r = np.random.default_rng(5)
    df = pd.DataFrame(r.normal(size=(3000, 39)), columns=[f"p{i}" for i in range(39)])
    df["y"] = r.choice(["a", "b"], 3000)
    df["after"] = np.where(df["y"] == "a", 1.0, 0.0) + r.normal(0, 0.01, 3000)
    p = project_of(df, "y", tmp_path)
    data = p.prepare()
    assert len(data.raw_val) + len(data.raw_test) > 500
    found = checks.leaks(data, p.roles.features)
    assert [leak.column for leak in found] == ["after"] and found[0].rows == 500
    assert "on the 500 held-out rows" in checks.leaks_text(found, "y")


def test_each_columns_leak_score_is_computed_once_for_a_split(tmp_path, monkeypatch):
    """A 42,000-row pixel file's 784 one-column rules were computed again (1.1 s) each time a
    column was ticked: a column's score is remembered for its split, sample and target, and the
    findings are the same; another split, or the column's spelling read as one, computes anew."""
    df = make_churn_demo.churn_frame(800)
    df["refund"] = np.where(df["churn"] == "yes", 25.0, 0.0)
    p = project_of(df, "churn", tmp_path)
    fresh = checks.leaks(p.prepare(), p.roles.features)
    assert [leak.column for leak in fresh] == ["refund"]
    calls = []
    real = checks._keys
    monkeypatch.setattr(checks, "_keys", lambda a, b: calls.append(a.name) or real(a, b))
    findings = checks.check(p.prepare(), p)  # the Data tab's and Train's checks
    assert "refund" in findings.columns
    assert sorted(calls) == sorted(p.roles.features)  # each column once
    calls.clear()
    dropped = next(c for c in p.roles.features if c != "refund")
    p.roles.features.remove(dropped)
    again = checks.leaks(p.prepare(), p.roles.features, p.dataset.memo)
    assert calls == [] and again == fresh  # nothing computed again, the same finding
    p.preprocess.set_for_column("plan", "spelling", "merge")  # its values as read: computed anew
    checks.leaks(p.prepare(), p.roles.features, p.dataset.memo)
    assert calls == ["plan"]
    calls.clear()
    p.split.seed += 1  # other rows held out: computed anew
    checks.leaks(p.prepare(), p.roles.features, p.dataset.memo)
    assert sorted(calls) == sorted(p.roles.features)


def test_values_that_differ_only_in_capitals_or_spaces_are_said_per_column(tmp_path):
    """'Cat' and 'cat' (or 'Le Havre' and 'le  havre') are different classes and different one-hot inputs
    to the network, though a person typed one thing twice: the network is asked to tell them apart
    (the target) or learns each from half the rows (a feature)."""
    r = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"a": r.normal(size=n),
                       "city": r.choice(["Paris", "paris", "Le Havre", "le  havre", "Nice"], n),
                       "shop": r.choice(["north", "south"], n)})
    df["kind"] = r.choice(["Cat", "cat", "Dog"], n)
    p = project_of(df, "kind", tmp_path)
    data = p.prepare()
    assert checks.look_alikes(data) == [("kind", [["Cat", "cat"]]),
                                        ("city", [["Le Havre", "le  havre"], ["Paris", "paris"]])]
    found = checks.check(data, p)
    text = ("Values that differ only in capitals, spaces or a final full stop are different to the "
            "network: 'kind' has "
            "'Cat' and 'cat'; 'city' has 'Le Havre' and 'le  havre', 'Paris' and 'paris'. If they mean "
            "the same, have them read as one (Read them as one, on the Data tab; --merge-spellings from "
            "the command line), or write them one way in the file.")
    assert text in found.notes
    assert found.columns["city"] == "'Le Havre' and 'le  havre', 'Paris' and 'paris': the same?"
    assert found.columns["kind"] == "'Cat' and 'cat': the same?"
    # written one way, nothing to say
    df["kind"] = df["kind"].str.capitalize()
    df["city"] = df["city"].str.split().str.join(" ").str.title()
    p = project_of(df, "kind", tmp_path)
    assert checks.look_alikes(p.prepare()) == [] and checks.check(p.prepare(), p).columns == {}


def test_a_target_in_the_hundreds_of_thousands_is_described_not_warned_about(tmp_path):
    """A house-price file in dollars (mean ~318,000): its first run reached R² -21, and the Data
    tab warned before training to rescale it in the file. The output now starts where a
    standardized target would put it, so there is nothing to warn about; the preprocessing says
    where the output starts, as it says how each input is scaled."""
    rng = np.random.default_rng(0)
    area = rng.normal(1800, 500, 400)
    dollars = pd.DataFrame({"area": area, "price": 50_000 + 150 * area + rng.normal(0, 30_000, 400)})
    data, project = _prepared(project_of(dollars, "price", tmp_path))
    assert not any("'price'" in n for n in checks.notes(data, project))
    line = data.describe()[-1]
    assert line.startswith("price (target): a number, predicted as is; the network's output starts at "
                           "its training mean (3"), line
    assert re.search(r"its weights scaled to its spread \(sd \d\d,\d{3}\)$", line), line
    small = dollars.assign(price=dollars["price"] / 1e6)  # sd under 1: Keras' draws as they are
    assert "scaled" not in project_of(small, "price", tmp_path).prepare().describe()[-1]


def _prepared(project):
    return project.prepare(), project


def test_a_three_class_report_draws_each_class_against_the_rest(tmp_path, tf_loaded):
    """More than two classes: the report had a confusion matrix and no curve. It draws each
    class's ROC curve against the rest, labelled with its AUC, and gives the macro average."""
    from sklearn import metrics as m

    from nnstudio.core import evaluate as ev
    from nnstudio.core import report
    from nnstudio.core.model.build import build_model

    r = np.random.default_rng(3)
    df = pd.DataFrame(r.normal(size=(300, 2)), columns=["a", "b"])
    df["y"] = np.select([df["a"] > 0.5, df["b"] > 0], ["hi", "mid"], "lo")
    p = project_of(df, "y", tmp_path)
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    html = report.build_report(report.ReportParts(p, model, data.preprocessor), importance=False,
                               baselines=False, n_repeats=1)
    assert 'alt="ROC curves"' in html
    proba = ev.predict_encoded(model, data.X_test)
    macro = m.roc_auc_score(data.y_test, proba, multi_class="ovr")
    assert f"macro-average ROC AUC <b>{macro:.3f}</b> over 3 classes" in html


def test_a_rare_class_is_said_before_training_with_what_accuracy_then_means(tmp_path):
    """3 % fraud: the Data tab said nothing of it, the default network answered 'no' for every row
    and the first word of it came after training. The note says how rare the class is, what always
    answering the other scores, and what the app offers; a class in a quarter of the rows (churn)
    is no such class."""
    p = project_of(fraud(), "fraud", tmp_path)
    said = [n for n in checks.notes(p.prepare(), p) if "rows of 'fraud'" in n]
    assert said == ["'yes' is 3.2 % of the rows of 'fraud' (158 of 5,000): always answering 'no' "
                    "scores 0.968, so accuracy says little here. Judge the network by each class's "
                    "recall and balanced accuracy (Evaluation) too; balanced class weights (Training "
                    "settings; --class-weight balanced from the command line) make it weigh the "
                    "rare class."], said
    churn = project_of(make_churn_demo.churn_frame(), "churn", tmp_path)
    assert not [n for n in checks.notes(churn.prepare(), churn) if "rows of 'churn'" in n]
