"""GUI: a layer-editor edit followed at once by Train — how long until the first curve point (issue 18).

Run from the repository root::

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui_first_point.py [--repeats N]

The whole main window, offscreen, on W1 (the XOR example: 6-4-1, 100 epochs, batch 32). TensorFlow
is loaded before any clock starts (the app loads it in the background at start-up) and the
precompiler compiles the loaded network, as it does a second after start-up. Then, per repeat:

* ``edit_then_train``  a layer-editor edit to a network no run has trained in this process (the
  first hidden layer's units +1 through ``LayerEditor.change_units``; with ``--dropout`` the first
  edit is W1's dropout checkbox instead, with ``--batchnorm`` a BatchNormalization layer added below
  the first hidden layer (``LayerEditor.add_layer``), the later ones units +1 of that network),
  then at once (no event loop turn in between, so the precompiler's one-second timer has not
  fired) ``TrainingController.start``: the seconds from the edit to the first ``Progress``
  reaching the curves (``CurvesView``'s slot on ``training_progress``, which runs before this
  script's). The run then finishes; the precompiler compiles the new network in the background.
* ``warm``  Train again on that network once its program is compiled: the same figure.

Set ``NNSTUDIO_ROOT`` to time another checkout (e.g. the code before a change) with this script.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.environ.get("NNSTUDIO_ROOT") or str(Path(__file__).resolve().parents[2]))


def _wait(app, cond, timeout: float = 120.0) -> None:
    t_end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > t_end:
            raise SystemExit("timed out")
        app.processEvents()
        time.sleep(0.001)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--dropout", action="store_true",
                    help="W1 with its dropout toggles: the first edit turns them on (the layer "
                         "editor's checkbox), the later ones change the units of that network")
    ap.add_argument("--batchnorm", action="store_true",
                    help="the first edit adds a BatchNormalization layer below the first hidden "
                         "layer, the later ones change the units of that network")
    args = ap.parse_args(argv)
    from nnstudio.core.project import Project
    from nnstudio.core.tf import preload
    from nnstudio.ui.app import create_app
    from nnstudio.ui.main_window import MainWindow

    app = create_app()
    t0 = time.perf_counter()
    preload()
    t_tf = time.perf_counter() - t0
    win = MainWindow(load_tensorflow=False)
    win.state.set_project(Project.from_example("xor"))
    win.show()
    state = win.state
    log: dict = {}
    state.training_progress.connect(lambda p: log.setdefault("first", time.perf_counter()))
    state.training_finished.connect(lambda r: log.setdefault("done", r))
    compiled: list[bool] = []
    win.precompiler.compiled.connect(compiled.append)
    state.tf_loaded = True
    state.tf_ready.emit()  # as the app does once TensorFlow is loaded: the precompiler starts
    _wait(app, lambda: compiled)
    spec = state.project.spec
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  load average {os.getloadavg()[0]:.1f}; "
          f"TF load {t_tf:.1f} s (before any clock); W1: {len(spec.hidden)} hidden layers, "
          f"{state.project.settings.epochs} epochs, pace {win.training.pace!r}")
    print("case\tseconds_to_first_point\trun_seconds\tran_without_xla\trun_units")

    first_edit = [True]

    def train(label: str, edit: bool) -> float:
        log.clear()
        n = len(compiled)
        t = time.perf_counter()
        if edit and args.dropout and first_edit[0]:
            win.layers.dropout_toggle.click()
            assert any(layer.kind == "dropout" for layer in state.project.spec.hidden)
        elif edit and args.batchnorm and first_edit[0]:
            assert win.layers.add_layer("batchnorm", 0)
            assert any(layer.kind == "batchnorm" for layer in state.project.spec.hidden)
        elif edit:
            assert win.layers.change_units(0, +1)
        first_edit[0] = first_edit[0] and not edit
        assert win.training.start()
        trainer = win.training.trainer
        _wait(app, lambda: "first" in log)
        first = log["first"] - t
        _wait(app, lambda: "done" in log)
        r = log["done"]
        units = "-".join(str(layer.units) if layer.kind == "dense" else
                         f"drop {layer.rate:g}" if layer.kind == "dropout" else layer.kind
                         for layer in state.project.spec.hidden)
        print(f"{label}\t{first:.3f}\t{r.seconds:.3f}\t{getattr(trainer, 'ran_plain', False)}\t"
              f"{units}", flush=True)
        if getattr(trainer, "ran_plain", False):  # no XLA yet: the precompiler
            _wait(app, lambda: len(compiled) > n and not win.precompiler.busy, 180)  # compiles it
        return first

    cold, warm = [], []
    for _ in range(max(1, args.repeats)):
        cold.append(train("edit_then_train", True))
        warm.append(train("warm", False))
    print(f"median\tedit_then_train {statistics.median(cold):.3f}\twarm {statistics.median(warm):.3f}")
    win.training.stop()
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
