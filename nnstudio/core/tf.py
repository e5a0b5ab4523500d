"""Lazy, quiet TensorFlow/Keras import.

TensorFlow takes seconds to import, so nothing imports it at module level: call :func:`keras` or
:func:`tensorflow` where it is needed. The GUI calls :func:`preload` on a background thread at start.

TensorFlow's own thread pool is sized to leave one core to everything else (:func:`compute_threads`):
by default TF takes every core, and its idle workers spin, so on a 2-core machine the GUI thread
had to preempt a training thread for every repaint. The networks nnstudio trains are small enough
that one core fewer costs them nothing (measured in docs/surface.md). Headless (the CLI, the
benchmarks) there is no GUI to leave a core to: :func:`use_every_core` makes the default every core,
which matters for compute-bound nets (hundreds of inputs, hidden layers of 256-512: issue 18).
"""
from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import sys
import threading

_lock = threading.Lock()
_tf = None

THREADS_ENV = "NNSTUDIO_COMPUTE_THREADS"
#: Set by :func:`use_every_core` (headless): the default thread count is every core, not all but one.
_headless = False


def use_every_core() -> None:
    """Headless: TensorFlow's default thread pool takes every available core (there is no GUI to
    leave one to). ``$NNSTUDIO_COMPUTE_THREADS`` still wins. Once TensorFlow is loaded its pool is
    fixed, so then this does nothing (and :func:`compute_threads` keeps telling the truth)."""
    global _headless
    if _tf is None:
        _headless = True


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def compute_threads() -> int:
    """Threads for TensorFlow's intra-op pool: ``$NNSTUDIO_COMPUTE_THREADS`` if it is a positive
    integer, else every available core but one (at least one), or every core when headless
    (:func:`use_every_core`)."""
    default = available_cores() if _headless else max(1, available_cores() - 1)
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw:
        try:
            n = int(raw)
            if n >= 1:
                return n
        except ValueError:
            pass
        print(f"nnstudio: {THREADS_ENV}={raw!r} is not a positive whole number; "
              f"using {default} thread(s) instead.", file=sys.stderr)
    return default


def _configure_threads(tf) -> None:
    try:
        tf.config.threading.set_intra_op_parallelism_threads(compute_threads())
    except RuntimeError:  # TF was already initialized by someone else: keep what they chose
        pass


XLA_CACHE_ENV = "NNSTUDIO_XLA_CACHE"


def xla_cache_dir() -> str | None:
    """Where compiled XLA programs persist across processes (issue 18): ``$NNSTUDIO_XLA_CACHE``
    (``off`` for none), else ``$XDG_CACHE_HOME/nnstudio/xla`` (``~/.cache/nnstudio/xla``). A second
    ``nnstudio train`` of the same network then loads the program instead of compiling it again
    (tracing still runs). None when there is no usable folder."""
    raw = os.environ.get(XLA_CACHE_ENV, "").strip()
    if raw.lower() in ("off", "0", "no", "none"):
        return None
    folder = raw or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "nnstudio", "xla")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _xla_flags() -> str:
    """``$TF_XLA_FLAGS`` with the persistent compilation cache added (unless the user set one)."""
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if "tf_xla_persistent_cache_directory" in flags:
        return flags
    folder = xla_cache_dir()
    if folder is None:
        return flags
    return f"{flags} --tf_xla_persistent_cache_directory={folder}".strip()


def _quiet_environment() -> None:
    os.environ["TF_XLA_FLAGS"] = _xla_flags()
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
                import absl.logging  # noqa: PLC0415 -- lazy: TF logs through absl, loaded with TensorFlow

                absl.logging.set_verbosity(absl.logging.ERROR)
                with _stderr_silenced():  # TF's C++ start-up chatter bypasses its log level
                    import tensorflow as tf  # noqa: PLC0415 -- lazy: seconds to import; the GUI starts first

                tf.get_logger().setLevel("ERROR")
                _configure_threads(tf)
                _tf = tf
    return _tf


def keras():
    """Return the Keras 3 module (TensorFlow backend)."""
    tensorflow()
    import keras as _keras  # noqa: PLC0415 -- lazy: imports TensorFlow

    return _keras


def is_loaded() -> bool:
    return _tf is not None


def preload() -> None:
    """Import TensorFlow and Keras now (call from a worker thread)."""
    load_native_libraries()
    keras()


#: TensorFlow's shared libraries on Linux (1.2 GB), in the order they depend on each other
NATIVE_LIBRARIES = ("libtensorflow_framework.so.2", "libtensorflow_cc.so.2")


def load_native_libraries() -> list[str]:
    """Load TensorFlow's shared libraries through libc's ``dlopen``, which ctypes calls with the
    interpreter lock released, before TensorFlow is imported; the paths loaded.

    Python loads an extension module, and the libraries it needs, holding the lock: while a worker
    imported TensorFlow, the window just opened could not run for up to 0.54-0.58 s (the first of
    TensorFlow's extensions, which pulls these two in). Loaded this way first, its longest pass
    was 0.18-0.20 s (the app under Xvfb, a 5 ms timer on the GUI thread, three starts each).
    Linux only, as the import would load them (RTLD_NOW, not global; the environment set and the
    C++ start-up's chatter silenced as for the import); anything unexpected leaves the loading to
    the import."""
    if not sys.platform.startswith("linux") or "tensorflow" in sys.modules:
        return []
    # the libraries' static start-up reads the environment (oneDNN off, log level) and prints
    _quiet_environment()
    with _stderr_silenced():
        return _dlopen_all()


def _dlopen_all() -> list[str]:
    loaded: list[str] = []
    try:
        spec = importlib.util.find_spec("tensorflow")
        roots = list(spec.submodule_search_locations or []) if spec else []
        if not roots:
            return loaded
        libc = ctypes.CDLL(None)
        dlopen = libc.dlopen
        dlopen.argtypes, dlopen.restype = [ctypes.c_char_p, ctypes.c_int], ctypes.c_void_p
        for name in NATIVE_LIBRARIES:
            path = os.path.join(roots[0], name)
            if os.path.isfile(path) and dlopen(os.fsencode(path), os.RTLD_NOW):
                loaded.append(path)
    except (OSError, AttributeError, ImportError, ValueError):
        pass
    return loaded
