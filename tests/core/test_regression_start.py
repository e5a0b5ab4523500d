"""A regression's output starts where a standardized target would put it, in every engine.

A network's output starts near 0 and Adam moves each weight by about the learning rate a step: an
auto-mpg file (mpg around 30) ended the default 50 epochs at R² -3, worse than predicting the
mean, and house prices in dollars (sd 83,000) at R² -21. The output layer's bias starts at the
training rows' mean target (Keras' ``Constant`` initializer) and its drawn kernel is multiplied
by the target's sd: every prediction starts at the mean, and the hidden layers learn the spread
at the pace they would learn a standardized target.
"""
from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import Dataset
from nnstudio.core.model.build import build_model, empty_model, initial_values_many
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project

SPEC = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "tanh")])


def _mpg_frame(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Miles per gallon of made-up cars: around 30, spread ~5, from weight and year."""
    rng = np.random.default_rng(seed)
    weight = rng.uniform(1.5, 5.0, n)
    year = rng.uniform(70, 82, n)
    mpg = 30 - 4 * (weight - 3.2) + 0.5 * (year - 76) + rng.normal(0, 1.0, n)
    return pd.DataFrame({"weight": weight, "year": year, "mpg": mpg})


@pytest.fixture(scope="module")
def mpg():
    project = Project.from_dataset(Dataset(_mpg_frame(), "mpg"), target="mpg")
    return project, project.prepare()


def _r2(y, pred) -> float:
    y, pred = np.asarray(y, float).ravel(), np.asarray(pred, float).ravel()
    return 1.0 - float(np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2))


def test_the_output_starts_at_the_training_mean_and_spread_for_a_regression_only(mpg):
    project, data = mpg
    assert data.task is Task.REGRESSION
    y = np.asarray(data.y_train, float)
    assert data.output_start == pytest.approx((y.mean(), y.std()))
    assert 28 < data.output_start[0] < 32 and data.output_start[1] > 1
    small = Project.from_dataset(Dataset(_mpg_frame().assign(mpg=lambda f: f.mpg / 100), "m"), target="mpg")
    assert small.prepare().output_start[1] == 1.0  # a spread under 1 leaves Keras' draws as they are
    xor = Project.from_example("xor").prepare()
    assert xor.output_start is None  # classification: Keras' zeros


def test_build_starts_the_output_at_the_bias_and_draws_nothing_else_differently(tf_loaded):
    spec = NetworkSpec([LayerSpec.dense(5, "relu"), LayerSpec.dropout(0.2), LayerSpec.dense(3, "tanh")])
    plain = build_model(spec, 4, Task.REGRESSION, seed=7, seed_tf=False)
    started = build_model(spec, 4, Task.REGRESSION, seed=7, seed_tf=False, output_start=(30.25, 6.5))
    out = started.get_layer("output")
    assert out.bias.numpy().tolist() == [30.25]
    assert plain.get_layer("output").bias.numpy().tolist() == [0.0]
    np.testing.assert_array_equal(out.kernel.numpy(),
                                  plain.get_layer("output").kernel.numpy() * np.float32(6.5))
    for a, b in zip(plain.variables, started.variables, strict=True):  # the same draws otherwise
        if a.path not in (out.bias.path, out.kernel.path):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    # the population's starting values without a model, and its zero-valued result models
    many = initial_values_many(spec, 4, Task.REGRESSION, 0, [7, 8], output_start=(30.25, 6.5))
    for a, b in zip(many[0], started.variables, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b.numpy())
    empty = empty_model(spec, 4, Task.REGRESSION, output_start=(30.25, 6.5))
    assert empty.get_config() == started.get_config()


def test_a_regression_around_30_beats_guessing_with_the_default_settings(mpg, tf_loaded):
    """Before: R² below 0 after the default 50 epochs (the output climbing from 0 to 30)."""
    from nnstudio.core.training.engine import train

    project, data = mpg
    assert project.settings.epochs == 50 and project.settings.learning_rate == 0.001
    result = train(data, SPEC, replace(project.settings, seed=0))
    r2 = _r2(data.y_test, result.model.predict(data.X_test, verbose=0))
    assert r2 > 0.6, r2


def test_prices_in_dollars_are_learned_with_the_default_settings(tf_loaded):
    """Before: R² -21 from outputs starting at 0, and 0.00 from the mean with Keras' kernel (the
    output's weights must reach ~80,000 at ~0.001 a step)."""
    from nnstudio.core.training.engine import train

    rng = np.random.default_rng(4)
    area = rng.normal(1800, 450, 600)
    city = rng.choice(["a", "b", "c"], 600)
    price = 60_000 + 150 * area + np.select([city == "a", city == "b"], [80_000, -40_000], 0)
    frame = pd.DataFrame({"area": area, "city": city, "price": price + rng.normal(0, 20_000, 600)})
    project = Project.from_dataset(Dataset(frame, "prices"), target="price")
    data = project.prepare()
    assert data.output_start[1] > 50_000
    result = train(data, project.spec, project.settings)
    r2 = _r2(data.y_test, result.model.predict(data.X_test, verbose=0))
    assert r2 > 0.7, r2


@pytest.mark.parametrize("spec", [SPEC, NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2)])],
                         ids=["host", "compiled"])
