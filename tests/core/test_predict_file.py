"""A trained model on the rows of a new file (core/predict_file.py): the table is predict_frame's,
the rows left out are counted by why, the figures appear when the file holds the target, and the
file is read with the training file's choices of what is missing and what is a number."""
from __future__ import annotations

import make_churn_demo  # tests/data (on the path: conftest.py)
import numpy as np
import pandas as pd
import pytest

from nnstudio.core import evaluate as ev
from nnstudio.core.data.csv import read_csv
from nnstudio.core.errors import DataError
from nnstudio.core.predict_file import predict_file, write_csv
from nnstudio.core.project import Project


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tf_loaded):
    from nnstudio.core.model.build import build_model

    d = tmp_path_factory.mktemp("pf")
    df = make_churn_demo.churn_frame(300)
    df.to_csv(d / "train.csv", index=False)
    p = Project.from_dataset(read_csv(d / "train.csv"), "churn")
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    return d, p, data, model


def test_a_file_with_the_target_gets_predictions_and_the_figures_on_it(trained):
    d, p, data, model = trained
    new = make_churn_demo.churn_frame(120, seed=9)
    new.to_csv(d / "new.csv", index=False)
    r = predict_file(model, data.preprocessor, d / "new.csv", threshold=0.5)
    expected = ev.predict_frame(model, data.preprocessor, new, threshold=0.5)
    pd.testing.assert_frame_equal(r.table.reset_index(drop=True), expected)
    assert r.rows == r.predicted == 120 and r.skipped == 0
    e, _ = ev.evaluate_frame(model, data.preprocessor, new, threshold=0.5)
    assert r.evaluation is not None and r.evaluation.n == 120
    assert r.evaluation.metrics["accuracy"] == pytest.approx(e.metrics["accuracy"])
    lines = r.summary_lines()
    assert lines[0] == "Predicted 120 of the 120 rows of new.csv."
    assert sum(n for _, n in r.counts()) == 120
    assert lines[-1].startswith("The file holds the target 'churn': on its 120 rows")
    assert f"accuracy {e.metrics['accuracy']:.4f}" in lines[-1]


def test_rows_that_cannot_be_predicted_are_counted_by_why(trained, tmp_path):
    _, _, data, model = trained
    new = make_churn_demo.churn_frame(50, seed=3).drop(columns="churn")
    new.loc[[0, 1], "plan"] = "platinum"  # never seen in training
    new.loc[[2], "tenure"] = np.nan
    new.to_csv(tmp_path / "score.csv", index=False)
    r = predict_file(model, data.preprocessor, tmp_path / "score.csv", threshold=0.5)
    assert r.evaluation is None and r.predicted == 47 and r.skipped == 3
    assert r.reasons == {"plan has a value not seen in training": 2, "tenure is missing": 1}
    assert r.table[ev.PREDICTION].isna().sum() == 3
    assert "3 rows have no prediction (the note column says why): plan has a value not seen in " \
           "training (2); tenure is missing (1)." in r.summary_lines()
    write_csv(r, tmp_path / "out.csv")
    back = pd.read_csv(tmp_path / "out.csv")
    assert list(back.columns) == list(r.table.columns) and len(back) == 50
    with pytest.raises(DataError, match="Cannot write"):
        write_csv(r, tmp_path / "no" / "such" / "out.csv")
    # named .xlsx: a workbook of one sheet, for people who score in a spreadsheet
    write_csv(r, tmp_path / "out.xlsx")
    book = pd.read_excel(tmp_path / "out.xlsx", sheet_name=None)
    assert list(book) == ["Predictions"]
    pd.testing.assert_frame_equal(book["Predictions"], back, check_dtype=False)


def test_rows_left_out_when_reading_are_said_beside_the_predictions(trained, tmp_path):
    """A spreadsheet export to score, with a totals row and an empty row under the data: the
    predictions came back two rows short ("Predicted 30 of the 30 rows") with nothing said. The
    reading notes are in the summary (the app's dialog) and on stderr (the CLI)."""
    _, _, data, model = trained
    new = make_churn_demo.churn_frame(30, seed=4).drop(columns="churn")
    text = new.to_csv(index=False) + "Total" + "," * (new.shape[1] - 1) + "\n" + "," * (new.shape[1] - 1) + "\n"
    (tmp_path / "export.csv").write_text(text, encoding="utf-8")
    r = predict_file(model, data.preprocessor, tmp_path / "export.csv", threshold=0.5)
    lines = r.summary_lines()
    assert lines[0] == "Predicted 30 of the 30 rows of export.csv."
    assert any(x.startswith("Row 31 looks like a totals row, not data ('Total'): it was left out")
               for x in lines[1:])
    assert "1 row with every cell empty (row 32) was left out." in lines


