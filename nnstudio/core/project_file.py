"""Project files (``.nnstudio``): the whole session as one versioned JSON document.

A project file holds the data source (an example name, or a CSV path stored relative to the project
when possible), the column roles, the preprocessing choices, the split and its seed, the network
spec and the training settings. When a trained model is saved with it, the model and its history go
into a *sidecar* folder beside the file::

    churn.nnstudio                      the JSON document (this module's format)
    churn.trained/model-<hash>.keras    the trained network, saved by Keras (loaded in safe mode)
    churn.trained/history-<hash>.json   the training history (loss and metrics per epoch)

The document records the sidecar names and the model's SHA-256, and the fitted preprocessing, so a
trained project can predict for new raw rows even without its original CSV (see
:func:`load_trained`). Nothing is pickled: JSON for the document, Keras' own format for the model.

**Saves are atomic.** Every file is written to a temporary file in the same folder, flushed and
fsynced, then renamed over the old one (``os.replace``); new sidecars get new names and old ones
are deleted only after the document that points to them has been replaced. A crash or ``kill -9``
at any moment therefore leaves either the old project (with its old model) or the new one, never a
mix and never a truncated file.

**Versions.** ``"version"`` is :data:`VERSION`. Older documents are upgraded on load by the chain
of functions in :data:`MIGRATIONS`; a document from a newer nnstudio is refused with a message
saying so. Version 1 was the pre-release layout (absolute data path, the network as compact text).

Everything a user can get wrong (not a file, not JSON, not ours, from a newer version, damaged,
data moved) raises a typed :class:`~nnstudio.core.errors.NNStudioError`; a missing data file raises
:class:`MissingDataError`, which the GUI answers with a "locate the file" dialog and the CLI with
``--data PATH``.
"""
from __future__ import annotations

import io
import json
import os
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path, PurePath

import pandas as pd

from nnstudio import __version__
from nnstudio.core.atomic import FINGERPRINT_MAX_BYTES, atomic_write, fingerprint, remove_stale_temps
from nnstudio.core.data import csv as csv_mod
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.examples import get_example
from nnstudio.core.data.generate import SOURCE_PREFIX, Recipe, recipe_of
from nnstudio.core.data.spellings import renamed_columns_text
from nnstudio.core.errors import DataError, NNStudioError, ProjectError
from nnstudio.core.experiments import store as _runs
from nnstudio.core.experiments.store import runs_from_document, runs_section
from nnstudio.core.jsonsafe import jsonable
from nnstudio.core.project import Project
from nnstudio.core.project_doc import (
    DATA_SUFFIXES,
    FORMAT,
    MIGRATIONS,
    SUFFIX,
    VERSION,
    MissingDataError,
    ProjectDocument,
    UnlistedDataError,
    WrongColumnsError,
    migrate,
    now,
    read_document,
    read_project_document,
    sidecar_dir,
    with_suffix,
)
from nnstudio.core.project_model import (
    CSV_STREAM_PATHS,
    clean_sidecars,
    encode,
    load_trained_parts,
    restore_result,
    trained_on_a_split_of_its_own,
    write_sidecars,
)
from nnstudio.core.trained import TrainedModel

#: Data with no file behind it (not an example, not a CSV) is embedded as CSV text up to this size.
MAX_INLINE_BYTES = 20 * 2**20

#: The front door: what callers use (the parts live in atomic, project_doc and project_model).
__all__ = ["CSV_STREAM_PATHS", "DATA_SUFFIXES", "FINGERPRINT_MAX_BYTES", "FORMAT", "MIGRATIONS",
           "SUFFIX", "VERSION", "MissingDataError", "OpenedProject", "ProjectDocument", "Trained",
           "UnlistedDataError", "WrongColumnsError", "atomic_write", "build_document", "data_entry", "fingerprint",
           "load_project", "load_trained", "load_trained_parts", "migrate", "open_project",
           "read_document", "read_project_document", "restore_result", "save_project",
           "sidecar_dir", "with_suffix", "write_project"]


def read_csv_file(path: Path, options: dict | None = None):
    """A :class:`Dataset` from a CSV, read with the app's reader (with the saved options when they
    are valid)."""
    if options:
        try:
            opts = csv_mod.CsvOptions.from_dict(options)
        except (TypeError, ValueError, KeyError):
            opts = None
        if opts is not None:
            return csv_mod.read_csv(path, opts)
    return csv_mod.read_csv(path)


