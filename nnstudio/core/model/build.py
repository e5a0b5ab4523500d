"""The one place a :class:`NetworkSpec` becomes a ``keras.Model``."""
from __future__ import annotations

import random

import numpy as np

from nnstudio.core.errors import SpecError
from nnstudio.core.model.spec import NetworkSpec, Task, validate
from nnstudio.core.tf import keras as _keras

_INIT_ALIASES = {"uniform": "random_uniform", "normal": "random_normal"}


def build_model(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int = 2,
                seed: int | None = 0, name: str = "nnstudio_net", seed_tf: bool = True):
    """Build a ``keras.Sequential`` for ``n_inputs`` features.

    Raises :class:`SpecError` if the spec cannot train on this task. Weights are initialised from
    ``seed`` so the same seed gives the same starting network. ``seed_tf=False`` leaves
    TensorFlow's own global seed alone (Keras' seeds are set all the same, so the weights are the
    same): ``tf.random.set_seed`` empties TF's eager kernel cache, which makes building many
    models in a row 2-3x slower (the population of seeds, issue 18).
    """
    problems = validate(spec, task, n_classes)
    if problems:
        raise SpecError(problems[0], "Fix the layer in the network editor and try again.")
    if n_inputs < 1:
        raise SpecError("The network has no input features.", "Choose at least one feature column.")
    keras = _keras()
    if seed is not None:
        if seed_tf:
            keras.utils.set_random_seed(int(seed))
        else:
            _seed_keras(int(seed))
    layers = [keras.Input(shape=(n_inputs,), name="features")] + _make_layers(spec, task, n_classes)
    return keras.Sequential(layers, name=name)


def _make_layers(spec: NetworkSpec, task, n_classes: int) -> list:
    """The network's Keras layers, in order, unbuilt. Creating them draws each random
    initializer's and dropout layer's seed from Python's random state, as Keras does: the same
    seed before this gives the same layers (:func:`initial_values` relies on it)."""
    keras = _keras()
    layers = []
    dense_i = 0
    for i, layer in enumerate(spec.layers_for(task, n_classes)):
        is_out = i == len(spec.hidden)
        if layer.kind == "dense":
            reg = None
            if layer.l1 or layer.l2:
                reg = keras.regularizers.L1L2(l1=float(layer.l1), l2=float(layer.l2))
            init = _INIT_ALIASES.get(layer.initializer, layer.initializer)
            if layer.initializer == "uniform":
                # Keras 2's "uniform" (the churn tutorial) is RandomUniform(-0.05, 0.05)
                init = keras.initializers.RandomUniform(-0.05, 0.05)
            elif layer.initializer == "normal":
                init = keras.initializers.RandomNormal(stddev=0.05)
            layers.append(keras.layers.Dense(
                layer.units, activation=layer.activation, kernel_initializer=init,
                use_bias=layer.use_bias, kernel_regularizer=reg,
                name="output" if is_out else f"dense_{dense_i}"))
            dense_i += 1
        elif layer.kind == "dropout":
            layers.append(keras.layers.Dropout(float(layer.rate), name=f"dropout_{i}"))
        elif layer.kind == "batchnorm":
            layers.append(keras.layers.BatchNormalization(name=f"batchnorm_{i}"))
        elif layer.kind == "gaussian_noise":
            layers.append(keras.layers.GaussianNoise(float(layer.stddev), name=f"noise_{i}"))
        elif layer.kind == "gaussian_dropout":
            layers.append(keras.layers.GaussianDropout(float(layer.rate), name=f"gaussian_dropout_{i}"))
        elif layer.kind == "alpha_dropout":
            layers.append(keras.layers.AlphaDropout(float(layer.rate), name=f"alpha_dropout_{i}"))
        else:  # pragma: no cover - validate() rejects unknown kinds first
            raise SpecError(f"Unknown layer type '{layer.kind}'.")
    return layers


def initial_values(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int = 2,
                   seed: int = 0) -> list[np.ndarray]:
    """The values of ``build_model(spec, n_inputs, task, n_classes, seed, seed_tf=False).variables``,
    without building the model (issue 18: a population of seeds needs each seed's starting
    weights before it trains, and building a Keras model costs 20-40 ms). The same layers are
    created from the same seed and their initializers called with the shapes the build would
    give them. Dense and Dropout layers only (ValueError otherwise)."""
    problems = validate(spec, task, n_classes)
    if problems:
        raise SpecError(problems[0], "Fix the layer in the network editor and try again.")
    _seed_keras(int(seed))
    out: list[np.ndarray] = []
    width = int(n_inputs)
    for layer in _make_layers(spec, task, n_classes):
        kind = type(layer).__name__
        if kind == "Dense":
            out.append(np.asarray(layer.kernel_initializer((width, layer.units), dtype="float32")))
            if layer.use_bias:
                out.append(np.asarray(layer.bias_initializer((layer.units,), dtype="float32")))
            width = layer.units
        elif kind == "Dropout":
            out.append(np.asarray(layer.seed_generator.state))
        else:
            raise ValueError(f"initial_values: {kind} layers are not covered")
    return out


def _seed_keras(seed: int) -> None:
    """``keras.utils.set_random_seed`` without its ``tf.random.set_seed`` (Keras 3 draws initial
    weights and dropout seeds from Python's and NumPy's random and its own global seed)."""
    try:
        from keras.src.backend.common import global_state  # noqa: PLC0415 -- lazy: imports TensorFlow
        from keras.src.random import seed_generator  # noqa: PLC0415 -- lazy: imports TensorFlow
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED  # noqa: PLC0415 -- lazy: imports TensorFlow
    except ImportError:  # pragma: no cover - another Keras layout: seed everything, as usual
        _keras().utils.set_random_seed(seed)
        return
    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, None)
    random.seed(seed)
    np.random.seed(seed)
