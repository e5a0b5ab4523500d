"""Seed groups of runs and what a selection of runs says in plain words: the Runs tab's verdict
pane and `nnstudio runs` share it (no Qt here). A seed group is a Repeat or a sweep
configuration: runs of one network and settings over seeds; two groups get a verdict (Welch's
t-test, :func:`nnstudio.core.experiments.stats.compare`)."""
from __future__ import annotations

from nnstudio.core.experiments import stats
from nnstudio.core.experiments.diff import SETTING_WORDS, describe_diff, task_words, varying_settings
from nnstudio.core.experiments.record import RunRecord
from nnstudio.core.experiments.sweep import label_of
from nnstudio.core.model.spec import LayerSpec
from nnstudio.core.numbers import fmt_spread


def network_text(r: RunRecord) -> str:
    """The hidden layers in a few characters: 6-4, 6-drop 0.2-4-drop 0.2."""
    parts = []
    for d in r.spec.get("hidden", []):
        layer = LayerSpec(**d)
        parts.append(str(layer.units) if layer.kind == "dense" else
                     f"drop {layer.rate:g}" if layer.kind == "dropout" else layer.kind)
    return "-".join(parts) if parts else "(no hidden layer)"


def groups_of(runs: list[RunRecord]) -> list[list[RunRecord]]:
    """The runs gathered by seed group (a run without a group is a group of its own), in order."""
    out: dict[str, list[RunRecord]] = {}
    for r in runs:
        out.setdefault(r.group or r.id, []).append(r)
    return list(out.values())


def folds_of(group: list[RunRecord]) -> int | None:
    """k where ``group`` is a cross-validation's folds (each run one fold held out), else None."""
    k = group[0].split.get("folds") if group[0].split else None
    return k if k and all(r.split.get("folds") == k and r.split.get("fold") for r in group) else None


def paired_folds(ga: list[RunRecord], gb: list[RunRecord], metric: str) -> tuple[list, list] | None:
    """The two groups' ``metric`` fold by fold, where both cross-validated the same folds (the
    same rows, the same split, k and seed): the pairs a fold-paired verdict compares."""
    ka, kb = folds_of(ga), folds_of(gb)
    if not ka or ka != kb:
        return None
    if _folds_cut(ga[0]) != _folds_cut(gb[0]):
        return None
    a = {r.split["fold"]: r.metric(metric) for r in ga}
    b = {r.split["fold"]: r.metric(metric) for r in gb}
    both = [f for f in sorted(a) if f in b and a[f] is not None and b[f] is not None]
    return [a[f] for f in both], [b[f] for f in both]


def _folds_cut(r: RunRecord) -> tuple:
    """What decides a cross-validation's folds: the split (its k and seed), the data, the target."""
    return ({k: v for k, v in r.split.items() if k != "fold"}, r.data.get("fingerprint"), r.target, r.task)


def group_label(group: list[RunRecord]) -> str:
    r = group[0]
    if r.knobs:
        return label_of(r.knobs)
    if folds_of(group):
        return f"{folds_of(group)}-fold cross-validation"
    if len(group) > 1:
        return f"{r.label().split(' · ')[0]} ×{len(group)}"
    return r.label()


def group_labels(groups: list[list[RunRecord]]) -> list[str]:
    """Each group's label, told apart where two would read the same: two Repeats are both
    "repeat ×5" until named by what differs between them (their networks, their settings)."""
    labels = [group_label(g) if len(g) > 1 else g[0].label() for g in groups]
    for base in {x for x in labels if labels.count(x) > 1}:
        same = [i for i, x in enumerate(labels) if x == base]
        firsts = [groups[i][0] for i in same]
        nets = [network_text(r) for r in firsts]
        keys = [k for k in varying_settings(firsts) if k != "seed"]
        for n, (i, r) in enumerate(zip(same, firsts)):
            parts = [nets[n]] if len(set(nets)) > 1 else []
            parts += [f"{SETTING_WORDS.get(k, k.replace('_', ' '))} {r.setting(k)}" for k in keys]
            what = ", ".join(parts) or f"#{n + 1}"  # nothing differs: the order they ran in
            size = len(groups[i])
            if folds_of(groups[i]):
                labels[i] = f"{what}, {folds_of(groups[i])}-fold CV"
                continue
            labels[i] = f"{what} ×{size}" if size > 1 else f"{base} · {what}"
    return labels


