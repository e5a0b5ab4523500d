"""A mistyped command is named as such (with the closest one), never opened as a file in the GUI;
with no display at all, the app says so itself instead of Qt aborting (no Qt imported for either)."""
from __future__ import annotations

import sys

import pytest

from nnstudio.cli import looks_like_file, main


def test_a_mistyped_command_names_the_closest_one_and_exits_2(capsys, monkeypatch):
    def no_gui(*_a, **_k):
        raise AssertionError("the GUI must not open for a mistyped command")

    monkeypatch.setattr("nnstudio.ui.app.run_gui", no_gui, raising=False)
    assert main(["trian", "xor"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'trian' — did you mean 'train'?" in err
    assert main(["exampels"]) == 2
    assert "did you mean 'examples'?" in capsys.readouterr().err


@pytest.mark.parametrize(("word", "is_file"), [("trian", False), ("penguins.csv", True),
                                               ("my.nnstudio", True), ("data/x", True)])
def test_only_a_path_or_a_file_like_word_opens_the_gui(word, is_file, tmp_path):
    assert looks_like_file(word) is is_file
    existing = tmp_path / "noext"
    existing.write_text("a,b\n1,2\n")
    assert looks_like_file(str(existing))


def test_no_display_prints_the_apps_own_hint(monkeypatch, capsys):
    from nnstudio.ui import app

    monkeypatch.setattr(sys, "platform", "linux")
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    assert app.run_gui([]) == 1
    err = capsys.readouterr().err
    assert "no display" in err and "DISPLAY" in err
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")  # a platform chosen by the user: Qt tries it
    assert app.no_display_message() is None
