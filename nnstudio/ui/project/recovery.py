"""Crash recovery's files: where autosaves live, the ones a crashed session left, the question."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from PySide6.QtCore import QLockFile, QStandardPaths
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget


def recovery_dir() -> Path:
    """Where autosaves live (per user); tests point this elsewhere."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(base or Path.home() / ".nnstudio") / "recovery"


def new_session_file() -> Path:
    """A recovery file name of this session's own (its lock is the same name with ``.lock``)."""
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return recovery_dir() / f"session-{token}.nnstudio"


def orphaned_recovery_files(own: Path | None) -> list[tuple[Path, QLockFile]]:
    """Recovery files of sessions that ended without cleaning up (a crash), newest first,
    each with its lock now held by this session (``own``, this session's file, is left out)."""
    folder = recovery_dir()
    try:
        files = sorted(folder.glob("session-*.nnstudio"), key=lambda p: p.stat().st_mtime,
                       reverse=True)
    except OSError:
        return []
    out = []
    for f in files:
        if f == own:
            continue
        lock = QLockFile(str(f.with_suffix(".lock")))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):  # the owner is gone (Qt checks the pid and host of stale locks)
            out.append((f, lock))
    return out


def recovery_question(parent: QWidget, name: str | None,
                      when: str) -> tuple[QMessageBox, QAbstractButton, QAbstractButton]:
    """The non-blocking question that offers an autosave back: (the box, Recover, Discard)."""
    box = QMessageBox(QMessageBox.Icon.Question, "nnstudio",
                      f"nnstudio did not close properly. Recover the unsaved changes to "
                      f"{name or 'a project'} (autosaved {when})?",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText("Discard deletes the autosaved copy.")
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(recover)
    return box, recover, discard
