"""Hand-set networks: weights typed or pasted by a person, evaluated with NumPy (no training, no TF).

The JSON form is small on purpose, so it can be written by hand::

    {"layers": [{"weights": [[3, 1], [3, 5]], "bias": null, "activation": "relu"},
                {"weights": [[2], [-1]], "bias": null, "activation": "linear"}]}

``weights`` is laid out inputs x units like a Keras kernel: row *i* holds the weights leaving input
*i*, column *j* is node *j*'s weights. ``bias`` is a list with one number per node, or ``null`` (or
left out) for no bias. Optional top-level keys: ``name``, ``description``, ``inputs`` (input names)
and ``rows`` (example input rows).

The built-in presets are the forward-propagation workloads W5 and the OR step unit of W2
(../shared/WORKLOADS.md).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnstudio.core.errors import SpecError
from nnstudio.core.forward import ForwardLayer, Trace, forward, trace
from nnstudio.core.registry import ACTIVATIONS, canonical_activation

#: The activations offered first for hand-set networks (any of :data:`registry.ACTIVATIONS` is accepted).
HAND_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "step")
#: The largest hand-set layer (a person types these numbers).
MAX_UNITS = 1000

STEP_GRADIENT_NOTE = (
    "A step unit outputs 1 if its weighted sum is ≥ 0, else 0. Its slope is 0 everywhere (and "
    "undefined at 0), so the gradient of any loss with respect to its weights is 0: gradient descent "
    "gets no signal and cannot train it. That is why trained networks use a smooth unit such as "
    "sigmoid, whose slope is never 0, while a step unit's weights can only be set by hand.")


class HandNetError(SpecError):
    """A hand-set network (typed, pasted or loaded from JSON) that cannot be computed."""


def _number(v, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if isinstance(v, str):
            try:
                v = float(v.replace("−", "-"))
            except ValueError:
                raise HandNetError(f"{where}: '{v}' is not a number.",
                                   "Use plain numbers such as 3, -1.5 or 2e-3.") from None
        else:
            raise HandNetError(f"{where}: {json.dumps(v)} is not a number.",
                               "Use plain numbers such as 3, -1.5 or 2e-3.")
    v = float(v)
    if not math.isfinite(v):
        raise HandNetError(f"{where}: {v} is not a finite number.", "Use a finite number.")
    return v


@dataclass
class HandLayer:
    weights: np.ndarray  # (inputs, units), float64
    bias: np.ndarray | None = None  # (units,) or None
    activation: str = "relu"

    @property
    def units(self) -> int:
        return int(self.weights.shape[1])

    @property
    def n_inputs(self) -> int:
        return int(self.weights.shape[0])

    def to_dict(self) -> dict:
        return {"weights": [[_tidy_number(v) for v in row] for row in self.weights.tolist()],
                "bias": None if self.bias is None else [_tidy_number(v) for v in self.bias.tolist()],
                "activation": self.activation}

    @classmethod
    def from_dict(cls, d, index: int) -> HandLayer:
        where = f"Layer {index + 1}"
        if not isinstance(d, dict):
            raise HandNetError(f"{where} must be an object with 'weights', 'bias' and 'activation'.")
        unknown = set(d) - {"weights", "bias", "activation", "name"}
        if unknown:
            raise HandNetError(f"{where} has unknown field(s): {', '.join(sorted(unknown))}.",
                               "A layer has 'weights', 'bias' and 'activation'.")
        if "weights" not in d:
            raise HandNetError(f"{where} has no 'weights'.",
                               "Give a list of rows, one per input (inputs x units, like a Keras kernel).")
        return cls.make(d["weights"], d.get("bias"), d.get("activation", "linear"), where)

    @classmethod
    def make(cls, weights, bias=None, activation: str = "relu", where: str = "Layer") -> HandLayer:
        w = weights
        if isinstance(w, np.ndarray):
            w = w.tolist()
        if not isinstance(w, list) or not w:
            raise HandNetError(f"{where}: the weights must be a non-empty list of rows, one per input.",
                               "For example [[1], [1]] is one node with two inputs.")
        if not all(isinstance(r, list) for r in w):
            raise HandNetError(f"{where}: the weights must be a list of rows (one per input), "
                               f"not a flat list of numbers.",
                               "Lay them out inputs x units like a Keras kernel: [[1], [1]] is one "
                               "node with two inputs, [[1, 2]] two nodes with one input.")
        width = len(w[0])
        if width == 0:
            raise HandNetError(f"{where}: a weights row is empty.", "Give at least one node.")
        for i, r in enumerate(w):
            if len(r) != width:
                raise HandNetError(f"{where}: weights row {i + 1} has {len(r)} numbers but row 1 "
                                   f"has {width}.",
                                   "Every row (input) needs one weight per node.")
        if width > MAX_UNITS or len(w) > MAX_UNITS:
            raise HandNetError(f"{where} is too large for a hand-set network ({len(w)} x {width}).",
                               f"Use at most {MAX_UNITS} inputs and nodes per layer.")
        arr = np.array([[_number(v, f"{where}, weights row {i + 1}, node {j + 1}")
                         for j, v in enumerate(r)] for i, r in enumerate(w)], dtype=np.float64)
        b = None
        if bias is not None:
            if isinstance(bias, np.ndarray):
                bias = bias.tolist()
            if isinstance(bias, (int, float)) and not isinstance(bias, bool) and width == 1:
                bias = [bias]
            if not isinstance(bias, list):
                raise HandNetError(f"{where}: the bias must be a list with one number per node, or null.")
            if len(bias) != width:
                raise HandNetError(f"{where} has {width} node{'s' if width != 1 else ''} (columns of "
                                   f"its weights) but {len(bias)} bias value{'s' if len(bias) != 1 else ''}.",
                                   f"Give {width} bias value{'s' if width != 1 else ''}, or null for none.")
            b = np.array([_number(v, f"{where}, bias of node {j + 1}") for j, v in enumerate(bias)],
                         dtype=np.float64)
        if not isinstance(activation, str):
            raise HandNetError(f"{where}: the activation must be a name such as \"relu\".")
        try:
            act = canonical_activation(activation)
        except SpecError:
            raise HandNetError(f"{where}: unknown activation '{activation}'.",
                               f"Use one of: {', '.join(HAND_ACTIVATIONS)} (or "
                               f"{', '.join(a for a in ACTIVATIONS if a not in HAND_ACTIVATIONS)}).") from None
        return cls(arr, b, act)


def _tidy_number(v: float):
    """Whole numbers as ints in JSON (3 rather than 3.0), so hand-written files stay readable."""
    return int(v) if float(v).is_integer() and abs(v) < 2**53 else float(v)


@dataclass
class HandNet:
    layers: list[HandLayer]
    name: str = ""
    description: str = ""
    input_names: list[str] | None = None
    rows: list[list[float]] = field(default_factory=list)  # example input rows (optional)

    def __post_init__(self) -> None:
        self.check()

    # ----- shape ---------------------------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        return self.layers[0].n_inputs

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].units

    def inputs(self) -> list[str]:
        if self.input_names and len(self.input_names) == self.n_inputs:
            return list(self.input_names)
        return [f"x{i}" for i in range(self.n_inputs)]

    def check(self) -> None:
        if not self.layers:
            raise HandNetError("The network has no layers.", "Add at least one layer of weights.")
        for k in range(1, len(self.layers)):
            prev, cur = self.layers[k - 1], self.layers[k]
            if cur.n_inputs != prev.units:
                raise HandNetError(
                    f"Layer {k + 1}'s weights have {cur.n_inputs} row{'s' if cur.n_inputs != 1 else ''} "
                    f"(one per input) but layer {k} has {prev.units} node{'s' if prev.units != 1 else ''}.",
                    f"Give layer {k + 1} {prev.units} row{'s' if prev.units != 1 else ''} of weights.")
        if self.input_names is not None and len(self.input_names) != self.n_inputs:
            raise HandNetError(f"{len(self.input_names)} input names for {self.n_inputs} inputs.",
                               "Give one name per row of the first layer's weights.")
        for i, r in enumerate(self.rows):
            if len(r) != self.n_inputs:
                raise HandNetError(f"Example row {i + 1} has {len(r)} values for {self.n_inputs} inputs.")

    # ----- computing (NumPy only) -------------------------------------------------------------------
    def forward_layers(self) -> list[ForwardLayer]:
        return [ForwardLayer("dense", l.weights, l.bias, l.activation,
                             name=f"Layer {i + 1} ({l.activation})")
                for i, l in enumerate(self.layers)]

    def evaluate(self, rows) -> np.ndarray:
        """Outputs (rows x outputs) for input rows (a list of lists, an array, or '3,5;1,2')."""
        return forward(self.forward_layers(), self._rows(rows))

    def trace(self, rows) -> Trace:
        return trace(self.forward_layers(), self._rows(rows))

    def _rows(self, rows) -> np.ndarray:
        if isinstance(rows, str):
            rows = parse_rows(rows)
        X = np.asarray(rows, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        return X

    @property
    def has_step(self) -> bool:
        return any(l.activation == "step" for l in self.layers)

    # ----- JSON -----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d: dict = {}
        if self.name:
            d["name"] = self.name
        if self.description:
            d["description"] = self.description
        if self.input_names:
            d["inputs"] = list(self.input_names)
        d["layers"] = [l.to_dict() for l in self.layers]
        if self.rows:
            d["rows"] = [[_tidy_number(v) for v in r] for r in self.rows]
        return d

    def to_json(self) -> str:
        # one layer per line block, weights rows on one line each: readable and diff-friendly
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d) -> HandNet:
        if not isinstance(d, dict):
            raise HandNetError("A hand-set network must be a JSON object with a 'layers' list.",
                               'For example {"layers": [{"weights": [[1], [1]], "bias": [-1], '
                               '"activation": "step"}]}.')
        unknown = set(d) - {"layers", "name", "description", "inputs", "rows"}
        if unknown:
            raise HandNetError(f"Unknown field(s) in the network file: {', '.join(sorted(unknown))}.",
                               "Known fields are layers, name, description, inputs and rows.")
        layers = d.get("layers")
        if not isinstance(layers, list) or not layers:
            raise HandNetError("The network file needs a non-empty 'layers' list.",
                               'Each layer is {"weights": [[...], ...], "bias": [...] or null, '
                               '"activation": "relu"}.')
        names = d.get("inputs")
        if names is not None and (not isinstance(names, list) or not all(isinstance(n, str) for n in names)):
            raise HandNetError("'inputs' must be a list of input names.")
        rows = d.get("rows") or []
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise HandNetError("'rows' must be a list of input rows, e.g. [[3, 5], [1, 2]].")
        rows = [[_number(v, f"Example row {i + 1}") for v in r] for i, r in enumerate(rows)]
        name, desc = d.get("name", ""), d.get("description", "")
        if not isinstance(name, str) or not isinstance(desc, str):
            raise HandNetError("'name' and 'description' must be text.")
        return cls([HandLayer.from_dict(l, i) for i, l in enumerate(layers)], name, desc, names, rows)

    @classmethod
    def from_json(cls, text: str, source: str = "The network file") -> HandNet:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise HandNetError(f"{source} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}).",
                               "Check the brackets and commas, or save it again from the inspector.") from None
        return cls.from_dict(d)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        try:
            path.write_text(self.to_json() + "\n", encoding="utf-8")
        except OSError as e:
            raise HandNetError(f"Cannot write '{path}': {e.strerror or e}.",
                               "Choose a folder you can write to.") from None
        return path

    @classmethod
    def load(cls, path: str | Path) -> HandNet:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise HandNetError(f"There is no file '{path}'.", "Check the path.") from None
        except IsADirectoryError:
            raise HandNetError(f"'{path}' is a folder, not a network file.") from None
        except UnicodeDecodeError:
            raise HandNetError(f"'{path}' is not a text (JSON) file.",
                               "Choose a hand-set network saved as .json.") from None
        except OSError as e:
            raise HandNetError(f"Cannot read '{path}': {e.strerror or e}.") from None
        return cls.from_json(text, f"'{path.name}'")


# ----- typed and pasted numbers ------------------------------------------------------------------------
_SEP = re.compile(r"[,\t ]+")


def parse_rows(text: str, width: int | None = None) -> np.ndarray:
    """Rows of numbers from text: rows split by ';' or new lines, values by commas, tabs or spaces.

    ``"3,5;1,2"`` and a block pasted from a spreadsheet both work. Raises :class:`HandNetError`
    naming the first bad value or a row of the wrong length.
    """
    text = (text or "").replace("−", "-").strip()
    if not text:
        raise HandNetError("No input rows given.", 'Give rows like "3,5;1,2" (rows split by ;).')
    rows = []
    for line in re.split(r"[;\n]+", text):
        line = line.strip().strip("[]()").strip()
        if not line:
            continue
        vals = []
        for tok in _SEP.split(line):
            tok = tok.strip("[]() ")
            if not tok:
                continue
            try:
                v = float(tok)
            except ValueError:
                raise HandNetError(f"Row {len(rows) + 1}: '{tok}' is not a number.",
                                   'Give rows like "3,5;1,2": numbers split by commas, rows by ;.') from None
            if not math.isfinite(v):
                raise HandNetError(f"Row {len(rows) + 1}: {tok} is not a finite number.")
            vals.append(v)
        if vals:
            rows.append(vals)
    if not rows:
        raise HandNetError("No input rows given.", 'Give rows like "3,5;1,2" (rows split by ;).')
    n = width if width is not None else len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != n:
            what = f"the network takes {n}" if width is not None else f"row 1 has {n}"
            raise HandNetError(f"Row {i + 1} has {len(r)} value{'s' if len(r) != 1 else ''} but {what}.",
                               f"Give {n} number{'s' if n != 1 else ''} per row.")
    return np.array(rows, dtype=np.float64)


# ----- presets: the W5 and W2 teaching networks --------------------------------------------------------
@dataclass
class Preset:
    key: str
    title: str
    net: HandNet
    rows: list[list[float]]
    note: str  # what to look for (shown under the preset)


def _net(layers, name, description, rows, inputs=None) -> HandNet:
    return HandNet([HandLayer.make(w, b, a) for w, b, a in layers], name, description, inputs, rows)


# W5: node_0 = [3, 3], node_1 = [1, 5] (columns of the kernel), output = [2, -1], no biases
_W5_HIDDEN = [[3, 1], [3, 5]]
_W5_OUT = [[2], [-1]]


def _presets() -> dict[str, Preset]:
    p = [
        Preset("w5-relu", "W5: one hidden layer, ReLU",
               _net([(_W5_HIDDEN, None, "relu"), (_W5_OUT, None, "linear")], "W5 ReLU",
                    "Input [-1, 2]; hidden node_0 = [3, 3], node_1 = [1, 5]; output = [2, -1]; "
                    "no biases; ReLU hidden units, linear output.", [[-1, 2]]),
               [[-1, 2]],
               "Hidden: node_0 = 3·(−1) + 3·2 = 3, node_1 = 1·(−1) + 5·2 = 9; ReLU keeps both. "
               "Output: 2·3 + (−1)·9 = −3."),
        Preset("w5-tanh", "W5: one hidden layer, tanh",
               _net([(_W5_HIDDEN, None, "tanh"), (_W5_OUT, None, "linear")], "W5 tanh",
                    "The same weights with tanh hidden units and a linear output.", [[-1, 2]]),
               [[-1, 2]],
               "Output = 2·tanh(3) − tanh(9) = 0.9901095378… The tutorial prints 0.99505 (= tanh(3)) "
               "because its code builds the hidden vector wrongly; here every node is shown, so the "
               "right value can be checked by hand."),
        Preset("w5-relu-rows", "W5: ReLU output, a table of rows",
               _net([(_W5_HIDDEN, None, "relu"), (_W5_OUT, None, "relu")], "W5 ReLU rows",
                    "The same weights with ReLU on the output too, applied row by row.",
                    [[-1, 2], [2, 2], [3, 5], [1, -1], [0, 0]]),
               [[-1, 2], [2, 2], [3, 5], [1, -1], [0, 0]],
               "Row [−1, 2]: the output's weighted sum is −3 and ReLU turns it into 0. Edit or paste "
               "rows in the table to evaluate more."),
        Preset("w5-two-hidden", "W5: two hidden layers",
               _net([([[2, 4], [4, -5]], None, "relu"), ([[-1, 2], [1, 2]], None, "relu"),
                     ([[2], [7]], None, "linear")], "W5 two hidden layers",
                    "Input [3, 5]; node_0_0 = [2, 4], node_0_1 = [4, -5], node_1_0 = [-1, 1], "
                    "node_1_1 = [2, 2], output = [2, 7]; ReLU hidden, linear output.", [[3, 5]]),
               [[3, 5]],
               "Layer 1: 2·3 + 4·5 = 26 and 4·3 − 5·5 = −13 → ReLU → 26, 0. Layer 2: −26 → 0 and "
               "2·26 = 52. Output: 2·0 + 7·52 = 364."),
        Preset("w2-or-step", "W2: OR with a step unit",
               _net([([[1], [1]], [-1], "step")], "OR step unit",
                    "One unit, weights 1 and 1, bias −1, step activation: g(z) = 1 if z ≥ 0 else 0.",
                    [[0, 0], [0, 1], [1, 0], [1, 1]], ["a", "b"]),
               [[0, 0], [0, 1], [1, 0], [1, 1]],
               "z = a + b − 1 is ≥ 0 exactly when a or b is 1: the OR truth table. " + STEP_GRADIENT_NOTE),
        Preset("w2-or-sigmoid", "W2: OR with a sigmoid unit (trainable)",
               _net([([[10], [10]], [-5], "sigmoid")], "OR sigmoid unit",
                    "A sigmoid unit with weights 10, 10 and bias −5: a smooth, trainable OR.",
                    [[0, 0], [0, 1], [1, 0], [1, 1]], ["a", "b"]),
               [[0, 0], [0, 1], [1, 0], [1, 1]],
               "Outputs near 0 for (0, 0) and near 1 otherwise. Unlike the step unit, the sigmoid's "
               "slope is never 0, so every weight gets a non-zero gradient (see the gradients column) "
               "and gradient descent can learn OR."),
    ]
    return {x.key: x for x in p}


PRESETS: dict[str, Preset] = _presets()


def get_preset(key: str) -> Preset:
    k = key.strip().lower()
    if k not in PRESETS:
        raise HandNetError(f"There is no preset called '{key}'.", f"Presets: {', '.join(PRESETS)}.")
    p = PRESETS[k]
    # a fresh copy, so an editor cannot change the built-in preset
    return Preset(p.key, p.title, HandNet.from_dict(p.net.to_dict()), [list(r) for r in p.rows], p.note)
