"""The host engine: a new network's first run in NumPy, with no tracing and no compiling.

Issue 18: the compiled engine is many times faster than Keras ``fit`` once its program exists, but
building that program (tracing the Keras model and optimizer into a graph, then XLA) costs one to
several seconds on a new architecture, where scikit-learn finishes a teaching net's whole run in
well under that. Teaching nets are tiny: one mini-batch step is a few NumPy calls on matrices of a
few dozen rows, which the host CPU runs in tens of microseconds with nothing to compile.

So a *first* run of a Dense network (``Trainer(plain_first_run=True)``: the CLI and the app's
Train, when the network's compiled program does not exist yet) trains here, while the app compiles
the fast program in the background for the runs that follow. A long run (more than
``engine.COMPILE_BEHIND_S`` seconds left) compiles it on a thread meanwhile and goes on with it
from this engine's state, mid-run. It is the same run, up to float
rounding (``tests/test_host_engine.py`` trains both ways and compares curves and weights):

* the same Keras model is trained: its initial weights are read from it and the trained ones
  written back (also at every progress report, so the live views, snapshots and health read the
  Keras model as on the compiled path), and the run's optimizer is a real Keras optimizer whose
  moments and step count are kept equal to the ones used here;
* the same row orders (:func:`~nnstudio.core.training.shuffle.epoch_orders`, handed in by the
  trainer's loop exactly as to the compiled call) and the same batches; the last, partial batch
  is its real rows only (the compiled program pads it with rows of weight 0: the same gradient);
* the same maths as Keras' TensorFlow graph, written out: ``Dense`` is ``x @ kernel + bias``; the
  cross-entropies are computed from the logits (Keras' TensorFlow backend takes them from the
  sigmoid/softmax op: ``sigmoid_cross_entropy_with_logits`` and
  ``sparse_softmax_cross_entropy_with_logits``); the loss is ``sum(loss * weight) / rows`` plus the
  L1/L2 penalties; the gradients are TensorFlow's (ReLU's is 0 at 0, ELU's uses its output); and the
  optimizers are transcribed from Keras' ``update_step`` (Adam, SGD with momentum/Nesterov,
  RMSprop), operation for operation in float32;
* the same epoch bookkeeping as the compiled chunk: per-epoch loss and metric weighted by rows,
  validation after the epoch, divergence rolls the epoch back, early stopping keeps the best
  weights.

What it covers (:func:`supports` says why not, and the run then uses the compiled path as before):
Dense layers, and before any of them Dropout, AlphaDropout, GaussianNoise, GaussianDropout (their
masks and noise drawn as the run's program draws them, XLA's or a plain graph's:
:mod:`~nnstudio.core.training.host_dropout`) and BatchNormalization (the batch statistics, moving
statistics and gradients as TensorFlow computes them: :mod:`~nnstudio.core.training.host_norm`):
every layer the network editor builds; every
activation of the network editor (softmax as the output of a classifier); sigmoid + binary
cross-entropy, softmax + sparse categorical cross-entropy, or mean squared error; the Adam, SGD
(momentum, Nesterov) and RMSprop optimizers; L1/L2 penalties and class weights.
"""
from __future__ import annotations

import numpy as np

from nnstudio.core.forward import ACTIVATION_FUNCTIONS, activation_gradient
from nnstudio.core.health import blas_controller
from nnstudio.core.model.spec import Task
from nnstudio.core.registry import canonical_activation
from nnstudio.core.settings import TrainSettings
from nnstudio.core.training import host_norm, host_optimizers
from nnstudio.core.training.evaluation import EVAL_BATCH_ROWS, summarize
from nnstudio.core.training.host_dropout import KINDS as NOISE_KINDS
from nnstudio.core.training.host_dropout import MaskStream, Noise
from nnstudio.core.training.program import MAX_CHUNK_EPOCHS, ORDER_BUDGET
from nnstudio.core.training.steps import (
    as_targets,
    kernel_penalties,
    make_optimizer,
    metric_name,
)

F32 = np.float32
#: Hidden-layer activations (and regression outputs) the host engine differentiates like TensorFlow.
ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "sigmoid", "tanh", "selu", "softplus",
               "swish", "hard_sigmoid", "gelu")
