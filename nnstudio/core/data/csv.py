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

The pieces live beside it: ``csv_options`` (the options and the resolved format), ``csv_file``
(checks on the file and its encoding), ``csv_sniff`` (format detection), ``csv_missing`` (markers
of missing values).
"""
from __future__ import annotations

import csv
import math
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from nnstudio.core import suffixes
from nnstudio.core.data import packed, workbook
from nnstudio.core.data.csv_dates import date_parts_text, read_date_parts
from nnstudio.core.data.csv_file import decode_error
from nnstudio.core.data.csv_missing import (
    PANDAS_MISSING,
    markers_text,
    read_markers_as_missing,
    read_pandas_missing,
    text_markers,
    text_markers_text,
    text_missing_text,
)
from nnstudio.core.data.csv_numbers import formatted_text, mixed_units_text, read_formatted_numbers
from nnstudio.core.data.csv_options import VALUE_OPTIONS, CsvFormat, CsvOptions
from nnstudio.core.data.csv_sniff import FOOTNOTE_LABEL, SAMPLE_LINES, TOTALS_LABEL, ragged_error, sniff
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.errors import Cancelled, DataError

FILE_FILTER = suffixes.FILE_FILTER
# pandas (index_col=False, for rows that end in a delimiter) warns "This leads to a loss of data"
# when the first row has more fields than the header, and drops them. The sniff has already
# refused such a row if its extra fields hold anything (csv_sniff._ragged_notes), and pandas
# refuses any later one: what it drops is blank. Its warning on a user's terminal read as if
# values had been lost. (A filter set once: catch_warnings is not safe in the reading threads.)
warnings.filterwarnings("ignore", message="Length of header or names does not match length of data",
                        category=pd.errors.ParserWarning)
CHUNK_ROWS = 50_000


# ----- reading -----------------------------------------------------------------------------------
def pandas_sep(delimiter: str) -> str:
    """pandas' ``sep`` for a delimiter: runs of spaces or tabs for " " (a space-aligned file)."""
    return r"\s+" if delimiter == " " else delimiter


def _pandas_kwargs(fmt: CsvFormat, own_missing: bool = False) -> dict:
    """``read_csv``'s arguments for the file. ``own_missing``: in the sample's text columns only
    empty fields and the user's markers are missing, and pandas' own ('NA', 'None' …) are read as
    text, for :func:`~nnstudio.core.data.csv_missing.read_pandas_missing` to judge (the streamed
    fit leaves them to pandas). Other columns are parsed by pandas as ever (its numbers are fast)."""
    o = fmt.options
    kw = dict(sep=pandas_sep(o.delimiter), decimal=o.decimal, quotechar='"', skipinitialspace=True,
              skip_blank_lines=True, index_col=False, engine="c", on_bad_lines="error",
              header=0 if o.header else None, names=fmt.names)
    if fmt.units_line:  # the lines above the table and the units under its header
        kw["skiprows"] = [*range(fmt.skip_lines), fmt.units_line - 1]
    elif fmt.skip_lines:
        kw["skiprows"] = fmt.skip_lines
    unknown = [c for c in o.missing_in if c not in {str(n) for n in fmt.names}]
    if unknown:
        raise DataError(f"'{fmt.source.name}' has no column '{unknown[0]}' to read values as missing "
                        f"in (its columns: {', '.join(str(n) for n in fmt.names[:12])}"
                        f"{' …' if len(fmt.names) > 12 else ''}).",
                        "Give a column the file has, written as in its header.")
    own = {c: o.missing_in.get(str(c), []) for c in fmt.names}  # a column's own (0 in one)
    if own_missing and fmt.text_columns:
        text, every = ["", *o.na_values], [*sorted(PANDAS_MISSING), *o.na_values]
        kw["keep_default_na"] = False
        kw["na_values"] = {c: [*(text if c in fmt.text_columns else every), *own[c]]
                           for c in fmt.names}
    elif any(own.values()):  # pandas' own markers stay in every column (keep_default_na)
        kw["na_values"] = {c: [*o.na_values, *own[c]] for c in fmt.names}
    elif o.na_values:
        kw["na_values"] = list(o.na_values)
    return kw


