"""Training speed: plain Keras fit vs scikit-learn MLPClassifier vs nnstudio's engine.

Run from the repository root::

    .venv/bin/python tests/benchmarks/bench_training.py [--full] [--repeats N] [--only W1,W3]

For each workload of ../shared/WORKLOADS.md (W1 XOR, W1d the same with its dropout toggles on, W1b
with a BatchNormalization after each hidden layer, W2
perceptron, W3 digits, W4 churn) and each engine, in one process:

* ``keras_fit``  the tutorial script: ``keras.Sequential``, ``compile``, ``fit(verbose=0)``
  (Keras' defaults, so its train step is XLA-compiled like ours);
* ``sklearn``    ``MLPClassifier`` with the same hidden layers, batch size, ``max_iter`` = epochs,
  solver adam, the same learning rate, ``alpha=0`` (no L2, like the Keras net) and
  ``n_iter_no_change`` = epochs so it runs every epoch instead of stopping when converged;
* ``nnstudio``   :func:`nnstudio.core.training.engine.train` (headless), same net, data, seed:
  the compiled program, compiled at once on a new network (what a loop of many runs uses);
* ``nnstudio_cli`` the same with ``plain_first_run=True``, as ``nnstudio train`` and the app's
  Train run a network with no compiled program: on the NumPy host engine for every network the
  editor builds (:mod:`nnstudio.core.training.host`), nothing to compile. Its ``first_s`` is a
  user's first run. (scikit-learn has no dropout or batch normalization: on W1d and W1b it trains
  W1's net.)

Timed: from "start training" to "trained model in hand" — model construction, compile, tracing,
XLA compilation and training are all inside the clock. nnstudio's ``train`` also evaluates the test
split inside its clock; the other two are evaluated outside theirs. Every engine sees the same
encoded arrays (one :func:`nnstudio.core.data.prepare` split per workload) and run i uses seed i
for every engine. ``seconds`` is the median over the runs after the first (warm), ``first_s``
the first run in the process: for nnstudio that is the run that traces and compiles; later runs of the same
architecture reuse the compiled program (the engine caches it), which is what happens in the app
when you train again, change the seed or use Repeat. Keras ``fit`` traces and compiles again for
every new model, so its first and later runs cost about the same.

TensorFlow runs with nnstudio's headless thread setting for every engine, Keras ``fit`` included:
every core, as the CLI (``nnstudio.core.tf.use_every_core``; ``NNSTUDIO_COMPUTE_THREADS=N`` to
change it). The GUI keeps one core free.

Issue 18 adds, per workload:

* ``repeat5``   Repeat 5 (seeds 0..4) through ``train_repeated``, which trains the 5 seeds together
  where the network allows (``nnstudio.core.training.population``). ``first_s`` is its first call
  in the process: a new network's first Repeat, which trains the seeds together on the NumPy host
  engine (``host_population``), nothing compiled. Then, outside the clock, the population program
  is compiled, as the app does in the background after a Repeat; ``seconds`` is the median of
  the calls, the later ones on that program. Printed beside nnstudio's single run:
  ``repeat5/one`` (warm), and ``first repeat5/first one`` (against ``nnstudio_cli``'s first run).
  Its clock ends when ``train_repeated`` returns: the runs' figures in hand, and each run's Keras
  model made on first use (``core.trained.Deferred``; ``--repeat`` never asks for them).
* ``repeat5_models``  the same, and every run's Keras model made inside the clock: printed as
  ``repeat5_models/one``.
* ``repeat5_app``  the same, and what the app's Repeat does before it is done: every run's weights
  read as the Runs tab records them (``TrainResult.weights``: known without making the model) and
  the Keras model of the run the views show (the last) made: printed as ``repeat5_app/one``.
* ``alternating``  after a workload's engines (``--pairs``, 15 by default): one run and Repeat 5
  as the app ends it, timed in alternation (:func:`alternating_ratio`); their medians and
  ``repeat5_app/one``. The engines' blocks above are timed minutes apart with two warm runs
  each, and a machine whose speed drifts gives the ratio of two machines: W3's block ratio
  ranged 1.08-1.86x across sessions where the alternating one gave 1.22-1.53x.
* compute-bound rows (``C1``: 30,000 rows x 300 inputs, 512-256-10 softmax, batch 128, 2 epochs;
  ``--compute`` adds ``C2``: 20,000 x 784, 256-128-10, 3 epochs) with their arithmetic rate
  (6 x parameters x rows x epochs / seconds, GFLOP/s) beside the machine's matmul peak measured in
  the same run (numpy, every core, 1024x1024 float32, best of 20).

Before any clock starts, TensorFlow is warmed up once for all engines by one tiny Keras ``fit``
(a 3-unit net on 8 rows: it loads TF's kernels and the XLA compiler, which the app does in the
background at start-up). No engine is warmed up on a benchmark architecture.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nnstudio.core import tf as core_tf
from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.training.settings import TrainSettings


@dataclass
class Workload:
    key: str
    title: str
    data: object  # PreparedData
    hidden: list[tuple[int, str]]  # (units, activation)
    init: str  # kernel initializer of every Dense layer ("glorot_uniform" | "uniform")
    epochs: int
    batch: int
    source: str
    dropout: float = 0.0  # a Dropout of this rate after each hidden layer (W1's toggles); not in
    # scikit-learn's MLPClassifier, which trains the net without it
    batchnorm: bool = False  # a BatchNormalization after each hidden layer; not in scikit-learn


# ----- data -------------------------------------------------------------------------------------------
def _example(name: str):
    try:
        from nnstudio.core.data.examples import get_example

        return get_example(name)
    except NNStudioError:
        return None


def _roles(ex, frame: pd.DataFrame) -> Roles:
    if ex.features:
        return Roles(ex.target, list(ex.features))
    from nnstudio.core.data.roles import infer_roles

    return infer_roles(frame, ex.target)


def _blobs(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal((10.0, 10.0), 1.0, size=(100, 2))
    b = rng.normal((0.0, 0.0), 1.0, size=(100, 2))
    xy = np.vstack([a, b])
    return pd.DataFrame({"x1": xy[:, 0], "x2": xy[:, 1], "label": [0] * 100 + [1] * 100})


def _churn(n: int = 10_000, seed: int = 0) -> pd.DataFrame:
    """Churn-shaped rows with the public file's schema (synthetic)."""
    rng = np.random.default_rng(seed)
    geo = rng.choice(["France", "Spain", "Germany"], n, p=[0.5, 0.25, 0.25])
    gender = rng.choice(["Male", "Female"], n, p=[0.55, 0.45])
    age = np.clip(rng.normal(39, 10, n), 18, 92).round()
    tenure = rng.integers(0, 11, n)
    balance = np.where(rng.random(n) < 0.36, 0.0, rng.normal(120_000, 30_000, n).clip(0)).round(2)
    products = rng.choice([1, 2, 3, 4], n, p=[0.50, 0.46, 0.027, 0.013])
    card = (rng.random(n) < 0.7).astype(int)
    active = (rng.random(n) < 0.51).astype(int)
    salary = rng.uniform(11, 200_000, n).round(2)
    score = np.clip(rng.normal(650, 97, n), 350, 850).round()
    z = (-2.2 + 0.075 * (age - 39) + 0.8 * (geo == "Germany") + 0.5 * (gender == "Female")
         - 0.9 * active + 1.8 * (products >= 3) - 0.5 * (products == 2) + 2e-6 * balance)
    exited = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame({
        "RowNumber": np.arange(1, n + 1), "CustomerId": rng.integers(15_565_701, 15_815_690, n),
        "Surname": [f"S{i:05d}" for i in rng.integers(0, 3000, n)], "CreditScore": score,
        "Geography": geo, "Gender": gender, "Age": age, "Tenure": tenure, "Balance": balance,
        "NumOfProducts": products, "HasCrCard": card, "IsActiveMember": active,
        "EstimatedSalary": salary, "Exited": exited})


