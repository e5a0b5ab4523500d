"""The runs table: a Qt model over the project's :class:`RunRecord` list (sortable, filterable
through a :class:`QSortFilterProxyModel`). Columns: name, status, network, the settings that differ
among the runs, parameters, epochs, seconds, and the final train / validation / test metrics."""
from __future__ import annotations

import math

import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QSortFilterProxyModel, Qt

from nnstudio.core.experiments.diff import SETTING_WORDS, varying_settings
from nnstudio.core.experiments.groups import network_text, weights_vary
from nnstudio.core.experiments.record import RunRecord

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RUN_ROLE = Qt.ItemDataRole.UserRole + 2
_METRICS = (("train", "loss"), ("train", "accuracy"), ("train", "mae"), ("val", "loss"),
            ("val", "accuracy"), ("val", "mae"), ("test", "loss"), ("test", "accuracy"),
            ("test", "balanced_accuracy"), ("test", "mae"))
_SPLIT_WORDS = {"train": "train", "val": "val", "test": "test"}


def tree_order(runs: list[RunRecord]) -> tuple[list[RunRecord], dict[str, int]]:
    """Runs with each branch right under the run it branched from (issue 19: the runs table shows
    the tree), siblings in their own order; and each run's depth. A branch whose parent is gone
    stays where it was, at the top level."""
    ids = {r.id for r in runs}
    children: dict[str, list[RunRecord]] = {}
    for r in runs:
        if r.parent and r.parent in ids and r.parent != r.id:
            children.setdefault(r.parent, []).append(r)
    out: list[RunRecord] = []
    depth: dict[str, int] = {}

    def visit(r: RunRecord, d: int) -> None:
        if r.id in depth:
            return  # a cycle in damaged records: each run once
        depth[r.id] = d
        out.append(r)
        for c in children.get(r.id, []):
            visit(c, d + 1)

    for r in runs:
        if not (r.parent and r.parent in ids and r.parent != r.id):
            visit(r, 0)
    for r in runs:  # anything a cycle left out
        if r.id not in depth:
            visit(r, 0)
    return out, depth


class RunsTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.runs: list[RunRecord] = []
        self.columns: list[tuple[str, str, object]] = []  # (kind, header, key)
        self.depth: dict[str, int] = {}

    # ----- content ----------------------------------------------------------------------------
    def set_runs(self, runs: list[RunRecord]) -> None:
        self.beginResetModel()
        self.runs, self.depth = tree_order(list(runs))
        cols: list[tuple[str, str, object]] = [("name", "Name", None), ("pin", "Pin", None),
                                               ("status", "Status", None),
                                               ("network", "Network", None)]
        if any(r.parent for r in self.runs):  # issue 19: branches show where they come from
            cols.insert(1, ("from", "Branched from", None))
        for k in varying_settings(self.runs) if len(self.runs) > 1 else []:
            cols.append(("setting", SETTING_WORDS.get(k, k.replace("_", " ")), k))
        if not any(c[2] == "seed" for c in cols):
            cols.append(("setting", "seed", "seed"))
        cols += [("params", "Params", None), ("epochs", "Epochs", None),
                 ("seconds", "Seconds", None)]
        for split, m in _METRICS:
            if m == "balanced_accuracy" and not weights_vary(self.runs):
                continue  # what compares runs with and without class weights, shown for them
            if any(m in r.final.get(split, {}) for r in self.runs):
                cols.append(("metric", f"{_SPLIT_WORDS[split]} {m.replace('_', ' ')}", (split, m)))
        cols.append(("note", "Note", None))
        self.columns = cols
        self.endResetModel()

    def depth_of(self, row: int) -> int:
        """How deep a run sits in the tree of branches (0: not a branch)."""
        return self.depth.get(self.runs[row].id, 0)

    def run_at(self, row: int) -> RunRecord:
        return self.runs[row]

    # ----- Qt model ---------------------------------------------------------------------------
    def rowCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.runs)

    def columnCount(self, parent=None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][1]
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        return None

    def value(self, row: int, col: int):
        """The raw value of a cell (what sorting and the CSV export use)."""
        r = self.runs[row]
        kind, _, key = self.columns[col]
        if kind == "name":
            return r.label()
        if kind == "pin":
            return r.pinned
        if kind == "status":
            return r.status
        if kind == "network":
            return network_text(r)
        if kind == "setting":
            return r.setting(key)
        if kind == "params":
            return r.params
        if kind == "epochs":
            return r.epochs_run
        if kind == "seconds":
            return round(r.seconds, 3)
        if kind == "metric":
            v = r.final.get(key[0], {}).get(key[1])
            return None if v is None or not math.isfinite(v) else v
        if kind == "note":
            return r.note
        if kind == "from":
            if not r.parent:
                return ""
            parent = next((p for p in self.runs if p.id == r.parent), None)
            where = f" @ epoch {r.parent_epoch}" if r.parent_epoch is not None else ""
            return f"↳ {parent.label() if parent else r.parent[:6]}{where}"
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        v = self.value(index.row(), index.column())
        kind = self.columns[index.column()][0]
        if role == RUN_ROLE:
            return self.runs[index.row()]
        if role == SORT_ROLE:
            if v is None:
                return float("-inf")
            return float(v) if isinstance(v, (int, float)) else str(v).lower()
        if role == Qt.ItemDataRole.CheckStateRole and kind == "pin":
            return Qt.CheckState.Checked if v else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return None if kind == "pin" else self._text(index.row(), kind, v)
        if role == Qt.ItemDataRole.EditRole:  # as shown, without the tree's marks
            return None if kind == "pin" or v is None else self._text(None, kind, v)
        if role == Qt.ItemDataRole.ToolTipRole:
            r = self.runs[index.row()]
            if kind == "name":
                return f"{r.label()} — {r.message}" + (f"\n{r.note}" if r.note else "")
            if kind == "pin":
                return "Pinned runs keep their trained weights (so do the last 10 runs)."
            if kind == "seconds" and r.group:
                return ("Seconds of training. The seeds of a Repeat or a sweep train together "
                        "in one program where they can: each then shows its share of that time.")
        if role == Qt.ItemDataRole.TextAlignmentRole and kind in ("metric", "params", "epochs",
                                                                  "seconds", "setting"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: int | None, kind: str, v) -> str:
        """A cell as the table shows it (``row`` None: as edited, without the tree's marks)."""
        if kind == "name" and row is not None and self.depth_of(row):
            return "    " * (self.depth_of(row) - 1) + "↳ " + str(v)  # the tree of branches
        if v is None:
            return ""
        if kind == "metric":
            return f"{v:.4f}"
        if isinstance(v, float):
            return f"{v:g}"
        if isinstance(v, bool):
            return "on" if v else "off"
        return str(v)

    def texts(self, column: int, rows: int) -> list[str]:
        """The first ``rows`` runs' cells of ``column`` as the table shows them, in one call (see
        ``tables.fit_columns_to_texts``)."""
        kind = self.columns[column][0]
        if kind == "pin":  # a check box, no text
            return []
        return [self._text(r, kind, self.value(r, column)) for r in range(min(rows, len(self.runs)))]

    def flags(self, index):
        f = super().flags(index)
        kind = self.columns[index.column()][0]
        if kind in ("name", "note"):
            f |= Qt.ItemFlag.ItemIsEditable
        if kind == "pin":
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        r = self.runs[index.row()]
        kind = self.columns[index.column()][0]
        if kind == "pin" and role == Qt.ItemDataRole.CheckStateRole:
            r.pinned = Qt.CheckState(value) == Qt.CheckState.Checked
        elif kind == "name" and role == Qt.ItemDataRole.EditRole:
            r.name = str(value).strip()
        elif kind == "note" and role == Qt.ItemDataRole.EditRole:
            r.note = str(value)
        else:
            return False
        self.dataChanged.emit(index, index)
        return True

    def to_frame(self, rows: list[int] | None = None):
        """The table as a pandas DataFrame (raw values; for the CSV export)."""
        rows = range(len(self.runs)) if rows is None else rows
        data = {h: [self.value(r, c) for r in rows] for c, (_, h, _k) in enumerate(self.columns)}
        frame = pd.DataFrame(data)
        frame.insert(0, "id", [self.runs[r].id for r in rows])
        frame["group"] = [self.runs[r].group for r in rows]
        return frame


class RunsFilterProxy(QSortFilterProxyModel):
    """Sorts numbers as numbers; the filter text matches any column (case-insensitive)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def lessThan(self, left, right) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if type(a) is not type(b):
            return isinstance(a, float)  # numbers before texts
        return a < b
