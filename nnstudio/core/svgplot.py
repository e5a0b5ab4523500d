"""Small, dependency-free SVG charts for the HTML report (the report is written headless, by the
command line too, so it cannot draw with Qt; matplotlib would be a 40 MB dependency for five chart
types). Each function returns an SVG document as text; :func:`data_uri` embeds it in an ``<img>``.
"""
from __future__ import annotations

import base64
import itertools
import math
from html import escape

import numpy as np

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf")  # matplotlib's ten: a digits report draws every class
W, H = 440, 300
PAD_L, PAD_R, PAD_T, PAD_B = 58, 14, 44, 44


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _num(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-3:
        return f"{v:.1e}"
    return f"{v:.3g}"


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step + 1e-9) + 1)]


class _Frame:
    def __init__(self, xr, yr, title, xlabel, ylabel, w=W, h=H):
        self.x0, self.x1 = xr
        self.y0, self.y1 = yr
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1
        if self.y1 <= self.y0:
            self.y1 = self.y0 + 1
        self.w, self.h = w, h
        self.parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                      f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11">',
                      f'<rect width="{w}" height="{h}" fill="white"/>',
                      f'<text x="{w / 2}" y="18" text-anchor="middle" font-size="13" '
                      f'font-weight="bold">{escape(title)}</text>']
        px0, px1, py0, py1 = PAD_L, w - PAD_R, h - PAD_B, PAD_T
        for t in _ticks(self.x0, self.x1):
            x = self.sx(t)
            self.parts.append(f'<line x1="{x:.1f}" y1="{py1}" x2="{x:.1f}" y2="{py0}" stroke="#eee"/>'
                              f'<text x="{x:.1f}" y="{py0 + 14}" text-anchor="middle">{_num(t)}</text>')
        for t in _ticks(self.y0, self.y1):
            y = self.sy(t)
            self.parts.append(f'<line x1="{px0}" y1="{y:.1f}" x2="{px1}" y2="{y:.1f}" stroke="#eee"/>'
                              f'<text x="{px0 - 4}" y="{y + 4:.1f}" text-anchor="end">{_num(t)}</text>')
        self.parts.append(f'<rect x="{px0}" y="{py1}" width="{px1 - px0}" height="{py0 - py1}" '
                          f'fill="none" stroke="#888"/>')
        self.parts.append(f'<text x="{(px0 + px1) / 2}" y="{h - 8}" text-anchor="middle">{escape(xlabel)}</text>')
        self.parts.append(f'<text transform="translate(13,{(py0 + py1) / 2}) rotate(-90)" '
                          f'text-anchor="middle">{escape(ylabel)}</text>')

    def sx(self, v):
        return PAD_L + (v - self.x0) / (self.x1 - self.x0) * (self.w - PAD_L - PAD_R)

    def sy(self, v):
        return self.h - PAD_B - (v - self.y0) / (self.y1 - self.y0) * (self.h - PAD_B - PAD_T)

    def line(self, xs, ys, color, width=2.0, dash=False):
        # a point where the last one drawn is (to 0.1 px) is left out: the ROC curve of 200,000
        # test rows drew the same few thousand pixels with tens of thousands of points
        drawn = (f"{self.sx(x):.1f},{self.sy(y):.1f}" for x, y in zip(xs, ys)
                 if math.isfinite(x) and math.isfinite(y))
        pts = " ".join(p for p, _ in itertools.groupby(drawn))
        if pts:
            self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" '
                              f'stroke-width="{width}"' + (' stroke-dasharray="5,4"' if dash else "") + "/>")

    def dots(self, xs, ys, color, r=2.2, opacity=0.55):
        for x, y in zip(xs, ys):
            if math.isfinite(x) and math.isfinite(y):
                self.parts.append(f'<circle cx="{self.sx(x):.1f}" cy="{self.sy(y):.1f}" r="{r}" '
                                  f'fill="{color}" fill-opacity="{opacity}"/>')

    def legend(self, items):
        """One row above the plot, under the title; entries that would run past the right edge
        (six classes' ROC curves) are a column in the plot's bottom right corner instead."""
        widths = [40 + 6.5 * len(label) for label, _ in items]
        if PAD_L + sum(widths) - 20 <= self.w - PAD_R:
            x, y = PAD_L, 34
            for (label, color), w in zip(items, widths):
                self._entry(x, y, label, color)
                x += w
            return
        box_w, row = max(widths) - 14, 14
        x, y = self.w - PAD_R - 6 - box_w, self.h - PAD_B - 6 - row * len(items)
        self.parts.append(f'<rect x="{x - 4}" y="{y - 2}" width="{box_w + 6}" height="{row * len(items) + 6}" '
                          f'fill="white" fill-opacity="0.85" stroke="#ccc"/>')
        for i, (label, color) in enumerate(items):
            self._entry(x, y + row * (i + 1) - 2, label, color)

    def _entry(self, x, y, label, color):
        self.parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 16}" y2="{y - 4}" stroke="{color}" '
                          f'stroke-width="2.5"/><text x="{x + 20}" y="{y}">{escape(label)}</text>')

    def svg(self) -> str:
        return "".join(self.parts) + "</svg>"


