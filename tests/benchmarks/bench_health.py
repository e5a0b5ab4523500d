"""What watching a run costs (issue 19): snapshots + health statistics against a plain run.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_health.py [--repeats 5] [--only xor,churn]

For each workload (W1 ``xor`` and ``xor-dropout``, W2 ``perceptron``, W3 ``digits``, W4 ``churn``,
their default settings) three ways, in one process, interleaved run by run so a change of machine
load hits all three alike:

* ``plain``      a Trainer with one progress listener (what ``nnstudio train`` has: its bar);
* ``snapshots``  plus a :class:`~nnstudio.core.timeline.recorder.Recorder` (a snapshot at least every
  epochs/50 epochs: the cap makes the engine report that often);
* ``watched``    plus the health statistics on the probe batch at every report (what the app and
  ``nnstudio train`` do).

Each program is compiled by one untimed run first; the figures are medians of warm runs, and the
overhead is ``watched / plain - 1``. The issue asks for at most 10 %.
"""
from __future__ import annotations

import argparse
import statistics
import time

from nnstudio.core.project import Project
from nnstudio.core.timeline.recorder import watch
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import Trainer

WORKLOADS = ("xor", "xor-dropout", "perceptron", "digits", "churn")


def one(data, spec, settings, mode: str) -> tuple[float, int]:
    trainer = Trainer(data, spec, settings, control=TrainingControl(lambda p: None))
    rec = None
    if mode != "plain":
        rec = watch(trainer, health=(mode == "watched"))
    t0 = time.perf_counter()
    trainer.run()
    return time.perf_counter() - t0, (len(rec.timeline) if rec else 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", help="comma-separated workloads")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else WORKLOADS
    print(f"{'workload':<12} {'epochs':>6} {'plain s':>9} {'snapshots s':>12} {'watched s':>10} "
          f"{'snapshots':>9} {'overhead':>9}")
    for name in names:
        p = Project.from_example(name)
        data = p.prepare()
        for mode in ("plain", "snapshots", "watched"):  # compile every program first
            one(data, p.spec, p.settings, mode)
        times = {m: [] for m in ("plain", "snapshots", "watched")}
        kept = 0
        for _ in range(args.repeats):
            for mode in times:
                t, n = one(data, p.spec, p.settings, mode)
                times[mode].append(t)
                kept = max(kept, n)
        med = {m: statistics.median(v) for m, v in times.items()}
        over = med["watched"] / med["plain"] - 1
        print(f"{name:<12} {p.settings.epochs:>6} {med['plain']:>9.3f} {med['snapshots']:>12.3f} "
              f"{med['watched']:>10.3f} {kept:>9} {over:>+8.1%}", flush=True)


if __name__ == "__main__":
    main()
