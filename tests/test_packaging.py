"""Packaging pieces that can be checked without building: the icons (made by
packaging/make_icons.py), the app's use of them, the .desktop entry, the MIME type and the
PyInstaller spec's references. (The one-folder build itself is described in packaging/README.md.)"""
from __future__ import annotations

import ast
import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons"


@pytest.fixture(scope="module")
def qapp():
    from nnstudio.ui.app import create_app

    return create_app()


def _pixels(image) -> np.ndarray:
    """An image's ARGB values, [height, width, 4] ints."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 4].reshape(image.height(), image.width(), 4).astype(int)


def test_icons_are_the_ones_the_script_draws(qapp, tmp_path):
    import importlib.util

    from PySide6.QtGui import QImage

    spec = importlib.util.spec_from_file_location("make_icons", PACKAGING / "make_icons.py")
    make_icons = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_icons)
    written = make_icons.main(tmp_path)
    assert {p.name for p in written} == {"nnstudio.svg"} | {
        f"nnstudio-{s}.png" for s in make_icons.SIZES}
    assert (tmp_path / "nnstudio.svg").read_text() == (ICONS / "nnstudio.svg").read_text()
    for size in make_icons.SIZES:
        shipped = QImage(str(ICONS / f"nnstudio-{size}.png"))
        fresh = QImage(str(tmp_path / f"nnstudio-{size}.png"))
        assert (shipped.width(), shipped.height()) == (size, size)
        assert shipped.hasAlphaChannel()
        # the same drawing: Qt's rasterizer rounds a few antialiased edge pixels one level apart
        # on different CPUs (its SIMD paths), a changed drawing moves many pixels by far more
        diff = np.abs(_pixels(shipped) - _pixels(fresh))
        assert diff.max() <= 2 and np.count_nonzero(diff) <= size * size // 100, size
        # transparent corners (a rounded square), an opaque middle
        assert shipped.pixelColor(0, 0).alpha() == 0
        assert shipped.pixelColor(size // 2, size // 2).alpha() == 255


def test_the_app_sets_its_icon_and_desktop_file_name(qapp):
    from PySide6.QtSvg import QSvgRenderer

    sizes = {(s.width(), s.height()) for s in qapp.windowIcon().availableSizes()}
    assert {(16, 16), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)} <= sizes
    assert qapp.desktopFileName() == "nnstudio"
    assert QSvgRenderer(str(ICONS / "nnstudio.svg")).isValid()


def test_desktop_entry():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "nnstudio.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "nnstudio"
    assert d["Icon"] == "nnstudio"  # installed into the hicolor theme (packaging/README.md)
    assert d["Exec"].split()[0] == "nnstudio" and "%f" in d["Exec"]
    assert d["StartupWMClass"] == "nnstudio" and d["Terminal"] == "false"
    assert "application/x-nnstudio-project" in d["MimeType"].split(";")
    assert d["Categories"].endswith(";")


def test_mime_type_for_projects():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(PACKAGING / "nnstudio-mime.xml").getroot()
    mt = root.find("m:mime-type", ns)
    assert mt.get("type") == "application/x-nnstudio-project"
    assert mt.find("m:glob", ns).get("pattern") == "*.nnstudio"


def test_pyinstaller_spec_references_what_exists():
    text = (PACKAGING / "nnstudio.spec").read_text()
    tree = ast.parse(text)  # valid Python
    assert "exclude_binaries=True" in text and "COLLECT(" in text  # a one-folder build
    for rel in ("nnstudio/__main__.py", "resources/icons", "resources/examples"):
        parts = rel.split("/")
        assert all(p in text for p in parts), rel
        assert (ROOT / rel).exists(), rel
    names = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert {"nnstudio", "nnstudio-cli"} <= names