def lines(series, *, title: str, xlabel: str, ylabel: str, xrange=None, yrange=None,
          diagonal: bool = False) -> str:
    """series: [(xs, ys, label, dashed)] drawn as lines, with a legend."""
    xs = np.concatenate([np.asarray(s[0], float) for s in series]) if series else np.zeros(1)
    ys = np.concatenate([np.asarray(s[1], float) for s in series]) if series else np.zeros(1)
    xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
    xr = xrange or (float(xs.min()), float(xs.max())) if len(xs) else (0, 1)
    yr = yrange or (float(ys.min()), float(ys.max())) if len(ys) else (0, 1)
    f = _Frame(xr, yr, title, xlabel, ylabel)
    if diagonal:
        f.line([xr[0], xr[1]], [yr[0], yr[1]], "#999", 1.2, dash=True)
    for i, (x, y, _label, dashed) in enumerate(series):
        f.line(list(map(float, x)), list(map(float, y)), PALETTE[i % len(PALETTE)], dash=dashed)
    f.legend([(s[2], PALETTE[i % len(PALETTE)]) for i, s in enumerate(series) if s[2]])
    return f.svg()


def scatter(x, y, *, title: str, xlabel: str, ylabel: str, diagonal: bool = False,
            hline: float | None = None) -> str:
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if len(x) > 3000:
        idx = np.random.default_rng(0).choice(len(x), 3000, replace=False)
        x, y = x[idx], y[idx]
    lo_x, hi_x = (float(x.min()), float(x.max())) if len(x) else (0.0, 1.0)
    lo_y, hi_y = (float(y.min()), float(y.max())) if len(y) else (0.0, 1.0)
    if diagonal:
        lo_x = lo_y = min(lo_x, lo_y)
        hi_x = hi_y = max(hi_x, hi_y)
    f = _Frame((lo_x, hi_x), (lo_y, hi_y), title, xlabel, ylabel)
    if diagonal:
        f.line([lo_x, hi_x], [lo_y, hi_y], "#999", 1.2, dash=True)
    if hline is not None:
        f.line([lo_x, hi_x], [hline, hline], "#999", 1.2, dash=True)
    f.dots(x, y, PALETTE[0])
    return f.svg()


def histogram(values, *, title: str, xlabel: str, bins: int = 30) -> str:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    counts, edges = np.histogram(v, bins=bins) if len(v) else (np.zeros(1), np.array([0.0, 1.0]))
    f = _Frame((float(edges[0]), float(edges[-1])), (0.0, float(max(counts.max(), 1))), title, xlabel, "rows")
    for c, a, b in zip(counts, edges[:-1], edges[1:]):
        x0, x1, y0, y1 = f.sx(a), f.sx(b), f.sy(0), f.sy(c)
        f.parts.append(f'<rect x="{x0:.1f}" y="{y1:.1f}" width="{max(x1 - x0 - 1, 0.5):.1f}" '
                       f'height="{y0 - y1:.1f}" fill="{PALETTE[0]}" fill-opacity="0.75"/>')
    return f.svg()


