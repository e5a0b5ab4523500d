"""Issue 21, without training: generated data follows its recipe; engineered inputs are checked,
fitted on the training rows and listed; a project saves the recipe, not the rows."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.cli import generated as cli_generated
from nnstudio.core import project_file
from nnstudio.core.data import features
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.generate import SHAPES, Recipe, export_csv, recipe_of
from nnstudio.core.data.preprocess import FittedPreprocessor, PreprocessConfig, SplitConfig, prepare
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import DataError
from nnstudio.core.project import Project


@pytest.mark.parametrize("shape", SHAPES)
def test_a_recipe_gives_the_same_rows_every_time_and_follows_its_settings(shape):
    r = Recipe(shape, rows=201, noise=0.05, balance=0.3, seed=4)
    a, b = r.frame(), r.frame()
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 201 and list(a.columns[:2]) == ["x", "y"]
    assert not a.equals(replace(r, seed=5).frame())
    if shape == "plane":
        assert list(a.columns) == ["x", "y", "value"]
        resid = a["value"] - (0.8 * a["x"] - 0.5 * a["y"])
        assert abs(resid.std() - 0.05) < 0.015  # the noise is on the value
    else:
        assert set(a["label"]) == {0, 1}
        assert (a["label"] == 1).sum() == round(201 * 0.3)  # class balance


def test_noise_free_circles_lie_on_two_circles_and_noise_spreads_them():
    clean = Recipe("circles", rows=300, noise=0.0, seed=1).frame()
    radius = np.hypot(clean["x"], clean["y"])
    assert np.allclose(radius[clean["label"] == 0], 1.0, atol=1e-3)
    assert np.allclose(radius[clean["label"] == 1], 0.5, atol=1e-3)
    noisy = Recipe("circles", rows=300, noise=0.2, seed=1).frame()
    assert np.hypot(noisy["x"], noisy["y"])[noisy["label"] == 1].std() > 0.1


def test_the_recipe_round_trips_through_json_csv_and_a_project_file(tmp_path):
    r = Recipe("spiral", rows=120, noise=0.2, balance=0.4, test=0.3, seed=7)
    assert Recipe.from_dict(json.loads(json.dumps(r.to_dict()))) == r
    assert export_csv(r, tmp_path / "s.csv") == 120
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s.csv"), r.frame())
    project = Project.from_recipe(r)
    assert project.split.test == 0.3 and project.roles.target == "label"
    project.preprocess = replace(project.preprocess, engineered=["x*y", "sin(x)"])
    path = project_file.save_project(project, tmp_path / "p.nnstudio")
    doc = json.loads(path.read_text())
    assert doc["data"] == {"kind": "generated", "recipe": r.to_dict(), "name": r.title()}  # no rows
    again = project_file.load_project(path)
    assert recipe_of(again.dataset) == r
    pd.testing.assert_frame_equal(again.dataset.frame, r.frame())
    assert again.preprocess.engineered == ["x*y", "sin(x)"]


@pytest.mark.parametrize("bad, words", [
    ({"shape": "hexagon"}, "no generated shape 'hexagon'"),
    ({"rows": 2}, "rows must be a number from 4"),
    ({"noise": -1}, "noise must be a number from 0 to 2"),
    ({"balance": 1.0}, "balance must be a number from 0.05"),
    ({"seed": -3}, "seed must be a whole number"),
    ({"colour": "red"}, "Unknown data recipe setting(s): colour"),
])
def test_a_bad_recipe_says_what_is_wrong(bad, words):
    with pytest.raises(DataError) as e:
        Recipe.from_dict({"shape": "xor", **bad})
    assert words in e.value.user_text()


def test_the_cli_keeps_the_shape_names_of_the_core():
    assert cli_generated.SHAPES == SHAPES  # the CLI lists them without importing pandas


@pytest.mark.parametrize("text, words", [
    ("x**", "is not valid"),
    ("z^2", "reads 'z', which is not a column"),
    ("foo(x)", "calls 'foo', which is not a function"),
    ("sin(x, y)", "takes exactly one value"),
    ("x % 2", "an operator a formula cannot use"),
    ("x if y else 1", "which a formula cannot hold"),
    ("__import__('os')", "not a function it can use"),
    ("3 + 4", "reads no column"),
    ("", "is empty"),
])
def test_a_bad_formula_is_refused_with_a_clear_message(text, words):
    with pytest.raises(DataError) as e:
        features.parse(text, ["x", "y"])
    assert words in e.value.user_text()


def test_a_formula_computes_what_it_says():
    x, y = np.array([0.5, -2.0, 3.0]), np.array([1.0, 4.0, -1.0])
    cols = {"x": x, "y": y, "class id": x + y}
    for text, expected in [("x^2", x ** 2), ("x*y", x * y), ("sin(x)", np.sin(x)),
                           ("x**2 + y**2", x ** 2 + y ** 2), ("-x/2 + 1", -x / 2 + 1),
                           ("sqrt(abs(y)) * cos(x)", np.sqrt(np.abs(y)) * np.cos(x)),
                           ("`class id` * 2", (x + y) * 2)]:
        assert np.allclose(features.parse(text, cols).numpy(cols), expected), text
    assert features.split_features(["x", "x^2", "x*y"], ["x", "y"]) == (["x"], ["x^2", "x*y"])
    with pytest.raises(DataError, match="No column named 'Agee'"):
        features.split_features(["Agee"], ["x", "y"])
    assert features.suggestions(["x", "y"]) == {
        "squares": ["x^2", "y^2"], "products": ["x*y"],
        "sin/cos": ["sin(x)", "cos(x)", "sin(y)", "cos(y)"]}


@pytest.fixture(scope="module")
def circles_data():
    ds = Recipe("circles", rows=200, noise=0.05, seed=3).dataset()
    cfg = PreprocessConfig(engineered=["x^2", "y^2", "x*y"])
    return ds, prepare(ds, Roles("label", ["x"], {}), cfg, SplitConfig(test=0.25, val=0.0))


def test_engineered_inputs_are_fitted_on_the_training_rows_and_listed(circles_data):
    ds, data = circles_data
    pre = data.preprocessor
    assert pre.output_names == ["x", "x^2", "y^2", "x*y"]  # y is read by the formulas only
    train = data.raw_train
    x2 = train["x"].to_numpy() ** 2
    j = pre.output_names.index("x^2")
    assert np.allclose(data.X_train[:, j], (x2 - x2.mean()) / x2.std(), atol=1e-5)
    text = "\n".join(data.describe())
    assert "y: read by the engineered inputs only" in text
    assert "engineered input x^2: standardized" in text and "fitted on 150 rows" in text
    # the fitted preprocessing survives JSON and encodes raw x, y (no engineered column needed)
    again = FittedPreprocessor.from_dict(json.loads(json.dumps(pre.to_dict())))
    raw = ds.frame[["x", "y"]].head(7)
    assert np.allclose(again.transform(raw), pre.transform(raw))


def test_engineered_inputs_that_cannot_work_are_refused_before_training():
    ds = Recipe("xor", rows=40, seed=0).dataset()
    for eng, words in [(["log(x)"], "gives no number in"), (["x^2", "x^2"], "listed twice"),
                       (["label*2"], "reads 'label', which is not a column")]:
        with pytest.raises(DataError) as e:
            prepare(ds, Roles("label", ["x", "y"], {}), PreprocessConfig(engineered=eng))
        assert words in e.value.user_text(), eng
    text = ds.frame.assign(kind=np.where(ds.frame["x"] > 0, "a", "b"))
    with pytest.raises(DataError, match="'kind', which is not a number column"):
        prepare(Dataset(text, "t"), Roles("label", ["x"], {}), PreprocessConfig(engineered=["kind*2"]))
