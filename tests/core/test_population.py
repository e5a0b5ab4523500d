"""Seeds in parallel (issue 18): a population program gives each seed the run it gives alone.

Small data, few epochs: what is checked is the maths (same initial weights, shuffles, dropout
masks, optimizer steps), not the speed (tests/benchmarks/bench_training.py prints that).
"""
from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig, prepare
from nnstudio.core.data.examples import make_xor
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.trained import Deferred
from nnstudio.core.training import population, program
from nnstudio.core.training.engine import train, train_repeated
from nnstudio.core.training.settings import TrainSettings

# dropout with an odd batch (the last batch is padded): masks and padding must match too
DROP_SPEC = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.3),
                         LayerSpec.dense(4, "tanh", l2=0.01)])
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module", autouse=True)
def _tf(tf_loaded):
    return tf_loaded


@pytest.fixture(autouse=True)
def _host_counts(monkeypatch):
    """Each test starts with no network having had its host populations."""
    monkeypatch.setattr(population, "_host_counts", {})


@pytest.fixture
def compiled(monkeypatch):
    """Populations train on their compiled program from the first (a network's first ones
    otherwise train on the host engine): for the tests of that program."""
    monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)


@pytest.fixture(scope="module")
def xor():
    return prepare(Dataset(make_xor(n=200, seed=1), "xor"), Roles("class id", ["x", "y"]),
                   PreprocessConfig(), SplitConfig(test=0.2, val=0.2, seed=42))


@pytest.fixture(scope="module")
def blobs():  # three classes: the sparse categorical loss and argmax accuracy, no validation
    rng = np.random.default_rng(4)
    lab = np.repeat([0, 1, 2], 40)
    x = np.array([[0, 0], [4, 0], [0, 4]])[lab] + rng.normal(0, 0.8, size=(120, 2))
    frame = pd.DataFrame({"x": x[:, 0], "y": x[:, 1], "k": [f"c{i}" for i in lab]})
    return prepare(Dataset(frame, "blobs"), Roles("k", ["x", "y"]), PreprocessConfig(),
                   SplitConfig(test=0.25, val=0.0, seed=42))


def _settings(**kw) -> TrainSettings:
    base = dict(optimizer="adam", learning_rate=0.01, epochs=4, batch_size=13)
    base.update(kw)
    return TrainSettings(**base)


def _same_run(pop, alone, path: str = "population") -> None:
    assert pop.path == path and pop.seed == alone.seed
    assert pop.epochs_run == alone.epochs_run and pop.steps == alone.steps
    assert pop.history.keys() == alone.history.keys()
    for key in alone.history:
        np.testing.assert_allclose(pop.history[key], alone.history[key], atol=1e-5, err_msg=key)
    for a, b in zip(pop.model.variables, alone.model.variables):  # weights and dropout RNG state
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5, err_msg=a.path)
    for key in alone.test:
        assert pop.test[key] == pytest.approx(alone.test[key], abs=1e-5)


@pytest.fixture(scope="module")
def xor_population(xor):
    """The compiled population program's runs (a network's first populations train on the
    host engine: compiled first, as the app does in the background)."""
    population.clear_population_cache()
    population.precompile(xor, DROP_SPEC, _settings(), len(SEEDS))
    return population.train_population(xor, DROP_SPEC, _settings(), SEEDS)


@pytest.mark.parametrize("i", range(len(SEEDS)))
def test_each_seed_is_its_single_run(xor, xor_population, i):
    _same_run(xor_population[i], train(xor, DROP_SPEC, _settings(seed=SEEDS[i])))


def test_a_population_stopped_before_its_first_epoch_is_its_starting_networks(xor, xor_population):
    """The program the population above trained on is used again and stopped before any call:
    each network is its seed's starting one, its test figures that network's, nothing of the
    last run (whose values and test answers the program's last call returned)."""
    from nnstudio.core import registry
    from nnstudio.core.model.build import build_model
    from nnstudio.core.training.evaluation import evaluate_arrays

    runs = population.train_population(xor, DROP_SPEC, _settings(), SEEDS, should_stop=lambda: True)
    assert not runs[0].compiled  # the program of xor_population, not a new one
    for r, seed in zip(runs, SEEDS):
        assert r.status == "stopped" and r.epochs_run == 0 and r.history["loss"] == []
        start = build_model(DROP_SPEC, xor.n_inputs, xor.task, xor.n_classes, seed=seed)
        for a, b in zip(r.model.variables, start.variables, strict=True):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
        want = evaluate_arrays(start, xor.X_test, xor.y_test, xor.task,
                               registry.make_loss(_settings().loss_for(xor.task)))
        assert r.test == pytest.approx(want, abs=1e-6)


