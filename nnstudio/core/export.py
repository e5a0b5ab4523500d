"""Export a trained network so that it can be used without nnstudio.

The network the app trains takes the *encoded* matrix (standardized numbers, one-hot categories).
Every model export here instead takes the **raw columns** as the CSV had them: the fitted
preprocessing is rebuilt from Keras' own layers and ops in front of a copy of the trained network,

* a number column: one float32 input (NaN = missing) -> fill missing (if the project fills them)
  -> ``keras.layers.Normalization`` with the training split's mean and sd (or min and range);
* a text category column: one string input ("" = missing) -> ``keras.layers.StringLookup`` with the
  training categories -> one-hot (``equal`` against 0..k-1) or the category code;
* a number column used as categories: equality against each training value -> one-hot or code;
* the encoded columns are concatenated (``encoded_features``) and fed to the trained network,
  which keeps the name ``nnstudio_net`` (``model.get_layer("nnstudio_net")`` is the network as
  trained, on encoded inputs).

Each input has shape ``(batch,)``: one value per row. So a plain Keras user runs::

    model = keras.saving.load_model("model.keras")
    df = pandas.read_csv("data.csv")
    p = model.predict({name: tf.constant(df[name].fillna("").astype(str)) if text else
                       df[name].to_numpy("float32") for name, text in ...})

(see ``usage`` in the metadata). The metadata document (column names and types, classes,
preprocessing, network, training settings, history, test figures, versions) travels inside the
``.keras`` zip and the SavedModel folder as ``nnstudio.json``, inside the ONNX file as metadata
property ``nnstudio``, in the weights files, and beside the LiteRT file.

Formats: ``.keras``, SavedModel (``model.export``), ONNX (the SavedModel converted by tf2onnx,
which keeps the string lookup tables that Keras' own ONNX path cannot convert), LiteRT/TFLite
(``model.export(format="litert")``), weights as JSON and NPZ (the network on encoded inputs, with the
preprocessing to apply first), the training history as CSV, and a generated Python script that
rebuilds, trains and evaluates the same network with pandas and Keras.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nnstudio import __version__
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task

METADATA_NAME = "nnstudio.json"  # inside a .keras zip / a SavedModel folder
METADATA_FORMAT = "nnstudio-model"
METADATA_VERSION = 1
NET_NAME = "nnstudio_net"
FEATURES_NAME = "encoded_features"


class ExportError(NNStudioError):
    """A model could not be written in a format (a missing converter, a full disk, …)."""


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    filename: str  # default file (or folder) name in an export folder
    description: str
    needs: tuple[str, ...] = ()  # Python packages the exporter imports


FORMATS: dict[str, Format] = {f.key: f for f in (
    Format("keras", "Keras model (.keras)", "model.keras",
           "Raw columns in, predictions out: keras.saving.load_model(path). Metadata inside."),
    Format("saved_model", "TensorFlow SavedModel", "saved_model",
           "A folder for TensorFlow Serving or tf.saved_model.load; endpoint 'serve'."),
    Format("onnx", "ONNX (.onnx)", "model.onnx",
           "For onnxruntime and other ONNX runtimes; raw columns in.", ("tf2onnx", "onnx")),
    Format("tflite", "LiteRT / TensorFlow Lite (.tflite)", "model.tflite",
           "For phones and small devices (LiteRT interpreter); raw columns in."),
    Format("weights_json", "Weights as JSON", "weights.json",
           "Every layer's weights and activation, plus the preprocessing, as readable JSON."),
    Format("weights_npz", "Weights as NumPy NPZ", "weights.npz",
           "Every layer's weights as NumPy arrays (np.load), metadata as JSON inside."),
    Format("history_csv", "Training history (.csv)", "history.csv",
           "Loss and metrics per epoch, for training and validation."),
    Format("script", "Python script (pandas + Keras)", "train_model.py",
           "A standalone, commented script that rebuilds, trains and evaluates the same network."),
)}
#: File suffix -> format, for ``--export PATH``.
SUFFIXES = {".keras": "keras", ".onnx": "onnx", ".tflite": "tflite", ".npz": "weights_npz",
            ".json": "weights_json", ".csv": "history_csv", ".py": "script"}


# ----- what every exporter needs ---------------------------------------------------------------------------
@dataclass
class TrainedModel:
    """A trained network with everything needed to use and describe it.

    ``net`` is the Keras model on encoded inputs (as trained), ``preprocessor`` the fitted
    preprocessing, ``meta`` the metadata document (:func:`build_metadata`).
    """

    net: object
    preprocessor: object  # core.data.preprocess.FittedPreprocessor
    meta: dict
    history: dict[str, list[float]] = field(default_factory=dict)
    data_frame: pd.DataFrame | None = None  # the whole table it was trained on, when known
    source_path: str | None = None  # the CSV it came from, when it came from a file

    @property
    def task(self) -> Task:
        return self.preprocessor.task


def from_training(result, data, project) -> TrainedModel:
    """A :class:`TrainedModel` from a training run (``TrainResult``), its data and project."""
    meta = build_metadata(result.model, data.preprocessor, project=project, result=result, data=data)
    src = getattr(project.dataset, "source", None)
    path = src if src and not str(src).startswith("example:") and Path(src).is_file() else None
    return TrainedModel(result.model, data.preprocessor, meta, dict(result.history),
                        project.dataset.frame, path)


def _plain(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None
    return x


def _jsonable(o):
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, np.ndarray):
        return _jsonable(o.tolist())
    return _plain(o)


# ----- the raw-column inputs ----------------------------------------------------------------------------
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
            d["categories"] = [_plain(x) for x in c.categories]
            d["encoding"] = c.encoding if c.kind == "categorical" else "code"
        specs.append(d)
    return specs


_VALID_KERAS = re.compile(r"^[^/\s][^/]*$")


def build_raw_model(net, pre, *, portable: bool = False):
    """A ``keras.Model`` taking one input per raw column and giving the network's outputs.

    ``net`` (the trained network on encoded inputs) is copied, not shared. With ``portable`` the
    input names are ones TensorFlow, ONNX and LiteRT accept (see :func:`safe_name`).
    """
    from nnstudio.core.tf import keras as _keras  # noqa: PLC0415

    keras = _keras()
    ops, layers = keras.ops, keras.layers
    specs = input_specs(pre, portable=portable)
    inputs, parts = {}, []
    taken: set[str] = set()
    for c, spec in zip(pre.columns, specs):
        base = safe_name(c.name, taken)
        inp = keras.Input(shape=(), name=spec["input"], dtype=spec["dtype"])
        inputs[spec["input"]] = inp
        x = inp
        if spec["dtype"] == "string":
            vocab = [str(v) for v in c.categories]
            extra = [""] if c.impute_value is not None and "" not in vocab else []
            idx = layers.StringLookup(vocabulary=vocab + extra, num_oov_indices=1, output_mode="int",
                                      name=f"{base}_lookup")(x)
            code = ops.cast(idx, "float32") - 1.0  # -1: not seen in training
            if extra:  # "" (missing) -> the fill value's code
                code = ops.where(ops.equal(code, float(len(vocab))),
                                 float(vocab.index(str(c.impute_value))), code)
            parts.append(_encode_code(keras, code, c, base))
            continue
        if c.impute_value is not None:
            x = ops.where(ops.isnan(x), float(c.impute_value), x)
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
    from nnstudio.core.tf import tensorflow  # noqa: PLC0415

    tf = tensorflow()
    return {k: tf.constant(v.astype(str) if v.dtype == object else v)
            for k, v in raw_inputs(pre, frame, portable=portable).items()}


# ----- metadata ---------------------------------------------------------------------------------------
def output_meaning(pre, units: int, threshold: float = 0.5) -> str:
    if pre.task is Task.REGRESSION:
        return f"the predicted {pre.target}"
    if units == 1:
        return (f"the probability that {pre.target} = {pre.classes[1]!s}; above {threshold:g} predicts "
                f"{pre.classes[1]!s}, else {pre.classes[0]!s}")
    return f"one probability per class of {pre.target}, in the order of 'classes'"


def usage_snippet(meta: dict) -> str:
    lines = ["import keras, pandas as pd, tensorflow as tf",
             'model = keras.saving.load_model("model.keras")',
             'df = pd.read_csv("data.csv")',
             "inputs = {"]
    for spec in meta["inputs"]:
        col = json.dumps(spec["column"])
        if spec["dtype"] == "string":
            lines.append(f'    {json.dumps(spec["input"])}: tf.constant(df[{col}].fillna("").astype(str)),')
        else:
            lines.append(f'    {json.dumps(spec["input"])}: df[{col}].to_numpy("float32"),')
    lines.append("}")
    lines.append(f"outputs = model.predict(inputs)  # {meta['output']['meaning']}")
    return "\n".join(lines)


def build_metadata(net, pre, *, project=None, result=None, data=None, history=None) -> dict:
    """The document that describes an exported model (JSON-able)."""
    from nnstudio.core.tf import keras as _keras  # noqa: PLC0415
    from nnstudio.core.tf import tensorflow as _tensorflow  # noqa: PLC0415

    units = int(net.output_shape[-1])
    meta = {
        "format": METADATA_FORMAT, "format_version": METADATA_VERSION,
        "nnstudio_version": __version__, "keras_version": _keras().__version__,
        "tensorflow_version": _tensorflow().__version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "task": pre.task.value, "target": pre.target, "classes": [_plain(c) for c in pre.classes],
        "inputs": input_specs(pre), "portable_inputs": input_specs(pre, portable=True),
        "encoded_inputs": list(pre.output_names),
        "output": {"units": units, "meaning": output_meaning(pre, units)},
        "preprocessing": pre.to_dict(), "preprocessing_summary": pre.describe(),
    }
    if project is not None:
        ds = project.dataset
        meta["network"] = project.spec.to_dict()
        meta["network_summary"] = project.spec.summary(pre.task, max(pre.n_classes, 2))
        meta["training"] = project.settings.to_dict()
        meta["split"] = project.split.to_dict()
        meta["preprocess_config"] = project.preprocess.to_dict()
        meta["roles"] = project.roles.to_dict()
        meta["data"] = {"name": ds.name, "source": ds.source, "synthetic": bool(ds.synthetic),
                        "rows": int(ds.n_rows), "columns": list(ds.columns), "example": project.example,
                        "note": getattr(ds, "note", "")}
        if pre.task is Task.BINARY:  # issue 20: the decision threshold chosen in the project
            meta["threshold"] = float(getattr(project, "threshold", 0.5))
            meta["output"]["meaning"] = output_meaning(pre, units, meta["threshold"])
    hist = history if history is not None else (result.history if result is not None else None)
    if hist is not None:
        meta["history"] = {k: [_plain(float(v)) for v in vals] for k, vals in hist.items()}
    if result is not None:
        meta["result"] = {"status": result.status, "message": result.message,
                          "epochs_run": int(result.epochs_run), "seconds": float(result.seconds),
                          "seed": int(result.seed), "test": {k: _plain(float(v)) for k, v in result.test.items()}}
    if data is not None:
        meta["rows"] = {"train": len(data.X_train), "val": len(data.X_val), "test": len(data.X_test)}
    meta["usage"] = usage_snippet(meta)
    return _jsonable(meta)


# ----- the formats ----------------------------------------------------------------------------------------
def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def write_keras(tm: TrainedModel, path: Path) -> list[str]:
    """The raw-column model as ``.keras``, with ``nnstudio.json`` inside the zip."""
    raw = build_raw_model(tm.net, tm.preprocessor)
    raw.save(str(path))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(METADATA_NAME, json.dumps(tm.meta, indent=2, ensure_ascii=False))
    return [str(path)]


def write_saved_model(tm: TrainedModel, path: Path) -> list[str]:
    raw = build_raw_model(tm.net, tm.preprocessor, portable=True)
    if path.exists():
        shutil.rmtree(path)
    raw.export(str(path), format="tf_saved_model", verbose=False)
    _write_json(path / METADATA_NAME, tm.meta)
    return [str(path)]


def write_onnx(tm: TrainedModel, path: Path) -> list[str]:
    """ONNX through a SavedModel and tf2onnx (as its command line converts SavedModels).

    Keras' own ``model.export(format="onnx")`` converts a traced function, which loses the
    lookup tables of ``StringLookup``; the SavedModel route keeps them (ONNX CategoryMapper).
    """
    try:
        import onnx  # noqa: PLC0415
        from tf2onnx import tf_loader  # noqa: PLC0415
        from tf2onnx.convert import _convert_common  # noqa: PLC0415
    except ImportError as e:
        raise ExportError(f"ONNX export needs the packages tf2onnx and onnx ({e.name} is missing).",
                          'Install them with: pip install "nnstudio[export]"') from None
    try:  # tf2onnx still uses NumPy aliases removed in NumPy 2; Keras ships the same patch
        import warnings  # noqa: PLC0415

        from keras.src.export.tf2onnx_lib import patch_tf2onnx  # noqa: PLC0415

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            patch_tf2onnx()
    except ImportError:  # pragma: no cover
        pass
    import logging  # noqa: PLC0415

    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="nnstudio-onnx-") as tmp:
        sm = Path(tmp) / "saved_model"
        write_saved_model(tm, sm)
        graph, ins, outs, tables, renames = tf_loader.from_saved_model(
            str(sm), None, None, signatures=["serve"], return_initialized_tables=True,
            return_tensors_to_rename=True)
        proto, _ = _convert_common(graph, name="nnstudio", input_names=ins, output_names=outs,
                                   tensors_to_rename=renames, initialized_tables=tables, opset=None)
    entry = proto.metadata_props.add()
    entry.key, entry.value = "nnstudio", json.dumps(tm.meta, ensure_ascii=False)
    proto.producer_name = "nnstudio"
    proto.doc_string = f"{tm.meta['output']['meaning']}. Inputs: one per raw column (see 'nnstudio')."
    onnx.save(proto, str(path))
    return [str(path)]


def write_tflite(tm: TrainedModel, path: Path) -> list[str]:
    raw = build_raw_model(tm.net, tm.preprocessor, portable=True)
    raw.export(str(path), format="litert", verbose=False)
    side = path.with_suffix(".nnstudio.json")
    _write_json(side, tm.meta)
    return [str(path), str(side)]


def network_layers(net) -> list[dict]:
    """The network's layers in order with their weights (lists) and what they compute."""
    from nnstudio.core.forward import _keras_activation_name  # noqa: PLC0415

    out = []
    for layer in net.layers:
        cls = type(layer).__name__
        d = {"name": layer.name, "type": cls}
        if cls == "Dense":
            w = layer.get_weights()
            d.update(units=int(layer.units), activation=_keras_activation_name(layer),
                     kernel=w[0], bias=w[1] if layer.use_bias else None)
        elif cls == "BatchNormalization":
            from nnstudio.core.forward import _bn_weights  # noqa: PLC0415

            g, b, m, v = _bn_weights(layer)
            d.update(gamma=g, beta=b, moving_mean=m, moving_variance=v, epsilon=float(layer.epsilon))
        elif cls in ("Dropout", "GaussianNoise", "GaussianDropout"):
            d["note"] = "active during training only: passes its input through at prediction time"
        else:
            d.update({"weights": layer.get_weights()})
        out.append(d)
    return out


