"""Compressed tables: a .csv.gz, .bz2 or .xz, or a .zip holding one table (a CSV, a text table or
a workbook), read as the file inside.

The file inside is unpacked into the cache (``core.data.file_cache``), named as it is named in
the archive, and read from there by the CSV reader (or the workbook reader): every check and note
applies. The import dialog's first look unpacks only the start (:data:`HEAD_BYTES`), so a big
archive opens its dialog at once; reading it unpacks the whole, with progress and Cancel.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from nnstudio.core import suffixes
from nnstudio.core.data import file_cache, workbook
from nnstudio.core.errors import Cancelled, DataError, ReadingOptionError

#: bytes of the file inside unpacked for the first look (the sniff's sample and the preview)
HEAD_BYTES = 4 * 1024 * 1024
_BLOCK = 1024 * 1024
_STREAMS = {b"\x1f\x8b": ("gzip", lambda raw: gzip.GzipFile(fileobj=raw), ".gz"),
            b"BZh": ("bzip2", bz2.BZ2File, ".bz2"), b"\xfd7zXZ": ("xz", lzma.LZMAFile, ".xz")}
#: what a .zip may hold to be read as its table
TABLES = suffixes.TABLES


def kind(path: Path, head: bytes) -> str:
    """"gzip", "bzip2", "xz", "zip" (a ZIP archive that is no Office document), or ""."""
    for magic, (name, _opener, _suffix) in _STREAMS.items():
        if head.startswith(magic):
            return name
    if head.startswith(b"PK\x03\x04"):
        return "zip" if workbook.kind(path, head) == "zip" else ""
    return ""


def is_packed(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return bool(kind(Path(path), fh.read(8)))
    except OSError:
        return False


def _tables(z: zipfile.ZipFile) -> tuple[list[zipfile.ZipInfo], list[zipfile.ZipInfo]]:
    """(the archive's tables, its files): a Mac's __MACOSX copies, folders, hidden files and a
    read-me beside a table aside."""
    files = [i for i in z.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")
             and not PurePosixPath(i.filename).name.startswith(".")]
    found = [i for i in files if PurePosixPath(i.filename).suffix.lower() in TABLES]
    if len(found) > 1:  # a read-me beside one table is no second table
        notes = [i for i in found if PurePosixPath(i.filename).stem.lower() in ("readme", "license", "notes")]
        found = [i for i in found if i not in notes] or found
    return found, files


def tables(path: str | Path) -> list[str]:
    """The tables a .zip holds, by their names in it ([] for another file or a damaged one)."""
    try:
        with zipfile.ZipFile(path) as z:
            return [i.filename for i in _tables(z)[0]]
    except (OSError, zipfile.BadZipFile):
        return []


def _member(path: Path, z: zipfile.ZipFile, wanted: str | None) -> zipfile.ZipInfo:
    """The archive's table ``wanted`` (its name in the archive, or its file name), or its one table."""
    found, files = _tables(z)
    names = [i.filename for i in (found or files)]
    shown = ", ".join(names[:6]) + (" …" if len(names) > 6 else "")
    if wanted is not None:
        hits = [i for i in found if wanted in (i.filename, PurePosixPath(i.filename).name)]
        if len(hits) == 1:
            return hits[0]
        raise DataError(f"'{path.name}' holds no file '{wanted}'. Its tables: {shown or 'none'}.",
                        "Choose one of them.")
    if len(found) == 1:
        return found[0]
    if found:
        raise ReadingOptionError(f"'{path.name}' holds {len(found)} tables ({shown}).",
                                 "Choose the one to train on under 'In the archive' (nnstudio train: "
                                 "--member NAME).")
    raise DataError(f"'{path.name}' holds no table (a .csv, .tsv, .txt or .xlsx file): {shown or 'nothing'}.",
                    "Choose another file.")


def _inner_name(path: Path, suffix: str) -> str:
    name = path.name[:-len(suffix)] if path.name.lower().endswith(suffix) else path.stem
    return name if PurePosixPath(name).suffix else f"{name}.csv"


def unpacked(path: str | Path, member: str | None = None, *, head: bool = False,
             progress: Callable[[float, str], None] | None = None,
             should_stop: Callable[[], bool] | None = None) -> tuple[Path, bool]:
    """The file inside the archive ``path`` (a .zip's table ``member``, or its one table),
    unpacked into the cache, and whether it is whole (``head``: its first :data:`HEAD_BYTES`
    suffice, or the whole file when unpacked before)."""
    src = Path(path)
    for want_head in ((False, True) if head else (False,)):
        found = file_cache.entry(file_cache.key(src, "unpacked", member, want_head), "done")
        if found is not None:
            inner = (found / "done").read_text("utf-8")
            return found / inner, (found / "whole").is_file()
    with open(src, "rb") as fh:
        what = kind(src, fh.read(8))
    name = file_cache.key(src, "unpacked", member, head)
    size = src.stat().st_size
    try:
        with open(src, "rb") as raw, file_cache.writing(name) as folder:
            if what == "zip":
                z = zipfile.ZipFile(raw)
                info = _member(src, z, member)
                inner, total = PurePosixPath(info.filename).name, info.file_size
                stream = z.open(info)
                head = head and PurePosixPath(inner).suffix.lower() not in workbook.SUFFIXES  # a ZIP itself
            else:
                _kind, opener, suffix = next(v for m, v in _STREAMS.items() if v[0] == what)
                inner, total, stream = _inner_name(src, suffix), None, opener(raw)
            written, whole = 0, True
            with stream, open(folder / inner, "wb") as out:
                while True:
                    block = stream.read(_BLOCK)
                    if not block:
                        break
                    out.write(block)
                    written += len(block)
                    if head and written >= HEAD_BYTES:
                        whole = bool(not stream.read(1))
                        break
                    if should_stop is not None and should_stop():
                        raise Cancelled(f"Reading '{src.name}' was cancelled.", "The data you had before is kept.")
                    if progress is not None:
                        done = written / total if total else raw.tell() / max(size, 1)
                        progress(min(done, 0.99), f"Unpacked {written / 1e6:,.1f} MB of {inner}")
            if whole:
                (folder / "whole").write_text("", "utf-8")
            (folder / "done").write_text(inner, "utf-8")
    except OSError as e:
        if e.errno:  # writing the cache (a full disk), not reading the archive
            raise DataError(f"'{src.name}' cannot be unpacked into {file_cache.root()}: {e.strerror}.",
                            "Free some disk space there, or unpack it yourself and open the file "
                            "inside.") from None
        raise DataError(f"'{src.name}' is damaged: it cannot be unpacked ({e}).",
                        "Download or copy it again, or unpack it with another program and open the "
                        "file inside.") from None
    except (EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as e:
        raise DataError(f"'{src.name}' is damaged: it cannot be unpacked ({str(e) or type(e).__name__}).",
                        "Download or copy it again, or unpack it with another program and open the "
                        "file inside.") from None
    if progress is not None:
        progress(1.0, f"Unpacked {inner}")
    return file_cache.root() / name / inner, whole
