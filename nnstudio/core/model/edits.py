"""Edits of a network spec: pure functions from a :class:`NetworkSpec` to a new one.

The network editor (and anything else: a script, a test) changes an architecture through these.
Each returns an :class:`Edit` — the new spec, the words for the undo history, and the row to
select afterwards — or ``None`` when the edit does not apply (no such row, nothing to remove); the
spec passed in is never changed. Rows are the editor's: ``0 .. len(hidden) - 1`` the hidden layers,
``len(hidden)`` the output layer.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task, default_output

#: The rate of a new Dropout layer when none is given.
DEFAULT_DROPOUT = 0.2


@dataclass(frozen=True)
class Edit:
    spec: NetworkSpec  # the network after the edit
    text: str  # what the edit did, for people (the undo history)
    row: int | None  # the row to select afterwards (None: keep the selection)


def class_width(classes: int) -> int:
    """Units for a hidden layer as wide as ``classes``: the next power of two (26 letters: 32)."""
    return 1 << max(0, classes - 1).bit_length()


def new_layer(spec: NetworkSpec, kind: str, near: int, dropout_rate: float = DEFAULT_DROPOUT) -> LayerSpec:
    """A sensible new layer: Dense copies the width and activation of the nearest Dense above."""
    if kind == "dense":
        for layer in reversed(spec.hidden[:max(0, near)]):
            if layer.kind == "dense":
                return LayerSpec.dense(layer.units, layer.activation)
        return LayerSpec.dense(4, "relu")
    if kind == "dropout":
        return LayerSpec.dropout(round(dropout_rate, 4))
    return LayerSpec.of_kind(kind)


def add_layer(spec: NetworkSpec, kind: str, row: int, before: bool = False,
              dropout_rate: float = DEFAULT_DROPOUT) -> Edit:
    """A layer below (``before``: above) ``row``; at or below the output row it is appended to the
    hidden stack (the output layer is always last)."""
    n = len(spec.hidden)
    at = n if row < 0 or row >= n else (row if before else row + 1)
    new = spec.copy()
    layer = new_layer(spec, kind, at, dropout_rate)
    new.hidden.insert(at, layer)
    return Edit(new, f"{'Insert' if before else 'Add'} {layer.describe()}", at)


def remove_layer(spec: NetworkSpec, row: int) -> Edit | None:
    if not 0 <= row < len(spec.hidden):
        return None
    new = spec.copy()
    gone = new.hidden.pop(row)
    return Edit(new, f"Remove layer {row + 1} ({gone.describe()})", min(row, len(new.hidden)))


def duplicate_layer(spec: NetworkSpec, row: int) -> Edit | None:
    if not 0 <= row < len(spec.hidden):
        return None
    new = spec.copy()
    new.hidden.insert(row + 1, replace(new.hidden[row]))
    return Edit(new, f"Duplicate layer {row + 1} ({new.hidden[row].describe()})", row + 1)


def move_layer(spec: NetworkSpec, src: int, dst: int) -> Edit | None:
    """The hidden layer at ``src`` moved to ``dst`` (the output layer does not move)."""
    n = len(spec.hidden)
    if not (0 <= src < n and 0 <= dst < n) or src == dst:
        return None
    new = spec.copy()
    layer = new.hidden.pop(src)
    new.hidden.insert(dst, layer)
    return Edit(new, f"Move layer {src + 1} ({layer.describe()}) {'up' if dst < src else 'down'}", dst)


def set_layer(spec: NetworkSpec, row: int, layer: LayerSpec, text: str | None = None) -> Edit | None:
    """The layer at ``row`` replaced (the output row sets an explicit output layer)."""
    new = spec.copy()
    if row == len(new.hidden):
        new.output = replace(layer)
        where = "the output layer"
    elif 0 <= row < len(new.hidden):
        new.hidden[row] = replace(layer)
        where = f"layer {row + 1}"
    else:
        return None
    return Edit(new, text or f"Change {where} to {layer.describe()}", row)


def change_units(spec: NetworkSpec, row: int, delta: int) -> Edit | None:
    """A Dense layer ``delta`` units wider (or narrower, down to 1). An output layer that follows
    the task is not changed: it has the task's width."""
    n = len(spec.hidden)
    if not 0 <= row <= n or (row == n and spec.output is None):
        return None
    layer = spec.hidden[row] if row < n else spec.output
    if layer.kind != "dense" or layer.units + delta < 1:
        return None
    where = "the output layer" if row == n else f"layer {row + 1}"
    return set_layer(spec, row, replace(layer, units=layer.units + delta),
                     f"Set the units of {where} to {layer.units + delta}")


