"""An exported ``.keras`` model opened in the Evaluation tab: read with its data, and the run it describes."""
from __future__ import annotations

from pathlib import Path

from nnstudio.core import model_file
from nnstudio.core.trained import TrainResult


def read_model_with_data(path: str, data_path: str | None) -> dict:
    """On a worker (loading needs TensorFlow): the model file, the project made from its data
    (None: the data was not found) and whether that data's preprocessing is the model's own."""
    lm = model_file.load(path)
    lm.require_nnstudio()
    frame = model_file.read_csv_frame(data_path, lm.read_options) if data_path else model_file.data_for(lm.meta)
    if frame is None:
        return {"lm": lm, "project": None}
    project = model_file.project_from_meta(lm.meta, frame)
    data = project.prepare()
    return {"lm": lm, "project": project,
            "same": data.preprocessor.to_dict() == lm.preprocessor.to_dict()}


def opened_result(lm) -> TrainResult:
    """The run an opened model file describes (its history and test figures, status "opened")."""
    meta = lm.meta
    res = meta.get("result") or {}
    return TrainResult(model=lm.net, history=dict(meta.get("history") or {}),
                       epochs_run=int(res.get("epochs_run") or 0), status="opened",
                       message=f"Opened {Path(lm.path).name}.", seconds=0.0,
                       test={k: v for k, v in (res.get("test") or {}).items() if v is not None},
                       seed=int(res.get("seed") or 0))
