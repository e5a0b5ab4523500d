"""A tab widget whose pages scroll when the window is smaller than they would like.

A page's minimum size used to become the window's: the Data tab alone made the window 843 px
high, taller than a 1280 x 720 or 1366 x 768 laptop screen. Each page added here sits in a
frameless :class:`QScrollArea` that fills the tab with it: at a normal size nothing
changes; on a small screen the page scrolls instead of pushing the window off the screen.

The page, not its scroll area, is what callers see: :meth:`addTab`, :meth:`insertTab`,
:meth:`indexOf`, :meth:`widget`, :meth:`currentWidget` and :meth:`setCurrentWidget` all take and
return the page itself.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class _PageScroll(QScrollArea):
    """The page gets the whole viewport, or its minimum size where that is larger.

    Not ``widgetResizable``: for a page with word-wrapped labels (height-for-width) Qt then sizes
    the page to its *preferred* height, so a page that fits at its minimum scrolled anyway."""

    def __init__(self, page: QWidget) -> None:
        super().__init__()
        self.page = page
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(False)
        self.setWidget(page)
        page.installEventFilter(self)

    def _fit(self) -> None:
        m = self.page.minimumSizeHint().expandedTo(self.page.minimumSize())
        vp = self.maximumViewportSize()  # the viewport without scroll bars
        w, h = max(vp.width(), m.width()), max(vp.height(), m.height())
        # a scroll bar one way takes room the other way
        if w > vp.width():
            h = max(m.height(), vp.height() - self.horizontalScrollBar().sizeHint().height())
        if h > vp.height():
            w = max(m.width(), vp.width() - self.verticalScrollBar().sizeHint().width())
        if self.page.size() != QSize(w, h):
            self.page.resize(w, h)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.page and event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self._fit)  # the page's minimum may have changed
        return super().eventFilter(obj, event)


def fitted_scroll(widget: QWidget) -> QScrollArea:
    """``widget`` filling a frameless box, scrolling only where the box is smaller than the
    widget's least size (:class:`_PageScroll`): with word-wrapped labels a resizable scroll
    area sized it to its preferred height (the attributions to 1,047 px in a 338 px box)."""
    return _PageScroll(widget)


def vertical_scroll(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless box as wide as it, scrolling up and down when taller (a long bar
    chart, a long list of scalings): its height no longer becomes the page's."""
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return scroll


class ScrollTabs(QTabWidget):
    def addTab(self, page: QWidget, *args) -> int:
        return super().addTab(_PageScroll(page), *args)

    def insertTab(self, index: int, page: QWidget, *args) -> int:
        return super().insertTab(index, _PageScroll(page), *args)

    def _scroll_of(self, page: QWidget | None):
        if page is None:
            return None
        for i in range(self.count()):
            s = super().widget(i)
            if s is page or getattr(s, "page", None) is page:
                return s
        return page

    def indexOf(self, page: QWidget) -> int:
        return super().indexOf(self._scroll_of(page))

    def widget(self, index: int) -> QWidget | None:
        s = super().widget(index)
        return getattr(s, "page", s)

    def currentWidget(self) -> QWidget | None:
        s = super().currentWidget()
        return getattr(s, "page", s)

    def setCurrentWidget(self, page: QWidget) -> None:
        s = self._scroll_of(page)
        if s is not None:
            super().setCurrentWidget(s)

    @staticmethod
    def scroll_area(page: QWidget) -> QScrollArea | None:
        p = page.parentWidget()
        while p is not None and not isinstance(p, _PageScroll):
            p = p.parentWidget()
        return p if isinstance(p, _PageScroll) and p.page is page else None


__all__ = ["ScrollTabs"]
