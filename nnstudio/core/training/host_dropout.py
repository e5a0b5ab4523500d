"""Dropout and noise on the NumPy host engine: what the compiled program draws, bit for bit.

Keras' ``Dropout`` (TensorFlow backend) draws each mask with ``stateless_dropout`` seeded by the
layer's seed state, which then advances by [0, 1]. In the compiled program (XLA on the CPU) that
is a stateless uniform from XLA's Philox-4x32-10 generator: the seed pair (the int64 state
``floormod`` 2^31 - 2, as Keras casts it) is scrambled into a key and a counter by one Philox call
with a fixed key, the numbers are Philox blocks of four at counters 0, 1, 2 ... (high word the
scrambled one), and a float is the top 23 bits of a number over 2^23. A unit is kept where its
number is at least the rate, and kept values are multiplied by 1 / (1 - rate).

TensorFlow's own kernel (a plain graph, ``jit_compile`` off) takes the low 23 bits of the same
numbers instead: ``xla=False``. Written out here in NumPy (``tests/core/test_host_dropout.py``
checks both bit for bit against TensorFlow, and against Keras' own layer in a compiled function),
the host engine draws the masks its run's program would draw, so a first run of a network with
Dropout is the same run as on that program, with nothing to trace or compile.

The editor's other random layers draw from the same numbers: ``AlphaDropout`` keeps a unit where its
uniform number is at least the rate (as Dropout), then maps it affinely; ``GaussianNoise`` adds and
``GaussianDropout`` multiplies by normal numbers (``stateless_random_normal``: Box-Muller on pairs
of those uniforms, :func:`normal`), to float rounding of sine, cosine and logarithm.
"""
from __future__ import annotations

import math

import numpy as np

U32, U64 = np.uint32, np.uint64
#: Keras' ``_cast_seed``: an int64 seed state ``floormod`` this, as int32
SEED_MOD = 2**31 - 2
#: Masks drawn ahead, at most this many numbers a Dropout layer (Philox in NumPy costs mostly its
#: ~60 calls: W1d's masks drawn an epoch at a time took about a third of its run; drawn for the
#: whole run, drawing and handing them out took under a tenth, profiled)
AHEAD_NUMBERS = 2**21
#: Philox-4x32's multipliers and key increments, and the fixed key that scrambles a seed
_M0, _M1 = U64(0xD2511F53), U64(0xCD9E8D57)
_W0, _W1 = U32(0x9E3779B9), U32(0xBB67AE85)
_SCRAMBLE = (U32(0x3EC8F720), U32(0x02461E29))
#: SELU's constants, as Keras' AlphaDropout spells them
ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def philox(counter: tuple, key: tuple) -> tuple:
    """Philox-4x32 with 10 rounds on uint32 arrays (broadcast): the four output words."""
    c0, c1, c2, c3 = (np.asarray(x, U32) for x in counter)
    k0, k1 = (np.asarray(x, U32) for x in key)
    thirty_two = U64(32)
    with np.errstate(over="ignore"):
        for _ in range(10):
            p0 = c0.astype(U64) * _M0
            p1 = c2.astype(U64) * _M1
            c0, c1, c2, c3 = ((p1 >> thirty_two).astype(U32) ^ c1 ^ k0, p1.astype(U32),
                              (p0 >> thirty_two).astype(U32) ^ c3 ^ k1, p0.astype(U32))
            k0 = k0 + _W0
            k1 = k1 + _W1
    return c0, c1, c2, c3


