"""The Data tab's findings note: as tall as its text up to a cap, then it scrolls, so the columns
table under it keeps its rows on a 1280 x 720 screen (ui/common/capped_note.py)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from nnstudio.ui.common.capped_note import CappedNote


def _page(qtbot, text: str, cap: int = 100):
    page = QWidget()
    label = QLabel(text)
    box = CappedNote(label, cap)
    lay = QVBoxLayout(page)
    lay.addWidget(box)
    lay.addStretch(1)
    qtbot.addWidget(page)
    page.resize(500, 600)
    page.show()
    qtbot.waitExposed(page)
    return page, label, box


def test_a_short_note_is_as_tall_as_its_text_and_a_long_one_stops_at_the_cap_and_scrolls(qtbot):
    _, label, short = _page(qtbot, "One line of findings.")
    qtbot.waitUntil(lambda: short.height() == short.sizeHint().height())
    assert short.height() < 60 and not short.verticalScrollBar().isVisible()
    _, label, long = _page(qtbot, " ".join(["A finding that goes on and on."] * 80))
    qtbot.waitUntil(lambda: long.height() == 100)
    assert label.height() > 100  # the text is taller than its box: it scrolls
    assert long.verticalScrollBar().maximum() > 0


def test_the_box_shows_and_hides_with_its_note(qtbot):
    page, label, box = _page(qtbot, "A finding.")
    assert box.isVisible()
    label.setVisible(False)
    assert box.isHidden()
    label.setVisible(True)
    assert box.isVisible()
