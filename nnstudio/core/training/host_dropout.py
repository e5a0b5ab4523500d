"""Dropout on the NumPy host engine: the masks the compiled program draws, bit for bit.

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
"""
from __future__ import annotations

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


def keep_masks(state: np.ndarray, draws: int, shape: tuple[int, ...], rate: float,
               xla: bool = True) -> np.ndarray:
    """The keep masks of a Dropout layer's next ``draws`` calls on inputs of ``shape``, from its
    seed ``state`` ([..., 2] int64, as ``SeedGenerator.state`` holds it; the layer's call t uses
    ``state + [0, t]``): bool [draws, ..., *shape]."""
    state = np.asarray(state, np.int64)
    t = np.arange(int(draws), dtype=np.int64).reshape((-1,) + (1,) * (state.ndim - 1))
    seeds = np.stack(np.broadcast_arrays(state[..., 0] + 0 * t, state[..., 1] + t), -1) % SEED_MOD
    size = int(np.prod(shape))
    return (uniform(seeds, size, xla) >= np.float32(rate)).reshape(*seeds.shape[:-1], *shape)


def scale_of(rate: float) -> np.float32:
    """What TensorFlow multiplies a kept value by: 1 / (1 - rate), in double, then float32."""
    return np.float32(1 / (1 - rate))


class MaskStream:
    """The masks of a training run's Dropout layers, drawn many steps ahead.

    ``states``: per Dropout layer (in the network's order) its seed state, [2] or [N, 2] for N
    networks, advanced by one draw per step as the layer advances it; ``widths`` the width of
    the inputs each one drops, ``rates`` their rates; ``xla``: as XLA draws them (else as
    TensorFlow's kernel). :meth:`next` gives one step's masks. ``steps``: the steps to draw at
    a time (``planned``, the run's steps, at most: a 2-epoch run draws no more), within
    :data:`AHEAD_NUMBERS`."""

    def __init__(self, states: list[np.ndarray], widths: list[int], rates: list[float],
                 bs: int, steps: int, xla: bool = True, planned: int | None = None) -> None:
        self._start = [np.array(s, np.int64) for s in states]  # the states at the first mask drawn
        self.widths, self.rates = list(widths), [float(r) for r in rates]
        self.scales = [scale_of(r) for r in self.rates]
        self.bs, self.xla = int(bs), bool(xla)
        lead = int(np.prod(self._start[0].shape[:-1])) if self._start else 1  # networks
        fit = AHEAD_NUMBERS // max(1, lead * self.bs * max(self.widths, default=1))
        self.steps = max(1, min(int(planned or steps), max(int(steps), fit)))
        self._buf: list[np.ndarray] = []
        self._at = 0  # the next step's place in the masks drawn ahead
        self._drawn = 0  # steps since the start

    @property
    def states(self) -> list[np.ndarray]:
        """Each Dropout layer's seed state now, as the Keras layer would hold it (copies)."""
        return [s + np.array([0, self._drawn], np.int64) for s in self._start]

    def reset(self, states: list[np.ndarray]) -> None:
        """Start from these seed states (a run loaded); masks drawn ahead are dropped."""
        self._start = [np.array(s, np.int64) for s in states]
        self._buf, self._at, self._drawn = [], 0, 0

    def next(self, rows: int) -> list[np.ndarray]:
        """Each Dropout layer's keep mask for a step of ``rows`` rows ([..., rows, width]);
        the seed states advance by one draw."""
        if not self._buf or self._at >= len(self._buf[0]):
            self._buf = [keep_masks(s, self.steps, (self.bs, w), r, self.xla)
                         for s, w, r in zip(self.states, self.widths, self.rates)]
            self._at = 0
        at = self._at
        out = [m[at] for m in self._buf] if rows == self.bs else [m[at][..., :rows, :] for m in self._buf]
        self._at += 1
        self._drawn += 1
        return out
