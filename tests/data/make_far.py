"""Values far from a column's others (core/data/missing_codes.py): a failure log whose logger wrote
-999 where a reading was lost, and loans with two incomes typed with three zeros too many."""
from __future__ import annotations

import numpy as np
import pandas as pd


def sensor_frame(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Failures come with heat and damp, which the codes hide when read as numbers."""
    rng = np.random.default_rng(seed)
    t, h = rng.normal(20, 5, n), rng.uniform(20, 90, n)
    fail = ((t > 24) & (h > 60)).astype(int)
    t[rng.random(n) < 0.08] = -999
    h[rng.random(n) < 0.05] = -999
    return pd.DataFrame({"temp_c": t.round(2), "humidity": h.round(1),
                         "pressure": rng.normal(1013, 8, n).round(1), "failure": fail})


def sensor_csv(folder, n: int = 600):
    path = folder / "sensor.csv"
    sensor_frame(n).to_csv(path, index=False)
    return path


def loans_frame(n: int = 1200) -> pd.DataFrame:
    """Loans approved by income and age, two incomes typed with three zeros too many."""
    rng = np.random.default_rng(11)
    income, age = rng.lognormal(10.8, .4, n).round(-2), rng.integers(18, 80, n)
    y = ((income > 55_000) ^ (age > 60)).astype(int)
    income[17], income[400] = 1_000_000_000, 480_000_000
    return pd.DataFrame({"age": age, "income": income, "approved": y})


def pima_like(n: int = 768, seed: int = 4) -> pd.DataFrame:
    """The Keras tutorial's diabetes file, as its zeros go: a blood pressure, a glucose and a BMI
    of 0 in a few rows ('not measured'), real 0s among the pregnancies and the outcome."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "Pregnancies": rng.poisson(3.8, n), "Glucose": rng.normal(121, 30, n).clip(44, 199).round(),
        "BloodPressure": rng.normal(72, 12, n).clip(24, 122).round(),
        "BMI": rng.normal(32.5, 7, n).clip(18.2, 67.1).round(1), "Outcome": rng.integers(0, 2, n)})
    for col, k in (("Glucose", 5), ("BloodPressure", 35), ("BMI", 11)):
        frame.loc[rng.choice(n, k, replace=False), col] = 0
    return frame
