"""Issue 14 in the GUI, on a generated raw field-study file: the Data tab shows the proposed roles
with reasons, the missing markers read, the automatic missing-value choice and the one-click switch
to dropping rows (and back), rows left out loudly; Train warns first when many rows are left out
and the result says how many rows it used and whether it beats guessing."""
from __future__ import annotations

import make_field_study  # tests/data (on the path: conftest.py)
import pytest
from PySide6.QtCore import QSettings

from nnstudio.ui.data.dataframe_model import ColumnsModel


@pytest.fixture
def field(window, qtbot, tmp_path):
    path = make_field_study.make_field_study(tmp_path / "field.csv")
    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window.messages = []
    window.data_io.message.connect(lambda level, text: window.messages.append((level, text)))
    window.training.message.connect(lambda level, text: window.messages.append((level, text)))
    with qtbot.waitSignal(window.data_io.loaded, timeout=30_000):
        window.data_io.read(str(path))
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=30_000)
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    return window, panel, path


def _note(panel, col):
    m = panel.columns_model
    return m.data(m.index(m.row_of(col), ColumnsModel.NOTE))


def test_the_data_tab_shows_roles_markers_and_the_missing_value_choice(field, qtbot):
    window, panel, _ = field
    p = window.state.project
    assert p.roles.target == "class"
    assert p.roles.features == ["study", "length_mm", "width_mm", "mass_g", "depth_mm", "habitat"]
    assert _note(panel, "comments").startswith("mostly missing (free text): 324 of 360 rows (90%)")
    assert _note(panel, "seq").startswith("a sequence number that restarts 3 times")
    assert "27 '?' values in depth_mm were read as missing" in panel.note.text()
    assert not panel.note.isHidden()
    assert "27 missing: automatic" in _note(panel, "depth_mm")
    items = [panel.prep_list.item(i).text() for i in range(panel.prep_list.count())]
    assert any(t.startswith("Missing values (automatic): 57 of 230 training rows (25%)") for t in items)
    assert "230 training · 58 validation · 72 test rows" in panel.split_label.text()
    # rows kept by filling: said, with "drop the row" one click away
    assert not panel.rows_note.isHidden() and "too many to drop" in panel.rows_note.text()
    assert panel.rows_btn.text() == "Drop those rows instead" and not panel.rows_btn.isHidden()
    with qtbot.waitSignal(window.state.data_changed):
        panel.rows_btn.click()
    assert p.preprocess.missing == "drop"
    qtbot.waitUntil(lambda: "are left out" in panel.rows_note.text(), timeout=5000)
    assert panel.rows_note.text().startswith("⚠ 90 of 360 rows (25%) are left out: 90 with a missing value")
    assert panel.rows_btn.text() == "Fill missing values instead"
    assert panel.default_missing.currentData() == "drop"
    with qtbot.waitSignal(window.state.data_changed):
        panel.rows_btn.click()
    assert p.preprocess.missing == "auto"
    qtbot.waitUntil(lambda: "too many to drop" in panel.rows_note.text(), timeout=5000)


def test_the_import_dialog_can_keep_markers_as_values(field, qtbot):
    window, _, path = field
    assert window.data_io.open_path(path)
    dlg = window.data_io.dialog
    assert dlg.markers.isChecked() and dlg.options().missing_markers is True
    # the preview reads the first 200 rows, and says so
    assert "19 '?' values in depth_mm (in the rows shown) were read as missing" in dlg.problems.text()
    dlg.markers.setChecked(False)
    assert dlg.options().missing_markers is False
    assert "Column 'depth_mm' holds numbers, but" in dlg.problems.text()
    assert "Read '?' as missing" in dlg.fix_btn.text()
    dlg.reject()


