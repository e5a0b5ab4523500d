"""Live loss and metric curves (pyqtgraph), training and validation, growing epoch by epoch."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QVBoxLayout, QWidget

TRAIN_PEN = pg.mkPen("#1f77b4", width=2)
VAL_PEN = pg.mkPen("#ff7f0e", width=2)


class CurvesView(QWidget):
    """Two stacked plots sharing the epoch axis: loss, and accuracy (or MAE for regression)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.glw)
        self.loss_plot = self.glw.addPlot(row=0, col=0, title="Loss")
        self.metric_plot = self.glw.addPlot(row=1, col=0, title="Accuracy")
        self.metric_plot.setXLink(self.loss_plot)
        for p in (self.loss_plot, self.metric_plot):
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setLabel("bottom", "epoch")
            p.addLegend(offset=(-10, 10))
            p.setMenuEnabled(True)
        self.curves = {
            "loss": self.loss_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_loss": self.loss_plot.plot([], [], pen=VAL_PEN, name="validation"),
            "metric": self.metric_plot.plot([], [], pen=TRAIN_PEN, name="training"),
            "val_metric": self.metric_plot.plot([], [], pen=VAL_PEN, name="validation"),
        }
        self.metric = "accuracy"
        self.history: dict[str, list[float]] = {}
        self._marks: list[pg.InfiniteLine] = []
        # Repainting four antialiased curves and their axes costs several ms of GUI time, and the
        # engine reports ~20 times a second: draw at most REDRAW_HZ times a second (the history
        # itself is always complete; flush() draws what is pending at once).
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(int(1000 / self.REDRAW_HZ))
        self._redraw_timer.timeout.connect(self._redraw)

    REDRAW_HZ = 8

    def reset(self, metric: str = "accuracy") -> None:
        self._redraw_timer.stop()
        self.metric = metric
        self.metric_plot.setTitle("Accuracy" if metric == "accuracy" else metric.upper())
        self.history = {}
        for c in self.curves.values():
            c.setData([], [])
        for m in self._marks:
            self.loss_plot.removeItem(m)
        self._marks.clear()

    def append(self, rows: dict[str, list[float]]) -> None:
        """Add epochs; the plot follows within 1/REDRAW_HZ seconds."""
        for k, v in rows.items():
            self.history.setdefault(k, []).extend(v)
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def flush(self) -> None:
        """Draw everything appended so far now (at the end of a run)."""
        self._redraw_timer.stop()
        self._redraw()

    def set_history(self, history: dict[str, list[float]], metric: str = "accuracy") -> None:
        self.reset(metric)
        self.append(history)
        self.flush()

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
        keys = {"loss": "loss", "val_loss": "val_loss", "metric": self.metric,
                "val_metric": f"val_{self.metric}"}
        for name, key in keys.items():
            y = self.history.get(key, [])
            x = np.arange(1, len(y) + 1)
            self.curves[name].setData(x, np.asarray(y, float))

    @Slot()
    def export_png(self, path: str) -> None:
        from pyqtgraph.exporters import ImageExporter  # noqa: PLC0415

        ImageExporter(self.glw.scene()).export(path)
