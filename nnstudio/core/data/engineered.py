"""Engineered inputs in the preparation of the data (issue 21): the formulas of a
:class:`PreprocessConfig` checked against the data, and fitted on the training rows.

The formulas themselves (parsing, NumPy and Keras evaluation) are :mod:`core.data.features`; the
fitted transforms live in :class:`FittedPreprocessor`'s ``derived`` list.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nnstudio.core.data import features as _features
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.fitted_preprocessor import ColumnTransform, FittedPreprocessor
from nnstudio.core.data.preprocess_config import PreprocessConfig
from nnstudio.core.data.profile import is_numeric_dtype
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import DataError


def engineered_formulas(dataset: Dataset, roles: Roles, config: PreprocessConfig) -> list:
    """The engineered inputs of ``config``, parsed and checked against the data."""
    columns = [c for c in dataset.columns if c != roles.target]
    formulas, seen = [], set()
    for text in config.engineered:
        f = _features.parse(text, columns)
        if f.text in seen:
            raise DataError(f"The engineered input '{f.text}' is listed twice.", "Remove one of them.")
        seen.add(f.text)
        for c in f.columns:
            if not is_numeric_dtype(dataset.frame[c]) or config.for_column(c, "kind") == "category":
                raise DataError(f"The engineered input '{f.text}' reads '{c}', which is not a number "
                                f"column.", "Formulas compute with number columns only.")
        formulas.append(f)
    return formulas


def input_columns(roles: Roles, formulas: list) -> list[str]:
    """The raw columns the network reads: the features, then columns read only by formulas."""
    cols = list(roles.features) + [c for f in formulas for c in f.columns if c not in roles.features]
    return list(dict.fromkeys(cols))


def fit_engineered(pre: FittedPreprocessor, train: pd.DataFrame, formulas: list,
                   config: PreprocessConfig) -> list[ColumnTransform]:
    """One numeric transform per engineered input, fitted on the training rows (after filling)."""
    filled = {}
    for c in pre.columns:
        if c.kind == "numeric" or c.passthrough_binary or not c.encoded:
            s = train[c.name] if c.impute_value is None else train[c.name].fillna(c.impute_value)
            filled[c.name] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    out = []
    for f in formulas:
        v = f.numpy(filled)
        v = v[np.isfinite(v)]
        t = ColumnTransform(name=f.text, kind="numeric", formula=f.text, n_fit=int(len(v)))
        mean, sd = float(v.mean()), float(v.std())
        lo, hi = float(v.min()), float(v.max())
        t.stats = {"mean": mean, "sd": sd, "min": lo, "max": hi}
        t.scaling = config.numeric
        if t.scaling == "standardize":
            t.center, t.scale = mean, (sd if sd > 0 else 1.0)
        elif t.scaling == "minmax":
            t.center, t.scale = lo, (hi - lo if hi > lo else 1.0)
        out.append(t)
    return out