OPTIMIZERS = host_optimizers.OPTIMIZERS
#: Batches whose largest product (rows x width x width) is below this run BLAS on one thread.
SMALL_PRODUCT = 2**18


def supports(model, settings: TrainSettings, task: Task, loss_name: str) -> str | None:
    """None when this model and these settings can train on the host engine; else why not."""
    if settings.optimizer not in OPTIMIZERS:
        return f"the {settings.optimizer} optimizer"
    kinds = [type(layer).__name__ for layer in model.layers]
    if not kinds or kinds[-1] != "Dense" or set(kinds) - {"Dense", "BatchNormalization", *NOISE_KINDS}:
        return "layers other than Dense, BatchNormalization, dropouts and noise"
    if any(kind in NOISE_KINDS and kind != "GaussianNoise"
           and (layer.rate >= 1 or getattr(layer, "noise_shape", None) is not None)
           for kind, layer in zip(kinds, model.layers)):
        return "a dropout of rate 1 or with a noise shape"
    for kind, layer in zip(kinds, model.layers):
        why = host_norm.supported(layer) if kind == "BatchNormalization" else None
        if why:
            return why
    layers = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    for i, layer in enumerate(layers):
        act = canonical_activation(getattr(layer.activation, "__name__", "linear"))
        out = i == len(layers) - 1
        if act not in ACTIVATIONS and not (out and act == "softmax"):
            return f"the {act} activation"
        if layer.bias_regularizer is not None or layer.activity_regularizer is not None:
            return "bias or activity regularizers"
        reg = layer.kernel_regularizer
        if reg is not None and type(reg).__name__ not in ("L1L2", "L1", "L2"):
            return "a custom regularizer"
    out_act = canonical_activation(getattr(layers[-1].activation, "__name__", "linear"))
    if loss_name == "binary_crossentropy":
        ok = out_act == "sigmoid" and layers[-1].units == 1
    elif loss_name == "sparse_categorical_crossentropy":
        ok = out_act == "softmax"
    elif loss_name == "mse":
        ok = out_act != "softmax"
    else:
        ok = False
    if not ok:
        return f"the {loss_name} loss with a {out_act} output"
    if task is not Task.REGRESSION and loss_name == "mse":
        return "mean squared error on a classifier"
    return None


class _Layer:
    __slots__ = ("act", "bias", "bias_rows", "drops", "fn", "gb", "gk", "kernel", "kernel_t", "l1",
                 "l2", "normed")

    def __init__(self, act, kernel, bias, gk, gb, l1, l2, drops=()):
        self.act, self.kernel, self.bias, self.gk, self.gb = act, kernel, bias, gk, gb
        # what is done to its input, in order: a random layer (its place in the run's list of
        # them: Dropout, AlphaDropout, GaussianNoise, GaussianDropout), a BatchNormalization (its
        # HostNorm)
        self.drops = tuple(drops)
        self.normed = any(not isinstance(j, int) for j in self.drops)
        # views made once (the flat vectors change in place): the bias broadcast over rows, the
        # kernel transposed (a population's have the networks on a leading axis)
        self.bias_rows = None if bias is None else bias[..., None, :]
        self.kernel_t = kernel.swapaxes(-1, -2)
        self.fn = ACTIVATION_FUNCTIONS[act]
        self.l1, self.l2 = F32(l1), F32(l2)


def _layers(model, tvars: list, views: list, gviews: list,
            stats: dict) -> tuple[list[_Layer], list, list]:
    """The model's Dense layers over the flat vectors' views (``views[i]`` holds ``tvars[i]``;
    a population's views have the networks on a leading axis), its random layers that draw
    (Dropout's kinds, with a rate or stddev above 0) and its BatchNormalization layers
    (``stats``: each moving statistic's view, by variable id), each Dense layer knowing those on
    its input."""
    index = {id(v): i for i, v in enumerate(tvars)}
    out, dropouts, norms, pending = [], [], [], []
    for layer in model.layers:
        if type(layer).__name__ in NOISE_KINDS:
            if hasattr(layer, "seed_generator"):  # rate 0: Keras passes the inputs through
                pending.append(len(dropouts))
                dropouts.append(layer)
            continue
        if type(layer).__name__ == "BatchNormalization":
            g, b = index[id(layer.gamma)], index[id(layer.beta)]
            norms.append(host_norm.HostNorm(layer, views[g], views[b], gviews[g], gviews[b],
                                            stats[id(layer.moving_mean)],
                                            stats[id(layer.moving_variance)]))
            pending.append(norms[-1])
            continue
        k = index[id(layer.kernel)]
        b = index[id(layer.bias)] if layer.use_bias else None
        l1, l2 = kernel_penalties(layer)
        out.append(_Layer(canonical_activation(getattr(layer.activation, "__name__", "linear")),
                          views[k], None if b is None else views[b],
                          gviews[k], None if b is None else gviews[b], l1, l2, pending))
        pending = []
    return out, dropouts, norms