def test_the_seeds_differ(xor_population):
    """Not one network N times: each has its own start, shuffles and masks."""
    losses = {round(r.history["loss"][-1], 6) for r in xor_population}
    assert len(losses) == len(SEEDS)


@pytest.mark.parametrize("path", ["population", "population-host"])
def test_multiclass_sgd_without_validation(blobs, path, monkeypatch):
    """Compiled, or on the host engine (a Dense network's first populations): the same runs."""
    population.clear_population_cache()
    if path == "population":
        monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)
    s = _settings(optimizer="sgd", momentum=0.9, learning_rate=0.05, epochs=3, batch_size=16)
    spec = NetworkSpec([LayerSpec.dense(5, "relu")])
    pop = population.train_population(blobs, spec, s, [3, 4])
    for r in pop:
        _same_run(r, train(blobs, spec, replace(s, seed=r.seed)), path)


# batch normalization on the inputs and between layers, a Dropout beside it; batches of 13 leave a
# partial last one, which batch normalization trains at its own size (not padded)
NORM_SPEC = NetworkSpec([LayerSpec.batchnorm(), LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2),
                         LayerSpec.batchnorm(), LayerSpec.dense(4, "tanh")])
# the editor's noise layers, each network drawing its own
NOISE_SPEC = NetworkSpec([LayerSpec.gaussian_noise(0.3), LayerSpec.dense(6, "relu"),
                          LayerSpec.gaussian_dropout(0.2), LayerSpec.dense(5, "selu"),
                          LayerSpec.alpha_dropout(0.1)])


@pytest.mark.parametrize("path", ["population", "population-host"])
@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("spec", [NORM_SPEC, NOISE_SPEC], ids=["batchnorm", "noise"])
def test_the_editors_other_layers_train_in_a_population(xor, spec, path, jit, monkeypatch):
    """Each seed's run of a network with BatchNormalization (the batch and moving statistics per
    network, the last batch at its own size) or with GaussianNoise, GaussianDropout and
    AlphaDropout (each network drawing its single run's noise, XLA's or TensorFlow kernel's) is
    its single run, compiled or on the host."""
    population.clear_population_cache()
    if path == "population":
        monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)
    s = _settings(jit_compile=jit)
    assert len(xor.X_train) % s.batch_size  # a partial last batch
    assert population.supports(xor, spec, s, 3) is None
    pop = population.train_population(xor, spec, s, SEEDS)
    for r in pop:
        _same_run(r, train(xor, spec, replace(s, seed=r.seed)), path)


@pytest.mark.parametrize("path", ["population", "population-host"])
@pytest.mark.parametrize("case", ["binary", "multiclass", "batchnorm"])
def test_class_weights_train_in_a_population(xor, blobs, case, path, monkeypatch):
    """Class weights (issue 20) weigh each network's rows as its single run weighs them: a
    Repeat with them trains the seeds together (it trained them one after another)."""
    population.clear_population_cache()
    if path == "population":
        monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)
    data, spec, weights = {
        "binary": (xor, DROP_SPEC, {"0": 1.0, "1": 3.0}),
        "multiclass": (blobs, NetworkSpec([LayerSpec.dense(5, "relu")]), {"c0": 2.5, "c2": 0.5}),
        "batchnorm": (xor, NORM_SPEC, {"1": 0.25}),  # the last, partial batch a step of its own
    }[case]
    s = _settings(class_weight=weights)
    assert population.supports(data, spec, s, 3) is None
    pop = population.train_population(data, spec, s, SEEDS)
    for r in pop:
        alone = train(data, spec, replace(s, seed=r.seed))
        _same_run(r, alone, path)
        unweighted = train(data, spec, replace(s, seed=r.seed, class_weight="none"))
        assert abs(alone.history["loss"][0] - unweighted.history["loss"][0]) > 1e-3  # it weighs


def test_unweighted_and_weighted_seeds_train_on_programs_of_their_own(xor, monkeypatch):
    """The rows' class weights are compiled into a population program only for weighted runs
    (weighing every row by 1 cost W4's Repeat 40 % of its call): the two settings key two
    programs, each seed the single run of its setting, and an unweighted program refuses
    weights rather than ignore them."""
    from nnstudio.core.errors import TrainingError

    population.clear_population_cache()
    monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)
    plain, weighted = _settings(), _settings(class_weight={"1": 3.0})
    for s in (weighted, plain, weighted):
        for r in population.train_population(xor, DROP_SPEC, s, SEEDS):
            assert r.path == "population"
            _same_run(r, train(xor, DROP_SPEC, replace(s, seed=r.seed)))
    keys = [population._program_key(xor, DROP_SPEC, s, len(SEEDS))[0] for s in (plain, weighted)]
    assert keys[0] != keys[1]
    unweighted = population._cached(keys[0])
    assert unweighted.class_w is None and population._cached(keys[1]).class_w is not None
    with pytest.raises(TrainingError, match="compiled without"):
        unweighted.set_class_weights(np.array([1.0, 3.0]))


