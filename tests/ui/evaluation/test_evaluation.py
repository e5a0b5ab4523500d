"""The Evaluation tab, File > Export model… and File > Open model… on a real window."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from nnstudio.core import evaluate as core_eval
from nnstudio.core import export as core_export


@pytest.fixture(autouse=True)
def keep_user_settings():
    """The dialogs remember folders in QSettings: put back what the user had."""
    from PySide6.QtCore import QSettings

    keys = ("export/dir", "evaluation/export_dir", "evaluation/model_dir")
    before = {k: QSettings().value(k) for k in keys}
    yield
    for k, v in before.items():
        if v is None:
            QSettings().remove(k)
        else:
            QSettings().setValue(k, v)


W4_CUSTOMER = {"Geography": "Spain", "CreditScore": 500, "Gender": "Female", "Age": 40, "Tenure": 3,
               "Balance": 50000, "NumOfProducts": 2, "HasCrCard": 1, "IsActiveMember": 1,
               "EstimatedSalary": 40000}


def train(window, qtbot, epochs: int, batch: int | None = None):
    window.training_panel.epochs.setValue(epochs)
    if batch is not None:
        window.training_panel.batch_size.setValue(batch)
    with qtbot.waitSignal(window.evaluation.evaluated, timeout=120_000):
        with qtbot.waitSignal(window.state.training_finished, timeout=120_000) as b:
            window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: not window.evaluation.busy() and window.evaluation.results
                    and not window.evaluation.live, timeout=60_000)
    return b.args[0]


def test_churn_evaluation_and_the_w4_customer(window, qtbot, tmp_path, monkeypatch):
    window.load_example("churn")
    ev = window.evaluation
    window.tabs.setCurrentWidget(ev)
    result = train(window, qtbot, epochs=2, batch=64)
    data = window.state.prepared()
    # the figures agree with the engine's own test figures
    assert ev.metric_value("test", "accuracy") == pytest.approx(result.test["accuracy"], abs=1e-9)
    assert ev.metric_value("test", "loss") == pytest.approx(result.test["loss"], rel=1e-4)
    assert ev.metrics.rowCount() == len(ev.results) and "ROC AUC" in [
        ev.metrics.horizontalHeaderItem(i).text() for i in range(ev.metrics.columnCount())]
    # confusion matrix of the test split: counts and row shares in a coloured grid
    assert ev.split.currentData() == "test"
    counts = ev.cm_box.confusion.counts
    assert counts.sum() == len(data.X_test) and ev.cm_box.confusion.rowCount() == 2
    first = ev.cm_box.confusion.cell_text(0, 0).split("\n")
    assert first[0] == f"{counts[0, 0]:,}" and first[1] == f"{counts[0, 0] / counts[0].sum():.1%}"
    assert ev.cm_box.per_class.rowCount() == 3  # two classes and the macro average
    assert ev.chart_box.isVisible() and "ROC" in ev.chart_box.title()
    # predictions table with the misclassified filter, exported as CSV
    full = len(ev.shown_table())
    assert full == len(data.X_test)
    ev.predictions.only_wrong.setChecked(True)
    wrong = ev.shown_table()
    assert len(wrong) == counts.sum() - np.trace(counts) and not wrong["correct"].any()
    out = tmp_path / "wrong.csv"
    monkeypatch.setattr("nnstudio.ui.evaluation.panel.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(out), "CSV (*.csv)"))
    ev.export_predictions_dialog()
    saved = pd.read_csv(out)
    assert len(saved) == len(wrong) and {"prediction", "probability", "Exited"} <= set(saved.columns)
    # each row named by its number in the data (the Data tab's Rows view), filtered or not
    from PySide6.QtCore import Qt

    rows = (data.positions["test"] + 1).tolist()
    assert saved[core_eval.DATA_ROW].tolist() == wrong.index.tolist() and set(wrong.index) <= set(rows)
    header = ev.predictions.table_model.headerData(0, Qt.Orientation.Vertical)
    assert header == str(wrong.index[0]) and wrong.index[0] != 1
    # a row's context menu shows it among the data: the Data tab's Rows view, on that row
    ev.predictions.show_in_data(0)
    panel = window.data_panel
    assert window.tabs.currentWidget() is panel and panel.bottom_tabs.currentWidget() is panel.rows_view
    shown = panel.rows_view.selectionModel().selectedRows()
    assert [i.row() for i in shown] == [wrong.index[0] - 1]
    assert panel.rows_model.headerData(shown[0].row(), Qt.Orientation.Vertical) == header
    window.tabs.setCurrentWidget(ev)
    # the prediction form: one field per input column, lists for categories, original units
    form = ev.form
    assert set(form.fields) == set(data.preprocessor.feature_names)
    assert "RowNumber" not in form.fields and "Surname" not in form.fields
    geo = form.fields["Geography"]
    assert sorted(geo.itemText(i) for i in range(geo.count())) == ["France", "Germany", "Spain"]
    for k, v in W4_CUSTOMER.items():
        form.set_value(k, v)
    on_gui = []  # what predicts on the GUI thread: NumPy layers made on the figures' worker, not
    real = core_eval.predict_encoded  # a Keras call, which waits for TensorFlow while a worker
    # trains (monkey seed 49: the window froze 1.4 s)

    def watched(model, X):
        if threading.current_thread() is threading.main_thread():
            on_gui.append(type(model).__name__)
        return real(model, X)

    monkeypatch.setattr(core_eval, "predict_encoded", watched)
    r = ev.predict_form_row()
    monkeypatch.setattr(core_eval, "predict_encoded", real)
    assert on_gui == ["list"]
    expected = core_eval.predict_row(window.state.model, data.preprocessor, W4_CUSTOMER)
    assert r.probabilities[1] == pytest.approx(expected.probabilities[1], abs=1e-6)
    assert f"{expected.probabilities[1]:.4f}" in form.result.text()
    form.fields["Age"].setText("")
    assert "Age" in form.result.text()  # a missing value is named, not predicted


def test_live_figures_while_training(window, qtbot):
    ev = window.evaluation
    window.tabs.setCurrentWidget(ev)
    # before any model: a message in the figures' place, not empty tables and a bare chart
    assert ev.figures.empty and "no trained model to evaluate yet" in ev.figures.label.text()
    assert not ev.metrics.isVisible() and not ev.cm_box.isVisible()
    window.training_panel.epochs.setValue(100_000)
    seen = []
    ev.evaluated.connect(lambda: seen.append(dict(ev._live_meta)))
    window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: any(m["live"] for m in seen), timeout=60_000)
    live = next(m for m in seen if m["live"])
    assert live["epoch"] >= 1 and isinstance(ev.net, list)  # NumPy forward layers, not Keras
    assert not ev.figures.empty and ev.metrics.isVisible()
    assert "Live" in ev.status.text() and ev.cm_box.confusion.counts is not None
    with qtbot.waitSignal(window.state.training_finished, timeout=10_000):
        window.training_panel.stop_btn.click()
    qtbot.waitUntil(lambda: ev.results and not ev.live and not ev.busy()
                    and not ev._live_meta["live"], timeout=60_000)
    assert ev.metric_value("test", "accuracy") == pytest.approx(window.state.result.test["accuracy"], abs=1e-9)


def test_export_dialog_writes_the_chosen_formats(window, qtbot, tmp_path):
    from nnstudio.ui.project.export_dialog import ExportDialog, show_export_dialog

    assert show_export_dialog(window) is None and "Train" in window.last_message[1]
    train(window, qtbot, epochs=3)
    dlg = ExportDialog(window)
    qtbot.addWidget(dlg)
    assert set(core_export.FORMATS) <= set(dlg.checks)
    dlg.folder.setText(str(tmp_path / "out"))
    dlg.set_selected(["keras", "weights_json", "history_csv", "script", "plots_png"])
    with qtbot.waitSignal(dlg.accepted, timeout=60_000):
        dlg.export_btn.click()
    names = {p.split("/")[-1] for p in dlg.written}
    assert {"model.keras", "weights.json", "history.csv", "train_model.py", "xor.csv",
            "curves.png", "evaluation.png"} <= names
    assert "model.onnx" not in names
    assert len(pd.read_csv(tmp_path / "out" / "history.csv")) == 3
    assert "Exported" in window.statusBar().currentMessage()


def test_open_an_exported_model_to_evaluate_it(window, qtbot, tmp_path, tf_loaded):
    result = train(window, qtbot, epochs=4)
    tm = core_export.from_training(result, window.state.prepared(), window.state.project)
    path = tmp_path / "xor.keras"
    core_export.write_format(tm, "keras", path)
    acc = window.evaluation.metric_value("test", "accuracy")
    window.load_example("perceptron")  # something else is open
    assert window.state.model is None
    with qtbot.waitSignal(window.evaluation.evaluated, timeout=60_000):
        window.evaluation.open_model(str(path))
    assert window.state.project.example == "xor" and window.state.result.status == "opened"
    assert window.tabs.currentWidget() is window.evaluation
    assert window.evaluation.metric_value("test", "accuracy") == pytest.approx(acc, abs=1e-9)
    assert window.curves.epochs_shown == 4 and "xor.keras" in window.evaluation.status.text()
    # a file that would run code is refused, with the reason
    keras = tf_loaded.keras()
    m = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x + 1), keras.layers.Dense(1)])
    m.save(tmp_path / "lambda.keras")
    with qtbot.waitSignal(window.evaluation.message, timeout=60_000) as b:
        window.evaluation.open_model(str(tmp_path / "lambda.keras"))
    assert b.args[0] == "error" and "refused" in b.args[1] and "Lambda" in b.args[1]
    assert window.state.project.example == "xor"  # nothing changed


def test_regression_shows_errors_and_predicted_vs_actual(window, qtbot):
    window.load_example("house-prices")
    ev = window.evaluation
    window.tabs.setCurrentWidget(ev)
    train(window, qtbot, epochs=3)
    heads = [ev.metrics.horizontalHeaderItem(i).text() for i in range(ev.metrics.columnCount())]
    assert heads == ["rows", "loss", "MAE", "RMSE", "R²"]
    assert ev.metric_value("test", "mae") == pytest.approx(window.state.result.test["mae"], rel=1e-5)
    assert not ev.cm_box.isVisible() and ev.chart_box.isVisible()
    assert "Predicted vs actual" in ev.chart_box.title()
    assert not ev.predictions.only_wrong.isEnabled() and "error" in ev.shown_table().columns
    r = ev.predict_form_row()
    assert r is not None and np.isfinite(r.value) and "≈" in ev.form.result.text()


def test_the_chosen_split_survives_data_without_it(window, qtbot):
    """The OR example has training rows only, so the split box falls back to them; the next
    example must show the test rows again (the user never chose the training rows), and a split
    the user picks stays picked."""
    ev = window.evaluation
    assert ev.split.currentData() == "test"
    window.load_example("or")
    assert [ev.split.itemData(i) for i in range(ev.split.count())] == ["train"]
    window.load_example("digits")
    assert ev.split.currentData() == "test"
    ev.split.setCurrentIndex(ev.split.findData("val"))
    ev.split.activated.emit(ev.split.currentIndex())  # as a user's pick emits it
    window.load_example("or")
    window.load_example("house-prices")
    assert ev.split.currentData() == "val"


def test_predictions_headers_are_read_whole(qtbot):
    """Columns as wide as their headers and values, up to a limit: a fixed 100 px had cut
    "P(status = Stayed)" to "(status = Stayec"."""
    from PySide6.QtCore import Qt

    from nnstudio.ui.evaluation.predictions import MAX_COLUMN_PX, PredictionsTab

    tab = PredictionsTab()
    qtbot.addWidget(tab)
    table = pd.DataFrame({"prediction": ["Stayed", "Left"], "P(status = Stayed)": [0.98, 0.02],
                          "comment": ["a very long free-text comment " * 4, "short"]})
    tab.show_table(table, None)
    view = tab.table
    fm = view.horizontalHeader().fontMetrics()
    text = "P(status = Stayed)"
    col = list(tab.frame.columns).index(text)
    assert view.columnWidth(col) >= fm.horizontalAdvance(text)
    assert view.columnWidth(list(tab.frame.columns).index("comment")) == MAX_COLUMN_PX
    assert view.model().headerData(col, Qt.Orientation.Horizontal) == text


def _fitted_table(qtbot, frame):
    """A predictions table of ``frame`` sized by fit_columns, and the cells it read to do so."""
    from PySide6.QtWidgets import QTableView

    from nnstudio.ui.evaluation.predictions import fit_columns
    from nnstudio.ui.evaluation.widgets import PredictionsModel

    model = PredictionsModel()
    model.set_frame(frame)
    read = set()
    real, real_texts = model.data, model.texts
    model.data = lambda index, role=0: read.add((index.row(), index.column())) or real(index, role)

    def texts(column, rows):  # the values of a column, read in one call
        read.update((r, column) for r in range(rows))
        return real_texts(column, rows)

    model.texts = texts
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.show()
    read.clear()
    fit_columns(table)
    return table, read


def test_sizing_the_predictions_columns_reads_a_sample_of_rows(qtbot):
    """fit_columns asks the model for the values of its first rows only: sizing every row of a
    2,000 x 70 split (Qt's default reads 1,000) froze the window for 1-4 s after each run."""
    import pandas as pd

    from nnstudio.ui.evaluation.predictions import MAX_COLUMN_PX

    frame = pd.DataFrame(np.zeros((2000, 70)), columns=[f"c{i}" for i in range(70)])
    frame.insert(0, "note", ["w" * 80] + ["x"] * 1999)  # long text in the first row: cut at the cap
    table, read = _fitted_table(qtbot, frame)
    rows_read = {r for r, _ in read}
    assert rows_read and len(rows_read) <= 200  # of 2,000
    assert table.columnWidth(0) == MAX_COLUMN_PX


def test_columns_are_as_wide_as_qt_would_make_them_without_asking_cell_by_cell(qtbot):
    """fit_columns reads each sized column's values in one Python call (Qt's own sizing asks for
    every cell and role apart, and while a run trains each call waits for the GIL: the window
    froze 1-1.5 s after each digits run), and its widths are those Qt's sizing gives."""
    import pandas as pd

    from nnstudio.ui.evaluation.widgets import PredictionsModel

    frame = pd.DataFrame({"prediction": ["Stayed", "Left"] * 30,
                          "P(status = Stayed)": np.linspace(0, 1, 60),
                          "note": ["short"] * 59 + ["a longer note, last of the rows read"],
                          "x": np.arange(60) * 1234.5})
    table, read = _fitted_table(qtbot, frame)
    cell_calls = []
    model = table.model()
    real = PredictionsModel.data
    model.data = lambda index, role=0: cell_calls.append(index.row()) or real(model, index, role)
    ours = [table.columnWidth(i) for i in range(4)]
    from nnstudio.ui.evaluation.predictions import fit_columns

    fit_columns(table)
    assert not cell_calls and [table.columnWidth(i) for i in range(4)] == ours
    for i in range(4):
        table.resizeColumnToContents(i)
    assert [table.columnWidth(i) for i in range(4)] == ours


def test_a_wide_splits_columns_past_the_first_are_sized_by_their_header(qtbot):
    """A pixel CSV's predictions table has 785 columns: sizing each by its values froze the
    window for 2.1 s after a run. The first SIZED_COLUMNS (the predictions come first) are sized
    by their values, the others by their header alone, which stays readable."""
    import pandas as pd

    from nnstudio.ui.evaluation.predictions import SIZED_COLUMNS

    frame = pd.DataFrame(np.full((500, 785), 255.0), columns=[f"pixel{i}" for i in range(785)])
    table, read = _fitted_table(qtbot, frame)
    columns_read = {c for _, c in read}
    assert columns_read and max(columns_read) < SIZED_COLUMNS + 30  # those on screen, not 785
    metrics = table.horizontalHeader().fontMetrics()
    assert all(table.columnWidth(i) >= metrics.horizontalAdvance(f"pixel{i}") for i in range(785))


def test_the_one_row_form_cuts_long_column_names_and_keeps_its_fields_in_view(qtbot):
    """A weather file's long column names pushed the one-row form's fields out of view to the
    right: a user had to scroll sideways to type."""
    import numpy as np
    import pandas as pd
    from PySide6.QtWidgets import QFormLayout

    from nnstudio.core.data import Dataset, Roles, prepare
    from nnstudio.ui.evaluation.widgets import PredictionForm

    long = "wind speed (km/h) — gusts included, averaged over the whole day"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({long: rng.normal(size=60), "rain": rng.normal(size=60), "y": [0, 1] * 30})
    form = PredictionForm()
    qtbot.addWidget(form)
    form.set_columns(prepare(Dataset(frame, "w"), Roles("y", [long, "rain"])).preprocessor)
    form.show()
    label = form.form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget()
    assert label.text().endswith("…") and len(label.text()) <= 28 and label.toolTip() == long
    assert form.form.itemAt(1, QFormLayout.ItemRole.LabelRole).widget().text() == "rain"
    assert form.minimumSizeHint().width() < 320


def test_the_one_row_form_says_when_a_value_lies_beyond_the_training_rows(qtbot):
    """A what-if of day 1,200 on a model trained on days 0 to 639: the network extrapolates, and
    its answer there is a guess of its own making. The form says so under the answer."""
    import numpy as np
    import pandas as pd

    from nnstudio.core.data import Dataset, Roles, prepare
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.ui.evaluation.widgets import PredictionForm

    frame = pd.DataFrame({"day": np.arange(640), "temp": np.linspace(-5, 30, 640),
                          "sales": np.arange(640) * 0.3})
    pre = prepare(Dataset(frame, "s"), Roles("sales", ["day", "temp"])).preprocessor
    net = [ForwardLayer("dense", np.float32([[1.0], [0.0]]), np.float32([0.0]), "linear")]
    form = PredictionForm()
    qtbot.addWidget(form)
    form.set_columns(pre)
    form.set_value("day", 300)
    form.show_prediction(net, pre)
    assert "beyond" not in form.result.text()
    form.set_value("day", 1200)
    form.set_value("temp", -20)
    form.show_prediction(net, pre)
    text = form.result.text()
    assert "'day' 1,200 and 'temp' -20 lie beyond the training rows' (" in text
    assert " to 639; " in text and " to 30)" in text  # each column's range in the training split
    assert "the network extrapolates" in text


def test_after_a_repeat_the_tab_says_which_seeds_network_it_evaluates(window, qtbot):
    """A Repeat trains N networks and the tab shows one (the last seed's): it says which."""
    ev = window.evaluation
    window.tabs.setCurrentWidget(ev)
    window.training_panel.epochs.setValue(2)
    window.training_panel.repeat_n.setValue(2)
    with qtbot.waitSignal(window.training.repeat_finished, timeout=120_000):
        window.training_panel.repeat_btn.click()
    qtbot.waitUntil(lambda: not ev.busy() and ev.results and not ev.live, timeout=60_000)
    assert window.state.result.seed == 1
    assert ev.status.text().startswith("Trained model (seed 1, 2 epochs, completed"), ev.status.text()


def test_the_roc_curve_has_room_on_a_small_screen(window, qtbot):
    """At 1280 x 720 the ROC curve was drawn about 80 px tall under a 2 x 2 confusion matrix
    that had more room than it needed: its axis labels ran into each other."""
    window.resize(1280, 720)
    window.load_example("churn")
    ev = window.evaluation
    window.tabs.setCurrentWidget(ev)
    train(window, qtbot, epochs=1, batch=256)
    qtbot.wait(50)
    plot = ev.chart_box.chart
    assert plot.isVisible() and plot.height() >= 190, plot.height()  # was 147 ...
    assert plot.getPlotItem().vb.height() >= 110  # ... its curve's area about 80
    matrix = ev.cm_box.confusion  # the matrix and the per-class table still whole
    assert not matrix.verticalScrollBar().isVisible() and not ev.cm_box.per_class.verticalScrollBar().isVisible()
    assert matrix.viewport().height() >= sum(matrix.rowHeight(i) for i in range(matrix.rowCount()))


def test_the_one_row_form_is_built_when_shown_and_predicts_the_same_row_before(window, qtbot):
    """A 784-pixel file's form took a second to build on every Data tab change; it is built when
    it is first shown, and until then reads as its fields would (numbers as text, the training
    mean where a default is missing, a list's category, its first where the default is unknown)."""
    from nnstudio.core.data import Dataset, Roles, prepare
    from nnstudio.ui.evaluation.widgets import PredictionForm

    rng = np.random.default_rng(1)
    n = 80
    frame = pd.DataFrame({"a": rng.normal(5, 1, n), "b": rng.normal(size=n), "c": rng.normal(size=n),
                          "colour": rng.choice(["red", "green", "blue"], n),
                          "size": rng.choice(["S", "M"], n), "y": [0, 1] * (n // 2)})
    pre = prepare(Dataset(frame, "w"), Roles("y", ["a", "b", "c", "colour", "size"])).preprocessor
    defaults = {"a": 4.25, "b": float("nan"), "colour": "green", "size": "XL"}  # no 'c'; 'XL' unknown
    form = PredictionForm()
    qtbot.addWidget(form)
    form.set_columns(pre, defaults)
    assert form.form.rowCount() == 0  # not shown, nothing built
    before = form.values()
    assert before["a"] == "4.25" and before["b"] == "" and before["colour"] == "green"
    assert before["c"] != "" and float(before["c"]) == pytest.approx(frame["c"].iloc[:60].mean(), abs=0.5)
    form.show()
    assert form.form.rowCount() == 5
    assert form.values() == before
    # the panel: a change on the Data tab leaves the form unbuilt until "Predict one row" shows it
    window.load_example("churn")
    ev = window.evaluation
    qtbot.waitUntil(lambda: ev.pre is not None, timeout=20_000)
    window.tabs.setCurrentWidget(ev)
    assert ev.form.form.rowCount() == 0
    train(window, qtbot, epochs=1, batch=256)
    assert ev.form.form.rowCount() == 0  # the Predictions page is in front
    row = ev.form.values()
    assert "probability" in ev.form.result.text()  # the answer, for the row the fields will hold
    ev.right.setCurrentIndex(1)
    qtbot.waitUntil(lambda: ev.form.form.rowCount() == len(ev.pre.columns), timeout=5_000)
    assert ev.form.values() == row
