"""Weka's ARFF files (OpenML's datasets) are read as the table they hold: their @attribute names
are the columns, '?' is missing, quoted values keep their commas and spaces; the sparse form and a
broken file are refused with what to do. It was read as a CSV and refused with 'Line 6 has 2
fields, but the header has 1'."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.arff import is_arff
from nnstudio.core.data.csv import preview, read_csv, read_csv_like
from nnstudio.core.errors import DataError

IRIS = """% 1. Title: Iris Plants Database
%
@RELATION iris

@ATTRIBUTE 'sepal length'\tREAL
@ATTRIBUTE sepalwidth \tNUMERIC
@ATTRIBUTE "owner"\tSTRING
@ATTRIBUTE class \t{Iris-setosa,Iris-versicolor,'Iris virginica'}

@DATA
"""


def iris(tmp_path, n: int = 30):
    rows = []
    for i in range(n):
        length = "?" if i == 4 else f"{4.5 + (i % 7) / 2:.1f}"
        owner = "'Smith, J.'" if i % 2 else '"it\\\'s ?"'
        kind = ["Iris-setosa", "Iris-versicolor", "'Iris virginica'"][i % 3]
        rows.append(f"{length},{3 + i % 5 / 4:.2f},{owner},{kind}")
    path = tmp_path / "iris.arff"
    path.write_text(IRIS + "\n".join(rows) + "\n%\n%\n", encoding="utf-8")
    return path


def test_an_arff_file_is_read_as_its_table(tmp_path):
    path = iris(tmp_path)
    ds = read_csv(path)
    f = ds.frame
    assert list(f.columns) == ["sepal length", "sepalwidth", "owner", "class"]
    assert len(f) == 30 and ds.name == "iris.arff" and ds.source == str(path.resolve())
    assert pd.api.types.is_numeric_dtype(f["sepal length"]) and f["sepal length"].isna().sum() == 1
    assert f["sepalwidth"].iloc[1] == pytest.approx(3.25)
    assert set(f["owner"]) == {"Smith, J.", "it's ?"}  # quoted: a comma and a '?' are text
    assert set(f["class"]) == {"Iris-setosa", "Iris-versicolor", "Iris virginica"}
    frame, fmt = preview(path)
    assert fmt.arff == path and fmt.source == path and frame.shape == (30, 4)
    assert read_csv_like(path, ds.csv_options).frame.equals(f)  # a file to predict


@pytest.mark.parametrize("body, words", [
    ("@RELATION r\n@ATTRIBUTE a NUMERIC\n@ATTRIBUTE b NUMERIC\n@DATA\n{0 1, 1 2}\n", "sparse form"),
    ("@RELATION r\n@ATTRIBUTE a NUMERIC\n@ATTRIBUTE b NUMERIC\n@DATA\n1,2\n3\n", "line 6 has 1 values for its 2"),
    ("@RELATION r\n@ATTRIBUTE a NUMERIC\n", "no @data line"),
    ("@RELATION r\n@ATTRIBUTE a NUMERIC\n@DATA\n'open,\n", "quote that is not closed"),
    ("@RELATION r\nhello\n@DATA\n1\n", "neither @relation"),
])
def test_an_arff_file_nnstudio_cannot_read_is_said(tmp_path, body, words):
    path = tmp_path / "bad.arff"
    path.write_text(body)
    with pytest.raises(DataError) as e:
        read_csv(path)
    assert words in e.value.message and "Weka ARFF file" in e.value.message and "CSV" in e.value.hint


def test_only_an_arff_start_is_taken_for_one():
    assert is_arff(b"% comment\n\n@relation iris\n") and is_arff(b"\xef\xbb\xbf@RELATION x\n")
    assert not is_arff(b"a,b\n@relation,1\n") and not is_arff(b"relation,x\n")


def test_a_project_on_an_arff_file_trains_and_opens_again(tmp_path):
    from nnstudio.core import project_file as pf
    from nnstudio.core.project import Project

    path = iris(tmp_path, n=60)
    project = Project.from_dataset(read_csv(path), target="class")
    assert project.prepare().n_inputs == 3  # the two measures and the owner (two values)
    pf.save_project(project, tmp_path / "p.nnstudio")
    again = pf.load_project(tmp_path / "p.nnstudio")
    assert again.dataset.n_rows == 60 and again.roles.target == "class"
    np.testing.assert_allclose(again.dataset.frame["sepalwidth"], project.dataset.frame["sepalwidth"])


def test_streaming_an_arff_file_is_refused_with_what_to_do(tmp_path, capsys):
    from nnstudio import cli

    path = iris(tmp_path)
    assert cli.main(["train", str(path), "--target", "class", "--stream"]) == 2
    err = capsys.readouterr().err
    assert "is a Weka ARFF file, which is read whole" in err and "Leave out --stream" in err
