"""Plot legends stay readable: grid lines run under a floating legend, not through its labels,
and a legend laid out under a plot has room for its labels."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from nnstudio.ui.experiments.runs_panel import RunsPanel
from nnstudio.ui.state import AppState
from nnstudio.ui.timeline.health_view import HealthView
from nnstudio.ui.training.curves import CurvesView


def test_grid_lines_are_drawn_under_the_curves_legends(qtbot):
    state = AppState()
    curves, runs, health = CurvesView(state), RunsPanel(state), HealthView(state)
    for w in (curves, runs, health):
        qtbot.addWidget(w)
    plots = [curves.loss_plot, curves.metric_plot, runs.plot]
    for plot in plots:
        legend = plot.legend
        assert legend is not None and legend.parentItem() is plot.vb  # floats over the view
        assert legend.opts["brush"].color().alpha() >= 200  # on a near-opaque background
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            assert axis.grid is not False  # the grid is still shown ...
            # ... by an axis stacked under the view, so under the legend and the curves
            assert axis.zValue() < plot.vb.zValue()
    # the Health tab's gradient norm runs along the top of its plot: its legends go under the plots
    health.resize(900, 600)
    health.show()
    qtbot.waitExposed(health)
    for plot in (health.g_plot, health.f_plot):
        plot.layout.activate()
        assert plot.legend is not None and plot.legend.parentItem() is plot
        assert plot.legend.geometry().top() >= plot.vb.geometry().bottom()


def test_a_legend_below_a_plot_is_given_the_height_of_its_rows(qtbot):
    """The Data tab's histogram legend was given 21 px for a row that needs 21 plus the layout's
    margins, so its labels were cut off at the bottom of the plot."""
    from nnstudio.ui.common.plots import legend_below

    for names in (["a = 0", "a = 1"], ["a = 0", "a = 1", "a = 2"], ["a long label " * 3, "b"]):
        widget = pg.PlotWidget(background="w")
        qtbot.addWidget(widget)
        widget.resize(400, 260)
        legend = legend_below(widget, labelTextSize="8pt")
        for i, name in enumerate(names):
            widget.plot([0, 1], [i, i + 1], name=name)
        widget.show()
        qtbot.waitExposed(widget)
        widget.getPlotItem().layout.activate()
        assert len(legend.items) == len(names)
        box = legend.geometry()
        plot = widget.getPlotItem().geometry()
        assert box.bottom() <= plot.bottom() + 0.5  # the legend is inside the plot ...
        for sample, label in legend.items:  # ... and so is every row of it
            for item in (sample, label):
                assert item.geometry().bottom() <= box.height() + 0.5


def test_log_axes_label_one_two_five_of_each_decade_in_plain_numbers_where_short(qtbot):
    import numpy as np

    from nnstudio.ui.common.plots import SparseLogAxis

    axis = SparseLogAxis("left")
    axis.setLogMode(False, True)
    values = np.log10([20.0, 30.0, 50.0, 0.05, 0.07, 200_000.0])
    labels = axis.tickStrings(list(values), 1.0, 1.0)
    assert labels[:5] == ["20", "", "50", "0.05", ""]
    assert labels[5] == "200k"  # short, as the linear axes write it
    axis.setLogMode(False, False)  # a linear axis is pyqtgraph's own
    assert axis.tickStrings([20.0, 30.0], 1.0, 10.0) == ["20", "30"]


def test_a_log_axis_over_less_than_a_factor_of_two_still_has_labels(qtbot):
    """A regression on prices in dollars: the loss sat at 5.5e11 for the whole run, and the log
    axis (the default for losses) showed no number at all: no 1, 2 or 5 of a decade in range."""
    import numpy as np

    from nnstudio.ui.common.plots import SparseLogAxis

    axis = SparseLogAxis("left")
    axis.setLogMode(False, True)
    lo, hi = np.log10(5.50e11), np.log10(5.56e11)
    values = [v for _, level in axis.tickValues(lo, hi, 200) for v in level]
    labels = [s for s in axis.tickStrings(values, 1.0, 1.0) if s]
    assert len(labels) >= 2 and all(lo <= v <= hi for v in values), (values, labels)
    assert all(s.startswith("5.5") for s in labels), labels  # the values themselves, e.g. 5.52e+11
    # a loss near the float range's end (a run diverging): 10 ** 308.4 is past it, no failure
    assert isinstance(axis.tickValues(308.2, 308.4, 200), list)
    wide = [v for _, level in axis.tickValues(0.0, 3.0, 200) for v in level]  # decades: as before
    assert {"1", "10", "100"} <= set(axis.tickStrings(wide, 1.0, 1.0))
    # a mean absolute error in dollars falling from 80,000 to 30,000: "8e+04" beside a loss axis
    # of 10⁹ read as another notation for the same kind of number; as a person writes them
    lo, hi = np.log10(30_000), np.log10(85_000)
    values = [v for _, level in axis.tickValues(lo, hi, 200) for v in level]
    labels = [s for s in axis.tickStrings(values, 1.0, 1.0) if s]
    assert labels == ["40k", "60k", "80k"], labels  # as a linear axis of dollars writes them
    decade = [v for _, level in axis.tickValues(np.log10(3000), np.log10(12_000), 200) for v in level]
    assert {"5,000", "10k"} <= set(axis.tickStrings(decade, 1.0, 1.0))
    decades = [v for _, level in axis.tickValues(np.log10(20_000), np.log10(3e6), 200) for v in level]
    assert {"50k", "100k", "200k", "1M", "2M"} <= set(axis.tickStrings(decades, 1.0, 1.0))


def test_labelled_axes_show_values_under_one_as_they_are(qtbot):
    """pyqtgraph rescales a labelled axis whose values stay under 1: a column of rates 0..0.5 was
    drawn as 0..500 "(x0.001)". The Data tab's histogram and the Health tab show them as they are."""
    import numpy as np
    import pandas as pd

    from nnstudio.core.data.dataset import Dataset
    from nnstudio.core.project import Project
    from nnstudio.ui.data.charts import draw_histogram

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"rate": rng.uniform(0, 0.5, 200), "y": rng.integers(0, 2, 200)})
    project = Project.from_dataset(Dataset(frame, "rates"), "y")
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    draw_histogram(plot, None, project, "rate", project.dataset.profile("rate"))
    plot.setXRange(0, 0.5, padding=0)
    axis = plot.getAxis("bottom")
    assert axis.range[1] == 0.5 and axis.autoSIPrefixScale == 1.0
    assert "x0.001" not in axis.labelString()


