"""Numbers written for people ($63,248, 13.6%, 1.234,50 €, (1,200)) are read as numbers, said so,
and can be kept as text; anything that is not such a number leaves its column as it was."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.csv import CsvOptions, preview, read_csv, read_csv_like
from nnstudio.core.data.csv_numbers import read_formatted_numbers
from nnstudio.core.errors import DataError
from nnstudio.core.project import Project


def money_file(tmp_path, n=300):
    rng = np.random.default_rng(3)
    income = rng.normal(50_000, 15_000, n)
    rate = rng.uniform(0, 30, n).round(1)
    age = rng.integers(18, 80, n).astype(object)
    age[250] = "?"  # below the preview's first 200 rows
    frame = pd.DataFrame({"income": [f"${v:,.0f}" for v in income], "rate": [f"{v}%" for v in rate],
                          "age": age, "left": np.where(income > 50_000, "yes", "no")})
    path = tmp_path / "money.csv"
    frame.to_csv(path, index=False)
    return path, income.round(0), rate


def test_money_and_percent_columns_are_read_as_numbers_and_said(tmp_path):
    path, income, rate = money_file(tmp_path)
    ds = read_csv(path)
    assert np.array_equal(ds.frame["income"].to_numpy(), income)
    assert np.allclose(ds.frame["rate"].to_numpy(), rate)  # 13.6% is 13.6
    assert ds.frame["age"].isna().sum() == 1  # the '?' still read as missing beside them
    assert set(ds.formatted_numbers) == {"income", "rate"}
    example = ds.formatted_numbers["income"]["example"]
    assert example.startswith("$") and "," in example
    value = float(example.strip("$").replace(",", ""))
    assert (f"income was read as numbers: '{example}' is {value:g} (the currency sign $ and "
            f"thousands separators dropped).") in ds.warnings
    ex = ds.formatted_numbers["rate"]["example"]
    assert f"rate was read as numbers: '{ex}' is {float(ex[:-1]):g} (percent signs dropped)." in ds.warnings
    # so the project uses them as inputs, where they were ignored as free text before
    assert {"income", "rate"} <= set(Project.from_dataset(ds, "left").roles.features)
    assert CsvOptions.from_dict(ds.csv_options).formatted_numbers is True


def test_they_can_be_kept_as_text(tmp_path):
    path, _, _ = money_file(tmp_path)
    ds = read_csv(path, CsvOptions(formatted_numbers=False))
    assert ds.frame["income"].iloc[0].startswith("$") and not ds.formatted_numbers
    assert not any("read as numbers" in w for w in ds.warnings)
    frame, fmt = preview(path, CsvOptions(formatted_numbers=False))
    assert not pd.api.types.is_numeric_dtype(frame["rate"])
    frame, fmt = preview(path)
    assert pd.api.types.is_numeric_dtype(frame["rate"])
    assert "numbers such as $1,234 or 12% kept as text" in CsvOptions(formatted_numbers=False).describe()
    with pytest.raises(DataError, match="formatted_numbers must be true or false"):
        CsvOptions.from_dict({"formatted_numbers": "yes"})


def test_decimal_comma_euros_accounting_negatives_and_markers():
    f = pd.DataFrame({"eu": ["1.234,50 €", "12,00 €", "(3,5) €", "?"],
                      "spaced": ["1 234,5", "12", "7 000", "3"]})
    found = read_formatted_numbers(f, ",")
    assert np.allclose(f["eu"].to_numpy(), [1234.5, 12.0, -3.5, np.nan], equal_nan=True)
    assert np.allclose(f["spaced"].to_numpy(), [1234.5, 12.0, 7000.0, 3.0])
    assert found["eu"]["markers"] == {"?": 1}
    assert found["eu"]["dropped"] == ["brackets around amounts (read as negative)",
                                      "the currency sign €", "thousands separators"]
    g = pd.DataFrame({"acct": ["(1,200)", "300", "1,000,000", "n/a"]})
    assert read_formatted_numbers(g, ".", markers=False) == {}  # 'n/a' is then a value: left as is
    assert read_formatted_numbers(g, ".")["acct"]["markers"] == {"n/a": 1}
    assert list(g["acct"].iloc[:3]) == [-1200.0, 300.0, 1_000_000.0]


@pytest.mark.parametrize("values", [
    ["12,5", "3,25", "1,234", "7"],  # decimal commas in a decimal-point file: not thousands
    ["$12", "$15", "about $20", "$9"],  # one value that is not a number (of too few to judge)
    ["(555) 123-4567", "(555) 765-4321", "(555) 000-1111", "(555) 222-3333"],  # phone numbers
    ["2019-01-01", "2019-01-02", "2019-01-03", "2019-01-04"],  # dates
    ["1,2,3", "4,5,6", "7,8,9", "1,1,1"],  # lists
])
def test_what_is_not_such_a_number_is_left_as_it_was(values):
    f = pd.DataFrame({"c": values})
    assert read_formatted_numbers(f, ".") == {} and list(f["c"]) == values


def test_the_report_says_how_the_data_was_read(tmp_path, tf_loaded):
    """A report is shared without the app: it carries the notes of the Data tab ('$' dropped,
    '?' read as missing), so nobody reads 'income' as a column the file held as numbers."""
    from nnstudio.core.model.build import build_model
    from nnstudio.core.report import ReportParts, build_report

    path, _, _ = money_file(tmp_path)
    p = Project.from_dataset(read_csv(path), "left")
    data = p.prepare()
    model = build_model(p.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    html = build_report(ReportParts(p, model, data.preprocessor, threshold=0.5), importance=False,
                        baselines=False)
    assert "How the data was read: income was read as numbers: &#x27;$" in html
    assert "1 &#x27;?&#x27; value in age was read as missing" in html


@pytest.mark.parametrize("amount", ["{:,.2f}", "{:,.2f} €"])
def test_grouped_numbers_with_a_decimal_comma_set_the_decimal_mark(tmp_path, amount):
    """A French export wrote revenue as "39 212,55" (a no-break space between thousands) and had no
    plain decimal to detect the comma by: the file was read with a decimal point, the revenue
    column stayed text and was left out as "unique to every row, like an identifier"."""
    rng = np.random.default_rng(2)
    values = rng.gamma(2, 20000, 60).round(2)
    text = [amount.format(v).replace(",", "\u00a0").replace(".", ",") for v in values]
    lines = ["region;revenue;staff"] + [f"{r};\"{t}\";{s}" for r, t, s in
                                        zip(rng.choice(["A", "B"], 60), text, rng.integers(1, 9, 60))]
    path = tmp_path / "fr.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    ds = read_csv(path)
    assert ds.csv_options["decimal"] == ","
    assert np.allclose(ds.frame["revenue"].to_numpy(), values)
    # the same grouped with dots ("1.234,50") and, in a decimal-point file, "1,234.50"
    path.write_text("\n".join(["a;b"] + [f"{v:,.2f};x".replace(",", "_").replace(".", ",")
                                         .replace("_", ".") for v in values]))
    assert read_csv(path).csv_options["decimal"] == ","
    path.write_text("\n".join(["a;b"] + [f"{v:,.2f};x" for v in values]))
    ds = read_csv(path)
    assert ds.csv_options["decimal"] == "." and np.allclose(ds.frame["a"].to_numpy(), values)


def test_a_few_values_that_are_no_such_number_are_named(tmp_path):
    """One value of a money column written otherwise ('about $20', or a totals row's amount with
    a decimal point among decimal commas) left the whole column text, and the app dropped it as
    "text unique to every row, like an identifier", naming neither the column's numbers nor the
    value at fault. Now it is numbers with stray text, as a plain number column with a '?' is:
    the stray values are named with their rows, and training on it says how to mend it."""
    path, income, _ = money_file(tmp_path)
    frame = pd.read_csv(path)
    frame.loc[[4, 8], "income"] = "about $20"
    frame.to_csv(path, index=False)
    ds = read_csv(path)
    assert "income" not in ds.formatted_numbers
    prof = ds.profile("income")
    assert prof.kind == "mixed" and prof.stray_text() == "'about $20' (rows 5, 9)"
    assert prof.min == pytest.approx(np.delete(income, [4, 8]).min())
    with pytest.raises(DataError, match=r"Column 'income' holds numbers, but 2 values are not "
                                        r"numbers: 'about \$20' \(rows 5, 9\)"):
        _with_features(ds, ["income", "rate"]).prepare()
    # read with that value as missing, the column is money again
    ds = read_csv(path, CsvOptions(na_values=["about $20"]))
    assert ds.frame["income"].isna().sum() == 2 and "income" in ds.formatted_numbers
    # one stray value is one value, not "1 values"
    frame.loc[8, "income"] = "$1,000"
    frame.to_csv(path, index=False)
    assert ds.profile("income").kind == "number"
    prof = read_csv(path).profile("income")
    assert prof.strays_said() == "1 value is not a number"
    with pytest.raises(DataError, match="holds numbers, but 1 value is not a number: 'about"):
        _with_features(read_csv(path), ["income"]).prepare()


def _with_features(ds, features):
    p = Project.from_dataset(ds, "left")
    p.roles = replace(p.roles, features=features)
    return p


def test_a_typographic_minus_is_a_minus(tmp_path):
    """Numbers copied from a web page or a word processor carry '−' (U+2212), not '-': a column of
    temperature changes became a category of 78 values, and rows were left out for "a category
    never seen in training"."""
    rng = np.random.default_rng(5)
    change = rng.normal(0, 3, 60).round(1)
    path = tmp_path / "web.csv"
    path.write_text("city;change\n" + "".join(
        f"c{i};{str(v).replace('-', chr(0x2212)).replace('.', ',')}\n" for i, v in enumerate(change)),
        encoding="utf-8")
    ds = read_csv(path)
    assert ds.csv_options["decimal"] == ","
    assert np.allclose(ds.frame["change"].to_numpy(), change)
    f = ds.formatted_numbers["change"]
    assert f["example"].startswith("\u2212") and f["value"] < 0
    assert f"change was read as numbers: '{f['example']}' is {f['value']:.15g} ('−' read as a " \
           f"minus sign)." in ds.warnings


