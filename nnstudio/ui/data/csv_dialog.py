"""The CSV import dialog: what was detected, every choice correctable, the preview following along.

Reading the preview (the first rows of a file) takes milliseconds, so it runs on the GUI thread each
time a choice changes. The whole file is read afterwards, in a worker (see ``data_controller``).
"""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data.csv import preview
from nnstudio.core.data.csv_missing import DEFAULT_MISSING, MISSING_MARKERS
from nnstudio.core.data.csv_numbers import CURRENCY
from nnstudio.core.data.csv_options import DECIMALS, DELIMITERS, ENCODINGS, CsvFormat, CsvOptions
from nnstudio.core.data.missing_codes import find_codes, own_codes
from nnstudio.core.data.packed import tables as packed_tables
from nnstudio.core.data.profile import profile_column
from nnstudio.core.data.roles import codes_of_numbers_and_text
from nnstudio.core.data.workbook import is_workbook, sheet_names
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.memory import size_text
from nnstudio.core.numbers import fmt_number
from nnstudio.ui.common.wheel_guard import guard_wheel
from nnstudio.ui.data.dataframe_model import DataFrameModel

PREVIEW_ROWS = 200
#: the reading switches, by their labels (the Data tab's note names them)
MARKERS = "Read ?, -, NA… in number columns as missing"
FORMATTED = "Read $1,234 and 12% as numbers"
NA_IN_TEXT = "Read NA, None… in text columns as missing"
DATE_PARTS = "Add year, month and weekday of dates"