@pytest.mark.parametrize("path", ["population", "population-host"])
@pytest.mark.parametrize("restore", [True, False])
def test_early_stopping_stops_each_seed_at_its_own_epoch(xor, path, restore, monkeypatch):
    """Each network stops when its single run would (its monitored value, its patience), its
    history ends there and its model holds the values its single run ends with: the best epoch's
    when restored, else the stop's. The population trains on until its last network stops."""
    population.clear_population_cache()
    if path == "population":
        monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)
    s = _settings(epochs=40, learning_rate=0.05, early_stopping=True, patience=3,
                  restore_best=restore)
    seeds = [0, 1, 2, 3]
    assert population.supports(xor, DROP_SPEC, s, len(seeds)) is None
    pop = population.train_population(xor, DROP_SPEC, s, seeds)
    ran = []
    for r in pop:
        alone = train(xor, DROP_SPEC, replace(s, seed=r.seed))
        assert alone.status == r.status == "early_stopped" and r.best_epoch == alone.best_epoch
        assert r.message == alone.message
        _same_run(r, alone, path)
        ran.append(r.epochs_run)
    assert len(set(ran)) > 1 and max(ran) < s.epochs  # each its own epoch; all before the end


@pytest.mark.parametrize("path", ["population", "population-host"])
@pytest.mark.parametrize("case", ["batchnorm-accuracy", "no-validation"])
def test_early_stopping_in_a_population_other_cases(xor, blobs, case, path, monkeypatch):
    """BatchNormalization's moving statistics restored with the best weights, a monitored value
    that must grow (validation accuracy); data without validation rows (val_loss falls back to
    the training loss). Some seeds may run every epoch: each ends as its single run does."""
    population.clear_population_cache()
    if path == "population":
        monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)
    if case == "batchnorm-accuracy":
        data, spec = xor, NORM_SPEC
        s = _settings(epochs=25, early_stopping=True, patience=2, monitor="val_accuracy")
    else:
        data, spec = blobs, NetworkSpec([LayerSpec.dense(5, "relu")])
        s = _settings(epochs=30, learning_rate=0.1, early_stopping=True, patience=2)
    pop = population.train_population(data, spec, s, SEEDS)
    statuses = []
    for r in pop:
        alone = train(data, spec, replace(s, seed=r.seed))
        assert r.status == alone.status and r.best_epoch == alone.best_epoch
        _same_run(r, alone, path)
        statuses.append(r.status)
    assert "early_stopped" in statuses


def test_early_stopping_in_a_split_population(xor, split):
    """Both lanes of a split program: each network stops at its own epoch."""
    s = _settings(epochs=40, learning_rate=0.05, early_stopping=True, patience=3)
    runs = population.train_population(xor, DROP_SPEC, s, [0, 1, 2, 3, 4])
    assert isinstance(next(iter(population._cache.values())), split.SplitPopulation)
    for i in (0, 4):
        _same_run(runs[i], train(xor, DROP_SPEC, replace(s, seed=i)))


HOST_SPEC = NetworkSpec([LayerSpec.dense(6, "relu", l1=0.001), LayerSpec.dense(4, "tanh", l2=0.01)])


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_host_population_is_each_seeds_run(xor, optimizer, tmp_path):
    """Issue 18: a Repeat of a network with no compiled population program trains its seeds
    together on the NumPy host engine, each the run it gives alone, in an ordinary Keras model."""
    from nnstudio.core.tf import keras

    population.clear_population_cache()
    s = _settings(optimizer=optimizer, nesterov=optimizer == "sgd", momentum=0.5)
    pop = population.train_population(xor, HOST_SPEC, s, SEEDS)
    for r in pop:
        _same_run(r, train(xor, HOST_SPEC, replace(s, seed=r.seed)), "population-host")
    pop[2].model.save(tmp_path / "seed2.keras")
    loaded = keras().models.load_model(tmp_path / "seed2.keras")
    x = np.asarray(xor.X_test, np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), pop[2].model.predict(x, verbose=0),
                               atol=1e-6)


