"""What "a trained model" is in nnstudio: one canonical type, and the run that made it.

:class:`TrainedModel` is **the** trained model: the network on encoded inputs (a ``keras.Model``,
as trained), the fitted preprocessing it was trained with, its training history, a summary of the
run and, when known, the metadata document an export writes and the data it was trained on.
Everything that keeps, restores or ships a trained model speaks it:

* a training run returns a :class:`TrainResult` — the record of that *run* (status, message,
  epochs, timings, test figures, learning-rate changes, which path trained it); its ``model`` is
  the network, and :meth:`TrainResult.trained` makes the TrainedModel once the preprocessing is
  known;
* a project file's trained model loads as a TrainedModel
  (:func:`nnstudio.core.project_file.load_trained_parts`); :class:`~nnstudio.core.project_file.Trained`
  (``nnstudio evaluate/predict PROJECT``) wraps one with its project and document, and the GUI's
  run is rebuilt from one (:func:`~nnstudio.core.project_file.restore_result`);
* an exported ``.keras`` file opens as a :class:`~nnstudio.core.model_file.LoadedModel` — the file's
  view (path, the raw-column model, metadata) — whose :func:`~nnstudio.core.model_file.trained_model`
  is a TrainedModel;
* every exporter (:mod:`nnstudio.core.export`) takes a TrainedModel.

(A hand-set network, :class:`nnstudio.core.handnet.HandNet`, is not trained: it is weights typed
in by hand, computed with NumPy, and never passes through these types.)
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from nnstudio.core.settings import epochs_text


@dataclass
class TrainedModel:
    """A trained network with everything needed to use, keep and describe it."""

    net: object  # keras.Model on encoded inputs, as trained
    preprocessor: object  # core.data.preprocess.FittedPreprocessor: raw rows -> the net's inputs
    meta: dict = field(default_factory=dict)  # the export metadata document, when built or read
    history: dict[str, list[float]] = field(default_factory=dict)
    data_frame: object | None = None  # the whole table it was trained on (pandas), when known
    source_path: str | None = None  # the file it came from (its CSV, or its saved model)
    summary: dict = field(default_factory=dict)  # the run: status, epochs_run, test, seed, path...

    @property
    def task(self):
        return self.preprocessor.task


#: ``TrainResult.path`` values: how the run trained.
PATHS = {
    "fast": "compiled chunks of epochs (the engine)",
    "population": "the engine's population program: several seeds of one network trained together",
    "population-host": "several seeds of one network trained together on the NumPy host engine "
                       "(their compiled population program not ready yet)",
    "streaming": "the engine's blocks of rows, for in-memory data too big for one tensor",
    "mirrored": "Keras fit under a MirroredStrategy (several devices)",
    "csv-stream": "Keras fit on a CSV streamed from disk, with a split of its own (--stream)",
    "csv-stream-mirrored": "the same under a MirroredStrategy",
    "multi-worker": "Keras fit under a MultiWorkerMirroredStrategy (several machines)",
    "csv-stream-multi-worker": "a streamed CSV, each worker reading its share, on several machines",
}


class Deferred:
    """A value made on its first use, once, whichever thread asks first (the others wait).

    A Repeat's result models are made so (issue 18): a Keras model costs 6-12 ms of interpreter
    time to build, and a Repeat's five are not all needed at once, or at all (``--repeat`` prints
    the figures); building them beside the training call took the core it needed."""

    def __init__(self, make: Callable[[], object], weights: list | None = None) -> None:
        """``weights``: the made model's ``get_weights()``, where they are known before it is
        made (:meth:`TrainResult.weights` reads them without making it)."""
        self._make: Callable[[], object] | None = make
        self._value: object = None
        self._lock = threading.Lock()
        self.weights = weights

    def get(self) -> object:
        with self._lock:
            if self._make is not None:
                self._value = self._make()
                self._make = None
            return self._value


class _Made:
    """A dataclass field whose value may be given as a :class:`Deferred`: reading it makes the
    value (once) and keeps it. A required field (no default)."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.slot[1:])  # dataclasses: no default
        value = obj.__dict__[self.slot]
        if isinstance(value, Deferred):
            value = obj.__dict__[self.slot] = value.get()
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


@dataclass
class TrainResult:
    """The record of one training run; ``model`` is the trained network (on encoded inputs),
    given as the model or as a :class:`Deferred` that makes it when first read."""

    model: object = _Made()  # keras.Model
    history: dict[str, list[float]]
    epochs_run: int
    status: str  # completed | stopped | early_stopped | diverged
    message: str
    seconds: float
    test: dict[str, float] = field(default_factory=dict)
    lr_changes: list[tuple[int, float]] = field(default_factory=list)  # (epoch, new lr)
    best_epoch: int | None = None
    seed: int = 0
    steps: int = 0  # optimizer steps taken (mini-batches)
    path: str = "fast"  # one of PATHS
    compiled: bool = False  # True when this run traced/compiled a new program (not from the cache)

    def weights(self) -> list | None:
        """The trained network's ``model.get_weights()`` (None: no model), without making a model
        the run deferred when its values are known (a Repeat records every seed's weights; few of
        its Keras models are ever asked for, at 6-12 ms of interpreter time apiece)."""
        raw = self.__dict__.get("_model")
        if isinstance(raw, Deferred) and raw.weights is not None:
            return raw.weights
        if "_weights" not in self.__dict__:  # once: a trained model is not changed afterwards,
            # and the app's worker reads them first (100,000 units: tenths of a second a copy)
            model = self.model
            self.__dict__["_weights"] = None if model is None else model.get_weights()
        return self.__dict__["_weights"]

    def summary(self) -> dict:
        """The run in plain JSON-able values (what a project file keeps beside the model)."""
        return {"status": self.status, "message": self.message,
                "epochs_run": int(self.epochs_run), "seconds": float(self.seconds),
                "test": {str(k): float(v) for k, v in self.test.items()},
                "seed": int(self.seed), "best_epoch": self.best_epoch, "steps": int(self.steps),
                "path": self.path, "lr_changes": [[int(e), float(lr)] for e, lr in self.lr_changes]}

    def trained(self, preprocessor, meta: dict | None = None, data_frame=None,
                source_path: str | None = None) -> TrainedModel:
        """The canonical :class:`TrainedModel` of this run, with the preprocessing it used."""
        return TrainedModel(self.model, preprocessor, dict(meta or {}), dict(self.history),
                            data_frame, source_path, self.summary())

    @classmethod
    def from_trained(cls, tm: TrainedModel) -> TrainResult:
        """The run record a saved TrainedModel describes (for a project reopened trained)."""
        s = tm.summary
        epochs_run = int(s.get("epochs_run")
                         or max((len(v) for v in tm.history.values()), default=0))
        return cls(
            model=tm.net, history=tm.history, epochs_run=epochs_run,
            status=str(s.get("status", "completed")),
            message=str(s.get("message") or f"Trained {epochs_text(epochs_run)}."),
            seconds=float(s.get("seconds") or 0.0),
            test={str(k): float(v) for k, v in (s.get("test") or {}).items() if v is not None},
            lr_changes=[(int(e), float(lr)) for e, lr in s.get("lr_changes", [])],
            best_epoch=s.get("best_epoch"), seed=int(s.get("seed") or 0),
            steps=int(s.get("steps") or 0), path=str(s.get("path", "fast")), compiled=False)
