"""Wiring of the Playground tab into the main window (one call from ``MainWindow._add_tabs``)."""
from __future__ import annotations

from nnstudio.ui.playground.panel import PlaygroundPanel


def install_playground_tab(window) -> None:
    panel = PlaygroundPanel(window.state)
    window.playground = panel
    window.tabs.insertTab(1, panel, "Playground")
