"""Decision-surface speed: one 200x200 grid through the W1 network, and the live refresh rate in the GUI.

Run from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_surface.py [--repeats N] [--epochs E]

Prints tab-separated rows (comment lines start with ``#``):

* ``surface_200x200  <engine>  <seconds per grid>`` — the 40,000 encoded rows of a 200 x 200 grid
  (W1: XOR, Dense(6, relu) -> Dense(4, relu) -> Dense(1, sigmoid)) through

  - ``keras_predict``  ``model.predict(X, verbose=0)`` (Keras' default batch size of 32, as a
    tutorial script calls it),
  - ``keras_call``     ``model(X, training=False)`` (one eager call on the whole grid),
  - ``nnstudio``       :func:`nnstudio.core.surface.evaluate`: the NumPy forward pass *plus* what
    the view needs on top of the raw outputs (P(class 1) as an image, the 0.5 contour segments).

  The median of several calls after one warm-up call each. The grid encoding (the fitted
  preprocessor on 40,000 raw rows) is the same for every engine and reported on a comment line.
* ``surface_fps  nnstudio  <frames per second>  <training slowdown>`` — the app's Training tab
  (offscreen: the real training controller and worker thread, the live curves and the surface view,
  wired as in the main window; ``--full-window`` uses the whole window with every tab) trains W1
  (its data, network, batch size and optimizer) with the live surface on and off,
  alternately, ``--repeats`` times each after one warm-up run that compiles the program. Frames per
  second is the sustained rate, (live frames - 1) / (time from the first to the last live frame) —
  a frame is counted when it has been computed and handed to pyqtgraph; the slowdown is the median
  training time of a run (``TrainResult.seconds``, the engine's own clock) with the live surface over
  the median without it (wall times from Train to ``training_finished`` are on a comment line).
  W1's 100 epochs take well under a second here, too short to measure a rate, so the runs use
  ``--epochs`` (default 6000) epochs of the same workload; comment lines give the figures for the
  plain 100-epoch run too. The engine reports progress about 20 times a second (chunks of epochs of
  ~50 ms), which bounds the frame rate.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from nnstudio.core import surface as S
from nnstudio.core.forward import forward, layers_from_model
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow


def _median_time(fn, n: int) -> float:
    fn()  # warm-up (traces, allocates)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_grid(repeats: int) -> None:
    from nnstudio.core.model.build import build_model
    from nnstudio.core.project import Project

    project = Project.from_example("xor")
    prep = project.prepare()
    pre = prep.preprocessor
    model = build_model(project.spec, prep.n_inputs, prep.task, prep.n_classes, seed=0)
    held = S.default_held_values(pre, prep.raw_train)
    spec = S.SliceSpec.make("x", "y", (-1.2, 1.2), (-1.2, 1.2), 200, held)
    enc = _median_time(lambda: S.make_grid(pre, spec), max(5, repeats))
    grid = S.make_grid(pre, spec)
    layers = layers_from_model(model)
    X = grid.X
    ref = model(X, training=False).numpy()
    got = S.evaluate(grid, layers, prep.task)
    assert np.allclose(got.outputs, ref, atol=1e-5), "the NumPy surface differs from Keras"
    print(f"# W1 network {[l.describe() for l in project.spec.layers_for(prep.task)]}; grid 200x200 = "
          f"{grid.n_rows:,} rows x {X.shape[1]} inputs; encoding the raw grid: {enc * 1000:.2f} ms; "
          f"NumPy forward alone: {_median_time(lambda: forward(layers, X), 20) * 1000:.2f} ms")
    print("workload\tengine\tseconds")
    rows = {
        "keras_predict": _median_time(lambda: model.predict(X, verbose=0), max(3, repeats // 4)),
        "keras_call": _median_time(lambda: model(X, training=False).numpy(), repeats),
        "nnstudio": _median_time(lambda: S.evaluate(grid, layers, prep.task), repeats),
    }
    for engine, sec in rows.items():
        print(f"surface_200x200\t{engine}\t{sec:.5f}", flush=True)
    print(f"# keras_predict/nnstudio {rows['keras_predict'] / rows['nnstudio']:.0f}x, "
          f"keras_call/nnstudio {rows['keras_call'] / rows['nnstudio']:.1f}x")


class _TrainingTab:
    """The app's Training tab on its own: the real TrainingController on a worker thread, the live
    curves and the surface view side by side, wired as the main window wires them."""

    def __init__(self, curves: bool = True):
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QSplitter

        from nnstudio.core.project import Project
        from nnstudio.core.training.engine import metric_name
        from nnstudio.ui.common.workers import WorkerPool
        from nnstudio.ui.state import AppState
        from nnstudio.ui.training.controller import TrainingController
        from nnstudio.ui.training.curves import CurvesView
        from nnstudio.ui.training.surface.view import SurfaceView

        self.state = AppState(Project.from_example("xor"))
        self.state.tf_loaded = True
        self.pool = WorkerPool()
        self.training = TrainingController(self.state, self.pool)
        self.curves = CurvesView()
        self.surface = SurfaceView(self.state, self.pool)
        task = self.state.project.task
        if curves:
            self.state.training_started.connect(lambda: self.curves.reset(metric_name(task)))
            self.state.training_progress.connect(lambda p: p.new_rows and self.curves.append(p.new_rows))
        self.widget = QSplitter(Qt.Orientation.Horizontal)
        self.widget.addWidget(self.curves)
        self.widget.addWidget(self.surface)
        self.widget.resize(1040, 760)

    def set_epochs(self, n: int) -> None:
        self.state.project.settings.epochs = n

    def show(self) -> None:
        self.widget.show()

    def close(self) -> None:
        self.training.stop()
        self.pool.stop_all()
        self.widget.close()


class _FullWindow:
    """The whole main window (every tab listening), for comparison (--full-window)."""

    def __init__(self):
        from nnstudio.ui.main_window import MainWindow

        self.win = MainWindow(load_tensorflow=False)
        self.win.state.tf_loaded = True
        self.win.state.tf_ready.emit()
        self.win.training.set_pace(None)  # full speed: the GUI's watchable default would pace the runs
        self.state, self.training, self.surface = self.win.state, self.win.training, self.win.surface

    def set_epochs(self, n: int) -> None:
        self.win.training_panel.epochs.setValue(n)

    def show(self) -> None:
        self.win.show()

    def close(self) -> None:
        self.win.close()


def bench_fps(repeats: int, epochs: int, full_window: bool, curves: bool = True) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from nnstudio.ui.app import create_app

    create_app()
    app = _FullWindow() if full_window else _TrainingTab(curves)
    app.show()
    view = app.surface
    log: dict = {}
    what = ("the whole main window" if full_window else
            "the Training tab (live curves + surface)" if curves else
            "the Training tab with the curves not updated (the surface alone)")
    print(f"# GUI: {what}, offscreen")

    costs: list[float] = []

    def on_frame(s):
        if s.meta.get("live") and "t_end" not in log:
            log["frames"].append(time.perf_counter())
            costs.append(s.meta.get("seconds", float("nan")))

    def on_end(_r):
        log["t_end"] = time.perf_counter()

    def on_progress(_p):
        if "t_end" not in log:
            log["progress"].append(time.perf_counter())

    view.surface_updated.connect(on_frame)
    app.state.training_finished.connect(on_end)
    app.state.training_progress.connect(on_progress)

    def run(live: bool, n_epochs: int) -> dict:
        view.live.setChecked(live)
        app.set_epochs(n_epochs)
        log.clear()
        log["frames"] = []
        log["progress"] = []
        loop = QEventLoop()
        app.state.training_finished.connect(loop.quit)
        t0 = time.perf_counter()
        assert app.training.start(), "training did not start"
        QTimer.singleShot(600_000, loop.quit)
        loop.exec()
        app.state.training_finished.disconnect(loop.quit)
        wait = QEventLoop()  # let the final surface draw before the next run
        QTimer.singleShot(300, wait.quit)
        wait.exec()
        fr = log["frames"]
        r = app.state.result
        assert r is not None and r.epochs_run == n_epochs, "the run did not complete"
        fps = (len(fr) - 1) / (fr[-1] - fr[0]) if len(fr) > 2 else float("nan")
        pr = log["progress"]
        pps = (len(pr) - 1) / (pr[-1] - pr[0]) if len(pr) > 2 else float("nan")
        return {"wall": log["t_end"] - t0, "train": r.seconds, "frames": len(fr), "fps": fps,
                "progress": len(pr), "pps": pps}

    w = run(True, epochs)  # warm-up: traces and compiles the W1 program
    print(f"# warm-up run (compiles): {w['wall']:.2f} s")
    res = {True: [], False: []}
    for i in range(repeats):
        for live in ((True, False) if i % 2 == 0 else (False, True)):
            res[live].append(run(live, epochs))
    walls_on = [r["wall"] for r in res[True]]
    walls_off = [r["wall"] for r in res[False]]
    fps = statistics.median(r["fps"] for r in res[True])
    slowdown = statistics.median(r["train"] for r in res[True]) / statistics.median(r["train"] for r in res[False])
    fps_all = ", ".join(f"{r['fps']:.1f}" for r in res[True])
    pps_all = ", ".join(f"{r['pps']:.1f}" for r in res[True] + res[False])
    train_on = ", ".join(f"{r['train']:.2f}" for r in res[True])
    train_off = ", ".join(f"{r['train']:.2f}" for r in res[False])
    print(f"# training time (the engine's own clock, TrainResult.seconds) with the live surface: "
          f"{train_on} s; without: {train_off} s")
    print(f"# {epochs} epochs of W1 per run; with the live surface: wall "
          f"{', '.join(f'{x:.2f}' for x in walls_on)} s, frames {[r['frames'] for r in res[True]]}, "
          f"fps {fps_all}; without: wall "
          f"{', '.join(f'{x:.2f}' for x in walls_off)} s; GUI-thread frames {view.inline_frames} "
          f"of {view.frames} in the last run")
    print(f"# the engine's progress reports (the most frames there can be): "
          f"{[r['progress'] for r in res[True] + res[False]]} per run, {pps_all} per second")
    short = {True: [], False: []}
    for i in range(repeats):
        for live in ((True, False) if i % 2 == 0 else (False, True)):
            short[live].append(run(live, 100))
    s_on = statistics.median(r["wall"] for r in short[True])
    s_off = statistics.median(r["wall"] for r in short[False])
    s_frames = statistics.median(r["frames"] for r in short[True])
    t_on = statistics.median(r["train"] for r in short[True])
    t_off = statistics.median(r["train"] for r in short[False])
    print(f"# plain W1 (100 epochs): training {t_on:.2f} s with the live surface ({s_frames:.0f} live "
          f"frames; wall {s_on:.2f} s), {t_off:.2f} s without (wall {s_off:.2f} s): ratio {t_on / t_off:.2f}")
    # what one live frame costs the GUI thread, whatever else the machine runs: the NumPy work
    # (CPU time of the grid, surface and point predictions) and a full repaint of the view
    from PySide6.QtGui import QImage, QPainter

    img = QImage(view.glw.size(), QImage.Format.Format_ARGB32)

    def repaint():
        painter = QPainter(img)
        view.glw.render(painter)
        painter.end()

    c0 = time.thread_time()
    for _ in range(20):
        repaint()
    paint = (time.thread_time() - c0) / 20
    from nnstudio.ui.training.surface import frames as surface_frames

    live = S.LIVE_RESOLUTION
    print(f"# GUI-thread CPU per live frame ({live}x{live} grid): NumPy {statistics.median(costs) * 1000:.1f} "
          f"ms (median of {len(costs)} frames), a full repaint of the view {paint * 1000:.1f} ms; frames "
          f"are capped at {1 / surface_frames.MIN_FRAME_INTERVAL_S:.0f} a second")
    print("workload\tengine\tfps\tslowdown")
    print(f"surface_fps\tnnstudio\t{fps:.1f}\t{slowdown:.3f}", flush=True)
    app.close()
    wait = QEventLoop()
    QTimer.singleShot(100, wait.quit)
    wait.exec()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per figure (>= 3)")
    ap.add_argument("--epochs", type=int, default=6000, help="epochs per W1 run for surface_fps")
    ap.add_argument("--only", default="", help="grid or fps")
    ap.add_argument("--full-window", action="store_true",
                    help="measure in the whole main window instead of the Training tab alone")
    ap.add_argument("--no-curves", action="store_true",
                    help="do not update the live curves (what the surface alone costs and reaches)")
    args = ap.parse_args(argv)
    repeats = max(3, args.repeats)
    tf, keras = _tensorflow(), _keras()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  python {platform.python_version()}  "
          f"tensorflow {tf.__version__}  keras {keras.__version__}  numpy {np.__version__}  "
          f"cpus {os.cpu_count()}  load average {load:.1f}  repeats {repeats}")
    if args.only in ("", "grid"):
        bench_grid(max(repeats, 10))
    if args.only in ("", "fps"):
        bench_fps(repeats, args.epochs, args.full_window, not args.no_curves)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
