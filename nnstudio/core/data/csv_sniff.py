"""Detecting a CSV file's format from its start: encoding, delimiter, header row, decimal separator."""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import replace

from nnstudio.core.data import arff, packed, workbook
from nnstudio.core.data.csv_file import (
    binary_problem,
    decode_sample,
    detect_encoding,
    ends_mid_utf8,
    open_checked,
    text_format_problem,
    workbook_problem,
)
from nnstudio.core.data.csv_missing import MISSING_MARKERS, PANDAS_MISSING
from nnstudio.core.data.csv_numbers import CURRENCY, CURRENCY_CODE, THOUSANDS
from nnstudio.core.data.csv_options import DELIMITERS, CsvFormat, CsvOptions
from nnstudio.core.errors import DataError, ReadingOptionError
from nnstudio.core.numbers import and_list

SAMPLE_BYTES = 256 * 1024
#: a text file's lines are a sheet's rows (a note on a workbook says "Row 1", as the sheet numbers it)
_ROW_WORDS = re.compile(r"\b(?:Lines?|lines?)(?= \d)")  # "Line 4", "lines 1-2"; not "line breaks"
SAMPLE_LINES = 200

_NUM = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_NUM_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_SPECIAL_NUM = {"inf", "-inf", "+inf", "infinity", "-infinity", "nan"}
#: a number with a decimal comma or point, as a spreadsheet may write it: thousands grouped as the
#: reader of such numbers groups them (csv_numbers.THOUSANDS), a currency sign or code ('USD
#: 1,234.50', '1.234,56 EUR') or a percent sign, accounting brackets, SAP's last minus ('1.234,56-')
_AROUND = rf"(?:[\s{CURRENCY}(+\u2212-]|{CURRENCY_CODE})*"
_AFTER = rf"(?:[\s{CURRENCY}%)]|{CURRENCY_CODE}|(?<=\d)-)*"
_DECIMAL_MARK = {
    ",": re.compile(rf"^{_AROUND}(?:\d{{1,3}}(?:{THOUSANDS[',']}\d{{3}})+|\d+),\d+{_AFTER}$"),
    ".": re.compile(rf"^{_AROUND}(?:\d{{1,3}}(?:{THOUSANDS['.']}\d{{3}})+|\d*)\.\d+{_AFTER}$")}


def _looks_numeric(v: str) -> bool:
    v = v.strip()
    return bool(_NUM.match(v) or _NUM_COMMA.match(v)) or v.lower() in _SPECIAL_NUM


_SPACES = re.compile(r"[ \t]+")
#: a line's leading and trailing spaces and tabs, whichever its line ends (\n, \r\n, a lone \r)
_EDGE_SPACES = re.compile(r"(?:^|(?<=[\r\n]))[ \t]+|[ \t]+(?=[\r\n]|\Z)")


def _rows(text: str, delimiter: str, limit: int = SAMPLE_LINES) -> list[tuple[int, list[str]]]:
    r"""(line number, fields) of the first non-empty rows, parsed with quotes. A space delimiter
    is a run of spaces or tabs, and a line's leading and trailing ones are no fields (as pandas'
    ``sep=r"\s+"`` reads them)."""
    out = []
    if delimiter == " ":
        text = _SPACES.sub(" ", _EDGE_SPACES.sub("", text))
    # newline="": lines end at \n, \r\n or a lone \r (old Mac files) and quoted line breaks stay
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', skipinitialspace=True)
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            out.append((reader.line_num, row))
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def _aligned(rows: list[list[str]], consistency: float) -> bool:
    """Whether rows split at runs of spaces are a table of numbers (a space-aligned file such as
    UCI's housing.data): the same number of fields on every line looked at, most of them numbers.
    Sentences split at their spaces are not (a one-column file of names stays one column), nor a
    fixed-width file with blank cells (its values would shift into the wrong columns)."""
    fields = [f for r in rows[1:] for f in r]
    return consistency == 1 and bool(fields) and \
        sum(map(_looks_numeric, fields)) >= 0.5 * len(fields)


