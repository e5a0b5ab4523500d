"""Experiments without training: run records in project files (and migration), the verdict's
statistics against a hand-computed case, sweep grids, knobs and plain-words diffs."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core import project_file as pf
from nnstudio.core.errors import ProjectError, SettingsError, SpecError
from nnstudio.core.experiments import stats, store, sweep
from nnstudio.core.experiments.diff import describe_diff, varying_settings
from nnstudio.core.experiments.groups import describe, summary
from nnstudio.core.experiments.record import RunRecord, new_id
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.training.evaluation import summarize
from nnstudio.core.training.settings import TrainSettings

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "project"


def record(spec: NetworkSpec | None = None, settings: TrainSettings | None = None,
           acc: float = 0.9, **kw) -> RunRecord:
    spec = spec or NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")])
    settings = settings or TrainSettings()
    return RunRecord(id=new_id(), spec=spec.to_dict(), settings=settings.to_dict(),
                     data={"kind": "example", "name": "XOR", "example": "xor"},
                     history={"loss": [0.7, 0.5, float("nan")], "accuracy": [0.5, 0.8, 0.9],
                              "val_loss": [0.7, 0.6, 0.5], "val_accuracy": [0.5, 0.7, acc]},
                     final={"train": {"loss": 0.4, "accuracy": 0.9},
                            "val": {"loss": 0.5, "accuracy": acc},
                            "test": {"loss": 0.45, "accuracy": 0.88}},
                     epochs_run=3, seconds=0.25, params=51, **kw)


# ----- run records in project files ----------------------------------------------------------------
def test_run_record_round_trips_through_a_project_file(tmp_path):
    p = Project.from_example("xor")
    weights = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(3, np.float32)]
    a = record(name="baseline", note="the tutorial's net", pinned=True)
    a.weights = weights
    b = record(settings=TrainSettings(learning_rate=0.01, seed=3), acc=0.95, parent=a.id,
               group="g1", knobs={"lr": 0.01})
    p.runs = [a, b]
    path = pf.save_project(p, tmp_path / "x.nnstudio")
    doc = json.loads(path.read_text())
    assert doc["version"] == pf.VERSION == 3
    assert [r["id"] for r in doc["runs"]] == [a.id, b.id]
    assert doc["runs"][0]["weights"] == f"x.runs/{a.id}.npz" and doc["runs"][1]["weights"] is None
    assert doc["runs"][0]["history"]["loss"][2] is None  # NaN is stored as null
    q = pf.load_project(path)
    assert [r.to_dict() for r in q.runs] == [a.to_dict(), b.to_dict()]
    assert q.runs[0].name == "baseline" and q.runs[0].pinned and q.runs[1].parent == a.id
    assert math.isnan(q.runs[0].history["loss"][2])
    assert q.runs[1].seed == 3 and q.runs[1].metric("val_accuracy") == 0.95
    got = q.runs[0].load_weights()
    assert len(got) == 2 and all(np.array_equal(x, y) for x, y in zip(got, weights))
    assert q.runs[1].load_weights() is None
    # saved elsewhere (Save As): the weights file is copied; dropping the run deletes its file
    q.runs = q.runs[:1]
    other = pf.save_project(q, tmp_path / "y.nnstudio")
    assert (tmp_path / "y.runs" / f"{a.id}.npz").is_file()
    q.runs[0].pinned = False
    store.prune_weights(q.runs, keep_last=0)
    pf.save_project(q, other)
    assert not (tmp_path / "y.runs").exists()
    assert (tmp_path / "x.runs" / f"{a.id}.npz").is_file()  # the first project is untouched


def test_open_project_returns_the_runs(tmp_path):
    p = Project.from_example("xor")
    p.runs = [record(name="one")]
    path = pf.save_project(p, tmp_path / "x.nnstudio")
    opened = pf.open_project(path, load_model=False)
    assert [r.name for r in opened.project.runs] == ["one"]


def test_version_2_projects_migrate_with_no_runs(tmp_path):
    raw = json.loads((CORPUS / "good.nnstudio").read_text())
    assert raw["version"] == 2 and "runs" not in raw
    doc = pf.read_document(CORPUS / "good.nnstudio")
    assert doc["version"] == 3 and doc["runs"] == []
    # a version 2 project as nnstudio wrote it before runs existed opens, with no runs, and saves
    # as version 3
    path = pf.save_project(Project.from_example("xor"), tmp_path / "old.nnstudio")
    old = json.loads(path.read_text())
    old["version"] = 2
    del old["runs"]
    path.write_text(json.dumps(old))
    p = pf.load_project(path)
    assert p.runs == [] and p.spec.to_dict() == Project.from_example("xor").spec.to_dict()
    p.runs = [record()]
    pf.save_project(p, path)
    assert json.loads(path.read_text())["version"] == 3
    assert len(pf.load_project(path).runs) == 1


def test_a_damaged_run_entry_is_a_clear_error(tmp_path):
    path = pf.save_project(Project.from_example("xor"), tmp_path / "x.nnstudio")
    doc = json.loads(path.read_text())
    doc["runs"] = [{"id": 5}]
    path.write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="run in the project's history is invalid"):
        pf.load_project(path)
    doc["runs"] = {"not": "a list"}
    path.write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="run history is invalid"):
        pf.load_project(path)


def test_a_weights_entry_cannot_point_outside_the_runs_folder(tmp_path):
    p = Project.from_example("xor")
    p.runs = [record()]
    path = pf.save_project(p, tmp_path / "x.nnstudio")
    doc = json.loads(path.read_text())
    doc["runs"][0]["weights"] = "../../etc/passwd"
    path.write_text(json.dumps(doc))
    r = pf.load_project(path).runs[0]
    assert r.weights_file is None or r.weights_file.parent == tmp_path / "x.runs"
    assert r.load_weights() is None


def test_weights_are_kept_for_pinned_and_recent_runs_only():
    runs = [record() for _ in range(5)]
    for r in runs:
        r.weights = [np.zeros(1)]
    runs[0].pinned = True
    store.prune_weights(runs, keep_last=2)
    assert [r.weights is not None for r in runs] == [True, False, False, True, True]


# ----- statistics ----------------------------------------------------------------------------------
def test_welch_verdict_matches_a_hand_computed_case():
    from scipy import stats as sps

    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]
    # by hand: means 2.5 and 5; variances 5/3 and 20/3; se^2 = 5/12 + 20/12 = 25/12
    t = (2.5 - 5.0) / math.sqrt(25 / 12)  # -1.7320508
    df = (25 / 12) ** 2 / ((5 / 12) ** 2 / 3 + (20 / 12) ** 2 / 3)  # 4.4117647
    assert t == pytest.approx(-1.7320508) and df == pytest.approx(4.4117647)
    p = 2 * sps.t.sf(abs(t), df)
    v = stats.compare(a, b, "val_accuracy", "A", "B")
    assert v.test == "Welch's t-test"
    assert v.p_value == pytest.approx(p, rel=1e-9)
    assert 0.1 < v.p_value < 0.2 and v.within_noise is True
    assert v.a.mean == 2.5 and v.a.sd == pytest.approx(math.sqrt(5 / 3))
    assert v.difference == -2.5
    assert "within seed noise" in v.text and "over 4 seeds" in v.text


def test_verdict_says_which_is_better_beyond_noise():
    v = stats.compare([0.95, 0.96, 0.97, 0.96, 0.95], [0.80, 0.81, 0.79, 0.80, 0.82],
                      "val_accuracy", "Dropout 0.2", "no dropout")
    assert v.within_noise is False and v.p_value < 0.001
    assert "Dropout 0.2 is better beyond seed noise" in v.text
    assert v.text.startswith("Dropout 0.2: 0.958 ± 0.008 vs 0.804 ± 0.011")
    # for a loss, lower is better
    w = stats.compare([0.1, 0.11, 0.12], [0.5, 0.52, 0.51], "val_loss", "A", "B")
    assert "A is better" in w.text


def test_verdict_is_honest_about_one_seed_and_no_variation():
    v = stats.compare([0.9], [0.8, 0.85], "val_accuracy")
    assert v.p_value is None and v.within_noise is None and "one seed cannot tell" in v.text
    same = stats.compare([0.9, 0.9, 0.9], [0.9, 0.9, 0.9])
    assert same.within_noise is True and same.p_value == 1.0 and "no difference" in same.text
    fixed = stats.compare([1.0, 1.0], [0.5, 0.5])
    assert fixed.within_noise is False and "no seed-to-seed variation" in fixed.text
    none = stats.compare([], [0.5])
    assert none.within_noise is None and "no finished run" in none.text
    assert stats.summarize([float("nan"), 1.0]).n == 1


def test_rank_names_best_and_smallest_within_noise():
    groups = [[0.95, 0.96, 0.94], [0.951, 0.939, 0.952], [0.70, 0.71, 0.69]]
    rk = stats.rank(groups, params=[200, 51, 9], metric="val_accuracy")
    assert rk.best == 0 and rk.smallest == 1  # #3 is smaller but clearly worse
    one_seed = stats.rank([[0.9], [0.89]], params=[100, 10], metric="val_accuracy")
    assert one_seed.best == 0 and one_seed.smallest == 0  # cannot tell: no claim


# ----- sweeps --------------------------------------------------------------------------------------
def test_grid_expands_as_documented():
    grid = sweep.parse_grid("dropout=0,0.2;lr=0.001,0.01")
    assert grid == {"dropout": [0.0, 0.2], "lr": [0.001, 0.01]}
    assert sweep.expand(grid) == [{"dropout": 0.0, "lr": 0.001}, {"dropout": 0.0, "lr": 0.01},
                                  {"dropout": 0.2, "lr": 0.001}, {"dropout": 0.2, "lr": 0.01}]
    layers = sweep.parse_grid("layers=|dense:6:relu|dense:6:relu,dense:4:relu; units=3")
    assert layers["layers"] == ["", "dense:6:relu", "dense:6:relu,dense:4:relu"]
    assert sweep.parse_grid("batch_size=full,stochastic,16")["batch_size"] == ["full",
                                                                             "stochastic", 16]
    big = sweep.parse_grid("lr=0.1,0.01,0.001;units=2,4,8;activation=relu,tanh")
    picked = sweep.expand(big, random=5, seed=1)
    full = sweep.expand(big)
    assert len(picked) == 5 and len({json.dumps(c) for c in picked}) == 5
    assert all(c in full for c in picked)
    assert [full.index(c) for c in picked] == sorted(full.index(c) for c in picked)
    assert picked == sweep.expand(big, random=5, seed=1)  # seeded
    assert sweep.expand(big, random=100) == full


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("dropout", "has no '='"), ("speed=1", "Unknown sweep knob 'speed'"),
    ("dropout=0,1.5", "not a rate"), ("lr=-1", "not a number above 0"),
    ("optimizer=adam,warp", "unknown optimizer 'warp'"), ("units=0", "whole number"),
    ("lr=0.1;lr=0.2", "given twice"), ("lr=0.1,0.1", "repeats a value"),
    ("lr=0.1,", "empty value"), ("activation=wiggly", "unknown activation"),
])
def test_bad_grids_say_what_is_wrong(text, message):
    with pytest.raises(SettingsError, match=message):
        sweep.parse_grid(text)


def test_bad_layer_stack_in_a_grid():
    with pytest.raises(SpecError):
        sweep.parse_grid("layers=dense:x:relu")


def test_knobs_apply_to_every_hidden_layer():
    spec = NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.5),
                        LayerSpec.dense(4, "relu")])
    s = TrainSettings()
    new, ns = sweep.apply_knobs(spec, s, {"dropout": 0.2, "units": 8, "activation": "tanh",
                                          "l2": 0.01, "lr": 0.05, "batch_size": "full"})
    assert new.compact() == "dense:8:tanh:l2=0.01,dropout:0.2,dense:8:tanh:l2=0.01,dropout:0.2"
    assert ns.learning_rate == 0.05 and ns.batch_mode == "full-batch"
    assert spec.compact() == "dense:6:relu,dropout:0.5,dense:4:relu"  # the original is unchanged
    assert s == TrainSettings()
    none, _ = sweep.apply_knobs(spec, s, {"dropout": 0.0})
    assert none.compact() == "dense:6:relu,dense:4:relu"
    flat, _ = sweep.apply_knobs(spec, s, {"layers": ""})
    assert flat.hidden == []
    deep, s2 = sweep.apply_knobs(spec, s, {"layers": "dense:3:relu", "batch_size": 16,
                                          "optimizer": "sgd", "epochs": 7})
    assert deep.compact() == "dense:3:relu" and (s2.batch_size, s2.batch_mode) == (16, "mini-batch")
    assert (s2.optimizer, s2.epochs) == ("sgd", 7)


def test_presets_parse():
    for p in sweep.PRESETS.values():
        assert sweep.expand(sweep.parse_grid(p.grid))
    assert len(sweep.expand(sweep.parse_grid(sweep.PRESETS["xor-depth"].grid))) == 3


def test_a_comparison_across_class_weights_by_accuracy_says_what_accuracy_cannot_tell():
    """3 % fraud: the coach's balanced class weights found the fraud at accuracy 0.726 and the Runs
    tab said "0.726 vs 0.970 (run …) val_accuracy" — the fix looked worse by the one measure class
    weights give up. The verdict says that accuracy rewards always answering the frequent class."""
    plain = record(acc=0.970)
    weighted = record(settings=TrainSettings(class_weight="balanced"), acc=0.726)
    text = describe([plain, weighted])
    assert "0.726 vs 0.970" in text
    assert ("Class weights trade accuracy for the rarer classes' recall: compare each run's "
            "balanced accuracy and recall per class (Evaluation) rather than accuracy") in text
    assert "Class weights trade" not in describe([plain, record(acc=0.95)])  # the same weights
    # runs that kept their test balanced accuracy are compared by it
    for r, ba in ((plain, 0.5), (weighted, 0.638)):
        r.final["test"]["balanced_accuracy"] = ba
    text = describe([plain, weighted])
    assert "0.638 vs 0.500 (run" in text and "test_balanced_accuracy over 1 seed" in text, text
    assert "the verdict compares the test rows' balanced accuracy" in text


def test_runs_of_different_tasks_or_targets_get_no_verdict_between_their_losses():
    """Wine quality (3-8) trained as six classes, then as a regression: the Runs tab said "From run
    a to run b: no differences" and "0.360 vs 0.813 (run a) val_loss": the regression's squared
    error beside the classifier's cross-entropy, as if one were better."""
    classes = record(task="multiclass", target="quality", acc=0.64)
    regression = record(task="regression", target="quality")
    regression.final = {"train": {"loss": 0.24, "mae": 0.39}, "val": {"loss": 0.36, "mae": 0.47},
                        "test": {"loss": 0.31, "mae": 0.45}}
    assert describe_diff(classes, regression) == \
        "Task multi-class classification -> regression"
    text = describe([classes, regression])
    assert "val_loss" not in text and " vs " not in text, text
    assert "no verdict" in text and "multi-class classification" in text and "regression" in text
    # groups (Repeats) of the two tasks: no verdict either
    runs = [record(task=t, target="quality", group=t, settings=TrainSettings(seed=s))
            for t in ("multiclass", "regression") for s in (0, 1)]
    for r in runs[2:]:
        r.final = regression.final
    assert "no verdict" in describe(runs) and "val_accuracy" not in describe(runs)
    # `nnstudio runs`: each group by its own measure, not both by the loss
    assert [g["metric"] for g in summary(runs)["groups"]] == ["val_accuracy", "val_mae"]
    # another target: the same
    other = record(task="multiclass", target="colour")
    assert "no verdict" in describe([classes, other]) and "quality" in describe([classes, other])
    # the same task and target: a verdict as before
    assert "no verdict" not in describe([classes, record(task="multiclass", target="quality")])