def test_training_warns_about_lost_rows_first_and_the_result_says_rows_and_verdict(field, qtbot):
    window, _panel, _ = field
    p = window.state.project
    p.settings.epochs = 2
    p.preprocess.missing = "drop"
    window.state.notify_data_changed()
    window.messages.clear()
    with qtbot.waitSignal(window.state.training_finished, timeout=120_000):
        assert window.training.start()
        # the warning came before the run (training goes on)
        assert window.messages and window.messages[0][0] == "warning"
        assert window.messages[0][1].startswith("90 of 360 rows (25%) are left out")
    tp = window.training_panel
    text = tp.result.text()
    assert "Rows: 173 training, 44 validation, 53 test" in text
    assert "90 of 360 left out" in text
    base = window.training.last_baseline
    assert base is not None and base["split"] == "test" and base["rows"] == 53
    assert base["verdict"] in text
    assert base["verdict"] in window.messages[-1][1]  # the status bar message says it too


def test_money_columns_are_read_as_numbers_said_and_can_be_kept_as_text(window, qtbot, tmp_path):
    import pandas as pd

    path = tmp_path / "money.csv"
    pd.DataFrame({"income": ["$1,200", "$3,400", "$560", "$7,000"] * 10, "rate": ["5%", "12.5%"] * 20,
                  "left": ["yes", "no"] * 20}).to_csv(path, index=False)
    assert window.data_io.open_path(path)
    dlg = window.data_io.dialog
    assert dlg.formatted.isChecked() and dlg.options().formatted_numbers is True
    assert "income was read as numbers: '$1,200' is 1200" in dlg.problems.text()
    assert dlg.model.data(dlg.model.index(0, 0)) == "1200"  # the preview shows the numbers
    dlg.formatted.setChecked(False)
    assert dlg.options().formatted_numbers is False and "read as numbers" not in dlg.problems.text()
    dlg.formatted.setChecked(True)
    with qtbot.waitSignal(window.data_io.loaded, timeout=30_000):
        dlg.accept()
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=30_000)
    p = window.state.project
    assert set(p.roles.features) == {"income", "rate"}
    note = window.data_panel.note.text()
    assert "rate was read as numbers" in note and "untick 'Read $1,234 and 12% as numbers'" in note


def test_a_column_that_gives_the_answer_away_is_said_until_it_is_unticked(window, qtbot, tmp_path):
    """core/data/checks.py in the Data tab: a churn file with the reason for leaving in it."""
    import make_churn_demo  # tests/data
    import numpy as np
    from PySide6.QtCore import Qt

    df = make_churn_demo.churn_frame(600)
    df["cancel_reason"] = np.where(df["churn"] == "yes", "moved", "none")
    path = tmp_path / "leaky.csv"
    df.to_csv(path, index=False)
    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with qtbot.waitSignal(window.data_io.loaded, timeout=30_000):
        window.data_io.read(str(path))
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    assert window.state.project.roles.target == "churn"
    # the fitted preprocessing (and the checks with it) follow the new file a moment later
    qtbot.waitUntil(lambda: not panel.checks_note.isHidden(), timeout=5000)
    assert panel.checks_note.text().startswith("⚠ 'cancel_reason' (100.0% right) predicts 'churn'")
    m = panel.columns_model
    # the column's row in the table says it too, on a tinted ground: the one to untick is seen
    note = m.index(m.row_of("cancel_reason"), ColumnsModel.NOTE)
    assert note.data().startswith("⚠ predicts 'churn' alone (100.0% right): a leak?")
    assert note.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert not m.index(m.row_of("tenure"), ColumnsModel.NOTE).data().startswith("⚠")
    with qtbot.waitSignal(window.state.data_changed):
        m.setData(m.index(m.row_of("cancel_reason"), ColumnsModel.USE), Qt.CheckState.Unchecked,
                  Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: panel.checks_note.isHidden(), timeout=5000)
    assert not m.index(m.row_of("cancel_reason"), ColumnsModel.NOTE).data().startswith("⚠")


