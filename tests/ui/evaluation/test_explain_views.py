"""Issue 20 in the window: importance, a row's attributions (form and inspector) with what-if,
the threshold view driving the figures and the project, baselines, class weights, the report."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
import pytest
from make_churn_demo import churn_frame  # tests/data (on the path: conftest.py)

from nnstudio.core import threshold as th
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.roles import Roles
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.training.settings import TrainSettings


def load_churn(window, qtbot, epochs=30):
    df = churn_frame()
    p = Project(Dataset(df, "churn-demo"), Roles("churn", [c for c in df.columns if c != "churn"], {}),
                NetworkSpec([LayerSpec.dense(8, "relu")]),
                TrainSettings(epochs=epochs, learning_rate=0.02, batch_size=64, seed=1),
                task_override=Task.BINARY)
    return train_on_evaluation_tab(window, qtbot, p)


def train_on_evaluation_tab(window, qtbot, project):
    """``project`` trained with Train while the Evaluation tab is shown; that tab, evaluated."""
    window.state.set_project(project)
    ev = window.evaluation
    window.tabs.setCurrentWidget(ev)
    with qtbot.waitSignal(ev.evaluated, timeout=120_000):
        with qtbot.waitSignal(window.state.training_finished, timeout=120_000):
            window.training_panel.train_btn.click()
    qtbot.waitUntil(lambda: not ev.busy() and ev.results and not ev.live, timeout=60_000)
    return ev


def test_importance_attributions_and_the_inspector(window, qtbot):
    ev = load_churn(window, qtbot)
    # importance: measured when its tab is shown; the columns that matter first
    with qtbot.waitSignal(ev.importance.computed, timeout=60_000):
        ev.right.setCurrentWidget(ev.importance)
    imp = ev.importance.result
    assert set(imp.columns[:2]) == {"tenure", "calls"} and len(imp.columns) == 5
    assert ev.importance.chart.labels == imp.columns
    assert ev.importance.info.text().startswith("Accuracy on the ") and \
        imp.summary(mark=lambda c: f"<b>{c}</b>") in ev.importance.info.text()
    # a row in the form: prediction and attributions that add up, an ICE curve
    ev.right.setCurrentIndex(1)
    row = window.state.prepared().raw_test.iloc[2].to_dict()
    with qtbot.waitSignal(ev.attribution.computed, timeout=30_000):
        ev.form.fill(row)
    qtbot.waitUntil(lambda: not ev.attribution.job.busy, timeout=30_000)  # the last request's answer
    att = ev.attribution.att
    assert abs(att.values.sum() - (att.prediction - att.baseline_prediction)) < 1e-3
    assert float(ev.form.values()["tenure"]) == pytest.approx(row["tenure"])
    assert att.prediction == pytest.approx(ev.form.last.probabilities["yes"], abs=1e-5)
    ice = ev.attribution.ice
    assert ice.column in att.columns and ice.current == att.row[ice.column]
    ev.attribution.ice_col.setCurrentText("tenure")  # what if: tenure varies
    qtbot.waitUntil(lambda: ev.attribution.ice.column == "tenure" and not ev.attribution.job.busy,
                    timeout=30_000)
    # what if: the slider changes the form's value, and the prediction follows
    before = ev.form.values()[ev.attribution.ice.column]
    with qtbot.waitSignal(ev.attribution.computed, timeout=30_000):
        ev.attribution.slider.setValue(0 if ev.attribution.slider.value() > 50 else 200)
    qtbot.waitUntil(lambda: not ev.attribution.job.busy, timeout=30_000)
    assert ev.form.values()[ev.attribution.ice.column] != before
    assert ev.attribution.att.prediction == pytest.approx(ev.form.last.probabilities["yes"], abs=1e-5)
    # a clicked bar: the inspector on this row, the input node of that category lit
    values = ev.form.values()
    ev.attribution.bars.bar_clicked.emit("plan")
    assert window.tabs.currentWidget() is window.inspector
    mv = window.inspector.model_view
    pre = window.state.prepared().preprocessor
    unit = pre.output_names.index(f"plan={values['plan']}")
    assert mv.trace_view.selected == (-1, unit)
    # the inspector explains its sample too
    qtbot.waitUntil(lambda: mv.why.att is not None and not mv.why.job.busy, timeout=30_000)
    assert abs(mv.why.att.values.sum() - (mv.why.att.prediction - mv.why.att.baseline_prediction)) < 1e-3
    assert mv.why.att.row["plan"] == values["plan"]


def test_the_answer_to_a_typed_row_stays_in_view_at_1280x720(window, qtbot):
    """W4: type a customer, read the probability of leaving. With the attributions under the
    form, at 1280 x 720 the form's box was 92 px: two fields showed, and the answer, under the
    fields in the same scroll box, was out of sight. The answer sits under the box now, and the
    box shows several fields (the attributions scroll in theirs)."""
    window.resize(1280, 720)
    ev = load_churn(window, qtbot, epochs=3)
    with qtbot.waitSignal(ev.attribution.computed, timeout=30_000):
        ev.right.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not ev.attribution.job.busy, timeout=30_000)
    result = ev.form.result
    assert "probability" in result.text()
    assert result.height() >= 40 and result.visibleRegion().boundingRect().height() == result.height()
    shown = [f for f in ev.form.fields.values()
             if f.visibleRegion().boundingRect().height() == f.height() > 0]
    assert len(shown) >= 4


def test_the_typical_row_is_not_split_into_float_noise(window, qtbot):
    """The form opens on the training rows' typical row, which is the attributions' baseline:
    nothing to split. The chart's axis ran from -4e-11 to 4e-11 (rounding drawn as if it
    mattered) and the text said "(+0.000) ... ±0e+00". It says what the row is and what to do,
    and the axis keeps a readable span."""
    ev = load_churn(window, qtbot, epochs=5)
    with qtbot.waitSignal(ev.attribution.computed, timeout=30_000):
        ev.right.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not ev.attribution.job.busy, timeout=30_000)
    att = ev.attribution.att
    assert abs(att.prediction - att.baseline_prediction) < 1e-6  # the form holds the typical row
    text = ev.attribution.text.text()
    assert "is the typical training row" in text and "type other values" in text
    assert "e+00" not in text and "e-1" not in text
    (lo, hi), _ = ev.attribution.bars.getPlotItem().vb.viewRange()
    assert hi - lo >= 0.01
    # another row: the bars split its difference again
    row = window.state.prepared().raw_test.iloc[2].to_dict()
    with qtbot.waitSignal(ev.attribution.computed, timeout=30_000):
        ev.form.fill(row)
    qtbot.waitUntil(lambda: not ev.attribution.job.busy, timeout=30_000)
    assert "The bars split the difference" in ev.attribution.text.text()


def test_importance_of_a_rare_class_is_measured_by_roc_auc_until_another_is_picked(window, qtbot):
    """3 % fraud, a network answering 'no' for every row: by accuracy (the tab's first measure)
    every column "changes nothing beyond noise". The tab starts on ROC AUC and says why; a
    measure the user picks is kept."""
    from make_fraud import fraud

    ev = train_on_evaluation_tab(window, qtbot, Project.from_dataset(Dataset(fraud(), "fraud.csv"), "fraud"))
    with qtbot.waitSignal(ev.importance.computed, timeout=60_000):
        ev.right.setCurrentWidget(ev.importance)
    view = ev.importance
    assert view.metric_box.currentData() == "roc_auc" and view.result.metric == "roc_auc"
    assert "ROC AUC, not accuracy: 'no' is 96.8 % of these rows" in view.info.text()
    assert "The network leans most on" in view.info.text()
    with qtbot.waitSignal(view.computed, timeout=60_000):
        view.metric_box.setCurrentIndex(view.metric_box.findData("accuracy"))
    assert view.result.metric == "accuracy" and "not accuracy" not in view.info.text()
    view.set_inputs(*view._inputs)  # the next model: the user's measure stays
    assert view.metric_box.currentData() == "accuracy"


def test_threshold_view_drives_the_figures_and_the_project(window, qtbot):
    ev = load_churn(window, qtbot)
    ev.right.setCurrentWidget(ev.threshold_view)
    tv = ev.threshold_view
    assert tv.curves is not None and tv.threshold() == 0.5
    cm05 = ev.results["test"].confusion.copy()
    tv.slider.setValue(150)  # live: the view's own matrix and figures follow at once
    assert tv.current.threshold == pytest.approx(0.15)
    assert tv.current.confusion.sum() == cm05.sum()
    assert tv.current.recall >= ev.results["test"].per_class[1].recall
    # once the slider rests, the project takes it and every figure follows
    with qtbot.waitSignal(ev.evaluated, timeout=30_000):
        qtbot.waitUntil(lambda: window.state.project.threshold == pytest.approx(0.15), timeout=5_000)
    assert window.state.dirty and window.state.model is not None  # the model stays trained
    assert ev.results["test"].threshold == pytest.approx(0.15)
    assert np.array_equal(ev.results["test"].confusion, tv.current.confusion)
    # the best-F1 suggestion is chosen on the validation rows (on the test rows it would flatter
    # their figures): there its F1 is at least the default threshold's
    val = ev.results["val"]
    score = th.positive_score(val.output, val.task)
    tv.best_f1.click()
    assert tv.threshold() != 0.15
    assert th.metrics_at(val.y_true, score, tv.threshold()).f1 >= th.metrics_at(val.y_true, score, 0.5).f1 - 1e-12
    assert f"Best F1 on the {val.n:,} validation rows" in tv.figures.text()
    with qtbot.waitSignal(ev.evaluated, timeout=30_000):  # the project takes it, the figures follow
        qtbot.waitUntil(lambda: window.state.project.threshold == pytest.approx(tv.threshold()), timeout=5_000)
    assert f"Best F1 on the {val.n:,} validation rows" in tv.figures.text()  # still said


def test_baselines_class_weights_and_report(window, qtbot, tmp_path):
    ev = load_churn(window, qtbot, epochs=20)
    with qtbot.waitSignal(ev.baselines.computed, timeout=120_000):
        ev.right.setCurrentWidget(ev.baselines)
    comp = ev.baselines.result
    assert [r.key for r in comp.rows] == ["network", "majority", "linear"]
    assert ev.baselines.table.rowCount() == 3 and ev.baselines.verdict.text().startswith("The network ")
    # class weights: the editor stores valid settings only
    cw = window.training_panel.class_weights
    cw.mode.setCurrentIndex(cw.mode.findData("balanced"))
    assert window.state.project.settings.class_weight == "balanced"
    cw.mode.setCurrentIndex(cw.mode.findData("custom"))
    cw.custom.setText("yes=3, no=1")
    cw.custom.editingFinished.emit()
    assert window.state.project.settings.class_weight == {"yes": 3.0, "no": 1.0}
    cw.custom.setText("yes=lots")
    cw.custom.editingFinished.emit()
    assert window.state.project.settings.class_weight == {"yes": 3.0, "no": 1.0}
    assert "not a number" in cw.custom.toolTip()
    # the report, written on a worker
    window.report_writer.open_in_browser = False
    path = tmp_path / "r.html"
    with qtbot.waitSignal(window.report_writer.written, timeout=120_000):
        window.report_writer.write(str(path))
    html = path.read_text()
    assert "Better than simple?" in html and "data:image/svg+xml;base64," in html


def test_regression_residuals_and_importance(window, qtbot):
    r = np.random.default_rng(2)
    n = 400
    df = pd.DataFrame({"x": r.normal(size=n), "junk": r.normal(size=n), "kind": r.choice(["a", "b"], n)})
    df["y"] = 3 * df["x"] + np.where(df["kind"] == "a", 2.0, -2.0) + 0.1 * r.normal(size=n)
    p = Project(Dataset(df, "reg"), Roles("y", ["x", "junk", "kind"], {}), NetworkSpec([LayerSpec.dense(8, "relu")]),
                TrainSettings(epochs=60, learning_rate=0.02, batch_size=32, seed=1), task_override=Task.REGRESSION)
    ev = train_on_evaluation_tab(window, qtbot, p)
    assert not ev.right.isTabVisible(ev.right.indexOf(ev.threshold_view))
    assert ev.right.isTabVisible(ev.right.indexOf(ev.residuals))
    e = ev.results["test"]
    scatter = [i for i in ev.residuals.residual_plot.getPlotItem().items if hasattr(i, "points")][0]
    xs, ys = scatter.getData()
    assert np.allclose(xs, e.y_pred) and np.allclose(ys, np.asarray(e.y_true) - e.y_pred)
    # the histogram below counts the same residuals, under the same name and sign (it was
    # "predicted − actual" under a cloud of "actual − predicted": one mirrored the other)
    assert ev.residuals.residual_plot.getPlotItem().getAxis("left").labelText == "actual − predicted"
    hist = ev.residuals.hist_plot.getPlotItem()
    assert hist.getAxis("bottom").labelText == "actual − predicted"
    bars = [i for i in hist.items if isinstance(i, pg.BarGraphItem)][0].opts
    res = np.asarray(e.y_true) - e.y_pred
    assert sum(bars["height"]) == len(res) and bars["x0"][0] == pytest.approx(res.min())
    assert f"mean {np.mean(res):+.4g}" in hist.titleLabel.text
    with qtbot.waitSignal(ev.importance.computed, timeout=60_000):
        ev.right.setCurrentWidget(ev.importance)
    imp = ev.importance.result
    assert imp.metric == "r2" and imp.columns[-1] == "junk" and abs(imp.mean[-1]) < 0.05 * imp.mean[0]
    # a regression's simple baseline is the mean, not a majority rule
    assert "beside the mean and a linear model" in ev.baselines.info.text()
    with qtbot.waitSignal(ev.baselines.computed, timeout=120_000):
        ev.right.setCurrentWidget(ev.baselines)
    assert ev.baselines.table.verticalHeaderItem(1).text() == "the mean"


def test_many_columns_keep_the_bars_readable_and_adding_up(qtbot, tf_loaded):
    """Digits' 64 columns: the twelve bars are the 11 largest shares and the sum of the rest, so the
    chart stays a readable height (it was 1,100 px, scrolling the inspector's network out of view)."""
    from nnstudio.core import explain
    from nnstudio.core.model.build import build_model
    from nnstudio.ui.common.workers import WorkerPool
    from nnstudio.ui.evaluation.attribution import MAX_BARS, AttributionView

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 40)), columns=[f"c{i}" for i in range(40)])
    frame["y"] = (frame["c0"] + frame["c1"] > 0).astype(int)
    data = Project.from_dataset(Dataset(frame, "wide"), "y").prepare()
    net = build_model(NetworkSpec([LayerSpec.dense(8, "tanh")]), data.n_inputs, data.task,
                      data.n_classes, seed=0)
    row = data.raw_test.iloc[0].to_dict()
    layers = explain.forward_layers(net)
    pool = WorkerPool()
    view = AttributionView(pool, with_ice=False)
    qtbot.addWidget(view)
    view.att = explain.explain_row(layers, data.preprocessor, row, train=data.raw_train)
    view.ice = explain.ice_curve(layers, data.preprocessor, row, "c0", n=11)
    view._show()
    att = view.att
    assert len(view.bars.labels) == MAX_BARS and view.bars.labels[-1] == "29 other columns"
    assert view.bars.labels[:-1] == [att.columns[i] for i in att.order()[:MAX_BARS - 1]]
    assert view.bars.values.sum() == pytest.approx(att.values.sum(), abs=1e-9)  # they add up
    assert "The 29 columns with the smallest shares are summed in the last bar" in view.text.text()
    assert view.bars.minimumHeight() < 300
    clicked = []
    view.column_clicked.connect(clicked.append)
    view.bars.bar_clicked.emit("29 other columns")
    view.bars.bar_clicked.emit(view.bars.labels[0])
    assert clicked == [view.bars.labels[0]]
    pool.stop_all()


