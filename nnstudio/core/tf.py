"""Lazy, quiet TensorFlow/Keras import.

TensorFlow takes seconds to import, so nothing imports it at module level: call :func:`keras` or
:func:`tensorflow` where it is needed. The GUI calls :func:`preload` on a background thread at start.
"""
from __future__ import annotations

import contextlib
import os
import threading

_lock = threading.Lock()
_tf = None


def _quiet_environment() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 to /dev/null for the duration (Python exceptions still propagate)."""
    try:
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def tensorflow():
    """Return the ``tensorflow`` module, importing it (once, thread-safely) on first use."""
    global _tf
    if _tf is None:
        with _lock:
            if _tf is None:
                _quiet_environment()
                import absl.logging  # noqa: PLC0415  (TF logs through absl)

                absl.logging.set_verbosity(absl.logging.ERROR)
                with _stderr_silenced():  # TF's C++ start-up chatter bypasses its log level
                    import tensorflow as tf  # noqa: PLC0415

                tf.get_logger().setLevel("ERROR")
                _tf = tf
    return _tf


def keras():
    """Return the Keras 3 module (TensorFlow backend)."""
    tensorflow()
    import keras as _keras  # noqa: PLC0415

    return _keras


def is_loaded() -> bool:
    return _tf is not None


def preload() -> None:
    """Import TensorFlow and Keras now (call from a worker thread)."""
    keras()
