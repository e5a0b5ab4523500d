"""The Data tab: columns with roles and reasons, target/task/split controls, per-column preprocessing,
the fitted preprocessing in plain words, histogram and scatter plot."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.data import Dataset
from nnstudio.core.model.spec import Task
from nnstudio.core.project import Project
from nnstudio.ui.data.dataframe_model import ColumnsModel, DataFrameModel


@pytest.fixture
def churn(window, qtbot):
    window.load_example("churn")
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.prep_list.count() > 0, timeout=5000)
    return window, panel


def _row(panel, name):
    return panel.columns_model.row_of(name)


def _prep_text(panel):
    return [panel.prep_list.item(i).text() for i in range(panel.prep_list.count())]


def test_data_tab_is_first_and_shows_the_churn_proposals(churn):
    window, panel = churn
    assert window.tabs.tabText(0) == "Data" and window.tabs.currentIndex() != 0  # opens on Training
    m = panel.columns_model
    assert m.rowCount() == 14
    checks = {m.profile(r).name: m.data(m.index(r, ColumnsModel.USE), Qt.ItemDataRole.CheckStateRole)
              for r in range(m.rowCount())}
    assert checks["RowNumber"] == Qt.CheckState.Unchecked and checks["Surname"] == Qt.CheckState.Unchecked
    assert checks["Age"] == Qt.CheckState.Checked and checks["Exited"] is None
    note = m.data(m.index(_row(panel, "CustomerId"), ColumnsModel.NOTE))
    assert "identifier" in note
    assert "one-hot" in m.data(m.index(_row(panel, "Geography"), ColumnsModel.NOTE))
    assert not panel.note.isHidden() and "Synthetic" in panel.note.text()
    text = _prep_text(panel)
    assert any(t.startswith("Age: standardized, mean ") and t.endswith("fitted on 8,000 rows") for t in text)
    assert "Gender: two values, Female → 0, Male → 1, fitted on 8,000 rows" in text
    assert "8,000 training · 0 validation · 2,000 test rows" in panel.split_label.text()
    assert panel.task_combo.currentData() is None and "binary" in panel.task_combo.currentText()
    assert panel.rows_model.rowCount() == 10_000
    assert panel.rows_model.headerData(13, Qt.Orientation.Horizontal) == "Exited (target)"


def test_using_and_ignoring_columns_goes_through_the_state(churn, qtbot):
    window, panel = churn
    m = panel.columns_model
    with qtbot.waitSignal(window.state.data_changed):
        m.setData(m.index(_row(panel, "Tenure"), ColumnsModel.USE), Qt.CheckState.Unchecked,
                  Qt.ItemDataRole.CheckStateRole)
    p = window.state.project
    assert "Tenure" not in p.roles.features and p.roles.ignored["Tenure"] == "ignored by you"
    assert window.state.dirty
    qtbot.waitUntil(lambda: not any(t.startswith("Tenure:") for t in _prep_text(panel)), timeout=3000)
    # override a proposal: use the customer id after all
    m.setData(m.index(_row(panel, "CustomerId"), ColumnsModel.USE), Qt.CheckState.Checked,
              Qt.ItemDataRole.CheckStateRole)
    assert "CustomerId" in p.roles.features and "CustomerId" not in p.roles.ignored
    assert p.roles.features.index("CustomerId") < p.roles.features.index("CreditScore")  # table order


def test_changing_the_target_and_the_task(churn, qtbot):
    window, panel = churn
    p = window.state.project
    panel.target_combo.setCurrentIndex(panel.target_combo.findData("NumOfProducts"))
    assert p.roles.target == "NumOfProducts"
    assert "Exited" in p.roles.features  # the old target becomes a feature
    assert "multi-class" in panel.task_combo.currentText()
    assert "NumOfProducts" in window.dataset_label.text() and "multi-class" in window.dataset_label.text()
    # whole numbers taken as classes: the Column box says so, and how to predict a quantity
    panel.select_column("NumOfProducts")
    why = panel.column_box.detail_reason.text()
    assert "Its 4 different whole numbers are taken as 4 classes, unordered" in why
    assert "choose Task: regression" in why
    panel.task_combo.setCurrentIndex(panel.task_combo.findData(Task.REGRESSION))
    assert p.task_override is Task.REGRESSION and p.task is Task.REGRESSION
    panel.select_column("NumOfProducts")
    assert "whole numbers" not in panel.column_box.detail_reason.text()  # the user chose
    assert not panel.stratify.isEnabled()
    qtbot.waitUntil(lambda: any("a number, predicted as is" in t for t in _prep_text(panel)), timeout=3000)
    # choosing the target column in the detail box works too
    panel.select_column("Exited")
    panel.column_box.role_combo.setCurrentIndex(panel.column_box.role_combo.findData("target"))
    assert p.roles.target == "Exited" and p.task_override is None


def test_per_column_preprocessing_choices(churn, qtbot):
    window, panel = churn
    panel.select_column("Age")
    assert panel.column_box.scaling_combo.isVisibleTo(panel) and not panel.column_box.encoding_combo.isVisibleTo(panel)
    panel.column_box.scaling_combo.setCurrentIndex(panel.column_box.scaling_combo.findData("minmax"))
    cfg = window.state.project.preprocess
    assert cfg.per_column["Age"] == {"numeric": "minmax"}
    lo = int(window.state.prepared().raw_train["Age"].min())  # fitted on the training rows
    qtbot.waitUntil(lambda: any(t.startswith(f"Age: scaled to 0..1, min {lo}, max ") for t in _prep_text(panel)),
                    timeout=3000)
    panel.select_column("Geography")
    assert panel.column_box.encoding_combo.isVisibleTo(panel) and not panel.column_box.scaling_combo.isVisibleTo(panel)
    panel.column_box.encoding_combo.setCurrentIndex(panel.column_box.encoding_combo.findData("ordinal"))
    qtbot.waitUntil(lambda: any(t.startswith("Geography: ordinal codes 0..2") for t in _prep_text(panel)),
                    timeout=3000)
    panel.select_column("NumOfProducts")
    panel.column_box.kind_combo.setCurrentIndex(panel.column_box.kind_combo.findData("category"))
    qtbot.waitUntil(lambda: any(t.startswith("NumOfProducts: one-hot, 4 columns") for t in _prep_text(panel)),
                    timeout=3000)
    panel.default_missing.setCurrentIndex(panel.default_missing.findData("median"))
    assert cfg.missing == "median"


def test_missing_value_strategy_per_column(window, qtbot):
    window.load_example("house-prices")
    panel = window.data_panel
    panel.select_column("Age")
    box = panel.column_box
    assert box.missing_combo.currentData() == "median" and not box.fill_edit.isVisibleTo(panel)
    panel.column_box.missing_combo.setCurrentIndex(panel.column_box.missing_combo.findData("constant"))
    assert panel.column_box.fill_edit.isVisibleTo(panel)
    panel.column_box.fill_edit.setText("100")
    panel.column_box.fill_edit.editingFinished.emit()
    assert window.state.project.preprocess.per_column["Age"] == {"missing": "constant", "fill_value": 100.0}
    qtbot.waitUntil(lambda: any(t.startswith("Age:") and "the constant (100)" in t for t in _prep_text(panel)),
                    timeout=3000)
    # regression target: the scatter is coloured along a colour map
    assert len(panel.scatter_box.scatter_items) == 1 and "purple" in panel.scatter_box.scatter_caption.text()


def test_unusable_target_or_feature_is_explained_not_raised(window, qtbot):
    frame = pd.DataFrame({"x": np.random.default_rng(0).normal(size=30), "odd": ["1", "?"] + ["2"] * 28,
                          "same": ["a"] * 30, "y": [0, 1] * 15})
    window.state.set_project(Project.from_dataset(Dataset(frame, "bad.csv"), "y"))
    panel = window.data_panel
    qtbot.waitUntil(lambda: panel.prep_error.isVisibleTo(panel), timeout=3000)
    assert "Column 'odd' holds numbers" in panel.prep_error.text() and "'?' (row 2)" in panel.prep_error.text()
    m = panel.columns_model
    assert m.data(m.index(_row(panel, "odd"), ColumnsModel.NOTE)).startswith(
        "1 value is not a number: '?' (row 2) — reopen the file with it as missing values")
    panel.set_use("odd", False)
    qtbot.waitUntil(lambda: not panel.prep_error.isVisibleTo(panel), timeout=3000)
    panel.set_target("same")  # one class: refused with a reason, nothing raised
    qtbot.waitUntil(lambda: "only one value" in panel.prep_error.text(), timeout=3000)
    assert "cannot be used" in window.dataset_label.text()
    assert "cannot be used" in panel.task_combo.itemText(0)


def test_the_scatter_opens_on_the_two_columns_that_say_most_about_the_target(churn):
    """It opened on CreditScore x Age (the first two numeric features); Age and Balance are the
    churn file's two numeric columns most related to Exited, the plane the surface starts on."""
    window, panel = churn
    box = panel.scatter_box
    assert (box.x_combo.currentData(), box.y_combo.currentData()) == ("Age", "Balance")
    assert window.surface.axes == ("Age", "Balance")


