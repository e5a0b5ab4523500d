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

import datetime as _dt
import hashlib
import io
import json
import math
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path, PurePath, PureWindowsPath

from nnstudio import __version__
from nnstudio.core.errors import DataError, NNStudioError, ProjectError

FORMAT = "nnstudio-project"
#: The current document version (see the module docstring and :data:`MIGRATIONS`).
VERSION = 2
SUFFIX = ".nnstudio"
HISTORY_FORMAT = "nnstudio-history"
#: Data with no file behind it (not an example, not a CSV) is embedded as CSV text up to this size.
MAX_INLINE_BYTES = 20 * 2**20
#: Data files up to this size get a SHA-256 fingerprint (bigger ones: size only, to keep saves fast).
FINGERPRINT_MAX_BYTES = 256 * 2**20
#: Temporary files of an interrupted save older than this are removed by the next save.
STALE_TEMP_SECONDS = 3600

_TEMP_RE = re.compile(r"^\..+\.[0-9a-f]{16}\.tmp(\.keras)?$")
#: A data path written in a project is followed only to a file with one of these suffixes; any
#: other (``../../etc/passwd``, a key, a device) is not read until the user chooses the file
#: themselves (:class:`UnlistedDataError`: the GUI's "locate" dialog, ``--data`` on the CLI).
DATA_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".tab")


class MissingDataError(ProjectError):
    """The project's data file is not where the project says (moved, renamed or on another machine).

    ``expected`` is where it was looked for; pass the new location as ``data_path`` to
    :func:`load_project` / :func:`open_project` (the GUI asks the user for it).
    """

    def __init__(self, project_path: Path, expected: Path, candidates: list[Path]) -> None:
        super().__init__(f"The data file of project '{Path(project_path).name}' was not found: "
                         f"{expected}.",
                         "Move it back, or give its new location (the app asks for it; on the "
                         "command line use --data PATH).")
        self.project_path = Path(project_path)
        self.expected = Path(expected)
        self.candidates = candidates
        self.file_name = PurePath(expected).name


class UnlistedDataError(MissingDataError):
    """The project names a data file that is not a data table (a system file, a key, a device):
    it is not read unless the user chooses it themselves (``data_path``)."""

    def __init__(self, project_path: Path, expected: Path, candidates: list[Path]) -> None:
        super().__init__(project_path, expected, candidates)
        self.message = (f"The project '{Path(project_path).name}' names {expected} as its data, "
                        f"which is not a data table file ({', '.join(DATA_SUFFIXES)}), so it was "
                        f"not read.")
        self.hint = ("If it is the right file, choose it yourself (the app asks for it; on the "
                     "command line use --data PATH).")
        self.args = (self.message,)


def inside(base: Path, relative, what: str) -> Path:
    """``base / relative`` when ``relative`` is a relative path that stays inside ``base`` (after
    resolving links); raises ProjectError otherwise (a path written in a project file never leads
    out of the project's folder)."""
    if not isinstance(relative, str) or not relative:
        raise ProjectError(f"The project's {what} entry is invalid.",
                           "Train the project again and save it.")
    posix, windows = PurePath(relative.replace("\\", "/")), PureWindowsPath(relative)
    target = (base / posix).resolve()
    if posix.is_absolute() or windows.is_absolute() or windows.drive or ".." in posix.parts \
            or not target.is_relative_to(base.resolve()):
        raise ProjectError(f"The project's {what} ({relative}) lies outside the project's folder, "
                           f"so it is not loaded.", "Train the project again and save it.")
    return target


# ----- small helpers ---------------------------------------------------------------------------------
def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _plain(x):
    """JSON-safe copy: NumPy scalars to Python, non-finite floats to None, dataclasses to dicts."""
    if is_dataclass(x) and not isinstance(x, type):
        return _plain(asdict(x))
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "item") and callable(x.item) and type(x).__module__ == "numpy":
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if hasattr(x, "value") and isinstance(getattr(x, "value"), str):  # enums
        return x.value
    return str(x)


