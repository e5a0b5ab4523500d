"""File > New / Open / Save / Save As / recent projects, the title's unsaved mark, the question on
closing, a moved CSV, and crash recovery from the autosave (dialogs are monkeypatched)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QInputDialog

from nnstudio.core import project_file as pf
from nnstudio.core.data.examples import make_xor
from nnstudio.ui.project import recovery


@pytest.fixture
def win(window, tmp_path, monkeypatch):
    """The main window with its settings and recovery folder in tmp_path."""
    monkeypatch.setattr(recovery, "recovery_dir", lambda: tmp_path / "recovery")
    window.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return window


def idle(qtbot, win):
    qtbot.waitUntil(lambda: win.project_actions.worker is None, timeout=60_000)


def save_as(qtbot, win, monkeypatch, path: Path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    assert win.project_actions.act_save_as.isEnabled()
    win.project_actions.act_save_as.trigger()
    idle(qtbot, win)


def test_title_marks_unsaved_changes_and_save_as_clears_it(win, qtbot, monkeypatch, tmp_path):
    acts = win.project_actions
    assert not win.isWindowModified()
    win.training_panel.epochs.setValue(17)  # an edit through the GUI
    assert win.state.dirty and win.isWindowModified()
    assert "[*]" in win.windowTitle()
    save_as(qtbot, win, monkeypatch, tmp_path / "mine")  # the suffix is added
    path = tmp_path / "mine.nnstudio"
    assert acts.path == path and path.is_file()
    assert not win.state.dirty and not win.isWindowModified()
    assert win.windowTitle().startswith("mine.nnstudio[*]")
    assert pf.load_project(path).settings.epochs == 17
    assert acts.recent()[0] == str(path.resolve())
    # Save (no dialog now) writes the next change to the same file
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: pytest.fail("Save must not ask again"))
    win.training_panel.epochs.setValue(23)
    assert win.isWindowModified()
    acts.act_save.trigger()
    idle(qtbot, win)
    assert pf.load_project(path).settings.epochs == 23 and not win.isWindowModified()


def test_open_a_project_and_open_recent(win, qtbot, monkeypatch, tmp_path):
    from nnstudio.core.project import Project

    p = Project.from_example("xor")
    p.settings.epochs, p.settings.learning_rate = 33, 0.05
    p.spec.hidden[0].units = 9
    path = pf.save_project(p, tmp_path / "other.nnstudio")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    win.project_actions.act_open.trigger()
    idle(qtbot, win)
    s = win.state.project.settings
    assert (s.epochs, s.learning_rate) == (33, 0.05)
    assert win.state.project.spec.hidden[0].units == 9
    assert win.training_panel.epochs.value() == 33  # the views follow
    assert win.windowTitle().startswith("other.nnstudio") and not win.isWindowModified()
    # the recent menu lists it; a recent file that vanished is removed with a message
    acts = win.project_actions
    acts.fill_recent_menu()
    texts = [a.text() for a in acts.recent_menu.actions()]
    assert any("other.nnstudio" in t for t in texts)
    path.unlink()
    assert not acts.open_recent(str(path.resolve()))
    assert str(path.resolve()) not in acts.recent()
    assert "no longer exists" in win.last_message[1]


def test_opening_a_bad_file_shows_one_message(win, qtbot, tmp_path):
    bad = tmp_path / "bad.nnstudio"
    bad.write_text(json.dumps({"format": "nnstudio-project", "version": 42}))
    before = win.state.project
    assert win.project_actions.open_project(bad)
    idle(qtbot, win)
    level, text = win.last_message
    assert level == "error" and "newer nnstudio" in text and "Traceback" not in text
    assert win.state.project is before


def test_moved_csv_asks_for_its_new_place(win, qtbot, monkeypatch, tmp_path):
    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.project import Project

    make_xor(200, seed=2).to_csv(tmp_path / "points.csv", index=False)
    p = Project.from_dataset(read_csv(tmp_path / "points.csv"), "class id")
    path = pf.save_project(p, tmp_path / "p.nnstudio")
    (tmp_path / "new").mkdir()
    (tmp_path / "points.csv").rename(tmp_path / "new" / "points-2024.csv")
    asked = []

    def locate(err):
        asked.append(err)
        return str(tmp_path / "new" / "points-2024.csv")

    monkeypatch.setattr(win.project_actions, "ask_data_location", locate)
    win.open_path(str(path))  # as from the command line or a drop
    qtbot.waitUntil(lambda: win.project_actions.path == path, timeout=60_000)
    idle(qtbot, win)
    assert asked and asked[0].file_name == "points.csv"
    assert Path(win.state.project.dataset.source).name == "points-2024.csv"
    assert win.isWindowModified()  # the new location is not saved yet
    win.project_actions.act_save.trigger()
    idle(qtbot, win)
    assert json.loads(path.read_text())["data"]["path"] == "new/points-2024.csv"


def test_a_csv_that_lost_a_column_offers_to_choose_the_projects_file(win, qtbot, monkeypatch,
                                                                    tmp_path):
    """The project's CSV was overwritten by a version without a column the project uses: the app
    says which (and the look-alike the file has instead) and offers to choose the file the project
    was made with, as for a moved file; choosing it opens the project."""
    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.project import Project

    frame = make_xor(200, seed=2)
    frame.to_csv(tmp_path / "points.csv", index=False)
    frame.to_csv(tmp_path / "points-original.csv", index=False)
    p = Project.from_dataset(read_csv(tmp_path / "points.csv"), "class id")
    path = pf.save_project(p, tmp_path / "p.nnstudio")
    frame.rename(columns={"x": "X "}).to_csv(tmp_path / "points.csv", index=False)
    asked = []

    def choose(err):
        asked.append(err)
        return str(tmp_path / "points-original.csv")

    monkeypatch.setattr(win.project_actions, "ask_data_location", choose)
    win.open_path(str(path))
    qtbot.waitUntil(lambda: win.project_actions.path == path, timeout=60_000)
    idle(qtbot, win)
    assert asked and asked[0].message == ("The data of project 'p.nnstudio' has no column(s) "
                                          "'x', which the project uses; the file has 'X' for "
                                          "'x' (capitals or spaces differ).")
    assert Path(win.state.project.dataset.source).name == "points-original.csv"


def test_cancelled_locate_keeps_the_current_project(win, qtbot, monkeypatch, tmp_path):
    from nnstudio.core.data.dataset import Dataset
    from nnstudio.core.project import Project

    frame = make_xor(50)
    frame.to_csv(tmp_path / "gone.csv", index=False)
    p = Project.from_dataset(Dataset(frame, "gone", source=str(tmp_path / "gone.csv")), "class id")
    path = pf.save_project(p, tmp_path / "p.nnstudio")
    (tmp_path / "gone.csv").unlink()
    monkeypatch.setattr(win.project_actions, "ask_data_location", lambda err: None)
    before = win.state.project
    win.project_actions.open_project(path)
    idle(qtbot, win)
    assert win.state.project is before and win.project_actions.path is None


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_quitting_with_unsaved_changes_asks(win, qtbot, monkeypatch, tmp_path, answer):
    acts = win.project_actions
    acts.path = tmp_path / "q.nnstudio"
    win.training_panel.epochs.setValue(41)
    asked = []
    monkeypatch.setattr(acts, "ask_unsaved", lambda: asked.append(1) or answer)
    win.act_quit.trigger()
    assert asked == [1]
    if answer == "cancel":
        assert win.isVisible() and win.state.dirty
        win.state.dirty = False  # let the fixture close it
    else:
        assert not win.isVisible()
        assert (tmp_path / "q.nnstudio").is_file() == (answer == "save")
        if answer == "save":
            assert pf.load_project(tmp_path / "q.nnstudio").settings.epochs == 41


def test_no_question_without_changes(win, monkeypatch):
    monkeypatch.setattr(win.project_actions, "ask_unsaved", lambda: pytest.fail("asked"))
    win.act_quit.trigger()
    assert not win.isVisible()


def test_new_project_from_an_example(win, qtbot, monkeypatch):
    from nnstudio.core.data.examples import EXAMPLES

    win.project_actions.path = Path("/somewhere/old.nnstudio")
    titles = [e.title for e in EXAMPLES.values()]
    pick = titles[-1]
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (pick, True))
    assert win.project_actions.new_project()
    name = next(n for n, e in EXAMPLES.items() if e.title == pick)
    assert win.state.project.example == name
    assert win.project_actions.path is None and not win.isWindowModified()
    assert win.windowTitle().startswith(EXAMPLES[name].dataset().name)


def test_trained_model_is_saved_and_restored(win, qtbot, monkeypatch, tmp_path, tf_loaded):
    win.training_panel.epochs.setValue(4)
    with qtbot.waitSignal(win.state.training_finished, timeout=120_000):
        win.training_panel.train_btn.click()
    assert win.isWindowModified()  # a trained model is an unsaved change
    history = win.state.result.history
    save_as(qtbot, win, monkeypatch, tmp_path / "trained.nnstudio")
    assert any(pf.sidecar_dir(tmp_path / "trained.nnstudio").glob("model-*.keras"))
    win.load_example("xor")  # something else, then open it again
    assert win.state.result is None
    win.project_actions.open_project(tmp_path / "trained.nnstudio")
    idle(qtbot, win)
    assert win.state.result is not None and win.state.result.history == history
    assert win.curves.epochs_shown == 4
    assert not win.isWindowModified()


# ----- crash recovery ------------------------------------------------------------------------------
CRASHER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from nnstudio.ui.project import recovery
    recovery.recovery_dir = lambda: Path(sys.argv[1])
    from nnstudio.ui.app import create_app
    app = create_app()
    from nnstudio.ui.main_window import MainWindow
    w = MainWindow(load_tensorflow=False)
    w.project_actions.path = Path(sys.argv[2])
    w.training_panel.epochs.setValue(77)
    w.training_panel.seed.setValue(5)
    assert w.project_actions.autosave()
    while w.project_actions.worker is not None:
        app.processEvents()
    print("autosaved", flush=True)
    os.kill(os.getpid(), 9)  # a crash: no clean-up
""")