def test_train_says_once_what_the_data_checks_found(window, qtbot, tmp_path):
    """A user who trains from the Training tab hears of the column that gives the answer away
    before the run (training goes on), once for these data, not at every Train."""
    import make_churn_demo  # tests/data
    import numpy as np

    df = make_churn_demo.churn_frame(300)
    df["refund"] = np.where(df["churn"] == "yes", 25.0, 0.0)
    df.to_csv(tmp_path / "leaky.csv", index=False)
    window.data_io.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    with qtbot.waitSignal(window.data_io.loaded, timeout=30_000):
        window.data_io.read(str(tmp_path / "leaky.csv"))
    said = []
    window.training.message.connect(lambda level, text: said.append((level, text)))
    window.training_panel.epochs.setValue(1)
    for _ in range(2):
        with qtbot.waitSignal(window.state.training_finished, timeout=60_000):
            assert window.training.start()
    leaks = [t for level, t in said if level == "warning" and "predicts 'churn' alone" in t]
    assert len(leaks) == 1 and leaks[0].endswith("(Training goes on; the Data tab says this too.)")


def test_look_alike_values_are_read_as_one_with_one_click_and_back(window, qtbot, tmp_path):
    """A loan file whose default is typed 'ja', 'Ja' and 'ja ': five classes to the network, said
    with a note. "Read them as one" makes it two (and the region's look-alikes one input each);
    a column's Spelling takes it back."""
    import numpy as np
    import pandas as pd

    r = np.random.default_rng(5)
    n = 400
    x = r.normal(size=n)
    pd.DataFrame({"x": x, "region": r.choice(["Nord", "nord", "Süd", "West"], n),
                  "default": np.where(x > 0, r.choice(["ja", "Ja", "ja "], n), r.choice(["nein", "Nein"], n))
                  }).to_csv(tmp_path / "loans.csv", index=False)
    with qtbot.waitSignal(window.data_io.loaded, timeout=30_000):
        window.data_io.read(str(tmp_path / "loans.csv"))
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=30_000)
    panel, p = window.data_panel, window.state.project
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    assert p.roles.target == "default" and len(window.state.prepared().preprocessor.classes) == 5
    qtbot.waitUntil(lambda: "differ only in capitals, spaces or a final" in panel.checks_note.text(), timeout=5000)
    assert panel.spell_btn.isVisible()
    with qtbot.waitSignal(window.state.data_changed):
        panel.spell_btn.click()
    assert {c: p.preprocess.for_column(c, "spelling") for c in ("default", "region", "x")} == {
        "default": "merge", "region": "merge", "x": "exact"}
    window.undo_stack.undo()  # Ctrl+Z takes the click back …
    assert p.preprocess.for_column("region", "spelling") == "exact"
    qtbot.waitUntil(lambda: panel.spell_btn.isVisible(), timeout=5000)
    window.undo_stack.redo()  # … and Redo makes it again
    assert p.preprocess.for_column("default", "spelling") == "merge"
    qtbot.waitUntil(lambda: not panel.spell_btn.isVisible() and panel.prep_list.count() > 0, timeout=5000)
    data = window.state.prepared()
    assert data.task.value == "binary" and len(data.preprocessor.classes) == 2
    assert "capitals, spaces" not in panel.checks_note.text()
    # the tab reads the target as the network does: the task, the classes in the charts
    assert panel.task_combo.itemText(0) == "Automatic: binary classification"
    assert p.task.value == "binary" and p.n_classes() == 2
    panel.select_column("x")
    assert len(panel.column_box.hist_legend.items) == 2
    items = [panel.prep_list.item(i).text() for i in range(panel.prep_list.count())]
    assert any(t.startswith("region:") and "capitals, spaces and a final full stop ignored" in t for t in items), items
    # the column's own choice, shown for text columns only, takes it back
    panel.select_column("region")
    box = panel.column_box
    assert box.spelling_combo.isVisible() and box.spelling_combo.currentData() == "merge"
    with qtbot.waitSignal(window.state.data_changed):
        box.spelling_combo.setCurrentIndex(box.spelling_combo.findData("exact"))
    assert p.preprocess.for_column("region", "spelling") == "exact"
    panel.select_column("x")
    assert not box.spelling_combo.isVisible()


