"""Is the network better than something simple? The network beside two baselines, in plain words.

* the **majority rule**: always the most frequent training class (regression: **the mean**, always
  the training mean);
* a **linear model** on the same prepared data: for classification a network with no hidden layer
  (the perceptron / logistic regression of the tutorials) trained by nnstudio's own engine with the
  project's settings; for regression ordinary least squares.

All three are scored on the same rows; :func:`verdict` says who wins by how much on the metric that
matters (balanced accuracy when the classes are imbalanced, accuracy otherwise; RMSE for
regression). Imbalance also decides which figures the Evaluation tab leads with
(:func:`leading_metrics`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from nnstudio.core import evaluate as ev
from nnstudio.core.data.profile import fmt_number
from nnstudio.core.errors import DataError
from nnstudio.core.forward import ForwardLayer
from nnstudio.core.model.spec import NetworkSpec, Task
from nnstudio.core.training.engine import train

NETWORK, MAJORITY, LINEAR = "network", "majority", "linear"
NAMES = {NETWORK: "the network", MAJORITY: "the majority rule", LINEAR: "the linear model"}
#: A regression's majority rule (always the training mean) goes by this name.
MEAN_NAME = "the mean"
#: the comparison's metrics, in the order of its columns, named as everywhere else
METRIC_LABELS = {k: ev.METRIC_NAMES[k] for k in ("accuracy", "balanced_accuracy", "f1", "roc_auc",
                                                   "average_precision", "rmse", "mae", "r2")}
#: Within this many points (classification, in %) or this share (regression RMSE) it is a tie.
TIE_POINTS = 1.0
TIE_SHARE = 0.02
#: A bigger difference whose paired test on the same rows gives a p-value of at least this is
#: "within chance on N rows": 2 rows of 178 were called "1.1 points behind the linear model".
CHANCE_P = 0.05
#: The linear (no hidden layer) classifier trains at least this many epochs, stopping early when
#: the validation loss has not improved for LINEAR_PATIENCE epochs.
LINEAR_MIN_EPOCHS = 300
LINEAR_PATIENCE = 30
#: ... unless those epochs take more optimizer steps than this: then as many epochs as make this
#: many steps (at least the network's epochs). A linear model has converged long before; 300
#: epochs of a million rows were six million steps, and the Baselines tab waited for minutes.
LINEAR_MAX_STEPS = 100_000


def linear_epochs(data, settings) -> int:
    """The epochs the linear baseline trains (at most; early stopping may end it sooner)."""
    steps = -(-max(len(data.X_train), 1) // settings.effective_batch_size(len(data.X_train)))
    return max(int(settings.epochs), min(LINEAR_MIN_EPOCHS, -(-LINEAR_MAX_STEPS // steps)))


def is_imbalanced(y_train, n_classes: int) -> bool:
    """True when the smallest class has fewer than half its even share of the training rows."""
    y = np.asarray(y_train, np.int64)
    k = max(int(n_classes), 2)
    if not len(y):
        return False
    share = np.bincount(y[y >= 0], minlength=k) / len(y)
    return bool(share.min() < 0.5 / k)


def class_metrics(y, pred, score=None, n_classes: int = 2) -> dict[str, float]:
    """accuracy, balanced accuracy, F1 (the second class's for two classes, else macro), and for two
    classes with a score: ROC AUC and PR AUC (scikit-learn)."""
    from sklearn import metrics as m  # noqa: PLC0415 -- lazy: scikit-learn loads only when this runs, not at start-up

    y = np.asarray(y, np.int64)
    pred = np.asarray(pred, np.int64)
    out = {"accuracy": float(m.accuracy_score(y, pred)),
           "balanced_accuracy": float(m.balanced_accuracy_score(y, pred)),
           "f1": float(m.f1_score(y, pred, average="binary" if n_classes == 2 else "macro",
                                  zero_division=0, labels=None if n_classes == 2 else list(range(n_classes))))}
    if score is not None and n_classes == 2 and len(np.unique(y)) == 2:
        s = np.asarray(score, np.float64)
        if len(np.unique(s)) > 1:
            out["roc_auc"] = float(m.roc_auc_score(y, s))
            out["average_precision"] = float(m.average_precision_score(y, s))
    return out


def regression_metrics(y, pred) -> dict[str, float]:
    from sklearn import metrics as m  # noqa: PLC0415 -- lazy: scikit-learn loads only when this runs, not at start-up

    y, pred = np.asarray(y, np.float64), np.asarray(pred, np.float64)
    out = {"rmse": float(np.sqrt(m.mean_squared_error(y, pred))), "mae": float(m.mean_absolute_error(y, pred))}
    if len(y) > 1 and np.var(y) > 0:
        out["r2"] = float(m.r2_score(y, pred))
    return out


def leading_metrics(e: ev.Evaluation, y_train=None) -> list[tuple[str, str, float]]:
    """(key, label, value) of one split's figures in the order the Evaluation tab shows them:
    with imbalanced classes balanced accuracy, F1 and PR AUC first and accuracy last (a model that
    always says the majority class has a high accuracy there)."""
    if e.task is Task.REGRESSION or e.y_true is None or not e.n:
        return [(k, METRIC_LABELS.get(k, k), v) for k, v in e.metrics.items()]
    k = len(e.classes)
    score = ev.class_probabilities(e.output, e.task)[:, 1] if k == 2 else None
    mets = class_metrics(e.y_true, e.y_pred, score, k)
    labels = dict(METRIC_LABELS)
    if k > 2 and "roc_auc" in e.metrics:  # each class against the rest, their mean
        mets["roc_auc"], labels["roc_auc"] = e.metrics["roc_auc"], "mean ROC AUC"
    imb = is_imbalanced(y_train if y_train is not None else e.y_true, k)
    order = (["balanced_accuracy", "f1", "average_precision", "roc_auc", "accuracy"] if imb
             else ["accuracy", "roc_auc", "f1", "balanced_accuracy", "average_precision"])
    return [(key, labels[key], mets[key]) for key in order if key in mets]


@dataclass
class Scored:
    key: str  # network | majority | linear
    description: str
    metrics: dict[str, float]
    #: its answer for each row (class codes, or values for regression): the paired test's input
    pred: np.ndarray | None = field(default=None, repr=False, compare=False)

    #: what it is called where NAMES' word does not fit (a regression's majority rule: the mean)
    called: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.called or NAMES.get(self.key, self.key)


@dataclass
class Comparison:
    split: str
    task: Task
    rows: list[Scored]
    key_metric: str
    imbalanced: bool = False
    notes: list[str] = field(default_factory=list)
    y: np.ndarray | None = field(default=None, repr=False, compare=False)  # the rows' answers
    #: each row's group when whole groups were held out (the paired tests count groups), and
    #: the column that names them
    groups: np.ndarray | None = field(default=None, repr=False, compare=False)
    group_column: str = ""

    def get(self, key: str) -> Scored | None:
        return next((r for r in self.rows if r.key == key), None)

    def p_value(self, other: Scored) -> float | None:
        """How likely a difference at least this big between the network and ``other`` on the key
        metric is, on these rows, if the two were equally good (None: not known, e.g. a comparison
        without its rows' answers). Paired, on the same rows: McNemar's exact test for accuracy
        (the rows one model gets right and the other wrong), a t-test of each row's share of the
        difference for balanced accuracy, and of the squared errors' differences for RMSE."""
        net = self.get(NETWORK)
        if self.y is None or net is None or net.pred is None or other.pred is None:
            return None
        return paired_p(self.key_metric, self.y, net.pred, other.pred, self.groups)

    def verdict(self) -> str:
        return verdict(self)

    def to_dict(self) -> dict:
        def p(r: Scored) -> dict:
            v = None if r.key == NETWORK else self.p_value(r)
            return {} if v is None else {"p_value_vs_network": v}
        return {"split": self.split, "key_metric": self.key_metric, "imbalanced": self.imbalanced,
                "verdict": self.verdict(), "notes": self.notes,
                "models": {r.key: {"description": r.description, **r.metrics, **p(r)}
                           for r in self.rows}}

    def lines(self) -> list[str]:
        keys = [k for k in METRIC_LABELS if any(k in r.metrics for r in self.rows)]
        w = max(len(r.name) for r in self.rows)
        out = [f"Baselines on {rows_text(self.split)}",
               "  " + " " * w + "".join(f"  {METRIC_LABELS[k]:>{max(8, len(METRIC_LABELS[k]))}}" for k in keys)]
        for r in self.rows:
            out.append(f"  {r.name:<{w}}" + "".join(
                f"  {r.metrics[k]:>{max(8, len(METRIC_LABELS[k]))}.4f}" if k in r.metrics
                else f"  {'—':>{max(8, len(METRIC_LABELS[k]))}}" for k in keys))
        out.append("  " + self.verdict())
        return out


def paired_p(metric: str, y, a, b, groups=None) -> float:
    """Two-sided p-value of the difference in ``metric`` between answers ``a`` and ``b`` to the
    same rows ``y`` (see :meth:`Comparison.p_value`). ``groups`` (each row's group, when whole
    groups were held out): the rows of a group are alike, so the test is made on each group's
    share of the difference (a t-test over the groups), not on the rows as if independent."""
    from scipy import stats  # noqa: PLC0415 -- lazy: SciPy (with scikit-learn) loads only when this runs

    grouped = groups is not None and len(np.unique(groups)) < len(y)
    if metric == "rmse":
        yf = np.asarray(y, np.float64)
        d = (np.asarray(a, np.float64) - yf) ** 2 - (np.asarray(b, np.float64) - yf) ** 2
    else:
        yi = np.asarray(y, np.int64)
        ra, rb = np.asarray(a, np.int64) == yi, np.asarray(b, np.int64) == yi
        if metric == "accuracy" and not grouped:
            only_a, only_b = int(np.sum(ra & ~rb)), int(np.sum(rb & ~ra))
            if only_a + only_b == 0:
                return 1.0
            return float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue)
        d = ra.astype(float) - rb.astype(float)
        if metric != "accuracy":  # balanced accuracy = sum over rows of d_i / (classes x rows of the row's class)
            _, inv, counts = np.unique(yi, return_inverse=True, return_counts=True)
            d = d * len(yi) / (len(counts) * counts[inv])
    if grouped:
        d = np.bincount(np.unique(groups, return_inverse=True)[1], weights=d)
    if not len(d) or np.all(d == d[0]):
        return 1.0 if not len(d) or d[0] == 0 else 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def _chance(c: Comparison, other: Scored) -> str:
    """"; within chance on N rows, p = …" when the paired test cannot tell the two apart."""
    p = c.p_value(other)
    if p is None or p < CHANCE_P:
        return ""
    n = len(c.y)
    return f"; within chance on {n:,} row{'s' if n != 1 else ''}{of_groups(c.groups, c.group_column)}, p = {p:.2g}"


def of_groups(groups, column: str) -> str:
    """" from 40 groups of 'patient_id'" when the rows were held out in whole groups (else "")."""
    if groups is None or not column:
        return ""
    k = len(np.unique(groups))
    return f" from {k:,} group{'s' if k != 1 else ''} of '{column}'"


def _figure(v: float) -> str:
    """An error in a verdict: 2.608, or 14,791 for a price (not 1.479e+04)."""
    return fmt_number(v) if abs(v) >= 1000 else f"{v:.4g}"


def rows_text(split: str) -> str:
    """'the test rows'; 'the file's rows' for every row of a file given to score (split "all")."""
    return "the file's rows" if split == "all" else f"the {ev.SPLIT_LABELS.get(split, split)} rows"


def verdict(c: Comparison) -> str:
    """One sentence: does the network beat the linear model (and the majority rule), by how much?"""
    k = c.key_metric
    label = METRIC_LABELS[k]
    net, lin, maj = c.get(NETWORK), c.get(LINEAR), c.get(MAJORITY)
    where = f"on {rows_text(c.split)}"
    if net is None or k not in net.metrics:
        return "No verdict: the network has not been scored."
    nv = net.metrics[k]
    if c.task is Task.REGRESSION:
        def cmp(other: Scored) -> tuple[str, float]:
            ov = other.metrics[k]
            share = (ov - nv) / ov if ov > 0 else 0.0
            return ("tie" if abs(share) <= TIE_SHARE else "win" if share > 0 else "loss"), share
        parts = []
        unsure = False  # the linear model is ahead or level only within chance
        for other in (lin, maj):
            if other is None or k not in other.metrics:
                continue
            res, share = cmp(other)
            chance = _chance(c, other) if res != "tie" else ""
            unsure = unsure or bool(chance and other.key == LINEAR)
            ov = _figure(other.metrics[k])
            if res == "tie":
                parts.append(f"is as good as {other.name} ({label} {_figure(nv)} vs {ov})")
            elif res == "win":
                parts.append(f"has an {label} {share:.0%} lower than {other.name} ({_figure(nv)} vs "
                             f"{ov}{chance})")  # (not "a 80% lower")
            else:
                parts.append(f"has an {label} {-share:.0%} higher than {other.name} ({_figure(nv)} vs "
                             f"{ov}{chance})")
        text = f"The network {' and '.join(parts)} {where}."
        if unsure:
            text += (" These rows cannot tell the network from a straight line: prefer the simple "
                     "model, or test on more rows.")
        elif lin is not None and k in lin.metrics and cmp(lin)[0] != "win":
            how = "as well" if cmp(lin)[0] == "tie" else "better"
            text += f" A straight line does {how}: the hidden layers do not pay for themselves yet."
        return text
    parts = []
    worse = unsure = False
    for other in (lin, maj):
        if other is None or k not in other.metrics:
            continue
        d = 100.0 * (nv - other.metrics[k])
        chance = _chance(c, other) if abs(d) >= TIE_POINTS else ""
        if abs(d) < TIE_POINTS:
            parts.append(f"ties with {other.name} ({label} {nv:.1%} vs {other.metrics[k]:.1%})")
            worse = worse or other.key == LINEAR
        elif d > 0:
            parts.append(f"beats {other.name} by {d:.1f} points of {label} ({nv:.1%} vs "
                         f"{other.metrics[k]:.1%}{chance})")
        else:
            parts.append(f"is {-d:.1f} points of {label} behind {other.name} ({nv:.1%} vs "
                         f"{other.metrics[k]:.1%}{chance})")
            worse = worse or (other.key == LINEAR and not chance)
        unsure = unsure or bool(chance and other.key == LINEAR)
    text = f"The network {'; it '.join(parts)} {where}."
    if worse:
        text += " The simple model is enough here: prefer it, or give the network something to learn."
    elif unsure:
        text += (" These rows cannot tell the network from the linear model: prefer the simple "
                 "model, or test on more rows.")
    if c.imbalanced:
        text += (" The classes are imbalanced, so this compares balanced accuracy (the mean recall of "
                 "the classes): always answering the majority class scores only 1/(number of classes).")
    return text


def _net_scores(key: str, description: str, out, y, task: Task, n_classes: int,
                threshold) -> Scored:
    if task is Task.REGRESSION:
        pred = np.asarray(out)[:, 0]
        return Scored(key, description, regression_metrics(y, pred), pred)
    pred = ev.predicted_codes(out, task, threshold)
    score = ev.class_probabilities(out, task)[:, 1] if n_classes == 2 else None
    return Scored(key, description, class_metrics(y, pred, score, n_classes), np.asarray(pred))


def linear_model(data, settings, *, epochs: int | None = None):
    """The linear baseline fitted on ``data``'s training rows: for classification a network with no
    hidden layer trained by the engine with ``settings`` (a Keras model); for regression least
    squares (a list of NumPy forward layers). Call off the GUI thread."""
    if data.task is Task.REGRESSION:
        X = np.asarray(data.X_train, np.float64)
        A = np.c_[X, np.ones(len(X))]
        coef, *_ = np.linalg.lstsq(A, np.asarray(data.y_train, np.float64), rcond=None)
        return [ForwardLayer("dense", coef[:-1, None].astype(np.float64), coef[-1:].astype(np.float64),
                             "linear", name="least squares")]

    # the same optimizer, learning rate, batches and class weights, but trained to convergence: a
    # linear model stopped at a deep network's epoch budget would be a straw man
    has_val = len(data.X_val) > 0
    s = replace(settings, epochs=int(epochs or linear_epochs(data, settings)),
                early_stopping=has_val, monitor="val_loss", patience=LINEAR_PATIENCE, restore_best=True)
    # a one-off network: trained on the host engine when it can (no program to compile, issue 18)
    return train(data, NetworkSpec([]), s, plain_first_run=True).model


def compare(net, data, settings, *, split: str = "test", threshold: float | None = None,
            linear=None, train_linear: bool = True) -> Comparison:
    """The network, the majority rule and the linear model scored on one split of ``data``.

    ``linear``: an already fitted linear model (see :func:`linear_model`); otherwise one is fitted
    when ``train_linear`` (classification trains a small network: seconds).
    """
    task = data.task
    X, y = ev.split_arrays(data, split)
    notes = []
    if not len(y):
        raise DataError(f"There are no {ev.SPLIT_LABELS.get(split, split)} rows to compare on.",
                        "Use a split with rows (the test split needs a test fraction above 0).")
    k = max(data.n_classes, 2) if task is not Task.REGRESSION else 1
    rows = [_net_scores(NETWORK, "the trained network", ev.predict_encoded(net, X), y, task, k,
                        threshold)]
    if task is Task.REGRESSION:
        mean = float(np.mean(data.y_train))
        always = np.full(len(y), mean)
        rows.append(Scored(MAJORITY, f"always the training mean ({fmt_number(mean)})",
                           regression_metrics(y, always), always, called=MEAN_NAME))
    else:
        counts = np.bincount(np.asarray(data.y_train, np.int64), minlength=k)
        top = int(counts.argmax())
        label = data.preprocessor.classes[top]
        always = np.full(len(y), top)
        rows.append(Scored(MAJORITY, f"always the most frequent class ({label!s})",
                           class_metrics(y, always, None, k), always))
    if linear is None and train_linear:
        linear = linear_model(data, settings)
    if linear is not None:
        desc = ("least squares on the prepared inputs" if task is Task.REGRESSION else
                "a network with no hidden layer (logistic regression), same optimizer, trained to convergence")
        rows.append(_net_scores(LINEAR, desc, ev.predict_encoded(linear, X), y, task, k, threshold))
    imb = task is not Task.REGRESSION and is_imbalanced(data.y_train, k)
    key = "rmse" if task is Task.REGRESSION else ("balanced_accuracy" if imb else "accuracy")
    groups, column = (data.held_groups(split) if hasattr(data, "held_groups") else None) or (None, "")
    return Comparison(split, task, rows, key, imb, notes, y=np.asarray(y), groups=groups,
                      group_column=column)