def test_a_long_importance_chart_scrolls_in_its_own_box(qtbot):
    """64 bars keep a readable row each, in a box that scrolls, so the Evaluation page around them
    keeps its height (the page had grown to 1,300 px and stretched the confusion matrix)."""
    from nnstudio.ui.common.workers import WorkerPool
    from nnstudio.ui.evaluation.importance import ImportanceView

    pool = WorkerPool()
    view = ImportanceView(pool)
    qtbot.addWidget(view)
    view.chart.set_bars([f"pixel_{i}" for i in range(64)], np.linspace(0.2, 0.0, 64))
    assert view.chart.minimumHeight() > 1000  # every bar's label readable ...
    assert view.minimumSizeHint().height() < 300  # ... without making the page that tall
    view.resize(400, 500)
    view.show()
    qtbot.waitUntil(lambda: view.chart_scroll.verticalScrollBar().maximum() > 0, timeout=2000)
    pool.stop_all()


def test_more_than_two_classes_get_one_vs_rest_roc_curves(window, qtbot):
    """Three classes: the tab that holds a two-class network's threshold becomes "ROC curves":
    every class against the rest in a table (scikit-learn's figures, and their macro average) and
    the selected class's curves; no threshold to choose (the network answers its likeliest class)."""
    from sklearn import metrics as m

    r = np.random.default_rng(5)
    n = 450
    df = pd.DataFrame({"a": r.normal(size=n), "b": r.normal(size=n)})
    df["kind"] = np.select([df["a"] > 0.4, df["b"] > 0.3], ["hi", "mid"], "lo")
    p = Project(Dataset(df, "three"), Roles("kind", ["a", "b"], {}), NetworkSpec([LayerSpec.dense(8, "relu")]),
                TrainSettings(epochs=15, learning_rate=0.02, batch_size=32, seed=1))
    ev = train_on_evaluation_tab(window, qtbot, p)
    tv = ev.threshold_view
    i = ev.right.indexOf(tv)
    assert ev.right.isTabVisible(i) and ev.right.tabText(i) == "ROC curves"
    ev.right.setCurrentWidget(tv)
    e = ev.results["test"]
    y, proba = np.asarray(e.y_true), np.asarray(e.output)
    pc = tv.per_class
    assert pc is not None and pc.classes == e.classes and tv.class_table.rowCount() == 3
    for k in range(3):
        assert pc.roc_auc[k] == pytest.approx(m.roc_auc_score(y == k, proba[:, k]))
        assert tv.class_table.item(k, 2).text() == f"{pc.roc_auc[k]:.3f}"
    macro = m.roc_auc_score(y, proba, multi_class="ovr")
    assert f"{macro:.3f}" in tv.figures.text()
    # the metrics table has it too, as the command line's evaluate does
    heads = [ev.metrics.horizontalHeaderItem(j).text() for j in range(ev.metrics.columnCount())]
    j = heads.index("mean\nROC AUC")
    assert ev.metrics.item(2, j).text() == f"{macro:.4f}"  # the test row
    assert tv.class_table.isVisible() and not tv.confusion.isVisible()
    assert not tv.slider.isVisible() and not tv.best_f1.isVisible()
    # another class selected: its curves (its ROC AUC in the plot's title)
    tv.class_table.selectRow(2)
    assert tv.curves.roc_auc == pytest.approx(pc.roc_auc[2])
    assert f"<b>{e.classes[2]}</b> against the other" in tv.figures.text()
    assert f"{pc.roc_auc[2]:.3f}" in tv.roc.getPlotItem().titleLabel.text
    # the split box: the curves of the chosen split's rows, the class kept
    ev.split.setCurrentIndex(ev.split.findData("train"))
    qtbot.waitUntil(lambda: len(tv.y) == ev.results["train"].n, timeout=10_000)
    assert tv.chosen_class() == 2 and "training rows" in tv.figures.text()
