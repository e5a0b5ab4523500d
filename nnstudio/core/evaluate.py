"""Judging a trained network: loss and metrics per split, confusion matrix, per-class scores, ROC AUC,
regression errors, a predictions table, and predictions for new raw rows.

Everything here works from the network's outputs (probabilities or values), computed either by the
Keras model (a trained or loaded model) or by the NumPy forward pass over a list of
:class:`~nnstudio.core.forward.ForwardLayer` (live weights while training runs), so the same code
serves the evaluation panel during and after training, ``nnstudio evaluate`` and the exports' tests.
Metrics are plain NumPy/pandas (no scikit-learn at run time); the tests hold them to scikit-learn.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core import registry
from nnstudio.core.data.raw_rows import left_out_note, no_rows_message, require_columns, row_problems, transform_lenient
from nnstudio.core.errors import DataError
from nnstudio.core.forward import forward
from nnstudio.core.jsonsafe import python_scalar
from nnstudio.core.model.spec import Task
from nnstudio.core.ranking import ClassFigures, one_vs_rest, roc_auc_and_curve
from nnstudio.core.tf import tensorflow

SPLITS = ("train", "val", "test")
SPLIT_LABELS = {"train": "training", "val": "validation", "test": "test", "all": "all rows"}
#: Rows per forward pass (bounds memory on big tables).
BATCH_ROWS = 65536
#: Keras' ``backend.epsilon()``: probabilities are clipped to [EPS, 1 - EPS] inside its losses.
EPS = 1e-7

PREDICTION = "prediction"
#: how metrics are named to people (an Evaluation's, the baselines' and permutation importance's)
METRIC_NAMES = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "f1": "F1",
                "roc_auc": "ROC AUC", "average_precision": "PR AUC", "log_loss": "log loss",
                "rmse": "RMSE", "mae": "MAE", "r2": "R²"}
PROBABILITY = "probability"
CORRECT = "correct"
NOTE = "note"
DATA_ROW = "data row"  # the predictions table's index: each row's number in the data (from 1)


# ----- the network's outputs ---------------------------------------------------------------------------
def predict_encoded(model, X) -> np.ndarray:
    """The network's outputs (rows x units, float32) for encoded rows.

    ``model`` is a ``keras.Model`` taking the encoded matrix (run in inference mode) or a list of
    forward layers (the NumPy forward pass).
    """
    X = np.asarray(X, dtype=np.float32)
    if isinstance(model, (list, tuple)):
        if len(X) == 0:
            return np.zeros((0, _forward_units(model)), np.float32)
        return np.asarray(forward(model, X), dtype=np.float32)

    tf = tensorflow()
    if len(X) == 0:
        return np.zeros((0, int(model.output_shape[-1])), np.float32)
    out = [np.asarray(model(tf.constant(X[i:i + BATCH_ROWS]), training=False))
           for i in range(0, len(X), BATCH_ROWS)]
    return np.concatenate(out).astype(np.float32, copy=False)


def output_width(model) -> int:
    """How many output units the network has."""
    if isinstance(model, (list, tuple)):
        return _forward_units(model)
    return int(model.output_shape[-1])


def _forward_units(layers) -> int:
    for layer in reversed(list(layers)):
        if layer.units is not None:
            return layer.units
    return 1


def class_probabilities(out: np.ndarray, task: Task) -> np.ndarray:
    """Per-class probabilities (rows x classes); a single sigmoid unit becomes [1 - p, p]."""
    out = np.asarray(out, dtype=np.float64)
    if task is Task.REGRESSION:
        raise ValueError("a regression network has no class probabilities")
    if out.shape[-1] == 1:
        p = out[:, 0]
        return np.stack([1.0 - p, p], axis=1)
    return out


#: The decision threshold of a two-class network when none was chosen: P(second class) above it
#: predicts the second class (``core.threshold``; saved in the project and the exported model).
DEFAULT_THRESHOLD = 0.5


def predicted_codes(out: np.ndarray, task: Task, threshold: float | None = None) -> np.ndarray:
    """Class codes (classification) or values (regression) from the outputs.

    Two classes: the second class when its probability is above ``threshold`` (default 0.5).
    """
    out = np.asarray(out)
    if task is Task.REGRESSION:
        return out[:, 0].astype(np.float64)
    t = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    if out.shape[-1] == 1:
        return (out[:, 0] > t).astype(np.int64)
    if out.shape[-1] == 2 and threshold is not None:
        return (out[:, 1] / np.maximum(out.sum(axis=-1), 1e-30) > t).astype(np.int64)
    return out.argmax(axis=-1).astype(np.int64)


# ----- metrics ---------------------------------------------------------------------------------------
def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts: rows are the true classes, columns the predicted classes."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    ok = (y_true >= 0) & (y_true < n_classes) & (y_pred >= 0) & (y_pred < n_classes)
    # one count per (true, predicted) cell: bincount is 5x np.add.at (the Threshold slider asks
    # on every move, on every row of the split)
    cells = np.bincount(y_true[ok] * n_classes + y_pred[ok], minlength=n_classes * n_classes)
    return cells.reshape(n_classes, n_classes).astype(np.int64)


def row_normalized(cm: np.ndarray) -> np.ndarray:
    """Each row divided by its total (the share of each true class predicted as each class)."""
    cm = np.asarray(cm, dtype=np.float64)
    totals = cm.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, cm / np.where(totals > 0, totals, 1), 0.0)


@dataclass
class ClassScores:
    label: object
    precision: float
    recall: float
    f1: float
    support: int  # true rows of this class
    predicted: int = -1  # rows the network gives this class (0: its precision is undefined)

    @property
    def no_precision(self) -> bool:
        """Never answered: its precision is 0/0 (kept 0 where averaged, as scikit-learn does)."""
        return self.predicted == 0

    @property
    def no_recall(self) -> bool:
        """No rows of this class in these rows: its recall is 0/0."""
        return self.support == 0


def per_class_scores(cm: np.ndarray, classes: list) -> list[ClassScores]:
    """Precision, recall and F1 per class (0 where undefined, as scikit-learn's zero_division=0;
    ``predicted`` and ``support`` say where that is)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)
    actual = cm.sum(axis=1)
    out = []
    for i, label in enumerate(classes):
        p = tp[i] / predicted[i] if predicted[i] > 0 else 0.0
        r = tp[i] / actual[i] if actual[i] > 0 else 0.0
        f = 2 * p * r / (p + r) if p + r > 0 else 0.0
        out.append(ClassScores(label, float(p), float(r), float(f), int(actual[i]), int(predicted[i])))
    return out


