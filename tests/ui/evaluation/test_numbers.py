"""How the Evaluation tab writes numbers: a house price reads as a price, not in e-notation."""
from __future__ import annotations

import math

import numpy as np

from nnstudio.ui.evaluation.widgets import fmt


def test_prices_and_errors_in_the_thousands_read_with_separators():
    assert fmt(416656.0) == "416,656"  # was 4.167e+05
    assert fmt(np.float32(-415625.3)) == "-415,625"
    assert fmt(387594.53) == "387,595"


def test_small_moderate_and_huge_numbers_keep_their_forms():
    assert fmt(0.98765) == "0.9877" and fmt(1031.2015) == "1031.2015"
    assert fmt(2.5e-5) == "2.5e-05"
    assert fmt(1.571e11) == "1.571e+11"  # a squared error in dollars: a separator run is no help
    assert fmt(0.0) == "0.0000" and fmt(None) == "—" and fmt(math.nan) == "—"
    assert fmt("yes") == "yes"


def test_a_repeats_summary_writes_a_regressions_mae_as_people_write_it():
    from nnstudio.ui.training.controller import RepeatSummary

    s = RepeatSummary("mae", [392926.3319, 401002.7], 396964.5, 5710.6)
    assert s.text() == "2 runs (seeds 0–1): test MAE 396,964 ± 5,711 (each: 392,926, 401,003)."
    acc = RepeatSummary("accuracy", [0.874, 0.875], 0.8745, 0.0007)
    assert acc.text() == "2 runs (seeds 0–1): test accuracy 0.875 ± 0.001 (each: 0.874, 0.875)."
    # a Repeat stopped early: one run, or none (it said "0 runs (seeds 0–-1): … nan ± 0.000")
    assert RepeatSummary("accuracy", [0.874], 0.874, 0.0).text() == "1 run (seed 0): test accuracy 0.874."
    assert "no runs recorded" in RepeatSummary.of([], None).text()


def test_the_baselines_table_writes_prices_as_the_metrics_table_does(qtbot):
    """Insurance charges in dollars: the metrics table wrote the mean's RMSE as 14,791 and the
    Baselines table beside it as 14791.4830."""
    from types import SimpleNamespace

    from nnstudio.core import baselines as bl
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.core.model.spec import Task
    from nnstudio.core.settings import TrainSettings
    from nnstudio.ui.common.workers import WorkerPool
    from nnstudio.ui.evaluation.baselines import BaselinesView

    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 1)).astype(np.float32)
    y = 15_000 * X[:, 0] + 50_000
    data = SimpleNamespace(task=Task.REGRESSION, X_train=X, y_train=y, X_test=X,
                           y_test=y + rng.normal(0, 2000, 60), n_classes=0)
    net = [ForwardLayer("dense", np.float32([[15_000.0]]), np.float32([50_000.0]), "linear")]
    comp = bl.compare(net, data, TrainSettings(), train_linear=False)
    view = BaselinesView(WorkerPool())
    qtbot.addWidget(view)
    view._tag = "t"
    view._on_result("t", (comp, ("data", "settings"), None))
    cells = {(view.table.verticalHeaderItem(i).text(), view.table.horizontalHeaderItem(j).text()):
             view.table.item(i, j).text() for i in range(view.table.rowCount())
             for j in range(view.table.columnCount())}
    mean_rmse = comp.get(bl.MAJORITY).metrics["rmse"]
    assert mean_rmse > 10_000 and cells[("the mean", "RMSE")] == fmt(mean_rmse) == f"{mean_rmse:,.0f}"
    r2 = comp.rows[0].metrics["r2"]
    assert cells[("the network", "R²")] == fmt(r2)  # small figures keep their decimals
    # a score is written with four decimals however near zero: the mean's R² on the test rows
    # read -0.0002958 beside 0.9865 (e-notation's rule for small losses, wrong for a score)
    mean_r2 = comp.get(bl.MAJORITY).metrics["r2"]
    shown = f"{round(mean_r2, 4) + 0.0:.4f}"  # (-0.00004 is 0.0000, not -0.0000)
    assert abs(mean_r2) < 1e-3 and cells[("the mean", "R²")] == shown == fmt(mean_r2, key="r2")
    assert fmt(-0.0123, key="r2") == "-0.0123" and fmt(2.5e-5, key="rmse") == "2.5e-05"


def test_a_predictions_column_writes_all_its_numbers_one_way(qtbot):
    """Insurance charges predicted: '11,112' and '9661.6143' in one column, '-1454.3643' beside
    '11,798' in the next (separators from 10,000, four decimals under it, value by value). A
    column's numbers now share one form, its decimals set by its largest value."""
    import pandas as pd

    from nnstudio.ui.evaluation.widgets import PredictionsModel

    frame = pd.DataFrame({"prediction": [11112.3, 9661.6143, 48649.1],
                          "error": [-1454.3643, 11798.2, 183.5547],
                          "P(yes)": [0.1234567, 0.9, 0.5],
                          "bmi": [39.92, 21.61, 33.0],
                          "age": [31, 41, 56]})
    model = PredictionsModel()
    model.set_frame(frame)

    def column(name):
        j = list(model.view.columns).index(name)
        return [model.data(model.index(i, j)) for i in range(len(frame))]
    assert column("prediction") == ["11,112", "9,662", "48,649"]
    assert column("error") == ["-1,454", "11,798", "184"]
    assert column("P(yes)") == ["0.1235", "0.9000", "0.5000"]
    assert column("bmi") == ["39.920", "21.610", "33.000"]
    assert column("age") == ["31", "41", "56"]