def bars(labels, values, errors=None, *, title: str, xlabel: str) -> str:
    """Horizontal bars, the first label on top (importance charts)."""
    n = len(labels)
    h = max(120, 34 + 22 * n + 40)
    w = 520
    left = min(200, 12 + 7 * max((len(str(s)) for s in labels), default=4))
    vals = np.asarray(values, float)
    err = np.zeros(n) if errors is None else np.asarray(errors, float)
    lo = float(min(0.0, (vals - err).min() if n else 0.0))
    hi = float(max((vals + err).max() if n else 1.0, 1e-12))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
             f'font-family="sans-serif" font-size="11"><rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{w / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>']
    x0, x1 = left, w - 20

    def sx(v):
        return x0 + (v - lo) / (hi - lo) * (x1 - x0)
    for t in _ticks(lo, hi):
        parts.append(f'<line x1="{sx(t):.1f}" y1="30" x2="{sx(t):.1f}" y2="{h - 34}" stroke="#eee"/>'
                     f'<text x="{sx(t):.1f}" y="{h - 20}" text-anchor="middle">{_num(t)}</text>')
    for i, (lab, v, e) in enumerate(zip(labels, vals, err)):
        y = 34 + 22 * i
        a, b = sorted((sx(0.0), sx(v)))
        color = PALETTE[0] if v >= 0 else PALETTE[1]
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(str(lab))}</text>'
                     f'<rect x="{a:.1f}" y="{y + 2}" width="{max(b - a, 0.5):.1f}" height="16" fill="{color}"/>')
        if e > 0:
            parts.append(f'<line x1="{sx(v - e):.1f}" y1="{y + 10}" x2="{sx(v + e):.1f}" y2="{y + 10}" '
                         f'stroke="black" stroke-width="1.3"/>')
    parts.append(f'<line x1="{sx(0):.1f}" y1="30" x2="{sx(0):.1f}" y2="{h - 34}" stroke="#444"/>')
    parts.append(f'<text x="{(x0 + x1) / 2}" y="{h - 5}" text-anchor="middle">{escape(xlabel)}</text></svg>')
    return "".join(parts)


def confusion(cm, classes, *, title: str) -> str:
    cm = np.asarray(cm, float)
    k = len(classes)
    cell = max(40, min(90, 360 // max(k, 1)))
    left, top = 110, 60
    w, h = left + cell * k + 20, top + cell * k + 30
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros_like(cm), where=totals > 0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
             f'font-family="sans-serif" font-size="11"><rect width="{w}" height="{h}" fill="white"/>',
             f'<text x="{w / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>',
             f'<text x="{left + cell * k / 2}" y="{top - 26}" text-anchor="middle">predicted class</text>',
             f'<text transform="translate(14,{top + cell * k / 2}) rotate(-90)" text-anchor="middle">true class</text>']
    for j, c in enumerate(classes):
        parts.append(f'<text x="{left + cell * j + cell / 2}" y="{top - 8}" text-anchor="middle">'
                     f'{escape(str(c)[:10])}</text>')
    for i, c in enumerate(classes):
        parts.append(f'<text x="{left - 6}" y="{top + cell * i + cell / 2 + 4}" text-anchor="end">'
                     f'{escape(str(c)[:14])}</text>')
        for j in range(k):
            s = share[i, j]
            fill = f"rgb({int(255 - 224 * s)},{int(255 - 136 * s)},{int(255 - 75 * s)})"  # white to #1f77b4
            col = "white" if s > 0.55 else "black"
            parts.append(f'<rect x="{left + cell * j}" y="{top + cell * i}" width="{cell}" height="{cell}" '
                         f'fill="{fill}" stroke="#999"/><text x="{left + cell * j + cell / 2}" '
                         f'y="{top + cell * i + cell / 2}" text-anchor="middle" fill="{col}">{int(cm[i, j])}</text>'
                         f'<text x="{left + cell * j + cell / 2}" y="{top + cell * i + cell / 2 + 13}" '
                         f'text-anchor="middle" fill="{col}" font-size="9">{s:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)