def test_a_column_read_as_one_is_counted_and_drawn_as_read(window, qtbot, tmp_path):
    """After "Read them as one" the columns table still said 5 unique values for the target and
    the region's box showed 'Nord' and 'nord' as two bars: the counts, the box's figures and the
    bars are now the column as the network reads it."""
    import numpy as np
    import pandas as pd

    from nnstudio.ui.data.dataframe_model import ColumnsModel

    r = np.random.default_rng(6)
    n = 300
    x = r.normal(size=n)
    pd.DataFrame({"x": x, "region": r.choice(["Nord", "nord", "NORD ", "Süd"], n),
                  "default": np.where(x > 0, r.choice(["ja", "Ja"], n), "nein")
                  }).to_csv(tmp_path / "loans.csv", index=False)
    with qtbot.waitSignal(window.data_io.loaded, timeout=30_000):
        window.data_io.read(str(tmp_path / "loans.csv"))
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=30_000)
    panel = window.data_panel
    window.tabs.setCurrentWidget(panel)
    model = panel.columns_model

    def unique(col):
        return model.data(model.index(model.row_of(col), ColumnsModel.UNIQUE))

    assert (unique("region"), unique("default")) == ("4", "3")
    qtbot.waitUntil(lambda: panel.spell_btn.isVisible(), timeout=5000)
    with qtbot.waitSignal(window.state.data_changed):
        panel.spell_btn.click()
    assert (unique("region"), unique("default")) == ("2", "2")
    panel.select_column("region")
    box = panel.column_box
    assert "2 unique" in box.detail_stats.text()
    nord = (window.state.project.dataset.frame["region"].str.strip().str.lower() == "nord").sum()
    assert f"({nord:,}), Süd (" in box.detail_stats.text()  # one group, written as its commonest
    bars = [i for i in box.hist.getPlotItem().items if hasattr(i, "opts") and "height" in i.opts]
    assert bars and all(len(b.opts["height"]) == 2 for b in bars)


def test_rows_in_groups_are_held_out_whole_in_one_click(window, qtbot, tmp_path):
    """A patient's visits split at random: the note names it, and 'Hold out whole groups of
    patient_id' (or the Hold out box) keeps every patient's rows in one split."""
    from make_visits import visits  # tests/data (on the path: conftest.py)

    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.project import Project

    window.state.set_project(Project.from_dataset(read_csv(visits(tmp_path)), target="outcome"))
    panel = window.data_panel
    sc = panel.split_controls
    qtbot.waitUntil(lambda: "Rows come in groups of 'patient_id'" in panel.checks_note.text(), timeout=5000)
    assert panel.group_btn.isVisibleTo(panel) and panel.group_btn.text() == "Hold out whole groups of patient_id"
    assert not sc.group_combo.isVisibleTo(panel)
    assert sc.group_combo.itemText(0) == "patient_id"  # the repeated identifier first
    panel.group_btn.click()
    split = window.state.project.split
    assert (split.order, split.group) == ("group", "patient_id")
    qtbot.waitUntil(lambda: "Rows come in groups" not in panel.checks_note.text(), timeout=5000)
    assert sc.order_combo.currentData() == "group" and sc.group_combo.isVisibleTo(panel)
    assert sc.group_combo.currentText() == "patient_id" and not panel.stratify.isEnabled()
    assert "test rows (whole groups of patient_id)" in panel.split_label.text()
    data = window.state.prepared()
    assert not set(data.raw_test["patient_id"]) & set(data.raw_train["patient_id"])
    window.undo_stack.undo()  # back with Ctrl+Z (Edit > Undo Hold out whole groups of patient_id)
    assert window.state.project.split.order == "random" and not sc.group_combo.isVisibleTo(panel)
    qtbot.waitUntil(lambda: "Rows come in groups" in panel.checks_note.text(), timeout=5000)
    window.undo_stack.redo()
    assert window.state.project.split.group == "patient_id" and sc.order_combo.currentData() == "group"
    sc.order_combo.setCurrentIndex(sc.order_combo.findData("random"))  # back, with the box
    assert window.state.project.split.order == "random" and not sc.group_combo.isVisibleTo(panel)
    qtbot.waitUntil(lambda: "Rows come in groups" in panel.checks_note.text(), timeout=5000)