def test_a_setting_a_record_leaves_out_reads_as_its_default_not_none():
    """An unweighted run's record leaves class weights out (files stay readable by older versions):
    its diff, its seed group's name and its table cell read 'None' ("class weight None ×3")."""
    plain = record()
    weighted = record(settings=TrainSettings(class_weight="balanced"))
    assert "class_weight" not in plain.settings and plain.setting("class_weight") == "none"
    assert describe_diff(plain, weighted) == "Class weight none -> balanced"
    runs = [record(settings=TrainSettings(class_weight=cw, seed=seed), group=g, name=f"repeat · seed {seed}")
            for g, cw in (("g1", "none"), ("g2", "balanced")) for seed in (0, 1)]
    text = describe(runs)
    assert "class weight none ×2" in text and "None" not in text, text


def test_the_engine_keeps_a_classifiers_balanced_accuracy_on_its_test_rows():
    y = np.array([0] * 8 + [1] * 2)
    p = np.array([[0.1]] * 8 + [[0.9], [0.2]])  # every 0 right, one 1 of two
    got = summarize(p, y, Task.BINARY, 0.3)
    assert got["accuracy"] == pytest.approx(0.9) and got["balanced_accuracy"] == pytest.approx(0.75)
    three = np.eye(3)[[0, 0, 1, 2, 2]]
    assert summarize(three, np.array([0, 1, 1, 2, 2]), Task.MULTICLASS, None)["balanced_accuracy"] == \
        pytest.approx((1 + 0.5 + 1) / 3)
    assert "balanced_accuracy" not in summarize(np.ones((3, 1)), np.ones(3), Task.REGRESSION, None)


