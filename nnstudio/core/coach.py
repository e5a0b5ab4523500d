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
unscaled_target a regression target in the hundreds or more (mean or spread) that the network
               did not reach (R² below 0.5 on its training rows): said instead of lr_too_low
too_few_rows   fewer training rows than a twentieth of the parameters
still_learning the run ended with its training loss still falling: its last quarter of epochs
               took >= 1/5 of its fall on a log scale and >= 5 %, or >= 30 % however it fell
               before; the validation loss still setting new lows, and the net not good: more
               epochs would help.
               Not said with a finding about the rate, the target or overfitting
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

from dataclasses import dataclass, field, replace

import numpy as np

from nnstudio.core.data.profile import fmt_number
from nnstudio.core.evaluate import predict_encoded, predicted_codes
from nnstudio.core.experiments.sweep import apply_knobs
from nnstudio.core.guessing import baseline, margin
from nnstudio.core.model.spec import MAX_DENSE_UNITS, Task, count_params
from nnstudio.core.model.spec import STEP_LESSON as SPEC_STEP_LESSON

CODES = ("overfitting", "lr_too_high", "lr_too_low", "dead_relu", "saturation", "majority_class",
         "underfitting", "unscaled_inputs", "unscaled_target", "too_few_rows", "diverged",
         "still_learning")

STEP_LESSON = SPEC_STEP_LESSON


@dataclass
class Fix:
    label: str  # what the comparison run tries, in words
    knobs: dict = field(default_factory=dict)  # sweep knobs: lr, dropout, l2, activation, units, ...
    settings: dict = field(default_factory=dict)  # other TrainSettings fields
    layers: dict = field(default_factory=dict)  # fields of every hidden Dense layer (initializer)

    def to_dict(self) -> dict:
        return {"label": self.label, "knobs": self.knobs, "settings": self.settings,
                "layers": self.layers}


@dataclass
class Finding:
    code: str
    message: str  # the finding in plain words
    reason: str  # why it matters / what causes it
    epoch: int | None = None  # where on the curves (1-based epoch)
    layer: str | None = None  # which layer (the health view's name)
    evidence: dict = field(default_factory=dict)  # {"curve": .., "from": e1, "to": e2} / {"layer": ..}
    fix: Fix | None = None

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "epoch": self.epoch,
                "layer": self.layer, "reason": self.reason, "evidence": self.evidence,
                "fix": self.fix.to_dict() if self.fix else None}


def _round(x: float) -> float:
    """3 significant digits (1e-05, not 9.999999999999999e-06)."""
    return float(f"{x:.3g}")


# ----- the rules -------------------------------------------------------------------------------------
def _finite(v) -> np.ndarray:
    return np.asarray([x for x in v if x is not None], float)


def _diverged(history, result, lr) -> Finding | None:
    loss = np.asarray(history.get("loss") or [], float)
    bad = np.flatnonzero(~np.isfinite(loss))
    blew = loss.size >= 3 and np.isfinite(loss[0]) and loss[0] > 0 and np.nanmax(loss) > 10 * loss[0]
    if getattr(result, "status", "") != "diverged" and not bad.size and not blew:
        return None
    epoch = int(bad[0]) + 1 if bad.size else (int(np.nanargmax(loss)) + 1 if loss.size
                                               else int(getattr(result, "epochs_run", 0)))
    return Finding(
        "diverged", f"Training diverged at epoch {epoch}: the loss became too large to compute.",
        "The steps were so large that the weights overshot and grew without bound; nothing "
        "learned after that point means anything.", epoch=epoch,
        evidence={"curve": "loss", "from": max(1, epoch - 1), "to": epoch},
        fix=Fix(f"learning rate {lr:g} → {lr / 10:g}", knobs={"lr": _round(lr / 10)}))