def _names(labels: list) -> str:
    labels = [str(x) for x in labels]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def never_answered_text(labels: list) -> str:
    """Why a class the network never answers has no precision."""
    return (f"The network never answers {_names(labels)} on these rows: precision (the share of "
            f"its answers that are right) is undefined, 0/0.")


def no_rows_text(labels: list) -> str:
    """Why a class with no rows among these has no recall."""
    return f"There are no rows of {_names(labels)} here: recall is undefined, 0/0."


def undefined_note(scores: list[ClassScores]) -> str:
    """What the dashes of a per-class table mean, and how the averages count them ("" if none)."""
    never = [c.label for c in scores if c.no_precision]
    absent = [c.label for c in scores if c.no_recall]
    parts = [never_answered_text(never)] if never else []
    if absent:
        parts.append(no_rows_text(absent))
    if parts:
        parts.append("Shown as —; the macro average counts them as 0 (scikit-learn's "
                     "zero_division=0).")
    return " ".join(parts)


def loss_value(loss_name: str, task: Task, y, out) -> float:
    """The training loss on these rows, computed as Keras computes it (mean over rows).

    Cross-entropies clip probabilities to [1e-7, 1 - 1e-7] in float32, as Keras does.
    """
    y = np.asarray(y)
    if len(y) == 0:
        return float("nan")
    lo, hi = np.float32(EPS), np.float32(1.0) - np.float32(EPS)
    loss_name = registry.LOSS_ALIASES.get(loss_name, loss_name)
    entry = registry.LOSSES.get(loss_name)
    if entry is not None and entry.classification:
        out32 = np.asarray(out, dtype=np.float32)
        if out32.shape[-1] == 1:
            p = np.clip(out32[:, 0], lo, hi)
            t = y.astype(np.float32)
            per_row = -(t * np.log(p) + (np.float32(1) - t) * np.log(np.float32(1) - p))
        else:
            p = np.clip(out32 / out32.sum(axis=-1, keepdims=True), lo, hi)
            per_row = -np.log(p[np.arange(len(y)), y.astype(int)])
        return float(np.mean(per_row.astype(np.float64)))
    out = np.asarray(out, dtype=np.float64)
    err = out[:, 0] - y.astype(np.float64)
    if loss_name == "mse":
        return float(np.mean(err ** 2))
    if loss_name == "mae":
        return float(np.mean(np.abs(err)))
    if loss_name == "huber":
        a = np.abs(err)
        return float(np.mean(np.where(a <= 1.0, 0.5 * err ** 2, a - 0.5)))
    raise DataError(f"Unknown loss '{loss_name}'.")