WEIGHTS_NOTE = ("y = activation(x @ kernel + bias) per Dense layer, in order; batch normalization: "
                "gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta. x is the row "
                "encoded as 'preprocessing' says, in the order of 'encoded_inputs'.")


def write_weights_json(tm: TrainedModel, path: Path) -> list[str]:
    doc = {"format": "nnstudio-weights", "version": 1, "how": WEIGHTS_NOTE,
           "layers": network_layers(tm.net), "metadata": tm.meta}
    _write_json(path, _jsonable(doc))
    return [str(path)]


def write_weights_npz(tm: TrainedModel, path: Path) -> list[str]:
    """``NN_LAYER/kernel``-style arrays in layer order, plus ``layers`` and ``metadata`` as JSON text."""
    arrays, index = {}, []
    for i, d in enumerate(network_layers(tm.net)):
        entry = {k: v for k, v in d.items() if not isinstance(v, np.ndarray) and k != "weights"}
        for k, v in d.items():
            if isinstance(v, np.ndarray):
                key = f"{i:02d}_{d['name']}/{k}"
                arrays[key] = v
                entry[k] = key
        index.append(entry)
    arrays["layers"] = np.array(json.dumps(_jsonable(index)))
    arrays["metadata"] = np.array(json.dumps(tm.meta, ensure_ascii=False))
    arrays["how"] = np.array(WEIGHTS_NOTE)
    np.savez(path, **arrays)
    return [str(path)]


