"""Excel workbooks (.xlsx, .xlsm): one sheet read as the CSV reader reads a file.

A sheet's cells are written out as CSV text — numbers exactly (``repr``), dates as ISO text, times
as ``hh:mm:ss``, a spreadsheet's errors (``#DIV/0!``) as written — into a cache file named as the
workbook, one line per sheet row from row 1. The CSV reader then reads that file: every check and
note it makes (a title above the table, a units row, a totals row below, markers of missing
values, numbers written with $ or %, dates' parts) applies to sheets as to files, and a note's row
numbers are the sheet's. What a CSV cannot hold is said here: formulas saved without their values,
cells merged down several rows (read in each row they span), rows a filter hides. The cache
(``core.data.file_cache``) is keyed by the workbook's path, size and modification time and the
sheet asked for, so a workbook saved again is read afresh.

openpyxl reads the workbook (read-only, each formula's value as the spreadsheet last saved it).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nnstudio.core import suffixes
from nnstudio.core.data import file_cache
from nnstudio.core.errors import Cancelled, DataError

#: rows written for a preview (the import dialog, the format's detection): the whole sheet when it
#: has no more
HEAD_ROWS = 1000
#: the sheet XML's bytes the first look scans for merged cells (a 100,000-row sheet has 30-60 MB:
#: 0.5 s on the GUI thread)
HEAD_MERGE_BYTES = 8 * 1024 * 1024
#: rows between progress reports and checks for Cancel
_EVERY = 2000
SUFFIXES = suffixes.WORKBOOKS


@dataclass
class Sheet:
    """A sheet of a workbook, written out as CSV text."""

    book: Path  # the workbook
    name: str  # the sheet read
    names: list[str]  # every worksheet, in the workbook's order
    csv: Path  # its rows as CSV text, in a file named as the workbook
    complete: bool  # every row (False: the first HEAD_ROWS)
    rows: int = 0  # rows written
    notes: list[str] = field(default_factory=list)

    def note(self) -> str:
        """What the Data tab says of the workbook's other sheets ("" for a workbook of one)."""
        if len(self.names) < 2:
            return ""
        others = ", ".join(f"'{n}'" for n in self.names)
        return (f"The workbook has {len(self.names)} sheets ({others}): sheet '{self.name}' was "
                f"read. To read another, choose it under Sheet above (nnstudio train: --sheet NAME).")


def kind(path: Path, head: bytes) -> str:
    """"xlsx" for an Excel workbook openpyxl reads, "ods" for an OpenDocument spreadsheet, "docx"
    for another Office document, "zip" for another ZIP archive, "" for a file that is no ZIP."""
    if not head.startswith(b"PK\x03\x04"):
        return ""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "mimetype" in names and b"spreadsheet" in z.read("mimetype"):
                return "ods"
    except (zipfile.BadZipFile, OSError, KeyError):
        return "xlsx" if path.suffix.lower() in SUFFIXES else "zip"
    if "xl/workbook.xml" in names or path.suffix.lower() in SUFFIXES:
        return "xlsx"
    if any(n.startswith(("word/", "ppt/")) for n in names):
        return "docx"
    return "zip"


def is_workbook(path: str | os.PathLike) -> bool:
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return kind(p, head) == "xlsx"


