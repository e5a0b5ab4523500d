"""Views whose figures are costly to compute (importance, baselines) compute them when seen.

A change of input calls :meth:`ComputedWhenShown.request_compute`: computed at once if the view is
on screen, else marked stale and computed the next time it is shown — a hidden tab costs nothing.
The view defines ``compute()``, which starts by clearing ``_stale``.
"""
from __future__ import annotations


class ComputedWhenShown:
    """Mix in before the QWidget base: ``class View(ComputedWhenShown, QWidget)``."""

    _stale = False

    def request_compute(self) -> None:
        self._stale = True
        if self.isVisible():
            self.compute()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.compute()
