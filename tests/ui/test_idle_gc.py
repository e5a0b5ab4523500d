"""Full garbage-collection passes wait for a pause in the user's input: after 170 steps of the QA
monkey one froze the window for 0.9 s right after a tab click."""
from __future__ import annotations

import gc

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from nnstudio.ui.common.idle_gc import IdleGarbageCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def due() -> None:
    """Make a full pass due: each generation-1 pass counts toward it."""
    for _ in range(gc.get_threshold()[2] + 1):
        gc.collect(1)


def test_a_full_pass_waits_for_the_user_to_pause_and_never_too_long(qtbot):
    clock = Clock()
    collector = IdleGarbageCollector(QApplication.instance(), clock=clock)
    collector.timer.stop()  # checked by hand here
    try:
        box = QLineEdit()
        qtbot.addWidget(box)
        due()
        QTest.keyClick(box, Qt.Key.Key_A)  # typing
        collector.check()
        assert collector.full_passes == 0 and gc.get_count()[2] > gc.get_threshold()[2]
        clock.now += collector.IDLE_S  # a pause
        collector.check()
        assert collector.full_passes == 1 and gc.get_count()[2] == 0
        due()
        start = clock.now
        while clock.now - start < collector.OVERDUE_S:  # typing on and on: put off
            QTest.keyClick(box, Qt.Key.Key_B)
            collector.check()
            assert collector.full_passes == 1
            clock.now += collector.IDLE_S / 2
        QTest.keyClick(box, Qt.Key.Key_B)
        collector.check()
        assert collector.full_passes == 2  # overdue: collected all the same
    finally:
        QApplication.instance().removeEventFilter(collector)
        collector.deleteLater()
        gc.disable()  # (the app's own collector keeps collection off)
