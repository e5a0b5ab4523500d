"""Preprocessing: fitted on the training split only, every choice honoured, JSON round trip."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import Dataset, FittedPreprocessor, PreprocessConfig, Roles, SplitConfig, prepare
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task


def _table(n=400, seed=1):
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, n).round(1)
    age[rng.choice(n, 20, replace=False)] = np.nan
    return pd.DataFrame({
        "age": age,
        "income": rng.lognormal(10, 0.5, n).round(2),
        "city": rng.choice(["Paris", "Lyon", "Nice"], n, p=[0.5, 0.3, 0.2]),
        "gender": rng.choice(["Male", "Female"], n),
        "member": rng.integers(0, 2, n),
        "y": rng.choice(["no", "yes"], n, p=[0.7, 0.3]),
    })


def _prep(frame, config=None, split=None, task=None, features=None):
    feats = features or [c for c in frame.columns if c != "y"]
    return prepare(Dataset(frame, "t"), Roles("y", feats), config or PreprocessConfig(),
                   split or SplitConfig(test=0.2, val=0.25, seed=3), task)


def test_statistics_come_from_the_training_split_only():
    frame = _table()
    d = _prep(frame, PreprocessConfig(missing="median"))
    pre = d.preprocessor
    age = next(c for c in pre.columns if c.name == "age")
    train_age = d.raw_train["age"].dropna()
    assert age.center == pytest.approx(train_age.mean())
    assert age.scale == pytest.approx(train_age.std(ddof=0))
    assert age.center != pytest.approx(frame["age"].mean(), abs=1e-9)  # not the whole table's mean
    assert age.impute_value == pytest.approx(train_age.median())
    assert age.n_fit == len(train_age) and age.n_missing == d.raw_train["age"].isna().sum()
    # the encoded training column has mean 0 and sd 1; the test column does not exactly
    j = pre.output_names.index("age")
    assert abs(d.X_train[:, j][~d.raw_train["age"].isna().to_numpy()].mean()) < 1e-5
    assert len(d.X_train) + len(d.X_val) + len(d.X_test) == len(frame)
    assert (len(d.X_train), len(d.X_val), len(d.X_test)) == (240, 80, 80)


def test_encodings_in_plain_words():
    d = _prep(_table(), PreprocessConfig(missing="mean"))
    lines = d.describe()
    text = "\n".join(lines)
    assert lines[0].startswith("240 training, 80 validation, 80 test rows")
    assert "gender: two values, Female → 0, Male → 1, fitted on 240 rows" in text
    assert "city: one-hot, 3 columns (Lyon, Nice, Paris), fitted on 240 rows" in text
    assert "member: already 0/1, used as is" in text
    age_line = next(ln for ln in lines if ln.startswith("age:"))
    assert age_line.startswith("age: standardized, mean ") and "fitted on" in age_line
    assert "missing values filled with the mean" in age_line
    assert "y (target, binary classification): no → 0, yes → 1" in text
    pre = d.preprocessor
    assert pre.output_names == ["age", "income", "city=Lyon", "city=Nice", "city=Paris", "gender", "member"]
    assert d.X_train.shape == (240, 7)
    onehot = d.X_train[:, 2:5]
    assert np.all(onehot.sum(axis=1) == 1)


def test_every_choice_is_honoured():
    frame = _table()
    cfg = PreprocessConfig(numeric="minmax", categorical="ordinal", missing="drop",
                           per_column={"income": {"numeric": "none"}, "member": {"kind": "category"},
                                       "age": {"missing": "constant", "fill_value": -1}})
    d = _prep(frame, cfg)
    pre = d.preprocessor
    age = next(c for c in pre.columns if c.name == "age")
    assert age.scaling == "minmax" and age.impute_value == -1.0
    present = d.raw_train["age"].notna().to_numpy()
    assert d.X_train[present, 0].min() == pytest.approx(0) and d.X_train[present, 0].max() == pytest.approx(1)
    lo, hi = age.stats["min"], age.stats["max"]
    np.testing.assert_allclose(d.X_train[~present, 0], (-1 - lo) / (hi - lo), rtol=1e-5)
    assert "income: used as is (no scaling)" in pre.describe()
    inc = pre.output_names.index("income")
    np.testing.assert_allclose(d.X_train[:, inc], d.raw_train["income"], rtol=1e-6)
    city = next(c for c in pre.columns if c.name == "city")
    assert city.encoding == "ordinal" and set(d.X_train[:, pre.output_names.index("city")]) == {0, 1, 2}
    member = next(c for c in pre.columns if c.name == "member")
    assert member.kind == "binary" and member.categories == [0, 1]


def test_dropping_rows_with_missing_values_is_counted():
    frame = _table()
    d = _prep(frame, PreprocessConfig(missing="drop"))
    assert d.dropped_missing == 20 and d.dropped_rows == 20
    assert not d.raw_train["age"].isna().any()
    assert any("20 rows with a missing value were dropped" in s for s in d.describe())
    frame.loc[:9, "y"] = None
    d2 = _prep(frame, PreprocessConfig(missing="median"))
    assert d2.dropped_missing_target == 10
    assert any("10 rows without a target value were left out." in s for s in d2.describe())
    # one row is one row ("1 rows without a target value were left out")
    frame.loc[1:9, "y"] = frame.loc[10:18, "y"].to_numpy()
    d3 = _prep(frame, PreprocessConfig(missing="median"))
    assert d3.dropped_missing_target == 1
    assert "1 row without a target value was left out." in d3.describe()


@pytest.mark.parametrize(("split", "fold"), [
    (SplitConfig(test=0.2, val=0.25, seed=3), None), (SplitConfig(test=0.2, val=0.25, seed=3), (1, 4)),
    (SplitConfig(order="last"), None),  # (a forecast's rows are not cross-validated: refused)
    (SplitConfig(order="group", group="household"), None), (SplitConfig(order="group", group="household"), (2, 4))])
def test_each_splits_rows_are_known_by_their_place_in_the_table(split, fold):
    """A misclassified test row could not be found in the file: the predictions table numbered
    the rows 1..n of the split. Each split's rows keep their place in the table, through the rows
    left out for a missing target, a missing value and a category unseen in training."""
    frame = _table(300)
    frame["place"] = np.arange(len(frame))
    frame["household"] = np.arange(len(frame)) // 6
    frame.loc[[5, 77, 150], "y"] = None  # no target
    frame.loc[frame.index[-2], "city"] = "Atlantis"  # a category of its own
    d = prepare(Dataset(frame, "t"), Roles("y", ["age", "income", "city", "gender"]),
                PreprocessConfig(missing="drop"), split, fold=fold)
    assert d.dropped_missing_target == 3 and d.dropped_missing > 0
    for k in ("train", "val", "test"):
        raw = getattr(d, f"raw_{k}")
        assert d.positions[k].tolist() == raw["place"].tolist()
        assert len(d.positions[k]) == len(getattr(d, f"X_{k}"))
    seen = np.concatenate(list(d.positions.values()))
    assert len(set(seen.tolist())) == len(seen) and not {5, 77, 150} & set(seen.tolist())


def test_categories_unseen_in_training_are_left_out_of_validation_and_test():
    frame = _table(300)
    frame.loc[frame.index[-1], "city"] = "Atlantis"  # one row with a category of its own
    dropped = []
    for seed in range(10):
        d = _prep(frame, PreprocessConfig(missing="median"), SplitConfig(test=0.2, val=0.25, seed=seed))
        city = next(c for c in d.preprocessor.columns if c.name == "city")
        known = "Atlantis" in city.categories
        assert known == bool((d.raw_train["city"] == "Atlantis").any())
        assert d.dropped_unseen == (0 if known else 1)
        assert not (d.raw_test["city"] == "Atlantis").any() or known
        dropped.append(d.dropped_unseen)
    assert 0 < sum(dropped) < 10  # the seeds put it in training for some and outside for others


def test_stratified_split_keeps_class_shares_and_is_reproducible():
    frame = _table(1000)
    a = _prep(frame, PreprocessConfig(missing="median"), SplitConfig(test=0.2, val=0.2, seed=5))
    b = _prep(frame, PreprocessConfig(missing="median"), SplitConfig(test=0.2, val=0.2, seed=5))
    np.testing.assert_array_equal(a.y_test, b.y_test)
    share = (frame["y"] == "yes").mean()
    for y in (a.y_train, a.y_val, a.y_test):
        assert abs(y.mean() - share) < 0.01
    c = _prep(frame, PreprocessConfig(missing="median"), SplitConfig(test=0.2, val=0.2, seed=6))
    assert not a.raw_test.equals(c.raw_test)


def test_task_override():
    frame = pd.DataFrame({"x": np.arange(60.0), "rating": [1, 2, 3, 4, 5] * 12})
    ds = Dataset(frame, "r")
    roles = Roles("rating", ["x"])
    assert prepare(ds, roles).task is Task.MULTICLASS
    d = prepare(ds, roles, task=Task.REGRESSION)
    assert d.task is Task.REGRESSION and d.y_train.dtype == np.float32
    with pytest.raises(DataError, match="not a binary"):
        prepare(ds, roles, task=Task.BINARY)
    text = pd.DataFrame({"x": np.arange(6.0), "c": list("abcabc")})
    with pytest.raises(DataError, match="text, so it cannot be predicted as a number"):
        prepare(Dataset(text, "t"), Roles("c", ["x"]), task=Task.REGRESSION)
    many = pd.DataFrame({"x": np.arange(300.0), "v": np.arange(300.0) * 1.5})
    with pytest.raises(DataError, match="too many classes"):
        prepare(Dataset(many, "m"), Roles("v", ["x"]), task=Task.MULTICLASS)


@pytest.mark.parametrize("column, values, words", [
    ("a", ["1", "2", "?", "4", "5", "6"],
     ["Column 'a' holds numbers", "'?' (row 3)", "--na-values", "ignore the column"]),
    ("a", [1.0, np.inf, 3.0, 4.0, 5.0, 6.0], ["Column 'a' has 1 infinite value (inf)", "--na-values inf"]),
    ("a", [np.nan] * 6, ["Column 'a' is empty"]),
])
def test_features_that_cannot_be_used_are_refused(column, values, words):
    frame = pd.DataFrame({column: values, "b": np.arange(6.0), "y": [0, 1] * 3})
    with pytest.raises(DataError) as e:
        prepare(Dataset(frame, "bad"), Roles("y", ["a", "b"]))
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_roles_are_checked():
    frame = _table()
    ds = Dataset(frame, "t")
    with pytest.raises(DataError, match="No feature columns"):
        prepare(ds, Roles("y", []))
    with pytest.raises(DataError, match="both the target and a feature"):
        prepare(ds, Roles("y", ["age", "y"]))
    with pytest.raises(DataError, match="not in the data: nope"):
        prepare(ds, Roles("y", ["age", "nope"]))
    with pytest.raises(DataError, match="test fraction"):
        prepare(ds, Roles("y", ["age"]), split=SplitConfig(test=0.95))


def test_fitted_preprocessor_round_trips_through_json_and_encodes_new_rows():
    d = _prep(_table(), PreprocessConfig(missing="median"))
    pre = d.preprocessor
    again = FittedPreprocessor.from_dict(json.loads(json.dumps(pre.to_dict())))
    np.testing.assert_array_equal(again.transform(d.raw_test), d.X_test)
    assert again.describe() == pre.describe() and again.classes == ["no", "yes"]
    row = pd.DataFrame([{"age": 50, "income": 30000, "city": "Lyon", "gender": "Female", "member": 1}])
    x = again.transform(row)
    assert x.shape == (1, 7) and np.isfinite(x).all()
    with pytest.raises(DataError, match="'Rome' is not a value of 'city' seen in training"):
        again.transform(row.assign(city="Rome"))
    with pytest.raises(DataError, match="'income' must be a number, not 'lots'"):
        again.transform(row.assign(income="lots"))
    with pytest.raises(DataError, match="Missing input column"):
        again.transform(row.drop(columns="city"))
    assert np.isnan(again.transform(row.assign(city="Rome"), strict=False)).sum() == 0  # one-hot: zeros
    assert again.decode_target(np.array([1, 0])) == ["yes", "no"]


def test_preprocess_config_json_and_per_column_overrides():
    cfg = PreprocessConfig()
    cfg.set_for_column("age", "numeric", "minmax")
    cfg.set_for_column("age", "missing", "auto")  # the default: no override kept
    assert cfg.per_column == {"age": {"numeric": "minmax"}}
    cfg.set_for_column("age", "numeric", "standardize")
    assert cfg.per_column == {}
    cfg.per_column["x"] = {"numeric": "cubic"}
    with pytest.raises(DataError, match="Unknown numeric choice 'cubic' for column 'x'"):
        cfg.check()
    ok = PreprocessConfig(per_column={"a": {"kind": "category"}})
    assert PreprocessConfig.from_dict(json.loads(json.dumps(ok.to_dict()))) == ok
    with pytest.raises(DataError, match="Unknown preprocessing setting"):
        PreprocessConfig.from_dict({"scaling": "x"})
    assert SplitConfig(test=0.2, val=0.25).fractions() == pytest.approx((0.6, 0.2, 0.2))


def test_number_columns_encode_as_one_block_exactly_as_column_by_column(monkeypatch):
    """Plain number columns are encoded together (a wide file: one pass, not one per column):
    the same matrix, bit for bit, as column by column, with missing values filled or refused with
    the same message, engineered inputs reading the filled numbers, and the columns' order kept
    around the text columns (encoded column by column between the blocks)."""
    from nnstudio.core.data import fitted_preprocessor as fp

    frame = _table(600, seed=5)
    frame["visits"] = np.arange(600)  # whole numbers
    frame["score"] = np.linspace(-3, 3, 600).round(3)
    config = PreprocessConfig(missing="median", numeric="standardize",
                              per_column={"score": {"numeric": "minmax"}},
                              engineered=["age*income", "score^2"])
    d = _prep(frame, config)
    pre = d.preprocessor
    rows = pd.concat([d.raw_test, d.raw_val], ignore_index=True)
    rows.loc[3, "age"] = np.nan  # filled with the training median by both paths
    block = pre.transform(rows)
    monkeypatch.setattr(fp, "plain_number", lambda c, dtype: False)
    by_column = pre.transform(rows)
    np.testing.assert_array_equal(block, by_column)
    assert block.shape == (len(rows), len(pre.output_names))
    monkeypatch.undo()
    # a column whose missing values are dropped, not filled: the first such cell is named
    pre.columns[[c.name for c in pre.columns].index("income")].impute_value = None
    rows.loc[[7, 9], "income"] = np.nan
    messages = []
    for plain in (fp.plain_number, lambda c, dtype: False):
        monkeypatch.setattr(fp, "plain_number", plain)
        with pytest.raises(DataError) as err:
            pre.transform(rows)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "'income' is missing in row 8" in messages[0]
