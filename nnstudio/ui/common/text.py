"""Short forms of names for places with little room (axis ticks, diagram labels, form rows)."""
from __future__ import annotations


def short(text, n: int) -> str:
    """``text`` as it is, or cut to ``n`` characters ending in "…" (the full name goes in a
    tooltip or the table beside it)."""
    text = str(text)
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
