"""Issue 20: class weights weigh the training loss exactly as Keras' fit(class_weight=...)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.preprocess import SplitConfig
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import SettingsError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.training.class_weights import balanced_weights, class_weight_vector, keras_class_weight
from nnstudio.core.training.settings import TrainSettings


def _project(task="binary", n=120, seed=0, **settings):
    r = np.random.default_rng(seed)
    X = r.normal(size=(n, 3))
    if task == "binary":
        y = np.where(X[:, 0] + 0.5 * r.normal(size=n) > 0.9, "yes", "no")  # imbalanced: ~20 % yes
    else:
        y = np.digitize(X[:, 0], [-0.8, 0.9])  # three classes
    df = pd.DataFrame(X, columns=["p", "q", "r"]).assign(y=y)
    return Project(Dataset(df, "cw"), Roles("y", ["p", "q", "r"], {}),
                   NetworkSpec([LayerSpec.dense(4, "tanh")]),
                   TrainSettings(epochs=3, optimizer="sgd", learning_rate=0.1, batch_mode="full-batch",
                                 seed=3, **settings),
                   split=SplitConfig(test=0.2, val=0.0), task_override=Task(task))


@pytest.mark.parametrize("task,weights", [("binary", {"no": 1.0, "yes": 4.0}), ("binary", "balanced"),
                                          ("multiclass", {"0": 0.5, "2": 3.0})])
def test_engine_matches_keras_class_weight(tf_loaded, task, weights):
    from nnstudio.core.model.build import build_model
    from nnstudio.core.registry import make_loss
    from nnstudio.core.training.engine import Trainer
    from nnstudio.core.training.steps import make_optimizer

    p = _project(task, class_weight=weights)
    data = p.prepare()
    k = data.n_classes
    model = build_model(p.spec, data.n_inputs, data.task, k, seed=3)
    init = [w.copy() for w in model.get_weights()]
    ours = Trainer(data, p.spec, p.settings, model=model).run().model.get_weights()

    ref = build_model(p.spec, data.n_inputs, data.task, k, seed=3)
    ref.set_weights(init)
    ref.compile(optimizer=make_optimizer(p.settings), loss=make_loss(p.settings.loss_for(data.task)))
    cw = keras_class_weight(class_weight_vector(weights, data.y_train, data.preprocessor.classes, data.task))
    y = data.y_train.astype("float32").reshape(-1, 1) if task == "binary" else data.y_train
    ref.fit(data.X_train, y, batch_size=len(data.X_train), epochs=3, shuffle=False, verbose=0,
            class_weight=cw)
    for a, b in zip(ours, ref.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5)

    # and the weights changed the result (a model trained without them ends elsewhere)
    model2 = build_model(p.spec, data.n_inputs, data.task, k, seed=3)
    model2.set_weights(init)
    p.settings.class_weight = "none"
    plain = Trainer(data, p.spec, p.settings, model=model2).run().model.get_weights()
    assert max(float(np.abs(a - b).max()) for a, b in zip(ours, plain)) > 1e-4


def test_balanced_is_scikit_learns():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0] * 30 + [1] * 6 + [2] * 4)
    np.testing.assert_allclose(balanced_weights(y, 3),
                               compute_class_weight("balanced", classes=np.arange(3), y=y))


def test_bad_class_weights_are_explained():
    with pytest.raises(SettingsError, match="Unknown class weighting"):
        TrainSettings(class_weight="heavy").check()
    with pytest.raises(SettingsError, match="above 0"):
        TrainSettings(class_weight={"yes": -1}).check()
    with pytest.raises(SettingsError, match="not a class"):
        class_weight_vector({"maybe": 2.0}, np.array([0, 1]), ["no", "yes"], Task.BINARY)
    with pytest.raises(SettingsError, match="only apply to classification"):
        class_weight_vector("balanced", np.array([0.5]), [], Task.REGRESSION)
    s = TrainSettings(class_weight={"yes": 3})
    assert TrainSettings.from_dict(s.to_dict()).class_weight == {"yes": 3}
