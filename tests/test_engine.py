"""The training engine (core only, no Qt): semantics of the fast path and the streaming path.

Small data and few epochs throughout. Most tests run the chunk function as a plain TF graph
(``jit_compile=False``: the same code, traced in a fraction of a second); the tests marked XLA
run the default XLA-compiled program, sharing one architecture so the program cache keeps them
cheap after the first compile.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import replace

import engine_data
import numpy as np
import pytest

from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.registry import make_loss
from nnstudio.core.tf import keras as tf_keras
from nnstudio.core.tf import tensorflow as tf_tensorflow
from nnstudio.core.training import engine, program, shuffle, streaming
from nnstudio.core.training.engine import Trainer, train, train_repeated
from nnstudio.core.training.evaluation import evaluate_arrays
from nnstudio.core.training.settings import TrainSettings

BATCH = 20  # 192 training rows: the last batch of every epoch is a partial one
XOR_SPEC = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")])
DROP_SPEC = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.3),
                         LayerSpec.dense(4, "relu")])


@pytest.fixture(scope="module", autouse=True)
def _tf(tf_loaded):
    return tf_loaded


# the shared small datasets (tests/data/engine_data.py), one per module
xor = pytest.fixture(scope="module")(engine_data.small_xor)
regression = pytest.fixture(scope="module")(engine_data.small_regression)
three_blobs = pytest.fixture(scope="module")(engine_data.three_blobs)


def settings(**kw) -> TrainSettings:
    base = dict(optimizer="adam", learning_rate=0.01, epochs=5, batch_size=BATCH, seed=0,
                jit_compile=False)
    base.update(kw)
    return TrainSettings(**base)


def same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def run_in_thread(trainer: Trainer):
    box = {}

    def go():
        try:
            box["result"] = trainer.run()
        except BaseException as exc:  # pragma: no cover - reported by the test
            box["error"] = exc

    th = threading.Thread(target=go, name="trainer")
    th.start()
    return th, box


# ----- XLA (the default): one compile per architecture, shared by these tests ------------------
def test_same_seed_same_history_different_seed_different(xor):  # XLA
    program.clear_program_cache()
    s = settings(epochs=8, jit_compile=True)
    a = train(xor, DROP_SPEC, s)  # traces and compiles
    b = train(xor, DROP_SPEC, s)  # from the program cache
    c = train(xor, DROP_SPEC, replace(s, seed=1))
    assert a.compiled and not b.compiled and not c.compiled
    assert a.history == b.history
    assert same_weights(a.model, b.model)
    assert a.history["loss"] != c.history["loss"]
    assert a.model is not b.model  # every run returns its own model
    assert a.status == "completed" and a.epochs_run == 8
    assert set(a.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 8 for v in a.history.values())


def test_stop_from_another_thread_is_honoured_at_the_next_chunk_and_keeps_history(xor):  # XLA
    """Stop sent while the GUI handles a progress report: no further chunk of epochs runs."""
    asked, sent = threading.Event(), threading.Event()
    reports: list[int] = []

    def on_progress(p):
        reports.append(p.epoch)
        if p.epoch >= 3 and not asked.is_set():
            asked.set()
            sent.wait(30)  # the run thread is held here until Stop has been sent

    t = Trainer(xor, XOR_SPEC, settings(epochs=1_000_000, jit_compile=True),
                on_progress=on_progress)
    th, box = run_in_thread(t)
    assert asked.wait(60)
    stopped_at = reports[-1]
    t.stop()
    sent.set()
    th.join(60)
    assert not th.is_alive()
    r = box["result"]
    assert r.status == "stopped" and "Stopped" in r.message
    assert r.epochs_run == stopped_at and reports[-1] == stopped_at  # not one chunk more
    assert all(len(v) == r.epochs_run for v in r.history.values())


def test_early_stopping_restores_best_weights(xor):  # XLA
    # a learning rate so small that val_accuracy cannot change: the best epoch is the first
    s = settings(epochs=50, learning_rate=1e-7, early_stopping=True, monitor="val_accuracy",
                 patience=3, jit_compile=True)
    r = train(xor, XOR_SPEC, s)
    assert r.status == "early_stopped" and r.epochs_run == 4 and r.best_epoch == 0
    assert "Restored the weights of epoch 1" in r.message
    one = train(xor, XOR_SPEC, replace(s, epochs=1, early_stopping=False))
    assert same_weights(r.model, one.model)
    kept = train(xor, XOR_SPEC, replace(s, restore_best=False))
    four = train(xor, XOR_SPEC, replace(s, epochs=4, early_stopping=False))
    assert kept.status == "early_stopped" and same_weights(kept.model, four.model)


def test_sgd_diverging_on_a_wide_target_is_told_to_switch_to_adam_not_to_lower_the_rate():
    """House prices (sd 192) with SGD at 0.01 diverge in the first epoch. The status bar said
    "The weights of epoch 0 (the last finite ones) are kept. Lower the learning rate (now 0.01)"
    while the coach beside it said a tenth of the rate barely helps and offered Adam: two answers
    to one question, and an "epoch 0" no curve shows. Both now say Adam, and the starting weights."""
    p = Project.from_example("house-prices")
    r = train(p.prepare(), p.spec, replace(p.settings, optimizer="sgd", learning_rate=0.01, epochs=5))
    assert r.status == "diverged" and r.epochs_run == 0
    assert "diverged at epoch 1" in r.message and "starting weights are kept" in r.message
    assert "Lower the learning rate" not in r.message
    assert "switch the optimizer to Adam" in r.message and "sd 192" in r.message


@pytest.mark.parametrize("jit", [True, False])
def test_divergence_keeps_last_finite_weights(regression, jit):
    s = settings(optimizer="sgd", learning_rate=100.0, epochs=50, batch_size=8, jit_compile=jit)
    r = train(regression, XOR_SPEC, s)
    assert r.status == "diverged"
    assert "diverged" in r.message and "Lower the learning rate" in r.message
    assert all(np.all(np.isfinite(w)) for w in r.model.get_weights())
    assert all(np.all(np.isfinite(v)) for v in r.history["loss"])
    assert r.epochs_run < 50 and len(r.history["loss"]) == r.epochs_run
    if r.epochs_run:
        ref = train(regression, XOR_SPEC, replace(s, epochs=r.epochs_run)).model
    else:
        ref = build_model(XOR_SPEC, regression.n_inputs, Task.REGRESSION, seed=0,
                          output_start=regression.output_start)
    assert same_weights(r.model, ref)


def test_progress_reports(xor):  # XLA
    got = []
    r = train(xor, XOR_SPEC, settings(epochs=40, jit_compile=True), on_progress=got.append,
              want_weights=True)
    assert got and got[-1].epoch == 40 and got[-1].epochs == 40
    rows = [x for p in got for x in p.new_rows.get("loss", [])]
    assert rows == r.history["loss"]
    assert all(p.weights is not None and len(p.weights) == 6 for p in got)
    assert [w.shape for w in got[-1].weights] == [w.shape for w in r.model.get_weights()]
    assert all(np.array_equal(a, b) for a, b in zip(got[-1].weights, r.model.get_weights()))
    assert got[-1].learning_rate == pytest.approx(0.01)


def test_each_report_carries_the_weights_of_its_own_epoch(xor):
    """A chunk's report is sent once the next chunk is prepared, but before it runs: the weights
    it carries are those after the epochs it reports, not a chunk later."""
    got = {}

    def on_progress(p):
        got[p.epoch] = [w.copy() for w in p.weights]

    s = settings(epochs=6)
    r = Trainer(xor, XOR_SPEC, s, on_progress=on_progress, want_weights=True, chunk_seconds=0).run()
    assert {1, 3, 4, 5, 6} <= set(got) and r.epochs_run == 6  # chunks: 1 (traces), 2, then 1 each
    for epoch in (3, 5):
        ref = train(xor, XOR_SPEC, replace(s, epochs=epoch)).model.get_weights()
        assert all(np.array_equal(a, b) for a, b in zip(got[epoch], ref))


def test_xla_and_plain_graph_agree(xor):  # XLA
    s = settings(epochs=5, jit_compile=False)
    a, b = train(xor, XOR_SPEC, s), train(xor, XOR_SPEC, s)
    assert a.history == b.history
    xla = train(xor, XOR_SPEC, replace(s, jit_compile=True))
    # the same shuffles and maths; only float rounding differs (dropout masks would differ: Keras
    # draws them with the backend's default RNG algorithm, which XLA chooses differently)
    for key in a.history:
        np.testing.assert_allclose(a.history[key], xla.history[key], rtol=1e-4, atol=1e-4)


def test_plain_first_run_agrees_with_the_xla_runs_that_follow(xor):  # XLA
    """Issue 18: a new program's first run may skip the XLA wait (a plain graph on the same
    variables); the runs after a background compile use XLA and give the same results."""
    spec = NetworkSpec([LayerSpec.dense(5, "relu"), LayerSpec.dense(3, "relu")])  # a new program
    s = settings(epochs=5, jit_compile=True)
    first = Trainer(xor, spec, s, plain_first_run=True)
    a = first.run()
    assert first.ran_plain and a.status == "completed"
    assert engine.precompile(xor, spec, s)  # the XLA program was still to compile
    later = Trainer(xor, spec, s, plain_first_run=True)
    b = later.run()
    assert not later.ran_plain
    for key in a.history:
        np.testing.assert_allclose(a.history[key], b.history[key], rtol=1e-4, atol=1e-4)
    for x, y in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)
    program.clear_program_cache()  # DROP_SPEC's program: compiled by other tests of this module
    drop = Trainer(xor, DROP_SPEC, replace(s, epochs=1), plain_first_run=True)
    one = drop.run()
    # never the plain graph (TensorFlow's kernel draws other masks than XLA): the host engine,
    # which draws XLA's
    assert drop.ran_host and one.path == "host"
    assert (a.message, one.message) == ("Trained 5 epochs.", "Trained 1 epoch.")  # not "1 epochs"


# ----- the plain-graph chunk function (jit_compile=False): the same code, quick to trace ------------
def test_concurrent_runs_of_one_architecture_do_not_interfere(xor):
    s = settings(epochs=6)
    ref = [train(xor, XOR_SPEC, replace(s, seed=i)).history for i in (0, 1)]
    trainers = [Trainer(xor, XOR_SPEC, replace(s, seed=i)) for i in (0, 1)]
    threads = [run_in_thread(t) for t in trainers]
    for th, _ in threads:
        th.join(60)
    assert [box["result"].history for _, box in threads] == ref


def test_result_model_predicts_like_reported_test_metrics(xor):
    r = train(xor, XOR_SPEC, settings(epochs=10))
    p = r.model.predict(xor.X_test, verbose=0)[:, 0]
    assert r.test["accuracy"] == pytest.approx(np.mean((p > 0.5) == xor.y_test))


def test_pause_step_resume(xor):
    states = []
    paused = threading.Semaphore(0)

    def on_progress(p):
        states.append((p.epoch, p.state))
        if p.state == "paused":
            paused.release()

    t = Trainer(xor, XOR_SPEC, settings(epochs=12), on_progress=on_progress, want_weights=True)
    t.pause()
    t.step()  # as the GUI does: start paused, run one epoch
    th, box = run_in_thread(t)
    assert paused.acquire(timeout=60)
    assert states[-1] == (1, "paused")
    assert int(t.optimizer.iterations.numpy()) == math.ceil(len(xor.X_train) / BATCH)
    t.step()
    assert paused.acquire(timeout=60)
    assert states[-1] == (2, "paused")
    assert int(t.optimizer.iterations.numpy()) == 2 * math.ceil(len(xor.X_train) / BATCH)
    t.resume()
    th.join(60)
    r = box["result"]
    assert r.status == "completed" and r.epochs_run == 12
    # pausing changes nothing in the numbers
    assert r.history == train(xor, XOR_SPEC, settings(epochs=12)).history


def test_learning_rate_change_takes_effect_and_is_recorded(xor):
    s = settings(epochs=12, learning_rate=0.01)
    base = train(xor, XOR_SPEC, s)
    holder = {}

    def on_progress(p):
        if "changed" not in holder and p.epoch >= 2:
            holder["changed"] = p.epoch
            holder["t"].set_learning_rate(0.2)

    t = Trainer(xor, XOR_SPEC, s, on_progress=on_progress, chunk_seconds=0)  # 1-epoch chunks
    holder["t"] = t
    r = t.run()
    assert len(r.lr_changes) == 1
    at, lr = r.lr_changes[0]
    assert lr == 0.2 and at == holder["changed"]
    assert r.history["loss"][:at] == base.history["loss"][:at]
    assert r.history["loss"][at:] != base.history["loss"][at:]
    assert float(t.optimizer.learning_rate.numpy()) == pytest.approx(0.2)
    with pytest.raises(NNStudioError, match="learning rate"):
        t.set_learning_rate(-1)


def test_early_stopping_on_loss_without_validation(xor):
    data = replace(xor, X_val=xor.X_val[:0], y_val=xor.y_val[:0])
    r = train(data, XOR_SPEC, settings(epochs=30, learning_rate=1e-7, early_stopping=True,
                                       monitor="val_accuracy", patience=2))
    assert set(r.history) == {"loss", "accuracy"}
    assert r.status == "early_stopped" and r.epochs_run == 3


# ----- layers and losses -----------------------------------------------------------------------------
def test_dropout_active_in_training_only(xor):
    r = train(xor, DROP_SPEC, settings(epochs=3))
    fresh = build_model(DROP_SPEC, 2, Task.BINARY, seed=0)
    state = [v for v in r.model.non_trainable_variables if "seed_generator" in v.path]
    start = [v for v in fresh.non_trainable_variables if "seed_generator" in v.path]
    assert state and not np.array_equal(state[0].numpy(), start[0].numpy())  # masks were drawn
    x = xor.X_test[:50]
    a = r.model(x, training=False).numpy()
    assert np.array_equal(a, r.model(x, training=False).numpy())
    assert not np.array_equal(a, r.model(x, training=True).numpy())
    # the reported validation figures are inference-mode figures
    ev = evaluate_arrays(r.model, xor.X_val, xor.y_val, Task.BINARY, make_loss("binary_crossentropy"))
    assert r.history["val_loss"][-1] == pytest.approx(ev["loss"], rel=1e-4)
    assert r.history["val_accuracy"][-1] == pytest.approx(ev["accuracy"])


def test_regularization_is_part_of_the_reported_loss(xor):
    spec = NetworkSpec([LayerSpec.dense(6, "relu", l2=0.5), LayerSpec.dense(4, "relu")])
    r = train(xor, spec, settings(epochs=2))
    reg = float(sum(float(x) for x in r.model.losses))
    assert reg > 0.01
    ev = evaluate_arrays(r.model, xor.X_val, xor.y_val, Task.BINARY,
                         make_loss("binary_crossentropy"))
    assert r.history["val_loss"][-1] == pytest.approx(ev["loss"], rel=1e-4)
    plain = evaluate_arrays(r.model, xor.X_val, xor.y_val, Task.BINARY)  # metric only
    assert "loss" not in plain
    assert ev["loss"] > reg


@pytest.mark.parametrize("name,lr,extra", [
    ("sgd", 0.1, dict(momentum=0.9, nesterov=True)), ("adam", 0.05, {}), ("rmsprop", 0.02, {}),
    ("adagrad", 0.3, {}), ("adamax", 0.05, {}), ("nadam", 0.05, {})])
def test_every_optimizer_learns_xor(xor, name, lr, extra):
    r = train(xor, XOR_SPEC, settings(optimizer=name, learning_rate=lr, epochs=15, **extra))
    assert r.status == "completed"
    assert r.test["accuracy"] > 0.7, (name, r.test)
    assert r.history["loss"][-1] < r.history["loss"][0]


@pytest.mark.parametrize("mode,batch", [("full-batch", 16), ("stochastic", 16), ("mini-batch", 16),
                                        ("mini-batch", 7)])
def test_batch_modes_steps_per_epoch(xor, mode, batch):
    n = len(xor.X_train)
    r = train(xor, XOR_SPEC, settings(batch_mode=mode, batch_size=batch, epochs=3))
    per_epoch = {"full-batch": 1, "stochastic": n}.get(mode, math.ceil(n / batch))
    assert r.steps == 3 * per_epoch


def test_partial_last_batch_matches_plain_keras(xor):
    """The zero-weight padding of the last batch gives the same steps as plain Keras ops."""
    keras = tf_keras()
    s = settings(epochs=1, batch_size=len(xor.X_train) - 5, learning_rate=0.01)
    r = train(xor, XOR_SPEC, s)
    # replay the epoch with plain Keras ops on the fast path's permutation
    tf = tf_tensorflow()
    m = build_model(XOR_SPEC, 2, Task.BINARY, seed=0)
    opt = keras.optimizers.Adam(learning_rate=0.01)
    lossf = keras.losses.BinaryCrossentropy()
    n = len(xor.X_train)
    perm = shuffle.epoch_orders(0, 0, 1, n)[0]
    X = xor.X_train.astype(np.float32)
    y = xor.y_train.astype(np.float32).reshape(-1, 1)
    for idx in (perm[: s.batch_size], perm[s.batch_size:]):
        with tf.GradientTape() as tape:
            loss = lossf(y[idx], m(X[idx], training=True))
        opt.apply_gradients(zip(tape.gradient(loss, m.trainable_variables), m.trainable_variables))
    for a, b in zip(r.model.get_weights(), m.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_batchnorm_net_with_partial_batch(xor):
    spec = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.batchnorm(), LayerSpec.dense(4, "relu")])
    r = train(xor, spec, settings(batch_size=7, epochs=3))
    assert r.steps == 3 * math.ceil(len(xor.X_train) / 7)
    assert r.status == "completed"
    mean = [v for v in r.model.non_trainable_variables if "moving_mean" in v.path][0]
    assert np.any(mean.numpy() != 0)  # statistics were updated


def test_regression_reports_mae(regression):
    r = train(regression, XOR_SPEC, settings(epochs=30, learning_rate=0.02))
    assert set(r.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert set(r.test) == {"loss", "mae"}
    assert r.history["mae"][-1] < r.history["mae"][0]
    assert r.test["mae"] < np.std(regression.y_test)


def test_multiclass(three_blobs):
    assert three_blobs.task is Task.MULTICLASS and three_blobs.n_classes == 3
    r = train(three_blobs, XOR_SPEC, settings(epochs=20))
    assert r.model.output_shape[-1] == 3
    assert r.test["accuracy"] > 0.85


def test_training_goes_on_from_a_given_model(xor):
    r = train(xor, XOR_SPEC, settings(epochs=10, learning_rate=0.05))
    more = Trainer(xor, XOR_SPEC, settings(epochs=3), model=r.model).run()
    assert more.model is r.model
    assert more.history["loss"][0] < r.history["loss"][0]  # its weights were the starting point


def test_precompile_then_train(xor):
    """Train after the background compile traces nothing (the evaluation included: 50 ms of a
    first Train) and is the very run a freshly compiled program gives: the epoch the compile ran
    on zeros, so that the first execution is behind it, is undone."""
    s = settings(epochs=3, batch_size=13)  # an architecture x batch size no other test uses
    assert engine.precompile(xor, XOR_SPEC, s)
    assert not engine.precompile(xor, XOR_SPEC, s)  # already there
    prog = next(p for p in program.cache.values() if p.bs == 13)

    def traces():
        fns = (prog.fn, prog._eval_fn, prog._load_fn, prog._store_fn)
        return [None if f is None else f.experimental_get_tracing_count() for f in fns]

    before = traces()
    r = train(xor, XOR_SPEC, s)
    assert not r.compiled and r.epochs_run == 3
    assert traces() == before and None not in before
    program.clear_program_cache()
    fresh = train(xor, XOR_SPEC, s)
    assert fresh.compiled
    assert r.history == fresh.history
    for a, b in zip(r.model.get_weights(), fresh.model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_run_waits_for_the_background_compile_of_its_program(xor):
    """Train pressed while the app compiles that very program in the background: the run waits
    for it instead of compiling a second copy alongside (which would slow both down)."""
    s = settings(epochs=2, batch_size=17)  # an architecture x batch size no other test uses
    gate, waiting = threading.Event(), threading.Event()
    real_call, real_init = program.Program.call, program.Program.__init__
    built: list[program.Program] = []

    def slow_call(self, args):  # hold the background compile (only it) until the run waits
        if self.precompiling:
            gate.wait(30)
        return real_call(self, args)

    def counting_init(self, *a, **kw):
        built.append(self)
        real_init(self, *a, **kw)

    class WatchedLock:  # the background program's lock: says when a run blocks on it
        def __init__(self, lock):
            self.lock = lock

        def acquire(self, blocking=True):
            if blocking:
                waiting.set()
            return self.lock.acquire(blocking)

        def release(self):
            self.lock.release()

    program.Program.call, program.Program.__init__ = slow_call, counting_init
    try:
        th = threading.Thread(target=engine.precompile, args=(xor, XOR_SPEC, s))
        th.start()
        deadline = time.monotonic() + 30
        while not any(p.precompiling for p in list(program.cache.values())):
            assert time.monotonic() < deadline, "the background compile did not start"
            time.sleep(0.01)
        background = next(p for p in list(program.cache.values()) if p.precompiling)
        background.lock = WatchedLock(background.lock)
        box = {}
        run = threading.Thread(target=lambda: box.update(r=train(xor, XOR_SPEC, s)))
        run.start()
        # a run that compiled a copy of its own would never block on the background program
        # (and, not held by the gate, would finish on its own)
        assert waiting.wait(30), "the run did not wait for the background compile"
        gate.set()
        th.join(60)
        run.join(60)
    finally:
        program.Program.call, program.Program.__init__ = real_call, real_init
        gate.set()
    assert built == [background]  # one program compiled, by the background compile
    assert not box["r"].compiled and box["r"].epochs_run == 2


def test_epoch_orders_depend_on_seed_and_epoch_only():
    one = shuffle.epoch_orders(5, 7, 1, 1000)[0]
    assert np.array_equal(one, shuffle.epoch_orders(5, 3, 6, 1000)[4])  # chunking does not matter
    assert sorted(one) == list(range(1000))
    assert not np.array_equal(one, shuffle.epoch_orders(6, 7, 1, 1000)[0])
    assert not np.array_equal(one, shuffle.epoch_orders(5, 8, 1, 1000)[0])
    # every row lands in every position about equally often
    pos = np.array([np.argsort(o) for o in shuffle.epoch_orders(0, 0, 2000, 8)])
    counts = np.stack([np.bincount(pos[:, r], minlength=8) for r in range(8)])
    assert counts.min() > 180 and counts.max() < 320


def test_epoch_orders_are_cached_read_only_and_unchanged(monkeypatch):
    """Asked again (each Repeat, sweep or Train again with a seed), the orders come from a cache:
    the same values as computed afresh, in arrays no caller can change under another."""
    monkeypatch.setattr(shuffle, "_cache", type(shuffle._cache)())
    monkeypatch.setattr(shuffle, "_cache_bytes", 0)
    first = shuffle.epoch_orders(3, 2, 40, 300)
    again = shuffle.epoch_orders(3, 2, 40, 300)
    assert again is first and not first.flags.writeable
    with pytest.raises(ValueError):
        first[0, 0] = 1
    np.testing.assert_array_equal(first, shuffle._orders(3, 2, 40, 300))
    # an order too big to keep is computed each time; the cache stays within its bytes
    monkeypatch.setattr(shuffle, "CACHE_BYTES", 8 * first.nbytes)
    big = shuffle.epoch_orders(3, 2, 80, 300)
    assert shuffle.epoch_orders(3, 2, 80, 300) is not big
    for seed in range(20):
        shuffle.epoch_orders(seed, 0, 40, 300)
    assert shuffle._cache_bytes <= shuffle.CACHE_BYTES
    assert shuffle._cache_bytes == sum(a.nbytes for a in shuffle._cache.values())


def test_train_repeated(xor):
    out = train_repeated(xor, XOR_SPEC, settings(epochs=5), repeat=3)
    runs = out["runs"]
    assert [r.seed for r in runs] == [0, 1, 2]
    vals = [r.test["accuracy"] for r in runs]
    assert out["metric"] == "test_accuracy"
    assert out["mean"] == pytest.approx(np.mean(vals))
    assert out["sd"] == pytest.approx(np.std(vals, ddof=1))


# ----- streaming fallback ------------------------------------------------------------------------------
@pytest.fixture
def streamed(monkeypatch):
    monkeypatch.setattr(engine, "FAST_PATH_MAX_BYTES", 0)
    monkeypatch.setattr(streaming, "STREAM_BLOCK_ROWS", 40)


def test_streaming_trains_reproducibly(streamed, xor, monkeypatch):
    s = settings(epochs=30, batch_size=16)
    a, b = train(xor, XOR_SPEC, s), train(xor, XOR_SPEC, s)
    assert a.path == "streaming"
    assert a.history == b.history and same_weights(a.model, b.model)
    assert set(a.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert a.steps == 30 * math.ceil(len(xor.X_train) / 16)
    c = train(xor, XOR_SPEC, replace(s, seed=1))
    assert c.history != a.history
    # the same shuffles and batches as the fast path: the same curve, to float rounding
    monkeypatch.setattr(engine, "FAST_PATH_MAX_BYTES", 2**40)
    fast = train(xor, XOR_SPEC, s)
    assert fast.path == "fast"
    for key in a.history:
        np.testing.assert_allclose(a.history[key], fast.history[key], rtol=1e-4, atol=1e-4)


def test_streaming_stop_pause_step(streamed, xor):
    paused = threading.Semaphore(0)
    asked, sent = threading.Event(), threading.Event()
    seen = []

    def on_progress(p):
        seen.append((p.epoch, p.state))
        if p.state == "paused":
            paused.release()
        elif p.epoch >= 3 and not asked.is_set():
            asked.set()
            sent.wait(30)  # the run thread is held here until Stop has been sent

    t = Trainer(xor, XOR_SPEC, settings(epochs=1_000_000), on_progress=on_progress)
    t.pause()
    t.step()
    th, box = run_in_thread(t)
    assert paused.acquire(timeout=60)
    assert seen[-1] == (1, "paused")  # Step ran exactly one epoch, then paused again
    t.resume()
    assert asked.wait(60)
    stopped_at = seen[-1][0]
    t.stop()
    sent.set()
    th.join(60)
    assert not th.is_alive()
    r = box["result"]
    assert r.status == "stopped" and r.path == "streaming"
    assert r.epochs_run == stopped_at and seen[-1][0] == stopped_at  # stopped at the next block
    assert all(len(v) == r.epochs_run for v in r.history.values())


def test_streaming_early_stopping_and_divergence(streamed, xor, regression):
    s = settings(epochs=50, learning_rate=1e-7, early_stopping=True, monitor="val_accuracy",
                 patience=3)
    r = train(xor, XOR_SPEC, s)
    assert r.path == "streaming" and r.status == "early_stopped" and r.best_epoch == 0
    one = train(xor, XOR_SPEC, replace(s, epochs=1, early_stopping=False))
    assert same_weights(r.model, one.model)
    d = train(regression, XOR_SPEC, settings(optimizer="sgd", learning_rate=100.0, epochs=30,
                                             batch_size=8))
    assert d.status == "diverged"
    assert all(np.all(np.isfinite(w)) for w in d.model.get_weights())


def test_streaming_learning_rate_change(streamed, xor):
    holder = {}

    def on_progress(p):
        if p.epoch == 1 and "done" not in holder:
            holder["done"] = True
            holder["t"].set_learning_rate(0.3)

    t = Trainer(xor, XOR_SPEC, settings(epochs=3), on_progress=on_progress)
    holder["t"] = t
    r = t.run()
    assert r.lr_changes == [(1, 0.3)]
    assert float(t.optimizer.learning_rate.numpy()) == pytest.approx(0.3)


def test_a_run_stopped_after_one_epoch_says_1_epoch(xor):
    """The status bar said "Stopped by you after 1 epochs." (monkey seed 45's screenshot)."""
    box = {}
    t = Trainer(xor, XOR_SPEC, settings(epochs=50), on_progress=lambda p: box["t"].stop())
    box["t"] = t
    t.max_chunk_epochs = 1
    r = t.run()
    assert r.status == "stopped" and r.epochs_run == 1
    assert r.message == "Stopped by you after 1 epoch."