_EXPECTED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_QUOTE = re.compile(r"EOF inside string starting (?:at|on) (?:row|line) (\d+)")


def _parser_error(fmt: CsvFormat, e: Exception) -> DataError:
    msg = str(e)
    m = _EXPECTED.search(msg)
    if m:
        return ragged_error(fmt, int(m.group(2)), int(m.group(3)), int(m.group(1)))
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
    empty = [i + 1 for i, c in enumerate(frame.columns)
             if c == f"column {i + 1}" and fmt.options.header and frame[c].isna().all()]
    if empty:
        frame = frame.drop(columns=[f"column {i}" for i in empty])
        which = (f"Column {empty[0]} has" if len(empty) == 1 else
                 f"Columns {', '.join(map(str, empty[:-1]))} and {empty[-1]} have")
        why = "" if fmt.sheet is not None else " (a delimiter at the end of each line?)"
        fmt.notes.append(f"{which} no name and no values{why}: "
                         f"{'it was' if len(empty) == 1 else 'they were'} left out.")
    return frame


def _totals_rows(frame: pd.DataFrame, empty) -> tuple[list[int], list[str], set]:
    """The rows at the end of ``frame`` that a spreadsheet adds below the data: a row whose first
    filled cell reads "Total" (or Sum, Average, ...) or like a note ("Source: …", "* rounded") in a
    column that holds numbers everywhere else, or with most of its cells empty, or (a total) of
    the sums or means above (:func:`_sums_above`). Kept, one was a column's stray text (an ID column of
    "numbers with text" that refused to train) or a class of the target (342). Returns their
    positions, a note for each, and the columns they hold text in; ``empty``: which rows have
    every cell empty."""
    rows: list[int] = []
    for r in range(len(frame) - 1, max(-1, len(frame) - 6), -1):
        if empty[r]:
            continue  # a blank line at the end (left out as such)
        first = frame.iloc[r].dropna()
        label = first.iloc[0].strip() if isinstance(first.iloc[0], str) else ""
        if not (TOTALS_LABEL.match(label) or FOOTNOTE_LABEL.match(label)):
            break
        rows.append(r)
    found, notes, labelled = [], [], set()
    for r in sorted(rows):
        cells = frame.iloc[r].dropna()
        col = cells.index[0]
        others = frame[col].drop(index=frame.index[rows]).dropna()
        numeric = len(others) > 0 and pd.to_numeric(others, errors="coerce").notna().all()
        label = str(cells.iloc[0]).strip()
        mostly_empty = frame.iloc[r].isna().mean() >= 0.5
        note = TOTALS_LABEL.match(label) is None  # a footnote: in a text column, on a row mostly empty
        # a total in a text column: the label alone ("Total:", not "Mean Girls") on a row mostly
        # empty or of the sums above
        alone = TOTALS_LABEL.fullmatch(label) is not None
        if not (numeric or (mostly_empty if note else
                            alone and (mostly_empty or _sums_above(frame, r, col, rows)))):
            continue
        found.append(r)
        labelled.update(c for c, v in cells.items() if isinstance(v, str))
        shown = ", ".join(f"'{v.strip()}'" if isinstance(v, str) else f"{v:.15g}"
                          if isinstance(v, float) else str(v) for v in cells.iloc[:4]) + \
            (", …" if len(cells) > 4 else "")
        what = "a note below the data" if note else "a totals row"
        notes.append(f"Row {r + 1} looks like {what} ({shown}), not data: it was left out."
                     if note else f"Row {r + 1} looks like {what}, not data ({shown}): it was left out.")
    return found, notes, labelled


