"""Forward-pass speed: one 200x200 grid through the W1 network, Keras vs nnstudio's NumPy engine.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_forward.py [--repeats N] [--size 200]

Prints tab-separated rows ``workload  engine  seconds`` (seconds per grid, the median of the
repeats, after one untimed warm-up call per engine):

* ``keras_predict``  ``model.predict(grid, verbose=0)``: what tutorials call (batches of 32);
* ``keras_call``     ``model(grid, training=False)``: one eager call on the whole grid;
* ``nnstudio``       :func:`nnstudio.core.forward.forward` on the model's arrays (NumPy, float32).

The network is the W1 XOR net of ../shared/WORKLOADS.md with both dropout toggles on
(Dense(6, relu) -> Dropout(0.2) -> Dense(4, relu) -> Dropout(0.2) -> Dense(1, sigmoid)), trained
for a few epochs so the weights are not the initial ones. The grid spans the data's range in
original units and goes through the fitted preprocessing once, outside the clocks; every engine
sees the same encoded float32 grid. A comment line reports the largest difference between the
engines' outputs (the parity test in tests/core/test_forward.py holds it below 1e-5).
This script is self-contained: the decision-surface benchmark may print the same rows.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from nnstudio.core.forward import forward, layers_from_model, plane_grid
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.project import Project
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow


def w1_model():
    """The W1 net with both dropouts, briefly trained on the XOR example's training split."""
    from dataclasses import replace

    from nnstudio.core.training.engine import Trainer

    project = Project.from_example("xor")
    project.spec = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2),
                                LayerSpec.dense(4, "relu"), LayerSpec.dropout(0.2)])
    data = project.prepare()
    result = Trainer(data, project.spec, replace(project.settings, epochs=5)).run()
    return result.model, data


def grid_for(data, size: int) -> np.ndarray:
    raw = pd.concat([data.raw_train, data.raw_val, data.raw_test])
    fx, fy = data.preprocessor.feature_names[:2]
    pts = plane_grid((raw[fx].min(), raw[fx].max()), (raw[fy].min(), raw[fy].max()), size)
    return data.preprocessor.transform(pd.DataFrame({fx: pts[:, 0], fy: pts[:, 1]}))


def timed(fn, repeats: int) -> tuple[float, np.ndarray]:
    out = fn()  # warm-up (tracing, first-call allocations): not timed
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), np.asarray(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=20, help="timed calls per engine (predict: a third)")
    ap.add_argument("--size", type=int, default=200, help="grid points per side")
    args = ap.parse_args(argv)
    tf, keras = _tensorflow(), _keras()
    model, data = w1_model()
    grid = grid_for(data, args.size)
    layers = layers_from_model(model)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  python {platform.python_version()}  numpy "
          f"{np.__version__}  tensorflow {tf.__version__}  keras {keras.__version__}  "
          f"{os.cpu_count()} CPUs  {platform.machine()}")
    print(f"# grid {args.size}x{args.size} = {len(grid):,} points through "
          f"{' -> '.join(l.name for l in layers)}")
    results = {
        "keras_predict": timed(lambda: model.predict(grid, verbose=0), max(3, args.repeats // 3)),
        "keras_call": timed(lambda: model(grid, training=False), args.repeats),
        "nnstudio": timed(lambda: forward(layers, grid), args.repeats),
    }
    workload = f"surface_{args.size}x{args.size}"
    print("workload\tengine\tseconds")
    for engine, (sec, _) in results.items():
        print(f"{workload}\t{engine}\t{sec:.6f}")
    ref = results["keras_call"][1]
    diffs = {e: float(np.abs(out.reshape(ref.shape) - ref).max()) for e, (_, out) in results.items()}
    print("# largest |difference| from keras_call: "
          + ", ".join(f"{e} {d:.2e}" for e, d in diffs.items() if e != "keras_call"))
    base = results["nnstudio"][0]
    print("# nnstudio is " + ", ".join(f"{results[e][0] / base:.0f}x faster than {e}"
                                       for e in ("keras_predict", "keras_call")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
