"""How a CSV file is read: the options a user can set (:class:`CsvOptions`) and the resolved format."""
from __future__ import annotations

import codecs
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from nnstudio.core.errors import DataError

if TYPE_CHECKING:
    from nnstudio.core.data.workbook import Sheet

#: " ": runs of spaces (and tabs) between fields, with any at the start of a line (UCI's
#: housing.data: numbers aligned in columns); last, so a tab file without spaces stays tab
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe", " ": "space"}
ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16",
             "cp1252": "Windows-1252 (Latin-1)", "latin-1": "ISO-8859-1 (Latin-1)"}
DECIMALS = {".": "decimal point", ",": "decimal comma"}
#: the reading options that change the values a file gives (not how it is found: its delimiter,
#: encoding, sheet …): a new file of the same kind is read with them, and the same file read with
#: -999 as missing is other data to a network
VALUE_OPTIONS = ("na_values", "missing_in", "missing_markers", "formatted_numbers", "na_in_text", "date_parts",
                 "minutes_seconds")


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
    #: read text columns of numbers written with $, €, %, thousands separators as numbers
    formatted_numbers: bool = True
    #: read 'NA', 'None', 'null'… (pandas' markers) as missing in text columns too (said so)
    na_in_text: bool = True
    #: add each date column's year, month, weekday (and hour) as columns (core.data.csv_dates)
    date_parts: bool = True
    #: columns whose two-part times are minutes:seconds ('59:58' beside '1:02:13' in the training
    #: file): recorded when a file is read, so a file scored later (every runner under an hour)
    #: reads '59:58' as the training file did, not as 59 hours
    minutes_seconds: list[str] = field(default_factory=list)
    #: the sheet of an Excel workbook to read (None: the first with data); None for a text file
    sheet: str | None = None
    #: the table to read in a .zip holding several (its name in the archive); None: its one table
    member: str | None = None
    #: values read as missing in one column only, as written: a blood pressure of 0 ('not
    #: measured') where the same file's 0 pregnancies are real
    missing_in: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> CsvOptions:
        d = dict(d or {})
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise DataError(f"Unknown CSV option(s): {', '.join(sorted(unknown))}.")
        opts = cls(**d)
        opts.na_values = [str(v) for v in opts.na_values]
        if not isinstance(opts.missing_in, dict) or \
                not all(isinstance(v, list) for v in opts.missing_in.values()):
            raise DataError(f"The CSV option missing_in must map column names to lists of values "
                            f"(got {opts.missing_in!r}).")
        opts.missing_in = {str(c): [str(v) for v in vs] for c, vs in opts.missing_in.items() if vs}
        if not isinstance(opts.minutes_seconds, list):
            raise DataError(f"The CSV option minutes_seconds must be a list of column names (got "
                            f"{opts.minutes_seconds!r}).")
        opts.minutes_seconds = [str(v) for v in opts.minutes_seconds]
        if opts.sheet is not None:
            opts.sheet = str(opts.sheet)
        if opts.member is not None:
            opts.member = str(opts.member)
        for name in ("missing_markers", "formatted_numbers", "na_in_text", "date_parts"):
            if not isinstance(getattr(opts, name), bool):
                raise DataError(f"The CSV option {name} must be true or false (got "
                                f"{getattr(opts, name)!r}).")
        opts.check()
        return opts

    def check(self) -> None:
        if self.delimiter is not None and (len(self.delimiter) != 1 or self.delimiter in "\"\r\n"):
            raise DataError(f"The delimiter must be one character such as , ; | a tab or a space "
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
        text = self.sheet is None  # a workbook's sheet has no delimiter, encoding or decimal mark
        if self.member is not None:
            parts.append(f"'{self.member}' in the archive")
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.delimiter is not None and text:
            parts.append(f"{DELIMITERS.get(self.delimiter, repr(self.delimiter))}-separated")
        if self.encoding is not None and text:
            parts.append(ENCODINGS.get(self.encoding, self.encoding))
        if self.header is not None:
            parts.append("first row is the header" if self.header else "no header row")
        if self.decimal is not None and text:
            parts.append(DECIMALS[self.decimal])
        if self.na_values:
            parts.append("missing also: " + ", ".join(repr(v) for v in self.na_values))
        for col, values in self.missing_in.items():
            parts.append(f"missing in '{col}': " + ", ".join(repr(v) for v in values))
        if not self.missing_markers:
            parts.append("markers such as '?' not read as missing")
        if not self.formatted_numbers:
            parts.append("numbers such as $1,234 or 12% kept as text")
        if not self.na_in_text:
            parts.append("'NA', 'None'… in text columns kept as values")
        if not self.date_parts:
            parts.append("dates not split into year, month and weekday")
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
    skip_lines: int = 0  # lines above the table (a title, Excel's "sep=;"), blank ones included
    #: the line (from 1) under the header that holds units ('kg', 'cm'), left out; 0: none
    units_line: int = 0
    #: columns of text in the sample: pandas' 'NA', 'None' … are read as text there, for the
    #: reader to judge (a region 'NA' is North America); elsewhere pandas reads them as missing
    text_columns: list[str] = field(default_factory=list)
    #: the workbook's sheet this is (``path`` is then its CSV text, named as the workbook)
    sheet: Sheet | None = None
    #: the archive (.csv.gz, .zip) the table was unpacked from (``path`` is then the file inside)
    archive: Path | None = None
    #: the Weka ARFF file this is (``path`` is then its rows as CSV text: core.data.arff)
    arff: Path | None = None

    @property
    def source(self) -> Path:
        """The file the user opened: the archive, the workbook for a sheet, the ARFF file."""
        return self.archive or (self.sheet.book if self.sheet is not None else self.arff or self.path)