def test_spreadsheet_errors_are_missing_numbers(tmp_path):
    """A column computed in Excel holds '#DIV/0!' where a row divided by zero: it was refused as
    stray text. Like '?', such an error says the number is missing."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 2, 60).round(2), rng.integers(0, 5, 60)
    ratio = [f"{x / y:.3f}" if y else "#DIV/0!" for x, y in zip(a, b)]
    ratio[1] = "#VALUE!"
    path = tmp_path / "sheet.csv"
    pd.DataFrame({"a": a, "ratio": ratio, "y": rng.choice(["u", "v"], 60)}).to_csv(path, index=False)
    ds = read_csv(path)
    assert ds.frame["ratio"].dtype.kind == "f"
    n = ratio.count("#DIV/0!")
    assert ds.frame["ratio"].isna().sum() == n + 1
    assert any(w.startswith(f"{n} '#DIV/0!' and 1 '#VALUE!' values in ratio were read as missing")
               for w in ds.warnings)


def test_swiss_thousands_apostrophes(tmp_path):
    """Swiss and Liechtenstein exports group thousands with an apostrophe ("1'234.50"): the column
    was left out as 'text unique to every row'. A name with an apostrophe stays text."""
    rng = np.random.default_rng(1)
    price = rng.uniform(500, 5000, 40).round(2)
    path = tmp_path / "swiss.csv"
    pd.DataFrame({"price": [f"{x:,.2f}".replace(",", "'") for x in price],
                  "name": rng.choice(["O'Brien", "D'Arcy", "Smith"], 40),
                  "y": rng.choice(["p", "q"], 40)}).to_csv(path, index=False)
    ds = read_csv(path)
    np.testing.assert_allclose(ds.frame["price"], price)
    assert ds.frame["name"].dtype.kind == "O"
    assert any("thousands separators" in w and "price" in w for w in ds.warnings)
    # with a decimal comma too ("1'234,50"), the mark is detected from them
    path.write_text("price;y\n" + "".join(f"{x:,.2f};p\n".replace(",", "'").replace(".", ",")
                                          for x in price), encoding="utf-8")
    again = read_csv(path)
    assert again.csv_options["decimal"] == "," and again.frame["price"].dtype.kind == "f"
    np.testing.assert_allclose(again.frame["price"], price)


def test_currency_codes_and_trailing_minus_signs(tmp_path):
    """Bank and ERP exports write 'USD 1,234.50' or '1.234,56 EUR', and SAP writes a negative
    amount with its minus last ('1.234,56-'): each column was dropped as 'text unique to every
    row'."""
    rng = np.random.default_rng(7)
    amount = rng.normal(500, 900, 60).round(2)
    path = tmp_path / "bank.csv"
    pd.DataFrame({"amount": [f"USD {x:,.2f}" for x in amount], "y": rng.choice(["p", "q"], 60)}
                 ).to_csv(path, index=False)
    ds = read_csv(path)
    np.testing.assert_allclose(ds.frame["amount"], amount)
    assert any(w.startswith("amount was read as numbers: 'USD ") and "the currency code USD" in w
               for w in ds.warnings)
    sap = [f"{abs(x):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + ("-" if x < 0 else "")
           + " EUR" for x in amount]
    path.write_text("amount;y\n" + "".join(f"{v};p\n" for v in sap), encoding="utf-8")
    ds = read_csv(path)
    np.testing.assert_allclose(ds.frame["amount"], amount)
    assert any("a trailing '-' read as a minus sign" in w for w in ds.warnings)
    # a code alone, or a range written '10-', is no number
    odd = pd.DataFrame({"v": ["USD", "EUR", "10-20", "5-"] * 5})
    assert read_formatted_numbers(odd) == {} and odd["v"].dtype.kind == "O"


