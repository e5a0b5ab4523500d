"""The host engine (issue 18): a new Dense network's first run in NumPy is the compiled run.

Each case trains the same network, data, seed and settings twice: once as a first run on the
host engine (``Trainer(plain_first_run=True)`` with no compiled program for it), once on the
compiled program (``plain_first_run=False``, a plain TF graph: the same Keras maths). Curves,
weights, test figures and step counts must agree up to float rounding.
"""
from __future__ import annotations

import threading
from dataclasses import replace

import engine_data
import numpy as np
import pytest

from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.timeline.recorder import watch
from nnstudio.core.training import host, program
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import Trainer
from nnstudio.core.training.settings import TrainSettings

BATCH = 20  # the last batch of every epoch is a partial one


@pytest.fixture(scope="module", autouse=True)
def _tf(tf_loaded):
    return tf_loaded


# the shared small datasets (tests/data/engine_data.py), one per module
xor = pytest.fixture(scope="module")(engine_data.small_xor)
regression = pytest.fixture(scope="module")(engine_data.small_regression)
blobs = pytest.fixture(scope="module", name="blobs")(lambda: engine_data.three_blobs(spread=1.5))


def settings(**kw) -> TrainSettings:
    base = dict(optimizer="adam", learning_rate=0.01, epochs=6, batch_size=BATCH, seed=3,
                jit_compile=False)
    base.update(kw)
    return TrainSettings(**base)


def both(data, spec, s):
    """(host run, compiled run) of the same network, data and settings."""
    program.clear_program_cache()
    first = Trainer(data, spec, s, plain_first_run=True)
    a = first.run()
    assert first.ran_host and a.path == "host"
    compiled = Trainer(data, spec, s)
    b = compiled.run()
    assert not compiled.ran_host and b.path == "fast"
    return a, b


def assert_same_run(a, b, tol=2e-5):
    assert a.status == b.status and a.epochs_run == b.epochs_run and a.steps == b.steps
    assert a.best_epoch == b.best_epoch
    assert set(a.history) == set(b.history)
    for key in a.history:
        np.testing.assert_allclose(a.history[key], b.history[key], rtol=tol, atol=tol, err_msg=key)
    for x, y in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)
    assert a.test.keys() == b.test.keys()
    for key in a.test:
        assert a.test[key] == pytest.approx(b.test[key], rel=tol, abs=tol)


RELU = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")])
# W1's toggles: a Dropout after each hidden layer; one on the inputs and two in a row as well
DROPOUT = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2), LayerSpec.dense(4, "relu"),
                       LayerSpec.dropout(0.2)])
DROPOUTS = NetworkSpec([LayerSpec.dropout(0.1), LayerSpec.dense(7, "tanh"), LayerSpec.dropout(0.5),
                        LayerSpec.dropout(0.3), LayerSpec.dense(5, "elu")])
# the editor's noise layers
NOISE = NetworkSpec([LayerSpec.gaussian_noise(0.3), LayerSpec.dense(6, "relu"),
                     LayerSpec.gaussian_noise(0.2), LayerSpec.dense(4, "relu")])
GAUSSIAN_DROPOUT = NetworkSpec([LayerSpec.dense(6, "tanh"), LayerSpec.gaussian_dropout(0.3),
                                LayerSpec.dense(4, "relu")])
ALPHA_DROPOUT = NetworkSpec([LayerSpec.dense(6, "selu"), LayerSpec.alpha_dropout(0.2),
                             LayerSpec.dense(4, "selu")])
# batch normalization between layers; and of the inputs, beside a Dropout, before the output
NORM = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.batchnorm(), LayerSpec.dense(4, "relu")])
NORMS = NetworkSpec([LayerSpec.batchnorm(), LayerSpec.dense(6, "tanh"), LayerSpec.dropout(0.2),
                     LayerSpec.batchnorm(), LayerSpec.dense(4, "relu"), LayerSpec.batchnorm()])