def _dataset(pd_doc: ProjectDocument, data_path: Path | str | None):
    """The project's Dataset (reads the CSV, builds the example, or parses embedded data)."""
    data = pd_doc.doc["data"]
    if pd_doc.data_kind == "example":
        if data_path is not None:
            return read_csv_file(Path(data_path), None)
        return get_example(pd_doc.example).dataset()
    if pd_doc.data_kind == "generated" and data_path is None:
        return Recipe.from_dict(data["recipe"]).dataset()
    if pd_doc.data_kind == "inline":
        try:
            frame = pd.read_csv(io.StringIO(data["csv"]))
        except (ValueError, pd.errors.ParserError) as e:
            raise ProjectError(f"The project's embedded data cannot be read: {e}.") from None
        return Dataset(frame, str(data.get("name") or "Embedded data"), None,
                       bool(data.get("synthetic", False)), str(data.get("note", "")))
    path = pd_doc.data_path(data_path)
    ds = read_csv_file(path, pd_doc.read_options)
    if data.get("synthetic"):
        ds.synthetic = True
    if data.get("note") and not ds.note:
        ds.note = str(data["note"])
    return ds


def _check_columns(project, path: Path) -> None:
    cols = set(project.dataset.columns)
    needed = [project.roles.target, *project.roles.features]
    missing = [c for c in needed if c not in cols]
    if missing:
        renamed = renamed_columns_text(missing, project.dataset.columns)
        message = (f"The data of project '{path.name}' has no column(s) "
                   f"{', '.join(repr(c) for c in missing[:5])}, which the project uses"
                   + (f"; {renamed}." if renamed else "."))
        hint = (("Rename those columns back in the file, or choose" if renamed else "Choose")
                + " the data file this project was made with")
        source = project.dataset.source
        if source and Path(source).is_file():  # a file: the app offers to choose the right one
            raise WrongColumnsError(path, Path(source), message, hint + " (the app asks for it; "
                                    "on the command line use --data PATH).")
        raise DataError(message, hint + ".")
    # columns the file gained since: ignored, with a reason the user can read
    known = set(needed) | set(project.roles.ignored)
    for c in project.dataset.columns:
        if c not in known:
            project.roles.ignored[c] = "not in the project when it was saved"


def load_project(path: Path | str, data_path: Path | str | None = None):
    """The :class:`~nnstudio.core.project.Project` saved in ``path`` (its data read, no model).

    ``data_path`` overrides the data file's location (after it moved). Raises
    :class:`MissingDataError` when the data file cannot be found.
    """
    d = read_project_document(path)
    ds = _dataset(d, data_path)
    project = Project(ds, d.roles, d.spec, d.settings, d.preprocess, d.split, d.task,
                      d.example if d.data_kind == "example" and data_path is None else None,
                      threshold=d.threshold)
    _check_columns(project, Path(path))
    project.runs = _runs_of(d)  # experiments (issue 17)
    return project


def _runs_of(d) -> list:  # experiments (issue 17): the project's run history

    return runs_from_document(d.doc, d.path)


@dataclass
class OpenedProject:
    """What :func:`open_project` returns to the GUI."""

    project: object  # Project
    result: object | None  # TrainResult of the saved trained model, when it could be restored
    warnings: list[str] = field(default_factory=list)
    data_relocated: bool = False  # the data was read from a new location (save to remember it)
    recovery: dict | None = None  # for autosaved recovery files: where the work came from
    #: the prepared data (or the NNStudioError preparing them raised), computed where the project
    #: was read: a million rows take seconds, which the GUI thread must not
    prepared: object | None = None


def _canonical(d) -> str:
    return json.dumps(jsonable(d), sort_keys=True)


