"""Draw the nnstudio app icon: an SVG, rendered to PNGs of several sizes with Qt's QSvgRenderer.

Run from the repository root (writes resources/icons/nnstudio.svg and nnstudio-<size>.png)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py

The icon is a small feed-forward network (2 inputs, 3 hidden units, 1 output) on a rounded blue
square; the edges are coloured like the app's weight view (orange positive, blue negative). Sizes
up to 24 px use a simpler drawing (thicker edges, fewer details) so they stay legible in a panel.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)

# node centres on a 256 x 256 canvas: input layer, hidden layer, output layer
LAYERS = [[(62, 94), (62, 162)], [(128, 58), (128, 128), (128, 198)], [(194, 128)]]
# edge sign per (layer, from, to): + orange, - blue (a fixed, pleasant pattern)
SIGNS = {(0, 0, 0): 1, (0, 0, 1): -1, (0, 0, 2): 1, (0, 1, 0): -1, (0, 1, 1): 1, (0, 1, 2): 1,
         (1, 0, 0): 1, (1, 1, 0): -1, (1, 2, 0): 1}
POSITIVE, NEGATIVE = "#f59e0b", "#7dd3fc"


def svg(simple: bool = False) -> str:
    """The icon as SVG text; ``simple`` is the small-size variant (bolder strokes)."""
    edge_w, node_r, ring_w = (14, 20, 0) if simple else (7, 17, 4)
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">',
        "<defs>",
        '<linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">',
        '<stop offset="0" stop-color="#3b82f6"/><stop offset="1" stop-color="#1e3a8a"/>',
        "</linearGradient>",
        '<radialGradient id="node" cx="0.35" cy="0.35" r="0.75">',
        '<stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#dbeafe"/>',
        "</radialGradient>",
        "</defs>",
        '<rect x="8" y="8" width="240" height="240" rx="52" ry="52" fill="url(#bg)"/>',
    ]
    if not simple:  # a faint highlight along the top edge
        parts.append('<rect x="8" y="8" width="240" height="120" rx="52" ry="52" '
                     'fill="#ffffff" fill-opacity="0.08"/>')
    for li in range(len(LAYERS) - 1):
        for a, (x1, y1) in enumerate(LAYERS[li]):
            for b, (x2, y2) in enumerate(LAYERS[li + 1]):
                colour = POSITIVE if SIGNS[(li, a, b)] > 0 else NEGATIVE
                parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
                             f'stroke-width="{edge_w}" stroke-linecap="round"/>')
    for li, layer in enumerate(LAYERS):
        for x, y in layer:
            r = node_r + (4 if li == len(LAYERS) - 1 else 0)
            ring = (f' stroke="#1e3a8a" stroke-width="{ring_w}"' if ring_w else "")
            parts.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="url(#node)"{ring}/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def render(svg_text: str, size: int):
    """A ``size`` x ``size`` transparent QImage of the SVG, antialiased."""
    from PySide6.QtCore import QByteArray, Qt  # noqa: PLC0415
    from PySide6.QtGui import QImage, QPainter  # noqa: PLC0415
    from PySide6.QtSvg import QSvgRenderer  # noqa: PLC0415

    renderer = QSvgRenderer(QByteArray(svg_text.encode()))
    if not renderer.isValid():
        raise RuntimeError("the icon SVG is not valid")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main(out_dir: Path = ICONS) -> list[Path]:
    from PySide6.QtGui import QGuiApplication  # noqa: PLC0415

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts, plugins)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    full = svg()
    (out_dir / "nnstudio.svg").write_text(full, encoding="utf-8")
    written.append(out_dir / "nnstudio.svg")
    for size in SIZES:
        image = render(svg(simple=size <= 24), size)
        path = out_dir / f"nnstudio-{size}.png"
        if not image.save(str(path), "PNG"):
            raise RuntimeError(f"could not write {path}")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else ICONS):
        print(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p)
