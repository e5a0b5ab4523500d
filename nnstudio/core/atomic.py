"""Atomic file writes, file fingerprints, and the clean-up of interrupted saves.

Every file is written to a temporary file in the same folder, flushed and fsynced, then renamed
over the old one (``os.replace``): a crash or ``kill -9`` at any moment leaves the old file or the
new one, never a mix and never a truncated file. OS errors become :class:`ProjectError`s that say
what to do.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import time
from pathlib import Path

from nnstudio.core.errors import ProjectError

#: Data files up to this size get a SHA-256 fingerprint (bigger ones: size only, to keep saves fast).
FINGERPRINT_MAX_BYTES = 256 * 2**20
#: Temporary files of an interrupted save older than this are removed by the next save.
STALE_TEMP_SECONDS = 3600

_TEMP_RE = re.compile(r"^\..+\.[0-9a-f]{16}\.tmp(\.keras)?$")

def sha256_file(path: Path, limit: int | None = None) -> str | None:
    size = path.stat().st_size
    if limit is not None and size > limit:
        return None
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(path: Path) -> dict:
    """Size and (for files up to :data:`FINGERPRINT_MAX_BYTES`) SHA-256 of a data file."""
    path = Path(path)
    return {"size": path.stat().st_size, "sha256": sha256_file(path, FINGERPRINT_MAX_BYTES)}


def fsync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_all(fh, data: bytes) -> None:
    """Write ``data`` to an open binary file (a separate function so tests can slow it down)."""
    view = memoryview(data)
    for i in range(0, len(view), 1 << 16):
        fh.write(view[i:i + (1 << 16)])


def temp_path(target: Path, suffix: str = "") -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp{suffix}")


def save_error(path: Path, exc: OSError) -> ProjectError:
    reason = exc.strerror or type(exc).__name__
    if isinstance(exc, PermissionError):
        return ProjectError(f"Cannot save to {path}: permission denied.",
                            "Choose a folder you can write to (File > Save As).")
    if isinstance(exc, FileNotFoundError):
        return ProjectError(f"Cannot save to {path}: the folder does not exist.",
                            "Choose an existing folder (File > Save As).")
    return ProjectError(f"Cannot save to {path}: {reason}.",
                        "Check the disk has free space, or save somewhere else (File > Save As).")


def atomic_write(path: Path | str, data: bytes) -> None:
    """Replace ``path`` by ``data`` atomically: temp file in the same folder, fsync, rename.

    Raises :class:`ProjectError` on any OS error; the previous file is then untouched.
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise save_error(path, e) from None
    fsync_dir(path.parent)


def remove_stale_temps(folder: Path) -> None:
    """Delete temporary files left by an interrupted save (only ours, only old ones)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    now = time.time()
    for p in entries:
        if _TEMP_RE.match(p.name):
            try:
                if now - p.stat().st_mtime > STALE_TEMP_SECONDS:
                    p.unlink()
            except OSError:
                pass