def _patch_size_reading() -> None:
    """openpyxl (read-only) learns a sheet's size from its ``<dimension>`` element, and where a
    sheet has none (files written by openpyxl's write-only mode) it parses the whole sheet to find
    that out: 5 s for 100,000 rows, on the GUI thread when the import dialog opens. The element
    comes before the cells when it is there, so the first 64 KiB tell; without it the size is
    unknown, which :func:`sheet_csv` copes with (it reads every row regardless)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet  # noqa: PLC0415 -- lazy: only a workbook needs it

    original = ReadOnlyWorksheet.__dict__.get("_get_size")
    if original is None or getattr(original, "nnstudio", False):
        return

    def _get_size(self) -> None:
        with self._get_source() as src:
            head = src.read(65536)
        if b"dimension" in head:
            original(self)

    _get_size.nnstudio = True
    ReadOnlyWorksheet._get_size = _get_size


def _open(book: Path):
    import openpyxl  # noqa: PLC0415 -- lazy: only a workbook needs it

    _patch_size_reading()
    try:
        with warnings.catch_warnings():  # "Workbook contains no default style", data validation …
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
        for ws in wb.worksheets:
            # a sheet's recorded size is what the program that wrote it said ("A1" for a whole
            # table, from some), and openpyxl stops reading there: every row is read instead, the
            # size kept only to estimate progress
            ws.recorded_rows = ws.max_row if isinstance(ws.max_row, int) and ws.max_row > 1 else None
            ws.reset_dimensions()
        return wb
    except Exception as e:
        raise DataError(f"'{book.name}' cannot be read as an Excel workbook ({type(e).__name__}: "
                        f"{str(e).splitlines()[0] if str(e) else 'damaged'}).",
                        "Open it in your spreadsheet program and save it again (as .xlsx, or as "
                        "CSV), then open that file.") from None


def _has_cells(ws) -> bool:
    return any(any(v is not None and str(v).strip() for v in row) for row in ws.iter_rows(values_only=True))


def _table_like(ws) -> bool:
    wide = 0
    for row in ws.iter_rows(values_only=True, max_row=200):
        wide += sum(v is not None and str(v).strip() != "" for v in row) >= 2
        if wide >= 2:
            return True
    return False


def _choose(wb, book: Path, sheet: str | None):
    names = [ws.title for ws in wb.worksheets]
    if sheet is not None:
        if sheet not in names:
            raise DataError(f"'{book.name}' has no sheet named '{sheet}'. Its sheets: "
                            f"{', '.join(repr(n) for n in names)}.", "Choose one of them.")
        ws = wb[sheet]
        if not _has_cells(ws):
            others = [ws2.title for ws2 in wb.worksheets if ws2.title != sheet and _has_cells(ws2)]
            raise DataError(f"Sheet '{sheet}' of '{book.name}' is empty.",
                            f"Choose a sheet with data: {', '.join(repr(n) for n in others)}."
                            if others else "The workbook holds no data: choose another file.")
        return ws, names
    # a cover or read-me sheet of a title alone comes before the data: the first sheet with two
    # rows of two cells or more is the table, else the first with anything in it; hidden sheets
    # (lookup tables, a program's scratch) after the visible ones
    shown = sorted(wb.worksheets, key=lambda w: w.sheet_state != "visible")
    for test in (_table_like, _has_cells):
        for ws in shown:
            if test(ws):
                return ws, names
    raise DataError(f"'{book.name}' holds no data: every sheet is empty"
                    f"{'' if names else ' (it has no worksheets, only charts)'}.",
                    "Choose another file, or fill in a sheet and save it again.")


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+\d+:[A-Z]+\d+)\"")
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\bhidden=\"(?:1|true)\"[^>]*>")
_ROW_NUMBER = re.compile(rb"\br=\"(\d+)\"")


def _sheet_facts(wb, ws, head: bool) -> tuple[dict[int, list[tuple[int, int, str]]], list[int]]:
    """What openpyxl's read-only sheets do not give, from the sheet XML read in blocks: the cells
    merged down several rows of one column, by first row (``{row: [(column, last row, "A2:A6")]}``),
    and the hidden rows (a filter's). For the import dialog's first look (``head``) only in a
    sheet of under :data:`HEAD_MERGE_BYTES` (the ``<mergeCell>`` elements come after every cell:
    a big one's preview shows them as the sheet stores them; the whole read fills them)."""
    from openpyxl.utils.cell import range_boundaries  # noqa: PLC0415 -- lazy: only a workbook needs it

    try:
        if head and wb._archive.getinfo(ws._worksheet_path).file_size > HEAD_MERGE_BYTES:
            return {}, []
        src = wb._archive.open(ws._worksheet_path)  # openpyxl's own handles (no public way)
    except (AttributeError, KeyError, OSError):
        return {}, []
    found: dict[int, list[tuple[int, int, str]]] = {}
    hidden: set[int] = set()
    tail = b""
    with src:
        while block := src.read(1 << 20):
            text = tail + block
            for m in _MERGE.finditer(text):
                ref = m.group(1).decode()
                c0, r0, c1, r1 = range_boundaries(ref)
                if c0 == c1 and r1 > r0:
                    found.setdefault(r0, []).append((c0, r1, ref))
            for m in _HIDDEN_ROW.finditer(text):
                number = _ROW_NUMBER.search(m.group(0))
                if number:
                    hidden.add(int(number.group(1)))
            tail = text[-500:]  # a tag cut between two blocks is whole in the next text
    for row in found.values():  # a reference cut between two blocks and found in both: once
        row[:] = sorted(set(row))
    return found, sorted(hidden)


def _fill_merged(row: tuple, r: int, merges, spans: dict, filled: list) -> tuple:
    """Row ``r`` with each cell merged down from a row above given that cell's value (the sheet
    shows it in every row the merged cell spans)."""
    for c, last, ref in merges.get(r, ()):
        if c <= len(row) and row[c - 1] is not None:
            spans[c] = (last, row[c - 1])
            filled.append((ref, row[c - 1]))
    if not spans:
        return row
    cells = list(row)
    for c, (last, value) in list(spans.items()):
        if r > last:
            del spans[c]
            continue
        cells.extend([None] * (c - len(cells)))
        if cells[c - 1] is None:
            cells[c - 1] = value
    return tuple(cells)


def _hidden_note(hidden: list[int]) -> list[str]:
    if not hidden:
        return []
    n = len(hidden)
    shown = ", ".join(map(str, hidden[:5])) + (" …" if n > 5 else "")
    return [f"{n:,} row{'s are' if n != 1 else ' is'} hidden in the sheet (row{'s' if n != 1 else ''} "
            f"{shown}; a filter hides rows so): {'they were' if n != 1 else 'it was'} read as data "
            f"like the others. To leave {'them' if n != 1 else 'it'} out, delete "
            f"{'them' if n != 1 else 'it'} in the workbook and save it."]


def _merged_note(filled: list[tuple[str, object]]) -> list[str]:
    if not filled:
        return []
    ref, value = filled[0]
    n = len(filled)
    return [f"{n:,} cell{'s' if n != 1 else ''} merged down several rows (e.g. {ref}, {cell_text(value)!r}) "
            f"{'were' if n != 1 else 'was'} read as {'their' if n != 1 else 'its'} value in every row "
            f"{'they span' if n != 1 else 'it spans'}, as the sheet shows {'them' if n != 1 else 'it'}."]


def sheet_names(path: str | os.PathLike) -> list[str]:
    """The workbook's worksheets, in its order ([] when it cannot be read: reading it says why)."""
    try:
        wb = _open(Path(path))
    except DataError:
        return []
    try:
        return [ws.title for ws in wb.worksheets]
    finally:
        wb.close()


def _uncomputed(book: Path, title: str, empty: set[tuple[int, int]]) -> list[str]:
    """A note on the columns whose empty cells (in the first rows) hold formulas no spreadsheet has
    computed: a workbook written by a program keeps a formula without its value, which reads as
    missing; saved from Excel or LibreOffice, it has its values."""
    if not empty:
        return []
    import openpyxl  # noqa: PLC0415 -- lazy: only a workbook needs it
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 -- lazy: as above

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(book, read_only=True, data_only=False)
    except Exception:  # read once already: a second look that fails has nothing to say
        return []
    found: dict[int, list[tuple[int, str]]] = {}
    try:
        ws = wb[title]
        ws.reset_dimensions()
        for r, row in enumerate(ws.iter_rows(values_only=True, max_row=HEAD_ROWS), start=1):
            for c, v in enumerate(row, start=1):
                formula = v if isinstance(v, str) else getattr(v, "text", None)  # ArrayFormula
                if isinstance(formula, str) and formula.startswith("=") and (r, c) in empty:
                    found.setdefault(c, []).append((r, formula))
    finally:
        wb.close()
    if not found:
        return []
    found = dict(sorted(found.items()))
    letters = [get_column_letter(c) for c in found]
    which = f"Column {letters[0]} holds" if len(letters) == 1 else \
        f"Columns {', '.join(letters[:-1])} and {letters[-1]} hold"
    n = sum(len(v) for v in found.values())
    r, c, formula = min((r, c, f) for c, cells in found.items() for r, f in cells)  # the first, row by row
    return [f"{which} formulas that no spreadsheet has computed ({n:,} cell{'s' if n != 1 else ''} in "
            f"the first {HEAD_ROWS:,} rows, e.g. {get_column_letter(c)}{r}: {formula[:40]}): the "
            f"program that wrote the workbook saved them without their values, and they are read "
            f"as missing. Open the workbook in Excel or LibreOffice, save it, and open it again."]


def cell_text(v) -> str:
    """A cell as a CSV export writes it: numbers exactly, dates and times as ISO text."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return repr(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)
    if isinstance(v, dt.datetime):
        if v.time() == dt.time(0):
            return v.date().isoformat()
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        seconds = round(v.total_seconds())
        h, rest = divmod(abs(seconds), 3600)
        return f"{'-' if seconds < 0 else ''}{h}:{rest // 60:02d}:{rest % 60:02d}"
    return str(v)


def _trim(row: tuple) -> list[str]:
    cells = [cell_text(v) for v in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def sheet_csv(path: str | os.PathLike, sheet: str | None = None, *, head: bool = False,
              progress: Callable[[float, str], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> Sheet:
    """The sheet ``sheet`` of the workbook ``path`` (None: the first with data) as CSV text in a
    cache file; ``head``: its first :data:`HEAD_ROWS` rows suffice (the whole sheet's file when it
    was written before). ``progress(fraction, message)`` after each block of rows;
    ``should_stop()`` raises :class:`Cancelled`."""
    book = Path(path)
    for want_head in ((False, True) if head else (False,)):
        found = file_cache.entry(file_cache.key(book, "sheet", sheet, want_head), "sheet.json")
        if found is not None:
            m = json.loads((found / "sheet.json").read_text("utf-8"))
            return Sheet(book, m["name"], m["names"], found / book.name, m["complete"], m["rows"], m["notes"])
    name = file_cache.key(book, "sheet", sheet, head)
    wb = _open(book)
    try:
        ws, names = _choose(wb, book, sheet)
        total = ws.recorded_rows
        limit = HEAD_ROWS if head else None
        rows = 0
        complete = True
        empty: set[tuple[int, int]] = set()  # the first rows' empty cells: a formula never computed?
        merges, hidden = _sheet_facts(wb, ws, head)
        spans: dict[int, tuple[int, object]] = {}  # column: (last row, value) of a merged cell
        filled: list[tuple[str, object]] = []  # (range, value) of each merged cell read down its rows
        with file_cache.writing(name) as part:
            with open(part / book.name, "w", encoding="utf-8", newline="") as fh:
                out = csv.writer(fh, lineterminator="\n")
                for row in ws.iter_rows(min_row=1, values_only=True):
                    if limit is not None and rows >= limit:
                        complete = False
                        break
                    if merges or spans:
                        row = _fill_merged(row, rows + 1, merges, spans, filled)
                    out.writerow(_trim(row))
                    rows += 1
                    if rows <= HEAD_ROWS:
                        empty.update((rows, c) for c, v in enumerate(row, start=1) if v is None)
                    if rows % _EVERY == 0:
                        if should_stop is not None and should_stop():
                            raise Cancelled(f"Reading '{book.name}' was cancelled.",
                                            "The data you had before is kept.")
                        if progress is not None:
                            # a sheet that does not record its size: a bar that moves, never full
                            done = min(0.99, rows / total) if total else rows / (rows + 20 * _EVERY)
                            shown = f" of {total:,}" if total else ""
                            progress(done, f"Read {rows:,}{shown} rows of sheet '{ws.title}'")
            notes = _uncomputed(book, ws.title, empty) + _merged_note(filled) + _hidden_note(hidden)
            (part / "sheet.json").write_text(json.dumps(dict(name=ws.title, names=names, complete=complete,
                                                             rows=rows, notes=notes)), "utf-8")
    finally:
        wb.close()
    if progress is not None:
        progress(1.0, f"Read {rows:,} rows of sheet '{ws.title}'")
    return Sheet(book, ws.title, names, file_cache.root() / name / book.name, complete, rows, notes)
