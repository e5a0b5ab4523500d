"""Seeds in parallel: N networks of one architecture trained together in one compiled program.

Repeat and a sweep's seeds train the same architecture with seeds 0..N-1. A teaching net uses a
sliver of the machine, so running the seeds one after another mostly pays per-step overhead N
times. A *population program* stacks the N networks' weights on a leading axis (a Dense kernel
``[in, out]`` becomes ``[N, in, out]``) and runs each mini-batch of all N as batched matrix
products, so one compiled step trains the N networks.

Each network is the run its seed gives alone, up to float rounding:

* the same initial weights (each seed's are drawn as ``build_model(spec, seed=s)`` draws them,
  by :func:`initial_values_many`, and copied in; the trained values are copied into N ordinary
  Keras models made by :func:`empty_model`);
* the same shuffles (each seed's row order is :func:`epoch_orders` of its own seed) and the same
  padded last batch;
* the same dropout masks (each network keeps its own copy of its Dropout layers' seed state and
  draws its masks with Keras' own ``stateless_dropout`` call, one network at a time);
* the same optimizer maths: the total loss is the *sum* of the N losses, so the gradient of slice
  i is network i's own gradient, and every Keras optimizer offered (Adam, SGD, RMSprop, Adagrad,
  Adamax, Nadam) updates each element from its own gradient and state only.

What it covers: Dense and Dropout layers, no early stopping, no class weights, data on the fast
path. Anything else (:func:`supports` says why) trains seed after seed as before. A seed whose
loss becomes NaN or infinite is trained again alone, so that it stops and rolls back exactly as a
single run does.
"""
from __future__ import annotations

import threading
import time

import numpy as np

from nnstudio.core import registry
from nnstudio.core.model.build import empty_model, initial_values_many
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.tf import keras as _keras
from nnstudio.core.tf import tensorflow as _tensorflow
from nnstudio.core.trained import TrainResult
from nnstudio.core.training.evaluation import summarize
from nnstudio.core.training.program import MAX_CHUNK_EPOCHS, ORDER_BUDGET, build_lock
from nnstudio.core.training.shuffle import epoch_orders
from nnstudio.core.training.steps import (
    as_targets,
    layout_for,
    make_optimizer,
    metric_name,
)

#: Training features of one network larger than this (bytes) train seed after seed.
POPULATION_MAX_BYTES = 64 * 2**20
#: At most this many networks in one population (more seeds train in groups of this many).
POPULATION_MAX = 8
#: A compiled call lasts about this long once the speed is known (``should_stop`` is asked between).
CALL_SECONDS = 0.25
#: A training layer of at most this many products (networks x rows x inputs x units) is computed
#: as a broadcast product and a sum instead of a batched matrix product (faster on XLA's CPU
#: backend for teaching-sized layers: 3.9 against 16-20 µs a step for five 12-6-6-1 nets).
SMALL_DOT = 2**15
#: At most this many row indices (epochs x networks x rows) go to one compiled call: twice a
#: single run's, so that W2's 1000 epochs of five 150-row networks are one call, not two with
#: the second's shuffles computed in between (4 MiB of int32).
POPULATION_ORDER_BUDGET = 2 * ORDER_BUDGET
#: Compiled population programs kept (architecture x data shape x optimizer x N).
POPULATION_CACHE_SIZE = 4


def supports(data, spec: NetworkSpec, settings: TrainSettings, n: int) -> str | None:
    """None when these N seeds can train as one population; else why not (one line)."""
    if n < 2:
        return "a single seed"
    if settings.early_stopping:
        return "early stopping stops each seed at its own epoch"
    if settings.class_weight != "none":
        return "class weights"
    kinds = {layer.kind for layer in spec.layers_for(data.task, data.n_classes)}
    if not kinds <= {"dense", "dropout"}:
        return f"layers of kind {', '.join(sorted(kinds - {'dense', 'dropout'}))}"
    if len(data.X_train) == 0 or np.asarray(data.X_train).size * 4 > POPULATION_MAX_BYTES:
        return "the training data is empty or too large"
    return None


