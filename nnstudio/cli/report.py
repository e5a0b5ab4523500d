"""``nnstudio report PROJECT.nnstudio --out run.html``: a one-page HTML report of a trained project."""
from __future__ import annotations

from pathlib import Path

from nnstudio.core.errors import ProjectError


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="write a one-page HTML report of a trained project",
                       description="Write one HTML file (charts embedded) describing a trained "
                                   "project: data, preprocessing, network, settings, curves, metrics, "
                                   "confusion matrix, importance and baselines.")
    p.add_argument("project", help="a trained .nnstudio project (or a .keras model exported by nnstudio)")
    p.add_argument("--out", required=True, metavar="PATH", help="the HTML file to write")
    p.add_argument("--data", metavar="CSV", help="the project's data file, when it has moved")
    p.add_argument("--no-baselines", action="store_true", help="skip training the linear baseline")
    p.add_argument("--repeats", type=int, default=5, help="shuffles per column for importance (default 5)")
    p.set_defaults(func=run)


def run(args) -> int:
    from nnstudio.core import report  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs

    src = Path(args.project)
    if src.suffix.lower() == ".nnstudio":
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas loads only for the command that runs

        t = project_file.load_trained(src, args.data, require_data=True)
        parts = report.ReportParts(t.project, t.model, t.preprocessor, t.history, t.summary,
                                   t.threshold)
    elif src.suffix.lower() == ".keras":
        from nnstudio.core import model_file  # noqa: PLC0415 -- lazy: SciPy, pandas load only for the command that runs

        lm = model_file.load(src)
        lm.require_nnstudio()
        frame = model_file.read_csv_frame(args.data, lm.read_options) if args.data else None
        project = model_file.project_from_meta(lm.meta, frame)
        meta = lm.meta
        parts = report.ReportParts(project, lm.net, lm.preprocessor, dict(meta.get("history") or {}),
                                   dict(meta.get("result") or {}), lm.threshold)
    else:
        raise ProjectError(f"'{src.name}' is neither a project (.nnstudio) nor a model (.keras).",
                           "Give a trained project file.")
    html = report.build_report(parts, baselines=not args.no_baselines, n_repeats=args.repeats)
    path = report.write_report(html, args.out)
    print(f"Wrote the report to {path} ({len(html) / 1024:.0f} KB); open it in a browser.")
    return 0