def test_a_file_without_a_column_the_model_needs_is_refused_with_the_columns_named(trained, tmp_path):
    _, _, data, model = trained
    make_churn_demo.churn_frame(20).drop(columns="calls").to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(DataError, match="no column\\(s\\) 'calls'"):
        predict_file(model, data.preprocessor, tmp_path / "short.csv")


def test_the_new_file_is_read_with_the_training_files_markers_and_number_formats(tmp_path, tf_loaded):
    """Trained on a file where '?' means missing (an extra marker) and income is written '$63,248':
    a new file written the same way means the same thing."""
    from nnstudio.core.data.csv import CsvOptions
    from nnstudio.core.model.build import build_model

    r = np.random.default_rng(0)
    df = pd.DataFrame({"income": [f"${v:,}" for v in r.integers(20_000, 90_000, 200)],
                       "age": r.integers(20, 70, 200).astype(str),
                       "left": r.choice(["yes", "no"], 200)})
    df.loc[5, "age"] = "??"
    df.to_csv(tmp_path / "train.csv", index=False)
    ds = read_csv(tmp_path / "train.csv", CsvOptions(na_values=["??"]))
    p = Project.from_dataset(ds, "left")
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    new = df.head(10).drop(columns="left").copy()
    new.loc[3, "age"] = "??"
    new.to_csv(tmp_path / "new.csv", index=False)
    res = predict_file(model, data.preprocessor, tmp_path / "new.csv",
                       csv_options=ds.csv_options, threshold=0.5)
    assert res.predicted == 8 and res.reasons == {"age is missing": 2}  # rows 3 and 5
    assert res.table["income"].dtype.kind == "f"  # '$63,248' read as 63248, as in training
    # read without the training file's choices, '??' is text in a number column
    plain = predict_file(model, data.preprocessor, tmp_path / "new.csv", threshold=0.5)
    assert plain.reasons == {"age is not a number": 2}


def test_whole_number_classes_stay_whole_beside_a_row_without_a_prediction(tf_loaded):
    """The table `nnstudio predict` writes and the GUI saves: a row that cannot be predicted used
    to turn the classes 0 and 1 into 0.0 and 1.0 for every other row."""
    from nnstudio.core.model.build import build_model

    p = Project.from_example("xor")
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    rows = p.dataset.frame.head(5).drop(columns="class id").copy()
    rows.loc[0, "x"] = np.nan
    table = ev.predict_frame(model, data.preprocessor, rows, threshold=0.5)
    written = table.to_csv(index=False).splitlines()
    assert all(line.split(",")[2] in ("", "0", "1") for line in written[1:]), written


def test_the_network_runs_once_for_the_table_and_the_figures(trained, monkeypatch):
    """A file holding the target gets its predictions and its figures from one pass of the network
    (a file of a million rows costs one forward pass, not two)."""
    d, _, data, model = trained
    new = make_churn_demo.churn_frame(80, seed=5)
    new.loc[[0], "churn"] = np.nan  # a row with a prediction but no truth: in the table, not the figures
    new.to_csv(d / "once.csv", index=False)
    calls = []
    real = ev.predict_encoded

    def counted(m, X):
        calls.append(len(X))
        return real(m, X)

    monkeypatch.setattr(ev, "predict_encoded", counted)
    r = predict_file(model, data.preprocessor, d / "once.csv", threshold=0.5)
    assert calls == [80]
    assert r.predicted == 80 and r.evaluation is not None and r.evaluation.n == 79
    monkeypatch.setattr(ev, "predict_encoded", real)
    e, left = ev.evaluate_frame(model, data.preprocessor, new, threshold=0.5)
    assert left == 1 and r.evaluation.metrics["accuracy"] == pytest.approx(e.metrics["accuracy"])


