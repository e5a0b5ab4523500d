"""Column profiles, proposed roles (with reasons) and task inference."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.profile import fmt_number, profile_column
from nnstudio.core.data.roles import Roles, infer_roles, infer_task, propose_target
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "RowNumber": np.arange(1, n + 1),
        "CustomerId": rng.permutation(np.arange(15_000_000, 15_000_000 + n)),
        "Surname": [f"Name{i}" for i in rng.permutation(n)],
        "Age": rng.integers(18, 80, n),
        "City": rng.choice(["Paris", "Lyon", "Nice"], n),
        "Signup": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "Constant": 7,
        "Empty": np.nan,
        "Exited": rng.integers(0, 2, n),
    })


def test_roles_ignore_ids_text_dates_empty_and_constant_columns_with_reasons():
    roles = infer_roles(_frame(), "Exited")
    assert roles.target == "Exited"
    assert roles.features == ["Age", "City"]
    why = roles.ignored
    assert set(why) == {"RowNumber", "CustomerId", "Surname", "Signup", "Constant", "Empty"}
    assert "row number" in why["RowNumber"]
    assert "identifier" in why["CustomerId"]
    assert "text" in why["Surname"]
    assert "dates" in why["Signup"]
    assert "constant" in why["Constant"] and "(7)" in why["Constant"]
    assert "empty" in why["Empty"]
    assert roles.role_of("Age") == "feature" and roles.role_of("Surname") == "ignored"
    assert Roles.from_dict(roles.to_dict()) == roles


def test_a_measurement_whose_name_ends_like_an_id_is_a_feature():
    """A wine file's 'citric acid' (lab measurements, a different value in every row) was left out
    as "an identifier: unique for (almost) every row": 'acid' ends in 'id'. A number with a
    fractional part is a measurement, never an identifier; whole-number and text IDs still are."""
    rng = np.random.default_rng(2)
    n = 200
    frame = pd.DataFrame({"citric acid": rng.uniform(0, 1, n), "fluid": rng.normal(5, 1, n),
                          "CustomerId": rng.permutation(n) * 7 + 15_600_000,
                          "sample code": [f"S{i:05d}" for i in rng.permutation(n)],
                          "quality": rng.integers(3, 9, n)})
    roles = infer_roles(frame, "quality")
    assert "citric acid" in roles.features and "fluid" in roles.features
    assert roles.ignored["CustomerId"].startswith("an identifier")
    assert "sample code" in roles.ignored


def test_whole_number_amounts_whose_names_end_in_id_letters_are_features():
    """A loan file's 'amount_paid' (whole euros, nearly all different) was left out as "an
    identifier": 'paid' ends in 'id', as 'valid', 'turkey' and 'casino' end in 'id', 'key' and 'no'.
    A name is an identifier's when its last word is one ('customer_id', 'CustomerID', 'Kunden-Nr',
    'order no'); a single lower-case word when it ends in one after a word ('customerid')."""
    rng = np.random.default_rng(3)
    n = 300
    amounts = rng.permutation(np.arange(1_000, 1_000 + 20 * n, 20))
    frame = pd.DataFrame({
        "amount_paid": amounts, "AmountPaid": amounts + 3, "paid": amounts + 7, "valid": amounts + 9,
        "turkey": amounts + 11, "casino": amounts + 13, "platinum": amounts + 17,
        "label": rng.integers(0, 2, n)})
    ids = ("customer_id", "CustomerID", "Kunden-Nr", "order no", "customerid", "pid")
    for c in ids:  # sparse numbers, so that they are not taken for a counter 1..n
        frame[c] = rng.choice(np.arange(10_000, 99_999), n, replace=False)
    roles = infer_roles(frame, "label")
    assert {"amount_paid", "AmountPaid", "paid", "valid", "turkey", "casino", "platinum"} <= set(
        roles.features)
    for c in ids:
        assert roles.ignored[c].startswith("an identifier"), c


def test_proposed_target_prefers_usual_names_then_the_last_usable_column():
    f = _frame()
    assert propose_target(f) == "Exited"
    g = f.rename(columns={"Exited": "flag"})[["Age", "flag", "City", "Surname"]]
    assert propose_target(g) == "City"  # Surname (free text) is not a target
    assert infer_roles(g).target == "City"


def test_unknown_target_names_the_columns_and_near_misses():
    with pytest.raises(DataError) as e:
        infer_roles(_frame(), "exited")
    assert "There is no column named 'exited'" in str(e.value) and "Did you mean 'Exited'" in str(e.value)
    with pytest.raises(DataError, match="Choose one of: RowNumber, CustomerId"):
        infer_roles(_frame(), "nope")


def test_profiles_describe_columns():
    f = _frame()
    age = profile_column(f["Age"])
    assert age.kind == "number" and age.integer and age.missing == 0
    assert age.min == f["Age"].min() and age.max == f["Age"].max()
    assert sum(age.hist_counts) == len(f)
    city = profile_column(f["City"])
    assert city.kind == "category" and city.unique == 3 and sum(c for _, c in city.top) == len(f)
    assert "%" in city.values_text()
    empty = profile_column(f["Empty"])
    assert empty.kind == "empty" and empty.missing == len(f)
    mixed = profile_column(pd.Series(["1", "2", "3.5", "?", "12,5", None], name="m"))
    assert mixed.kind == "mixed" and mixed.stray_count == 2 and mixed.decimal_comma
    assert mixed.stray == [(3, "?"), (4, "12,5")]
    assert mixed.stray_text() == "'?' (row 4), '12,5' (row 5)"
    many = profile_column(pd.Series(["1", "?", "2", "?", "3", "-", "4"] * 3, name="q"))
    assert many.stray_text(limit=1) == "'?' (rows 2, 4, 9, 11 …) and 3 more"
    # more of one value than the rows kept to name (10): none 'more' than that value
    div = profile_column(pd.Series((["1.5", "#DIV/0!"] * 12), name="ratio"))
    assert div.stray_count == 12 and div.stray_text() == "'#DIV/0!' (rows 2, 4, 6, 8 …)"
    inf = profile_column(pd.Series([1.0, np.inf, 3.0, -np.inf], name="i"))
    assert inf.n_inf == 2 and inf.max == 3.0


def test_a_huge_value_is_profiled_without_a_numpy_warning():
    """A column holding 1e300 printed numpy's "overflow encountered in square" before the CLI's
    own message (the sd overflows; check_magnitude refuses the column with a reason)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = profile_column(pd.Series([1.0, 1e300, 3.0], name="b"))
    assert big.max == 1e300 and big.n_inf == 0


