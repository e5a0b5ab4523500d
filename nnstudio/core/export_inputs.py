"""The raw-column side of an exported model: one input per data column, encoded inside the model.

:func:`build_raw_model` wraps the trained network (on encoded inputs) in a ``keras.Model`` that takes
the raw columns and encodes them exactly as the fitted preprocessing does; :func:`input_specs` names
its inputs (portable names for TensorFlow, ONNX and LiteRT), :func:`raw_inputs` and
:func:`keras_inputs` turn a table into what it takes.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from nnstudio.core.data import features as _features
from nnstudio.core.errors import NNStudioError
from nnstudio.core.jsonsafe import scalar
from nnstudio.core.model.spec import Task
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow

#: The layer name of the trained network inside an exported raw-column model.
NET_NAME = "nnstudio_net"
#: The name of the encoded-features tensor the network takes.
FEATURES_NAME = "encoded_features"

class ExportError(NNStudioError):
    """A model could not be written in a format (a missing converter, a full disk, …)."""


_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")


def safe_name(name: str, taken: set[str] | None = None) -> str:
    """A name TensorFlow, ONNX and LiteRT accept as an input name (letters, digits, _ . -)."""
    s = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(name)).strip("_") or "column"
    if not re.match(r"[A-Za-z0-9.]", s[0]):
        s = "c" + s
    base, i = s, 2
    while taken is not None and s in taken:
        s = f"{base}_{i}"
        i += 1
    if taken is not None:
        taken.add(s)
    return s


def _is_text_column(c) -> bool:
    return c.kind != "numeric" and not getattr(c, "passthrough_binary", False) and bool(c.categories) \
        and isinstance(c.categories[0], str)


def _variants(c, vocab: list[str]) -> dict[str, str]:
    """A column read with capitals, spaces and a final full stop ignored: the spellings it takes for its categories,
    ``{variant: category}`` — those met in the table, and each category in lower case, upper
    case and capitalized (Keras has no string operations to read any spelling as the app does)."""
    if getattr(c, "spelling", "exact") != "merge":
        return {}
    out = {str(v): str(to) for v, to in c.spellings.items()}
    for cat in vocab:
        for v in (cat.lower(), cat.upper(), cat.capitalize(), cat.title()):
            out.setdefault(v, cat)
    return {v: to for v, to in out.items() if v not in vocab and to in vocab}


def input_specs(pre, *, portable: bool = False) -> list[dict]:
    """One entry per raw input column: its column name, the model's input name and dtype, and how it
    is encoded. ``portable``: input names that TensorFlow/ONNX/LiteRT accept."""
    taken: set[str] = set()
    specs = []
    for c in pre.columns:
        name = safe_name(c.name, taken) if portable or not _VALID_KERAS.match(c.name) else c.name
        if not portable:
            taken.add(name)
        text = _is_text_column(c)
        d = {"column": c.name, "input": name, "dtype": "string" if text else "float32",
             "kind": c.kind, "missing": '""' if text else "NaN", "how": c.describe()}
        if c.kind != "numeric" and not getattr(c, "passthrough_binary", False):
            d["categories"] = [scalar(x) for x in c.categories]
            d["encoding"] = c.encoding if c.kind == "categorical" else "code"
        specs.append(d)
    return specs


_VALID_KERAS = re.compile(r"^[^/\s][^/]*$")


def build_raw_model(net, pre, *, portable: bool = False):
    """A ``keras.Model`` taking one input per raw column and giving the network's outputs.

    ``net`` (the trained network on encoded inputs) is copied, not shared. With ``portable`` the
    input names are ones TensorFlow, ONNX and LiteRT accept (see :func:`safe_name`).
    """
    keras = _keras()
    ops, layers = keras.ops, keras.layers
    specs = input_specs(pre, portable=portable)
    inputs, parts, filled = {}, [], {}
    taken: set[str] = set()
    for c, spec in zip(pre.columns, specs):
        base = safe_name(c.name, taken)
        inp = keras.Input(shape=(), name=spec["input"], dtype=spec["dtype"])
        inputs[spec["input"]] = inp
        x = inp
        if spec["dtype"] == "string":
            vocab = [str(v) for v in c.categories]
            extra = [""] if c.impute_value is not None and "" not in vocab else []
            variants = _variants(c, vocab + extra)
            idx = layers.StringLookup(vocabulary=vocab + extra + list(variants), num_oov_indices=1,
                                      output_mode="int", name=f"{base}_lookup")(x)
            if variants:  # one table from the lookup's index to the code: 'ja ' -> the code of 'ja'
                table = [-1.0, *range(len(vocab)), *([vocab.index(str(c.impute_value))] if extra else []),
                         *(vocab.index(spelling) for spelling in variants.values())]
                code = ops.take(np.asarray(table, "float32"), ops.cast(idx, "int32"))
                parts.append(_encode_code(keras, code, c, base))
                continue
            code = ops.cast(idx, "float32") - 1.0  # -1: not seen in training
            if extra:  # "" (missing) -> the fill value's code
                code = ops.where(ops.equal(code, float(len(vocab))),
                                 float(vocab.index(str(c.impute_value))), code)
            parts.append(_encode_code(keras, code, c, base))
            continue
        if c.impute_value is not None:
            x = ops.where(ops.isnan(x), float(c.impute_value), x)
        filled[c.name] = x  # what engineered inputs read
        if not getattr(c, "encoded", True):  # read by engineered inputs only
            continue
        if c.kind == "numeric" or getattr(c, "passthrough_binary", False):
            x = ops.expand_dims(x, -1)
            if float(c.center) != 0.0 or float(c.scale) != 1.0:
                x = layers.Normalization(mean=float(c.center), variance=float(c.scale) ** 2,
                                         name=f"{base}_scaled")(x)
            parts.append(x)
            continue
        # a number column used as categories: its position among the training values
        code = None
        for i, v in enumerate(c.categories):
            hit = ops.cast(ops.equal(x, float(v)), "float32") * float(i + 1)
            code = hit if code is None else code + hit
        code = (code if code is not None else ops.zeros_like(x)) - 1.0
        parts.append(_encode_code(keras, code, c, base))
    for d in getattr(pre, "derived", []):  # engineered inputs: the same formula tree, on Keras ops
        x = ops.expand_dims(_features.parse(d.formula, filled).keras(filled, ops), -1)
        if float(d.center) != 0.0 or float(d.scale) != 1.0:
            x = layers.Normalization(mean=float(d.center), variance=float(d.scale) ** 2,
                                     name=f"{safe_name('feature_' + d.name, taken)}_scaled")(x)
        parts.append(x)
    if len(parts) > 1:
        features = layers.Concatenate(name=FEATURES_NAME)(parts)
    else:
        features = layers.Identity(name=FEATURES_NAME)(parts[0])
    cfg = net.get_config()
    cfg["name"] = NET_NAME
    copy = type(net).from_config(cfg)
    copy.set_weights(net.get_weights())
    outputs = copy(features)
    return keras.Model(inputs, outputs, name="nnstudio_raw_columns")


def _encode_code(keras, code, c, base):
    """Category codes (float, -1 = unknown) of shape (batch,) -> one-hot or a code column."""
    ops = keras.ops
    k = len(c.categories)
    if c.kind == "categorical" and c.encoding == "onehot":
        return ops.cast(ops.equal(ops.expand_dims(code, -1), np.arange(k, dtype="float32")), "float32")
    return ops.expand_dims(ops.where(code < 0, float("nan"), code), -1)


def raw_inputs(pre, frame: pd.DataFrame, *, portable: bool = False, as_bytes: bool = False) -> dict:
    """The inputs an exported model takes for raw rows: {input name: 1-D array}.

    Numbers become float32 (missing: NaN), text becomes str (missing: ""), or ``bytes`` for
    LiteRT (``as_bytes``). Pass string arrays to Keras as ``tf.constant(array)``.
    """
    out = {}
    for c, spec in zip(pre.columns, input_specs(pre, portable=portable)):
        s = frame[c.name]
        if spec["dtype"] == "string":
            v = s.astype(object).where(s.notna(), "").astype(str).to_numpy()
            out[spec["input"]] = v.astype(np.bytes_) if as_bytes else v.astype(object)
        else:
            out[spec["input"]] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float32)
    return out


def keras_inputs(pre, frame: pd.DataFrame, *, portable: bool = False) -> dict:
    """:func:`raw_inputs` as TensorFlow tensors, ready for ``model(...)`` or ``model.predict``."""
    tf = _tensorflow()
    return {k: tf.constant(v.astype(str) if v.dtype == object else v)
            for k, v in raw_inputs(pre, frame, portable=portable).items()}


def output_meaning(pre, units: int, threshold: float = 0.5) -> str:
    if pre.task is Task.REGRESSION:
        return f"the predicted {pre.target}"
    if units == 1:
        return (f"the probability that {pre.target} = {pre.classes[1]!s}; above {threshold:g} predicts "
                f"{pre.classes[1]!s}, else {pre.classes[0]!s}")
    return f"one probability per class of {pre.target}, in the order of 'classes'"
