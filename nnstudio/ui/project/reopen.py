"""On start, offer to reopen the last project — in the status bar, never a dialog that blocks the
start: the app opens on XOR as before, and one click brings the last project back."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class ReopenOffer(QWidget):
    def __init__(self, window, path: str) -> None:
        super().__init__(window)
        self.window, self.path = window, path
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(f"Last project: <b>{Path(path).name}</b>")
        self.label.setToolTip(path)
        self.button = QPushButton("Reopen")
        self.button.setToolTip(f"Open {path} again (File > Open recent project has the others).")
        self.button.clicked.connect(self.reopen)
        close = QToolButton()
        close.setText("×")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        lay.addWidget(self.label)
        lay.addWidget(self.button)
        lay.addWidget(close)
        window.statusBar().addPermanentWidget(self)
        # anything else opened first (a file on the command line, an example, data) retires it
        window.state.project_changed.connect(self.dismiss)

    def reopen(self) -> bool:
        path = self.path
        self.dismiss()
        return bool(self.window.project_actions.open_recent(path))

    def dismiss(self) -> None:
        try:
            self.window.state.project_changed.disconnect(self.dismiss)
        except (RuntimeError, TypeError):
            pass
        self.window.statusBar().removeWidget(self)
        self.hide()
        self.deleteLater()
        if getattr(self.window, "reopen_offer", None) is self:
            self.window.reopen_offer = None


def offer_last_project(window) -> ReopenOffer | None:
    """Show the offer if the most recent project file still exists."""
    recent = window.project_actions.recent()
    if not recent or not Path(recent[0]).is_file():
        return None
    window.reopen_offer = ReopenOffer(window, recent[0])
    return window.reopen_offer
