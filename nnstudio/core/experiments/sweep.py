"""Sweeps: vary named knobs over a grid (or a random sample of it), times a number of seeds.

The grid text is ``knob=v1,v2;knob=v1,v2`` (``layers`` separates its values with ``|``, because a
stack itself holds commas). Knobs:

=============  ==========================================================================
``lr``         learning rate (alias ``learning_rate``)
``optimizer``  adam, sgd, rmsprop, adagrad, adamax, nadam
``batch_size`` a number (mini-batch), or ``full`` (full-batch) or ``stochastic`` (batch 1)
``batch_mode`` mini-batch, full-batch, stochastic
``epochs``     a whole number
``dropout``    a rate after every hidden Dense layer (existing Dropout layers are replaced;
               0 means no dropout)
``l2``         L2 penalty of every hidden Dense layer
``activation`` activation of every hidden Dense layer
``units``      units of every hidden Dense layer
``layers``     whole hidden stacks in the ``--layers`` text form, e.g.
               ``layers=|dense:6:relu|dense:6:relu,dense:4:relu`` (the empty one: no hidden layer)
=============  ==========================================================================

Knobs are applied in this order: ``layers``, ``units``, ``activation``, ``l2``, ``dropout``, then the
training settings. Configurations are the grid's product in the order written, the first knob
varying slowest: ``dropout=0,0.2;lr=0.001,0.01`` gives (0, 0.001), (0, 0.01), (0.2, 0.001),
(0.2, 0.01). ``random=N`` picks N distinct configurations of the grid (seeded), in grid order.
Each configuration runs with seeds 0..S-1 and is one *group*.

The engine compiles one program per architecture and data shape and reuses it for every
learning rate, seed, optimizer state and epoch count (the learning rate is a variable of the
program), so a sweep pays one compile per distinct network, not one per run; and a network whose
runs take less on the NumPy host engine (:mod:`nnstudio.core.training.host`) than a compile pays
none: its runs train there, the same runs without a compile
(:mod:`nnstudio.core.training.host_runs`).
The seeds of a configuration train together as one population program when they can.
"""
from __future__ import annotations

import itertools
import json
import random as _random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from nnstudio.core.errors import NNStudioError, SettingsError, SpecError
from nnstudio.core.experiments import stats
from nnstudio.core.experiments.record import RunRecord, data_identity, new_id, record_of
from nnstudio.core.experiments.sweep_summary import summary_lines
from nnstudio.core.experiments.tensorboard import RunWriter
from nnstudio.core.model.build import build_model
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, count_params, validate
from nnstudio.core.registry import TRAINABLE_ACTIVATIONS as ACTIVATIONS
from nnstudio.core.training import population
from nnstudio.core.training.host_runs import HostOrCompile
from nnstudio.core.training.program import build_lock
from nnstudio.core.training.settings import BATCH_MODES, OPTIMIZERS

KNOBS = ("lr", "optimizer", "batch_size", "batch_mode", "epochs", "dropout", "l2", "activation",
         "units", "layers")
ALIASES = {"learning_rate": "lr", "batch": "batch_size", "batch-size": "batch_size",
           "batch-mode": "batch_mode", "hidden": "layers"}
_ORDER = ("layers", "units", "activation", "l2", "dropout")
#: What a grid looks like (the hint of every grid mistake; the sweep dialog shows the syntax itself).
GRID_HINT = ('Write knob=value,value;knob=value, e.g. "dropout=0,0.2;lr=0.001,0.01". Knobs: '
         + ", ".join(KNOBS) + ".")