def _sha256_file(path: Path, limit: int | None = None) -> str | None:
    size = path.stat().st_size
    if limit is not None and size > limit:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(path: Path) -> dict:
    """Size and (for files up to :data:`FINGERPRINT_MAX_BYTES`) SHA-256 of a data file."""
    path = Path(path)
    return {"size": path.stat().st_size, "sha256": _sha256_file(path, FINGERPRINT_MAX_BYTES)}


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fh, data: bytes) -> None:
    """Write ``data`` to an open binary file (a separate function so tests can slow it down)."""
    view = memoryview(data)
    for i in range(0, len(view), 1 << 16):
        fh.write(view[i:i + (1 << 16)])


def _temp_path(target: Path, suffix: str = "") -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp{suffix}")


def _save_error(path: Path, exc: OSError) -> ProjectError:
    reason = exc.strerror or type(exc).__name__
    if isinstance(exc, PermissionError):
        return ProjectError(f"Cannot save to {path}: permission denied.",
                            "Choose a folder you can write to (File > Save As).")
    if isinstance(exc, FileNotFoundError):
        return ProjectError(f"Cannot save to {path}: the folder does not exist.",
                            "Choose an existing folder (File > Save As).")
    return ProjectError(f"Cannot save to {path}: {reason}.",
                        "Check the disk has free space, or save somewhere else (File > Save As).")


def atomic_write(path: Path | str, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically: temp file in the same folder, fsync, rename.

    Raises :class:`ProjectError` on any OS error; the previous file is then untouched.
    """
    path = Path(path)
    tmp = _temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise _save_error(path, e) from None
    _fsync_dir(path.parent)


def _remove_stale_temps(folder: Path) -> None:
    """Delete temporary files left by an interrupted save (only ours, only old ones)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    now = time.time()
    for p in entries:
        if _TEMP_RE.match(p.name):
            try:
                if now - p.stat().st_mtime > STALE_TEMP_SECONDS:
                    p.unlink()
            except OSError:
                pass


def sidecar_dir(project_path: Path | str) -> Path:
    """The folder beside a project that holds its trained model and history."""
    p = Path(project_path)
    return p.with_name(f"{p.stem}.trained")


def with_suffix(path: Path | str) -> Path:
    """``path`` with the ``.nnstudio`` suffix added when it has none."""
    p = Path(path)
    return p if p.suffix.lower() == SUFFIX else p.with_name(p.name + SUFFIX)


# ----- migrations -------------------------------------------------------------------------------------
def _v1_to_v2(doc: dict) -> dict:
    """v1 (pre-release): ``data_path`` (absolute), ``example``, ``target``/``features``/``ignored``
    at top level, ``network`` as compact text (``dense:6:relu,dense:4:relu``), no trained model."""
    from nnstudio.core.model.spec import NetworkSpec  # noqa: PLC0415

    out = {k: v for k, v in doc.items()
           if k not in ("data_path", "example", "target", "features", "ignored", "network")}
    if doc.get("example"):
        out["data"] = {"kind": "example", "example": doc["example"]}
    elif doc.get("data_path"):
        out["data"] = {"kind": "csv", "path": None, "absolute_path": doc["data_path"]}
    else:
        raise ProjectError("This version 1 project names no data source.")
    out["roles"] = {"target": doc.get("target"), "features": doc.get("features", []),
                    "ignored": doc.get("ignored", {})}
    net = doc.get("network", "")
    out["network"] = NetworkSpec.parse(net).to_dict() if isinstance(net, str) else net
    out.setdefault("trained", None)
    out["version"] = 2
    return out


#: ``MIGRATIONS[v]`` upgrades a version-``v`` document to version ``v + 1``.
MIGRATIONS = {1: _v1_to_v2}


def migrate(doc: dict) -> dict:
    """Upgrade a parsed document to :data:`VERSION` (raises ProjectError for newer versions)."""
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"The project file has an invalid version ({version!r}).",
                           "The file is damaged; restore it from a backup.")
    if version > VERSION:
        made = doc.get("app_version")
        by = f" (saved by nnstudio {made})" if isinstance(made, str) else ""
        raise ProjectError(f"This project was saved by a newer nnstudio{by}: file format "
                           f"version {version}, but nnstudio {__version__} reads up to version "
                           f"{VERSION}.", "Update nnstudio to open it.")
    while doc["version"] < VERSION:
        v = doc["version"]
        try:
            doc = MIGRATIONS[v](doc)
        except NNStudioError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ProjectError(f"This version {v} project could not be upgraded: {e}.",
                               "The file is damaged; restore it from a backup.") from None
    return doc


