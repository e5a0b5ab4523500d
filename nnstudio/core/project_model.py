"""A project's trained model: written beside the project (the *sidecar*) and restored from it.

::

    churn.nnstudio                      the JSON document
    churn.trained/model-<hash>.keras    the trained network, saved by Keras (loaded in safe mode)
    churn.trained/history-<hash>.json   the training history (loss and metrics per epoch)

The document records the sidecar names, the model's SHA-256, the fitted preprocessing and the
run's summary; a model is restored as the canonical :class:`~nnstudio.core.trained.TrainedModel`.
New sidecars get new names, and old ones are deleted only after the document that points to them
has been replaced (:func:`clean_sidecars`).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from nnstudio.core.atomic import (
    atomic_write,
    fsync_dir,
    remove_stale_temps,
    save_error,
    sha256_file,
    temp_path,
)
from nnstudio.core.data.preprocess import FittedPreprocessor
from nnstudio.core.errors import ProjectError
from nnstudio.core.jsonsafe import jsonable
from nnstudio.core.project_doc import ProjectDocument, inside, require_dict, sidecar_dir
from nnstudio.core.tf import keras as _keras
from nnstudio.core.trained import TrainedModel, TrainResult

HISTORY_FORMAT = "nnstudio-history"


def encode(doc: dict) -> bytes:
    """A JSON document as the bytes written to disk."""
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def result_summary(result: TrainResult) -> dict:
    return jsonable(result.summary())


def load_keras(path: Path):
    try:
        return _keras().saving.load_model(str(path), compile=False, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError) as e:
        first = (str(e).splitlines() or [""])[0][:200]
        if "safe_mode" in str(e) or "lambda" in str(e).lower():
            raise ProjectError(f"The model {path.name} needs unsafe deserialization (it contains "
                               f"code), so it is not loaded.",
                               "Only load models you made with nnstudio or trust.") from None
        raise ProjectError(f"The trained model {path.name} cannot be loaded: {first}",
                           "Train the project again and save it.") from None


def load_trained_parts(pd_doc: ProjectDocument) -> TrainedModel:
    """The trained model of a parsed project, with its preprocessing, history and run summary
    (ProjectError if none or if the sidecar is missing, altered or unsafe)."""
    t = pd_doc.trained
    name = pd_doc.path.name
    if not t:
        raise ProjectError(f"The project '{name}' has no trained model.",
                           f"Train it in the app and save, or run `nnstudio train {name} --save "
                           f"{name}`.")
    base = pd_doc.path.resolve().parent
    model_path = inside(base, t.get("model"), "trained model")
    history_path = inside(base, t["history"], "training history") if t.get("history") else None
    try:
        pre = FittedPreprocessor.from_dict(t["preprocessor"])
        summary = require_dict(t.get("summary", {}), "summary")
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ProjectError(f"The project's trained-model entry is invalid ({e}).",
                           "Train the project again and save it.") from None
    if not model_path.is_file():
        raise ProjectError(f"The trained model of '{name}' is missing: {model_path}.",
                           f"Copy the folder {sidecar_dir(pd_doc.path).name}/ together with the "
                           "project, or train again.")
    if t.get("model_sha256") and sha256_file(model_path) != t["model_sha256"]:
        raise ProjectError(f"The trained model file {model_path.name} does not belong to this "
                           "version of the project (it was changed or replaced).",
                           "Train the project again and save it.")
    model = load_keras(model_path)
    n_in = model.input_shape[-1] if model.input_shape else None
    if n_in != pre.n_outputs:
        raise ProjectError(f"The trained model expects {n_in} inputs but the project's "
                           f"preprocessing makes {pre.n_outputs}.", "Train the project again.")
    history: dict[str, list[float]] = {}
    if history_path is not None and history_path.is_file():
        try:
            h = json.loads(history_path.read_text(encoding="utf-8"))
            if h.get("format") == HISTORY_FORMAT:
                history = {str(k): [float("nan") if v is None else float(v) for v in vals]
                           for k, vals in h["history"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            history = {}
    return TrainedModel(model, pre, history=history, source_path=str(model_path), summary=summary)


def restore_result(tm: TrainedModel) -> TrainResult:
    """The :class:`~nnstudio.core.trained.TrainResult` a saved trained model describes."""
    return TrainResult.from_trained(tm)


#: ``TrainResult.path`` of a model trained by streaming a CSV from disk (``nnstudio train --stream``),
#: with a split and preprocessing of its own ("streaming-mirrored": the mirrored one, as files saved
#: before it had its own name call it). (The engine's in-memory "streaming" path uses the project's split, like "fast".)
CSV_STREAM_PATHS = ("csv-stream", "csv-stream-mirrored", "streaming-mirrored", "csv-stream-multi-worker")


def trained_on_a_split_of_its_own(summary: dict) -> bool:
    """Whether a saved model was trained on a CSV streamed from disk (not the project's split).

    Older files named that path plain "streaming", like the engine's in-memory streaming path;
    such a file is told apart by its preprocessing, which was fitted on other rows than the
    project's (:func:`open_project` compares them).
    """
    return str(summary.get("path", "")) in CSV_STREAM_PATHS


def write_sidecars(path: Path, result, preprocessor) -> tuple[dict, list[Path]]:
    """Write the model and history under new names; returns the ``trained`` entry and the files."""
    folder = sidecar_dir(path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as e:
        raise save_error(folder, e) from None
    remove_stale_temps(folder)
    tmp = temp_path(folder / "model", ".keras")
    try:
        result.model.save(str(tmp))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        digest = sha256_file(tmp)
        model_path = folder / f"model-{digest[:16]}.keras"
        os.replace(tmp, model_path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise save_error(folder, e) from None
    except (ValueError, TypeError) as e:
        tmp.unlink(missing_ok=True)
        raise ProjectError(f"The trained model cannot be saved: {str(e).splitlines()[0][:200]}",
                           "Save the project without the model, or export it instead.") from None
    hist = {"format": HISTORY_FORMAT, "version": 1, "history": jsonable(result.history),
            "lr_changes": [[int(e), float(lr)] for e, lr in result.lr_changes]}
    hbytes = encode(hist)
    history_path = folder / f"history-{hashlib.sha256(hbytes).hexdigest()[:16]}.json"
    atomic_write(history_path, hbytes)
    fsync_dir(folder)
    base = path.parent
    entry = {"model": model_path.relative_to(base).as_posix(), "model_sha256": digest,
             "history": history_path.relative_to(base).as_posix(),
             "preprocessor": jsonable(preprocessor.to_dict()), "summary": result_summary(result),
             "keras_version": _keras_version()}
    return entry, [model_path, history_path]


def _keras_version() -> str | None:
    try:
        return str(_keras().__version__)
    except ImportError:
        return None


def clean_sidecars(path: Path, keep: list[Path]) -> None:
    """After a successful save: delete sidecar files the new document no longer points to."""
    folder = sidecar_dir(path)
    if not folder.is_dir():
        return
    keep_names = {p.name for p in keep}
    for p in folder.iterdir():
        if p.name not in keep_names and re.match(r"^(model-[0-9a-f]{16}\.keras|"
                                                 r"history-[0-9a-f]{16}\.json)$", p.name):
            try:
                p.unlink()
            except OSError:
                pass
    try:
        folder.rmdir()  # only succeeds when empty
    except OSError:
        pass
