"""Architecture spec: plain dataclasses with a JSON form and a compact text form.

A :class:`NetworkSpec` is the hidden stack plus an optional explicit output layer. When ``output`` is
``None`` the output layer follows the task (see :func:`default_output`): 1 sigmoid unit for binary
classification, k softmax units for k classes, 1 linear unit for regression.

Layer indices mean the same thing everywhere in the app: ``0 .. len(hidden) - 1`` are the hidden
layers and ``len(hidden)`` is the output layer, i.e. the positions in :meth:`NetworkSpec.layers_for`.
"""
from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass, field, fields, replace

from nnstudio.core.errors import SpecError
from nnstudio.core.registry import TRAINABLE_ACTIVATIONS

#: Why a step unit cannot be trained (the OR lesson; the coach of issue 19 says it too).
STEP_LESSON = (
    "A step unit (1 if its weighted sum is at least 0, else 0) computes OR exactly with weights 1, 1 "
    "and bias -1, but gradient descent cannot find those weights: the step's slope is 0 everywhere "
    "(and undefined at 0), so the gradient of the loss with respect to every weight is 0 and no "
    "update ever happens. A sigmoid is a smooth step: its slope is never 0, so the same network "
    "with a sigmoid learns OR.")


class Task(str, enum.Enum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def label(self) -> str:
        return {"binary": "binary classification", "multiclass": "multi-class classification",
                "regression": "regression"}[self.value]


INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "uniform", "normal", "zeros", "ones", "orthogonal",
)
LAYER_KINDS = ("dense", "dropout", "batchnorm", "gaussian_noise", "gaussian_dropout", "alpha_dropout")
#: Layer kinds that have a dropout-style ``rate``.
RATE_KINDS = ("dropout", "gaussian_dropout", "alpha_dropout")
MAX_DENSE_UNITS = 100_000  # the most units a Dense layer may have (more: refused with a message)

#: What each layer kind is called in the app (and in Keras).
LAYER_TITLES = {
    "dense": "Dense",
    "dropout": "Dropout",
    "batchnorm": "Batch normalization",
    "gaussian_noise": "Gaussian noise",
    "gaussian_dropout": "Gaussian dropout",
    "alpha_dropout": "Alpha dropout",
}
KERAS_CLASSES = {
    "dense": "Dense", "dropout": "Dropout", "batchnorm": "BatchNormalization",
    "gaussian_noise": "GaussianNoise", "gaussian_dropout": "GaussianDropout",
    "alpha_dropout": "AlphaDropout",
}

#: One-sentence explanations, used as tooltips in the layer editor and in CLI help.
HELP = {
    "dense": "A fully connected layer: every unit computes a weighted sum of all inputs plus a bias, "
             "then an activation.",
    "dropout": "Randomly zeroes a fraction of its inputs during training only, to reduce overfitting.",
    "batchnorm": "Normalizes its inputs with running means and variances, which often speeds up training.",
    "gaussian_noise": "Adds zero-mean Gaussian noise to its inputs during training only, as a regularizer.",
    "gaussian_dropout": "Multiplies its inputs by noise centred on 1 during training only, a smooth form of dropout.",
    "alpha_dropout": "Dropout that keeps the mean and variance of its inputs, meant to follow selu layers.",
    "kind": "The type of this layer; changing it keeps the settings the new type shares with the old one.",
    "units": "How many neurons this layer has (its output width).",
    "activation": "The non-linear function applied to each unit's weighted sum.",
    "initializer": "How the weights are drawn before training starts.",
    "use_bias": "Whether each unit adds a learned constant (bias) to its weighted sum.",
    "l1": "L1 penalty on the weights added to the loss; pushes weights to exactly zero.",
    "l2": "L2 penalty (weight decay) on the weights added to the loss; keeps weights small.",
    "rate": "Fraction of inputs set to zero at each training step (0 to below 1).",
    "stddev": "Standard deviation of the noise added during training.",
    "output": "The output layer follows the task unless you override it; a combination that cannot train is flagged.",
    "params": "Trainable weights and biases plus, for batch normalization, its running statistics "
              "(Keras' count_params).",
}