# ----- diffs ---------------------------------------------------------------------------------------
def test_diff_in_plain_words():
    a = record(NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")]),
               TrainSettings(learning_rate=0.001))
    b = record(NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2),
                            LayerSpec.dense(4, "relu")]), TrainSettings(learning_rate=0.01))
    assert describe_diff(a, b) == "Dropout 0.2 after layer 1 added; learning rate 0.001 -> 0.01"
    assert describe_diff(b, a) == "Dropout 0.2 (layer 2) removed; learning rate 0.01 -> 0.001"
    c = record(NetworkSpec([LayerSpec.dense(8, "relu"), LayerSpec.dense(4, "relu")]),
               TrainSettings(learning_rate=0.001, seed=2, optimizer="sgd"))
    assert describe_diff(a, c) == ("Layer 1: Dense 6, relu -> Dense 8, relu; optimizer adam -> "
                                   "sgd; seed 0 -> 2")
    assert describe_diff(a, c, include_seed=False).endswith("optimizer adam -> sgd")
    assert describe_diff(a, record()) == "no differences"
    assert varying_settings([a, b, c]) == ["optimizer", "learning_rate", "seed"]


def test_a_run_is_trained_on_a_project_only_with_the_same_input_columns():
    """A run of x and y was "trained on" the project after x was unticked (only the data, the
    preprocessing, the split and the target were compared): its model opened on other inputs."""
    p = Project.from_example("xor")
    run = record(preprocess=p.preprocess.to_dict(), split=p.split.to_dict(), target=p.roles.target,
                 features=list(p.roles.features))
    run.data["name"] = p.dataset.name
    assert run.trained_on(p)
    p.roles.features.remove("x")
    p.roles.ignored["x"] = "unticked"
    assert not run.trained_on(p)
    run.features = []  # recorded before runs kept their columns: the rest still decides
    assert run.trained_on(p)


