"""Security: nothing in the package unpickles or evaluates what a user opens; ``.keras`` files are
loaded in Keras' safe mode everywhere (a model whose loading would run code is refused and its
code never runs); paths written inside a project file never lead out of what the user chose.

Project path rules (nnstudio/core/project_file.py): a project's *data* path may point anywhere
the user kept their CSV (``../data/x.csv`` is normal), but it is followed only to a file with a
data-table suffix (``DATA_SUFFIXES``); anything else (``/etc/passwd``, a key, a device) is not read
until the user picks the file themselves (GUI: the "locate" dialog; CLI: ``--data``). The paths of
the trained model and its history must stay inside the project's folder.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from nnstudio.core import project_file as pf
from nnstudio.core.atomic import sha256_file
from nnstudio.core.errors import ProjectError
from nnstudio.core.project_model import load_keras

PACKAGE = Path(__file__).resolve().parents[2] / "nnstudio"

#: Modules whose import alone means "deserialize arbitrary objects".
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "marshal",
                  "shelve", "jsonpickle"}
#: Built-in functions that run code given as data (a method of the same name, such as Qt's
#: ``dialog.exec()`` or ``re.compile``, is something else).
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__", "execfile"}
#: (file relative to nnstudio/, call) -> why it is safe. Keep this list short and justified.
ALLOWED: dict[tuple[str, str], str] = {
    ("core/export_script.py", "compile"): "compile() only parses the generated training script to check it "
                                   "is valid Python; the code object is discarded, never run",
    ("ui/evaluation_panel.py", "__import__"): "__import__('pandas'): a constant module name",
}


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            yield node, name


def _const(node):
    return node.value if isinstance(node, ast.Constant) else None


def package_findings() -> list[str]:
    """Every unsafe use in the package's own code (not its docstrings or messages)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = str(path.relative_to(PACKAGE))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            for n in names:
                if n in UNSAFE_MODULES and (rel, n) not in ALLOWED:
                    found.append(f"{rel}:{node.lineno}: imports {n}")
        for call, name in _calls(tree):
            where = f"{rel}:{call.lineno}"
            kw = {k.arg: _const(k.value) for k in call.keywords if k.arg}
            builtin = isinstance(call.func, ast.Name) or (
                isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                and call.func.value.id == "builtins")
            if ((name in UNSAFE_BUILTINS and builtin) or name == "enable_unsafe_deserialization") \
                    and (rel, name) not in ALLOWED:
                found.append(f"{where}: calls {name}()")
            if kw.get("allow_pickle") is True:
                found.append(f"{where}: {name}(allow_pickle=True)")
            if name == "load_model" and kw.get("safe_mode") is not True:
                found.append(f"{where}: load_model without safe_mode=True")
            if name in ("load", "unsafe_load", "full_load") and isinstance(call.func, ast.Attribute) \
                    and isinstance(call.func.value, ast.Name) and call.func.value.id == "yaml":
                found.append(f"{where}: yaml.{name}")
            if kw.get("shell") is True:
                found.append(f"{where}: {name}(shell=True)")
    return found


def test_no_pickle_eval_or_unsafe_loading_in_the_package():
    assert package_findings() == []


def test_the_scanner_finds_what_it_looks_for(tmp_path, monkeypatch):
    """The scan above can fail: a module with each forbidden use is reported."""
    bad = tmp_path / "nnstudio"
    bad.mkdir()
    (bad / "evil.py").write_text(
        "import pickle\nimport numpy as np\nfrom keras import saving\n"
        "def f(p, s):\n"
        "    eval(s)\n    exec(s)\n    np.load(p, allow_pickle=True)\n"
        "    saving.load_model(p, safe_mode=False)\n    saving.load_model(p)\n"
        "    dialog.exec()\n    re.compile(s)\n"  # Qt's exec and re.compile: allowed
        "    '''safe_mode=False in a docstring is only text'''\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", bad)
    found = package_findings()
    assert len(found) == 6 and all(f.startswith("evil.py:") for f in found), found
    assert not any(f":{n}:" in f for f in found for n in (10, 11, 12))