def test_a_histogram_of_values_near_the_largest_float_draws_without_overflow(qtbot):
    """A corpus file holding ±1e308: the bars' centres overflowed to inf (NumPy warnings) and the
    histogram was an empty frame. The two values are drawn as two bars, by name."""
    import warnings

    import numpy as np
    import pandas as pd

    from nnstudio.core.data.dataset import Dataset
    from nnstudio.core.project import Project
    from nnstudio.ui.data.charts import draw_histogram

    frame = pd.DataFrame({"x1": [1e308, -1e308] * 15, "y": [0, 1, 1] * 10})
    project = Project.from_dataset(Dataset(frame, "huge"), "y")
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw_histogram(plot, None, project, "x1", project.dataset.profile("x1"))
    bars = [i for i in plot.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert bars and all(np.isfinite(b.opts["x"]).all() for b in bars)
    ticks = [t for _v, t in plot.getAxis("bottom")._tickLevels[0]]
    assert sorted(ticks) == ["-1e+308", "1e+308"]


def test_count_axes_label_thousands_and_millions_short():
    """The Data tab's histogram axis is a few characters wide: a million-row column's counts
    (40000, 60000) did not fit and only 0 was labelled."""
    from nnstudio.ui.common.plots import CountAxis, short_count

    assert [short_count(v) for v in (0, 800, 7500, 40_000, 125_000, 2_500_000)] == \
        ["0", "800", "7500", "40k", "125k", "2.5M"]
    assert CountAxis("left").tickStrings([0, 20_000, 40_000], 1.0, 20_000) == ["0", "20k", "40k"]


def test_a_curve_of_one_point_per_row_is_thinned_to_what_a_plot_can_show():
    """The ROC and precision-recall curves of 600,000 rows were 600,000 line segments: 0.3-0.7 s
    for each repaint of the Evaluation and Threshold tabs. Thinned, they look the same."""
    from nnstudio.ui.common.plots import thinned

    rng = np.random.default_rng(0)
    y_true = rng.random(600_000) < 0.3
    order = np.argsort(-(0.3 * y_true + rng.random(600_000)))
    tpr = np.r_[0, np.cumsum(y_true[order])] / y_true.sum()
    fpr = np.r_[0, np.cumsum(~y_true[order])] / (~y_true).sum()
    x, y = thinned(fpr, tpr)
    assert 100 < len(x) <= 4001 and (x[0], y[0], x[-1], y[-1]) == (0, 0, 1, 1)
    # kept points are rows of the curve in order; the curve climbs in both coordinates, so every
    # row left out lies between two kept neighbours, which are under a pixel apart (500 px plot)
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) >= 0)
    assert np.isin(x, fpr).all() and np.isin(y, tpr).all()
    assert np.max(np.abs(np.diff(x)) + np.abs(np.diff(y))) < 2e-3
    short = (np.array([0, 0.5, 1.0]), np.array([0, 0.7, 1.0]))
    assert all(np.array_equal(a, b) for a, b in zip(thinned(*short), short))


