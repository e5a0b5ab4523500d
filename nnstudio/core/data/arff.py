"""Weka's ARFF files (OpenML's datasets), read as the table they hold.

An ARFF file names its columns in ``@attribute`` lines (a quoted name may hold spaces) and gives
its rows after ``@data`` as comma-separated values, quoted with ``'`` or ``"``, ``?`` for a missing
value, ``%`` starting a comment. The rows are written out as CSV text in the file cache
(:mod:`~nnstudio.core.data.file_cache`, as a workbook's sheet is), with the attributes' names as
the header and ``?`` as an empty field; the CSV reader then reads that text as any other file, so
a number attribute is numbers, a nominal one a category, a date one dates. The sparse form (rows
written ``{0 1, 3 2}``) is refused with what to do.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from nnstudio.core.data import file_cache
from nnstudio.core.errors import DataError

#: the start of an ARFF file: '%' comments and blank lines, then @relation
_START = re.compile(rb"^(?:\s*%[^\n]*\n|\s*\n)*\s*@relation\b", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""^@attribute\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)\s+(.+?)\s*$""",
                        re.IGNORECASE)
_HINT = ("Save it as CSV (in Weka's Explorer: Save…, file type CSV), or download the dataset as CSV "
         "(OpenML offers one beside the ARFF).")


def is_arff(head: bytes) -> bool:
    """Whether a file's first bytes are an ARFF file's (its @relation line after any comments)."""
    return bool(_START.match(head.removeprefix(b"\xef\xbb\xbf")))


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _problem(path: Path, what: str) -> DataError:
    return DataError(f"'{path.name}' is a Weka ARFF file, but {what}.", _HINT)


def _fields(line: str) -> list[str] | None:
    """A data line's values: comma-separated, each quoted with ' or " (a backslash escapes a
    quote) or not; an unquoted ? is a missing value (''). None: a quote is not closed."""
    out, i, n = [], 0, len(line)
    while True:
        while i < n and line[i] in " \t":
            i += 1
        if i < n and line[i] in "'\"":
            q, i, value = line[i], i + 1, []
            while i < n and line[i] != q:
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                value.append(line[i])
                i += 1
            if i >= n:
                return None
            out.append("".join(value))
            i = line.find(",", i + 1)
        else:
            end = line.find(",", i)
            value = (line[i:] if end < 0 else line[i:end]).strip()
            out.append("" if value == "?" else value)
            i = end
        if i < 0:
            return out
        i += 1


def parse(path: Path) -> tuple[list[str], list[list[str]]]:
    """(column names, rows with '' for a missing value) of the ARFF file."""
    names, rows = [], []
    lines = iter(enumerate(_text(path).splitlines(), start=1))
    for number, line in lines:
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        low = s.lower()
        if low.startswith(("@relation", "@end")):
            continue
        if low.startswith("@attribute"):
            m = _ATTRIBUTE.match(s)
            if m is None:
                raise _problem(path, f"its line {number} names no attribute and type ({s[:60]!r})")
            if m.group(2).lower().startswith("relational"):
                raise _problem(path, f"attribute {_unquote(m.group(1))!r} is relational (a table "
                                     f"in each cell), which nnstudio cannot read as one column")
            names.append(_unquote(m.group(1)))
        elif low.startswith("@data"):
            break
        else:
            raise _problem(path, f"its line {number} is neither @relation, @attribute nor @data "
                                 f"({s[:60]!r})")
    else:
        raise _problem(path, "it has no @data line, so no rows")
    if not names:
        raise _problem(path, "it names no @attribute (no columns)")
    for number, line in lines:
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        if s.startswith("{"):
            raise _problem(path, f"its rows are in the sparse form ({{index value, …}}, line "
                                 f"{number}), which nnstudio does not read")
        fields = _fields(s)
        if fields is None or len(fields) != len(names):
            raise _problem(path, f"its line {number} has {len(fields or [])} values for its "
                                 f"{len(names)} attributes" if fields is not None else
                                 f"its line {number} has a quote that is not closed")
        rows.append(fields)
    return names, rows


def as_csv(path: str | Path) -> Path:
    """The ARFF file's rows as CSV text (the attributes' names as the header) in the file cache,
    written once per version of the file (an entry is published whole: its CSV file marks it)."""
    src = Path(path)
    name, text = file_cache.key(src, "arff"), f"{src.stem}.csv"
    if file_cache.entry(name, text) is None:
        names, rows = parse(src)
        with file_cache.writing(name) as part:
            buf = io.StringIO()
            out = csv.writer(buf, lineterminator="\n")
            out.writerow(names)
            out.writerows(rows)
            (part / text).write_text(buf.getvalue(), encoding="utf-8")
    return file_cache.root() / name / text