# ----- .keras files: safe mode everywhere -----------------------------------------------------------------
@pytest.fixture(scope="module")
def booby_trapped(tmp_path_factory, tf_loaded):
    """A .keras model whose Lambda layer writes a marker file when Keras rebuilds it on loading."""
    from nnstudio.core.tf import keras as _keras

    keras = _keras()
    folder = tmp_path_factory.mktemp("trap")
    marker = folder / "code-ran"
    inp = keras.Input((2,), name="x")
    trap = eval(f"lambda t: (open({str(marker)!r}, 'w').close(), t)[1]")  # the path in its code
    out = keras.layers.Lambda(trap, name="trap")(inp)
    model = keras.Model(inp, keras.layers.Dense(1)(out))
    marker.unlink(missing_ok=True)  # it ran once while the model was built here
    path = folder / "trap.keras"
    model.save(str(path))
    return path, marker


def test_the_trap_is_real(booby_trapped):
    """Loaded without safe mode, the file runs its code (so the refusals below mean something)."""
    from nnstudio.core.tf import keras as _keras

    path, marker = booby_trapped
    _keras().saving.load_model(str(path), safe_mode=False)
    assert marker.exists()
    marker.unlink()


def test_unsafe_model_is_refused_by_every_loader_without_running_its_code(
        booby_trapped, tmp_path, capsys):
    from dataclasses import replace

    from nnstudio.cli import main
    from nnstudio.core import model_file
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import Trainer

    path, marker = booby_trapped
    with pytest.raises(model_file.UnsafeModelError):
        model_file.load(path)
    for cmd in (["evaluate", str(path)], ["predict", str(path), str(tmp_path / "x.csv")],
                ["export", str(path), str(tmp_path / "out.onnx")]):
        (tmp_path / "x.csv").write_text("x,y\n1,2\n")
        assert main(cmd) == 2
        err = capsys.readouterr().err
        assert "was refused" in err or "would run Python code" in err, (cmd, err)

    # a trained project whose sidecar model was swapped for the trap (with a matching SHA-256)
    p = Project.from_example("xor")
    p.settings = replace(p.settings, epochs=1)
    data = p.prepare()
    saved = pf.save_project(p, tmp_path / "t.nnstudio", Trainer(data, p.spec, p.settings).run(),
                            data.preprocessor)
    doc = json.loads(saved.read_text())
    sidecar = saved.parent / doc["trained"]["model"]
    sidecar.write_bytes(path.read_bytes())
    doc["trained"]["model_sha256"] = sha256_file(sidecar)
    saved.write_text(json.dumps(doc))
    with pytest.raises(ProjectError, match="unsafe deserialization"):
        pf.load_trained(saved)
    opened = pf.open_project(saved)
    assert opened.result is None and any("unsafe" in w for w in opened.warnings)
    assert not marker.exists()


def test_every_keras_load_in_the_app_asks_for_safe_mode(monkeypatch, tmp_path, tf_loaded):
    """Spy on Keras: the model loaders pass safe_mode=True (not just the default)."""
    from nnstudio.core import model_file
    from nnstudio.core.tf import keras as _keras

    keras = _keras()
    seen = []
    real = keras.saving.load_model

    def spy(*a, **k):
        seen.append(k.get("safe_mode"))
        return real(*a, **k)

    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.save(str(tmp_path / "plain.keras"))
    monkeypatch.setattr(keras.saving, "load_model", spy)
    model_file.load_keras(tmp_path / "plain.keras")
    load_keras(tmp_path / "plain.keras")
    assert seen == [True, True]


# ----- paths written in project files ---------------------------------------------------------------
def _project(folder: Path, data: dict, trained=None) -> Path:
    corpus = Path(__file__).resolve().parents[1] / "corpus" / "project" / "good.nnstudio"
    doc = json.loads(corpus.read_text())
    doc["data"].update(data)
    doc["trained"] = trained
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "p.nnstudio"
    path.write_text(json.dumps(doc))
    return path