# ----- reading ----------------------------------------------------------------------------------------
def read_document(path: Path | str) -> dict:
    """Read, check and migrate a project document (no data, no model loaded)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError(f"There is no project file at {path}.",
                           "Check the path, or open it with File > Open.") from None
    except IsADirectoryError:
        raise ProjectError(f"{path} is a folder, not a project file.",
                           "Choose a .nnstudio file.") from None
    except PermissionError:
        raise ProjectError(f"Cannot read {path}: permission denied.",
                           "Check the file's permissions.") from None
    except OSError as e:
        raise ProjectError(f"Cannot read {path}: {e.strerror or e}.") from None
    name = path.name
    not_ours = f"{name} is not an nnstudio project file"
    if raw[:4] == b"PK\x03\x04":
        raise ProjectError(f"{not_ours}: it is a zip archive (a Keras .keras model?).",
                           "Open a .nnstudio file; a trained .keras model is used with "
                           "`nnstudio evaluate` / `nnstudio predict`.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProjectError(f"{not_ours}: it is not text.", "Choose a .nnstudio file.") from None
    if not text.strip():
        raise ProjectError(f"{not_ours}: it is empty.",
                           "It may have been cut off while copying; use a backup.")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProjectError(f"{not_ours}: it is not valid JSON (line {e.lineno}, column {e.colno}: "
                           f"{e.msg}).", "The file is damaged or is not a project; restore it "
                           "from a backup.") from None
    except RecursionError:
        raise ProjectError(f"{not_ours}: its JSON is nested too deeply.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ProjectError(f"{not_ours}.", "Choose a file saved by nnstudio (File > Save).")
    return migrate(doc)


@dataclass
class ProjectDocument:
    """A checked, migrated document with its parts parsed (the data itself is not read yet)."""

    path: Path  # the project file
    doc: dict
    data_kind: str  # example | csv | inline
    example: str | None
    data_candidates: list[Path]  # where the CSV may be, in order (csv kind)
    roles: object  # Roles
    task: object  # Task | None
    preprocess: object  # PreprocessConfig
    split: object  # SplitConfig
    spec: object  # NetworkSpec
    settings: object  # TrainSettings
    read_options: dict | None = None
    threshold: float = 0.5  # the decision threshold of a two-class task (issue 20)

    @property
    def trained(self) -> dict | None:
        return self.doc.get("trained")

    def data_path(self, override: Path | str | None = None) -> Path:
        """The CSV file to read (``override`` first); raises MissingDataError if none exists."""
        if override is not None:
            p = Path(override).expanduser()
            if not p.is_file():
                raise DataError(f"There is no file at {p}.", "Choose the project's data file.")
            return p
        unlisted = [c for c in self.data_candidates if c.suffix.lower() not in DATA_SUFFIXES]
        if unlisted:  # checked before looking at the disk: the same answer on every machine
            raise UnlistedDataError(self.path, unlisted[0], self.data_candidates)
        for c in self.data_candidates:
            if c.is_file():
                return c
        raise MissingDataError(self.path, self.data_candidates[0], self.data_candidates)


def _section(doc: dict, key: str, parse, name: str):
    if key not in doc:
        raise ProjectError(f"The project file has no {name} (its '{key}' entry is missing).",
                           "The file is damaged; restore it from a backup.")
    try:
        return parse(doc[key])
    except NNStudioError as e:
        raise ProjectError(f"The project's {name} is invalid: {e.message}", e.hint) from None
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        detail = f"missing {e}" if isinstance(e, KeyError) else str(e).splitlines()[0][:200]
        raise ProjectError(f"The project's {name} is invalid ({detail}).",
                           "The file is damaged; restore it from a backup.") from None


def _require_dict(d, what: str) -> dict:
    if not isinstance(d, dict):
        raise TypeError(f"{what} must be an object, not {type(d).__name__}")
    return d


def parse_document(doc: dict, path: Path | str) -> ProjectDocument:
    """Turn a migrated document into typed parts (raises ProjectError naming the bad part)."""
    from nnstudio.core.data.preprocess import PreprocessConfig, SplitConfig  # noqa: PLC0415
    from nnstudio.core.data.roles import Roles  # noqa: PLC0415
    from nnstudio.core.model.spec import NetworkSpec, Task  # noqa: PLC0415
    from nnstudio.core.training.settings import TrainSettings  # noqa: PLC0415

    path = Path(path)

    def roles(d):
        d = _require_dict(d, "roles")
        r = Roles.from_dict(d)
        if not r.target or not isinstance(d.get("features"), list):
            raise ValueError("a target and a list of features are needed")
        if not all(isinstance(v, str) for v in r.ignored.values()):
            raise ValueError("ignored columns need a reason text")
        return r

    def split(d):
        s = SplitConfig.from_dict(_require_dict(d, "split"))
        s.check()
        return s

    def settings(d):
        return TrainSettings.from_dict(_require_dict(d, "settings"))

    def preprocess(d):
        from nnstudio.core.data import preprocess as pp  # noqa: PLC0415

        cfg = PreprocessConfig.from_dict(_require_dict(d, "preprocessing"))
        allowed = {"numeric": pp.NUMERIC_SCALINGS, "categorical": pp.CATEGORICAL_ENCODINGS,
                   "missing": pp.MISSING_STRATEGIES}
        if not isinstance(cfg.per_column, dict):
            raise ValueError("per-column choices must be an object")
        for where, choices in [("", vars(cfg)), *((f" of column '{c}'", _require_dict(v, c))
                                                   for c, v in cfg.per_column.items())]:
            for key, value in choices.items():
                if key in allowed and value not in allowed[key]:
                    raise ValueError(f"unknown {key} choice {value!r}{where}; use one of "
                                     f"{', '.join(allowed[key])}")
                if where and key not in allowed and key != "fill_value":
                    raise ValueError(f"unknown setting {key!r}{where}")
        if not isinstance(cfg.fill_value, (int, float, str)) or isinstance(cfg.fill_value, bool):
            raise ValueError("the fill value must be a number or a text")
        return cfg

    def task(v):
        return None if v is None else Task(v)

    data = _section(doc, "data", lambda d: _require_dict(d, "data"), "data source")
    kind = data.get("kind")
    example, candidates, read_options = None, [], None
    if kind == "example":
        example = data.get("example")
        if not isinstance(example, str) or not example:
            raise ProjectError("The project's data source names no example.",
                               "The file is damaged; restore it from a backup.")
    elif kind == "csv":
        rel, absolute = data.get("path"), data.get("absolute_path")
        if not isinstance(rel, (str, type(None))) or not isinstance(absolute, (str, type(None))) \
                or not (rel or absolute):
            raise ProjectError("The project's data source names no file.",
                               "The file is damaged; restore it from a backup.")
        base = path.resolve().parent
        for c in (base / rel if rel else None, Path(absolute) if absolute else None,
                  base / PurePath(rel or absolute.replace("\\", "/")).name):
            if c is not None and c not in candidates:
                candidates.append(c)
        read_options = data.get("read_options")
        if read_options is not None and not isinstance(read_options, dict):
            raise ProjectError("The project's CSV reading options are invalid.")
    elif kind == "inline":
        if not isinstance(data.get("csv"), str):
            raise ProjectError("The project's embedded data is missing.",
                               "The file is damaged; restore it from a backup.")
    else:
        raise ProjectError(f"The project's data source has an unknown kind ({kind!r}).",
                           "The file may be from a newer nnstudio; update nnstudio.")
    trained = doc.get("trained")
    if trained is not None and not isinstance(trained, dict):
        raise ProjectError("The project's trained-model entry is invalid.",
                           "The file is damaged; restore it from a backup.")
    return ProjectDocument(
        path=path, doc=doc, data_kind=kind, example=example, data_candidates=candidates,
        roles=_section(doc, "roles", roles, "column roles"),
        task=_section(doc, "task", task, "task") if "task" in doc else None,
        preprocess=_section(doc, "preprocessing", preprocess, "preprocessing"),
        split=_section(doc, "split", split, "train/validation/test split"),
        spec=_section(doc, "network", NetworkSpec.from_dict, "network"),
        settings=_section(doc, "settings", settings, "training settings"),
        read_options=read_options,
        threshold=_section(doc, "threshold", _threshold, "decision threshold") if "threshold" in doc else 0.5)


def _threshold(v) -> float:
    from nnstudio.core.threshold import check_threshold  # noqa: PLC0415

    return check_threshold(v)


def read_project_document(path: Path | str) -> ProjectDocument:
    """Read and parse a project file without reading its data (fast; used by streaming)."""
    return parse_document(read_document(path), path)


def read_csv_file(path: Path, options: dict | None = None):
    """A :class:`Dataset` from a CSV, with the app's reader when it is there (else pandas)."""
    from nnstudio.core.data.dataset import Dataset  # noqa: PLC0415

    try:
        from nnstudio.core.data import csv as csv_mod  # noqa: PLC0415
    except ImportError:
        csv_mod = None
    if csv_mod is not None and hasattr(csv_mod, "read_csv"):
        opts_cls = getattr(csv_mod, "CsvOptions", None) or getattr(csv_mod, "ReadOptions", None)
        if options and opts_cls is not None and hasattr(opts_cls, "from_dict"):
            try:
                opts = opts_cls.from_dict(options)
            except (TypeError, ValueError, KeyError):
                opts = None
            if opts is not None:
                return csv_mod.read_csv(path, opts)
        return csv_mod.read_csv(path)
    import pandas as pd  # noqa: PLC0415

    try:
        frame = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise DataError(f"Cannot read {path.name} as CSV: {str(e).splitlines()[0][:200]}",
                        "Check it is a comma-separated text file with a header row.") from None
    except OSError as e:
        raise DataError(f"Cannot read {path}: {e.strerror or e}.") from None
    return Dataset(frame, path.stem, source=str(path))