def history_frame(history: dict[str, list[float]]) -> pd.DataFrame:
    n = max((len(v) for v in history.values()), default=0)
    cols = {"epoch": np.arange(1, n + 1)}
    for k, v in history.items():
        cols[k] = list(v) + [np.nan] * (n - len(v))
    return pd.DataFrame(cols)


def write_history_csv(tm: TrainedModel, path: Path) -> list[str]:
    if not tm.history:
        raise ExportError("There is no training history to export.", "Train the network first.")
    history_frame(tm.history).to_csv(path, index=False)
    return [str(path)]


# ----- the generated script ---------------------------------------------------------------------------
def _script_data(tm: TrainedModel, folder: Path) -> tuple[str, list[str]]:
    """Where the script reads its CSV: the project's own CSV when pandas reads it as is, else a copy
    of the data written beside the script. Returns (path as the script names it, files written)."""
    if tm.source_path and Path(tm.source_path).suffix.lower() == ".csv":
        try:
            head = pd.read_csv(tm.source_path, nrows=5)
            if tm.data_frame is None or [str(c) for c in head.columns] == [str(c) for c in tm.data_frame.columns]:
                return str(Path(tm.source_path).resolve()), []
        except Exception:  # noqa: BLE001 - not readable with defaults: write a copy instead
            pass
    if tm.data_frame is None:
        raise ExportError("The script needs the training data, and it is not available.",
                          "Open the model's data in nnstudio, then export the script again.")
    name = (tm.meta.get("data", {}).get("example") or tm.meta.get("data", {}).get("name") or "data")
    fname = safe_name(str(name).lower().replace(" ", "_")) + ".csv"
    target = folder / fname
    tm.data_frame.to_csv(target, index=False)
    return fname, [str(target)]