@pytest.mark.parametrize("spec, s", [
    (RELU, settings()),
    (NetworkSpec([LayerSpec.dense(5, "tanh"), LayerSpec.dense(3, "sigmoid")]),
     settings(optimizer="sgd", momentum=0.9, nesterov=True, learning_rate=0.05)),
    (NetworkSpec([LayerSpec.dense(5, "elu"), LayerSpec.dense(4, "leaky_relu")]),
     settings(optimizer="sgd", momentum=0.5)),
    (NetworkSpec([LayerSpec.dense(6, "relu", l1=1e-3, l2=1e-2)]), settings(optimizer="rmsprop")),
    (NetworkSpec([]), settings(optimizer="sgd", learning_rate=0.1, batch_size=1000)),  # full batch
    (RELU, settings(class_weight="balanced", batch_size=1)),  # stochastic, weighted classes
    (NetworkSpec([LayerSpec.dense(6, "selu"), LayerSpec.dense(5, "softplus")]), settings()),
    (NetworkSpec([LayerSpec.dense(6, "swish"), LayerSpec.dense(5, "hard_sigmoid")]), settings()),
    (NetworkSpec([LayerSpec.dense(6, "gelu")]), settings(learning_rate=0.03)),
    (DROPOUT, settings(jit_compile=True)),  # the masks XLA draws
    (DROPOUT, settings()),  # the masks TensorFlow's kernel draws (a plain graph)
    (DROPOUTS, settings(jit_compile=True, optimizer="sgd", momentum=0.9, epochs=4)),
    (NORM, settings()),
    (NORM, settings(jit_compile=True, optimizer="rmsprop")),
    (NORMS, settings(jit_compile=True, optimizer="sgd", momentum=0.9, nesterov=True)),
    (NORM, settings(batch_size=7)),  # batches of 7 rows, the last of 3: its own statistics
    (NOISE, settings(jit_compile=True)),  # XLA's normal numbers
    (NOISE, settings(optimizer="sgd", momentum=0.9)),  # TensorFlow kernel's
    (GAUSSIAN_DROPOUT, settings(jit_compile=True)),
    (GAUSSIAN_DROPOUT, settings()),
    (ALPHA_DROPOUT, settings(jit_compile=True)),
    (ALPHA_DROPOUT, settings()),
], ids=["adam-relu", "sgd-nesterov-tanh-sigmoid", "sgd-momentum-elu-leaky", "rmsprop-l1l2",
        "perceptron-full-batch", "class-weights-batch-1", "selu-softplus", "swish-hard-sigmoid",
        "gelu", "dropout-xla", "dropout-plain-graph", "dropouts-input-and-in-a-row",
        "batchnorm", "batchnorm-xla-rmsprop", "batchnorms-inputs-dropout-xla", "batchnorm-batch-7",
        "gaussian-noise-xla", "gaussian-noise-plain-graph", "gaussian-dropout-xla",
        "gaussian-dropout-plain-graph", "alpha-dropout-xla", "alpha-dropout-plain-graph"])
def test_binary_first_run_on_the_host_is_the_compiled_run(xor, spec, s):
    a, b = both(xor, spec, s)
    assert_same_run(a, b)


def test_noise_after_batch_normalization_in_a_last_batch_of_odd_rows():
    """A network with BatchNormalization trains its last, partial batch at that batch's shape;
    XLA pairs its normal numbers along another axis there (189 rows in batches of 20: 9 left,
    2 inputs), and the host engine draws them so."""
    data = engine_data.small_xor(295)
    assert len(data.X_train) % BATCH == 9
    spec = NetworkSpec([LayerSpec.gaussian_noise(0.1), LayerSpec.dense(6, "relu"), LayerSpec.batchnorm(),
                        LayerSpec.gaussian_dropout(0.2), LayerSpec.dense(5, "relu")])
    a, b = both(data, spec, settings(jit_compile=True))
    assert_same_run(a, b)


@pytest.mark.parametrize("spec", [NetworkSpec([LayerSpec.dense(8, "relu")]),
                                  NetworkSpec([LayerSpec.dense(8, "relu"), LayerSpec.batchnorm()])],
                         ids=["dense", "batchnorm"])  # the best epoch's moving statistics too
def test_softmax_classifier_with_validation_and_early_stopping(blobs, spec):
    s = settings(epochs=60, learning_rate=0.05, early_stopping=True, patience=3,
                 monitor="val_accuracy")
    a, b = both(blobs, spec, s)
    assert a.status == "early_stopped"  # the case is meant to stop early and restore the best
    assert_same_run(a, b)
    assert {"val_loss", "val_accuracy"} <= set(a.history)


