"""The training engine.

Teaching-sized networks spend almost all of ``model.fit``'s time in per-epoch and per-step Python
overhead, and in tracing a new ``tf.function`` for every new model. This engine removes both:

* **Whole chunks of epochs in one compiled call.** Shuffling, every mini-batch, the optimizer step,
  the epoch's metrics, validation, the divergence check and early stopping run inside one
  ``tf.function`` (compiled with XLA by default, see :attr:`TrainSettings.jit_compile`). Python
  only sees chunk boundaries, where it reports progress, obeys Stop / Pause / Step and applies a new
  learning rate. Chunks are sized to last about ``chunk_seconds`` so the GUI gets ~20 updates a
  second and Stop answers within a fraction of a second.
* **Compiled programs are cached by architecture and data shape.** A *program* owns a private
  "workhorse" copy of the network and optimizer and the compiled chunk function, which takes the
  data as arguments. A run copies its freshly initialised model into the workhorse, resets the
  optimizer state, trains, and copies the weights back. The second run of the same network on the
  same data (Train again, another seed, ``train_repeated``) therefore skips tracing and compiling;
  :func:`precompile` compiles one ahead of time (an app can call it while the user edits).
* **Shuffles from the host.** Each epoch's row order is a hash of (seed, epoch, row)
  (:func:`epoch_orders`), computed in NumPy and handed to the compiled call: the same seed gives
  the same curve whatever the chunking, pauses or path, and there is no RNG or sort to compile.
  The last, partial batch of an epoch runs as a full-size batch whose extra rows weigh 0.

Same seed, same settings, same data: the same history and weights, bit for bit on one path (XLA,
the plain graph and the NumPy host engine of a first run agree to float rounding; dropout masks
differ between XLA and the plain graph, whose kernel takes other bits of the same Philox numbers,
so a network with Dropout or noise never trains a first run in the plain graph: the host engine
draws what the run's own program draws, XLA's or the plain graph's, :mod:`~.host_dropout`).

* **A new network's first run does not wait for a compile** (``Trainer(plain_first_run=True)``:
  the CLI and the app's Train): every network the editor builds trains it on the NumPy host
  engine (:mod:`nnstudio.core.training.host`), the same maths written out, which a teaching net
  runs as fast as scikit-learn with nothing to trace or compile.

The model is a real ``keras.Model`` (:func:`nnstudio.core.model.build.build_model`) and the
optimizer a real Keras optimizer (``model.fit``'s ``apply_gradients``): the maths is Keras' own
and what comes out saves, exports and predicts like any Keras model.

Data over :data:`FAST_PATH_MAX_BYTES` (training features) is streamed batch by batch with
``tf.data`` (:mod:`nnstudio.core.training.streaming`).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from nnstudio.core.data.preprocess import PreparedData
from nnstudio.core.errors import TrainingError
from nnstudio.core.model.build import build_model, empty_model
from nnstudio.core.model.memory import check_fits
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.settings import TrainSettings, epochs_text
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.trained import TrainResult
from nnstudio.core.training import host, population, program
from nnstudio.core.training.class_weights import run_class_weights
from nnstudio.core.training.control import Progress, TrainingControl
from nnstudio.core.training.host_runs import HostOrCompile
from nnstudio.core.training.program import MAX_CHUNK_EPOCHS, acquire_program, build_lock
from nnstudio.core.training.shuffle import epoch_orders
from nnstudio.core.training.steps import (
    divergence_message,
    early_stop_message,
    metric_name,
    resolve_monitor,
    restored_note,
    target_layout,
    target_spread,
    tf_failure,
)
from nnstudio.core.training.streaming import run_streaming

#: Training features larger than this (bytes, float32) are streamed instead of held as one tensor.
FAST_PATH_MAX_BYTES = 256 * 2**20
#: A run on the host engine with more than this many seconds still to go compiles its program on
#: a thread meanwhile and goes on with it once it is ready (issue 18: the host engine starts at
#: once, the compiled program is the faster one for a long run).
COMPILE_BEHIND_S = 3.0
#: ... once it has trained this long on the host engine (a first chunk's time, one-off costs
#: included, is no evidence that a run is long; a short run must not wait for its compile).
COMPILE_BEHIND_AFTER_S = 1.0

__all__ = ["FAST_PATH_MAX_BYTES", "Progress", "StartFrom", "TrainResult", "Trainer", "TrainingControl",
           "metric_name", "precompile", "train", "train_repeated"]


@dataclass(frozen=True)
class StartFrom:
    """Where a branch starts (issue 19): after ``epoch`` epochs, with the model's ``variables``
    (``model.variables`` values: weights, statistics, RNG state) and the optimizer's ``optimizer``
    values (``optimizer.variables``, in order; its learning rate is the run's own setting; None:
    a fresh optimizer). Row orders continue from ``epoch``, so a branch with unchanged settings
    trains exactly as the original went on."""

    epoch: int
    variables: list
    optimizer: list | None = None


class Trainer:
    """One training run. Create, then call :meth:`run` (blocking; call it from a worker thread).

    The run is steered and heard through its :class:`~nnstudio.core.training.control.TrainingControl`
    (``control``; one is made from ``on_progress`` and ``want_weights`` when none is given): reports
    arrive on the thread that runs :meth:`run`; stop, pause, step and learning-rate changes may be
    sent from any thread (:meth:`stop` and the others here are shortcuts to the control's). During
    a run, read the current weights from ``Progress.weights`` (``want_weights``); :attr:`model`
    holds them when :meth:`run` returns.
    """

    def __init__(self, data: PreparedData, spec: NetworkSpec, settings: TrainSettings, *,
                 control: TrainingControl | None = None,
                 on_progress: Callable[[Progress], None] | None = None,
                 want_weights: bool = False, chunk_seconds: float = 0.05,
                 model=None, start: StartFrom | None = None,
                 plain_first_run: bool = False) -> None:
        settings.check(data.task)  # the loss too: said, not TensorFlow's shape error (or a wrong loss)
        check_fits(spec, data.n_inputs, data.task, data.n_classes, settings, len(data.X_train))
        if start is not None and not 0 <= int(start.epoch) < int(settings.epochs):
            raise TrainingError(f"A branch from epoch {start.epoch} needs more epochs than that "
                                f"(the run is set to end at epoch {settings.epochs}).",
                                f"Set epochs above {start.epoch}: it is the epoch the branch ends at.")
        self.start = start
        self.data = data
        self.spec = spec
        self.settings = settings
        self.control = control if control is not None else TrainingControl(
            on_progress, want_weights=want_weights)
        self.chunk_seconds = chunk_seconds
        #: issue 18: when the program of this network is new (not yet compiled), train this run
        #: without waiting for a compile: on the NumPy host engine for Dense networks
        #: (:mod:`~nnstudio.core.training.host`), else in a plain TF graph instead of XLA (same
        #: results up to float rounding; with Dropout, whose masks XLA draws differently, the
        #: run compiles). For one-off runs (the CLI, a sweep's rarely repeated networks) and the
        #: GUI's Train, which compiles afterwards in the background (:func:`precompile`).
        #: Off by default: a loop of many runs of one network is better served compiling at once.
        self.plain_first_run = plain_first_run
        #: whether this run trained in a plain graph (the XLA program is still to be compiled)
        self.ran_plain = False
        #: whether this run trained on the NumPy host engine (:mod:`~nnstudio.core.training.host`)
        self.ran_host = False
        #: the epoch at which a long host run went on with its compiled program (None: it did not)
        self.switched_at: int | None = None
        self._behind: _CompileBehind | None = None  # the compile a long host run started
        self.host_seconds = 0.0  # of :meth:`run`'s calls on the host engine (its training alone)
        self._switched = None  # the compiled program it went on with (locked until the end)
        self._program_key: tuple | None = None  # a host run's compiled program (program_key)
        #: at most this many epochs per chunk (None: sized by time only). The GUI's pace control
        #: sets it, any time, so each progress report carries few epochs when a person watches.
        self.max_chunk_epochs: int | None = None
        self._model = model
        self.model = model
        self._optimizer = None  # the Keras optimizer doing the steps, once running
        self._host = None  # the run's HostProgram, when it trains on the host engine

    @property
    def optimizer(self):
        """The run's Keras optimizer (None before the run starts). On the host engine it is made
        when first asked for, holding the run's current moments and step count."""
        return self._host.opt if self._host is not None else self._optimizer

    @optimizer.setter
    def optimizer(self, opt) -> None:
        self._optimizer = opt

    def snapshot_values(self, model) -> list | None:
        """The values of ``model.variables`` then the optimizer's, when this run can give them
        without TensorFlow (the host engine's run model); None: read them from the model."""
        if self._host is not None and model is self._host.keras_model:
            return self._host.values()
        return None

    # ----- shortcuts to the control (any thread) --------------------------------------------------
    def stop(self) -> None:
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def step(self) -> None:
        """While paused, run exactly one more epoch and pause again."""
        self.control.step()

    def set_learning_rate(self, lr: float) -> None:
        self.control.set_learning_rate(lr)

    @property
    def stopped(self) -> bool:
        return self.control.stopped

    # ----- the run -----------------------------------------------------------------------------
    def run(self) -> TrainResult:
        t0 = time.perf_counter()
        data, s = self.data, self.settings
        task = data.task
        if len(data.X_train) == 0:
            raise TrainingError("There are no training rows.", "Load data and check the split.")
        model = self._model
        if model is None:
            with build_lock:
                model = build_model(self.spec, data.n_inputs, task, data.n_classes, seed=s.seed,
                                    seed_tf=False,  # same weights, no eager-cache flush
                                    output_start=data.output_start)
        self.model = model
        if self.start is not None:
            _set_variables(model, self.start.variables)
        if np.asarray(data.X_train).size * 4 > FAST_PATH_MAX_BYTES:
            if self.start is not None:
                raise TrainingError("A branch cannot train data too large to train in memory.",
                                    "Use fewer rows.")
            if s.class_weight != "none":  # issue 20: weighted losses run on the in-memory engine only
                raise TrainingError("Class weights are not available when the data is too large "
                                    "to train in memory.", "Set class weights to none, or use fewer rows.")
            self.optimizer, result = run_streaming(data, s, model, self.control, t0)
            return result

        args = _program_args(data, s, model)
        monitor, mode_max = resolve_monitor(s.monitor, task, len(data.X_val) > 0)
        if self.plain_first_run and self.start is None \
                and host.supports(model, s, task, args[3]) is None:
            self._program_key = program.program_key(*args)
        if self._program_key is not None and not program.is_compiled(self._program_key):
            # a new Dense network's first run: NumPy, nothing to trace or compile (issue 18)
            try:
                return self._run_fast(host.HostProgram(*args[:-1]), False, model, t0, monitor,
                                      mode_max)
            finally:
                if self._behind is not None:
                    self._behind.join()  # no compile left running in the background
                if self._switched is not None:
                    self._switched.lock.release()
        prog, fresh = acquire_program(*args)
        try:
            return self._run_fast(prog, fresh, model, t0, monitor, mode_max)
        finally:
            prog.lock.release()

    def _run_fast(self, prog, fresh: bool, model, t0: float, monitor: str,
                  mode_max: bool) -> TrainResult:
        """The loop over chunks of epochs, on a compiled :class:`Program` or a
        :class:`~nnstudio.core.training.host.HostProgram` (same interface)."""
        tf = _tensorflow()
        data, s = self.data, self.settings
        on_host = prog.host
        prog.load(model, s, mode_max)
        cw = run_class_weights(data, s)
        prog.set_class_weights(cw)  # issue 20: class weights of this run (None: none)
        if on_host:
            self._host = prog
        else:
            self.optimizer = prog.opt
        if self.start is not None and self.start.optimizer is not None:
            _set_optimizer(prog.opt, self.start.optimizer)
        X, y, Xv, yv = prog.inputs(data)
        keys = prog.keys
        mon_index = keys.index(monitor) if monitor in keys else 0
        seed = int(s.seed)
        orders = np.zeros((prog.max_k, prog.n), np.int32)
        def controls(const) -> dict:
            return dict(early=const(bool(s.early_stopping)),
                        patience=const(int(s.patience), tf.int32),
                        mon_index=const(mon_index, tf.int32), mode_max=const(bool(mode_max)))

        const = (lambda v, dtype=None: v) if on_host else tf.constant
        fixed = controls(const)
        history: dict[str, list[float]] = {k: [] for k in keys}
        lr_changes: list[tuple[int, float]] = []
        epochs = int(s.epochs)
        done = int(self.start.epoch) if self.start is not None else 0
        status, message = "completed", ""
        # The first chunk is one epoch (it traces and compiles on a new program; a Pause or Step
        # just after start lands after epoch 1); then chunks of ~chunk_seconds (speed measured).
        k = 1
        plain = on_host or (self.plain_first_run and prog.jit and not prog.traced
                         and prog.can_run_plain())
        self.ran_plain = plain
        self.ran_host = on_host
        call = prog.call_plain if plain and not on_host else prog.call
        speed = None if plain else prog.epoch_seconds  # a plain graph's own, for this run only
        # A chunk's progress report is sent once the next chunk's row orders are ready, just
        # before it starts: whoever listens (the GUI drawing curves and the live surface) then
        # works while this thread is inside the compiled call, which runs without the interpreter
        # lock, instead of competing with this thread for the lock between chunks.
        pending: tuple[int, dict] | None = None

        control = self.control
        control.begin(epochs)

        def lr_now() -> float:
            return prog.learning_rate()

        def current_model():  # the program in use (a long host run may switch, see below)
            return prog.model

        def flush() -> None:
            nonlocal pending
            if pending is not None:  # the host engine writes its weights back only if asked
                control.report(pending[0], pending[1], lr_now(),
                               prog.model if not on_host or control.wants_model else None)
                pending = None

        self.host_seconds = 0.0  # time in the host engine's calls so far (without model making)
        while done < epochs:
            if on_host and self._behind is not None and not self._behind.is_alive() \
                    and self._switched is None:
                compiled = program.try_acquire_compiled(self._program_key)
                if compiled is not None:  # go on with the compiled program, from this state
                    _move_host_state(prog, compiled, model, s, mode_max, cw)
                    prog = self._switched = compiled
                    self._host, self.optimizer, self.switched_at = None, prog.opt, done
                    on_host = plain = False
                    X, y, Xv, yv = prog.inputs(data)
                    const, call = tf.constant, prog.call
                    fixed = controls(const)
                    speed, k = prog.epoch_seconds, 1
            kk = max(1, min(k, epochs - done, prog.max_k, self.max_chunk_epochs or prog.max_k))
            try:  # the orders of epochs done.. (a Step below runs only the first of them)
                orders[:kk] = epoch_orders(seed, done, kk, prog.n)
                orders_t, done_t = const(orders), const(done, tf.int32)
            except Exception as exc:  # a failure inside TensorFlow: report it
                raise tf_failure(exc) from exc
            flush()
            gate = control.checkpoint(done, lr_now, model_fn=current_model)
            stepping, lr = gate.stepping, gate.learning_rate
            if gate.stop:
                status, message = "stopped", f"Stopped by you after {epochs_text(done)}."
                break
            if lr is not None:
                prog.set_learning_rate(lr)
                lr_changes.append((done, lr))
            if stepping:
                kk = 1
            traced_before = prog.plain_traced if plain else prog.traced
            c0 = time.perf_counter()
            try:
                buf, nd, st = call((X, y, Xv, yv, orders_t, done_t, const(kk, tf.int32),
                                         fixed["early"], fixed["patience"], fixed["mon_index"],
                                         fixed["mode_max"]))
                nd, st = int(nd), int(st)
                rows = np.asarray(buf)[:nd]
            except TrainingError:
                raise
            except Exception as exc:  # a failure inside TensorFlow: report it
                raise tf_failure(exc) from exc
            c1 = time.perf_counter()
            new = {key: rows[:, i].astype(float).tolist() for i, key in enumerate(keys)}
            for key in keys:
                history[key].extend(new[key])
            done += nd
            if traced_before and nd > 0:  # calls that traced/compiled say nothing about speed
                per = (c1 - c0) / nd
                speed = per if speed is None else 0.5 * speed + 0.5 * per
                if not plain:
                    prog.epoch_seconds = speed
            k = 2 if speed is None else self._chunk_epochs(
                speed, None if (traced_before and kk == 1 and done == nd) else kk)
            if on_host:
                self.host_seconds += c1 - c0
            if on_host and self._behind is None and s.jit_compile and speed is not None \
                    and self.host_seconds >= COMPILE_BEHIND_AFTER_S \
                    and (epochs - done) * speed > COMPILE_BEHIND_S:
                self._behind = _CompileBehind(data, self.spec, s)  # a long run: compile meanwhile
                self._behind.start()
            pending = (done, new)
            if stepping:
                flush()
                control.after_step()
            if st == 1:
                status = "diverged"
                message = divergence_message(done, prog.learning_rate(), s.optimizer, target_spread(data))
                break
            if st == 2:
                status = "early_stopped"
                be = prog.best_epoch_index()
                message = early_stop_message(monitor, s.patience, be)
                break
        flush()
        best_ep = None
        if s.early_stopping and prog.best_epoch_index() >= 0:
            best_ep = prog.best_epoch_index()
            if s.restore_best and best_ep + 1 < done:
                prog.restore_best()
                message += restored_note(best_ep)
        steps = prog.steps()
        prog.store(model)
        if status == "completed":
            message = f"Trained {epochs_text(done)}."
        test = prog.evaluate(data.X_test, data.y_test) if len(data.X_test) else {}
        return TrainResult(model=model, history=history, epochs_run=done, status=status,
                           message=message.strip(), seconds=time.perf_counter() - t0, test=test,
                           lr_changes=lr_changes, best_epoch=best_ep, seed=seed, steps=steps,
                           path="host" if on_host else
                           "host+fast" if self.switched_at is not None else "fast",
                           compiled=fresh)

    def _chunk_epochs(self, epoch_seconds: float, previous: int | None) -> int:
        k = int(self.chunk_seconds / max(epoch_seconds, 1e-7))
        if previous is not None:
            k = min(k, 8 * previous)  # grow gradually: one slow measurement cannot stall Stop
        return max(1, min(MAX_CHUNK_EPOCHS, k))


class _CompileBehind(threading.Thread):
    """:func:`precompile` on a thread, for a long run that started on the host engine."""

    def __init__(self, data: PreparedData, spec: NetworkSpec, settings: TrainSettings) -> None:
        super().__init__(name="compile-behind", daemon=True)
        self.data, self.spec, self.settings = data, spec, settings
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            precompile(self.data, self.spec, self.settings)
        except Exception as exc:  # the run stays on the host engine
            self.error = exc


def _move_host_state(hp, prog, model, settings: TrainSettings, mode_max: bool, cw) -> None:
    """A compiled program takes over a host run: weights, optimizer moments and step count,
    learning rate, class weights and early stopping's best weights, best value and patience."""
    hp.sync()
    prog.load(model, settings, mode_max)
    _set_optimizer(prog.opt, hp.optimizer_values())
    prog.set_learning_rate(hp.learning_rate())
    prog.set_class_weights(cw)
    prog.best_value.assign(float(hp.best_value))
    prog.best_epoch.assign(int(hp.best_epoch))
    prog.wait.assign(int(hp.wait))
    best = hp.best_values()
    if len(best) != len(prog.best):
        raise TrainingError("Internal error: the compiled program does not fit the host run.")
    for var, value in zip(prog.best, best):
        var.assign(value)


def _set_variables(model, values: list) -> None:
    """A branch's model gets its starting values (``model.variables`` order)."""
    variables = list(model.variables)
    if len(variables) != len(values) or any(tuple(v.shape) != tuple(np.shape(x))
                                            for v, x in zip(variables, values)):
        raise TrainingError("The snapshot does not fit this network (another architecture or data "
                            "shape).", "Branch with the run's own network and data.")
    for v, x in zip(variables, values):
        v.assign(np.asarray(x, dtype=v.dtype))


def _set_optimizer(opt, values: list) -> None:
    """The optimizer's moments and step count from a snapshot; its learning rate stays the run's."""
    variables = list(opt.variables)
    if len(variables) != len(values) or any(tuple(v.shape) != tuple(np.shape(x))
                                            for v, x in zip(variables, values)):
        raise TrainingError("The snapshot's optimizer state does not fit this optimizer.",
                            "Branch with the same optimizer, or from a snapshot of this one.")
    for v, x in zip(variables, values):
        if v is not opt.learning_rate:
            v.assign(np.asarray(x, dtype=v.dtype))


def precompile(data: PreparedData, spec: NetworkSpec, settings: TrainSettings) -> bool:
    """Trace and compile the program that :class:`Trainer` would use, without training.

    Compiling a new architecture takes a second or more (XLA); an app can call this on a worker
    thread when the network, data or settings change, so that Train starts at full speed. The
    result is the same as without it. Returns False when there is nothing to do (already
    compiled, busy, or the data go to the streaming path).
    """
    tf = _tensorflow()
    settings.check(data.task)
    if not _in_memory(data):
        return False
    task = data.task
    # as Train: a network the machine cannot hold is refused before any of it is allocated
    check_fits(spec, data.n_inputs, task, data.n_classes, settings, len(data.X_train))
    with build_lock:
        model = build_model(spec, data.n_inputs, task, data.n_classes, seed=settings.seed,
                            seed_tf=False, output_start=data.output_start)
    args = _program_args(data, settings, model)  # (model, settings, task, loss, n, inputs, val, layout, jit)
    _, _, _, _, n, n_inputs, n_val, layout, _ = args
    prog, fresh = acquire_program(*args, precompiling=True)
    try:
        if prog.traced:
            return False
        prog.load(model, settings, False)
        X = tf.zeros([n, n_inputs], tf.float32)
        ydt = tf.float32 if layout == "column" else tf.int32
        y = tf.zeros([n, 1] if layout == "column" else [n], ydt)
        if n_val:
            Xv = tf.zeros([n_val, n_inputs], tf.float32)
            yv = tf.zeros([n_val] + list(y.shape[1:]), ydt)
        else:
            Xv, yv = X[:1], y[:1]
        # zero epochs compile it; one (on zeros, undone by the run's load) also runs it once
        warm = program.warm_epoch_affordable(n, prog.bs, model.count_params())
        prog.call((X, y, Xv, yv, tf.zeros([prog.max_k, n], tf.int32), tf.constant(0),
                   tf.constant(int(warm)), tf.constant(False), tf.constant(1), tf.constant(0),
                   tf.constant(False)))
        prog.store(model)  # traced now too (the model is this call's own), as the evaluation
        prog.evaluate(np.zeros((1, n_inputs), np.float32), y[:1].numpy())  # (50 ms of tracing)
        return True
    finally:
        prog.precompiling = False
        prog.lock.release()


def train(data: PreparedData, spec: NetworkSpec, settings: TrainSettings, **kw) -> TrainResult:
    """Headless convenience: build, train and return the result."""
    return Trainer(data, spec, settings, **kw).run()


def _in_memory(data: PreparedData) -> bool:  # training rows, within FAST_PATH_MAX_BYTES
    return len(data.X_train) > 0 and np.asarray(data.X_train).size * 4 <= FAST_PATH_MAX_BYTES


def _program_args(data: PreparedData, settings: TrainSettings, model) -> tuple:
    """:func:`program.program_key`'s and :func:`acquire_program`'s arguments for one run of
    ``model`` on these data (the first eight a :class:`host.HostProgram`'s)."""
    task, (n, n_inputs) = data.task, data.X_train.shape
    return (model, settings, task, settings.loss_for(task), n, n_inputs, len(data.X_val),
            target_layout(task, model), bool(settings.jit_compile))


def _single_program_ready(data: PreparedData, spec: NetworkSpec, settings: TrainSettings) -> bool:
    """Whether one run of this network on these data has its compiled program (6-12 ms)."""
    if not _in_memory(data):
        return False
    with build_lock:
        model = empty_model(spec, data.n_inputs, data.task, data.n_classes,
                            output_start=data.output_start)
    return program.is_compiled(program.program_key(*_program_args(data, settings, model)))


def train_repeated(data: PreparedData, spec: NetworkSpec, settings: TrainSettings, repeat: int,
                   should_stop: Callable[[], bool] | None = None,
                   on_run: Callable[[int, TrainResult], None] | None = None) -> dict:
    """Train ``repeat`` times with seeds 0..repeat-1; each run's figures plus mean and sd.

    Seeds train together, in groups of up to :data:`population.POPULATION_MAX`, as one population
    program when :func:`population.supports` the network and settings (each run is the one its
    seed gives alone, up to float rounding) and either that program is compiled or one run's is
    not (then on the host engine); otherwise one after another. ``should_stop`` ends them
    between runs (a group stopped part-way is dropped: only finished runs are returned)."""
    runs: list[TrainResult] = []

    def finished(r: TrainResult) -> None:
        runs.append(r)
        if on_run:
            on_run(r.seed, r)

    parallel = population.supports(data, spec, settings, repeat) is None
    # one run's program compiled (an app compiles it a second after an edit), the population's
    # not: seed after seed on it beats the host population (churn in the app: 2.4 s against 3.3 s)
    if parallel and not population.compiled(data, spec, settings, min(repeat, population.POPULATION_MAX)) \
            and _single_program_ready(data, spec, settings):
        parallel = False
    # seeds alone (networks or settings a population does not take, a diverged seed) start on the
    # host engine until the seeds left would cost more there than a compile; ``should_stop``
    # stops one within a chunk of epochs, and the stopped run is dropped
    rule = HostOrCompile([None] * (0 if parallel else repeat))

    def alone(seed: int) -> TrainResult:
        trainer = Trainer(data, spec, replace(settings, seed=seed), plain_first_run=rule.plain(None),
                          control=TrainingControl(should_stop=should_stop) if should_stop else None)
        result = trainer.run()
        rule.ran(None, trainer)
        return result

    seed = 0
    while seed < repeat:
        if should_stop and should_stop():
            break
        group = list(range(seed, min(repeat, seed + population.POPULATION_MAX)))
        if parallel and len(group) > 1:
            results = population.train_population(data, spec, settings, group, should_stop)
            if any(r.status == "stopped" for r in results):
                break
            for r in results:  # a diverged seed again alone: it stops and rolls back as a run does
                r = r if r.status != "diverged" else alone(r.seed)
                if r.status == "stopped":
                    break
                finished(r)
        else:
            for i in group:
                r = None if should_stop and should_stop() else alone(i)
                if r is None or r.status == "stopped":
                    break
                finished(r)
        if len(runs) < group[-1] + 1:  # stopped within the group
            break
        seed = group[-1] + 1
    key = "accuracy" if data.task is not Task.REGRESSION else "mae"
    vals = np.array([r.test.get(key, np.nan) for r in runs], float)
    return {"runs": runs, "metric": f"test_{key}",
            "mean": float(np.mean(vals)) if len(vals) else float("nan"),
            "sd": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0}
