"""The coach's rules that read a run's curves only (its loss and validation-loss histories):
divergence, a learning rate too high or too low, overfitting, and a run stopped while still
learning; and what every rule returns, a :class:`Finding` with its :class:`Fix`.
:mod:`nnstudio.core.coach` holds the rules that need the data, the network or its health, and
:func:`~nnstudio.core.coach.diagnose`, which decides which findings to say."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnstudio.core.training.steps import sgd_on_wide_target


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
def finite(v) -> np.ndarray:
    return np.asarray([x for x in v if x is not None], float)


def diverged(history, result, lr, optimizer: str = "adam", target_sd: float | None = None) -> Finding | None:
    """The loss became NaN or infinite, or rose tenfold. ``target_sd``: a regression target's
    spread: SGD's steps on a squared error grow with its square (a price's sd of 190 makes them
    ~36,000x a standardized target's), so a tenth of the rate is no cure there, and Adam is."""
    loss = np.asarray(history.get("loss") or [], float)
    bad = np.flatnonzero(~np.isfinite(loss))
    blew = loss.size >= 3 and np.isfinite(loss[0]) and loss[0] > 0 and np.nanmax(loss) > 10 * loss[0]
    status = getattr(result, "status", "")
    if status != "diverged" and not bad.size and not blew:
        return None
    if bad.size:
        epoch = int(bad[0]) + 1
    elif status == "diverged":  # the engine keeps the finite epochs: it was the one after them
        epoch = loss.size + 1
    else:
        epoch = int(np.nanargmax(loss)) + 1
    reason = ("The steps were so large that the weights overshot and grew without bound; nothing "
              "learned after that point means anything.")
    fix = Fix(f"learning rate {lr:g} → {lr / 10:g}", knobs={"lr": _round(lr / 10)})
    if sgd_on_wide_target(optimizer, target_sd):
        reason += (f" With SGD each step grows with the square of the target's spread (its sd is "
                   f"{target_sd:,.0f}: steps {target_sd ** 2:,.0f}x those on a target of sd 1), so "
                   f"a tenth of the rate barely helps; Adam scales its steps itself.")
        fix = Fix(f"optimizer SGD → Adam (learning rate {_usual_lr('adam'):g})",
                  knobs={"optimizer": "adam", "lr": _usual_lr("adam")})
    return Finding(
        "diverged", f"Training diverged at epoch {epoch}: the loss became too large to compute.",
        reason, epoch=epoch, evidence={"curve": "loss", "from": max(1, epoch - 1), "to": epoch},
        fix=fix)


def fig(v: float) -> str:
    """Three significant figures, trailing zeros kept below 1,000 (a loss of 2.0 read "2")."""
    return f"{v:#.3g}" if 1e-3 <= abs(v) < 1e3 else f"{v:.3g}"


#: A training loss below this share of where it started has settled: its bouncing is not a finding.
SETTLED = 0.05


def lr_too_high(history, lr, chance: float | None = None, optimizer: str = "adam",
                regression: bool = False) -> Finding | None:
    """The loss bounces, ends far above its best, or (``chance``: the loss of answering every
    class alike; of predicting the training mean for every row, with ``regression``) stays at
    twice that or more: steps so large that they throw the outputs to confident wrong answers.
    (Not the loss of guessing the class frequencies: with rare classes that is far below where
    every network starts, and a slow one would look "too high".)"""
    alike = "predicting the training mean for every row" if regression else "answering every class alike"
    loss = finite(history.get("loss") or [])
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
    known = chance is not None and chance > 0  # a classifier on cross-entropy, or a regression
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
        what = (f"the training loss never fell clearly below the {fig(chance)} of {alike} (its "
                f"lowest: {fig(float(np.min(loss)))}), at a rate far above the usual 0.0001-0.1")
    elif stuck and not worse:
        what = (f"the training loss jumped to {fig(float(loss[0]))} in the first epoch "
                f"({float(loss[0]) / chance:,.0f}x the {fig(chance)} of {alike}) and then sat at "
                f"about {fig(level)}: the network stopped using its inputs")
    else:
        wrong = "further off than the mean" if regression else "confidently wrong"
        what = (f"the training loss stays around {level:.3g} over the last {half.size} epochs, "
                f"{level / chance:,.0f}x the {fig(chance)} of {alike}: its answers are {wrong}")
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


def lr_too_low(history, lr, good: bool, optimizer: str = "adam") -> Finding | None:
    loss = finite(history.get("loss") or [])
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


def slow_for_target(history, lr, chance: float | None, target_sd: float | None, steps: int,
                    optimizer: str = "adam") -> Finding | None:
    """A regression whose loss fell but never got below ``chance``, the loss of predicting the
    training mean: steps too small for the target's spread. Adam (and the other adaptive
    optimizers) move a weight by about the rate each step, and answers of sd 192 need weights in
    the hundreds: the rate offered is one that covers about three times the sd in the run's
    ``steps`` (house prices with no hidden layer: 0.003 -> 0.3 over 2,000 steps; at most 0.5)."""
    loss = finite(history.get("loss") or [])
    if loss.size < 5 or not chance or target_sd is None or lr >= _LR_NEVER_LOW:
        return None
    if float(np.min(loss)) < chance or loss[-1] >= loss[0]:
        return None
    adaptive = str(optimizer).lower() != "sgd"
    # (one significant digit: 0.3, not 0.288)
    to = float(f"{min(0.5, max(lr * 10, 3 * target_sd / max(steps, 1))) if adaptive else lr * 10:.1g}")
    why = (f"Each step moves a weight by about the learning rate, and answers of this spread (sd "
           f"{target_sd:,.0f}) need weights far larger than {lr:g} times the run's {steps:,} steps "
           f"can reach." if adaptive else
           "The steps are so small that the network is still far from even the training mean.")
    return Finding(
        "lr_too_low",
        f"The training loss never got below the {fig(chance)} of predicting the training mean for "
        f"every row (it fell from {fig(float(loss[0]))} to {fig(float(loss[-1]))} in {loss.size} "
        f"epochs): the learning rate {lr:g} looks too low for this target.",
        why, epoch=int(loss.size), evidence={"curve": "loss", "from": 1, "to": int(loss.size)},
        fix=Fix(f"learning rate {lr:g} → {to:g}", knobs={"lr": to}))


def overfitting(history, spec) -> Finding | None:
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
    rise = (f"Overfitting from epoch {b + 1}: the validation loss rose from {fig(val[b])} to "
            f"{fig(val[-1])} ({val[-1] / val[b] - 1:.0%} above its best) while the training loss "
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


def still_learning(history, epochs: int) -> Finding | None:
    """The run stopped while it was still learning: its training loss fell over its last quarter
    of epochs by 5 % or more and nearly as fast as over the whole run (a fifth or more of its
    fall on a log scale: a curve that levels off takes a tenth or less, W1's 0.10), or by 30 % or
    more however it fell before; and the validation loss (where there is one) was still setting
    new lows (1 % below its best before the last quarter: a wobble about a level is not a fall).
    Twice the epochs is the comparison run."""
    loss = finite(history.get("loss") or [])
    if loss.size < 8 or not np.all(loss > 0):
        return None
    q = loss.size // 4
    end, before = float(loss[-1]), float(loss[-q - 1])
    fall = float(np.log(loss[0] / np.min(loss)))
    recent = float(np.log(before / end))
    drop = 1 - end / before
    if fall <= 0 or drop < 0.05 or (recent < 0.2 * fall and drop < 0.3):
        return None
    val = finite(history.get("val_loss") or [])
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
