"""The pieces of the evaluation tab: a table model over a DataFrame, the confusion matrix grid, the
metrics table and the one-row prediction form. Views only: every number comes from core.evaluate."""
from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core import evaluate as core_eval
from nnstudio.core.data.extrapolation import outside_range, outside_text
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.core.numbers import fmt_metric
from nnstudio.ui.common.text import short, short_label

WRONG_ROW = QColor("#fde2e2")


def fmt(v, digits: int = 4, key: str | None = None) -> str:
    """A figure as the tab writes it: ``digits`` decimals; whole numbers with thousands separators
    from 10,000 (a price of 416,656, not 4.167e+05); e-notation below 0.001 and from 1e9, except
    for a score (``key`` one of ``numbers.SCORES``: an R² of -0.0003 stays so)."""
    if v is None:
        return "—"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return "—"
        return fmt_metric(key, float(v), digits)
    return str(v)


#: Rows a column's decimals are judged on (evenly spaced): set_frame runs on the GUI thread, and
#: 640,000 rows x 70 columns in full took 0.15 s.
DECIMALS_SAMPLE = 10_000


def column_decimals(values) -> int | None:
    """The decimals a column of numbers is written with, set by its largest value so that all of
    it reads one way: 60,000 → 0 (9,662, not 9661.6143 beside 11,112), 53 → 3, up to 1 → 4.
    None (each value by :func:`fmt`) for a column of no finite value or beyond 1e9 / under 1e-3."""
    v = np.abs(np.asarray(values, dtype=np.float64))
    v = v[np.isfinite(v)]
    top = float(v.max()) if len(v) else 0.0
    if not (1e-3 <= top < 1e9):
        return None
    return int(min(4, max(0, 4 - math.floor(math.log10(top)))))


