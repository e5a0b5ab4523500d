"""Garbage collection on the GUI thread, with the full passes put off to a pause in the user's input.

Python's cyclic collector runs on whichever thread happens to allocate; on a worker thread it can
destroy Qt objects (widgets in reference cycles) there, which crashes or deadlocks against the GUI
thread. So automatic collection is off and a timer on the GUI thread collects instead, as
pyqtgraph's ``GarbageCollector`` does. That one also runs a full pass (generation 2) every tenth
generation-1 pass, whatever the user is doing: after an hour of trying networks each compiled
program leaves its long-lived objects behind, and a full pass walked them with the window frozen
(0.9 s after 170 steps of the QA monkey, a tab click waiting on it). Here a full pass that falls due
waits until the user has left the mouse and keyboard alone for :attr:`IDLE_S`, and runs at the
latest :attr:`OVERDUE_S` after it fell due (garbage in cycles does not pile up for long).
"""
from __future__ import annotations

import gc
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Slot

#: Events that mean the user is at the window.
_INPUT = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove,
          QEvent.Type.Wheel, QEvent.Type.KeyPress, QEvent.Type.KeyRelease}


class IdleGarbageCollector(QObject):
    INTERVAL_MS = 500
    IDLE_S = 1.5
    OVERDUE_S = 120.0

    def __init__(self, app, clock=time.monotonic) -> None:
        super().__init__(app)
        self.clock = clock
        self.threshold = gc.get_threshold()
        gc.disable()
        self.last_input = clock()
        self.due_since: float | None = None  # when a full pass fell due (None: not due)
        self.full_passes = 0
        app.installEventFilter(self)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(self.INTERVAL_MS)

    def eventFilter(self, obj, event) -> bool:
        if event.type() in _INPUT:
            self.last_input = self.clock()
        return False

    @Slot()
    def check(self) -> None:
        """Collect what is due: generations 0 and 1 at once (milliseconds), a full pass when the
        user pauses or it is overdue."""
        l0, l1, l2 = gc.get_count()
        if l0 > self.threshold[0]:
            gc.collect(0)
            if l1 > self.threshold[1]:
                gc.collect(1)
        if l2 > self.threshold[2] or self.due_since is not None:
            now = self.clock()
            if self.due_since is None:
                self.due_since = now
            if now - self.last_input >= self.IDLE_S or now - self.due_since >= self.OVERDUE_S:
                gc.collect(2)
                self.full_passes += 1
                self.due_since = None
