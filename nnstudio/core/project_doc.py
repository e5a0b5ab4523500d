"""The project document (``.nnstudio``): its format, versions and migrations, reading and parsing.

See :mod:`nnstudio.core.project_file` for the whole picture. ``"version"`` is :data:`VERSION`; older
documents are upgraded on load by the chain of functions in :data:`MIGRATIONS`, and a document
from a newer nnstudio is refused with a message saying so. Version 1 was the pre-release layout
(absolute data path, the network as compact text). Nothing here reads the data or the model.
"""
from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath

from nnstudio import __version__
from nnstudio.core import suffixes
from nnstudio.core.data.generate import Recipe
from nnstudio.core.data.preprocess_config import (
    CATEGORICAL_ENCODINGS,
    COLUMN_KINDS,
    MISSING_STRATEGIES,
    NUMERIC_SCALINGS,
    SPELLINGS,
    PreprocessConfig,
    SplitConfig,
)
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import DataError, NNStudioError, ProjectError
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.settings import (
    TrainSettings,
    check_threshold,  # lazy, like the other parsers here
)

FORMAT = "nnstudio-project"
#: The current document version (see the module docstring and :data:`MIGRATIONS`).
VERSION = 3  # 3: the run history (issue 17; see core.experiments.store)
SUFFIX = ".nnstudio"
#: A data path written in a project is followed only to a file with one of these suffixes; any
#: other (``../../etc/passwd``, a key, a device) is not read until the user chooses the file
#: themselves (:class:`UnlistedDataError`: the GUI's "locate" dialog, ``--data`` on the CLI).
DATA_SUFFIXES = suffixes.DATA


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


class WrongColumnsError(MissingDataError, DataError):
    """The project's data file is there but lacks columns the project uses (overwritten or edited
    since): the app offers to choose the file the project was made with, as for a moved one."""

    def __init__(self, project_path: Path, data_file: Path, message: str, hint: str) -> None:
        super().__init__(project_path, data_file, [])
        self.message, self.hint = message, hint
        self.args = (message,)


def inside(base: Path, relative, what: str) -> Path:
    """``base / relative`` when ``relative`` is a relative path that stays inside ``base`` (after
    resolving links); raises ProjectError otherwise (a path written in a project file never leads
    out of the project's folder)."""
    if not isinstance(relative, str) or not relative or "\0" in relative:  # no path holds a NUL
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
def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


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


def _v2_to_v3(doc: dict) -> dict:
    """v3 adds the run history (issue 17, :mod:`nnstudio.core.experiments`): a v2 project has none."""
    return {**doc, "runs": doc.get("runs") or [], "version": 3}


#: ``MIGRATIONS[v]`` upgrades a version-``v`` document to version ``v + 1``.
MIGRATIONS = {1: _v1_to_v2, 2: _v2_to_v3}


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
    data_kind: str  # example | csv | inline | generated
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


def require_dict(d, what: str) -> dict:
    if not isinstance(d, dict):
        raise TypeError(f"{what} must be an object, not {type(d).__name__}")
    return d


def parse_document(doc: dict, path: Path | str) -> ProjectDocument:
    """Turn a migrated document into typed parts (raises ProjectError naming the bad part)."""
    path = Path(path)

    def roles(d):
        d = require_dict(d, "roles")
        r = Roles.from_dict(d)
        if not r.target or not isinstance(d.get("features"), list):
            raise ValueError("a target and a list of features are needed")
        if not all(isinstance(v, str) for v in r.ignored.values()):
            raise ValueError("ignored columns need a reason text")
        return r

    def split(d):
        s = SplitConfig.from_dict(require_dict(d, "split"))
        s.check()
        return s

    def settings(d):
        return TrainSettings.from_dict(require_dict(d, "settings"))

    def preprocess(d):
        cfg = PreprocessConfig.from_dict(require_dict(d, "preprocessing"))
        allowed = {"numeric": NUMERIC_SCALINGS, "categorical": CATEGORICAL_ENCODINGS,
                   "missing": MISSING_STRATEGIES, "kind": COLUMN_KINDS, "spelling": SPELLINGS}
        if not isinstance(cfg.per_column, dict):
            raise ValueError("per-column choices must be an object")
        for where, choices in [("", vars(cfg)), *((f" of column '{c}'", require_dict(v, c))
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

    data = _section(doc, "data", lambda d: require_dict(d, "data"), "data source")
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
    elif kind == "generated":  # issue 21: the recipe, not the rows
        _section(data, "recipe", Recipe.from_dict, "data recipe")
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
    return check_threshold(v)


def read_project_document(path: Path | str) -> ProjectDocument:
    """Read and parse a project file without reading its data (fast; used by streaming)."""
    return parse_document(read_document(path), path)
