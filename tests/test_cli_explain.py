"""Issue 20 headless: explain, evaluate --threshold with baselines, predict with the saved threshold,
the threshold surviving project save/load and export, and the HTML report."""
from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from make_churn_demo import churn_frame  # tests/data (on the path: conftest.py)

from nnstudio import cli
from nnstudio.core import evaluate as ev
from nnstudio.core import model_file, project_file, threshold


@pytest.fixture(scope="module")
def churn(tf_loaded, tmp_path_factory):
    folder = tmp_path_factory.mktemp("explain")
    churn_frame().to_csv(folder / "churn.csv", index=False)
    assert cli.main(["train", str(folder / "churn.csv"), "--target", "churn", "--epochs", "25", "--seed", "1",
                     "--json", "--save", str(folder / "churn.nnstudio")]) == 0
    return folder


def test_explain_ranks_the_columns_and_explains_a_row(churn, capsys):
    capsys.readouterr()
    assert cli.main(["explain", str(churn / "churn.nnstudio"), str(churn / "churn.csv"), "--row", "4",
                     "--repeats", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    cols = [c["column"] for c in out["importance"]["columns"]]
    assert set(cols[:2]) == {"tenure", "calls"} and len(cols) == 5
    imp = {c["column"]: c["importance"] for c in out["importance"]["columns"]}
    assert abs(imp["noise"]) < 0.2 * imp["tenure"] and abs(imp["region"]) < 0.2 * imp["tenure"]
    row = out["row"]
    assert row["number"] == 4 and row["completeness_gap"] < 1e-3
    assert sum(a["attribution"] for a in row["attributions"]) == pytest.approx(row["difference"], abs=1e-3)
    assert row["attributions"][0]["value"] == churn_frame().iloc[3][row["attributions"][0]["column"]]
    assert out["importance"]["summary"].startswith("The network leans most on ")
    # in words too: the chart's summary under the table
    assert cli.main(["explain", str(churn / "churn.nnstudio"), str(churn / "churn.csv"), "--repeats", "3"]) == 0
    text = capsys.readouterr().out
    assert "\n  The network leans most on " in text and "changes nothing beyond noise" in text


def test_explain_user_errors(churn, capsys):
    assert cli.main(["explain", str(churn / "churn.nnstudio"), str(churn / "churn.csv"), "--row", "9999"]) == 2
    assert "no row 9999" in capsys.readouterr().err
    churn_frame().drop(columns=["churn"]).to_csv(churn / "nolabel.csv", index=False)
    assert cli.main(["explain", str(churn / "churn.nnstudio"), str(churn / "nolabel.csv")]) == 2
    assert "target" in capsys.readouterr().err
    # without the target, a row can still be explained
    assert cli.main(["explain", str(churn / "churn.nnstudio"), str(churn / "nolabel.csv"), "--row", "1",
                     "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["importance"] is None and out["row"]["completeness_gap"] < 1e-3


def test_threshold_is_saved_used_by_predict_and_survives_export(churn, capsys, tmp_path):
    # set the threshold in the project, save, load: it is kept
    opened = project_file.open_project(churn / "churn.nnstudio")
    assert opened.project.threshold == 0.5 and opened.result is not None
    opened.project.threshold = 0.2
    opened.project.settings.class_weight = {"yes": 2.5}
    data = opened.project.prepare()
    path = project_file.save_project(opened.project, tmp_path / "t.nnstudio", opened.result, data.preprocessor)
    assert json.loads(path.read_text())["threshold"] == 0.2
    assert project_file.open_project(path).project.threshold == 0.2
    assert project_file.load_trained(path).threshold == 0.2
    # export: metadata and the generated script carry it
    from nnstudio.core import export

    tm = export.from_training(opened.result, data, opened.project)
    export.write_format(tm, "keras", tmp_path / "m.keras")
    export.write_format(tm, "script", tmp_path / "train.py")
    lm = model_file.load(tmp_path / "m.keras")
    assert lm.meta["threshold"] == 0.2 and lm.threshold == 0.2
    assert "above 0.2 predicts yes" in lm.meta["output"]["meaning"]
    script = (tmp_path / "train.py").read_text()
    assert "THRESHOLD = 0.2" in script and "> THRESHOLD" in script
    assert "CLASS_WEIGHT = {1: 2.5}" in script and "class_weight=CLASS_WEIGHT)" in script
    assert lm.meta["training"]["class_weight"] == {"yes": 2.5}
    # predict uses it: rows with 0.2 < P(yes) <= 0.5 are now "yes"
    rows = churn_frame(300, seed=5).drop(columns=["churn"])
    rows.to_csv(tmp_path / "rows.csv", index=False)
    capsys.readouterr()
    assert cli.main(["predict", str(tmp_path / "m.keras"), str(tmp_path / "rows.csv"),
                     "--out", str(tmp_path / "p.csv")]) == 0
    p = pd.read_csv(tmp_path / "p.csv")
    prob = p["P(churn = yes)"]
    assert ((prob > 0.2) == (p["prediction"] == "yes")).all()
    assert ((prob > 0.2) & (prob <= 0.5)).any()  # the threshold changed some predictions
    assert cli.main(["predict", str(tmp_path / "m.keras"), str(tmp_path / "rows.csv"), "--threshold", "0.5",
                     "--out", str(tmp_path / "p5.csv")]) == 0
    p5 = pd.read_csv(tmp_path / "p5.csv")
    assert ((p5["P(churn = yes)"] > 0.5) == (p5["prediction"] == "yes")).all()
    assert (p5["prediction"] != p["prediction"]).any()


def test_evaluate_threshold_and_baselines(churn, capsys, tmp_path):
    from nnstudio.core import export

    opened = project_file.open_project(churn / "churn.nnstudio")
    data = opened.project.prepare()
    tm = export.from_training(opened.result, data, opened.project)
    export.write_format(tm, "keras", tmp_path / "m.keras")
    capsys.readouterr()
    assert cli.main(["evaluate", str(tmp_path / "m.keras"), "--split", "test", "--threshold", "0.3",
                     "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    test = out["splits"]["test"]
    assert out["threshold"] == 0.3 and test["threshold"] == 0.3
    score = threshold.positive_score(ev.predict_encoded(opened.result.model, data.X_test), data.task)
    m = threshold.metrics_at(data.y_test, score, 0.3)
    assert test["confusion_matrix"] == m.confusion.tolist()
    b = out["baselines"]
    assert set(b["models"]) == {"network", "majority", "linear"}
    maj = b["models"]["majority"]
    assert maj["balanced_accuracy"] == pytest.approx(0.5)
    assert b["models"]["network"]["accuracy"] > maj["accuracy"]
    assert re.match(r"The network (beats|ties with|is) ", b["verdict"])
    assert cli.main(["evaluate", str(tmp_path / "m.keras"), "--threshold", "1.5"]) == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_report_is_one_html_page_with_embedded_images(churn, tmp_path, capsys):
    out = tmp_path / "run.html"
    assert cli.main(["report", str(churn / "churn.nnstudio"), "--out", str(out), "--repeats", "2"]) == 0
    html = out.read_text()
    for part in ("Data and preprocessing", "Network and training", "Metrics",
                 "Which columns matter", "Better than simple?", "Decision threshold"):
        assert part in html
    assert "The network leans most on " in html  # the importance chart in words
    imgs = re.findall(r'<img alt="([^"]+)" src="data:image/svg\+xml;base64,', html)
    assert {"confusion matrix", "ROC curve", "PR curve", "calibration", "importance", "loss curves"} <= set(imgs)
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch
    # the settings in words, only those that shape the run (not "nesterov False · jit_compile True")
    assert "Settings: Adam, learning rate 0.001, mini-batches of " in html
    assert "nesterov" not in html and "jit_compile" not in html and "patience" not in html
    assert cli.main(["report", str(churn / "churn.nnstudio"), "--out", str(tmp_path / "no" / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_predict_takes_a_trained_project_as_it_takes_its_export(churn, tmp_path):
    """`nnstudio predict churn.nnstudio rows.csv` and `nnstudio export churn.nnstudio m.keras`
    said the project "is not a Keras model file"; explain took it. Both take a project trained
    with `train --save` now: the export is the app's, and it predicts as the project does."""
    assert cli.main(["export", str(churn / "churn.nnstudio"), str(tmp_path / "m.keras")]) == 0
    assert model_file.load(tmp_path / "m.keras").meta["threshold"] == 0.5
    churn_frame(60, seed=7).drop(columns=["churn"]).to_csv(tmp_path / "rows.csv", index=False)
    for source, out in ((churn / "churn.nnstudio", "from_project.csv"), (tmp_path / "m.keras", "from_export.csv")):
        assert cli.main(["predict", str(source), str(tmp_path / "rows.csv"), "--out", str(tmp_path / out)]) == 0
    a, b = pd.read_csv(tmp_path / "from_project.csv"), pd.read_csv(tmp_path / "from_export.csv")
    assert len(a) == 60 and ev.PREDICTION in a.columns
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-5, atol=1e-6)


def test_evaluate_takes_a_trained_project_as_it_takes_its_export(churn, capsys, tmp_path):
    """`nnstudio evaluate churn.nnstudio` refused ("is a project: evaluate one of its runs with
    --run R, or export its model first"), where predict, explain and report take the project.
    It evaluates the project's trained model: the figures of its export; --run still picks a
    run."""
    proj = str(churn / "churn.nnstudio")
    assert cli.main(["evaluate", proj, "--json", "--no-baselines"]) == 0
    mine = json.loads(capsys.readouterr().out)
    assert cli.main(["export", proj, str(tmp_path / "m.keras")]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", str(tmp_path / "m.keras"), "--json", "--no-baselines"]) == 0
    theirs = json.loads(capsys.readouterr().out)
    assert mine["model"] == proj and set(mine["splits"]) == set(theirs["splits"]) >= {"test"}
    for split in theirs["splits"]:
        assert mine["splits"][split] == theirs["splits"][split]
    assert cli.main(["evaluate", proj]) == 0  # in words too
    assert "accuracy" in capsys.readouterr().out
    assert cli.main(["runs", proj, "--json"]) == 0
    run_id = json.loads(capsys.readouterr().out)["runs"][0]["id"]
    assert cli.main(["evaluate", proj, "--run", run_id, "--json"]) == 0
    assert "test" in json.loads(capsys.readouterr().out)["splits"]


def test_explain_without_data_uses_the_test_rows_as_the_app_does(churn, capsys):
    """`nnstudio explain P` stopped at "the following arguments are required: data", where
    evaluate takes the model's own data; and given the training file, the importance was measured
    on every row, the training rows among them. Without DATA it is measured on the test rows of
    the data the model was trained on, as the app's Importance tab measures it."""
    from nnstudio.core import explain as core_explain
    from nnstudio.core import project_file

    proj = str(churn / "churn.nnstudio")
    assert cli.main(["explain", proj, "--repeats", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    t = project_file.load_trained(proj, require_data=True)
    test = t.project.prepare().raw_test
    assert out["rows"] == "test" and out["importance"]["rows"] == len(test) > 0
    same = core_explain.permutation_importance(t.model, t.preprocessor, test.reset_index(drop=True),
                                               n_repeats=2, seed=0, threshold=t.threshold)
    assert [c["column"] for c in out["importance"]["columns"]] == same.columns
    assert cli.main(["explain", proj, "--row", "2", "--repeats", "2"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"On the {len(test):,} test rows of the data the model was trained on.")
    assert "Row 2: " in text
