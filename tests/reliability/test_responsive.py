"""The window stays responsive with big data: opening a table does its heavy work (reading,
column summaries, preparing the splits, the typical values the forms and the surface start from)
on the reading worker, so the GUI thread receives finished results. Checked by recording which
thread runs each heavy function (a test never measures time; tests/benchmarks/bench_load.py
measures the gaps on 1,000,000 rows)."""
from __future__ import annotations

import threading

from nnstudio.core import surface
from nnstudio.core.project import Project


def test_opening_a_table_prepares_it_off_the_gui_thread(window, qtbot, tmp_path, monkeypatch):
    calls = []
    real_prepare, real_held = Project.prepare, surface._held_values

    def prepare(self, *a, **k):
        calls.append(("prepare", threading.current_thread() is threading.main_thread()))
        return real_prepare(self, *a, **k)

    def held(*a, **k):
        calls.append(("typical values", threading.current_thread() is threading.main_thread()))
        return real_held(*a, **k)

    monkeypatch.setattr(Project, "prepare", prepare)
    monkeypatch.setattr(surface, "_held_values", held)
    path = tmp_path / "t.csv"
    path.write_text("a,b,colour,label\n" + "".join(
        f"{i % 11},{(i * 7) % 13},{['red', 'green', 'blue'][i % 3]},{i % 2}\n" for i in range(300)))
    with qtbot.waitSignal(window.data_io.loaded, timeout=30_000):
        window.data_io.read(str(path))
    qtbot.waitUntil(lambda: not window.data_io.reading, timeout=10_000)
    for tab in range(window.tabs.count()):  # every view shows the new data
        window.tabs.setCurrentIndex(tab)
        qtbot.wait(30)
    assert window.state.try_prepared() is not None
    assert ("prepare", False) in calls and ("typical values", False) in calls
    assert [c for c in calls if c[1]] == []  # nothing heavy ran on the GUI thread
