"""Shared fixtures. Qt tests run offscreen; no test may leave a thread running."""
from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# QSettings (recent files, autosave) must never touch the user's real configuration
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="nnstudio-test-config-")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="nnstudio-test-data-")  # autosaves
# leaderboards and the persistent XLA program cache stay out of the user's home too (one cache per
# session: later tests still find the programs earlier ones compiled)
os.environ["NNSTUDIO_HOME"] = tempfile.mkdtemp(prefix="nnstudio-test-home-")
os.environ["NNSTUDIO_XLA_CACHE"] = tempfile.mkdtemp(prefix="nnstudio-test-xla-")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# no background compiles behind every window a test opens (tests/ui/training/test_precompiler.py turns it on)
os.environ["NNSTUDIO_BACKGROUND_COMPILE"] = "0"
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest

# the generators of test data (tests/data/make_*.py) are importable by name from any test
sys.path.insert(0, str(Path(__file__).resolve().parent / "data"))


@pytest.fixture(scope="session")
def tf_loaded():
    """Import TensorFlow once per session (it takes seconds)."""
    from nnstudio.core import tf

    tf.preload()
    return tf


@pytest.fixture(scope="session", autouse=True)
def gui_thread_gc():
    """As in the app: garbage is collected on the GUI thread only (see ui.app.install_gui_thread_gc)."""
    from PySide6.QtWidgets import QApplication

    from nnstudio.ui.app import install_gui_thread_gc

    app = QApplication.instance() or QApplication([])
    install_gui_thread_gc(app)
    yield
    import gc

    gc.enable()


@pytest.fixture(autouse=True)
def no_threads_left(request):
    """Fail any test that leaves a Worker QThread or a non-daemon Python thread running."""
    before = {t.ident for t in threading.enumerate()}
    yield
    leaked = [t for t in threading.enumerate()
              if t.ident not in before and t.is_alive() and not t.daemon]
    workers = []
    if "PySide6" in __import__("sys").modules:
        from nnstudio.ui.common.workers import running_workers

        workers = running_workers()
    if leaked or workers:
        for w in workers:  # clean up so later tests are not affected, then fail
            w.request_stop()
            w.wait(30_000)
        pytest.fail(f"test left threads running: {[t.name for t in leaked]} "
                    f"workers={[w.name for w in workers]}")


@pytest.fixture
def window(qtbot, tf_loaded):
    """The main window on the XOR example, TensorFlow already loaded."""
    from nnstudio.ui.app import create_app

    create_app()
    from nnstudio.ui.main_window import MainWindow

    win = MainWindow(load_tensorflow=False)
    win.state.tf_loaded = True
    win.state.tf_ready.emit()
    win.training_toolbar.set_pace("max")  # tests train at full speed (the GUI's default is watchable)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