def workloads(full: bool) -> list[Workload]:
    out = []
    # W1 XOR: 1000 rows, 75:25, 6-4-1, 100 epochs, batch 32
    ex = _example("xor")
    frame = ex.make()
    d = prepare(Dataset(frame, "xor"), _roles(ex, frame), PreprocessConfig(),
                SplitConfig(test=0.25, val=0.0, seed=42))
    out.append(Workload("W1", "XOR 6-4-1", d, [(6, "relu"), (4, "relu")], "glorot_uniform",
                        100, 32, "get_example('xor')"))
    # W1 with its dropout toggles on: Dense(6) -> Dropout(0.2) -> Dense(4) -> Dropout(0.2)
    out.append(Workload("W1d", "XOR 6-drop-4-drop-1", d, [(6, "relu"), (4, "relu")],
                        "glorot_uniform", 100, 32, "get_example('xor')", dropout=0.2))
    # W1 with a BatchNormalization after each hidden layer (the editor's other common addition)
    out.append(Workload("W1b", "XOR 6-bn-4-bn-1", d, [(6, "relu"), (4, "relu")],
                        "glorot_uniform", 100, 32, "get_example('xor')", batchnorm=True))
    # W2 perceptron: 200 blob points, 75:25, Dense(1, sigmoid), 1000 epochs, batch 32
    ex = _example("perceptron")
    if ex is not None:
        frame, roles, src = ex.make(), None, "get_example('perceptron')"
        roles = _roles(ex, frame)
    else:
        frame = _blobs()
        roles, src = Roles("label", ["x1", "x2"]), "generated here (2 blobs, std 1)"
    d = prepare(Dataset(frame, "perceptron"), roles, PreprocessConfig(),
                SplitConfig(test=0.25, val=0.0, seed=42))
    out.append(Workload("W2", "perceptron", d, [], "glorot_uniform", 1000, 32, src))
    # W3 digits: 8x8 digits, test 20 %, validation 20 % of the rest, 64-64-10, 10 epochs, batch 32
    ex = _example("digits")
    if ex is not None:
        frame, src = ex.make(), "get_example('digits')"
        roles = _roles(ex, frame)
    else:
        from sklearn.datasets import load_digits

        dg = load_digits()
        # pixels scaled to 0..1 (16 = black). Raw 0..16 integers would also do, except that
        # prepare() encodes a numeric column whose training values are only {0, 1} as a
        # two-category column and turns other values in the test split into NaN.
        frame = pd.DataFrame(dg.data / 16.0, columns=[f"p{i}" for i in range(64)])
        frame["digit"] = dg.target
        roles, src = Roles("digit", [f"p{i}" for i in range(64)]), "sklearn load_digits"
    d = prepare(Dataset(frame, "digits"), roles, PreprocessConfig(),
                SplitConfig(test=0.2, val=0.2, seed=42))
    out.append(Workload("W3", "digits 64-64-10", d, [(64, "relu"), (64, "relu")], "glorot_uniform",
                        10, 32, src))
    # W4 churn: 10k rows, 80:20, ids dropped, one-hot/standardized, 6-6-1 uniform init, batch 10
    ex = _example("churn")
    if ex is not None:
        frame, src = ex.make(), "get_example('churn')"
        roles = _roles(ex, frame)
    else:
        frame = _churn()
        roles = Roles("Exited", ["CreditScore", "Geography", "Gender", "Age", "Tenure", "Balance",
                                 "NumOfProducts", "HasCrCard", "IsActiveMember", "EstimatedSalary"])
        src = "generated here (churn schema, synthetic)"
    d = prepare(Dataset(frame, "churn"), roles, PreprocessConfig(),
                SplitConfig(test=0.2, val=0.0, seed=42))
    out.append(Workload("W4", "churn 6-6-1", d, [(6, "relu"), (6, "relu")], "uniform",
                        50 if full else 5, 10, src))
    return out


