"""Issue 21 challenges, without training: the shipped files load, a goal is checked against a run's
figures, and the leaderboard ranks fewest parameters first."""
from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest

from nnstudio.core import challenge
from nnstudio.core.data.generate import Recipe
from nnstudio.core.project import Project


def test_three_challenges_ship_and_start_as_they_say():
    paths = challenge.shipped_paths()
    assert len(paths) >= 3
    for p in paths:
        ch = challenge.load(p)
        project = ch.project()
        assert project.dataset.frame.equals(ch.recipe.frame())
        assert project.spec.compact() == ch.start_layers and "data" in ch.locked


def _run(test_accuracy):
    return SimpleNamespace(test={"accuracy": test_accuracy, "loss": 0.1},
                           history={"loss": [0.5, 0.2], "accuracy": [0.7, 0.9]})


@pytest.fixture(scope="module")
def circles():
    ch = challenge.load(challenge.SHIPPED_DIR / "circles-no-hidden-layer.json")
    project = ch.project()
    challenge.apply_start(project, None, ["x", "y", "x^2", "y^2"])
    return ch, project, project.prepare()


def test_the_goal_is_checked_against_the_run(circles):
    ch, project, data = circles
    met = challenge.check(ch, project, data, _run(0.97))
    assert met.met and met.figures == {"test_accuracy": 0.97, "hidden_layers": 0, "hidden_units": 0,
                                       "params": 5}
    assert met.text().startswith("Goal met: test accuracy 0.970")
    low = challenge.check(ch, project, data, _run(0.9))
    assert not low.met and low.reasons == ["test accuracy 0.900 is below 0.95"]
    wider = replace(project, spec=project.spec.parse("dense:3:relu"))
    big = challenge.check(ch, wider, data, _run(0.99))
    assert not big.met and "3 hidden units, more than 0" in big.reasons
    other = replace(project, dataset=replace(ch.recipe, noise=0.3).dataset())
    assert "the data is not the challenge's" in challenge.check(ch, other, data, _run(0.99)).text()


def test_locked_inputs_must_stay_as_they_start():
    ch = challenge.load(challenge.SHIPPED_DIR / "xor-one-small-layer.json")
    project = ch.project()
    challenge.apply_start(project, None, ["x", "y", "x*y"])
    data = project.prepare()
    v = challenge.check(ch, project, data, _run(1.0))
    assert not v.met and "the inputs must stay x, y" in v.reasons


def test_the_leaderboard_keeps_runs_that_met_the_goal_fewest_parameters_first(circles, tmp_path):
    ch, project, data = circles
    board = challenge.Leaderboard.of(ch, tmp_path)
    assert board.add(ch, challenge.check(ch, project, data, _run(0.5)), project) is None  # not met
    v = challenge.check(ch, project, data, _run(0.96))
    assert board.add(ch, v, project, "ann") == 1
    # a run with fewer parameters ranks first, whatever its accuracy (here: the figures say 3)
    fewer = replace(v, figures={**v.figures, "params": 3})
    assert board.add(ch, fewer, project, "bob") == 1
    better = replace(v, figures={**v.figures, "test_accuracy": 0.99})
    assert board.add(ch, better, project, "cy") == 2  # same parameters as ann, better accuracy
    again = challenge.Leaderboard.of(ch, tmp_path)
    assert [e["name"] for e in again.ranked()] == ["bob", "cy", "ann"]


@pytest.mark.parametrize("change, words", [
    ({"format": "x"}, "not an nnstudio challenge file"),
    ({"goal": {}}, "has no goal"),
    ({"goal": {"metric": "fun", "at_least": 1}}, "is not one nnstudio measures"),
    ({"goal": {"at_least": 0.9, "max_hidden_units": -1}}, "must be a whole number of 0 or more"),
    ({"goal": {"at_least": 0.9, "at_most": 0.1}}, "exactly one of at_least and at_most"),
    ({"locked": ["everything"]}, "must list some of: data, features"),
    ({"recipe": {"shape": "hexagon"}}, "is invalid: There is no generated shape"),
])
def test_a_bad_challenge_file_says_what_is_wrong(change, words, tmp_path):
    doc = {"format": "nnstudio-challenge", "title": "t", "recipe": Recipe().to_dict(),
           "goal": {"at_least": 0.9}, **change}
    p = tmp_path / "c.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(challenge.ChallengeError) as e:
        challenge.load(p)
    assert words in e.value.user_text()


def test_a_project_from_a_challenge_is_a_plain_generated_project():
    ch = challenge.load(challenge.SHIPPED_DIR / "spiral-few-neurons.json")
    p = ch.project()
    assert isinstance(p, Project) and p.split.test == ch.recipe.test and p.roles.features == ["x", "y"]


def test_a_locked_network_and_locked_settings_must_stay_as_they_start(tmp_path):
    doc = json.loads((challenge.SHIPPED_DIR / "xor-one-small-layer.json").read_text())
    doc["locked"] = ["data", "network", "settings"]
    path = tmp_path / "locked.json"
    path.write_text(json.dumps(doc))
    ch = challenge.load(path)
    project = ch.project()
    data = project.prepare()
    assert challenge.check(ch, project, data, _run(1.0)).met
    wider = replace(project, spec=project.spec.parse("dense:8:relu"))
    assert f"the network must stay {project.spec.compact()}" in challenge.check(ch, wider, data, _run(1.0)).reasons
    faster = replace(project, settings=replace(project.settings, learning_rate=0.5))
    assert "the training settings must stay as the challenge sets them" in \
        challenge.check(ch, faster, data, _run(1.0)).reasons
