"""The decision surface's heatmap: the image of the prediction, the 0.5 contour, the colour bar's map."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF

from nnstudio.core import surface as core_surface
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.colors import (
    binary_colormap,
    class_image,
    confidence_colormap,
    regression_colormap,
)
from nnstudio.ui.common.plots import curve_pen


class SurfaceHeatmap:
    """Mix in before the QWidget base of :class:`~nnstudio.ui.training.surface.view.SurfaceView`:
    draws a computed surface and picks the colour map for the task."""

    def _clear_surface(self, keep_net: bool = False) -> None:
        self.image.clear()
        self.rgb_image.clear()
        self.contour.setData([], [])
        self.image.hide()
        self.rgb_image.hide()
        self.miss_scatter.setData([], [])
        self._preds = {}
        self.last_surface = None
        self.last_misclassified = {}
        if not keep_net:
            self._net = None

    def _draw_surface(self, surf: core_surface.Surface) -> None:
        g = surf.grid
        xs, ys = g.xs, g.ys
        dx, dy = xs[1] - xs[0], ys[1] - ys[0]
        rect = QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))
        if surf.task is Task.MULTICLASS:
            rgb = class_image(surf.winner, surf.values, surf.probs.shape[-1], self.discretize.isChecked())
            self.rgb_image.setImage(rgb, levels=(0, 255))
            self.rgb_image.setRect(rect)
            self.rgb_image.show()
            self.image.hide()
            self.contour.setData([], [])
            return
        vals = np.ascontiguousarray(surf.values, dtype=np.float32)
        self.image.setImage(vals, autoLevels=False)
        self.image.setLevels(self.color_bar.levels())
        self.image.setRect(rect)
        self.image.show()
        self.rgb_image.hide()
        seg = surf.boundary
        if surf.task is Task.BINARY and seg is not None and len(seg):
            pts = seg.reshape(-1, 2)
            self.contour.setPen(curve_pen("#222", len(seg)))  # a flat output's noise: thousands
            self.contour.setData(pts[:, 0], pts[:, 1], connect="pairs")
        else:
            self.contour.setData([], [])

    def _set_colors(self) -> None:
        task = self._task()
        disc = self.discretize.isChecked()
        axis = self.color_bar.getAxis("left")
        if task is Task.REGRESSION:
            self.color_bar.setColorMap(regression_colormap(disc))
            self.color_bar.setLevels(self._reg_levels)
            axis.setLabel(f"predicted {self._prep.preprocessor.target}")
        elif task is Task.MULTICLASS:
            k = self._prep.n_classes
            self.color_bar.setColorMap(confidence_colormap())
            self.color_bar.setLevels((1.0 / k, 1.0))
            axis.setLabel("confidence (colour strength)")
        else:
            self.color_bar.setColorMap(binary_colormap(disc))
            self.color_bar.setLevels((0.0, 1.0))
            if self._prep is not None:
                pre = self._prep.preprocessor
                axis.setLabel(f"P({pre.target} = {pre.classes[1]})")
            else:
                axis.setLabel("")
