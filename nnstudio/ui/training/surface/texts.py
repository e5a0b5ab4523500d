"""The decision surface's words: title, caption, slice line, the status in the plot's corner, the readout."""
from __future__ import annotations

from PySide6.QtCore import Slot

from nnstudio.core import surface as core_surface
from nnstudio.core.data.profile import fmt_number
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.colors import miss_color


class SurfaceTexts:
    """Mix in before the QWidget base of :class:`~nnstudio.ui.training.surface.view.SurfaceView`:
    what the view says about what it shows (most of it changes with the configuration, not every frame)."""

    def _update_texts(self) -> None:
        """Title, slice line and caption: they change with the configuration, not every frame."""
        prep = self._prep
        if self._problem and (prep is None or self._axes is None):
            self._set_title("")
            self._set_slice_text("")
            self._update_status()
            self.caption.setText(self._problem)
            self.color_bar.hide()
            return
        self.color_bar.show()
        pre = prep.preprocessor
        task = prep.task
        self._update_title()
        self._update_status()
        sl = core_surface.describe_slice(pre, *self._axes, self.held_values, self.held_box.defaults)
        self._set_slice_text(core_surface.describe_slice(pre, *self._axes, self.held_values,
                                                         self.held_box.defaults, max_items=4))
        # caption: how to read it
        parts = []
        if task is Task.BINARY:
            parts.append(f"Colour: the probability that <i>{pre.target}</i> = {pre.classes[1]} "
                         f"(blue: {pre.classes[0]}, orange: {pre.classes[1]}); black line: 0.5, the "
                         f"decision boundary.")
        elif task is Task.MULTICLASS:
            parts.append("Colour: the predicted class, stronger where the network is more confident.")
        else:
            parts.append(f"Colour: the predicted <i>{pre.target}</i>; points are coloured by their "
                         f"true value on the same scale.")
        n_tr = self._points["train"].total if "train" in self._points else 0
        n_te = self._points["test"].total if "test" in self._points else 0
        pts = f"● {n_tr:,} training {'and validation ' if self._with_val else ''}rows"
        if n_te and self.show_test.isChecked():
            pts += f", ▲ {n_te:,} test rows"
        shown = sum(len(p.x) for p in self._points.values())
        if shown < n_tr + n_te:
            pts += f" (a random {shown:,} of them drawn)"
        parts.append(pts + ".")
        if task is not Task.REGRESSION:
            parts.append(f"<span style='color:{miss_color(prep.n_classes)}'>○</span> "
                         "misclassified by the network shown.")
        if sl:
            parts.append("<b>A slice</b>: points are all rows projected onto the plane.")
        if self._problem:
            parts.append(f"<span style='color:#b00'>{self._problem}</span>")
        self.caption.setText(" ".join(parts))

    def _set_title(self, text: str) -> None:
        # only on a real change: a new title re-lays out the plot, which repaints its axes too
        if text != getattr(self, "_title", None):
            self._title = text
            self.plot.setTitle(text, size="10pt")
            self._fit_layout()

    def _update_title(self) -> None:
        surf = self.last_surface
        if surf is None and self._problem:
            title = ""  # none will be drawn: the caption under the plot says why
        elif surf is None:
            # short titles: the title's width is the plot's minimum width
            title = "Not trained yet: press Train" if self.state.model is None \
                else "Computing the surface…"
        elif surf.meta.get("live"):
            shown = self.state.shown  # the timeline scrubber's epoch (issue 19)
            title = f"Epoch {shown.epoch} of {shown.epochs} (timeline)" if shown is not None \
                and not self.state.training else "Training (live)"
        else:
            test = surf.meta.get("test") or {}
            r = self.state.result
            title = "Trained model"
            if r is not None and r.status == "diverged":  # the weights kept are not a trained model's
                # (no test figure: a longer title would widen the plot past the colour bar)
                title = (f"Epoch {r.epochs_run}, before it diverged" if r.epochs_run else
                         "Untrained: diverged in epoch 1")
            elif "accuracy" in test:
                title += f" · test accuracy {test['accuracy']:.3f}"
            elif "mae" in test:
                title += f" · test MAE {fmt_number(test['mae'])}"  # 392,926, not 3.929e+05
        self._set_title(title)

    def _update_status(self) -> None:
        """The line in the plot's corner that changes with every frame: epoch, misclassified rows."""
        surf = self.last_surface
        parts = []
        if surf is not None and surf.meta.get("live"):
            paused = " (paused)" if surf.meta.get("state") == "paused" else ""
            parts.append(f"epoch {surf.meta.get('epoch')} of {surf.meta.get('epochs')}{paused}")
        m = self.last_misclassified
        if surf is not None and m:
            sub = any(len(p.x) < p.total for p in self._points.values())
            which = "train+val" if self._with_val else "training"
            txt = f"misclassified: {m.get('train', 0)} {which}"
            if "test" in m and self.show_test.isChecked():
                txt += f", {m['test']} test"
            parts.append(txt + ("\n(of the rows drawn)" if sub else ""))
        text = "\n".join(parts)  # one line each: a narrow view cut a single long line
        if text != self.status_text:
            self.status_item.setText(text)
            self.status_item.setVisible(bool(text))
            self._place_status()

    @property
    def status_text(self) -> str:
        return self.status_item.toPlainText() if self.status_item.isVisible() else ""

    @Slot()
    def _place_status(self) -> None:
        self.status_item.setPos(self.vb.width() - 4, self.vb.height() - 4)

    def _set_slice_text(self, text: str) -> None:
        """The slice line: what the other features are held at. On screen the panel of held values
        under the plot says it (the line took the small plot's room to say it again); an exported
        image, without that panel, carries it under the plot (see :meth:`_show_slice_line`)."""
        self._slice_text = text
        self._show_slice_line(False)

    @property
    def slice_text(self) -> str:
        return getattr(self, "_slice_text", "")

    def _show_slice_line(self, show: bool) -> None:
        text = self.slice_text if show else ""
        self.slice_label.item.setTextWidth(max(120.0, self.glw.width() - 30.0) if text else -1)
        self.slice_label.setText(text)
        self.slice_label.setMaximumHeight(16777215 if text else 0)  # no empty row under the plot
        self._fit_layout()

    def _fit_layout(self) -> None:
        """Fit the plot, colour bar and slice line to the view again.

        pyqtgraph's labels take their text's width as their minimum width, and the layout grows to
        fit but never shrinks back by itself: a slice line wrapped for a wider view once kept the
        plot and its colour bar partly past the right edge of a narrower one.
        """
        self.glw.ci.setGeometry(self.glw.range)

    @Slot(object)
    def _on_mouse_moved(self, pos) -> None:
        self.readout.setText(self.describe_point(pos) or " ")

    def describe_point(self, scene_pos) -> str:
        """The prediction at the grid point nearest a scene position, in words ('' outside)."""
        surf = self.last_surface
        if surf is None or self._prep is None or not self.vb.sceneBoundingRect().contains(scene_pos):
            return ""
        p = self.vb.mapSceneToView(scene_pos)
        return self.describe_at(p.x(), p.y())

    def describe_at(self, x: float, y: float) -> str:
        surf = self.last_surface
        if surf is None or self._prep is None:
            return ""
        g = surf.grid
        dx, dy = g.xs[1] - g.xs[0], g.ys[1] - g.ys[0]
        i, j = int(round((x - g.xs[0]) / dx)), int(round((y - g.ys[0]) / dy))
        if not (0 <= i < len(g.xs) and 0 <= j < len(g.ys)):
            return ""
        pre = self._prep.preprocessor
        fx, fy = g.spec.x, g.spec.y
        where = f"{fx} = {core_surface.format_value(float(g.xs[i]))}, " \
                f"{fy} = {core_surface.format_value(float(g.ys[j]))}"
        if surf.task is Task.BINARY:
            v = float(surf.values[j, i])
            what = f"P({pre.target} = {pre.classes[1]}) = {v:.3f} → {pre.classes[int(v >= 0.5)]}"
        elif surf.task is Task.MULTICLASS:
            k = int(surf.winner[j, i])
            what = f"{pre.target} = {pre.classes[k]} ({surf.values[j, i]:.0%} sure)"
        else:
            what = f"predicted {pre.target} = {core_surface.format_value(float(surf.values[j, i]))}"
        return f"{where}: {what}"