@pytest.mark.parametrize("jit", [True, False])
def test_host_population_with_dropout_is_each_seeds_run(xor, jit):
    """W1's question (dropout on, over seeds) on a new network: the seeds train together on
    the host engine, each network drawing its own masks from its own Dropout seed state as its
    single run's program draws them (XLA's numbers, or TensorFlow's kernel's in a plain graph);
    the trained models carry the advanced seed states."""
    population.clear_population_cache()
    s = _settings(jit_compile=jit, epochs=3)
    pop = population.train_population(xor, DROP_SPEC, s, SEEDS)
    for r in pop:
        _same_run(r, train(xor, DROP_SPEC, replace(s, seed=r.seed)), "population-host")


@pytest.mark.parametrize("gather", ["epoch", "batch"])
def test_host_population_regression(gather, monkeypatch):
    """MSE, and (big data) the rows gathered batch by batch instead of an epoch at once."""
    from nnstudio.core.training import host_population

    if gather == "batch":
        monkeypatch.setattr(host_population, "GATHER_BYTES", 0)
    population.clear_population_cache()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(90, 3))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2],
                          "t": x[:, 0] - 2 * x[:, 1] * x[:, 2] + rng.normal(0, 0.1, 90)})
    data = prepare(Dataset(frame, "reg"), Roles("t", ["a", "b", "c"]), PreprocessConfig(),
                   SplitConfig(test=0.2, val=0.2, seed=42))
    spec = NetworkSpec([LayerSpec.dense(7, "swish"), LayerSpec.dense(5, "elu")])
    s = _settings(epochs=3, batch_size=10)
    pop = population.train_population(data, spec, s, [0, 5])
    for r in pop:
        _same_run(r, train(data, spec, replace(s, seed=r.seed)), "population-host")


def test_which_populations_train_on_the_host(xor):
    """A network's first populations train on the host (no compile wait); after
    HOST_POPULATIONS_PER_PROGRAM of them, or once precompile has compiled its program, they
    run compiled. Networks with Dropout too (the host engine draws XLA's masks)."""
    population.clear_population_cache()
    s = _settings(epochs=2)
    spec = NetworkSpec([LayerSpec.dense(3, "relu")])
    paths = [population.train_population(xor, spec, s, [0, 1])[0].path
             for _ in range(population.HOST_POPULATIONS_PER_PROGRAM + 1)]
    assert paths == ["population-host"] * population.HOST_POPULATIONS_PER_PROGRAM + ["population"]
    other = NetworkSpec([LayerSpec.dense(2, "tanh")])
    assert population.precompile(xor, other, s, 2) is True
    assert population.precompile(xor, other, s, 2) is False  # ready: nothing to do
    ran = population.train_population(xor, other, s, [0, 1])
    assert [r.path for r in ran] == ["population"] * 2 and not ran[0].compiled
    population.clear_population_cache()
    assert population.train_population(xor, DROP_SPEC, s, [0, 1])[0].path == "population-host"


@pytest.mark.parametrize("should_stop", [None, lambda: False], ids=["headless", "app"])
def test_a_population_long_on_the_host_compiles_instead(xor, monkeypatch, should_stop):
    """Issue 18: a network's first population starts on the host engine, but where its second
    epoch there says the epochs left would take longer than a long run's rule
    (``LONG_HOST_POPULATION_S``), it compiles and trains compiled from the start: the same runs
    the host engine gives, not a mixture of both."""
    spec = NetworkSpec([LayerSpec.dense(4, "elu")])  # a network no other test compiles
    s = _settings(epochs=6, early_stopping=True, patience=50)
    population.clear_population_cache()
    host_runs = population.train_population(xor, spec, s, [0, 1], should_stop=should_stop)
    assert [r.path for r in host_runs] == ["population-host"] * 2
    population.clear_population_cache()
    monkeypatch.setattr(population, "LONG_HOST_POPULATION_S", 0.0)  # any epoch left is long
    long = population.train_population(xor, spec, s, [0, 1], should_stop=should_stop)
    assert [r.path for r in long] == ["population"] * 2 and long[0].compiled
    for a, b in zip(long, host_runs):
        assert (a.seed, a.epochs_run, a.status) == (b.seed, b.epochs_run, b.status)
        np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=2e-5, atol=2e-5)
        assert a.test["accuracy"] == pytest.approx(b.test["accuracy"], abs=1e-6)
    # two epochs: nothing left after the second, nothing to compile
    population.clear_population_cache()
    two = population.train_population(xor, spec, replace(s, epochs=2), [0, 1])
    assert two[0].path == "population-host" and two[0].epochs_run == 2


