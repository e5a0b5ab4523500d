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
