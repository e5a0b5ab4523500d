"""The linear baseline trains to convergence, in a bounded number of optimizer steps: 300 epochs of
a million rows were six million steps, and the Baselines tab waited for minutes."""
from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np

from nnstudio.core import baselines as bl
from nnstudio.core.settings import TrainSettings


def _data(rows):
    return SimpleNamespace(X_train=np.zeros((rows, 1), np.float32))


def test_small_data_keep_their_300_epochs_and_big_data_get_100000_steps():
    s = TrainSettings(epochs=50, batch_size=32)
    assert bl.linear_epochs(_data(750), s) == 300  # XOR: 24 steps an epoch, 7,200 steps
    assert bl.linear_epochs(_data(640_000), TrainSettings(epochs=2)) == 5  # 20,000 steps an epoch
    assert bl.linear_epochs(_data(8_000), TrainSettings(epochs=5, batch_size=10)) == 125  # churn: 800 a epoch
    assert bl.linear_epochs(_data(640_000), TrainSettings(epochs=20, batch_size=32)) == 20  # never fewer than the net's
    assert bl.linear_epochs(_data(640_000), TrainSettings(epochs=2, batch_mode="full-batch")) == 300
    assert bl.linear_epochs(_data(0), s) == 300


def _comparison(y, net, lin, task=None, key="accuracy"):
    from nnstudio.core.model.spec import Task

    task = task or Task.BINARY
    y = np.asarray(y)
    if task is Task.REGRESSION:
        score = lambda p: bl.regression_metrics(y, p)
    else:
        score = lambda p: bl.class_metrics(y, p, None, 2)
    maj = np.full(len(y), 0 if task is not Task.REGRESSION else float(np.mean(y)))
    rows = [bl.Scored(bl.NETWORK, "net", score(net), np.asarray(net)),
            bl.Scored(bl.MAJORITY, "maj", score(maj), maj),
            bl.Scored(bl.LINEAR, "lin", score(lin), np.asarray(lin))]
    return bl.Comparison("test", task, rows, key, y=y)


def test_a_difference_of_two_rows_in_178_is_within_chance():
    """A Titanic-like file: the network right on 143 of 178 test rows, the linear model on 145.
    The verdict said "1.1 points of accuracy behind the linear model … The simple model is
    enough", as if two rows were evidence. A paired test on the same rows (McNemar's) says they
    cannot be told apart, and the verdict says so."""
    rng = np.random.default_rng(0)
    y = (rng.random(178) < 0.42).astype(int)
    lin = y.copy()
    lin[:33] = 1 - lin[:33]  # wrong on 33 rows: right on 145
    net = y.copy()
    net[10:45] = 1 - net[10:45]  # wrong on 35 rows (23 of them shared): right on 143
    c = _comparison(y, net, lin)
    p = c.p_value(c.get(bl.LINEAR))
    # McNemar's exact test: 10 rows only the network gets right, 12 only the linear model
    from scipy import stats
    assert p == stats.binomtest(10, 22, 0.5).pvalue and p > 0.5
    text = c.verdict()
    assert "is 1.1 points of accuracy behind the linear model (80.3% vs 81.5%; within chance on " \
           "178 rows, p = 0.83)" in text
    assert "These rows cannot tell the network from the linear model" in text
    assert "simple model is enough" not in text
    assert "; it beats the majority rule by 18.5 points of accuracy (80.3% vs 61.8%) on" in text
    assert c.to_dict()["models"]["linear"]["p_value_vs_network"] == p
    # the same shares on 60 times the rows are a real difference: said as before
    big = _comparison(np.tile(y, 60), np.tile(net, 60), np.tile(lin, 60))
    assert big.p_value(big.get(bl.LINEAR)) < 0.05
    assert "within chance" not in big.verdict() and "simple model is enough" in big.verdict()


