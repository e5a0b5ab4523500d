"""The Evaluation tab's chart: the ROC curve, then predicted vs actual, each in its own range."""
from __future__ import annotations

import numpy as np

from nnstudio.core.evaluate import Evaluation
from nnstudio.core.model.spec import Task
from nnstudio.ui.evaluation.figures import ChartBox


def test_predicted_vs_actual_after_a_roc_curve_shows_its_points(qtbot):
    """A binary model's ROC curve sets the range to 0..1; a regression model evaluated next (a
    new example, the same tab) drew its points outside it, on empty axes."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p1 = np.clip(y * 0.6 + rng.random(200) * 0.5, 0, 1)
    binary = Evaluation("test", Task.BINARY, 200, 0.3, {"accuracy": 0.9, "roc_auc": 0.95},
                        classes=[0, 1], y_true=y, y_pred=(p1 > 0.5).astype(int),
                        output=p1[:, None], roc=(np.array([0, 0.2, 1]), np.array([0, 0.8, 1])))
    price = rng.uniform(100, 1200, 200)
    regression = Evaluation("test", Task.REGRESSION, 200, 700.0, {"mae": 21.5, "r2": 0.97},
                            y_true=price, y_pred=price + rng.normal(0, 20, 200))
    box = ChartBox()
    qtbot.addWidget(box)
    box.resize(400, 300)
    box.show()
    box.draw(binary, "class")
    (x0, x1), (y0, y1) = box.chart.getPlotItem().vb.viewRange()
    assert x0 <= 0 and x1 >= 1 and x1 < 1.5
    box.draw(regression, "Price")
    (x0, x1), (y0, y1) = box.chart.getPlotItem().vb.viewRange()
    lo, hi = min(price.min(), regression.y_pred.min()), max(price.max(), regression.y_pred.max())
    assert x0 <= lo and x1 >= hi and y0 <= lo and y1 >= hi  # every point is in sight
    assert x1 - x0 < 1.3 * (hi - lo)  # and not lost in a far wider range
