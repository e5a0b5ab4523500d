"""Opening a ``.keras`` file safely, and what nnstudio needs from it.

Files are loaded with Keras' safe mode: a file whose deserialization would run Python code (a
``Lambda`` layer holding a lambda's bytecode, and the like) is refused with a clear message, never
loaded. A file exported by nnstudio (:mod:`nnstudio.core.export`) carries its metadata inside
(``nnstudio.json``): the raw-column model, the network on encoded inputs (layer ``nnstudio_net``)
and the fitted preprocessing come back together, ready to predict raw rows and to evaluate.
"""
from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nnstudio.core import evaluate as ev
from nnstudio.core.data.csv import read_csv, read_csv_like
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.examples import EXAMPLES
from nnstudio.core.data.preprocess import FittedPreprocessor, PreprocessConfig, SplitConfig
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import NNStudioError, ProjectError
from nnstudio.core.export import METADATA_NAME, read_text_member
from nnstudio.core.export_inputs import NET_NAME
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.settings import TrainSettings, epochs_text
from nnstudio.core.tf import keras as _keras
from nnstudio.core.trained import TrainedModel

#: Words in Keras' error messages that mean "this file needs unsafe deserialization".
_UNSAFE_HINTS = ("safe_mode", "unsafe", "arbitrary code")


class UnsafeModelError(ProjectError):
    """The file would run code when loaded (safe mode refused it)."""


@dataclass
class LoadedModel:
    """A model file opened by :func:`load`: the file's view of a model (its path, the raw-column
    model as stored, the metadata). For an nnstudio export, :func:`trained_model` gives the
    canonical :class:`~nnstudio.core.trained.TrainedModel` inside it."""

    path: str
    model: object  # keras.Model as stored in the file
    meta: dict | None  # nnstudio's metadata, None for a file not exported by nnstudio
    net: object | None = None  # the network on encoded inputs (nnstudio files)
    preprocessor: object | None = None  # FittedPreprocessor (nnstudio files)

    @property
    def is_nnstudio(self) -> bool:
        return self.meta is not None and self.net is not None and self.preprocessor is not None

    def require_nnstudio(self) -> None:
        if not self.is_nnstudio:
            raise ProjectError(f"'{Path(self.path).name}' is a Keras model, but not one exported by "
                               f"nnstudio, so it does not say which data columns it takes.",
                               "Export the model from nnstudio (File > Export model…, or "
                               "`nnstudio train ... --export model.keras`).")

    @property
    def task(self):
        self.require_nnstudio()
        return self.preprocessor.task

    @property
    def read_options(self) -> dict | None:
        """How its training file was read (``CsvOptions.to_dict()``; None: not from a file)."""
        return ((self.meta or {}).get("data") or {}).get("read_options")

    @property
    def threshold(self) -> float | None:
        """The decision threshold saved with a two-class model (None: not two classes)."""
        if not self.is_nnstudio or len(self.preprocessor.classes) != 2:
            return None
        return float((self.meta or {}).get("threshold", 0.5))

    def summary_lines(self) -> list[str]:
        """What the file holds, in words."""
        m = self.meta or {}
        lines = [f"{Path(self.path).name}: a Keras model with {self.model.count_params():,} parameters"]
        if not self.is_nnstudio:
            lines.append("Not exported by nnstudio: no column information.")
            return lines
        pre = self.preprocessor
        lines.append(f"Predicts {pre.target!r} ({pre.task.label}); output: {m.get('output', {}).get('meaning', '')}")
        lines.append("Inputs (raw columns): " + ", ".join(s["column"] for s in m.get("inputs", [])))
        if m.get("network_summary"):
            lines.append("Network: " + " → ".join(m["network_summary"]))
        res = m.get("result", {})
        if res:
            test = ", ".join(f"{k} {v:.4g}" for k, v in res.get("test", {}).items() if v is not None)
            lines.append(f"Trained {epochs_text(res.get('epochs_run'))} ({res.get('status')})"
                         + (f"; test {test}" if test else ""))
        data = m.get("data", {})
        if data:
            lines.append(f"Data: {data.get('name')} ({data.get('source') or 'unknown source'})")
        lines.append(f"Exported by nnstudio {m.get('nnstudio_version')} with Keras {m.get('keras_version')}")
        return lines


