"""Checks on a CSV file itself before it is parsed: there, readable, text (not binary), and its encoding."""
from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

from nnstudio.core import suffixes
from nnstudio.core.data.csv_options import ENCODINGS
from nnstudio.core.data.workbook import kind
from nnstudio.core.errors import DataError

_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive", "Unpack it and open the CSV file or the .xlsx workbook inside."),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 (.xls) workbook, a password-protected workbook or another "
                          "Office document",
     "Save the sheet from your spreadsheet program as an Excel workbook (.xlsx, without a password) "
     "or as CSV (File > Save As), and open that file."),
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


def open_checked(path: str | os.PathLike) -> tuple[Path, int]:
    p = Path(path).expanduser()
    if not p.exists():
        hint = "Check the name and the folder."
        if p.parent.is_dir():
            near = sorted(q.name for q in p.parent.iterdir() if q.suffix.lower() in suffixes.DATA)[:5]
            if near:
                hint += f" Data files there: {', '.join(near)}."
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


def binary_problem(sample: bytes, name: str) -> DataError | None:
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


_JSON_START = re.compile(rb"^\s*(\{\s*\"|\[\s*[\[{])")
_TEXT_FORMATS = (
    (re.compile(rb"^\s*<!doctype\s+html|^\s*<html", re.IGNORECASE), "a web page (HTML)",
     "Save the table as CSV from the page's program, or copy it into a spreadsheet and save that "
     "as CSV."),
    (re.compile(rb"^\s*<\?xml"), "XML, not a table of comma-separated values",
     "Export the data as CSV from the program that wrote it."),
)


_ZIPPED = {
    "ods": ("an OpenDocument spreadsheet (.ods)", "Save it as an Excel workbook (.xlsx) or as CSV from "
            "your spreadsheet program (File > Save As), and open that file."),
    "docx": ("a Word or PowerPoint document", "Copy its table into a spreadsheet and save that as .xlsx "
             "or CSV."),
}


def workbook_problem(path: Path, sample: bytes) -> DataError | None:
    """A ZIP file of another kind than an Excel workbook (which is read: core.data.workbook)."""
    what = _ZIPPED.get(kind(path, sample[:4]))
    return DataError(f"'{path.name}' is not a text file or an Excel workbook: it is {what[0]}.", what[1]) \
        if what else None


def text_format_problem(sample: bytes, name: str) -> DataError | None:
    """A text file that is no table: JSON ('[{"age": 31, …'), a web page, XML. Read as a CSV,
    JSON's first line became a header with 'no rows of data' under it."""
    head = sample[:4096].removeprefix(codecs.BOM_UTF8)
    if _JSON_START.match(head):
        return DataError(f"'{name}' holds JSON, not a table of comma-separated values.",
                         "Save it as CSV first (in Python: pandas.read_json(path).to_csv("
                         "'data.csv', index=False)), or export CSV from the program that wrote it.")
    for pattern, what, hint in _TEXT_FORMATS:
        if pattern.match(head):
            return DataError(f"'{name}' is {what}.", hint)
    return None


def ends_mid_utf8(path: Path, size: int, sample: bytes, complete: bool) -> bool:
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


def detect_encoding(sample: bytes, complete: bool) -> tuple[str, str]:
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


def decode_error(path: Path, encoding: str, err: UnicodeDecodeError | None = None) -> DataError:
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


def decode_sample(path: Path, sample: bytes, encoding: str, complete: bool) -> str:
    enc = encoding
    if enc in ("utf-8", "utf8") and sample.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    try:
        text = codecs.getincrementaldecoder(enc)().decode(sample, final=complete)
    except UnicodeError:  # UnicodeDecodeError, or UTF-16 without a BOM
        raise decode_error(path, enc) from None
    if not complete:  # the last line may be cut in the middle
        cut = max(text.rfind("\n"), text.rfind("\r"))
        text = text[:cut + 1] if cut >= 0 else text
    return text.lstrip("\ufeff")