class PopulationProgram:
    """Stacked weights of N networks, one optimizer over them, and the compiled chunk function."""

    def __init__(self, template, settings: TrainSettings, task: Task, loss_name: str,
                 n: int, n_inputs: int, n_val: int, layout: str, pop: int, jit: bool) -> None:
        tf = _tensorflow()
        keras = _keras()
        self.lock = threading.Lock()
        self.pop, self.n, self.n_inputs, self.n_val, self.layout = pop, n, n_inputs, n_val, layout
        self.task = task
        self.bs = settings.effective_batch_size(n)
        self.has_val = n_val > 0
        self.keys = ["loss", metric_name(task)] + (
            ["val_loss", f"val_{metric_name(task)}"] if self.has_val else [])
        self.max_k = max(1, min(MAX_CHUNK_EPOCHS, POPULATION_ORDER_BUDGET // max(n * pop, 1)))
        self.loss_obj = registry.make_loss(loss_name)
        # per row, [N, rows]: Keras' "sum over batch size" is then sum(values * weights) / rows
        self.loss_rows = registry.make_loss(loss_name, reduction=None)
        # the layers, in order: ("dense", kernel, bias|None, activation, l1, l2) | ("dropout", rate, state)
        self.layers: list[tuple] = []
        self.sources: list[list[int]] = []  # per stacked variable: its index in model.variables
        index = {id(v): i for i, v in enumerate(template.variables)}
        trainable = []
        for layer in template.layers:
            name = type(layer).__name__
            if name == "Dense":
                k = tf.Variable(tf.zeros([pop, *layer.kernel.shape]), name=f"{layer.name}_k")
                self.sources.append(index[id(layer.kernel)])
                b = None
                if layer.use_bias:
                    b = tf.Variable(tf.zeros([pop, *layer.bias.shape]), name=f"{layer.name}_b")
                    self.sources.append(index[id(layer.bias)])
                reg = layer.kernel_regularizer
                l1 = float(getattr(reg, "l1", 0.0) or 0.0) if reg is not None else 0.0
                l2 = float(getattr(reg, "l2", 0.0) or 0.0) if reg is not None else 0.0
                self.layers.append(("dense", k, b, keras.activations.get(layer.activation), l1, l2))
                trainable += [k] + ([b] if b is not None else [])
            elif name == "Dropout":
                state = layer.seed_generator.state
                st = tf.Variable(tf.zeros([pop, *state.shape], state.dtype), trainable=False,
                                 name=f"{layer.name}_seed")
                self.sources.append(index[id(state)])
                self.layers.append(("dropout", float(layer.rate), st))
            else:  # pragma: no cover - supports() keeps other layers out
                raise ValueError(f"population: unsupported layer {name}")
        self.stacked = [v for layer in self.layers for v in
                        ((layer[1],) + ((layer[2],) if layer[2] is not None else ())
                         if layer[0] == "dense" else (layer[2],))]
        self.tvars = trainable
        self.opt = make_optimizer(settings)
        self.opt.build(self.tvars)
        self.opt_initial = [tf.constant(v.numpy()) for v in self.opt.variables]
        self.fn = self._make_function(jit)
        self.traced = False
        self.epoch_seconds: float | None = None  # measured, to size calls that answer a stop
        self._load_fn = self._store_fn = self._eval_fn = None

    # ---- values in and out: compiled (a model was just built, which calls tf.random.set_seed
    # and so empties TF's eager kernel cache: dozens of eager ops would cost tens of milliseconds)
    def load(self, values, settings: TrainSettings) -> None:
        """Start a run: network i gets ``values[i]`` (its model's ``variables`` values: weights,
        dropout seed state, as NumPy arrays)."""
        tf = _tensorflow()
        if self._load_fn is None:
            resets = [(v, init) for v, init in zip(self.opt.variables, self.opt_initial)
                      if v is not self.opt.learning_rate]

            def load_fn(src, lr):
                ops = [v.assign(tf.stack([m[j] for m in src]))
                       for j, v in enumerate(self.stacked)]
                ops += [v.assign(init) for v, init in resets]
                ops.append(self.opt.learning_rate.assign(lr))
                with tf.control_dependencies(ops):
                    return tf.constant(0)
            self._load_fn = tf.function(load_fn, autograph=False)
        self._load_fn([[np.asarray(vals[j]) for j in self.sources] for vals in values],
                      tf.constant(float(settings.learning_rate), self.opt.learning_rate.dtype))

    def store(self, models) -> None:
        """Model i gets network i's values."""
        tf = _tensorflow()
        if self._store_fn is None:
            def store_fn(dst):
                ops = [d[j].assign(v[i]) for i, d in enumerate(dst)
                       for j, v in enumerate(self.stacked)]
                with tf.control_dependencies(ops):
                    return tf.constant(0)
            self._store_fn = tf.function(store_fn, autograph=False)
        self._store_fn([[m.variables[j].value for j in self.sources] for m in models])

    def evaluate(self, X, y) -> list[dict[str, float]]:
        """Each network's loss and metric on one split (inference mode), in one compiled call."""
        tf = _tensorflow()
        if self._eval_fn is None:
            def ev(xb, yb):
                p = self.forward(xb, False)
                return p, tf.reduce_mean(self.loss_rows(tf.stack([yb] * self.pop), p), -1) \
                    + self.reg_losses()
            self._eval_fn = tf.function(ev, autograph=False, input_signature=[
                tf.TensorSpec([None, self.n_inputs], tf.float32),
                tf.TensorSpec([None, 1] if self.layout == "column" else [None],
                              tf.float32 if self.layout == "column" else tf.int32)])
        y = np.asarray(y)
        p, loss = self._eval_fn(tf.constant(np.asarray(X, np.float32)),
                                tf.constant(as_targets(y, self.layout)))
        p, loss = p.numpy(), loss.numpy()
        return [summarize(p[i], y, self.task, float(loss[i])) for i in range(self.pop)]

    # ---- the compiled function
    def forward(self, h, training: bool):
        """The N networks on ``h`` ([N, rows, in], or [rows, in] shared by all): [N, rows, out]."""
        tf = _tensorflow()
        for layer in self.layers:
            if layer[0] == "dense":
                _, k, b, act, _, _ = layer
                # [rows, in] shared by all networks (validation, test), or [N, rows, in]
                if h.shape.rank == 2:
                    h = tf.einsum("ri,nio->nro", h, k)
                elif h.shape[1] is not None and \
                        self.pop * h.shape[1] * k.shape[1] * k.shape[2] <= SMALL_DOT:
                    # tiny layers: a broadcast product summed over the inputs, which XLA fuses
                    # into one loop; its batched dot cost 3-5x more per step (W1, W4)
                    h = tf.reduce_sum(h[:, :, :, None] * k[:, None, :, :], axis=2)
                else:
                    h = tf.matmul(h, k)
                if b is not None:
                    h = h + b[:, None, :]
                h = act(h)
            elif training and layer[1] > 0:
                h = self._dropout(h, layer[1], layer[2])
        return h

    def _dropout(self, h, rate: float, st):
        """Each network's own mask, drawn as Keras' ``Dropout`` draws it on the TF backend
        (``stateless_dropout`` seeded by the layer's seed state, which then advances by [0, 1])."""
        tf = _tensorflow()
        if rate >= 1.0:
            return tf.zeros_like(h)
        out = []
        for i in range(self.pop):
            seed = st[i]
            if seed.dtype != tf.int32:  # Keras' _cast_seed: int64 state, int32 seeds for XLA
                seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
            out.append(tf.nn.experimental.stateless_dropout(
                h[i], rate=rate, noise_shape=tf.shape(h[i]), seed=seed))
        with tf.control_dependencies(out):
            inc = st.assign_add(tf.tile(tf.constant([[0, 1]], st.dtype), [self.pop, 1]))
        with tf.control_dependencies([inc]):
            return tf.identity(tf.stack(out))

    def reg_losses(self):
        """Each network's regularization loss, [N]."""
        tf = _tensorflow()
        total = tf.zeros([self.pop])
        for layer in self.layers:
            if layer[0] == "dense" and (layer[4] or layer[5]):
                k = layer[1]
                total += layer[4] * tf.reduce_sum(tf.abs(k), [1, 2]) + \
                    layer[5] * tf.reduce_sum(tf.square(k), [1, 2])
        return total

    def _make_function(self, jit: bool):
        tf = _tensorflow()
        pop, n, bs, n_in = self.pop, self.n, self.bs, self.n_inputs
        opt, tvars = self.opt, self.tvars
        has_val, nkeys = self.has_val, len(self.keys)
        n_steps = -(-n // bs)
        ydt = tf.float32 if self.layout == "column" else tf.int32
        yshape = (lambda m: [m, 1]) if self.layout == "column" else (lambda m: [m])
        nv = max(self.n_val, 1)

        loss_rows = self.loss_rows

        def metric(yt, p, w=None):
            """The task's metric of each network, [N] (:func:`make_metric`, vectorised)."""
            if self.task is Task.REGRESSION:
                per_row = tf.abs(yt - p)[..., 0]
            elif p.shape[-1] == 1:
                per_row = tf.cast(tf.equal(tf.cast(p > 0.5, tf.float32), yt), tf.float32)[..., 0]
            else:
                per_row = tf.cast(tf.equal(tf.cast(tf.argmax(p, axis=-1), tf.int32), yt),
                                  tf.float32)
            if w is None:
                return tf.reduce_mean(per_row, -1)
            return tf.reduce_sum(per_row * w, -1) / tf.reduce_sum(w)

        def step(X, y, idx, wb):
            """One optimizer step of every network: idx [N, bs] rows, wb [bs] row weights."""
            xb, yb = tf.gather(X, idx), tf.gather(y, idx)
            scale = tf.cast(bs, tf.float32) / tf.reduce_sum(wb)  # exactly 1.0 for a full batch
            with tf.GradientTape() as tape:
                p = self.forward(xb, True)
                losses = tf.reduce_sum(loss_rows(yb, p) * wb, -1) / bs * scale + self.reg_losses()
                total = tf.reduce_sum(losses)  # slice i's gradient is network i's own
            grads = tape.gradient(total, tvars)
            opt.apply_gradients(zip(grads, tvars))
            return losses, metric(yb, p, wb)

        def chunk(X, y, Xv, yv, orders, k):
            def epoch(e, buf):
                perm = orders[e]  # [N, n]
                pad = n_steps * bs - n
                perm_p = tf.concat([perm, perm[:, :pad]], 1) if pad else perm
                batches = tf.transpose(tf.reshape(perm_p, [pop, n_steps, bs]), [1, 0, 2])
                slots = tf.range(bs)
                zero = tf.zeros([pop])

                def batch(b, ls, ms):
                    wb = tf.cast(b * bs + slots < n, tf.float32)
                    lo, me = step(X, y, batches[b], wb)
                    cnt = tf.reduce_sum(wb)
                    return b + 1, ls + lo * cnt, ms + me * cnt

                _, ls, ms = tf.while_loop(lambda b, ls, ms: b < n_steps, batch,
                                          [tf.constant(0), zero, zero])
                row = [ls / n, ms / n]
                if has_val:
                    with tf.control_dependencies([ls]):
                        pv = self.forward(Xv, False)
                    yvv = tf.stack([yv] * pop)
                    row += [tf.reduce_mean(loss_rows(yvv, pv), -1) + self.reg_losses(),
                            metric(yvv, pv)]
                row = tf.stack(row, 1)  # [N, keys]
                buf = tf.tensor_scatter_nd_update(buf, [[e]], [row])
                return e + 1, buf

            _, buf = tf.while_loop(lambda e, buf: e < k, epoch,
                                   [tf.constant(0), tf.zeros([MAX_CHUNK_EPOCHS, pop, nkeys])])
            return buf

        sig = [tf.TensorSpec([n, n_in], tf.float32), tf.TensorSpec(yshape(n), ydt),
               tf.TensorSpec([nv, n_in], tf.float32), tf.TensorSpec(yshape(nv), ydt),
               tf.TensorSpec([self.max_k, pop, n], tf.int32), tf.TensorSpec([], tf.int32)]
        return tf.function(chunk, input_signature=sig, jit_compile=bool(jit), autograph=False)


_cache: dict[tuple, PopulationProgram] = {}
_cache_lock = threading.Lock()


def _key(spec: NetworkSpec, settings, task, loss_name, n, n_inputs, n_val, layout, pop, jit):
    opt = (settings.optimizer, float(settings.momentum), bool(settings.nesterov))
    return (repr(spec), opt, task.value, loss_name, n, n_inputs, n_val,
            settings.effective_batch_size(n), layout, pop, bool(jit))


def _acquire(key, make_template, settings, task, loss_name, n, n_inputs, n_val, layout, pop,
             jit):
    """The population program for this key, locked; (program, newly built?).
    ``make_template()`` gives a model of the network, asked for only when a program is built."""
    with _cache_lock:
        prog = _cache.get(key)
        if prog is not None and prog.lock.acquire(blocking=False):
            return prog, False
    template = make_template()
    with build_lock:
        prog = PopulationProgram(template, settings, task, loss_name, n, n_inputs, n_val, layout,
                                 pop, jit)
    prog.lock.acquire()
    with _cache_lock:
        if key not in _cache:
            _cache[key] = prog
            while len(_cache) > POPULATION_CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
    return prog, True


#: A network's populations train on the host engine (nothing to compile) until it has had this
#: many there; the next compiles its population program (1.5-4 s once, then each Repeat is a few
#: times faster). A Repeat or a sweep's seeds on a new network do not wait for a compile.
HOST_POPULATIONS_PER_PROGRAM = 2
_host_counts: dict[tuple, int] = {}


def _host_first(key, data, spec: NetworkSpec, settings: TrainSettings) -> bool:
    """Whether these seeds train on the host engine: a Dense network (no Dropout) with an
    optimizer it has, whose compiled population program is not ready and which has not had
    :data:`HOST_POPULATIONS_PER_PROGRAM` host populations yet."""
    from nnstudio.core.training import host  # noqa: PLC0415 -- cycle-free, light

    if settings.optimizer not in host.OPTIMIZERS:
        return False
    if any(layer.kind != "dense" for layer in spec.layers_for(data.task, data.n_classes)):
        return False
    with _cache_lock:
        prog = _cache.get(key)
        if prog is not None and prog.traced:
            return False
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
    settings.check()
    task = data.task
    if models is None:
        # Each seed's starting weights are drawn without building its Keras model
        # (initial_values_many); the models the results come in are made with nothing drawn
        # (empty_model) and get the trained weights at the end.
        with build_lock:
            starts = initial_values_many(spec, data.n_inputs, task, data.n_classes,
                                         [int(s) for s in seeds])
    else:
        starts = [[np.asarray(v) for v in m.variables] for m in models]
    loss_name = settings.loss_for(task)
    layout = layout_for(task, spec.layers_for(task, data.n_classes)[-1].units)
    n, n_inputs = data.X_train.shape
    n_val = len(data.X_val)
    pop = len(seeds)
    jit = bool(settings.jit_compile)
    key = _key(spec, settings, task, loss_name, n, n_inputs, n_val, layout, pop, jit)
    if _host_first(key, data, spec, settings):
        from nnstudio.core.training import host  # noqa: PLC0415 -- cycle-free, light

        if models is None:  # made here: beside the host loop they would take turns with it
            with build_lock:
                models = [empty_model(spec, data.n_inputs, task, data.n_classes) for _ in seeds]
        if host.supports(models[0], settings, task, loss_name) is None:
            with _cache_lock:
                _host_counts[key] = _host_counts.get(key, 0) + 1
                while len(_host_counts) > 64:
                    _host_counts.pop(next(iter(_host_counts)))
            return _train_host(data, settings, seeds, should_stop, models, starts, t0,
                               loss_name, layout)

    def template():
        with build_lock:
            return empty_model(spec, data.n_inputs, task, data.n_classes)

    prog, fresh = _acquire(key, (lambda: models[0]) if models else template, settings, task,
                           loss_name, n, n_inputs, n_val, layout, pop, jit)
    return _train_compiled(prog, fresh, data, spec, settings, seeds, should_stop, models, starts,
                           t0)


def _train_compiled(prog, fresh, data, spec, settings, seeds, should_stop, models, starts, t0):
    """:func:`train_population` on the compiled population program ``prog`` (locked)."""
    tf = _tensorflow()
    task = data.task
    n = len(data.X_train)
    n_val = len(data.X_val)
    pop = len(seeds)
    builder = None
    try:
        if models is None:
            builder = _Builder(spec, data.n_inputs, task, data.n_classes, pop)
            builder.start()  # waits for go(): beside this thread's own Python work it would
            # take the interpreter in turns and slow both; the compiled call leaves it free
        prog.load(starts, settings)
        X = tf.constant(np.asarray(data.X_train, np.float32))
        y = tf.constant(as_targets(data.y_train, prog.layout))
        if n_val:
            Xv = tf.constant(np.asarray(data.X_val, np.float32))
            yv = tf.constant(as_targets(data.y_val, prog.layout))
        else:
            Xv, yv = X[:1], y[:1]
        rows, done, status = _epochs(prog, seeds, int(settings.epochs), n, should_stop,
                                     lambda o, k: (tf.constant(o), tf.constant(k, tf.int32)),
                                     lambda a: prog.fn(X, y, Xv, yv, *a).numpy(), builder)
        if builder is not None:
            models = builder.result()
            builder = None
        prog.store(models)
        steps = int(prog.opt.iterations.numpy())
        tests = prog.evaluate(data.X_test, data.y_test) if len(data.X_test) else [{}] * pop
    finally:
        prog.lock.release()
        if builder is not None:  # an error above: no thread left behind
            builder.go()
            builder.join()
    return _results(seeds, models, rows, prog.keys, tests, status, done, steps, t0,
                    "population", fresh)


def _train_host(data, settings, seeds, should_stop, models, starts, t0, loss_name, layout):
    """:func:`train_population` on the host engine (:class:`HostPopulation`)."""
    from nnstudio.core.training.host_population import HostPopulation  # noqa: PLC0415 -- light

    n, n_inputs = data.X_train.shape
    pop = len(seeds)
    prog = HostPopulation(models[0], settings, data.task, loss_name, n, n_inputs,
                          len(data.X_val), layout, pop)
    prog.max_k = max(1, min(MAX_CHUNK_EPOCHS, POPULATION_ORDER_BUDGET // max(n * pop, 1)))
    prog.traced, prog.epoch_seconds = True, None
    prog.load(starts, settings)
    X, y, Xv, yv = prog.inputs(data)
    rows, done, status = _epochs(prog, seeds, int(settings.epochs), n, should_stop,
                                 lambda o, k: (o, k), lambda a: prog.fn(X, y, Xv, yv, *a), None)
    prog.store(models)
    tests = prog.evaluate(data.X_test, data.y_test) if len(data.X_test) else [{}] * pop
    return _results(seeds, models, rows, prog.keys, tests, status, done, prog.steps(), t0,
                    "population-host", False)


def _epochs(prog, seeds, epochs: int, n: int, should_stop, prepare, call, builder):
    """The epoch loop: calls of as many epochs as fit (each network's own row orders), or of
    ~:data:`CALL_SECONDS` when a stop may come; (rows [epochs, N, keys], epochs done, status).
    ``prepare(orders, k)`` makes a call's arguments and ``call(arguments)`` runs it; the builder
    is released between the two, as late as can be: once it runs, this thread waits up to a
    switch interval (5 ms) whenever it gives the interpreter up, until it is in the call."""
    pop = len(seeds)
    done = 0
    orders = getattr(prog, "orders_buffer", None)  # kept with the program: no 4 MB to fault in
    if orders is None or orders.shape != (prog.max_k, pop, n):
        orders = prog.orders_buffer = np.empty((prog.max_k, pop, n), np.int32)
    # (rows past a call's epochs are not read)
    rows = []
    status = "completed"
    if should_stop is None:
        k = prog.max_k
    elif prog.epoch_seconds is None:
        k = 1
    else:
        k = int(CALL_SECONDS / max(prog.epoch_seconds, 1e-7))
    while done < epochs:
        if should_stop is not None and should_stop():
            status = "stopped"
            break
        kk = max(1, min(k, prog.max_k, epochs - done))
        for i, s in enumerate(seeds):
            orders[:kk, i] = epoch_orders(int(s), done, kk, n)
        args = prepare(orders, kk)
        if builder is not None:
            builder.go()
        c0 = time.perf_counter()
        rows.append(np.asarray(call(args))[:kk])
        per = (time.perf_counter() - c0) / kk
        if prog.traced:  # the first call traces and compiles: it says nothing about speed
            prog.epoch_seconds = per
            if should_stop is not None:
                k = min(8 * kk, int(CALL_SECONDS / max(per, 1e-7)))
        prog.traced = True
        done += kk
    rows = np.concatenate(rows) if rows else np.zeros((0, pop, len(prog.keys)), np.float32)
    return rows, done, status


def _results(seeds, models, rows, keys, tests, status, done, steps, t0, path, fresh):
    share = (time.perf_counter() - t0) / len(seeds)
    out = []
    for i, (s, model) in enumerate(zip(seeds, models)):
        history = {key: rows[:, i, j].astype(float).tolist() for j, key in enumerate(keys)}
        finite = bool(np.all(np.isfinite(rows[:, i])) and all(
            np.all(np.isfinite(v)) for v in tests[i].values()))
        test = tests[i] if finite else {}
        st = status if finite else "diverged"
        message = {"completed": f"Trained {done} epochs.",
                   "stopped": f"Stopped by you after {done} epochs.",
                   "diverged": "The loss became NaN or infinite."}[st]
        out.append(TrainResult(model=model, history=history, epochs_run=done, status=st,
                               message=message, seconds=share, test=test, seed=int(s),
                               steps=steps, path=path, compiled=fresh))
    return out


def precompile(data, spec: NetworkSpec, settings: TrainSettings, n: int) -> bool:
    """Compile the population program of ``n`` seeds of this network (:func:`supports` first), so
    that the next Repeat trains on it at once: an app calls this in the background after a Repeat
    that trained on the host engine. True if it compiled something new; False if the program was
    ready or is in use."""
    tf = _tensorflow()
    settings.check()
    task = data.task
    n_train, n_inputs = data.X_train.shape
    n_val = len(data.X_val)
    seeds = list(range(int(n)))
    loss_name = settings.loss_for(task)
    layout = layout_for(task, spec.layers_for(task, data.n_classes)[-1].units)
    jit = bool(settings.jit_compile)
    key = _key(spec, settings, task, loss_name, n_train, n_inputs, n_val, layout, len(seeds), jit)
    with _cache_lock:
        ready = _cache.get(key)
        if ready is not None and (ready.traced or ready.lock.locked()):
            return False

    def template():
        with build_lock:
            return empty_model(spec, n_inputs, task, data.n_classes)

    prog, fresh = _acquire(key, template, settings, task, loss_name, n_train, n_inputs, n_val,
                           layout, len(seeds), jit)
    try:
        if prog.traced:
            return False
        with build_lock:
            starts = initial_values_many(spec, n_inputs, task, data.n_classes, seeds)
        prog.load(starts, settings)
        width = [n_train, n_inputs]
        ydt = tf.float32 if layout == "column" else tf.int32
        yshape = [n_train, 1] if layout == "column" else [n_train]
        vrows = max(n_val, 1)
        prog.fn(tf.zeros(width, tf.float32), tf.zeros(yshape, ydt),
                tf.zeros([vrows, n_inputs], tf.float32), tf.zeros([vrows, *yshape[1:]], ydt),
                tf.zeros([prog.max_k, len(seeds), n_train], tf.int32),
                tf.constant(0, tf.int32))  # zero epochs: compiles, trains nothing
        # and the functions a Repeat calls around it (each traced once: 50-100 ms apiece)
        with build_lock:
            models = [empty_model(spec, n_inputs, task, data.n_classes) for _ in seeds]
        prog.store(models)
        X, y = (data.X_test, data.y_test) if len(data.X_test) else (data.X_train, data.y_train)
        prog.evaluate(X[:1], y[:1])
        prog.traced = True
        return True
    finally:
        prog.lock.release()


class _Builder(threading.Thread):
    """Makes the results' Keras models: :func:`empty_model` (the same config, layer names and
    variable paths as ``build_model`` gives, with zeros where the trained values will go), one at
    a time under ``build_lock``, once :meth:`go` is called. Started early, and released just
    before the compiled call: ``Thread.start`` waits for the new thread, which would then hold
    the interpreter for a switch interval (5 ms) before the training thread could go on."""

    def __init__(self, spec: NetworkSpec, n_inputs: int, task: Task, n_classes: int,
                 count: int) -> None:
        super().__init__(name="population-models", daemon=True)
        self.args = (spec, n_inputs, task, n_classes)
        self.count = int(count)
        self.models: list = []
        self.error: BaseException | None = None
        self._go = threading.Event()

    def go(self) -> None:
        self._go.set()

    def run(self) -> None:
        self._go.wait()
        try:
            for _ in range(self.count):
                with build_lock:
                    self.models.append(empty_model(*self.args))
        except BaseException as exc:  # handed to the training thread by result()
            self.error = exc

    def result(self) -> list:
        self.go()  # no epoch trained (nothing called go): build now
        self.join()
        if self.error is not None:
            raise self.error
        return self.models


def clear_population_cache() -> None:
    with _cache_lock:
        _cache.clear()