def _parse_value(knob: str, text: str):
    t = text.strip()
    try:
        if knob in ("lr",):
            v = float(t)
            if not 0 < v <= 100:
                raise ValueError
            return v
        if knob in ("dropout",):
            v = float(t)
            if not 0 <= v < 1:
                raise ValueError
            return v
        if knob == "l2":
            v = float(t)
            if v < 0:
                raise ValueError
            return v
        if knob in ("epochs", "units"):
            v = int(t)
            if v < 1:
                raise ValueError
            return v
        if knob == "batch_size":
            low = t.lower()
            if low in ("full", "full-batch"):
                return "full"
            if low == "stochastic":
                return "stochastic"
            v = int(t)
            if v < 1:
                raise ValueError
            return v
    except ValueError:
        want = {"lr": "a number above 0", "dropout": "a rate from 0 to below 1",
                "l2": "a number of at least 0", "epochs": "a whole number of at least 1",
                "units": "a whole number of at least 1",
                "batch_size": "a whole number, 'full' or 'stochastic'"}[knob]
        raise SettingsError(f"Sweep knob {knob}: '{t}' is not {want}.", GRID_HINT) from None
    if knob == "optimizer":
        if t.lower() not in OPTIMIZERS:
            raise SettingsError(f"Sweep knob optimizer: unknown optimizer '{t}'.",
                                f"Use one of: {', '.join(OPTIMIZERS)}.")
        return t.lower()
    if knob == "batch_mode":
        if t.lower() not in BATCH_MODES:
            raise SettingsError(f"Sweep knob batch_mode: unknown mode '{t}'.",
                                f"Use one of: {', '.join(BATCH_MODES)}.")
        return t.lower()
    if knob == "activation":
        if t.lower() not in ACTIVATIONS:
            raise SettingsError(f"Sweep knob activation: unknown activation '{t}'.",
                                f"Use one of: {', '.join(ACTIVATIONS)}.")
        return t.lower()
    if knob == "layers":
        NetworkSpec.parse(t)  # raises SpecError naming the bad layer
        return t
    raise SettingsError(f"Unknown sweep knob '{knob}'.", GRID_HINT)


def parse_grid(text: str) -> dict[str, list]:
    """``"dropout=0,0.2;lr=0.001,0.01"`` -> ``{"dropout": [0.0, 0.2], "lr": [0.001, 0.01]}``."""
    grid: dict[str, list] = {}
    if not (text or "").strip():
        raise SettingsError("The sweep grid is empty.", GRID_HINT)
    for part in text.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise SettingsError(f"Sweep grid: '{part.strip()}' has no '='.", GRID_HINT)
        name, _, values = part.partition("=")
        knob = name.strip().lower()
        knob = ALIASES.get(knob, knob)
        if knob not in KNOBS:
            raise SettingsError(f"Unknown sweep knob '{name.strip()}'.", GRID_HINT)
        if knob in grid:
            raise SettingsError(f"Sweep knob {knob} is given twice.", "Give each knob once.")
        items = values.split("|") if knob == "layers" else values.split(",")
        if knob != "layers" and any(not v.strip() for v in items):
            raise SettingsError(f"Sweep knob {knob}: an empty value in '{values.strip()}'.", GRID_HINT)
        vals = [_parse_value(knob, v) for v in items]
        if len(set(map(repr, vals))) != len(vals):
            raise SettingsError(f"Sweep knob {knob} repeats a value.", "Give each value once.")
        grid[knob] = vals
    if not grid:
        raise SettingsError("The sweep grid is empty.", GRID_HINT)
    return grid


def expand(grid: dict[str, list], random: int | None = None, seed: int = 0) -> list[dict]:
    """The configurations of ``grid`` (see the module docstring for the order), or ``random`` of
    them picked without replacement (all of them when the grid is no bigger)."""
    names = list(grid)
    configs = [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]
    if random is not None:
        if random < 1:
            raise SettingsError("--random needs at least 1 configuration.")
        if random < len(configs):
            picked = sorted(_random.Random(seed).sample(range(len(configs)), random))
            configs = [configs[i] for i in picked]
    return configs


def knob_text(knob: str, value) -> str:
    if knob == "layers":
        return f"layers={value or '(none)'}"
    if isinstance(value, float):
        return f"{knob}={value:g}"
    return f"{knob}={value}"


def label_of(knobs: dict) -> str:
    return ", ".join(knob_text(k, v) for k, v in knobs.items()) or "as set"


