"""Recording a run's timeline while it trains, through the training control's report hook.

``Recorder(trainer).attach()`` adds a report hook to the trainer's
:class:`~nnstudio.core.training.control.TrainingControl`; at every report (the ones the loop
already makes: between compiled chunks of epochs) it copies the live model's variables and the
optimizer's into the :class:`Timeline`, and runs the optional ``probe`` (the health statistics,
:mod:`nnstudio.core.health`) on the same model. Nothing inside the compiled loop changes.

``every`` (optional) caps the epochs between reports (``Trainer.max_chunk_epochs``) so a short,
fast run still has a snapshot every ``every`` epochs; leave it None to record only the reports the
run makes anyway. Then a time ``budget`` (a share of the training time, 5 % by default) keeps
watching cheap enough to stay on: a report is skipped while what the recorder has spent is over
the budget of the time trained so far, and :meth:`Recorder.finish` keeps the run's last state if its
last report was skipped. The app's pace makes reports slow and the budget generous; a headless run
of a fraction of a second keeps a few snapshots (``tests/benchmarks/bench_health.py``).
"""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from nnstudio.core.health import HealthMonitor
from nnstudio.core.tf import tensorflow
from nnstudio.core.timeline.snapshots import DEFAULT_CAP_BYTES, Snapshot, Timeline


class Recorder:
    def __init__(self, trainer, *, cap_bytes: int = DEFAULT_CAP_BYTES, every: int | None = None,
                 probe: Callable[[int, object], None] | None = None, budget: float | None = None) -> None:
        self.trainer = trainer
        self.timeline = Timeline(cap_bytes=cap_bytes)
        self.every = every
        self.probe = probe
        self.budget = budget  # the share of training time the recorder may spend (None: no limit)
        self.spent = 0.0  # seconds spent recording
        self._since: float | None = None  # when the first report came (the compile is not counted)
        self._skipped: int | None = None  # the epoch of the last report skipped for the budget
        self._model = None  # the model the reports come with (the run's workhorse)

    def attach(self) -> Recorder:
        self.trainer.control.add_report_hook(self._on_report)
        if self.every:
            cap = self.trainer.max_chunk_epochs
            self.trainer.max_chunk_epochs = int(self.every) if cap is None else min(cap, int(self.every))
        return self

    def _on_report(self, done: int, model, state: str) -> None:
        if model is None or not hasattr(model, "variables"):
            return
        if self.timeline.snapshots and self.timeline.snapshots[-1].epoch == done \
                and state == "paused":
            return  # a pause reports the epoch already kept
        self._model = model  # the run's workhorse model: its reader is compiled already
        now = time.perf_counter()
        if self._since is None:
            self._since = now
        elif self.budget is not None and self.spent > self.budget * (now - self._since):
            self._skipped = int(done)
            return
        self._skipped = None
        self._record(done, model)
        self.spent += time.perf_counter() - now

    def finish(self, model=None) -> None:
        """After the run: keep its last state if the budget skipped its last report. The reports'
        own model holds the final weights (read with the reader compiled for it); ``model`` (the
        result's) is the fallback."""
        model = self._model if self._model is not None else model
        if self._skipped is not None and model is not None and hasattr(model, "variables"):
            t = time.perf_counter()
            self._record(self._skipped, model)
            self.spent += time.perf_counter() - t
            self._skipped = None

    def _record(self, done: int, model) -> None:
        variables = list(model.variables)
        if self.timeline.weight_index is None:
            ids = {id(w) for w in model.weights}
            self.timeline.weight_index = [i for i, v in enumerate(variables) if id(v) in ids]
        n = len(variables)
        direct = getattr(self.trainer, "snapshot_values", None)
        values = direct(model) if direct is not None else None  # the host engine's, no TF call
        if values is not None:
            optimizer = values[n:]
        else:
            opt = getattr(self.trainer, "optimizer", None)
            values = read_values(model, opt)
            optimizer = values[n:] if opt is not None else None
        self.timeline.add(Snapshot(int(done), values[:n], optimizer))
        if self.probe is not None:
            self.probe(int(done), model, [values[i] for i in self.timeline.weight_index])


#: compiled readers of a model's and its optimizer's variables, by (model, optimizer) identity: the
#: engine's workhorse models are cached, so each is traced once (one call instead of one eager read
#: per variable, which cost more than the statistics themselves)
_READERS: dict[tuple[int, int], tuple[object, object, object]] = {}


def read_values(model, opt=None) -> list[np.ndarray]:
    """Every value of ``model.variables`` then ``opt.variables``, as NumPy arrays, in one call."""
    key = (id(model), id(opt))
    entry = _READERS.get(key)
    if entry is None or entry[0] is not model or entry[1] is not opt:
        tf = tensorflow()
        variables = list(model.variables) + (list(opt.variables) if opt is not None else [])
        fn = tf.function(lambda: [tf.identity(v.value) for v in variables], autograph=False)
        if len(_READERS) >= 32:
            _READERS.clear()
        entry = _READERS[key] = (model, opt, fn)
    return [np.array(t) for t in entry[2]()]


#: the share of a run's training time watching it may cost (issue 19 asks for at most 10 %)
WATCH_BUDGET = 0.05


def app_every(epochs: int) -> int:
    """The app's snapshot interval: about 25 snapshots a run even at full speed, where a run makes
    only a few reports (the scrubber is for watching; a headless run keeps to the time budget)."""
    return max(1, int(epochs) // 25)


def record(trainer, **kw) -> Recorder:
    """A :class:`Recorder` attached to ``trainer`` (before :meth:`Trainer.run`)."""
    return Recorder(trainer, **kw).attach()


def default_every(epochs: int) -> int:
    """A snapshot at least every this many epochs: about 50 in a run."""
    return max(1, int(epochs) // 50)


def watch(trainer, *, every: int | None = None, cap_bytes: int = DEFAULT_CAP_BYTES,
          health: bool = True) -> Recorder:
    """Snapshots and (``health``) health points of ``trainer``'s run: a :class:`Recorder` whose
    ``probe`` is a :class:`~nnstudio.core.health.HealthMonitor` on the run's training rows
    (``recorder.probe.health``). By default only at the reports the run makes anyway (the app's
    pace makes them often; a headless run about every 0.05 s); ``every`` (e.g.
    :func:`default_every`) makes it report at least that often, at a cost on short runs
    (``tests/benchmarks/bench_health.py``)."""
    s, data = trainer.settings, trainer.data
    probe = HealthMonitor(data.X_train, data.y_train, s.loss_for(data.task)) if health else None
    rec = Recorder(trainer, cap_bytes=cap_bytes, probe=probe, every=every,
                   budget=None if every else WATCH_BUDGET).attach()
    if probe is not None:
        rec.timeline.health = probe.health  # saved with the snapshots
    return rec
