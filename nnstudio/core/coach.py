"""The coach (issue 19): plain-words findings about a finished run, each with its evidence, its
reason and a fix that can be tried as a comparison run.

:func:`diagnose` reads what a run left behind — its history (the curves), its health points
(:mod:`nnstudio.core.health`), its result (status, test figures, predictions), the prepared data and
the network — and returns :class:`Finding` s with stable codes:

============== ============================================================================
code           when
============== ============================================================================
diverged       the loss became NaN / infinite (the engine stopped), or grew 10x its start
lr_too_high    the training loss oscillates (rises on many epochs, by a lot), ends far above
               its best, or (a classifier) stays at twice or more the loss of answering every
               class alike (2 ln K), without diverging; a loss settled below 5 % of where it
               started (ln K, or its first epoch) may bounce or end above its best. Also a
               loss thrown to 2 ln K or more in the first epoch that then sits at chance, and
               (a rate of 1 or more) one that never fell below chance; overfitting is then
               not said
lr_too_low     the training loss barely moved (< 2 % over the run) and the net is not good
overfitting    the validation loss rose for a while (>= 10 % above its best, >= 5 epochs),
               or was best in the run's first quarter and ended >= 2 % above it (>= 10
               epochs later), while the training loss kept falling; ``epoch`` is the best epoch
dead_relu      more than half the units of a hidden ReLU layer are never positive on the
               probe batch at the end
saturation     more than half the units of a hidden sigmoid / tanh layer are saturated (not
               said of a classifier at 95 % test accuracy or more: confident, not stalled)
majority_class a classifier answers (almost) only one class and is no better than guessing
               (named; where it is not the most frequent class, the message says so)
underfitting   a classifier's training loss levelled off (< 1 % change over its last quarter)
               after moving, and it is no better than guessing on its test rows *and* on
               its training rows: the network cannot draw the boundary the data needs
unscaled_inputs an input column the preprocessing did not scale varies over hundreds or more
               (or sits far from 0): the network sees unscaled numbers
too_few_rows   fewer training rows than a twentieth of the parameters
bottleneck     a classifier of more than two classes has a hidden Dense layer with fewer units
               than classes, and does not do well (under 95 % test accuracy): every class's
               score is made from that layer's few numbers
still_learning the run ended with its training loss still falling: its last quarter of epochs
               took >= 1/5 of its fall on a log scale and >= 5 %, or >= 30 % however it fell
               before; the validation loss still setting new lows, and the net not good: more
               epochs would help.
               Not said with a finding about the rate or overfitting, or a divergence
============== ============================================================================

Thresholds are set so the tutorial workloads W1–W4 with their default settings raise none (a
test holds them to it): a false alarm costs more trust than a missed hint. A step activation
cannot be trained at all: the network check refuses it with :data:`STEP_LESSON`, the
explanation (the OR lesson), and the CLI and the app show it.

Each finding's :class:`Fix` is a change of knobs (those of a sweep: ``lr``, ``dropout``, ``l2``,
``activation``, ``units``, ...) and settings (early stopping, class weights, initializer);
:func:`apply_fix` makes the comparison run's network and settings.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from nnstudio.core.coach_curves import (
    Finding,
    Fix,
    diverged,
    finite,
    lr_too_high,
    lr_too_low,
    overfitting,
    slow_for_target,
    still_learning,
)
from nnstudio.core.evaluate import loss_value, predict_encoded, predicted_codes
from nnstudio.core.experiments.sweep import apply_knobs
from nnstudio.core.guessing import RARE_SHARE, baseline, margin, rarest_share
from nnstudio.core.model.edits import class_width
from nnstudio.core.model.spec import MAX_DENSE_UNITS, Task, count_params
from nnstudio.core.model.spec import STEP_LESSON as SPEC_STEP_LESSON
from nnstudio.core.training.steps import target_spread

CODES = ("overfitting", "lr_too_high", "lr_too_low", "dead_relu", "saturation", "majority_class",
         "underfitting", "unscaled_inputs", "too_few_rows", "diverged",
         "still_learning", "bottleneck")

STEP_LESSON = SPEC_STEP_LESSON


def _chance_loss(data, settings) -> float | None:
    """The loss of answering every row alike, where a network starts before it learns and more
    than any network that learned anything ends with: for a classifier the cross-entropy of the
    same probability for every class, ln K (None for a loss other than cross-entropy); for a
    regression the loss of the training mean on the training rows (its output starts there)."""
    loss = str(settings.loss_for(data.task))
    if data.task is Task.REGRESSION:
        y = np.asarray(data.y_train, np.float64).reshape(len(data.y_train), -1)[:, 0]
        if not len(y):
            return None
        chance = loss_value(loss, data.task, y, np.full((len(y), 1), float(np.mean(y))))
        return chance if math.isfinite(chance) and chance > 0 else None
    if "crossentropy" not in loss:
        return None
    return float(np.log(max(2, int(data.n_classes))))


def _layer_fraction(health, key: str, code: str, spec, lr) -> Finding | None:
    last = health.last() if health is not None else None
    if last is None:
        return None
    for i, lh in enumerate(last.layers):
        frac = getattr(lh, key)
        if frac is None or lh.output or frac <= 0.5 or lh.units < 2:
            continue
        # the first report where it was already at least half
        series = health.series(i, key)
        onset = next((e for e, f in zip(health.epochs, series) if f is not None and f > 0.5),
                     last.epoch)
        name = f"hidden layer {i + 1} ({lh.units} {lh.activation} units)"
        if code == "dead_relu":
            return Finding(
                "dead_relu", f"{frac:.0%} of the units of {name} are dead: never positive on the "
                f"probe rows (since epoch {onset}).",
                "A ReLU unit whose weighted sum is negative for every input outputs 0 and gets no "
                "gradient, so it never recovers; the layer works with fewer units than it has. "
                "Usual causes: a large learning rate, or a poor initialisation.",
                epoch=onset, layer=lh.name, evidence={"layer": lh.name, "series": "dead"},
                fix=Fix("leaky ReLU and He initialisation", knobs={"activation": "leaky_relu"},
                        layers={"initializer": "he_normal"}))
        return Finding(
            "saturation", f"{frac:.0%} of the units of {name} are saturated: their weighted sums "
            f"sit where the {lh.activation} is flat (since epoch {onset}).",
            f"On its flat ends a {lh.activation} has almost no slope, so almost no gradient "
            "reaches the weights before it and learning stalls. Usual causes: unscaled inputs or "
            "too large initial weights.", epoch=onset, layer=lh.name,
            evidence={"layer": lh.name, "series": "saturated"},
            fix=Fix("ReLU instead of " + lh.activation + " (He initialisation)",
                    knobs={"activation": "relu"}, layers={"initializer": "he_normal"}))
    return None


def _majority(data, spec, result) -> Finding | None:
    if data.task is Task.REGRESSION or getattr(result, "model", None) is None:
        return None
    base = baseline(data, result)
    if base.get("better_than_guessing", True):
        return None
    X = data.X_test if len(data.X_test) else (data.X_val if len(data.X_val) else data.X_train)
    codes = predicted_codes(predict_encoded(result.model, X), data.task)
    if not len(codes):
        return None
    per_class = np.bincount(codes.astype(np.int64))
    share = float(np.max(per_class) / len(codes))
    if share < 0.95:
        return None
    evidence = {"metric": "accuracy", "baseline": base["majority_accuracy"]}
    answered = data.preprocessor.classes[int(np.argmax(per_class))]
    if str(answered) != str(base["majority_class"]):
        # one answer for every row, and not the most frequent class: no imbalance explains that
        return Finding(
            "majority_class", f"The network answers '{answered}' for {share:.0%} of the "
            f"{base['split']} rows, and not even the most frequent class: "
            f"{base['accuracy']:.3f}, below the {base['majority_accuracy']:.3f} of always "
            f"answering '{base['majority_class']}'.",
            "A network that gives (almost) every row the same answer has stopped using its inputs: "
            "its output sits on one side of the threshold whatever the row. When that answer is "
            "not even the most frequent class, training broke (dead units, steps so large that "
            "the output flips between classes) rather than the classes being imbalanced.",
            evidence=evidence, fix=_bigger(spec))
    fix = (Fix("balanced class weights", settings={"class_weight": "balanced"})
           if rarest_share(data) < RARE_SHARE else _bigger(spec))
    return Finding(
        "majority_class", f"The network answers '{answered}' for {share:.0%} of the "
        f"{base['split']} rows and is no better than always answering it "
        f"({base['accuracy']:.3f} against {base['majority_accuracy']:.3f}).",
        "It found that guessing the most frequent class is the cheapest way to a low loss. Weigh "
        "the rarer classes more (class weights), move the decision threshold, or give the network "
        "more capacity / epochs.", evidence=evidence, fix=fix)


def _underfitting(data, spec, history, result) -> Finding | None:
    """No better than guessing on the test rows and on the training rows, with a training loss
    that moved and then levelled off: not a learning rate to tune or more epochs to wait, but a
    network too simple for the boundary (a straight line for circles). The majority-class and
    learning-rate findings, when they apply, say more and come first."""
    if data.task is Task.REGRESSION:
        return None
    loss = finite(history.get("loss") or [])
    acc = finite(history.get("accuracy") or [])
    if loss.size < 12 or not acc.size or getattr(result, "model", None) is None:
        return None
    q = loss.size // 4
    last, before = float(np.mean(loss[-q:])), float(np.mean(loss[-2 * q:-q]))
    moved = (float(loss[0]) - float(np.min(loss))) / max(abs(float(loss[0])), 1e-8)
    if moved < 0.02 or abs(before - last) / max(abs(before), 1e-8) >= 0.01:
        return None  # barely moved (too low a rate) or still going (more epochs)
    base = baseline(data, result)
    if base.get("better_than_guessing", True) or base.get("accuracy") is None or base.get("imbalanced"):
        return None  # (a class this rare: accuracy cannot tell, the verdict says what does)
    counts = np.bincount(np.asarray(data.y_train, np.int64), minlength=max(1, data.n_classes))
    n = int(counts.sum())
    p_train = float(counts.max() / n) if n else 0.0
    train_acc = float(acc[-1])
    if not n or train_acc - p_train > margin(p_train, n):
        return None  # it learned the training rows: overfitting's story, not this one
    hidden = [la for la in spec.hidden if la.kind == "dense"]
    why = ("With no hidden layer it can draw only one straight boundary (a plane), "
           if not hidden else "Its hidden layers are too small or too few for the shape, ")
    return Finding(
        "underfitting", f"Training levelled off at a loss of {last:.3g} with {base['split']} "
        f"accuracy {base['accuracy']:.3f}, no better than the {base['majority_accuracy']:.3f} of "
        f"always answering '{base['majority_class']}', and {train_acc:.3f} on the training rows: "
        f"this network cannot draw the boundary these classes need.",
        f"{why}so it has learned all it can: more epochs or another learning rate will not help. "
        "Give it a hidden layer or more units, or inputs it can combine (x², x·y: the Playground's "
        "engineered inputs).",
        evidence={"curve": "loss", "from": int(loss.size) - 2 * q + 1, "to": int(loss.size)},
        fix=_bigger(spec))


def _bigger(spec) -> Fix | None:
    """More capacity: a hidden layer, or twice the units (up to the layer limit; None there)."""
    units = [la.units for la in spec.hidden if la.kind == "dense"]
    if not units:
        return Fix("a hidden layer of 8 ReLU units", knobs={"layers": "dense:8:relu"})
    more = min(2 * max(units), MAX_DENSE_UNITS)
    if more <= max(units):
        return None
    return Fix(f"{more} units in every hidden layer", knobs={"units": more})


def _unscaled(data) -> Finding | None:
    X = np.asarray(data.X_train)
    if not X.size:
        return None
    with np.errstate(all="ignore"):  # (largest and smallest: no copy of X, which may be 100 MB)
        mag = np.maximum(np.abs(np.nanmax(X, axis=0)), np.abs(np.nanmin(X, axis=0))).astype(float)
    # a scaled column far from 0 holds rare values (a pixel lit in a few rows), not unscaled ones
    mag = np.where(data.preprocessor.scaled_outputs, 0.0, mag)
    worst = int(np.nanargmax(mag))
    if not mag[worst] > 50:
        return None
    names = list(data.preprocessor.output_names)
    name = names[worst] if worst < len(names) else f"input {worst + 1}"
    return Finding(
        "unscaled_inputs", f"Inputs are not scaled: '{name}' reaches {mag[worst]:,.0f} (standardized "
        f"inputs stay within a few units of 0).",
        "Large inputs make large weighted sums: sigmoid / tanh units saturate and the steps for "
        "that input's weights are huge compared with the others. Standardize the numeric columns "
        "(Data tab: scaling), with statistics of the training rows only.",
        evidence={"input": name}, fix=None)


def _too_few_rows(data, spec) -> Finding | None:
    n = len(data.X_train)
    params = count_params(spec, data.n_inputs, data.task, data.n_classes)
    if n * 20 >= params:
        return None
    return Finding(
        "too_few_rows", f"{n:,} training rows for {params:,} parameters: the network can memorise "
        f"them instead of learning a rule.",
        "With far more parameters than rows, many different weight settings fit the training rows "
        "exactly, and which one training lands on says little about new rows. Get more rows, or "
        "use a smaller network.",
        fix=Fix("half the units in every hidden layer",
                knobs={"units": max(1, min((la.units or 2) for la in spec.hidden
                                           if la.kind == "dense") // 2)} if any(
                    la.kind == "dense" for la in spec.hidden) else {}))


def _bottleneck(data, spec, result) -> Finding | None:
    """A hidden layer narrower than the classes (26 letters through 8 units): what it drops, no
    later layer gets back, so classes share its few directions and are told apart less well."""
    classes = int(getattr(data, "n_classes", 0) or 0)
    if data.task is not Task.MULTICLASS or classes <= 2 or _good(data, result):
        return None
    narrow = [(la.units, i) for i, la in enumerate(spec.hidden) if la.kind == "dense"
              and la.units is not None and la.units < classes]
    if not narrow:
        return None
    units, i = min(narrow)
    layer = spec.hidden[i]
    wide = min(max(class_width(classes), *(la.units or 0 for la in spec.hidden if la.kind == "dense")),
               MAX_DENSE_UNITS)
    return Finding(
        "bottleneck", f"Hidden layer {i + 1} ({units} {layer.activation} units) is narrower than "
        f"the {classes} classes the output tells apart: every class's score is made from its "
        f"{units} numbers.",
        "Each layer sees only what the layer before it passes on, so what a narrow layer drops no "
        "later layer gets back: the classes must share its few directions and are told apart "
        f"less well. Give every hidden layer at least as many units as classes ({classes}).",
        evidence={"units": units, "classes": classes},
        fix=Fix(f"{wide} units in every hidden layer", knobs={"units": wide}))


# ----- the entry point -------------------------------------------------------------------------------
def diagnose(data, spec, settings, result, health=None) -> list[Finding]:
    """The findings about a finished run (``result``: TrainResult, ``health``: its Health)."""
    history = getattr(result, "history", None) or {}
    lr = float(settings.learning_rate)
    out: list[Finding] = []
    sd = target_spread(data)
    div = diverged(history, result, lr, settings.optimizer, sd)
    if div is not None:
        out.append(div)
    base_good = _good(data, result)
    if div is None:
        chance = _chance_loss(data, settings)
        high = lr_too_high(history, lr, chance, settings.optimizer,
                           regression=data.task is Task.REGRESSION)
        low = lr_too_low(history, lr, base_good, settings.optimizer)
        if low is None and high is None and data.task is Task.REGRESSION:
            n = len(data.y_train)
            steps = len(history.get("loss") or []) * -(-n // max(1, settings.effective_batch_size(n)))
            low = slow_for_target(history, lr, chance, sd, steps, settings.optimizer)
        for f in (high, low,
                  # curves thrown about by steps too large say nothing of overfitting (SGD at 5:
                  # "the validation loss rose from 0.670 to 0.702 while the training loss kept
                  # falling", a training loss at chance all along)
                  None if high else overfitting(history, spec)):
            if f is not None and f.code not in {x.code for x in out}:  # (a rate too high: once)
                out.append(f)
        for key, code in (("dead", "dead_relu"), ("saturated", "saturation")):
            if code == "saturation" and base_good:
                continue  # a network answering confidently and well: saturated, not stalled
            f = _layer_fraction(health, key, code, spec, lr)
            if f is not None:
                out.append(f)
        f = _majority(data, spec, result)
        if f is None and not any(x.code in ("lr_too_low", "lr_too_high") for x in out):
            f = _underfitting(data, spec, history, result)
        if f is not None:
            out.append(f)
    # (a regression target's scale is no finding: the output starts at its mean, its weights
    # scaled to its spread, PreparedData.output_start; prices in dollars train as in thousands)
    for f in (_unscaled(data), _too_few_rows(data, spec), _bottleneck(data, spec, result)):
        if f is not None:
            out.append(f)
    quiet = {"diverged", "lr_too_high", "lr_too_low", "overfitting"}
    if not base_good and not quiet & {f.code for f in out}:
        f = still_learning(history, settings.epochs)
        if f is not None:
            out.append(f)
    return out


def _good(data, result) -> bool:
    """Whether the run already does clearly well (so a flat loss is a converged one)."""
    test = getattr(result, "test", None) or {}
    if data.task is Task.REGRESSION:
        return False
    acc = test.get("accuracy")
    return acc is not None and acc >= 0.95


def apply_fix(spec, settings, fix: Fix):
    """The comparison run's (spec, settings): the fix applied to the original's."""
    knobs = dict(fix.knobs)
    spec2, s2 = apply_knobs(spec, settings, knobs)
    for layer in spec2.hidden:
        if layer.kind == "dense":
            for k, v in fix.layers.items():
                setattr(layer, k, v)
    s2 = replace(s2, **fix.settings)
    s2.check()
    return spec2, s2


def findings_json(data, spec, settings, result, recorder=None) -> list[dict]:
    """``"findings"`` of ``nnstudio train --json``: code, message, epoch, layer (and the rest)."""
    health = getattr(getattr(recorder, "probe", None), "health", None)
    return [f.to_dict() for f in diagnose(data, spec, settings, result, health)]
