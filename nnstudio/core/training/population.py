"""Seeds in parallel: N networks of one architecture trained together in one compiled program.

Repeat and a sweep's seeds train the same architecture with seeds 0..N-1. A teaching net uses a
sliver of the machine, so running the seeds one after another mostly pays per-step overhead N
times. A *population program* stacks the N networks' weights on a leading axis (a Dense kernel
``[in, out]`` becomes ``[N, in, out]``) and runs each mini-batch of all N as batched matrix
products, so one compiled step trains the N networks.

Each network is the run its seed gives alone, up to float rounding:

* the same initial weights (each seed's are drawn as ``build_model(spec, seed=s)`` draws them,
  by :func:`initial_values_many`, and copied in; the trained values are copied into N ordinary
  Keras models made by :func:`empty_model`, on first use: :class:`~nnstudio.core.trained.Deferred`);
* the same shuffles (each seed's row order is :func:`epoch_orders` of its own seed) and the same
  padded last batch (with BatchNormalization, a last batch of its own size, as a single run);
* the same dropout masks and noise (each network keeps its own copy of its random layers' seed
  states and draws with the Keras layer's own stateless call, one network at a time:
  :mod:`~nnstudio.core.training.population_layers`), and its own batch and moving statistics;
* the same optimizer maths: the total loss is the *sum* of the N losses, so the gradient of slice
  i is network i's own gradient, and every Keras optimizer offered (Adam, SGD, RMSprop, Adagrad,
  Adamax, Nadam) updates each element from its own gradient and state only.

With two compute threads (headless; the app on 3 cores or more) a population of mid-sized steps
is two programs called together on two threads (:class:`SplitPopulation`, :func:`splits`): XLA runs
one program's small batched products on one core.

What it covers: every layer kind the editor builds (Dense, Dropout, BatchNormalization, the noise
layers), class weights (each network's rows weighed as its single run weighs them), early
stopping (each network stops at its own epoch: :mod:`population_early`), data on the fast
path. Anything else
(:func:`supports` says why) trains seed after seed as before. A seed whose loss becomes NaN or
infinite is trained again alone, so that it stops and rolls back exactly as a single run does.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from nnstudio.core.errors import SpecError
from nnstudio.core.model.build import empty_model, initial_values_many
from nnstudio.core.model.memory import check_fits
from nnstudio.core.model.spec import NetworkSpec, count_params
from nnstudio.core.settings import TrainSettings, epochs_text
from nnstudio.core.tf import compute_threads
from nnstudio.core.trained import Deferred, TrainResult
from nnstudio.core.training import host
from nnstudio.core.training.class_weights import run_class_weights
from nnstudio.core.training.host_population import HostPopulation
from nnstudio.core.training.population_program import PopulationProgram
from nnstudio.core.training.population_split import SplitPopulation, splits
from nnstudio.core.training.program import build_lock
from nnstudio.core.training.shuffle import epoch_orders
from nnstudio.core.training.steps import (
    early_stop_message,
    layout_for,
    resolve_monitor,
    restored_note,
)

#: Training features of one network larger than this (bytes) train seed after seed.
POPULATION_MAX_BYTES = 64 * 2**20
#: At most this many networks in one population (more seeds train in groups of this many).
POPULATION_MAX = 8
#: The layer kinds a population program (and the host engine's population) computes.
POPULATION_KINDS = frozenset({"dense", "dropout", "batchnorm", "gaussian_noise", "gaussian_dropout",
                              "alpha_dropout"})
#: A compiled call lasts about this long once the speed is known (``should_stop`` is asked between).
CALL_SECONDS = 0.25
#: Compiled population programs kept (architecture x data shape x optimizer x N).
POPULATION_CACHE_SIZE = 4


def supports(data, spec: NetworkSpec, settings: TrainSettings, n: int) -> str | None:
    """None when these N seeds can train as one population; else why not (one line)."""
    if n < 2:
        return "a single seed"
    kinds = {layer.kind for layer in spec.layers_for(data.task, data.n_classes)}
    if not kinds <= POPULATION_KINDS:
        return f"layers of kind {', '.join(sorted(kinds - POPULATION_KINDS))}"
    if len(data.X_train) == 0 or np.asarray(data.X_train).size * 4 > POPULATION_MAX_BYTES:
        return "the training data is empty or too large"
    try:
        check_fits(spec, data.n_inputs, data.task, data.n_classes, settings, len(data.X_train),
                   copies=min(n, POPULATION_MAX))
    except SpecError:
        return "the networks do not fit in memory together"
    if settings.early_stopping and compute_threads() < 2:
        macs = settings.effective_batch_size(len(data.X_train)) * count_params(
            spec, data.n_inputs, data.task, data.n_classes)
        if macs >= EARLY_POPULATION_MACS:
            return "early stopping, on one compute thread, of networks whose steps are arithmetic"
    return None


#: With early stopping a population trains each network until the last of them stops (a stopped
#: network's steps still run): where a step is arithmetic (at least this many multiply-adds a
#: network, batch x parameters) and the networks share one core (the app on 2 cores), seed after
#: seed is faster. The digits example with patience 3 (stops at epochs 21-51) in the app: 0.56-0.92
#: s a Repeat 5 as a population, 0.54-0.69 s seed after seed; churn (1,140 a step): 1.2-1.5 s
#: against 2.1-2.4 s. Headless (two threads, the population split over them) digits gained too.
EARLY_POPULATION_MACS = 2**16


_cache: dict[tuple, PopulationProgram | SplitPopulation] = {}
_cache_lock = threading.Lock()


def _program_key(data, spec: NetworkSpec, settings: TrainSettings, pop: int):
    """(key of this network's population program on this data, its loss name, target layout)."""
    task = data.task
    loss_name = settings.loss_for(task)
    layout = layout_for(task, spec.layers_for(task, data.n_classes)[-1].units)
    n, n_inputs = data.X_train.shape
    opt = (settings.optimizer, float(settings.momentum), bool(settings.nesterov))
    key = (repr(spec), opt, task.value, loss_name, n, n_inputs, len(data.X_val), len(data.X_test),
           settings.effective_batch_size(n), layout, pop, bool(settings.jit_compile),
           bool(settings.early_stopping),  # its decisions are compiled in only when on
           settings.class_weight != "none")  # and the rows' class weights
    return key, loss_name, layout


def _empty_models(spec: NetworkSpec, data, count: int) -> list:
    """``count`` models of the network for this data, their variables zero (:func:`empty_model`)."""
    with build_lock:
        return [empty_model(spec, data.n_inputs, data.task, data.n_classes,
                            output_start=data.output_start) for _ in range(count)]


def _acquire(key, make_template, data, settings: TrainSettings, loss_name: str, layout: str,
             pop: int):
    """The population program for this key, locked; (program, newly built?).
    ``make_template()`` gives a model of the network, asked for only when a program is built."""
    with _cache_lock:
        prog = _cache.get(key)
        if prog is not None and prog.lock.acquire(blocking=False):
            return prog, False
    template = make_template()
    n, n_inputs = data.X_train.shape

    def make(p: int, max_k: int | None = None) -> PopulationProgram:
        return PopulationProgram(template, settings, data.task, loss_name, n, n_inputs,
                                 len(data.X_val), layout, p, bool(settings.jit_compile), max_k,
                                 len(data.X_test))
    with build_lock:
        prog = SplitPopulation(make, pop, n) \
            if splits(template, settings.effective_batch_size(n), pop, compute_threads()) \
            else make(pop)
    prog.lock.acquire()
    with _cache_lock:
        if key not in _cache:
            _cache[key] = prog
            while len(_cache) > POPULATION_CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
    return prog, True


#: A network's populations train on the host engine (nothing to compile) until it has had this
#: many there; the next compiles its population program (1.5-4 s once, then each Repeat is a few
#: times faster). A Repeat or a sweep's seeds on a new network do not wait for a compile...
HOST_POPULATIONS_PER_PROGRAM = 2
#: ... unless its second epoch on the host engine (the first has one-off costs) says that the
#: epochs left would take longer there than this (seconds, a long run's rule): then it compiles
#: and trains compiled from the start (the same runs). Churn's first Repeat 5 on one compute
#: thread (the app on 2 cores): 5.6-5.9 s on the host engine, 3.1-3.9 s compiling first.
LONG_HOST_POPULATION_S = 3.0
_host_counts: dict[tuple, int] = {}


def _cached(key):
    """The cached population program for this key (None: none), whether or not it is traced."""
    with _cache_lock:
        return _cache.get(key)


def compiled(data, spec: NetworkSpec, settings: TrainSettings, pop: int) -> bool:
    """Whether the population program of ``pop`` seeds of this network is compiled."""
    prog = _cached(_program_key(data, spec, settings, pop)[0])
    return prog is not None and prog.traced


def _host_first(key, data, spec: NetworkSpec, settings: TrainSettings) -> bool:
    """Whether these seeds train on the host engine: a network of Dense and Dropout layers
    with an optimizer it has (:func:`host.supports` has the last word), whose compiled population
    program is not ready and which has not had :data:`HOST_POPULATIONS_PER_PROGRAM` host
    populations yet."""
    if settings.optimizer not in host.OPTIMIZERS:
        return False
    if any(layer.kind not in POPULATION_KINDS for layer in spec.layers_for(data.task, data.n_classes)):
        return False
    prog = _cached(key)
    if prog is not None and prog.traced:
        return False
    with _cache_lock:
        return _host_counts.get(key, 0) < HOST_POPULATIONS_PER_PROGRAM


def train_population(data, spec: NetworkSpec, settings: TrainSettings, seeds: list[int],
                     should_stop=None, models=None) -> list[TrainResult]:
    """Train one network per seed, all in one population program (see :func:`supports` first).

    Each result is the run ``train(data, spec, replace(settings, seed=s))`` gives, up to float
    rounding; ``seconds`` is the run's share (1/N) of the population's time, ``path`` is
    "population" (compiled) or "population-host" (the NumPy host engine, while the network's
    compiled population program is not ready: :func:`_host_first`). ``should_stop`` is asked
    between calls; when it says yes, every run ends "stopped" after the same epoch. A seed whose
    loss or weights became NaN or infinite has status "diverged" and ``history`` ending at that
    epoch only if trained alone: the caller
    (:func:`nnstudio.core.training.engine.train_repeated`) trains such seeds again alone.
    ``models``: the seeds' freshly built networks, when the caller has them (a sweep keeps them).
    """
    t0 = time.perf_counter()
    settings.check(data.task)
    task = data.task
    if models is None:
        # Each seed's starting weights are drawn without building its Keras model
        # (initial_values_many); the models the results come in are made with nothing drawn
        # (empty_model) and get the trained weights at the end.
        with build_lock:
            starts = initial_values_many(spec, data.n_inputs, task, data.n_classes,
                                         [int(s) for s in seeds], data.output_start)
    else:
        starts = [[np.asarray(v) for v in m.variables] for m in models]
    key, loss_name, layout = _program_key(data, spec, settings, len(seeds))
    if _host_first(key, data, spec, settings):
        if models is None:  # made here: beside the host loop they would take turns with it
            models = _empty_models(spec, data, len(seeds))
        if host.supports(models[0], settings, task, loss_name) is None:
            out = _train_host(data, settings, seeds, should_stop, models, starts, t0,
                              loss_name, layout)
            if out is not None:
                with _cache_lock:
                    _host_counts[key] = _host_counts.get(key, 0) + 1
                    while len(_host_counts) > 64:
                        _host_counts.pop(next(iter(_host_counts)))
                return out
            # long on the host engine: compiled instead, from the start (``models`` untouched)

    prog, fresh = _acquire(key, lambda: models[0] if models else _empty_models(spec, data, 1)[0],
                           data, settings, loss_name, layout, len(seeds))
    return _train_compiled(prog, fresh, data, spec, settings, seeds, should_stop, models, starts,
                           t0)


def _train_compiled(prog, fresh, data, spec, settings, seeds, should_stop, models, starts, t0):
    """:func:`train_population` on the compiled population program ``prog`` (locked).

    The results' models, unless the caller gave them, are :class:`Deferred`: each is made
    (:func:`empty_model`) and given its network's trained values when first used. With a core
    to spare, the last network's (the one an app shows) is built beside the compiled call
    (:class:`_Builder`). A split program (:class:`SplitPopulation`) takes both cores: that model
    is built on the second lane, and given its values, once its call has ended, while the first
    lane, one network bigger, still runs (10-15 ms of W3's Repeat off the clock). The others on
    first use."""
    n = len(data.X_train)
    pop = len(seeds)
    builder = None  # the thread that builds the shown model beside the call, if one is started
    made = None  # who makes the shown model: that builder, or a split program's lane
    done_ok = False
    try:
        if models is None and not isinstance(prog, SplitPopulation):
            builder = made = _Builder(spec, data, pop - 1)
            builder.start()  # waits for go(): beside this thread's own Python work it would
            # take the interpreter in turns and slow both; the compiled call leaves it free
        elif models is None:  # the second lane's last network, made and given its values
            made = _LaneBuilt(pop - 1, prog.after_next_call(
                lambda: _lane_filled(_empty_models(spec, data, 1)[0], prog.sources,
                                     prog.lanes[1].last)))
        prog.load(starts, settings)
        prog.set_class_weights(run_class_weights(data, settings))
        early = _Early(prog, settings, data)
        tensors = prog.tensors(data)
        rows, done, status = _epochs(prog, seeds, int(settings.epochs), n, should_stop,
                                     prog.arguments, lambda a: prog.call(tensors, a), builder,
                                     early)
        sources, final = prog.sources, prog.read()
        again = early.restored(final, done)
        if models is not None:
            prog.store(models)
            for i, v in again.items():
                _filled(models[i], sources, v)
        else:
            slots = prog.weight_slots
            values = [again.get(i, v) for i, v in enumerate(final)]
            models = [Deferred(lambda i=i, v=v: _trained_model(spec, data, sources, v, made, i,
                                                               i in again),
                               None if slots is None else [v[j] for j in slots])
                      for i, v in enumerate(values)]
        steps = prog.steps()
        tests = prog.tested(data.X_test, data.y_test) if len(data.X_test) else [{}] * pop
        tests = early.tests(tests, data, again)
        done_ok = True
    finally:
        if isinstance(prog, SplitPopulation):
            prog.flush()  # no call took the lane's work (no epoch): it runs now, not never
        prog.lock.release()
        if builder is not None and not done_ok:  # an error above: no thread left behind
            builder.go()
            builder.join()
    return _results(seeds, models, rows, prog.keys, tests, status, done, steps, t0,
                    "population", fresh, early)


def _trained_model(spec: NetworkSpec, data, sources: list[int], values: list, made, i: int,
                   restored: bool = False):
    """Network ``i``'s model: the one ``made`` (a :class:`_Builder` or :class:`_LaneBuilt`) made,
    or one made now, given its trained ``values`` (``values[j]`` goes to
    ``model.variables[sources[j]]``) unless the lane that made it gave them (its last values:
    not those of an early stop, ``restored``)."""
    model = made.model(i) if made is not None else None
    if model is None:
        model = _empty_models(spec, data, 1)[0]
    elif made.filled and not restored:
        return model
    return _filled(model, sources, values)


def _lane_filled(model, sources: list[int], last: tuple | None) -> tuple:
    """(``model`` given the last network's values from its lane's ``last`` call, True), or
    (``model``, False) when the lane has no call's values (no call ran, or the program has begun
    another run): the training thread then gives them from its own reading. Only what the call
    left is read here: reading the program (:meth:`PopulationProgram.read`) could load a run's
    starting values on this thread, while the program's next run trains."""
    if last is None:
        return model, False
    return _filled(model, sources, [v.numpy()[-1] for v in last[0]]), True


def _filled(model, sources: list[int], values: list):
    """``model`` given one network's ``values`` (``values[j]`` goes to
    ``model.variables[sources[j]]``)."""
    variables = model.variables
    for j, v in zip(sources, values):
        variables[j].assign(v)
    return model


def _train_host(data, settings, seeds, should_stop, models, starts, t0, loss_name, layout):
    """:func:`train_population` on the host engine (:class:`HostPopulation`); None where its
    second epoch says the rest would pass :data:`LONG_HOST_POPULATION_S` (and XLA is on)."""
    n, n_inputs = data.X_train.shape
    pop = len(seeds)
    prog = HostPopulation(models[0], settings, data.task, loss_name, n, n_inputs,
                          len(data.X_val), layout, pop)
    prog.load(starts, settings)
    prog.set_class_weights(run_class_weights(data, settings))
    early = _Early(prog, settings, data)
    X, y, Xv, yv = prog.inputs(data)
    rows, done, status = _epochs(prog, seeds, int(settings.epochs), n, should_stop,
                                 lambda o, k, _: (o, k), lambda a: prog.fn(X, y, Xv, yv, *a), None,
                                 early, LONG_HOST_POPULATION_S if settings.jit_compile else None)
    if status == "long":
        return None
    prog.store(models)
    again = early.restored(prog.read(), done)
    for i, v in again.items():
        _filled(models[i], prog.read_sources, v)
    tests = prog.evaluate(data.X_test, data.y_test) if len(data.X_test) else [{}] * pop
    tests = early.tests(tests, data, again)
    return _results(seeds, models, rows, prog.keys, tests, status, done, prog.steps(), t0,
                    "population-host", False, early)


def _epochs(prog, seeds, epochs: int, n: int, should_stop, prepare, call, builder, early=None,
            long_s: float | None = None):
    """The epoch loop: calls of as many epochs as fit (each network's own row orders), or of
    ~:data:`CALL_SECONDS` when a stop may come; (rows [epochs, N, keys], epochs done, status).
    ``long_s``: the first two calls are one epoch each, and where the epochs left would take
    longer than that many seconds at the second's speed the loop ends there, status "long".
    ``prepare(orders, k, last)`` makes a call's arguments (``last``: the run's last epochs) and
    ``call(arguments)`` runs it; the builder is released between the two, as late as can be: once
    it runs, this thread waits up to a switch interval (5 ms) whenever it gives the interpreter
    up, until it is in the call. With early stopping (``early``) a call ends once each of its
    networks has stopped (``prog.ran`` epochs), and so does the run."""
    pop = len(seeds)
    done = 0
    orders = getattr(prog, "orders_buffer", None)  # kept with the program: no 4 MB to fault in
    if orders is None or orders.shape != (prog.max_k, pop, n):
        orders = prog.orders_buffer = np.empty((prog.max_k, pop, n), np.int32)
    # (rows past a call's epochs are not read)
    rows = []
    status = "completed"
    calls = 0  # (with ``long_s``: the first two are one epoch each)
    if long_s is not None or (should_stop is not None and prog.epoch_seconds is None):
        k = 1
    elif should_stop is None:
        k = prog.max_k
    else:
        k = int(CALL_SECONDS / max(prog.epoch_seconds, 1e-7))
    while done < epochs:
        if should_stop is not None and should_stop():
            status = "stopped"
            break
        kk = max(1, min(k, prog.max_k, epochs - done))
        for i, s in enumerate(seeds):
            orders[:kk, i] = epoch_orders(int(s), done, kk, n)
        args = prepare(orders, kk, done + kk >= epochs)
        if builder is not None:
            builder.go()
        c0 = time.perf_counter()
        rows.append(np.asarray(call(args))[:kk])
        ran = kk if early is None or not early.on else int(prog.ran)
        rows[-1] = rows[-1][:ran]
        per = (time.perf_counter() - c0) / max(ran, 1)
        if prog.traced:  # the first call traces and compiles: it says nothing about speed
            prog.epoch_seconds = per
            if should_stop is not None:
                k = min(8 * kk, int(CALL_SECONDS / max(per, 1e-7)))
        prog.traced = True
        done += ran
        if ran < kk:  # every network has stopped early
            break
        if long_s is not None and calls < 2:  # the second epoch, past the first's one-off costs
            calls += 1  # (W1d's first: 344 ms, its second 11 ms), times the rest
            if calls == 2 and (epochs - done) * per > long_s:
                status = "long"
                break
            k = 1 if calls == 1 else (prog.max_k if should_stop is None else k)
    rows = np.concatenate(rows) if rows else np.zeros((0, pop, len(prog.keys)), np.float32)
    return rows, done, status


def _results(seeds, models, rows, keys, tests, status, done, steps, t0, path, fresh, early=None):
    share = (time.perf_counter() - t0) / len(seeds)
    per_epoch = steps // done if done else 0
    out = []
    for i, (s, model) in enumerate(zip(seeds, models)):
        ran, st, message, best = done, status, "", None
        if early is not None and early.on:
            ran, st, message, best = early.outcome(i, done, status)
        history = {key: rows[:ran, i, j].astype(float).tolist() for j, key in enumerate(keys)}
        finite = bool(np.all(np.isfinite(rows[:ran, i])) and all(
            np.all(np.isfinite(v)) for v in tests[i].values()))
        test = tests[i] if finite else {}
        st = st if finite else "diverged"
        message = {"completed": f"Trained {epochs_text(ran)}.",
                   "stopped": f"Stopped by you after {epochs_text(ran)}.",
                   "early_stopped": message,
                   "diverged": "The loss became NaN or infinite."}[st]
        out.append(TrainResult(model=model, history=history, epochs_run=ran, status=st,
                               message=message, seconds=share, test=test, seed=int(s),
                               steps=per_epoch * ran, path=path, compiled=fresh,
                               best_epoch=best if finite else None))
    return out


class _Early:
    """A run's early stopping, each network its own (:mod:`population_early` decides it inside
    the program): the settings given to the program, then each network's outcome read back."""

    def __init__(self, prog, settings: TrainSettings, data) -> None:
        self.on = bool(settings.early_stopping)
        self.monitor, mode_max = resolve_monitor(settings.monitor, data.task, len(data.X_val) > 0)
        self.patience, self.restore = int(settings.patience), bool(settings.restore_best)
        self.prog, self.state = prog, None
        index = prog.keys.index(self.monitor) if self.monitor in prog.keys else 0
        prog.set_early_stopping(self.on, self.patience, index, mode_max)

    def restored(self, final: list[list], done: int) -> dict[int, list]:
        """{network: values} for each network whose result is not its ``final`` values (one
        stopped early, one whose best weights are restored)."""
        if not self.on or not done:
            return {}
        self.state = self.prog.early_state()
        out = {}
        for i, last in enumerate(final):
            values = self.state.values(i, last, self.restore)
            if values is not None:
                out[i] = values
        return out

    def tests(self, tests: list[dict], data, again: dict) -> list[dict]:
        """The test figures, those of the networks ``again`` (:meth:`restored`) evaluated again
        with their restored values by the program itself (no Keras model made: W1's Repeat 5
        with every network restored spent 71 of its 146 ms making and evaluating five)."""
        if not again or not len(data.X_test):
            return tests
        new = self.prog.evaluate_values(again, data.X_test, data.y_test)
        return [new.get(i, t) for i, t in enumerate(tests)]

    def outcome(self, i: int, done: int, status: str) -> tuple[int, str, str, int | None]:
        """Network ``i``'s (epochs run, status, message, best epoch), as its single run ends."""
        if self.state is None:
            return done, status, "", None
        best = int(self.state.best_epoch[i]) if self.state.best_epoch[i] >= 0 else None
        if self.state.stopped[i] < 0:
            return done, status, "", best
        ran = int(self.state.stopped[i]) + 1
        message = early_stop_message(self.monitor, self.patience, best)
        if self.restore and best is not None and best + 1 < ran:
            message += restored_note(best)
        return ran, "early_stopped", message, best


def precompile(data, spec: NetworkSpec, settings: TrainSettings, n: int) -> bool:
    """Compile the population program of ``n`` seeds of this network (:func:`supports` first), so
    that the next Repeat trains on it at once: an app calls this in the background after a Repeat
    that trained on the host engine. True if it compiled something new; False if the program was
    ready or is in use."""
    settings.check()
    seeds = list(range(int(n)))
    key, loss_name, layout = _program_key(data, spec, settings, len(seeds))
    ready = _cached(key)
    if ready is not None and (ready.traced or ready.lock.locked()):
        return False
    prog, _ = _acquire(key, lambda: _empty_models(spec, data, 1)[0], data, settings, loss_name,
                       layout, len(seeds))
    try:
        if prog.traced:
            return False
        with build_lock:
            starts = initial_values_many(spec, data.n_inputs, data.task, data.n_classes, seeds,
                                         data.output_start)
        prog.load(starts, settings)
        prog.compile_now()
        prog.traced = True
        return True
    finally:
        prog.lock.release()


class _LaneBuilt:
    """Network ``index``'s model, made on a split program's lane and, where the lane had them,
    given its trained values there (``made``: the future of (model, filled)); the others are made
    on first use (:meth:`model` None)."""

    filled = False  # whether the model :meth:`model` gave has its values

    def __init__(self, index: int, made) -> None:
        self.index, self.made = index, made

    def model(self, i: int):
        if i != self.index:
            return None
        model, self.filled = self.made.result()
        return model


class _Builder(threading.Thread):
    """Makes network ``index``'s Keras model (the last seed's: the one an app shows), with
    :func:`empty_model` (the same config, layer names and variable paths as ``build_model``
    gives, with zeros where the trained values will go) under ``build_lock``, once :meth:`go` is
    called; the others are made on first use (:meth:`model` None). One, not all: in the app the
    spare core is the window's, and each model is 6-12 ms of interpreter time. Started early, and
    released just before the compiled call: ``Thread.start`` waits for the new thread, which would
    then hold the interpreter for a switch interval (5 ms) before the training thread could go on.
    Its model is made before the values are known: the caller gives them."""

    filled = False

    def __init__(self, spec: NetworkSpec, data, index: int) -> None:
        super().__init__(name="population-models", daemon=True)
        self.spec, self.data = spec, data
        self.index = int(index)
        self.made = None
        self.error: BaseException | None = None
        self._go = threading.Event()

    def go(self) -> None:
        self._go.set()

    def run(self) -> None:
        self._go.wait()
        try:
            self.made = _empty_models(self.spec, self.data, 1)[0]
        except BaseException as exc:  # handed to the training thread by model()
            self.error = exc

    def model(self, i: int):
        """Network ``i``'s model if this builder makes it (waiting for it), else None."""
        if i != self.index:
            return None
        self.go()  # no epoch trained (nothing called go): build now
        self.join()
        if self.error is not None:
            raise self.error
        return self.made


def clear_population_cache() -> None:
    with _cache_lock:
        _cache.clear()
