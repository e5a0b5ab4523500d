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