def _init_code(name: str) -> str:
    if name == "uniform":  # Keras 2's "uniform", as the churn tutorial used it
        return "keras.initializers.RandomUniform(-0.05, 0.05)"
    if name == "normal":
        return "keras.initializers.RandomNormal(stddev=0.05)"
    return repr(name)


def _layer_code(spec: dict, is_output: bool, meaning: str) -> str:
    kind = spec.get("kind", "dense")
    if kind == "dense":
        args = [str(int(spec["units"])), f"activation={spec.get('activation', 'relu')!r}"]
        init = spec.get("initializer", "glorot_uniform")
        if init != "glorot_uniform":
            args.append(f"kernel_initializer={_init_code(init)}")
        if not spec.get("use_bias", True):
            args.append("use_bias=False")
        if spec.get("l1") or spec.get("l2"):
            args.append(f"kernel_regularizer=keras.regularizers.L1L2(l1={float(spec.get('l1', 0))!r}, "
                        f"l2={float(spec.get('l2', 0))!r})")
        comment = f"  # output: {meaning}" if is_output else ""
        return f"layers.Dense({', '.join(args)}),{comment}"
    if kind == "dropout":
        return f"layers.Dropout({float(spec['rate'])!r}),  # zeroes {float(spec['rate']):.0%} of its inputs while training"
    if kind == "batchnorm":
        return "layers.BatchNormalization(),"
    if kind == "gaussian_noise":
        return f"layers.GaussianNoise({float(spec['stddev'])!r}),  # noise while training only"
    raise ExportError(f"The script cannot build a '{kind}' layer.")


