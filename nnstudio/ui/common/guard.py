"""A re-entrancy blocker for views that fill their own widgets from the state.

While a view sets its widgets' values from the project, their change signals must not write back
(or push an undo step). Instead of a ``_loading`` flag set and cleared by hand in every such method,
a view holds one :class:`FillGuard` and says ``with self._filling:`` around the filling; its change
handlers start with ``if self._filling: return``. Nested fills are fine (it counts), and an exception
inside the block cannot leave the guard raised.
"""
from __future__ import annotations


class FillGuard:
    def __init__(self) -> None:
        self._depth = 0

    def __enter__(self) -> FillGuard:
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1

    def __bool__(self) -> bool:
        return self._depth > 0