#: One sentence per weight initializer (tooltips of the initializer list).
INITIALIZER_HELP = {
    "glorot_uniform": "Uniform, scaled by fan-in plus fan-out (Keras' default; suits tanh and sigmoid).",
    "glorot_normal": "Normal, scaled by fan-in plus fan-out.",
    "he_uniform": "Uniform, scaled by fan-in for relu-like activations.",
    "he_normal": "Normal, scaled by fan-in for relu-like activations.",
    "lecun_uniform": "Uniform, scaled by fan-in (suits selu).",
    "lecun_normal": "Normal, scaled by fan-in (the one selu is designed for).",
    "uniform": "Uniform between -0.05 and 0.05 (Keras 2's 'uniform', as in the churn tutorial).",
    "normal": "Normal with standard deviation 0.05.",
    "zeros": "All weights start at 0 (every unit then learns the same thing: only for experiments).",
    "ones": "All weights start at 1 (only for experiments).",
    "orthogonal": "A random orthogonal matrix, which keeps signal norms through the layer.",
}

_DENSE_DEFAULTS = {"initializer": "glorot_uniform", "use_bias": True, "l1": 0.0, "l2": 0.0}


def _num(x: float) -> str:
    """The shortest text that reads back as exactly ``x`` (0.2, 1e-05, 3)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@dataclass
class LayerSpec:
    kind: str = "dense"
    units: int = 8
    activation: str = "relu"
    initializer: str = "glorot_uniform"
    use_bias: bool = True
    l1: float = 0.0
    l2: float = 0.0
    rate: float = 0.2
    stddev: float = 0.1

    # ----- construction helpers -------------------------------------------------------------
    @classmethod
    def dense(cls, units: int, activation: str = "relu", **kw) -> LayerSpec:
        return cls(kind="dense", units=units, activation=activation, **kw)

    @classmethod
    def dropout(cls, rate: float = 0.2) -> LayerSpec:
        return cls(kind="dropout", rate=rate)

    @classmethod
    def batchnorm(cls) -> LayerSpec:
        return cls(kind="batchnorm")

    @classmethod
    def gaussian_noise(cls, stddev: float = 0.1) -> LayerSpec:
        return cls(kind="gaussian_noise", stddev=stddev)

    @classmethod
    def gaussian_dropout(cls, rate: float = 0.2) -> LayerSpec:
        return cls(kind="gaussian_dropout", rate=rate)

    @classmethod
    def alpha_dropout(cls, rate: float = 0.1) -> LayerSpec:
        return cls(kind="alpha_dropout", rate=rate)

    @classmethod
    def of_kind(cls, kind: str, like: LayerSpec | None = None) -> LayerSpec:
        """A new layer of ``kind``, keeping the settings it shares with ``like`` (if given)."""
        if kind not in LAYER_KINDS:
            raise SpecError(f"Unknown layer type '{kind}'.", f"Use one of: {', '.join(LAYER_KINDS)}.")
        base = replace(like) if like is not None else cls()
        base.kind = kind
        return base.normalized()

    def normalized(self) -> LayerSpec:
        """The same layer with the fields its kind does not use reset to their defaults."""
        return LayerSpec(**self.to_dict())

    @property
    def title(self) -> str:
        return LAYER_TITLES.get(self.kind, self.kind)

    @property
    def has_weights(self) -> bool:
        return self.kind in ("dense", "batchnorm")

    # ----- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Only the fields that matter for this kind, so project files stay readable."""
        d = asdict(self)
        keep = {"dense": ("kind", "units", "activation", "initializer", "use_bias", "l1", "l2"),
                "dropout": ("kind", "rate"), "batchnorm": ("kind",),
                "gaussian_noise": ("kind", "stddev"),
                "gaussian_dropout": ("kind", "rate"),
                "alpha_dropout": ("kind", "rate")}.get(self.kind, tuple(d))
        return {k: d[k] for k in keep}

    @classmethod
    def from_dict(cls, d: dict) -> LayerSpec:
        if not isinstance(d, dict):
            raise SpecError(f"A layer must be an object, got {type(d).__name__}.")
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise SpecError(f"Unknown layer field(s): {', '.join(sorted(unknown))}.",
                            f"Known fields are {', '.join(sorted(names))}.")
        spec = cls(**d)
        spec.check()
        return spec

    # ----- text ------------------------------------------------------------------------------
    def compact(self) -> str:
        """The compact text form, e.g. ``dense:6:relu``, ``dense:8:tanh:init=he_normal:l2=0.01``."""
        if self.kind == "dense":
            parts = [f"dense:{self.units}:{self.activation}"]
            if self.initializer != _DENSE_DEFAULTS["initializer"]:
                parts.append(f"init={self.initializer}")
            if self.l1:
                parts.append(f"l1={_num(self.l1)}")
            if self.l2:
                parts.append(f"l2={_num(self.l2)}")
            if not self.use_bias:
                parts.append("nobias")
            return ":".join(parts)
        if self.kind in RATE_KINDS:
            return f"{self.kind}:{_num(self.rate)}"
        if self.kind == "gaussian_noise":
            return f"gaussian_noise:{_num(self.stddev)}"
        return self.kind

    def describe(self) -> str:
        if self.kind == "dense":
            extra = []
            if self.initializer != "glorot_uniform":
                extra.append(self.initializer)
            if not self.use_bias:
                extra.append("no bias")
            if self.l1:
                extra.append(f"L1 {self.l1:g}")
            if self.l2:
                extra.append(f"L2 {self.l2:g}")
            tail = f" ({', '.join(extra)})" if extra else ""
            return f"Dense {self.units}, {self.activation}{tail}"
        if self.kind in RATE_KINDS:
            return f"{self.title} {self.rate:g}"
        if self.kind == "gaussian_noise":
            return f"Gaussian noise σ={self.stddev:g}"
        if self.kind == "batchnorm":
            return "Batch normalization"
        return self.title

    def check(self) -> None:
        """Raise :class:`SpecError` if this layer on its own is invalid."""
        if self.kind not in LAYER_KINDS:
            raise SpecError(f"Unknown layer type '{self.kind}'.",
                            f"Use one of: {', '.join(LAYER_KINDS)}.")
        if self.kind == "dense":
            if not isinstance(self.units, int) or isinstance(self.units, bool) or self.units < 1:
                raise SpecError(f"A Dense layer needs at least 1 unit (got {self.units!r}).")
            if self.units > MAX_DENSE_UNITS:
                raise SpecError(f"A Dense layer of {self.units} units is too large for this app.",
                                f"Use at most {MAX_DENSE_UNITS} units.")
            if self.activation == "step":
                raise SpecError("A step activation cannot be trained by gradient descent. "
                                + STEP_LESSON,
                                "Use sigmoid to train, or set step weights by hand in the inspector.")
            if self.activation not in TRAINABLE_ACTIVATIONS:
                raise SpecError(f"Unknown activation '{self.activation}'.",
                                f"Use one of: {', '.join(TRAINABLE_ACTIVATIONS)}.")
            if self.initializer not in INITIALIZERS:
                raise SpecError(f"Unknown initializer '{self.initializer}'.",
                                f"Use one of: {', '.join(INITIALIZERS)}.")
            if not isinstance(self.use_bias, bool):
                raise SpecError(f"use_bias must be true or false (got {self.use_bias!r}).")
            for name in ("l1", "l2"):
                v = getattr(self, name)
                if not _is_number(v) or v < 0:
                    raise SpecError(f"{name.upper()} regularization must be a number >= 0 (got {v!r}).")
        elif self.kind in RATE_KINDS:
            if not _is_number(self.rate) or not 0 <= self.rate < 1:
                raise SpecError(f"{self.title} rate must be at least 0 and below 1 (got {self.rate!r}).")
        elif self.kind == "gaussian_noise":
            if not _is_number(self.stddev) or not 0 <= self.stddev <= 1:  # Keras refuses > 1
                raise SpecError(f"Gaussian noise stddev must be between 0 and 1 (got "
                                f"{self.stddev!r}): set it to 1 or less.")


