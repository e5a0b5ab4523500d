"""The one place a :class:`NetworkSpec` becomes a ``keras.Model``."""
from __future__ import annotations

import copy
import random

import numpy as np

from nnstudio.core.errors import SpecError
from nnstudio.core.model.spec import NetworkSpec, Task, validate
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow


def build_model(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int = 2,
                seed: int | None = 0, name: str = "nnstudio_net", seed_tf: bool = True,
                output_start: tuple[float, float] | None = None):
    """Build a ``keras.Sequential`` for ``n_inputs`` features.

    Raises :class:`SpecError` if the spec cannot train on this task. Weights are initialised from
    ``seed`` so the same seed gives the same starting network. ``output_start``, where given, is
    (bias, scale): the output layer's bias starts at ``bias`` (Keras' ``Constant`` initializer)
    and its drawn kernel is multiplied by ``scale``. A regression starts where a standardized
    target would put it: at its training rows' mean, its weights scaled to its spread
    (``PreparedData.output_start``), not at 0 with weights of ~1. ``seed_tf=False`` leaves
    TensorFlow's own global seed alone (Keras' seeds are set all the same, so the weights are the
    same): ``tf.random.set_seed`` empties TF's eager kernel cache, which makes building many
    models in a row 2-3x slower (the population of seeds, issue 18).
    """
    _check(spec, n_inputs, task, n_classes)
    keras = _keras()
    if seed is not None:
        if seed_tf:
            keras.utils.set_random_seed(int(seed))
        else:
            _seed_keras(int(seed))
    layers = [keras.Input(shape=(n_inputs,), name="features")] + _make_layers(spec, task, n_classes,
                                                                              output_start)
    model = keras.Sequential(layers, name=name)
    if output_start is not None and output_start[1] != 1:
        kernel = model.get_layer("output").kernel
        kernel.assign(kernel.numpy() * np.float32(output_start[1]))  # as initial_values_many
    return model


def _check(spec: NetworkSpec, n_inputs: int, task, n_classes: int) -> None:
    problems = validate(spec, task, n_classes)
    if problems:
        raise SpecError(problems[0], "Fix the layer in the network editor and try again.")
    if n_inputs < 1:
        raise SpecError("The network has no input features.", "Choose at least one feature column.")


def empty_model(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int = 2,
                name: str = "nnstudio_net", output_start: tuple[float, float] | None = None):
    """The model :func:`build_model` makes (the same config, layer names and variable paths),
    with every variable zero: for a model whose values are set at once (a population's trained
    networks, issue 18). Its variables are not drawn: the layers are made under Keras'
    ``StatelessScope``, which defers their variables, and each is then made from zeros (the
    initializers' draws are half the cost of a model). Where that part of Keras differs, it is
    ``build_model`` (the same model, drawn weights)."""
    _check(spec, n_inputs, task, n_classes)
    keras = _keras()
    try:
        from keras.src.backend.common import global_state  # noqa: PLC0415 -- lazy: imports TensorFlow
    except ImportError:  # pragma: no cover - another Keras layout
        return build_model(spec, n_inputs, task, n_classes, seed=None, name=name,
                           output_start=output_start)
    with keras.StatelessScope(initialize_variables=False):
        model = keras.Sequential([keras.Input(shape=(n_inputs,), name="features")]
                                 + _make_layers(spec, task, n_classes, output_start), name=name)
    mine = {id(v) for v in model.variables}
    pending = global_state.get_global_attribute("uninitialized_variables") or []
    global_state.set_global_attribute("uninitialized_variables",
                                      [v for v in pending if id(v) not in mine])
    tf = _tensorflow()
    for v in model.variables:
        if getattr(v, "_value", 0) is None:  # what deferral leaves to do, named as built
            with tf.name_scope(v.path.rpartition("/")[0] or None):
                v._initialize(np.zeros(v.shape, v.dtype))
    return model


