"""The generated training script reads the project's CSV only when pandas' defaults read it as the
app did; otherwise it gets a copy of the table the app trained on."""
from __future__ import annotations

import pandas as pd

from nnstudio.core.data.csv import read_csv
from nnstudio.core.export_script import _script_data
from nnstudio.core.trained import TrainedModel


def model_on(path, frame) -> TrainedModel:
    return TrainedModel(net=None, preprocessor=None, data_frame=frame, source_path=str(path),
                        meta={"data": {"name": "visits.csv"}})  # named as its file


def test_a_plain_csv_is_read_where_it_is(tmp_path):
    path = tmp_path / "plain.csv"
    pd.DataFrame({"age": [30, 40, 50], "y": ["a", "b", "a"]}).to_csv(path, index=False)
    where, written = _script_data(model_on(path, read_csv(path).frame), tmp_path / "out")
    assert where == str(path.resolve()) and written == []


def test_a_csv_pandas_reads_differently_is_copied_as_the_app_read_it(tmp_path):
    """'?' in a number column (read as missing by the app) far below the first rows: pandas' defaults
    would read the column as text and the script would fail on it (it did: median of strings)."""
    path = tmp_path / "marked.csv"
    age = [str(20 + i % 50) for i in range(300)]
    age[250] = "?"
    pd.DataFrame({"age": age, "y": ["a", "b"] * 150}).to_csv(path, index=False)
    frame = read_csv(path).frame
    assert pd.api.types.is_numeric_dtype(frame["age"])
    out = tmp_path / "out"
    out.mkdir()
    where, written = _script_data(model_on(path, frame), out)
    assert where == "visits.csv" and written == [str(out / "visits.csv")]
    copy = pd.read_csv(out / "visits.csv")
    assert pd.api.types.is_numeric_dtype(copy["age"]) and copy["age"].isna().sum() == 1


def test_na_kept_as_a_value_is_read_so_by_the_script(tmp_path, tf_loaded):
    """The user kept 'NA' (North America) as a region: pandas' defaults, in the script, would read
    it as missing again and drop or fill those rows. The script reads a copy with only empty fields
    missing, which gives the app's table."""
    import numpy as np

    from nnstudio.core import export
    from nnstudio.core.data.csv import CsvOptions
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import train

    path = tmp_path / "regions.csv"
    rng = np.random.default_rng(0)
    region = rng.choice(["EU", "NA", "APAC"], 120)
    pd.DataFrame({"region": region, "spend": rng.normal(size=120),
                  "y": (region == "NA").astype(int)}).to_csv(path, index=False)
    ds = read_csv(path, CsvOptions(na_in_text=False))
    project = Project.from_dataset(ds, "y")
    data = project.prepare()
    assert "NA" in next(c for c in data.preprocessor.columns if c.name == "region").categories
    project.settings.epochs = 1
    export.export_model(train(data, project.spec, project.settings), data, project, tmp_path / "out")
    text = (tmp_path / "out" / "train_model.py").read_text()
    assert 'data = pd.read_csv(DATA, keep_default_na=False, na_values=[""])' in text
    copy = next(p for p in (tmp_path / "out").glob("*.csv") if p.name != "history.csv")
    assert copy.name in text  # the copy, not the file that pandas' defaults read otherwise
    again = pd.read_csv(copy, keep_default_na=False, na_values=[""])
    assert (again["region"] == "NA").sum() == (region == "NA").sum()


def test_codes_read_as_missing_are_missing_in_the_scripts_data_too(tmp_path):
    """-999 read as missing (the user's "Also missing"): pandas' defaults read the column as numbers
    all the same, and the script trained on the codes as temperatures. It gets a copy now."""
    from nnstudio.core.data.csv import CsvOptions

    path = tmp_path / "sensor.csv"
    pd.DataFrame({"temp_c": [20.5, -999, 18.0, 22.25, -999, 19.0], "y": ["a", "b"] * 3}).to_csv(path, index=False)
    frame = read_csv(path, CsvOptions(na_values=["-999"])).frame
    out = tmp_path / "out"
    out.mkdir()
    where, written = _script_data(model_on(path, frame), out)
    assert where == "visits.csv" and written == [str(out / "visits.csv")]
    assert pd.read_csv(out / "visits.csv")["temp_c"].isna().sum() == 2


def test_the_usage_snippet_reads_the_file_as_the_app_read_it(tmp_path, monkeypatch):
    """A semicolon file with decimal commas (wine quality, a German export): the model's usage
    snippet said pd.read_csv("data.csv"), which reads one column named 'fixed acidity;pH' and the
    snippet's df["fixed acidity"] fails. It passes the file's name and the app's reading options."""
    import numpy as np

    from nnstudio.core.export import usage_snippet

    frame = pd.DataFrame({"fixed acidity": [7.4, 7.8, 11.2], "pH": [3.51, 3.2, 3.16]})
    path = tmp_path / "winequality-red.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    read = read_csv(path)
    meta = {"inputs": [{"input": c, "column": c, "dtype": "float32"} for c in frame.columns],
            "output": {"meaning": "one probability per class"},
            "data": {"name": "winequality-red.csv", "columns": list(frame.columns),
                     "read_options": dict(read.csv_options)}}
    code = usage_snippet(meta)
    assert 'pd.read_csv("winequality-red.csv", sep=";", decimal=",")' in code, code
    before_model = code.split("outputs = ")[0].replace('model = keras.saving.load_model("model.keras")', "")
    scope: dict = {}
    monkeypatch.chdir(tmp_path)
    exec(before_model, scope)  # the snippet a user copies, run as they would
    for c in frame.columns:
        np.testing.assert_allclose(scope["inputs"][c], frame[c].to_numpy("float32"))
    # a file pandas reads with its defaults, or data with no file: as before
    plain = dict(meta, data={"name": "Bank customer churn (synthetic)", "read_options": None})
    assert 'pd.read_csv("data.csv")' in usage_snippet(plain)
    assert 'pd.read_csv("data.csv")' in usage_snippet({k: v for k, v in meta.items() if k != "data"})


def test_a_workbook_sheet_is_copied_as_a_csv_named_as_the_workbook(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    for row in (["age", "y"], [30, "a"], [40, "b"], [50, "a"]):
        wb.active.append(row)
    wb.save(tmp_path / "visits.xlsx")
    frame = read_csv(tmp_path / "visits.xlsx").frame
    tm = TrainedModel(net=None, preprocessor=None, data_frame=frame, source_path=str(tmp_path / "visits.xlsx"),
                      meta={"data": {"name": "visits.xlsx"}})
    out = tmp_path / "out"
    out.mkdir()
    where, written = _script_data(tm, out)  # the script's pd.read_csv cannot read a workbook
    assert where == "visits.csv" and written == [str(out / "visits.csv")]
    pd.testing.assert_frame_equal(pd.read_csv(out / "visits.csv"), frame)