def default_output(task: Task | str, n_classes: int = 2) -> LayerSpec:
    task = Task(task)
    if task is Task.BINARY:
        return LayerSpec.dense(1, "sigmoid")
    if task is Task.MULTICLASS:
        return LayerSpec.dense(n_classes, "softmax")
    return LayerSpec.dense(1, "linear")


def _output_width(task: Task, n_classes: int) -> tuple[int, ...]:
    return {Task.BINARY: (1, 2), Task.MULTICLASS: (n_classes,), Task.REGRESSION: (1,)}[task]


@dataclass
class NetworkSpec:
    """Hidden layers plus an output layer (``None``: chosen from the task)."""

    hidden: list[LayerSpec] = field(default_factory=list)
    output: LayerSpec | None = None

    def output_for(self, task: Task | str, n_classes: int = 2) -> LayerSpec:
        return self.output if self.output is not None else default_output(task, n_classes)

    def layers_for(self, task: Task | str, n_classes: int = 2) -> list[LayerSpec]:
        return [*self.hidden, self.output_for(task, n_classes)]

    def copy(self) -> NetworkSpec:
        return NetworkSpec([replace(l) for l in self.hidden],
                           replace(self.output) if self.output else None)

    @property
    def output_index(self) -> int:
        """The index of the output layer in :meth:`layers_for`."""
        return len(self.hidden)

    # ----- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"hidden": [l.to_dict() for l in self.hidden],
                "output": self.output.to_dict() if self.output else None}

    @classmethod
    def from_dict(cls, d: dict) -> NetworkSpec:
        if not isinstance(d, dict) or "hidden" not in d:
            raise SpecError("A network spec must be an object with a 'hidden' list.")
        unknown = set(d) - {"hidden", "output"}
        if unknown:
            raise SpecError(f"Unknown network field(s): {', '.join(sorted(unknown))}.",
                            "A network has 'hidden' (a list of layers) and 'output' (a layer or null).")
        hidden = d["hidden"]
        if not isinstance(hidden, list):
            raise SpecError("The network's 'hidden' entry must be a list of layers.")
        out = d.get("output")
        spec = cls([LayerSpec.from_dict(x) for x in hidden],
                   LayerSpec.from_dict(out) if out is not None else None)
        if spec.output is not None and spec.output.kind != "dense":
            raise SpecError("The output layer must be a Dense layer.")
        return spec

    # ----- compact text ------------------------------------------------------------------------
    def compact(self) -> str:
        """The hidden stack as text, plus ``,dense:…:output`` when the output layer is set by hand.

        ``NetworkSpec.parse(spec.compact())`` gives back ``spec``.
        """
        items = [l.compact() for l in self.hidden]
        if self.output is not None:
            items.append(self.output.compact() + ":output")
        return ",".join(items)

    @classmethod
    def parse(cls, text: str, task: Task | str | None = None, n_classes: int = 2) -> NetworkSpec:
        """Parse ``dense:6:relu,dropout:0.2,dense:4:relu``.

        An empty string is the network with no hidden layer. A Dense layer with an ``:output``
        suffix (``dense:1:sigmoid:output``) is the explicit output layer and must come last. Given a
        ``task``, a last Dense layer of the output's width (1 unit; 2 softmax units for binary; one
        unit per class for multi-class) is taken as the output layer too, so a stack copied from a
        Keras script (``…,dense:1:sigmoid``) means what it says; otherwise the output layer follows
        the task. Dense options: ``init=NAME``, ``l1=X``, ``l2=X``, ``nobias``.
        """
        text = (text or "").strip()
        layers: list[LayerSpec] = []
        output: LayerSpec | None = None
        if text:
            items = [t.strip() for t in text.split(",")]
            for i, item in enumerate(items):
                if not item:
                    raise SpecError(f"Empty layer in '{text}' (two commas in a row?).",
                                    "Separate layers with single commas, e.g. dense:6:relu,dense:4:relu.")
                layer, is_output = _parse_item(item)
                if is_output:
                    if i != len(items) - 1:
                        raise SpecError(f"'{item}': only the last layer can be the output layer.")
                    output = layer
                else:
                    layers.append(layer)
        spec = cls(layers, output)
        return spec.resolve_output(task, n_classes) if task is not None else spec

    def resolve_output(self, task: Task | str, n_classes: int = 2) -> NetworkSpec:
        """If there is no explicit output and the last layer is a Dense layer of the output's width,
        make it the output layer (see :meth:`parse`). Returns a new spec."""
        spec = self.copy()
        if spec.output is None and spec.hidden:
            last = spec.hidden[-1]
            task = Task(task)
            widths = _output_width(task, n_classes)
            if last.kind == "dense" and last.units in widths and not (
                    task is Task.BINARY and last.units == 2 and last.activation != "softmax"):
                spec.output = spec.hidden.pop()
        return spec

    def summary(self, task: Task | str, n_classes: int = 2) -> list[str]:
        lines = [l.describe() for l in self.hidden]
        lines.append(self.output_description(task, n_classes))
        return lines

    def output_description(self, task: Task | str, n_classes: int = 2) -> str:
        """E.g. ``Dense 1, sigmoid — output, from the task (binary classification)``."""
        out = self.output_for(task, n_classes)
        how = "set by you" if self.output is not None else f"from the task ({Task(task).label})"
        return f"{out.describe()} — output, {how}"


