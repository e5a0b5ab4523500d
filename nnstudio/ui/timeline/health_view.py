"""The Health tab (issue 19): per layer, over the epochs of the last run — the weight and activation
distributions as histograms over time (TensorBoard's view: epoch across, value up, darker = more),
the gradient norm, the update / weight ratio, and the fractions of dead ReLU and saturated units,
with the NaN / infinity count. The numbers come from ``core.health`` (a fixed probe batch at each
report); a line marks the epoch the timeline scrubber shows."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.ui.common.empty_state import EmptyState
from nnstudio.ui.common.plots import EpochAxis, SparseLogAxis, curve_pen, legend_below, plain_numbers
from nnstudio.ui.common.wheel_guard import guard_wheel

BINS = 40


def histogram_image(hists: list[tuple[list[int], list[float]]]) -> tuple[np.ndarray, float, float]:
    """Histograms with their own edges, re-binned on common edges (each row sums to 1):
    (points x BINS, lo, hi)."""
    edges = [np.asarray(e, float) for _, e in hists if len(e) > 1]
    if not edges:
        return np.zeros((len(hists), BINS)), 0.0, 1.0
    lo = min(float(e[0]) for e in edges)
    hi = max(float(e[-1]) for e in edges)
    if hi <= lo:
        hi = lo + 1.0
    img = np.zeros((len(hists), BINS))
    common = np.linspace(lo, hi, BINS + 1)
    for i, (counts, e) in enumerate(hists):
        if len(e) < 2:
            continue
        # each bin's count shared out by overlap (rows spread evenly within a bin): whole bins
        # put by their centres left a third of the common bins empty, stripes across the image
        below = np.concatenate([[0.0], np.cumsum(np.asarray(counts, float))])
        img[i] = np.diff(np.interp(common, np.asarray(e, float), below))
        total = img[i].sum()
        if total > 0:
            img[i] /= total
    return img, lo, hi


class HealthView(QWidget):
    """``record_requested(run)``: train a run of a Repeat or a sweep (kept without a health
    record) again, as it was, with one."""

    record_requested = Signal(object)

    def __init__(self, state, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.layer = QComboBox()
        self.layer.setToolTip("The layer whose health is shown")
        guard_wheel(self.layer)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer:"))
        top.addWidget(self.layer)
        top.addWidget(self.summary, 1)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        self.view = EmptyState(self.glw)  # plots with nothing in them: a message instead
        self.view.action.clicked.connect(self._record)
        lay.addWidget(self.view, 1)
        self.w_plot = self.glw.addPlot(row=0, col=0, title="Weights over time",
                                       axisItems={"bottom": EpochAxis("bottom")})
        self.a_plot = self.glw.addPlot(row=0, col=1, title="Activations over time (probe batch)",
                                       axisItems={"bottom": EpochAxis("bottom")})
        self.g_plot = self.glw.addPlot(row=1, col=0, title="Gradient norm and update / weight ratio",
                                       axisItems={"left": SparseLogAxis("left"), "bottom": EpochAxis("bottom")})
        self.f_plot = self.glw.addPlot(row=1, col=1, title="Dead and saturated units (fraction)",
                                       axisItems={"bottom": EpochAxis("bottom")})
        self.w_img, self.a_img = pg.ImageItem(), pg.ImageItem()
        cmap = pg.colormap.get("CET-L18") if "CET-L18" in pg.colormap.listMaps() else pg.colormap.get("viridis")
        for plot, img in ((self.w_plot, self.w_img), (self.a_plot, self.a_img)):
            plot.addItem(img)
            img.setColorMap(cmap)
            plot.setLabel("bottom", "epoch")
            plot.setLabel("left", "value")
            plain_numbers(plot)  # digits' weights of ±0.4 were "±400, value (x0.001)"
        self.g_plot.setLogMode(y=True)
        legend_below(self.g_plot, labelTextSize="8pt")  # the gradient norm runs along the top
        self.grad = self.g_plot.plot([], [], pen=pg.mkPen("#1f77b4", width=2), name="gradient norm")
        self.ratio = self.g_plot.plot([], [], pen=pg.mkPen("#d62728", width=2), name="update / weight per epoch")
        legend_below(self.f_plot, labelTextSize="8pt")
        self.f_plot.setYRange(0, 1)
        self.dead = self.f_plot.plot([], [], pen=pg.mkPen("#444", width=2), name="dead ReLU")
        self.sat = self.f_plot.plot([], [], pen=pg.mkPen("#ff7f0e", width=2), name="saturated")
        for p in (self.g_plot, self.f_plot):
            p.setLabel("bottom", "epoch")
            p.showGrid(x=True, y=True)
        self.lines = []
        for p in (self.w_plot, self.a_plot, self.g_plot, self.f_plot):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#7a3db8", width=2))
            line.setVisible(False)
            p.addItem(line, ignoreBounds=True)
            self.lines.append(line)
        self.layer.currentIndexChanged.connect(self.redraw)
        state.timeline_changed.connect(self.refresh)
        state.epoch_shown.connect(self._on_epoch_shown)
        state.finding_selected.connect(self._on_finding)
        self.refresh()

    @Slot(object)
    def _on_finding(self, finding) -> None:
        """A coach finding about a layer (dead ReLUs, saturation) selects that layer here."""
        name = getattr(finding, "layer", None)
        h = self.health
        if not name or h is None or not len(h):
            return
        names = [lh.name for lh in h.points[-1].layers]
        if name in names:
            self.layer.setCurrentIndex(names.index(name))

    def _again(self, run) -> bool:
        """Whether ``run`` can be trained again as it was: on the project's data as it is now, not
        a cross-validation's fold (its own rows)."""
        project = self.state.project
        return project is not None and not run.split.get("folds") and run.trained_on(project)

    @Slot()
    def _record(self) -> None:
        run = self.state.timeline_run
        if run is not None and self.health is None:
            self.record_requested.emit(run)

    @property
    def health(self):
        run = self.state.timeline_run
        return getattr(run, "health", None) if run is not None else None

    @Slot()
    def refresh(self) -> None:
        h = self.health
        self.layer.blockSignals(True)
        self.layer.clear()
        if h is not None and len(h):
            for lh in h.points[-1].layers:
                self.layer.addItem(f"{lh.name} ({lh.units} {lh.activation})")
        self.layer.blockSignals(False)
        self.redraw()

    @Slot()
    def redraw(self, *_args) -> None:
        h = self.health
        i = self.layer.currentIndex()
        if h is None or not len(h) or i < 0:
            for c in (self.grad, self.ratio, self.dead, self.sat):
                c.setData([], [])
            self.w_img.clear()
            self.a_img.clear()
            self.summary.setText("")
            self.layer.setEnabled(False)
            what = ("Each layer's weights and activations over the epochs, its gradient norm, "
                    "update / weight ratio and dead or saturated units, measured on a fixed batch "
                    "of training rows at each report.")
            if self.state.timeline_run is None:
                self.view.show_message(f"Train a network to see its health.\n\n{what}")
            else:
                run = self.state.timeline_run
                again = self._again(run)
                self.view.show_message(
                    f"{run.label()} has no health record: Repeat and sweeps train without one."
                    + (f"\n\nTrain it again, as it was (seed {run.seed}), to see its health. "
                       if again else "\n\nTrain to see a network's health. ") + what,
                    f"Train {run.label()} again with its health record" if again else "")
            return
        self.layer.setEnabled(True)
        self.view.show_content()
        pts = [p for p in h.points if i < len(p.layers)]
        epochs = np.array([p.epoch for p in pts], float)
        layers = [p.layers[i] for p in pts]
        for img_item, hists in ((self.w_img, [lh.weights_hist for lh in layers]),
                                (self.a_img, [lh.act_hist for lh in layers])):
            img, lo, hi = histogram_image(hists)
            img_item.setImage(img, autoLevels=True)
            x0 = epochs[0] if len(epochs) else 0
            x1 = epochs[-1] if len(epochs) > 1 else x0 + 1
            img_item.setRect(pg.QtCore.QRectF(x0, lo, max(x1 - x0, 1), hi - lo))

        def series(key):
            xs, ys = [], []
            for e, lh in zip(epochs, layers):
                v = getattr(lh, key)
                if v is not None and np.isfinite(v) and (v > 0 or key in ("dead", "saturated")):
                    xs.append(e)
                    ys.append(v)
            return np.array(xs), np.array(ys)

        for item, key in ((self.grad, "grad_norm"), (self.ratio, "update_ratio"),
                          (self.dead, "dead"), (self.sat, "saturated")):
            xs, ys = series(key)
            # a health point per report: a long run at the app's pace has thousands
            item.setPen(curve_pen(item.opts["pen"].color(), len(xs)))
            item.setData(xs, ys)
        self._update_summary()

    def _update_summary(self) -> None:
        """The layer's numbers at the epoch the scrubber shows (the last report at or before it),
        or at the end of the run."""
        h = self.health
        i = self.layer.currentIndex()
        if h is None or not len(h) or i < 0:
            return
        pts = [p for p in h.points if i < len(p.layers)]
        if not pts:
            return
        at = len(pts) - 1
        shown = getattr(self.state, "shown", None)  # the scrubber's snapshot, None at the end
        if shown is not None:
            at = max([k for k, p in enumerate(pts) if p.epoch <= shown.epoch] or [0])
        last = pts[at].layers[i]
        bits = [f"<b>{last.name}</b> at epoch {pts[at].epoch}:"]
        if last.dead is not None:
            bits.append(f"{last.dead:.0%} dead ReLU units")
        if last.saturated is not None:
            bits.append(f"{last.saturated:.0%} saturated units")
        if last.grad_norm is not None:
            bits.append(f"gradient norm {last.grad_norm:.3g}")
        if last.update_ratio is not None:
            bits.append(f"update / weight {last.update_ratio:.2g} per epoch")
        bits.append(f"{last.nonfinite} NaN / inf" if last.nonfinite else "no NaN / inf")
        self.summary.setText(" · ".join([bits[0] + " " + bits[1]] + bits[2:]) if len(bits) > 1 else bits[0])

    @Slot(object)
    def _on_epoch_shown(self, shown) -> None:
        self._update_summary()
        for line in self.lines:
            line.setVisible(shown is not None)
            if shown is not None:
                line.setValue(shown.epoch)
