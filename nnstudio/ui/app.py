"""Start the GUI: QApplication, icon, the main window; TensorFlow loads behind the window."""
from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
if not RESOURCES.is_dir():  # a packaged (PyInstaller) build keeps resources beside the package
    RESOURCES = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1])) / "resources"


def app_icon():
    from PySide6.QtGui import QIcon  # noqa: PLC0415

    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        p = RESOURCES / "icons" / f"nnstudio-{size}.png"
        if p.exists():
            icon.addFile(str(p))
    return icon


def create_app(argv: list[str] | None = None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import pyqtgraph as pg  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("nnstudio")
    app.setOrganizationName("nnstudio")
    app.setApplicationDisplayName("nnstudio")
    app.setDesktopFileName("nnstudio")
    app.setWindowIcon(app_icon())
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    return app


def run_gui(paths: list[str] | None = None) -> int:
    app = create_app()
    from nnstudio.ui.main_window import MainWindow  # noqa: PLC0415

    win = MainWindow()
    win.show()
    for p in paths or []:
        opener = getattr(win, "open_path", None)
        if opener is not None:
            opener(p)
    return app.exec()
