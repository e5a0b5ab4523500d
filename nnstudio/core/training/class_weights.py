"""Class weights for imbalanced classification: how much each class's rows count in the loss.

The setting (``TrainSettings.class_weight``) is ``"none"``, ``"balanced"`` or a mapping from class
label (as text, the way JSON keeps it) to a positive weight. The engine multiplies each training
row's loss by its class's weight, exactly as Keras' ``Model.fit(class_weight=...)`` does (the mean
over the batch still divides by the number of rows); validation and test losses are not weighted.
"balanced" is scikit-learn's definition: n_rows / (n_classes * rows of the class).
"""
from __future__ import annotations

import numpy as np

from nnstudio.core.errors import SettingsError
from nnstudio.core.model.spec import Task
from nnstudio.core.settings import check_class_weight

MODES = ("none", "balanced", "custom")


def mode_of(value) -> str:
    return value if isinstance(value, str) else "custom"


def balanced_weights(y_codes, n_classes: int) -> np.ndarray:
    """n_rows / (n_classes * rows of each class); a class with no rows gets 1."""
    y = np.asarray(y_codes, np.int64)
    counts = np.bincount(y[(y >= 0) & (y < n_classes)], minlength=n_classes).astype(np.float64)
    with np.errstate(divide="ignore"):
        w = len(y) / (n_classes * counts)
    return np.where(counts > 0, w, 1.0)


def class_weight_vector(value, y_train, classes: list, task: Task) -> np.ndarray | None:
    """One weight per class code (None: no weighting). Raises SettingsError for a label that is
    not a class, or weights asked for on a regression task."""
    check_class_weight(value)
    if value == "none":
        return None
    if Task(task) is Task.REGRESSION:
        raise SettingsError("Class weights only apply to classification.",
                            "Set class weights to none for a regression target.")
    k = max(len(classes), 2)
    if value == "balanced":
        return balanced_weights(y_train, k)
    names = {str(c): i for i, c in enumerate(classes)}
    out = np.ones(k, np.float64)
    for label, w in value.items():
        if str(label) not in names:
            raise SettingsError(f"Class weights name '{label}', which is not a class of the target.",
                                f"The classes are: {', '.join(names)}.")
        out[names[str(label)]] = float(w)
    return out


def run_class_weights(data, settings) -> np.ndarray | None:
    """:func:`class_weight_vector` of a run's setting on its prepared data (the training rows'
    codes and the target's classes), as every engine and population sets them."""
    return class_weight_vector(settings.class_weight, data.y_train, data.preprocessor.classes,
                               data.task)


def keras_class_weight(vec: np.ndarray | None) -> dict | None:
    """The same weights as Keras' ``fit(class_weight=...)`` dictionary (class code -> weight)."""
    return None if vec is None else {i: float(w) for i, w in enumerate(vec)}
