"""The Playground's challenge box: choose a challenge, start it (its data, inputs and network; some
controls locked), and after each run see whether the goal is met and the local leaderboard."""
from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from nnstudio.core import challenge as core_challenge
from nnstudio.core.errors import NNStudioError

MET, NOT_MET = "#1b7f3b", "#b00020"


class ChallengeBox(QGroupBox):
    locks_changed = Signal()
    started = Signal(str)  # the challenge's description, for the panel to show in full

    def __init__(self, state, parent=None) -> None:
        super().__init__("Challenge", parent)
        self.state = state
        self.active: core_challenge.Challenge | None = None
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.choice = QComboBox()
        for p in core_challenge.shipped_paths():
            try:
                self.choice.addItem(core_challenge.load(p).title, str(p))
            except NNStudioError:
                continue
        self.open_btn = QPushButton("Open…")
        self.open_btn.clicked.connect(self._open_file)
        row.addWidget(self.choice, 1)
        row.addWidget(self.open_btn)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.start_btn = QPushButton("Start challenge")
        self.start_btn.clicked.connect(self.start_selected)
        self.leave_btn = QPushButton("Leave")
        self.leave_btn.clicked.connect(self.leave)
        self.leave_btn.setEnabled(False)
        self.name = QLineEdit("me")
        self.name.setToolTip("Your name on the leaderboard")
        self.name.setMaximumWidth(90)
        row.addWidget(self.start_btn)
        row.addWidget(self.leave_btn)
        row.addStretch(1)
        row.addWidget(QLabel("Name"))
        row.addWidget(self.name)
        lay.addLayout(row)
        self.text = QLabel("Pick a challenge and start it: its data, inputs and network are set up, "
                           "and each run is checked against its goal.")
        self.text.setWordWrap(True)
        lay.addWidget(self.text)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        lay.addWidget(self.verdict)
        self.board = QLabel()
        self.board.setWordWrap(True)
        lay.addWidget(self.board)
        state.training_finished.connect(self.on_finished)

    def locked(self) -> list[str]:
        return list(self.active.locked) if self.active else []

    @Slot()
    def _open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a challenge", str(core_challenge.SHIPPED_DIR),
                                              "Challenges (*.json)")
        if path:
            self.start(path)

    @Slot()
    def start_selected(self) -> None:
        if self.choice.currentData():
            self.start(self.choice.currentData())

    def start(self, path: str) -> None:
        if self.state.training:
            self.verdict.setText("Stop the run first.")
            return
        try:
            ch = core_challenge.load(path)
            project = ch.project()
        except NNStudioError as e:
            self.verdict.setText(f"<span style='color:{NOT_MET}'>{e.user_text()}</span>")
            return
        self.active = ch
        self.state.set_project(project)
        locks = f" Locked: {', '.join(ch.locked)}." if ch.locked else ""
        self.text.setText(f"<b>{ch.title}</b> — goal: {ch.goal.text()}.{locks}")
        self.text.setToolTip(ch.description)
        self.started.emit(ch.description)
        self.verdict.setText("Train to check the goal.")
        self.leave_btn.setEnabled(True)
        self._show_board()
        self.locks_changed.emit()

    @Slot()
    def leave(self) -> None:
        self.active = None
        self.leave_btn.setEnabled(False)
        self.verdict.setText("")
        self.board.setText("")
        self.text.setText("No challenge: every control is free.")
        self.locks_changed.emit()

    @Slot(object)
    def on_finished(self, result) -> None:
        if self.active is None or result is None:
            return
        data = self.state.try_prepared()
        if data is None:
            return
        v = core_challenge.check(self.active, self.state.project, data, result)
        color = MET if v.met else NOT_MET
        self.verdict.setText(f"<b style='color:{color}'>{'Met' if v.met else 'Not met'}</b>: {v.text()}")
        board = core_challenge.Leaderboard.of(self.active)
        try:
            rank = board.add(self.active, v, self.state.project, self.name.text().strip() or "me")
        except NNStudioError as e:
            self.verdict.setText(self.verdict.text() + f" (leaderboard not saved: {e.user_text()})")
            rank = None
        if rank:
            self.verdict.setText(self.verdict.text() + f" Rank {rank} of {len(board.entries)}.")
        self._show_board(board)

    def _show_board(self, board=None) -> None:
        board = board or core_challenge.Leaderboard.of(self.active)
        rows = board.ranked()[:5]
        if not rows:
            self.board.setText("Leaderboard: no run has met the goal yet.")
            return
        lines = [f"{i}. {e['name']}: {e['params']} parameters, {e['metric'].replace('_', ' ')} "
                 f"{e['value']:.3f} — {e['layers'] or 'no hidden layer'}; inputs {', '.join(e['features'])}"
                 for i, e in enumerate(rows, 1)]
        self.board.setText("Leaderboard (fewest parameters first):<br>" + "<br>".join(lines))
