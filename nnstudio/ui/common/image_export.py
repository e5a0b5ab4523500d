"""Saving a plot widget as a PNG, sharper than the screen (the surface's File > Export image)."""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QFileDialog, QWidget

from nnstudio.core.errors import NNStudioError


class ImageExportError(NNStudioError):
    """The image could not be written."""


def export_png(widget: QWidget, path: str, scale: float = 2.0) -> None:
    """Write ``widget`` as a PNG, ``scale`` times the screen size.

    The widget paints itself into a canvas with ``scale`` device pixels per pixel, as on a high-DPI
    screen: what the view shows, sharper (text, lines and points keep their proportions).
    """
    size = widget.size()
    pix = QPixmap(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))
    pix.setDevicePixelRatio(scale)
    pix.fill(QColor("white"))
    QWidget.render(widget, pix)  # the widget's own painting, on a high-DPI canvas
    img = pix.toImage()
    if img.isNull() or not img.save(str(path), "PNG"):
        raise ImageExportError(f"Could not write the image to '{path}'.",
                               "Choose a folder you can write to, with free space.")


def ask_png_path(parent: QWidget, default_name: str, settings_key: str) -> str | None:
    """A save dialog for a PNG, starting in the folder used last (remembered under ``settings_key``)."""
    settings = QSettings()
    start = str(settings.value(settings_key, "") or "")
    name = default_name.replace("/", "-").replace(" ", "_")
    path, _ = QFileDialog.getSaveFileName(parent, "Export image",
                                          os.path.join(start, name) if start else name,
                                          "PNG image (*.png)")
    if not path:
        return None
    if not path.lower().endswith(".png"):
        path += ".png"
    settings.setValue(settings_key, os.path.dirname(path))
    return path
