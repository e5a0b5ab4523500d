"""File > Predict a file… (ui/evaluation/predict_file.py) on a real window: the trained model on
a new file's rows, what could not be predicted and why, the figures when the file holds the target,
and the table saved as CSV; asked for without a model or while training, it says what to do."""
from __future__ import annotations

import pandas as pd
import pytest

from nnstudio.core import evaluate as core_eval
from nnstudio.ui.evaluation.predict_file import PredictFileDialog


@pytest.fixture
def trained_xor(window, qtbot):
    window.training_panel.epochs.setValue(3)
    with qtbot.waitSignal(window.evaluation.evaluated, timeout=120_000):
        with qtbot.waitSignal(window.state.training_finished, timeout=120_000):
            window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: not window.evaluation.busy() and not window.evaluation.live,
                    timeout=60_000)
    return window


def _dialog(window, qtbot) -> PredictFileDialog:
    dlg = PredictFileDialog(window)
    qtbot.addWidget(dlg)
    return dlg


def test_a_new_file_is_predicted_said_and_saved(trained_xor, qtbot, tmp_path):
    window = trained_xor
    rows = window.state.project.dataset.frame.head(40).copy()
    rows.loc[3, "x"] = None  # cannot be predicted: the note says why
    rows.to_csv(tmp_path / "new.csv", index=False)
    dlg = _dialog(window, qtbot)
    with qtbot.waitSignal(dlg.finished_prediction, timeout=60_000):
        assert dlg.predict(str(tmp_path / "new.csv"))
    r = dlg.result
    assert r is not None and r.rows == 40 and r.predicted == 39
    text = dlg.summary.text()
    assert "Predicted 39 of the 40 rows of new.csv." in text
    # whole-number classes stay whole beside a row without a prediction (not 0.0 and 1.0)
    assert {k for k, _ in r.counts()} <= {"0", "1"} and "Predicted: class id = " in text
    assert "1 row has no prediction (the note column says why): x is missing (1)." in text
    assert "The file holds the target &#x27;class id&#x27;" in text  # the XOR file has it
    assert dlg.model.rowCount() == 40 and dlg.save_btn.isEnabled()
    # the prediction columns come first in the table
    assert dlg.model.view.columns[0] == core_eval.PREDICTION
    assert dlg.save(str(tmp_path / "out.csv"))
    saved = pd.read_csv(tmp_path / "out.csv")
    assert len(saved) == 40 and core_eval.PREDICTION in saved.columns
    assert "Saved 40 rows" in window.statusBar().currentMessage()


def test_a_file_without_a_needed_column_is_said_in_the_dialog(trained_xor, qtbot, tmp_path):
    window = trained_xor
    pd.DataFrame({"x": [0.1, 0.2]}).to_csv(tmp_path / "short.csv", index=False)
    dlg = _dialog(window, qtbot)
    with qtbot.waitSignal(dlg.finished_prediction, timeout=60_000):
        assert dlg.predict(str(tmp_path / "short.csv"))
    assert dlg.result is None and "no column(s) &#x27;y&#x27;" in dlg.summary.text()
    assert not dlg.save_btn.isEnabled() and dlg.another_btn.isEnabled()


def test_without_a_model_it_says_to_train_first(window, qtbot, tmp_path):
    window.last_message = None
    dlg = _dialog(window, qtbot)
    assert not dlg.predict(str(tmp_path / "any.csv"))
    level, text = window.last_message
    assert level == "warning" and "train the network (or open a model) first" in text


def test_the_file_menu_and_the_predictions_tab_offer_it(window):
    assert window.act_predict_file.text() == "&Predict a file…"
    actions = window.file_menu.actions()
    assert actions.index(window.act_predict_file) == actions.index(window.act_export_report) - 1
    assert window.predict_file_button.text() == "Predict a file…"
    assert window.predict_file_button.parent() is window.evaluation.predictions


def test_the_predictions_row_count_wraps_instead_of_widening_the_page(window):
    """The row over the predictions holds two buttons now (Predict a file…, Export CSV…): the count
    of rows wraps (checked on X11 at 1280 x 720, where it had widened the page past the window;
    offscreen fonts are too narrow to show it) on a line of its own, as wide as the table (between
    the check box and the buttons it had a few characters and its last line was cut off), and says
    "of" only when filtered."""
    import numpy as np
    import pandas as pd

    tab = window.evaluation.predictions
    assert tab.table_info.wordWrap()
    assert tab.buttons_row.indexOf(tab.table_info) == -1 and tab.layout().indexOf(tab.table_info) >= 0
    table = pd.DataFrame({"prediction": [0, 1, 1], core_eval.CORRECT: [True, False, True],
                          "x": np.arange(3)})
    tab.show_table(table, None)
    assert tab.table_info.text() == "3 rows · 1 misclassified"
    tab.only_wrong.setChecked(True)
    tab.show_table(table, None)
    assert tab.table_info.text() == "1 of 3 rows · 1 misclassified"


def test_a_workbook_is_predicted_and_its_predictions_offered_as_a_workbook(trained_xor, qtbot, tmp_path,
                                                                           monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    window = trained_xor
    rows = window.state.project.dataset.frame.head(12)
    rows.to_excel(tmp_path / "new.xlsx", sheet_name="Readings", index=False)
    dlg = _dialog(window, qtbot)
    with qtbot.waitSignal(dlg.finished_prediction, timeout=60_000):
        assert dlg.predict(str(tmp_path / "new.xlsx"))
    assert dlg.result.rows == 12 and "Predicted 12 of the 12 rows of new.xlsx." in dlg.summary.text()
    asked = []

    def save_name(_parent, _title, name, filters):
        asked.append((name, filters))
        return str(tmp_path / "scored.xlsx"), filters.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    dlg.save_dialog()
    assert asked == [("new-predictions.xlsx", "Excel workbook (*.xlsx);;CSV (*.csv)")]
    saved = pd.read_excel(tmp_path / "scored.xlsx", sheet_name="Predictions")
    assert len(saved) == 12 and core_eval.PREDICTION in saved.columns
