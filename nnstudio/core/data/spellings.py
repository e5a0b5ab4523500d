"""Values that differ only in capitals, spaces or a final full stop ('Ja', 'ja ' and 'ja.'), read as one when the user
asks: one thing typed several ways, which the network would otherwise take for classes to tell
apart (a target) or inputs that each learn from part of the rows (a feature).

Each group is written as its most frequent spelling (the first in sorted order on a tie), without
spaces at its ends or runs of them; a value seen later (a file to predict, the one-row form) is
read through the same key, so 'JA' is 'ja' too.
"""
from __future__ import annotations

import pandas as pd


def spelling_key(value: str) -> str:
    """What look-alike values share: runs of spaces as one, no spaces at the ends, no capitals, no
    final full stop (adult.test's '>50K.' beside adult.data's '>50K')."""
    key = " ".join(value.split()).casefold()
    return key.rstrip(".").rstrip() or key


def look_alike_groups(values) -> list[list[str]]:
    """Groups (each sorted) of the text values that share a :func:`spelling_key`."""
    groups: dict[str, list[str]] = {}
    for v in values:
        if isinstance(v, str):
            groups.setdefault(spelling_key(v), []).append(v)
    return [sorted(g) for g in groups.values() if len(g) > 1]


def spellings_of(s: pd.Series) -> dict[str, str]:
    """``{variant: spelling}`` for the text values of ``s`` that look like another, each to its
    group's most frequent spelling with its spaces tidied (values written so are left out)."""
    counts = s.value_counts()  # (counted before looking at the values: one pass over the rows)
    counts = counts[[isinstance(v, str) for v in counts.index]]
    best: dict[str, tuple[int, str]] = {}
    for v, n in counts.items():
        k = spelling_key(v)
        if k not in best or (-n, v) < (-best[k][0], best[k][1]):
            best[k] = (int(n), v)
    spelling = {k: " ".join(v.split()) for k, (_n, v) in best.items()}  # 'ja ' is written 'ja'
    return {v: spelling[spelling_key(v)] for v in counts.index if spelling[spelling_key(v)] != v}


def merged(s: pd.Series, spellings: dict[str, str], known=()) -> pd.Series:
    """``s`` with each variant written as its spelling: those of ``spellings``, then any value whose
    key is that of one of ``known`` (the categories: a variant never seen before)."""
    by_key = {spelling_key(k): k for k in known if isinstance(k, str)}
    uniq = s.dropna().unique()
    change = {}
    for v in uniq:
        if not isinstance(v, str):
            continue
        to = spellings.get(v) or by_key.get(spelling_key(v), v)
        if to != v:
            change[v] = to
    return s.replace(change) if change else s


def spelling_text(spellings: dict[str, str]) -> str:
    """'Ja' and 'ja ' as 'ja'; … in words (at most three groups named)."""
    groups: dict[str, list[str]] = {}
    for v, to in spellings.items():
        groups.setdefault(to, []).append(v)
    parts = [" and ".join(f"'{v}'" for v in sorted(vs)) + f" as '{to}'" for to, vs in groups.items()]
    more = f" and {len(parts) - 3} more" if len(parts) > 3 else ""
    return "; ".join(parts[:3]) + more


def _name_key(name) -> str:
    """What look-alike column names share: no capitals, no spaces, dashes or underscores."""
    return "".join(ch for ch in str(name).casefold() if ch.isalnum())


def renamed_columns_text(wanted, have) -> str:
    """"the file has 'age' for 'Age' (capitals or spaces differ)" for the ``wanted`` names that
    exactly one of the ``have`` columns writes otherwise ('' when none does)."""
    by_key: dict[str, list] = {}
    for col in have:
        by_key.setdefault(_name_key(col), []).append(col)
    pairs = [(by_key[_name_key(w)][0], w) for w in wanted if len(by_key.get(_name_key(w), [])) == 1]
    if not pairs:
        return ""
    listed = ", ".join(f"{h!r} for {w!r}" for h, w in pairs)
    return f"the file has {listed} (capitals or spaces differ)"
