"""A trained model on the rows of a new file (customers to score, readings to classify): the
predictions table, what could not be predicted and why, and — when the file holds the target too —
the figures on it, as Orange's Predictions widget shows them. No Qt: the GUI's File > Predict a CSV
file runs it on a worker.

The file is read by the app's own reader, with the options the training file was read with where
there was one (a decimal comma, '$1,234' read as numbers, the missing markers), so that the same
columns mean the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from nnstudio.core import evaluate as ev
from nnstudio.core.data import workbook
from nnstudio.core.data.csv import read_csv_like
from nnstudio.core.data.extrapolation import beyond_rows, beyond_rows_text
from nnstudio.core.data.raw_rows import OTHER_SPELLING
from nnstudio.core.errors import DataError, NNStudioError
from nnstudio.core.model.spec import Task


@dataclass
class FilePredictions:
    path: str
    table: pd.DataFrame  # the file's columns, then prediction / probability (/ note)
    task: Task
    target: str
    predicted: int  # rows with a prediction
    reasons: dict[str, int] = field(default_factory=dict)  # why rows were not predicted -> rows
    evaluation: ev.Evaluation | None = None  # when the file holds the target
    evaluation_error: str = ""  # the target is there but the figures could not be computed
    read_notes: list[str] = field(default_factory=list)  # from reading the file (rows left out …)
    beyond_note: str = ""  # rows with a value beyond the training range, in words
    beyond: dict[str, int] = field(default_factory=dict)  # column -> such rows

    @property
    def rows(self) -> int:
        return len(self.table)

    @property
    def skipped(self) -> int:
        return self.rows - self.predicted

    def counts(self) -> list[tuple[str, int]]:
        """Predicted rows per class, most first (classification)."""
        if self.task is Task.REGRESSION:
            return []
        s = self.table[ev.PREDICTION].dropna().astype(str).value_counts()
        return [(str(k), int(v)) for k, v in s.items()]

    def summary_lines(self) -> list[str]:
        name = Path(self.path).name
        out = [f"Predicted {self.predicted:,} of the {self.rows:,} rows of {name}.", *self.read_notes]
        if self.task is Task.REGRESSION:
            v = pd.to_numeric(self.table[ev.PREDICTION], errors="coerce").dropna()
            if len(v):
                out.append(f"Predicted {self.target}: mean {v.mean():.4g}, from {v.min():.4g} to "
                           f"{v.max():.4g}.")
        else:
            counts = self.counts()
            shares = ", ".join(f"{self.target} = {k} for {n:,}{' rows' if i == 0 else ''} "
                               f"({n / max(self.predicted, 1):.0%})"
                               for i, (k, n) in enumerate(counts[:6]))
            if shares:
                more = f" and {len(counts) - 6} more classes" if len(counts) > 6 else ""
                out.append(f"Predicted: {shares}{more}.")
        if self.beyond_note:
            out.append(self.beyond_note)
        if self.skipped:
            why = reasons_text(self.reasons)
            rows = f"{self.skipped:,} rows have" if self.skipped != 1 else "1 row has"
            out.append(f"{rows} no prediction (the note column says why)"
                       + (f": {why}." if why else "."))
        if self.evaluation is not None:
            e = self.evaluation
            figs = ", ".join(f"{ev.METRIC_NAMES[k]} {v:.4f}" for k, v in e.metrics.items()
                             if k in ev.METRIC_NAMES)
            out.append(f"The file holds the target '{self.target}': on its {e.n:,} rows with a "
                       f"prediction and a target, {figs}.")
            if e.left_out_note:  # blank targets, classes the model does not know, …
                out.append(e.left_out_note)
        elif self.evaluation_error:
            out.append(self.evaluation_error)
        return out


def reasons_text(reasons: dict[str, int], most: int = 3) -> str:
    """'plan has a value not seen in training (2); tenure is missing (1)': the commonest first."""
    top = sorted(reasons.items(), key=lambda kv: -kv[1])
    text = "; ".join(f"{reason} ({n:,})" for reason, n in top[:most])
    return text + (f"; and {len(top) - most} other reasons" if len(top) > most else "")


def reasons_of(notes: pd.Series) -> dict[str, int]:
    """'Age is missing; Geography = Mars was not seen in training' -> one count per kind."""
    out: dict[str, int] = {}
    for note in notes.dropna():
        for part in str(note).split("; "):
            if not part:
                continue
            if " = " in part and part.endswith(f": {OTHER_SPELLING})"):  # 'plan = BASIC …'
                kind = part.split(" = ")[0] + " has values written with other capitals, " \
                                              "spaces or full stops than in training"
            elif " = " in part:  # 'plan = platinum was not seen in training'
                kind = part.split(" = ")[0] + " has a value not seen in training"
            else:  # 'age is not a number ('??')' -> 'age is not a number'
                kind = part.split(" (")[0]
            out[kind] = out.get(kind, 0) + 1
    return out


def predict_file(net, pre, path: str | Path, *, csv_options: dict | None = None,
                 threshold: float | None = None, loss_name: str | None = None,
                 regularization: float = 0.0) -> FilePredictions:
    """Predict every row of the CSV at ``path`` with ``net`` (raw columns in, as trained)."""
    ds = read_csv_like(path, csv_options)
    frame = ds.frame
    outputs = ev.frame_outputs(net, pre, frame)  # the network runs once, for the table and the figures
    table = ev.predict_frame(net, pre, frame, keep_columns=True, threshold=threshold, outputs=outputs)
    predicted = int(table[ev.PREDICTION].notna().sum())
    reasons = reasons_of(table[ev.NOTE]) if ev.NOTE in table.columns else {}
    far, beyond = beyond_rows(pre, frame)
    result = FilePredictions(str(path), table, pre.task, pre.target, predicted, reasons,
                             read_notes=list(ds.warnings), beyond_note=beyond_rows_text(far, beyond),
                             beyond={c: n for c, n, *_ in beyond})
    if pre.target in frame.columns and frame[pre.target].notna().any():
        try:
            result.evaluation, _ = ev.evaluate_frame(net, pre, frame, loss_name, regularization,
                                                     threshold, outputs=outputs)
        except NNStudioError as e:
            result.evaluation_error = (f"The file holds a '{pre.target}' column, but it cannot be "
                                       f"compared with the predictions: {e.message}")
    return result


def write_csv(result: FilePredictions, path: str | Path) -> None:
    """Save the predictions table (a DataError when the file cannot be written)."""
    write_table(result.table, path)


def write_table(table, path: str | Path) -> None:
    """``table`` as CSV, or as an Excel workbook of one sheet ('Predictions') when ``path`` ends
    in .xlsx or .xlsm; a DataError when the file cannot be written."""
    try:
        if Path(path).suffix.lower() in workbook.SUFFIXES:
            table.to_excel(path, index=False, sheet_name="Predictions", engine="openpyxl")
        else:
            table.to_csv(path, index=False)
    except OSError as e:
        raise DataError(f"Cannot write '{path}': {e.strerror}.",
                        "Choose a folder you can write to.") from None
    except ValueError as e:  # openpyxl: a control character a workbook cannot hold
        raise DataError(f"Cannot write '{Path(path).name}' as a workbook: {e}.",
                        "Save the predictions as CSV (a name ending in .csv).") from None
