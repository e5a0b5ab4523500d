"""The fit-to-view drawings (the Inspector's network diagram, the W6 graph, the Network tab) show
the whole scene at every size: no scroll bar comes and goes as they refit."""
from __future__ import annotations

import pytest


def test_the_inspector_diagram_refits_once_per_resize_at_every_size(window, qtbot, monkeypatch):
    """At some window sizes (1270-1294 x 720, the digits network) the diagram's fit made a scroll
    bar appear, which shrank the view, whose refit made it disappear, and so on for ever: the window
    froze (monkey seed 59: 46,000 queued calls in one pass of the event loop)."""
    from nnstudio.core.model.build import build_model
    from nnstudio.core.model.spec import NetworkSpec
    from nnstudio.core.project import Project
    from nnstudio.core.training.engine import TrainResult
    from nnstudio.ui.inspector.diagram import NetworkDiagram

    fits = {"n": 0}
    fit = NetworkDiagram._fit

    def counted(self):
        fits["n"] += 1
        if fits["n"] <= 50:  # past that it is the endless loop: stop it, and fail below
            fit(self)
    monkeypatch.setattr(NetworkDiagram, "_fit", counted)
    project = Project.from_example("digits")
    project.spec = NetworkSpec.parse("dense:64:relu,dropout:0.95,dense:64:relu,dropout:0.95",
                                     project.task, 10)
    window.state.set_project(project)
    data = window.state.prepared()
    model = build_model(project.spec, data.n_inputs, data.task, data.n_classes, seed=0)
    window.state.set_result(TrainResult(model, {}, 0, "completed", "", 0.0))
    window.tabs.setCurrentWidget(window.inspector)
    diagram = window.inspector.model_view.trace_view.diagram
    qtbot.waitUntil(lambda: bool(diagram.nodes), timeout=10_000)
    looping = []
    for w in range(1264, 1300, 3):
        for h in (700, 720):
            fits["n"] = 0
            window.resize(w, h)
            qtbot.wait(20)
            if fits["n"] > 50:
                looping.append((w, h))
    assert not looping, looping


@pytest.mark.parametrize("where", ["inspector", "graph", "network"])
def test_fit_to_view_drawings_have_no_scroll_bars(where, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QGraphicsScene

    if where == "inspector":
        from nnstudio.ui.inspector.diagram import NetworkDiagram
        view = NetworkDiagram()
    elif where == "graph":
        from nnstudio.ui.inspector.graph import FitView
        view = FitView(QGraphicsScene())
    else:
        from nnstudio.ui.network.graphics import GraphView
        view = GraphView(QGraphicsScene(), owner=None)
    qtbot.addWidget(view)
    off = Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert view.horizontalScrollBarPolicy() == off and view.verticalScrollBarPolicy() == off
