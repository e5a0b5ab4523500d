"""Whether this machine has the memory to train a network, said before training starts.

A network typed as ``dense:100000:relu,dense:100000:relu`` has ten billion parameters. Training it
needs its weights, their gradients and the optimizer's state (Adam keeps two moments per weight),
4 bytes each: 160 GB. TensorFlow then failed deep inside ("OOM when allocating tensor"), reported
as an internal error, or the system killed the app and its unsaved work with it.
:func:`check_fits` says instead, before anything is allocated, how much the network needs against
what the machine has, and what to change.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from nnstudio.core.errors import SpecError
from nnstudio.core.model.spec import NetworkSpec, Task, count_params
from nnstudio.core.registry import OPTIMIZERS

#: Values of 4 bytes kept per parameter beyond the weight and its gradient, by optimizer (Keras'
#: slots: Adam, Adamax and Nadam two moments; RMSprop and Adagrad one accumulator; plain SGD none).
OPTIMIZER_SLOTS = {"adam": 2, "adamax": 2, "nadam": 2, "rmsprop": 1, "adagrad": 1, "sgd": 0}
#: At most this share of the machine's memory for one training run (the app, the data, TensorFlow
#: and the rest of the system need the remainder).
MAX_SHARE = 0.8


@functools.cache
def machine_memory_bytes() -> int | None:
    """The memory this process can use: the physical memory, or a container's lower limit
    (cgroup v2 ``memory.max`` / v1 ``limit_in_bytes``); None when it cannot be told. Read once:
    every Train, Repeat and network-editor refresh asks."""
    found: list[int] = []
    try:
        found.append(int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES")))
    except (AttributeError, ValueError, OSError):
        pass
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < 2**60:  # "max" or a huge number: no limit
            found.append(int(text))
    return min(found) if found else None


def training_bytes(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int,
                   optimizer: str = "adam", momentum: float = 0.0, batch: int = 32) -> int:
    """About how many bytes training takes: per parameter the weight, its gradient and the
    optimizer's slots; per row of a batch each layer's outputs and their gradients."""
    params = count_params(spec, n_inputs, task, n_classes)
    opt = str(optimizer).lower()
    slots = OPTIMIZER_SLOTS.get(opt, 2) + (1 if opt in ("sgd", "rmsprop") and momentum > 0 else 0)
    widths = [n_inputs] + [layer.units for layer in spec.layers_for(task, n_classes)
                           if layer.kind == "dense" and layer.units]
    return 4 * params * (2 + slots) + 4 * 2 * max(1, int(batch)) * sum(widths)


def size_text(n: float) -> str:
    """1.6 GB, 160 GB, 850 MB (decimal units, as memory is sold)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else (
                f"{n:.1f} {unit}" if n < 10 else f"{n:,.0f} {unit}")
        n /= 1000
    return f"{n:,.0f} TB"  # pragma: no cover - the loop returns at GB


def check_fits(spec: NetworkSpec, n_inputs: int, task: Task | str, n_classes: int, settings,
               n_train: int, copies: int = 1, available: int | None = None) -> None:
    """Raise a SpecError saying what to change when training this network (``copies`` of it at
    once: a Repeat's seeds trained together) would take more than :data:`MAX_SHARE` of the
    machine's memory (``available``: the machine's bytes, for tests)."""
    total = machine_memory_bytes() if available is None else available
    if not total:
        return
    batch = settings.effective_batch_size(max(1, int(n_train)))
    need = max(1, int(copies)) * training_bytes(spec, n_inputs, task, n_classes, settings.optimizer,
                                                float(getattr(settings, "momentum", 0.0)), batch)
    if need <= MAX_SHARE * total:
        return
    params = count_params(spec, n_inputs, task, n_classes)
    many = f"{copies} networks of " if copies > 1 else ""
    entry = OPTIMIZERS.get(str(settings.optimizer).lower())
    opt = entry.label if entry is not None else str(settings.optimizer)
    raise SpecError(
        f"This network needs about {size_text(need)} of memory to train ({many}{params:,} "
        f"parameters, "
        f"each with its gradient and {opt}'s state, 4 bytes apiece, and the "
        f"outputs of batches of {batch:,} rows), more than this machine's {size_text(total)} can "
        f"hold.",
        "Use fewer units or layers: a Dense layer's parameters grow with its units times the "
        "previous layer's (1,000 × 1,000 units is a million), or a smaller batch.")