def _dataset(pd_doc: ProjectDocument, data_path: Path | str | None):
    """The project's Dataset (reads the CSV, builds the example, or parses embedded data)."""
    from nnstudio.core.data.dataset import Dataset  # noqa: PLC0415
    from nnstudio.core.data.examples import get_example  # noqa: PLC0415

    data = pd_doc.doc["data"]
    if pd_doc.data_kind == "example":
        if data_path is not None:
            return read_csv_file(Path(data_path), None)
        return get_example(pd_doc.example).dataset()
    if pd_doc.data_kind == "inline":
        import pandas as pd  # noqa: PLC0415

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
        raise DataError(f"The data of project '{path.name}' has no column(s) "
                        f"{', '.join(repr(c) for c in missing[:5])}, which the project uses.",
                        "Choose the data file this project was made with.")
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
    from nnstudio.core.project import Project  # noqa: PLC0415

    d = read_project_document(path)
    ds = _dataset(d, data_path)
    project = Project(ds, d.roles, d.spec, d.settings, d.preprocess, d.split, d.task,
                      d.example if d.data_kind == "example" and data_path is None else None)
    _check_columns(project, Path(path))
    return project


# ----- trained model ------------------------------------------------------------------------------
def _result_summary(result) -> dict:
    return {"status": result.status, "message": result.message, "epochs_run": int(result.epochs_run),
            "seconds": float(result.seconds), "test": _plain(dict(result.test)),
            "seed": int(result.seed), "best_epoch": result.best_epoch, "steps": int(result.steps),
            "path": getattr(result, "path", "fast"),
            "lr_changes": [[int(e), float(lr)] for e, lr in result.lr_changes]}


