"""Training on a CSV larger than memory: the streamed fit equals the in-memory preprocessing on the
same training rows, the file is only ever held one chunk at a time, and the CLI trains with it."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.preprocess import FittedPreprocessor, PreprocessConfig, SplitConfig
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.training import streaming_csv as sc
from nnstudio.core.training import streaming_read
from nnstudio.core.training.settings import TrainSettings


def table(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = pd.DataFrame({
        "num": rng.normal(10, 3, n).round(3),
        "flag": rng.integers(0, 2, n),  # a 0/1 number column: used as it is
        "colour": rng.choice(["red", "green", "blue"], n),
        "sex": rng.choice(["F", "M"], n),
        "code": rng.integers(0, 5, n),  # numbers, treated as categories by the config below
        "big": rng.normal(1e6, 5e4, n),
    })
    f.loc[rng.random(n) < 0.05, "num"] = np.nan
    f.loc[rng.random(n) < 0.04, "colour"] = np.nan
    f.loc[rng.random(n) < 0.03, "big"] = np.nan
    f["label"] = np.where((f["num"].fillna(10) > 10) ^ (f["colour"] == "red"), "yes", "no")
    return f


CONFIG = PreprocessConfig(missing="mean", per_column={
    "colour": {"missing": "most_frequent"}, "big": {"missing": "drop", "numeric": "minmax"},
    "code": {"kind": "category", "categorical": "ordinal"},
    "sex": {"missing": "constant", "fill_value": "unknown"}})
SPLIT = SplitConfig(test=0.2, val=0.25, seed=9)
FEATURES = ["num", "flag", "colour", "sex", "code", "big"]


def assert_same_preprocessor(a: FittedPreprocessor, b: FittedPreprocessor) -> None:
    da, db = a.to_dict(), b.to_dict()
    assert da["task"] == db["task"] and da["classes"] == db["classes"]
    for ca, cb in zip(da["columns"], db["columns"], strict=True):
        for key in ca:
            va, vb = ca[key], cb[key]
            if isinstance(va, float):
                assert math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-9), (ca["name"], key, va, vb)
            elif isinstance(va, dict):
                for k in va:
                    assert math.isclose(va[k], vb[k], rel_tol=1e-9, abs_tol=1e-9), (ca["name"], k)
            else:
                assert va == vb, (ca["name"], key, va, vb)


def test_streamed_fit_equals_the_in_memory_fit(tmp_path):
    frame = table()
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    roles = Roles("label", FEATURES, {})
    plan = sc.fit_streaming(path, roles, config=CONFIG, split=SPLIT, chunk_rows=257)
    # the same rows in memory: the streaming split, then rows with a missing 'drop' column go
    read = pd.read_csv(path)
    codes = sc.split_of_rows(0, len(read), SPLIT)
    train = read[codes == 0]
    n_missing = {c: int(train[c].isna().sum()) for c in FEATURES}
    train = train[train["big"].notna()]
    pre = FittedPreprocessor.fit(train, FEATURES, "label", Task.BINARY, ["no", "yes"], CONFIG)
    for t in pre.columns:
        t.n_missing = n_missing[t.name]
    assert_same_preprocessor(plan.preprocessor, pre)
    assert plan.task is Task.BINARY and plan.preprocessor.classes == ["no", "yes"]
    assert plan.rows["train"] == len(train)
    kinds = {c.name: c.kind for c in plan.preprocessor.columns}
    assert kinds == {"num": "numeric", "flag": "binary", "colour": "categorical", "sex": "categorical",
                     "code": "categorical", "big": "numeric"}
    # encoding a chunk equals encoding those rows in memory
    X, y = next(sc.encoded_chunks(plan, "train"))
    first = read.iloc[:257]
    first = first[(sc.split_of_rows(0, 257, SPLIT) == 0) & first["big"].notna().to_numpy()]
    np.testing.assert_allclose(X, pre.transform(first, strict=False), rtol=1e-6)
    np.testing.assert_array_equal(y, pre.encode_target(first["label"]))


def test_the_split_does_not_depend_on_the_chunk_size(tmp_path):
    frame = table(1500, seed=2)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    roles = Roles("label", FEATURES, {})
    a = sc.fit_streaming(path, roles, config=CONFIG, split=SPLIT, chunk_rows=100)
    b = sc.fit_streaming(path, roles, config=CONFIG, split=SPLIT, chunk_rows=1000)
    assert a.rows == b.rows
    assert_same_preprocessor(a.preprocessor, b.preprocessor)
    codes = sc.split_of_rows(0, 100_000, SPLIT)
    fractions = np.bincount(codes, minlength=3) / len(codes)
    np.testing.assert_allclose(fractions, SPLIT.fractions(), atol=0.01)
    np.testing.assert_array_equal(sc.split_of_rows(500, 10, SPLIT), codes[500:510])


def test_the_file_is_read_one_chunk_at_a_time(tmp_path, monkeypatch):
    frame = table(2000, seed=3)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    largest = []
    real = pd.read_csv

    def spy(*args, **kw):
        assert kw.get("chunksize"), "the CSV must be read in chunks"
        reader = real(*args, **kw)

        class Spy:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                reader.close()

            def __iter__(self):
                for chunk in reader:
                    largest.append(len(chunk))
                    yield chunk
        return Spy()

    monkeypatch.setattr(streaming_read.pd, "read_csv", spy)  # where the chunks are read
    plan = sc.fit_streaming(path, Roles("label", FEATURES, {}), config=CONFIG, split=SPLIT,
                            chunk_rows=300)
    n = sum(len(X) for X, _ in sc.encoded_chunks(plan, "val"))
    assert n > 0 and max(largest) <= 300 and sum(largest) >= 2 * len(frame)


def test_streaming_limits_are_refused_with_reasons(tmp_path):
    frame = table(400)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    roles = Roles("label", FEATURES, {})
    with pytest.raises(DataError, match="median"):
        sc.fit_streaming(path, roles, config=PreprocessConfig(missing="median"))
    mixed = pd.DataFrame({"a": list(range(300)) + ["n/a?"] * 10 + list(range(290)),
                          "t": [0, 1] * 300})
    mixed.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(DataError, match="'a'"):
        sc.fit_streaming(tmp_path / "m.csv", Roles("t", ["a"], {}), chunk_rows=100)
    # said as a person writes it (was "only one value (np.int64(1))", "1 infinite values")
    pd.DataFrame({"a": np.arange(300.0), "t": [1] * 300}).to_csv(tmp_path / "one.csv", index=False)
    with pytest.raises(DataError, match=r"only one value \(1\), so there is nothing"):
        sc.fit_streaming(tmp_path / "one.csv", Roles("t", ["a"], {}), chunk_rows=100)
    inf = pd.DataFrame({"a": [1.0, np.inf] + [2.0] * 298, "t": [0, 1] * 150})
    inf.to_csv(tmp_path / "inf.csv", index=False)
    with pytest.raises(DataError, match=r"'a' has 1 infinite value \(inf\), which"):
        sc.fit_streaming(tmp_path / "inf.csv", Roles("t", ["a"], {}), chunk_rows=100)


def test_train_streaming_learns(tmp_path, tf_loaded):
    frame = table(2500, seed=5)
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    plan = sc.fit_streaming(path, Roles("label", FEATURES, {}), config=CONFIG, split=SPLIT,
                            chunk_rows=500)
    seen = []
    r = sc.train_streaming(plan, NetworkSpec([LayerSpec.dense(16, "relu")]),
                           TrainSettings(epochs=4, batch_size=32, learning_rate=0.01, seed=1),
                           on_progress=seen.append)
    assert r.path == "csv-stream" and r.epochs_run == 4 and r.status == "completed"
    assert r.history["loss"][-1] < r.history["loss"][0]
    assert r.test["accuracy"] > 0.8  # an easy rule: XOR of two columns the net sees directly
    assert seen and seen[-1].epoch == 4


def test_cli_streams_a_csv_and_saves_a_project(tmp_path, tf_loaded, capsys, monkeypatch):
    from nnstudio.cli import main

    frame = table(1200, seed=6)
    frame.to_csv(tmp_path / "data.csv", index=False)
    monkeypatch.chdir(tmp_path)
    code = main(["train", "data.csv", "--target", "label", "--stream", "--chunk-rows", "200",
                 "--epochs", "2", "--json", "--save", "streamed"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    out = json.loads(captured.out)
    assert out["path"] == "csv-stream" and out["epochs_run"] == 2
    r = out["rows"]  # the same keys as in memory (issue 14)
    assert 0 < r["train"] and r["train"] + r["validation"] + r["test"] + r["dropped"] == 1200
    assert r["dropped_reasons"] == {"missing_target_or_values": r["dropped"]}
    assert out["baseline"]["split"] == "test" and "verdict" in out["baseline"]
    assert 0 <= out["test_accuracy"] <= 1
    from nnstudio.core import project_file

    t = project_file.load_trained(tmp_path / "streamed.nnstudio")
    assert t.preprocessor.target == "label" and t.summary["path"] == "csv-stream"
    assert t.model.input_shape[-1] == t.preprocessor.n_outputs
    opened = project_file.open_project(tmp_path / "streamed.nnstudio")  # what the app does
    assert opened.result is None and "streaming" in opened.warnings[0]


def test_cli_streaming_prints_the_verdict_once(tmp_path, tf_loaded, capsys, monkeypatch):
    from nnstudio.cli import main

    frame = table(600, seed=7)
    frame["label"] = np.random.default_rng(0).integers(0, 2, len(frame))  # noise: no better than guessing
    frame.to_csv(tmp_path / "data.csv", index=False)
    monkeypatch.chdir(tmp_path)
    code = main(["train", "data.csv", "--target", "label", "--stream", "--epochs", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    verdicts = [line for line in captured.out.splitlines() if "than guessing" in line]
    assert len(verdicts) == 1, captured.out


def test_a_streamed_fit_records_whole_number_columns(tmp_path):
    """A year built of 1974 is held at 1974, not 1974.5, and its slider moves in whole numbers:
    the in-memory fit records whether every training value is whole; a streamed fit did not."""
    from nnstudio.core.training.streaming_csv import fit_streaming

    rng = np.random.default_rng(1)
    year = rng.integers(1950, 2020, 300).astype(float)
    year[5] = np.nan  # a missing value makes the column decimals: still whole numbers
    pd.DataFrame({"year": year, "area": rng.normal(80, 20, 300),
                  "price": rng.normal(size=300)}).to_csv(tmp_path / "houses.csv", index=False)
    plan = fit_streaming(tmp_path / "houses.csv", target="price", chunk_rows=64)
    stats = {c.name: c.stats for c in plan.preprocessor.columns}
    assert stats["year"]["whole"] is True and stats["area"]["whole"] is False


def test_cli_streaming_says_what_it_learned_from_and_what_it_left_out(tmp_path, tf_loaded, capsys,
                                                                       monkeypatch):
    """A streamed run left a column of dates out without a word (the in-memory run names every
    column it leaves out, and why). Dates stay as they are when streaming: the reason says so,
    not to open the file with a switch that streaming does not have."""
    from nnstudio.cli import main

    frame = table(600, seed=8)
    frame.insert(0, "day", pd.date_range("2020-01-01", periods=len(frame)).strftime("%d.%m.%Y"))
    frame.to_csv(tmp_path / "data.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "data.csv", "--target", "label", "--stream", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    features = [c for c in frame.columns if c not in ("day", "label")]
    assert f"features: {', '.join(features)} (" in out
    left = next(line for line in out.splitlines() if line.startswith("left out: "))
    assert "day (dates or times: not used as they are; a streamed fit reads dates as they are" in left
    assert "open the file" not in left
    assert main(["train", "data.csv", "--target", "label", "--stream", "--epochs", "1", "--json",
                 "--features", features[0]]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["features"] == [features[0]] and out["n_inputs"] >= 1
    assert out["left_out"] == {c: "not chosen" for c in frame.columns if c not in (features[0], "label")}
