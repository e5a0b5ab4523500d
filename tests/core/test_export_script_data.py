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
