"""The training toolbar: Train, Pause, Step, Stop, Repeat and the pace, always in view.

The buttons are the training panel's own (it keeps enabling them by run state); the toolbar only
gives them a place that never scrolls away, however small the screen.
"""
from __future__ import annotations

from PySide6.QtCore import QSettings, Slot
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar, QWidget

from nnstudio.ui.training.pace import DEFAULT_PACE, PACES

PACE_KEY = "training/pace"


class TrainingToolbar(QToolBar):
    def __init__(self, panel, controller, settings: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.setObjectName("training-toolbar")
        self.setMovable(False)
        self.controller = controller
        self.settings = settings or QSettings()
        for w in (panel.train_btn, panel.pause_btn, panel.step_btn, panel.stop_btn):
            self.addWidget(w)
        self.addSeparator()
        self.addWidget(panel.repeat_btn)
        self.addWidget(panel.repeat_n)
        self.addSeparator()
        label = QLabel(" Pace ")
        self.addWidget(label)
        self.pace = QComboBox()
        for key, (text, _eps) in PACES.items():
            self.pace.addItem(text, key)
        self.pace.setToolTip("How fast a run goes, so you can watch it learn: the curves, the "
                             "decision surface and the network view move epoch by epoch. Max is "
                             "full speed (the command line always runs at full speed). Can be "
                             "changed while training runs; Repeat always runs at full speed.")
        label.setBuddy(self.pace)
        self.addWidget(self.pace)
        saved = str(self.settings.value(PACE_KEY, DEFAULT_PACE) or DEFAULT_PACE)
        self.set_pace(saved if saved in PACES else DEFAULT_PACE)
        self.pace.currentIndexChanged.connect(self._pace_changed)

    def set_pace(self, key: str) -> None:
        self.pace.setCurrentIndex(self.pace.findData(key))
        self.controller.set_pace(PACES[key][1])

    @Slot(int)
    def _pace_changed(self, _i: int) -> None:
        key = self.pace.currentData()
        self.controller.set_pace(PACES[key][1])
        self.settings.setValue(PACE_KEY, key)
