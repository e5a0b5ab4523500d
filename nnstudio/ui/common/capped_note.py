"""A word-wrapped note that is as tall as its text up to a cap, and scrolls beyond it.

The Data tab's findings (a -999 code, a blood pressure's 0s, an age of -1, a leak …) are one
label: with three of them on a 1280 x 720 screen it took the height the columns table and the
column's summary needed, and squeezed them to a row and a half, the summary's chart over its
combo boxes. In a :class:`CappedNote` the label keeps its own height while it is short, and at
most ``cap`` pixels (then a scroll bar), so the tables under it keep theirs.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy


class CappedNote(QScrollArea):
    """``label`` (word-wrapped) in a frameless box as tall as the label at the box's width, at
    most ``cap`` pixels. It shows and hides with the label."""

    def __init__(self, label: QLabel, cap: int = 120) -> None:
        super().__init__()
        self.label, self.cap = label, cap
        label.setWordWrap(True)
        self.setWidget(label)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setVisible(not label.isHidden())
        label.installEventFilter(self)

    def _text_height(self, width: int) -> int:
        inner = max(1, width - (self.verticalScrollBar().sizeHint().width()
                                if self.verticalScrollBar().isVisible() else 0))
        return self.label.heightForWidth(inner)

    def sizeHint(self) -> QSize:
        width = self.viewport().width() if self.isVisible() else self.label.sizeHint().width()
        return QSize(self.label.sizeHint().width(), min(self.cap, max(1, self._text_height(width))))

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.sizeHint().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.height() != self.sizeHint().height():
            self.updateGeometry()  # another width wraps the text into other lines

    def eventFilter(self, obj, event) -> bool:
        if obj is self.label:
            kind = event.type()
            if kind in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):  # the label's own
                self.setVisible(kind == QEvent.Type.ShowToParent)  # setVisible, the box hidden or not
            if kind in (QEvent.Type.Show, QEvent.Type.LayoutRequest, QEvent.Type.Resize):
                self.updateGeometry()
        return super().eventFilter(obj, event)
