"""The file name a new project is offered under, made from its data's name."""
from __future__ import annotations

import re
from pathlib import Path

from nnstudio.core import suffixes


def _safe_name(text: str) -> str:
    name = re.sub(r"[^\w\- .]+", "_", text).strip(" ._") or "project"
    return name[:60]


def default_project_stem(project) -> str:
    """The file name a new project is offered under: the data's name without its file suffixes or
    notes in brackets ("penguins-raw.csv" -> "penguins-raw", "Bank customer churn (synthetic)" ->
    "Bank customer churn")."""
    name = re.sub(r"\s*\([^)]*\)", "", project.dataset.name or "").strip()
    p = Path(name)
    while p.suffix.lower() in (*suffixes.DATA, suffixes.PROJECT):
        p = p.with_suffix("")
    return _safe_name(p.name)