def test_the_histogram_is_drawn_again_only_when_what_it_shows_changes(churn):
    """Every change on the Data tab showed the column again, and a pixel column's bars stacked by
    ten classes took 0.25 s to draw anew: a change it does not show keeps the bars; a new target,
    task or spelling of the column draws them again."""
    _window, panel = churn
    panel.select_column("Age")

    def bars():
        return [it for it in panel.column_box.hist.getPlotItem().items
                if it.__class__.__name__ == "BarGraphItem"]

    before = bars()
    assert len(before) == 2  # Exited = 0 and Exited = 1
    panel.set_use("Balance", False)  # another column: the Age bars stay as they are
    assert bars() == before
    panel.set_target("Geography")  # three classes now
    after = bars()
    assert len(after) == 3 and not set(after) & set(before)
    panel.set_target("Exited")
    assert len(bars()) == 2


def test_histogram_is_split_by_class_and_scatter_coloured_by_target(churn):
    _window, panel = churn
    panel.select_column("Geography")
    bars = [it for it in panel.column_box.hist.getPlotItem().items if it.__class__.__name__ == "BarGraphItem"]
    assert len(bars) == 2  # Exited = 0 and Exited = 1, stacked
    ticks = panel.column_box.hist.getAxis("bottom")._tickLevels[0]
    assert sorted(label for _, label in ticks) == ["France", "Germany", "Spain"]
    assert len(panel.scatter_box.scatter_items) == 2
    n = sum(len(it.data) for it in panel.scatter_box.scatter_items)
    assert n == 5000 and "a random 5,000 of 10,000 rows" in panel.scatter_box.scatter_caption.text()
    panel.scatter_box.x_combo.setCurrentIndex(panel.scatter_box.x_combo.findData("Age"))
    assert panel.scatter_box.scatter.getPlotItem().getAxis("bottom").labelText == "Age"