def test_a_whole_number_target_is_written_as_its_prediction_is(qtbot):
    """House prices in whole dollars: 'prediction 523,312' beside 'price 532600' (an integer
    column was written as it is). The target, read beside its prediction, is written the same
    way; other whole-number columns (an id, a year) stay as the file has them."""
    import pandas as pd

    from nnstudio.ui.evaluation.widgets import PredictionsModel

    frame = pd.DataFrame({"prediction": [523312.4, 96.2], "error": [-9288.0, 1.2],
                          "price": [532600, 95], "id": [7000052, 7000053], "year": [1970, 2001]})
    model = PredictionsModel()
    model.set_frame(frame, ["prediction", "error", "price"])

    def column(name):
        j = list(model.view.columns).index(name)
        return [model.data(model.index(i, j)) for i in range(len(frame))]
    assert column("prediction") == ["523,312", "96"]
    assert column("price") == ["532,600", "95"]
    assert column("id") == ["7000052", "7000053"] and column("year") == ["1970", "2001"]


def test_why_a_price_is_written_as_a_price():
    """"Why 5.414e+05? … predicted price is 5.414e+05": the one-row form's explanation of a house
    price; now as the prediction above it writes it."""
    from nnstudio.ui.evaluation.attribution import figure

    assert figure(541_390.2, False) == "541,390" and figure(-9_288.4, False, "+") == "-9,288"
    assert figure(12_000.0, False, "+") == "+12,000" and figure(12.3456, False) == "12.35"
    assert figure(0.4567, True) == "0.457" and figure(0.25, True, "+") == "+0.250"


def test_the_report_writes_scores_and_losses_as_the_tab_does():
    """The HTML report's tables: a score column keeps its four decimals near zero (R², named by
    its key in the metrics table and by its label in the baselines table); a loss keeps e-notation."""
    from nnstudio.core.report import _table

    html = _table(["split", "r2", "R²", "loss"], [["test", -0.00031, 0.00002, 0.000025]])
    assert "<td class=\"\">-0.0003</td><td class=\"\">0.0000</td><td class=\"\">2.5e-05</td>" in html


def test_the_baselines_table_fits_a_narrow_tab_and_says_what_each_row_is(qtbot):
    """At 1280 x 720 the Baselines tab is ~400 pixels wide: its last column, what each row is,
    was cut to 'the tr…' and 'al… t…' (churn: five figures scrolled it out of sight). The figures
    fit now, and what the rows are is said under them (and in each row name's tooltip)."""
    from types import SimpleNamespace

    from nnstudio.core import baselines as bl
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.core.model.spec import Task
    from nnstudio.core.settings import TrainSettings
    from nnstudio.ui.common.workers import WorkerPool
    from nnstudio.ui.evaluation.baselines import BaselinesView

    rng = np.random.default_rng(4)
    X = rng.normal(size=(400, 2)).astype(np.float32)
    y = (X[:, 0] + 0.5 * rng.normal(size=400) > 0.8).astype(int)  # ~22 % positive: imbalanced
    data = SimpleNamespace(task=Task.BINARY, X_train=X, y_train=y, X_test=X, y_test=y, n_classes=2,
                           preprocessor=SimpleNamespace(classes=["stayed", "left"]))
    net = [ForwardLayer("dense", np.float32([[3.0], [0.0]]), np.float32([-2.4]), "sigmoid")]
    comp = bl.compare(net, data, TrainSettings(), train_linear=False)
    view = BaselinesView(WorkerPool())
    qtbot.addWidget(view)
    view.resize(440, 450)
    view.show()
    view._tag = "t"
    view._on_result("t", (comp, ("data", "settings"), None))
    qtbot.wait(50)
    t = view.table
    heads = [t.horizontalHeaderItem(j).text() for j in range(t.columnCount())]
    assert len(heads) >= 4 and not any("what" in h for h in heads)
    assert t.horizontalScrollBar().maximum() == 0  # every figure in view
    for j in range(t.columnCount()):
        width = max(t.horizontalHeader().fontMetrics().horizontalAdvance(line)
                    for line in heads[j].split("\n"))
        assert t.columnWidth(j) >= width, heads[j]
    assert "always the most frequent class (stayed)" in view.legend.text()
    assert "the linear model" not in view.legend.text()  # not trained here: not described
    assert t.verticalHeaderItem(1).toolTip() == "always the most frequent class (stayed)"
    # narrower still: the figures keep their width and the table scrolls, none is cut
    view.resize(330, 450)
    qtbot.wait(50)
    assert t.horizontalScrollBar().maximum() > 0
    assert all(t.columnWidth(j) >= t.sizeHintForColumn(j) for j in range(t.columnCount()))
    qtbot.waitUntil(lambda: t.verticalScrollBar().maximum() == 0, timeout=2000)  # rows all in view
    # the table is as tall as its rows: the legend and the verdict follow right under it
    assert view.legend.geometry().top() - t.geometry().bottom() < 20