def regularization_from_layers(layers, specs) -> float:
    """The L1/L2 penalty the loss adds for these weights (forward layers matched to the layer specs)."""
    total = 0.0
    for layer, spec in zip(layers, specs):
        if getattr(layer, "kind", "") == "dense" and (spec.l1 or spec.l2):
            k = np.asarray(layer.kernel, np.float64)
            total += float(spec.l1) * float(np.abs(k).sum()) + float(spec.l2) * float((k ** 2).sum())
    return total


def model_regularization(model) -> float:
    """Sum of a Keras model's regularization losses (0.0 for a list of forward layers)."""
    if isinstance(model, (list, tuple)):
        return 0.0
    return float(sum(float(np.asarray(loss)) for loss in model.losses))


# ----- one split ----------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    """Loss, metrics and the details behind them on one set of rows."""

    split: str  # train | val | test | all
    task: Task
    n: int
    loss: float | None
    metrics: dict[str, float] = field(default_factory=dict)
    classes: list = field(default_factory=list)
    confusion: np.ndarray | None = None  # counts, rows: true class, columns: predicted class
    per_class: list[ClassScores] = field(default_factory=list)
    roc: tuple[np.ndarray, np.ndarray] | None = None  # binary: (false positive rate, true positive rate)
    y_true: np.ndarray | None = None  # class codes or values
    y_pred: np.ndarray | None = None  # class codes or values
    output: np.ndarray | None = None  # the raw network outputs (rows x units)
    threshold: float | None = None  # two classes: the decision threshold applied
    one_vs_rest: ClassFigures | None = None  # more than two classes: each against the rest
    left_out_note: str = ""  # a labelled table's rows not in the figures, and why (evaluate_frame)

    @property
    def label(self) -> str:
        return SPLIT_LABELS.get(self.split, self.split)

    @property
    def confusion_normalized(self) -> np.ndarray | None:
        return None if self.confusion is None else row_normalized(self.confusion)

    @property
    def accuracy(self) -> float | None:
        return self.metrics.get("accuracy")

    def macro(self) -> dict[str, float]:
        if not self.per_class:
            return {}
        return {k: float(np.mean([getattr(c, k) for c in self.per_class]))
                for k in ("precision", "recall", "f1")}

    def lines(self) -> list[str]:
        """The figures as text (the CLI prints these)."""
        out = [f"{self.label}: {self.n:,} rows"]
        if self.loss is not None and np.isfinite(self.loss):
            out.append(f"  loss       {self.loss:.4f}")
        for k, v in self.metrics.items():
            name = METRIC_NAMES.get(k, k)
            if k == "roc_auc" and len(self.classes) > 2:
                name += " (each class against the rest, mean)"
            out.append(f"  {name:<10} {v:.4f}")
        if self.confusion is not None:
            labels = [str(c) for c in self.classes]
            w = max([len(x) for x in labels] + [len(str(int(self.confusion.max(initial=0))))] + [5])
            out.append("  confusion matrix (rows: true class, columns: predicted class)")
            out.append("  " + " " * (w + 1) + " ".join(f"{x:>{w}}" for x in labels))
            for lab, row in zip(labels, self.confusion):
                out.append(f"  {lab:>{w}} " + " ".join(f"{int(v):>{w}}" for v in row))
            out.append(f"  {'class':<{w}} precision  recall      F1  support")
            for c in self.per_class:
                p = "—" if c.no_precision else f"{c.precision:.3f}"
                r = "—" if c.no_recall else f"{c.recall:.3f}"
                out.append(f"  {str(c.label):<{w}} {p:>9} {r:>7} {c.f1:7.3f} {c.support:8d}")
            note = undefined_note(self.per_class)
            if note:
                out.append(f"  {note}")
        return out

    def to_dict(self) -> dict:
        d = {"split": self.split, "rows": self.n, "loss": self.loss, **self.metrics}
        if self.threshold is not None:
            d["threshold"] = self.threshold
        if self.confusion is not None:
            d["classes"] = [python_scalar(c) for c in self.classes]
            d["confusion_matrix"] = self.confusion.astype(int).tolist()
            d["confusion_matrix_normalized"] = np.round(self.confusion_normalized, 6).tolist()
            d["per_class"] = [{"class": python_scalar(c.label), "precision": c.precision, "recall": c.recall,
                               "f1": c.f1, "support": c.support, "predicted": c.predicted}
                              for c in self.per_class]
        return d