def test_regression_mse(regression):
    a, b = both(regression, NetworkSpec([LayerSpec.dense(8, "tanh")]),
                settings(epochs=8, loss="mse"))
    assert_same_run(a, b)
    assert "mae" in a.test


@pytest.mark.filterwarnings("error::RuntimeWarning")  # overflow is reported, not warned
def test_divergence_keeps_the_last_finite_weights_and_says_so(regression):
    """As the compiled run: status, message, finite curves, and the weights of the last finite
    epoch (a diverging run is chaotic, so it is compared with the host engine's own shorter run)."""
    s = settings(optimizer="sgd", learning_rate=1.0, epochs=50, batch_size=8, loss="mse")
    linear = NetworkSpec([])  # diverges after a few epochs at this rate (a ReLU net dies instead)
    program.clear_program_cache()
    t = Trainer(regression, linear, s, plain_first_run=True)
    r = t.run()
    assert t.ran_host and r.status == "diverged"
    assert "diverged" in r.message and "Lower the learning rate" in r.message
    assert all(np.all(np.isfinite(w)) for w in r.model.get_weights())
    assert len(r.history["loss"]) == r.epochs_run and np.all(np.isfinite(r.history["loss"]))
    assert 0 < r.epochs_run < 50
    ref = Trainer(regression, linear, replace(s, epochs=r.epochs_run), plain_first_run=True).run()
    for x, y in zip(r.model.get_weights(), ref.model.get_weights()):
        np.testing.assert_array_equal(x, y)


def test_what_the_host_engine_does_not_cover_trains_compiled(xor):
    """Every layer the editor builds trains on the host engine; some optimizers do not, and
    some layers a model from elsewhere may hold."""
    from nnstudio.core.tf import keras as _keras

    k = _keras()
    odd = k.Sequential([k.Input((2,)), k.layers.Dense(3), k.layers.Dropout(0.2, noise_shape=(None, 1)),
                        k.layers.Dense(1, activation="sigmoid")])
    assert "noise shape" in host.supports(odd, settings(), xor.task, "binary_crossentropy")
    s = settings(epochs=2)
    for spec, s2, why in [
        (RELU, replace(s, optimizer="nadam"), "nadam"),
        (RELU, replace(s, optimizer="adagrad"), "adagrad"),
    ]:
        model = build_model(spec, xor.n_inputs, xor.task, xor.n_classes, seed=0)
        assert why in host.supports(model, s2, xor.task, s2.loss_for(xor.task))
        program.clear_program_cache()
        t = Trainer(xor, spec, s2, plain_first_run=True)
        r = t.run()
        assert not t.ran_host and r.path == "fast" and r.status == "completed"


def test_a_compiled_program_is_preferred_once_it_exists(xor):
    program.clear_program_cache()
    s = settings(epochs=2)
    Trainer(xor, RELU, s).run()  # compiles (traces) the program
    t = Trainer(xor, RELU, replace(s, seed=4), plain_first_run=True)
    t.run()
    assert not t.ran_host


def test_reports_snapshots_and_controls_on_the_host(xor):
    """What the app does with a run: live reports with weights, a timeline with optimizer state,
    a learning-rate change and Stop, on the host engine."""
    program.clear_program_cache()
    s = settings(epochs=40)
    seen = []
    control = TrainingControl(want_weights=True)
    stop_at = threading.Event()

    def listen(p):
        seen.append(p)
        if p.epoch >= 3 and not stop_at.is_set():
            control.set_learning_rate(0.002)
        if p.epoch >= 20:
            stop_at.set()
            control.stop()

    control.add_listener(listen)
    t = Trainer(xor, RELU, s, control=control, plain_first_run=True)
    t.max_chunk_epochs = 1
    rec = watch(t)
    r = t.run()
    rec.finish(r.model)
    assert t.ran_host and r.status == "stopped"
    assert r.lr_changes and r.lr_changes[0][1] == pytest.approx(0.002)
    last = [p for p in seen if p.weights is not None][-1]
    for x, y in zip(last.weights, r.model.get_weights()):
        np.testing.assert_array_equal(x, y)  # the report's weights are the run's
    snap = rec.timeline.snapshots[-1]
    assert snap.epoch == r.epochs_run
    opt = t.optimizer  # the Keras optimizer holds the host's moments and step count
    assert int(opt.iterations.numpy()) == r.steps
    assert float(opt.learning_rate.numpy()) == pytest.approx(0.002)
    assert len(snap.optimizer) == len(opt.variables)
    assert any(np.any(v != 0) for v in snap.optimizer[2:])  # Adam's moments, not zeros
    assert len(rec.probe.health) >= 2


