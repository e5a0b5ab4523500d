"""Training settings: a plain dataclass with a JSON form, validated with user-facing messages.

A low layer (like the network spec): the data layer's built-in examples and the training engine
both read it."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from nnstudio.core import registry
from nnstudio.core.errors import SettingsError
from nnstudio.core.model.spec import Task


def epochs_text(n: int) -> str:
    """'1 epoch', '30 epochs' (a run stopped after its first epoch was 'Trained 1 epochs.')."""
    return f"{n} epoch{'' if n == 1 else 's'}"


#: The optimizer and loss choices: the registry's names (:mod:`nnstudio.core.registry`).
OPTIMIZERS = tuple(registry.OPTIMIZERS)
LOSSES = ("auto", *registry.LOSSES)
BATCH_MODES = ("mini-batch", "full-batch", "stochastic")
EARLY_MONITORS = ("val_loss", "loss", "val_accuracy", "accuracy")
#: The loss "auto" (from the task) trains each task with.
TASK_LOSSES = {Task.BINARY: "binary_crossentropy", Task.MULTICLASS: "sparse_categorical_crossentropy",
               Task.REGRESSION: "mse"}


def check_threshold(t) -> float:
    """A valid threshold as a float, or SettingsError."""
    try:
        v = float(t)
    except (TypeError, ValueError):
        raise SettingsError(f"The decision threshold must be a number (got {t!r}).",
                            "Use a probability between 0 and 1, such as 0.5.") from None
    if isinstance(t, bool) or not math.isfinite(v) or not 0.0 <= v <= 1.0:
        raise SettingsError(f"The decision threshold must be between 0 and 1 (got {t!r}).",
                            "It is compared with the probability of the second class; 0.5 is the default.")
    return v


def check_class_weight(value) -> None:
    """``TrainSettings.class_weight``: "none", "balanced" or {class label: weight above 0}."""
    if isinstance(value, str):
        if value not in ("none", "balanced"):
            raise SettingsError(f"Unknown class weighting '{value}'.",
                                "Use none, balanced, or a weight per class label.")
        return
    if not isinstance(value, dict) or not value:
        raise SettingsError(f"Class weights must be none, balanced or a weight per class (got {value!r}).")
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise SettingsError(f"The weight of class {k!s} must be a number above 0 (got {v!r}).",
                                "Weights like 1 (as usual) and 5 (counts five times as much) are typical.")


def loss_fits(loss: str, task: Task | str) -> bool:
    """Whether ``loss`` (a name of :data:`LOSSES`) can train ``task``'s output: "auto" every task,
    binary cross-entropy one sigmoid unit, categorical cross-entropy softmax units, an error loss
    a number or one sigmoid unit (a classic choice). SettingsError for an unknown loss."""
    name = registry.canonical_loss(loss) if loss != "auto" else "auto"
    fits = {"auto": set(Task), "binary_crossentropy": {Task.BINARY},
            "sparse_categorical_crossentropy": {Task.MULTICLASS}}.get(
        name, {Task.BINARY, Task.REGRESSION})
    return Task(task) in fits


@dataclass
class TrainSettings:
    optimizer: str = "adam"
    learning_rate: float = 0.001
    momentum: float = 0.0  # SGD only
    nesterov: bool = False  # SGD only
    batch_mode: str = "mini-batch"  # "mini-batch" | "full-batch" (gradient descent) | "stochastic" (batch 1)
    batch_size: int = 32  # used in mini-batch mode
    epochs: int = 100
    seed: int = 0
    loss: str = "auto"
    early_stopping: bool = False
    monitor: str = "val_loss"
    patience: int = 10
    restore_best: bool = True
    jit_compile: bool = True  # compile the training loop with XLA (off: a plain TF graph, same maths)
    # classification: weight of each class in the training loss, as Keras' fit(class_weight=...):
    # "none", "balanced" (n_rows / (n_classes * rows of the class)) or {class label as text: weight}
    class_weight: str | dict = "none"

    def __post_init__(self) -> None:
        # an old loss name (project files, command lines) becomes the registry's honest one
        self.loss = registry.LOSS_ALIASES.get(self.loss, self.loss)

    def effective_batch_size(self, n_train: int) -> int:
        if self.batch_mode == "full-batch":
            return max(1, n_train)
        if self.batch_mode == "stochastic":
            return 1
        return max(1, min(int(self.batch_size), max(1, n_train)))

    def loss_for(self, task: Task | str) -> str:
        return self.loss if self.loss != "auto" else TASK_LOSSES[Task(task)]

    def check_loss_fits(self, task: Task | str) -> None:
        """SettingsError when the chosen loss cannot train this task's output: a categorical
        loss on one sigmoid unit, binary cross-entropy on several softmax units or a regression's
        number, an error loss on several class units. (A squared or absolute error on a sigmoid
        output is a classic choice and fits.)"""
        task = Task(task)
        if loss_fits(self.loss, task):
            return
        name = registry.canonical_loss(self.loss)
        what = {Task.BINARY: "two classes (one sigmoid output unit)",
                Task.MULTICLASS: "several classes (one softmax output unit per class)",
                Task.REGRESSION: "a number (one linear output unit)"}[task]
        raise SettingsError(
            f"The loss '{registry.loss_label(name)}' cannot train this target: the network predicts {what}.",
            f"Set Loss to 'from the task' ({registry.loss_label(TASK_LOSSES[task])}) in "
            "the training settings.")

    def check(self, task: Task | str | None = None) -> None:
        """SettingsError for the first setting out of range; with ``task``, also when the loss
        cannot train it (:meth:`check_loss_fits`)."""
        if self.optimizer not in OPTIMIZERS:
            raise SettingsError(f"Unknown optimizer '{self.optimizer}'.",
                                f"Use one of: {', '.join(OPTIMIZERS)}.")
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate <= 100):
            raise SettingsError(f"The learning rate must be a number above 0 and at most 100 (got "
                                f"{self.learning_rate!r}).",
                                "Typical values are 0.0001 to 0.1.")
        if self.batch_mode not in BATCH_MODES:
            raise SettingsError(f"Unknown batch mode '{self.batch_mode}'.",
                                f"Use one of: {', '.join(BATCH_MODES)}.")
        if not (isinstance(self.batch_size, int) and self.batch_size >= 1):
            raise SettingsError(f"The batch size must be a whole number of at least 1 (got {self.batch_size!r}).")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise SettingsError(f"The seed must be a whole number from 0 to {2**32 - 1:,} (got "
                                f"{self.seed!r}).", "Any number in that range will do: the same "
                                "seed gives the same initial weights and shuffles.")
        if not (isinstance(self.epochs, int) and 1 <= self.epochs <= 1_000_000):
            raise SettingsError(f"Epochs must be a whole number from 1 to 1000000 (got {self.epochs!r}).")
        if not 0 <= self.momentum < 1:
            raise SettingsError(f"Momentum must be at least 0 and below 1 (got {self.momentum!r}).")
        if self.loss not in LOSSES:
            raise SettingsError(f"Unknown loss '{self.loss}'.", f"Use one of: {', '.join(LOSSES)}.")
        if self.monitor not in EARLY_MONITORS:
            raise SettingsError(f"Early stopping cannot monitor '{self.monitor}'.",
                                f"Use one of: {', '.join(EARLY_MONITORS)}.")
        if not (isinstance(self.patience, int) and self.patience >= 1):
            raise SettingsError(f"Patience must be a whole number of at least 1 (got {self.patience!r}).")
        if not isinstance(self.jit_compile, bool):
            raise SettingsError(f"jit_compile must be true or false (got {self.jit_compile!r}).")
        check_class_weight(self.class_weight)
        if task is not None:
            self.check_loss_fits(task)

    def describe(self) -> str:
        """The settings that shape this run, in words (what is off or does not apply is left out):
        'Adam, learning rate 0.001, mini-batches of 32, 100 epochs, seed 0'."""
        entry = registry.OPTIMIZERS.get(self.optimizer)
        opt = entry.label if entry is not None else self.optimizer
        if self.optimizer == "sgd" and self.momentum:
            opt += f" with {'Nesterov ' if self.nesterov else ''}momentum {self.momentum:g}"
        batches = {"full-batch": "the whole training set per step (full batch)",
                   "stochastic": "one row per step (stochastic)"}.get(
            self.batch_mode, f"mini-batches of {self.batch_size}")
        parts = [opt, f"learning rate {self.learning_rate:g}", batches,
                 f"{self.epochs:,} epoch{'s' if self.epochs != 1 else ''}", f"seed {self.seed}"]
        if self.loss != "auto":
            parts.append(f"loss {self.loss}")
        if self.early_stopping:
            parts.append(f"early stopping on {self.monitor} (patience {self.patience}"
                         + (", best weights restored)" if self.restore_best else ")"))
        if self.class_weight != "none":
            parts.append(f"class weights {self.class_weight}")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["class_weight"] == "none":  # unweighted: files stay readable by versions before issue 20
            del d["class_weight"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainSettings:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise SettingsError(f"Unknown training setting(s): {', '.join(sorted(unknown))}.")
        s = cls(**d)
        s.check()
        return s
