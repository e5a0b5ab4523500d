"""The Threshold tab computes its curves when it is seen: every evaluation of a live run gave it
new rows, and on 640,000 rows each cost most of a second on the GUI thread, tab hidden or not."""
from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core import threshold as th
from nnstudio.ui.evaluation.threshold import ThresholdView


def test_the_curves_are_computed_when_the_tab_is_shown(qtbot, monkeypatch):
    calls = []
    real = th.curves
    monkeypatch.setattr(th, "curves", lambda y, s: calls.append(len(y)) or real(y, s))
    view = ThresholdView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(int)
    score = np.clip(0.4 * y + rng.random(400) * 0.6, 0, 1)
    for _ in range(3):  # three live evaluations while the tab is hidden
        view.show_rows(y, score, ["no", "yes"], 0.4, "test rows")
    assert calls == [] and view.curves is None
    view.show()
    assert calls == [400] and view.curves is not None
    assert view.threshold() == pytest.approx(0.4) and view.current.confusion.sum() == 400
    assert "On the test rows, at <b>0.400</b>" in view.figures.text()
    view.show_rows(y[:200], score[:200], ["no", "yes"], 0.6, "validation rows")  # seen: at once
    assert calls == [400, 200] and view.current.confusion.sum() == 200
    assert view.threshold() == pytest.approx(0.6)


def test_each_plot_is_drawn_whole_in_the_room_it_has_at_1280_by_720(qtbot):
    """Beside the ROC curve at 1280 x 720 a plot is 194 pixels wide: 'Precision-recall: AP 1.000'
    and 'Calibration: Brier 0.000' as titles made those plots wider than their room, cut at the
    right (the title, the last tick, the axis label)."""
    view = ThresholdView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(1)
    y = (rng.random(400) < 0.3).astype(int)
    view.show_rows(y, np.clip(0.5 * y + rng.random(400) * 0.5, 0, 1), ["no", "yes"], 0.5, "test rows")
    view.resize(412, 450)  # its room in the Evaluation tab at 1280 x 720
    view.show()
    plots = (view.roc, view.pr, view.cal)

    def whole() -> bool:
        return all(p.getPlotItem().sceneBoundingRect().right() <= p.width() + 0.5 for p in plots)
    qtbot.waitUntil(lambda: view.pr.width() < 210 and whole(), timeout=3000)
    for plot in plots:
        item = plot.getPlotItem()
        labels = [text for level in item.getAxis("bottom")._tickLevels or [] for _, text in level if text]
        assert labels == ["0", "0.5", "1"]


def test_a_suggested_threshold_is_chosen_on_other_rows_than_those_it_is_judged_on(qtbot):
    """'Best F1' chose the threshold with the highest F1 on the test rows and then showed the test
    rows' F1 at it: a figure tuned on the rows that are meant to judge it, higher than the network
    would score on new rows, and nothing said so. The suggestion is taken on the tuning rows
    (validation, else training) and the figures say which."""
    view = ThresholdView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(2)
    y_test = (rng.random(300) < 0.1).astype(int)
    s_test = np.clip(0.3 * y_test + rng.random(300) * 0.7, 0, 1)
    y_val = (rng.random(500) < 0.1).astype(int)
    s_val = np.clip(0.3 * y_val + rng.random(500) * 0.7, 0, 1)
    view.show_rows(y_test, s_test, ["no", "yes"], 0.5, "test rows", tune=(y_val, s_val, "validation rows"))
    view.show()
    view.best_f1.click()
    assert view.threshold() == pytest.approx(th.best_threshold(y_val, s_val, "f1"), abs=1e-3)
    assert view.threshold() != pytest.approx(th.best_threshold(y_test, s_test, "f1"), abs=1e-3)
    assert "Best F1 on the 500 validation rows" in view.figures.text()
    assert "On the test rows" in view.figures.text()
    view.spin.setValue(0.3)  # moved by hand: no longer a suggestion
    assert "Best F1" not in view.figures.text()
    view.show_rows(y_test, s_test, ["no", "yes"], 0.5, "test rows")  # nothing else to tune on
    view.best_bal.click()
    assert view.threshold() == pytest.approx(th.best_threshold(y_test, s_test, "balanced_accuracy"), abs=1e-3)
    assert "chosen on these rows themselves: their figures flatter it" in view.figures.text()


def test_a_threshold_above_every_score_gives_no_precision(qtbot):
    """Above every row's score no row is called 'yes': precision is 0/0, not 0.000 ('every row
    called yes is wrong')."""
    view = ThresholdView()
    qtbot.addWidget(view)
    rng = np.random.default_rng(3)
    y = (rng.random(200) < 0.3).astype(int)
    view.show_rows(y, np.clip(0.3 * y + rng.random(200) * 0.5, 0, 0.8), ["no", "yes"], 0.5, "test rows")
    view.show()
    assert "precision <b>1.000</b> (of the rows called yes" in view.figures.text()
    view.spin.setValue(0.95)
    text = view.figures.text()
    assert "precision <b>—</b> (no row is called yes" in text and "0 rows called yes" in text
    assert "precision <b>0.000" not in text


def test_a_class_of_a_few_rows_says_its_curves_are_steps_of_a_row(qtbot):
    """Wine quality 3 has 2 test rows: its ROC AUC 0.984 and its curves were shown like any other
    class's. Each of its rows moves the AUC by up to 1/2: the text says so."""
    rng = np.random.default_rng(4)
    y = np.array([0] * 2 + [1] * 150 + [2] * 148)
    proba = rng.dirichlet([1, 1, 1], size=len(y))
    proba[np.arange(len(y)), y] += 1.0
    proba /= proba.sum(axis=1, keepdims=True)
    view = ThresholdView()
    qtbot.addWidget(view)
    view.show_classes(y, proba, th.one_vs_rest(y, proba, ["3", "5", "6"]), "test rows")
    view.show()
    view.class_table.selectRow(0)
    qtbot.waitUntil(lambda: "<b>3</b> against" in view.figures.text(), timeout=3000)
    assert "Only 2 test rows are 3: each moves its ROC AUC by up to 0.50" in view.figures.text()
    view.class_table.selectRow(1)
    qtbot.waitUntil(lambda: "<b>5</b> against" in view.figures.text(), timeout=3000)
    assert "Only" not in view.figures.text()