def test_a_slow_first_epoch_on_the_host_is_not_taken_for_a_long_population(xor, monkeypatch):
    """The first call on the host engine carries one-off costs (W1d's first epoch 344 ms, its
    second 11 ms): the second epoch's time decides, so a short population stays there."""
    from nnstudio.core.training.host_population import HostPopulation

    spec = NetworkSpec([LayerSpec.dense(3, "elu")])  # a network no other test compiles
    calls = []
    call = HostPopulation._call

    def first_slow(self, args):
        calls.append(int(args[5]))
        if len(calls) == 1:
            time.sleep(0.5)  # 0.5 s x 5 epochs left would pass the rule below
        return call(self, args)

    monkeypatch.setattr(HostPopulation, "_call", first_slow)
    monkeypatch.setattr(population, "LONG_HOST_POPULATION_S", 1.0)
    population.clear_population_cache()
    runs = population.train_population(xor, spec, _settings(epochs=7), [0, 1])
    assert [r.path for r in runs] == ["population-host"] * 2 and runs[0].epochs_run == 7
    assert calls[:2] == [1, 1] and sum(calls) == 7  # one epoch twice, then the rest at once


def test_each_result_is_an_ordinary_keras_model(xor, xor_population, tmp_path):
    """Exported == trained: the model saves, loads and predicts like any Keras model."""
    from nnstudio.core.tf import keras

    r = xor_population[1]
    path = tmp_path / "seed1.keras"
    r.model.save(path)
    loaded = keras().models.load_model(path)
    x = np.asarray(xor.X_test, np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), r.model.predict(x, verbose=0),
                               atol=1e-6)
    acc = np.mean((r.model.predict(x, verbose=0)[:, 0] > 0.5) == xor.y_test)
    assert r.test["accuracy"] == pytest.approx(acc)


def test_train_repeated_runs_the_seeds_together(xor, monkeypatch):
    program.clear_program_cache()  # no run's program compiled either (else seed after seed on it)
    out = train_repeated(xor, DROP_SPEC, _settings(epochs=2), repeat=3)
    paths = {r.path for r in out["runs"]}  # host or compiled: whether its program exists yet
    assert paths in ({"population"}, {"population-host"})
    assert [r.seed for r in out["runs"]] == [0, 1, 2]
    # one a population does not take (data too large to stack, say) runs seed after seed: on
    # the host engine while the network has no compiled program (no compile wait), as one run
    # does, each the run the compiled program gives
    monkeypatch.setattr(population, "supports", lambda *a: "the training data is too large")
    program.clear_program_cache()
    s = _settings(epochs=3, early_stopping=True)
    out = train_repeated(xor, DROP_SPEC, s, repeat=2)
    assert [r.path for r in out["runs"]] == ["host", "host"]
    for r in out["runs"]:
        alone = train(xor, DROP_SPEC, replace(s, seed=r.seed))
        assert alone.path == "fast"
        np.testing.assert_allclose(r.history["loss"], alone.history["loss"], rtol=2e-5, atol=2e-5)
        assert r.test["accuracy"] == pytest.approx(alone.test["accuracy"], abs=1e-6)


def test_seeds_alone_compile_once_the_seeds_left_would_cost_more_on_the_host_engine(xor,
                                                                                 monkeypatch):
    """Issue 18: seeds one after another weigh the host engine against a compile as folds do
    (``HostOrCompile``): the first seed on the host engine; where its seconds there times the
    seeds left pass a long run's rule, the next compiles and the rest reuse the program."""
    from nnstudio.core.training import engine

    monkeypatch.setattr(population, "supports", lambda *a: "the training data is too large")
    monkeypatch.setattr(engine, "COMPILE_BEHIND_S", 0.0)  # any host run is worth a compile
    program.clear_program_cache()
    spec = NetworkSpec([LayerSpec.dense(7, "tanh")])  # a network no other test compiles
    s = _settings(epochs=3)
    out = train_repeated(xor, spec, s, repeat=3)
    assert [r.path for r in out["runs"]] == ["host", "fast", "fast"]
    # the same runs as the count rule's all-host ones, up to float rounding
    monkeypatch.setattr(engine, "COMPILE_BEHIND_S", 1e9)
    program.clear_program_cache()
    again = train_repeated(xor, spec, s, repeat=3)
    assert [r.path for r in again["runs"]] == ["host"] * 3
    for a, b in zip(out["runs"], again["runs"]):
        np.testing.assert_allclose(a.history["loss"], b.history["loss"], rtol=2e-5, atol=2e-5)


