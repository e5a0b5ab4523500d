"""The one registry of optimizers, losses and activations, and the honest name of the loss that was
offered as ``categorical_crossentropy`` (it always was the sparse one: nnstudio feeds class numbers)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest

from nnstudio.core import registry
from nnstudio.core.errors import SettingsError
from nnstudio.core.model.spec import Task
from nnstudio.core.training import settings as settings_mod
from nnstudio.core.training.settings import TrainSettings


def test_the_settings_choices_are_the_registry():
    assert settings_mod.OPTIMIZERS == tuple(registry.OPTIMIZERS)
    assert settings_mod.LOSSES == ("auto", *registry.LOSSES)
    assert "categorical_crossentropy" not in settings_mod.LOSSES  # offered under its honest name
    assert registry.TRAINABLE_ACTIVATIONS == tuple(a for a in registry.ACTIVATIONS if a != "step")


def test_every_entry_builds_its_keras_object(tf_loaded):
    keras = tf_loaded.keras()
    for name, entry in registry.OPTIMIZERS.items():
        opt = registry.make_optimizer(name, 0.25, momentum=0.5, nesterov=True)
        assert type(opt).__name__ == entry.keras_class
        assert float(opt.learning_rate.numpy()) == 0.25
        if entry.momentum:
            assert opt.momentum == 0.5 and opt.nesterov
    for name, entry in registry.LOSSES.items():
        assert type(registry.make_loss(name)).__name__ == entry.keras_class
    assert isinstance(registry.make_loss("categorical_crossentropy"),
                      keras.losses.SparseCategoricalCrossentropy)
    with pytest.raises(SettingsError, match="Unknown optimizer 'adamw2'"):
        registry.make_optimizer("adamw2", 0.1)
    with pytest.raises(SettingsError, match="Unknown loss 'hinge'"):
        registry.make_loss("hinge")


def test_the_old_loss_name_becomes_the_honest_one():
    s = TrainSettings(loss="categorical_crossentropy")
    assert s.loss == "sparse_categorical_crossentropy"
    s.check()
    assert replace(s, epochs=3).loss == "sparse_categorical_crossentropy"
    assert TrainSettings.from_dict({"loss": "categorical_crossentropy"}).loss_for(Task.MULTICLASS) \
        == "sparse_categorical_crossentropy"
    assert registry.loss_label("categorical_crossentropy") == registry.LOSSES[
        "sparse_categorical_crossentropy"].label


def test_an_old_project_with_the_old_loss_name_opens_and_saves_the_new_one(tmp_path):
    from nnstudio.core import project_file as pf
    from nnstudio.core.project import Project

    p = Project.from_example("xor")
    path = pf.save_project(p, tmp_path / "old.nnstudio")
    doc = json.loads(path.read_text())
    doc["settings"]["loss"] = "categorical_crossentropy"  # what older versions wrote
    path.write_text(json.dumps(doc))
    q = pf.load_project(path)
    assert q.settings.loss == "sparse_categorical_crossentropy"
    pf.save_project(q, path)
    assert json.loads(path.read_text())["settings"]["loss"] == "sparse_categorical_crossentropy"


def test_the_cli_still_takes_the_old_loss_name():
    from nnstudio.cli import _parser
    from nnstudio.cli.train import settings_overrides

    args = _parser().parse_args(["train", "xor", "--loss", "categorical_crossentropy"])

    assert TrainSettings(**settings_overrides(args)).loss == "sparse_categorical_crossentropy"