def compute_bound(more: bool) -> list[Workload]:
    """Tens of thousands of rows, hundreds of inputs, hidden layers of 256-512 (10 classes)."""
    shapes = [("C1", 30_000, 300, [512, 256], 2)] + ([("C2", 20_000, 784, [256, 128], 3)] if more else [])
    out = []
    for key, rows, d, hidden, epochs in shapes:
        rng = np.random.default_rng(0)
        x = rng.normal(size=(int(rows / 0.8) + 1, d)).astype(np.float32)
        label = np.argmax(x @ rng.normal(size=(d, 10)) + rng.normal(0, 4.0, (len(x), 10)), 1)
        frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(d)])
        frame["label"] = label
        data = prepare(Dataset(frame, key), Roles("label", list(frame.columns[:-1])),
                       PreprocessConfig(), SplitConfig(test=0.2, val=0.0, seed=42))
        out.append(Workload(key, f"{rows} x {d}, {'-'.join(map(str, hidden))}-10", data,
                            [(u, "relu") for u in hidden], "glorot_uniform", epochs, 128,
                            "generated here (linear classes + noise)"))
    return out


def params_of(w: Workload) -> int:
    units = [w.data.n_inputs] + [u for u, _ in w.hidden] + [_out_units(w)[0]]
    return sum(a * b + b for a, b in zip(units[:-1], units[1:]))


