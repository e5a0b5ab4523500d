"""Reading CSV / TSV / text tables: detect the format, read in chunks with progress and cancel.

:func:`sniff` looks at the start of a file and decides, each with the reason, the encoding (UTF-8,
UTF-8 with BOM, UTF-16, Windows-1252/Latin-1), the delimiter (comma, semicolon, tab, pipe), whether
the first row is a header and whether numbers use a decimal comma. Anything the user sets in
:class:`CsvOptions` wins over detection. :func:`preview` reads the first rows with those choices (the
import dialog shows it as the user changes them) and :func:`read_csv` reads the whole file with
pandas in chunks, reporting progress and stopping when asked.

Every problem a file can have becomes a :class:`~nnstudio.core.errors.DataError` that names the
problem and the fix: a missing, unreadable, empty, binary or header-only file, ragged rows,
duplicated column names, text that is not in the chosen encoding.
"""
from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.errors import DataError, NNStudioError

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16",
             "cp1252": "Windows-1252 (Latin-1)", "latin-1": "ISO-8859-1 (Latin-1)"}
DECIMALS = {".": "decimal point", ",": "decimal comma"}
#: Markers pandas reads as missing values anyway (shown to the user in the import dialog).
DEFAULT_MISSING = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A", "<NA>")
#: Common markers of a missing value in public data sets (Orange and Weka read '?' as missing).
#: In a column whose other values are all numbers they are read as missing, without case or the
#: spaces around them (:func:`read_markers_as_missing`); in a column of text they stay categories.
MISSING_MARKERS = ("?", "-", "--", ".", "na", "n/a", "n.a.", "nan", "null", "none", "missing", "#n/a",
                   "<na>", "")
_MARKER_SET = frozenset(MISSING_MARKERS)
FILE_FILTER = "Data files (*.csv *.tsv *.txt *.dat *.tab);;All files (*)"

SAMPLE_BYTES = 256 * 1024
CHUNK_ROWS = 50_000
SAMPLE_LINES = 200

_NUM = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_NUM_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_NUM_DOT = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")
_SPECIAL_NUM = {"inf", "-inf", "+inf", "infinity", "-infinity", "nan"}

_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument .ods workbook is one)",
     "Save the sheet as CSV from your spreadsheet program (File > Save As > CSV) and open that file."),
    (b"\xd0\xcf\x11\xe0", "an Excel (.xls) workbook or another Office document",
     "Save the sheet as CSV from your spreadsheet program (File > Save As > CSV) and open that file."),
    (b"\x1f\x8b", "a gzip-compressed file", "Decompress it first (gunzip) and open the CSV inside."),
    (b"BZh", "a bzip2-compressed file", "Decompress it first and open the CSV inside."),
    (b"\xfd7zXZ", "an xz-compressed file", "Decompress it first and open the CSV inside."),
    (b"%PDF", "a PDF document", "Export the table to CSV first."),
    (b"\x89PNG", "a PNG image", "Choose a CSV file."),
    (b"\xff\xd8\xff", "a JPEG image", "Choose a CSV file."),
    (b"GIF8", "a GIF image", "Choose a CSV file."),
    (b"SQLite format 3", "an SQLite database", "Export the table to CSV first."),
    (b"PAR1", "a Parquet file", "Convert it to CSV first."),
    (b"\x93NUMPY", "a NumPy array file", "Save the array as CSV (numpy.savetxt) first."),
)


class Cancelled(NNStudioError):
    """Reading was cancelled by the user (not an error: the previous data stays)."""