def uniform(seeds: np.ndarray, size: int, xla: bool = True) -> np.ndarray:
    """``stateless_random_uniform([size], seed)`` for each int32 seed pair of ``seeds`` ([..., 2],
    values in [0, 2^31)) as XLA computes it (``xla``), else as TensorFlow's kernel: float32
    [..., size]."""
    seeds = np.asarray(seeds, np.int64)
    lead = seeds.shape[:-1]
    flat = seeds.reshape(-1, 2)
    zero = np.zeros(len(flat), U32)
    mix = philox((flat[:, 0].astype(U32), zero, flat[:, 1].astype(U32), zero), _SCRAMBLE)
    blocks = -(-int(size) // 4)
    j = np.arange(blocks, dtype=U64)
    counter = ((j & U64(0xFFFFFFFF)).astype(U32)[None, :], (j >> U64(32)).astype(U32)[None, :],
               mix[2][:, None], mix[3][:, None])
    bits = np.stack(philox(counter, (mix[0][:, None], mix[1][:, None])), -1)
    bits = bits.reshape(len(flat), blocks * 4)[:, :size]
    mantissa = (bits >> U32(9)) if xla else (bits & U32(0x7FFFFF))
    return (mantissa.astype(np.float32) * np.float32(2.0 ** -23)).reshape(*lead, size)


def _box_muller(u1: np.ndarray, u2: np.ndarray, xla: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two normal numbers from two uniform ones: (sin, cos) of 2 pi u2 times sqrt(-2 log u1), u1
    at least 1e-7; TensorFlow's kernel takes 2 pi u2 in double."""
    u1 = np.maximum(u1, np.float32(1e-7))
    if xla:
        v = np.float32(2 * np.pi) * u2
    else:
        v = (2 * np.pi * u2.astype(np.float64)).astype(np.float32)
    r = np.sqrt(np.float32(-2) * np.log(u1))
    return np.sin(v) * r, np.cos(v) * r


def normal(seeds: np.ndarray, shape: tuple[int, ...], xla: bool = True) -> np.ndarray:
    """``stateless_random_normal(shape, seed)`` for each seed pair of ``seeds`` ([..., 2]): float32
    [..., *shape]. TensorFlow's kernel pairs consecutive uniform numbers; XLA pairs them along one
    dimension of the shape (its first even one, else its first largest), drawing the shape with
    that dimension d as [ceil(d / 2), 2] and the two halves' results side by side."""
    seeds = np.asarray(seeds, np.int64)
    lead, shape = seeds.shape[:-1], tuple(int(d) for d in shape)
    size = int(np.prod(shape))
    if not xla:
        m = -(-size // 2) * 2
        u = uniform(seeds, m, False)
        a, b = _box_muller(u[..., 0::2], u[..., 1::2], False)
        return np.stack([a, b], -1).reshape(*lead, m)[..., :size].reshape(*lead, *shape)
    split = next((i for i, d in enumerate(shape) if d % 2 == 0), int(np.argmax(shape)))
    half = -(-shape[split] // 2)
    drawn = shape[:split] + (half, 2) + shape[split + 1:]
    u = uniform(seeds, int(np.prod(drawn)), True).reshape(*lead, *drawn)
    axis = len(lead) + split + 1
    a, b = _box_muller(np.take(u, 0, axis), np.take(u, 1, axis), True)
    out = np.stack([a, b], axis).reshape(*lead, *shape[:split], 2 * half, *shape[split + 1:])
    return np.take(out, np.arange(shape[split]), len(lead) + split)


def _seeds(state: np.ndarray, draws: int) -> np.ndarray:
    """The int32 seed pairs of a layer's next ``draws`` calls from its seed ``state`` ([..., 2]
    int64, as ``SeedGenerator.state`` holds it; call t uses ``state + [0, t]``): [draws, ..., 2]."""
    state = np.asarray(state, np.int64)
    t = np.arange(int(draws), dtype=np.int64).reshape((-1,) + (1,) * (state.ndim - 1))
    return np.stack(np.broadcast_arrays(state[..., 0] + 0 * t, state[..., 1] + t), -1) % SEED_MOD


def keep_masks(state: np.ndarray, draws: int, shape: tuple[int, ...], rate: float,
               xla: bool = True) -> np.ndarray:
    """The keep masks of a Dropout layer's next ``draws`` calls on inputs of ``shape``, from its
    seed ``state`` ([..., 2] int64): bool [draws, ..., *shape]."""
    seeds = _seeds(state, draws)
    size = int(np.prod(shape))
    return (uniform(seeds, size, xla) >= np.float32(rate)).reshape(*seeds.shape[:-1], *shape)


#: The Keras layers :class:`Noise` computes
KINDS = ("Dropout", "AlphaDropout", "GaussianNoise", "GaussianDropout")


class Noise:
    """One random layer's constants as Keras' layer computes them (in double, then float32 as
    TensorFlow casts them against float32 tensors), what it does to its input given its draw for
    the step (a keep mask for Dropout and AlphaDropout, a float32 array for the Gaussian layers),
    and to the gradient (TensorFlow's of Keras' call). The population program computes the same
    layer with these constants (:func:`~nnstudio.core.training.population_layers.noise`).
    ``kind``: the Keras class (:data:`KINDS`); ``value``: its rate (above 0), or GaussianNoise's
    stddev.

    ``rate``: units are kept where their uniform number is at least this (Dropout, AlphaDropout);
    ``stddev``, ``mean``: the normal numbers' (GaussianNoise, GaussianDropout); ``a``: what a
    Dropout multiplies a kept unit by, and with ``b`` AlphaDropout's affine map of ``fill``, the
    value a dropped unit takes."""

    __slots__ = ("a", "b", "fill", "kind", "mean", "rate", "stddev", "uniform")

    def __init__(self, kind: str, value: float) -> None:
        self.kind = kind
        self.uniform = kind in ("Dropout", "AlphaDropout")
        value = float(value)
        self.rate = value
        self.stddev = self.mean = self.a = self.b = self.fill = np.float32(0)
        if kind == "GaussianNoise":
            self.stddev = np.float32(value)
        elif kind == "GaussianDropout" and value < 1:
            self.stddev, self.mean = np.float32(math.sqrt(value / (1.0 - value))), np.float32(1.0)
        elif kind == "Dropout" and value < 1:
            self.a = scale_of(value)
        elif kind == "AlphaDropout" and value < 1:
            alpha_p = -ALPHA * SCALE
            a = ((1 - value) * (1 + value * alpha_p**2)) ** -0.5
            self.a, self.b, self.fill = np.float32(a), np.float32(-a * alpha_p * value), np.float32(alpha_p)

    @classmethod
    def of(cls, layer) -> Noise:
        """The Keras layer's."""
        kind = type(layer).__name__
        return cls(kind, layer.stddev if kind == "GaussianNoise" else layer.rate)

    def draw(self, state: np.ndarray, draws: int, shape: tuple[int, ...], xla: bool) -> np.ndarray:
        """The layer's draws for its next ``draws`` calls on inputs of ``shape``: [draws, ...]."""
        if self.uniform:
            return keep_masks(state, draws, shape, self.rate, xla)
        return normal(_seeds(state, draws), shape, xla) * self.stddev + self.mean

    def forward(self, h: np.ndarray, d: np.ndarray) -> np.ndarray:
        if self.kind == "Dropout":
            return np.where(d, h * self.a, np.float32(0))
        if self.kind == "AlphaDropout":  # (inputs * kept + alpha_p * (1 - kept)) * a + b
            return self.a * np.where(d, h, self.fill) + self.b
        return h + d if self.kind == "GaussianNoise" else h * d

    def backward(self, g: np.ndarray, d: np.ndarray) -> np.ndarray:
        if self.uniform:
            return np.where(d, g * self.a, np.float32(0))
        return g if self.kind == "GaussianNoise" else g * d


def scale_of(rate: float) -> np.float32:
    """What TensorFlow multiplies a kept value by: 1 / (1 - rate), in double, then float32."""
    return np.float32(1 / (1 - rate))


class MaskStream:
    """The draws of a training run's random layers (Dropout's masks, the Gaussian layers' noise),
    made many steps ahead.

    ``states``: per random layer (in the network's order) its seed state, [2] or [N, 2] for N
    networks, advanced by one draw per step as the layer advances it; ``widths`` the width of
    the inputs each one takes, ``noises`` what each is (:class:`Noise`); ``xla``: as XLA draws
    them (else as TensorFlow's kernel). :meth:`next` gives one step's draws. ``steps``: the steps
    to draw at a time (``planned``, the run's steps, at most: a 2-epoch run draws no more),
    within :data:`AHEAD_NUMBERS`. ``tail_shaped``: the program draws a last, partial batch at its
    own shape (a network with BatchNormalization: XLA's normal numbers then differ from the first
    rows of a full batch's), else as the first rows of a full batch."""

    def __init__(self, states: list[np.ndarray], widths: list[int], noises: list[Noise],
                 bs: int, steps: int, xla: bool = True, planned: int | None = None,
                 tail_shaped: bool = False) -> None:
        self._start = [np.array(s, np.int64) for s in states]  # the states at the first draw
        self.widths, self.noises = list(widths), list(noises)
        self.bs, self.xla, self.tail_shaped = int(bs), bool(xla), bool(tail_shaped)
        lead = int(np.prod(self._start[0].shape[:-1])) if self._start else 1  # networks
        fit = AHEAD_NUMBERS // max(1, lead * self.bs * max(self.widths, default=1))
        self.steps = max(1, min(int(planned or steps), max(int(steps), fit)))
        self._buf: list[np.ndarray] = []
        self._at = 0  # the next step's place in the draws made ahead
        self._drawn = 0  # steps since the start

    @property
    def states(self) -> list[np.ndarray]:
        """Each random layer's seed state now, as the Keras layer would hold it (copies)."""
        return [s + np.array([0, self._drawn], np.int64) for s in self._start]

    def reset(self, states: list[np.ndarray]) -> None:
        """Start from these seed states (a run loaded); draws made ahead are dropped."""
        self._start = [np.array(s, np.int64) for s in states]
        self._buf, self._at, self._drawn = [], 0, 0

    def next(self, rows: int) -> list[np.ndarray]:
        """Each random layer's draw for a step of ``rows`` rows ([..., rows, width]); the seed
        states advance by one draw."""
        if not self._buf or self._at >= len(self._buf[0]):
            self._buf = [noise.draw(s, self.steps, (self.bs, w), self.xla)
                         for s, w, noise in zip(self.states, self.widths, self.noises)]
            self._at = 0
        at = self._at
        if rows == self.bs:
            out = [d[at] for d in self._buf]
        else:
            out = [noise.draw(s, 1, (rows, w), True)[0]
                   if self.tail_shaped and self.xla and not noise.uniform else d[at][..., :rows, :]
                   for d, noise, s, w in zip(self._buf, self.noises, self.states, self.widths)]
        self._at += 1
        self._drawn += 1
        return out