def matmul_peak() -> float:
    """The machine's float32 matmul rate (GFLOP/s): numpy, every core, 1024x1024, best of 20."""
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    b = a.T.copy()
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(20))
    return 2 * 1024 ** 3 / best / 1e9


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ----- engines ---------------------------------------------------------------------------------------
def _out_units(w: Workload) -> tuple[int, str, str]:
    if w.data.task is Task.MULTICLASS:
        return w.data.n_classes, "softmax", "sparse_categorical_crossentropy"
    return 1, "sigmoid", "binary_crossentropy"


def run_keras_fit(w: Workload, seed: int) -> tuple[float, float]:
    keras = _keras()
    d = w.data
    units, act, loss = _out_units(w)
    init = (lambda: keras.initializers.RandomUniform(-0.05, 0.05)) if w.init == "uniform" \
        else (lambda: "glorot_uniform")
    has_val = len(d.X_val) > 0
    t0 = time.perf_counter()
    keras.utils.set_random_seed(seed)
    hidden = []
    for u, a in w.hidden:
        hidden.append(keras.layers.Dense(u, activation=a, kernel_initializer=init()))
        if w.dropout:
            hidden.append(keras.layers.Dropout(w.dropout))
        if w.batchnorm:
            hidden.append(keras.layers.BatchNormalization())
    model = keras.Sequential([keras.Input(shape=(d.n_inputs,))] + hidden
                             + [keras.layers.Dense(units, activation=act, kernel_initializer=init())])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss=loss,
                  metrics=["accuracy"])
    model.fit(d.X_train, d.y_train, epochs=w.epochs, batch_size=w.batch, verbose=0,
              validation_data=(d.X_val, d.y_val) if has_val else None)
    seconds = time.perf_counter() - t0
    p = model.predict(d.X_test, verbose=0)
    pred = p.argmax(-1) if p.shape[-1] > 1 else (p[:, 0] > 0.5).astype(int)
    return seconds, float(np.mean(pred == d.y_test))