@dataclass
class CsvOptions:
    """How to read a file. ``None`` means: detect it."""

    delimiter: str | None = None
    encoding: str | None = None
    header: bool | None = None
    decimal: str | None = None
    na_values: list[str] = field(default_factory=list)  # extra markers of missing values, e.g. "?"
    #: read :data:`MISSING_MARKERS` as missing in columns that otherwise hold only numbers
    missing_markers: bool = True

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> CsvOptions:
        d = dict(d or {})
        known = {"delimiter", "encoding", "header", "decimal", "na_values", "missing_markers"}
        unknown = set(d) - known
        if unknown:
            raise DataError(f"Unknown CSV option(s): {', '.join(sorted(unknown))}.")
        opts = cls(**d)
        opts.na_values = [str(v) for v in opts.na_values]
        if not isinstance(opts.missing_markers, bool):
            raise DataError(f"The CSV option missing_markers must be true or false (got "
                            f"{opts.missing_markers!r}).")
        opts.check()
        return opts

    def check(self) -> None:
        if self.delimiter is not None and (len(self.delimiter) != 1 or self.delimiter in "\"\r\n"):
            raise DataError(f"The delimiter must be one character such as , ; | or a tab "
                            f"(got {self.delimiter!r}).")
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise DataError(f"Unknown text encoding '{self.encoding}'.",
                                f"Use one of: {', '.join(ENCODINGS)}.") from None
            try:  # codecs such as rot13, base64, zip or idna exist but are no encoding of text files
                "a,b\n1;é".encode(self.encoding, errors="replace")
            except (LookupError, UnicodeError):
                raise DataError(f"'{self.encoding}' is not a text encoding for files.",
                                f"Use one of: {', '.join(ENCODINGS)}.") from None
        if self.decimal is not None and self.decimal not in DECIMALS:
            raise DataError(f"The decimal separator must be '.' or ',' (got {self.decimal!r}).")
        if self.decimal is not None and self.decimal == self.delimiter:
            raise DataError("The decimal separator cannot be the same as the delimiter.",
                            "Use a semicolon delimiter with a decimal comma.")

    def describe(self) -> str:
        parts = []
        if self.delimiter is not None:
            parts.append(f"{DELIMITERS.get(self.delimiter, repr(self.delimiter))}-separated")
        if self.encoding is not None:
            parts.append(ENCODINGS.get(self.encoding, self.encoding))
        if self.header is not None:
            parts.append("first row is the header" if self.header else "no header row")
        if self.decimal is not None:
            parts.append(DECIMALS[self.decimal])
        if self.na_values:
            parts.append("missing also: " + ", ".join(repr(v) for v in self.na_values))
        if not self.missing_markers:
            parts.append("markers such as '?' not read as missing")
        return ", ".join(parts)


@dataclass
class CsvFormat:
    """The options a file will be read with (nothing left to detect) and what detection found."""

    path: Path
    options: CsvOptions  # every field set
    detected: CsvOptions  # what detection alone proposes (shown as "Auto (…)" in the dialog)
    names: list[str]  # column names
    size: int  # bytes
    notes: list[str] = field(default_factory=list)  # things the user should know, plain words
    sample_complete: bool = False  # the sample is the whole file
    delimiter_reason: str = ""  # why the delimiter was detected, plain words
    bytes_per_row: float = 0.0  # in the sample (for progress estimates)


# ----- checks on the file itself ------------------------------------------------------------------
def _open_checked(path: str | os.PathLike) -> tuple[Path, int]:
    p = Path(path).expanduser()
    if not p.exists():
        hint = "Check the name and the folder."
        if p.parent.is_dir():
            near = sorted(q.name for q in p.parent.iterdir() if q.suffix.lower() in (".csv", ".tsv", ".txt"))[:5]
            if near:
                hint += f" CSV files there: {', '.join(near)}."
        raise DataError(f"There is no file '{p}'.", hint)
    if p.is_dir():
        raise DataError(f"'{p}' is a folder, not a file.", "Choose a CSV file inside it.")
    if not p.is_file():  # reading a pipe or a device would wait forever or never end
        raise DataError(f"'{p}' is not a regular file (it is a pipe, a device or a socket).",
                        "Save the data to a file first and open that file.")
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            fh.read(1)
    except PermissionError:
        raise DataError(f"'{p}' cannot be read: permission denied.",
                        "Check the file's permissions, or copy it somewhere you can read it.") from None
    except OSError as e:
        raise DataError(f"'{p}' cannot be read: {e.strerror or e}.", "Check the file and try again.") from None
    if size == 0:
        raise DataError(f"'{p.name}' is empty (0 bytes).", "Choose a file with a header row and rows of data.")
    return p, size


def _binary_problem(sample: bytes, name: str) -> DataError | None:
    for magic, what, hint in _MAGIC:
        if sample.startswith(magic):
            return DataError(f"'{name}' is not a text file: it is {what}.", hint)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    head = sample[:8192]
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or (head and control / len(head) > 0.05):
        return DataError(f"'{name}' is not a text file: it holds binary data.",
                         "Choose a CSV or other text file (if the data is in a spreadsheet, save it "
                         "as CSV first).")
    return None