def _sums_above(frame: pd.DataFrame, r: int, label, rows: list[int]) -> bool:
    """Whether row ``r``'s numbers are each the sum or the mean of their column above (the
    spreadsheet rows ``rows`` aside): what tells "Total;3739;1572519.02" from a row of data named
    'Total'. A sum must exceed every value it adds up; a mean, of a column that varies."""
    found = False
    for c in frame.columns:
        v = frame.at[r, c]
        if c == label or not pd.api.types.is_numeric_dtype(frame[c]) or pd.isna(v):
            continue
        above = frame[c].drop(index=frame.index[rows]).dropna()
        if len(above) < 2:
            return False
        total, mean = float(above.sum()), float(above.mean())
        is_sum = math.isclose(v, total, rel_tol=1e-3) and abs(v) > above.abs().max()
        is_mean = math.isclose(v, mean, rel_tol=1e-3, abs_tol=0.05) and above.std() > 0
        if not (is_sum or is_mean):
            return False
        found = True
    return found


def _header_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows that repeat the header (two exports joined): each value present is its column's name,
    in at least half the columns."""
    out = np.zeros(len(frame), bool)
    if not len(frame) or not len(frame.columns):
        return out
    names = [str(c).strip().casefold() for c in frame.columns]
    first = frame.iloc[:, 0]
    if pd.api.types.is_numeric_dtype(first):
        return out
    name = str(frame.columns[0]).strip()
    candidates = np.flatnonzero((first.astype(str).str.strip() == name).to_numpy())  # (8 ms / 200k)
    for i in candidates[:1000]:
        row = frame.iloc[i]
        given = [(str(v).strip().casefold(), n) for v, n in zip(row, names) if not pd.isna(v)]
        out[i] = len(given) >= max(2, len(names) // 2) and all(v == n for v, n in given)
    return out


def _rows_where(mask: np.ndarray) -> tuple[list[int], str]:
    """The rows ``mask`` marks, numbered as in the file (1 = the first row of data), and the first
    five of them as a note names them ("3, 7, 12, 20, 31 …")."""
    rows = [int(i) + 1 for i in mask.nonzero()[0]]
    return rows, ", ".join(map(str, rows[:5])) + (" …" if len(rows) > 5 else "")


def _drop_non_data_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Leave out rows with every cell empty (",,,," lines: each made every column "1 missing" and
    a 0/1 target's classes "0.0" and "1.0") and a spreadsheet's totals rows (:func:`_totals_rows`);
    columns that were decimals, or text, only for those rows' sake are whole numbers again.
    Returns the notes that say so (row numbers as in the file, 1 = the first row of data)."""
    empty = frame.isna().all(axis=1).to_numpy()
    totals, notes, labelled = _totals_rows(frame, empty)
    headers = _header_rows(frame)
    if headers.any():
        rows, where = _rows_where(headers)
        notes.append(f"Row {rows[0]} repeats the header row: files joined one after another? It "
                     f"was left out." if len(rows) == 1 else
                     f"{len(rows):,} rows repeat the header row (rows {where}): files joined one "
                     f"after another? They were left out.")
        labelled = set(labelled) | set(frame.columns)  # each column had its name among its values
    if empty.any():
        rows, where = _rows_where(empty)
        n = len(rows)
        notes.insert(0, f"{n:,} row{'s' if n != 1 else ''} with every cell empty (row"
                        f"{'s' if n != 1 else ''} {where}) {'were' if n != 1 else 'was'} left out.")
    if not notes:
        return frame, []
    drop = empty | headers
    drop[totals] = True
    out = frame[~drop].reset_index(drop=True)
    for c in out.columns:
        s = out[c]
        if c in labelled and len(s.dropna()) and not pd.api.types.is_numeric_dtype(s) \
                and pd.to_numeric(s.dropna(), errors="coerce").notna().all():
            s = out[c] = pd.to_numeric(s, errors="coerce")  # the word "Total" among its numbers
        # 1.0, 2.0 … read as decimals because a left-out row had no value there
        if s.dtype.kind == "f" and frame[c].isna().any() and s.notna().all() and len(s) \
                and (s == s.round()).all() and s.abs().max() < 2**53:
            out[c] = s.astype("int64")
    return out, notes


