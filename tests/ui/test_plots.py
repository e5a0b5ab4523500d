"""Plot legends stay readable: grid lines run under a floating legend, not through its labels."""
from __future__ import annotations

from nnstudio.ui.experiments.runs_panel import RunsPanel
from nnstudio.ui.state import AppState
from nnstudio.ui.timeline.health_view import HealthView
from nnstudio.ui.training.curves import CurvesView


def test_grid_lines_are_drawn_under_the_curves_legends(qtbot):
    state = AppState()
    curves, runs, health = CurvesView(state), RunsPanel(state), HealthView(state)
    for w in (curves, runs, health):
        qtbot.addWidget(w)
    plots = [curves.loss_plot, curves.metric_plot, runs.plot, health.g_plot, health.f_plot]
    for plot in plots:
        legend = plot.legend
        assert legend is not None and legend.parentItem() is plot.vb  # floats over the view
        assert legend.opts["brush"].color().alpha() >= 200  # on a near-opaque background
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            assert axis.grid is not False  # the grid is still shown ...
            # ... by an axis stacked under the view, so under the legend and the curves
            assert axis.zValue() < plot.vb.zValue()
