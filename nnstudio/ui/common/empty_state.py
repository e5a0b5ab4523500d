"""A view that says why it is empty: the view itself, or in its place a centred message.

Empty plots with made-up axes (a histogram from -400 to 400 thousandths, a log axis with no
curve) read as broken. Where a view has nothing to show yet, :class:`EmptyState` shows a short
message instead: what would be here and what to do to get it (the Inspector's "There is no
trained model yet" page is the model).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget


class EmptyState(QStackedWidget):
    """``content``, or a centred message in its place (:meth:`show_message`), with a button
    (:attr:`action`) where the message offers one thing to do."""

    def __init__(self, content: QWidget, message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.label = QLabel(message)
        self.label.setObjectName("emptyStateMessage")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setMargin(24)
        pal = self.label.palette()  # greyed, as a placeholder's text is
        pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.PlaceholderText))
        self.label.setPalette(pal)
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        lay.addWidget(self.label)
        self.action = QPushButton()
        self.action.setVisible(False)
        lay.addWidget(self.action, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        self.addWidget(page)
        self.addWidget(content)
        self.setCurrentIndex(0 if message else 1)

    @property
    def empty(self) -> bool:
        """Whether the message is shown instead of the view."""
        return self.currentIndex() == 0

    def show_message(self, text: str, action: str = "") -> None:
        """``text`` in the view's place; ``action``: the button's text (none where empty)."""
        self.label.setText(text)
        self.action.setText(action)
        self.action.setVisible(bool(action))
        self.setCurrentIndex(0)

    def show_content(self) -> None:
        self.setCurrentIndex(1)
