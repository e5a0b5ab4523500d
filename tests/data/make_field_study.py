"""A generated raw field-study file with every problem of issue 14 (never a hand-made result).

    .venv/bin/python tests/data/make_field_study.py OUT.csv [--rows N] [--seed S] [--shuffle]

Columns, as such a file has them:

- ``row``: the row number 1..N; ``study``: a study code (3 studies); ``seq``: a sequence number
  that restarts at 1 in every study; ``specimen_id``: an id unique to each row; ``date``: dates;
- ``length_mm``, ``width_mm``, ``mass_g``: measurements that tell the classes apart, each with a
  few ``NA``; ``depth_mm``: a measurement where missing values are written ``?`` (UCI-style);
- ``habitat``: a category with some empty values; ``comments``: free-text sentences, empty in
  most rows;
- ``class``: the target, three classes in unequal shares (the majority rate is about 0.43).

With the defaults of the app before issue 14, the mostly-empty ``comments`` column was a category
and "drop the row" kept about a tenth of the file; ``?`` was refused.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

CLASSES = ("alpha", "beta", "gamma")
SHARES = (0.43, 0.33, 0.24)
#: class -> (length, width, mass, depth) means; sd below
MEANS = {"alpha": (42.0, 11.0, 7.5, 3.0), "beta": (51.0, 15.0, 11.0, 4.2), "gamma": (60.0, 12.0, 14.5, 5.5)}
SDS = (3.0, 1.2, 1.1, 0.5)
SENTENCES = (
    "found under a log near the stream",
    "specimen slightly damaged in transit",
    "collected after heavy rain in the morning",
    "second visit to the site, same trap",
    "label partly illegible, date checked against field book",
    "very small individual, measured twice",
    "wing tip missing on the left side",
    "trap was flooded, specimen recovered wet",
    "observed feeding before capture",
    "identified later from photographs",
    "mass estimated, scale was unstable",
    "near the edge of the meadow by the fence",
)


def make_field_study(path: str | Path, rows: int = 360, seed: int = 0, shuffle: bool = False,
                     na_share: float = 0.04, question_share: float = 0.06,
                     comment_share: float = 0.1) -> Path:
    """Write the file and return its path (the same arguments always give the same bytes)."""
    rng = np.random.default_rng(seed)
    y = rng.choice(len(CLASSES), size=rows, p=SHARES)
    study = np.sort(rng.choice(["FS-A", "FS-B", "FS-C"], size=rows, p=[0.4, 0.35, 0.25]))
    seq = np.zeros(rows, dtype=int)
    for s in np.unique(study):
        idx = np.flatnonzero(study == s)
        seq[idx] = np.arange(1, len(idx) + 1)
    m = np.array([MEANS[CLASSES[k]] for k in y]) + rng.normal(size=(rows, 4)) * np.array(SDS)
    frame = pd.DataFrame({
        "row": np.arange(1, rows + 1),
        "study": study,
        "seq": seq,
        "specimen_id": [f"{s}-{q:04d}" for s, q in zip(study, seq)],
        "date": [str(np.datetime64("2019-04-01") + int(d)) for d in rng.integers(0, 150, rows)],
        "length_mm": np.round(m[:, 0], 1).astype(object),
        "width_mm": np.round(m[:, 1], 2).astype(object),
        "mass_g": np.round(m[:, 2], 2).astype(object),
        "depth_mm": np.round(m[:, 3], 2).astype(object),
        "habitat": rng.choice(["forest", "meadow", "wetland"], size=rows).astype(object),
        "comments": "",
        "class": [CLASSES[k] for k in y],
    })
    for col in ("length_mm", "width_mm", "mass_g"):
        frame.loc[rng.random(rows) < na_share, col] = "NA"
    frame.loc[rng.random(rows) < question_share, "depth_mm"] = "?"
    frame.loc[rng.random(rows) < 2 * na_share, "habitat"] = ""
    has_comment = rng.random(rows) < comment_share
    frame.loc[has_comment, "comments"] = rng.choice(SENTENCES, size=int(has_comment.sum()))
    if shuffle:
        frame = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        frame["row"] = np.arange(1, rows + 1)
    path = Path(path)
    frame.to_csv(path, index=False)
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--rows", type=int, default=360)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--shuffle", action="store_true", help="rows in random order (not by study)")
    a = p.parse_args()
    print(make_field_study(a.out, a.rows, a.seed, a.shuffle))


if __name__ == "__main__":
    main()