def test_a_value_written_with_other_capitals_or_spaces_is_named_with_the_training_spelling(trained,
                                                                                          tmp_path):
    """A scoring file that writes 'BASIC' (or 'Basic') for the training's 'basic' cannot be
    predicted, as before; the note and the reasons say which training value it looks like and
    what to do, so that a person does not hunt for 'a value not seen in training'."""
    _, _, data, model = trained
    new = make_churn_demo.churn_frame(20, seed=4).drop(columns="churn")
    plan = next(c for c in data.preprocessor.columns if c.name == "plan")
    assert "basic" in plan.categories
    new.loc[[0, 1], "plan"] = "BASIC"
    new.loc[[2], "plan"] = "Basic"
    new.loc[[3], "plan"] = "platinum"
    new.to_csv(tmp_path / "score.csv", index=False)
    r = predict_file(model, data.preprocessor, tmp_path / "score.csv", threshold=0.5)
    assert r.predicted == 16
    notes = r.table[ev.NOTE]
    assert notes.iloc[0] == ("plan = BASIC was not seen in training (written 'basic' there: "
                             "capitals, spaces or a full stop differ)")
    assert notes.iloc[3] == "plan = platinum was not seen in training"
    assert r.reasons == {"plan has values written with other capitals, spaces or full stops than "
                         "in training": 3, "plan has a value not seen in training": 1}


def test_the_figures_say_which_rows_they_leave_out_and_why(trained, tmp_path):
    """A file with the target blank in some rows and a class the model does not know in another:
    the figures are on the rest, and the summary counts each reason."""
    _, _, data, model = trained
    new = make_churn_demo.churn_frame(30, seed=5).astype({"churn": object})
    new.loc[[0, 1], "churn"] = None
    new.loc[[2], "churn"] = "unsure"
    new.to_csv(tmp_path / "labelled.csv", index=False)
    r = predict_file(model, data.preprocessor, tmp_path / "labelled.csv", threshold=0.5)
    assert r.predicted == 30 and r.evaluation is not None and r.evaluation.n == 27
    classes = ", ".join(str(c) for c in data.preprocessor.classes)
    assert r.summary_lines()[-1] == (f"3 rows were left out of the figures: 2 have no churn (the "
                                     f"target); 1 has a target value the model does not know "
                                     f"('unsure'; the classes of churn: {classes}).")


def test_a_needed_column_named_with_other_capitals_or_spaces_is_pointed_at(trained, tmp_path):
    """A scoring file whose header writes 'Tenure' and 'PLAN' for the model's 'tenure' and
    'plan': refused as before (the columns are the model's contract), and the message names the
    file's look-alike columns so the person knows what to rename."""
    _, _, data, model = trained
    new = make_churn_demo.churn_frame(10, seed=6).drop(columns="churn")
    new = new.rename(columns={"tenure": "Tenure", "plan": "PLAN"})
    new.to_csv(tmp_path / "renamed.csv", index=False)
    with pytest.raises(DataError) as e:
        predict_file(model, data.preprocessor, tmp_path / "renamed.csv", threshold=0.5)
    assert e.value.message == ("The data has no column(s) 'tenure', 'plan', which the model needs; "
                               "the file has 'Tenure' for 'tenure', 'PLAN' for 'plan' (capitals "
                               "or spaces differ).")
    assert "Rename those columns" in e.value.user_text()


def test_rows_with_a_value_beyond_the_training_range_are_counted(trained, tmp_path):
    """Next year's customers, some with tenures of 80 to 120 months where the training rows end
    near 60: the network extrapolates on those rows, and the summary says how many and where."""
    _, _, data, model = trained
    new = make_churn_demo.churn_frame(50, seed=4).drop(columns="churn")
    for t in data.preprocessor.columns:  # every other value within the training range
        if t.kind == "numeric":
            new[t.name] = new[t.name].clip(t.stats["min"], t.stats["max"])
    new.loc[:11, "tenure"] = np.linspace(80, 120, 12)
    new.to_csv(tmp_path / "next.csv", index=False)
    r = predict_file(model, data.preprocessor, tmp_path / "next.csv", threshold=0.5)
    (line,) = [s for s in r.summary_lines() if "beyond" in s]
    from nnstudio.core.numbers import fmt_number

    st = next(t for t in data.preprocessor.columns if t.name == "tenure").stats
    assert line.startswith(f"12 rows hold a value beyond the training rows' range: 'tenure' in 12 "
                           f"(80 to 120; training {fmt_number(st['min'])} to {fmt_number(st['max'])})")
    assert "the network extrapolates on them" in line
    assert r.beyond == {"tenure": 12}
    within = new.copy()
    within["tenure"] = within["tenure"].clip(upper=60)
    within.to_csv(tmp_path / "same.csv", index=False)
    assert not [s for s in predict_file(model, data.preprocessor, tmp_path / "same.csv",
                                        threshold=0.5).summary_lines() if "beyond" in s]
