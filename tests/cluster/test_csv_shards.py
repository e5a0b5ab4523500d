"""Each worker reads its share of a streamed CSV (issue 22): whole files when there are several,
else a range of rows; the shares cover every row once, and several files are the one file cut up."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import DataError
from nnstudio.core.training import streaming_csv as sc

ROLES = Roles("y", ["a", "b"], {})


def frame(n: int = 1000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    a = rng.normal(size=n).round(4)
    return pd.DataFrame({"a": a, "b": rng.choice(["u", "v", "w"], n), "y": (a > 0).astype(int)})


def rows_of(plan, shard) -> list[int]:
    out = []
    for first, chunk in sc.shard_chunks(plan, ["a", "b", "y"], shard):
        out.extend(range(first, first + len(chunk)))
        assert list(chunk.index - chunk.index[0]) == list(range(len(chunk)))  # contiguous rows
    return out


def test_row_ranges_share_one_file_without_overlap(tmp_path):
    f = frame()
    f.to_csv(tmp_path / "all.csv", index=False)
    plan = sc.fit_streaming(tmp_path / "all.csv", ROLES, chunk_rows=97)
    assert plan.n_rows == 1000
    shares = [rows_of(plan, (i, 3)) for i in range(3)]
    assert [len(s) for s in shares] == [333, 333, 334]
    assert sorted(r for s in shares for r in s) == list(range(1000))
    # each worker's rows are the file's rows at those numbers
    a = [float(x) for _, c in sc.shard_chunks(plan, ["a", "b", "y"], (1, 3)) for x in c["a"]]
    assert a == f["a"].iloc[333:666].tolist()


def test_several_files_are_the_one_file_cut_up_and_go_whole_to_workers(tmp_path):
    f = frame()
    f.to_csv(tmp_path / "all.csv", index=False)
    cuts = [0, 300, 550, 1000]
    parts = []
    for i in range(3):
        p = tmp_path / f"part-{i}.csv"
        f.iloc[cuts[i]:cuts[i + 1]].to_csv(p, index=False)
        parts.append(p)
    one = sc.fit_streaming(tmp_path / "all.csv", ROLES, chunk_rows=97)
    many = sc.fit_streaming(parts, ROLES, chunk_rows=97)
    # rows numbered across the files: the same split, the same statistics
    assert many.rows == one.rows and many.n_rows == 1000
    assert many.preprocessor.to_dict() == one.preprocessor.to_dict()
    assert [start for _, start in many.files] == cuts[:3]
    assert rows_of(many, (0, 2)) == [*range(0, 300), *range(550, 1000)]  # files 0 and 2
    assert rows_of(many, (1, 2)) == list(range(300, 550))
    for w in range(2):  # the training rows a worker encodes are its files' training rows
        X = np.concatenate([x for x, _ in sc.encoded_chunks(many, "train", shard=(w, 2))])
        codes = sc.split_of_rows(0, 1000, many.split)
        mine = np.zeros(1000, bool)
        mine[rows_of(many, (w, 2))] = True
        assert len(X) == int(((codes == 0) & mine).sum())
    with pytest.raises(DataError, match="3 files cannot be shared by 4 workers"):
        rows_of(many, (0, 4))


def test_files_of_other_columns_are_refused(tmp_path):
    frame().to_csv(tmp_path / "a.csv", index=False)
    frame().rename(columns={"b": "c"}).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(DataError, match="does not have the columns of a.csv"):
        sc.fit_streaming([tmp_path / "a.csv", tmp_path / "b.csv"], ROLES)
