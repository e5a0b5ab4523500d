"""Qt table models over a DataFrame: the rows (fast at a million rows) and the column summary.

:class:`DataFrameModel` hands Qt one cell at a time, formatted on demand from the column's NumPy
array, so a view only ever formats the cells it shows. :class:`ColumnsModel` lists the columns with
their role, type, missing/unique counts and values, with a check box to use a column as a feature.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from nnstudio.core.data.profile import ColumnProfile

_Index = QModelIndex | QPersistentModelIndex

TARGET_TINT = QColor("#fff1d6")
FLAG_TINT = QColor("#fbe3e3")  # a column a data check found something about (a leak?)
IGNORED_FG = QColor("#9a9a9a")
MISSING_BG = QColor("#fdecec")
PROBLEM_FG = QColor("#b3261e")


def format_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        if float(v).is_integer() and abs(v) < 1e15:
            return str(int(v))
        text = repr(float(v))  # the shortest text that reads back as this number (as in the file)
        return text if len(text) <= 12 else f"{v:.6g}"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return str(v)


def _is_missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and math.isnan(v))


class DataFrameModel(QAbstractTableModel):
    """Rows of a DataFrame; the target column tinted, ignored columns greyed, missing cells marked."""

    def __init__(self, frame: pd.DataFrame | None = None, parent=None) -> None:
        super().__init__(parent)
        self._frame = pd.DataFrame()
        self._cols: list[np.ndarray] = []
        self._numeric: list[bool] = []
        self._names: list[str] = []
        self._roles: dict[str, str] = {}
        if frame is not None:
            self.set_frame(frame)

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    def set_frame(self, frame: pd.DataFrame, roles: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self._frame = frame
        self._names = [str(c) for c in frame.columns]
        self._cols = [s.to_numpy() for _, s in frame.items()]
        self._numeric = [pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt)
                         for dt in frame.dtypes]
        self._roles = dict(roles or {})
        self.endResetModel()

    def set_roles(self, roles: dict[str, str]) -> None:
        """column -> 'target' | 'feature' | 'ignored' (changes colours only)."""
        self._roles = dict(roles)
        if self._names:
            self.dataChanged.emit(self.index(0, 0), self.index(max(0, self.rowCount() - 1),
                                                               len(self._names) - 1))
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._names) - 1)

    # ----- Qt model interface --------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return format_cell(self._cols[c][r])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if self._numeric[c]:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole:
            if _is_missing(self._cols[c][r]):
                return QBrush(MISSING_BG)
            if self._roles.get(self._names[c]) == "target":
                return QBrush(TARGET_TINT)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._roles.get(self._names[c]) == "ignored":
                return QBrush(IGNORED_FG)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and _is_missing(self._cols[c][r]):
            return "missing value"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(section + 1)
            return None
        if section >= len(self._names):
            return None
        name = self._names[section]
        role_of = self._roles.get(name)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{name} (target)" if role_of == "target" else name
        if role == Qt.ItemDataRole.ToolTipRole:
            return {"target": f"{name}: the target (what the network predicts)",
                    "feature": f"{name}: a feature (an input of the network)",
                    "ignored": f"{name}: ignored"}.get(role_of, name)
        if role == Qt.ItemDataRole.FontRole and role_of == "target":
            f = QFont()
            f.setBold(True)
            return f
        if role == Qt.ItemDataRole.ForegroundRole and role_of == "ignored":
            return QBrush(IGNORED_FG)
        return None


class ColumnsModel(QAbstractTableModel):
    """One row per column: use (check box), name, role, type, missing, unique, values, note."""

    HEADERS = ("Use", "Column", "Type", "Missing", "Unique", "Values", "Note")
    USE, NAME, TYPE, MISSING, UNIQUE, VALUES, NOTE = range(7)
    use_toggled = Signal(str, bool)  # column, use as feature

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._profiles: list[ColumnProfile] = []
        self._roles: dict[str, str] = {}
        self._notes: dict[str, str] = {}
        self._problems: dict[str, str] = {}
        self._flagged: dict[str, str] = {}  # column -> what a data check found about it

    def set_columns(self, profiles: list[ColumnProfile], roles: dict[str, str], notes: dict[str, str],
                    problems: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self._profiles = list(profiles)
        self._roles = dict(roles)
        self._notes = dict(notes)
        self._problems = dict(problems or {})
        self.endResetModel()

    def update_roles(self, roles: dict[str, str], notes: dict[str, str],
                     problems: dict[str, str] | None = None, profiles: list | None = None) -> None:
        """New roles and notes; ``profiles``: the columns as read now, in the same order (a
        column's look-alike values read as one counts fewer unique values)."""
        if profiles is not None:
            self._profiles = list(profiles)
        self._roles = dict(roles)
        self._notes = dict(notes)
        self._problems = dict(problems or {})
        self._all_changed()

    def set_flagged(self, flagged: dict[str, str]) -> None:
        """Columns a data check found something about (core/data/checks.py): their note says
        what, on a tinted ground (FLAG_TINT), so the one to untick is seen in the table."""
        self._flagged = dict(flagged)
        self._all_changed()

    def _all_changed(self) -> None:
        if self._profiles:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._profiles) - 1, len(self.HEADERS) - 1))

    def profile(self, row: int) -> ColumnProfile:
        return self._profiles[row]

    def row_of(self, column: str) -> int:
        for i, p in enumerate(self._profiles):
            if p.name == column:
                return i
        return -1

    # ----- Qt model interface --------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._profiles)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return {self.USE: "Checked: a feature (an input of the network); unchecked: ignored",
                    self.NOTE: "Why a column is ignored, or a problem to fix"}.get(section)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.USE and self._roles.get(self._profiles[index.row()].name) != "target":
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def _note(self, name: str) -> str:
        note = self._problems.get(name) or self._notes.get(name, "")
        if name in self._flagged and self._roles.get(name) == "feature":
            return f"⚠ {self._flagged[name]} · {note}" if note else f"⚠ {self._flagged[name]}"
        return note

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        p = self._profiles[index.row()]
        col = index.column()
        r = self._roles.get(p.name, "ignored")
        if role == Qt.ItemDataRole.CheckStateRole and col == self.USE:
            if r == "target":
                return None
            return Qt.CheckState.Checked if r == "feature" else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.USE:
                return "target" if r == "target" else ""
            return {self.NAME: p.name, self.TYPE: p.type_label,
                    self.MISSING: f"{p.missing:,}" if p.missing else "–",
                    self.UNIQUE: f"{p.unique:,}", self.VALUES: p.values_text(),
                    self.NOTE: self._note(p.name)}.get(col)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col in (self.NOTE, self.VALUES, self.NAME):
                tip = self._note(p.name)
                return f"{p.name}: {tip}" if tip else p.values_text(8)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (self.MISSING, self.UNIQUE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.NOTE and p.name in self._problems:
                return QBrush(PROBLEM_FG)
            if r == "ignored" and col != self.NOTE:
                return QBrush(IGNORED_FG)
        if role == Qt.ItemDataRole.BackgroundRole and r == "target":
            return QBrush(TARGET_TINT)
        if role == Qt.ItemDataRole.BackgroundRole and p.name in self._flagged and r == "feature":
            return QBrush(FLAG_TINT)
        if role == Qt.ItemDataRole.FontRole and r == "target" and col in (self.NAME, self.USE):
            f = QFont()
            f.setBold(True)
            return f
        return None

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != self.USE:
            return False
        p = self._profiles[index.row()]
        if self._roles.get(p.name) == "target":
            return False
        checked = (value == Qt.CheckState.Checked or value == Qt.CheckState.Checked.value
                   or value is True)
        self.use_toggled.emit(p.name, bool(checked))
        return True
