"""Sweep speed: W1 (XOR), 4 architectures x 6 learning rates x 5 seeds = 120 runs, end to end.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_sweep.py [--keras-runs 4] [--sklearn-runs 120]

In one process, on the same encoded W1 data (1000 XOR rows, split 75:25 with seed 42, as in
bench_training.py), 100 epochs, batch 32, Adam:

* ``nnstudio``  :func:`nnstudio.core.experiments.sweep.run_sweep` over the grid
  ``layers=dense:6:relu,dense:4:relu|dense:6:relu|dense:8:relu,dense:8:relu|dense:16:relu,dense:8:relu;
  lr=0.0003,0.001,0.003,0.01,0.03,0.1`` x seeds 0..4 — everything inside the clock: planning, model
  construction, compiling (one program per architecture; learning rates and seeds reuse it),
  training, test evaluation, the run records and the ranking/verdicts. Timed twice: the *first*
  sweep in the process (it compiles the 4 programs) and a *warm* repeat of the same sweep (the
  programs are cached, as for a second sweep in the app).
* ``keras_fit`` the same 120 runs as a loop of the tutorial script (``Sequential``, ``compile``,
  ``fit``); it costs ~the same per run whatever came before, so it is estimated from
  ``--keras-runs`` runs (default 4: one per architecture, each with another learning rate) x 120.
* ``sklearn``   a loop of ``MLPClassifier`` (same hidden layers, batch, epochs, learning rate, seed,
  ``alpha=0``, every epoch run); all 120 by default (``--sklearn-runs N`` estimates from N).

TensorFlow is warmed up once for every engine (one tiny Keras fit) before any clock starts, as in
bench_training.py.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_training import warm_up

from nnstudio.core.data.preprocess import SplitConfig
from nnstudio.core.project import Project

ARCHS = ["dense:6:relu,dense:4:relu", "dense:6:relu", "dense:8:relu,dense:8:relu",
         "dense:16:relu,dense:8:relu"]
LRS = [0.0003, 0.001, 0.003, 0.01, 0.03, 0.1]
SEEDS = 5
GRID = "layers=" + "|".join(ARCHS) + ";lr=" + ",".join(f"{x:g}" for x in LRS)


def project_and_data():
    p = Project.from_example("xor")
    p.split = replace(p.split, test=0.25, val=0.0, seed=42)
    assert isinstance(p.split, SplitConfig)
    p.settings = replace(p.settings, epochs=100, batch_size=32, optimizer="adam")
    return p, p.prepare()


def hidden_of(arch: str) -> list[int]:
    return [int(item.split(":")[1]) for item in arch.split(",")]


def keras_run(d, arch: str, lr: float, seed: int) -> tuple[float, float]:
    from nnstudio.core.tf import keras as _keras

    keras = _keras()
    t0 = time.perf_counter()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input(shape=(d.n_inputs,))]
                             + [keras.layers.Dense(u, activation="relu") for u in hidden_of(arch)]
                             + [keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(d.X_train, d.y_train, epochs=100, batch_size=32, verbose=0)
    seconds = time.perf_counter() - t0
    p = model.predict(d.X_test, verbose=0)
    return seconds, float(np.mean((p[:, 0] > 0.5).astype(int) == d.y_test))


def sklearn_run(d, arch: str, lr: float, seed: int) -> tuple[float, float]:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    t0 = time.perf_counter()
    clf = MLPClassifier(hidden_layer_sizes=tuple(hidden_of(arch)), activation="relu",
                        solver="adam", batch_size=32, max_iter=100, learning_rate_init=lr,
                        alpha=0.0, random_state=seed, n_iter_no_change=101, tol=0.0,
                        shuffle=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(d.X_train, d.y_train)
    seconds = time.perf_counter() - t0
    return seconds, float(np.mean(clf.predict(d.X_test) == d.y_test))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keras-runs", type=int, default=4)
    ap.add_argument("--sklearn-runs", type=int, default=120)
    args = ap.parse_args(argv)
    from nnstudio.core.experiments import sweep
    from nnstudio.core.tf import preload

    preload()
    project, d = project_and_data()
    configs = sweep.expand(sweep.parse_grid(GRID))
    runs = [(c["layers"], c["lr"], s) for c in configs for s in range(SEEDS)]
    assert len(runs) == 120
    print(f"# bench_sweep: W1 XOR, {len(ARCHS)} architectures x {len(LRS)} learning rates x "
          f"{SEEDS} seeds = {len(runs)} runs, 100 epochs, batch 32 "
          f"({platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()})")
    print(f"warm-up (one tiny Keras fit, for all engines): {warm_up():.2f} s")

    t0 = time.perf_counter()
    first = sweep.run_sweep(project, configs, SEEDS, data=d)
    first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    warm = sweep.run_sweep(project, configs, SEEDS, data=d)
    warm_s = time.perf_counter() - t0
    assert len(first.records) == len(warm.records) == 120
    acc = [r.metric("test_accuracy") for r in warm.records]
    same = all(a.metric("test_accuracy") == b.metric("test_accuracy")
               for a, b in zip(first.records, warm.records))
    print(f"nnstudio sweep, first in process: {first_s:.2f} s ({first_s / 120 * 1000:.0f} ms a run)")
    print(f"nnstudio sweep, warm:             {warm_s:.2f} s ({warm_s / 120 * 1000:.0f} ms a run)"
          f"; same results as the first: {same}")
    for line in warm.summary_text():
        print("  " + line)

    picks = [runs[i] for i in np.linspace(0, 119, args.keras_runs).round().astype(int)] \
        if args.keras_runs < 120 else runs
    k = [keras_run(d, *r) for r in picks]
    keras_per = statistics.mean(s for s, _ in k)
    keras_total = keras_per * 120
    how = "measured" if len(picks) == 120 else f"estimated from {len(picks)} runs"
    print(f"Keras fit loop: {keras_total:.1f} s ({how}: {keras_per:.2f} s a run; test accuracy "
          f"{statistics.mean(a for _, a in k):.3f})")
    picks = runs if args.sklearn_runs >= 120 else \
        [runs[i] for i in np.linspace(0, 119, args.sklearn_runs).round().astype(int)]
    sk = [sklearn_run(d, *r) for r in picks]
    sk_per = statistics.mean(s for s, _ in sk)
    sk_total = sum(s for s, _ in sk) if len(picks) == 120 else sk_per * 120
    how = "measured" if len(picks) == 120 else f"estimated from {len(picks)} runs"
    print(f"sklearn MLPClassifier loop: {sk_total:.1f} s ({how}: {sk_per * 1000:.0f} ms a run; "
          f"test accuracy {statistics.mean(a for _, a in sk):.3f})")
    print(f"nnstudio test accuracy over the 120 runs: {statistics.mean(acc):.3f}")
    print()
    print("| sweep (120 runs) | Keras fit loop | sklearn loop | nnstudio | Keras / nnstudio | "
          "sklearn / nnstudio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s in (("first in process", first_s), ("warm", warm_s)):
        print(f"| {name} | {keras_total:.1f} s | {sk_total:.1f} s | **{s:.1f} s** | "
              f"{keras_total / s:.0f}x | {sk_total / s:.1f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