def _points(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x1,x2,label\n" + "".join(f"{i % 5},{i % 7},{i % 2}\n" for i in range(30)))
    return path


@pytest.mark.parametrize("rel,absolute", [
    ("../../../../../../../etc/passwd", None),
    (None, "/etc/passwd"),
    ("../.ssh/id_rsa", None),
    ("data.csv/../../../etc/hostname", None),
    (None, "/dev/zero"),
    ("notes.json", None),
])
def test_a_project_never_reads_a_data_path_that_is_not_a_table(tmp_path, rel, absolute):
    path = _project(tmp_path / "proj", {"path": rel, "absolute_path": absolute})
    with pytest.raises(pf.UnlistedDataError) as e:
        pf.load_project(path)
    assert "is not a data table file" in e.value.user_text()
    assert isinstance(e.value, pf.MissingDataError)  # the GUI asks the user to locate the file


def test_data_the_user_chooses_is_read_and_normal_relative_paths_still_work(tmp_path):
    # a CSV in a sibling folder, as saved by nnstudio: followed (it is a table)
    _points(tmp_path / "data" / "points.csv")
    path = _project(tmp_path / "proj", {"path": "../data/points.csv", "absolute_path": None})
    assert pf.load_project(path).dataset.n_rows == 30
    # a table with an odd suffix: refused from the project, read when the user picks it
    odd = _points(tmp_path / "data" / "points.export")
    path = _project(tmp_path / "proj2", {"path": "../data/points.export", "absolute_path": None})
    with pytest.raises(pf.UnlistedDataError):
        pf.load_project(path)
    assert pf.load_project(path, data_path=odd).dataset.n_rows == 30


@pytest.mark.parametrize("model", [
    "../outside/model-0000000000000000.keras",
    "/tmp/model-0000000000000000.keras",
    "C:\\Users\\x\\model.keras",
    "p.trained/../../model.keras",
    "link/model-0000000000000000.keras",  # a link in the project folder that leads out of it
])
def test_trained_model_paths_stay_inside_the_project_folder(tmp_path, model):
    _points(tmp_path / "proj" / "points.csv")
    (tmp_path / "outside").mkdir()
    (tmp_path / "proj" / "link").symlink_to(tmp_path / "outside")
    trained = {"model": model, "model_sha256": None, "history": None, "preprocessor": {},
               "summary": {}}
    path = _project(tmp_path / "proj", {"path": "points.csv", "absolute_path": None}, trained)
    with pytest.raises(ProjectError, match="outside the project's folder"):
        pf.load_trained(path)
    opened = pf.open_project(path)  # the project itself opens; the model is left out, said so
    assert opened.result is None and any("outside the project's folder" in w
                                         for w in opened.warnings)


def test_the_gui_reads_an_unlisted_data_file_only_once_the_user_picks_it(window, qtbot,
                                                                         monkeypatch, tmp_path):
    odd = _points(tmp_path / "data" / "points.export")
    path = _project(tmp_path / "proj", {"path": "../data/points.export", "absolute_path": None})
    asked = []
    monkeypatch.setattr(window.project_actions, "ask_data_location",
                        lambda err: asked.append(err) or str(odd))  # the user picks the file
    with qtbot.waitSignal(window.project_actions.opened, timeout=30_000):
        assert window.project_actions.open_project(str(path), ask=False)
    qtbot.waitUntil(lambda: window.project_actions.worker is None, timeout=10_000)
    assert len(asked) == 1 and isinstance(asked[0], pf.UnlistedDataError)
    assert window.state.project.dataset.source == str(odd.resolve())
    assert window.isWindowModified()  # save to remember the file the user chose


def test_a_model_path_with_a_nul_character_is_an_invalid_entry(tmp_path):
    """Found by the project fuzz test: 'model': 'm\\x00.keras' failed in pathlib's resolve with
    ValueError (embedded null byte) instead of being said."""
    _points(tmp_path / "proj" / "points.csv")
    trained = {"model": "p.trained/m\x00.keras", "model_sha256": None, "history": None,
               "preprocessor": {}, "summary": {}}
    path = _project(tmp_path / "proj", {"path": "points.csv", "absolute_path": None}, trained)
    with pytest.raises(ProjectError, match="trained model entry is invalid"):
        pf.load_trained(path)
    opened = pf.open_project(path)
    assert opened.result is None and any("entry is invalid" in w for w in opened.warnings)