def _make_layers(spec: NetworkSpec, task, n_classes: int,
                 output_start: tuple[float, float] | None = None) -> list:
    """The network's Keras layers, in order, unbuilt. Creating them draws each random
    initializer's and dropout layer's seed from Python's random state, as Keras does: the same
    seed before this gives the same layers (:func:`_initial_plan` makes the same draws; a
    ``Constant`` bias draws nothing)."""
    keras = _keras()
    layers = []
    dense_i = 0
    for i, layer in enumerate(spec.layers_for(task, n_classes)):
        is_out = i == len(spec.hidden)
        if layer.kind == "dense":
            reg = None
            if layer.l1 or layer.l2:
                reg = keras.regularizers.L1L2(l1=float(layer.l1), l2=float(layer.l2))
            bias = "zeros"
            if is_out and output_start is not None:
                bias = keras.initializers.Constant(float(output_start[0]))
            layers.append(keras.layers.Dense(
                layer.units, activation=layer.activation,
                kernel_initializer=_kernel_initializer(keras, layer.initializer),
                bias_initializer=bias, use_bias=layer.use_bias, kernel_regularizer=reg,
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


def _kernel_initializer(keras, name: str):
    """The kernel initializer a Dense layer of the network gets, made here (not inside ``Dense``)
    so that :func:`initial_values_many` can draw the same seeds without making the layer. Making
    it draws its seed from Python's random state exactly as ``Dense`` would when given the name."""
    if name == "uniform":
        # Keras 2's "uniform" (the churn tutorial) is RandomUniform(-0.05, 0.05)
        return keras.initializers.RandomUniform(-0.05, 0.05)
    if name == "normal":
        return keras.initializers.RandomNormal(stddev=0.05)
    return keras.initializers.get(name)


def initial_values(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int = 2,
                   seed: int = 0, output_start: tuple[float, float] | None = None) -> list[np.ndarray]:
    """The values of ``build_model(spec, n_inputs, task, n_classes, seed, seed_tf=False,
    output_start=output_start).variables``, without building the model:
    :func:`initial_values_many` for one seed."""
    return initial_values_many(spec, n_inputs, task, n_classes, [seed], output_start)[0]


def initial_values_many(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int,
                        seeds, output_start: tuple[float, float] | None = None) -> list[list[np.ndarray]]:
    """For each seed, the values of ``build_model(spec, n_inputs, task, n_classes, seed,
    seed_tf=False, output_start=output_start).variables``, without building the models (issue 18:
    a population of seeds needs each seed's starting weights before it trains; building a Keras
    model costs 10-20 ms, and calling its initializers one by one 5 ms more per seed).

    Each seed makes the same initializers in the same order as :func:`_make_layers` (so they draw
    the same seeds from Python's random state), and a dropout layer's seed state is drawn as its
    ``SeedGenerator`` draws it. The initializers of all seeds are then called in one traced
    function, each random one with its own seed. The layer editor's kinds (else ValueError)."""
    _check(spec, n_inputs, task, n_classes)
    keras = _keras()
    plans = []
    for seed in seeds:
        _seed_keras(int(seed))
        plans.append(_initial_plan(keras, spec, int(n_inputs), task, n_classes, output_start))
    values = _draw(plans)
    if output_start is not None and output_start[1] != 1:
        k = max(i for i, item in enumerate(plans[0]) if isinstance(item, tuple)
                and len(item[1]) == 2)  # the output layer's kernel: the last 2-D variable
        for v in values:
            v[k] = v[k] * np.float32(output_start[1])
    return values


def _initial_plan(keras, spec: NetworkSpec, n_inputs: int, task, n_classes: int,
                  output_start: tuple[float, float] | None) -> list:
    """The model's variables, in order, as (initializer, shape) or a ready value (dropout seed
    state, a constant output bias); made as :func:`_make_layers` makes the layers, with the same
    draws."""
    from keras.src.backend import random_seed_dtype  # noqa: PLC0415 -- lazy: imports TensorFlow
    from keras.src.random.seed_generator import make_default_seed  # noqa: PLC0415 -- lazy: TF

    plan: list = []
    width = n_inputs
    layers = spec.layers_for(task, n_classes)
    for i, layer in enumerate(layers):
        if layer.kind == "dense":
            plan.append((_kernel_initializer(keras, layer.initializer), (width, layer.units)))
            if layer.use_bias and output_start is not None and i == len(layers) - 1:
                plan.append(np.full((layer.units,), output_start[0], dtype="float32"))
            elif layer.use_bias:
                plan.append((keras.initializers.get("zeros"), (layer.units,)))
            width = layer.units
        elif layer.kind in ("dropout", "alpha_dropout", "gaussian_dropout", "gaussian_noise"):
            value = layer.stddev if layer.kind == "gaussian_noise" else layer.rate
            if float(value) > 0:  # the layer makes its SeedGenerator only then
                plan.append(np.array([make_default_seed(), 0], dtype=random_seed_dtype()))
        elif layer.kind == "batchnorm":  # gamma, beta, moving mean and variance: Keras' defaults
            plan += [np.full((width,), v, dtype="float32") for v in (1.0, 0.0, 0.0, 1.0)]
        else:
            raise ValueError(f"initial_values: {layer.kind} layers are not covered")
    return plan


#: Traced functions that call a plan's initializers for N seeds, by the plan's shape.
_draw_functions: dict = {}


def _draw(plans: list[list]) -> list[list[np.ndarray]]:
    """Each plan's values: the random initializers of all plans called in one traced function
    (each with its own seed, as a tensor), the rest as they are. If the function cannot be made
    (another Keras), each initializer is called eagerly instead: the same values, slower."""
    keras = _keras()
    first = plans[0]
    slots = [i for i, item in enumerate(first) if isinstance(item, tuple)]
    if not slots:
        return [list(p) for p in plans]
    random_slots = [i for i in slots if isinstance(getattr(first[i][0], "seed", None), int)]
    key = (len(plans), tuple(
        (type(first[i][0]).__name__, repr(sorted(first[i][0].get_config().items())), first[i][1])
        for i in slots))
    from keras.src.backend import random_seed_dtype  # noqa: PLC0415 -- lazy: imports TensorFlow

    dtype = random_seed_dtype()
    seeds = np.array([[_seed_value(dtype, plan[i][0].seed) for i in random_slots]
                      for plan in plans], dtype=dtype).reshape(len(plans), len(random_slots))
    drawn = None
    fn = _draw_functions.get(key)
    if fn is not False:  # False: this plan's function failed before
        try:
            if fn is None:
                fn = _draw_functions[key] = _draw_function(keras, first, slots, random_slots,
                                                           len(plans))
                while len(_draw_functions) > 16:
                    _draw_functions.pop(next(iter(_draw_functions)))
            drawn = [np.asarray(v) for v in fn(seeds)]
        except Exception:  # any failure (another Keras): the eager calls give the same values
            _draw_functions[key] = False
    if drawn is None:
        drawn = [np.asarray(plan[i][0](plan[i][1], dtype="float32")) for plan in plans
                 for i in slots]
    out = []
    for j, plan in enumerate(plans):
        values = list(plan)
        for k, i in enumerate(slots):
            values[i] = drawn[j * len(slots) + k]
        out.append(values)
    return out


def _seed_value(dtype: str, seed: int) -> int:
    """The first element of the seed tensor Keras' ``draw_seed`` makes from an integer seed."""
    if dtype == "int32":
        return (seed & 0xFFFFFFFF ^ 0x80000000) - 0x80000000
    return seed


def _draw_function(keras, plan: list, slots: list[int], random_slots: list[int], n: int):
    """A traced function of seeds ``[n, len(random_slots)]``: every plan's initializer values,
    plan after plan. A random initializer is called with a seed generator that hands it its
    seed tensor ``[seed, 0]``, which is what ``draw_seed`` makes of an integer seed."""
    tf = _tensorflow()

    class TensorSeed(keras.random.SeedGenerator):
        def __init__(self, value) -> None:  # no state variable: the seed is given
            self.value = value

        def next(self, ordered: bool = True):  # SeedGenerator's signature
            return self.value

    def draw(seeds):
        out = []
        for j in range(n):
            for i in slots:
                init, shape = plan[i]
                if i in random_slots:
                    init = copy.copy(init)
                    seed = seeds[j, random_slots.index(i)]
                    init.seed = TensorSeed(tf.stack([seed, tf.zeros_like(seed)]))
                out.append(init(shape, dtype="float32"))
        return out

    return tf.function(draw, autograph=False)


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
