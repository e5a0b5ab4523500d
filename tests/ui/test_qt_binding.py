"""Guard against a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call that returns None
(e.g. ``setToolTip``); a GUI that updates live runs out of references within minutes and aborts
with "Fatal Python error: none_dealloc". pyproject.toml excludes that version; this test fails if
a broken binding is installed anyway.
"""
import sys

from PySide6.QtWidgets import QWidget


def test_calls_returning_none_keep_none_refcount(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    before = sys.getrefcount(None)
    for _ in range(2000):
        w.setToolTip("a")
    assert sys.getrefcount(None) - before > -100


def test_bool_signal_keeps_true_refcount(qtbot):
    from PySide6.QtWidgets import QCheckBox

    box = QCheckBox()
    qtbot.addWidget(box)
    seen = []
    box.toggled.connect(lambda v: seen.append(v) or seen.clear())
    before = sys.getrefcount(True)
    for i in range(2000):
        box.setChecked(i % 2 == 0)
    assert sys.getrefcount(True) - before > -100
