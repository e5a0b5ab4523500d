"""Card payments, 3 % of them fraud: larger amounts, night hours, one country and online payments
make fraud likelier, none makes it likely (a rare class a network can rank but not name)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def fraud(n: int = 5000, seed: int = 3) -> pd.DataFrame:
    """``n`` payments with their ``fraud`` ('yes'/'no'), about 3 % 'yes'."""
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(3.5, 1.0, n)
    hour = rng.integers(0, 24, n)
    country = rng.choice(["DE", "FR", "US", "NG", "BR"], n, p=[0.35, 0.25, 0.25, 0.05, 0.1])
    online = rng.integers(0, 2, n)
    z = (-4.6 + 0.8 * (np.log(amount) - 3.5) + 0.9 * ((hour < 5) | (hour > 22))
         + 1.2 * (country == "NG") + 0.7 * online)
    is_fraud = rng.random(n) < 1 / (1 + np.exp(-z))
    return pd.DataFrame({"amount": amount.round(2), "hour": hour, "age": rng.integers(18, 80, n),
                         "country": country, "online": online,
                         "fraud": np.where(is_fraud, "yes", "no")})
