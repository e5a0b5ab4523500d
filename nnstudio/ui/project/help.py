"""The Help menu: the documentation (docs/*.md, rendered in the app), the keyboard shortcuts, and
the lessons of the built-in examples."""
from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMenu,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data.examples import EXAMPLES


def docs_dir() -> Path | None:
    """docs/ of a checkout, or the copy a packaged (PyInstaller) build carries."""
    for base in (Path(__file__).resolve().parents[3],
                 Path(getattr(sys, "_MEIPASS", "/nonexistent"))):
        d = base / "docs"
        if d.is_dir() and any(d.glob("*.md")):
            return d
    return None


def doc_title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("-", " ").replace("_", " ").capitalize()


class TextDialog(QDialog):
    """A resizable, non-modal reader for Markdown or HTML; links to other docs open in it."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(820, 600)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser)
        lay.addWidget(buttons)

    def show_markdown(self, path: Path) -> None:
        self.path = path
        self.setWindowTitle(doc_title(path))
        self.browser.setSearchPaths([str(path.parent), str(path.parent.parent)])
        self.browser.setMarkdown(path.read_text(encoding="utf-8", errors="replace"))

    def _link(self, url: QUrl) -> None:
        target = url.toString()
        if url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)
            return
        if url.scheme() == "" and target.startswith("#"):
            self.browser.scrollToAnchor(target[1:])
            return
        name = re.sub(r"#.*$", "", target)
        base = getattr(self, "path", None)
        candidate = (base.parent / name).resolve() if base is not None else Path(name)
        if candidate.suffix == ".md" and candidate.is_file():
            self.show_markdown(candidate)
        elif candidate.is_file():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(candidate)))


def show_doc(window, path: Path) -> TextDialog:
    dlg = TextDialog(doc_title(path), window)
    dlg.show_markdown(path)
    dlg.show()
    window._help_dialogs = [d for d in getattr(window, "_help_dialogs", []) if d.isVisible()] + [dlg]
    return dlg


def shortcuts_html(window) -> str:
    """Every action with a shortcut in the window (menus, the layer editor), grouped by menu."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(group: str, act: QAction) -> None:
        keys = list(dict.fromkeys(k.toString(QKeySequence.SequenceFormat.NativeText)
                                  for k in act.shortcuts() if not k.isEmpty()))
        text = act.text().replace("&", "").replace("…", "").strip()
        if keys and text and (text, keys[0]) not in seen:
            seen.add((text, keys[0]))
            rows.append((group, text, ", ".join(keys)))

    for menu_act in window.menuBar().actions():
        menu = menu_act.menu()
        if menu is None:
            continue
        group = menu_act.text().replace("&", "")
        stack = [menu]
        while stack:
            m = stack.pop()
            for act in m.actions():
                if isinstance(act.menu(), QMenu):
                    stack.append(act.menu())
                else:
                    add(group, act)
    layers = getattr(window, "layers", None)
    if layers is not None:
        for act in layers.findChildren(QAction):
            add("Network editor", act)
    out = ["<h2>Keyboard shortcuts</h2><table cellpadding='4'>"]
    last = None
    for group, text, keys in rows:
        if group != last:
            out.append(f"<tr><td colspan='2'><b>{html.escape(group)}</b></td></tr>")
            last = group
        out.append(f"<tr><td><tt>{html.escape(keys)}</tt></td><td>{html.escape(text)}</td></tr>")
    out.append("</table><p>The training shortcuts (Train, Pause, Step, Stop) work wherever the "
               "focus is. The mouse wheel changes a number field or list only after you click "
               "into it.</p>")
    return "".join(out)


def lessons_html() -> str:
    out = [("<h2>The examples and what each one teaches</h2>"
            "<p>File &gt; Examples loads one: its data, network and training settings.</p>")]
    for ex in EXAMPLES.values():
        tag = f" <small>({ex.workload})</small>" if ex.workload else ""
        out.append(f"<h3>{html.escape(ex.title)}{tag}</h3><p>{html.escape(ex.description)}</p>")
        if ex.note:
            out.append(f"<p><i>{html.escape(ex.note)}</i></p>")
    return "".join(out)


def show_html(window, title: str, text: str) -> TextDialog:
    dlg = TextDialog(title, window)
    dlg.browser.setHtml(text)
    dlg.show()
    window._help_dialogs = [d for d in getattr(window, "_help_dialogs", []) if d.isVisible()] + [dlg]
    return dlg


def install(window, menu: QMenu) -> None:
    """Fill the Help menu (before its About entry)."""
    docs = menu.addMenu("&Documentation")
    d = docs_dir()
    pages = sorted(d.glob("*.md")) if d is not None else []
    for path in pages:
        act = docs.addAction(doc_title(path))
        act.setToolTip(str(path))
        act.triggered.connect(lambda _=False, p=path: show_doc(window, p))
    if not pages:
        docs.addAction("The documentation is not installed with this build").setEnabled(False)
    window.act_shortcuts = menu.addAction("&Keyboard shortcuts", QKeySequence("F1"),
                                          lambda: show_html(window, "Keyboard shortcuts",
                                                            shortcuts_html(window)))
    window.act_lessons = menu.addAction("The &examples' lessons",
                                        lambda: show_html(window, "The examples' lessons", lessons_html()))
    menu.addSeparator()