def read_metadata(path: str | os.PathLike) -> dict | None:
    """nnstudio's metadata from inside a ``.keras`` file (None if there is none)."""
    text = read_text_member(path, METADATA_NAME)
    if text is None:
        return None
    try:
        meta = json.loads(text)
    except ValueError:
        raise ProjectError(f"The nnstudio metadata inside '{Path(path).name}' is damaged.",
                           "Export the model again.") from None
    if not isinstance(meta, dict) or meta.get("format") != "nnstudio-model":
        return None
    return meta


def load_keras(path: str | os.PathLike):
    """``keras.saving.load_model(path, safe_mode=True)`` with every failure as a typed error."""
    p = Path(path)
    if not p.is_file():
        raise ProjectError(f"There is no file '{p}'.", "Check the path.")
    if p.suffix.lower() != ".keras" or not zipfile.is_zipfile(p):
        raise ProjectError(f"'{p.name}' is not a Keras model file (.keras).",
                           "Open a model saved with model.save('name.keras') or exported by nnstudio.")
    try:
        with zipfile.ZipFile(p) as z:
            holds_model = "config.json" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        holds_model = False
    if not holds_model:
        raise ProjectError(f"'{p.name}' is a zip archive, but not a Keras model (it holds no "
                           f"config.json).", "Open a model saved with model.save('name.keras') or "
                           "exported by nnstudio.")

    keras = _keras()
    try:
        return keras.saving.load_model(str(p), compile=False, safe_mode=True)
    except Exception as e:  # every failure becomes a message
        text = str(e)
        if any(h in text for h in _UNSAFE_HINTS):
            raise UnsafeModelError(
                f"'{p.name}' was refused: loading it would run Python code stored in the file "
                f"(for example a Lambda layer), which could do anything on this computer.",
                "nnstudio opens only files that Keras' safe mode accepts. Rebuild the model without "
                "Lambda layers, or load it yourself with safe_mode=False if you trust its author.") from None
        if "Could not locate" in text or "Unknown layer" in text or "custom" in text.lower():
            raise ProjectError(f"'{p.name}' uses a layer or function Keras does not know "
                               f"({(text.splitlines() or [''])[0][:160]}).",
                               "nnstudio opens models built from Keras' own layers.") from None
        raise ProjectError(f"'{p.name}' could not be loaded: {type(e).__name__}: "
                           f"{(text.splitlines() or [''])[0][:200]}",
                           "The file may be damaged or from a newer Keras version.") from None


def load(path: str | os.PathLike) -> LoadedModel:
    """Open a ``.keras`` file (safe mode); for nnstudio exports, also its network and preprocessing."""
    meta = read_metadata(path)
    model = load_keras(path)
    lm = LoadedModel(str(path), model, meta)
    if meta is not None:
        try:
            lm.preprocessor = FittedPreprocessor.from_dict(meta["preprocessing"])
            lm.net = model.get_layer(NET_NAME)
        except (KeyError, TypeError, ValueError) as e:
            raise ProjectError(f"'{Path(path).name}' has nnstudio metadata that does not fit the "
                               f"model ({type(e).__name__}: {e}).", "Export the model again.") from None
    return lm


