"""TensorFlow's start-up: its shared libraries are loaded with the interpreter lock released before
it is imported on the app's worker (the window stays responsive), and TensorFlow works after it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = """
import os, sys
from nnstudio.core import tf as core_tf
paths = core_tf.load_native_libraries()
assert "tensorflow" not in sys.modules
maps = open("/proc/self/maps").read()
assert len(paths) == len(core_tf.NATIVE_LIBRARIES), paths
assert all(os.path.realpath(p) in maps for p in paths), paths
tf = core_tf.tensorflow()
assert core_tf.load_native_libraries() == []  # TensorFlow imported: nothing to do
print(float(tf.reduce_sum(tf.constant([1.0, 2.0]))), float(core_tf.keras().ops.sum([3.0, 4.0])))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the libraries' Linux names")
def test_the_libraries_load_before_the_import_and_tensorflow_then_works():
    """Loaded first, as the import would: with the app's environment (oneDNN's custom operations
    off: they change results in the last bits) and TensorFlow's C++ start-up chatter silenced;
    both were lost when the libraries first loaded ahead of the import (monkey seed 49)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL")}
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=300,
                         env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["3.0", "7.0"]
    assert "oneDNN" not in out.stderr and "cuda" not in out.stderr.lower(), out.stderr[-2000:]