def repeated(spec, settings, configs: list[dict]) -> list[str]:
    """A sentence for each configuration that trains the same network with the same settings as
    an earlier one: its runs would only repeat that one's (dropout on a network with no hidden
    layer, say). Said before a sweep runs, and after (:func:`finish`)."""
    items = []
    for knobs in configs:
        try:
            items.append((knobs, *apply_knobs(spec, settings, knobs)))
        except NNStudioError:
            continue  # a bad configuration is refused with its own message
    return _repeats(items)


#: Why a knob changes nothing on a network with no hidden Dense layer.
_IDLE_WITHOUT_HIDDEN = {
    "dropout": "Dropout follows hidden Dense layers, and this network has none",
    "units": "there is no hidden Dense layer to size", "activation": "there is no hidden Dense layer",
    "l2": "there is no hidden Dense layer to penalise"}


def _repeats(items: list[tuple[dict, object, object]]) -> list[str]:
    """:func:`repeated` of (knobs, network, settings) triples."""
    seen: dict[str, dict] = {}
    out = []
    for knobs, net, st in items:
        first = seen.setdefault(repr((net, st)), knobs)
        if first is knobs:
            continue
        idle = [k for k in knobs if knobs[k] != first.get(k)]
        bare = not any(layer.kind == "dense" for layer in net.hidden)
        reasons = [_IDLE_WITHOUT_HIDDEN[k] for k in idle if bare and k in _IDLE_WITHOUT_HIDDEN]
        out.append(f"{label_of(knobs)} trains the same network with the same settings as "
                   f"{label_of(first)}: {', '.join(idle) or 'its knobs'} change"
                   f"{'s' if len(idle) == 1 else ''} nothing there"
                   + (f" ({'; '.join(reasons)})." if reasons else "."))
    return out


def apply_knobs(spec, settings, knobs: dict):
    """A new (spec, settings) with a configuration's knob values applied."""
    spec = spec.copy()
    for knob in _ORDER:
        if knob not in knobs:
            continue
        v = knobs[knob]
        if knob == "layers":
            parsed = NetworkSpec.parse(v)
            spec = NetworkSpec(parsed.hidden, parsed.output or spec.output)
        elif knob == "dropout":
            hidden = []
            for layer in spec.hidden:
                if layer.kind == "dropout":
                    continue
                hidden.append(layer)
                if layer.kind == "dense" and v > 0:
                    hidden.append(LayerSpec.dropout(float(v)))
            spec = NetworkSpec(hidden, spec.output)
        else:
            field_name = {"units": "units", "activation": "activation", "l2": "l2"}[knob]
            for layer in spec.hidden:
                if layer.kind == "dense":
                    setattr(layer, field_name, v)
    s = replace(settings)
    for knob, v in knobs.items():
        if knob == "lr":
            s.learning_rate = float(v)
        elif knob == "optimizer":
            s.optimizer = v
        elif knob == "epochs":
            s.epochs = int(v)
        elif knob == "batch_mode":
            s.batch_mode = v
        elif knob == "batch_size":
            if v == "full":
                s.batch_mode = "full-batch"
            elif v == "stochastic":
                s.batch_mode = "stochastic"
            else:
                s.batch_mode, s.batch_size = "mini-batch", int(v)
    s.check()
    return spec, s


def sweep_metric(data) -> str:
    """The metric a sweep ranks by: validation when there is a validation split, else test."""
    from nnstudio.core.training.engine import metric_name  # noqa: PLC0415 -- lazy: pandas loads only when this runs, not at start-up

    split = "val" if len(data.X_val) else ("test" if len(data.X_test) else "")
    return f"{split}_{metric_name(data.task)}" if split else metric_name(data.task)


# ----- presets (the tutorials' comparisons) -----------------------------------------------------------
@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    example: str  # the example it runs on
    grid: str
    seeds: int
    description: str


