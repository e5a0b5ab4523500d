"""What watching a run costs (issue 19): snapshots + health statistics against a plain run.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_health.py [--repeats 5] [--only xor,churn]

For each workload (W1 ``xor`` and ``xor-dropout``, W2 ``perceptron``, W3 ``digits``, W4 ``churn``,
their default settings) three ways, in one process, interleaved run by run so a change of machine
load hits all three alike:

* ``plain``      a Trainer with one progress listener (what ``nnstudio train`` has: its bar);
* ``watched``    plus snapshots and the health statistics on the probe batch at the reports the run
  makes anyway (what ``nnstudio train`` and the app do by default; in the app the pace control
  makes reports frequent anyway);
* ``every 2%``   the same with a snapshot at least every epochs/50 epochs (``--snapshot-every``):
  the engine then reports ~50 times, and each report between compiled chunks costs a call.

Each program is compiled by one untimed run first; the figures are medians of warm runs, and the
overhead is ``watched / plain - 1``. The issue asks for at most 10 %.
"""
from __future__ import annotations

import argparse
import statistics
import time

from nnstudio.core.project import Project
from nnstudio.core.timeline.recorder import default_every, watch
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import Trainer

WORKLOADS = ("xor", "xor-dropout", "perceptron", "digits", "churn")


MODES = ("plain", "watched", "every 2%")


def one(data, spec, settings, mode: str) -> tuple[float, int]:
    trainer = Trainer(data, spec, settings, control=TrainingControl(lambda p: None))
    rec = None
    if mode != "plain":
        rec = watch(trainer, every=default_every(settings.epochs) if mode == "every 2%" else None)
    t0 = time.perf_counter()
    result = trainer.run()
    if rec:
        rec.finish(result.model)  # as the CLI and the app do: the last state if the budget skipped it
    return time.perf_counter() - t0, (len(rec.timeline) if rec else 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", help="comma-separated workloads")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else WORKLOADS
    print(f"{'workload':<12} {'epochs':>6} {'plain s':>8} {'watched s':>10} {'kept':>5} {'overhead':>9}"
          f" {'every 2% s':>11} {'kept':>5} {'overhead':>9}")
    for name in names:
        p = Project.from_example(name)
        data = p.prepare()
        for mode in MODES:  # compile every program first
            one(data, p.spec, p.settings, mode)
        times = {m: [] for m in MODES}
        kept = dict.fromkeys(MODES, 0)
        for _ in range(args.repeats):
            for mode in MODES:
                t, n = one(data, p.spec, p.settings, mode)
                times[mode].append(t)
                kept[mode] = max(kept[mode], n)
        med = {m: statistics.median(v) for m, v in times.items()}
        print(f"{name:<12} {p.settings.epochs:>6} {med['plain']:>8.3f} {med['watched']:>10.3f} "
              f"{kept['watched']:>5} {med['watched'] / med['plain'] - 1:>+8.1%} "
              f"{med['every 2%']:>11.3f} {kept['every 2%']:>5} {med['every 2%'] / med['plain'] - 1:>+8.1%}",
              flush=True)


if __name__ == "__main__":
    main()
