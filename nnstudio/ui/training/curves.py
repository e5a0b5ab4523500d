"""Live loss and metric curves (pyqtgraph), training and validation, growing epoch by epoch."""
from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QVBoxLayout, QWidget

from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.engine import metric_name
from nnstudio.ui.common.plots import EpochAxis, SparseLogAxis, floating_legend, light_grid, place_legend

# One-pixel pens: Qt strokes a wider pen through its general path stroker, which made one repaint
# of the four curves cost 30-60 ms of GUI time instead of 3 (measured in docs/surface.md).
TRAIN_PEN = pg.mkPen("#1f77b4", width=1)
VAL_PEN = pg.mkPen("#ff7f0e", width=1)
#: Grid lines: opaque and light. pyqtgraph draws its grid with translucent lines by default, and
#: Qt's raster engine blends those pixel by pixel: ~20 ms a repaint for the two plots.
STALE_PEN = pg.mkPen("#b0b0b0", width=1)
#: the accuracy axis spans -margin..1+margin, so curves at exactly 0 or 1 stay visible
ACCURACY_MARGIN = 0.04


class CurvesView(QWidget):
    """Two stacked plots sharing the epoch axis: loss, and accuracy (or MAE for regression).

    Given the app's state, it follows it like every other view: cleared when the project, data or
    a run starts, growing with each report, marked with learning-rate changes when the run ends.
    ``set_history`` shows a finished history that is not the state's (a repeat's run, an opened model).
    """

    def __init__(self, state=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        # a regression's squared error falls by orders of magnitude (house prices: 150,000 to
        # 700), which flattens a linear axis after a few epochs: a log axis keeps the tail readable
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Loss (and a regression's MAE) on a logarithmic axis, so a curve "
                                  "that falls by orders of magnitude stays readable to its end. "
                                  "On by default for regression.")
        self.log_scale.toggled.connect(self._apply_log_scale)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 0)
        bar.addStretch(1)
        bar.addWidget(self.log_scale)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(bar)
        lay.addWidget(self.glw)
        self.loss_plot = self.glw.addPlot(row=0, col=0, title="Loss",
                                          axisItems={"left": SparseLogAxis("left"), "bottom": EpochAxis("bottom")})
        self.metric_plot = self.glw.addPlot(row=1, col=0, title="Accuracy",
                                            axisItems={"left": SparseLogAxis("left"), "bottom": EpochAxis("bottom")})
        self.metric_plot.setXLink(self.loss_plot)
        for p in (self.loss_plot, self.metric_plot):
            light_grid(p)  # grid lines at the labelled ticks
            p.setLabel("bottom", "epoch")
            floating_legend(p, (-10, 10))
            p.setMenuEnabled(True)
            # A long run has thousands of epochs per curve; stroking every one of them with a
            # 2-px antialiased pen cost ~6 ms a curve per repaint, on the GUI thread, while the
            # training thread needs the interpreter too. Peak downsampling draws about two points
            # per pixel column (the minimum and maximum of the epochs under it), so the shape,
            # spikes included, is what you would see anyway.
            p.setDownsampling(auto=True, mode="peak")
            p.setClipToView(True)
        self.curves = {
            "loss": self.loss_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_loss": self.loss_plot.plot([], [], pen=VAL_PEN, name="validation"),
            "metric": self.metric_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_metric": self.metric_plot.plot([], [], pen=VAL_PEN, name="validation"),
        }
        self.metric_key = "accuracy"
        self.history: dict[str, list[float]] = {}
        # after a Repeat: each epoch's (lowest, highest) over the seeds, per history key, drawn
        # as a band behind the run shown (show_seeds); the items drawing them
        self.seed_bands: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._band_items: list[tuple[pg.PlotItem, object]] = []
        self._marks: list[pg.InfiniteLine] = []
        # issue 19: the epoch the timeline scrubber shows (a line on both plots), and a branch's start
        self.epoch_lines = [pg.InfiniteLine(angle=90, movable=False,
                                            pen=pg.mkPen("#7a3db8", width=2)) for _ in range(2)]
        for line, plot in zip(self.epoch_lines, (self.loss_plot, self.metric_plot)):
            line.setZValue(20)
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
        # the coach's evidence (issue 19): the epochs of the selected finding, shaded on its plot
        self.evidence = {name: pg.LinearRegionItem(movable=False, brush=pg.mkBrush(230, 120, 0, 50),
                                                   pen=pg.mkPen(230, 120, 0, 120))
                         for name in ("loss", "metric")}
        for name, plot in (("loss", self.loss_plot), ("metric", self.metric_plot)):
            self.evidence[name].setZValue(-10)
            self.evidence[name].setVisible(False)
            plot.addItem(self.evidence[name], ignoreBounds=True)
        # Draw at most REDRAW_HZ times a second, whatever the rate of reports (the history itself
        # is always complete; flush() draws what is pending at once).
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.timeout.connect(self._redraw)
        self._last_redraw = 0.0
        self.reset(self.metric_key)
        if state is not None:
            state.project_changed.connect(self._on_data_changed)
            state.data_changed.connect(self._on_data_changed)
            state.training_started.connect(self._on_training_started)
            state.training_progress.connect(self._on_progress)
            state.training_finished.connect(self._on_finished)
            state.spec_changed.connect(self._on_spec_changed)
            state.model_changed.connect(self._on_model_changed)
            state.epoch_shown.connect(self._on_epoch_shown)
            state.finding_selected.connect(self._on_finding)
            self._on_data_changed()  # a reopened project may be a regression: its default scale

    # ----- following the state --------------------------------------------------------------------
    def _state_metric(self) -> str | None:
        try:
            return metric_name(self.state.project.task)
        except NNStudioError:  # a target that cannot be used: the Data tab explains it
            return None

    @Slot()
    def _on_data_changed(self) -> None:
        metric = self._state_metric()
        if metric is not None:
            self.reset(metric)
            self.log_scale.setChecked(metric != "accuracy")  # new data: the task's default

    @Slot()
    def _on_training_started(self) -> None:
        self.reset(self._state_metric() or "accuracy")
        self._on_epoch_shown(None)
        origin = getattr(self.state, "branch_origin", None)
        if origin:  # a branch (issue 19): its parent's curves up to the epoch it starts from
            self.history = {k: list(v) for k, v in origin.items()}
            self._redraw()

    @Slot(object)
    def _on_finding(self, finding) -> None:
        """Shade the epochs a coach finding points at (its evidence's from..to on its curve)."""
        ev = getattr(finding, "evidence", None) or {}
        plot = "loss" if "loss" in str(ev.get("curve", "")) else "metric"
        for name, region in self.evidence.items():
            shown = name == plot and "from" in ev and "to" in ev
            region.setVisible(shown)
            if shown:  # epochs are drawn at their number; the region covers whole epochs
                region.setRegion((float(ev["from"]) - 0.5, float(ev["to"]) + 0.5))

    @Slot(object)
    def _on_epoch_shown(self, shown) -> None:
        """The timeline scrubber moved (issue 19): a line at its epoch; None hides it."""
        for line in self.epoch_lines:
            line.setVisible(shown is not None)
            if shown is not None:
                line.setValue(shown.epoch)

    @Slot(object)
    def _on_progress(self, p) -> None:
        if p.new_rows:
            self.append(p.new_rows)

    @Slot()
    def _on_spec_changed(self) -> None:
        if not self.state.training and self.state.result is None:
            self.mark_stale("previous network")

    @Slot()
    def _on_model_changed(self) -> None:
        r = self.state.result
        if r is not None and self.state.restored and not self.state.training:  # Undo brought it back
            self.set_history(r.history, self._state_metric() or "accuracy")

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.flush()
        for epoch, lr in result.lr_changes:
            self.mark_learning_rate(epoch, lr)
        loss = np.asarray(self.history.get("loss", []), float)
        if getattr(result, "status", "") == "diverged" and not np.isfinite(loss).any():
            # nothing to draw: an empty plot under a bare title reads as broken
            self.loss_plot.setTitle(f"Loss: diverged in epoch {int(result.epochs_run) + 1}")

    REDRAW_HZ = 16

    def reset(self, metric: str = "accuracy") -> None:
        self._redraw_timer.stop()
        self._clear_seeds()
        self.metric_key = metric
        self.stale = ""
        self.loss_plot.setTitle("Loss")
        self.metric_plot.setTitle(self._metric_title())
        self._fix_metric_range()
        self._apply_log_scale()
        place_legend(self.metric_plot.legend, rising=metric == "accuracy")
        self.history = {}
        for name, c in self.curves.items():
            c.setData([], [])
            c.setPen(VAL_PEN if name.startswith("val_") else TRAIN_PEN)
        for name, plot in (("val_loss", self.loss_plot), ("val_metric", self.metric_plot)):
            if plot.legend.getLabel(self.curves[name]) is not None:  # no stale legend entries
                plot.legend.removeItem(self.curves[name])
        for m in self._marks:
            self.loss_plot.removeItem(m)
        self._marks.clear()

    @Slot()
    def _apply_log_scale(self, *_args) -> None:
        on = self.log_scale.isChecked()
        accuracy = self.metric_key == "accuracy"  # stays 0..1, on its fixed axis
        for plot, names, fixed in ((self.loss_plot, ("loss", "val_loss"), False),
                                   (self.metric_plot, ("metric", "val_metric"), accuracy)):
            log = on and not fixed
            plot.setLogMode(y=log)
            if not fixed and not any(self._drawn(n) for n in names):
                # An empty plot keeps the last run's range, and a log axis reads it as powers of
                # ten: after a diverged run (loss 1e30) and a new example, ticking Log scale made
                # pyqtgraph list the ticks of 10^0..10^(1e30), one decade at a time, and the window
                # hung, eating memory (monkey seed 44). Empty: a plain range, autoranged on data.
                plot.setYRange(*((-2.0, 1.0) if log else (0.0, 1.0)), padding=0)
                plot.getViewBox().enableAutoRange(axis=pg.ViewBox.YAxis, enable=True)

    def _drawn(self, name: str) -> int:
        """How many points curve ``name`` draws."""
        y = self.curves[name].getData()[1]
        return 0 if y is None else len(y)

    def _metric_title(self) -> str:
        return "Accuracy" if self.metric_key == "accuracy" else self.metric_key.upper()

    def _fix_metric_range(self) -> None:
        """Accuracy lives in 0..1: a fixed axis with a little margin, the same for every run, so a
        curve sitting at exactly 1.0 (or 0.0) is drawn inside the plot, not on its edge or off it."""
        vb = self.metric_plot.getViewBox()
        if self.metric_key == "accuracy":
            vb.enableAutoRange(axis=pg.ViewBox.YAxis, enable=False)
            self.metric_plot.setYRange(-ACCURACY_MARGIN, 1 + ACCURACY_MARGIN, padding=0)
        else:
            vb.enableAutoRange(axis=pg.ViewBox.YAxis, enable=True)

    def mark_stale(self, why: str) -> None:
        """The curves shown are from a previous run (``why``: e.g. 'previous network'): say so in
        the titles and grey the lines, until the next run or :meth:`reset`."""
        if not self.history.get("loss") or self.stale == why:
            return
        self.stale = why
        self._clear_seeds()
        note = f" — {why}: press Train"
        self.loss_plot.setTitle("Loss" + note, color="#b00000")
        self.metric_plot.setTitle(self._metric_title() + note, color="#b00000")
        for c in self.curves.values():
            c.setPen(STALE_PEN)

    def append(self, rows: dict[str, list[float]]) -> None:
        """Add epochs: drawn now, or within 1/REDRAW_HZ seconds of the last redraw."""
        for k, v in rows.items():
            self.history.setdefault(k, []).extend(v)
        if self._redraw_timer.isActive():
            return
        # Drawing as the report arrives (rather than at a timer's later, arbitrary moment) keeps
        # the repaint inside the engine's next compiled chunk, when training does not need the
        # interpreter lock.
        wait = 1.0 / self.REDRAW_HZ - (time.perf_counter() - self._last_redraw)
        if wait <= 0.005:
            self._redraw()
        else:
            self._redraw_timer.start(int(wait * 1000))

    def flush(self) -> None:
        """Draw everything appended so far now (at the end of a run)."""
        self._redraw_timer.stop()
        self._redraw()

    def set_history(self, history: dict[str, list[float]], metric: str = "accuracy") -> None:
        self.reset(metric)
        self.append(history)
        self.flush()

    def show_seeds(self, histories: list[dict[str, list[float]]]) -> None:
        """After a Repeat (the curves show one of its runs): behind them, each epoch's range over
        the seeds' ``histories``, training and validation, as a band in the curve's colour."""
        self._clear_seeds()
        if len(histories) < 2:
            return
        keys = {"loss": (self.loss_plot, TRAIN_PEN), "val_loss": (self.loss_plot, VAL_PEN),
                self.metric_key: (self.metric_plot, TRAIN_PEN),
                f"val_{self.metric_key}": (self.metric_plot, VAL_PEN)}
        for key, (plot, pen) in keys.items():
            curves = [np.asarray(h.get(key, []), float) for h in histories]
            curves = [c for c in curves if len(c)]
            if len(curves) < 2:
                continue
            n = min(len(c) for c in curves)  # early stopping: the epochs every seed ran
            stack = np.vstack([c[:n] for c in curves])
            stack[~np.isfinite(stack)] = np.nan  # a diverged seed: no band where it has no value
            # fmin/fmax skip NaN (NaN where every seed diverged) and, unlike nanmin, warn of nothing
            lo, hi = np.fmin.reduce(stack, axis=0), np.fmax.reduce(stack, axis=0)
            self.seed_bands[key] = (lo, hi)
            x = np.arange(1, n + 1)
            colour = pg.mkColor(pen.color())
            colour.setAlpha(45)
            edges = [plot.plot(x, y, pen=pg.mkPen(colour, width=1)) for y in (lo, hi)]
            band = pg.FillBetweenItem(*edges, brush=pg.mkBrush(colour))
            plot.addItem(band)
            for item in (*edges, band):
                item.setZValue(-5)  # behind the run shown
                self._band_items.append((plot, item))
        if self.seed_bands:
            note = f" (band: the range of {len(histories)} seeds)"
            self.loss_plot.setTitle("Loss" + note)
            self.metric_plot.setTitle(self._metric_title() + note)

    def _clear_seeds(self) -> None:
        for plot, item in self._band_items:
            plot.removeItem(item)
        self._band_items.clear()
        if self.seed_bands:  # the titles name the band: no more
            self.loss_plot.setTitle("Loss")
            self.metric_plot.setTitle(self._metric_title())
        self.seed_bands = {}

    def mark_learning_rate(self, epoch: int, lr: float) -> None:
        line = pg.InfiniteLine(pos=epoch + 0.5, angle=90, movable=False,
                               pen=pg.mkPen("#888", style=pg.QtCore.Qt.PenStyle.DashLine),
                               label=f"lr {lr:g}", labelOpts={"position": 0.9, "color": "#555"})
        self.loss_plot.addItem(line)
        self._marks.append(line)

    @property
    def epochs_shown(self) -> int:
        return len(self.history.get("loss", []))

    @Slot()
    def _redraw(self) -> None:
        self._last_redraw = time.perf_counter()
        keys = {"loss": "loss", "val_loss": "val_loss", "metric": self.metric_key,
                "val_metric": f"val_{self.metric_key}"}
        for name, key in keys.items():
            y = self.history.get(key, [])
            x = np.arange(1, len(y) + 1)
            self.curves[name].setData(x, np.asarray(y, float))
        # no validation split: no "validation" entries in the legends
        has_val = bool(self.history.get("val_loss"))
        for name, plot in (("val_loss", self.loss_plot), ("val_metric", self.metric_plot)):
            listed = plot.legend.getLabel(self.curves[name]) is not None
            if has_val and not listed:
                plot.legend.addItem(self.curves[name], "validation")
            elif not has_val and listed and self.history.get("loss"):
                plot.legend.removeItem(self.curves[name])

    @Slot()
    def export_png(self, path: str) -> None:
        ImageExporter(self.glw.scene()).export(path)