def _load_keras(path: Path):
    from nnstudio.core.tf import keras  # noqa: PLC0415

    try:
        return keras().saving.load_model(str(path), compile=False, safe_mode=True)
    except (ValueError, TypeError, KeyError, OSError) as e:
        first = (str(e).splitlines() or [""])[0][:200]
        if "safe_mode" in str(e) or "lambda" in str(e).lower():
            raise ProjectError(f"The model {path.name} needs unsafe deserialization (it contains "
                               f"code), so it is not loaded.",
                               "Only load models you made with nnstudio or trust.") from None
        raise ProjectError(f"The trained model {path.name} cannot be loaded: {first}",
                           "Train the project again and save it.") from None


@dataclass
class TrainedParts:
    """What :func:`load_trained_parts` reads: the model, its fitted preprocessing and history."""

    model: object
    preprocessor: object  # FittedPreprocessor
    history: dict[str, list[float]]
    summary: dict
    model_path: Path


def load_trained_parts(pd_doc: ProjectDocument) -> TrainedParts:
    """Load the trained model, preprocessing and history of a parsed project (ProjectError if none
    or if the sidecar is missing, altered or unsafe)."""
    from nnstudio.core.data.preprocess import FittedPreprocessor  # noqa: PLC0415

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
        summary = _require_dict(t.get("summary", {}), "summary")
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ProjectError(f"The project's trained-model entry is invalid ({e}).",
                           "Train the project again and save it.") from None
    if not model_path.is_file():
        raise ProjectError(f"The trained model of '{name}' is missing: {model_path}.",
                           f"Copy the folder {sidecar_dir(pd_doc.path).name}/ together with the "
                           "project, or train again.")
    if t.get("model_sha256") and _sha256_file(model_path) != t["model_sha256"]:
        raise ProjectError(f"The trained model file {model_path.name} does not belong to this "
                           "version of the project (it was changed or replaced).",
                           "Train the project again and save it.")
    model = _load_keras(model_path)
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
    return TrainedParts(model, pre, history, summary, model_path)


