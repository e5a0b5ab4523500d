"""Training > Cross-validate…: k folds, each fold's figure as it ends, their mean and spread.

One split measures a network on one slice of the rows (a small study's 8 test rows); this trains
it on each of k folds of the rows outside the test split and measures it on the fold held out
(``core.experiments.crossval``). The dialog stays open beside the window: the folds fill its table
as they end, Stop ends it between folds (the folds done are kept and said), and the summary stays
for reading after the status bar has moved on.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from nnstudio.core.evaluate import METRIC_NAMES
from nnstudio.core.experiments.crossval import DEFAULT_FOLDS
from nnstudio.core.numbers import fmt_figure
from nnstudio.ui.common.wheel_guard import guard_wheel

#: The most folds offered (leave-one-out on a big file would train thousands of networks).
MAX_FOLDS = 20


class CrossValidationDialog(QDialog):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cross-validate")
        self.controller = controller
        self.result = None
        intro = QLabel("Train the network with its settings once per fold: each time one fold of the "
                       "rows outside the test split is held out and measured, and the preprocessing "
                       "is fitted on the other folds alone. Every row is held out once; the test rows "
                       "are not used. The figures' spread says how much one split's figure can be "
                       "trusted.")
        intro.setWordWrap(True)
        self.folds = QSpinBox()
        self.folds.setRange(2, MAX_FOLDS)
        self.folds.setValue(DEFAULT_FOLDS)
        self.folds.setSuffix(" folds")
        self.folds.setToolTip("5 or 10 are usual; more folds train more networks, each on more rows.")
        guard_wheel(self.folds)
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(controller.stop)
        row = QHBoxLayout()
        row.addWidget(self.folds)
        row.addWidget(self.run_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(row)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        lay.addWidget(buttons)
        self.resize(560, 460)
        controller.cv_fold.connect(self._on_fold)
        controller.cv_finished.connect(self._on_finished)
        controller.state_changed.connect(self._on_state)
        self._on_state(controller.run_state)

    @Slot()
    def run(self) -> None:
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.summary.setText("")
        self.result = None
        if self.controller.start_cross_validation(int(self.folds.value())):
            self.summary.setText(f"Training fold 1 of {self.folds.value()}…")
        elif self.controller.run_state == "waiting":
            self.summary.setText("Starts as soon as TensorFlow and the data are ready…")

    @Slot(str)
    def _on_state(self, s: str) -> None:
        mine = s == "repeating" and self.controller.worker is not None \
            and self.controller.worker.name == "cross-validation"
        self.run_button.setEnabled(s == "idle")
        self.folds.setEnabled(s == "idle")
        self.stop_button.setEnabled(mine or s == "waiting")
        if s not in ("idle", "waiting") and not mine:
            self.summary.setText("Another run is training: cross-validate when it ends.")

    @Slot(object, int)
    def _on_fold(self, fold, k: int) -> None:
        keys = list(fold.figures)
        if not self.table.columnCount():
            heads = ["fold", "held-out rows", "training rows", *[METRIC_NAMES.get(x, x) for x in keys]]
            self.table.setColumnCount(len(heads))
            # two words on two lines: "balanced accuracy" was cut in a column of its share
            self.table.setHorizontalHeaderLabels([h.replace(" ", "\n", 1) for h in heads])
        i = self.table.rowCount()
        self.table.setRowCount(i + 1)
        values = [f"{fold.index + 1} of {k}", f"{fold.rows:,}", f"{fold.train_rows:,}",
                  *[fmt_figure(fold.figures[x]) for x in keys]]
        for j, v in enumerate(values):
            item = QTableWidgetItem(v)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(i, j, item)
        if fold.index + 1 < k:
            self.summary.setText(f"Training fold {fold.index + 2} of {k}…")

    @Slot(object)
    def _on_finished(self, cv) -> None:
        self.result = cv
        self.summary.setText(cv.text() if cv is not None else "Cross-validation failed (see the message).")
