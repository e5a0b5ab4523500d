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


def test_a_legend_too_long_for_its_row_is_a_column_inside_the_plot():
    """Six classes' ROC curves in the report: the legend's one row ran past the picture's right
    edge after three and a half entries. Entries that do not fit are a column in the plot's
    bottom right corner, every one inside the picture; two short ones keep their row."""
    series = [([0, 1], [0, 1], f"{c}: AUC 0.99{c}", False) for c in range(6)]
    svg = svgplot.lines(series, title="ROC", xlabel="x", ylabel="y", xrange=(0, 1), yrange=(0, 1))
    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)">(\d: AUC [\d.]+)</text>', svg)
    assert [t[2] for t in texts] == [f"{c}: AUC 0.99{c}" for c in range(6)]
    xs, ys = {float(t[0]) for t in texts}, [float(t[1]) for t in texts]
    assert len(xs) == 1 and max(xs) + 6.5 * 13 <= svgplot.W  # one column, inside the picture
    assert ys == sorted(ys) and min(ys) > svgplot.PAD_T and max(ys) < svgplot.H - svgplot.PAD_B
    two = svgplot.lines(series[:2], title="t", xlabel="x", ylabel="y")
    assert {y for _x, y, _t in re.findall(r'<text x="([\d.]+)" y="([\d.]+)">(\d: AUC [\d.]+)</text>', two)} == {"34"}