def preview(path: str | os.PathLike, options: CsvOptions | None = None,
            nrows: int = SAMPLE_LINES) -> tuple[pd.DataFrame, CsvFormat]:
    """The first ``nrows`` rows read with ``options`` (detecting what is unset), and the format."""
    fmt = sniff(path, options)
    try:
        frame = pd.read_csv(fmt.path, encoding=fmt.options.encoding, nrows=nrows,
                            **_pandas_kwargs(fmt, own_missing=True))
    except UnicodeError:
        raise decode_error(fmt.path, fmt.options.encoding) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as e:
        raise _parser_error(fmt, e) from None
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame(columns=fmt.names)
    frame = _finish(frame, fmt, set())
    frame, _read, notes = _read_values(frame, fmt.options)
    if notes:
        if len(frame) >= nrows:  # the preview: only its rows were counted
            notes = [n.replace(" were read as missing", " (in the rows shown) were read as missing")
                     .replace(" was read as missing", " (in the rows shown) was read as missing")
                     .replace(" are kept as a category", " (in the rows shown) are kept as a category")
                     .replace(" is kept as a category", " (in the rows shown) is kept as a category")
                     for n in notes]
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
    progress = _derive(path, options, progress, should_stop)
    fmt = sniff(path, options)
    try:
        frame = _read_chunks(fmt, progress, should_stop, chunk_rows)
    except UnicodeError:
        if options is not None and options.encoding is not None:
            raise decode_error(fmt.path, fmt.options.encoding) from None
        # detected from the start of the file, but a later line is not UTF-8: read it as cp1252
        if fmt.options.encoding not in ("utf-8", "utf-8-sig"):
            raise decode_error(fmt.path, fmt.options.encoding) from None
        fmt.options = replace(fmt.options, encoding="cp1252")
        fmt.notes.append("The file is not UTF-8 text throughout; it was read as Windows-1252 (Latin-1).")
        try:
            frame = _read_chunks(fmt, progress, should_stop, chunk_rows)
        except UnicodeDecodeError:
            fmt.options = replace(fmt.options, encoding="latin-1")
            frame = _read_chunks(fmt, progress, should_stop, chunk_rows)
    frame, dropped = _drop_non_data_rows(frame)
    fmt.notes.extend(dropped)
    if len(frame) == 0:
        if fmt.options.header:
            shown = ", ".join(fmt.names[:8]) + (" …" if len(fmt.names) > 8 else "")
            raise DataError(f"'{fmt.path.name}' has a header row ({shown}) but no rows of data.",
                            "Add rows of data below the header, or choose another file.")
        raise DataError(f"'{fmt.path.name}' holds no rows of data.", "Choose another file.")
    frame, read, notes = _read_values(frame, fmt.options)
    fmt.notes.extend(notes)
    mss = [c for c, f in read["formatted_numbers"].items() if f.get("clock", "").startswith("minutes:")]
    if mss:  # a file scored later reads these as this one did (CsvOptions.minutes_seconds)
        fmt.options = replace(fmt.options, minutes_seconds=sorted({*fmt.options.minutes_seconds, *mss}))
    return Dataset(frame, fmt.source.name, source=str(fmt.source.resolve()),
                   csv_options=fmt.options.to_dict(), warnings=list(dict.fromkeys(fmt.notes)),
                   sheets=list(fmt.sheet.names) if fmt.sheet is not None else [],
                   members=packed.tables(fmt.archive) if fmt.archive is not None else [], **read)


def _derive(path, options: CsvOptions | None, progress, should_stop):
    """An archive unpacked and a workbook's sheet written out whole, with progress and Cancel,
    before the sniff (which then finds them in the cache); returns the progress for the rest."""
    spans = [0.0]

    def part(end: float):
        start = spans[-1]
        spans.append(end)
        return (lambda f, m: progress(start + (end - start) * f, m)) if progress is not None else None

    inner = Path(path)
    if packed.is_packed(inner):
        inner, _whole = packed.unpacked(inner, options.member if options else None, progress=part(0.4),
                                        should_stop=should_stop)
    if workbook.is_workbook(inner):
        workbook.sheet_csv(inner, options.sheet if options else None, progress=part(0.8),
                           should_stop=should_stop)
    return part(1.0)


