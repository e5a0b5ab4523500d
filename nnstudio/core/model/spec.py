"""Architecture spec: plain dataclasses with a JSON form and a compact text form.

A :class:`NetworkSpec` is the hidden stack plus an optional explicit output layer. When ``output`` is
``None`` the output layer follows the task (see :func:`default_output`): 1 sigmoid unit for binary
classification, k softmax units for k classes, 1 linear unit for regression.
"""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field, fields, replace

from nnstudio.core.errors import SpecError


class Task(str, enum.Enum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def label(self) -> str:
        return {"binary": "binary classification", "multiclass": "multi-class classification",
                "regression": "regression"}[self.value]


ACTIVATIONS = (
    "linear", "relu", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "softmax",
    "softplus", "swish", "hard_sigmoid",
)
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
    "uniform", "normal", "zeros", "ones", "orthogonal",
)
LAYER_KINDS = ("dense", "dropout", "batchnorm", "gaussian_noise")

#: One-sentence explanations, used as tooltips in the layer editor and in CLI help.
HELP = {
    "dense": "A fully connected layer: every unit computes a weighted sum of all inputs plus a bias, then an activation.",
    "dropout": "Randomly zeroes a fraction of its inputs during training only, to reduce overfitting.",
    "batchnorm": "Normalizes its inputs with running means and variances, which often speeds up training.",
    "gaussian_noise": "Adds zero-mean Gaussian noise to its inputs during training only, as a regularizer.",
    "units": "How many neurons this layer has (its output width).",
    "activation": "The non-linear function applied to each unit's weighted sum.",
    "initializer": "How the weights are drawn before training starts.",
    "use_bias": "Whether each unit adds a learned constant (bias) to its weighted sum.",
    "l1": "L1 penalty on the weights added to the loss; pushes weights to exactly zero.",
    "l2": "L2 penalty (weight decay) on the weights added to the loss; keeps weights small.",
    "rate": "Fraction of inputs set to zero at each training step (0 to below 1).",
    "stddev": "Standard deviation of the noise added during training.",
}


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

    # ----- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """Only the fields that matter for this kind, so project files stay readable."""
        d = asdict(self)
        keep = {"dense": ("kind", "units", "activation", "initializer", "use_bias", "l1", "l2"),
                "dropout": ("kind", "rate"), "batchnorm": ("kind",),
                "gaussian_noise": ("kind", "stddev")}.get(self.kind, tuple(d))
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
        if self.kind == "dense":
            return f"dense:{self.units}:{self.activation}"
        if self.kind == "dropout":
            return f"dropout:{self.rate:g}"
        if self.kind == "gaussian_noise":
            return f"gaussian_noise:{self.stddev:g}"
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
        if self.kind == "dropout":
            return f"Dropout {self.rate:g}"
        if self.kind == "gaussian_noise":
            return f"Gaussian noise σ={self.stddev:g}"
        return "Batch normalization"

    def check(self) -> None:
        """Raise :class:`SpecError` if this layer on its own is invalid."""
        if self.kind not in LAYER_KINDS:
            raise SpecError(f"Unknown layer type '{self.kind}'.",
                            f"Use one of: {', '.join(LAYER_KINDS)}.")
        if self.kind == "dense":
            if not isinstance(self.units, int) or isinstance(self.units, bool) or self.units < 1:
                raise SpecError(f"A Dense layer needs at least 1 unit (got {self.units!r}).")
            if self.units > 100_000:
                raise SpecError(f"A Dense layer of {self.units} units is too large for this app.",
                                "Use at most 100000 units.")
            if self.activation not in ACTIVATIONS and self.activation != "step":
                raise SpecError(f"Unknown activation '{self.activation}'.",
                                f"Use one of: {', '.join(ACTIVATIONS)}.")
            if self.activation == "step":
                raise SpecError("A step activation cannot be trained by gradient descent: its "
                                "gradient is zero everywhere.",
                                "Use sigmoid to train, or set step weights by hand in the inspector.")
            if self.initializer not in INITIALIZERS:
                raise SpecError(f"Unknown initializer '{self.initializer}'.",
                                f"Use one of: {', '.join(INITIALIZERS)}.")
            for name in ("l1", "l2"):
                v = getattr(self, name)
                if not isinstance(v, (int, float)) or v < 0 or v != v:
                    raise SpecError(f"{name.upper()} regularization must be a number >= 0 (got {v!r}).")
        elif self.kind == "dropout":
            if not isinstance(self.rate, (int, float)) or not 0 <= self.rate < 1:
                raise SpecError(f"Dropout rate must be at least 0 and below 1 (got {self.rate!r}).")
        elif self.kind == "gaussian_noise":
            if not isinstance(self.stddev, (int, float)) or not self.stddev >= 0:
                raise SpecError(f"Gaussian noise stddev must be >= 0 (got {self.stddev!r}).")


