"""Project files: round trips, relative data paths, moved data, versions and migration, bad files,
the trained-model sidecar, and atomic saves (kill -9 mid-save keeps the previous file)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nnstudio.core import project_file as pf
from nnstudio.core.data.csv import read_csv
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.examples import make_xor
from nnstudio.core.errors import DataError, NNStudioError, ProjectError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project


def csv_project(folder: Path, name: str = "points.csv") -> Project:
    folder.mkdir(parents=True, exist_ok=True)
    frame = make_xor(300, seed=3)
    frame["colour"] = np.where(frame["x"] > 0.3, "red", "blue")
    frame.to_csv(folder / name, index=False)
    p = Project.from_dataset(read_csv(folder / name), "class id")
    p.spec = NetworkSpec([LayerSpec.dense(5, "tanh"), LayerSpec.dropout(0.1)])
    p.settings = replace(p.settings, epochs=7, learning_rate=0.02, seed=5, batch_size=16)
    p.split = replace(p.split, test=0.3, seed=11)
    p.preprocess.set_for_column("x", "numeric", "minmax")
    return p


def same_project(a: Project, b: Project) -> None:
    assert b.roles.to_dict() == a.roles.to_dict()
    assert b.spec.to_dict() == a.spec.to_dict()
    assert b.settings == a.settings
    assert b.preprocess.to_dict() == a.preprocess.to_dict()
    assert b.split == a.split
    assert b.task_override == a.task_override
    pd.testing.assert_frame_equal(b.dataset.frame, a.dataset.frame)


def test_example_project_round_trip(tmp_path):
    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=3, optimizer="sgd", momentum=0.5)
    p.task_override = Task.BINARY
    path = pf.save_project(p, tmp_path / "x.nnstudio")
    doc = json.loads(path.read_text())
    assert doc["format"] == pf.FORMAT and doc["version"] == pf.VERSION
    assert doc["data"] == {"kind": "example", "example": "xor", "name": p.dataset.name}
    q = pf.load_project(path)
    same_project(p, q)
    assert q.example == "xor"
    assert list(tmp_path.iterdir()) == [path]  # no sidecar, no temporary file left


def test_a_column_treated_as_a_category_or_number_reopens(tmp_path):
    """The Data tab's "Treat as" choice (per-column "kind") was written to the file and refused
    on opening as "unknown setting 'kind' … The file is damaged": the project could not be opened
    again. A zip code proposed as a category made every such file unopenable."""
    p = csv_project(tmp_path)
    p.preprocess.set_for_column("y", "kind", "category")
    p.preprocess.set_for_column("x", "kind", "number")
    q = pf.load_project(pf.save_project(p, tmp_path / "kinds.nnstudio"))
    same_project(p, q)
    assert q.preprocess.for_column("y", "kind") == "category"
    doc = json.loads((tmp_path / "kinds.nnstudio").read_text())
    doc["preprocessing"]["per_column"]["y"]["kind"] = "a colour"
    (tmp_path / "bad.nnstudio").write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="Unknown kind choice 'a colour' for column 'y'"):
        pf.load_project(tmp_path / "bad.nnstudio")


def test_csv_path_is_relative_and_follows_a_moved_folder(tmp_path):
    p = csv_project(tmp_path / "work" / "data")
    path = pf.save_project(p, tmp_path / "work" / "proj.nnstudio")
    doc = json.loads(path.read_text())
    assert doc["data"]["path"] == "data/points.csv"
    assert doc["data"]["fingerprint"]["size"] == (tmp_path / "work/data/points.csv").stat().st_size
    # the whole folder moves (another machine): the relative path still finds the data
    shutil.move(tmp_path / "work", tmp_path / "elsewhere")
    q = pf.load_project(tmp_path / "elsewhere" / "proj.nnstudio")
    same_project(p, q)
    assert Path(q.dataset.source) == (tmp_path / "elsewhere/data/points.csv").resolve()


def test_project_moved_alone_finds_data_by_absolute_path(tmp_path):
    p = csv_project(tmp_path / "data")
    (tmp_path / "a").mkdir()
    pf.save_project(p, tmp_path / "a" / "proj.nnstudio")  # data at ../data/points.csv from here
    shutil.move(tmp_path / "a" / "proj.nnstudio", tmp_path / "proj.nnstudio")
    same_project(p, pf.load_project(tmp_path / "proj.nnstudio"))


def test_missing_data_is_a_typed_error_and_a_new_location_opens_it(tmp_path):
    p = csv_project(tmp_path / "data")
    path = pf.save_project(p, tmp_path / "proj.nnstudio")
    moved = tmp_path / "moved" / "renamed.csv"
    moved.parent.mkdir()
    shutil.move(tmp_path / "data" / "points.csv", moved)
    with pytest.raises(pf.MissingDataError) as e:
        pf.load_project(path)
    assert e.value.expected == (tmp_path / "data" / "points.csv").resolve()
    assert e.value.file_name == "points.csv"
    assert "points.csv" in e.value.user_text() and "\n" not in e.value.user_text()
    opened = pf.open_project(path, data_path=moved, load_model=False)
    assert opened.data_relocated
    same_project(p, opened.project)
    with pytest.raises(DataError):
        pf.load_project(path, data_path=tmp_path / "nothing.csv")
    # saving again remembers the new place
    pf.save_project(opened.project, path)
    assert json.loads(path.read_text())["data"]["path"] == "moved/renamed.csv"
    same_project(p, pf.load_project(path))


def test_data_without_a_file_is_embedded(tmp_path):
    frame = pd.DataFrame({"a": [1.5, 2.5, 3.5, 4.5] * 5, "b": ["u", "v", "w", "v"] * 5,
                          "t": [0, 1, 0, 1] * 5})
    p = Project.from_dataset(Dataset(frame, "typed in"), "t")
    path = pf.save_project(p, tmp_path / "inline.nnstudio")
    assert json.loads(path.read_text())["data"]["kind"] == "inline"
    q = pf.load_project(path)
    same_project(p, q)
    assert q.dataset.name == "typed in"


def test_changed_data_is_reported(tmp_path):
    p = csv_project(tmp_path)
    path = pf.save_project(p, tmp_path / "proj.nnstudio")
    with open(tmp_path / "points.csv", "a") as fh:
        fh.write("0.5,0.5,0,red\n")
    opened = pf.open_project(path, load_model=False)
    assert any("changed" in w for w in opened.warnings)


def test_columns_the_project_needs_must_exist(tmp_path):
    p = csv_project(tmp_path)
    path = pf.save_project(p, tmp_path / "proj.nnstudio")
    pd.DataFrame({"x": [1, 2], "other": [3, 4]}).to_csv(tmp_path / "wrong.csv", index=False)
    with pytest.raises(DataError, match="'class id'"):
        pf.load_project(path, data_path=tmp_path / "wrong.csv")
    # a column renamed since ('Class_ID' for 'class id'): the message points at it
    renamed = pd.DataFrame({"x": [1, 2], "y": [0, 1], "colour": ["r", "g"], "Class_ID": [3, 4]})
    renamed.to_csv(tmp_path / "renamed.csv", index=False)
    with pytest.raises(DataError) as e:
        pf.load_project(path, data_path=tmp_path / "renamed.csv")
    assert e.value.message == ("The data of project 'proj.nnstudio' has no column(s) 'class id', "
                               "which the project uses; the file has 'Class_ID' for 'class id' "
                               "(capitals or spaces differ).")
    assert e.value.hint.startswith("Rename those columns back in the file")


def test_version_1_is_migrated(tmp_path):
    frame = make_xor(100, seed=1)
    frame.to_csv(tmp_path / "old.csv", index=False)
    v1 = {"format": "nnstudio-project", "version": 1, "data_path": str(tmp_path / "old.csv"),
          "target": "class id", "features": ["x", "y"], "ignored": {},
          "network": "dense:6:relu,dropout:0.2,dense:4:relu",
          "preprocessing": {"numeric": "standardize"}, "split": {"test": 0.25, "seed": 42},
          "settings": {"epochs": 12, "learning_rate": 0.01}}
    (tmp_path / "old.nnstudio").write_text(json.dumps(v1))
    p = pf.load_project(tmp_path / "old.nnstudio")
    assert p.spec.compact() == "dense:6:relu,dropout:0.2,dense:4:relu"
    assert p.settings.epochs == 12 and p.split.test == 0.25 and p.roles.features == ["x", "y"]
    doc = pf.migrate(dict(v1))
    assert doc["version"] == pf.VERSION and doc["data"]["kind"] == "csv"
    v1_example = {"format": "nnstudio-project", "version": 1, "example": "xor", "target": "class id",
                  "features": ["x", "y"], "network": "", "preprocessing": {}, "split": {},
                  "settings": {}}
    (tmp_path / "ex.nnstudio").write_text(json.dumps(v1_example))
    q = pf.load_project(tmp_path / "ex.nnstudio")
    assert q.example == "xor" and q.spec.hidden == []


BAD_FILES = {
    "not JSON": (b"{ this is not json", "not valid JSON"),
    "empty": (b"", "empty"),
    "binary": (bytes(range(256)) * 4, "not text"),
    "a keras zip": (b"PK\x03\x04" + b"\0" * 40, "zip archive"),
    "someone else's JSON": (b'{"name": "my notes", "items": [1, 2]}', "not an nnstudio project"),
    "a JSON list": (b"[1, 2, 3]", "not an nnstudio project"),
    "future version": (json.dumps({"format": "nnstudio-project", "version": 99,
                                   "app_version": "9.0"}).encode(), "newer nnstudio"),
    "bad version": (json.dumps({"format": "nnstudio-project", "version": "two"}).encode(),
                    "invalid version"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_typed_errors_in_one_line(tmp_path, case):
    raw, words = BAD_FILES[case]
    path = tmp_path / "bad.nnstudio"
    path.write_bytes(raw)
    with pytest.raises(ProjectError) as e:
        pf.load_project(path)
    assert words in e.value.user_text()
    assert "\n" not in e.value.user_text()


def good_doc(tmp_path) -> dict:
    p = Project.from_example("xor")
    return json.loads(pf.save_project(p, tmp_path / "good.nnstudio").read_text())


@pytest.mark.parametrize("section,value,words", [
    ("network", {"hidden": [{"kind": "dense", "units": -3}]}, "network"),
    ("network", {"hidden": [{"kind": "lstm"}]}, "Unknown layer type"),
    ("settings", {"epochs": "many"}, "training settings"),
    ("settings", {"optimizer": "adam", "warp_speed": True}, "warp_speed"),
    ("split", {"test": 5}, "split"),
    ("roles", {"target": "class id", "features": "x"}, "column roles"),
    ("roles", [], "column roles"),
    ("preprocessing", {"numeric": "cube-root"}, "cube-root"),
    ("task", "clustering", "task"),
    ("data", {"kind": "ftp", "url": "x"}, "unknown kind"),
    ("data", {"kind": "example", "example": "no-such-example"}, "no example called"),
    ("trained", "yes", "trained-model entry"),
])
def test_damaged_sections_name_the_part(tmp_path, section, value, words):
    doc = good_doc(tmp_path)
    doc[section] = value
    path = tmp_path / "damaged.nnstudio"
    path.write_text(json.dumps(doc))
    with pytest.raises(NNStudioError) as e:
        pf.load_project(path)
    assert words in e.value.user_text()


def test_missing_section(tmp_path):
    doc = good_doc(tmp_path)
    del doc["settings"]
    (tmp_path / "m.nnstudio").write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="training settings"):
        pf.load_project(tmp_path / "m.nnstudio")


def test_saving_into_a_missing_folder_is_a_typed_error(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        pf.save_project(Project.from_example("xor"), tmp_path / "no" / "such" / "p.nnstudio")


def test_with_suffix():
    assert pf.with_suffix("a/b") == Path("a/b.nnstudio")
    assert pf.with_suffix("a/b.NNSTUDIO") == Path("a/b.NNSTUDIO")
    assert pf.with_suffix("a/b.json") == Path("a/b.json.nnstudio")


# ----- the trained model ----------------------------------------------------------------------------
def test_trained_model_and_history_round_trip(tmp_path, tf_loaded):
    from nnstudio.core.training.engine import Trainer

    p = csv_project(tmp_path)
    data = p.prepare()
    result = Trainer(data, p.spec, p.settings).run()
    path = pf.save_project(p, tmp_path / "proj.nnstudio", result, data.preprocessor)
    side = pf.sidecar_dir(path)
    files = sorted(f.name for f in side.iterdir())
    assert len(files) == 2 and files[0].startswith("history-") and files[1].endswith(".keras")
    doc = json.loads(path.read_text())
    assert doc["trained"]["model"].startswith("proj.trained/model-")
    assert doc["trained"]["summary"]["epochs_run"] == 7

    project, model, pre = pf.load_trained(path)
    same_project(p, project)
    np.testing.assert_allclose(model.predict(data.X_test, verbose=0),
                               result.model.predict(data.X_test, verbose=0), atol=1e-6)
    np.testing.assert_allclose(pre.transform(data.raw_test), data.X_test)

    opened = pf.open_project(path)
    assert opened.warnings == []
    r = opened.result
    assert r.history == result.history and r.epochs_run == 7 and r.test == result.test
    assert r.status == result.status and r.seed == 5

    # the trained model does not need the project's CSV to predict
    (tmp_path / "points.csv").rename(tmp_path / "gone.csv")
    t = pf.load_trained(path)
    assert t.project is None and t.preprocessor.target == "class id"
    assert t.net is t.model and t.loss_name == "binary_crossentropy" and t.settings.epochs == 7
    (tmp_path / "gone.csv").rename(tmp_path / "points.csv")

    # saved again without a model: the sidecar goes
    pf.save_project(p, path)
    assert not side.exists()
    with pytest.raises(ProjectError, match="no trained model"):
        pf.load_trained(path)


def test_a_replaced_model_file_is_refused(tmp_path, tf_loaded):
    from nnstudio.core.training.engine import Trainer

    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=2)
    data = p.prepare()
    path = pf.save_project(p, tmp_path / "x.nnstudio", Trainer(data, p.spec, p.settings).run())
    model_file = next(pf.sidecar_dir(path).glob("model-*.keras"))
    model_file.write_bytes(model_file.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ProjectError, match="does not belong"):
        pf.load_trained(path)
    opened = pf.open_project(path)
    assert opened.result is None
    assert any("not loaded" in w for w in opened.warnings)


def test_a_model_trained_on_the_in_memory_streaming_path_is_restored(tmp_path, tf_loaded,
                                                                      monkeypatch):
    """The engine's streaming path trains on the project's own split and preprocessing, like the
    fast path: its model reopens trained (only a CSV streamed from disk has a split of its own)."""
    from nnstudio.core.training import engine
    from nnstudio.core.training.engine import Trainer

    monkeypatch.setattr(engine, "FAST_PATH_MAX_BYTES", 0)  # every run streams
    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=2)
    data = p.prepare()
    result = Trainer(data, p.spec, p.settings).run()
    assert result.path == "streaming"
    path = pf.save_project(p, tmp_path / "s.nnstudio", result, data.preprocessor)
    opened = pf.open_project(path)
    assert opened.warnings == []
    assert opened.result is not None and opened.result.path == "streaming"
    assert opened.result.history == result.history


def test_a_legacy_csv_streamed_model_still_opens_untrained(tmp_path, tf_loaded):
    """Files saved before the CSV-streaming path had its own name say "streaming-mirrored", or
    "streaming" with preprocessing fitted on a split of its own: neither opens as trained."""
    from nnstudio.core.training.engine import Trainer

    p = csv_project(tmp_path)
    data = p.prepare()
    path = pf.save_project(p, tmp_path / "proj.nnstudio", Trainer(data, p.spec, p.settings).run(),
                           data.preprocessor)
    doc = json.loads(path.read_text())
    doc["trained"]["summary"]["path"] = "streaming-mirrored"
    path.write_text(json.dumps(doc))
    opened = pf.open_project(path)
    assert opened.result is None and "streaming the CSV" in opened.warnings[0]
    doc["trained"]["summary"]["path"] = "streaming"
    doc["trained"]["preprocessor"]["columns"][0]["center"] = 123.0  # fitted on other rows
    path.write_text(json.dumps(doc))
    opened = pf.open_project(path)
    assert opened.result is None and opened.warnings


# ----- atomic saves ----------------------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import sys, time
    from dataclasses import replace
    from pathlib import Path
    from nnstudio.core import atomic
    from nnstudio.core import project_file as pf
    from nnstudio.core.project import Project

    marker, target = Path(sys.argv[1]), Path(sys.argv[2])

    def slow_write(fh, data):  # half the bytes, then hang until killed
        fh.write(data[: len(data) // 2])
        fh.flush()
        marker.write_text("writing")
        time.sleep(120)

    atomic._write_all = slow_write
    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=99)
    pf.save_project(p, target)
""")