def _sweep_of(values_by_config: list[list[float]], params: list[int]):
    configs = []
    for i, (vals, n) in enumerate(zip(values_by_config, params)):
        records = [RunRecord(id=f"c{i}s{s}", spec={}, settings={"seed": s}, data={},
                             final={"val": {"accuracy": v}}) for s, v in enumerate(vals)]
        configs.append(sweep.Configuration(i, {"lr": 10 ** -i}, f"lr={10 ** -i:g}", None, i, n,
                                           f"g{i}", records))
    res = sweep.SweepResult("s", "val_accuracy", configs, len(values_by_config[0]), 1.0)
    sweep.finish(res)
    return res


def test_a_sweep_of_one_network_size_says_what_is_within_noise_of_the_best():
    """A learning-rate sweep (every configuration 51 parameters) said "No smaller network scores
    within seed noise of it": true of any sweep that keeps the network, and no answer. It names
    the configurations the seeds cannot tell from the best; a sweep over sizes keeps its line."""
    same = _sweep_of([[0.90, 0.94, 0.92], [0.95, 0.96, 0.94], [0.70, 0.71, 0.69]], [51, 51, 51])
    lines = same.summary_text()
    assert lines[0].startswith("Best by val_accuracy: lr=0.1 — 0.950")
    # 0.92 ± 0.02 vs 0.95 ± 0.01, p = 0.1: the test cannot tell them apart, but the gap is larger
    # than either's seed spread, so it is not called "within noise": more seeds would say
    assert lines[1] == ("The seeds cannot tell lr=1 from it yet, though it lies farther off than "
                        "their spread: run more seeds to know.")
    close = _sweep_of([[0.94, 0.96, 0.93], [0.95, 0.96, 0.94]], [51, 51])
    assert close.summary_text()[1] == "Within seed noise of it: lr=1."
    apart = _sweep_of([[0.90, 0.901, 0.899], [0.95, 0.951, 0.949]], [51, 51])
    assert apart.summary_text()[1] == "The seeds tell every other configuration from it."
    one = _sweep_of([[0.9], [0.95]], [51, 51])
    assert "cannot be told" in one.summary_text()[1]
    sizes = _sweep_of([[0.94, 0.96, 0.93], [0.95, 0.96, 0.94]], [17, 51])
    assert sizes.summary_text()[1].startswith("Smallest within noise of the best: lr=1 — 0.943")


