"""Fuzzing the project loader (Hypothesis), beyond tests/core/test_project_file_fuzz.py (which
replaces whole top-level sections and feeds arbitrary bytes): here any value at any depth of a
CSV project is replaced, deleted or added, the JSON text itself is edited, version-1 documents
are made up, and a *trained* project's model entry is damaged. Each goes through what the GUI
calls (``open_project``, then preparing the data and checking the network) and what the CLI
calls (``load_project``, ``load_trained``): only the app's own errors may come out."""
from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core import project_file as pf
from nnstudio.core.data.csv import read_csv
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import validate
from nnstudio.core.project import Project

N = int(os.environ.get("NNSTUDIO_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=N or 50, deadline=None, suppress_health_check=list(HealthCheck))

LEAVES = (st.none() | st.booleans() | st.integers(-2**70, 2**70)
          | st.floats(allow_nan=False, allow_infinity=False)
          | st.sampled_from(["", "x1", "label", "dense", "relu", "adam", "standardize", "csv",
                             "example", "../../../../etc/passwd", "/etc/passwd", "C:\\Windows",
                             "points.csv", "\x00", "é", "1e999", "NaN", "-1"])
          | st.text(max_size=8))
JSON = st.recursive(LEAVES, lambda kids: st.lists(kids, max_size=3)
                    | st.dictionaries(st.text(max_size=8), kids, max_size=3), max_leaves=8)


@pytest.fixture(scope="module")
def folder():
    d = Path(tempfile.mkdtemp(prefix="nnstudio-fuzz-project-"))
    (d / "points.csv").write_text("x1,x2,colour,label\n" + "".join(
        f"{i % 7},{(i * 3) % 11},{['red', 'blue'][i % 2]},{(i // 2) % 2}\n" for i in range(40)))
    project = Project.from_dataset(read_csv(d / "points.csv"), "label")
    project.preprocess.set_for_column("x1", "numeric", "minmax")
    pf.save_project(project, d / "good.nnstudio")
    return d


def _mutate(data, value):
    """Replace, delete or add something at a random depth of ``value`` (a JSON document)."""
    if isinstance(value, (dict, list)) and value and data.draw(st.integers(0, 3)) > 0:
        keys = list(value) if isinstance(value, dict) else list(range(len(value)))
        k = data.draw(st.sampled_from(keys))
        value[k] = _mutate(data, value[k])
        return value
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete" and isinstance(value, dict) and value:
        del value[data.draw(st.sampled_from(list(value)))]
        return value
    if action == "add" and isinstance(value, dict):
        value[data.draw(st.text(max_size=8))] = data.draw(JSON)
        return value
    return data.draw(JSON)


def _use(path: Path, trained: bool = False) -> None:
    """What the GUI and the CLI do with a project file; only NNStudioError may come out."""
    try:
        opened = pf.open_project(path, load_model=trained)
        data = opened.project.prepare()
        validate(opened.project.spec, data.task, data.n_classes)
        opened.project.settings.check()
    except NNStudioError as e:
        assert e.user_text().strip()
    try:
        pf.load_project(path)
    except NNStudioError as e:
        assert e.user_text().strip()
    if trained:
        try:
            pf.load_trained(path)
        except NNStudioError as e:
            assert e.user_text().strip()


def _write(folder: Path, doc, name="p.nnstudio") -> Path:
    path = Path(tempfile.mkdtemp(dir=folder)) / name
    (path.parent / "points.csv").symlink_to(folder / "points.csv")
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return path


@FUZZ
@given(data=st.data())
def test_any_value_at_any_depth(folder, data):
    doc = json.loads((folder / "good.nnstudio").read_text())
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        doc = _mutate(data, doc)
    _use(_write(folder, doc))


@FUZZ
@given(data=st.data())
def test_edited_json_text(folder, data):
    text = (folder / "good.nnstudio").read_text()
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(text)), label="at")
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(st.sampled_from(['"', ",", "}", "]", "{", "0", "-", "e9", "null", "\\",
                                           "true", "1e999", "NaN", "Infinity", "\n", "é"])
                          | st.text(max_size=3))
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 30)):]
        else:
            text = text[:at] + piece + text[at + len(piece):]
    _use(_write(folder, text))


@FUZZ
@given(doc=st.fixed_dictionaries(
    {"format": st.just("nnstudio-project"), "version": st.just(1)},
    optional={"example": JSON, "data_path": JSON, "target": JSON, "features": JSON,
              "ignored": JSON, "network": JSON | st.sampled_from(["dense:4:relu", "dense:x",
                                                                  "dropout:2", ""]),
              "preprocessing": JSON, "split": JSON, "settings": JSON}))
def test_made_up_version_1_documents(folder, doc):
    _use(_write(folder, doc))


# ----- a trained project ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained_doc(folder, tf_loaded):
    from nnstudio.core.training.engine import Trainer

    project = pf.load_project(folder / "good.nnstudio")
    project.settings = replace(project.settings, epochs=1)
    data = project.prepare()
    result = Trainer(data, project.spec, project.settings).run()
    path = pf.save_project(project, folder / "trained.nnstudio", result, data.preprocessor)
    return json.loads(path.read_text())


TRAINED_FUZZ = settings(max_examples=N or 25, deadline=None,
                        suppress_health_check=list(HealthCheck))


@TRAINED_FUZZ
@given(data=st.data())
def test_damaged_trained_model_entry(folder, trained_doc, data):
    doc = copy.deepcopy(trained_doc)
    doc["trained"] = _mutate(data, doc["trained"])
    path = _write(folder, doc)
    (path.parent / "trained.trained").symlink_to(folder / "trained.trained")
    _use(path, trained=True)