def detect_delimiter(text: str) -> tuple[str, str]:
    """(delimiter, reason) from the sample text."""
    best, best_score, why = ",", None, "no delimiter found: one column"
    for d, dname in DELIMITERS.items():
        rows = [r for _, r in _rows(text, d, 60)]
        if not rows:
            continue
        counts = [len(r) for r in rows]
        m = max(set(counts), key=counts.count)
        if m <= 1:
            continue
        consistency = counts.count(m) / len(counts)
        if d == " " and not _aligned(rows, consistency):
            continue
        others = [o for o in DELIMITERS if o != d]
        fields = [f for r in rows[1:] for f in r] or [f for r in rows for f in r]
        clean = sum(1 for f in fields if _looks_numeric(f) or not any(o in f for o in others)) / max(1, len(fields))
        score = (round(consistency, 2), round(clean, 2), m)
        if best_score is None or score > best_score:
            best, best_score = d, score
            why = f"{dname}: {m} fields on {consistency:.0%} of the first {len(rows)} lines"
    return best, why


#: The first filled cell of a spreadsheet's totals row ("Total", "Grand total:", "Average" ...).
TOTALS_LABEL = re.compile(r"^(grand\s+|sub-?)?(totals?|sum|average|avg|mean|count|summe|gesamt|"
                          r"totaal|totale|moyenne)\b\s*[:.]?", re.IGNORECASE)


#: The first filled cell of a note under a table ("Source: …", "Note: …", "* rounded", "© 2024").
FOOTNOTE_LABEL = re.compile(r"^(\*|©|\(c\)\s|[^\W\d_]+:\s)", re.IGNORECASE)
_EXCEL_SEP = re.compile(r"^\ufeff?sep=([,;\t|])[ \t]*(?=\r?\n|\r)")
#: at most this many lines above a table (a title, a date, Excel's "sep=;") are looked for
MAX_LINES_ABOVE = 10


def _lines_above_table(rows: list[tuple[int, list[str]]],
                       delimiter: str) -> tuple[int, list[tuple[int, str]]]:
    """Lines above the table (a report's title, Excel's "sep=;"): leading lines of at most one
    filled field, followed by a line as wide as most lines, when most are wider than one.
    Returns how many lines of the file to skip (blank ones among them) and the filled ones'
    (line number, text)."""
    counts = [len(r) for _, r in rows]
    if len(counts) < 2:
        return 0, []
    width = max(set(counts), key=counts.count)
    above: list[tuple[int, str]] = []
    for line, r in rows[:MAX_LINES_ABOVE + 1]:
        if len(r) == width:
            return (line - 1, above) if above else (0, [])
        filled = [v.strip() for v in r if v.strip()]
        if width < 2 or len(filled) > 1:
            return 0, []
        if filled:  # Excel's "sep=;" is split at its own delimiter
            above.append((line, filled[0] + (delimiter if filled[0].lower() == "sep=" else "")))
    return 0, []


#: words that say a value is missing or unknown, not a unit
_NOT_UNITS = frozenset({"unknown", "tbd", "pending", "n.d.", "nd", "x", "error", "void", "blank"})


def _units_row(rows: list[list[str]]) -> dict[int, str] | None:
    """The units under a header ('kg', 'cm', '[°C]'): {column index: unit} when the row under it
    has, in at least two columns of numbers, short text that is neither a number nor a marker of a
    missing value, and no number in any such column (text columns may hold anything)."""
    if len(rows) < 5:
        return None
    first, below = rows[1], rows[2:202]
    units = {}
    for j, v in enumerate(v.strip() for v in first[:len(rows[0])]):
        values = [r[j].strip() for r in below if j < len(r)]
        values = [x for x in values if x and x not in PANDAS_MISSING]
        if len(values) < 3 or sum(map(_looks_numeric, values)) < 0.9 * len(values):
            continue  # not a column of numbers: a unit, a blank or a label there says nothing
        if not v:
            continue
        if (_looks_numeric(v) or v in PANDAS_MISSING or v.lower() in MISSING_MARKERS
                or v.lower() in _NOT_UNITS or len(v) > 15):
            return None
        units[j] = v
    return units if len(units) >= 2 else None


