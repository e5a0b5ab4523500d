"""Repeat 5 against one run, measured alternately (issue 18: "Repeat 5 costs at most 1.5x one run").

    .venv/bin/python tests/benchmarks/bench_repeat_ratio.py W3 --pairs 15
    .venv/bin/python tests/benchmarks/bench_repeat_ratio.py W3 --threads 1   # as the app (2 cores)

bench_training.py times an engine's runs one after another, then the next engine's, so on a
machine whose speed drifts by 20-30 % from minute to minute the single runs and the Repeats can
see different machines. Here each pair is one run (``run_nnstudio``, a new seed each time) then
one Repeat of seeds 0..4 as the app ends it (``run_repeat5_app``: every seed's weights recorded,
the last seed's model made), both on their compiled programs (compiled ahead, outside the clock,
as the app does in the background); the medians and their ratio are printed. ``--threads 1``
gives TensorFlow one compute thread, as the app has on a 2-core machine (it keeps one core for
the window).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workloads", nargs="*", default=["W3"])
    ap.add_argument("--pairs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=None,
                    help="TensorFlow compute threads (default: every core, as headless)")
    args = ap.parse_args()
    if args.threads:
        os.environ["NNSTUDIO_COMPUTE_THREADS"] = str(args.threads)
    from nnstudio.core import tf as core_tf

    core_tf.use_every_core()
    import bench_training as bt

    bt.warm_up()
    print(f"# TensorFlow compute threads: {core_tf.compute_threads()}; {args.pairs} pairs each")
    for key in args.workloads:
        w = next(x for x in bt.workloads(False) if x.key == key)
        one, rep = bt.alternating_ratio(w, args.pairs)
        a, b = statistics.median(one), statistics.median(rep)
        print(f"{key}: one run {a * 1000:.1f} ms (min {min(one) * 1000:.1f}), "
              f"Repeat 5 as the app ends it {b * 1000:.1f} ms (min {min(rep) * 1000:.1f}): "
              f"{b / a:.2f}x", flush=True)


if __name__ == "__main__":
    main()