def test_a_repeat_starts_each_seed_where_its_single_run_starts(mpg, spec, tf_loaded):
    """Repeat trains the seeds together (issue 18): each is still the run it gives alone."""
    from nnstudio.core.training import population
    from nnstudio.core.training.engine import train

    project, data = mpg
    settings = replace(project.settings, epochs=3)
    for run in population.train_population(data, spec, settings, [0, 4]):
        alone = train(data, spec, replace(settings, seed=run.seed))
        np.testing.assert_allclose(run.history["loss"], alone.history["loss"], rtol=1e-5)
        assert run.history["loss"][0] < 100  # started at the mean: (mpg - 30)² is ~20, not ~900


def test_a_streamed_regression_starts_at_its_training_rows_mean(tmp_path, tf_loaded):
    from nnstudio.core.data.preprocess_config import SplitConfig
    from nnstudio.core.settings import TrainSettings
    from nnstudio.core.training.streaming_csv import fit_streaming, split_of_rows, train_streaming

    frame = _mpg_frame(600)
    frame.loc[5, "mpg"] = np.nan  # a row without a target is not a training row
    path = tmp_path / "mpg.csv"
    frame.to_csv(path, index=False)
    split = SplitConfig(test=0.2, val=0.2, seed=42)
    plan = fit_streaming(path, target="mpg", split=split, chunk_rows=128)
    train_rows = (split_of_rows(0, len(frame), split) == 0) & frame["mpg"].notna().to_numpy()
    trained_on = frame["mpg"][train_rows]
    assert plan.output_start == pytest.approx((trained_on.mean(), trained_on.std(ddof=0)), rel=1e-9)
    result = train_streaming(plan, SPEC, TrainSettings(epochs=1, batch_size=32))
    # one epoch of ~12 steps moves the bias by about 0.001 each
    assert abs(float(result.model.get_layer("output").bias.numpy()[0]) - plan.output_start[0]) < 0.1


def test_the_exported_script_starts_its_output_at_the_mean_and_beats_guessing(tf_loaded, tmp_path):
    from nnstudio.core import export
    from nnstudio.core.training.engine import train

    project = Project.from_dataset(Dataset(_mpg_frame(), "mpg"), target="mpg")
    project.spec = SPEC
    data = project.prepare()
    result = train(data, SPEC, project.settings)
    export.export_model(result, data, project, tmp_path / "out")
    script = tmp_path / "out" / "train_model.py"
    text = script.read_text()
    assert 'out.bias.assign(np.full(out.bias.shape, y_train.mean(), "float32"))' in text
    assert "out.kernel.assign(out.kernel.numpy() * max(float(y_train.std()), 1.0))" in text
    r = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300, env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert r.returncode == 0, r.stderr[-3000:]
    mae = float(re.search(r"Test MAE: ([\d.]+)", r.stdout).group(1))
    guess = float(np.mean(np.abs(data.y_test - np.mean(data.y_train))))
    assert mae < 0.8 * guess, (mae, guess, result.test)


def test_a_sweeps_regression_runs_start_where_they_start_alone(tf_loaded):
    """A sweep builds its starting networks once per network and seed (and trains a network's
    seeds together): each run is the run trained alone, output bias included."""
    from nnstudio.core.experiments import sweep
    from nnstudio.core.training.engine import train

    project = Project.from_dataset(Dataset(_mpg_frame(), "mpg"), target="mpg")
    project.settings = replace(project.settings, epochs=3)
    data = project.prepare()
    res = sweep.run_sweep(project, sweep.expand(sweep.parse_grid("lr=0.001,0.01")), 2, data=data)
    for c in res.configurations:
        for rec in c.records:
            alone = train(data, c.spec, replace(c.settings, seed=rec.seed))
            assert rec.history["loss"] == pytest.approx(alone.history["loss"], rel=1e-5)
            assert rec.history["loss"][0] < 100  # from the mean: (mpg - 30)² is ~20, not ~900
