"""Wiring of the Runs tab into the main window (one call from ``MainWindow._add_tabs``) and the
recording of the app's own training runs (called by the training controller)."""
from __future__ import annotations

from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments import store
from nnstudio.core.experiments.diff import data_changes
from nnstudio.core.experiments.record import new_id, record_of
from nnstudio.core.training.engine import TrainResult
from nnstudio.ui.experiments.runs_panel import RunsPanel
from nnstudio.ui.experiments.sweep_dialog import SweepDialog
from nnstudio.ui.network.spec_command import SpecCommand


def record_runs(state, setup, results: list, grouped: bool = False) -> list:
    """Add finished runs of the app (Train: one; Repeat N: one seed group) to the project's runs.
    ``setup`` is (prepared data, spec, settings) as the runs started."""
    if setup is None or not results:
        return []
    data, spec, settings = setup
    group = new_id() if grouped and len(results) > 1 else None
    recs = [record_of(r, state.project, data, source="gui", spec=spec, settings=settings,
                      group=group, name=f"repeat · seed {r.seed}" if group else "")
            for r in results]
    store.add_runs(state.project, recs)
    state.dirty = True
    return recs


def install_runs_tab(window) -> None:
    panel = RunsPanel(window.state, undo_stack=window.undo_stack)
    window.runs_panel = panel
    window.tabs.addTab(panel, "Runs")
    window.state.project_changed.connect(panel.refresh)
    followed: list[list] = []  # the runs the tab selected by itself, by seed group, oldest first

    def recorded(recs: list) -> None:
        with panel.drawing_once():  # the reload and the new selection: one draw
            _select_recorded(recs)

    def _select_recorded(recs: list) -> None:
        panel.refresh()
        beside = [r for r in window.state.project.runs if r.id == window.training.tried_beside]
        if len(recs) == 1 and beside:  # a coach's fix: beside its original, for the diff
            followed[:] = [beside, list(recs)]
            panel.select_ids({beside[0].id, recs[0].id})
            return
        chosen = {r.id for r in panel.selected_runs()}
        auto = {r.id for group in followed for r in group}
        # a Repeat's seed group is selected, as a sweep's runs are, so the Runs tab shows its
        # mean ± sd band at once; a single run is, until the user picks runs of their own
        if len(recs) > 1 or not chosen or chosen == auto:
            # a Repeat after a Repeat on the same data (dropout on, then off): both groups, so
            # the tab gives the verdict on the difference with no click (the tutorials' question)
            last = followed[-1] if followed and chosen and chosen == auto else []
            paired = len(recs) > 1 and len(last) > 1 and not data_changes(last[0], recs[0])
            followed[:] = ([last] if paired else []) + [list(recs)]
            panel.select_ids({r.id for group in followed for r in group})
    window.training.runs_recorded.connect(recorded)
    panel.runs_edited.connect(lambda: setattr(window.state, "dirty", True))
    panel.deleted.connect(lambda text: window.statusBar().showMessage(text, 10_000))
    panel.restore_requested.connect(lambda r: restore_run(window, r))
    panel.open_model_requested.connect(lambda r: open_run_model(window, r))
    panel.sweep_requested.connect(lambda: show_sweep_dialog(window))


def restore_run(window, run) -> bool:
    """The run's network (undoably, through the layer editor) and settings into the editor."""
    if window.training.busy:
        window.show_message("warning", "Stop training before restoring a run.")
        return False
    try:
        spec, settings = run.network(), run.train_settings()
    except NNStudioError as e:
        window.show_message("error", e.user_text())
        return False
    state = window.state
    window.undo_stack.push(SpecCommand(window.layers, state.project.spec, spec,
                                       f"Restore {run.label()}", None, None))
    state.project.settings = settings
    state.notify_settings_changed()
    window.training_panel.load()
    window.statusBar().showMessage(f"Restored the network and settings of {run.label()}.", 5000)
    return True


def open_run_model(window, run) -> bool:
    """Restore the run and make its trained model the current one (Evaluation, Inspector)."""
    state = window.state
    if run.split.get("folds"):  # a cross-validation's fold: its own rows, never the project's split
        window.show_message("warning", f"'{run.label()}' belongs to a {run.split['folds']}-fold "
                                       f"cross-validation: its network learned from the rows outside "
                                       f"fold {run.split.get('fold')}, not from the project's training "
                                       f"split, so it cannot be the project's model. Restore its "
                                       f"network and settings (Restore) and train them.")
        return False
    try:
        data = state.prepared()  # at once, also while a worker prepares big data just changed
    except NNStudioError as e:
        window.show_message("error", f"The project's data cannot be prepared, so the model cannot "
                                     f"be evaluated: {e.user_text()}")
        return False
    if not run.trained_on(state.project):
        window.show_message("warning", f"{run.label()} was trained on other data (or its file read "
                                       "another way: 'Also missing' …), other input columns or "
                                       "another split; open that data first.")
        return False
    try:
        model = run.build_model(data)
    except NNStudioError as e:
        window.show_message("error", e.user_text())
        return False
    if not restore_run(window, run):
        return False
    test = run.final.get("test", {})
    state.set_result(TrainResult(model=model, history=run.history, epochs_run=run.epochs_run,
                                 status=run.status, message=run.message, seconds=run.seconds,
                                 test=dict(test), seed=run.seed))
    window.curves.set_history(run.history, run.curve_metric)
    window.tabs.setCurrentWidget(window.evaluation)
    return True


def show_sweep_dialog(window, preset: str | None = None):
    dlg = getattr(window, "sweep_dialog", None)
    if dlg is None:
        dlg = SweepDialog(window.state, window.pool, window)
        window.sweep_dialog = dlg

        def add(rec) -> None:
            store.add_runs(window.state.project, [rec])
            window.state.dirty = True
            window.runs_panel.refresh()

        def done(res) -> None:
            panel = window.runs_panel
            panel.refresh()
            panel.select_ids({r.id for r in res.records})
        dlg.run_finished.connect(add)
        dlg.sweep_finished.connect(done)
    if preset:
        dlg.choose_preset(preset)
    dlg.show()
    dlg.raise_()
    return dlg
