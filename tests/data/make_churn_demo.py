"""A small churn-like table where only some columns matter: tenure, calls and plan drive the target;
region and noise do not (the explanations must rank them last). Seeded."""
from __future__ import annotations

import numpy as np
import pandas as pd


def churn_frame(n: int = 500, seed: int = 0) -> pd.DataFrame:
    r = np.random.default_rng(seed)
    a, b = r.normal(size=n), r.normal(size=n)
    plan = r.choice(["basic", "plus", "pro"], n)
    z = 2.2 * a - 1.4 * b + np.where(plan == "pro", 1.5, 0) - 1.2
    df = pd.DataFrame({"tenure": np.round(a * 10 + 30, 2), "calls": np.round(b * 3 + 5, 2), "plan": plan,
                       "region": r.choice(["N", "S", "E", "W"], n), "noise": r.uniform(size=n)})
    df["churn"] = np.where(z + 0.4 * r.normal(size=n) > 0, "yes", "no")
    return df
