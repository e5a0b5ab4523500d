"""A one-page HTML report of a trained run: data and preprocessing, network, settings, training
curves, metrics, confusion matrix, curves and threshold (two classes), residuals (regression),
importance and baselines. Charts are SVG images embedded as data URIs, so the single file opens in
any browser and can be mailed as it is. Built headless (``nnstudio report``) or from the app.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import numpy as np

from nnstudio import __version__
from nnstudio.core import baselines as bl
from nnstudio.core import evaluate as ev
from nnstudio.core import explain, svgplot
from nnstudio.core import threshold as th
from nnstudio.core.data import checks
from nnstudio.core.errors import DataError, NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.core.numbers import fmt_metric

CSS = """
body{font-family:system-ui,sans-serif;max-width:1000px;margin:24px auto;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:2px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:26px}
.sub{color:#666;margin-top:0}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:10px}.verdict{background:#f4f8f4;
border:1px solid #cfe3cf;border-radius:4px;padding:8px}.note{color:#666;font-size:13px}img{border:1px solid #eee}
.warn{background:#fff4d6;border:1px solid #e8c66b;color:#5c4300;border-radius:4px;padding:6px 8px;font-size:14px}
"""


@dataclass
class ReportParts:
    """What a report needs: the project, the trained network and its preprocessing."""

    project: object  # core.project.Project
    model: object  # keras.Model or forward layers
    preprocessor: object
    history: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)  # epochs_run, status, seconds, ...
    threshold: float | None = None


#: Columns drawn in the report's importance chart (most important first; the rest counted).
REPORT_BARS = 30


def _img(svg: str, alt: str) -> str:
    return f'<img alt="{escape(alt)}" src="{svgplot.data_uri(svg)}">'


def _table(head: list[str], rows: list[list], left_cols: int = 1) -> str:
    h = "".join(f'<th class="{"l" if i < left_cols else ""}">{escape(str(x))}</th>' for i, x in enumerate(head))
    keys = [_KEY_OF_LABEL.get(str(x), str(x)) for x in head]  # a score's column keeps its decimals
    body = []
    for r in rows:
        body.append("<tr>" + "".join(f'<td class="{"l" if i < left_cols else ""}">{escape(_cell(x, keys[i]))}</td>'
                                     for i, x in enumerate(r)) + "</tr>")
    return f"<table><tr>{h}</tr>{''.join(body)}</table>"


_KEY_OF_LABEL = {label: key for key, label in ev.METRIC_NAMES.items()}


def _cell(x, key: str | None = None) -> str:
    if x is None:
        return "—"
    if isinstance(x, (float, np.floating)):
        return "—" if not np.isfinite(x) else fmt_metric(key, float(x))  # as the Evaluation tab: 31,220
    if isinstance(x, (int, np.integer)):
        return f"{int(x):,}"
    return str(x)


def build_report(parts: ReportParts, *, importance: bool = True, baselines: bool = True,
                 n_repeats: int = 5, linear=None, on_step=None) -> str:
    """The report as HTML text. ``on_step(text)`` is told what is being computed (for progress)."""
    step = on_step or (lambda _t: None)
    project, model, pre = parts.project, parts.model, parts.preprocessor
    step("preparing the data")
    data = project.prepare()
    if data.preprocessor.to_dict() != pre.to_dict():
        raise DataError("The project's data no longer match the trained model's preprocessing.",
                        "Train the project again, then write the report.")
    task = pre.task
    threshold = parts.threshold if task is Task.BINARY else None
    ds = project.dataset
    title = f"{ds.name}: {pre.target} ({task.label})"
    out = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
           f"<style>{CSS}</style></head><body>",
           f"<h1>{escape(title)}</h1><p class='sub'>nnstudio {__version__} · "
           f"{_dt.datetime.now().strftime('%Y-%m-%d %H:%M')}</p>"]

    # ----- data and preprocessing
    out.append("<h2>Data and preprocessing</h2>")
    out.append(f"<p>{escape(ds.name)} — {ds.n_rows:,} rows, {len(ds.columns)} columns"
               + (f" ({escape(str(ds.source))})" if ds.source else "") + f". {escape(data.summary())}</p>")
    notes = [n for n in [ds.note, *ds.warnings] if n]  # how the file was read: '?' read as missing,
    if notes:  # '$63,248' read as 63248, a synthetic table... (the Data tab's note says the same)
        out.append("<p class='note'>How the data was read: " + escape(" ".join(notes)) + "</p>")
    out.append(_table(["column", "how it enters the network"], [[c.name, c.describe()] for c in pre.columns], 2))
    drops = data.dropped_text()
    if drops:
        out.append("<p class='note'>" + escape(" ".join(drops)) + "</p>")
    for line in checks.notes(data, project):  # a column that predicts alone, repeated rows
        out.append("<p class='warn'>Check: " + escape(line) + "</p>")

    # ----- network and settings
    out.append("<h2>Network and training</h2>")
    k = max(pre.n_classes, 2)
    out.append("<p>" + escape(" → ".join(project.spec.summary(task, k))) + "</p>")
    out.append("<p class='note'>Settings: " + escape(project.settings.describe()) + ".</p>")
    sm = parts.summary or {}
    if sm:
        out.append(f"<p>{escape(str(sm.get('message') or ''))} "
                   + (f"({float(sm['seconds']):.1f} s)" if sm.get("seconds") else "") + "</p>")
    hist = {key: v for key, v in (parts.history or {}).items() if v}
    if hist:
        charts = []
        for metric in ("loss", "accuracy", "mae"):
            series = [(np.arange(1, len(hist[key]) + 1), hist[key], label, key.startswith("val_"))
                      for key, label in ((metric, "training"), (f"val_{metric}", "validation")) if key in hist]
            if series:
                charts.append(_img(svgplot.lines(series, title=f"{metric} per epoch", xlabel="epoch",
                                                 ylabel=metric), f"{metric} curves"))
        out.append("<div class='grid'>" + "".join(charts) + "</div>")

    # ----- metrics
    step("evaluating")
    loss = project.settings.loss_for(task)
    evals = ev.evaluate_all(model, data, loss, None, threshold)
    out.append("<h2>Metrics</h2>")
    keys = list(dict.fromkeys(key for e in evals.values() for key in e.metrics))
    out.append(_table(["split", "rows", "loss", *keys],
                      [[e.label, e.n, e.loss, *[e.metrics.get(key) for key in keys]] for e in evals.values()]))
    test = evals.get("test") or next(iter(evals.values()))
    lead = bl.leading_metrics(test, data.y_train)
    if task is not Task.REGRESSION:
        imb = bl.is_imbalanced(data.y_train, k)
        out.append(("<p><b>The classes are imbalanced</b>, so these come first: " if imb else "<p>")
                   + escape(", ".join(f"{label} {v:.3f}" for _k, label, v in lead))
                   + f" ({escape(test.label)} rows).</p>")

    charts = []
    if test.confusion is not None:
        charts.append(_img(svgplot.confusion(test.confusion, test.classes,
                                             title=f"Confusion matrix ({test.label} rows)"), "confusion matrix"))
    if task is Task.BINARY and test.n:
        score = th.positive_score(test.output, task)
        try:
            cv = th.curves(test.y_true, score)
        except NNStudioError:
            cv = None
        if cv is not None:
            charts.append(_img(svgplot.lines([(cv.fpr, cv.tpr, f"AUC {cv.roc_auc:.3f}", False)],
                                             title="ROC curve", xlabel="false positive rate",
                                             ylabel="true positive rate", xrange=(0, 1), yrange=(0, 1),
                                             diagonal=True), "ROC curve"))
            charts.append(_img(svgplot.lines([(cv.recall, cv.precision, f"AP {cv.average_precision:.3f}", False)],
                                             title="Precision-recall curve", xlabel="recall",
                                             ylabel="precision", xrange=(0, 1), yrange=(0, 1)), "PR curve"))
            charts.append(_img(svgplot.lines([(cv.prob_pred, cv.prob_true, f"Brier {cv.brier:.3f}", False)],
                                             title="Calibration", xlabel="mean predicted probability",
                                             ylabel="share of positives", xrange=(0, 1), yrange=(0, 1),
                                             diagonal=True), "calibration"))
            m = th.metrics_at(test.y_true, score, threshold)
            out.append(f"<p>Decision threshold <b>{threshold:g}</b>: P({escape(pre.target)} = "
                       f"{escape(str(pre.classes[1]))}) above it predicts {escape(str(pre.classes[1]))}. "
                       f"Precision {m.precision:.3f}, recall {m.recall:.3f}, F1 {m.f1:.3f}.</p>")
    if task is Task.MULTICLASS and test.one_vs_rest is not None:
        out.append(_one_vs_rest(test, charts))
    if task is Task.REGRESSION and test.n:
        y, p = np.asarray(test.y_true, float), np.asarray(test.y_pred, float)
        charts.append(_img(svgplot.scatter(y, p, title="Predicted vs actual", xlabel=f"actual {pre.target}",
                                           ylabel=f"predicted {pre.target}", diagonal=True), "predicted vs actual"))
        charts.append(_img(svgplot.scatter(p, y - p, title="Residuals", xlabel=f"predicted {pre.target}",
                                           ylabel="actual − predicted", hline=0.0), "residuals"))
        charts.append(_img(svgplot.histogram(y - p, title="Residuals", xlabel="actual − predicted"),
                           "residuals histogram"))
    if charts:
        out.append("<div class='grid'>" + "".join(charts) + "</div>")

    # ----- importance
    if importance and len(data.raw_test) >= 2:
        step("measuring the importance of the columns")
        try:
            imp = explain.permutation_importance(model, pre, data.raw_test, n_repeats=n_repeats,
                                                 threshold=threshold)
        except NNStudioError as e:
            out.append(f"<h2>Which columns matter</h2><p class='note'>{escape(e.user_text())}</p>")
        else:
            out.append("<h2>Which columns matter</h2>")
            k = REPORT_BARS  # a pixel file's 686 bars made a chart 15,000 pixels tall
            out.append(_img(svgplot.bars(imp.columns[:k], imp.mean[:k], imp.std[:k],
                                         title="Permutation importance (test rows)",
                                         xlabel=f"drop of {imp.metric_label} when the column is shuffled "
                                                f"(± sd of {imp.n_repeats} repeats)"), "importance"))
            notes = [imp.summary(), *imp.notes]
            if len(imp.columns) > k:
                notes.insert(1, f"The {k} columns that matter most; {len(imp.columns) - k:,} more "
                                f"columns each drop it by at most {imp.mean[k:].max():+.4f}.")
            out.append("<p class='note'>" + escape(" ".join(n for n in notes if n)) + "</p>")

    # ----- baselines
    if baselines and len(data.y_test):
        step("training the baselines")
        try:
            comp = bl.compare(model, data, project.settings, split="test", threshold=threshold, linear=linear)
        except NNStudioError as e:
            out.append(f"<h2>Better than simple?</h2><p class='note'>{escape(e.user_text())}</p>")
        else:
            out.append("<h2>Better than simple?</h2>")
            mkeys = [key for key in bl.METRIC_LABELS if any(key in r.metrics for r in comp.rows)]
            out.append(_table(["model", "what it is", *[bl.METRIC_LABELS[key] for key in mkeys]],
                              [[r.name, r.description, *[r.metrics.get(key) for key in mkeys]] for r in comp.rows], 2))
            out.append(f"<p class='verdict'>{escape(comp.verdict())}</p>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(html: str, path: str | Path) -> Path:
    p = Path(path)
    if p.parent and not p.parent.is_dir():
        raise DataError(f"Cannot write the report to {p}: the folder {p.parent} does not exist.",
                        "Choose an existing folder.")
    try:
        p.write_text(html, encoding="utf-8")
    except OSError as e:
        raise DataError(f"Cannot write '{p}': {e.strerror}.", "Choose a folder you can write to.") from None
    return p


def _one_vs_rest(test, charts: list) -> str:
    """More than two classes: each class's ROC curve against the rest (the classes with rows of
    their own, up to the palette's colours) into ``charts``, and the macro average in words."""
    pc = test.one_vs_rest
    y, proba = np.asarray(test.y_true), np.asarray(test.output, float)
    drawn = pc.scored[:len(svgplot.PALETTE)]
    series = []
    for k in drawn:
        cv = th.curves(y == k, proba[:, k])
        series.append((cv.fpr, cv.tpr, f"{pc.classes[k]!s}: AUC {pc.roc_auc[k]:.3f}", False))
    if series:
        charts.append(_img(svgplot.lines(series, title="ROC curves, each class against the rest",
                                         xlabel="false positive rate", ylabel="true positive rate",
                                         xrange=(0, 1), yrange=(0, 1), diagonal=True), "ROC curves"))
    if not pc.scored:
        return ""
    more = len(pc.scored) - len(drawn)
    return (f"<p>Each class against the rest ({escape(test.label)} rows): macro-average ROC AUC "
            f"<b>{pc.macro_roc_auc:.3f}</b> over {len(pc.scored)} classes"
            + (f" ({more} not drawn)" if more else "") + ".</p>")
