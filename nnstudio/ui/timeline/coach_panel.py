"""The coach's findings about the last run (issue 19), each with its reason and a one-click fix
that trains a comparison run (it appears beside the original in the Runs tab)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.coach import apply_fix
from nnstudio.core.errors import NNStudioError
from nnstudio.ui.training.controller import RunPlan


def _setup(spec, settings) -> tuple[str, str]:
    """What a run's network and settings are, seed aside (a fix keeps the seed)."""
    return repr(spec.to_dict()), repr(dict(settings.to_dict(), seed=None))


class CoachPanel(QWidget):
    fix_requested = Signal(object)  # RunPlan
    keep_requested = Signal(object)  # RunRecord: its network and settings into the editor
    message = Signal(str, str)  # (level, text) for the window

    def __init__(self, state, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.title = QLabel("<b>Coach</b>")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.list = QListWidget()
        self.list.setMaximumHeight(60)
        # a finding is a sentence or two: wrapped in the list's width, never read by scrolling sideways
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.reason = QLabel("")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #444")
        self.reason.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.fix_button = QPushButton("Try the fix")
        self.fix_button.setToolTip("Train a comparison run with the fix; the original stays")
        # a tried fix trains beside the original and the views show it, but the editor keeps the
        # original's settings (Train and Repeat use them): this puts the fix's there
        self.keep_button = QPushButton("Keep the fix")
        self.keep_button.hide()
        self._tried: tuple | None = None  # (the fix run's name, the original's setup, the fix)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.keep_button)
        top.addWidget(self.fix_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.list)
        lay.addWidget(self.reason)
        self.list.currentRowChanged.connect(self._on_row)
        self.fix_button.clicked.connect(self.try_fix)
        self.keep_button.clicked.connect(self._keep)
        state.findings_changed.connect(self.refresh)
        state.training_started.connect(self.refresh)
        for sig in (state.timeline_changed, state.settings_changed, state.spec_changed,
                    state.project_changed):
            sig.connect(self._refresh_keep)
        self.refresh()

    @Slot()
    def _refresh_keep(self) -> None:
        """'Keep the fix' beside a tried fix's run while the editor still holds the original."""
        run, p = self.state.timeline_run, self.state.project
        show = False
        if self._tried is not None and run is not None and not self.state.training \
                and run.name == self._tried[0]:
            try:
                editor, fixed = _setup(p.spec, p.settings), _setup(run.network(), run.train_settings())
            except NNStudioError:  # a run of an older file the app cannot read back
                editor = fixed = None
            show = editor is not None and editor == self._tried[1] and fixed != editor
        if show:
            self.keep_button.setToolTip(f"Put the fix ({self._tried[2]}) in the editor: Train and "
                                        f"Repeat then use it. The editor still holds the original's "
                                        f"network and settings.")
        self.keep_button.setVisible(show)

    @Slot()
    def _keep(self) -> None:
        if self.state.timeline_run is not None:
            self.keep_requested.emit(self.state.timeline_run)

    @Slot()
    def refresh(self) -> None:
        self.list.clear()
        findings = [] if self.state.training else list(self.state.findings)
        for f in findings:
            where = f" (epoch {f.epoch})" if f.epoch else ""
            item = QListWidgetItem(f"⚠ {f.message}{where}")
            item.setToolTip(f"{f.message}{where}\n\n{f.reason}")
            self.list.addItem(item)
        run = self.state.timeline_run
        if self.state.training:
            self.title.setText("<b>Coach</b>: watching the run…")
        elif run is None:
            self.title.setText("<b>Coach</b>: train to get advice")
        elif not findings:
            self.title.setText(f"<b>Coach</b>: nothing to report about {run.label()}")
        else:
            self.title.setText(f"<b>Coach</b>: {len(findings)} finding"
                               f"{'s' if len(findings) != 1 else ''} about {run.label()}")
        self.list.setVisible(bool(findings))
        self.reason.setVisible(bool(findings))
        if findings:
            self.list.setCurrentRow(0)
        else:
            self.fix_button.setEnabled(False)
        self._refresh_keep()

    @Slot(int)
    def _on_row(self, row: int) -> None:
        f = self.current()
        label = f.fix.label if f and f.fix else ""
        # the fix is named under the finding, not on the button: "Try: dropout 0.2 after every
        # hidden Dense layer" beside the title had cut it to "Coach: 1 f" at 1280 x 720
        self.reason.setText((f.reason + (f" The fix to try: {label}." if label else "")) if f else "")
        self.state.select_finding(f)  # the curves and the Health tab mark its evidence
        self.fix_button.setEnabled(bool(f and f.fix and (f.fix.knobs or f.fix.settings or f.fix.layers)))
        self.fix_button.setToolTip(f"Train a comparison run with {label}; the original stays"
                                   if label else "Train a comparison run with the fix")

    def current(self):
        row = self.list.currentRow()
        findings = self.state.findings
        return findings[row] if 0 <= row < len(findings) else None

    @Slot()
    def try_fix(self) -> None:
        f, run = self.current(), self.state.timeline_run
        if f is None or f.fix is None or run is None:
            return
        try:
            spec, settings = apply_fix(run.network(), run.train_settings(), f.fix)
        except NNStudioError as e:
            self.message.emit("error", f"The fix cannot be tried: {e.user_text()}")
            return
        name = f"coach ({f.code}): {f.fix.label}"
        self._tried = (name, _setup(run.network(), run.train_settings()), f.fix.label)
        self.fix_requested.emit(RunPlan(spec=spec, settings=settings, knobs=dict(f.fix.knobs),
                                        name=name, beside=run.id))
