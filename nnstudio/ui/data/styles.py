"""The Data tab's note colours."""
from __future__ import annotations

#: the amber of a note the user must read (how the file was read, many rows left out, the checks)
WARN_COLOURS = "background: #fff4d6; border: 1px solid #e8c66b; color: #5c4300;"
INFO_COLOURS = "background: #eef3f8; border: 1px solid #c5d3e2; color: #2b3a4a;"


def note_style(colours: str) -> str:
    return f"QLabel {{ {colours} border-radius: 3px; padding: 3px 6px; }}"