def _optimizer_code(t: dict) -> str:
    name = t.get("optimizer", "adam")
    lr = float(t.get("learning_rate", 0.001))
    if name == "sgd":
        extra = ""
        if t.get("momentum"):
            extra += f", momentum={float(t['momentum'])!r}"
        if t.get("nesterov"):
            extra += ", nesterov=True"
        return f"keras.optimizers.SGD(learning_rate=LEARNING_RATE{extra})", lr
    cls = {"adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adamax": "Adamax",
           "nadam": "Nadam"}.get(name, "Adam")
    return f"keras.optimizers.{cls}(learning_rate=LEARNING_RATE)", lr


def script_text(tm: TrainedModel, data_path: str, relative: bool) -> str:
    """The standalone training script (pandas + Keras) for this model, as text."""
    from nnstudio.core.model.spec import NetworkSpec, default_output  # noqa: PLC0415

    meta, pre = tm.meta, tm.preprocessor
    if "network" not in meta or "training" not in meta:
        raise ExportError("This model has no record of its network and training settings, so no "
                          "training script can be written for it.",
                          "Export the script from the project that trained it.")
    task = pre.task
    spec = NetworkSpec.from_dict(meta["network"])
    t = meta["training"]
    split = meta.get("split", {"test": 0.2, "val": 0.2, "seed": 42})
    classes = list(pre.classes)
    out_layer = spec.output_for(task, max(len(classes), 2)) if spec.output else default_output(task, max(len(classes), 2))
    units = int(out_layer.units)
    text_classes = bool(classes) and isinstance(classes[0], str)
    loss = t.get("loss", "auto")
    if loss == "auto":
        loss = {Task.BINARY: "binary_crossentropy", Task.MULTICLASS: "sparse_categorical_crossentropy",
                Task.REGRESSION: "mse"}[task]
    if loss == "categorical_crossentropy":
        loss = "sparse_categorical_crossentropy"  # nnstudio feeds class numbers, not one-hot rows
    metric = "mae" if task is Task.REGRESSION else "accuracy"
    bmode = t.get("batch_mode", "mini-batch")
    batch = {"full-batch": "len(X_train)  # full batch: one update per epoch (gradient descent)",
             "stochastic": "1  # stochastic: one update per row"}.get(bmode, str(int(t.get("batch_size", 32))))
    opt_code, lr = _optimizer_code(t)
    test_frac, val_frac, seed = float(split.get("test", 0.2)), float(split.get("val", 0.2)), int(split.get("seed", 42))
    title = meta.get("data", {}).get("name", "the data")
    app_test = meta.get("result", {}).get("test", {})

    # one line per input column, saying how nnstudio prepared it
    inputs, fills = [], []
    for c in pre.columns:
        if c.kind == "numeric":
            how = {"standardize": "standardize", "minmax": "minmax"}.get(c.scaling, "as is")
            why = {"standardize": "(x - mean) / sd, with the training rows' mean and sd",
                   "minmax": "(x - min) / (max - min), with the training rows' min and max"}.get(
                how, "used as it is")
        elif getattr(c, "passthrough_binary", False):
            how, why = "as is", "already 0/1"
        elif c.kind == "categorical" and c.encoding == "onehot":
            cats = ", ".join(str(x) for x in c.categories[:6]) + (", …" if len(c.categories) > 6 else "")
            how, why = "onehot", f"one 0/1 column per category ({cats})"
        else:
            pairs = ", ".join(f"{x!s} → {i}" for i, x in enumerate(c.categories[:6]))
            how, why = "code", f"categories numbered in sorted order ({pairs}{', …' if len(c.categories) > 6 else ''})"
        inputs.append(f"    {c.name!r}: {how!r},  # {why}")
        if c.impute_value is not None and c.impute != "drop":
            strategy = c.impute if c.impute in ("mean", "median", "most_frequent") else ("constant", _plain(c.impute_value))
            fills.append(f"    {c.name!r}: {strategy!r},")
    layer_lines = [_layer_code(l.to_dict(), False, "") for l in spec.hidden]
    layer_lines.append(_layer_code(out_layer.to_dict(), True, output_meaning(pre, units)))
    early = ""
    if t.get("early_stopping"):
        mon = t.get("monitor", "val_loss").replace("accuracy", metric)
        if val_frac <= 0:
            mon = mon.replace("val_", "")
        early = (f"callbacks = [keras.callbacks.EarlyStopping(monitor={mon!r}, patience={int(t.get('patience', 10))}, "
                 f"restore_best_weights={bool(t.get('restore_best', True))})]")
    data_line = (f"DATA = Path(__file__).with_name({data_path!r})  # the data nnstudio trained on"
                 if relative else f"DATA = Path({data_path!r})  # the data nnstudio trained on")
    rows = meta.get("rows", {})
    L = []
    a = L.append
    a("#!/usr/bin/env python3")
    a(f'"""Train and evaluate the network designed in nnstudio, with plain pandas and Keras.')
    a("")
    a(f"Data: {title} — target {pre.target!r} ({task.label}).")
    a(f"Generated by nnstudio {__version__} on {meta.get('created', '')[:10]}. The script does what the app did:")
    a("read the CSV, hold out test rows, learn the preprocessing from the training rows only, build")
    a("the same layers, train with the same optimizer, loss, batch size and epochs, and evaluate on")
    a("the test rows. Its rows are split with pandas, so its figures differ a little from the app's.")
    a("")
    a("Run:   python train_model.py [DATA.csv]")
    a("Needs: pandas, numpy and keras (with TensorFlow)")
    a('"""')
    a("import sys")
    a("from pathlib import Path")
    a("")
    a("import keras")
    a("import numpy as np")
    a("import pandas as pd")
    a("from keras import layers")
    a("")
    a("# ----- settings, as they were in nnstudio ----------------------------------------------------")
    a(data_line)
    a("if len(sys.argv) > 1:")
    a("    DATA = Path(sys.argv[1])")
    a(f"TARGET = {pre.target!r}")
    if task is not Task.REGRESSION:
        a(f"CLASSES = {[_plain(c) for c in classes]!r}  # class {', '.join(f'{c!s} → {i}' for i, c in enumerate(classes[:6]))}{' …' if len(classes) > 6 else ''}")
    a(f"TEST_FRACTION = {test_frac!r}  # rows held out for the final test")
    a(f"VALIDATION_FRACTION = {val_frac!r}  # of the remaining rows, watched during training")
    a(f"SEED = {seed}")
    a(f"EPOCHS = {int(t.get('epochs', 100))}")
    a(f"LEARNING_RATE = {lr!r}")
    # issue 20: the decision threshold and the class weights chosen in nnstudio
    threshold = float(meta.get("threshold", 0.5)) if task is Task.BINARY else None
    if threshold is not None:
        a(f"THRESHOLD = {threshold!r}  # P({pre.target} = {classes[1]!s}) above this predicts {classes[1]!s}")
    cw = t.get("class_weight", "none") if task is not Task.REGRESSION else "none"
    if cw == "balanced":
        a("CLASS_WEIGHT = \"balanced\"  # each class weighs n_rows / (n_classes * its rows) in the loss")
    elif isinstance(cw, dict):
        codes = {str(c): i for i, c in enumerate(classes)}
        a(f"CLASS_WEIGHT = {({codes[k]: float(v) for k, v in cw.items() if k in codes})!r}  # class number -> weight in the loss")
    a("")
    a("# How each input column is turned into numbers for the network (nnstudio's choices):")
    a("INPUTS = {")
    L.extend(inputs)
    a("}")
    a("# Missing values: filled as below; rows missing any other input are dropped.")
    a("FILL_MISSING = {" + ("" if fills else "}"))
    if fills:
        L.extend(fills)
        a("}")
    a("")
    a("keras.utils.set_random_seed(SEED)  # the same start every run")
    a("")
    a("")
    a("def fit_preprocessing(train):")
    a('    """Learn every statistic (means, scales, categories, fill values) from the training rows only."""')
    a("    stats = {}")
    a("    for col, how in INPUTS.items():")
    a("        values = train[col].dropna()")
    a("        s = {}")
    a("        if col in FILL_MISSING:")
    a("            rule = FILL_MISSING[col]")
    a('            s["fill"] = {"mean": values.mean, "median": values.median,')
    a('                         "most_frequent": lambda: values.mode().iloc[0]}[rule]() if isinstance(rule, str) else rule[1]')
    a('        if how in ("onehot", "code"):')
    a('            s["categories"] = sorted(values.unique().tolist())')
    a('        elif how == "standardize":')
    a('            s["center"], s["scale"] = values.mean(), values.std(ddof=0) or 1.0')
    a('        elif how == "minmax":')
    a('            s["center"], s["scale"] = values.min(), (values.max() - values.min()) or 1.0')
    a("        stats[col] = s")
    a("    return stats")
    a("")
    a("")
    a("def encode(frame, stats):")
    a('    """The rows as the float32 matrix the network sees, one block of columns per input."""')
    a("    blocks = []")
    a("    for col, how in INPUTS.items():")
    a("        s = stats[col]")
    a('        values = frame[col].fillna(s["fill"]) if "fill" in s else frame[col]')
    a('        if how == "onehot":')
    a('            blocks.append(pd.get_dummies(pd.Categorical(values, categories=s["categories"])).to_numpy(float))')
    a('        elif how == "code":')
    a('            blocks.append(pd.Categorical(values, categories=s["categories"]).codes[:, None].astype(float))')
    a("        else:")
    a('            x = values.to_numpy(float)')
    a('            if "center" in s:')
    a('                x = (x - s["center"]) / s["scale"]')
    a("            blocks.append(x[:, None])")
    a('    return np.hstack(blocks).astype("float32")')
    a("")
    a("")
    a("def unseen_categories(frame, stats):")
    a('    """Rows holding a category the training rows never had (they cannot be encoded)."""')
    a("    bad = np.zeros(len(frame), bool)")
    a("    for col, how in INPUTS.items():")
    a('        if how in ("onehot", "code"):')
    a('            bad |= (~frame[col].isin(stats[col]["categories"]) & frame[col].notna()).to_numpy()')
    a("    return bad")
    a("")
    a("")
    a("def targets(frame):")
    if task is Task.REGRESSION:
        a('    return frame[TARGET].to_numpy("float32")')
    else:
        key = 'frame[TARGET].astype(str)' if text_classes else "frame[TARGET]"
        a(f'    return pd.Categorical({key}, categories=CLASSES).codes.astype("int32")  # class numbers')
    a("")
    a("")
    a("# ----- 1. read the data, drop unusable rows ------------------------------------------------------")
    a("data = pd.read_csv(DATA)")
    a("data = data.dropna(subset=[TARGET] + [c for c in INPUTS if c not in FILL_MISSING])")
    a("")
    a("# ----- 2. split: shuffle, hold out the test rows (never seen in training) -----------------------")
    a("data = data.sample(frac=1.0, random_state=SEED)")
    a("n_test = round(len(data) * TEST_FRACTION)")
    a("test, train = data.iloc[:n_test], data.iloc[n_test:]")
    a("")
    a("# ----- 3. preprocessing: fitted on the training rows, applied to both ---------------------------")
    a("stats = fit_preprocessing(train)")
    a("test = test[~unseen_categories(test, stats)]")
    a("X_train, y_train = encode(train, stats), targets(train)")
    a("X_test, y_test = encode(test, stats), targets(test)")
    a('print(f"{len(X_train)} training rows, {len(X_test)} test rows, {X_train.shape[1]} inputs")')
    a("")
    a("# ----- 4. the network --------------------------------------------------------------------------")
    a("model = keras.Sequential([")
    a("    keras.Input(shape=(X_train.shape[1],)),")
    L.extend("    " + line for line in layer_lines)
    a("])")
    a(f"model.compile(optimizer={opt_code}, loss={loss!r}, metrics=[{metric!r}])")
    a("model.summary()")
    a("")
    a("# ----- 5. train -------------------------------------------------------------------------------")
    if early:
        a(early)
    if cw == "balanced":
        a("counts = np.bincount(y_train, minlength=len(CLASSES))")
        a("CLASS_WEIGHT = {i: len(y_train) / (len(CLASSES) * n) if n else 1.0 for i, n in enumerate(counts)}")
    a(f"history = model.fit(X_train, y_train, epochs=EPOCHS, batch_size={batch},")
    a(f"                    validation_split=VALIDATION_FRACTION, shuffle=True, verbose=2"
      + (", callbacks=callbacks" if early else "")
      + (", class_weight=CLASS_WEIGHT)" if cw != "none" else ")"))
    a("")
    a("# ----- 6. evaluate on the test rows ------------------------------------------------------------")
    a("if len(X_test):")
    a(f"    test_loss, test_{metric} = model.evaluate(X_test, y_test, verbose=0)")
    a('    print(f"Test loss: {test_loss:.4f}")')
    if task is Task.REGRESSION:
        a('    print(f"Test MAE: {test_mae:.4f}")')
        if "mae" in app_test:
            a(f"    # nnstudio's test MAE on its own split was {float(app_test['mae']):.4f}")
    else:
        a('    print(f"Test accuracy: {test_accuracy:.4f}")')
        if "accuracy" in app_test:
            a(f"    # nnstudio's test accuracy on its own split was {float(app_test['accuracy']):.4f}")
        a("    outputs = model.predict(X_test, verbose=0)")
        if threshold is not None:
            a(f"    predicted = (outputs[:, {units - 1}] > THRESHOLD).astype(int)  # probability above the threshold: the second class")
        else:
            a("    predicted = outputs.argmax(axis=1)  # the most probable class")
        a('    print("Confusion matrix (rows: true class, columns: predicted class):")')
        a("    print(pd.crosstab(pd.Series(np.take(CLASSES, y_test), name=\"true\"),")
        a("                      pd.Series(np.take(CLASSES, predicted), name=\"predicted\")))")
    a("")
    a("# To use the model later: model.save(\"model.keras\"), then keras.saving.load_model(\"model.keras\").")
    text = "\n".join(L) + "\n"
    compile(text, "train_model.py", "exec")  # a generated script must at least be valid Python
    return text