def test_a_few_whole_numbers_have_a_tick_under_each_bar(churn):
    """NumOfProducts (1 to 4) had ticks at 1, 1.5, 2, 2.5, …: values the column never holds."""
    _window, panel = churn
    panel.select_column("NumOfProducts")
    ticks = sorted(panel.column_box.hist.getAxis("bottom")._tickLevels[0])
    assert [label for _, label in ticks] == ["1", "2", "3", "4"]
    panel.select_column("Balance")  # a measurement: the axis' own ticks
    assert panel.column_box.hist.getAxis("bottom")._tickLevels is None


def test_long_category_names_go_on_two_lines_so_they_do_not_run_into_each_other(churn):
    _window, panel = churn
    panel.select_column("Surname")  # the most frequent surnames, a bar each
    ticks = sorted(panel.column_box.hist.getAxis("bottom")._tickLevels[0])
    labels = [label for _, label in ticks]
    assert len(labels) >= 8 and max(len(v.strip()) for v in labels) > 5
    assert [v.startswith("\n") for v in labels] == [i % 2 == 1 for i in range(len(labels))]
    panel.select_column("Geography")  # three short names: one line
    assert not any(label.startswith("\n") for _, label in panel.column_box.hist.getAxis("bottom")._tickLevels[0])


def test_split_controls_and_the_lock_while_training(churn, qtbot):
    window, panel = churn
    panel.test_spin.setValue(30)
    panel.val_spin.setValue(10)
    panel.seed_spin.setValue(7)
    s = window.state.project.split
    assert (s.test, s.val, s.seed) == (0.3, 0.1, 7)
    qtbot.waitUntil(lambda: "6,300 training · 700 validation · 3,000 test" in panel.split_label.text(),
                    timeout=3000)
    panel.on_run_state("running")
    assert not panel.target_combo.isEnabled() and not panel.columns_view.isEnabled()
    assert not panel.test_spin.isEnabled()
    panel.on_run_state("idle")
    assert panel.target_combo.isEnabled() and panel.open_btn.isEnabled()