def _ends_mid_utf8(path: Path, size: int, sample: bytes, complete: bool) -> bool:
    """Is this UTF-8 text cut off in the middle of a character (a copy that did not finish)?

    Said only when the start of the file is UTF-8 holding non-ASCII text: otherwise a last byte
    such as 0xE9 is more likely a Windows-1252 'é' than the start of a cut UTF-8 character."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    with open(path, "rb") as fh:
        fh.seek(max(0, size - 4))
        tail = fh.read(4)
    for i in range(len(tail) - 1, -1, -1):
        b = tail[i]
        if b & 0xC0 != 0x80:  # the last byte that starts a character
            need = 2 if b >> 5 == 0b110 else 3 if b >> 4 == 0b1110 else 4 if b >> 3 == 0b11110 else 1
            cut = len(tail) - i
            break
    else:
        return False
    if cut >= need:
        return False
    head = sample[:len(sample) - cut] if complete else sample
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return not text.isascii()


def _detect_encoding(sample: bytes, complete: bool) -> tuple[str, str]:
    """(encoding, note) for the sample; note is '' when nothing needs saying."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", ""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", ""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8", ""
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252", "The file is not UTF-8 text; it was read as Windows-1252 (Latin-1)."
    except UnicodeDecodeError:
        return "latin-1", "The file is not UTF-8 text; it was read as ISO-8859-1 (Latin-1)."


def _decode_error(path: Path, encoding: str, err: UnicodeDecodeError | None = None) -> DataError:
    """A DataError naming the first byte (and its line) that ``encoding`` cannot read."""
    line, byte = None, None
    dec = codecs.getincrementaldecoder(encoding)()
    lineno = 1
    try:
        with open(path, "rb") as fh:
            while True:
                block = fh.read(1 << 20)
                if not block:
                    dec.decode(b"", final=True)
                    break
                try:
                    dec.decode(block)
                except UnicodeDecodeError as e:
                    line = lineno + block[:e.start].count(b"\n")
                    byte = block[e.start:e.start + 1]
                    break
                lineno += block.count(b"\n")
    except UnicodeError:  # also UTF-16 without a BOM: no byte to point at
        line = lineno
    label = ENCODINGS.get(encoding, encoding)
    where = f": byte 0x{byte.hex().upper()} on line {line} is not {label}" if byte else \
        (f" (line {line})" if line else "")
    other = "cp1252" if encoding.startswith("utf") else "utf-8"
    return DataError(f"'{path.name}' is not valid {label} text{where}.",
                     f"Choose the encoding {ENCODINGS[other]} (--encoding {other}), or Auto to detect it.")


def _decode_sample(path: Path, sample: bytes, encoding: str, complete: bool) -> str:
    enc = encoding
    if enc in ("utf-8", "utf8") and sample.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    try:
        text = codecs.getincrementaldecoder(enc)().decode(sample, final=complete)
    except UnicodeError:  # UnicodeDecodeError, or UTF-16 without a BOM
        raise _decode_error(path, enc) from None
    if not complete:  # the last line may be cut in the middle
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut + 1] if cut >= 0 else text
    return text.lstrip("\ufeff")


# ----- format detection ------------------------------------------------------------------------
def _looks_numeric(v: str) -> bool:
    v = v.strip()
    return bool(_NUM.match(v) or _NUM_COMMA.match(v)) or v.lower() in _SPECIAL_NUM


def _rows(text: str, delimiter: str, limit: int = SAMPLE_LINES) -> list[tuple[int, list[str]]]:
    """(line number, fields) of the first non-empty rows, parsed with quotes."""
    out = []
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
        others = [o for o in DELIMITERS if o != d]
        fields = [f for r in rows[1:] for f in r] or [f for r in rows for f in r]
        clean = sum(1 for f in fields if _looks_numeric(f) or not any(o in f for o in others)) / max(1, len(fields))
        score = (round(consistency, 2), round(clean, 2), m)
        if best_score is None or score > best_score:
            best, best_score = d, score
            why = f"{dname}: {m} fields on {consistency:.0%} of the first {len(rows)} lines"
    return best, why


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
    comma = sum(1 for r in rows for v in r if _NUM_COMMA.match(v))
    dot = sum(1 for r in rows for v in r if _NUM_DOT.match(v))
    return "," if comma > dot else "."


