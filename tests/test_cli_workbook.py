"""An Excel workbook from the command line: train on a sheet, export, score a new workbook, and the
exported model's usage snippet reading the sheet with pandas."""
from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd

from nnstudio import cli
from nnstudio.core import model_file
from nnstudio.core.export import read_call


def _book(path, sheets: dict[str, pd.DataFrame]):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df in sheets.items():
        ws = wb.create_sheet(name)
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([v.item() if hasattr(v, "item") else v for v in row])
    wb.save(path)
    return path


def test_train_on_a_sheet_export_and_score_a_new_workbook(tmp_path, tf_loaded, capsys, monkeypatch):
    r = np.random.default_rng(0)
    df = pd.DataFrame({"income": r.integers(20_000, 90_000, 150), "age": r.integers(20, 70, 150),
                       "plan": r.choice(["basic", "pro"], 150)})
    df["left"] = np.where(df["age"] + r.normal(0, 8, 150) > 45, "yes", "no")
    notes = pd.DataFrame({"what": ["a sheet of notes"]})
    book = _book(tmp_path / "churn.xlsx", {"Notes": notes, "Customers": df})
    model = tmp_path / "m.keras"
    assert cli.main(["train", str(book), "--sheet", "Customers", "--target", "left", "--epochs", "2",
                     "--export", str(model)]) == 0
    out = capsys.readouterr()
    assert "features: income, age, plan" in out.out
    lm = model_file.load(model)
    assert lm.read_options["sheet"] == "Customers"
    project = model_file.project_from_meta(lm.meta)  # the sheet, read again from the workbook
    assert project.dataset.source == str(book.resolve())
    assert project.dataset.frame.shape == (150, 4)
    assert project.prepare().preprocessor.to_dict() == lm.preprocessor.to_dict()
    # the usage snippet's reading gives the table the model was trained on
    monkeypatch.chdir(tmp_path)
    call = read_call(lm.meta)
    assert call == 'pd.read_excel("churn.xlsx", sheet_name="Customers")'
    pd.testing.assert_frame_equal(eval(call), df)
    # a new workbook of customers (its sheet named otherwise) is scored from its first sheet
    new = _book(tmp_path / "new.xlsx", {"March": df.drop(columns="left").head(5)})
    assert cli.main(["predict", str(model), str(new), "--out", str(tmp_path / "p.csv")]) == 0
    preds = pd.read_csv(tmp_path / "p.csv")
    assert len(preds) == 5 and preds["income"].tolist() == df["income"].head(5).tolist()
    assert cli.main(["predict", str(model), str(new), "--out", str(tmp_path / "p.xlsx")]) == 0
    pd.testing.assert_frame_equal(pd.read_excel(tmp_path / "p.xlsx", sheet_name="Predictions"), preds)


def test_train_on_one_table_of_a_zip_of_several(tmp_path, capsys):
    import zipfile

    rows = "".join(f"{i},{i % 5},{'pq'[i % 2]}\n" for i in range(60))
    with zipfile.ZipFile(tmp_path / "kaggle.zip", "w") as z:
        z.writestr("train.csv", "a,b,y\n" + rows)
        z.writestr("test.csv", "a,b\n1,2\n")
    assert cli.main(["train", str(tmp_path / "kaggle.zip"), "--target", "y", "--epochs", "1"]) == 2
    assert "holds 2 tables (train.csv, test.csv)" in capsys.readouterr().err
    assert cli.main(["train", str(tmp_path / "kaggle.zip"), "--member", "train.csv", "--target", "y",
                     "--epochs", "1"]) == 0
    assert "rows: 38 training" in capsys.readouterr().out
