"""A run record: everything needed to tell what one training run was and how it went.

A :class:`RunRecord` is plain data with a JSON form (:meth:`RunRecord.to_dict` /
:meth:`RunRecord.from_dict`). It holds the network spec, the training settings and seed, the data's
identity (file + fingerprint, or example name) with its preprocessing and split, the history of every
metric, the final train / validation / test metrics, the duration, the parameter count, the status,
the parent run (for branching), a group (the runs of one Repeat or of one sweep configuration, which
differ only in seed) and a name and note the user may edit. Trained weights are kept in memory
(``weights``) and, once the project is saved, in a file beside it (``weights_file``; see
:mod:`nnstudio.core.experiments.store`).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import math
import secrets
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from nnstudio.core.atomic import fingerprint
from nnstudio.core.data.csv_options import VALUE_OPTIONS
from nnstudio.core.data.preprocess_config import SplitConfig
from nnstudio.core.errors import ProjectError
from nnstudio.core.health import Health
from nnstudio.core.jsonsafe import jsonable
from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import NetworkSpec, count_params
from nnstudio.core.timeline.snapshots import Timeline
from nnstudio.core.training.settings import TrainSettings

#: Metrics a run reports at the end, per split.
SPLITS = ("train", "val", "test")


def new_id() -> str:
    return secrets.token_hex(6)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _num(v):
    """A JSON-safe float (None for NaN / infinity)."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _split_of(saved) -> dict:
    """A run's split as saved, with the settings added since at the values they had then (runs
    saved before the split's 'order' held rows out at random)."""
    saved = dict(saved or {})
    return {**SplitConfig().to_dict(), **saved} if saved else saved


#: Each training setting's default (what a record that leaves a setting out ran with).
SETTING_DEFAULTS = {f.name: f.default for f in fields(TrainSettings) if f.default is not MISSING}