class PredictionsModel(QAbstractTableModel):
    """A read-only table over a DataFrame; rows where ``correct`` is False are tinted."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.frame = pd.DataFrame()
        self.view = self.frame  # the frame with the prediction columns first
        self._wrong = None
        self._decimals: list[int | None] = []  # per column of view (None: value by value)

    def set_frame(self, frame: pd.DataFrame, front: list[str] | None = None) -> None:
        """Show ``frame``; the columns in ``front`` (those present) are shown first."""
        self.beginResetModel()
        self.frame = frame
        first = [c for c in (front or []) if c in frame.columns]
        self.view = frame[first + [c for c in frame.columns if c not in first]] if first else frame
        self._wrong = (~frame[core_eval.CORRECT].astype(bool)).to_numpy() \
            if core_eval.CORRECT in frame.columns else None
        # judged on DECIMALS_SAMPLE rows of a longer table; by position (names may repeat)
        sample = self.view.iloc[::max(1, len(self.view) // DECIMALS_SAMPLE)]
        self._decimals = [column_decimals(sample.iloc[:, j])
                          if pd.api.types.is_float_dtype(sample.dtypes.iloc[j]) else None
                          for j in range(sample.shape[1])]
        # whole numbers in front (the target, read beside its prediction) are written as it is:
        # 532,600 beside 523,312; others (an id, a year) as the file has them
        for j in range(len(first)):
            if pd.api.types.is_integer_dtype(self.view.dtypes.iloc[j]):
                self._decimals[j] = 0
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.frame)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.view.columns)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(self.view.iat[index.row(), index.column()], index.column())
        if role == Qt.ItemDataRole.BackgroundRole and self._wrong is not None and self._wrong[index.row()]:
            return QBrush(WRONG_ROW)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            v = self.view.iat[index.row(), index.column()]
            if isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_)):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, v, column: int) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return ""
        if isinstance(v, (bool, np.bool_)):
            return "yes" if v else "no"
        d = self._decimals[column]  # (set with the view: one per column)
        if isinstance(v, (float, np.floating)):
            return fmt(float(v)) if d is None or not math.isfinite(v) else f"{v:,.{d}f}"
        if isinstance(v, (int, np.integer)) and d is not None:
            return f"{v:,}"
        return str(v)

    def texts(self, column: int, rows: int) -> list[str]:
        """The first ``rows`` values of ``column`` as the table shows them, in one Python call
        (sizing a column through Qt asks for each cell apart: see ``predictions.fit_columns``)."""
        values = self.view.iloc[:rows, column].tolist()
        return [self._text(v, column) for v in values]

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        numbered = self.view.index.name == core_eval.DATA_ROW and section < len(self.view)
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Vertical and numbered:
            return (f"Row {self.view.index[section]:,} of the data, as the Data tab's Rows view "
                    f"numbers it (the exported CSV's 'data row')")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self.view.columns[section]) if section < len(self.view.columns) else None
        if numbered:
            return str(self.view.index[section])  # the row's number in the data, filtered or not
        return str(section + 1)


def _blend(share: float, diagonal: bool) -> QColor:
    """White to blue (correct) or white to red (mistakes), by the row share."""
    share = min(max(float(share), 0.0), 1.0)
    end = (33, 102, 172) if diagonal else (214, 39, 40)
    r, g, b = (int(round(255 + (e - 255) * share)) for e in end)
    return QColor(r, g, b)


class ConfusionMatrixView(QTableWidget):
    """True classes down, predicted classes across; each cell coloured by its share of the row."""

    MODES = ("counts", "normalized", "both")
    MIN_CELL_WIDTH = 72
    MIN_CELL_HEIGHT = 38
    #: class names longer than this are cut with "…" in the headers (the tooltip has them whole)
    MAX_LABEL_CHARS = 16
    MAX_COLUMN_LABEL_CHARS = 10  # fits MIN_CELL_WIDTH

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.mode = "both"
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        # cells share the space but never shrink below a readable size: with many classes (or a
        # narrow window) the grid scrolls instead of squeezing "30\n12.5%" into "30 …"
        for header, least in ((self.horizontalHeader(), self.MIN_CELL_WIDTH),
                              (self.verticalHeader(), self.MIN_CELL_HEIGHT)):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(least)
        self.setHorizontalScrollMode(QTableWidget.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QTableWidget.ScrollMode.ScrollPerPixel)
        self.setMinimumHeight(140)
        self.counts: np.ndarray | None = None

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        if self.counts is not None:
            self.show_matrix(self.counts, self._classes)

    def show_matrix(self, counts: np.ndarray, classes: list) -> None:
        self.counts, self._classes = counts, list(classes)
        norm = core_eval.row_normalized(counts)
        k = len(classes)
        self.clear()
        self.setRowCount(k)
        self.setColumnCount(k)
        for i, c in enumerate(classes):
            # columns: "predicted" over a name short enough for the narrowest column
            for header_item, prefix, sep, n in (
                    (self.setHorizontalHeaderItem, "predicted", "\n", self.MAX_COLUMN_LABEL_CHARS),
                    (self.setVerticalHeaderItem, "true", " ", self.MAX_LABEL_CHARS)):
                item = QTableWidgetItem(f"{prefix}{sep}{self.short(c, n)}")
                item.setToolTip(f"{prefix} {c!s}")
                header_item(i, item)
        for i in range(k):
            for j in range(k):
                n, share = int(counts[i, j]), float(norm[i, j])
                text = {"counts": f"{n:,}", "normalized": f"{share:.1%}",
                        "both": f"{n:,}\n{share:.1%}"}[self.mode]
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                color = _blend(share, i == j)
                item.setBackground(QBrush(color))
                item.setForeground(QBrush(QColor("white" if color.lightness() < 140 else "black")))
                item.setToolTip(f"{n:,} rows of class {classes[i]!s} predicted as {classes[j]!s} "
                                f"({share:.1%} of the true {classes[i]!s} rows)")
                self.setItem(i, j, item)
        # as tall as its rows need, up to 140 px (more classes scroll): a 2 x 2 matrix held
        # 140 px at 1280 x 720 and squeezed the ROC curve under it
        need = (self.horizontalHeader().sizeHint().height() + k * self.MIN_CELL_HEIGHT
                + 2 * self.frameWidth() + 2)
        self.setMinimumHeight(min(140, need))

    @classmethod
    def short(cls, c, n: int | None = None) -> str:
        return short(c, n or cls.MAX_LABEL_CHARS)

    def cell_text(self, i: int, j: int) -> str:
        return self.item(i, j).text()


#: A column name in the one-row form is cut to this many characters (the whole name is its tooltip).
FORM_LABEL_CHARS = 28


class PredictionForm(QWidget):
    """One field per input column, in original units; shows the prediction for that one row."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.form = QFormLayout()
        lay = QVBoxLayout(self)
        self.intro = QLabel("Type a new row in the data's own units: the network's answer updates "
                            "as you type.")
        self.intro.setWordWrap(True)
        lay.addWidget(self.intro)
        lay.addLayout(self.form)
        # the answer: not in this widget's layout, the owner places it where it stays in view
        # (under the fields' scroll box: W4's "probability of leaving" was scrolled out of sight)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.setMinimumHeight(44)
        lay.addStretch(1)
        self._fields: dict[str, QWidget] = {}
        self.pre = None
        #: the defaults of fields not built yet (None: built)
        self._unbuilt: dict | None = None

    def set_columns(self, pre, defaults: dict | None = None) -> None:
        """Fields for ``pre``'s columns (combo boxes for categories), built when the form is first
        shown or read field by field: a 784-pixel file's form takes a second to build, and every
        change on the Data tab makes a new one (:meth:`values` answers without them)."""
        if self._unbuilt is None and self.pre is not None and pre is not None and pre == self.pre:
            return  # the same inputs: keep what the user typed
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields = {}
        self.pre = pre
        self._unbuilt = None if pre is None else dict(defaults or {})
        if self.isVisible():
            self._build()

    @property
    def fields(self) -> dict[str, QWidget]:
        """The field of each input column by name (built now if they were not)."""
        self._build()
        return self._fields

    def showEvent(self, event) -> None:
        self._build()
        super().showEvent(event)

    def _build(self) -> None:
        if self._unbuilt is None:
            return
        defaults, self._unbuilt = self._unbuilt, None
        for c in self.pre.columns:
            if c.kind == "numeric":
                w = QLineEdit()
                w.setValidator(QDoubleValidator())
                st = c.stats or {}
                if st:
                    w.setPlaceholderText(f"{fmt(st.get('min'))} … {fmt(st.get('max'))}")
                    w.setToolTip(f"{c.name}: a number; in training {fmt(st.get('min'))} to "
                                 f"{fmt(st.get('max'))}, mean {fmt(st.get('mean'))}")
                w.setText(_default_value(c, defaults))
                w.textChanged.connect(self._changed)
            else:
                w = QComboBox()
                for cat in c.categories:
                    w.addItem(str(cat), cat)
                if w.count():
                    w.setCurrentIndex(_default_index(c, defaults))
                w.setToolTip(f"{c.name}: one of the {len(c.categories)} values seen in training")
                w.currentIndexChanged.connect(self._changed)
            self._fields[c.name] = w
            self.form.addRow(short_label(c.name, FORM_LABEL_CHARS), w)

    def set_value(self, column: str, value) -> None:
        w = self.fields[column]
        if isinstance(w, QComboBox):
            i = w.findText(str(value))
            if i < 0:
                raise KeyError(f"{value!r} is not a value of {column}")
            w.setCurrentIndex(i)
        else:
            w.setText(_number_text(value))

    def fill(self, row: dict) -> None:
        for k, v in row.items():
            if k in self.fields and v is not None and not (isinstance(v, float) and math.isnan(v)):
                try:
                    self.set_value(k, v)
                except KeyError:
                    pass

    def values(self) -> dict:
        """The row the fields hold: text for numbers, the category for a list (as built fields
        would hold their defaults while they are not built)."""
        if self._unbuilt is not None:
            return {c.name: _default_value(c, self._unbuilt) for c in self.pre.columns}
        out = {}
        for name, w in self._fields.items():
            out[name] = w.currentData() if isinstance(w, QComboBox) else w.text().strip()
        return out

    @Slot()
    def _changed(self) -> None:
        self.changed.emit()

    def show_prediction(self, model, pre, threshold: float | None = None) -> core_eval.RowPrediction | None:
        """Predict the form's row with ``model`` and show it; None (and the reason) if it cannot."""
        if model is None or pre is None:
            self.result.setText("<i>Train the network (or open a model) to predict a row.</i>")
            return None
        try:
            r = core_eval.predict_row(model, pre, self.values(), threshold)
        except NNStudioError as e:
            self.result.setText(f"<span style='color:#b00'>{e.user_text()}</span>")
            return None
        beyond = outside_text(outside_range(pre, self.values()))
        note = f"<br><span style='color:#a15c00'>{html.escape(beyond, quote=False)}</span>" if beyond else ""
        if r.task is Task.REGRESSION:
            self.result.setText(f"<b style='font-size:14pt'>{pre.target} ≈ {fmt(r.value)}</b>{note}")
            return r
        lines = [f"<b style='font-size:14pt'>{pre.target} = {r.value!s}</b> "
                 f"(probability {r.probability:.1%})"]
        if len(pre.classes) == 2:
            lines.append(f"P({pre.target} = {pre.classes[1]!s}) = {r.probabilities[pre.classes[1]]:.4f}")
        else:
            top = sorted(r.probabilities.items(), key=lambda kv: -kv[1])[:5]
            lines.append(" · ".join(f"{k!s}: {v:.1%}" for k, v in top))
        self.result.setText("<br>".join(lines) + note)
        self.last = r
        return r


def _default_index(c, defaults: dict) -> int:
    """The category a list for column ``c`` (a preprocessor column) opens on: its default's, else
    the first."""
    d = defaults.get(c.name)
    texts = [str(cat) for cat in c.categories]
    return texts.index(str(d)) if d is not None and str(d) in texts else 0


def _default_value(c, defaults: dict):
    """What the field of column ``c`` holds when it opens on ``defaults`` (its number as text, the
    training mean when it has none; a list's category)."""
    if c.kind == "numeric":
        d = defaults.get(c.name, (c.stats or {}).get("mean"))
        return "" if d is None or (isinstance(d, float) and math.isnan(d)) else _number_text(d)
    return c.categories[_default_index(c, defaults)] if len(c.categories) else None


def _number_text(v) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    if f == int(f) and abs(f) < 1e15:
        return str(int(f))
    return f"{f:.6g}"