def figures_lines(r: RunRecord) -> list[str]:
    """A run's final figures, a line per measure with its splits side by side ("Accuracy:
    training 0.945, validation 0.940, test 0.944"), not a row of key names."""
    out = []
    for key, word in (("accuracy", "Accuracy"), ("mae", "MAE"), ("loss", "Loss")):
        splits = [(name, r.metric(prefix + key)) for name, prefix in
                  (("training", ""), ("validation", "val_"), ("test", "test_"))]
        shown = [f"{name} {v:.4g}" for name, v in splits if v is not None]
        if shown:
            out.append(f"{word}: {', '.join(shown)}.")
    return ["\n".join(out)] if out else []


def weights_vary(runs: list[RunRecord]) -> bool:
    """Whether the runs differ in class weights (then accuracy is no fair measure between them)."""
    return len({repr(r.setting("class_weight")) for r in runs}) > 1


def verdict_metric(runs: list[RunRecord]) -> str:
    """The measure a verdict between ``runs`` compares: validation accuracy (or MAE) where they
    all have it; across class weights, balanced accuracy where they all kept it: a
    cross-validation's folds on their held-out fold, other runs on the test rows."""
    if weights_vary(runs):  # a cross-validation's folds keep their held-out fold's (validation)
        for key in ("val_balanced_accuracy", "test_balanced_accuracy"):
            if all(r.metric(key) is not None for r in runs):
                return key
    for key in ("val_accuracy", "val_mae", "test_accuracy", "test_mae", "accuracy", "mae"):
        if all(r.metric(key) is not None for r in runs):
            return key
    return "val_loss"


def unlike_runs(runs: list[RunRecord]) -> str:
    """Why runs that learn different things (another target, or the same one as classes and as a
    number) get no verdict: their losses and figures measure different things ("" if they don't)."""
    targets = list(dict.fromkeys(r.target for r in runs if r.target))
    tasks = list(dict.fromkeys(r.task for r in runs if r.task))
    if len(targets) < 2 and len(tasks) < 2:
        return ""
    what = ", ".join(dict.fromkeys(f"{r.target} as {task_words(r.task)}" if r.target and r.task
                                   else r.target or task_words(r.task) for r in runs))
    return (f"These runs learn different things ({what}): their losses and figures measure "
            f"different things, so there is no verdict between them. Judge each against what "
            f"guessing scores on its own rows (Evaluation > Baselines).")