def set_output_follows_task(spec: NetworkSpec, follow: bool, task: Task, n_classes: int) -> Edit:
    """The output layer follows the task (``follow``), or is set by hand, starting from the task's."""
    new = spec.copy()
    if follow:
        new.output = None
        text = "Let the output layer follow the task"
    else:
        new.output = default_output(task, n_classes)
        text = "Set the output layer by hand"
    return Edit(new, text, len(new.hidden))


def dropout_state(spec: NetworkSpec) -> tuple[int, int, float | None]:
    """(hidden Dense layers, of them followed by a Dropout, the rate of the first such Dropout)."""
    hidden = spec.hidden
    dense = followed = 0
    rate = None
    for i, layer in enumerate(hidden):
        if layer.kind == "dense":
            dense += 1
            if i + 1 < len(hidden) and hidden[i + 1].kind == "dropout":
                followed += 1
                if rate is None:
                    rate = hidden[i + 1].rate
    return dense, followed, rate


def set_dropout_after_hidden(spec: NetworkSpec, on: bool, rate: float = DEFAULT_DROPOUT) -> Edit:
    """A Dropout after every hidden Dense layer (``on``), or none directly after one."""
    rate = round(rate, 4)
    hidden: list[LayerSpec] = []
    i = 0
    while i < len(spec.hidden):
        layer = spec.hidden[i]
        hidden.append(replace(layer))
        nxt = spec.hidden[i + 1] if i + 1 < len(spec.hidden) else None
        if layer.kind == "dense":
            if on and (nxt is None or nxt.kind != "dropout"):
                hidden.append(LayerSpec.dropout(rate))
            elif not on and nxt is not None and nxt.kind == "dropout":
                i += 1  # skip it
        i += 1
    new = NetworkSpec(hidden, replace(spec.output) if spec.output else None)
    text = f"Add Dropout {rate:g} after the hidden layers" if on else \
        "Remove the Dropout after the hidden layers"
    return Edit(new, text, None)


def set_dropout_rate_after_hidden(spec: NetworkSpec, rate: float) -> Edit:
    """Every Dropout that directly follows a hidden Dense layer gets ``rate``."""
    rate = round(rate, 4)
    new = spec.copy()
    for i, layer in enumerate(new.hidden[:-1]):
        nxt = new.hidden[i + 1]
        if layer.kind == "dense" and nxt.kind == "dropout":
            nxt.rate = rate
    return Edit(new, f"Set the dropout rate to {rate:g}", None)


def remove_last_hidden_dense(spec: NetworkSpec) -> Edit | None:
    """Playground's "− layer": the last hidden Dense layer and the layers that follow it."""
    hidden = spec.hidden
    last = max((i for i, layer in enumerate(hidden) if layer.kind == "dense"), default=None)
    if last is None:
        return None
    new = spec.copy()
    del new.hidden[last:]
    return Edit(new, f"Remove layer {last + 1} ({hidden[last].describe()})", max(0, last - 1))


def from_text(text: str, task: Task | None, n_classes: int) -> Edit:
    """The network in its compact text form (SpecError when it cannot be read)."""
    return Edit(NetworkSpec.parse(text, task, n_classes), "Set the layers from text", 0)