def test_snapshot_values_are_the_keras_models_and_optimizers(xor):
    """What a snapshot keeps from a host run (read without TensorFlow) is exactly what the Keras
    model and optimizer hold, in their order: a branch from it restores the same state."""
    program.clear_program_cache()
    for spec, s in ((RELU, settings(epochs=3)), (RELU, settings(epochs=3, optimizer="sgd", momentum=0.9)),
                    (RELU, settings(epochs=3, optimizer="rmsprop")),
                    (DROPOUTS, settings(epochs=3)),  # the Dropout layers' seed states among them
                    (NORMS, settings(epochs=3))):  # and the moving statistics
        t = Trainer(xor, spec, s, plain_first_run=True)
        r = t.run()
        assert t.ran_host
        direct = t.snapshot_values(r.model)
        opt = t.optimizer
        keras_values = [np.asarray(v) for v in r.model.variables] + [np.asarray(v) for v in opt.variables]
        assert len(direct) == len(keras_values)
        for a, b in zip(direct, keras_values):
            assert a.shape == b.shape
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("spec", [RELU, DROPOUT, NORMS], ids=["relu", "dropout", "batchnorm"])
def test_a_long_host_run_goes_on_with_its_compiled_program(xor, monkeypatch, spec):
    """Issue 18: a first run with seconds still to go compiles its program meanwhile and
    continues on it from the host engine's state (weights, Adam's moments and step count, a
    changed learning rate, early stopping's best): the same run as the compiled one throughout."""
    from nnstudio.core.training import engine

    monkeypatch.setattr(engine, "COMPILE_BEHIND_S", 0.0)  # any run counts as long
    monkeypatch.setattr(engine, "COMPILE_BEHIND_AFTER_S", 0.0)
    s = settings(epochs=30, jit_compile=True, early_stopping=True, patience=50,
                 monitor="val_accuracy")
    program.clear_program_cache()
    control = TrainingControl()
    trainer = Trainer(xor, spec, s, control=control, plain_first_run=True)
    trainer.max_chunk_epochs = 1  # a report after every epoch: the rate changes after epoch 4

    def wait_for_the_compile(p):  # on the training thread: the next chunk starts compiled
        if p.epoch == 4:
            control.set_learning_rate(0.02)
        if p.epoch >= 4 and trainer._behind is not None:
            trainer._behind.join()

    control.add_listener(wait_for_the_compile)
    a = trainer.run()
    assert trainer.ran_host and trainer.switched_at is not None and 4 <= trainer.switched_at < 30
    assert a.path == "host+fast" and a.status == "completed"
    ref = Trainer(xor, spec, s)
    ref.control.add_listener(lambda p: p.epoch == 4 and ref.control.set_learning_rate(0.02))
    ref.max_chunk_epochs = 1
    b = ref.run()
    assert b.path == "fast"
    assert_same_run(a, b)


def test_a_short_host_run_does_not_compile_behind(xor):
    """A run that is over in well under COMPILE_BEHIND_AFTER_S seconds never starts a compile,
    so it never waits for one (a first chunk's one-off costs must not look like a long run)."""
    program.clear_program_cache()
    t = Trainer(xor, RELU, settings(epochs=20, jit_compile=True), plain_first_run=True)
    r = t.run()
    assert t.ran_host and r.path == "host" and t._behind is None


def test_batch_normalizations_the_host_does_not_compute_are_left_to_the_compiled_program():
    """The editor builds Keras' defaults; a model loaded from elsewhere may not: those train
    compiled (renorm, no centre or scale, regularizers), with the reason."""
    from nnstudio.core.tf import keras as _keras
    from nnstudio.core.training import host_norm

    layers = _keras().layers
    assert host_norm.supported(layers.BatchNormalization()) is None
    for layer, why in [(layers.BatchNormalization(renorm=True), "renorm"),
                       (layers.BatchNormalization(center=False), "centre"),
                       (layers.BatchNormalization(scale=False), "scale"),
                       (layers.BatchNormalization(gamma_regularizer="l2"), "regularizers")]:
        assert why in host_norm.supported(layer)