def test_dataframe_model_handles_a_million_rows(qtbot):
    frame = pd.DataFrame({"a": np.arange(1_000_000, dtype=float), "b": ["x", None] * 500_000})
    frame.loc[3, "a"] = np.nan
    model = DataFrameModel(frame)
    assert model.rowCount() == 1_000_000 and model.columnCount() == 2
    assert model.data(model.index(999_999, 0)) == "999999"
    assert model.data(model.index(3, 0)) == "" and model.data(model.index(1, 1)) == ""
    assert model.data(model.index(3, 0), Qt.ItemDataRole.ToolTipRole) == "missing value"
    assert model.headerData(0, Qt.Orientation.Vertical) == "1"
    model.set_roles({"a": "target", "b": "ignored"})
    assert model.headerData(0, Qt.Orientation.Horizontal) == "a (target)"
    assert model.data(model.index(0, 1), Qt.ItemDataRole.ForegroundRole) is not None


def test_a_zip_code_is_proposed_as_a_category_and_says_why(window, qtbot):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"zipcode": rng.choice([98004, 98103, 98115, 98052], 300),
                          "sqft": rng.normal(1800, 400, 300), "price": rng.normal(500, 90, 300)})
    window.state.set_project(Project.from_dataset(Dataset(frame, "houses"), target="price"))
    panel = window.data_panel
    panel.select_column("zipcode")
    box = panel.column_box
    assert box.kind_combo.currentData() == "category" and box.kind_combo.isVisibleTo(panel)
    assert "one-hot (4 categories), its numbers taken as names (a code), not amounts" in box.detail_reason.text()
    qtbot.waitUntil(lambda: any(t.startswith("zipcode:") and "one-hot" in t for t in _prep_text(panel)),
                    timeout=3000)
    # the user can set it back: a number, standardized
    box.kind_combo.setCurrentIndex(box.kind_combo.findData("number"))
    assert window.state.project.preprocess.for_column("zipcode", "kind") == "number"
    panel.select_column("zipcode")
    assert "a code" not in box.detail_reason.text()