def open_project(path: Path | str, data_path: Path | str | None = None,
                 load_model: bool = True) -> OpenedProject:
    """Load a project and, when it was saved trained, its model (for the GUI; call off the GUI
    thread: it reads the data and may import TensorFlow).

    The model is restored only when the preprocessing fitted on the data now matches the saved one
    exactly (same data, same choices); otherwise the project opens untrained with a warning.
    """
    path = Path(path)
    d = read_project_document(path)
    ds = _dataset(d, data_path)
    warnings: list[str] = []
    project = Project(ds, d.roles, d.spec, d.settings, d.preprocess, d.split, d.task,
                      d.example if d.data_kind == "example" and data_path is None else None,
                      threshold=d.threshold)
    _check_columns(project, path)
    project.runs = _runs_of(d)  # experiments (issue 17)
    fp = d.doc["data"].get("fingerprint")
    if d.data_kind == "csv" and isinstance(fp, dict) and ds.source and Path(ds.source).is_file():
        try:
            now = fingerprint(Path(ds.source))
        except OSError:
            now = fp
        if now.get("size") != fp.get("size") or (fp.get("sha256") and now.get("sha256")
                                                  and now["sha256"] != fp["sha256"]):
            warnings.append(f"The data file {Path(ds.source).name} has changed since the project "
                            "was saved.")
    result = None
    try:
        prepared = project.prepare_for_views()
    except NNStudioError as e:
        prepared = e
    if load_model and d.trained:
        try:
            parts = load_trained_parts(d)
            if isinstance(prepared, NNStudioError):
                raise prepared
            if trained_on_a_split_of_its_own(parts.summary):
                warnings.append("The saved model was trained by streaming the CSV, with a split "
                                "of its own, so the project opens untrained here; the model stays "
                                "in the project for the command line.")
            elif _canonical(prepared.preprocessor.to_dict()) != \
                    _canonical(parts.preprocessor.to_dict()):
                warnings.append("The saved model was trained on different data, so it was not "
                                "loaded: train again.")
            else:
                result = restore_result(parts)
        except NNStudioError as e:
            warnings.append(f"The trained model was not loaded: {e.user_text()}")
    recovery = d.doc.get("recovery") if isinstance(d.doc.get("recovery"), dict) else None
    return OpenedProject(project, result, warnings, data_path is not None, recovery, prepared)


@dataclass
class Trained:
    """A trained project for evaluation and prediction (:func:`load_trained`): the project's
    :class:`~nnstudio.core.trained.TrainedModel` with the project and its document.

    Unpacks as ``project, model, preprocessor = load_trained(path)``. ``project`` is ``None`` when
    the project's own data file is not available (not needed to evaluate on other data).
    """

    project: object | None
    trained: TrainedModel
    document: ProjectDocument

    def __iter__(self):
        return iter((self.project, self.model, self.preprocessor))

    @property
    def net(self):
        """The network on encoded inputs."""
        return self.trained.net

    model = net

    @property
    def preprocessor(self):
        """The fitted preprocessing: encodes raw rows exactly as in training."""
        return self.trained.preprocessor

    @property
    def history(self) -> dict[str, list[float]]:
        return self.trained.history

    @property
    def summary(self) -> dict:
        return self.trained.summary

    @property
    def settings(self):
        return self.document.settings

    @property
    def loss_name(self) -> str:
        """The loss the model was trained with."""
        return self.document.settings.loss_for(self.preprocessor.task)

    @property
    def threshold(self) -> float:
        """The project's decision threshold (two classes)."""
        return self.document.threshold


def load_trained(path: Path | str, data_path: Path | str | None = None,
                 require_data: bool = False) -> Trained:
    """The trained model of a project with the preprocessing it was trained with.

    For ``nnstudio evaluate PROJECT DATA.csv`` and ``nnstudio predict PROJECT DATA.csv``: encode the
    raw rows with ``preprocessor.transform(frame)`` (targets with ``encode_target``) and call the
    model. Raises ProjectError when the project has no (loadable) trained model.
    """
    d = read_project_document(path)
    parts = load_trained_parts(d)
    project = None
    try:
        ds = _dataset(d, data_path)
        project = Project(ds, d.roles, d.spec, d.settings, d.preprocess, d.split, d.task,
                          d.example if d.data_kind == "example" and data_path is None else None,
                          threshold=d.threshold)
        _check_columns(project, Path(path))
    except (MissingDataError, DataError):
        if require_data:
            raise
        project = None
    return Trained(project, parts, d)


# ----- writing -------------------------------------------------------------------------------------
def _relative(target: Path, base: Path) -> str | None:
    try:
        return PurePath(os.path.relpath(target, base)).as_posix()
    except ValueError:  # another drive (Windows)
        return None


def _read_options_of(dataset) -> dict | None:
    opts = getattr(dataset, "read_options", None) or getattr(dataset, "options", None)
    if opts is None:
        return None
    if hasattr(opts, "to_dict"):
        return jsonable(opts.to_dict())
    if is_dataclass(opts):
        return jsonable(asdict(opts))
    return jsonable(opts) if isinstance(opts, dict) else None