def test_balanced_accuracy_and_rmse_are_tested_on_the_same_rows_too():
    from nnstudio.core.model.spec import Task

    rng = np.random.default_rng(1)
    y = (rng.random(60) < 0.15).astype(int)
    net, lin = y.copy(), y.copy()
    net[np.flatnonzero(y == 1)[:2]] = 0  # two positives missed: balanced accuracy ~0.1 lower
    c = _comparison(y, net, lin, key="balanced_accuracy")
    p = c.p_value(c.get(bl.LINEAR))
    assert 0.05 < p < 1 and "within chance on 60 rows" in c.verdict()
    assert c.p_value(c.get(bl.NETWORK)) == 1.0  # a model against itself
    # regression: errors of 1.0 against 1.1 on 50 rows (noisy), then on 5,000
    yr = rng.normal(size=50)
    a, b = yr + rng.normal(0, 1.0, 50), yr + rng.normal(0, 1.1, 50)
    r = _comparison(yr, a, b, Task.REGRESSION, "rmse")
    assert r.p_value(r.get(bl.LINEAR)) > 0.05 and "cannot tell the network from a straight line" in r.verdict()
    yr = rng.normal(size=5000)
    a, b = yr + rng.normal(0, 1.0, 5000), yr + rng.normal(0, 1.3, 5000)
    r = _comparison(yr, a, b, Task.REGRESSION, "rmse")
    assert r.p_value(r.get(bl.LINEAR)) < 1e-6 and "within chance" not in r.verdict()


def test_a_regressions_simple_baseline_is_named_the_mean_not_a_majority_rule():
    """'The majority rule' is a classifier's baseline; a regression's is always the training mean,
    and the verdict and the table call it that."""
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.core.model.spec import Task

    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 1)).astype(np.float32)
    y = 3 * X[:, 0] + 10
    data = SimpleNamespace(task=Task.REGRESSION, X_train=X, y_train=y, X_test=X, y_test=y,
                           n_classes=0)
    net = [ForwardLayer("dense", np.float32([[3.0]]), np.float32([10.0]), "linear")]
    c = bl.compare(net, data, TrainSettings(), train_linear=False)
    assert c.get(bl.MAJORITY).name == "the mean"
    assert re.search(r"has an RMSE \d+% lower than the mean \(", c.verdict()) and "majority" not in c.verdict()
    text = "\n".join(c.lines())
    assert "  the mean " in text and "majority" not in text
    # in dollars, the figures read as prices: "(3435 vs 1.479e+04)" was the verdict's way
    dollars = SimpleNamespace(task=Task.REGRESSION, X_train=X, y_train=y * 5000, X_test=X,
                              y_test=y * 5000 + rng.normal(0, 2000, 40), n_classes=0)
    net = [ForwardLayer("dense", np.float32([[15_000.0]]), np.float32([50_000.0]), "linear")]
    v = bl.compare(net, dollars, TrainSettings(), train_linear=False).verdict()
    assert re.search(r"RMSE \d+% lower than the mean \(\d,\d{3} vs \d\d,\d{3}\)", v), v


def test_amounts_in_the_report_and_the_baselines_read_as_the_evaluation_tab_writes_them():
    """An HTML report of house prices wrote MAE 3.122e+04, RMSE 4.4e+04 and "always the training
    mean (5.95e+05)" beside the Evaluation tab's 31,220 and 43,999."""
    from nnstudio.core.report import _cell

    assert _cell(31_220.4) == "31,220" and _cell(43_999.0) == "43,999"
    assert _cell(1.538e9) == "1.538e+09" and _cell(0.969) == "0.9690" and _cell(-0.001517) == "-0.0015"
    assert _cell(1_280) == "1,280" and _cell(float("nan")) == "—"
    from nnstudio.core.forward import ForwardLayer
    from nnstudio.core.model.spec import Task

    X = np.float32([[0.0], [1.0], [2.0]])
    y = np.array([400_000.0, 595_321.0, 790_642.0])
    data = SimpleNamespace(task=Task.REGRESSION, X_train=X, y_train=y, X_test=X, y_test=y, n_classes=0)
    net = [ForwardLayer("dense", np.float32([[195_321.0]]), np.float32([400_000.0]), "linear")]
    mean = bl.compare(net, data, TrainSettings(), train_linear=False).get(bl.MAJORITY)
    assert mean.description == "always the training mean (595,321)", mean.description


def test_a_straight_line_clearly_ahead_is_said_to_do_better_not_as_well():
    """Sales over time, the last rows held out: the linear model's RMSE 9.5 against the
    network's 60.6 was 'A straight line does as well'. Level is 'as well'; clearly ahead is
    'better'."""
    from nnstudio.core.model.spec import Task

    rng = np.random.default_rng(2)
    y = rng.normal(size=500)
    ahead = _comparison(y, y + rng.normal(0, 1.0, 500), y + rng.normal(0, 0.2, 500), Task.REGRESSION, "rmse")
    assert "A straight line does better: the hidden layers do not pay for themselves" in ahead.verdict()
    net = y + rng.normal(0, 1.0, 500)
    level = _comparison(y, net, net + 0.001, Task.REGRESSION, "rmse")  # the same errors, near enough
    assert "A straight line does as well: the hidden layers" in level.verdict()