def test_autosave_is_offered_back_after_a_crash(win, qtbot, tmp_path):
    rec = tmp_path / "recovery"
    original = tmp_path / "work.nnstudio"
    r = subprocess.run([sys.executable, "-c", CRASHER, str(rec), str(original)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == -signal.SIGKILL and "autosaved" in r.stdout, r.stderr
    files = list(rec.glob("session-*.nnstudio"))
    assert len(files) == 1 and files[0].with_suffix(".lock").exists()  # the dead session's lock

    acts = win.project_actions
    acts.offer_recovery()  # what a new start does
    box = acts.recovery_box
    assert box is not None and "did not close properly" in box.text()
    acts.recover_button.click()
    qtbot.waitUntil(lambda: win.state.project.settings.epochs == 77, timeout=60_000)
    idle(qtbot, win)
    assert win.state.project.settings.seed == 5
    assert acts.path == original and win.isWindowModified()
    assert not files[0].exists()  # taken over by this session
    # this session autosaves in turn; a clean close removes its file
    assert acts.autosave()
    idle(qtbot, win)
    mine = acts.recovery_file
    assert mine.is_file() and pf.read_document(mine)["recovery"]["original_path"] == str(original)
    win.state.dirty = False
    win.close()
    assert not mine.exists()


def test_discarding_a_recovery_deletes_it(win, tmp_path):
    rec = tmp_path / "recovery"
    rec.mkdir()
    from nnstudio.core.project import Project

    doc = pf.build_document(Project.from_example("xor"), rec / "session-1-dead.nnstudio",
                            recovery={"name": "lost work", "time": 0})
    pf.write_project(doc, rec / "session-1-dead.nnstudio")
    acts = win.project_actions
    acts.offer_recovery()
    assert "lost work" in acts.recovery_box.text()
    acts.discard_button.click()
    assert not (rec / "session-1-dead.nnstudio").exists()
    assert acts.recovery_box is None


def test_a_live_sessions_autosave_is_not_offered(win, qtbot, tmp_path):
    rec = tmp_path / "recovery"
    rec.mkdir()
    from PySide6.QtCore import QLockFile

    lock = QLockFile(str(rec / "session-live.lock"))
    assert lock.tryLock(0)  # held by this (living) process
    (rec / "session-live.nnstudio").write_text("{}")
    try:
        assert win.project_actions.orphaned_recovery_files() == []
    finally:
        lock.unlock()
    assert os.path.exists(rec / "session-live.nnstudio")
