"""Short forms of names for places with little room (axis ticks, diagram labels, form rows)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel


def short(text, n: int) -> str:
    """``text`` as it is, or cut to ``n`` characters ending in "…" (the full name goes in a
    tooltip or the table beside it)."""
    text = str(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def short_label(text, n: int) -> QLabel:
    """A form row's label: ``text`` cut to ``n`` characters, the whole of it as its tooltip (a long
    column name pushed its field or slider out of view)."""
    label = QLabel(short(text, n))
    label.setToolTip(str(text))
    return label