def sniff(path: str | os.PathLike, options: CsvOptions | None = None) -> CsvFormat:
    """Detect what ``options`` leaves open; check the file can be read as a table at all."""
    options = options or CsvOptions()
    options.check()
    p, size = _open_checked(path)
    with open(p, "rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    complete = len(sample) >= size
    problem = _binary_problem(sample, p.name)
    if problem:
        raise problem
    if (options.encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") \
            and _ends_mid_utf8(p, size, sample, complete):
        raise DataError(f"'{p.name}' ends in the middle of a character: the file looks cut off (a "
                        f"copy or download that did not finish).",
                        "Copy or download it again, or remove the broken end of its last line.")
    notes: list[str] = []
    enc, enc_note = _detect_encoding(sample, complete)
    detected = CsvOptions(encoding=enc)
    encoding = options.encoding or enc
    if options.encoding is None and enc_note:
        notes.append(enc_note)
    text = _decode_sample(p, sample, encoding, complete)
    if not text.strip():
        raise DataError(f"'{p.name}' is empty: it holds no data, only blank space.",
                        "Choose a file with a header row and rows of data.")
    detected.delimiter, delim_why = detect_delimiter(text)
    delimiter = options.delimiter or detected.delimiter
    rows = [r for _, r in _rows(text, delimiter)]
    detected.header = detect_header(rows)
    header = options.header if options.header is not None else detected.header
    detected.decimal = detect_decimal(rows[1:] if header else rows, delimiter)
    decimal = options.decimal or detected.decimal
    if decimal == delimiter:
        raise DataError("The decimal separator cannot be the same as the delimiter.",
                        "Choose a semicolon delimiter with a decimal comma.")
    width = max((len(r) for r in rows), default=1)
    if header:
        names = [n.strip() for n in rows[0]] if rows else []
        names = [n if n else f"column {i + 1}" for i, n in enumerate(names)]
        seen: dict[str, int] = {}
        for i, n in enumerate(names):
            if n in seen:
                raise DataError(f"The column name '{n}' appears twice in the header (columns "
                                f"{seen[n] + 1} and {i + 1}).",
                                "Rename one of them in the file so every column has its own name, "
                                "or read the file without a header row.")
            seen[n] = i
    else:
        names = [f"column {i + 1}" for i in range(width)]
    if width == 1 and options.delimiter is None and len(rows) > 1:
        notes.append("Only one column was found. If the file uses another delimiter, choose it.")
    resolved = CsvOptions(delimiter, encoding, bool(header), decimal, list(options.na_values),
                          bool(options.missing_markers))
    fmt = CsvFormat(p, resolved, detected, names, size, notes, complete)
    fmt.notes.extend(_ragged_notes(fmt, text))
    fmt.delimiter_reason = delim_why
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
    rows = _rows(text, fmt.options.delimiter, 10_000)
    if fmt.options.header:
        rows = rows[1:]
    width = len(fmt.names)
    short = []
    for line, r in rows:
        if len(r) > width and any(v.strip() for v in r[width:]):
            raise _ragged_error(fmt, line, len(r), width)
        if len(r) < width:
            short.append(line)
    if short:
        more = f" and {len(short) - 3} more" if len(short) > 3 else ""
        return [f"Line{'s' if len(short) > 1 else ''} {', '.join(map(str, short[:3]))}{more} "
                f"{'have' if len(short) > 1 else 'has'} fewer fields than the header ({width}): "
                f"the missing fields are read as missing values."]
    return []


def _ragged_error(fmt: CsvFormat, line: int, saw: int, width: int) -> DataError:
    dname = DELIMITERS.get(fmt.options.delimiter, repr(fmt.options.delimiter))
    what = "the header has" if fmt.options.header else "the first rows have"
    return DataError(f"Line {line} of '{fmt.path.name}' has {saw} fields, but {what} {width}.",
                     f"The delimiter is {dname}: if that is wrong, choose another; otherwise put "
                     f"quotes around values that contain a {dname}, or fix that line.")


# ----- reading -----------------------------------------------------------------------------------
def _pandas_kwargs(fmt: CsvFormat) -> dict:
    o = fmt.options
    kw = dict(sep=o.delimiter, decimal=o.decimal, quotechar='"', skipinitialspace=True,
              skip_blank_lines=True, index_col=False, engine="c", on_bad_lines="error",
              header=0 if o.header else None, names=fmt.names)
    if o.na_values:
        kw["na_values"] = list(o.na_values)
    return kw


_EXPECTED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_QUOTE = re.compile(r"EOF inside string starting (?:at|on) (?:row|line) (\d+)")


def _parser_error(fmt: CsvFormat, e: Exception) -> DataError:
    msg = str(e)
    m = _EXPECTED.search(msg)
    if m:
        return _ragged_error(fmt, int(m.group(2)), int(m.group(3)), int(m.group(1)))
    m = _EOF_QUOTE.search(msg)
    if m:
        return DataError(f"A quote (\") opened on line {int(m.group(1)) + 1} of '{fmt.path.name}' is "
                         f"never closed.", "Close the quote in the file, or remove the stray quote mark.")
    return DataError(f"'{fmt.path.name}' cannot be read as a table: {msg.splitlines()[-1] if msg else e}.",
                     "Check the delimiter and quotes in the import dialog.")


def _finish(frame: pd.DataFrame, fmt: CsvFormat, mixed: set[str]) -> pd.DataFrame:
    """Make columns that changed type between chunks consistent; drop empty trailing columns."""
    for c in mixed:
        s = frame[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            frame[c] = s.map(lambda v: v if isinstance(v, str) or v is None or
                             (isinstance(v, float) and math.isnan(v)) else str(v)).astype(object)
    for i, c in reversed(list(enumerate(frame.columns))):
        if c == f"column {i + 1}" and fmt.options.header and frame[c].isna().all():
            frame = frame.drop(columns=c)
            fmt.notes.append(f"Column {i + 1} has no name and no values (a delimiter at the end of "
                             f"each line?): it was left out.")
    return frame


def preview(path: str | os.PathLike, options: CsvOptions | None = None,
            nrows: int = SAMPLE_LINES) -> tuple[pd.DataFrame, CsvFormat]:
    """The first ``nrows`` rows read with ``options`` (detecting what is unset), and the format."""
    fmt = sniff(path, options)
    try:
        frame = pd.read_csv(fmt.path, encoding=fmt.options.encoding, nrows=nrows, **_pandas_kwargs(fmt))
    except UnicodeError:
        raise _decode_error(fmt.path, fmt.options.encoding) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as e:
        raise _parser_error(fmt, e) from None
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(columns=fmt.names)
    frame = _finish(frame, fmt, set())
    if fmt.options.missing_markers:
        notes = markers_text(read_markers_as_missing(frame, fmt.options.decimal))
        if len(frame) >= nrows:  # the preview: only its rows were counted
            notes = [n.replace(" were read as missing", " (in the rows shown) were read as missing")
                     .replace(" was read as missing", " (in the rows shown) was read as missing") for n in notes]
        fmt.notes.extend(notes)
    return frame, fmt


def read_csv(path: str | os.PathLike, options: CsvOptions | dict | None = None, *,
             progress: Callable[[float, str], None] | None = None,
             should_stop: Callable[[], bool] | None = None,
             chunk_rows: int = CHUNK_ROWS) -> Dataset:
    """Read a whole table into a :class:`Dataset`.

    ``progress(fraction, message)`` is called after each chunk of ``chunk_rows`` rows;
    ``should_stop()`` is checked between chunks and raises :class:`Cancelled` when true. Both are
    plain callables, so this runs on any thread.
    """
    if isinstance(options, dict):
        options = CsvOptions.from_dict(options)
    fmt = sniff(path, options)
    try:
        frame = _read_chunks(fmt, progress, should_stop, chunk_rows)
    except UnicodeError:
        if options is not None and options.encoding is not None:
            raise _decode_error(fmt.path, fmt.options.encoding) from None
        # detected from the start of the file, but a later line is not UTF-8: read it as cp1252
        if fmt.options.encoding not in ("utf-8", "utf-8-sig"):
            raise _decode_error(fmt.path, fmt.options.encoding) from None
        fmt.options = replace(fmt.options, encoding="cp1252")
        fmt.notes.append("The file is not UTF-8 text throughout; it was read as Windows-1252 (Latin-1).")
        try:
            frame = _read_chunks(fmt, progress, should_stop, chunk_rows)
        except UnicodeDecodeError:
            fmt.options = replace(fmt.options, encoding="latin-1")
            frame = _read_chunks(fmt, progress, should_stop, chunk_rows)
    if len(frame) == 0:
        if fmt.options.header:
            shown = ", ".join(fmt.names[:8]) + (" …" if len(fmt.names) > 8 else "")
            raise DataError(f"'{fmt.path.name}' has a header row ({shown}) but no rows of data.",
                            "Add rows of data below the header, or choose another file.")
        raise DataError(f"'{fmt.path.name}' holds no rows of data.", "Choose another file.")
    markers = read_markers_as_missing(frame, fmt.options.decimal) if fmt.options.missing_markers else {}
    fmt.notes.extend(markers_text(markers))
    return Dataset(frame, fmt.path.name, source=str(fmt.path.resolve()),
                   csv_options=fmt.options.to_dict(), warnings=list(dict.fromkeys(fmt.notes)),
                   missing_markers=markers)


def read_markers_as_missing(frame: pd.DataFrame, decimal: str = ".") -> dict[str, dict[str, int]]:
    """In place: a text column whose values are all numbers except :data:`MISSING_MARKERS` becomes
    a number column with those values missing. Returns ``{column: {marker as written: count}}``.

    A column holding any other text (``12,5`` with a decimal point, ``abc``) is left as it is, so
    it is refused with the stray values named, as before; so is a column of markers only."""
    found: dict[str, dict[str, int]] = {}
    for c in frame.columns:
        s = frame[c]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        nonnull = s.dropna()
        if nonnull.empty:
            continue
        text = nonnull.astype(str).str.strip()
        marker = text.str.lower().isin(_MARKER_SET)
        if not marker.any() or marker.all():
            continue
        rest = text[~marker]
        if decimal == ",":
            rest = rest.str.replace(",", ".", regex=False)
        head = pd.to_numeric(rest.iloc[:200], errors="coerce")  # most text columns fail here, cheaply
        if head.isna().any():
            continue
        numbers = pd.to_numeric(rest, errors="coerce")
        if numbers.isna().any():
            continue
        values = pd.Series(np.nan, index=s.index, dtype=np.float64)
        values.loc[numbers.index] = numbers.to_numpy(dtype=np.float64)
        frame[c] = values
        counts = nonnull[marker].astype(str).str.strip().value_counts()
        found[str(c)] = {str(k): int(v) for k, v in counts.items()}
    return found


def markers_text(markers: dict[str, dict[str, int]]) -> list[str]:
    """One plain sentence per column: "44 '?' values in CreditScore were read as missing"."""
    out = []
    for col, counts in markers.items():
        parts = [f"{n:,} '{m}'" for m, n in counts.items()]
        what = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        total = sum(counts.values())
        out.append(f"{what} value{'s' if total > 1 else ''} in {col} {'were' if total > 1 else 'was'} "
                   f"read as missing (a common marker of a missing number).")
    return out


def _read_chunks(fmt: CsvFormat, progress, should_stop, chunk_rows: int) -> pd.DataFrame:
    chunks: list[pd.DataFrame] = []
    kinds: dict[str, set] = {}
    rows = 0
    size_mb = fmt.size / 1e6
    with open(fmt.path, "rb") as fh:
        try:
            reader = pd.read_csv(fh, encoding=fmt.options.encoding, chunksize=max(1, int(chunk_rows)),
                                 **_pandas_kwargs(fmt))
        except pd.errors.EmptyDataError:
            return pd.DataFrame(columns=fmt.names)
        except (pd.errors.ParserError, csv.Error, ValueError) as e:
            raise _parser_error(fmt, e) from None
        with reader:
            while True:
                if should_stop is not None and should_stop():
                    raise Cancelled(f"Reading '{fmt.path.name}' was cancelled.",
                                    "The data you had before is kept.")
                try:
                    chunk = next(reader)
                except StopIteration:
                    break
                except pd.errors.EmptyDataError:
                    break
                except (pd.errors.ParserError, csv.Error) as e:
                    raise _parser_error(fmt, e) from None
                chunks.append(chunk)
                for c in chunk.columns:
                    kinds.setdefault(c, set()).add(chunk[c].dtype.kind)
                rows += len(chunk)
                if progress is not None:
                    # the parser reads ahead in big buffers, so the file position runs ahead of the
                    # rows: estimate from the rows read and the sample's bytes per row, capped by it
                    try:
                        read = min(1.0, fh.tell() / max(1, fmt.size))
                    except (OSError, ValueError):
                        read = 1.0
                    done = min(read, rows * fmt.bytes_per_row / max(1, fmt.size)) if fmt.bytes_per_row else read
                    progress(done, f"Read {rows:,} rows ({done * size_mb:.1f} of {size_mb:.1f} MB)")
    if not chunks:
        return pd.DataFrame(columns=fmt.names)
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    mixed = {c for c, k in kinds.items() if len(k) > 1 and ({"O", "T"} & k)}
    frame = _finish(frame, fmt, mixed)
    if progress is not None:
        progress(1.0, f"Read {rows:,} rows")
    return frame