@dataclass
class RunRecord:
    id: str
    spec: dict  # NetworkSpec.to_dict()
    settings: dict  # TrainSettings.to_dict() (holds the seed too)
    data: dict  # identity: {"kind": "example"|"csv"|"inline", "name", "example"|"file", "fingerprint"}
    preprocess: dict = field(default_factory=dict)
    split: dict = field(default_factory=dict)
    task: str = ""
    target: str = ""
    features: list[str] = field(default_factory=list)
    history: dict[str, list] = field(default_factory=dict)
    final: dict[str, dict[str, float]] = field(default_factory=dict)  # split -> metric -> value
    epochs_run: int = 0
    seconds: float = 0.0
    params: int = 0
    status: str = "completed"
    message: str = ""
    name: str = ""
    note: str = ""
    created: str = field(default_factory=_now)
    source: str = "gui"  # gui | cli | sweep
    parent: str | None = None  # the run this one was branched from
    parent_epoch: int | None = None  # ... after this many of the parent's epochs (issue 19)
    group: str | None = None  # runs that differ only in seed (Repeat N, a sweep configuration)
    sweep: str | None = None  # the sweep it belongs to
    knobs: dict = field(default_factory=dict)  # a sweep configuration's knob values
    pinned: bool = False
    # not in the JSON as such: trained weights in memory, and where they are on disk
    weights: list | None = field(default=None, repr=False, compare=False)
    weights_file: Path | None = field(default=None, repr=False, compare=False)
    # the run's snapshots (core.timeline.Timeline) in memory, and their file (issue 19)
    timeline: object | None = field(default=None, repr=False, compare=False)
    timeline_file: Path | None = field(default=None, repr=False, compare=False)
    health: object | None = field(default=None, repr=False, compare=False)  # core.health.Health (memory only)

    @property
    def seed(self) -> int:
        return int(self.settings.get("seed", 0))

    @property
    def has_weights(self) -> bool:
        return self.weights is not None or (self.weights_file is not None
                                            and Path(self.weights_file).is_file())

    @property
    def has_timeline(self) -> bool:
        return self.timeline is not None or (self.timeline_file is not None
                                             and Path(self.timeline_file).is_file())

    def load_timeline(self):
        """The run's :class:`~nnstudio.core.timeline.snapshots.Timeline`; a ProjectError saying why
        when it kept none."""
        if self.timeline is None:
            if self.timeline_file is None or not Path(self.timeline_file).is_file():
                raise ProjectError(f"Run '{self.label()}' kept no snapshots.",
                                   "Snapshots are kept for pinned runs and the last 10 runs: pin a "
                                   "run to keep them, or train it again.")
            self.timeline = Timeline.load(self.timeline_file)
            if self.health is None and isinstance(self.timeline.health, dict):
                try:  # the health statistics saved with the snapshots (issue 19)
                    self.health = Health.from_state(self.timeline.health)
                except (KeyError, TypeError, ValueError):
                    self.health = None  # damaged: the snapshots still work
        return self.timeline

    def trained_on(self, project) -> bool:
        """Whether ``project`` has the data (its file read the same way), input columns,
        preprocessing, split and target this run was trained on (runs recorded without their
        columns or their reading: all but those)."""
        same_inputs = not self.features or list(self.features) == list(project.roles.features)
        read, now = self.data.get("read"), reading(read_of(project.dataset) or {})
        same_read = read is None or all(now.get(k) == v for k, v in reading(read).items())  # (the keys it knew)
        return same_inputs and same_read and (self.data.get("name"), self.preprocess, self.split, self.target) == (
            project.dataset.name, project.preprocess.to_dict(), project.split.to_dict(),
            project.roles.target)

    @property
    def curve_metric(self) -> str:
        """The metric its curves record beside the loss: 'mae' (a regression) or 'accuracy'."""
        return "mae" if "mae" in self.history else "accuracy"

    def setting(self, key: str):
        """The run's training setting ``key``; its default where the record leaves it out (an
        unweighted run's class weights, which files omit for older versions; older files)."""
        if key in (self.settings or {}):
            return self.settings[key]
        return SETTING_DEFAULTS.get(key)

    def metric(self, key: str) -> float | None:
        """``test_accuracy``, ``val_loss``, ``accuracy`` (train), ... or None."""
        for split in ("val", "test"):
            if key.startswith(split + "_"):
                return self.final.get(split, {}).get(key[len(split) + 1:])
        return self.final.get("train", {}).get(key)

    def label(self) -> str:
        return self.name or f"run {self.id[:6]}"

    # ----- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in (
            "id", "name", "note", "created", "source", "status", "message", "parent", "parent_epoch", "group",
            "sweep", "knobs", "pinned", "spec", "settings", "data", "preprocess", "split", "task",
            "target", "features", "history", "final", "epochs_run", "seconds", "params")}
        return jsonable(d)

    @classmethod
    def from_dict(cls, d: dict) -> RunRecord:
        if not isinstance(d, dict):
            raise ProjectError("A run in the project's history is invalid (not an object).",
                               "The file is damaged; restore it from a backup.")
        try:
            if not isinstance(d["id"], str) or not isinstance(d["spec"], dict) \
                    or not isinstance(d["settings"], dict):
                raise TypeError("id, spec and settings are needed")
            history = {str(k): [float("nan") if v is None else float(v) for v in vals]
                       for k, vals in (d.get("history") or {}).items()}
            final = {str(s): {str(k): (float("nan") if v is None else float(v))
                              for k, v in (m or {}).items()}
                     for s, m in (d.get("final") or {}).items()}
            return cls(
                id=d["id"], spec=d["spec"], settings=d["settings"], data=dict(d.get("data") or {}),
                preprocess=dict(d.get("preprocess") or {}), split=_split_of(d.get("split")),
                task=str(d.get("task") or ""), target=str(d.get("target") or ""),
                features=[str(f) for f in d.get("features") or []], history=history, final=final,
                epochs_run=int(d.get("epochs_run") or 0), seconds=float(d.get("seconds") or 0.0),
                params=int(d.get("params") or 0), status=str(d.get("status") or "completed"),
                message=str(d.get("message") or ""), name=str(d.get("name") or ""),
                note=str(d.get("note") or ""), created=str(d.get("created") or ""),
                source=str(d.get("source") or "gui"), parent=d.get("parent"),
                parent_epoch=None if d.get("parent_epoch") is None else int(d["parent_epoch"]),
                group=d.get("group"), sweep=d.get("sweep"), knobs=dict(d.get("knobs") or {}),
                pinned=bool(d.get("pinned", False)))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ProjectError(f"A run in the project's history is invalid ({e}).",
                               "The file is damaged; restore it from a backup.") from None

    # ----- the network, rebuilt -----------------------------------------------------------------
    def network(self):
        return NetworkSpec.from_dict(self.spec)

    def train_settings(self):
        return TrainSettings.from_dict(self.settings)

    def load_weights(self) -> list[np.ndarray] | None:
        """The trained weights (from memory, or from the run's weights file), or None."""
        if self.weights is not None:
            return self.weights
        if self.weights_file is None or not Path(self.weights_file).is_file():
            return None
        try:
            with np.load(self.weights_file, allow_pickle=False) as z:
                return [z[f"w{i}"] for i in range(len(z.files))]
        except (OSError, ValueError, KeyError) as e:
            raise ProjectError(f"The weights of run '{self.label()}' cannot be read: {e}.",
                               "Train the run again.") from None

    def build_model(self, data):
        """A Keras model of this run's network with its trained weights, for ``data`` (the same
        prepared data shape it was trained on). Raises ProjectError if its weights were not kept."""
        weights = self.load_weights()
        if weights is None:
            raise ProjectError(f"The trained weights of run '{self.label()}' were not kept.",
                               "Pin a run to keep its weights, or restore it and train again.")
        from nnstudio.core.training.program import build_lock  # noqa: PLC0415 -- lazy: a run's record loads without the engine

        with build_lock:  # Keras' random state is process-wide: builds take turns (engine, lanes)
            model = build_model(self.network(), data.n_inputs, data.task, data.n_classes,
                                seed=self.seed, output_start=data.output_start)
        try:
            model.set_weights(weights)
        except ValueError:
            raise ProjectError(f"Run '{self.label()}' was trained on data of another shape.",
                               "Open the data it was trained on.") from None
        return model


