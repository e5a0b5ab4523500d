"""Raw rows (original units) against a fitted preprocessor: encoded leniently, and per row why it
cannot be predicted as the training rows were. The predictions table, a typed row, the CLI's
``evaluate`` and the explanations share them."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from nnstudio.core.data.fitted_preprocessor import filled_numbers, plain_number
from nnstudio.core.data.spellings import spelling_key


def transform_lenient(pre, frame: pd.DataFrame) -> np.ndarray:
    """Encode rows; cells that cannot be encoded become NaN (one-hot: zeros) instead of raising."""
    try:
        params = inspect.signature(pre.transform).parameters
    except (TypeError, ValueError):  # pragma: no cover
        params = {}
    if "strict" in params:
        return pre.transform(frame, strict=False)
    return pre.transform(frame)


#: How a row's note ends when its value is a training value written with other capitals or spaces.
OTHER_SPELLING = "capitals or spaces differ"


def _training_spellings(categories) -> dict[str, str]:
    """spelling key -> the training's value, for the keys only one training value has."""
    keys: dict[str, list[str]] = {}
    for v in categories:
        if isinstance(v, str):
            keys.setdefault(spelling_key(v), []).append(v)
    return {k: vs[0] for k, vs in keys.items() if len(vs) == 1}


def row_problems(pre, frame: pd.DataFrame) -> list[str]:
    """Per row, why it cannot be predicted as the training rows were ('' when it can)."""
    notes = [[] for _ in range(len(frame))]
    # plain number columns (a wide file's hundreds): their gaps found in one block
    plain = [c for c in pre.columns if plain_number(c, frame[c.name].dtype)]
    names = [c.name for c in plain]
    gaps = dict(zip(names, np.isnan(filled_numbers(frame, plain)).T)) if plain else {}
    for c in pre.columns:
        if c.name in gaps:
            for i in np.flatnonzero(gaps[c.name]):
                notes[i].append(f"{c.name} is missing")
            continue
        s = frame[c.name]
        if c.impute_value is not None:
            s = s.fillna(c.impute_value)
        miss = s.isna().to_numpy()
        for i in np.flatnonzero(miss):
            notes[i].append(f"{c.name} is missing")
        if c.kind == "numeric" or getattr(c, "passthrough_binary", False):
            bad = pd.to_numeric(s, errors="coerce").isna().to_numpy() & ~miss
            for i in np.flatnonzero(bad):
                notes[i].append(f"{c.name} is not a number ({s.iloc[i]!r})")
        else:
            codes = c.codes(s)  # as the network's encoding reads it (look-alikes read as one)
            alike = _training_spellings(c.categories)
            for i in np.flatnonzero((codes < 0) & ~miss):
                value = s.iloc[i]
                note = f"{c.name} = {value!s} was not seen in training"
                known = alike.get(spelling_key(value)) if isinstance(value, str) else None
                if known is not None:  # 'BASIC' for the training's 'basic': say which and why
                    note += f" (written '{known}' there: {OTHER_SPELLING})"
                notes[i].append(note)
    return ["; ".join(n) for n in notes]
