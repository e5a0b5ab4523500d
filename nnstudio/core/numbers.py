"""Numbers written as people write them, for every layer of core (the data profiles, the
Inspector's preprocessing steps)."""
from __future__ import annotations

import numpy as np


def fmt_number(x: float | None) -> str:
    """A number the way a person writes it: 38.9, 10.5, 0.0312, 76,485."""
    if x is None or not np.isfinite(x):
        return str(x)
    a = abs(x)
    if a == 0:
        return "0"
    if a >= 1e15:  # written out, 1e308 took 309 digits
        return f"{x:.3g}"
    if float(x).is_integer():
        return f"{int(x):,}"
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"