def test_a_sweep_chosen_on_the_test_rows_says_their_figure_is_optimistic():
    """Without validation rows a sweep ranks by the test metric: the best configuration is then
    chosen on the rows that measure it, and its figure flatters it. The summary says so and what
    to do; a sweep ranked on validation rows does not."""
    res = _sweep_of([[0.90, 0.91, 0.92], [0.95, 0.96, 0.94]], [17, 51])
    res.metric = "test_accuracy"
    assert res.summary_text()[-1] == (
        "Chosen on the test rows (there are no validation rows): the best one's test_accuracy is "
        "an optimistic estimate of how it does on new data. Hold out validation rows to choose on, "
        "and keep the test rows for the end.")
    res.metric = "val_accuracy"
    assert not any("optimistic" in line for line in res.summary_text())


def test_a_smaller_network_the_seeds_cannot_place_is_not_recommended():
    """A sweep over sizes on churn with 3 seeds named 4 units (0.827 ± 0.020) 'smallest within
    noise' of 16 units (0.871 ± 0.003): Welch's test gave p = 0.06, so it could not call the
    4.4-point gap real, but the gap is twice the seeds' spread. The smaller network is named as
    undecided, with what to do, instead of recommended."""
    res = _sweep_of([[0.805, 0.84, 0.836], [0.868, 0.874, 0.871]], [77, 497])
    lines = res.summary_text()
    assert lines[1] == "No smaller network scores within seed noise of it."
    assert lines[2] == ("lr=1 — 0.827 ± 0.019 (77 parameters) is smaller, but 3 seeds cannot tell "
                        "whether it is as good: run more seeds to know.")
    v = res.ranking.verdicts_vs_best[0]
    assert v.within_noise is True and v.close is False
    assert "3 seeds cannot tell the difference from seed noise (p = 0.055" in v.text
    assert "run more seeds to know" in v.text


def test_runs_recorded_before_the_split_order_was_saved_are_still_trained_on_the_project():
    """The split gained 'order' (random or the last rows): a run saved without it split at random,
    and must neither stop being 'trained on' its project nor differ from a new run in its split."""
    from dataclasses import replace as _replace

    from nnstudio.core.experiments.record import RunRecord

    p = Project.from_example("xor")
    old_split = {k: v for k, v in p.split.to_dict().items() if k != "order"}
    run = record(preprocess=p.preprocess.to_dict(), split=old_split, target=p.roles.target,
                 features=list(p.roles.features))
    run.data["name"] = p.dataset.name
    old = RunRecord.from_dict(run.to_dict())
    assert old.split["order"] == "random" and old.trained_on(p)
    new = record(split=p.split.to_dict())
    assert "split" not in describe_diff(old, new)
    p.split = _replace(p.split, order="last")
    assert not old.trained_on(p)
    assert "the train/validation/test split differs (rows held out: random -> the last rows)" in describe_diff(
        old, record(split=p.split.to_dict()))