def read_csv_like(path: str | os.PathLike, trained_on: dict | None) -> Dataset:
    """A new file of the kind a model was trained on, read with the training file's choices of
    what is missing (its extra markers, the markers switch) and what is a number ('$1,234');
    ``trained_on``: that file's ``CsvOptions.to_dict()``. The delimiter, encoding, header and
    decimal mark are detected afresh, as a new file may be written differently."""
    keep = {k: v for k, v in (trained_on or {}).items() if k in VALUE_OPTIONS}
    if keep.get("missing_in"):  # a column's own missing values, in the columns the new file has
        names = {str(n) for n in sniff(path, CsvOptions.from_dict({**keep, "missing_in": {}})).names}
        keep["missing_in"] = {c: v for c, v in keep["missing_in"].items() if c in names}
    return read_csv(path, keep or None)


def read_numbers(frame: pd.DataFrame, o: CsvOptions) -> tuple[dict, dict[str, dict[str, int]]]:
    """In place, what the options say of numbers: text columns of numbers written for people
    ($63,248, 13.6%, 92 kg, 14:30), then columns of numbers with markers of missing values ('?').
    Returns (what each formatted column read, ``{column: {marker: count}}``); a whole file's
    reading and a streamed chunk's share it."""
    formatted = read_formatted_numbers(frame, o.decimal, o.missing_markers, o.minutes_seconds) \
        if o.formatted_numbers else {}
    markers = read_markers_as_missing(frame, o.decimal) if o.missing_markers else {}
    for col, f in formatted.items():
        if f["markers"]:
            markers[col] = f["markers"]
    numbers_missing(frame, o.na_values, list(dict.fromkeys([*formatted, *markers])), o.missing_in)
    return formatted, markers


def numbers_missing(frame: pd.DataFrame, na_values: list[str], columns: list[str],
                    missing_in: dict[str, list[str]] | None = None) -> None:
    """In place: the numbers among the "Also missing" values (and the column's own, ``missing_in``)
    read as missing in these columns of numbers read from text ('$61,000,000' when 61000000 is
    among them): pandas compares the text as written, so the value read as missing in the Data tab
    came back when the file was read again."""
    def numbers(values: list[str]) -> list[float]:
        return [float(v) for v in pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").dropna()]

    every = numbers(na_values)
    for col in columns:
        these = every + numbers((missing_in or {}).get(str(col), []))
        if these and pd.api.types.is_numeric_dtype(frame[col]):
            frame[col] = frame[col].mask(frame[col].isin(these))


def _read_values(frame: pd.DataFrame, o: CsvOptions) -> tuple[pd.DataFrame, dict, list[str]]:
    """What the options say of the values, in order: text columns of numbers written for people
    ($63,248, 13.6%), columns of numbers with markers of missing values ('?'), pandas' 'NA' …
    in the text columns, and the dates' parts. Returns the table, what each read (the fields of
    :class:`Dataset` of those names) and the notes that say so."""
    formatted, markers = read_numbers(frame, o)
    text_na = read_pandas_missing(frame, o.decimal, o.na_in_text)
    frame, dates = read_date_parts(frame) if o.date_parts else (frame, {})
    notes = formatted_text(formatted) + (mixed_units_text(frame, o.decimal) if o.formatted_numbers else []) + \
        markers_text(markers) + text_missing_text(text_na) + text_markers_text(text_markers(frame)) + \
        date_parts_text(dates)
    return frame, dict(formatted_numbers=formatted, missing_markers=markers, text_missing=text_na,
                       date_parts=dates), notes


def _read_chunks(fmt: CsvFormat, progress, should_stop, chunk_rows: int) -> pd.DataFrame:
    chunks: list[pd.DataFrame] = []
    kinds: dict[str, set] = {}
    rows = 0
    size_mb = fmt.size / 1e6
    with open(fmt.path, "rb") as fh:
        try:
            reader = pd.read_csv(fh, encoding=fmt.options.encoding, chunksize=max(1, int(chunk_rows)),
                                 **_pandas_kwargs(fmt, own_missing=True))
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
