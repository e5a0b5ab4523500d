"""Table helpers shared by the views."""
from __future__ import annotations

import heapq
import math

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QHeaderView, QStyle, QTableView

#: Rows whose values size a table's columns. Qt reads up to 1,000 by default, and a Python model
#: answers each cell with a Python call: a 2,000 x 70 predictions split took 3.7 s to size, and
#: the runs table, refreshed after every run, 1 s with 600 runs.
SIZED_ROWS = 60


def size_columns_from_first_rows(table: QTableView) -> None:
    """``resizeColumnsToContents`` reads the values of the first :data:`SIZED_ROWS` rows only (the
    horizontal header's precision is the one that sizing columns reads)."""
    table.horizontalHeader().setResizeContentsPrecision(SIZED_ROWS)


#: The longest values (by characters) of a column whose drawn widths are measured.
MEASURED_VALUES = 3


def fit_columns_to_texts(table: QTableView, texts, *, sized_columns: int | None = None,
                         max_px: int | None = None) -> None:
    """Each column as wide as its header and its values, as ``resizeColumnsToContents`` makes it,
    without Qt asking the Python model for each cell and role apart: while a run trains in the
    worker, each of those calls waits its turn for the GIL (the predictions table froze the
    window 1-1.5 s after each run of the digits, monkey seed 112; 3.7 s against a busy thread in
    a probe, 0.012 s this way). ``texts(column, rows)``: the first ``rows`` values of a column as
    the table shows them, in one call; only the longest few are measured. Columns from
    ``sized_columns`` on are as wide as their header; none is made wider than ``max_px``."""
    size_columns_from_first_rows(table)  # what a double-click on a header's edge reads
    header = table.horizontalHeader()
    model = table.model()
    names = header.fontMetrics()
    cells = QFontMetricsF(table.font())
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table)
    pad = (margin + 1) * 2 + (1 if table.showGrid() else 0)  # as the item delegate sizes a cell
    rows = min(model.rowCount(), SIZED_ROWS)
    for i in range(header.count()):
        if sized_columns is None or i < sized_columns:
            longest = heapq.nlargest(MEASURED_VALUES, texts(i, rows), key=len)
            # the text's width rounded up, as the delegate's layout takes it (rounded to the
            # nearest pixel, a column came out a pixel short and cut "6-batchnorm-4" to "6-…")
            width = max([header.sectionSizeHint(i)]
                        + [math.ceil(cells.horizontalAdvance(t)) + pad for t in longest])
        else:
            name = str(model.headerData(i, Qt.Orientation.Horizontal) or "")
            width = names.horizontalAdvance(name) + 24
        header.resizeSection(i, width if max_px is None else min(width, max_px))


class FillingColumn(QObject):
    """One column of ``table`` takes the width the others leave, as a ``Stretch`` section does,
    but never less than its header needs: in a narrow window a ``Stretch`` section shrinks to a
    few pixels and cuts its header ("sum z =" of "Weighted sum z = …", the Inspector at
    1280 x 720); here the table scrolls instead. Call :meth:`fit` after the other columns are
    sized; a resize of the table fits it again (the filter watches the header, resized after the
    viewport and with few events of its own, not the viewport, which sees every paint)."""

    def __init__(self, table: QTableView, column: int) -> None:
        super().__init__(table)
        self.table, self.column = table, column
        table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().installEventFilter(self)

    def fit(self) -> None:
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(i) for i in range(header.count())
                     if i != self.column and not header.isSectionHidden(i))
        spare = header.width() - others
        header.resizeSection(self.column, max(header.sectionSizeHint(self.column), spare))

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False
