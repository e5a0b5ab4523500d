"""What the Data tab says about columns and the task, in plain words (no widgets)."""
from __future__ import annotations

from nnstudio.core.data.preprocess_config import LABELS, MISSING_LABELS
from nnstudio.core.data.profile import fmt_number, infinite_text
from nnstudio.core.data.roles import infer_task, is_mark_column
from nnstudio.core.data.scales import shown_scale
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task


def task_or_none(project) -> Task | None:
    try:
        return project.task
    except NNStudioError:
        return None


def task_text(project) -> str:
    t = task_or_none(project)
    if t is None:
        return "cannot be used as it is"
    how = "chosen by you" if project.task_override is not None else "inferred"
    return f"{t.label} ({how})"


def target_note(project) -> str:
    """The target's line in the Column box: the task and, for whole numbers taken as classes,
    that each value is a class of its own (0, 1, …, 31 visits become 19 unrelated classes) and
    how to predict it as a quantity instead."""
    text = f"The target: {task_text(project)}."
    k = project.whole_number_classes()
    if not k:
        return text
    target = project.roles.target
    return (f"{text} Its {k} different whole numbers are taken as {k} classes, unordered: "
            f"being off by one counts as wrong as being off by ten. If {target} is a quantity "
            f"(a count, a score), choose Task: regression to predict it as a number.")


def planned(project, col: str) -> str:
    """How a feature will be encoded (before fitting), in a few words."""
    p, cfg = project.dataset.profile(col), project.preprocess
    kind = cfg.for_column(col, "kind")
    numeric = project.dataset.is_numeric(col)
    if p.kind == "empty":
        return "empty"
    if is_mark_column(p, p.n) and cfg.for_column(col, "missing") == "constant":
        mark = p.top[0][0] if p.top else fmt_number(p.min)
        return (f"a mark: {mark} or blank, two values ({p.missing:,} blank: 'not marked', not "
                f"missing values)")
    if numeric and kind != "category":
        if p.kind == "binary" and p.integer and (p.min, p.max) == (0, 1) and kind != "number":
            text = "0/1, used as is"
        else:
            text = LABELS[cfg.for_column(col, "numeric")]
    elif p.unique == 2 and kind != "number":
        a, b = sorted(v for v, _ in p.top[:2])
        text = f"two values: {a} → 0, {b} → 1"
    else:
        encoding = cfg.for_column(col, "categorical")
        text = LABELS[encoding] + f" ({p.unique} categories)"
        if numeric:  # a zip code: proposed so (core.data.roles.code_columns), or chosen
            text += ", its numbers taken as names (a code), not amounts"
        else:
            text += _scale_note(p, encoding)
    if p.missing:
        how = cfg.for_column(col, "missing")
        how = "automatic" if how == "auto" else MISSING_LABELS[how]
        text += f"; {p.missing:,} missing: {how}"
    return text


def _scale_note(p, encoding: str) -> str:
    """Survey answers, sizes, bands: that they are an ordered scale, and what ordinal codes do
    with it (core.data.scales)."""
    order = shown_scale(p.top, p.unique)
    if order is None:
        return ""
    ends = f"{order[0]} … {order[-1]}"
    if encoding == "ordinal":
        return f", in the scale's order: {ends}"
    return f"; an ordered scale ({ends}): ordinal codes keep its order in one input"


def problems(project) -> dict[str, str]:
    """Columns that cannot be used as they are, with what to do (shown in red)."""
    out = {}
    pr = project
    cfg = pr.preprocess
    for c in pr.roles.features:
        p = project.dataset.profile(c)
        if p.kind == "mixed" and cfg.for_column(c, "kind") != "category":
            out[c] = (f"{p.strays_said()}: {p.stray_text(2)} — reopen the "
                      f"file with {'it' if p.stray_count == 1 else 'them'} as missing values, or "
                      f"ignore the column")
        elif p.n_inf and cfg.for_column(c, "kind") != "category":
            out[c] = f"{infinite_text(p.n_inf)} — reopen the file with inf as missing, or ignore it"
        elif p.kind == "empty":
            out[c] = "empty — ignore it"
    t = pr.roles.target
    if t in pr.dataset.columns:
        try:
            infer_task(*project.target_values())
        except NNStudioError as e:
            out[t] = e.message
    return out