def test_fmt_number_is_how_people_write_numbers():
    assert [fmt_number(x) for x in (38.92, 10.47, 76485.9, 0.03125, 8000.0, 2.345)] == \
        ["38.9", "10.5", "76,486", "0.0312", "8,000", "2.35"]
    # a value near the largest float was written out in 309 digits and the Data tab scrolled
    assert [fmt_number(x) for x in (1e308, -1e308, 2.5e16, 123_456_789_012_345.0)] == \
        ["1e+308", "-1e+308", "2.5e+16", "123,456,789,012,345"]


def test_a_column_near_the_largest_float_has_a_finite_mean_and_sd():
    """±1e308 in turn: the mean and sd overflowed and the column read "mean nan, sd nan"."""
    import pandas as pd

    from nnstudio.core.data.profile import profile_column

    p = profile_column(pd.Series([1e308, -1e308] * 15, name="x1"))
    assert p.mean == pytest.approx(0.0, abs=1e292) and p.sd == pytest.approx(1e308, rel=1e-9)


@pytest.mark.parametrize("values, task, classes", [
    ([0, 1, 1, 0], Task.BINARY, [0, 1]),
    (["yes", "no", "no", "yes"], Task.BINARY, ["no", "yes"]),
    ([1, 2, 3, 4, 5, 3, 2] * 2, Task.MULTICLASS, [1, 2, 3, 4, 5]),  # whole-number ratings: classes
    ([1, 2, 3, 4, 5, 3, 2], Task.REGRESSION, []),  # ... unless too few rows per class
    (["a", "b", "c", "a", "b", "c"], Task.MULTICLASS, ["a", "b", "c"]),
    ([0.5, 1.7, 2.2, 3.9], Task.REGRESSION, []),
    (list(range(50)), Task.REGRESSION, []),  # many whole numbers: a number
])
def test_task_inference(values, task, classes):
    assert infer_task(pd.Series(values, name="t")) == (task, classes)