def evaluate_outputs(y, out, task: Task, classes: list | None = None, *, loss_name: str | None = None,
                     regularization: float = 0.0, split: str = "test",
                     threshold: float | None = None) -> Evaluation:
    """Every figure for one set of rows from its targets (codes or values) and network outputs."""
    task = Task(task)
    y = np.asarray(y)
    out = np.asarray(out)
    n = len(y)
    loss = None
    if loss_name is not None and n:
        loss = loss_value(loss_name, task, y, out) + float(regularization)
    ev = Evaluation(split, task, n, loss, classes=list(classes or []), output=out)
    pred = predicted_codes(out, task, threshold) if n else np.zeros(0)
    ev.y_true, ev.y_pred = y, pred
    if task is Task.REGRESSION:
        yt = y.astype(np.float64)
        if n:
            err = pred - yt
            ss_tot = float(np.sum((yt - yt.mean()) ** 2))
            ev.metrics = {"mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(np.mean(err ** 2))),
                          "r2": float(1 - np.sum(err ** 2) / ss_tot) if ss_tot > 0 else float("nan")}
        return ev
    k = len(ev.classes) if ev.classes else int(max(out.shape[-1], 2))
    if not ev.classes:
        ev.classes = list(range(k))
    yc = y.astype(np.int64)
    if k == 2:
        ev.threshold = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    ev.confusion = confusion_matrix(yc, pred, k)
    ev.per_class = per_class_scores(ev.confusion, ev.classes)
    if n:
        ev.metrics["accuracy"] = float(np.mean(pred == yc))
        if k == 2:
            score = class_probabilities(out, task)[:, 1]
            auc, ev.roc = roc_auc_and_curve(yc == 1, score)
            if ev.roc is not None:
                ev.metrics["roc_auc"] = auc
        else:  # each class against the rest (the ROC curves tab and the report read them too)
            ev.one_vs_rest = one_vs_rest(yc, out, ev.classes)
            if ev.one_vs_rest.scored:
                ev.metrics["roc_auc"] = ev.one_vs_rest.macro_roc_auc
    return ev


def split_arrays(data, split: str) -> tuple[np.ndarray, np.ndarray]:
    if split not in SPLITS:
        raise DataError(f"Unknown split '{split}'.", f"Use one of: {', '.join(SPLITS)}.")
    return getattr(data, f"X_{split}"), getattr(data, f"y_{split}")


def evaluate(model, data, split: str = "test", loss_name: str | None = None,
             regularization: float | None = None, threshold: float | None = None) -> Evaluation:
    """Figures of ``model`` (Keras model or forward layers) on one split of prepared data."""
    X, y = split_arrays(data, split)
    out = predict_encoded(model, X)
    reg = model_regularization(model) if regularization is None else regularization
    return evaluate_outputs(y, out, data.task, data.preprocessor.classes, loss_name=loss_name,
                            regularization=reg, split=split, threshold=threshold)


def evaluate_all(model, data, loss_name: str | None = None,
                 regularization: float | None = None,
                 threshold: float | None = None) -> dict[str, Evaluation]:
    """Figures on every non-empty split (train, val, test)."""
    reg = model_regularization(model) if regularization is None else regularization
    return {s: evaluate(model, data, s, loss_name, reg, threshold) for s in SPLITS
            if len(split_arrays(data, s)[1])}


# ----- raw rows (encoded leniently, and why a row cannot be predicted: core.data.raw_rows) --------
def output_columns(pre) -> list[str]:
    """The columns a predictions table adds after the original ones."""
    cols = [PREDICTION]
    if pre.task is not Task.REGRESSION:
        cols.append(PROBABILITY)
        if len(pre.classes) == 2:
            cols.append(positive_column(pre))
    return cols


def positive_column(pre) -> str:
    return f"P({pre.target} = {pre.classes[1]})"


@dataclass
class FrameOutputs:
    """The network on a raw table's rows (:func:`frame_outputs`): outputs (NaN where a row cannot
    be predicted), which rows it predicted, per row why not; shared by the table and the figures."""
    out: np.ndarray
    ok: np.ndarray
    notes: list[str]