def test_kill_during_save_keeps_the_previous_file(tmp_path):
    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=7)
    path = pf.save_project(p, tmp_path / "p.nnstudio")
    before = path.read_bytes()
    marker = tmp_path / "marker"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(marker), str(path)])
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, "the saving process ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        temps = [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]
        assert len(temps) == 1 and 0 < temps[0].stat().st_size < len(before) * 2
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert path.read_bytes() == before
    assert pf.load_project(path).settings.epochs == 7
    # a later save replaces the file and leaves the stray temp file alone until it is old
    p.settings = replace(p.settings, epochs=8)
    pf.save_project(p, path)
    assert pf.load_project(path).settings.epochs == 8


def test_failed_write_leaves_previous_file(tmp_path, monkeypatch):
    p = Project.from_example("xor")
    path = pf.save_project(p, tmp_path / "p.nnstudio")
    before = path.read_bytes()

    def full_disk(fh, data):
        raise OSError(28, "No space left on device")

    from nnstudio.core import atomic

    monkeypatch.setattr(atomic, "_write_all", full_disk)
    p.settings = replace(p.settings, epochs=5)
    with pytest.raises(ProjectError, match="No space left"):
        pf.save_project(p, path)
    assert path.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["p.nnstudio"]


def test_an_opened_project_carries_its_prepared_data(tmp_path):
    """The worker that opens a project prepares its data too (with the checks and the surface's
    held values): a million rows opened from a project file froze the window while the first view
    asked for them. Data that cannot be prepared come as the error the Data tab shows."""
    from nnstudio.core.data.preprocess import PreparedData

    p = csv_project(tmp_path)
    path = pf.save_project(p, tmp_path / "proj.nnstudio")
    opened = pf.open_project(path, load_model=False)
    assert isinstance(opened.prepared, PreparedData)
    np.testing.assert_array_equal(opened.prepared.X_train, opened.project.prepare().X_train)
    assert any(key[0] == "checks" for key in opened.prepared.memo)  # worked out on the worker
    frame = pd.read_csv(tmp_path / "points.csv")
    frame["class id"] = 1  # the file changed since: one class left, nothing to tell apart
    frame.to_csv(tmp_path / "points.csv", index=False)
    opened = pf.open_project(path, load_model=False)
    assert isinstance(opened.prepared, NNStudioError) and opened.project.roles.target == "class id"
