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
import importlib.util
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nnstudio import __version__
from nnstudio.core import suffixes
from nnstudio.core.data import workbook
from nnstudio.core.data.csv import pandas_sep
from nnstudio.core.errors import NNStudioError
from nnstudio.core.export_inputs import (
    ExportError,
    build_raw_model,
    input_specs,
    keras_inputs,
    output_meaning,
    raw_inputs,
)
from nnstudio.core.export_script import write_script
from nnstudio.core.jsonsafe import jsonable, scalar
from nnstudio.core.model.spec import Task
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.trained import TrainedModel

METADATA_NAME = "nnstudio.json"  # inside a .keras zip / a SavedModel folder
METADATA_FORMAT = "nnstudio-model"
METADATA_VERSION = 1


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


# ----- where an export goes -----------------------------------------------------------------------------------
def format_of(path: str | os.PathLike) -> str | None:
    """The one format a file ``path`` names by its suffix, or None for a folder (one that is
    there, or a name without a suffix) to write every format into. A suffix nnstudio does not
    write is refused: ``out.pdf`` became a folder of that name."""
    p = Path(path)
    if p.is_dir() or not p.suffix:
        return None
    key = SUFFIXES.get(p.suffix.lower())
    if key is not None:
        return key
    old = (" (Keras' older HDF5 format: nnstudio writes the format that replaced it, .keras)"
           if p.suffix.lower() in (".h5", ".hdf5") else "")
    raise ExportError(f"'{p.name}': nnstudio does not write {p.suffix} files{old}.",
                      f"Name a file ending in {', '.join(SUFFIXES)}, or a folder (every format goes "
                      f"in it).")


# ----- what every exporter needs ---------------------------------------------------------------------------
def from_training(result, data, project) -> TrainedModel:
    """A :class:`TrainedModel` from a training run (``TrainResult``), its data and project."""
    meta = build_metadata(result.model, data.preprocessor, project=project, result=result, data=data)
    src = getattr(project.dataset, "source", None)
    path = src if src and not str(src).startswith("example:") and Path(src).is_file() else None
    return result.trained(data.preprocessor, meta, project.dataset.frame, path)


# ----- metadata ---------------------------------------------------------------------------------------
#: Files a snippet names by their own name (other data, an example's, is "data.csv").
DATA_SUFFIXES = (*suffixes.TEXT, *suffixes.PACKED)  # pandas unpacks these


