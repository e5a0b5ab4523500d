"""A patient-visits file: each patient's measures barely move between visits, their outcome never
(rows in groups, for the group split's tests)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def visits(tmp_path, patients: int = 200, each: int = 5, text_ids: bool = False):
    """Each patient's visits: their measures barely move between visits, their outcome never."""
    rng = np.random.default_rng(7)
    ids = np.repeat(rng.choice(np.arange(10_000, 99_999), patients, replace=False), each)
    base = np.repeat(rng.normal(size=(patients, 3)), each, axis=0)
    x = base + rng.normal(0, 0.05, base.shape)
    outcome = np.repeat((rng.normal(size=patients) > 0).astype(int), each)
    frame = pd.DataFrame({"patient_id": [f"P{i}" for i in ids] if text_ids else ids,
                          "bp": (120 + 15 * x[:, 0]).round(1), "chol": (200 + 30 * x[:, 1]).round(1),
                          "bmi": (27 + 4 * x[:, 2]).round(1), "outcome": outcome})
    path = tmp_path / "visits.csv"
    frame.sample(frac=1.0, random_state=1).to_csv(path, index=False)
    return path