def test_a_repeat_takes_one_runs_compiled_program_over_the_host_population(xor):
    """One run's program compiled (an app does it a second after an edit), the population's
    not: the seeds train one after another on it (the host population was slower there: churn
    in the app 3.3 s against 2.4-2.8 s); once the population's program is compiled, on that."""
    from nnstudio.core.training.engine import precompile

    population.clear_population_cache()
    program.clear_program_cache()
    s = _settings(epochs=2)
    precompile(xor, DROP_SPEC, s)
    out = train_repeated(xor, DROP_SPEC, s, repeat=3)
    assert [r.path for r in out["runs"]] == ["fast"] * 3
    population.precompile(xor, DROP_SPEC, s, 3)
    again = train_repeated(xor, DROP_SPEC, s, repeat=3)
    assert [r.path for r in again["runs"]] == ["population"] * 3
    for a, b in zip(out["runs"], again["runs"]):
        np.testing.assert_allclose(a.history["loss"], b.history["loss"], atol=1e-5)


def test_a_stop_ends_a_repeat_seed_after_seed_within_its_run(xor):
    """Seeds one after another (one run's program compiled, the population's not): a stop
    ends the seed training at the next chunk of epochs, not at its end, and the stopped run is
    dropped as a population's stopped group is."""
    from nnstudio.core.training.engine import precompile

    population.clear_population_cache()
    program.clear_program_cache()
    s = _settings(epochs=2000)
    precompile(xor, DROP_SPEC, s)
    asked = []

    def should_stop() -> bool:  # between the seeds, and between one run's chunks of epochs
        asked.append(1)
        return len(asked) > 3

    out = train_repeated(xor, DROP_SPEC, s, repeat=3, should_stop=should_stop)
    assert out["runs"] == [] and len(asked) == 4  # the first seed stopped inside its run


def test_what_trains_seed_after_seed(xor, monkeypatch):
    assert population.supports(xor, DROP_SPEC, _settings(), 3) is None
    assert population.supports(xor, DROP_SPEC, _settings(early_stopping=True), 3) is None
    assert population.supports(xor, DROP_SPEC, _settings(), 1) == "a single seed"
    # early stopping on one compute thread (the app on 2 cores): a population of networks whose
    # steps are arithmetic trains them all to the last stop, slower than seed after seed
    big = NetworkSpec([LayerSpec.dense(256, "relu"), LayerSpec.dense(256, "relu")])
    es = _settings(early_stopping=True, batch_size=32)
    monkeypatch.setattr(population, "compute_threads", lambda: 1)
    assert population.supports(xor, DROP_SPEC, es, 3) is None  # a small net: together
    assert "early stopping" in population.supports(xor, big, es, 3)
    assert population.supports(xor, big, _settings(batch_size=32), 3) is None  # no early stopping
    monkeypatch.setattr(population, "compute_threads", lambda: 2)
    assert population.supports(xor, big, es, 3) is None


def test_a_diverging_seed_is_trained_again_alone():
    """A seed whose loss blows up ends as its single run does (diverged, rolled back)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "t": 50 * x[:, 0] - 30 * x[:, 1]})
    data = prepare(Dataset(frame, "reg"), Roles("t", ["a", "b"]), PreprocessConfig(),
                   SplitConfig(test=0.2, val=0.0, seed=42))
    s = _settings(optimizer="sgd", learning_rate=100.0, epochs=3, batch_size=8)
    spec = NetworkSpec([LayerSpec.dense(3, "linear")])
    out = train_repeated(data, spec, s, repeat=2)
    for r in out["runs"]:
        alone = train(data, spec, replace(s, seed=r.seed))
        assert alone.status == "diverged"
        assert (r.status, r.epochs_run, r.message) == (alone.status, alone.epochs_run, alone.message)


def test_building_without_tf_seed_gives_the_same_start():
    """build_model(seed_tf=False) (the engine's and the population's) == the normal build."""
    from nnstudio.core.model.build import build_model
    from nnstudio.core.model.spec import Task

    for seed in (0, 7):
        a = build_model(DROP_SPEC, 3, Task.BINARY, seed=seed)
        b = build_model(DROP_SPEC, 3, Task.BINARY, seed=seed, seed_tf=False)
        assert len(a.variables) == len(b.variables)
        for x, y in zip(a.variables, b.variables):  # kernels, biases and dropout seed states
            np.testing.assert_array_equal(x.numpy(), y.numpy())


@pytest.mark.parametrize("path", ["population", "population-host"])
def test_a_dropout_of_rate_zero_trains_in_the_population(xor, path, monkeypatch):
    """A Dropout at rate 0 (the editor allows it) has no seed generator in Keras: the population
    program failed to build ("'Dropout' object has no attribute 'seed_generator'", found by the
    random-actions QA run). It passes its inputs through, and each seed is its single run,
    compiled or on the host engine."""
    population.clear_population_cache()
    if path == "population":
        monkeypatch.setattr(population, "HOST_POPULATIONS_PER_PROGRAM", 0)
    spec = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.0), LayerSpec.dense(4, "relu")])
    runs = population.train_population(xor, spec, _settings(epochs=2), [0, 1])
    assert [r.status for r in runs] == ["completed", "completed"]
    _same_run(runs[1], train(xor, spec, _settings(epochs=2, seed=1)), path)


def test_the_result_models_are_made_on_first_use(xor, compiled):
    """A compiled population's models are Deferred (issue 18: a Repeat does not wait for five
    Keras models); each is made once, with its network's trained values, when first read."""
    s = _settings(epochs=2)
    runs = population.train_population(xor, DROP_SPEC, s, [0, 1])
    assert all(isinstance(r.__dict__["_model"], Deferred) for r in runs)
    known = runs[1].weights()  # the weights a Repeat records, read without making the model
    assert isinstance(runs[1].__dict__["_model"], Deferred)
    model = runs[1].model
    for got, want in zip(known, model.get_weights(), strict=True):  # (dropout's seed state: not one)
        np.testing.assert_array_equal(got, want)
    assert runs[1].model is model and not isinstance(runs[1].__dict__["_model"], Deferred)
    _same_run(runs[1], train(xor, DROP_SPEC, replace(s, seed=1)))


