"""The colours the app draws classes with (surface, data scatter, legends) and the surface's maps."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf"]


def class_color(i: int, n: int = 10) -> str:
    if n <= len(CLASS_COLORS):
        return CLASS_COLORS[i % len(CLASS_COLORS)]
    return pg.intColor(i, hues=n).name()


def miss_color(n_classes: int) -> str:
    """The rings round misclassified rows: red, unless a class is drawn in red (the fourth of ten,
    or one of the hues past ten), where they are black."""
    return "#d62728" if n_classes <= 3 else "#000000"


def _rgb(color: str) -> np.ndarray:
    c = pg.mkColor(color)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float32)


def tint(color: str, amount: float) -> tuple[int, int, int]:
    """``color`` blended with white: 0 is white, 1 the full colour."""
    c = 255 + (_rgb(color) - 255) * amount
    return tuple(int(round(v)) for v in c)


def binary_colormap(discrete: bool) -> pg.ColorMap:
    """Class 0's colour at 0, white at 0.5, class 1's at 1 (a diverging map centred on 0.5)."""
    lo, hi = tint(CLASS_COLORS[0], 0.6), tint(CLASS_COLORS[1], 0.6)
    if discrete:
        a, b = tint(CLASS_COLORS[0], 0.35), tint(CLASS_COLORS[1], 0.35)
        return pg.ColorMap([0.0, 0.5, 0.5, 1.0], [a, a, b, b])
    return pg.ColorMap([0.0, 0.5, 1.0], [lo, (255, 255, 255), hi])


def regression_colormap(discrete: bool, bands: int = 10) -> pg.ColorMap:
    cm = pg.colormap.get("viridis")
    if not discrete:
        return cm
    cols = cm.map(np.linspace(0, 1, bands), mode="byte")
    pos = np.repeat(np.linspace(0, 1, bands + 1), 2)[1:-1]
    return pg.ColorMap(pos, np.repeat(cols, 2, axis=0))


def confidence_colormap() -> pg.ColorMap:
    return pg.ColorMap([0.0, 1.0], [(255, 255, 255), (90, 90, 90)])


def class_image(winner: np.ndarray, confidence: np.ndarray, n_classes: int,
                discrete: bool) -> np.ndarray:
    """(ny, nx, 3) uint8: each class its colour, lighter where the network is less sure."""
    base = np.stack([_rgb(class_color(i, n_classes)) for i in range(n_classes)])
    col = base[winner]
    if discrete:
        s = np.full(winner.shape, 0.4, np.float32)
    else:
        chance = 1.0 / n_classes
        s = 0.05 + 0.6 * np.clip((confidence - chance) / (1.0 - chance), 0.0, 1.0)
    out = 255.0 + (col - 255.0) * s[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)
