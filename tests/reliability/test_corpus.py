"""Every malformed input of tests/corpus/ through the command line and through the GUI's own code.

tests/corpus/cases.json lists each file with the message the user must see. On the command line:
exit status 2 and exactly one line on stderr holding that message, never a traceback (most cases
run in-process through ``nnstudio.cli.main``; those marked ``subprocess`` run as real processes,
all at once). In the GUI: the same message reaches ``MainWindow.show_message`` from the code the
window runs (the data controller, the project opener, the model opener, Train), no exception
escapes into Qt, and a refused file leaves the previous project in place (no work is lost).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
CASES = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))["cases"]
BY_ID = {c["id"]: c for c in CASES}


def _path(case) -> Path:
    return CORPUS / case["file"]


def _argv(case) -> list[str]:
    f = _path(case)
    return [a.replace("{file}", str(f)).replace("{dir}", str(f.parent)) for a in case["cli"]]


def _ids(pred) -> list[str]:
    return [c["id"] for c in CASES if pred(c)]


def _one_line_error(err: str, message: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    assert lines[0].startswith("nnstudio: error: "), lines[0]
    assert message in lines[0], (message, lines[0])


# ----- the corpus itself -----------------------------------------------------------------------------
def test_the_corpus_is_complete():
    assert len(CASES) >= 25 and len(BY_ID) == len(CASES)
    listed = {c["file"] for c in CASES}
    for c in CASES:
        assert _path(c).exists(), c["file"]
        assert c["message"] and c["what"] and c["kind"] in ("csv", "project", "model")
        assert c["gui"] in ("refused", "train-refused", "opened-with-warning", "cli-only")
    # every malformed file is a case (helpers: the data the projects and models refer to)
    helpers = {"project/points.csv", "project/good.nnstudio", "model/points.csv",
               "model/other_columns.csv", "model/xor.keras"}
    on_disk = {str(p.relative_to(CORPUS)) for kind in ("csv", "project", "model")
               for p in (CORPUS / kind).iterdir()}
    assert on_disk - listed - helpers == set()
    kinds = {k: sum(c["kind"] == k for c in CASES) for k in ("csv", "project", "model")}
    assert kinds["csv"] >= 10 and kinds["project"] >= 10 and kinds["model"] >= 5
    assert sum(c["subprocess"] for c in CASES) >= 5


# ----- command line ------------------------------------------------------------------------------------
@pytest.mark.parametrize("case_id", _ids(lambda c: c["cli"] and not c["subprocess"]))
def test_cli_in_process(case_id, capsys, tf_loaded):
    from nnstudio.cli import main

    case = BY_ID[case_id]
    rc = main(_argv(case))
    out, err = capsys.readouterr()
    assert rc == 2, (out, err)
    _one_line_error(err, case["message"])


@pytest.fixture(scope="module")
def subprocess_results():
    """The cases marked ``subprocess``, each run as ``python -m nnstudio ...``, all at once."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
    procs = {c["id"]: subprocess.Popen([sys.executable, "-m", "nnstudio", *_argv(c)], cwd=ROOT,
                                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)
             for c in CASES if c["subprocess"]}
    results = {}
    try:
        for cid, p in procs.items():
            out, err = p.communicate(timeout=240)
            results[cid] = (p.returncode, out, err)
    finally:
        for p in procs.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    return results


@pytest.mark.parametrize("case_id", _ids(lambda c: c["subprocess"]))
def test_cli_subprocess(case_id, subprocess_results):
    rc, out, err = subprocess_results[case_id]
    assert rc == 2, (out, err)
    _one_line_error(err, BY_ID[case_id]["message"])


@pytest.mark.parametrize("case_id", _ids(lambda c: not c["cli"]))
def test_parts_no_command_reads_are_refused_by_the_core(case_id, tf_loaded):
    """A trained-model entry is read by the GUI's opener and by ``load_trained`` (not by train)."""
    from nnstudio.core import project_file
    from nnstudio.core.errors import ProjectError

    case = BY_ID[case_id]
    with pytest.raises(ProjectError) as e:
        project_file.load_trained(_path(case))
    assert case["message"] in e.value.user_text() and "\n" not in e.value.user_text()