_DATA_FP_CACHE: dict[tuple, dict] = {}


def read_of(dataset) -> dict | None:
    """How ``dataset``'s file was read, as far as its values go (None: not read from a file)."""
    options = getattr(dataset, "csv_options", None)
    return None if options is None else {k: options[k] for k in VALUE_OPTIONS if k in options}


def reading(read: dict) -> dict:
    """A record of how a file was read, with what a record from before a reading option left out
    at its default: a column's own missing values, none."""
    return {**read, "missing_in": read.get("missing_in") or {}}


def data_identity(dataset, example: str | None = None) -> dict:
    """Where the data came from and a fingerprint of it (the file's size and SHA-256; cached by
    path, size and modification time so a sweep hashes the file once)."""
    src = dataset.source or ""
    if src.startswith("example:") or example:
        return {"kind": "example", "name": dataset.name,
                "example": example or src.split(":", 1)[1]}
    if src and Path(src).is_file():
        p = Path(src).resolve()
        st = p.stat()
        key = (str(p), st.st_size, st.st_mtime_ns)
        if key not in _DATA_FP_CACHE:
            _DATA_FP_CACHE[key] = fingerprint(p)
        out = {"kind": "csv", "name": dataset.name, "file": str(p), "fingerprint": _DATA_FP_CACHE[key]}
        read = read_of(dataset)
        return out if read is None else {**out, "read": read}

    import pandas as pd  # noqa: PLC0415 -- lazy: pandas loads only when this runs, not at start-up

    digest = hashlib.sha256(pd.util.hash_pandas_object(dataset.frame, index=False).values
                            .tobytes()).hexdigest()
    return {"kind": "inline", "name": dataset.name, "fingerprint": {"rows": dataset.n_rows,
                                                                    "sha256": digest}}


def final_metrics(result, data) -> dict[str, dict[str, float]]:
    """Train / validation / test metrics at the end of a run (last epoch's train and validation
    figures, as the curves show them; test measured by the engine)."""
    out: dict[str, dict[str, float]] = {"train": {}, "val": {}, "test": {}}
    for k, v in result.history.items():
        if not v:
            continue
        if k.startswith("val_"):
            out["val"][k[4:]] = float(v[-1])
        else:
            out["train"][k] = float(v[-1])
    out["test"] = {k: float(v) for k, v in (result.test or {}).items()}
    return {k: v for k, v in out.items() if v}


def record_of(result, project, data, *, source: str = "gui", spec=None, settings=None,
              params: int | None = None, group: str | None = None, sweep: str | None = None,
              knobs: dict | None = None, parent: str | None = None, name: str = "",
              keep_weights: bool = True, identity: dict | None = None, timeline=None,
              parent_epoch: int | None = None) -> RunRecord:
    """The record of a finished run (``result``: the engine's TrainResult) of ``project`` on its
    prepared ``data``. ``spec`` / ``settings`` default to the project's (a sweep passes its own)."""
    spec = spec if spec is not None else project.spec
    settings = replace(settings if settings is not None else project.settings, seed=int(result.seed))
    if params is None:
        params = count_params(spec, data.n_inputs, data.task, data.n_classes)
    trained = result.weights() if keep_weights else None
    weights = None if trained is None else [np.array(w) for w in trained]
    return RunRecord(
        id=new_id(), spec=spec.to_dict(), settings=settings.to_dict(),
        data=identity if identity is not None else data_identity(project.dataset, project.example),
        preprocess=project.preprocess.to_dict(), split=project.split.to_dict(),
        task=data.task.value, target=project.roles.target, features=list(project.roles.features),
        history={k: [float(x) for x in v] for k, v in result.history.items()},
        final=final_metrics(result, data), epochs_run=int(result.epochs_run),
        seconds=float(result.seconds), params=int(params), status=result.status,
        message=result.message, name=name, source=source, parent=parent, group=group,
        sweep=sweep, knobs=dict(knobs or {}), weights=weights, timeline=timeline,
        parent_epoch=parent_epoch)