def _chance_loss(data, settings) -> float | None:
    """The cross-entropy of answering every class with the same probability, ln K: where a
    classifier starts before it learns (its outputs near 1/K), and more than any network that
    learned anything ends with. None for regression or a loss other than cross-entropy."""
    if data.task is Task.REGRESSION or "crossentropy" not in str(settings.loss_for(data.task)):
        return None
    return float(np.log(max(2, int(data.n_classes))))


def _fig(v: float) -> str:
    """Three significant figures, trailing zeros kept below 1,000 (a loss of 2.0 read "2")."""
    return f"{v:#.3g}" if 1e-3 <= abs(v) < 1e3 else f"{v:.3g}"


#: A training loss below this share of where it started has settled: its bouncing is not a finding.
SETTLED = 0.05


def _lr_too_high(history, lr, chance: float | None = None, optimizer: str = "adam") -> Finding | None:
    """The loss bounces, ends far above its best, or (``chance``: the loss of answering every
    class alike) stays at twice that or more: steps so large that they throw the outputs to
    confident wrong answers. (Not the loss of guessing the class frequencies: with rare classes
    that is far below where every network starts, and a slow one would look "too high".)"""
    loss = _finite(history.get("loss") or [])
    if loss.size < 8:
        return None
    half = loss[loss.size // 2:]
    d = np.diff(half)
    up = float(np.mean(d > 0))
    swing = float(np.mean(np.abs(d))) / max(float(np.min(loss)), 1e-8)
    end_vs_best = float(loss[-1] / max(float(np.min(loss)), 1e-8))
    level = float(np.median(half))
    # a loss far below where it started (chance, or its first epoch) that jitters is noise around
    # a fit, not steps that overshoot: a tenth of the rate would not help
    settled = level < SETTLED * (chance if chance else float(loss[0]))
    oscillating = up >= 0.35 and swing >= 0.1 and not settled
    rising = end_vs_best >= 1.5 and int(np.argmin(loss)) < loss.size - 3 and not settled
    known = chance is not None and chance > 0  # a classifier on cross-entropy
    worse = known and level >= 2 * chance
    # the first epoch's steps threw the loss far above chance, and it then sat at chance: the
    # network gives every row the same answer (its units dead, its output a coin the steps flip)
    stuck = known and float(loss[0]) >= 2 * chance and level >= 0.9 * chance
    # a rate of 1 or more (never "too low") whose loss never fell below chance: nothing learned
    never = known and lr >= _LR_NEVER_LOW and float(np.min(loss)) >= 0.95 * chance
    if not (oscillating or rising or worse or stuck or never):
        return None
    best = int(np.argmin(loss)) + 1
    # from a rate of 1 or more, the optimizer's usual rate (a tenth of 5 would still be far too high)
    to = _usual_lr(optimizer) if lr >= _LR_NEVER_LOW else _round(lr / 10)
    if oscillating:
        what = (f"the training loss jumps up and down (it rose on {up:.0%} of the last "
                f"{half.size} epochs, by {swing:.0%} of its best on average)")
    elif rising:
        what = f"the training loss ends {end_vs_best:.1f}x above its best (epoch {best})"
    elif never and not (stuck or worse):
        what = (f"the training loss never fell clearly below the {chance:.3g} of answering every "
                f"class alike (its lowest: {_fig(float(np.min(loss)))}), at a rate far above the "
                f"usual 0.0001-0.1")
    elif stuck and not worse:
        what = (f"the training loss jumped to {_fig(float(loss[0]))} in the first epoch "
                f"({float(loss[0]) / chance:.0f}x the {chance:.3g} of answering every class "
                f"alike) and then sat at about {_fig(level)}: the network stopped using its "
                f"inputs")
    else:
        what = (f"the training loss stays around {level:.3g} over the last {half.size} epochs, "
                f"{level / chance:.0f}x the {chance:.3g} of answering every class alike: "
                f"its answers are confidently wrong")
    return Finding(
        "lr_too_high", f"The learning rate {lr:g} looks too high: {what}.",
        "Each step overshoots the valley of the loss, so the loss bounces or climbs instead of "
        "settling.", epoch=best,
        evidence={"curve": "loss", "from": loss.size // 2 + 1, "to": loss.size},
        fix=Fix(f"learning rate {lr:g} → {to:g}", knobs={"lr": to}))


#: Keras' default learning rates: a rate far below them that barely moved the loss goes back up to them
_DEFAULT_LR = {"sgd": 0.01}
_DEFAULT_LR_OTHERS = 0.001


def _usual_lr(optimizer: str) -> float:
    """Keras' default rate of ``optimizer``."""
    return _DEFAULT_LR.get(str(optimizer).lower(), _DEFAULT_LR_OTHERS)


def _raised_lr(lr: float, optimizer: str) -> float:
    """The rate to try instead of a too-low ``lr``: ten times it, or the optimizer's default when that
    is higher still (1e-6 → 1e-5 would barely move either)."""
    return _round(max(lr * 10, _usual_lr(optimizer)))


#: A rate from which a loss that barely moves is not "too low": steps this big have thrown the
#: network where nothing changes (raising it ten-fold was offered at 100, past the largest rate)
_LR_NEVER_LOW = 1.0


def _lr_too_low(history, lr, good: bool, optimizer: str = "adam") -> Finding | None:
    loss = _finite(history.get("loss") or [])
    if loss.size < 5 or good:
        return None
    change = (loss[0] - float(np.min(loss))) / max(abs(float(loss[0])), 1e-8)
    if change >= 0.02:
        return None
    moved = f"The training loss barely moved ({change:.1%} over {loss.size} epochs)"
    if lr >= _LR_NEVER_LOW:
        code, to = "lr_too_high", _usual_lr(optimizer)
        what = (f"{moved} at a learning rate of {lr:g}, far above the usual 0.0001-0.1: it looks "
                f"much too high.")
        why = ("Steps this big throw the weights at once to where the units are dead or saturated "
               "and their gradients near zero, so no later step finds a way down.")
    else:
        code, to = "lr_too_low", _raised_lr(lr, optimizer)
        what = f"{moved}: the learning rate {lr:g} looks too low."
        why = ("The steps are so small that the network is still where it started; more epochs at "
               "this rate would cost a long time.")
    return Finding(code, what, why, epoch=loss.size,
                   evidence={"curve": "loss", "from": 1, "to": int(loss.size)},
                   fix=Fix(f"learning rate {lr:g} → {to:g}", knobs={"lr": to}))


def _overfitting(history, spec) -> Finding | None:
    val = np.asarray(history.get("val_loss") or [], float)
    loss = np.asarray(history.get("loss") or [], float)
    if val.size < 10 or not np.all(np.isfinite(val)) or not np.all(np.isfinite(loss)):
        return None
    b = int(np.argmin(val))
    after = val.size - 1 - b
    rose = val[-1] >= 1.1 * val[b] + 0.01
    # or a slow rise that began early: best in the run's first quarter, then 2 % worse by the
    # end (a 200,000-row CSV: best at epoch 3 of 50, 0.539 -> 0.552; nothing was said)
    early = b < val.size // 4 and after >= 10 and val[-1] >= 1.02 * val[b] + 1e-3
    if after < 5 or not (rose or early) or loss[-1] >= loss[b]:
        return None
    has_dropout = any(layer.kind == "dropout" for layer in spec.hidden)
    fix = (Fix("early stopping (patience 10, best weights restored)",
                settings={"early_stopping": True, "patience": 10, "restore_best": True,
                          "monitor": "val_loss"})
           if has_dropout else Fix("dropout 0.2 after every hidden Dense layer", knobs={"dropout": 0.2}))
    # the figures as they are (a rise from 0.015 to 0.069 read as "359 %" alone), and whether the
    # validation metric got worse too: a classifier can grow over-confident and still be right
    rise = (f"Overfitting from epoch {b + 1}: the validation loss rose from {_fig(val[b])} to "
            f"{_fig(val[-1])} ({val[-1] / val[b] - 1:.0%} above its best) while the training loss "
            f"kept falling")
    metric = _metric_at(history, b)
    if metric is None:
        message = rise + "."
    else:
        name, best, last, worse = metric
        if worse:
            message = f"{rise}; validation {name} went from {best:.3f} to {last:.3f}."
        else:
            message = (f"{rise}, but validation {name} held ({best:.3f} at epoch {b + 1}, "
                       f"{last:.3f} at the end): the network is growing over-confident on the "
                       f"validation rows more than getting them wrong.")
    return Finding(
        "overfitting", message,
        "The network is learning the training rows' noise instead of what generalises. Stop at "
        f"the best epoch ({b + 1}), or make memorising harder: dropout, L2, fewer units.",
        epoch=b + 1, evidence={"curve": "val_loss", "from": b + 1, "to": int(val.size)}, fix=fix)


def _metric_at(history, b: int) -> tuple[str, float, float, bool] | None:
    """The validation accuracy (or MAE) at epoch index ``b`` and at the end, and whether it got
    worse by more than noise (a point of accuracy; 2 % of the MAE); None without one."""
    for key, name, higher_better in (("val_accuracy", "accuracy", True), ("val_mae", "MAE", False)):
        vals = np.asarray(history.get(key) or [], float)
        if vals.size > b and np.isfinite(vals[b]) and np.isfinite(vals[-1]):
            best, last = float(vals[b]), float(vals[-1])
            worse = best - last > 0.01 if higher_better else last > 1.02 * best
            return name, best, last, worse
    return None


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
    counts = np.bincount(np.asarray(data.y_train, np.int64), minlength=data.n_classes)
    minority = float(np.min(counts[counts > 0]) / counts.sum()) if counts.sum() else 0.0
    fix = (Fix("balanced class weights", settings={"class_weight": "balanced"}) if minority < 0.3
           else _bigger(spec))
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
    loss = _finite(history.get("loss") or [])
    acc = _finite(history.get("accuracy") or [])
    if loss.size < 12 or not acc.size or getattr(result, "model", None) is None:
        return None
    q = loss.size // 4
    last, before = float(np.mean(loss[-q:])), float(np.mean(loss[-2 * q:-q]))
    moved = (float(loss[0]) - float(np.min(loss))) / max(abs(float(loss[0])), 1e-8)
    if moved < 0.02 or abs(before - last) / max(abs(before), 1e-8) >= 0.01:
        return None  # barely moved (too low a rate) or still going (more epochs)
    base = baseline(data, result)
    if base.get("better_than_guessing", True) or base.get("accuracy") is None:
        return None
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


def _still_learning(history, epochs: int) -> Finding | None:
    """The run stopped while it was still learning: its training loss fell over its last quarter
    of epochs by 5 % or more and nearly as fast as over the whole run (a fifth or more of its
    fall on a log scale: a curve that levels off takes a tenth or less, W1's 0.10), or by 30 % or
    more however it fell before; and the validation loss (where there is one) was still setting
    new lows (1 % below its best before the last quarter: a wobble about a level is not a fall).
    Twice the epochs is the comparison run."""
    loss = _finite(history.get("loss") or [])
    if loss.size < 8 or not np.all(loss > 0):
        return None
    q = loss.size // 4
    end, before = float(loss[-1]), float(loss[-q - 1])
    fall = float(np.log(loss[0] / np.min(loss)))
    recent = float(np.log(before / end))
    drop = 1 - end / before
    if fall <= 0 or drop < 0.05 or (recent < 0.2 * fall and drop < 0.3):
        return None
    val = _finite(history.get("val_loss") or [])
    if val.size == loss.size and not np.min(val[-q:]) <= 0.99 * np.min(val[:-q]):
        return None  # the validation loss set no new low: more epochs would not help it
    a = loss.size - q
    to = max(2 * int(epochs), loss.size + 1)
    return Finding(
        "still_learning", f"Training stopped while the loss was still falling: down "
        f"{drop:.0%} from epoch {a} to {loss.size}. More epochs would take it "
        "further.",
        "The curves have not levelled off, so the network has not finished learning what it can: "
        "train for more epochs. With early stopping on (and restore best weights), a generous "
        "number of epochs costs nothing: training stops where the validation loss levels off.",
        epoch=loss.size, evidence={"curve": "loss", "from": a, "to": int(loss.size)},
        fix=Fix(f"epochs {int(epochs)} → {to}", knobs={"epochs": to}))


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


#: A regression target whose mean or standard deviation is beyond this is "not scaled": a
#: network's output starts within a few units of 0 and moves by about the learning rate a step.
TARGET_SCALE = 100.0
#: Training rows predicted to judge whether the network reached the target anyway.
TARGET_PROBE_ROWS = 2000


def _unscaled_target(data, result) -> Finding | None:
    """A regression target far from the network's reach (prices in dollars), not learned."""
    if data.task is not Task.REGRESSION or getattr(result, "model", None) is None:
        return None
    y = np.asarray(data.y_train, float)[:TARGET_PROBE_ROWS].reshape(-1)
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return None
    mean, sd = float(np.mean(y[ok])), float(np.std(y[ok]))
    if max(abs(mean), sd) <= TARGET_SCALE or sd == 0:
        return None
    X = np.asarray(data.X_train)[:TARGET_PROBE_ROWS]
    pred = np.asarray(predict_encoded(result.model, X), float).reshape(len(X), -1)[:, 0]
    y, pred = y[ok], pred[ok]
    with np.errstate(all="ignore"):
        r2 = 1.0 - float(np.mean((y - pred) ** 2)) / sd ** 2
    if np.isfinite(r2) and r2 >= 0.5:
        return None  # the network got there anyway (a longer run, a higher rate)
    name = getattr(data.preprocessor, "target", "") or "the target"
    got = f"R² {r2:.2f}" if np.isfinite(r2) else "R² not measurable"
    return Finding(
        "unscaled_target", f"The target '{name}' is far from the numbers a network starts with "
        f"(mean {fmt_number(mean)}, sd {fmt_number(sd)}), and the network did not get there: "
        f"{got} on its training rows. Rescale it in the file (in thousands, or its logarithm).",
        "The output starts within a few units of 0, and each step moves a weight by about the "
        "learning rate: reaching values this large takes a very long run, and a higher learning "
        "rate upsets the hidden layers before the output gets there. Rescale the target in the "
        "file — in thousands (divide by 1,000), or its logarithm for prices and counts — and "
        "scale the predictions back.", evidence={"target": name}, fix=None)


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


# ----- the entry point -------------------------------------------------------------------------------
def diagnose(data, spec, settings, result, health=None) -> list[Finding]:
    """The findings about a finished run (``result``: TrainResult, ``health``: its Health)."""
    history = getattr(result, "history", None) or {}
    lr = float(settings.learning_rate)
    out: list[Finding] = []
    div = _diverged(history, result, lr)
    if div is not None:
        out.append(div)
    base_good = _good(data, result)
    target = _unscaled_target(data, result) if div is None else None
    if div is None:
        high = _lr_too_high(history, lr, _chance_loss(data, settings), settings.optimizer)
        for f in (high,
                  # a loss that barely moves towards a target in the hundreds of thousands: the
                  # target's scale is the cause, which a higher rate does not cure
                  None if target else _lr_too_low(history, lr, base_good, settings.optimizer),
                  # curves thrown about by steps too large say nothing of overfitting (SGD at 5:
                  # "the validation loss rose from 0.670 to 0.702 while the training loss kept
                  # falling", a training loss at chance all along)
                  None if high else _overfitting(history, spec)):
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
    for f in (_unscaled(data), target, _too_few_rows(data, spec)):
        if f is not None:
            out.append(f)
    quiet = {"diverged", "lr_too_high", "lr_too_low", "overfitting", "unscaled_target"}
    if not base_good and not quiet & {f.code for f in out}:
        f = _still_learning(history, getattr(settings, "epochs", len(history.get("loss") or [])))
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