def write_script(tm: TrainedModel, path: Path) -> list[str]:
    """The training script, and the data as CSV beside it when it did not come from a CSV file."""
    data_path, extra = _script_data(tm, path.parent)
    text = script_text(tm, data_path, relative=bool(extra))
    path.write_text(text, encoding="utf-8")
    return [str(path), *extra]


WRITERS = {"keras": write_keras, "saved_model": write_saved_model, "onnx": write_onnx,
           "tflite": write_tflite, "weights_json": write_weights_json,
           "weights_npz": write_weights_npz, "history_csv": write_history_csv, "script": write_script}


def missing_packages(key: str) -> list[str]:
    """The packages a format needs that are not installed (empty: it can be written)."""
    import importlib.util  # noqa: PLC0415

    return [n for n in FORMATS[key].needs if importlib.util.find_spec(n) is None]


def available_formats() -> list[str]:
    return [k for k in FORMATS if not missing_packages(k)]


def export(tm: TrainedModel, folder: str | os.PathLike, formats=None, *,
           names: dict[str, str] | None = None, on_format=None) -> list[str]:
    """Write ``formats`` (default: all whose packages are installed) into ``folder``; returns the
    paths written.

    ``names`` overrides file names per format; ``on_format(key)`` is called before each one
    (progress). Raises :class:`ExportError` naming the format that failed.
    """
    folder = Path(folder)
    formats = available_formats() if formats is None else list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ExportError(f"Unknown export format(s): {', '.join(unknown)}.",
                          f"Use some of: {', '.join(FORMATS)}.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"Cannot create the folder '{folder}': {e.strerror}.",
                          "Choose a folder you can write to.") from None
    written: list[str] = []
    for key in formats:
        if on_format is not None:
            on_format(key)
        target = folder / (names or {}).get(key, FORMATS[key].filename)
        written += write_format(tm, key, target)
    return written