def _threads_calling(monkeypatch, name: str) -> list[str]:
    """The names of the threads that call ``population.<name>`` from now on, in order."""
    import threading

    names: list[str] = []
    real = getattr(population, name)

    def recording(*args, **kwargs):
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)
    monkeypatch.setattr(population, name, recording)
    return names


def test_only_the_shown_model_is_built_beside_the_call(xor, monkeypatch, compiled):
    """One program (the app: one compute thread): the last seed's model, the one an app shows,
    is built on a thread beside the compiled call; the others only when first used (each is 6-12
    ms of interpreter time the window would wait for)."""
    import threading

    made_on = _threads_calling(monkeypatch, "empty_model")
    monkeypatch.setattr(population, "compute_threads", lambda: 1)
    population.clear_population_cache()
    s = _settings(epochs=2)
    runs = population.train_population(xor, DROP_SPEC, s, [0, 1, 2])
    assert made_on == ["MainThread", "population-models"]  # the program's template, the shown one
    runs[2].model  # noqa: B018 - made already
    assert len(made_on) == 2
    runs[0].model  # noqa: B018 - made now, on first use
    assert made_on[2:] == [threading.current_thread().name]
    _same_run(runs[2], train(xor, DROP_SPEC, replace(s, seed=2)))
    _same_run(runs[0], train(xor, DROP_SPEC, replace(s, seed=0)))


@pytest.fixture
def split(monkeypatch, compiled):
    """Populations split in two lanes here (as headless with two compute threads), compiled from
    the first."""
    from nnstudio.core.training import population_split as pp

    monkeypatch.setattr(population, "compute_threads", lambda: 2)
    monkeypatch.setattr(pp, "SPLIT_MACS", (0, 2**40))
    population.clear_population_cache()
    yield pp
    population.clear_population_cache()


def test_a_split_population_is_each_seeds_run(xor, split):
    """With two compute threads (headless) a population of steps big enough is two programs
    called together (SplitPopulation); each seed is still its single run, and a Repeat on it
    keeps its order of seeds."""
    pp = split
    s = _settings(epochs=3)
    seeds = [0, 1, 2, 3, 4]
    runs = population.train_population(xor, DROP_SPEC, s, seeds)
    progs = list(population._cache.values())
    assert len(progs) == 1 and isinstance(progs[0], pp.SplitPopulation)
    assert [len(lane.stacked[0].numpy()) for lane in progs[0].lanes] == [3, 2]
    assert [r.seed for r in runs] == seeds
    for i in (0, 2, 3, 4):  # both lanes, and either side of the cut
        _same_run(runs[i], train(xor, DROP_SPEC, replace(s, seed=i)))
    # compiled ahead (as the app does after a Repeat), then used
    population.clear_population_cache()
    assert population.precompile(xor, DROP_SPEC, s, 5) is True
    again = population.train_population(xor, DROP_SPEC, s, seeds)
    assert not again[0].compiled and again[3].history == runs[3].history
    # class weights reach both lanes
    weighted = replace(s, class_weight={"1": 3.0})
    runs = population.train_population(xor, DROP_SPEC, weighted, seeds)
    for i in (0, 4):
        _same_run(runs[i], train(xor, DROP_SPEC, replace(weighted, seed=i)))