def restore_result(parts: TrainedParts):
    """A :class:`~nnstudio.core.training.engine.TrainResult` equivalent to the saved one."""
    from nnstudio.core.training.engine import TrainResult  # noqa: PLC0415

    s = parts.summary
    epochs_run = int(s.get("epochs_run") or max((len(v) for v in parts.history.values()), default=0))
    return TrainResult(
        model=parts.model, history=parts.history, epochs_run=epochs_run,
        status=str(s.get("status", "completed")),
        message=str(s.get("message") or f"Trained {epochs_run} epochs."),
        seconds=float(s.get("seconds") or 0.0),
        test={str(k): float(v) for k, v in (s.get("test") or {}).items() if v is not None},
        lr_changes=[(int(e), float(lr)) for e, lr in s.get("lr_changes", [])],
        best_epoch=s.get("best_epoch"), seed=int(s.get("seed") or 0), steps=int(s.get("steps") or 0),
        path=str(s.get("path", "fast")), compiled=False)


@dataclass
class OpenedProject:
    """What :func:`open_project` returns to the GUI."""

    project: object  # Project
    result: object | None  # TrainResult of the saved trained model, when it could be restored
    warnings: list[str] = field(default_factory=list)
    data_relocated: bool = False  # the data was read from a new location (save to remember it)
    recovery: dict | None = None  # for autosaved recovery files: where the work came from


def _canonical(d) -> str:
    return json.dumps(_plain(d), sort_keys=True)


def open_project(path: Path | str, data_path: Path | str | None = None,
                 load_model: bool = True) -> OpenedProject:
    """Load a project and, when it was saved trained, its model (for the GUI; call off the GUI
    thread: it reads the data and may import TensorFlow).

    The model is restored only when the preprocessing fitted on the data now matches the saved one
    exactly (same data, same choices); otherwise the project opens untrained with a warning.
    """
    from nnstudio.core.project import Project  # noqa: PLC0415

    path = Path(path)
    d = read_project_document(path)
    ds = _dataset(d, data_path)
    warnings: list[str] = []
    project = Project(ds, d.roles, d.spec, d.settings, d.preprocess, d.split, d.task,
                      d.example if d.data_kind == "example" and data_path is None else None,
                      d.threshold)
    _check_columns(project, path)
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
    if load_model and d.trained:
        try:
            parts = load_trained_parts(d)
            prepared = project.prepare()
            if str(parts.summary.get("path", "")).startswith("streaming"):
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
    return OpenedProject(project, result, warnings, data_path is not None, recovery)


@dataclass
class Trained:
    """A trained project for evaluation and prediction (:func:`load_trained`).

    Unpacks as ``project, model, preprocessor = load_trained(path)``. ``project`` is ``None`` when
    the project's own data file is not available (not needed to evaluate on other data).
    """

    project: object | None
    model: object
    preprocessor: object  # FittedPreprocessor: encodes raw rows exactly as in training
    history: dict[str, list[float]]
    summary: dict
    document: ProjectDocument

    def __iter__(self):
        return iter((self.project, self.model, self.preprocessor))

    @property
    def net(self):
        """The network on encoded inputs (the name model_file.LoadedModel uses)."""
        return self.model

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
    from nnstudio.core.project import Project  # noqa: PLC0415

    d = read_project_document(path)
    parts = load_trained_parts(d)
    project = None
    try:
        ds = _dataset(d, data_path)
        project = Project(ds, d.roles, d.spec, d.settings, d.preprocess, d.split, d.task,
                          d.example if d.data_kind == "example" and data_path is None else None,
                          d.threshold)
        _check_columns(project, Path(path))
    except (MissingDataError, DataError):
        if require_data:
            raise
        project = None
    return Trained(project, parts.model, parts.preprocessor, parts.history, parts.summary, d)


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
        return _plain(opts.to_dict())
    if is_dataclass(opts):
        return _plain(asdict(opts))
    return _plain(opts) if isinstance(opts, dict) else None