def _units_note(line: int, units: dict[str, str]) -> str:
    """"Line 2 under the header holds units, not values, and was left out: weight in kg, …" """
    said = [f"{name} in {unit}" for name, unit in units.items()]
    more = f", and {len(said) - 8} more" if len(said) > 8 else ""
    return (f"Line {line} under the header holds units, not values, and was left out: "
            f"{', '.join(said[:8])}{more}.")


def _leading_comments(rows: list[tuple[int, list[str]]], delimiter: str) -> list[tuple[int, str]]:
    """Comment lines at the top ('# Exported by …, 2024'), as (line number, text), when a header
    follows them; none when the lines under them are no header ('#id,name' may be the header)."""
    out = []
    for line, r in rows:
        if not r or not r[0].lstrip().startswith("#"):
            break
        out.append((line, (delimiter + (" " if delimiter in ",;" else "")).join(r).strip()))
    rest = [r for _, r in rows[len(out):]]
    return out if out and len(rest) >= 2 and detect_header(rest) else []


def _above_note(above: list[tuple[int, str]]) -> str:
    """"Lines 1-2 ('sep=;', 'Sales') sit above the table and were left out." """
    lines = [line for line, _ in above]
    texts = ", ".join(repr(t) for _, t in above)
    if len(lines) == 1:
        return f"Line {lines[0]} ({texts}) sits above the table and was left out."
    which = f"{lines[0]}-{lines[-1]}" if lines == list(range(lines[0], lines[-1] + 1)) \
        else ", ".join(map(str, lines))
    return f"Lines {which} ({texts}) sit above the table and were left out."


def _text_columns(rows: list[list[str]], names: list[str]) -> list[str]:
    """The columns with a value in ``rows`` that is neither a number nor one of pandas' markers of
    a missing value."""
    out = []
    for j, name in enumerate(names):
        values = (r[j].strip() for r in rows if j < len(r))
        if any(v and v not in PANDAS_MISSING and not _looks_numeric(v) for v in values):
            out.append(name)
    return out


def detect_header(rows: list[list[str]]) -> bool:
    """Is the first row a header? Votes per column: a text cell above numbers says yes."""
    if not rows:
        return True
    first, rest = rows[0], rows[1:]
    if not rest:
        return not all(_looks_numeric(v) for v in first if v.strip())
    yes = no = 0.0
    for j, head in enumerate(first):
        col = [r[j] for r in rest if j < len(r) and r[j].strip()]
        if not col:
            continue
        numeric = sum(_looks_numeric(v) for v in col) / len(col)
        if numeric >= 0.9:
            if head.strip() and not _looks_numeric(head):
                yes += 1
            elif _looks_numeric(head):
                no += 1
        elif head in set(col):
            no += 0.5
    if yes == no == 0:
        return len(set(first)) == len(first)  # all-text table: distinct names suggest a header
    return yes >= no


def detect_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    comma = sum(1 for r in rows for v in r if _DECIMAL_MARK[","].match(v))
    dot = sum(1 for r in rows for v in r if _DECIMAL_MARK["."].match(v))
    return "," if comma > dot else "."


