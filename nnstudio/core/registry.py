"""The one registry of optimizers, losses and activations (Keras' ``ALL_OBJECTS_DICT`` style).

Every list the app shows or checks — the optimizer and loss choices of the training settings and
the CLI, the activations of the network editor, the hand-set networks and the NumPy forward pass,
the losses of the gradient view and the exported script — is read from here, and the Keras objects
are made here (:func:`make_optimizer`, :func:`make_loss`). Adding an optimizer, a loss or an
activation is one entry in this module (plus, for an activation, its NumPy function in
:mod:`nnstudio.core.forward`; a test holds the two together).

Names are Keras' names. A few old names are kept as *aliases*, read from older project files and
command lines and turned into the canonical name (:func:`canonical_loss`): nnstudio feeds class
numbers, never one-hot rows, so the loss once offered as ``categorical_crossentropy`` always was
Keras' *sparse* categorical cross-entropy and is now called so.

This module imports no TensorFlow until a factory is called.
"""
from __future__ import annotations

from dataclasses import dataclass

from nnstudio.core.errors import SettingsError, SpecError
from nnstudio.core.tf import keras as _keras


@dataclass(frozen=True)
class Optimizer:
    name: str
    label: str  # as the app shows it
    keras_class: str  # keras.optimizers.<keras_class>
    momentum: bool = False  # takes momentum and Nesterov (SGD)


@dataclass(frozen=True)
class Loss:
    name: str
    label: str  # for people ("binary cross-entropy")
    keras_class: str  # keras.losses.<keras_class>
    classification: bool  # on class numbers (else on numbers, for regression)


@dataclass(frozen=True)
class Activation:
    name: str
    formula: str  # how it turns a weighted sum z into the node's output, for people
    help: str  # one sentence (tooltips)
    trainable: bool = True  # offered for networks Keras trains (``step`` has no useful gradient)


OPTIMIZERS: dict[str, Optimizer] = {o.name: o for o in (
    Optimizer("adam", "Adam", "Adam"),
    Optimizer("sgd", "SGD", "SGD", momentum=True),
    Optimizer("rmsprop", "RMSprop", "RMSprop"),
    Optimizer("adagrad", "Adagrad", "Adagrad"),
    Optimizer("adamax", "Adamax", "Adamax"),
    Optimizer("nadam", "Nadam", "Nadam"),
)}

LOSSES: dict[str, Loss] = {x.name: x for x in (
    Loss("binary_crossentropy", "binary cross-entropy", "BinaryCrossentropy", True),
    Loss("sparse_categorical_crossentropy", "categorical cross-entropy (class numbers)",
         "SparseCategoricalCrossentropy", True),
    Loss("mse", "mean squared error", "MeanSquaredError", False),
    Loss("mae", "mean absolute error", "MeanAbsoluteError", False),
    Loss("huber", "Huber", "Huber", False),
)}
#: Old loss names still read (project files, command lines) -> the canonical name.
LOSS_ALIASES = {"categorical_crossentropy": "sparse_categorical_crossentropy"}

ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("linear", "a = z", "No activation: the unit outputs its weighted sum unchanged "
               "(the usual regression output)."),
    Activation("relu", "a = max(0, z)", "max(0, z): zero for negative sums, the sum itself "
               "otherwise; the usual hidden-layer choice."),
    Activation("leaky_relu", "a = z if z ≥ 0 else 0.2·z", "Like relu but with a small slope "
               "(0.2) for negative sums, so units never go fully silent."),
    Activation("elu", "a = z if z > 0 else eᶻ − 1", "Like relu for positive sums, a smooth "
               "curve down to -1 for negative ones."),
    Activation("selu", "a = 1.0507·(z if z > 0 else 1.6733·(eᶻ − 1))", "A scaled elu that keeps "
               "activations normalized in deep nets (pairs with lecun_normal and alpha dropout)."),
    Activation("gelu", "a = z·Φ(z) = ½z(1 + erf(z/√2))", "z times the probability that a "
               "standard normal value is below z: a smooth relu."),
    Activation("sigmoid", "a = 1 / (1 + e⁻ᶻ)", "Squashes the sum into 0..1: the output for "
               "binary classification (a probability)."),
    Activation("tanh", "a = tanh(z)", "Squashes the sum into -1..1, centred on zero."),
    Activation("softmax", "a = eᶻ / Σ eᶻ over the layer's nodes", "Turns the layer's sums into "
               "probabilities that add up to 1: the multi-class output."),
    Activation("softplus", "a = ln(1 + eᶻ)", "log(1 + e^z): a smooth relu that is always "
               "positive."),
    Activation("swish", "a = z · sigmoid(z)", "z times sigmoid(z) (also called silu): a smooth, "
               "slightly non-monotonic relu."),
    Activation("hard_sigmoid", "a = clip(z/6 + ½, 0, 1)", "A piecewise-linear, cheaper "
               "approximation of sigmoid (0 below -3, 1 above 3)."),
    Activation("step", "a = 1 if z ≥ 0 else 0", "1 for a sum of at least 0, else 0: the "
               "perceptron's threshold (hand-set networks only: it has no useful gradient).",
               trainable=False),
)}
#: The activations a network Keras trains may use (the network editor's list).
TRAINABLE_ACTIVATIONS = tuple(a for a, entry in ACTIVATIONS.items() if entry.trainable)
#: Names Keras reports for an activation that the registry knows under another name.
ACTIVATION_ALIASES = {"silu": "swish", "heaviside": "step", "identity": "linear", "none": "linear"}


# ----- lookups ----------------------------------------------------------------------------------------
def canonical_loss(name: str) -> str:
    """The registry's name for a loss name (old aliases included); SettingsError if unknown."""
    key = LOSS_ALIASES.get(name, name)
    if key not in LOSSES:
        raise SettingsError(f"Unknown loss '{name}'.", f"Use one of: {', '.join(LOSSES)}.")
    return key


def canonical_activation(name: str | None) -> str:
    """The registry's name for an activation name (Keras' function names included)."""
    key = str(name or "linear").strip().lower()
    key = ACTIVATION_ALIASES.get(key, key)
    if key not in ACTIVATIONS:
        raise SpecError(f"Unknown activation '{name}'.", f"Use one of: {', '.join(ACTIVATIONS)}.")
    return key


def loss_label(name: str) -> str:
    key = LOSS_ALIASES.get(name, name)
    return LOSSES[key].label if key in LOSSES else name


# ----- Keras objects ------------------------------------------------------------------------------------
def make_optimizer(name: str, learning_rate: float, momentum: float = 0.0,
                   nesterov: bool = False):
    """A Keras optimizer (SGD takes ``momentum`` and ``nesterov``; the others ignore them)."""
    entry = OPTIMIZERS.get(name)
    if entry is None:
        raise SettingsError(f"Unknown optimizer '{name}'.",
                            f"Use one of: {', '.join(OPTIMIZERS)}.")
    cls = getattr(_keras().optimizers, entry.keras_class)
    if entry.momentum:
        return cls(learning_rate=float(learning_rate), momentum=float(momentum),
                   nesterov=bool(nesterov))
    return cls(learning_rate=float(learning_rate))


def make_loss(name: str, **kwargs):
    """A reducing Keras loss object (``kwargs`` go to its constructor, e.g. ``dtype``)."""
    return getattr(_keras().losses, LOSSES[canonical_loss(name)].keras_class)(**kwargs)
