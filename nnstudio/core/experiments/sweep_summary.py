"""A sweep's result in plain words: the best configuration, the smallest network close to it
(or what the seeds cannot tell yet), and the configurations that repeat another."""
from __future__ import annotations

from typing import TYPE_CHECKING

from nnstudio.core.experiments import stats
from nnstudio.core.numbers import fmt_spread

if TYPE_CHECKING:
    from nnstudio.core.experiments.sweep import SweepResult


def summary_lines(res: SweepResult) -> list[str]:
    """Plain-words lines: best, smallest within noise, configurations that repeat another, and
    whether the best was chosen on the rows that measure it."""
    return _ranking_lines(res) + res.notes + _chosen_on_test(res)


def _chosen_on_test(res: SweepResult) -> list[str]:
    """Ranked by a test metric (no validation rows): the winner's test figure flatters it."""
    if not res.metric.startswith("test_") or res.ranking is None or res.ranking.best is None:
        return []
    return [f"Chosen on the test rows (there are no validation rows): the best one's {res.metric} is "
            f"an optimistic estimate of how it does on new data. Hold out validation rows to "
            f"choose on, and keep the test rows for the end."]


def _ranking_lines(res: SweepResult) -> list[str]:
    """The best configuration, and the smallest close to it or what the seeds cannot tell yet."""
    out = []
    rk = res.ranking
    if rk is None or rk.best is None:
        return ["No configuration finished."]
    folds = res.unit == "fold"
    noise = "fold-to-fold noise" if folds else "seed noise"
    units, more = ("folds", "use more folds") if folds else ("seeds", "run more seeds")
    b = res.configurations[rk.best]
    sb = stats.summarize(res.values(b))
    out.append(f"Best by {res.metric}: {b.label} — {fmt_spread(sb.mean, sb.sd)} ({b.params} "
               f"parameters).")
    s = res.configurations[rk.smallest]
    close, undecided = rk.close_and_undecided(res.configurations)
    if len({c.params for c in res.configurations}) == 1:  # a learning-rate sweep: no smaller net
        if close:
            out.append(f"Within {noise} of it: {', '.join(c.label for c in close)}.")
        if undecided:
            out.append(f"The {units} cannot tell {', '.join(c.label for c in undecided)} from it "
                       f"yet, though {'it lies' if len(undecided) == 1 else 'they lie'} farther "
                       f"off than their spread: {more} to know.")
        if not close and not undecided:
            out.append(f"The {units} tell every other configuration from it."
                       if res.seeds > 1 or folds else
                       "One seed each: whether the others are within seed noise of it cannot "
                       "be told.")
        return out
    if rk.smallest == rk.best:
        out.append(f"No smaller network scores within {noise} of it.")
    else:
        ss = stats.summarize(res.values(s))
        out.append(f"Smallest within noise of the best: {s.label} — "
                   f"{fmt_spread(ss.mean, ss.sd)} ({s.params} parameters).")
    smaller = [c for c in undecided if c.params < s.params]
    if smaller:  # smaller still, but the seeds cannot say whether it is as good
        u = min(smaller, key=lambda c: c.params)
        su = stats.summarize(res.values(u))
        out.append(f"{u.label} — {fmt_spread(su.mean, su.sd)} ({u.params} parameters) is "
                   f"smaller, but {su.n} {units} cannot tell whether it is as good: {more} "
                   f"to know.")
    return out