_PARSE_HINT = ("Use dense:UNITS:ACTIVATION, dropout:RATE, batchnorm, gaussian_noise:STD, "
               "gaussian_dropout:RATE or alpha_dropout:RATE, e.g. dense:6:relu,dropout:0.2,dense:4:relu.")


def _parse_item(item: str) -> tuple[LayerSpec, bool]:
    parts = [p.strip() for p in item.split(":")]
    kind = parts[0].lower()
    aliases = {"bn": "batchnorm", "batch_normalization": "batchnorm", "noise": "gaussian_noise",
               "gaussiannoise": "gaussian_noise", "batchnormalization": "batchnorm",
               "gaussiandropout": "gaussian_dropout", "alphadropout": "alpha_dropout"}
    kind = aliases.get(kind, kind)
    is_output = len(parts) > 1 and parts[-1].lower() == "output"
    if is_output:
        parts = parts[:-1]
    try:
        if kind == "dense":
            if len(parts) < 2:
                raise ValueError
            units = int(parts[1])
            rest = parts[2:]
            act = "relu"
            if rest and "=" not in rest[0] and rest[0].lower() != "nobias":
                act = rest[0].lower()
                rest = rest[1:]
            layer = LayerSpec.dense(units, act)
            for opt in rest:
                key, _, value = opt.partition("=")
                key = key.strip().lower()
                if key == "nobias" and not value:
                    layer.use_bias = False
                elif key in ("init", "initializer") and value:
                    layer.initializer = value.strip().lower()
                elif key in ("l1", "l2") and value:
                    setattr(layer, key, float(value))
                else:
                    raise SpecError(f"Unknown Dense option '{opt}' in '{item}'.",
                                    "Dense options are init=NAME, l1=X, l2=X and nobias, "
                                    "e.g. dense:8:relu:init=he_normal:l2=0.001.")
        elif kind in RATE_KINDS:
            if len(parts) > 2:
                raise ValueError
            layer = LayerSpec(kind=kind, rate=float(parts[1]) if len(parts) == 2 else
                              (0.1 if kind == "alpha_dropout" else 0.2))
            if kind == "dropout" and len(parts) != 2:
                raise ValueError
        elif kind == "gaussian_noise":
            if len(parts) > 2:
                raise ValueError
            layer = LayerSpec.gaussian_noise(float(parts[1]) if len(parts) > 1 else 0.1)
        elif kind == "batchnorm":
            if len(parts) != 1:
                raise ValueError
            layer = LayerSpec.batchnorm()
        else:
            raise SpecError(f"Unknown layer type '{parts[0]}' in '{item}'.", _PARSE_HINT)
    except (ValueError, IndexError):
        raise SpecError(f"Cannot read layer '{item}'.", _PARSE_HINT) from None
    layer.check()
    if is_output and layer.kind != "dense":
        raise SpecError(f"'{item}': the output layer must be a Dense layer.")
    return layer, is_output


