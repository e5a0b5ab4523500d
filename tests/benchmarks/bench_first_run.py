"""First run across processes: ``nnstudio train`` in a new process, with and without the
persistent XLA compilation cache (issue 18).

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_first_run.py [--example xor] [--epochs 100]

Three processes, one after the other, each ``nnstudio train EXAMPLE --json``: (1) with the cache
turned off (``NNSTUDIO_XLA_CACHE=off``: tracing and XLA compilation), (2) with an empty cache folder
(the same, and the program is written to the folder), (3) again with that folder (the program is
loaded instead of compiled; tracing still runs). Printed: the training seconds the command reports
(build, trace, compile, train, test) and the whole process's wall time (Python and TensorFlow
start-up included).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def one(example: str, epochs: int, cache: str) -> tuple[float, float]:
    env = dict(os.environ, NNSTUDIO_XLA_CACHE=cache, PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "nnstudio", "train", example, "--epochs", str(epochs),
                          "--json"], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    return float(json.loads(out.stdout)["seconds"]), wall


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--example", default="xor")
    ap.add_argument("--epochs", type=int, default=100)
    args = ap.parse_args(argv)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  nnstudio train {args.example} --epochs {args.epochs}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print("process\ttrain_seconds\tprocess_wall_s")
    with tempfile.TemporaryDirectory() as folder:
        for label, cache in (("no cache", "off"), ("1st, empty cache", folder),
                             ("2nd, same cache", folder)):
            sec, wall = one(args.example, args.epochs, cache)
            print(f"{label}\t{sec:.2f}\t{wall:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
