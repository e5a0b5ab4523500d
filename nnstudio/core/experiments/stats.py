"""Seed-aware statistics: a group's mean and spread, and an honest verdict between two groups.

A *group* is the runs of one configuration that differ only in their seed (Repeat N, one sweep
configuration). Comparing two groups uses **Welch's t-test** (``scipy.stats.ttest_ind`` with
``equal_var=False``: it does not assume both groups vary as much) on the final metric of each seed,
at the 5 % level. The cases a t-test cannot answer are said in words instead of given a number:
fewer than 2 seeds in a group (no spread to compare against) and no seed-to-seed variation at all.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from nnstudio.core.numbers import fmt_spread

#: A difference with p below this is called real; at or above, within seed noise.
ALPHA = 0.05
TEST_NAME = "Welch's t-test"


@dataclass
class Summary:
    n: int
    mean: float
    sd: float  # sample standard deviation (ddof=1); 0.0 for one value
    values: list[float]

    def to_dict(self) -> dict:
        """n, mean and sd for JSON (a mean or sd that is not finite: None)."""
        return {"n": self.n, "mean": _js(self.mean), "sd": _js(self.sd)}


def summarize(values) -> Summary:
    vals = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not vals:
        return Summary(0, float("nan"), float("nan"), [])
    arr = np.asarray(vals)
    return Summary(len(vals), float(arr.mean()), float(arr.std(ddof=1)) if len(vals) > 1 else 0.0,
                   vals)


def higher_is_better(metric: str) -> bool:
    return not any(metric.endswith(k) for k in ("loss", "mae", "mse"))


@dataclass
class Verdict:
    metric: str
    a: Summary
    b: Summary
    difference: float  # mean(a) - mean(b)
    test: str
    p_value: float | None  # None when no test could be made
    within_noise: bool | None  # None when it cannot be told (fewer than 2 seeds)
    text: str  # the plain-words verdict

    @property
    def close(self) -> bool:
        """Within seed noise, and no farther apart than the seeds' spread (the larger sd): what a
        recommendation may rest on. A gap the test cannot call real but larger than the spread
        (0.827 ± 0.020 against 0.871 ± 0.003 over 3 seeds, p = 0.06) is undecided, not close."""
        if not self.within_noise:
            return False
        return abs(self.difference) <= max(self.a.sd, self.b.sd) + 1e-12

    @property
    def undecided(self) -> bool:
        """The test cannot call the gap real, but it is wider than the seeds' spread: more seeds
        would tell (neither "better" nor "within noise")."""
        return bool(self.within_noise) and not self.close

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("a", "b"):
            d[k] = getattr(self, k).to_dict()
        d["difference"] = _js(self.difference)
        return d


def _js(v):
    return v if v is None or math.isfinite(v) else None


def spread_text(s: Summary, digits: int = 3) -> str:
    """A group's mean ± sd (its mean alone for one seed): 0.951 ± 0.013, 33,812 ± 781.2."""
    return fmt_spread(s.mean, s.sd if s.n > 1 else None, digits)


def _p(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}" if p < 0.1 else f"p = {p:.1f}" if p < 0.95 else f"p = {p:.2f}"


def compare(a_values, b_values, metric: str = "val_accuracy", label_a: str = "A",
            label_b: str = "B", digits: int = 3) -> Verdict:
    """Is group A's ``metric`` different from group B's, beyond seed noise?

    ``text`` reads like "Dropout 0.2: 0.951 ± 0.013 vs 0.948 ± 0.010 over 5 seeds — the difference
    is within seed noise (p = 0.7, Welch's t-test)".
    """
    a, b = summarize(a_values), summarize(b_values)
    diff = a.mean - b.mean if a.n and b.n else float("nan")
    n = (f"{a.n} seed{'s' if a.n != 1 else ''}" if a.n == b.n
         else f"{a.n} and {b.n} seeds")
    head = f"{label_a}: {spread_text(a, digits)} vs {spread_text(b, digits)} ({label_b}) {metric} over {n}"
    if a.n == 0 or b.n == 0:
        return Verdict(metric, a, b, diff, TEST_NAME, None, None,
                       f"{label_a} vs {label_b}: no finished run with {metric} to compare.")
    if a.n < 2 or b.n < 2:
        return Verdict(metric, a, b, diff, TEST_NAME, None, None,
                       f"{head} — one seed cannot tell a real difference from seed noise: repeat "
                       f"with at least 2 seeds (5 is better).")
    if a.sd == 0.0 and b.sd == 0.0:
        if a.mean == b.mean:
            return Verdict(metric, a, b, 0.0, TEST_NAME, 1.0, True,
                           f"{head} — every seed gave the same value in both: no difference.")
        return Verdict(metric, a, b, diff, TEST_NAME, 0.0, False,
                       f"{head} — no seed-to-seed variation in either group, so the difference "
                       f"is the same on every seed ({_better(diff, metric, label_a, label_b)}).")

    from scipy import stats  # noqa: PLC0415 -- lazy: SciPy loads only when this runs, not at start-up

    with warnings.catch_warnings():  # one group without spread: scipy warns, the test still holds
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.ttest_ind(a.values, b.values, equal_var=False).pvalue)
    v = Verdict(metric, a, b, diff, TEST_NAME, p, not p < ALPHA, "")
    return _said(v, head, label_a, label_b, noise="seed noise",
                 few=f"{n} cannot tell the difference from seed noise",
                 more="it is larger than the seeds' spread: run more seeds to know")