def read_call(meta: dict) -> str:
    """``pd.read_csv(...)`` reading the training file as the app read it (its name, delimiter,
    decimal mark, encoding, header and extra missing markers; ``pd.read_excel`` and its sheet for
    a workbook): a semicolon file read with pandas' defaults is one column, and the snippet's
    ``df["fixed acidity"]`` failed."""
    data = meta.get("data") or {}
    name = str(data.get("name") or "")
    opts = data.get("read_options") or {}
    book = opts.get("sheet") is not None or name.lower().endswith(workbook.SUFFIXES)
    suffixes, default = (workbook.SUFFIXES, "data.xlsx") if book else (DATA_SUFFIXES, "data.csv")
    args = [json.dumps(name if name.lower().endswith(suffixes) else default, ensure_ascii=False)]
    if book and opts.get("sheet") is not None:
        args.append(f"sheet_name={json.dumps(opts['sheet'], ensure_ascii=False)}")
    if not book and opts.get("delimiter") not in (None, ","):
        args.append(f"sep={json.dumps(pandas_sep(opts['delimiter']))}")  # spaces: runs of them
    if not book and opts.get("decimal") not in (None, "."):
        args.append(f"decimal={json.dumps(opts['decimal'])}")
    if not book and str(opts.get("encoding") or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8", "ascii"):
        args.append(f"encoding={json.dumps(opts['encoding'])}")
    if opts.get("header") is False and data.get("columns"):
        args.append(f"header=None, names={json.dumps(list(data['columns']), ensure_ascii=False)}")
    every, own = list(opts.get("na_values") or []), dict(opts.get("missing_in") or {})
    if own:  # a column's own (0 in a blood pressure): pandas' na_values by column, each with every
        columns = [str(c) for c in data.get("columns") or []] or list(own)
        na = {c: [*every, *own.get(c, [])] for c in dict.fromkeys([*columns, *own])}
        args.append(f"na_values={json.dumps(na, ensure_ascii=False)}")
    elif every:
        args.append(f"na_values={json.dumps(every, ensure_ascii=False)}")
    return f"pd.{'read_excel' if book else 'read_csv'}({', '.join(args)})"


def usage_snippet(meta: dict) -> str:
    lines = ["import keras, pandas as pd, tensorflow as tf",
             'model = keras.saving.load_model("model.keras")',
             f"df = {read_call(meta)}",
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
    units = int(net.output_shape[-1])
    meta = {
        "format": METADATA_FORMAT, "format_version": METADATA_VERSION,
        "nnstudio_version": __version__, "keras_version": _keras().__version__,
        "tensorflow_version": _tensorflow().__version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "task": pre.task.value, "target": pre.target, "classes": [scalar(c) for c in pre.classes],
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
        if getattr(ds, "csv_options", None):  # how the file was read, to read it the same way again
            meta["data"]["read_options"] = dict(ds.csv_options)
        if pre.task is Task.BINARY:  # issue 20: the decision threshold chosen in the project
            meta["threshold"] = float(getattr(project, "threshold", 0.5))
            meta["output"]["meaning"] = output_meaning(pre, units, meta["threshold"])
    hist = history if history is not None else (result.history if result is not None else None)
    if hist is not None:
        meta["history"] = {k: [scalar(float(v)) for v in vals] for k, vals in hist.items()}
    if result is not None:
        meta["result"] = {"status": result.status, "message": result.message,
                          "epochs_run": int(result.epochs_run), "seconds": float(result.seconds),
                          "seed": int(result.seed), "test": {k: scalar(float(v)) for k, v in result.test.items()}}
    if data is not None:
        meta["rows"] = {"train": len(data.X_train), "val": len(data.X_val), "test": len(data.X_test)}
    meta["usage"] = usage_snippet(meta)
    return jsonable(meta)


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
    try:  # lazy: optional packages (the export extra), and each loads TensorFlow
        import onnx  # noqa: PLC0415 -- lazy: ONNX loads only when this runs, not at start-up
        from tf2onnx import tf_loader  # noqa: PLC0415 -- lazy: tf2onnx loads only when this runs, not at start-up
        from tf2onnx.convert import _convert_common  # noqa: PLC0415 -- lazy: tf2onnx loads only when this runs, not at start-up
    except ImportError as e:
        raise ExportError(f"ONNX export needs the packages tf2onnx and onnx ({e.name} is missing).",
                          'Install them with: pip install "nnstudio[export]"') from None
    try:  # tf2onnx still uses NumPy aliases removed in NumPy 2; Keras ships the same patch
        from keras.src.export.tf2onnx_lib import patch_tf2onnx  # noqa: PLC0415 -- lazy: loads TensorFlow

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            patch_tf2onnx()
    except ImportError:  # pragma: no cover
        pass
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
    from nnstudio.core.forward import _bn_weights, _keras_activation_name  # noqa: PLC0415 -- lazy: scipy, a second

    out = []
    for layer in net.layers:
        cls = type(layer).__name__
        d = {"name": layer.name, "type": cls}
        if cls == "Dense":
            w = layer.get_weights()
            d.update(units=int(layer.units), activation=_keras_activation_name(layer),
                     kernel=w[0], bias=w[1] if layer.use_bias else None)
        elif cls == "BatchNormalization":
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
    _write_json(path, jsonable(doc))
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
    arrays["layers"] = np.array(json.dumps(jsonable(index)))
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


WRITERS = {"keras": write_keras, "saved_model": write_saved_model, "onnx": write_onnx,
           "tflite": write_tflite, "weights_json": write_weights_json,
           "weights_npz": write_weights_npz, "history_csv": write_history_csv, "script": write_script}


def missing_packages(key: str) -> list[str]:
    """The packages a format needs that are not installed (empty: it can be written)."""
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
    except Exception as e:  # a converter's failure becomes a message
        first = (str(e).splitlines() or [""])[0][:300]
        raise ExportError(f"Could not export {FORMATS[key].label}: {type(e).__name__}: {first}",
                          "The other formats are not affected; please report this.") from e


def export_model(result, data, project, path) -> list[str]:
    """``nnstudio train ... --export PATH``: one format by PATH's suffix, or every format into the
    folder PATH (an existing folder, or a name without a suffix)."""
    p = Path(path)
    key = format_of(p)
    tm = from_training(result, data, project)
    if key is not None:
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        return write_format(tm, key, p)
    skipped = [k for k in FORMATS if missing_packages(k)]
    if skipped:
        print(f"nnstudio: not exported: {', '.join(FORMATS[k].label for k in skipped)} (needs "
              f"{', '.join(sorted({n for k in skipped for n in missing_packages(k)}))}: "
              f'pip install "nnstudio[export]")', file=sys.stderr)
    formats = [k for k in available_formats() if k != "history_csv" or tm.history]
    if tm.preprocessor.derived and "script" in formats:  # the script cannot rebuild engineered inputs
        formats.remove("script")
        print("nnstudio: not exported: the Python script (it cannot rebuild engineered inputs yet)",
              file=sys.stderr)
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
