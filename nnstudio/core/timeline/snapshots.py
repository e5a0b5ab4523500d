"""A run's timeline: snapshots of its weights and optimizer state at the reports it makes.

A :class:`Timeline` keeps :class:`Snapshot` s in epoch order under a memory cap the user can see
(:attr:`Timeline.nbytes` of :attr:`Timeline.cap_bytes`). Every report is kept early in a run;
when the cap is reached every other snapshot between the first and the newest is dropped and the
*gap* (the fewest epochs between two snapshots) doubles, so a long run keeps a thinned, evenly
spread history instead of stopping to record. Snapshots are plain NumPy arrays: a snapshot's
``variables`` are a Keras model's ``model.variables`` values (weights, statistics such as batch-norm
means, and the dropout RNG state) and ``optimizer`` its optimizer's ``variables`` values (step
count, learning rate, moments), so :class:`~nnstudio.core.training.engine.StartFrom` can continue
training from one exactly.

On disk (beside a project's run weights, :mod:`nnstudio.core.experiments.store`) a timeline is one
``.npz`` (no pickle): ``epochs``, ``opt_flags``, ``v<i>_<j>`` (snapshot i's variable j) and
``o<i>_<j>`` (its optimizer variable j).
"""
from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnstudio.core.errors import ProjectError

#: The default memory cap of one run's timeline (bytes).
DEFAULT_CAP_BYTES = 32 * 2**20


@dataclass
class Snapshot:
    epoch: int  # epochs done when it was taken
    variables: list[np.ndarray]  # model.variables values
    optimizer: list[np.ndarray] | None = None  # optimizer.variables values (None: not known)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.variables) + sum(a.nbytes for a in self.optimizer or [])