PRESETS = {p.name: p for p in (
    Preset("xor-dropout", "XOR: dropout on / off × 5 seeds", "xor", "dropout=0,0.2", 5,
           "The tutorial's 'insert the dropout and play around with it': does Dropout(0.2) after "
           "each hidden layer change the accuracy beyond seed noise?"),
    Preset("xor-depth", "XOR: 0, 1, 2 hidden layers", "xor",
           "layers=|dense:6:relu|dense:6:relu,dense:4:relu", 3,
           "With no hidden layer only a straight line is possible and XOR fails; hidden layers "
           "bend the boundary."),
    Preset("perceptron-batch", "Perceptron: full-batch vs stochastic vs mini-batch",
           "perceptron", "batch_mode=full-batch,stochastic,mini-batch", 3,
           "The same optimizer with batch = all rows, batch = 1 and batch = 32."),
)}


# ----- running -------------------------------------------------------------------------------------
@dataclass
class SweepRun:
    """One finished run of a sweep (sent to ``on_run``)."""

    index: int  # configuration index
    seed: int
    done: int  # runs finished so far
    total: int
    elapsed: float
    eta: float
    record: RunRecord


@dataclass
class Configuration:
    index: int
    knobs: dict
    label: str
    spec: object
    settings: object
    params: int
    group: str
    records: list[RunRecord] = field(default_factory=list)