def data_entry(dataset, project_path: Path, example: str | None,
               with_fingerprint: bool = True) -> dict:
    """The ``data`` section for a dataset, its path relative to the project when possible."""
    src = dataset.source or ""
    if example and src == f"example:{example}":
        return {"kind": "example", "example": example, "name": dataset.name}
    if src.startswith("example:"):
        return {"kind": "example", "example": src.split(":", 1)[1], "name": dataset.name}
    if src.startswith(SOURCE_PREFIX):  # issue 21: a generated data set is saved as its recipe
        return {"kind": "generated", "recipe": recipe_of(dataset).to_dict(), "name": dataset.name}
    meta = {"name": dataset.name, "synthetic": bool(dataset.synthetic), "note": dataset.note}
    if src and Path(src).is_file():
        p = Path(src).resolve()
        out = {"kind": "csv", "path": _relative(p, project_path.resolve().parent),
               "absolute_path": str(p), **meta, "read_options": _read_options_of(dataset)}
        if with_fingerprint:
            out["fingerprint"] = fingerprint(p)
        return out
    text = dataset.frame.to_csv(index=False)
    if len(text.encode()) > MAX_INLINE_BYTES:
        raise ProjectError(f"The data '{dataset.name}' has no file and is too large to store in "
                           "the project.", "Save the data as a CSV file, open that, and save again.")
    return {"kind": "inline", "csv": text, **meta}


def build_document(project, path: Path | str, *, with_fingerprint: bool = True,
                   recovery: dict | None = None) -> dict:
    """The project as a JSON-able document for ``path`` (no trained section; see save_project)."""
    path = Path(path)
    doc = {
        "format": FORMAT, "version": VERSION, "app_version": __version__, "saved_at": now(),
        "name": project.dataset.name,
        "data": data_entry(project.dataset, path, project.example, with_fingerprint),
        "roles": jsonable(project.roles.to_dict()),
        "task": project.task_override.value if project.task_override is not None else None,
        "preprocessing": jsonable(project.preprocess.to_dict()),
        "split": jsonable(project.split.to_dict()),
        "network": jsonable(project.spec.to_dict()),
        "settings": jsonable(project.settings.to_dict()),
        "threshold": float(getattr(project, "threshold", 0.5)),  # issue 20: the decision threshold
        "trained": None,
        "runs": _runs_section(project),  # experiments (issue 17)
    }
    if recovery is not None:
        doc["recovery"] = jsonable(recovery)
    return doc


def _runs_section(project) -> list:  # experiments (issue 17)

    return runs_section(project)


def write_project(doc: dict, path: Path | str, result=None, preprocessor=None) -> Path:
    """Write a document built by :func:`build_document` (plus the trained model when ``result``
    is given, with the ``preprocessor`` it was trained with) atomically to ``path``."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ProjectError(f"Cannot save to {path}: the folder {path.parent} does not exist.",
                           "Choose an existing folder (File > Save As).")
    doc = dict(doc)
    keep: list[Path] = []
    if result is not None:
        if preprocessor is None:
            raise ProjectError("Internal error: a trained model must be saved with its "
                               "preprocessing.")
        doc["trained"], keep = write_sidecars(path, result, preprocessor)
    data = doc.get("data", {})
    if data.get("kind") == "csv" and "fingerprint" not in data and data.get("absolute_path"):
        try:
            doc["data"] = {**data, "fingerprint": fingerprint(Path(data["absolute_path"]))}
        except OSError:
            pass

    doc["runs"] = [dict(r) for r in doc.get("runs") or []]
    run_files = _runs.write_weights(path, doc)  # the runs' weights first, then the document
    try:
        encoded = encode(doc)
    except ValueError as e:
        raise ProjectError(f"The project cannot be saved: {e}.") from None
    remove_stale_temps(path.parent)
    atomic_write(path, encoded)
    clean_sidecars(path, keep)
    _runs.clean_weights(path, run_files)
    return path


def save_project(project, path: Path | str, result=None, preprocessor=None) -> Path:
    """Save ``project`` (and, when given, the trained ``result``) to ``path`` atomically.

    The trained model is only meaningful with the preprocessing it was trained with: pass it as
    ``preprocessor``, or it is recomputed from the project (deterministic: same data and choices).
    """
    path = Path(path)
    if result is not None and preprocessor is None:
        preprocessor = project.prepare().preprocessor
    doc = build_document(project, path, with_fingerprint=False)
    return write_project(doc, path, result, preprocessor)