def test_an_ordered_scale_is_named_and_ordinal_codes_keep_its_order(window, qtbot):
    """Survey answers were one-hot with no word that they are ordered, and 'ordinal codes' gave
    them their spelling's order (Agree 0, Disagree 1, Neutral 2, …)."""
    from nnstudio.ui.common.text import short

    rng = np.random.default_rng(2)
    scale = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    frame = pd.DataFrame({"answer": rng.choice(scale, 300), "spend": rng.normal(50, 9, 300)})
    window.state.set_project(Project.from_dataset(Dataset(frame, "survey"), target="spend"))
    panel = window.data_panel
    panel.select_column("answer")
    box = panel.column_box
    assert ("one-hot (5 categories); an ordered scale (Strongly disagree … Strongly agree): ordinal "
            "codes keep its order in one input") in box.detail_reason.text()
    box.encoding_combo.setCurrentIndex(box.encoding_combo.findData("ordinal"))
    qtbot.waitUntil(lambda: any(t.startswith("answer: ordinal codes 0..4 (Strongly disagree, "
                                             "Disagree, Neutral, Agree") for t in _prep_text(panel)),
                    timeout=3000)
    assert "ordinal codes (5 categories), in the scale's order: Strongly disagree … Strongly agree" \
        in box.detail_reason.text()
    # its bars stand in the scale's order (by frequency, churn's trend along the scale was lost)
    ticks = sorted(panel.column_box.hist.getAxis("bottom")._tickLevels[0])
    assert [label.strip() for _, label in ticks] == [short(s, 12) for s in scale]


def test_a_scale_target_colours_its_classes_in_the_scale_order(window):
    rng = np.random.default_rng(3)
    scale = ["Never", "Rarely", "Sometimes", "Often", "Always"]
    frame = pd.DataFrame({"uses": rng.choice(scale, 300), "plan": rng.choice(["a", "b"], 300)})
    window.state.set_project(Project.from_dataset(Dataset(frame, "usage"), target="uses"))
    panel = window.data_panel
    panel.select_column("plan")
    bars = [it for it in panel.column_box.hist.getPlotItem().items if it.__class__.__name__ == "BarGraphItem"]
    assert [b.name() for b in bars] == [f"uses = {s}" for s in scale]  # as the network's classes
    assert window.state.prepared().preprocessor.classes == scale


def test_a_mark_column_says_its_blank_is_not_marked(window):
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"attended": np.where(rng.random(100) < 0.4, "x", None),
                          "score": rng.normal(50, 9, 100), "passed": rng.choice(["yes", "no"], 100)})
    window.state.set_project(Project.from_dataset(Dataset(frame, "marks"), target="passed"))
    panel = window.data_panel
    panel.select_column("attended")
    n_blank = int(frame["attended"].isna().sum())
    assert (f"a mark: x or blank, two values ({n_blank} blank: 'not marked', not missing values)"
            in panel.column_box.detail_reason.text())


def test_holding_out_the_last_rows(window, qtbot, tmp_path):
    """Data in time order: 'Hold out: the last rows' splits by file order, with no seed or
    stratification to set; the note about a random split of dated rows goes."""
    from nnstudio.core.data.csv import read_csv

    days = pd.date_range("2022-01-01", periods=200, freq="D")
    rng = np.random.default_rng(0)
    path = tmp_path / "daily.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "promo": rng.integers(0, 2, 200),
                  "sales": rng.normal(100, 5, 200)}).to_csv(path, index=False)
    window.state.set_project(Project.from_dataset(read_csv(path), target="sales"))
    panel = window.data_panel
    combo = panel.split_controls.order_combo
    assert combo.currentData() == "random" and panel.seed_spin.isEnabled()
    qtbot.waitUntil(lambda: "in the order of their dates" in panel.checks_note.text(), timeout=5000)
    combo.setCurrentIndex(combo.findData("last"))
    assert window.state.project.split.order == "last"
    assert not panel.seed_spin.isEnabled() and not panel.stratify.isEnabled()
    qtbot.waitUntil(lambda: "in the order of their dates" not in panel.checks_note.text(), timeout=5000)
    assert window.state.prepared().raw_test["date"].tolist() == list(days.strftime("%Y-%m-%d")[-40:])