def frame_outputs(model, pre, frame: pd.DataFrame) -> FrameOutputs:
    """Encode raw rows as trained, run the network on those it can take (DataError: a column is missing)."""
    require_columns(pre, frame)
    frame = frame.reset_index(drop=True)
    X = transform_lenient(pre, frame)
    notes = row_problems(pre, frame)
    ok = np.array([not n for n in notes], dtype=bool) & np.isfinite(X).all(axis=1)
    out = np.full((len(frame), output_width(model)), np.nan, np.float32)
    if ok.any():
        out[ok] = predict_encoded(model, X[ok])
    return FrameOutputs(out, ok, notes)


def predict_frame(model, pre, frame: pd.DataFrame, *, keep_columns: bool = True,
                  threshold: float | None = None, outputs: FrameOutputs | None = None) -> pd.DataFrame:
    """Predictions for raw rows (original units, original columns) as a table.

    The table holds the original columns (when ``keep_columns``), then ``prediction`` (the class
    label or the value), ``probability`` (of the predicted class) and, for two classes, the
    probability of the second class. Rows that cannot be predicted (a missing value the training
    dropped, a category never seen in training, text in a number column) get no prediction and a
    ``note`` saying why. Raises :class:`DataError` if an input column is missing altogether.
    ``outputs``: :func:`frame_outputs` of these rows, when already computed.
    """
    res = frame_outputs(model, pre, frame) if outputs is None else outputs
    frame = frame.reset_index(drop=True)
    table = frame.copy() if keep_columns else pd.DataFrame(index=frame.index)
    add = outputs_table(res.out, pre, res.ok, threshold)
    for c in add.columns:
        table[c] = add[c].array  # Int64 labels stay whole numbers beside empty rows
    if not res.ok.all():
        table[NOTE] = res.notes
    return table


def outputs_table(out: np.ndarray, pre, ok: np.ndarray | None = None,
                  threshold: float | None = None) -> pd.DataFrame:
    """prediction / probability columns for network outputs (rows where ``ok`` is False left empty)."""
    n = len(out)
    ok = np.ones(n, bool) if ok is None else np.asarray(ok, bool)
    cols: dict[str, object] = {}
    if pre.task is Task.REGRESSION:
        v = np.where(ok, np.asarray(out, np.float64)[:, 0], np.nan)
        cols[PREDICTION] = v
        return pd.DataFrame(cols)
    safe = np.where(ok[:, None], out, 0.5 if out.shape[-1] == 1 else 1.0 / out.shape[-1])
    probs = class_probabilities(safe, pre.task)
    codes = predicted_codes(safe, pre.task, threshold)
    labels = pd.Series([pre.classes[int(c)] for c in codes], dtype=object)
    labels[~ok] = None
    if all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in pre.classes):
        labels = labels.astype("Int64")
    cols[PREDICTION] = labels
    cols[PROBABILITY] = np.where(ok, probs[np.arange(n), codes], np.nan)
    if len(pre.classes) == 2:
        cols[positive_column(pre)] = np.where(ok, probs[:, 1], np.nan)
    return pd.DataFrame(cols)


def predictions_table(model, data, split: str = "test", outputs: np.ndarray | None = None,
                      threshold: float | None = None) -> pd.DataFrame:
    """The split's rows as they were in the data, with the prediction, its probability and whether
    it is correct (classification) or its error (regression). Indexed by each row's number in the
    table (:data:`DATA_ROW`, from 1, as the Data tab's Rows view numbers them) when the prepared
    data knows them."""
    X, y = split_arrays(data, split)
    raw = getattr(data, f"raw_{split}").reset_index(drop=True)
    out = predict_encoded(model, X) if outputs is None else np.asarray(outputs)
    pre = data.preprocessor
    table = raw.copy()
    add = outputs_table(out, pre, None, threshold)
    for c in add.columns:
        table[c] = add[c].to_numpy()
    if pre.task is Task.REGRESSION:
        table["error"] = table[PREDICTION].to_numpy() - np.asarray(y, np.float64)
    else:
        table[CORRECT] = predicted_codes(out, pre.task, threshold) == np.asarray(y)
    rows = getattr(data, "positions", {}).get(split)
    if rows is not None and len(rows) == len(table):  # a misclassified row is found in the file
        table.index = pd.Index(np.asarray(rows) + 1, name=DATA_ROW)
    return table