# ----- validation --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """Something wrong with (or worth knowing about) one layer; ``layer`` is an index into
    ``layers_for`` (``len(hidden)`` is the output layer) or ``None`` for the whole network."""

    layer: int | None
    message: str

    def text(self, n_hidden: int) -> str:
        if self.layer is None:
            return self.message
        where = "Output layer" if self.layer == n_hidden else f"Layer {self.layer + 1}"
        return f"{where}: {self.message}"


def problems(spec: NetworkSpec, task: Task | str, n_classes: int = 2) -> list[Problem]:
    """What would stop this network from training on this task, layer by layer (empty: fine)."""
    task = Task(task)
    found: list[Problem] = []
    for i, layer in enumerate(spec.hidden):
        try:
            layer.check()
        except SpecError as e:
            found.append(Problem(i, e.user_text()))
    oi = len(spec.hidden)
    out = spec.output_for(task, n_classes)
    try:
        out.check()
    except SpecError as e:
        found.append(Problem(oi, e.user_text()))
        return found
    if out.kind != "dense":
        found.append(Problem(oi, "The output layer must be a Dense layer."))
        return found

    def flag(msg: str) -> None:
        found.append(Problem(oi, msg))

    if out.activation == "softmax" and out.units == 1:
        flag("Softmax on one unit always outputs 1.0 and cannot learn: use sigmoid.")
    elif task is Task.BINARY:
        if out.units == 1 and out.activation != "sigmoid":
            flag(f"Binary classification with one output unit needs a sigmoid output "
                 f"(got {out.activation}): the loss expects a probability between 0 and 1.")
        elif out.units == 2:
            # the same model as 1 sigmoid unit, but it needs a categorical loss, and the loss that
            # follows the task for two classes is binary cross-entropy
            flag(f"Two classes take 1 sigmoid output unit, not 2 {out.activation} units (1 "
                 f"sigmoid unit is the same model as 2 softmax units, and the loss expects it).")
        elif out.units not in (1, 2):
            flag(f"Binary classification needs 1 sigmoid output unit, not {out.units}.")
    elif task is Task.MULTICLASS:
        if out.units != n_classes:
            flag(f"The output layer has {out.units} units but the target has {n_classes} "
                 f"classes: use {n_classes} units.")
        if out.activation != "softmax":
            flag(f"Multi-class output needs softmax (got {out.activation}) so the "
                 f"outputs are class probabilities.")
    else:
        if out.units != 1:
            flag(f"Regression predicts one number: use 1 output unit, not {out.units}.")
        if out.activation in ("sigmoid", "softmax", "hard_sigmoid", "tanh"):
            flag(f"A {out.activation} output squashes predictions into a fixed range, "
                 f"so it cannot fit a regression target: use linear.")
    return found


def validate(spec: NetworkSpec, task: Task | str, n_classes: int = 2) -> list[str]:
    """Problems that would stop this network from training on this task (empty list: fine)."""
    return [p.text(len(spec.hidden)) for p in problems(spec, task, n_classes)]


def advice(spec: NetworkSpec, task: Task | str, n_classes: int = 2) -> list[Problem]:
    """Things that will train but are probably not what was meant (shown, never blocking)."""
    task = Task(task)
    tips: list[Problem] = []
    layers = spec.layers_for(task, n_classes)
    oi = len(spec.hidden)
    out = layers[-1]
    if task is Task.REGRESSION and out.kind == "dense" and out.activation in ("relu", "softplus"):
        tips.append(Problem(oi, f"A {out.activation} output cannot predict values below 0; use "
                                f"linear unless the target is never negative."))
    last_act = None
    for i, layer in enumerate(spec.hidden):
        if layer.kind == "dense":
            last_act = layer.activation
            if layer.activation == "softmax":
                tips.append(Problem(i, "Softmax in a hidden layer couples its units; relu or tanh "
                                       "is the usual choice there."))
        elif layer.kind == "alpha_dropout" and last_act != "selu":
            tips.append(Problem(i, "Alpha dropout is designed to follow selu layers; use Dropout "
                                   "after other activations."))
    for i, layer in enumerate(spec.hidden):
        if layer.kind == "dense" and layer.initializer in ("zeros", "ones") and layer.units > 1:
            tips.append(Problem(i, f"With '{layer.initializer}' initial weights all {layer.units} "
                                   f"units start equal and stay equal: they learn the same thing."))
    return tips


# ----- parameter counts ---------------------------------------------------------------------------
def layer_params(layer: LayerSpec, width: int) -> tuple[int, int, int]:
    """(total, trainable, output width) of one layer fed ``width`` values.

    ``total`` is what ``keras.Model.count_params`` counts (it includes batch normalization's
    non-trainable moving mean and variance).
    """
    if layer.kind == "dense":
        n = width * layer.units + (layer.units if layer.use_bias else 0)
        return n, n, layer.units
    if layer.kind == "batchnorm":
        return 4 * width, 2 * width, width  # gamma, beta trainable; moving mean, variance not
    return 0, 0, width


def param_counts(spec: NetworkSpec, n_inputs: int, task: Task | str,
                 n_classes: int = 2) -> list[tuple[str, int]]:
    """(description, parameter count) per layer, matching ``keras.Model.count_params``."""
    width = n_inputs
    rows = []
    for layer in spec.layers_for(task, n_classes):
        n, _, width = layer_params(layer, width)
        rows.append((layer.describe(), n))
    return rows


def count_params(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int = 2) -> int:
    """The total, equal to ``build_model(...).count_params()``."""
    return sum(n for _, n in param_counts(spec, n_inputs, task, n_classes))


def param_formula(layer: LayerSpec, width: int) -> str:
    """How a layer's count comes about, in words (tooltips)."""
    total, trainable, _ = layer_params(layer, width)
    if layer.kind == "dense":
        bias = f" + {layer.units} biases" if layer.use_bias else ""
        return f"{width} inputs × {layer.units} units{bias} = {total:,} parameters"
    if layer.kind == "batchnorm":
        return (f"4 × {width} = {total:,} parameters ({trainable:,} trainable scale and shift, "
                f"{total - trainable:,} running statistics)")
    return "No parameters: this layer only acts during training."
