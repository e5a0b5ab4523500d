"""``nnstudio export MODEL OUT``: write a model exported by nnstudio (``.keras``), or a trained
project's (``.nnstudio``), in other formats."""
from __future__ import annotations

from pathlib import Path


def add_parser(sub) -> None:
    from nnstudio.core.export import FORMATS  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    p = sub.add_parser("export", help="write an exported model in other formats (ONNX, LiteRT, …)",
                       description="Write a model exported by nnstudio (.keras), or the model of a "
                                   "trained project (.nnstudio), as SavedModel, ONNX, "
                                   "LiteRT, weights (JSON, NPZ), its training history (CSV) and a "
                                   "standalone training script. OUT is a folder (every chosen format "
                                   "goes in it) or a file whose suffix names one format (.onnx, "
                                   ".tflite, .npz, .json, .csv, .py, .keras). To train and export in "
                                   "one go: `nnstudio train SOURCE --export OUT`.")
    p.add_argument("model", help="a .keras file exported by nnstudio, or a trained .nnstudio project")
    p.add_argument("out", help="output folder, or a file with a format's suffix")
    p.add_argument("--formats", default="all",
                   help=f"comma-separated, from: {', '.join(FORMATS)} (default: all)")
    p.set_defaults(func=run)


def run(args) -> int:

    from nnstudio.core import export, model_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    out = Path(args.out)
    key = export.format_of(out)  # before the model is read: a name it will not write is refused
    if Path(args.model).suffix.lower() == ".nnstudio":
        tm = _project_model(args.model)
    else:
        tm = model_file.trained_model(model_file.load(args.model))
    if key is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        paths = export.write_format(tm, key, out)
    else:
        formats = None if args.formats.strip() == "all" else \
            [f.strip() for f in args.formats.split(",") if f.strip()]
        if formats is not None and "history_csv" in formats and not tm.history:
            formats.remove("history_csv")
        if formats is None and not tm.history:
            formats = [f for f in export.FORMATS if f != "history_csv"]
        paths = export.export(tm, out, formats)
    for p in paths:
        print(f"exported {p}")
    return 0


def _project_model(path: str):
    """A trained project's model as the app's File > Export model gives it (its data is read to
    check that the model was trained on it)."""
    from nnstudio.core import export, project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.errors import NNStudioError, ProjectError  # noqa: PLC0415 -- lazy: loaded with the rest of the command, not at start-up

    opened = project_file.open_project(path)
    name = Path(path).name
    if isinstance(opened.prepared, NNStudioError):
        raise opened.prepared
    if opened.result is None:
        why = " ".join(opened.warnings) or "It was saved untrained."
        raise ProjectError(f"'{name}' holds no trained model to export. {why}",
                           f"Train it and save: `nnstudio train {name} --save {name}`.")
    return export.from_training(opened.result, opened.prepared, opened.project)