def sniff(path: str | os.PathLike, options: CsvOptions | None = None) -> CsvFormat:
    """Detect what ``options`` leaves open; check the file can be read as a table at all."""
    options = options or CsvOptions()
    options.check()
    p, size = open_checked(path)
    with open(p, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    archive, whole = None, True
    if packed.kind(p, sample[:8]):  # the table inside (core.data.packed)
        archive = p
        p, whole = packed.unpacked(p, options.member, head=True)
        p, size = open_checked(p)
        with open(p, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
    if archive is None and options.member is not None:
        raise DataError(f"'{p.name}' is not an archive: it holds no file '{options.member}'.",
                        "Leave out the file in the archive for this file.")
    sheet = None
    if workbook.kind(p, sample[:4]) == "xlsx":  # its sheet, as CSV text (core.data.workbook)
        sheet = workbook.sheet_csv(p, options.sheet, head=True)
        options = replace(options, delimiter=",", encoding="utf-8", decimal=".")
        p, size = sheet.csv, sheet.csv.stat().st_size
        with open(p, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
    elif options.sheet is not None:
        raise DataError(f"'{p.name}' is a text file, not a workbook: it has no sheets (asked for "
                        f"sheet '{options.sheet}').", "Leave the sheet out for a CSV file.")
    arff_file = None
    if arff.is_arff(sample[:4096]):  # its rows as CSV text (core.data.arff), header and all
        arff_file, p = p, arff.as_csv(p)
        size = p.stat().st_size
        options = replace(options, delimiter=",", encoding="utf-8", decimal=".", header=True)
        with open(p, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
    complete = len(sample) >= size and (sheet is None or sheet.complete) and whole
    problem = workbook_problem(p, sample) or binary_problem(sample, p.name) or \
        text_format_problem(sample, p.name)
    if problem:
        raise problem
    if (options.encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") \
            and ends_mid_utf8(p, size, sample, complete):
        raise DataError(f"'{p.name}' ends in the middle of a character: the file looks cut off (a "
                        f"copy or download that did not finish).",
                        "Copy or download it again, or remove the broken end of its last line.")
    notes: list[str] = []
    enc, enc_note = detect_encoding(sample, complete)
    detected = CsvOptions(encoding=enc)
    encoding = options.encoding or enc
    if options.encoding is None and enc_note:
        notes.append(enc_note)
    text = decode_sample(p, sample, encoding, complete)
    if not text.strip():
        raise DataError(f"'{p.name}' is empty: it holds no data, only blank space.",
                        "Choose a file with a header row and rows of data.")
    detected.delimiter, delim_why = detect_delimiter(text)
    hint = _EXCEL_SEP.match(text)
    if hint:
        detected.delimiter, delim_why = hint.group(1), f"the file's first line says {hint.group(0)}"
    delimiter = options.delimiter or detected.delimiter
    numbered = _rows(text, delimiter)
    comments = _leading_comments(numbered, delimiter)
    numbered = numbered[len(comments):]
    # only under a delimiter found here: a chosen one that splits the header less than the rows
    # is refused as such (the user learns which delimiter the rows have)
    skip, above = _lines_above_table(numbered, delimiter) \
        if options.delimiter is None or sheet is not None else (0, [])
    if comments:
        above = comments + above
        skip = max(skip, numbered[0][0] - 1)
    if above:
        notes.append(_above_note(above))
    rows = [r for line, r in numbered if line > skip]
    detected.header = detect_header(rows)
    header = options.header if options.header is not None else detected.header
    units = _units_row(rows) if header else None
    units_line = 0
    if units:
        units_line = [line for line, _ in numbered if line > skip][1]
        rows = rows[:1] + rows[2:]
    detected.decimal = detect_decimal(rows[1:] if header else rows, delimiter)
    decimal = options.decimal or detected.decimal
    if decimal == delimiter:
        raise ReadingOptionError("The decimal separator cannot be the same as the delimiter.",
                                 "Choose a semicolon delimiter with a decimal comma.")
    width = max((len(r) for r in rows), default=1)
    if header:
        names = [n.strip() for n in rows[0]] if rows else []
        # a spreadsheet's wrapped header cell: its line breaks (and the spaces around them) as
        # one space; other names stay as written (a saved project names its columns so)
        names = [" ".join(n.split()) if "\n" in n or "\r" in n else n for n in names]
        wrapped = [n for n, raw in zip(names, rows[0] if rows else []) if "\n" in raw or "\r" in raw]
        if wrapped:
            notes.append(f"Column names with line breaks are read with spaces: "
                         f"{and_list([repr(n) for n in wrapped[:4]])}"
                         f"{' …' if len(wrapped) > 4 else ''}.")
        names = [n if n else f"column {i + 1}" for i, n in enumerate(names)]
        seen: dict[str, int] = {}
        for i, n in enumerate(names):
            if n in seen:
                raise ReadingOptionError(
                    f"The column name '{n}' appears twice in the header (columns {seen[n] + 1} "
                    f"and {i + 1}).", "Rename one of them in the file so every column has its own "
                    "name, or read the file without a header row.")
            seen[n] = i
    else:
        names = [f"column {i + 1}" for i in range(width)]
    if width == 1 and options.delimiter is None and len(rows) > 1:
        notes.append("Only one column was found. If the file uses another delimiter, choose it.")
    resolved = CsvOptions(delimiter, encoding, bool(header), decimal, list(options.na_values),
                          bool(options.missing_markers), bool(options.formatted_numbers),
                          bool(options.na_in_text), bool(options.date_parts),
                          list(options.minutes_seconds), sheet.name if sheet is not None else None,
                          options.member if archive is not None else None,
                          {c: list(v) for c, v in options.missing_in.items()})
    if units:
        notes.append(_units_note(units_line, {names[j]: u for j, u in units.items()}))
    fmt = CsvFormat(p, resolved, detected, names, size, notes, complete, skip_lines=skip,
                    units_line=units_line,
                    text_columns=_text_columns(rows[1:] if header else rows, names), sheet=sheet,
                    archive=archive, arff=arff_file)
    fmt.notes.extend(_ragged_notes(fmt, text))
    fmt.delimiter_reason = delim_why
    if sheet is not None:
        fmt.delimiter_reason = "a sheet of a workbook has cells, not delimiters"
        fmt.notes = [_ROW_WORDS.sub(lambda m: {"Line": "Row", "Lines": "Rows", "line": "row",
                                                "lines": "rows"}[m.group(0)], n) for n in fmt.notes]
        fmt.notes[:0] = [n for n in [sheet.note(), *sheet.notes] if n]
    n_lines = text.count("\n")
    if n_lines > 1:
        try:
            fmt.bytes_per_row = len(text.encode(encoding if encoding != "utf-16" else "utf-16-le",
                                                errors="replace")) / n_lines
        except (UnicodeError, LookupError):  # only for progress estimates
            fmt.bytes_per_row = 0.0
    return fmt


def _ragged_notes(fmt: CsvFormat, text: str) -> list[str]:
    """Raise on a row with more fields than the header in the sample; note rows with fewer."""
    rows = [(line, r) for line, r in _rows(text, fmt.options.delimiter, 10_000)
            if line > fmt.skip_lines and line != fmt.units_line]
    if fmt.options.header:
        rows = rows[1:]
    width = len(fmt.names)
    short = []
    for line, r in rows:
        if len(r) > width and any(v.strip() for v in r[width:]):
            raise ragged_error(fmt, line, len(r), width)
        if len(r) < width and not FOOTNOTE_LABEL.match(r[0].strip()):  # a note under the table:
            short.append(line)  # left out when read (csv._totals_rows)
    if short and fmt.sheet is None:  # a sheet's empty cells at a row's end are not written out
        more = f" and {len(short) - 3} more" if len(short) > 3 else ""
        return [f"Line{'s' if len(short) > 1 else ''} {', '.join(map(str, short[:3]))}{more} "
                f"{'have' if len(short) > 1 else 'has'} fewer fields than the header ({width}): "
                f"the missing fields are read as missing values."]
    return []


def ragged_error(fmt: CsvFormat, line: int, saw: int, width: int) -> DataError:
    if fmt.sheet is not None:
        from openpyxl.utils import get_column_letter  # noqa: PLC0415 -- lazy: only a workbook needs it

        last, extra = get_column_letter(width), get_column_letter(saw)
        return DataError(f"Row {line} of sheet '{fmt.sheet.name}' in '{fmt.path.name}' has a value in "
                         f"column {extra}, right of the table's last named column ({last}).",
                         "Give that column a name in the header row, or clear the stray cells, then "
                         "save the workbook and open it again.")
    dname = DELIMITERS.get(fmt.options.delimiter, repr(fmt.options.delimiter))
    what = "the header has" if fmt.options.header else "the first rows have"
    return DataError(f"Line {line} of '{fmt.path.name}' has {saw} fields, but {what} {width}.",
                     f"The delimiter is {dname}: if that is wrong, choose another; otherwise put "
                     f"quotes around values that contain a {dname}, or fix that line.")
