"""The clickable bar chart of the importance and attribution views (issue 20)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt


def test_a_click_on_a_bar_names_its_column(qtbot):
    from nnstudio.ui.evaluation.bars import HBarChart

    chart = HBarChart()
    qtbot.addWidget(chart)
    chart.resize(500, 300)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_bars(["tenure", "calls", "region"], [0.3, -0.1, 0.01], [0.02, 0.01, 0.005])
    assert chart.label_at(2.0) == "tenure" and chart.label_at(0.0) == "region"
    assert chart.label_at(1.5) is None and chart.label_at(7) is None
    vb = chart.getPlotItem().vb
    got = []
    chart.bar_clicked.connect(got.append)
    for label, (x, y) in (("calls", (-0.05, 1.0)), ("tenure", (0.15, 2.0))):
        scene = vb.mapViewToScene(QPointF(x, y))
        pos = chart.mapFromScene(scene)
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.waitUntil(lambda label=label: got and got[-1] == label, timeout=3000)
    assert got == ["calls", "tenure"]


def test_long_column_names_leave_the_bars_room(qtbot):
    """A weather file's columns ("wind speed (km/h) — gusts included, averaged over the whole
    day") took the whole width of "Why this prediction" for their labels: no bar was left to see.
    The axis shows them cut with "…"; a click still names the whole column."""
    from nnstudio.ui.evaluation.bars import MAX_LABEL_CHARS, HBarChart

    long = "wind speed (km/h) — gusts included, averaged over the whole day"
    chart = HBarChart()
    qtbot.addWidget(chart)
    chart.resize(420, 200)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_bars([long, "rain"], [0.3, -0.1])
    ticks = chart.getPlotItem().getAxis("left")._tickLevels[0]
    shown = [t[1] for t in ticks]
    assert shown[0] == long[:MAX_LABEL_CHARS - 1] + "…" and shown[1] == "rain"
    assert chart.label_at(1.0) == long  # the click names the whole column
    axis_w = chart.getPlotItem().getAxis("left").width()
    assert axis_w < chart.width() / 2, axis_w  # the bars keep most of the width


def test_metric_names_fit_their_columns_on_a_small_screen(qtbot):
    """The metrics table shares its width between its columns; a long name goes on two lines,
    each of which fits its column at the width the Evaluation tab has at 1280 x 720."""
    import numpy as np

    from nnstudio.core.evaluate import Evaluation
    from nnstudio.core.model.spec import Task
    from nnstudio.ui.evaluation.figures import MetricsTable

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(y * 0.6 + rng.random(200) * 0.5, 0, 1)
    e = Evaluation("test", Task.BINARY, 200, 0.3, {"accuracy": 0.9}, classes=[0, 1], y_true=y,
                   y_pred=(p1 > 0.5).astype(int), output=p1[:, None])
    table = MetricsTable()
    qtbot.addWidget(table)
    table.resize(760, 100)  # narrower than at 1280 x 720 (835 px): room for small fonts
    table.show()
    table.show_results({"test": e}, Task.BINARY, y)
    qtbot.wait(50)
    header = table.horizontalHeader()
    names = [table.horizontalHeaderItem(j).toolTip() for j in range(table.columnCount())]
    assert "balanced accuracy" in names
    metrics = header.fontMetrics()
    for j in range(table.columnCount()):
        for line in table.horizontalHeaderItem(j).text().split("\n"):
            assert metrics.horizontalAdvance(line) + 6 <= header.sectionSize(j), (line, header.sectionSize(j))


def test_the_metrics_table_shows_every_split_when_filled_while_hidden(qtbot):
    """The figures arrive while the Evaluation tab is hidden (training ends on the Training tab):
    the table's height must still hold its two-line header and every split's row (digits showed
    two rows and a scroll bar)."""
    import numpy as np

    from nnstudio.core.evaluate import Evaluation
    from nnstudio.core.model.spec import Task
    from nnstudio.ui.evaluation.figures import MetricsTable

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(y * 0.6 + rng.random(200) * 0.5, 0, 1)
    results = {s: Evaluation(s, Task.BINARY, 200, 0.3, {"accuracy": 0.9}, classes=[0, 1], y_true=y,
                             y_pred=(p1 > 0.5).astype(int), output=p1[:, None])
               for s in ("train", "val", "test")}
    table = MetricsTable()
    qtbot.addWidget(table)
    table.resize(760, 100)
    table.show_results(results, Task.BINARY, y)  # filled while hidden
    table.show()
    qtbot.waitExposed(table)
    qtbot.wait(50)
    assert any("\n" in table.horizontalHeaderItem(j).text() for j in range(table.columnCount()))
    assert table.verticalScrollBar().maximum() == 0  # nothing scrolled out of sight


def test_the_per_class_table_shows_the_macro_average_label_whole(qtbot):
    """In a narrow Evaluation tab the class column was stretched like the numbers' and "average
    (macro)" wrapped onto a second line that its row had no room for."""
    import numpy as np

    from nnstudio.core.evaluate import Evaluation, per_class_scores
    from nnstudio.core.model.spec import Task
    from nnstudio.ui.evaluation.figures import ConfusionBox

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(y * 0.6 + rng.random(200) * 0.5, 0, 1)
    e = Evaluation("test", Task.BINARY, 200, 0.3, {"accuracy": 0.9}, classes=[0, 1], y_true=y,
                   y_pred=(p1 > 0.5).astype(int), output=p1[:, None],
                   confusion=np.array([[80, 20], [10, 90]]),
                   per_class=per_class_scores(np.array([[80, 20], [10, 90]]), [0, 1]))
    box = ConfusionBox()
    qtbot.addWidget(box)
    box.resize(345, 320)  # its size in the Evaluation tab at 1280 x 720
    box.show()
    box.show_evaluation(e)
    qtbot.wait(50)
    t = box.per_class
    last = t.rowCount() - 1
    assert t.item(last, 0).text() == "macro avg"
    width = t.fontMetrics().horizontalAdvance("macro avg")
    assert t.columnWidth(0) >= width + 6  # on one line, whole
    # a binary model's three rows are shown whole, and every heading has its room
    assert not t.verticalScrollBar().isVisible()
    heads = t.horizontalHeader()
    for c in range(t.columnCount()):
        text = t.horizontalHeaderItem(c).text()
        assert heads.sectionSize(c) >= heads.fontMetrics().horizontalAdvance(text) + 4, text


