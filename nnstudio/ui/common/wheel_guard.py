"""The mouse wheel never edits a field the user did not click into.

Scrolling a panel used to change whatever number field or combo box passed under the pointer (a
learning rate, an L2 factor — and with it the trained model). :func:`guard_wheel` gives every spin
box, combo box and slider under a widget ``Qt.StrongFocus`` (a click or Tab focuses it; the wheel
does not) and an event filter: while the field has no keyboard focus, a wheel turn over it scrolls
the panel around it instead of changing the value.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

GUARDED = (QAbstractSpinBox, QComboBox, QAbstractSlider)
_MARK = "_nnstudio_wheel_guard"


class WheelGuard(QObject):
    """Event filter: a wheel event over an unfocused guarded field goes to the enclosing scroll
    area (or nowhere), never to the field."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, QWidget) or obj.hasFocus():
            return False
        area = _scroll_area_of(obj)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        event.ignore()
        return True


def _scroll_area_of(w: QWidget) -> QAbstractScrollArea | None:
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and not isinstance(p, QComboBox):
            return p
        p = p.parentWidget()
    return None


_guard: WheelGuard | None = None


def guard_wheel(root: QWidget) -> int:
    """Guard every spin box, combo box and slider under ``root`` (and ``root`` itself); idempotent.
    Returns how many fields were newly guarded. Scroll bars are left alone: wheeling them is the
    point."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(QApplication.instance())
    found = [root] if isinstance(root, GUARDED) else []
    for cls in GUARDED:
        found.extend(root.findChildren(cls))
    n = 0
    for w in found:
        if isinstance(w, QScrollBar) or w.property(_MARK):
            continue
        w.setProperty(_MARK, True)
        if w.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            w.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        w.installEventFilter(_guard)
        n += 1
    return n