@dataclass
class SweepResult:
    id: str
    metric: str
    configurations: list[Configuration]
    seeds: int
    seconds: float
    cancelled: bool = False
    ranking: stats.Ranking | None = None
    verdicts_vs_first: list[stats.Verdict | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # configurations that repeat another
    folds: int = 0  # a sweep over cross-validation folds (sweep_folds): k, each run one fold

    @property
    def unit(self) -> str:
        """What a configuration's runs differ in: seeds, or folds held out."""
        return "fold" if self.folds else "seed"

    @property
    def records(self) -> list[RunRecord]:
        return [r for c in self.configurations for r in c.records]

    def values(self, c: Configuration) -> list[float]:
        return [v for r in c.records if (v := r.metric(self.metric)) is not None]

    def order(self) -> list[int]:
        """The configurations' indices best first by mean :attr:`metric` (ties: fewer
        parameters first); those with no finished run last, in grid order."""
        sign = 1.0 if stats.higher_is_better(self.metric) else -1.0
        means = {c.index: stats.summarize(self.values(c)) for c in self.configurations}
        scored = sorted((c for c in self.configurations if means[c.index].n),
                        key=lambda c: (-sign * means[c.index].mean, c.params, c.index))
        return [c.index for c in scored] + [c.index for c in self.configurations
                                            if not means[c.index].n]

    def summary_text(self) -> list[str]:
        """Plain-words lines: best, smallest within noise, configurations that repeat another
        (:func:`sweep_summary.summary_lines`)."""
        return summary_lines(self)

    def to_json(self) -> dict:
        def group(c: Configuration) -> dict:
            s = stats.summarize(self.values(c))
            seeds = []
            for r in c.records:
                m = {"seed": r.seed, "status": r.status, "epochs_run": r.epochs_run,
                     "seconds": round(r.seconds, 4), **({"fold": r.split["fold"]} if self.folds else {})}
                for split, vals in r.final.items():
                    for k, v in vals.items():
                        m[k if split == "train" else f"{split}_{k}"] = stats._js(v)
                seeds.append(m)
            return {"index": c.index, "label": c.label, "knobs": c.knobs,
                    "network": c.spec.compact(), "params": c.params, "metric": self.metric,
                    **s.to_dict(), "seeds": seeds}

        def pick(i):
            if i is None:
                return None
            g = group(self.configurations[i])
            return {k: g[k] for k in ("index", "label", "knobs", "network", "params", "mean", "sd")}

        rk = self.ranking
        verdicts = []
        for i, v in enumerate(self.verdicts_vs_first):
            if v is None:
                continue
            verdicts.append({"configuration": i, "against": 0, "metric": v.metric,
                             "difference": stats._js(v.difference), "test": v.test,
                             "p_value": v.p_value, "within_noise": v.within_noise,
                             "close": v.close,
                             "text": v.text})
        return {"sweep": self.id, "metric": self.metric, "seeds": self.seeds, "folds": self.folds,
                "configurations": [group(c) for c in self.configurations],
                "best": pick(rk.best if rk else None),
                "smallest_within_noise": pick(rk.smallest if rk else None),
                "verdicts": verdicts, "notes": self.notes, "runs": len(self.records),
                "cancelled": self.cancelled,
                "seconds": round(self.seconds, 3)}


class _StartingModels:
    """Starting networks for a sweep's runs, built once per (architecture, seed).

    ``build_model`` (a new ``keras.Sequential``: layers, variables, initialisers) costs more than a
    warm 100-epoch XOR run on the engine's compiled program. A sweep trains the same architecture
    with the same seed once per learning rate, epoch count or optimizer, so it builds each
    (architecture, seed) once, keeps a copy of every variable of the fresh model (weights and the
    dropout RNG state alike), and hands each run one model per architecture with those values
    assigned: exactly the starting point ``build_model(spec, seed=seed)`` gives, so a run in a sweep
    gives the same result as the same run trained alone (tested).
    """

    def __init__(self, data) -> None:
        self.data = data
        self.models: dict[tuple[str, int], object] = {}
        self.values: dict[tuple[str, int], list] = {}

    def get(self, spec, seed: int, slot: int = 0):
        """The starting network of (spec, seed); ``slot`` i > 0 is another model object, for a
        population of seeds trained together (one model per seed)."""
        key = json.dumps(spec.to_dict(), sort_keys=True)
        if (key, seed) not in self.values or (key, slot) not in self.models:
            # Keras draws initial weights from process-global random state: build under the
            # engine's lock, as the engine itself does
            with build_lock:
                model = build_model(spec, self.data.n_inputs, self.data.task, self.data.n_classes,
                                    seed=seed, output_start=self.data.output_start)
            self.values[(key, seed)] = [v.numpy().copy() for v in model.variables]
            self.models[(key, slot)] = model
            return model
        model = self.models[(key, slot)]
        for v, value in zip(model.variables, self.values[(key, seed)]):
            v.assign(value)
        return model


class SweepControl:
    """Cancel a running sweep from any thread (stops the run in progress too)."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self.trainer = None

    def cancel(self) -> None:
        self._stop.set()
        t = self.trainer
        if t is not None:
            t.stop()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()


def plan(project, data, configs: list[dict], sweep_id: str) -> list[Configuration]:
    """Checks every configuration before anything trains (a bad one fails at once)."""
    out = []
    for i, knobs in enumerate(configs):
        spec, settings = apply_knobs(project.spec, project.settings, knobs)
        problems = validate(spec, data.task, data.n_classes)
        if problems:
            raise SpecError(f"Sweep configuration {label_of(knobs)}: {problems[0]}")
        out.append(Configuration(i, dict(knobs), label_of(knobs), spec, settings,
                                 count_params(spec, data.n_inputs, data.task, data.n_classes),
                                 f"{sweep_id}-{i}"))
    return out


def _program_of(c) -> tuple:
    """What decides a configuration's compiled program: its network and optimizer set-up."""
    s = c.settings
    return (repr(c.spec), s.optimizer, s.momentum, s.nesterov, s.batch_mode, s.batch_size, s.loss)


def run_sweep(project, configs: list[dict], seeds: int, *, data=None,
              on_run: Callable[[SweepRun], None] | None = None,
              control: SweepControl | None = None, tensorboard: str | None = None,
              keep_weights_last: int = 10, source: str = "sweep") -> SweepResult:
    """Train every configuration with seeds 0..seeds-1; returns the groups, ranked and compared.

    ``on_run`` gets each finished run (with progress and ETA); ``control.cancel()`` stops after
    (and during) the current run: what finished is kept and ranked. With ``tensorboard`` each
    run's scalars are written as event files in a folder of their own under that folder.
    """
    from nnstudio.core.training.engine import Trainer  # noqa: PLC0415 -- lazy: pandas loads only when this runs, not at start-up

    if not isinstance(seeds, int) or seeds < 1:
        raise SettingsError(f"Seeds must be a whole number of at least 1 (got {seeds!r}).")
    if not configs:
        raise SettingsError("The sweep has no configuration.", GRID_HINT)
    t0 = time.perf_counter()
    data = data if data is not None else project.prepare()
    sweep_id = new_id()
    confs = plan(project, data, configs, sweep_id)
    metric = sweep_metric(data)
    control = control or SweepControl()
    identity = data_identity(project.dataset, project.example)
    total, done = len(confs) * seeds, 0
    writer = None
    if tensorboard:
        writer = RunWriter(tensorboard)
    starts = _StartingModels(data)
    # issue 18: an architecture's runs trained alone train on the host engine (no compile) while
    # that is cheaper than compiling its program once
    alone_runs = HostOrCompile(
        _program_of(c) for c in confs
        for _ in range(seeds if population.supports(data, c.spec, c.settings, seeds) else 1))

    def finished(c: Configuration, seed: int, settings, result) -> None:
        nonlocal done
        keep = total - done <= keep_weights_last
        rec = record_of(result, project, data, source=source, spec=c.spec, settings=settings,
                        params=c.params, group=c.group, sweep=sweep_id, knobs=c.knobs,
                        name=f"{c.label} · seed {seed}", keep_weights=keep,
                        identity=identity)
        c.records.append(rec)
        done += 1
        if writer is not None:
            writer.write(rec)
        if on_run is not None:
            elapsed = time.perf_counter() - t0
            on_run(SweepRun(c.index, seed, done, total, elapsed,
                            elapsed / done * (total - done), rec))

    def alone(c: Configuration, seed: int):
        settings = replace(c.settings, seed=seed)
        program_of = _program_of(c)
        # no live view to feed: chunks of up to half a second (Cancel still answers in that)
        trainer = Trainer(data, c.spec, settings, chunk_seconds=0.5,
                          model=starts.get(c.spec, seed),
                          plain_first_run=alone_runs.plain(program_of))
        control.trainer = trainer
        if control.cancelled:
            return None
        result = trainer.run()
        alone_runs.ran(program_of, trainer)
        control.trainer = None
        return result

    for c in confs:
        # issue 18: the seeds of one configuration train together as one population program
        # (each the run its seed gives alone) when the network and settings allow it
        together = population.supports(data, c.spec, c.settings, seeds) is None
        for first in range(0, seeds, population.POPULATION_MAX if together else 1):
            if control.cancelled:
                break
            group = list(range(first, min(seeds, first + population.POPULATION_MAX))) \
                if together else [first]
            if len(group) > 1:
                results = population.train_population(
                    data, c.spec, c.settings, group, lambda: control.cancelled,
                    models=[starts.get(c.spec, s, slot=i) for i, s in enumerate(group)])
                for r in results:  # stopped by Cancel: the runs in progress, as alone
                    if control.cancelled and r.status != "stopped":
                        break
                    r = r if r.status != "diverged" else alone(c, r.seed)
                    if r is None:
                        break
                    finished(c, r.seed, replace(c.settings, seed=r.seed), r)
            else:
                result = alone(c, first)
                if result is None:
                    break
                finished(c, first, replace(c.settings, seed=first), result)
        if control.cancelled:
            break
    res = SweepResult(sweep_id, metric, confs, seeds, time.perf_counter() - t0,
                      cancelled=control.cancelled)
    finish(res)
    return res


def finish(res: SweepResult) -> None:
    """Rank the configurations and compare each with the first (fills ``ranking`` and
    ``verdicts_vs_first``); note those that repeat another (``notes``)."""
    res.notes = _repeats([(c.knobs, c.spec, c.settings) for c in res.configurations])
    groups = [res.values(c) for c in res.configurations]
    labels = [c.label for c in res.configurations]
    # the same folds: paired fold by fold
    compare = partial(stats.compare_folds, folds=res.folds) if res.folds else stats.compare
    res.ranking = stats.rank(groups, [c.params for c in res.configurations], res.metric, labels,
                             compare_fn=compare)
    res.verdicts_vs_first = [None] + [
        compare(groups[i], groups[0], res.metric, labels[i], labels[0]) if groups[i] else None
        for i in range(1, len(groups))]
