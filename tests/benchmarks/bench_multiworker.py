"""Two workers on localhost against one (docs/scale.md): `python tests/benchmarks/bench_multiworker.py`.

Trains the same project (a synthetic 40,000-row binary table, 32-16 hidden units, global batch
256, 3 epochs, shuffle on) with `--distribute multi-worker` on one worker and on two worker
processes of this machine, and prints each run's training time from the JSON (`seconds`: build,
fit and test, not the start-up), the rows per second and the wall time of the whole command.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cluster"))
from workers import ROOT, Workers

ARGS = ["--target", "y", "--layers", "dense:32:relu,dense:16:relu", "--batch-size", "256",
        "--epochs", "3", "--seed", "1", "--no-stream"]


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="nnstudio-bench-mw-"))
    rng = np.random.default_rng(0)
    n = 40_000
    X = rng.normal(size=(n, 8))
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(8)])
    frame["y"] = (X[:, 0] * X[:, 1] + X[:, 2] > 0).astype(int)
    frame.to_csv(tmp / "table.csv", index=False)
    # for reference: the single-device engine (compiled chunks of epochs), no strategy at all
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NNSTUDIO_COMPUTE_THREADS": "1"}
    r = json.loads(subprocess.run(
        [sys.executable, "-m", "nnstudio", "train", "table.csv", *ARGS, "--distribute", "off", "--json"],
        cwd=tmp, env=env, capture_output=True, text=True, check=True).stdout)
    rows = r["rows"]["train"] * r["epochs_run"]
    print(f"engine, no strategy: training {r['seconds']:.2f} s ({rows / r['seconds']:,.0f} rows/s), "
          f"command wall {time.perf_counter() - t0:.1f} s, val_accuracy {r.get('val_accuracy'):.4f}")
    for count in (1, 2):
        w = Workers()
        t0 = time.perf_counter()
        try:
            out = w.results(w.start(["table.csv", *ARGS, "--backup-dir", str(tmp / f"b{count}")],
                                    count, tmp))
        finally:
            w.kill_all()
        wall = time.perf_counter() - t0
        r = out[0]
        rows = r["rows"]["train"] * r["epochs_run"]
        print(f"{count} worker(s): training {r['seconds']:.2f} s ({rows / r['seconds']:,.0f} rows/s), "
              f"command wall {wall:.1f} s, val_accuracy {r.get('val_accuracy'):.4f}, steps {r['steps']}")


if __name__ == "__main__":
    main()