def data_entry(dataset, project_path: Path, example: str | None,
               with_fingerprint: bool = True) -> dict:
    """The ``data`` section for a dataset, its path relative to the project when possible."""
    src = dataset.source or ""
    if example and src == f"example:{example}":
        return {"kind": "example", "example": example, "name": dataset.name}
    if src.startswith("example:"):
        return {"kind": "example", "example": src.split(":", 1)[1], "name": dataset.name}
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
        "format": FORMAT, "version": VERSION, "app_version": __version__, "saved_at": _now(),
        "name": project.dataset.name,
        "data": data_entry(project.dataset, path, project.example, with_fingerprint),
        "roles": _plain(project.roles.to_dict()),
        "task": project.task_override.value if project.task_override is not None else None,
        "preprocessing": _plain(project.preprocess.to_dict()),
        "split": _plain(project.split.to_dict()),
        "network": _plain(project.spec.to_dict()),
        "settings": _plain(project.settings.to_dict()),
        "threshold": float(getattr(project, "threshold", 0.5)),  # issue 20: the decision threshold
        "trained": None,
    }
    if recovery is not None:
        doc["recovery"] = _plain(recovery)
    return doc


def _encode(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _write_sidecars(path: Path, result, preprocessor) -> tuple[dict, list[Path]]:
    """Write the model and history under new names; returns the ``trained`` entry and the files."""
    folder = sidecar_dir(path)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as e:
        raise _save_error(folder, e) from None
    _remove_stale_temps(folder)
    tmp = _temp_path(folder / "model", ".keras")
    try:
        result.model.save(str(tmp))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        digest = _sha256_file(tmp)
        model_path = folder / f"model-{digest[:16]}.keras"
        os.replace(tmp, model_path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise _save_error(folder, e) from None
    except (ValueError, TypeError) as e:
        tmp.unlink(missing_ok=True)
        raise ProjectError(f"The trained model cannot be saved: {str(e).splitlines()[0][:200]}",
                           "Save the project without the model, or export it instead.") from None
    hist = {"format": HISTORY_FORMAT, "version": 1, "history": _plain(result.history),
            "lr_changes": [[int(e), float(lr)] for e, lr in result.lr_changes]}
    hbytes = _encode(hist)
    history_path = folder / f"history-{hashlib.sha256(hbytes).hexdigest()[:16]}.json"
    atomic_write(history_path, hbytes)
    _fsync_dir(folder)
    base = path.parent
    entry = {"model": model_path.relative_to(base).as_posix(), "model_sha256": digest,
             "history": history_path.relative_to(base).as_posix(),
             "preprocessor": _plain(preprocessor.to_dict()), "summary": _result_summary(result),
             "keras_version": _keras_version()}
    return entry, [model_path, history_path]


def _keras_version() -> str | None:
    try:
        from nnstudio.core.tf import keras  # noqa: PLC0415

        return str(keras().__version__)
    except ImportError:
        return None


def _clean_sidecars(path: Path, keep: list[Path]) -> None:
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
        doc["trained"], keep = _write_sidecars(path, result, preprocessor)
    data = doc.get("data", {})
    if data.get("kind") == "csv" and "fingerprint" not in data and data.get("absolute_path"):
        try:
            doc["data"] = {**data, "fingerprint": fingerprint(Path(data["absolute_path"]))}
        except OSError:
            pass
    try:
        encoded = _encode(doc)
    except ValueError as e:
        raise ProjectError(f"The project cannot be saved: {e}.") from None
    _remove_stale_temps(path.parent)
    atomic_write(path, encoded)
    _clean_sidecars(path, keep)
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
