"""Table helpers shared by the views."""
from __future__ import annotations

from PySide6.QtWidgets import QTableView

#: Rows whose values size a table's columns. Qt reads up to 1,000 by default, and a Python model
#: answers each cell with a Python call: a 2,000 x 70 predictions split took 3.7 s to size, and
#: the runs table, refreshed after every run, 1 s with 600 runs.
SIZED_ROWS = 60


def size_columns_from_first_rows(table: QTableView) -> None:
    """``resizeColumnsToContents`` reads the values of the first :data:`SIZED_ROWS` rows only (the
    horizontal header's precision is the one that sizing columns reads)."""
    table.horizontalHeader().setResizeContentsPrecision(SIZED_ROWS)
