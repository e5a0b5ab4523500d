"""The report's SVG charts (core/svgplot.py) draw a long curve with the points a reader can see."""
from __future__ import annotations

import re

import numpy as np

from nnstudio.core import svgplot


def test_a_curve_of_one_point_per_row_is_drawn_with_its_distinct_pixels_only():
    rng = np.random.default_rng(0)
    y_true = rng.random(200_000) < 0.3
    order = np.argsort(-(0.3 * y_true + rng.random(200_000)))
    tpr = np.r_[0, np.cumsum(y_true[order])] / y_true.sum()
    fpr = np.r_[0, np.cumsum(~y_true[order])] / (~y_true).sum()
    svg = svgplot.lines([(fpr, tpr, "AUC", False)], title="ROC curve", xlabel="fpr", ylabel="tpr",
                        xrange=(0, 1), yrange=(0, 1))
    curves = re.findall(r'<polyline points="([^"]+)"', svg)
    drawn = max(curves, key=len).split(" ")
    assert 100 < len(drawn) < 10_000  # of 200,001 points
    assert all(a != b for a, b in zip(drawn, drawn[1:]))  # no point drawn twice in a row
    first, last = drawn[0].split(","), drawn[-1].split(",")
    assert float(first[0]) < float(last[0]) and float(first[1]) > float(last[1])  # (0, 0) to (1, 1)
    assert len(svg) < 200_000