class CsvImportDialog(QDialog):
    """Choose how to read ``path``; :meth:`options` gives the choices (``None`` = detected)."""

    def __init__(self, path: str | Path, options: CsvOptions | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Open data — {self.path.name}")
        self.resize(900, 620)
        self.format: CsvFormat | None = None
        self.error: NNStudioError | None = None
        self._suggested_missing: list[str] = []
        opts = options or CsvOptions()

        self.is_workbook = is_workbook(self.path)
        self.sheet = QComboBox()
        self.sheet.addItem("Auto", None)
        for name in sheet_names(self.path) if self.is_workbook else []:
            self.sheet.addItem(name, name)
        self.sheet.setToolTip("The sheet of the workbook to read. Auto: the first sheet with data.")
        self.member = QComboBox()  # a .zip of several tables: the one to read
        self.member.addItem("Choose one", None)
        self.tables = packed_tables(self.path)
        for name in self.tables:
            self.member.addItem(name, name)
        self.member.setToolTip("The archive holds several tables: the one to read.")
        self.file_label = QLabel(f"<b>{self.path.name}</b>")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.delimiter = QComboBox()
        self.delimiter.addItem("Auto", None)
        for d, name in DELIMITERS.items():
            shown = {"\t": "  ( \\t )", " ": "s  (one or more)"}.get(d, f"  ( {d} )")
            self.delimiter.addItem(name.capitalize() + shown, d)
        self.encoding = QComboBox()
        self.encoding.addItem("Auto", None)
        for e, name in ENCODINGS.items():
            self.encoding.addItem(name, e)
        self.header = QComboBox()
        self.header.addItem("Auto", None)
        self.header.addItem("First row holds the column names", True)
        self.header.addItem("No header: the first row is data", False)
        self.decimal = QComboBox()
        self.decimal.addItem("Auto", None)
        self.decimal.addItem("Decimal point (12.5)", ".")
        self.decimal.addItem("Decimal comma (12,5)", ",")
        self.missing = QLineEdit(", ".join(opts.na_values))
        self.missing.setPlaceholderText("e.g.  ?, -, missing")
        self.missing.setToolTip("Values to read as missing, separated by commas. Also missing: "
                                + ", ".join(repr(v) for v in DEFAULT_MISSING)
                                + " (in text columns, while the box below says so).")
        for combo, value in ((self.delimiter, opts.delimiter), (self.encoding, opts.encoding),
                             (self.header, opts.header), (self.decimal, opts.decimal),
                             (self.sheet, opts.sheet), (self.member, opts.member)):
            i = combo.findData(value)
            combo.setCurrentIndex(max(0, i))
            combo.currentIndexChanged.connect(self.refresh)
        self.markers = self._switch(
            MARKERS, opts.missing_markers,
            "In a column whose other values are all numbers, these markers are read as missing "
            "values (and the Data tab says how many): " + ", ".join(repr(m) for m in MISSING_MARKERS if m)
            + ", without case. Untick to keep them as values (the column is then refused as numbers "
              "with stray text).")
        self.formatted = self._switch(
            FORMATTED, opts.formatted_numbers,
            "A column whose values are all numbers written with a currency sign (" + ", ".join(CURRENCY)
            + ") or code (USD), thousands separators, a percent sign, brackets or a trailing minus for "
              "negative amounts, or one unit (92 kg, 3 GB) is read as numbers (13.6% as 13.6), "
              "and one of times (14:30, 1:05:32) as minutes; the Data tab says so. Untick to keep "
              "such columns as text.")
        self.na_text = self._switch(
            NA_IN_TEXT, opts.na_in_text,
            "In a column of text, 'NA', 'N/A', 'None', 'null' … are read as missing values, as pandas "
            "and R read them, and the Data tab says how many. Untick when they are values there: NA "
            "for North America or sodium, None for 'no alley'.")
        self.dates = self._switch(
            DATE_PARTS, opts.date_parts,
            "A column of dates (03.02.2024, 2024-02-03, 02/03/2024) gets its year, month and weekday, "
            "and its hour when the times vary, as columns of their own to tick: a network cannot read "
            "a date. The date itself is left out. Untick to read the file as it is.")
        self._missing_timer = QTimer(self, singleShot=True, interval=250)
        self._missing_timer.timeout.connect(self.refresh)
        self.missing.textEdited.connect(lambda _t: self._missing_timer.start())

        self.form = form = QFormLayout()
        form.addRow("File:", self.file_label)
        form.addRow("In the archive:", self.member)
        form.addRow("Sheet:", self.sheet)
        form.addRow("Delimiter:", self.delimiter)
        form.addRow("Encoding:", self.encoding)
        form.addRow("Header row:", self.header)
        form.addRow("Numbers:", self.decimal)
        # a workbook's sheet has cells, not delimiters, an encoding or a decimal mark; a text file no sheets
        self._show_rows_for(self.is_workbook)
        form.setRowVisible(self.member, len(self.tables) > 1)
        form.addRow("Also missing:", self.missing)
        checks = QGridLayout()
        for i, box in enumerate((self.markers, self.formatted, self.na_text, self.dates)):
            checks.addWidget(box, i // 2, i % 2)
        checks.setColumnStretch(2, 1)
        form.addRow("", checks)

        self.model = DataFrameModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setDefaultSectionSize(110)
        self.table.setAlternatingRowColors(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.fix_btn = QPushButton()
        self.fix_btn.setVisible(False)
        self.fix_btn.clicked.connect(self._apply_missing_fix)
        fix_row = QHBoxLayout()
        fix_row.addWidget(self.problems, 1)
        fix_row.addWidget(self.fix_btn, 0, Qt.AlignmentFlag.AlignTop)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addLayout(fix_row)
        lay.addWidget(self.buttons)
        guard_wheel(self)  # scrolling over the options does not change them
        self.refresh()

    def _show_rows_for(self, workbook: bool) -> None:
        """A workbook's sheet has cells, not delimiters, an encoding or a decimal mark; a text file
        has no sheets (a .zip may hold either: the rows follow what the preview found)."""
        self.is_workbook = workbook
        for widget in (self.delimiter, self.encoding, self.decimal):
            self.form.setRowVisible(widget, not workbook)
        self.form.setRowVisible(self.sheet, workbook)

    def _switch(self, text: str, checked: bool, tip: str) -> QCheckBox:
        """A reading choice: ticked as ``checked``, the preview read again when it changes."""
        box = QCheckBox(text)
        box.setChecked(checked)
        box.setToolTip(tip)
        box.toggled.connect(self.refresh)
        return box

    # ----- the user's choices --------------------------------------------------------------------
    def missing_values(self) -> list[str]:
        return [v.strip() for v in self.missing.text().split(",") if v.strip()]

    def options(self) -> CsvOptions:
        return CsvOptions(self.delimiter.currentData(), self.encoding.currentData(),
                          self.header.currentData(), self.decimal.currentData(), self.missing_values(),
                          self.markers.isChecked(), self.formatted.isChecked(),
                          self.na_text.isChecked(), self.dates.isChecked(),
                          sheet=self.sheet.currentData() if self.is_workbook else None,
                          member=self.member.currentData() if len(self.tables) > 1 else None)

    def set_option(self, name: str, value) -> None:
        """Choose a value programmatically (tests, and the fix buttons)."""
        combo = {"delimiter": self.delimiter, "encoding": self.encoding, "header": self.header,
                 "decimal": self.decimal, "sheet": self.sheet, "member": self.member}[name]
        i = combo.findData(value)
        if i < 0:
            raise ValueError(f"{name} has no choice {value!r}")
        combo.setCurrentIndex(i)

    # ----- preview --------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        open_btn = self.buttons.button(QDialogButtonBox.StandardButton.Open)
        try:
            frame, fmt = preview(self.path, self.options(), PREVIEW_ROWS)
        except NNStudioError as e:
            self.error, self.format = e, None
            self.model.set_frame(pd.DataFrame())
            self.summary.setText("")
            self.problems.setText(f"<span style='color:#b3261e'><b>{e.message}</b> {e.hint}</span>")
            self.fix_btn.setVisible(False)
            open_btn.setEnabled(False)
            return
        self.error, self.format = None, fmt
        if (fmt.sheet is not None) != self.is_workbook:  # a workbook inside a .zip, or no longer
            self._show_rows_for(fmt.sheet is not None)
        if fmt.arff is not None:  # an ARFF file says its columns and how its rows are written
            for widget in (self.delimiter, self.encoding, self.decimal, self.header):
                self.form.setRowVisible(widget, False)
        if fmt.sheet is not None and self.sheet.count() == 1:
            for name in fmt.sheet.names:
                self.sheet.addItem(name, name)
        inside = f" — {html.escape(fmt.path.name)} inside" if fmt.archive is not None else ""
        self.file_label.setText(f"<b>{html.escape(self.path.name)}</b>{inside}")
        self.model.set_frame(frame)
        self._label_auto(fmt)
        o = fmt.options
        rows = f"the first {len(frame):,} rows" if not fmt.sample_complete or len(frame) >= PREVIEW_ROWS \
            else f"all {len(frame):,} rows"
        try:  # what the user opened (a workbook, an archive), not the text read from it
            size = self.path.stat().st_size
        except OSError:
            size = fmt.size
        how = "a Weka ARFF file, its @attribute names as the columns" if fmt.arff is not None \
            else f"read as {o.describe()}"
        self.summary.setText(f"{size_text(size)} · {how} · {len(frame.columns)} columns · showing {rows}")
        self.summary.setToolTip("" if fmt.sheet is not None else f"Delimiter detected: {fmt.delimiter_reason}")
        self._show_problems(frame, fmt)
        if len(frame) == 0 and len(frame.columns):  # said here, not after Open as an error
            self.problems.setText(
                "<span style='color:#b3261e'><b>The file has a header row but no rows of data.</b> "
                "Add rows of data below the header, or choose another file (with Header: no header, "
                "its one row is read as data).</span>")
        open_btn.setEnabled(len(frame.columns) > 0 and len(frame) > 0)

    def _label_auto(self, fmt: CsvFormat) -> None:
        d = fmt.detected
        labels = {self.delimiter: DELIMITERS.get(d.delimiter, repr(d.delimiter)),
                  self.encoding: ENCODINGS.get(d.encoding, d.encoding),
                  self.header: "header row" if d.header else "no header",
                  self.decimal: DECIMALS.get(d.decimal, d.decimal)}
        if fmt.sheet is not None:
            labels[self.sheet] = fmt.sheet.name if self.sheet.currentData() is None else "the first with data"
        for combo, text in labels.items():
            combo.setItemText(0, f"Auto ({text})")

    def _show_problems(self, frame, fmt: CsvFormat) -> None:
        lines = list(fmt.notes)
        suggest: list[str] = []
        for c in frame.columns:
            p = profile_column(frame[c])
            if codes_of_numbers_and_text(p, p.n - p.missing):  # a ticket number: not strays
                codes = ", ".join(repr(v) for v, _ in p.top[:2])
                lines.append(f"Column '{c}' holds codes of numbers and text ({codes}, …), "
                             f"{p.unique:,} different values in {p.n - p.missing:,} rows: it will "
                             f"be left out as an identifier (tick Use on the Data tab to change that).")
            elif p.kind == "mixed":
                lines.append(f"Column '{c}' holds numbers, but {p.strays_said()}: {p.stray_text()}.")
                if p.decimal_comma:
                    lines[-1] += " If ',' is the decimal separator here, choose Decimal comma."
                suggest += [v for _, v in p.stray if not (p.decimal_comma and "," in v)]
            if p.n_inf:
                lines.append(f"Column '{c}' has {p.n_inf} infinite value(s): add inf to 'Also missing' "
                             f"or fix the file.")
        for code in find_codes(frame, list(frame.columns)):  # -999 among temperatures
            lines.append(f"Column '{code.column}' holds {code.code} in {code.rows:,} of these rows, far "
                         f"{'below' if code.below else 'above'} its other values ({fmt_number(code.low)} "
                         f"to {fmt_number(code.high)}): a code for a missing value? If so, read it as missing.")
            suggest.append(code.code)
        own = own_codes(frame)  # a blood pressure of 0, an age of -1: read in their column alone
        for code, why in (("0", "not measured"), ("-1", "not known")):
            found = [m for m in own if m.code == code]
            if found:
                each = ", ".join(f"'{m.column}' in {m.rows:,} (its other values {fmt_number(m.low)} to "
                                 f"{fmt_number(m.high)})" for m in found)
                lines.append(f"{code} apart from the other values in these rows: {each}. '{why}'? Once "
                             f"the file is open, the Data tab reads {code} as missing in "
                             f"{'that column' if len(found) == 1 else 'those columns'} alone in a click "
                             f"('Also missing' would read every column's {code} so).")
        self._suggested_missing = sorted(set(suggest) - set(self.missing_values()))[:5]
        if self._suggested_missing:
            self.fix_btn.setText("Read " + ", ".join(repr(v) for v in self._suggested_missing) + " as missing")
            self.fix_btn.setVisible(True)
        else:
            self.fix_btn.setVisible(False)
        if lines:
            items = "".join(f"<li>{ln}</li>" for ln in lines)
            self.problems.setText(f"<span style='color:#8a5300'>Please check:</span><ul style='margin:0'>{items}</ul>")
        else:
            self.problems.setText("<span style='color:#2e7d32'>No problems found in these rows.</span>")

    @Slot()
    def _apply_missing_fix(self) -> None:
        values = self.missing_values() + [v for v in self._suggested_missing if v not in self.missing_values()]
        self.missing.setText(", ".join(values))
        self.refresh()
