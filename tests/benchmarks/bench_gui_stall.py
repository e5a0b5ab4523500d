"""GUI: does the window keep answering while a long run trains at Max pace? (issue 18, monkey seed 165)

Run from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui_stall.py [--seconds 10]

Each case runs in a fresh process: the whole main window on an example, the pace set to Max, the
epochs to 1,000,000 and a tab open, then Train; a 10 ms timer on the GUI thread notes each
event-loop turn for ``--seconds``. A run that long starts on the NumPy host engine (Python-bound
steps on a worker thread), compiles behind it and goes on compiled. The window shares the
interpreter lock with that worker, and every Python call Qt makes (a paint, a bounding rect, a
slot) must take the lock again: how long the thread waits for it is Python's switch interval.
The cases, side by side in one run:

* ``app``   the switch interval the app sets (``nnstudio.ui.app.SWITCH_INTERVAL_S``);
* ``1ms``   the app's setting before stop 62;
* ``5ms``   Python's default (what a PySide6 app gets unless it asks).

Printed per case: the longest gap between two turns of the event loop (what a user sees as a
frozen window), the 95th percentile gap, turns a second in the first three seconds (100 is the
timer's own rate), the epochs reported in the time and the epoch at which the run went compiled
(with its second).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = os.environ.get("NNSTUDIO_ROOT") or str(Path(__file__).resolve().parents[2])
sys.path.insert(0, ROOT)
from bench_gui_first_point import _wait  # noqa: E402 -- this folder: the event loop until a condition

CASES = {"app": None, "1ms": 0.001, "5ms": 0.005}
SCENARIOS = {  # name -> (example, tab, hidden layers kept)
    "xor-0-hidden-inspector": ("xor", "Inspector", False),  # monkey seed 165
    "churn-training": ("churn", "Training", True),
}


def one(scenario: str, switch: float | None, seconds: float) -> dict:
    """One case, in this process: the figures as a dict."""
    from PySide6.QtCore import QTimer

    from nnstudio.core.project import Project
    from nnstudio.core.tf import preload
    from nnstudio.ui.app import create_app
    from nnstudio.ui.main_window import MainWindow

    app = create_app()
    if switch is not None:
        sys.setswitchinterval(switch)
    preload()
    example, tab, keep = SCENARIOS[scenario]
    win = MainWindow(load_tensorflow=False)
    win.resize(1280, 720)
    win.state.set_project(Project.from_example(example))
    win.show()
    state = win.state
    state.tf_loaded = True
    state.tf_ready.emit()
    p = state.project
    if not keep:
        p.spec.hidden = []
        state.notify_spec_changed()
    win.training_panel.epochs.setValue(1_000_000)
    win.training_toolbar.set_pace("max")
    win.tabs.setCurrentIndex(next(i for i in range(win.tabs.count()) if win.tabs.tabText(i) == tab))
    t_set = time.perf_counter()  # half a second, as a user's click after the edit: the
    _wait(app, lambda: time.perf_counter() - t_set > 0.5)  # precompiler's timer has not fired
    reports: list[tuple[float, int]] = []
    state.training_progress.connect(lambda pr: reports.append((time.perf_counter(), pr.epoch)))
    turns: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: turns.append(time.perf_counter()))
    timer.start(10)
    t0 = time.perf_counter()
    turns.append(t0)
    assert win.training.start()
    trainer = win.training.trainer
    _wait(app, lambda: time.perf_counter() - t0 > seconds, seconds + 30)
    timer.stop()
    win.training.stop()
    _wait(app, lambda: not win.training.busy)
    gaps = sorted(b - a for a, b in zip(turns, turns[1:]))
    early = sum(1 for t in turns if t - t0 < 3.0) / 3.0
    at = getattr(trainer, "switched_at", None)
    when = next((t - t0 for t, e in reports if at is not None and e >= at), None)
    return {"worst": gaps[-1], "p95": gaps[int(0.95 * (len(gaps) - 1))], "turns_per_s_0_3": early,
            "epochs": reports[-1][1] if reports else 0, "switched_at": at, "switched_s": when,
            "switch": sys.getswitchinterval()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--one", nargs=2, metavar=("SCENARIO", "CASE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        scenario, case = args.one
        print(json.dumps(one(scenario, CASES[case], args.seconds)), flush=True)
        os._exit(0)  # a training thread may still be on its way out
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  load average {os.getloadavg()[0]:.1f}; "
          f"{args.seconds:g} s of a 1,000,000-epoch Train at Max pace per case")
    print("scenario\tcase\tswitch_ms\tworst_gap_s\tp95_gap_s\tturns_per_s_first_3s\tepochs\t"
          "compiled_from_epoch\tcompiled_at_s")
    for scenario in args.scenarios.split(","):
        for case in CASES:
            out = subprocess.run([sys.executable, __file__, "--seconds", str(args.seconds),
                                  "--one", scenario, case], capture_output=True, text=True,
                                 timeout=args.seconds + 240)
            line = next((ln for ln in out.stdout.splitlines() if ln.startswith("{")), None)
            if line is None:
                print(f"{scenario}\t{case}\tfailed: {out.stderr[-500:]}")
                continue
            r = json.loads(line)
            sw = "-" if r["switched_s"] is None else f"{r['switched_s']:.1f}"
            print(f"{scenario}\t{case}\t{r['switch'] * 1000:.1f}\t{r['worst']:.3f}\t{r['p95']:.3f}\t"
                  f"{r['turns_per_s_0_3']:.0f}\t{r['epochs']}\t{r['switched_at']}\t{sw}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
