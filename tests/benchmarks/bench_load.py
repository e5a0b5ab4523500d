"""Large CSV: 1,000,000 rows x 20 columns — load, preview, train, and the window's responsiveness.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_load.py [--rows N] [--epochs E] [--only read,gui]

The CSV (15 number columns, 4 text category columns, a 0/1 target; ~150 MB) is written once to
``$TMPDIR/nnstudio-bench/`` and reused. Each phase runs in a fresh process, so its peak memory
(``VmHWM``: the most resident memory the process ever had, imports included) is its own:

* ``baseline``  the imports each phase starts from (pandas; pandas+TensorFlow) — subtract it;
* ``preview``   what the import dialog does: detect the format and read the first 200 rows;
* ``read``      the app's reader (``core.data.csv.read_csv``: chunks of 50,000 rows, progress,
                cancel), then the column summaries the Data tab shows;
* ``train``     read, prepare (split, preprocessing fitted on the training rows), and train the
                default network (16-8 relu) for E epochs in memory (the engine's fast path);
* ``stream``    ``nnstudio train FILE --stream``: the CSV is read in chunks by tf.data and never
                held whole (for files larger than memory);
* ``gui``       the main window (offscreen) reads the file through File > Open data's worker,
                shows it, visits every tab, then trains E epochs; a 5 ms QTimer probe records the
                longest gap between event-loop turns (what a user would feel as a frozen window)
                in each step.

Times are wall-clock seconds on this machine (2 shared cores: quote them with the machine).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CACHE = Path(tempfile.gettempdir()) / "nnstudio-bench"


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss where /proc is missing — on Linux
    that one also counts the parent's memory at fork time)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_csv(rows: int) -> Path:
    import numpy as np
    import pandas as pd

    path = CACHE / f"load_{rows}x20.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    cols = {}
    for j in range(15):
        cols[f"x{j}"] = np.round(rng.normal(j, 1 + j % 4, rows), 3)
    for j, k in enumerate((3, 5, 8, 12)):
        cols[f"cat{j}"] = np.array([f"c{j}_{i}" for i in range(k)])[rng.integers(0, k, rows)]
    logit = cols["x0"] - 0.5 * cols["x3"] + (cols["cat0"] == "c0_1") * 1.5
    cols["label"] = (logit + rng.normal(0, 1, rows) > np.median(logit)).astype(int)
    tmp = path.with_suffix(".tmp")
    pd.DataFrame(cols).to_csv(tmp, index=False, chunksize=100_000)
    tmp.rename(path)
    return path


# ----- phases (each in its own process) -------------------------------------------------------------
def phase_baseline(path: Path, epochs: int) -> dict:

    out = {"pandas_peak_mb": peak_mb()}
    from nnstudio.core import tf

    tf.preload()
    out["pandas_tf_peak_mb"] = peak_mb()
    return out


def phase_preview(path: Path, epochs: int) -> dict:
    from nnstudio.core.data.csv import preview

    t = time.perf_counter()
    frame, fmt = preview(path)
    return {"seconds": time.perf_counter() - t, "rows": len(frame), "columns": len(fmt.names),
            "peak_mb": peak_mb()}


def phase_read(path: Path, epochs: int) -> dict:
    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.project import Project

    calls = []
    t = time.perf_counter()
    ds = read_csv(path, progress=lambda f, m: calls.append(f))
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    for c in ds.columns:
        ds.profile(c)
    project = Project.from_dataset(ds)
    return {"seconds": read_s, "profile_seconds": time.perf_counter() - t, "rows": ds.n_rows,
            "columns": len(ds.columns), "progress_reports": len(calls),
            "frame_mb": ds.frame.memory_usage(deep=True).sum() / 2**20, "peak_mb": peak_mb(),
            "target": project.roles.target}


def phase_train(path: Path, epochs: int) -> dict:
    from dataclasses import replace

    from nnstudio.core import tf
    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import Trainer

    tf.preload()
    t0 = time.perf_counter()
    project = Project.from_dataset(read_csv(path), "label")
    t1 = time.perf_counter()
    data = project.prepare()
    t2 = time.perf_counter()
    settings = replace(project.settings, epochs=epochs, batch_size=256)
    result = Trainer(data, project.spec, settings).run()
    t3 = time.perf_counter()
    return {"read_seconds": t1 - t0, "prepare_seconds": t2 - t1, "train_seconds": t3 - t2,
            "epochs": result.epochs_run, "status": result.status,
            "test_accuracy": result.test.get("accuracy"), "train_rows": len(data.X_train),
            "inputs": data.n_inputs, "peak_mb": peak_mb()}


def phase_stream(path: Path, epochs: int) -> dict:
    import contextlib
    import io

    from nnstudio.cli import main

    out = io.StringIO()
    t = time.perf_counter()
    with contextlib.redirect_stdout(out):
        rc = main(["train", str(path), "--target", "label", "--stream", "--epochs", str(epochs),
                   "--batch-size", "256", "--json"])
    seconds = time.perf_counter() - t
    res = json.loads(out.getvalue())
    return {"rc": rc, "seconds": seconds, "epochs": res.get("epochs_run"), "path": res.get("path"),
            "test_accuracy": res.get("test_accuracy"), "peak_mb": peak_mb()}


def phase_gui(path: Path, epochs: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="nnstudio-bench-config-")
    from nnstudio.core import tf

    tf.preload()
    from PySide6.QtCore import QElapsedTimer, QTimer

    from nnstudio.ui.app import create_app
    from nnstudio.ui.main_window import MainWindow

    app = create_app()
    win = MainWindow(load_tensorflow=False)
    win.state.tf_loaded = True
    win.state.tf_ready.emit()
    win.training.set_pace(None)  # full speed: the GUI's watchable default would pace the run
    win.show()
    clock = QElapsedTimer()
    clock.start()
    ticks: list[int] = []
    probe = QTimer()
    probe.setInterval(5)
    probe.timeout.connect(lambda: ticks.append(clock.elapsed()))
    probe.start()

    def wait(cond, timeout_s=1800):
        end = time.monotonic() + timeout_s
        while not cond():
            app.processEvents()
            time.sleep(0.001)
            if time.monotonic() > end:
                raise TimeoutError

    def gap(since: int) -> float:
        seen = [t for t in ticks if t >= since]
        return max((b - a for a, b in zip(seen, seen[1:])), default=0) / 1000

    out = {}
    loaded = []
    win.data_io.loaded.connect(lambda p: loaded.append(clock.elapsed()))
    start = clock.elapsed()
    t = time.perf_counter()
    win.data_io.read(str(path))
    wait(lambda: bool(loaded))
    out["read_seconds"] = time.perf_counter() - t
    wait(lambda: not win.data_io.reading)
    out["read_max_gap_s"] = gap(start)
    # what follows the load on the GUI thread: the Data tab and the summary on the left
    settle = clock.elapsed()
    end = settle + 1500
    wait(lambda: clock.elapsed() > end)
    out["after_load_max_gap_s"] = gap(loaded[0])
    out["rows_shown"] = win.data_panel.columns_model.rowCount()
    # the user looks at every view of the new data (views refresh when they are shown)
    start = clock.elapsed()
    for i in range(win.tabs.count()):
        win.tabs.setCurrentIndex(i)
        end = clock.elapsed() + 500
        wait(lambda end=end: clock.elapsed() > end)
    out["tabs_max_gap_s"] = gap(start)
    # train
    win.training_panel.epochs.setValue(epochs)
    finished = []
    win.state.training_finished.connect(lambda r: finished.append(r))
    start = clock.elapsed()
    t = time.perf_counter()
    win.training.start()
    wait(lambda: bool(finished))
    out["train_seconds"] = time.perf_counter() - t
    out["train_max_gap_s"] = gap(start)
    out["train_status"] = finished[0].status
    out["peak_mb"] = peak_mb()
    probe.stop()
    win.close()
    return out


PHASES = {"baseline": phase_baseline, "preview": phase_preview, "read": phase_read,
          "train": phase_train, "stream": phase_stream, "gui": phase_gui}


def run_phase(name: str, path: Path, epochs: int) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
    p = subprocess.run([sys.executable, __file__, "--phase", name, "--file", str(path),
                        "--epochs", str(epochs)], capture_output=True, text=True, env=env, cwd=ROOT)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"error": (p.stderr.strip().splitlines() or ["?"])[-1][:300]}
    return json.loads(lines[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--only", help="comma-separated phases: " + ", ".join(PHASES))
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](Path(args.file), args.epochs)))
        return
    t = time.perf_counter()
    path = make_csv(args.rows)
    made = time.perf_counter() - t
    print(f"nnstudio large-CSV benchmark — {platform.node()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"file: {path} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows x 20 columns"
          f"{f', written in {made:.0f} s' if made > 1 else ''})\n")
    results = {}
    for name in (args.only.split(",") if args.only else PHASES):
        results[name] = r = run_phase(name, path, args.epochs)
        print(f"{name:>9}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                         for k, v in r.items()), flush=True)
    print("\n" + json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