@pytest.mark.parametrize("values, words", [
    (["yes"] * 5, ["only one value ('yes')", "nothing to predict", "at least two"]),
    ([1] * 5, ["only one value (1)"]),  # said as a person writes it, not np.int64(1)
    ([None, None, None], ["no values", "every row is missing"]),
    ([f"c{i}" for i in range(150)] * 2, ["150 different values", "too many classes", "group the values"]),
    (["a", "b", "c", "d", "e", "f"], ["6 classes in only 6 rows", "fewer than two examples"]),
    (["1", "2", "x"] * 2 + ["3"], ["holds numbers", "not numbers", "'x'"]),
    ([1.0, np.inf, 2.0, 3.5], ["1 infinite value (inf)", "--na-values inf"]),
    ([1.0, np.inf, -np.inf, 3.5], ["2 infinite values (inf)"]),
])
def test_targets_that_cannot_work_are_refused_with_a_suggestion(values, words):
    with pytest.raises(DataError) as e:
        infer_task(pd.Series(values, name="t"))
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_a_mixed_columns_numbers_near_the_largest_float_have_a_finite_mean():
    """Found by the CSV fuzz test: '1e308', '1e308', ';' is a mixed column whose numbers' mean
    overflowed to inf (with a RuntimeWarning); the numeric columns' profile already scaled down."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        p = profile_column(pd.Series(["1e308", "1e308", ";"], name="a"))
    assert p.kind == "mixed" and p.mean == pytest.approx(1e308) and np.isfinite(p.mean)


def test_a_histogram_of_numbers_near_the_largest_float_has_finite_edges():
    """Found by the CSV fuzz test: -1e308 .. 8e307 overflowed numpy's bin arithmetic (warnings,
    and edges that are not numbers on the Data tab's chart)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for values in ([-1e308, -2.5, 7.976931348623158e307], [1e308, 0.0, 2.0, 1.0, 0.5]):
            p = profile_column(pd.Series(values, name="a"))
            assert np.isfinite(p.hist_edges).all() and sum(p.hist_counts) == len(values)
            assert p.hist_edges[0] <= min(values) and p.hist_edges[-1] >= max(values)


def test_whole_numbers_named_as_codes_are_proposed_as_categories():
    """A zip code is a number that names a place: standardized as an amount, 98103 is 'more'
    than 98004 and the network reads a trend that is not there. A whole-number column named as
    a code, with at most 100 values, is proposed as a category (the Data tab can set it back);
    one with more values, a measurement named so, or a plain count is left as it is."""
    from nnstudio.core.data import Dataset
    from nnstudio.core.data.roles import code_columns
    from nnstudio.core.project import Project

    rng = np.random.default_rng(0)
    n = 600
    frame = pd.DataFrame({
        "zipcode": rng.choice([98004, 98103, 98115, 98052, 98033], n),
        "Postal Code": rng.choice(np.arange(1000, 1040), n),
        "store_code": rng.integers(0, 300, n),  # too many values for categories
        "color code": rng.choice([0.5, 1.5, 2.5], n),  # not whole numbers
        "rooms": rng.integers(1, 7, n),
        "price": rng.normal(300, 50, n),
    })
    ds = Dataset(frame, "houses")
    assert code_columns(ds.frame, ["zipcode", "Postal Code", "store_code", "color code", "rooms"],
                        {c: ds.profile(c) for c in ds.columns}) == ["zipcode", "Postal Code"]
    p = Project.from_dataset(ds, target="price")
    assert p.preprocess.for_column("zipcode", "kind") == "category"
    assert p.preprocess.for_column("rooms", "kind") == "auto"
    data = p.prepare()
    # zipcode one-hot (5), Postal Code one-hot (40), store_code, color code and rooms as numbers
    assert data.n_inputs == 5 + 40 + 3


def test_a_streamed_file_takes_its_zip_codes_as_categories_too(tmp_path):
    """`nnstudio train big.csv --stream` proposes roles from the first rows: codes included, so
    the same file trains on the same inputs streamed or in memory."""
    from nnstudio.core.data.preprocess_config import PreprocessConfig
    from nnstudio.core.training.streaming_csv import fit_streaming

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"zip": rng.choice([10001, 10002, 10003], 400), "x": rng.normal(size=400),
                          "y": rng.normal(size=400)})
    frame.to_csv(tmp_path / "big.csv", index=False)
    plan = fit_streaming(tmp_path / "big.csv", target="y", chunk_rows=100)
    assert plan.n_inputs == 3 + 1  # zip one-hot, x
    assert plan.config.for_column("zip", "kind") == "category"  # what a saved project keeps
    chosen = PreprocessConfig(per_column={"zip": {"kind": "number"}})  # a kind chosen stays
    assert fit_streaming(tmp_path / "big.csv", target="y", config=chosen, chunk_rows=100).n_inputs == 2


def _tickets(n: int = 300, seed: int = 5) -> pd.DataFrame:
    """Titanic's way: a ticket column of whole numbers, a fifth of them with a prefix ('PC 17599',
    'A/5 21171'), nearly every value different."""
    rng = np.random.default_rng(seed)
    numbers = rng.choice(np.arange(1000, 400_000), n, replace=False)
    prefix = rng.choice(["PC ", "A/5 ", "STON/O2. ", "C.A. ", "W./C. "], n)
    ticket = [f"{p}{k}" if rng.random() < 0.2 else str(k) for p, k in zip(prefix, numbers)]
    return pd.DataFrame({"Ticket": ticket, "Fare": rng.lognormal(2.7, 1, n).round(2),
                         "Survived": rng.integers(0, 2, n)})


