"""Wiring of the Playground tab into the main window (one call from ``MainWindow._add_tabs``)."""
from __future__ import annotations

from nnstudio.ui.playground.panel import PlaygroundPanel


def install_playground_tab(window) -> None:
    panel = PlaygroundPanel(window.state)
    window.playground = panel
    window.training.state_changed.connect(panel.on_run_state)
    window.tabs.insertTab(1, panel, "Playground")

    def apply_locks() -> None:
        """A challenge that locks the network or the settings greys out their editors (the goal
        check refuses a run that changed them anyway)."""
        locked = panel.challenge.locked()
        for w in (window.layers, window.network_view.add_layer_btn, window.network_view.remove_layer_btn):
            w.setEnabled("network" not in locked)
        window.training_panel.settings_box.setEnabled("settings" not in locked)

    panel.challenge.locks_changed.connect(apply_locks)
    window.data_panel.generate_requested.connect(lambda: window.tabs.setCurrentWidget(panel))
