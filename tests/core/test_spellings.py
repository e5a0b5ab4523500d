"""Values that differ only in capitals, spaces or a final full stop, read as one when asked
(core.data.spellings)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import Dataset, checks
from nnstudio.core.data.csv import read_csv
from nnstudio.core.data.fitted_preprocessor import FittedPreprocessor
from nnstudio.core.data.preprocess_config import PreprocessConfig
from nnstudio.core.data.spellings import merged, spellings_of
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import Task
from nnstudio.core.project import Project


def test_each_group_is_written_as_its_most_frequent_spelling():
    s = pd.Series(["ja", "Ja", "ja ", "ja", "Nein", "nein", "Nein", None, 3])
    assert spellings_of(s) == {"Ja": "ja", "ja ": "ja", "nein": "Nein"}
    assert spellings_of(pd.Series(["B", "b"])) == {"b": "B"}  # a tie: the first in sorted order
    assert spellings_of(pd.Series(["ja ", "ja ", "Ja"])) == {"ja ": "ja", "Ja": "ja"}  # spaces tidied
    out = merged(s, spellings_of(s))
    assert out.tolist()[:7] == ["ja", "ja", "ja", "ja", "Nein", "Nein", "Nein"] and out[8] == 3
    assert pd.isna(out[7])
    # a variant never seen before, through the categories' keys
    assert merged(pd.Series(["JA", " nein  ", "maybe"]), {}, known=["ja", "Nein"]).tolist() == [
        "ja", "Nein", "maybe"]


def test_a_final_full_stop_is_a_spelling_too():
    """adult.data's '>50K' and adult.test's '>50K.' (the UCI file's own quirk), once the two files
    are one: four classes where two are meant; '.' alone and a full stop inside stay as written."""
    s = pd.Series([">50K", "<=50K", ">50K.", "<=50K.", ">50K", "<=50K", "Inc.", "inc", ".", "U.S."])
    assert spellings_of(s) == {">50K.": ">50K", "<=50K.": "<=50K", "inc": "Inc."}
    frame = pd.DataFrame({"age": np.arange(40) % 7, "income": [">50K", "<=50K", ">50K.", "<=50K."] * 10})
    data = Project.from_dataset(Dataset(frame, "adult"), "income").prepare()
    assert checks.look_alikes(data) == [("income", [["<=50K", "<=50K."], [">50K", ">50K."]])]


def _loans(n=600, seed=5):
    r = np.random.default_rng(seed)
    x = r.normal(size=n)
    yes = x + r.normal(0, 0.5, n) > 0
    return pd.DataFrame({"x": x,
                         "region": r.choice(["Nord", "nord", "Süd", "süd ", "West"], n),
                         "default": np.where(yes, r.choice(["ja", "Ja", "ja "], n),
                                             r.choice(["nein", "Nein"], n))})


def _project(frame, tmp_path) -> Project:
    path = tmp_path / "loans.csv"
    frame.to_csv(path, index=False)
    return Project.from_dataset(read_csv(path), "default")


def test_read_as_one_the_target_has_two_classes_and_the_inputs_fewer_columns(tmp_path):
    frame = _loans()
    p = _project(frame, tmp_path)
    exact = p.prepare()
    assert len(exact.preprocessor.classes) == 5 and checks.look_alikes(exact)
    for col in ("default", "region"):
        p.preprocess.set_for_column(col, "spelling", "merge")
    data = p.prepare()
    pre = data.preprocessor
    top = frame["default"].value_counts()
    assert pre.classes == sorted([max(["ja", "Ja", "ja "], key=lambda v: top[v]).strip(),
                                  max(["nein", "Nein"], key=lambda v: top[v])])
    assert data.task.value == "binary" and checks.look_alikes(data) == []
    region = next(c for c in pre.columns if c.name == "region")
    assert len(region.categories) == 3 and region.spelling == "merge"
    # new rows in any spelling are read as the categories and classes they look like
    rows = pd.DataFrame({"x": [0.1, 0.1], "region": [region.categories[0].upper() + "  ",
                                                     region.categories[0]]})
    enc = pre.transform(rows)
    assert np.array_equal(enc[0], enc[1])
    from nnstudio.core.data.raw_rows import row_problems  # a file to predict: no row refused

    assert row_problems(pre, rows) == ["", ""]
    yes = [c for c in pre.classes if c.casefold() == "ja"][0]
    assert pre.encode_target(pd.Series(["JA", " ja", yes])).tolist() == [pre.classes.index(yes)] * 3
    # said in the preprocessing, kept in a saved model's preprocessor, and in the project file
    assert any("read as one" in line and "region" in line for line in pre.describe())
    assert any("read as one" in line and "(target" in line for line in pre.describe())
    again = FittedPreprocessor.from_dict(pre.to_dict())
    assert again.transform(rows).tolist() == enc.tolist() and again.classes == pre.classes
    assert PreprocessConfig.from_dict(p.preprocess.to_dict()).per_column == p.preprocess.per_column


def test_a_spelling_choice_is_checked_and_left_out_of_files_when_exact():
    with pytest.raises(DataError, match="spelling"):
        PreprocessConfig.from_dict({"per_column": {"a": {"spelling": "loose"}}})
    assert "spelling" not in PreprocessConfig().to_dict()
    exact = FittedPreprocessor.from_dict(FittedPreprocessor([], "y", Task.BINARY, ["a", "b"]).to_dict())
    assert "spelling" not in str(exact.to_dict())


def test_streaming_a_file_says_it_does_not_read_look_alikes_as_one(tmp_path):
    from nnstudio.core.training.streaming_csv import fit_streaming

    path = tmp_path / "loans.csv"
    _loans().to_csv(path, index=False)
    config = PreprocessConfig()
    config.set_for_column("region", "spelling", "merge")
    with pytest.raises(DataError, match="capitals, spaces or a final full stop") as e:
        fit_streaming(path, target="default", config=config)
    assert "without --stream" in e.value.user_text()


def test_an_exported_model_reads_the_spellings_the_app_reads(tf_loaded, tmp_path):
    """The raw-column model of a .keras export (Keras has no string operations): the variants met
    in the table and each category in lower case, upper case and capitalized give the category's
    inputs; the app's own reading and the exported model's agree."""
    from nnstudio.core.export_inputs import build_raw_model, keras_inputs
    from nnstudio.core.model.build import build_model
    from nnstudio.core.model.spec import NetworkSpec

    p = _project(_loans(), tmp_path)
    for col in ("default", "region"):
        p.preprocess.set_for_column(col, "spelling", "merge")
    data = p.prepare()
    pre = data.preprocessor
    net = build_model(NetworkSpec.parse("dense:4:tanh"), data.n_inputs, data.task, data.n_classes, seed=1)
    raw = build_raw_model(net, pre)
    region = next(c for c in pre.columns if c.name == "region")
    spellings = [*region.spellings, *(f(c) for c in region.categories for f in (str.lower, str.upper))]
    rows = pd.DataFrame({"x": np.linspace(-1, 1, len(spellings)), "region": spellings})
    app = net(pre.transform(rows)).numpy()
    exported = raw(keras_inputs(pre, rows)).numpy()
    np.testing.assert_allclose(exported, app, atol=1e-6)
    assert len(region.spellings) >= 2  # ('nord' or 'Nord', 'süd ' or 'Süd' …)


def test_a_project_read_as_one_reopens_so_with_its_trained_model(tmp_path, tf_loaded):
    from nnstudio.core import project_file as pf
    from nnstudio.core.training.engine import train

    p = _project(_loans(), tmp_path)
    p.preprocess.set_for_column("default", "spelling", "merge")
    p.preprocess = PreprocessConfig.from_dict({**p.preprocess.to_dict(), "spelling": "merge"})
    p.settings.epochs = 2
    data = p.prepare()
    result = train(data, p.spec, p.settings)
    path = pf.save_project(p, tmp_path / "loans.nnstudio", result, data.preprocessor)
    again = pf.load_trained(path)
    q = again.project
    assert q.preprocess.spelling == "merge" and q.preprocess.for_column("default", "spelling") == "merge"
    assert q.task.value == "binary" and q.prepare().preprocessor.classes == data.preprocessor.classes
    pre = again.preprocessor
    assert pre.target_spelling == "merge" and [c.spelling for c in pre.columns] == ["exact", "merge"]


def test_reading_as_one_reuses_the_columns_profiles_and_what_it_read(tmp_path, monkeypatch):
    """Preparing a table with a column read as one profiles no column again: those known carry
    over, and the merged column's own reading is the one the Data tab already made."""
    from nnstudio.core.data import dataset as dataset_module

    p = _project(_loans(), tmp_path)
    p.preprocess.set_for_column("default", "spelling", "merge")
    assert p.task.value == "binary"  # (the Data tab reads the target as one first)
    p.prepare()  # every column profiled by now
    calls = []
    real = dataset_module.profile_column
    monkeypatch.setattr(dataset_module, "profile_column", lambda s: calls.append(s.name) or real(s))
    assert p.prepare().task.value == "binary" and calls == []
