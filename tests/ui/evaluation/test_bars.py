"""The clickable bar chart of the importance and attribution views (issue 20)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt


def test_a_click_on_a_bar_names_its_column(qtbot):
    from nnstudio.ui.evaluation.bars import HBarChart

    chart = HBarChart()
    qtbot.addWidget(chart)
    chart.resize(500, 300)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_bars(["tenure", "calls", "region"], [0.3, -0.1, 0.01], [0.02, 0.01, 0.005])
    assert chart.label_at(2.0) == "tenure" and chart.label_at(0.0) == "region"
    assert chart.label_at(1.5) is None and chart.label_at(7) is None
    vb = chart.getPlotItem().vb
    got = []
    chart.bar_clicked.connect(got.append)
    for label, (x, y) in (("calls", (-0.05, 1.0)), ("tenure", (0.15, 2.0))):
        scene = vb.mapViewToScene(QPointF(x, y))
        pos = chart.mapFromScene(scene)
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.waitUntil(lambda label=label: got and got[-1] == label, timeout=3000)
    assert got == ["calls", "tenure"]
