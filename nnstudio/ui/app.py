"""Start the GUI: QApplication, icon, the main window; TensorFlow loads behind the window."""
from __future__ import annotations

import ctypes.util
import gc
import os
import sys
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
if not RESOURCES.is_dir():  # a packaged (PyInstaller) build keeps resources beside the package
    RESOURCES = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1])) / "resources"


def app_icon():
    from PySide6.QtGui import QIcon  # noqa: PLC0415 -- lazy: Qt loads after the check for missing system libraries, which it would abort on

    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        p = RESOURCES / "icons" / f"nnstudio-{size}.png"
        if p.exists():
            icon.addFile(str(p))
    return icon


#: Debian/Ubuntu packages Qt's X11 (xcb) platform plugin needs, by the library it loads.
XCB_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4",
                 "xcb-keysyms": "libxcb-keysyms1", "xcb-image": "libxcb-image0",
                 "xcb-render-util": "libxcb-render-util0", "xkbcommon-x11": "libxkbcommon-x11-0",
                 "xcb-shape": "libxcb-shape0", "xcb-randr": "libxcb-randr0"}


def missing_system_libraries() -> list[str]:
    """Packages missing for Qt to open an X11 window (empty where it does not apply)."""
    if not sys.platform.startswith("linux") or os.environ.get("WAYLAND_DISPLAY"):
        return []
    platform = os.environ.get("QT_QPA_PLATFORM", "xcb")
    if not platform.startswith("xcb") or not os.environ.get("DISPLAY"):
        return []

    return [pkg for lib, pkg in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]


def create_app(argv: list[str] | None = None):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import pyqtgraph as pg  # noqa: PLC0415 -- lazy: Qt loads after the check for missing system libraries, which it would abort on
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415 -- lazy: Qt loads after the check for missing system libraries, which it would abort on

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("nnstudio")
    app.setOrganizationName("nnstudio")
    app.setApplicationDisplayName("nnstudio")
    app.setDesktopFileName("nnstudio")
    app.setWindowIcon(app_icon())
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    install_gui_thread_gc(app)
    one_blas_thread()
    quick_interpreter_handover()
    return app


#: How long a thread that wants the interpreter lock waits before the holder is asked to let it go
#: (Python's default is 5 ms).
SWITCH_INTERVAL_S = 0.0002


def quick_interpreter_handover() -> None:
    """The GUI thread gets the interpreter lock back within 0.2 ms of asking, not 5.

    Qt calls into Python for every cell a table sizes or paints and every item a plot draws, and
    each call must take the lock again, so a frame with a few hundred such calls waits a few
    hundred switch intervals while a worker runs Python (the host engine's steps, tracing a
    program, making a Repeat's models, an evaluation). Monkey seed 41 saw the window frozen 2.0-4.3
    s sizing the predictions table after a Repeat on churn (0.28-0.94 s at Python's 5 ms, 0.12-0.26
    s at 1 ms); monkey seed 165 saw 1.0-2.7 s passes of the event loop while a long run trained on
    the host engine at Max pace. ``tests/benchmarks/bench_gui_stall.py`` (xor without hidden
    layers, Inspector open): longest gap 1.98 s at 1 ms, 0.19 s at 0.2 ms, and the run itself got
    further (124,085 epochs in 10 s against 12,460: the worker and the compile behind it no longer
    queue behind the window's every call). The app's Repeat takes as long as before."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)


def one_blas_thread() -> None:
    """NumPy's BLAS (OpenBLAS) on one thread in the app, for good.

    OpenBLAS runs one product at a time on its thread pool. A product on the GUI thread (the
    inspector's one-row trace, a colour scale) that is big enough to go to the pool then waits
    for a worker's product (a decision surface through a wide layer) to end, and small products
    keep the interpreter lock while they wait: the window froze for 4-15 s after Stop on a network
    with a 100,000-unit layer. On one thread each product runs on its caller. The app's heavy
    arithmetic is TensorFlow's, on its own pool (which leaves one core to the GUI); headless runs
    (the CLI, the benchmarks) keep every BLAS thread."""
    from nnstudio.core.health import blas_controller  # noqa: PLC0415 -- lazy: loads threadpoolctl

    blas_controller().limit(limits=1, user_api="blas")


def install_gui_thread_gc(app) -> None:
    """Collect garbage on the GUI thread only, full passes in a pause of the user's input
    (:mod:`nnstudio.ui.common.idle_gc`)."""
    if getattr(app, "_nnstudio_gc", None) is None:
        from nnstudio.ui.common.idle_gc import IdleGarbageCollector  # noqa: PLC0415 -- lazy: Qt loads after the check for missing system libraries, which it would abort on

        app._nnstudio_gc = IdleGarbageCollector(app)


def freeze_long_lived_objects() -> None:
    """Take the objects alive now out of the garbage collector's full passes (``gc.freeze``).

    Called once TensorFlow, Keras and the window are loaded: some 450,000 objects that live as
    long as the app. With automatic collection off (:func:`install_gui_thread_gc`), the
    collector runs a full pass on the GUI thread about once a minute of use, and each pass
    walked all of them: 0.4-0.5 s with the window frozen. Frozen, a full pass walks only what
    was made since. Nothing is collected first: at that point only ~100 of them are garbage.
    Once a process: objects that are garbage by a later call (a closed window's) stay collectable."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


_frozen = False


def no_display_message() -> str | None:
    """Why no window can open (no X11 or Wayland display), or None. Qt's own message in that case
    is an abort about the xcb plugin and xcb-cursor, which sends people installing packages."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None  # the user chose a platform (offscreen, vnc, wayland…): let Qt try it
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("nnstudio: error: no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY "
            "is set). Run the app from a desktop session, or use the command line instead "
            "(nnstudio --help: train, evaluate, predict, export, forward); over SSH use ssh -X, or "
            "run it under xvfb-run for screenshots.")


def run_gui(paths: list[str] | None = None) -> int:
    no_display = no_display_message()
    if no_display:
        print(no_display, file=sys.stderr)
        return 1
    missing = missing_system_libraries()
    if missing:  # Qt would abort with a cryptic message: say what to install instead
        print("nnstudio: error: Qt cannot open a window because system libraries are missing. "
              f"Install them with: sudo apt-get install {' '.join(missing)}", file=sys.stderr)
        return 1
    app = create_app()
    from nnstudio.ui.main_window import MainWindow  # noqa: PLC0415 -- lazy: Qt loads after the check for missing system libraries, which it would abort on

    win = MainWindow()
    win.show()
    for p in paths or []:
        opener = getattr(win, "open_path", None)
        if opener is not None:
            opener(p)
    if not paths:  # relaunched with nothing to open: offer the last project (one click, no dialog)
        from nnstudio.ui.project.reopen import offer_last_project  # noqa: PLC0415 -- lazy: Qt loads after the check for missing system libraries, which it would abort on

        offer_last_project(win)
    return app.exec()
