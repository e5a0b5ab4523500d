"""Numbers that stand for a missing value (-999 among temperatures): found, said, read as missing
as the file read with them among its "Also missing" values would be (core/data/missing_codes.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from make_far import loans_frame, pima_like, sensor_frame  # tests/data (on the path: conftest.py)

from nnstudio.core.data import checks
from nnstudio.core.data.csv import CsvOptions, read_csv
from nnstudio.core.data.missing_codes import (
    codes_text,
    column_codes,
    far_text,
    find_codes,
    lone_minus_ones,
    lone_zeros,
    look,
    read_codes_as_missing,
    read_missing_in,
    zeros_text,
)
from nnstudio.core.project import Project


def test_a_code_of_nines_far_from_the_other_values_is_found_with_where_they_lie():
    df = sensor_frame()
    found = find_codes(df, ["temp_c", "humidity", "pressure", "failure"])
    assert [(c.column, c.code) for c in found] == [("temp_c", "-999"), ("humidity", "-999")]
    t = found[0]
    real = df["temp_c"][df["temp_c"] != -999]
    assert t.rows == int((df["temp_c"] == -999).sum()) and t.low == real.min() and t.high == real.max()
    assert t.below and t.squeeze == pytest.approx((real.max() - real.min()) / (real.max() + 999))


@pytest.mark.parametrize(("values", "codes"), [
    ([1950 + i % 70 for i in range(100)] + [9999] * 5, ["9999"]),  # a year not known
    ([1 + i % 5 for i in range(100)] + [99, 99], ["99"]),  # a survey's 'no answer'
    ([1 + i % 5 for i in range(100)] + [99, 99, -9999, -9999], ["-9999", "99"]),
    ([1 + i % 5 for i in range(100)] + [-9] * 4, ["-9"]),  # a survey's 'refused'
    ([i % 2 for i in range(100)] + [9] * 4, ["9"]),  # yes / no / not known
])
def test_codes_above_or_below_and_of_any_length_are_found(values, codes):
    assert [c.code for c in column_codes("x", pd.Series(values))] == codes


@pytest.mark.parametrize("values", [
    [10 + 8 * i for i in range(100)] + [999, 999],  # a price of 999 among prices up to 802
    [1 + i % 5 for i in range(100)] + [-999],  # one odd value is not a convention
    [1, 2, 3, 4, 5, -999, -999],  # too few values to say where they lie
    [1 + i % 5 for i in range(100)] + [-998, -998],  # not nines
    [1 + i % 5 for i in range(100)] + [-9.5, -9.5, 999.5, 999.5],  # not whole
    [5] * 50 + [-999] * 3,  # nothing beside it to be far from
    [i % 28 for i in range(40)] + [999] * 960,  # days since the last call: 999, never called
    [10_001 + i % 2 for i in range(30)] + [9999] * 3,  # near the others, for all they spread little
    [1 + i % 5 for i in range(100)] + [9, 9],  # 9 on a scale of 1 to 5: as near as the scale is wide
])
def test_real_values_are_not_called_codes(values):
    assert column_codes("x", pd.Series(values, dtype=float)) == []


def test_a_column_of_text_holds_no_number_codes():
    assert column_codes("x", pd.Series(["a", "b"] * 20 + ["-999"] * 3)) == []


def test_the_note_says_the_column_the_code_the_rows_and_what_to_do():
    found = find_codes(sensor_frame(), ["temp_c", "humidity"])
    text = codes_text(found)
    assert text.startswith(f"'temp_c' holds -999 in {found[0].rows} rows (")
    assert "far below its other values" in text and "'humidity' holds -999" in text
    assert f"into {found[0].squeeze:.0%} of the range" in text
    assert "Read -999 as missing, on the Data tab; --na-values -999 from the command line" in text
    assert codes_text([]) == ""


def test_read_as_missing_is_the_table_the_file_read_with_them_among_also_missing_gives(tmp_path):
    df = sensor_frame()
    df["site"] = np.where(np.arange(len(df)) % 7 == 0, "-999", "north")  # a text column: as written
    path = tmp_path / "sensor.csv"
    df.to_csv(path, index=False)
    ds = read_csv(path)
    read = read_codes_as_missing(ds, ["-999"])
    again = read_csv(path, CsvOptions(na_values=["-999"]))
    pd.testing.assert_frame_equal(read.frame, again.frame)
    assert read.csv_options == again.csv_options and read.csv_options["na_values"] == ["-999"]
    assert (ds.frame["temp_c"] == -999).any()  # the table read before is left as it was
    n = int((df["temp_c"] == -999).sum())
    assert f"Read as missing in temp_c, as you chose: -999 ({n} rows)." in " ".join(read.warnings)
    assert read.profile("temp_c").missing == n  # profiled afresh, not the table read before


def test_the_checks_find_codes_in_the_inputs_and_target_of_a_file_only(tmp_path):
    df = sensor_frame()
    path = tmp_path / "sensor.csv"
    df.to_csv(path, index=False)
    project = Project.from_dataset(read_csv(path), "failure")
    found = checks.check(project.prepare(), project)
    assert found.codes == ["-999"] and found.notes[0].startswith("'temp_c' holds -999")
    assert found.columns["temp_c"].startswith("-999 in ")
    project.roles.features = ["pressure", "humidity"]  # temp_c no input: not said
    found = checks.check(project.prepare(), project)
    assert "temp_c" not in found.columns and found.notes[0].startswith("'humidity' holds -999")
    read = Project.from_dataset(read_codes_as_missing(read_csv(path), ["-999"]), "failure")
    assert checks.check(read.prepare(), read).codes == []


def test_a_streamed_fit_says_so_of_its_first_chunk_and_reads_them_as_missing_when_told(tmp_path):
    from nnstudio.core.data.preprocess_config import PreprocessConfig
    from nnstudio.core.training.streaming_csv import fit_streaming

    path = tmp_path / "sensor.csv"
    sensor_frame().to_csv(path, index=False)
    mean = PreprocessConfig(missing="mean")  # (streaming fills with the mean, not the median)
    plan = fit_streaming(path, target="failure", config=mean, chunk_rows=250)
    said = [n for n in plan.notes if "holds -999" in n]
    assert len(said) == 1 and said[0].startswith("In the first 250 rows: 'temp_c' holds -999 in ")
    plan = fit_streaming(path, target="failure", config=mean, csv_options={"na_values": ["-999"]})
    assert not [n for n in plan.notes if "holds -999" in n]


def test_a_few_values_far_beyond_the_others_are_found_and_said_with_both_remedies():
    df = loans_frame()
    codes, far, _, notes = look(df, ["age", "income", "approved"])
    assert codes == [] and [(f.column, f.code, f.rows) for f in far] == [
        ("income", "1000000000", 1), ("income", "480000000", 1)]
    rest = df["income"][df["income"] < 1e7]
    assert far[0].low == rest.min() and far[0].high == rest.max() and not far[0].below
    assert notes == [far_text(far)]
    assert notes[0].startswith("'income' holds 2 values far above its others (1,000,000,000 and "
                               "480,000,000; the others ")
    share = (rest.max() - rest.min()) / (1e9 - rest.min())
    assert f"the others span {share:.2%} of the range" in notes[0]
    assert "--na-values 1000000000,480000000" in notes[0]
    assert "the input log(income), added on the Playground tab" in notes[0]


@pytest.mark.parametrize("values", [
    np.random.default_rng(1).normal(50, 10, 5000),
    np.random.default_rng(2).lognormal(0, 1, 100_000),  # a long tail, but no value apart from it
    np.random.default_rng(3).integers(0, 5, 5000),
    np.r_[np.random.default_rng(4).normal(size=150), 1e6],  # too few values to say
    np.r_[np.zeros(1790), [1, 2, 3, 4, 4, 2, 1]],  # a pixel lit in a few digits (its others are 0)
])
def test_ordinary_and_long_tailed_columns_hold_no_far_values(values):
    assert look(pd.DataFrame({"x": values}), ["x"])[:2] == ([], [])


def test_far_values_beside_a_code_are_said_apart_from_it():
    x = np.random.default_rng(5).normal(20, 5, 1000).round(2)
    x[:30], x[40] = -999, 250_000
    codes, far, _, notes = look(pd.DataFrame({"x": x}), ["x"])
    assert [c.code for c in codes] == ["-999"] and [f.code for f in far] == ["250000"]
    assert len(notes) == 2 and far[0].low > -100  # the code is not among 'the others'


def test_a_run_on_the_file_read_another_way_is_not_trained_on_it_and_its_diff_says_so(tmp_path):
    """A run before -999 was read as missing had the same file, preprocessing and split: its model
    was 'trained on' the project after, and opened with inputs scaled as it never saw them (the
    temperatures' mean -66 and sd 283 before, 20 and 5 after)."""
    from nnstudio.core.experiments.diff import data_changes
    from nnstudio.core.experiments.record import RunRecord, data_identity, new_id

    path = tmp_path / "sensor.csv"
    sensor_frame().to_csv(path, index=False)
    project = Project.from_dataset(read_csv(path), "failure")

    def run_of(p) -> RunRecord:
        return RunRecord(id=new_id(), spec=p.spec.to_dict(), settings=p.settings.to_dict(),
                         data=data_identity(p.dataset), preprocess=p.preprocess.to_dict(),
                         split=p.split.to_dict(), target=p.roles.target, features=list(p.roles.features),
                         history={}, final={}, epochs_run=1, seconds=0.1, params=1)
    before = run_of(project)
    assert before.trained_on(project) and before.data["read"]["na_values"] == []
    project.dataset = read_codes_as_missing(project.dataset, ["-999"])
    after = run_of(project)
    assert after.trained_on(project) and not before.trained_on(project)
    assert data_changes(before, after) == ["the file read another way (also missing: none -> '-999')"]
    del before.data["read"]  # recorded before runs kept how the file was read: the rest decides
    assert before.trained_on(project)


def test_a_value_read_as_missing_in_a_column_of_formatted_numbers_stays_missing_read_again(tmp_path):
    """'$61,000,000' among prices: read as missing in the Data tab, it came back when the project was
    opened again, as pandas' na_values compares the text ('61000000' is not '$61,000,000')."""
    rng = np.random.default_rng(3)
    price = [f"${v:,.0f}" for v in rng.lognormal(11.5, 0.3, 400).round(-2)]
    price[5], price[9] = "$61,000,000", "$48,000,000"
    path = tmp_path / "houses.csv"
    pd.DataFrame({"area": rng.normal(100, 20, 400).round(1), "price": price}).to_csv(path, index=False)
    ds = read_csv(path)
    coded, far, _, notes = look(ds.frame, ["area", "price"], "price")
    codes = [f.code for f in far]
    assert codes == ["61000000", "48000000"] and "--na-values 61000000,48000000" in notes[0]
    assert notes[0].endswith("from the command line): the rows are then left out.")  # the target:
    assert "log(" not in notes[0]  # no logarithm offered as an input
    read = read_codes_as_missing(ds, codes)
    again = read_csv(path, CsvOptions(na_values=codes))
    assert again.frame["price"].isna().sum() == 2
    pd.testing.assert_frame_equal(read.frame, again.frame)


def test_lone_zeros_of_measures_are_said_but_not_those_of_counts_amounts_or_the_target():
    df = pima_like()
    looked = look(df, list(df.columns), "Outcome")
    assert [(z.column, z.rows) for z in looked.own] == [("Glucose", 5), ("BloodPressure", 35), ("BMI", 11)]
    assert looked.codes == [] and looked.far == []
    assert looked.notes == [zeros_text(looked.own)]
    assert looked.notes[0].startswith("'Glucose' holds 0 in 5 rows, apart from its other values (44 to ")
    assert "read it as missing in those columns alone (Read 0 as missing, on the Data tab; " \
        "--missing-in Glucose=0 --missing-in BloodPressure=0 --missing-in BMI=0 from the command " \
        "line)" in looked.notes[0] and looked.notes[0].endswith("The file's other 0s stay numbers.")
    rng = np.random.default_rng(5)
    for real in (rng.integers(0, 6, 500),  # children: a count
                 np.where(rng.random(500) < 0.36, 0, rng.uniform(3768, 250_898, 500)),  # a balance
                 np.where(rng.random(500) < 0.3, 0, rng.exponential(5, 500) + 0.2)):  # rainfall
        assert lone_zeros("x", pd.Series(real)) is None


def test_the_checks_say_lone_zeros_and_flag_their_columns_for_their_own_click(tmp_path):
    path = tmp_path / "diabetes.csv"
    pima_like().to_csv(path, index=False)
    project = Project.from_dataset(read_csv(path), "Outcome")
    found = checks.check(project.prepare(), project)
    assert found.notes[0].startswith("'Glucose' holds 0 in 5 rows, apart from its other values")
    assert found.columns["BloodPressure"] == "0 in 35 rows: 'not measured'?"
    assert found.codes == []  # ('0' among Also missing would empty every column's 0s)
    assert found.own == {"Glucose": ["0"], "BloodPressure": ["0"], "BMI": ["0"]}


def test_zeros_read_as_missing_in_their_columns_alone_are_the_file_read_so(tmp_path):
    """The click's table is the file read with ``missing_in``: the 0s of the three measures
    missing, the pregnancies' and the outcome's 0s numbers; the options remember it, a file of the
    kind scored later and the generated read call read so, and the checks say no more."""
    from nnstudio.core.data.csv import read_csv_like
    from nnstudio.core.export import read_call

    path = tmp_path / "diabetes.csv"
    frame = pima_like()
    frame.to_csv(path, index=False)
    ds = read_csv(path)
    read = read_missing_in(ds, {"Glucose": ["0"], "BloodPressure": ["0"], "BMI": ["0"]})
    assert [int(read.frame[c].isna().sum()) for c in ("Glucose", "BloodPressure", "BMI")] == [5, 35, 11]
    assert (read.frame["Pregnancies"] == 0).sum() == (frame["Pregnancies"] == 0).sum() > 0
    assert (read.frame["Outcome"] == 0).sum() == (frame["Outcome"] == 0).sum()
    assert read.csv_options["missing_in"] == {"Glucose": ["0"], "BloodPressure": ["0"], "BMI": ["0"]}
    assert read.warnings[-1].startswith("Read 0 as missing, as you chose: in Glucose (5 rows), "
                                        "BloodPressure (35 rows) and BMI (11 rows).")
    again = read_csv(path, CsvOptions.from_dict(read.csv_options))
    pd.testing.assert_frame_equal(read.frame, again.frame)
    pd.testing.assert_frame_equal(read_csv_like(path, read.csv_options).frame, again.frame)
    new = tmp_path / "new.csv"  # rows to score: no target column, and the file's columns alone
    frame.drop(columns=["Outcome", "Glucose"]).head(5).to_csv(new, index=False)
    scored = read_csv_like(new, read.csv_options).frame
    assert scored["BloodPressure"].isna().sum() == (frame["BloodPressure"].head(5) == 0).sum()
    call = read_call({"data": {"name": "diabetes.csv", "columns": list(frame.columns),
                               "read_options": read.csv_options}})
    assert '"BloodPressure": ["0"]' in call and '"Pregnancies": []' in call
    kw = call[call.index("na_values="):-1]  # (the call names the file by its name: read it here)
    assert pd.read_csv(path, **eval(f"dict({kw})"))["BloodPressure"].isna().sum() == 35
    project = Project.from_dataset(read, "Outcome")
    assert checks.check(project.prepare(), project).own == {}


def test_a_column_to_read_missing_in_must_be_the_files_and_the_option_a_mapping(tmp_path):
    from nnstudio.core.errors import DataError

    path = tmp_path / "diabetes.csv"
    pima_like(50).to_csv(path, index=False)
    with pytest.raises(DataError, match="has no column 'BloodPresure' to read values as missing in"):
        read_csv(path, {"missing_in": {"BloodPresure": ["0"]}})
    with pytest.raises(DataError, match="missing_in must map column names to lists of values"):
        CsvOptions.from_dict({"missing_in": ["BloodPressure"]})
    assert "missing in 'BMI': '0'" in CsvOptions.from_dict({"missing_in": {"BMI": [0]}}).describe()


def test_a_streamed_fit_reads_a_columns_own_missing_values(tmp_path):
    from nnstudio.core.data.preprocess_config import PreprocessConfig
    from nnstudio.core.training.streaming_csv import fit_streaming

    path = tmp_path / "diabetes.csv"
    frame = pima_like()
    frame.to_csv(path, index=False)
    mean = PreprocessConfig(missing="mean")
    plain = fit_streaming(path, target="Outcome", config=mean, chunk_rows=200)
    told = fit_streaming(path, target="Outcome", config=mean, chunk_rows=200,
                         csv_options={"missing_in": {"BloodPressure": ["0"]}})
    def column(plan, name):
        return next(c for c in plan.preprocessor.columns if c.name == name)

    assert column(plain, "BloodPressure").n_missing == 0 and column(plain, "BloodPressure").stats["min"] == 0
    bp = column(told, "BloodPressure")
    assert bp.n_missing > 0 and bp.stats["min"] >= 24  # (the training rows' share of the 35)
    assert column(told, "Pregnancies").n_missing == 0  # the real 0s stay numbers
    assert column(told, "Pregnancies").stats == column(plain, "Pregnancies").stats


def test_a_run_recorded_before_a_columns_own_missing_values_reads_as_the_same_reading():
    """A run saved by an earlier version has no ``missing_in`` in its reading: it is the reading
    with none (the same as a new run's), and one with 0 missing in a column is another."""
    from nnstudio.core.experiments.diff import read_changes

    old = {"na_values": [], "missing_markers": True}
    assert read_changes(old, {**old, "missing_in": {}}) == []
    assert read_changes(old, {**old, "missing_in": {"BMI": ["0"]}}) == [
        "missing in a column: none -> BMI: '0'"]


def test_a_lone_minus_one_among_values_of_0_or_more_is_said_and_read_as_missing_in_its_column(tmp_path):
    """An age of -1 ('not known') among 18 to 90 is said, with its own click; -1 that is most of
    a column ('days since the last contact: -1, never contacted'), beside other negative values,
    or in a column of a few values is not."""
    rng = np.random.default_rng(8)
    n = 600
    frame = pd.DataFrame({"age": rng.integers(18, 91, n), "balance": rng.normal(1000, 800, n).round(),
                          "pdays": np.where(rng.random(n) < 0.8, -1, rng.integers(1, 400, n)),
                          "rating": rng.integers(0, 5, n), "left": rng.integers(0, 2, n)})
    frame.loc[rng.choice(n, 12, replace=False), "age"] = -1
    frame.loc[:30, "rating"] = -1  # (a scale of five values: not a measure)
    frame.loc[:10, "balance"] = -1  # beside real negative balances
    looked = look(frame, list(frame.columns), "left")
    assert [(m.column, m.code, m.rows, m.low, m.high) for m in looked.own] == [("age", "-1", 12, 18, 90)]
    assert looked.notes == [
        "'age' holds -1 in 12 rows, where its other values are 0 or more (18 to 90): a code for 'not "
        "known'? Read as a number, -1 is taken for a real value below every other one. If it means "
        "'not known', read it as missing in that column alone (Read -1 as missing, on the Data tab; "
        "--missing-in age=-1 from the command line); if it is a real value, leave it."]
    for col in ("balance", "pdays", "rating"):
        assert lone_minus_ones(col, frame[col]) is None
    path = tmp_path / "bank.csv"
    frame.to_csv(path, index=False)
    project = Project.from_dataset(read_csv(path), "left")
    found = checks.check(project.prepare(), project)
    assert found.own == {"age": ["-1"]} and found.columns["age"] == "-1 in 12 rows: a code for 'not known'?"
    read = read_missing_in(project.dataset, found.own)
    assert int(read.frame["age"].isna().sum()) == 12 and int((read.frame["balance"] == -1).sum()) == 11
    assert read.warnings[-1].startswith("Read -1 as missing, as you chose: in age (12 rows).")



def test_the_command_line_flags_quote_a_column_name_with_spaces():
    """A file without a header names its columns 'column 3': the note's '--missing-in column 3=0'
    split into two words when pasted into a shell."""
    import shlex

    frame = pima_like().rename(columns={"BloodPressure": "column 3", "BMI": "body mass"})
    found = [z for c in ("column 3", "body mass") if (z := lone_zeros(c, frame[c])) is not None]
    text = zeros_text(found)
    assert "--missing-in 'column 3=0' --missing-in 'body mass=0'" in text
    flags = shlex.split(text.split("on the Data tab; ")[1].split(" from the command line")[0])
    assert flags == ["--missing-in", "column 3=0", "--missing-in", "body mass=0"]


def test_each_columns_findings_are_looked_for_once_per_table(monkeypatch):
    """A 42,000-row pixel file's 784 columns were looked at again (0.9 s) each time a column was
    ticked; the findings are the same with the table's memo, and a column is looked at once."""
    import nnstudio.core.data.missing_codes as mc

    df = pd.concat([sensor_frame(), pima_like()[["BloodPressure"]]], axis=1)
    cols = list(df.columns)
    fresh = look(df, cols, "failure")
    memo: dict = {}
    assert look(df, cols, "failure", memo=memo) == fresh
    assert fresh.codes and fresh.own and fresh.notes  # -999 codes and a blood pressure of 0 found
    seen = []
    real = mc.column_codes
    monkeypatch.setattr(mc, "column_codes", lambda col, s: seen.append(col) or real(col, s))
    again = look(df, cols[:-1], "failure", memo=memo)  # a column unticked: none looked at again
    assert seen == []
    assert again.codes == fresh.codes
    assert look(df, cols, "failure", memo={}) == fresh and seen == cols