def describe(runs: list[RunRecord]) -> str:
    """What the verdict pane says for a selection (plain text)."""
    if not runs:
        return ("Select runs to overlay their curves; two runs to see what differs; two seed "
                "groups (Repeat, a sweep configuration) for a verdict.")
    groups = groups_of(runs)
    lines = []
    if len(runs) == 2:
        a, b = runs
        lines.append(f"From {a.label()} to {b.label()}: {describe_diff(a, b)}.")
    names = group_labels(groups)
    apart = unlike_runs(runs)
    if apart and len(groups) >= 2:
        lines.append(apart)
    elif len(groups) == 2:
        ga, gb = groups
        na, nb = names
        metric = verdict_metric(runs)
        change = describe_diff(ga[0], gb[0], include_seed=False)
        pairs = paired_folds(gb, ga, metric)
        if pairs is not None:  # the same folds: paired fold by fold, corrected for their overlap
            v = stats.compare_folds(*pairs, metric, nb, na, folds=folds_of(ga))
        else:
            v = stats.compare([r.metric(metric) for r in gb], [r.metric(metric) for r in ga],
                              metric, nb, na)
        if len(runs) != 2:
            lines.append(f"From {na} to {nb}: {change}.")
        lines.append(v.text)
    elif len(groups) > 2:
        metric = verdict_metric(runs)
        for g, name in zip(groups, names):
            s = stats.summarize([r.metric(metric) for r in g])
            unit = "fold" if folds_of(g) else "seed"
            lines.append(f"{name}: {metric} {stats.spread_text(s)} ({s.n} "
                         f"{unit}{'s' if s.n != 1 else ''})")
    elif len(runs) > 1:  # one seed group (a Repeat): its spread, and what a verdict needs
        metric = verdict_metric(runs)
        s = stats.summarize([r.metric(metric) for r in runs])
        if s.n and folds_of(runs):
            lines.append(f"{group_label(runs)}: {metric} {fmt_spread(s.mean, s.sd)} over {s.n} "
                         f"folds held out in turn. Cross-validate another network or setting too, "
                         f"and select both, for a verdict paired fold by fold.")
        elif s.n:
            lines.append(f"{group_label(runs)}: {metric} {fmt_spread(s.mean, s.sd)} over "
                         f"{s.n} seeds. Select another seed group too (a Repeat of another "
                         f"network or setting, a sweep's configuration) for a verdict on the "
                         f"difference.")
    elif len(runs) == 1:
        r = runs[0]
        lines.append(f"{r.label()}: {r.message}")
        lines += figures_lines(r)
        if r.note:
            lines.append(r.note)
    metric = verdict_metric(runs)
    if len(groups) >= 2 and not apart and "accuracy" in metric and weights_vary(runs):
        # weighted classes give up right answers of the frequent class for the rare ones' recall
        rows = "held-out folds'" if metric.startswith("val_") else "test rows'"
        lines.append("Class weights trade accuracy for the rarer classes' recall: "
                     + (f"the verdict compares the {rows} balanced accuracy (each class's recall, "
                        "averaged), not accuracy, which always answering the most frequent class "
                        "scores well on." if metric.endswith("balanced_accuracy") else
                        "compare each run's balanced accuracy and recall per class (Evaluation) "
                        "rather than accuracy, which always answering the most frequent class "
                        "scores well on."))
    return "\n\n".join(lines)


def seed_groups(runs: list[RunRecord]) -> list[list[RunRecord]]:
    """The groups of at least two runs (Repeats, sweep configurations), in order."""
    return [g for g in groups_of(runs) if len(g) > 1]


def summary(runs: list[RunRecord]) -> dict:
    """The seed groups of ``runs`` with their mean ± sd, and the verdict between the last two
    (the question after a second Repeat: did the change help?), for `nnstudio runs` and
    `nnstudio train --repeat N --save`."""
    gs = seed_groups(runs)
    everyone = [r for g in gs for r in g]
    metric = verdict_metric(everyone) if gs else None
    out = []
    for g, name in zip(gs, group_labels(gs)):
        if unlike_runs(everyone):  # each group by its own measure: one shared would be the loss
            metric = verdict_metric(g)
        s = stats.summarize([r.metric(metric) for r in g])
        out.append({"label": name, "runs": [r.id for r in g], "metric": metric, **s.to_dict(),
                    "unit": "fold" if folds_of(g) else "seed"})
    verdict = describe(gs[-2] + gs[-1]) if len(gs) >= 2 else None
    return {"groups": out, "verdict": verdict}


def summary_lines(summ: dict) -> list[str]:
    """:func:`summary` in words, a line per group, then the verdict."""
    if not summ["groups"]:
        return []
    folds = any(g.get("unit") == "fold" for g in summ["groups"])
    lines = [f"{'Groups' if folds else 'Seed groups'} ({summ['groups'][0]['metric']}, mean ± sd):"]
    for g in summ["groups"]:
        mean = "n/a" if g["mean"] is None else f"{g['mean']:.4f} ± {g['sd']:.4f}"
        unit = g.get("unit", "seed")
        lines.append(f"  {g['label']}: {mean} over {g['n']} {unit}{'s' if g['n'] != 1 else ''}")
    if summ["verdict"]:
        lines.append("The last two: " + summ["verdict"].replace("\n\n", " "))
    return lines