def write_format(tm: TrainedModel, key: str, path: str | os.PathLike) -> list[str]:
    """One format to one path; errors become :class:`ExportError` with the format's name."""
    path = Path(path)
    missing = missing_packages(key)
    if missing:
        raise ExportError(f"{FORMATS[key].label} export needs the package(s) {', '.join(missing)}.",
                          'Install them with: pip install "nnstudio[export]"')
    try:
        return WRITERS[key](tm, path)
    except NNStudioError:
        raise
    except OSError as e:
        raise ExportError(f"Could not write {FORMATS[key].label} to '{path}': "
                          f"{e.strerror or e}.", "Choose a folder you can write to, with free space.") from None
    except Exception as e:  # noqa: BLE001 - a converter's failure becomes a message
        first = (str(e).splitlines() or [""])[0][:300]
        raise ExportError(f"Could not export {FORMATS[key].label}: {type(e).__name__}: {first}",
                          "The other formats are not affected; please report this.") from e


def export_model(result, data, project, path) -> list[str]:
    """``nnstudio train ... --export PATH``: one format by PATH's suffix, or every format into the
    folder PATH (an existing folder, or a name without a suffix)."""
    tm = from_training(result, data, project)
    p = Path(path)
    key = SUFFIXES.get(p.suffix.lower())
    if key is not None and not p.is_dir():
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        return write_format(tm, key, p)
    skipped = [k for k in FORMATS if missing_packages(k)]
    if skipped:
        import sys  # noqa: PLC0415

        print(f"nnstudio: not exported: {', '.join(FORMATS[k].label for k in skipped)} (needs "
              f"{', '.join(sorted({n for k in skipped for n in missing_packages(k)}))}: "
              f'pip install "nnstudio[export]")', file=sys.stderr)
    formats = [k for k in available_formats() if k != "history_csv" or tm.history]
    return export(tm, p, formats)


def read_text_member(path: str | os.PathLike, member: str = METADATA_NAME) -> str | None:
    """A text file inside a zip (a .keras file), or None if absent."""
    try:
        with zipfile.ZipFile(path) as z:
            if member not in z.namelist():
                return None
            return z.read(member).decode("utf-8")
    except (zipfile.BadZipFile, OSError):
        return None


__all__ = ["FORMATS", "ExportError", "TrainedModel", "build_metadata", "build_raw_model", "export",
           "export_model", "from_training", "keras_inputs", "raw_inputs", "write_format"]
