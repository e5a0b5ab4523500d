"""Reading a CSV for streamed training, one chunk in memory at a time: the pandas arguments the
app's reader detects for the file, each chunk's values read as the app reads a whole file ('$1,234',
'92 kg', '14:30' as numbers, '?' as missing), the rows of several files in turn, and the check that
files to read in turn share their columns (see ``streaming_csv``)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nnstudio.core.data import csv as csv_mod
from nnstudio.core.data.csv_missing import markers_text
from nnstudio.core.data.csv_numbers import formatted_text
from nnstudio.core.errors import DataError

#: the key of :func:`csv_read_kwargs`' dict that is not pandas': the file's CsvOptions, which say how
#: each chunk's values are read
VALUES = "_values"


@dataclass
class ValuesRead:
    """What reading the chunks' values did over a file: each column read as numbers (as its first
    such chunk showed it) and the missing-value markers read, counted."""

    formatted: dict = field(default_factory=dict)
    markers: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, formatted: dict, markers: dict[str, dict[str, int]]) -> None:
        for col, f in formatted.items():
            self.formatted.setdefault(col, f)
        for col, counts in markers.items():
            into = self.markers.setdefault(col, {})
            for marker, n in counts.items():
                into[marker] = into.get(marker, 0) + n

    def notes(self) -> list[str]:
        """Said as a whole file's reading says it."""
        return formatted_text(self.formatted) + markers_text(self.markers)


def csv_read_kwargs(path: Path | str, options: dict | None = None) -> dict:
    """pandas ``read_csv`` arguments for the file, detected as the app's CSV reader does, and under
    :data:`VALUES` the options that say how its text values are read after pandas ('$1,234',
    '92 kg', '14:30' as numbers, '?' as missing, as in memory), chunk by chunk."""
    fmt = csv_mod.sniff(path, csv_mod.CsvOptions.from_dict(options) if options else None)
    kw = csv_mod._pandas_kwargs(fmt)  # the app reader's own arguments: same columns, same values
    kw["encoding"] = fmt.options.encoding
    if fmt.options.formatted_numbers or fmt.options.missing_markers:
        kw[VALUES] = fmt.options
    return kw


def chunks(path: Path, chunk_rows: int, read_kwargs: dict, usecols: list[str] | None = None,
           said: ValuesRead | None = None):
    """The file's chunks, each one's values read as the app reads a whole file
    (``csv.read_numbers``); ``said`` gathers what that reading did."""
    kwargs = {k: v for k, v in read_kwargs.items() if k != VALUES}
    options = read_kwargs.get(VALUES)
    try:
        reader = pd.read_csv(path, chunksize=chunk_rows, usecols=usecols, **kwargs)
        with reader:
            for chunk in reader:
                if options is not None:  # read as numbers where the whole file would be (else as
                    # text, and a column of numbers in one chunk and text in another is refused)
                    read = csv_mod.read_numbers(chunk, options)
                    if said is not None:
                        said.add(*read)
                yield chunk
    except FileNotFoundError:
        raise DataError(f"There is no file at {path}.") from None
    except UnicodeDecodeError:
        raise DataError(f"{path.name} is not {read_kwargs.get('encoding') or 'UTF-8'} text "
                        "throughout.", "Give the encoding, e.g. --encoding cp1252.") from None
    except (ValueError, pd.errors.ParserError) as e:
        raise DataError(f"Cannot read {path.name} as CSV: {str(e).splitlines()[0][:200]}",
                        "Check it is a delimited text file with a header row.") from None


def file_chunks(files: list[tuple[Path, int]], chunk_rows: int, read_kwargs: dict,
                 usecols: list[str] | None = None):
    """``(number of the first row, chunk)`` over ``files`` in turn (rows numbered across them)."""
    for path, first in files:
        for chunk in chunks(path, chunk_rows, read_kwargs, usecols):
            yield first, chunk
            first += len(chunk)


def read_head(path: Path | str, read_kwargs: dict, rows: int = 10_000) -> pd.DataFrame:
    """The first ``rows`` rows of the file (to propose roles and check columns)."""
    for chunk in chunks(Path(path), rows, read_kwargs):
        return chunk
    raise DataError(f"{Path(path).name} has no data rows.")


def same_columns(first: Path, other: Path, names: list, read_kwargs: dict) -> None:
    """Refuse a file whose header (or, without headers, number of columns) is not the first's."""
    kw = {k: v for k, v in read_kwargs.items() if k not in ("names", VALUES)}
    try:
        theirs = list(pd.read_csv(other, nrows=0, **kw).columns)
    except (OSError, ValueError, pd.errors.ParserError):
        theirs = None
    same = theirs is not None and (len(theirs) == len(names) if kw.get("header") is None
                                   else [str(c) for c in theirs] == [str(c) for c in names])
    if not same:
        raise DataError(f"{other.name} does not have the columns of {first.name}.",
                        "Give files of the same columns, in the same order.")
