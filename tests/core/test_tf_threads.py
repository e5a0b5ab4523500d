"""TensorFlow's thread pool leaves one core to the rest of the app (nnstudio.core.tf)."""
from __future__ import annotations

import pytest

from nnstudio.core import tf as core_tf


@pytest.fixture
def in_the_app(monkeypatch):
    """The app's default (a core left to the window), whatever an earlier test in this process
    did: the CLI's tests call ``use_every_core`` (a pytest run without ``--dist loadfile`` may give
    them the same worker as this file)."""
    monkeypatch.setattr(core_tf, "_headless", False)


def test_default_is_every_core_but_one(monkeypatch, in_the_app):
    monkeypatch.delenv(core_tf.THREADS_ENV, raising=False)
    monkeypatch.setattr(core_tf, "available_cores", lambda: 8)
    assert core_tf.compute_threads() == 7
    monkeypatch.setattr(core_tf, "available_cores", lambda: 1)
    assert core_tf.compute_threads() == 1


def test_the_environment_overrides_it(monkeypatch):
    monkeypatch.setenv(core_tf.THREADS_ENV, " 3 ")
    assert core_tf.compute_threads() == 3


@pytest.mark.parametrize("bad", ["two", "0", "-1", "1.5"])
def test_a_bad_value_is_named_and_ignored(monkeypatch, capsys, bad, in_the_app):
    monkeypatch.setenv(core_tf.THREADS_ENV, bad)
    monkeypatch.setattr(core_tf, "available_cores", lambda: 4)
    assert core_tf.compute_threads() == 3
    err = capsys.readouterr().err
    assert core_tf.THREADS_ENV in err and repr(bad) in err and "positive whole number" in err


def test_tensorflow_runs_with_that_many_threads(tf_loaded):
    tf = tf_loaded.tensorflow()
    assert tf.config.threading.get_intra_op_parallelism_threads() == core_tf.compute_threads()


def test_headless_takes_every_core(monkeypatch):
    """The CLI and benchmarks (issue 18) have no GUI to leave a core to."""
    monkeypatch.delenv(core_tf.THREADS_ENV, raising=False)
    monkeypatch.setattr(core_tf, "available_cores", lambda: 8)
    monkeypatch.setattr(core_tf, "_headless", False)  # as in_the_app, then made headless below
    monkeypatch.setattr(core_tf, "_tf", None)  # before TensorFlow is loaded
    assert core_tf.compute_threads() == 7
    core_tf.use_every_core()
    assert core_tf.compute_threads() == 8
    monkeypatch.setenv(core_tf.THREADS_ENV, "2")
    assert core_tf.compute_threads() == 2


def test_compiled_programs_persist_in_a_cache_folder(monkeypatch, tmp_path):
    """Issue 18: a second process loads XLA programs from disk instead of compiling them again."""
    monkeypatch.delenv("TF_XLA_FLAGS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv(core_tf.XLA_CACHE_ENV, raising=False)
    assert core_tf._xla_flags() == f"--tf_xla_persistent_cache_directory={tmp_path}/nnstudio/xla"
    assert (tmp_path / "nnstudio" / "xla").is_dir()
    monkeypatch.setenv(core_tf.XLA_CACHE_ENV, "off")
    assert core_tf._xla_flags() == ""
    monkeypatch.setenv("TF_XLA_FLAGS", "--tf_xla_persistent_cache_directory=/elsewhere")
    monkeypatch.setenv(core_tf.XLA_CACHE_ENV, str(tmp_path / "mine"))
    assert core_tf._xla_flags() == "--tf_xla_persistent_cache_directory=/elsewhere"  # the user's
