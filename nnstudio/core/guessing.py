"""Is the trained network better than guessing? The plain baseline of a result, in plain words.

Classification: the *majority rate* is the accuracy of always answering the class most frequent in
the training rows, measured on the same rows as the network (the test split; the validation split
when there is no test split; the training split when there is neither). The network is "clearly
above" it when its accuracy beats that rate by more than a one-sided 95 % margin of a proportion
measured on that many rows (1.645 standard errors, at least 2 points), so 0.50 against 0.40 on
10 rows is *not* better than guessing, while 0.95 against 0.40 on 90 rows is. On rows so few that
even a perfect score is not clearly above (OR's 4 rows: 1.000 against 0.750), neither is said.

Regression: R² on those rows; R² <= 0 means no better than predicting the mean for every row,
and an R² above 0 counts only when the network's squared errors are clearly below those of
predicting the training mean on the same rows (a one-sided paired t-test at 5 %): R² 0.001 on 54
rows is within chance of guessing. And it must reach 0.02 (as accuracy must beat the majority
rate by 2 points): on thousands of rows a network a hair from the mean passes the test with R²
0.000, which is no answer to "does it beat guessing".

Rows held out in whole groups (the visits of one patient) are not independent: a group's rows
mostly agree, so 200 rows of 40 patients are nearer 40 answers than 200. There the accuracy's
margin is taken on the rows they count as (:func:`effective_rows`: the rows over the design effect
of the network's gain over the majority rule, measured group by group), and the regression's
paired test is made over the groups; the verdict says so.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nnstudio.core.model.spec import Task
from nnstudio.core.training.evaluation import class_counts

#: z of a one-sided 95 % test, and the smallest margin over the majority rate that counts.
Z_ONE_SIDED = 1.645
MIN_MARGIN = 0.02
#: A class with a smaller share of the training rows than this is rare: there accuracy says less
#: than each class's recall, so a network not clearly above the majority rate is judged by its
#: balanced accuracy too, and the coach offers balanced class weights (with balanced classes the
#: two measures agree, and a second test would only be a second chance).
RARE_SHARE = 0.3
#: A regression's R² above 0 counts when the paired test's one-sided p is below this,
CHANCE_P = 0.05
#: and the R² reaches this.
MIN_R2 = 0.02


def _split(data) -> tuple[str, str, np.ndarray, np.ndarray]:
    """(key for result.test, name, X, y) of the rows the baseline is measured on."""
    if len(data.y_test):
        return "test", "test", data.X_test, data.y_test
    if len(data.y_val):
        return "val", "validation", data.X_val, data.y_val
    return "train", "training", data.X_train, data.y_train


def _rows(n: int, name: str = "") -> str:
    """'the 200 test rows', 'the 1 test row'; without a name, '200 rows' / '1 row'."""
    text = f"{n:,} {name} row" if name else f"{n:,} row"
    text += "" if n == 1 else "s"
    return f"the {text}" if name else text


def margin(p: float, n: int) -> float:
    """How far above the majority rate ``p`` an accuracy on ``n`` rows must be to count."""
    se = math.sqrt(max(p * (1 - p), 0.0) / max(1, n))
    return max(MIN_MARGIN, Z_ONE_SIDED * se)


def balanced_test(y, pred, n_eff: float | None = None) -> tuple[float, float, float]:
    """(balanced accuracy, chance, margin) of answers ``pred`` to classes ``y``: each present
    class's recall averaged; what answers that ignore the inputs score on average (the mean share
    of the answers given to each present class: 1/k for one class always); and how far above it
    the balanced accuracy must be, a one-sided 95 % margin under that null (at least 2 points).
    ``n_eff``: the independent rows the rows count as (rows in groups)."""
    rows, right, given = class_counts(y, pred)
    present = rows > 0
    if not present.any():
        return float("nan"), float("nan"), float("nan")
    counts = rows[present].astype(np.float64)
    q = given[present] / counts.sum()  # the answers' shares
    ba = float(np.mean(right[present] / counts))
    var = float(np.sum(q * (1 - q) / counts)) / len(counts) ** 2
    if n_eff is not None and n_eff > 0:
        var *= counts.sum() / n_eff  # the design effect of rows in groups
    return ba, float(np.mean(q)), max(MIN_MARGIN, Z_ONE_SIDED * math.sqrt(var))


def ranks_above_chance(auc: float | None, y) -> bool:
    """Whether a binary ROC AUC on classes ``y`` is clearly above 0.5 (one-sided 5 %, the
    Mann-Whitney statistic's spread when the scores ignore the class)."""
    y = np.asarray(y).ravel()
    n1 = int(np.sum(y == 1))
    n0 = len(y) - n1
    if auc is None or not n1 or not n0:
        return False
    return auc - 0.5 > Z_ONE_SIDED * math.sqrt((n0 + n1 + 1) / (12.0 * n0 * n1))


def balanced_verdict(ba: float, chance: float, acc: float, p: float, label, rows: str, rare=None,
                     whose: str = "Its accuracy") -> str:
    """Answers that tell the classes apart (balanced accuracy clearly above chance) at the cost of
    accuracy (not clearly above the majority rate ``p``): what class weights buy."""
    text = (f"Better than guessing at telling the classes apart: balanced accuracy {ba:.3f} on "
            f"{rows} (each class's recall, averaged), against {chance:.3f} for answers that "
            f"ignore the inputs. {whose}, {acc:.3f}, is ")
    if acc >= p:
        return text + f"not clearly above the {p:.3f} of always answering '{label}'."
    return (text + f"below the {p:.3f} of always answering '{label}': it gives up right '{label}' "
            f"answers to find " + (f"more '{rare}' rows" if rare is not None else "the rarer classes")
            + " (Evaluation: each class's recall).")


def effective_rows(values, groups) -> float:
    """How many independent rows a mean of ``values`` over rows in ``groups`` is worth: the rows
    over the design effect (the mean's variance with each group's rows summed, against its variance
    as if every row stood alone; at least 1). Rows of a group that agree count as about one; rows
    that vary as much within their group as between groups each count."""
    v = np.asarray(values, np.float64)
    n = len(v)
    inv = np.unique(np.asarray(groups), return_inverse=True)[1]
    k = int(inv.max()) + 1 if n else 0
    dev = v - v.mean() if n else v
    alone = float(dev @ dev) * n / max(1, n - 1)
    if k >= n or alone <= 0:
        return float(n)
    if k < 2:
        return 1.0
    sums = np.bincount(inv, weights=dev)
    together = float(sums @ sums) * k / (k - 1)
    return n / max(1.0, together / alone)


def _groups(data, key: str) -> tuple[np.ndarray, str] | None:
    """The rows' groups on split ``key`` and the column naming them, when whole groups were held
    out (None otherwise, and for a duck-typed data without them)."""
    return data.held_groups(key) if hasattr(data, "held_groups") else None


def grouped_text(rows: str, grouped: tuple[np.ndarray, str] | None, n_eff: float | None) -> str:
    """" The 200 test rows come from 40 groups of 'patient_id', whose rows are alike: they count
    as about 39 independent rows." when a verdict's rows were held out in whole groups."""
    if grouped is None:
        return ""
    groups, column = grouped
    k = len(np.unique(groups))
    text = f" {rows[:1].upper()}{rows[1:]} come from {k:,} groups of '{column}', whose rows are alike"
    if n_eff is not None and round(n_eff) < len(groups):
        return text + f": they count as about {round(n_eff):,} independent rows."
    return text + ": the test was made over the groups."


def baseline(data, result) -> dict:
    """The baseline of a finished run (``data``: PreparedData, ``result``: TrainResult).

    Classification: ``{"split", "rows", "majority_class", "majority_accuracy", "accuracy",
    "better_than_guessing", "too_few_rows", "verdict"}`` (``too_few_rows``: even every row right
    would not be clearly above the majority rate, so neither is said); regression: ``{"split", "rows", "r2",
    "better_than_guessing", "verdict"}``. ``verdict`` says it in plain words."""
    key, name, X, y = _split(data)
    n = int(len(y))
    out: dict = {"split": name, "rows": n}
    task = data.task
    if task is Task.REGRESSION:
        out.update(_regression(data, result, key, name, X, y))
        return out
    major = _majority(data)
    classes = data.preprocessor.classes
    label = classes[major] if major < len(classes) else major
    p = float(np.mean(np.asarray(y) == major)) if n else float("nan")
    acc = _accuracy(data, result, key, X, y)
    out.update({"majority_class": label.item() if isinstance(label, np.generic) else label,
                "majority_accuracy": p, "accuracy": acc})
    if acc is None or not n:
        out["better_than_guessing"] = False
        out["verdict"] = "There are no rows to measure the network against guessing."
        return out
    grouped = _groups(data, key)
    n_eff = None
    pred = _answers(data, result, key) if grouped is not None else None
    if pred is not None:
        right = pred == np.asarray(y)
        n_eff = effective_rows(right.astype(float) - (np.asarray(y) == major), grouped[0])
        out["effective_rows"] = n_eff
    auc: list = []  # asked once, of the judge or of the ranking's note

    def roc_auc():
        if not auc:
            auc.append(_roc_auc(data, result, X, y))
        return auc[0]

    out.update(judge_accuracy(acc, p, n, out["majority_class"], name, _rare_label(classes, major),
                              roc_auc, n_eff))
    rare = not out["better_than_guessing"] and not out["too_few_rows"] and rarest_share(data) < RARE_SHARE
    if rare and pred is None:
        pred = _answers(data, result, key)
    if rare and pred is not None:
        # not clearly above always answering the most frequent class: do its answers tell the
        # classes apart all the same (balanced class weights trade accuracy for that)?
        ba, chance, m = balanced_test(y, pred, n_eff)
        out.update(balanced_accuracy=ba, balanced_chance=chance, balanced_margin=m)
        if ba - chance > m:
            out.update(better_than_guessing=True, imbalanced=False,
                       verdict=balanced_verdict(ba, chance, acc, p, out["majority_class"], _rows(n, name),
                                               _rare_label(classes, major)))
        elif not out["imbalanced"] and grouped is None and ranks_above_chance(roc_auc(), y):
            out["roc_auc"] = auc[0]
            out["verdict"] += (f" Yet its probabilities rank the rows better than chance (ROC AUC "
                               f"{auc[0]:.3f}; 0.5: chance): move the threshold (Evaluation, "
                               f"Threshold) or weigh the classes (class weights) to turn that "
                               f"into answers.")
    if n_eff is not None and not out["imbalanced"]:
        out["verdict"] += grouped_text(_rows(n, name), grouped, n_eff)
    return out


def _answers(data, result, key: str) -> np.ndarray | None:
    """The network's answers (class codes) on split ``key`` (None: no model or no rows)."""
    if getattr(result, "model", None) is None or not len(getattr(data, f"y_{key}", ())):
        return None
    from nnstudio.core.evaluate import evaluate  # noqa: PLC0415 -- lazy: see _accuracy

    return np.asarray(evaluate(result.model, data, key).y_pred)


def _skill(y, pred, mean: float) -> float:
    """The share of the training mean's squared error on rows ``y`` that the answers ``pred``
    save (1 - SSE / SSE of the mean; nan when the mean is exact on every row). Unlike R², which
    compares with the rows' own mean, this compares with the guess a user could make in
    advance: on later rows of a trend the two part (R² -4.1, 89 % below the mean's error)."""
    y = np.asarray(y, np.float64).reshape(len(y), -1)[:, 0]
    base = float(np.sum((y - mean) ** 2))
    err = float(np.sum((np.asarray(pred, np.float64).reshape(len(y), -1)[:, 0] - y) ** 2))
    return 1.0 - err / base if base > 0 else float("nan")


def _regression(data, result, key: str, name: str, X, y) -> dict:
    """``baseline`` of a regression: R², the share of the training mean's squared error saved
    (``skill``), whether that is clearly above 0 and at least MIN_R2, and the verdict."""
    n = int(len(y))
    rows = _rows(n, name)
    r2, pred = _r2(data, result, key, X, y)
    out: dict = {"r2": r2}
    skill = r2 if pred is None or r2 is None else _skill(y, pred, float(np.mean(data.y_train)))
    if pred is not None and skill is not None:
        out["skill"] = skill
    ok = r2 is not None and math.isfinite(r2) and skill is not None and math.isfinite(skill) and skill > 0
    grouped = _groups(data, key)
    p = (_p_below_mean(data, y, pred, grouped[0] if grouped else None)
         if ok and pred is not None else None)
    chance = p is not None and p >= CHANCE_P
    hardly = ok and not chance and skill < MIN_R2
    ok = ok and not chance and not hardly
    out["better_than_guessing"] = bool(ok)
    # R² compares with the rows' own mean; the guess is the training mean: where the two part
    # (the rows' values sit away from the training rows'), the verdict speaks of the guess
    apart = r2 is not None and skill is not None and r2 < MIN_R2 <= skill
    saved = (f"its squared error on {rows} is {skill:.0%} below that of predicting the training "
             f"mean for every row" if skill is not None and math.isfinite(skill) else "")
    if r2 is None or not math.isfinite(r2):
        out["verdict"] = (f"R² cannot be measured on {rows} (their target does not "
                          f"vary), so it is not known whether the network beats predicting the mean.")
    elif chance:
        said = (f"R² {r2:.3f} on {rows} is within chance of predicting the training mean for every "
                f"row" if r2 > 0 else f"{saved}, which is within chance")
        out["verdict"] = (f"Not clearly better than guessing: {said} (p = {p:.2g})."
                          f"{grouped_text(rows, grouped, None)}")
    elif hardly:
        said = (f"R² {r2:.3f} on {rows}, below {MIN_R2}: predicting the training mean for every "
                f"row does almost as well" if r2 > 0 else f"{saved}, under {MIN_R2:.0%}")
        out["verdict"] = f"Hardly better than guessing: {said}."
    elif ok and apart:
        out["verdict"] = (f"Better than guessing: {saved}. R² is {r2:.3f} all the same: these rows' "
                          f"values sit away from the training rows' (later rows of data in time "
                          f"order?), and R² compares with their own mean, which no prediction "
                          f"knows in advance.")
    elif ok:
        out["verdict"] = (f"Better than guessing: R² {r2:.3f} on {rows} (0 would be "
                          f"no better than predicting the mean for every row).")
    else:
        out["verdict"] = (f"No better than guessing: R² is {r2:.3f} on {rows}, so "
                          f"predicting the training mean for every row would do as well or better.")
    return out


def judge_accuracy(acc: float, p: float, n: int, label, name: str, rare=None,
                   roc_auc: Callable[[], float | None] = lambda: None,
                   n_eff: float | None = None) -> dict:
    """Accuracy ``acc`` on ``n`` rows of split ``name`` against the majority rate ``p`` (of the
    class ``label``; ``rare``: the other of two): ``better_than_guessing``, ``imbalanced`` (then
    ``roc_auc``, asked of ``roc_auc()``), ``too_few_rows`` and the ``verdict`` in words. In memory
    and streamed alike. ``n_eff``: the independent rows the ``n`` count as (rows in groups)."""
    m = margin(p, n if n_eff is None else n_eff)
    ok = acc - p > m
    out: dict = {"better_than_guessing": bool(ok),
                 # a class so rare that always answering the other is within the 2-point floor of
                 # a perfect score, on rows enough that the sampling margin alone would let a
                 # perfect score count
                 "imbalanced": bool(not ok and rare_class(p, n))}
    # on a handful of rows not even a perfect score is clearly above the rate: no verdict either way
    out["too_few_rows"] = bool(not ok and not out["imbalanced"] and acc > p and 1.0 - p <= m)
    if out["imbalanced"]:
        out["roc_auc"] = roc_auc()
        out["verdict"] = imbalanced_verdict(label, p, f"{name} accuracy {acc:.3f}", _rows(n, name),
                                             rare, out["roc_auc"], "Its")
    elif out["too_few_rows"]:
        out["verdict"] = (f"Too few rows to tell from guessing: {name} accuracy {acc:.3f} against "
                          f"{p:.3f} for always answering the most frequent class ('{label}'), on "
                          f"{n:,} rows; even all of them right would not be clearly above it.")
    elif ok:
        out["verdict"] = (f"Better than guessing: {name} accuracy {acc:.3f}, against {p:.3f} for always "
                          f"answering the most frequent class ('{label}').")
    else:
        out["verdict"] = (f"No better than guessing: {name} accuracy {acc:.3f} is not clearly above "
                          f"{p:.3f}, what always answering the most frequent class ('{label}') scores "
                          + ("on this one row." if n == 1 else f"on these {n:,} rows."))
    if not out["imbalanced"] and not out["too_few_rows"] and n > 1:
        loose, interval = loose_text(acc, n, n_eff)
        if interval is not None:
            out["verdict"] += loose
            out["accuracy_interval"] = interval
    return out


#: An accuracy's 95 % interval wider than this (15 points) is said beside it: on a study's 8 test
#: rows a perfect score is anywhere from 0.68 to 1 for new rows.
LOOSE_WIDTH = 0.15


def accuracy_interval(acc: float, n: float) -> tuple[float, float]:
    """Wilson's 95 % interval of an accuracy measured on ``n`` (independent) rows."""
    from scipy.stats import binomtest  # noqa: PLC0415 -- lazy: SciPy loads only when a verdict is made

    k = max(1, round(n))
    ci = binomtest(min(k, round(acc * k)), k).proportion_ci(method="wilson")
    return float(ci.low), float(ci.high)


def loose_text(acc: float, n: int, n_eff: float | None = None) -> tuple[str, tuple[float, float] | None]:
    """The sentence that says how loose an accuracy on few rows is, and its interval ("" and
    None where the rows pin it down to within LOOSE_WIDTH). ``n_eff``: the independent rows
    that ``n`` rows in groups count as."""
    lo, hi = accuracy_interval(acc, n if n_eff is None else n_eff)
    if hi - lo <= LOOSE_WIDTH:
        return "", None
    rows = f"only {n:,} rows" if n_eff is None else f"{n:,} rows that count as {round(n_eff):,}"
    return (f" Measured on {rows}, the figure is loose: 95 % interval {lo:.3f}–{hi:.3f} for new "
            f"rows like these.", (lo, hi))


def rare_class(p: float, n: int) -> bool:
    """Whether the majority rate ``p`` on ``n`` rows leaves accuracy nothing to show: within the
    2-point floor of a perfect score, on rows enough that the sampling margin alone would not be
    (2 % fraud on 4,000 rows; not OR's 4 rows, which are too few)."""
    return bool(n) and 1.0 - p <= MIN_MARGIN and Z_ONE_SIDED * math.sqrt(p * (1 - p) / n) < 1.0 - p


def _train_counts(data) -> np.ndarray:
    """The training rows of each class."""
    return np.bincount(np.asarray(data.y_train, dtype=np.int64), minlength=max(1, data.n_classes))


def rarest_share(data) -> float:
    """The share of the training rows of the rarest class among them (0.0: no rows)."""
    counts = _train_counts(data)
    return float(np.min(counts[counts > 0]) / counts.sum()) if counts.sum() else 0.0


def _majority(data) -> int:
    """The number of the most frequent class among the training rows."""
    return int(np.argmax(_train_counts(data)))


def _rare_label(classes, major: int):
    """The class that is not the most frequent one, of two (None with more)."""
    return classes[1 - major] if len(classes) == 2 else None


def _roc_auc(data, result, X, y) -> float | None:
    """A binary network's ROC AUC on rows ``X``, ``y`` (None: not binary, no model, one class)."""
    y = np.asarray(y).reshape(len(y), -1)[:, 0].astype(np.int64)
    if data.task is not Task.BINARY or getattr(result, "model", None) is None or len(np.unique(y)) < 2:
        return None
    from sklearn.metrics import roc_auc_score  # noqa: PLC0415 -- lazy: scikit-learn loads only when this runs

    from nnstudio.core.evaluate import predict_encoded  # noqa: PLC0415 -- lazy: see _accuracy

    prob = np.asarray(predict_encoded(result.model, X), np.float64).reshape(len(y), -1)[:, -1]
    return float(roc_auc_score(y, prob))


def imbalanced_verdict(label, p: float, figure: str, rows: str, rare, auc: float | None,
                       whose: str) -> str:
    """Accuracy against the majority rate ``p`` of class ``label`` says nothing of a class this
    rare: what says more."""
    text = (f"Accuracy cannot tell here: always answering the most frequent class ('{label}') "
            f"scores {p:.3f} on {rows}, so {figure} says little of what the network learned.")
    if auc is None:
        return text + (" Judge it by each class's recall (Evaluation tab), and weigh the classes "
                       "(class weights) so the rare one counts.")
    ranked = f"every '{rare}' row ranked above the others" if rare is not None else "perfect ranking"
    return text + (f" {whose} ROC AUC, {auc:.3f} (0.5: chance; 1: {ranked}), says more: weigh "
                   f"the classes (class weights) or move the threshold (Evaluation, Threshold) to "
                   f"trade the two classes' errors.")


def _accuracy(data, result, key: str, X, y) -> float | None:
    if key == "test" and "accuracy" in getattr(result, "test", {}):
        return float(result.test["accuracy"])
    if not len(y) or getattr(result, "model", None) is None:
        return None
    from nnstudio.core.evaluate import evaluate  # noqa: PLC0415 -- lazy: SciPy, pandas load only when this runs, not at start-up

    return evaluate(result.model, data, key).metrics.get("accuracy")


def _r2(data, result, key: str, X, y) -> tuple[float | None, np.ndarray | None]:
    """The network's R² on one split, and its answers there (None, None: no rows or no model)."""
    if not len(y) or getattr(result, "model", None) is None:
        return None, None
    from nnstudio.core.evaluate import evaluate  # noqa: PLC0415 -- lazy: SciPy, pandas load only when this runs, not at start-up

    ev = evaluate(result.model, data, key)
    r2 = ev.metrics.get("r2")
    return (None if r2 is None else float(r2)), ev.y_pred


def _p_below_mean(data, y, pred, groups=None) -> float:
    """One-sided p-value that the answers ``pred`` have smaller squared errors on rows ``y`` than
    always the training mean (a paired t-test, as the Baselines tab's verdict; over the groups
    when ``groups``)."""
    from nnstudio.core.baselines import paired_p  # noqa: PLC0415 -- lazy: SciPy loads only when this runs

    y = np.asarray(y, np.float64)
    mean = np.full(len(y), float(np.mean(data.y_train)))
    two = paired_p("rmse", y, pred, mean, groups)
    better = np.mean((np.asarray(pred, np.float64) - y) ** 2) < np.mean((mean - y) ** 2)
    return two / 2 if better else 1 - two / 2


def baseline_of_runs(data, results: list) -> dict:
    """The baseline of several runs (``--repeat``): the mean accuracy (or R²) against the baseline."""
    each = [baseline(data, r) for r in results]
    out = dict(each[-1])
    key = "r2" if data.task is Task.REGRESSION else "accuracy"
    vals = [b[key] for b in each if b.get(key) is not None and math.isfinite(b[key])]
    if not vals:
        return out
    mean = float(np.mean(vals))
    out[key] = mean
    out["runs"] = len(each)
    name, n = out["split"], out["rows"]
    if key == "r2":
        # as for one run: a run counts where it clearly saves some of the training mean's squared
        # error, here in most of the runs
        skills = [b.get("skill", b[key]) for b in each if b.get(key) is not None and math.isfinite(b[key])]
        skill = out["skill"] = float(np.mean(skills))
        unclear = sum(1 for b in each if b.get(key) is not None and b.get("skill", b[key]) > 0
                      and not b["better_than_guessing"])
        ok = skill > 0 and 2 * unclear < len(vals)
        if skill > 0 and not ok:
            out["verdict"] = (f"Not clearly better than guessing: mean R² {mean:.3f} over {len(vals)} "
                              f"runs on {_rows(n, name)}, not clearly better than predicting the "
                              f"training mean in {unclear} of them.")
        elif ok and mean < MIN_R2 <= skill:  # the rows' values sit away from the training rows'
            out["verdict"] = (f"Better than guessing: over {len(vals)} runs, the squared error on "
                              f"{_rows(n, name)} is {skill:.0%} below that of predicting the "
                              f"training mean for every row (mean R² {mean:.3f}: R² compares with "
                              f"these rows' own mean, which no prediction knows in advance).")
        else:
            out["verdict"] = (f"{'Better' if ok else 'No better'} than guessing: mean R² {mean:.3f} "
                              f"over {len(vals)} runs on {_rows(n, name)} (0 = predicting the mean).")
    elif _balanced_runs(out, each, mean, name, n, _rare_label(data.preprocessor.classes, _majority(data))):
        ok = True
    elif out.get("imbalanced"):
        aucs = [b["roc_auc"] for b in each if b.get("roc_auc") is not None]
        out["roc_auc"] = float(np.mean(aucs)) if aucs else None
        rare = _rare_label(data.preprocessor.classes, _majority(data))
        out["verdict"] = imbalanced_verdict(
            out["majority_class"], out["majority_accuracy"],
            f"mean {name} accuracy {mean:.3f} over {len(vals)} runs", _rows(n, name), rare,
            out["roc_auc"], "Their mean")
        ok = False
    else:
        p = out["majority_accuracy"]
        effs = [b["effective_rows"] for b in each if "effective_rows" in b]
        n_eff = float(np.mean(effs)) if effs else None
        ok = mean - p > margin(p, n if n_eff is None else n_eff)
        out["verdict"] = (f"{'Better' if ok else 'No better'} than guessing: mean {name} accuracy "
                          f"{mean:.3f} over {len(vals)} runs, against {p:.3f} for always answering the "
                          f"most frequent class ('{out['majority_class']}').")
        if n_eff is not None:
            out["effective_rows"] = n_eff
            out["verdict"] += grouped_text(_rows(n, name), _groups(data, _split(data)[0]), n_eff)
    out["better_than_guessing"] = bool(ok)
    return out


def _balanced_runs(out: dict, each: list[dict], mean_acc: float, name: str, n: int, rare) -> bool:
    """Runs none of which is clearly above the majority rate by accuracy, whose answers tell the
    classes apart on average (mean balanced accuracy clearly above the mean chance): say so in
    ``out``, and True."""
    if not all("balanced_accuracy" in b for b in each):
        return False
    ba, chance, m = (float(np.mean([b[k] for b in each]))
                     for k in ("balanced_accuracy", "balanced_chance", "balanced_margin"))
    if not ba - chance > m:
        return False
    out.update(balanced_accuracy=ba, balanced_chance=chance, imbalanced=False)
    out["verdict"] = balanced_verdict(ba, chance, mean_acc, out["majority_accuracy"],
                                      out["majority_class"], f"{_rows(n, name)}, mean over {len(each)} runs",
                                      rare, "Their mean accuracy")
    return True