# ----- GUI ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gui(qapp, tf_loaded):
    """One window for all GUI cases (a window takes ~1 s); every message it shows is recorded."""
    from nnstudio.ui.app import create_app
    from nnstudio.ui.main_window import MainWindow

    create_app()
    original = MainWindow.show_message

    def recording(self, level, text):
        self.messages.append((level, text))
        original(self, level, text)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(MainWindow, "show_message", recording)
        win = MainWindow(load_tensorflow=False)
        win.messages = []
        win.state.tf_loaded = True
        win.state.tf_ready.emit()
        win.show()
        yield win
        win.close()
        win.deleteLater()


def _close_boxes(win) -> None:
    from PySide6.QtWidgets import QDialog

    for box in win.findChildren(QDialog):
        if box.isVisible():
            box.close()


def _wait_idle(win, qtbot, timeout=60_000) -> None:
    qtbot.waitUntil(lambda: not win.pool.running and not win.data_io.reading
                    and win.project_actions.worker is None, timeout=timeout)
    qtbot.wait(20)  # the last queued signals (failed/finished) are delivered


def _run_gui_case(win, qtbot, monkeypatch, case):
    from nnstudio.core.data.csv import CsvOptions

    path = _path(case)
    asked = []
    if case["kind"] == "csv":
        options = CsvOptions(**case["csv_options"]) if case["csv_options"] else None
        if win.data_io.open_path(str(path), options):  # the import dialog: its Open button reads
            dlg = win.data_io.dialog
            if dlg is not None:
                dlg.reject()
            win.data_io.read(str(path), options)
        _wait_idle(win, qtbot)
        if case["gui"] == "train-refused":
            assert win.state.project.dataset.name == path.name
            assert win.state.project.roles.target == "label"
            assert win.training.start() is False
    elif case["kind"] == "project":
        monkeypatch.setattr(win.project_actions, "ask_data_location",
                            lambda err: asked.append(err.user_text()) or None)
        assert win.project_actions.open_project(str(path), ask=False)
        _wait_idle(win, qtbot)
    else:
        win.evaluation.open_model(str(path))
        _wait_idle(win, qtbot)
    return asked


@pytest.mark.parametrize("case_id", _ids(lambda c: c["gui"] != "cli-only"))
def test_gui(case_id, gui, qtbot, monkeypatch):
    case = BY_ID[case_id]
    win = gui
    if win.state.project.dataset.name != "XOR" or win.state.result is not None:
        win.load_example("xor")
    before = win.state.project
    win.messages.clear()
    try:
        asked = _run_gui_case(win, qtbot, monkeypatch, case)
    finally:
        _close_boxes(win)
    # the CLI writes line breaks inside quoted data as \n (one line); the GUI shows them as they are
    win.messages[:] = [(lvl, t.replace("\r", "\\r").replace("\n", "\\n")) for lvl, t in win.messages]
    texts = [t for _, t in win.messages] + asked
    assert all("Traceback" not in t for t in texts), texts
    if asked:  # a data file that is missing or not a table: the app asks where it is (cancelled)
        assert len(asked) == 1 and case["message"] in asked[0], asked
        assert win.state.project is before
        return
    wanted = {"refused": "error", "train-refused": "error", "opened-with-warning": "warning"}
    hits = [(lvl, t) for lvl, t in win.messages if case["message"] in t]
    assert hits and hits[0][0] == wanted[case["gui"]], win.messages
    if case["gui"] == "refused":
        assert win.state.project is before  # the previous project is still there: no work lost
    elif case["gui"] == "opened-with-warning":
        assert win.state.project is not before and win.state.result is None
    # the app goes on: it trains afterwards
    if case["gui"] != "refused":
        win.load_example("xor")
    assert win.state.try_prepared() is not None