def run_sklearn(w: Workload, seed: int) -> tuple[float, float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    d = w.data
    t0 = time.perf_counter()
    clf = MLPClassifier(hidden_layer_sizes=tuple(u for u, _ in w.hidden), activation="relu",
                        solver="adam", batch_size=w.batch, max_iter=w.epochs,
                        learning_rate_init=0.001, alpha=0.0, random_state=seed,
                        n_iter_no_change=w.epochs + 1, tol=0.0, shuffle=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(d.X_train, d.y_train)
    seconds = time.perf_counter() - t0
    assert clf.n_iter_ == w.epochs, clf.n_iter_
    return seconds, float(np.mean(clf.predict(d.X_test) == d.y_test))


def nnstudio_setup(w: Workload, **settings) -> tuple:
    """(spec, settings) of a workload in nnstudio: its net, Adam at 0.001, its epochs and batch
    (``settings`` added: a seed, jit_compile; a Repeat's seeds are its own, 0..4)."""
    units, act, _ = _out_units(w)
    hidden = []
    for u, a in w.hidden:
        hidden.append(LayerSpec.dense(u, a, initializer=w.init))
        if w.dropout:
            hidden.append(LayerSpec.dropout(w.dropout))
        if w.batchnorm:
            hidden.append(LayerSpec.batchnorm())
    spec = NetworkSpec(hidden, LayerSpec.dense(units, act, initializer=w.init))
    return spec, TrainSettings(optimizer="adam", learning_rate=0.001, epochs=w.epochs,
                               batch_size=w.batch, **settings)


def run_nnstudio(w: Workload, seed: int, plain_first_run: bool = False,
                 **settings) -> tuple[float, float]:
    from nnstudio.core.training.engine import Trainer

    spec, s = nnstudio_setup(w, seed=seed, **settings)
    t0 = time.perf_counter()
    r = Trainer(w.data, spec, s, plain_first_run=plain_first_run).run()
    seconds = time.perf_counter() - t0
    assert r.status == "completed" and r.epochs_run == w.epochs, (r.status, r.message)
    return seconds, r.test["accuracy"]


_repeated: set[str] = set()


def run_repeat5(w: Workload, seed: int) -> tuple[float, float]:
    """Repeat 5 (seeds 0..4) as the app's Repeat and ``--repeat 5`` run it; mean test accuracy.
    The first call of a workload is a new network's first Repeat: its five seeds train together
    on the host engine. Afterwards, outside the clock, the population program is compiled as the
    app compiles it in the background after a Repeat (``population.precompile``); later calls
    run on it."""
    from nnstudio.core.training import population
    from nnstudio.core.training.engine import precompile, train_repeated

    spec, s = nnstudio_setup(w)
    t0 = time.perf_counter()
    out = train_repeated(w.data, spec, s, 5)
    seconds = time.perf_counter() - t0
    assert len(out["runs"]) == 5 and all(r.status == "completed" for r in out["runs"])
    if w.key not in _repeated:  # as the app's precompiler does after a Repeat
        _repeated.add(w.key)
        precompile(w.data, spec, s)
        if population.supports(w.data, spec, s, 5) is None:
            population.precompile(w.data, spec, s, 5)
    return seconds, out["mean"]


def run_repeat5_models(w: Workload, seed: int) -> tuple[float, float]:
    """:func:`run_repeat5` with every run's model made inside the clock."""
    from nnstudio.core.training.engine import train_repeated

    spec, s = nnstudio_setup(w)
    t0 = time.perf_counter()
    out = train_repeated(w.data, spec, s, 5)
    weights = [r.model.get_weights() for r in out["runs"]]
    seconds = time.perf_counter() - t0
    assert len(weights) == 5
    return seconds, out["mean"]


def run_repeat5_app(w: Workload, seed: int) -> tuple[float, float]:
    """:func:`run_repeat5` as the app's Repeat ends: every run's weights recorded, the last run's
    model made (the views show it)."""
    from nnstudio.core.training.engine import train_repeated

    spec, s = nnstudio_setup(w)
    t0 = time.perf_counter()
    out = train_repeated(w.data, spec, s, 5)
    weights = [r.weights() for r in out["runs"]]
    out["runs"][-1].model.get_weights()
    seconds = time.perf_counter() - t0
    assert len(weights) == 5 and all(w_ is not None for w_ in weights)
    return seconds, out["mean"]


def alternating_ratio(w: Workload, pairs: int) -> tuple[list[float], list[float]]:
    """Seconds of ``pairs`` single runs and ``pairs`` Repeats 5 as the app ends them, timed
    alternately (one run with a new seed, then one Repeat of seeds 0..4): a machine whose speed
    drifts 20-30 % from minute to minute gives both the same machine, where the engines' blocks
    of runs, minutes apart, do not. Both programs are compiled first, outside the clock, as the
    app compiles them in the background; the first two pairs are not counted (the first
    executions after a compile are slower)."""
    from nnstudio.core.training import population

    spec, s = nnstudio_setup(w)
    run_nnstudio(w, 0)  # the single run's program, compiled (if it was not)
    if population.supports(w.data, spec, s, 5) is None:
        population.precompile(w.data, spec, s, 5)
    for _ in range(2):
        run_nnstudio(w, 0)
        run_repeat5_app(w, 0)
    one, rep = [], []
    for i in range(pairs):
        one.append(run_nnstudio(w, i % 5)[0])
        rep.append(run_repeat5_app(w, 0)[0])
    return one, rep


ENGINES = {"keras_fit": run_keras_fit, "sklearn": run_sklearn, "nnstudio": run_nnstudio,
           "repeat5": run_repeat5, "repeat5_models": run_repeat5_models,
           "repeat5_app": run_repeat5_app,
           # not in the default set: the engine without XLA (a plain TF graph), for comparison
           "nnstudio_nojit": lambda w, seed: run_nnstudio(w, seed, jit_compile=False),
           # as `nnstudio train` and the GUI's Train run (issue 18): a network with no compiled
           # program trains on the NumPy host engine (Dense nets) or a plain graph, no compile
           # wait. Nothing compiles it here, so every run of it is such a first run (the GUI
           # compiles in the background after the first): first_s and the median both count.
           "nnstudio_cli": lambda w, seed: run_nnstudio(w, seed, plain_first_run=True)}


def warm_up() -> float:
    """One tiny Keras fit: TF runtime, kernels and XLA compiler loaded, for every engine alike."""
    keras = _keras()
    t0 = time.perf_counter()
    x = np.random.default_rng(0).random((8, 2), dtype=np.float32)
    m = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy")
    m.fit(x, (x[:, 0] > 0.5).astype(np.float32), epochs=1, batch_size=4, verbose=0)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="W4 with 50 epochs (default 5)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per engine (seeds 0..N-1), >= 3")
    ap.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W4")
    ap.add_argument("--compute", action="store_true",
                    help="a second compute-bound workload, C2 (20,000 x 784, 256-128-10)")
    ap.add_argument("--pairs", type=int, default=15,
                    help="after a workload's engines, this many pairs of one run and one Repeat 5 "
                         "timed alternately (0: none)")
    ap.add_argument("--engines", default="keras_fit,sklearn,nnstudio_cli,nnstudio,repeat5,repeat5_models,repeat5_app",
                    help=f"comma-separated, from {', '.join(ENGINES)}")
    args = ap.parse_args(argv)
    repeats = max(3, args.repeats)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    core_tf.use_every_core()  # headless, as the CLI: every core (before TensorFlow is imported)
    # first_s is a cold compile: a fresh persistent XLA cache (bench_first_run.py measures reuse)
    os.environ.setdefault(core_tf.XLA_CACHE_ENV, tempfile.mkdtemp(prefix="nnstudio-bench-xla-"))
    t_import = time.perf_counter()
    tf, keras = _tensorflow(), _keras()
    t_import = time.perf_counter() - t_import
    import sklearn

    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  python {platform.python_version()}  "
          f"tensorflow {tf.__version__}  keras {keras.__version__}  sklearn {sklearn.__version__}  "
          f"cpus {os.cpu_count()}  repeats {repeats}  full {args.full}  "
          f"tf intra-op threads {tf.config.threading.get_intra_op_parallelism_threads()}")
    print(f"# TF import {t_import:.2f} s; warm-up (one tiny keras fit) {warm_up():.2f} s, "
          f"before any timing")
    peak = matmul_peak()
    print(f"# matmul peak (numpy, every core, 1024x1024 float32): {peak:.1f} GFLOP/s")
    wls = workloads(args.full) + compute_bound(args.compute)
    if args.only:
        keep = {k.strip().upper() for k in args.only.split(",")}
        wls = [w for w in wls if w.key.upper() in keep]
    for w in wls:
        d = w.data
        for part in (d.X_train, d.X_val, d.X_test):
            if not np.all(np.isfinite(part)):
                raise SystemExit(f"{w.key}: the prepared data has non-finite values ({w.source}).")
        print(f"# {w.key} {w.title}: {d.summary()}; {w.epochs} epochs, batch {w.batch}; "
              f"data: {w.source}")
    print("workload\tengine\tseconds\ttest_accuracy\tfirst_s\tacc_sd")
    results: dict[tuple[str, str], float] = {}
    firsts: dict[tuple[str, str], float] = {}
    for w in wls:
        for e in engines:
            times, accs = [], []
            for seed in range(repeats):
                sec, acc = ENGINES[e](w, seed)
                times.append(sec)
                accs.append(acc)
            med = statistics.median(times[1:] if len(times) > 2 else times)  # warm
            results[(w.key, e)] = med
            firsts[(w.key, e)] = times[0]
            rate = ""
            if w.key.startswith("C") and not e.startswith("repeat5"):
                flop = 6 * params_of(w) * len(w.data.X_train) * w.epochs
                rate = (f"\tGFLOP/s {flop / med / 1e9:.1f} ({flop / med / 1e9 / peak:.0%} of peak)"
                        f" first {flop / times[0] / 1e9:.1f}")
            print(f"{w.key}\t{e}\t{med:.3f}\t{np.mean(accs):.4f}\t{times[0]:.3f}\t"
                  f"{np.std(accs, ddof=1):.4f}{rate}", flush=True)
        parts = []
        for other in ("keras_fit", "sklearn"):
            if (w.key, other) in results and (w.key, "nnstudio") in results:
                parts.append(f"{other}/nnstudio\t{results[(w.key, other)] / results[(w.key, 'nnstudio')]:.1f}x")
        if (w.key, "nnstudio_cli") in firsts:  # issue 18: a first run against the peers' first
            for other in ("keras_fit", "sklearn"):
                if (w.key, other) in firsts:
                    parts.append(f"first {other}/nnstudio_cli\t"
                                 f"{firsts[(w.key, other)] / firsts[(w.key, 'nnstudio_cli')]:.1f}x")
        for rep in ("repeat5", "repeat5_models", "repeat5_app"):
            if (w.key, rep) in results and (w.key, "nnstudio") in results:
                parts.append(f"{rep}/one\t{results[(w.key, rep)] / results[(w.key, 'nnstudio')]:.2f}x")
        if (w.key, "repeat5") in firsts and (w.key, "nnstudio_cli") in firsts:
            parts.append(f"first repeat5/first one\t"
                         f"{firsts[(w.key, 'repeat5')] / firsts[(w.key, 'nnstudio_cli')]:.2f}x")
        if parts:
            print(f"{w.key}\tratio\t" + "\t".join(parts), flush=True)
        if args.pairs > 0 and "nnstudio" in engines and "repeat5_app" in engines:
            one, rep = alternating_ratio(w, args.pairs)
            a, b = statistics.median(one), statistics.median(rep)
            print(f"{w.key}\talternating\tone {a:.3f}\trepeat5_app {b:.3f}\t"
                  f"repeat5_app/one ({args.pairs} pairs)\t{b / a:.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