def test_a_seed_band_skips_what_diverged_and_ends_with_the_shortest_seed(qtbot):
    """Repeat's band (CurvesView.show_seeds): a seed that diverged (inf, NaN) has no value where
    it diverged, an early-stopped seed ends the band, and one seed draws none."""
    import numpy as np

    curves = CurvesView()
    qtbot.addWidget(curves)
    curves.set_history({"loss": [1.0, 0.5, 0.4], "accuracy": [0.5, 0.6, 0.7]}, "accuracy")
    curves.show_seeds([{"loss": [1.0, 0.5, 0.4], "accuracy": [0.5, 0.6, 0.7]},
                       {"loss": [2.0, np.inf, np.nan, 9.0], "accuracy": [0.4, 0.5, 0.5, 0.5]},
                       {"loss": [1.5, 0.7, 0.2, 0.1], "accuracy": [0.6, 0.7, 0.8, 0.9]}])
    lo, hi = curves.seed_bands["loss"]
    np.testing.assert_allclose(lo, [1.0, 0.5, 0.2])
    np.testing.assert_allclose(hi, [2.0, 0.7, 0.4])  # the diverged seed's inf is left out
    assert set(curves.seed_bands) == {"loss", "accuracy"}  # no validation curves: no band
    assert "range of 3 seeds" in curves.loss_plot.titleLabel.text
    curves.show_seeds([{"loss": [1.0], "accuracy": [0.5]}])
    assert curves.seed_bands == {} and curves.loss_plot.titleLabel.text == "Loss"


def test_linear_axes_write_large_whole_numbers_short(qtbot):
    """A regression on prices in dollars labelled its predicted-vs-actual axes, the surface's
    axes and the Data tab's histograms 50000, 100000, 150000 and a million as 1e+06; written in
    full with separators (1,000,000) the labels ran into each other under the plot. As the row
    count axes do: 50k, 1M; four digits (a year) as they are."""
    from nnstudio.ui.common.plots import plain_numbers

    widget = pg.PlotWidget(background="w")
    qtbot.addWidget(widget)
    plain_numbers(widget)
    axis = widget.getPlotItem().getAxis("bottom")
    assert axis.tickStrings([50_000.0, 100_000.0, 150_000.0], 1.0, 50_000.0) == ["50k", "100k", "150k"]
    assert axis.tickStrings([1e6, 1.2e6], 1.0, 2e5) == ["1M", "1.2M"]
    assert axis.tickStrings([-12_500.0, 0.0], 1.0, 12_500.0) == ["-12.5k", "0"]
    assert axis.tickStrings([1960.0, 1980.0], 1.0, 20.0) == ["1960", "1980"]
    # fractions as pyqtgraph writes them; from a billion on, its 2e+09
    assert axis.tickStrings([0.5, 1.0, 1.5], 1.0, 0.5) == ["0.5", "1.0", "1.5"]
    assert axis.tickStrings([12_345.5, 12_346.0], 1.0, 0.5) == ["12345.5", "12346"]
    assert axis.tickStrings([2e9, 4e9], 1.0, 2e9) == ["2e+09", "4e+09"]
    wrapped = axis.tickStrings
    plain_numbers(widget)  # a chart calls it on every redraw: the axis is wrapped once
    assert axis.tickStrings is wrapped
    left = widget.getPlotItem().getAxis("left")
    left.setLogMode(False, True)  # a log axis keeps its own labels
    assert left.tickStrings([1.0, 2.0], 1.0, 1.0) == pg.AxisItem.tickStrings(left, [1.0, 2.0], 1.0, 1.0)


def test_the_epoch_axis_ticks_whole_epochs_only(qtbot):
    """A three-epoch run's curves were ticked 1.0, 1.5, 2.0, 2.5, 3.0, as if a half epoch had a
    point; a long run keeps pyqtgraph's steps."""
    from nnstudio.ui.common.plots import EpochAxis

    axis = EpochAxis("bottom")

    def ticks(lo, hi, size=400):
        return sorted(v for _, level in axis.tickValues(lo, hi, size) for v in level)

    assert ticks(0.9, 3.1) == [1.0, 2.0, 3.0]
    assert axis.tickStrings([1.0, 2.0, 3.0], 1.0, 1.0) == ["1", "2", "3"]
    assert ticks(0.95, 1.05) == [1.0]  # a one-epoch run
    assert ticks(1.2, 1.8) == []  # zoomed in between two epochs: nothing false
    levels = axis.tickValues(0, 1000, 400)
    assert levels and min(spacing for spacing, _ in levels) >= 10  # pyqtgraph's own steps
    assert 1000.0 in ticks(0, 1000)
    # the Training tab's curves use it
    from nnstudio.ui.training.curves import CurvesView

    view = CurvesView()
    qtbot.addWidget(view)
    assert isinstance(view.loss_plot.getAxis("bottom"), EpochAxis)
