"""A most-recent-first list of files kept in QSettings, and the "Open recent" menu built from it.

One implementation for the recent data files and the recent projects (they had drifted apart: 8 vs
10 entries, different handling of missing files). Paths are stored resolved; a file that no longer
exists is shown as "(missing)" and dropped from the list when the user picks it.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMenu

MAX_RECENT = 10


def _resolved(path: str | Path) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return str(path)


class RecentFiles:
    def __init__(self, settings: QSettings, key: str, empty_text: str, limit: int = MAX_RECENT) -> None:
        self.settings = settings
        self.key = key
        self.empty_text = empty_text
        self.limit = limit

    def paths(self) -> list[str]:
        v = self.settings.value(self.key, []) or []
        if isinstance(v, str):  # QSettings gives back a one-item list as a plain string
            v = [v]
        return [str(x) for x in v]

    def add(self, path: str | Path) -> None:
        if not str(path):
            return
        p = _resolved(path)
        self.settings.setValue(self.key, ([p] + [x for x in self.paths() if x != p])[:self.limit])

    def forget(self, path: str | Path) -> None:
        gone = {str(path), _resolved(path)}
        self.settings.setValue(self.key, [x for x in self.paths() if x not in gone])

    def clear(self) -> None:
        self.settings.setValue(self.key, [])

    def fill_menu(self, menu: QMenu, open_path: Callable[[str], object]) -> None:
        """Numbered entries (the full path as tooltip), then "Clear the list"; a file that is gone
        is marked, and forgotten when picked."""
        menu.clear()
        items = self.paths()
        for i, path in enumerate(items):
            exists = Path(path).is_file()
            act = menu.addAction(f"&{i + 1} {Path(path).name}" + ("" if exists else " (missing)"))
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _=False, p=path: open_path(p))
        if items:
            menu.addSeparator()
            menu.addAction("Clear the list", self.clear)
        else:
            menu.addAction(self.empty_text).setEnabled(False)
