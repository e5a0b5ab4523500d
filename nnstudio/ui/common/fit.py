"""Views that scale their whole drawing to fit (the Inspector's network diagram, the W6 graph, the
Network tab)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea


def no_scroll_bars(view: QAbstractScrollArea) -> None:
    """A view that always shows its whole drawing has nothing to scroll to; with scroll bars "as
    needed", a fit that filled the view to the last pixel could make one appear, which shrank the
    view, whose next fit made it disappear, and so on for ever: the window froze (at 1270-1294 x
    720 on the digits network, monkey seed 59)."""
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