def test_thousands_grouped_by_spaces_with_a_decimal_point():
    """'1 234.50' (ISO's grouping, Canadian French, some accounting exports): the decimal-mark
    detection counted it, the reader did not, and the column stayed text."""
    frame = pd.DataFrame({"amount": ["1 234.50", "12 500.00", "999.99", "3\u00a0100.25"] * 5})
    found = read_formatted_numbers(frame)
    assert frame["amount"].tolist()[:4] == [1234.5, 12500.0, 999.99, 3100.25]
    assert found["amount"]["dropped"] == ["thousands separators"]


def test_times_of_day_and_durations_are_minutes(tmp_path):
    """'14:30' (a departure time) and '1:05:32' (a call's length) were text unique to every row,
    dropped: they are numbers of minutes, said with an example."""
    rng = np.random.default_rng(2)
    minutes = rng.integers(0, 24 * 60, 60)
    seconds = rng.integers(30, 3 * 3600, 60)
    path = tmp_path / "trips.csv"
    pd.DataFrame({"departs": [f"{m // 60:02d}:{m % 60:02d}" for m in minutes],
                  "call": [f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" for s in seconds],
                  "late": rng.choice(["yes", "no"], 60)}).to_csv(path, index=False)
    ds = read_csv(path)
    np.testing.assert_allclose(ds.frame["departs"], minutes)
    np.testing.assert_allclose(ds.frame["call"], seconds / 60)
    first = f"{minutes[0] // 60:02d}:{minutes[0] % 60:02d}"
    assert f"departs was read as minutes: '{first}' is {minutes[0]} (hours:minutes)." in ds.warnings
    assert any(w.startswith("call was read as minutes: ") and "(hours:minutes:seconds)" in w
               for w in ds.warnings)
    # not every value a time (or a minute past 59): left as it is
    odd = pd.DataFrame({"t": ["14:30", "9:99", "soon", "10:00"] * 5})
    assert read_formatted_numbers(odd) == {} and odd["t"].dtype.kind == "O"


def test_race_times_below_an_hour_beside_ones_above_are_minutes_and_seconds(tmp_path):
    """A 10k's results: '59:58' beside '1:02:13'. Read as hours:minutes, 59:58 was 3598 minutes
    and 1:02:13 was 62.2: the fastest runners the slowest, silently. Beside hours:minutes:seconds
    (or written with tenths, '1:23.45'), two parts are minutes:seconds."""
    path = tmp_path / "10k.csv"
    pd.DataFrame({"time": ["59:58", "1:02:13", "58:01", "1:10:00", "55:30", "1:01:00"],
                  "finished": ["yes", "no", "yes", "no", "yes", "no"]}).to_csv(path, index=False)
    ds = read_csv(path)
    np.testing.assert_allclose(ds.frame["time"], [59 + 58 / 60, 62 + 13 / 60, 58 + 1 / 60, 70,
                                                  55.5, 61])
    assert ("time was read as minutes: '59:58' is 59.9667 (minutes:seconds; '1:02:13' is 62.2167, "
            "hours:minutes:seconds)." in ds.warnings)
    # the reading is kept with the file's options: a file scored later, every runner under an
    # hour, reads '59:58' as the training file did, not as 59 hours 58 minutes
    assert ds.csv_options["minutes_seconds"] == ["time"]
    pd.DataFrame({"time": ["59:58", "45:10", "52:00"], "finished": ["yes"] * 3}).to_csv(
        tmp_path / "later.csv", index=False)
    later = read_csv_like(tmp_path / "later.csv", ds.csv_options)
    np.testing.assert_allclose(later.frame["time"], [59 + 58 / 60, 45 + 10 / 60, 52])
    laps = pd.DataFrame({"lap": ["1:23.45", "1:25.10", "1:22.98", "1:24.00", "1:30.5"]})
    found = read_formatted_numbers(laps)
    np.testing.assert_allclose(laps["lap"], [1 + 23.45 / 60, 1 + 25.1 / 60, 1 + 22.98 / 60,
                                             1.4, 1 + 30.5 / 60])
    assert found["lap"]["clock"] == "minutes:seconds"
    # an hour first: the note still shows a short value by its reading, and the long one beside it
    first_long = pd.DataFrame({"t": ["1:02:13", "59:58", "58:01", "1:10:00", "55:30"]})
    found = read_formatted_numbers(first_long)
    assert (found["t"]["example"], found["t"]["value"]) == ("59:58", pytest.approx(59 + 58 / 60))


def test_numbers_written_with_one_unit_are_numbers_and_the_unit_is_said(tmp_path):
    """'92 kg', '181cm', '50 km/h', '3 GB' in every row: weight, height and speed were left out as
    'free text or names' and size became eight unordered categories. A column whose every value
    is a number with the same unit is numbers, and the note names the unit dropped. Units that
    differ within a column ('500 g' beside '1.2 kg') are not one scale: the column stays text, and
    a note says to write them in one unit; codes such as '12A', '7B' stay text."""
    rng = np.random.default_rng(0)
    n = 40
    weight, height = rng.integers(50, 100, n), rng.integers(150, 200, n)
    frame = pd.DataFrame({"weight": [f"{w} kg" for w in weight],
                          "height": [f"{h}cm" for h in height],
                          "speed": [f"{s:,.1f} km/h" for s in rng.uniform(900, 1500, n)],
                          "size": [f"{g} GB" for g in rng.integers(1, 9, n)],
                          "mass": [f"{v} {u}" for v, u in zip(rng.integers(1, 900, n),
                                                              rng.choice(["g", "kg"], n))],
                          "code": [f"{i}{'AB'[i % 2]}" for i in range(n)]})
    path = tmp_path / "units.csv"
    frame.to_csv(path, index=False)
    ds = read_csv(path)
    assert ds.frame["weight"].tolist() == weight.tolist()
    assert ds.frame["height"].tolist() == height.tolist()
    assert pd.api.types.is_float_dtype(ds.frame["speed"]) and ds.frame["speed"].min() >= 900
    assert pd.api.types.is_numeric_dtype(ds.frame["size"])
    assert f"weight was read as numbers: '{weight[0]} kg' is {weight[0]} (the unit kg dropped)." \
        in ds.warnings
    assert any(w.startswith("speed was read as numbers: ") and "(the unit km/h and thousands "
               "separators dropped)" in w for w in ds.warnings)
    assert not pd.api.types.is_numeric_dtype(ds.frame["mass"])
    assert not pd.api.types.is_numeric_dtype(ds.frame["code"])
    assert ("mass holds numbers in different units (g, kg): it was kept as text. Write them in one "
            "unit to use it as a number.") in ds.warnings
    # what follows a number without being a unit: days of a month, ordinals, exponents, codes
    for values in (["5 May", "6 May", "7 May", "8 May", "9 May"], ["1st", "2nd", "3rd", "4th", "5th"],
                   ["1.5e3", "2e3", "3e3", "4e3", "5e3"], ["12A", "13A", "14A", "15A", "16A"]):
        kept = pd.DataFrame({"c": values})
        assert read_formatted_numbers(kept) == {} and kept["c"].tolist() == values