class HostProgram:
    """One run's network, optimizer state and epoch loop in NumPy; the interface of
    :class:`~nnstudio.core.training.program.Program` that the trainer's loop uses.

    Parameters live in one flat float32 vector (each kernel and bias a view of it) and so do the
    gradients and the optimizer's moments: an optimizer step is a handful of NumPy calls on the
    whole network, whatever its number of layers.
    """

    host = True
    jit = False
    traced = True
    plain_traced = True
    epoch_seconds = None

    def __init__(self, model, settings: TrainSettings, task: Task, loss_name: str,
                 n: int, n_inputs: int, n_val: int, layout: str, pop: int | None = None) -> None:
        """``pop``: that many networks of the model's architecture, each weight's copies side by
        side in the flat vectors and its views ``[pop, ...]`` (a population, in
        :mod:`nnstudio.core.training.host_population`); None: the one network."""
        lead = () if pop is None else (int(pop),)
        self.keras_model = model
        self.task, self.loss_name, self.layout = task, loss_name, layout
        self.n, self.n_inputs, self.n_val = n, n_inputs, n_val
        self.bs = settings.effective_batch_size(n)
        self.has_val = n_val > 0
        self.max_k = max(1, min(MAX_CHUNK_EPOCHS, ORDER_BUDGET // max(n, 1)))
        self.keys = ["loss", metric_name(task)] + (
            ["val_loss", f"val_{metric_name(task)}"] if self.has_val else [])
        self.optimizer_name = settings.optimizer
        self.momentum = F32(settings.momentum)
        self.nesterov = bool(settings.nesterov)
        self.tvars = list(model.trainable_variables)
        shapes = [lead + tuple(v.shape) for v in self.tvars]
        sizes = [int(np.prod(shape)) for shape in shapes]
        total = sum(sizes)
        self.params = np.zeros(total, F32)
        self.grads = np.zeros(total, F32)
        self.backup = np.zeros(total, F32)
        self.best = np.zeros(total, F32)
        ends = np.cumsum(sizes).tolist()
        self.slices = [slice(end - size, end) for size, end in zip(sizes, ends)]  # one per weight
        self.views = [self.params[sl].reshape(shape) for sl, shape in zip(self.slices, shapes)]
        self.gviews = [self.grads[sl].reshape(shape) for sl, shape in zip(self.slices, shapes)]
        # the weights that are not trained (BatchNormalization's moving statistics): one more
        # flat vector, saved and restored with the parameters as the compiled program does
        trainable = {id(v) for v in self.tvars}
        self.weights = list(model.weights)  # the compiled program's weights, in their order
        self.stat_vars = [v for v in self.weights if id(v) not in trainable]
        stat_shapes = [lead + tuple(v.shape) for v in self.stat_vars]
        stat_ends = np.cumsum([0] + [int(np.prod(sh)) for sh in stat_shapes]).tolist()
        self.stats = np.zeros(stat_ends[-1], F32)
        self.stats_backup, self.stats_best = self.stats.copy(), self.stats.copy()
        self.stat_slices = [slice(a, b) for a, b in zip(stat_ends, stat_ends[1:])]
        self.stat_views = [self.stats[sl].reshape(sh) for sl, sh in zip(self.stat_slices, stat_shapes)]
        self.layers, self.dropouts, self.norms = _layers(
            model, self.tvars, self.views, self.gviews,
            {id(v): view for v, view in zip(self.stat_vars, self.stat_views)})
        # each random layer's seed state, advanced a draw a step as Keras' SeedGenerator does
        widths = [int(layer.kernel.shape[-2]) for layer in self.layers for j in layer.drops
                  if isinstance(j, int)]
        self.noises = [Noise.of(layer) for layer in self.dropouts]
        self.masks = MaskStream([np.zeros(lead + (2,), np.int64)] * len(self.dropouts), widths,
                                self.noises, self.bs, -(-n // self.bs), tail_shaped=bool(self.norms),
                                xla=bool(settings.jit_compile),
                                planned=-(-n // self.bs) * int(settings.epochs))
        # optimizer state: Adam's m and v, SGD's momentum, RMSprop's velocity (flat, like params)
        self.m = np.zeros(total, F32)
        self.v = np.zeros(total, F32)
        self._t1 = np.zeros(total, F32)  # scratch for the optimizer's update
        self._t2 = np.zeros(total, F32)
        self.step_count = 0
        self.lr = F32(settings.learning_rate)
        self.class_w: np.ndarray | None = None
        self.best_value, self.best_epoch, self.wait = 0.0, -1, 0
        self._penalized = any(layer.l1 or layer.l2 for layer in self.layers)
        self._dirty = True
        self._settings = settings
        self._opt = None  # the run's Keras optimizer, made when first asked for (:attr:`opt`)
        self._opt_slots: list = []
        # BLAS on one thread for small products: its idle threads spin, and on a machine whose
        # cores TensorFlow's pools also use, that doubled a teaching net's step time
        width = max([n_inputs] + [int(v.shape[-1]) for v in self.tvars])
        products = (pop or 1) * self.bs * width * width
        self.blas_threads = 1 if products < SMALL_PRODUCT else None

    # ---- the interface the trainer's loop uses ----------------------------------------------
    @property
    def model(self):
        """The run's Keras model, holding the current weights (written back when read)."""
        self.sync()
        return self.keras_model

    @property
    def opt(self):
        """The run's Keras optimizer, holding the current moments and step count: what the
        trainer reports and snapshots read. Made on first use (a headless run never asks)."""
        if self._opt is None:
            self._opt = make_optimizer(self._settings)
            self._opt.build(self.tvars)
            self._opt_slots = self._optimizer_slots()
            self._opt_dirty = True
        if self._opt_dirty:
            self._opt.iterations.assign(self.step_count)
            self._opt.learning_rate.assign(self.lr)
            for var, slot, flat in self._opt_slots:
                var.assign(flat[slot].reshape(tuple(var.shape)))
            self._opt_dirty = False
        return self._opt

    def load(self, model, settings: TrainSettings, mode_max: bool) -> None:
        at = {id(v): i for i, v in enumerate(model.weights)}
        values = model.get_weights()
        for view, var in zip(self.views + self.stat_views, self.tvars + self.stat_vars):
            view[...] = values[at[id(var)]]
        self.masks.reset([layer.seed_generator.state.numpy() for layer in self.dropouts])
        self.m[:] = 0
        self.v[:] = 0
        self.step_count = 0
        self.lr = F32(settings.learning_rate)
        self.best_value = -np.inf if mode_max else np.inf
        self.best_epoch, self.wait = -1, 0
        self._dirty = self._opt_dirty = True

    def set_class_weights(self, weights: np.ndarray | None) -> None:
        self.class_w = None if weights is None else np.asarray(weights, F32)

    def learning_rate(self) -> float:
        return float(self.lr)

    def set_learning_rate(self, lr: float) -> None:
        self.lr = F32(lr)
        self._opt_dirty = True

    def steps(self) -> int:
        return int(self.step_count)

    def best_epoch_index(self) -> int:
        return int(self.best_epoch)

    def restore_best(self) -> None:
        self.params[:] = self.best
        self.stats[:] = self.stats_best
        self._dirty = self._opt_dirty = True

    def store(self, model) -> None:
        self.sync()
        if model is not self.keras_model:
            model.set_weights(self.keras_model.get_weights())

    def inputs(self, data) -> tuple:
        X = np.ascontiguousarray(data.X_train, F32)
        y = as_targets(data.y_train, self.layout)
        if self.has_val:
            return X, y, np.ascontiguousarray(data.X_val, F32), as_targets(data.y_val, self.layout)
        return X, y, X[:1], y[:1]

    def sync(self) -> None:
        """Write the weights into the Keras model (the optimizer's state: :attr:`opt`)."""
        if not self._dirty:
            return
        for var, view in zip(self.tvars + self.stat_vars, self.views + self.stat_views):
            var.assign(view)
        for layer, state in zip(self.dropouts, self.masks.states):
            layer.seed_generator.state.assign(state)
        self._dirty = False

    def _unflat(self, flat: np.ndarray) -> list[np.ndarray]:
        """A flat vector (parameters' layout) as copies, one array per weight of the model."""
        return [flat[sl].reshape(view.shape).copy() for sl, view in zip(self.slices, self.views)]

    def _slot_vectors(self) -> list[np.ndarray]:
        """The optimizer's per-weight state vectors, in the order Keras creates them per weight."""
        if self.optimizer_name == "adam":
            return [self.m, self.v]
        if self.optimizer_name == "sgd":
            return [self.m] if float(self.momentum) != 0 else []
        return [self.v]  # rmsprop

    def values(self) -> list[np.ndarray]:
        """``model.variables`` then ``optimizer.variables`` values, as the Keras model and optimizer
        would hold them, read without TensorFlow: what a snapshot keeps."""
        weights = self._unflat(self.params)
        if not self.dropouts and not self.stat_vars:
            return weights + self.optimizer_values()
        held = {id(v): w for v, w in zip(self.tvars, weights)}
        held.update((id(v), view.copy()) for v, view in zip(self.stat_vars, self.stat_views))
        held.update((id(layer.seed_generator.state), s.copy())
                    for layer, s in zip(self.dropouts, self.masks.states))
        return [held[id(v)] for v in self.keras_model.variables] + self.optimizer_values()

    def optimizer_values(self) -> list[np.ndarray]:
        """``optimizer.variables`` values in Keras' order: step count, learning rate, then each
        weight's slots in turn."""
        out = [np.array(self.step_count, np.int64), np.array(self.lr, F32)]
        per_slot = [self._unflat(flat) for flat in self._slot_vectors()]
        for i in range(len(self.slices)):
            out += [arrays[i] for arrays in per_slot]
        return out

    def best_values(self) -> list[np.ndarray]:
        """The kept best weights (early stopping), one array per weight of the model
        (``model.weights``: its moving statistics among them, as the compiled program keeps)."""
        held = {id(v): w for v, w in zip(self.tvars, self._unflat(self.best))}
        held.update((id(v), self.stats_best[sl].reshape(view.shape).copy())
                    for v, sl, view in zip(self.stat_vars, self.stat_slices, self.stat_views))
        return [held[id(v)] for v in self.weights]

    def _optimizer_slots(self) -> list[tuple[object, slice, np.ndarray]]:
        """(Keras optimizer variable, slice of the flat state, flat state) pairs."""
        opt = self._opt
        if self.optimizer_name == "adam":
            keras_slots = [opt._momentums, opt._velocities]
        elif self.optimizer_name == "sgd":
            keras_slots = [opt.momentums] if float(self.momentum) != 0 else []
        else:  # rmsprop
            keras_slots = [opt._velocities]
        return [(var, sl, flat) for slots, flat in zip(keras_slots, self._slot_vectors())
                for var, sl in zip(slots, self.slices)]

    # ---- the maths ------------------------------------------------------------------------------
    # Written for any leading axes: [rows, ...] here, [networks, rows, ...] in a population
    # (:mod:`nnstudio.core.training.host_population`), whose kernels are [networks, in, out].
    def _forward(self, x: np.ndarray, masks: list | None = None,
                 training: bool = False) -> tuple[list, list, list]:
        """Each layer's pre-activations, inputs and outputs. An input is the last output with
        what its layer's ``drops`` do to it, in order: a random layer (``masks``: each one's draw
        for this batch, a Dropout's keep mask or a GaussianNoise's noise; None in inference: the
        input passes), a BatchNormalization (the batch's statistics when ``training``)."""
        zs, acts, outs = [], [], [x]
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            h = outs[-1]
            for j in layer.drops:
                if not isinstance(j, int):
                    h = j.train(h) if training else j.infer(h)
                elif masks is not None:
                    h = self.noises[j].forward(h, masks[j])
            acts.append(h)
            z = h @ layer.kernel
            if layer.bias is not None:
                z += layer.bias_rows
            zs.append(z)
            outs.append(z if i == last else layer.fn(z))
        return zs, acts, outs

    def _head(self, z: np.ndarray, y: np.ndarray, need_grad: bool):
        """Output activation, per-row loss and dLoss/dz per row (unscaled) from the logits."""
        act = self.layers[-1].act
        if self.loss_name == "binary_crossentropy":
            p = F32(1) / (F32(1) + np.exp(-z))
            per_row = (np.maximum(z, F32(0)) - z * y + np.log1p(np.exp(-np.abs(z))))[..., 0]
            return p, per_row, (p - y if need_grad else None)
        if self.loss_name == "sparse_categorical_crossentropy":
            zmax = z.max(axis=-1, keepdims=True)
            e = np.exp(z - zmax)
            s = e.sum(axis=-1, keepdims=True)
            p = e / s
            # each row's logit of its class (the leading axes' indices broadcast against y)
            at = tuple(np.arange(k).reshape((-1,) + (1,) * (y.ndim - 1 - i))
                       for i, k in enumerate(y.shape)) + (y,)
            per_row = (np.log(s) + zmax)[..., 0] - z[at]
            d = None
            if need_grad:
                d = p.copy()
                d[at] -= F32(1)
            return p, per_row, d
        p = ACTIVATION_FUNCTIONS[act](z)  # mse
        diff = p - y
        per_row = np.mean(diff * diff, axis=-1)
        d = None
        if need_grad:
            d = activation_gradient(act, diff * (F32(2) / F32(z.shape[-1])), z, p)
        return p, per_row, d

    def _metric_rows(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.task is Task.REGRESSION:
            return np.abs(y - p)[..., 0]
        if p.shape[-1] == 1:
            return ((p > F32(0.5)).astype(F32) == y)[..., 0].astype(F32)
        return (p.argmax(axis=-1) == y).astype(F32)

    def _reg(self):
        total = F32(0)
        for layer in self.layers:
            if layer.l1:
                total = total + layer.l1 * np.sum(np.abs(layer.kernel), axis=(-2, -1))
            if layer.l2:
                total = total + layer.l2 * np.sum(np.square(layer.kernel), axis=(-2, -1))
        return total

    def _shared(self, y: np.ndarray) -> np.ndarray:
        """Targets every network sees (validation, test): as they are for one network."""
        return y

    def _step(self, xb: np.ndarray, yb: np.ndarray):
        """One optimizer step on a batch; (batch loss, correct rows or summed |error|), per
        network when there are several."""
        m = xb.shape[-2]
        masks = self.masks.next(m) if self.dropouts else None
        zs, acts, outs = self._forward(xb, masks, True)
        p, per_row, d = self._head(zs[-1], yb, True)
        if self.class_w is not None:  # each row's class weight ([rows], or [N, rows])
            sw = self.class_w[yb.reshape(per_row.shape).astype(np.int64)]
            loss = (per_row * sw).sum(axis=-1) / F32(m)
            d = d * (sw / F32(m))[..., None]
        else:
            loss = per_row.sum(axis=-1) / F32(m)
            d = d / F32(m)
        reg = self._reg() if self._penalized else F32(0)
        layers = self.layers
        for i in range(len(layers) - 1, -1, -1):
            layer = layers[i]
            np.matmul(acts[i].swapaxes(-1, -2), d, out=layer.gk)
            if layer.gb is not None:
                d.sum(axis=-2, out=layer.gb)
            if layer.l1:
                layer.gk += layer.l1 * np.sign(layer.kernel)
            if layer.l2:
                layer.gk += F32(2) * layer.l2 * layer.kernel
            if i or layer.normed:  # (the network's inputs normalized: gamma's, beta's gradients)
                g = d @ layer.kernel_t
                for j in reversed(layer.drops):  # back through the random layers
                    if isinstance(j, int):  # and normalizations
                        g = self.noises[j].backward(g, masks[j])
                    else:
                        g = j.backward(g)
                if i:
                    d = activation_gradient(layers[i - 1].act, g, zs[i - 1], outs[i])
        self._apply()
        return loss + reg, self._metric_rows(p, yb).sum(axis=-1)

    def _validate(self, Xv: np.ndarray, yv: np.ndarray):
        zs = self._forward(Xv)[0]
        yb = self._shared(yv)
        p, per_row, _ = self._head(zs[-1], yb, False)
        return per_row.mean(axis=-1) + self._reg(), self._metric_rows(p, yb).mean(axis=-1)

    def _split(self, X, y) -> tuple[np.ndarray, object]:
        """Predictions on a split (in blocks of rows) and its loss with the penalties."""
        n = len(X)
        yt_all = as_targets(np.asarray(y), self.layout)
        loss_sum, preds = 0.0, []
        with np.errstate(all="ignore"):
            for i in range(0, n, EVAL_BATCH_ROWS):
                zs = self._forward(np.ascontiguousarray(X[i:i + EVAL_BATCH_ROWS], F32))[0]
                p, per_row, _ = self._head(zs[-1], self._shared(yt_all[i:i + EVAL_BATCH_ROWS]),
                                           False)
                loss_sum = loss_sum + np.sum(per_row, axis=-1).astype(np.float64)
                preds.append(p)
            reg = self._reg()
        return np.concatenate(preds, axis=-2), loss_sum / n + reg

    def _apply(self) -> None:
        """The optimizer's update of every parameter (:func:`host_optimizers.apply`)."""
        host_optimizers.apply(self.optimizer_name, self.grads, self.params, self.m, self.v,
                              self._t1, self._t2, self.lr, self.step_count, self.momentum,
                              self.nesterov)
        self.step_count += 1

    def call(self, args) -> tuple[np.ndarray, int, int]:
        """Run up to ``k`` epochs: the compiled chunk's contract (rows, epochs done, status 0 /
        1 diverged / 2 early stop)."""
        with np.errstate(all="ignore"):  # a diverging run's overflow is reported, not warned
            if self.blas_threads is None:
                return self._call(args)
            with blas_controller().limit(limits=self.blas_threads, user_api="blas"):
                return self._call(args)

    def _call(self, args) -> tuple[np.ndarray, int, int]:
        X, y, Xv, yv, orders, epoch0, k, early, patience, mon_index, mode_max = args
        n, bs = self.n, self.bs
        buf = np.zeros((int(k), len(self.keys)), np.float32)
        done, status = 0, 0
        for e in range(int(k)):
            self.backup[:] = self.params
            self.stats_backup[:] = self.stats
            perm = orders[e]
            Xe, ye = X[perm], y[perm]
            loss_sum, met_sum = 0.0, 0.0
            for s in range(0, n, bs):
                lo, me = self._step(Xe[s:s + bs], ye[s:s + bs])
                loss_sum += float(lo) * min(bs, n - s)
                met_sum += float(me)
            row = [loss_sum / n, met_sum / n]
            if self.has_val:
                row += [float(v) for v in self._validate(Xv, yv)]
            row_f = np.asarray(row, np.float32)
            self._dirty = self._opt_dirty = True
            ok = bool(np.all(np.isfinite(row_f)) and np.all(np.isfinite(self.params))
                      and np.all(np.isfinite(self.stats)))
            if not ok:
                self.params[:] = self.backup
                self.stats[:] = self.stats_backup
                status = 1
                break
            buf[e] = row_f
            done += 1
            if early:
                cur = float(row_f[int(mon_index)])
                better = cur > self.best_value if mode_max else cur < self.best_value
                if better:
                    self.best_value, self.best_epoch, self.wait = cur, int(epoch0) + e, 0
                    self.best[:] = self.params
                    self.stats_best[:] = self.stats
                else:
                    self.wait += 1
                    if self.wait >= int(patience):
                        status = 2
                        break
        return buf, done, status

    def evaluate(self, X, y) -> dict[str, float]:
        """Loss (with the penalties) and the metric on a split, in blocks of rows."""
        if len(X) == 0:
            return {}
        p, loss = self._split(X, y)
        return summarize(p, np.asarray(y), self.task, float(loss))
