"""Shuffles from the host: each epoch's row order is a hash of (seed, epoch, row).

Computed in NumPy and handed to the compiled call, so the same seed gives the same curve whatever
the chunking, pauses or path (fast or streaming), and there is no RNG or sort to compile.

The orders are a pure function of (seed, epochs, rows), and the same ones are asked for again and
again: every Repeat trains seeds 0..N-1, a sweep trains each architecture with the same seeds, and
Train again on the same data reuses the seed. They are kept in a small cache (read-only arrays):
sorting them is 10-20 ms of a five-seed Repeat of W1 or W2, whose training takes 20-50 ms.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

#: Bytes of orders kept (least recently used first out); arrays over 1/8 of it are not kept.
CACHE_BYTES = 32 * 2**20
_cache: OrderedDict[tuple[int, int, int, int], np.ndarray] = OrderedDict()
_cache_bytes = 0
_lock = threading.Lock()


def _fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: a bijective mixer of uint64 arrays (wrapping arithmetic).
    Mixes ``x`` in place (one scratch array instead of a new array per step: 3x faster on an
    epoch's keys) and returns it."""
    t = np.empty_like(x)
    for multiplier in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, None):
        np.right_shift(x, _SHIFT, out=t)
        np.bitwise_xor(x, t, out=x)
        if multiplier is not None:
            np.multiply(x, np.uint64(multiplier), out=x)
    return x


_SHIFT = np.uint64(33)


def epoch_orders(seed: int, first_epoch: int, k: int, n: int) -> np.ndarray:
    """The shuffled row order of epochs ``first_epoch .. first_epoch + k - 1``, as [k, n] int32
    (read-only: it may be shared with other callers through the cache).

    Each epoch's order depends on (seed, epoch) only: the same whatever the chunking, pauses or
    path (fast or streaming). Rows are sorted by a hash of (seed, epoch, row); the hash is a
    bijection, so there are no ties and the order is the same on every machine.
    """
    global _cache_bytes
    key = (int(seed), int(first_epoch), int(k), int(n))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    out = _orders(*key)
    out.flags.writeable = False
    if out.nbytes <= CACHE_BYTES // 8:
        with _lock:
            if key not in _cache:
                _cache[key] = out
                _cache_bytes += out.nbytes
                while _cache_bytes > CACHE_BYTES:
                    _cache_bytes -= _cache.popitem(last=False)[1].nbytes
    return out


def _orders(seed: int, first_epoch: int, k: int, n: int) -> np.ndarray:
    ep = np.arange(first_epoch, first_epoch + k, dtype=np.uint64)
    s = _fmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)
                ^ np.uint64(0x9E3779B97F4A7C15))
    base = _fmix64(s + ep * np.uint64(0xD1B54A32D192ED03))
    rows = np.arange(n, dtype=np.uint64) * np.uint64(0xABC98388FB8FAC03)
    keys = _fmix64(np.add(base[:, None], rows[None, :]))
    return np.argsort(keys, axis=1).astype(np.int32)