def test_the_leading_metrics_come_from_the_worker_not_the_gui_thread(qtbot, monkeypatch, tf_loaded):
    """compute_figures (on the evaluation's worker) ranks each split's metrics with scikit-learn;
    the table shows them without computing them again (1.7 s on the GUI thread at a million rows)."""
    from nnstudio.core.baselines import leading_metrics
    from nnstudio.core.model.build import build_model
    from nnstudio.core.project import Project
    from nnstudio.ui.evaluation import figures
    from nnstudio.ui.evaluation.figures import MetricsTable, compute_figures

    p = Project.from_example("circles")
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    out = compute_figures(model, data, p.settings.loss_for(data.task), None, 0.5)
    assert set(out["lead"]) == set(out["evals"])
    for split, e in out["evals"].items():
        assert out["lead"][split] == leading_metrics(e, data.y_train)

    def refuse(*_a, **_k):
        raise AssertionError("leading_metrics computed on the GUI thread")

    monkeypatch.setattr(figures, "leading_metrics", refuse)
    table = MetricsTable()
    qtbot.addWidget(table)
    table.show_results(out["evals"], data.task, data.y_train, out["lead"])
    names = [table.horizontalHeaderItem(j).toolTip() for j in range(table.columnCount())]
    assert names[:2] == ["rows", "loss"] and names[2:] == [label for _k, label, _v in out["lead"]["train"]]
    values = {k: v for k, _label, v in out["lead"]["train"]}  # row 0: the training split
    assert table.item(0, names.index("accuracy")).text() == f"{values['accuracy']:.4f}"



def test_the_per_class_table_shows_no_precision_for_a_class_never_answered(qtbot):
    """A class the network never answers has no precision (0/0): a dash saying why, not 0.000;
    and a class with no rows in the split has no recall."""
    import numpy as np

    from nnstudio.core.evaluate import evaluate_outputs
    from nnstudio.core.model.spec import Task
    from nnstudio.ui.evaluation.figures import ConfusionBox

    y = np.array([0, 0, 1, 1, 1, 1])
    out = np.eye(3)[[1, 1, 1, 1, 1, 2]]  # never '3'; '8' answered once, and has no rows
    e = evaluate_outputs(y, out, Task.MULTICLASS, classes=[3, 5, 8])
    box = ConfusionBox()
    qtbot.addWidget(box)
    box.show_evaluation(e)
    t = box.per_class
    assert t.item(0, 0).text() == "3" and t.item(0, 1).text() == "—"
    assert "never answers 3" in t.item(0, 1).toolTip() and "undefined" in t.item(0, 1).toolTip()
    assert t.item(0, 2).text() == "0.000"  # recall: none of its 2 rows found, a real 0
    assert t.item(1, 1).text() == "0.600"  # 3 of its 5 answers right
    assert t.item(2, 2).text() == "—" and "no rows" in t.item(2, 2).toolTip()
    assert "as 0" in t.item(3, 1).toolTip()  # the macro average says how it counted them


def test_an_accuracy_cell_gives_its_interval(qtbot):
    """8 test rows all right read 1.0000 like 2,000 rows all right: each accuracy cell's tooltip
    gives the split's 95 % interval, and says so where it is loose."""
    import numpy as np

    from nnstudio.core.evaluate import Evaluation
    from nnstudio.core.model.spec import Task
    from nnstudio.ui.evaluation.figures import MetricsTable

    def ev(split, n, right):
        y = np.array([0, 1] * (n // 2))
        pred = y.copy()
        pred[: n - right] = 1 - pred[: n - right]
        return Evaluation(split, Task.BINARY, n, 0.3, {"accuracy": right / n}, classes=[0, 1],
                          y_true=y, y_pred=pred, output=pred[:, None].astype(float))
    results = {"train": ev("train", 2000, 1900), "test": ev("test", 8, 8)}
    table = MetricsTable()
    qtbot.addWidget(table)
    table.show_results(results, Task.BINARY, results["train"].y_true)
    col = next(j for j in range(table.columnCount())
               if table.horizontalHeaderItem(j).toolTip() == "accuracy")
    test_tip = table.item(1, col).toolTip()
    assert "95 % interval 0.676–1.000" in test_tip and "8 rows" in test_tip and "loose" in test_tip
    train_tip = table.item(0, col).toolTip()
    assert "95 % interval 0.940–0.959" in train_tip and "loose" not in train_tip