def test_codes_of_numbers_and_text_are_left_out_as_identifiers_not_refused():
    """A ticket column made the data unusable ('holds numbers, but 60 values are not numbers:
    mark them as missing'): its values are codes, most of them different."""
    frame = _tickets()
    roles = infer_roles(frame, "Survived")
    reason = roles.ignored["Ticket"]
    assert reason.startswith("codes of numbers and text (") and "like a ticket" in reason
    assert roles.features == ["Fare"]
    p = profile_column(frame["Ticket"])
    assert p.kind == "mixed" and p.integer and p.stray_unique > 20


@pytest.mark.parametrize("values", [
    [str(v) for v in range(100, 400)] + ["?"] * 10 + ["n/a"] * 5,  # numbers with markers: strays
    [str(v % 40 + 50) for v in range(300)] + [f"{v}kg" for v in range(50, 60)],  # few values, units
    [f"{v / 7:.2f}" for v in range(300)] + [f"x{v}" for v in range(10)],  # measurements, not whole
])
def test_numbers_with_a_few_stray_values_are_still_said_to_be_fixed(values):
    frame = pd.DataFrame({"x": values, "y": np.arange(len(values)) % 2})
    assert "x" in infer_roles(frame, "y").features  # left in: preparing it says what to fix


def _headerless(columns: dict) -> pd.DataFrame:
    """A frame named as the reader names a file without a header row."""
    return pd.DataFrame({f"column {i + 1}": v for i, v in enumerate(columns.values())})


def test_a_headerless_file_starting_with_an_id_and_a_two_value_class_proposes_the_class():
    # UCI's wdbc.data: ID number, diagnosis (M/B), then 30 measurements
    rng = np.random.default_rng(3)
    n = 300
    f = _headerless({"id": rng.permutation(np.arange(842_302, 842_302 + 97 * n, 97)),
                     "diagnosis": rng.choice(["M", "B"], n),
                     **{f"m{j}": rng.normal(10, 3, n) for j in range(5)}})
    roles = infer_roles(f)
    assert roles.target == "column 2"
    assert "column 1" not in roles.features
    reason = roles.ignored["column 1"]
    assert "identifier" in reason and "first column" in reason and str(f["column 1"].min()) in reason


def test_a_headerless_files_later_whole_numbers_that_all_differ_are_an_input():
    # adult's census weight (fnlwgt), third: on a few hundred rows each value is new, as an ID's
    rng = np.random.default_rng(6)
    n = 300
    f = _headerless({"age": rng.integers(17, 90, n), "work": rng.choice(["Private", "State-gov"], n),
                     "fnlwgt": rng.choice(np.arange(12_285, 1_490_400), n, replace=False),
                     "income": rng.choice(["<=50K", ">50K"], n)})
    roles = infer_roles(f)
    assert roles.target == "column 4" and "column 3" in roles.features


def test_a_headerless_file_keeps_its_last_column_when_that_holds_the_classes():
    rng = np.random.default_rng(4)
    n = 300
    # abalone: sex (3 values) first, rings last; ionosphere: 0/1 first, g/b last; spambase: 0/1 last
    abalone = _headerless({"sex": rng.choice(["M", "F", "I"], n), "len": rng.random(n),
                           "rings": rng.integers(1, 30, n)})
    assert propose_target(abalone) == "column 3"
    ionosphere = _headerless({"a": rng.integers(0, 2, n), "b": rng.random(n), "c": rng.choice(["g", "b"], n)})
    assert propose_target(ionosphere) == "column 3"
    # mushrooms: the class (e/p) first, a category of seven values last
    mushrooms = _headerless({"cls": rng.choice(["e", "p"], n), "cap": rng.choice(list("bcxfks"), n),
                             "habitat": rng.choice(list("glmpuwd"), n)})
    assert propose_target(mushrooms) == "column 1"


def test_named_columns_keep_the_last_usable_column_and_unique_whole_numbers():
    rng = np.random.default_rng(5)
    n = 300
    f = pd.DataFrame({"Smoker": rng.choice(["yes", "no"], n), "Income": rng.permutation(n) * 1000 + 20_000,
                      "Spend": rng.random(n)})
    roles = infer_roles(f)
    assert roles.target == "Spend"  # a named file: the last column, as before
    assert "Income" in roles.features  # whole numbers that differ, but named as a measurement
