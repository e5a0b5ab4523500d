"""Whether the next run in a loop of runs (a cross-validation's folds, a sweep's runs trained
alone, a Repeat's seeds one after another) starts on the host engine or compiles its program
(issue 18).

A run whose compiled program does not exist yet can start at once on the NumPy host engine
(``Trainer(plain_first_run=True)``, :mod:`nnstudio.core.training.host`), where it is slower than
compiled: the loop weighs the two by what it has measured. The digits example's folds (0.1 s each
on the host engine) never compile; the churn example's (1.8 s there, 0.6 s compiled after a 1 s
compile) compile at the second.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable


class HostOrCompile:
    """The runs of a loop, by program (``keys``: one key per run to come, a program's runs
    sharing it). Each run starts on the host engine while its program is not compiled (no
    compile wait: nothing is known yet), until the last host run of that program, in seconds,
    times the runs of it still to come would pass a long run's rule
    (:data:`nnstudio.core.training.engine.COMPILE_BEHIND_S`): that run compiles the program and
    the rest reuse it. The measure stays for the program's later runs on data of another shape
    (folds of 2,666 and 2,667 rows are two compiled programs: the second compiles too)."""

    def __init__(self, keys: Iterable[Hashable]) -> None:
        self.left = Counter(keys)  # program -> runs still to come
        self.host_seconds: dict[Hashable, float] = {}  # program -> its last host run's seconds

    def plain(self, key: Hashable) -> bool:
        """The ``plain_first_run`` for the next run of program ``key``."""
        from nnstudio.core.training.engine import COMPILE_BEHIND_S  # noqa: PLC0415 -- lazy: the engine imports this module

        seconds = self.host_seconds.get(key)
        return seconds is None or seconds * self.left[key] <= COMPILE_BEHIND_S

    def ran(self, key: Hashable, trainer) -> None:
        """A run of ``key`` ended (``trainer``: its :class:`~nnstudio.core.training.engine.Trainer`)."""
        self.left[key] -= 1
        if trainer.ran_host and trainer.switched_at is None:  # its time there, training alone
            self.host_seconds[key] = trainer.host_seconds
