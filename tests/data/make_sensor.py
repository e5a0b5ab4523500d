"""A failure log whose logger wrote -999 where a reading was lost (missing-value codes' tests)."""
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
