"""Run the split step of a project's generated stand-alone script on its CSV (the tests of the
split orders check that the script holds out the rows the app does)."""
from __future__ import annotations

import numpy as np
import pandas as pd


def script_split(project, data, path) -> dict:
    """The names the script's "2. split" step leaves (``train``, ``test``), run on ``path``."""
    from nnstudio.core.export_script import script_text
    from nnstudio.core.trained import TrainedModel

    tm = TrainedModel(net=None, preprocessor=data.preprocessor, data_frame=project.dataset.frame,
                      source_path=None, meta={"data": {"name": path.name}, "training": {},
                                              "network": project.spec.to_dict(),
                                              "split": project.split.to_dict()})
    text = script_text(tm, path.name, True)
    scope = {"data": pd.read_csv(path), "TEST_FRACTION": project.split.test,
             "SEED": project.split.seed, "np": np, "pd": pd}
    exec(text[text.index("# ----- 2. split"):text.index("# ----- 3.")], scope)
    return scope
