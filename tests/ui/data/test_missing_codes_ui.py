"""-999 where a sensor lost its reading: the Data tab says so and reads it as missing in one click;
the project remembers it (core/data/missing_codes.py, ui/data/checks_row.py)."""
from __future__ import annotations

from make_far import loans_frame, pima_like, sensor_csv  # tests/data (on the path: conftest.py)

from nnstudio.core.data.csv import read_csv
from nnstudio.core.project import Project
from nnstudio.core.project_file import open_project, save_project


def test_a_missing_value_code_is_read_as_missing_in_one_click_and_kept_in_the_project(window, qtbot, tmp_path):
    path = sensor_csv(tmp_path)
    window.state.set_project(Project.from_dataset(read_csv(path), target="failure"))
    panel = window.data_panel
    qtbot.waitUntil(lambda: "'temp_c' holds -999" in panel.checks_note.text(), timeout=5000)
    assert panel.code_btn.isVisibleTo(panel) and panel.code_btn.text() == "Read -999 as missing"
    assert panel.columns_model._flagged["temp_c"].startswith("-999 in ")
    codes = int((read_csv(path).frame["temp_c"] == -999).sum())
    panel.code_btn.click()
    project = window.state.project
    assert int(project.dataset.frame["temp_c"].isna().sum()) == codes
    assert project.dataset.csv_options["na_values"] == ["-999"] and window.state.dirty
    qtbot.waitUntil(lambda: "holds -999" not in panel.checks_note.text(), timeout=5000)
    assert not panel.code_btn.isVisibleTo(panel)
    assert f"Read as missing in temp_c, as you chose: -999 ({codes} rows)." in panel.note.text()
    data = window.state.prepared()
    assert data.raw_train["temp_c"].min() > -100  # no code left among the temperatures
    assert "temp_c" not in panel.columns_model._flagged
    saved = save_project(project, tmp_path / "sensor.nnstudio")
    again = open_project(saved, load_model=False).project
    assert int(again.dataset.frame["temp_c"].isna().sum()) == codes


def test_the_import_dialog_points_at_a_code_in_its_preview_and_reads_it_as_missing(window, qtbot, tmp_path):
    path = sensor_csv(tmp_path)
    window.open_path(str(path))
    dlg = window.data_io.dialog
    shown = dlg.model.rowCount()
    codes = int((read_csv(path).frame["temp_c"].iloc[:shown] == -999).sum())
    assert f"Column 'temp_c' holds -999 in {codes} of these rows, far below its other values (" \
        in dlg.problems.text()
    assert dlg.fix_btn.isVisibleTo(dlg) and dlg.fix_btn.text() == "Read '-999' as missing"
    dlg.fix_btn.click()
    assert dlg.missing_values() == ["-999"] and "holds -999" not in dlg.problems.text()
    assert dlg.options().na_values == ["-999"]
    dlg.reject()


def test_values_far_beyond_the_others_are_read_as_missing_in_one_click(window, qtbot, tmp_path):
    path = tmp_path / "loans.csv"
    loans_frame().to_csv(path, index=False)
    window.state.set_project(Project.from_dataset(read_csv(path), target="approved"))
    panel = window.data_panel
    qtbot.waitUntil(lambda: "'income' holds 2 values far above" in panel.checks_note.text(), timeout=5000)
    assert panel.code_btn.text() == "Read these 2 values as missing"
    assert "Read 1000000000 and 480000000 as missing" in panel.code_btn.toolTip()
    panel.code_btn.click()
    assert window.state.project.dataset.frame["income"].max() < 1e6
    qtbot.waitUntil(lambda: "far above" not in panel.checks_note.text(), timeout=5000)


def test_a_measures_lone_zeros_are_read_as_missing_in_their_columns_alone_in_one_click(window, qtbot, tmp_path):
    """The Keras tutorial's diabetes file: a blood pressure, a glucose and a BMI of 0 ('not
    measured') beside real 0 pregnancies. The Data tab says it, and one click reads those 0s as
    missing in those three columns only; the project remembers it."""
    path = tmp_path / "diabetes.csv"
    frame = pima_like()
    frame.to_csv(path, index=False)
    window.state.set_project(Project.from_dataset(read_csv(path), target="Outcome"))
    panel = window.data_panel
    qtbot.waitUntil(lambda: "'Glucose' holds 0 in 5 rows" in panel.checks_note.text(), timeout=5000)
    btn = panel.checks.own_btn
    assert btn.isVisibleTo(panel) and btn.text() == "Read 0 as missing in these 3 columns"
    assert btn.toolTip().startswith("Read 0 as missing in 'Glucose', 'BloodPressure' and 'BMI' alone (")
    assert not panel.code_btn.isVisibleTo(panel)  # no code of nines: 0 is not read in every column
    btn.click()
    project = window.state.project
    got = project.dataset.frame
    assert [int(got[c].isna().sum()) for c in ("Glucose", "BloodPressure", "BMI")] == [5, 35, 11]
    assert (got["Pregnancies"] == 0).sum() == (frame["Pregnancies"] == 0).sum() > 0
    assert project.dataset.csv_options["missing_in"] == {c: ["0"] for c in ("Glucose", "BloodPressure", "BMI")}
    assert window.state.dirty
    qtbot.waitUntil(lambda: "holds 0" not in panel.checks_note.text(), timeout=5000)
    assert not btn.isVisibleTo(panel)
    assert "Read 0 as missing, as you chose: in Glucose (5 rows), BloodPressure (35 rows) and BMI " \
        "(11 rows)." in panel.note.text()
    saved = save_project(project, tmp_path / "diabetes.nnstudio")
    again = open_project(saved, load_model=False).project
    assert int(again.dataset.frame["BloodPressure"].isna().sum()) == 35
    assert int((again.dataset.frame["Pregnancies"] == 0).sum()) > 0
    # a click by mistake is taken back with Ctrl+Z, and made again with Redo
    assert window.act_undo.text() == "&Undo Read 0 as missing in these 3 columns" and window.act_undo.isEnabled()
    window.undo_stack.undo()
    got = window.state.project.dataset
    assert int(got.frame["BloodPressure"].isna().sum()) == 0 and not (got.csv_options or {}).get("missing_in")
    qtbot.waitUntil(lambda: "'BloodPressure' holds 0 in 35 rows" in panel.checks_note.text(), timeout=5000)
    assert btn.isVisibleTo(panel)
    window.undo_stack.redo()
    assert int(window.state.project.dataset.frame["BloodPressure"].isna().sum()) == 35
    qtbot.waitUntil(lambda: "holds 0" not in panel.checks_note.text(), timeout=5000)


def test_the_own_columns_button_names_one_column_or_says_values_of_several_kinds():
    from nnstudio.ui.data.checks_row import own_text

    assert own_text({"BMI": ["0"]}) == "Read 0 as missing in 'BMI'"
    assert own_text({"BMI": ["0"], "Glucose": ["0"]}) == "Read 0 as missing in these 2 columns"
    assert own_text({"BMI": ["0"], "age": ["-1"]}) == "Read these values as missing in their 2 columns"