def misclassified(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of a predictions table whose prediction is wrong."""
    if CORRECT not in table.columns:
        raise DataError("Only classification has misclassified rows.",
                        "For regression, sort the table by its error instead.")
    return table.loc[~table[CORRECT].astype(bool)]


@dataclass
class RowPrediction:
    """The prediction for one row typed into a form."""

    value: object  # class label or number
    probability: float | None  # of the predicted class
    probabilities: dict = field(default_factory=dict)  # class label -> probability
    task: Task = Task.BINARY
    target: str = ""

    def text(self) -> str:
        if self.task is Task.REGRESSION:
            return f"{self.target} = {self.value:.6g}"
        s = f"{self.target} = {self.value!s} with probability {self.probability:.1%}"
        return s


def row_frame(pre, values: dict) -> pd.DataFrame:
    """One row given as {column: value in original units} as a one-row table of the model's input
    columns, checked: raises :class:`DataError` naming the column when a value is missing, not a
    number, or a category never seen in training."""
    row = {}
    for c in pre.columns:
        v = values.get(c.name)
        if isinstance(v, str) and v.strip() == "":
            v = None
        if v is not None and (c.kind == "numeric" or getattr(c, "passthrough_binary", False)):
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise DataError(f"'{c.name}' must be a number, not {v!r}.") from None
        # number columns numeric, categories as their training type
        numeric = c.kind == "numeric" or getattr(c, "passthrough_binary", False)
        if numeric:  # (a float already, or None)
            row[c.name] = np.array([np.nan if v is None else v], dtype=np.float64)
        elif c.categories and not isinstance(c.categories[0], str):
            row[c.name] = pd.to_numeric(pd.Series([v], dtype=object), errors="coerce").to_numpy()
        else:
            row[c.name] = [v]
    frame = pd.DataFrame(row)  # at once: a column set at a time took 0.2 s for 686 columns
    problems = row_problems(pre, frame)[0]
    if problems:
        raise DataError(f"This row cannot be predicted: {problems}.",
                        "Fill in every field with a value of the kind seen in training.")
    return frame


def encode_row(pre, values: dict) -> np.ndarray:
    """One row in original units as the network's input (1 x encoded inputs); see :func:`row_frame`."""
    return transform_lenient(pre, row_frame(pre, values))


def predict_row(model, pre, values: dict, threshold: float | None = None) -> RowPrediction:
    """Predict one row given as {column: value in original units}.

    Raises :class:`DataError` naming the column when a value is missing, not a number, or a
    category never seen in training.
    """
    X = encode_row(pre, values)
    out = predict_encoded(model, X)
    if pre.task is Task.REGRESSION:
        return RowPrediction(float(out[0, 0]), None, {}, pre.task, pre.target)
    probs = class_probabilities(out, pre.task)[0]
    code = int(predicted_codes(out, pre.task, threshold)[0])
    return RowPrediction(pre.classes[code], float(probs[code]),
                         {c: float(p) for c, p in zip(pre.classes, probs)}, pre.task, pre.target)


def evaluate_frame(model, pre, frame: pd.DataFrame, loss_name: str | None = None,
                   regularization: float = 0.0, threshold: float | None = None,
                   outputs: FrameOutputs | None = None) -> tuple[Evaluation, int]:
    """Figures on every row of a raw table that holds the target; (evaluation, rows left out).
    ``outputs``: :func:`frame_outputs` of these rows, when already computed (the network then
    does not run again)."""
    if pre.target not in frame.columns:
        raise DataError(f"The data has no column '{pre.target}' (the target), so the predictions "
                        f"cannot be compared with the truth.",
                        "Give a file with the target column, or use `nnstudio predict`.")
    frame = frame.reset_index(drop=True)
    y = pre.encode_target(frame[pre.target])
    has_y = np.isfinite(y) if pre.task is Task.REGRESSION else y >= 0
    res = frame_outputs(model, pre, frame) if outputs is None else outputs
    ok = has_y & res.ok
    if not ok.any():
        raise DataError(no_rows_message(pre, frame[pre.target], has_y),
                        "Check that this is data like the model's training data, its target "
                        "written as the training file wrote it.")
    ev = evaluate_outputs(y[ok], res.out[ok], pre.task, pre.classes, loss_name=loss_name,
                          regularization=regularization, split="all", threshold=threshold)
    ev.left_out_note = left_out_note(pre, frame[pre.target], has_y, res.ok)
    return ev, int((~ok).sum())