def trained_model(lm: LoadedModel, data_frame=None, source_path: str | None = None):
    """The :class:`~nnstudio.core.trained.TrainedModel` inside a loaded nnstudio file."""

    lm.require_nnstudio()
    meta = lm.meta
    if source_path is None:
        src = (meta.get("data") or {}).get("source")
        if src and not str(src).startswith("example:") and Path(src).is_file():
            source_path = str(src)
    if data_frame is None:
        data_frame = data_for(meta)
    return TrainedModel(lm.net, lm.preprocessor, meta, dict(meta.get("history") or {}), data_frame,
                        source_path, dict(meta.get("result") or {}))


def data_for(meta: dict):
    """The table the model was trained on, when it can be found again (an example, or its CSV)."""
    data = meta.get("data") or {}
    example = data.get("example")
    src = data.get("source")
    if example:
        if example in EXAMPLES:
            return EXAMPLES[example].dataset().frame
    if src and not str(src).startswith("example:") and Path(src).is_file():
        try:  # read as it was for training ('?' as missing, '$1,234' as a number …)
            return read_csv(src, data.get("read_options")).frame
        except NNStudioError:
            return None
    return None


def read_csv_frame(path: str | os.PathLike, trained_on: dict | None = None):
    """A CSV as a DataFrame, read by the app's reader (DataError when it cannot be read); with
    ``trained_on`` (a model's ``read_options``), with its training file's choices of what is
    missing and what is a number."""
    return read_csv_like(path, trained_on).frame


def project_from_meta(meta: dict, data_frame=None):
    """The project a model was trained in, rebuilt from its metadata (its data must be found)."""
    data = meta.get("data") or {}
    frame = data_frame if data_frame is not None else data_for(meta)
    if frame is None:
        src = data.get("source") or "an unknown file"
        raise ProjectError(f"The data this model was trained on ({src}) cannot be found.",
                           "Give a CSV with the model's columns and its target to evaluate on.")
    if any(k not in meta for k in ("roles", "split", "preprocess_config")):
        raise ProjectError("This model's metadata does not record how its data was split.",
                           "Give a CSV with the model's columns and its target to evaluate on.")
    ds = Dataset(frame, data.get("name") or "data", source=data.get("source"),
                 synthetic=bool(data.get("synthetic")), note=data.get("note") or "",
                 csv_options=data.get("read_options"))  # a file's: its data checks apply too
    return Project(ds, Roles.from_dict(meta["roles"]), NetworkSpec.from_dict(meta["network"]),
                   TrainSettings.from_dict(meta["training"]),
                   PreprocessConfig.from_dict(meta["preprocess_config"]),
                   SplitConfig.from_dict(meta["split"]), Task(meta["task"]), data.get("example"),
                   threshold=float(meta.get("threshold", 0.5)))


def loss_name(lm: LoadedModel) -> str | None:
    """The loss the model was trained with (None when the metadata does not say)."""
    t = (lm.meta or {}).get("training")
    if not t:
        return None
    try:
        return TrainSettings.from_dict(t).loss_for(lm.preprocessor.task)
    except NNStudioError:
        return None


def evaluate_file(lm: LoadedModel, frame=None, threshold: float | None = None) -> tuple[dict, int]:
    """Figures of a loaded nnstudio model: on every row of ``frame`` (key ``all``), or, without a
    frame, on the training/validation/test splits of the data it was trained on.

    Returns ({split: Evaluation}, rows left out because they could not be predicted).
    """
    lm.require_nnstudio()
    loss = loss_name(lm)
    reg = ev.model_regularization(lm.net)
    if threshold is None:
        threshold = lm.threshold
    if frame is not None:
        e, left = ev.evaluate_frame(lm.net, lm.preprocessor, frame, loss, reg, threshold)
        return {"all": e}, left
    project = project_from_meta(lm.meta)
    data = project.prepare()
    out, left = {}, 0
    for split in ev.SPLITS:
        raw = getattr(data, f"raw_{split}")
        if len(raw):
            e, n = ev.evaluate_frame(lm.net, lm.preprocessor, raw, loss, reg, threshold)
            e.split = split
            out[split] = e
            left += n
    return out, left
