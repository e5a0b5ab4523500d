"""Ordinal codes follow a scale's own order (core.data.scales): sorted by spelling, a survey's
answers were coded Agree 0, Disagree 1, Neutral 2, Strongly agree 3, Strongly disagree 4."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.fitted_preprocessor import FittedPreprocessor
from nnstudio.core.data.preprocess_config import PreprocessConfig
from nnstudio.core.data.roles import Roles
from nnstudio.core.data.scales import category_order, scale_order
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.training import streaming_csv as sc

LIKERT = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def survey(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    answer = rng.integers(0, 5, n)
    return pd.DataFrame({"answer": np.array(LIKERT)[answer],
                         "age": rng.choice(["18-24", "25-34", "35-49", "50+", "Under 18"], n),
                         "colour": rng.choice(["red", "green", "blue"], n),
                         "bought": np.where(answer + rng.normal(0, 1, n) > 2, "yes", "no")})


def test_ordinal_codes_follow_the_scale_and_say_so():
    frame = survey()
    config = PreprocessConfig(categorical="ordinal")
    pre = FittedPreprocessor.fit(frame, ["answer", "age", "colour"], "bought", Task.BINARY,
                                 ["no", "yes"], config)
    cols = {c.name: c for c in pre.columns}
    assert cols["answer"].categories == LIKERT
    assert cols["age"].categories == ["Under 18", "18-24", "25-34", "35-49", "50+"]
    assert cols["colour"].categories == ["blue", "green", "red"]  # no scale: by spelling, as before
    codes = pre.transform(frame)[:, 0]
    assert codes[frame["answer"] == "Strongly agree"].max() > codes[frame["answer"] == "Neutral"].max()
    assert ("answer: ordinal codes 0..4 (Strongly disagree, Disagree, Neutral, Agree, Strongly "
            "agree)") in cols["answer"].describe()
    # one-hot columns keep their order: nothing a network sees changes there
    onehot = FittedPreprocessor.fit(frame, ["answer"], "bought", Task.BINARY, ["no", "yes"],
                                    PreprocessConfig())
    assert onehot.columns[0].categories == sorted(LIKERT)


def test_a_streamed_fit_orders_them_as_in_memory(tmp_path):
    frame = survey(300)
    frame.to_csv(tmp_path / "survey.csv", index=False)
    plan = sc.fit_streaming(tmp_path / "survey.csv", Roles("bought", ["answer", "age"], {}),
                            config=PreprocessConfig(categorical="ordinal"), chunk_rows=64)
    assert [c.categories for c in plan.preprocessor.columns] == [
        LIKERT, ["Under 18", "18-24", "25-34", "35-49", "50+"]]


@pytest.mark.parametrize("values, expected", [
    (["high", "Low", "medium"], ["Low", "medium", "high"]),
    (["XL", "S", "M", "L"], ["S", "M", "L", "XL"]),
    (["Often", "Never", "Always", "Sometimes", "Rarely"], ["Never", "Rarely", "Sometimes", "Often", "Always"]),
    (["Thu", "Mon", "Sun"], ["Mon", "Thu", "Sun"]),
    (["$1,000-$1,999", "$500-$999", "$2,000+", "Under $500"],
     ["Under $500", "$500-$999", "$1,000-$1,999", "$2,000+"]),
    (["$25k-$50k", "$100k+", "Less than $25k"], ["Less than $25k", "$25k-$50k", "$100k+"]),
    (["red", "green", "blue"], None),
    (["Agree", "Disagree"], None),  # two values: a binary column, coded 0/1 as before
])
def test_scales_and_bands(values, expected):
    assert scale_order(values) == expected
    assert category_order(values, "onehot") == sorted(values)


def test_the_generated_script_numbers_them_as_the_app(tmp_path):
    """The exported training script learned its categories sorted by spelling: its codes for a
    scale column would not have been the app's."""
    from nnstudio.core.export_script import script_text
    from nnstudio.core.trained import TrainedModel

    frame = survey()
    config = PreprocessConfig(per_column={"answer": {"categorical": "ordinal"}})
    pre = FittedPreprocessor.fit(frame, ["answer", "colour"], "bought", Task.BINARY,
                                 ["no", "yes"], config)
    tm = TrainedModel(net=None, preprocessor=pre, data_frame=frame, source_path=None,
                      meta={"data": {"name": "survey.csv"}, "training": {},
                            "network": NetworkSpec([LayerSpec.dense(4, "relu")]).to_dict()})
    text = script_text(tm, "survey.csv", True)
    assert "'answer': 'code',  # categories numbered as in ORDER (Strongly disagree → 0" in text
    # the script's own preprocessing, run on the training rows, numbers them as the app does
    start, end = text.index("INPUTS = {"), text.index("def encode(")
    scope = {"pd": pd, "np": np}
    exec(text[start:end].replace("keras.utils.set_random_seed(SEED)", ""), scope)
    stats = scope["fit_preprocessing"](frame)
    assert stats["answer"]["categories"] == LIKERT
    assert stats["colour"]["categories"] == ["blue", "green", "red"]


def test_a_target_of_scale_answers_keeps_its_order(tmp_path):
    """Classes of text are sorted by spelling; answers of a scale keep its order, so the
    confusion matrix reads along the scale, in memory and streamed."""
    from nnstudio.core.data.dataset import Dataset
    from nnstudio.core.project import Project

    frame = survey(300)
    project = Project.from_dataset(Dataset(frame, "survey"), target="answer")
    assert project.prepare().preprocessor.classes == LIKERT
    frame.to_csv(tmp_path / "survey.csv", index=False)
    plan = sc.fit_streaming(tmp_path / "survey.csv", Roles("answer", ["bought", "age"], {}))
    assert plan.preprocessor.classes == LIKERT
    colours = Project.from_dataset(Dataset(frame, "survey"), target="colour")
    assert colours.prepare().preprocessor.classes == ["blue", "green", "red"]
