"""Raw rows (original units) against a fitted preprocessor: encoded leniently, and per row why it
cannot be predicted as the training rows were. The predictions table, a typed row, the CLI's
``evaluate`` and the explanations share them."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from nnstudio.core.data.fitted_preprocessor import filled_numbers, plain_number
from nnstudio.core.data.spellings import renamed_columns_text, spelling_key
from nnstudio.core.errors import DataError


def transform_lenient(pre, frame: pd.DataFrame) -> np.ndarray:
    """Encode rows; cells that cannot be encoded become NaN (one-hot: zeros) instead of raising."""
    try:
        params = inspect.signature(pre.transform).parameters
    except (TypeError, ValueError):  # pragma: no cover
        params = {}
    if "strict" in params:
        return pre.transform(frame, strict=False)
    return pre.transform(frame)


#: How a row's note ends when its value is a training value written with other capitals, spaces or
#: a final full stop.
OTHER_SPELLING = "capitals, spaces or a full stop differ"


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


def _listed(values, most: int = 5) -> str:
    shown = ", ".join(str(v) for v in values[:most])
    return shown + (f" and {len(values) - most} more" if len(values) > most else "")


def _unknown_text(pre, values: list) -> str:
    """"a target value the model does not know ('maybe'; the classes of churn: no, yes)", or for
    a number target "a target that is not a number ('n/a')"."""
    quoted = _listed([f"'{v}'" for v in values])
    if not pre.classes:  # regression
        return f"a target that is not a number ({quoted})"
    return (f"a target value the model does not know ({quoted}; the classes of {pre.target}: "
            f"{_listed(pre.classes)})")


def left_out_note(pre, target: pd.Series, has_y: np.ndarray, predictable: np.ndarray) -> str:
    """Why rows of a labelled table are not in its figures, each reason counted: '5 rows were
    left out of the figures: 3 have no churn (the target); 1 has a target value the model does
    not know ('maybe'; the classes of churn: no, yes); 1 could not be predicted (…).' ('' when
    none was)."""
    missing = target.isna().to_numpy()
    unknown = ~missing & ~has_y
    cannot = has_y & ~predictable
    counted = [(int(missing.sum()), f"no {pre.target} (the target)")]
    if unknown.any():
        counted.append((int(unknown.sum()),
                        _unknown_text(pre, pd.unique(target[unknown].astype(str)).tolist())))
    parts = [f"{n:,} {'has' if n == 1 else 'have'} {text}" for n, text in counted if n]
    if cannot.any():
        parts.append(f"{int(cannot.sum()):,} could not be predicted (a missing value, or a "
                     f"category never seen in training)")
    total = int((~(has_y & predictable)).sum())
    if not total:
        return ""
    rows = "1 row was" if total == 1 else f"{total:,} rows were"
    return f"{rows} left out of the figures: {'; '.join(parts)}."


def no_rows_message(pre, target: pd.Series, has_y: np.ndarray) -> str:
    """Why no row of a labelled table can be scored, as precisely as its target tells."""
    head = "No row of the data can be evaluated: "
    given = target.notna().to_numpy()
    if not given.any():
        return head + f"the target column {pre.target} is empty."
    if not has_y.any():  # every target given is unknown to the model
        values = sorted(pd.unique(target[given].astype(str)).tolist())
        held = _listed(values)
        if not pre.classes:
            return head + f"the target {pre.target} holds no number ({held})."
        return (head + f"the target {pre.target} holds {held}, and the model's classes are "
                f"{_listed(pre.classes)}.")
    return head + "every row has a missing or unknown value or target."


def require_columns(pre, frame: pd.DataFrame) -> None:
    """A :class:`DataError` naming the model's input columns ``frame`` lacks, and the file's
    columns that look like them ('Tenure' for 'tenure')."""
    missing = [c.name for c in pre.columns if c.name not in frame.columns]
    if not missing:
        return
    message = f"The data has no column(s) {', '.join(repr(m) for m in missing)}, which the model needs"
    hint = f"The model's input columns are: {', '.join(pre.feature_names)}."
    renamed = renamed_columns_text(missing, frame.columns)
    if renamed:
        message += f"; {renamed}"
        hint = "Rename those columns in the file to the model's names. " + hint
    raise DataError(message + ".", hint)