@dataclass
class Timeline:
    """Snapshots of one run, in epoch order, under ``cap_bytes``."""

    cap_bytes: int = DEFAULT_CAP_BYTES
    snapshots: list[Snapshot] = field(default_factory=list)
    gap: int = 1  # the fewest epochs between two kept snapshots (doubles at each thinning)
    thinned: int = 0  # how many times it was thinned
    #: which of a snapshot's ``variables`` are the model's weights (``get_weights()`` order; the
    #: rest are RNG states); None: all of them
    weight_index: list[int] | None = None
    #: the run's health statistics (core.health.Health) saved with the snapshots; after a load, their
    #: plain form (``Health.from_state`` makes them again)
    health: object | None = None

    # ----- recording -----------------------------------------------------------------------------
    def add(self, snap: Snapshot) -> bool:
        """Keep ``snap`` (unless it is closer than :attr:`gap` to the previous one); thin when the
        cap is passed. A snapshot at an epoch already kept replaces it. Returns whether it was kept."""
        if self.snapshots and snap.epoch <= self.snapshots[-1].epoch:
            if snap.epoch == self.snapshots[-1].epoch:
                self.snapshots[-1] = snap
                return True
            return False
        if self.snapshots and len(self.snapshots) > 1 \
                and snap.epoch - self.snapshots[-1].epoch < self.gap:
            # closer than the gap: it replaces the newest unless that one opened a new gap
            if self.snapshots[-1].epoch - self.snapshots[-2].epoch < self.gap:
                self.snapshots[-1] = snap
                return True
        self.snapshots.append(snap)
        while self.nbytes > self.cap_bytes and len(self.snapshots) > 2:
            self._thin()
        return True

    def _thin(self) -> None:
        """Drop every other snapshot between the first and the newest; double the gap."""
        first, *middle, last = self.snapshots
        self.snapshots = [first, *middle[1::2], last]
        self.gap *= 2
        self.thinned += 1

    # ----- reading -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.snapshots)

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.snapshots)

    @property
    def epochs(self) -> list[int]:
        return [s.epoch for s in self.snapshots]

    def nearest(self, epoch: int) -> Snapshot:
        """The snapshot closest to ``epoch`` (the earlier on a tie)."""
        if not self.snapshots:
            raise ProjectError("This run kept no snapshots.",
                               "Train it again: runs keep snapshots while they train.")
        return min(self.snapshots, key=lambda s: (abs(s.epoch - int(epoch)), s.epoch))

    def at(self, epoch: int) -> Snapshot:
        """The snapshot taken after exactly ``epoch`` epochs; a clear error naming the ones kept."""
        for s in self.snapshots:
            if s.epoch == int(epoch):
                return s
        raise ProjectError(f"There is no snapshot at epoch {epoch}.",
                           f"Snapshots were kept at epochs {describe_epochs(self.epochs)}.")

    def weights_of(self, snap: Snapshot) -> list[np.ndarray]:
        """The snapshot as ``model.get_weights()`` (what the live views draw)."""
        if self.weight_index is None:
            return list(snap.variables)
        return [snap.variables[i] for i in self.weight_index]

    def memory_text(self) -> str:
        """``"14 snapshots, 1.2 MB of 32 MB"`` (and the thinning, when it happened)."""
        mb = 2**20
        text = f"{len(self)} snapshots, {self.nbytes / mb:.1f} MB of {self.cap_bytes / mb:.0f} MB"
        if self.thinned:
            text += f" (thinned {self.thinned}x: one every {self.gap}+ epochs)"
        return text

    # ----- files ---------------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        """Write the timeline to ``path`` (.npz) atomically: a temporary file renamed into place."""
        path = Path(path)
        arrays: dict[str, np.ndarray] = {
            "epochs": np.array(self.epochs, np.int64),
            "opt_flags": np.array([s.optimizer is not None for s in self.snapshots], bool),
            "meta": np.array([self.cap_bytes, self.gap, self.thinned], np.int64)}
        if self.weight_index is not None:
            arrays["weight_index"] = np.array(self.weight_index, np.int64)
        for i, s in enumerate(self.snapshots):
            for j, a in enumerate(s.variables):
                arrays[f"v{i}_{j}"] = np.asarray(a)
            for j, a in enumerate(s.optimizer or []):
                arrays[f"o{i}_{j}"] = np.asarray(a)
        state = self.health.to_state() if hasattr(self.health, "to_state") else self.health
        if state is not None:
            arrays["health"] = np.array(json.dumps(state))
        tmp = path.with_name(f".{path.stem}.{secrets.token_hex(8)}.tmp.npz")
        try:
            np.savez(tmp, **arrays)
            os.replace(tmp, path)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise ProjectError(f"Cannot save a run's snapshots in {path.parent}: {e.strerror}.",
                               "Check the folder is writable and the disk not full.") from None

    @classmethod
    def load(cls, path: Path | str) -> Timeline:
        try:
            with np.load(path, allow_pickle=False) as z:
                epochs = [int(e) for e in z["epochs"]]
                flags = [bool(f) for f in z["opt_flags"]]
                cap, gap, thinned = (int(x) for x in z["meta"])
                names = set(z.files)
                windex = [int(i) for i in z["weight_index"]] if "weight_index" in names else None
                snaps = []
                for i, e in enumerate(epochs):
                    v = _series(z, names, f"v{i}_")
                    o = _series(z, names, f"o{i}_") if flags[i] else None
                    snaps.append(Snapshot(e, v, o))
                health = json.loads(str(z["health"])) if "health" in names else None
        except (OSError, ValueError, KeyError) as e:
            raise ProjectError(f"The snapshots in {Path(path).name} cannot be read: {e}.",
                               "Train the run again to record new ones.") from None
        return cls(cap_bytes=cap, snapshots=snaps, gap=gap, thinned=thinned, weight_index=windex,
                   health=health)


def _series(z, names: set[str], prefix: str) -> list[np.ndarray]:
    out = []
    j = 0
    while f"{prefix}{j}" in names:
        out.append(z[f"{prefix}{j}"])
        j += 1
    return out


def describe_epochs(epochs: list[int], most: int = 12) -> str:
    """``1, 3, 8, ... 100`` (at most ``most`` numbers)."""
    if not epochs:
        return "(none)"
    if len(epochs) <= most:
        return ", ".join(str(e) for e in epochs)
    head = ", ".join(str(e) for e in epochs[:most - 2])
    return f"{head}, ... {epochs[-1]} ({len(epochs)} in all)"