def test_a_split_population_makes_the_last_model_on_its_lane(xor, split, monkeypatch):
    """The model an app shows (the last seed's) is made on the second lane once that lane's call
    has ended, while the first lane still trains; the others wait for first use. Each has its
    network's trained weights, and is the seed's single run."""
    made_on = _threads_calling(monkeypatch, "_empty_models")
    s = _settings(epochs=2)
    runs = population.train_population(xor, DROP_SPEC, s, [0, 1, 2, 3])
    assert made_on[-1] == "population-lane"  # (the first, if any: the program's template)
    lane_made = len(made_on)
    last = runs[3].model
    assert len(made_on) == lane_made  # made already, not on first use
    for got, want in zip(runs[3].weights(), last.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    assert isinstance(runs[0].__dict__["_model"], Deferred)  # made on first use
    _same_run(runs[3], train(xor, DROP_SPEC, replace(s, seed=3)))
    _same_run(runs[0], train(xor, DROP_SPEC, replace(s, seed=0)))


def test_a_split_population_stopped_before_its_first_epoch_fills_the_lane_model_here(xor, split):
    """No call ran: the lane makes the shown model but has no call's values to give it (it must
    not read the program itself: that loads a run's starting values, on its thread, while the
    program's next run may be training); the training thread gives them."""
    from nnstudio.core.model.build import build_model
    from nnstudio.core.training.program import build_lock

    s = _settings(epochs=2)
    population.train_population(xor, DROP_SPEC, s, [0, 1, 2, 3])  # trained: a last call exists
    runs = population.train_population(xor, DROP_SPEC, s, [0, 1, 2, 3], should_stop=lambda: True)
    with build_lock:  # the lane may still be making its model: Keras' random state is shared
        start = build_model(DROP_SPEC, xor.n_inputs, xor.task, xor.n_classes, seed=3)
    for a, b in zip(runs[3].model.variables, start.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    again = population.train_population(xor, DROP_SPEC, s, [0, 1, 2, 3])
    _same_run(again[3], train(xor, DROP_SPEC, replace(s, seed=3)))


def test_which_populations_split():
    """Two programs only where it gains: two compute threads, four networks or more, and a step
    neither too small to gain (W1, W2, W4) nor big enough for TensorFlow's own threads (C1)."""
    from nnstudio.core.model.build import empty_model
    from nnstudio.core.model.spec import Task
    from nnstudio.core.training.population_split import splits

    w3 = empty_model(NetworkSpec([LayerSpec.dense(64, "relu"), LayerSpec.dense(64, "relu")]),
                     64, Task.MULTICLASS, 10)
    assert splits(w3, 32, 5, 2)
    assert not splits(w3, 32, 5, 1) and not splits(w3, 32, 3, 2)
    w4 = empty_model(NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(6, "relu")]),
                     12, Task.BINARY, 2)
    assert not splits(w4, 10, 5, 2)
    c1 = empty_model(NetworkSpec([LayerSpec.dense(256, "relu"), LayerSpec.dense(128, "relu")]),
                     784, Task.MULTICLASS, 10)
    assert not splits(c1, 128, 5, 2)


def test_a_split_population_stops_all_its_runs_after_the_same_epoch(xor, split):
    """Stop is asked between calls; both lanes run each call, so every run ends "stopped" after
    the same epoch, which is each seed's single run stopped there."""
    s = _settings(epochs=40)
    asked = []
    runs = population.train_population(xor, DROP_SPEC, s, [0, 1, 2, 3],
                                       should_stop=lambda: asked.append(1) or len(asked) > 1)
    assert {r.status for r in runs} == {"stopped"}
    done = {r.epochs_run for r in runs}
    assert len(done) == 1 and 0 < done.pop() < 40
    stopped_at = runs[0].epochs_run
    _same_run(runs[3], train(xor, DROP_SPEC, replace(s, seed=3, epochs=stopped_at)))


def test_an_error_in_a_lane_reaches_the_caller_and_frees_the_program(xor, split):
    """A lane that fails (here: the second lane's call) raises in the caller, after the other
    lane has ended; the program is free again, and the next population trains on it."""
    s = _settings(epochs=2)
    seeds = [0, 1, 2, 3]
    population.train_population(xor, DROP_SPEC, s, seeds)
    prog = next(iter(population._cache.values()))
    second = prog.lanes[1]

    def fail(*args):
        raise RuntimeError("lane failed")
    second.call_with = fail
    try:
        with pytest.raises(RuntimeError, match="lane failed"):
            population.train_population(xor, DROP_SPEC, s, seeds)
    finally:
        del second.call_with
    assert not prog.lock.locked()
    runs = population.train_population(xor, DROP_SPEC, s, seeds)
    assert [r.status for r in runs] == ["completed"] * 4 and not runs[0].compiled
