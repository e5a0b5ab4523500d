"""A per-user cache of files derived from the user's data files: a workbook's sheet written out as
CSV text (``core.data.workbook``), a compressed CSV unpacked (``core.data.packed``).

An entry is a folder named by a key made of the source file's path, size and modification time
and what was derived, so a file saved again is read afresh; it is published whole (written under a
temporary name, then renamed), so two threads reading one file never see half an entry. The
cache lives in the temporary folder, readable by its user alone, and keeps the :data:`KEEP` most
recent entries within :data:`MAX_BYTES` (the newest is kept whatever its size: it is being read).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

#: entries kept; older ones are removed when a new one is written
KEEP = 24
#: bytes the entries may take together: an unpacked 1 GB archive must not stay beside others
MAX_BYTES = 2 * 2**30
#: the cache's format: a version of the app that derives files or their notes otherwise changes it
FORMAT = 5


def root() -> Path:
    return Path(tempfile.gettempdir()) / f"nnstudio-sheets-{os.getuid() if hasattr(os, 'getuid') else 0}"


def key(source: Path, *what: object) -> str:
    """The entry's name for ``source`` (as it is now on disk) and what is derived from it."""
    st = source.stat()
    text = "\0".join(map(str, (FORMAT, source.resolve(), st.st_size, st.st_mtime_ns, *what)))
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def entry(name: str, marker: str) -> Path | None:
    """The entry's folder when it was written whole (its ``marker`` file is there), else None."""
    folder = root() / name
    return folder if (folder / marker).is_file() else None


@contextlib.contextmanager
def writing(name: str) -> Iterator[Path]:
    """A new folder to fill; published as entry ``name`` when the block ends without an error
    (removed when it raises: a cancelled read leaves nothing behind)."""
    base = root()
    base.mkdir(mode=0o700, parents=True, exist_ok=True)  # copies of the user's data: theirs alone
    part = base / f".{uuid.uuid4().hex}"
    part.mkdir()
    try:
        yield part
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    try:
        os.replace(part, base / name)
    except OSError:  # another thread published it first: theirs is the same
        shutil.rmtree(part, ignore_errors=True)
    _prune(base)


def _prune(base: Path) -> None:
    try:
        dirs = sorted((d for d in base.iterdir() if d.is_dir() and not d.name.startswith(".")),
                      key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:
        return
    total = 0
    for i, d in enumerate(dirs):
        total += _size(d)
        if i >= KEEP or (i > 0 and total > MAX_BYTES):
            shutil.rmtree(d, ignore_errors=True)


def _size(folder: Path) -> int:
    """Bytes of the files in an entry (its files lie directly in it)."""
    try:
        return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    except OSError:
        return 0
