"""The Data tab's findings about what a score depends on (core.data.checks), each with its
one-click remedy: read look-alike values as one, hold out whole groups, read -999 as missing, read
a blood pressure's 0 as missing in that column alone."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.core.data import checks
from nnstudio.core.data.missing_codes import read_codes_as_missing, read_missing_in
from nnstudio.core.numbers import and_list
from nnstudio.ui.common.capped_note import CappedNote
from nnstudio.ui.data.data_command import push_edit
from nnstudio.ui.data.styles import WARN_COLOURS, note_style
from nnstudio.ui.state import AppState

#: the findings' note is at most this many pixels high (about seven lines), then scrolls
NOTE_CAP = 118


class ChecksRow(QWidget):
    """The findings' note and their buttons. ``changed``: a button changed the project's
    preprocessing or split; ``data_read``: it read the table again (codes as missing)."""

    changed = Signal()
    data_read = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.note.setStyleSheet(note_style(WARN_COLOURS))
        self.spell_btn = QPushButton("Read them as one")  # look-alike values (checks.look_alikes)
        self.spell_btn.setToolTip("Values that differ only in capitals, spaces or a final full stop are read as one, "
                                  "written as their most frequent spelling (Spelling on each column)")
        self.spell_btn.clicked.connect(self._read_as_one)
        self._alike: list[str] = []  # the columns spell_btn reads as one
        self.group_btn = QPushButton()  # rows in groups split at random (checks.mixed_groups)
        self.group_btn.setToolTip("Every row of one group in training, or every row held out: the "
                                  "test rows are then of groups the network never saw")
        self.group_btn.clicked.connect(self._hold_out_groups)
        self._groups = ""  # the column group_btn holds out whole groups of
        self.code_btn = QPushButton()  # -999 among temperatures (core.data.missing_codes)
        self.code_btn.clicked.connect(self._read_codes)
        self._codes: list[str] = []  # the codes code_btn reads as missing
        self.own_btn = QPushButton()  # a blood pressure of 0, an age of -1 (core.data.missing_codes)
        self.own_btn.clicked.connect(self._read_own)
        self._own: dict[str, list[str]] = {}  # what own_btn reads as missing, column by column
        self.undo_stack = None  # the window's QUndoStack: each remedy is undone with Ctrl+Z
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        # the findings scroll past ~7 lines, and their buttons stand one above the other: three
        # findings side by side with two buttons squeezed the tables below on a 1280 x 720 screen
        row.addWidget(CappedNote(self.note, NOTE_CAP), 1, Qt.AlignmentFlag.AlignTop)
        buttons = QVBoxLayout()
        buttons.setSpacing(2)
        for b in self.buttons:
            b.setVisible(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        row.addLayout(buttons)

    @property
    def buttons(self) -> list[QPushButton]:
        return [self.code_btn, self.own_btn, self.spell_btn, self.group_btn]

    def clear(self) -> None:
        self.note.setVisible(False)
        for b in self.buttons:
            b.setVisible(False)

    def show_found(self, prepared, project) -> checks.Findings:
        """The findings about ``project``'s ``prepared`` data, and the buttons they call for."""
        found = checks.check(prepared, project)
        self.note.setText("⚠ " + "\n⚠ ".join(found.notes) if found.notes else "")
        self.note.setVisible(bool(found.notes))
        self._alike = [col for col, _groups in checks.look_alikes(prepared)]
        self.spell_btn.setVisible(bool(self._alike))
        self._groups = found.groups
        self.group_btn.setText(f"Hold out whole groups of {found.groups}")
        self.group_btn.setVisible(bool(found.groups))
        self._codes = list(found.codes)
        n = len(self._codes)
        short = 0 < n <= 2 and all(len(c) <= 6 for c in self._codes)  # -999, not 480000000
        what = and_list(self._codes) if short else "this value" if n == 1 else f"these {n} values"
        self.code_btn.setText(f"Read {what} as missing")
        self.code_btn.setToolTip(f"Read {and_list(self._codes)} as missing values wherever the file "
                                 f"holds them, as if among 'Also missing' when it was opened (the "
                                 f"project remembers it); the rows are then kept or dropped as "
                                 f"Missing values says" if self._codes else "")
        self.code_btn.setVisible(bool(self._codes))
        self._own = dict(found.own)
        self.own_btn.setText(own_text(self._own))
        by_value: dict[str, list[str]] = {}
        for col, values in self._own.items():
            for v in values:
                by_value.setdefault(v, []).append(f"'{col}'")
        each = "; ".join(f"{v} as missing in {and_list(cols)}" for v, cols in by_value.items())
        self.own_btn.setToolTip(f"Read {each} alone (the file's other columns are read as before; "
                                f"the project remembers it); the rows are then kept or dropped as "
                                f"Missing values says" if self._own else "")
        self.own_btn.setVisible(bool(self._own))
        return found

    def _remedy(self, button: QPushButton, change, read: bool) -> None:
        """Apply ``change(project)``, as an undoable command where the window has a stack;
        ``read``: it read the table again (else it changed the preprocessing or the split)."""
        signal = self.data_read if read else self.changed
        push_edit(self.undo_stack, self.state, button.text(), change, signal.emit)

    @Slot()
    def _read_as_one(self) -> None:
        if self._alike:
            def merge(project) -> None:
                for col in self._alike:
                    project.preprocess.set_for_column(col, "spelling", "merge")
            self._remedy(self.spell_btn, merge, read=False)

    @Slot()
    def _hold_out_groups(self) -> None:
        if self._groups:
            def hold(project) -> None:
                project.split = replace(project.split, order="group", group=self._groups)
            self._remedy(self.group_btn, hold, read=False)

    @Slot()
    def _read_codes(self) -> None:
        if self._codes:
            def read(project) -> None:
                project.dataset = read_codes_as_missing(project.dataset, self._codes)
            self._remedy(self.code_btn, read, read=True)

    @Slot()
    def _read_own(self) -> None:
        if self._own:
            def read(project) -> None:
                project.dataset = read_missing_in(project.dataset, self._own)
            self._remedy(self.own_btn, read, read=True)


def own_text(own: dict[str, list[str]]) -> str:
    """The button's words: "Read 0 as missing in 'BMI'", "… in these 3 columns", or for values
    of several kinds "Read these values as missing in their 2 columns"."""
    values = {v for vs in own.values() for v in vs}
    if len(values) != 1:
        return f"Read these values as missing in their {len(own)} columns"
    value = next(iter(values))
    return f"Read {value} as missing in '{next(iter(own))}'" if len(own) == 1 else \
        f"Read {value} as missing in these {len(own)} columns"
