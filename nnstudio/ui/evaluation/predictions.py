"""The Evaluation tab's predictions table: a split's rows with their predictions, filtered, saved as CSV."""
from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QPoint, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import evaluate as core_eval
from nnstudio.core.errors import DataError
from nnstudio.ui.common.tables import fit_columns_to_texts
from nnstudio.ui.evaluation.widgets import PredictionsModel

#: the widest a column of the predictions table is made (long text values are cut, not the page)
MAX_COLUMN_PX = 240


#: Columns sized by their values (the predictions come first); the others by their header alone:
#: sizing a pixel CSV's 785 columns by their values froze the window for 2.1 s.
SIZED_COLUMNS = 40


def fit_columns(table: QTableView) -> None:
    """Each column as wide as its header and the values of its first rows (the first
    :data:`SIZED_COLUMNS`; the rest as wide as their header), up to MAX_COLUMN_PX; the values
    read from the model's ``texts`` (see ``tables.fit_columns_to_texts``)."""
    fit_columns_to_texts(table, table.model().texts, sized_columns=SIZED_COLUMNS,
                         max_px=MAX_COLUMN_PX)


class PredictionsTab(QWidget):
    """The rows with the prediction and its probability, a "misclassified only" filter and the
    "Export CSV…" button (the panel connects the filter, the button and a row's double-click).
    A row's context menu shows it among the data (:attr:`row_shown`: the window opens the Data
    tab's Rows view on it)."""

    #: a row's place in the table (0-based), to show on the Data tab
    row_shown = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        p_lay = QVBoxLayout(self)
        prow = QHBoxLayout()
        self.only_wrong = QCheckBox("Misclassified only")
        self.only_wrong.setToolTip("Show only the rows whose predicted class is wrong.")
        prow.addWidget(self.only_wrong)
        prow.addStretch(1)
        self.export_csv_btn = QPushButton("Export CSV…")
        self.export_csv_btn.setToolTip("Save the rows shown, with their predictions, as CSV.")
        prow.addWidget(self.export_csv_btn)
        p_lay.addLayout(prow)
        # the count on a line of its own: between the check box and two buttons it had a few
        # characters' width at 1280 x 720, and its third line ("13 misclassified") was cut off
        self.table_info = QLabel()
        self.table_info.setWordWrap(True)  # it must not make the page wider than the window
        p_lay.addWidget(self.table_info)
        self.buttons_row = prow  # others add their buttons before Export CSV… (Predict a file…)
        self.table_model = PredictionsModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSortingEnabled(False)
        self.table.setAlternatingRowColors(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setResizeContentsPrecision(200)  # sized on a sample of rows
        self.table.setToolTip("Double-click a row to copy it into the prediction form; "
                              "right-click to see it among the data.")
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        p_lay.addWidget(self.table)

    @Slot(QPoint)
    def _menu(self, at: QPoint) -> None:
        row = self.table.rowAt(at.y())
        if row < 0 or self.frame.index.name != core_eval.DATA_ROW:
            return
        menu = QMenu(self)
        number = int(self.frame.index[row])
        menu.addAction(f"Show row {number:,} on the Data tab", lambda: self.show_in_data(row))
        menu.exec(self.table.viewport().mapToGlobal(at))

    def show_in_data(self, row: int) -> None:
        """Ask for the table's ``row`` (as shown) among the data (the Data tab's Rows view)."""
        if self.frame.index.name == core_eval.DATA_ROW and 0 <= row < len(self.frame):
            self.row_shown.emit(int(self.frame.index[row]) - 1)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows shown."""
        return self.table_model.frame

    def show_table(self, table: pd.DataFrame, pre) -> None:
        """A split's predictions table (``core.evaluate.predictions_table``), filtered if asked."""
        shown = table
        if self.only_wrong.isChecked() and core_eval.CORRECT in table.columns:
            shown = core_eval.misclassified(table)
        front = core_eval.output_columns(pre) + [core_eval.CORRECT, "error", pre.target] if pre else []
        self.table_model.set_frame(shown, front)
        # each column as wide as its header and values (a fixed 100 px cut "P(status = Stayed)"),
        # up to a limit; the user can still drag them
        fit_columns(self.table)
        if core_eval.CORRECT in table.columns:
            wrong = int((~table[core_eval.CORRECT].astype(bool)).sum())
            rows = f"{len(shown):,} of {len(table):,}" if len(shown) != len(table) else f"{len(table):,}"
            self.table_info.setText(f"{rows} rows · {wrong:,} misclassified")
        else:
            self.table_info.setText(f"{len(shown):,} rows")

    def clear_table(self) -> None:
        self.table_model.set_frame(pd.DataFrame())
        self.table_info.setText("")

    def write_csv(self, path: str) -> None:
        """Save the rows shown as CSV (a DataError when the file cannot be written)."""
        try:
            # with each row's number in the data ("data row"), where the table knows it
            self.frame.to_csv(path, index=self.frame.index.name == core_eval.DATA_ROW)
        except OSError as e:
            raise DataError(f"Cannot write '{path}': {e.strerror}.",
                            "Choose a folder you can write to.") from None