def default_output(task: Task | str, n_classes: int = 2) -> LayerSpec:
    task = Task(task)
    if task is Task.BINARY:
        return LayerSpec.dense(1, "sigmoid")
    if task is Task.MULTICLASS:
        return LayerSpec.dense(n_classes, "softmax")
    return LayerSpec.dense(1, "linear")


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

    # ----- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"hidden": [l.to_dict() for l in self.hidden],
                "output": self.output.to_dict() if self.output else None}

    @classmethod
    def from_dict(cls, d: dict) -> NetworkSpec:
        if not isinstance(d, dict) or "hidden" not in d:
            raise SpecError("A network spec must be an object with a 'hidden' list.")
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
        return ",".join(l.compact() for l in self.hidden)

    @classmethod
    def parse(cls, text: str, *, output_from_task: bool = True) -> NetworkSpec:
        """Parse ``dense:6:relu,dropout:0.2,dense:4:relu``.

        An empty string is the network with no hidden layer. If the last item is a Dense layer with a
        ``:output`` suffix (``dense:1:sigmoid:output``) it is taken as an explicit output layer.
        """
        text = (text or "").strip()
        layers: list[LayerSpec] = []
        output: LayerSpec | None = None
        if text:
            items = [t.strip() for t in text.split(",")]
            for i, item in enumerate(items):
                layer, is_output = _parse_item(item)
                if is_output:
                    if i != len(items) - 1:
                        raise SpecError(f"'{item}': only the last layer can be the output layer.")
                    output = layer
                else:
                    layers.append(layer)
        return cls(layers, output)

    def summary(self, task: Task | str, n_classes: int = 2) -> list[str]:
        lines = [l.describe() for l in self.hidden]
        out = self.output_for(task, n_classes)
        how = "set by you" if self.output is not None else f"from the task ({Task(task).label})"
        lines.append(f"{out.describe()} — output, {how}")
        return lines


def _parse_item(item: str) -> tuple[LayerSpec, bool]:
    parts = [p.strip() for p in item.split(":")]
    kind = parts[0].lower()
    aliases = {"bn": "batchnorm", "batch_normalization": "batchnorm", "noise": "gaussian_noise",
               "gaussiannoise": "gaussian_noise", "batchnormalization": "batchnorm"}
    kind = aliases.get(kind, kind)
    is_output = len(parts) > 1 and parts[-1].lower() == "output"
    if is_output:
        parts = parts[:-1]
    try:
        if kind == "dense":
            if len(parts) not in (2, 3):
                raise ValueError
            units = int(parts[1])
            act = parts[2] if len(parts) == 3 else "relu"
            layer = LayerSpec.dense(units, act)
        elif kind == "dropout":
            if len(parts) != 2:
                raise ValueError
            layer = LayerSpec.dropout(float(parts[1]))
        elif kind == "gaussian_noise":
            layer = LayerSpec.gaussian_noise(float(parts[1]) if len(parts) > 1 else 0.1)
        elif kind == "batchnorm":
            if len(parts) != 1:
                raise ValueError
            layer = LayerSpec.batchnorm()
        else:
            raise SpecError(f"Unknown layer type '{parts[0]}' in '{item}'.",
                            "Use dense:UNITS:ACTIVATION, dropout:RATE, batchnorm or gaussian_noise:STD.")
    except (ValueError, IndexError):
        raise SpecError(f"Cannot read layer '{item}'.",
                        "Use dense:UNITS:ACTIVATION, dropout:RATE, batchnorm or gaussian_noise:STD, "
                        "e.g. dense:6:relu,dropout:0.2,dense:4:relu.") from None
    layer.check()
    if is_output and layer.kind != "dense":
        raise SpecError(f"'{item}': the output layer must be a Dense layer.")
    return layer, is_output


def validate(spec: NetworkSpec, task: Task | str, n_classes: int = 2) -> list[str]:
    """Problems that would stop this network from training on this task (empty list: fine)."""
    task = Task(task)
    problems: list[str] = []
    for i, layer in enumerate(spec.hidden):
        try:
            layer.check()
        except SpecError as e:
            problems.append(f"Layer {i + 1}: {e.user_text()}")
    out = spec.output_for(task, n_classes)
    try:
        out.check()
    except SpecError as e:
        problems.append(f"Output layer: {e.user_text()}")
        return problems
    if out.kind != "dense":
        problems.append("The output layer must be a Dense layer.")
        return problems
    if task is Task.BINARY:
        if out.units == 1 and out.activation != "sigmoid":
            problems.append(f"Binary classification with one output unit needs a sigmoid output "
                            f"(got {out.activation}): the loss expects a probability between 0 and 1.")
        elif out.units == 2 and out.activation != "softmax":
            problems.append("Two output units for two classes need a softmax output.")
        elif out.units not in (1, 2):
            problems.append(f"Binary classification needs 1 sigmoid unit (or 2 softmax units), "
                            f"not {out.units}.")
    elif task is Task.MULTICLASS:
        if out.units != n_classes:
            problems.append(f"The output layer has {out.units} units but the target has {n_classes} "
                            f"classes: use {n_classes} units.")
        if out.activation != "softmax":
            problems.append(f"Multi-class output needs softmax (got {out.activation}) so the "
                            f"outputs are class probabilities.")
    else:
        if out.units != 1:
            problems.append(f"Regression predicts one number: use 1 output unit, not {out.units}.")
        if out.activation in ("sigmoid", "softmax", "hard_sigmoid", "tanh"):
            problems.append(f"A {out.activation} output squashes predictions into a fixed range, "
                            f"so it cannot fit a regression target: use linear.")
    if out.activation == "softmax" and out.units == 1:
        problems.append("Softmax on one unit always outputs 1.0 and cannot learn: use sigmoid.")
    return problems


def param_counts(spec: NetworkSpec, n_inputs: int, task: Task | str,
                 n_classes: int = 2) -> list[tuple[str, int]]:
    """(description, parameter count) per layer, matching ``keras.Model.count_params``."""
    width = n_inputs
    rows = []
    for layer in spec.layers_for(task, n_classes):
        if layer.kind == "dense":
            n = width * layer.units + (layer.units if layer.use_bias else 0)
            width = layer.units
        elif layer.kind == "batchnorm":
            n = 4 * width  # gamma, beta, moving mean, moving variance
        else:
            n = 0
        rows.append((layer.describe(), n))
    return rows
