"""The inspector's readouts: the prediction banner (NumPy beside Keras) and the preprocessing table."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGroupBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

from nnstudio.core.forward import fmt
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.scroll_tabs import vertical_scroll

#: NumPy's output and Keras' agree when they differ by at most this much, times the output's
#: size when that is above 1 (float32 keeps ~7 digits: an output of 1031.2 is good to ~1e-4)
PARITY_TOLERANCE = 1e-5


def parity_tolerance(keras_out: np.ndarray) -> float:
    """How far NumPy's outputs may be from Keras' ``keras_out`` and still be float32 rounding."""
    b = np.abs(np.asarray(keras_out, np.float64))
    return PARITY_TOLERANCE * max(1.0, float(b.max()) if b.size else 0.0)


def outputs_agree(out: np.ndarray, keras_out: np.ndarray) -> tuple[float, bool]:
    """The largest difference between the NumPy outputs and Keras', and whether it is float32
    rounding (:func:`parity_tolerance`)."""
    a, b = np.asarray(out, np.float64).reshape(-1), np.asarray(keras_out, np.float64).reshape(-1)
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    return diff, diff <= parity_tolerance(b)


def raw_text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "(missing)"
    if isinstance(v, (float, np.floating)):
        return fmt(v)
    return str(v)


def interpret(out: np.ndarray, data):
    """(predicted output units, output labels, predicted class index, predicted value)."""
    pre = data.preprocessor
    target = pre.target
    if data.task is Task.REGRESSION:
        return [0], [target], None, float(out[0])
    classes = pre.classes
    if len(out) == 1:
        k = int(out[0] >= 0.5)
        return [0], [f"p({target} = {classes[1]})"], k, None
    k = int(np.argmax(out))
    return [k], [f"p({c})" for c in classes], k, None


def banner_html(out: np.ndarray, data, true_value, true_code, source: str | None,
                live_epoch: tuple[int, int] | None, keras_output, tf_loaded: bool,
                problems: list[str]) -> str:
    """The banner over the trace: the prediction (and whether it is right), then NumPy's output
    beside Keras' own (``keras_output``; None: not computed yet) or the live epoch, then the
    sample's problems. ``true_code()`` gives the true class's index (None: unknown)."""
    pre = data.preprocessor
    target = pre.target
    if data.task is Task.REGRESSION:
        pred = fmt(out[0])
        main = f"Predicted <b>{target} = {pred}</b>"
        correct = None
        if true_value is not None and not pd.isna(true_value):
            main += f" — true value {raw_text(true_value)}"
    else:
        _, _, k, _ = interpret(out, data)
        p = out[0] if len(out) == 1 else out[k]
        prob = f"p({target} = {pre.classes[1]}) = {fmt(p, 4)}" if len(out) == 1 else \
            f"probability {fmt(p, 4)}"
        main = (f"Predicted <span style='background:#d9f2d9'><b>{target} = {pre.classes[k]}</b>"
                f"</span> ({prob})")
        correct = None
        code = true_code()
        if code is not None:
            correct = code == k
            mark = "<span style='color:#2ca02c'>✓ correct</span>" if correct else \
                "<span style='color:#d62728'>✗ wrong</span>"
            main += f" — true {target} = {raw_text(true_value)} {mark}"
    lines = [main]
    if source == "snapshot":
        e, n = live_epoch or (0, 0)
        lines.append(f"<i>The weights of epoch {e:,} of {n:,} (the timeline) — Keras' own check and the "
                     f"gradients are for the final model: press End under the curves.</i>")
    elif source == "live":
        e, n = live_epoch or (0, 0)
        lines.append(f"<i>Live weights at epoch {e:,} of {n:,} — Keras' own check and the "
                     f"gradients appear when training ends.</i>")
    elif keras_output is None:
        waiting = "computing…" if tf_loaded else "waiting for TensorFlow to load…"
        lines.append(f"NumPy (this page): {', '.join(fmt(v, 8) for v in out)} · Keras "
                     f"<tt>model(x)</tt>: <i>{waiting}</i>")
    else:
        k_out = keras_output.reshape(-1)
        diff, ok = outputs_agree(out, k_out)
        verdict = ("<span style='color:#2ca02c'>✓ the same to float32 precision</span>" if ok else
                   f"<span style='color:#d62728'>✗ more than {parity_tolerance(k_out):.1g} apart</span>")
        lines.append(f"NumPy (this page): {', '.join(fmt(v, 8) for v in out)} · Keras "
                     f"<tt>model(x)</tt>: {', '.join(fmt(v, 8) for v in k_out)} · largest "
                     f"difference {diff:.1e} {verdict}")
    if problems:
        lines.append("Note: " + "; ".join(problems))
    return "<br>".join(lines)


def fill_preprocessing_table(table: QTableWidget, how_label: QLabel, steps) -> None:
    """Show each column's way from raw to encoded to scaled (``core.forward.explain_inputs``)."""
    how_label.setText("<br>".join(f"<b>{s.column}</b>: {s.how}" +
                                  (f" — <span style='color:#d62728'>{s.problem}</span>"
                                   if s.problem else "") for s in steps))
    rows = []
    for s in steps:
        for k, (name, v) in enumerate(s.scaled):
            enc = s.encoded[k][1] if k < len(s.encoded) else v
            rows.append((s.column if k == 0 else "", raw_text(s.raw) if k == 0 else "",
                         f"{name}: {fmt(enc, 5)}" if len(s.scaled) > 1 else fmt(enc, 5), fmt(v, 5),
                         s.how if k == 0 else "", s.problem))
    table.setRowCount(len(rows))
    for i, (feat, raw, enc, val, how, problem) in enumerate(rows):
        for c, text in enumerate((feat, raw, enc, val)):
            it = QTableWidgetItem(text)
            it.setToolTip(how)
            if c in (2, 3):
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if problem:
                it.setBackground(QBrush(QColor("#fde2e2")))
                it.setToolTip(problem)
            table.setItem(i, c, it)
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)


def preprocessing_box() -> tuple[QGroupBox, QTableWidget, QLabel]:
    """The inspector's "raw -> encoded -> scaled" box: (the box, its table, the label below
    that says how each column is scaled); :func:`fill_preprocessing_table` fills them."""
    table = QTableWidget(0, 4)
    table.setHorizontalHeaderLabels(["Feature", "Raw", "Encoded", "Input"])
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setToolTip("Preprocessing fitted on the training split: raw value → encoded "
                     "(categories to numbers) → scaled (what the network receives).")
    how = QLabel()
    how.setWordWrap(True)
    how.setTextFormat(Qt.TextFormat.RichText)
    box = QGroupBox("Preprocessing: raw → encoded → scaled")
    pl = QVBoxLayout(box)
    # four rows of the table stay in view however long the list of scalings below it is (with
    # twelve inputs that list took the box's height and left the table one row)
    rows = table.verticalHeader().defaultSectionSize()
    table.setMinimumHeight(table.horizontalHeader().sizeHint().height() + 4 * rows
                           + 2 * table.frameWidth())
    pl.addWidget(table, 3)
    pl.addWidget(vertical_scroll(how), 2)
    return box, table, how