def _said(v: Verdict, head: str, label_a: str, label_b: str, *, noise: str, few: str,
          more: str) -> Verdict:
    """The verdict's words once its test is made: within ``noise``, beyond it, or (not shown real,
    not shown small) ``few`` cannot tell."""
    p = _p(v.p_value)
    if v.undecided:
        tail = f"{few} ({p}, {v.test}), though {more}"
    elif v.within_noise:
        tail = f"the difference is within {noise} ({p}, {v.test})"
    else:
        tail = f"{_better(v.difference, v.metric, label_a, label_b)} beyond {noise} ({p}, {v.test})"
    v.text = f"{head} — {tail}"
    return v


#: The test between two cross-validations of the same folds (Nadeau & Bengio, 2003).
FOLD_TEST_NAME = "corrected resampled t-test, paired by fold"


def compare_folds(a_values, b_values, metric: str, label_a: str, label_b: str, folds: int,
                  digits: int = 3) -> Verdict:
    """Group A's ``metric`` against group B's over the same k folds, paired by fold. The folds'
    training rows overlap, so their figures are not independent: the variance of the mean
    difference is taken as (1/k + held/trained) s², not s²/k (Nadeau & Bengio's correction; a
    fold of a ``folds``-fold cross-validation holds out 1/(folds - 1) of the rows it trains on),
    with k - 1 degrees of freedom (k: the folds both finished)."""
    held_share = 1 / (folds - 1)
    a, b = summarize(a_values), summarize(b_values)
    k = min(a.n, b.n)
    d = np.asarray(a.values[:k], float) - np.asarray(b.values[:k], float)
    diff = float(d.mean()) if k else float("nan")
    head = (f"{label_a}: {spread_text(a, digits)} vs {spread_text(b, digits)} ({label_b}) {metric} "
            f"over the same {k} folds")
    if k < 2:
        return Verdict(metric, a, b, diff, FOLD_TEST_NAME, None, None,
                       f"{head} — too few folds to compare.")
    sd = float(d.std(ddof=1))
    if sd == 0.0:
        same = diff == 0.0
        return Verdict(metric, a, b, diff, FOLD_TEST_NAME, 1.0 if same else 0.0, same,
                       f"{head} — " + ("every fold gave the same value in both: no difference."
                                       if same else f"the same difference on every fold "
                                                    f"({_better(diff, metric, label_a, label_b)})."))
    from scipy import stats  # noqa: PLC0415 -- lazy: SciPy loads only when this runs, not at start-up

    t = diff / math.sqrt((1 / k + held_share) * sd ** 2)
    p = float(2 * stats.t.sf(abs(t), k - 1))
    v = Verdict(metric, a, b, diff, FOLD_TEST_NAME, p, not p < ALPHA, "")
    return _said(v, head, label_a, label_b, noise="fold-to-fold noise",
                 few=f"{k} folds cannot tell the difference from fold-to-fold noise",
                 more="it is larger than its spread: use more folds or seeds")


def _better(diff: float, metric: str, label_a: str, label_b: str) -> str:
    a_better = (diff > 0) == higher_is_better(metric)
    return f"{label_a if a_better else label_b} is better"


@dataclass
class Ranking:
    metric: str
    best: int | None  # index of the best configuration by mean metric
    smallest: int | None  # the one with fewest parameters whose score is close to the best's
    verdicts_vs_best: list[Verdict | None]

    def close_and_undecided(self, items: list) -> tuple[list, list]:
        """Of ``items`` (one per configuration ranked), those close to the best
        (:attr:`Verdict.close`) and those the seeds cannot place yet (:attr:`Verdict.undecided`)."""
        pairs = list(zip(items, self.verdicts_vs_best))
        return [x for x, v in pairs if v and v.close], [x for x, v in pairs if v and v.undecided]


def rank(groups: list[list[float]], params: list[int], metric: str,
         labels: list[str] | None = None, compare_fn=None) -> Ranking:
    """The best configuration (by mean ``metric``) and the smallest network close to it
    (:attr:`Verdict.close`; fewest parameters; ties: the better mean). With one seed a
    configuration is never called "within noise" (that cannot be told), so the smallest is then
    the best itself."""
    labels = labels or [f"#{i + 1}" for i in range(len(groups))]
    compare_fn = compare_fn or compare  # a sweep over folds: compare_folds, paired fold by fold
    sums = [summarize(g) for g in groups]
    sign = 1.0 if higher_is_better(metric) else -1.0
    scored = [i for i, s in enumerate(sums) if s.n]
    if not scored:
        return Ranking(metric, None, None, [None] * len(groups))
    best = max(scored, key=lambda i: (sign * sums[i].mean, -params[i]))
    verdicts: list[Verdict | None] = []
    for i, g in enumerate(groups):
        verdicts.append(None if i == best or not sums[i].n else
                        compare_fn(g, groups[best], metric, labels[i], labels[best]))
    close = [best] + [i for i, v in enumerate(verdicts) if v is not None and v.close]
    smallest = min(close, key=lambda i: (params[i], -sign * sums[i].mean))
    return Ranking(metric, best, smallest, verdicts)
