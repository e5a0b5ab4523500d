"""The Runs tab: the project's runs in a sortable, filterable table; the selected runs' curves
overlaid (seed groups as mean ± sd bands); a plain-words diff of two runs and a verdict between two
seed groups; restore, open the trained model, pin, delete, export CSV, and sweeps."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QObject, QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.experiments import groups as run_groups
from nnstudio.core.experiments.groups import group_labels, groups_of
from nnstudio.core.experiments.record import RunRecord
from nnstudio.ui.common.colors import CLASS_COLORS
from nnstudio.ui.common.empty_state import EmptyState
from nnstudio.ui.common.guard import FillGuard
from nnstudio.ui.common.plots import EpochAxis, SparseLogAxis, curve_pen, floating_legend, light_grid, place_legend
from nnstudio.ui.common.tables import fit_columns_to_texts, size_columns_from_first_rows
from nnstudio.ui.experiments.by_setting_view import BySettingView
from nnstudio.ui.experiments.delete_runs import DeleteRunsCommand
from nnstudio.ui.experiments.runs_model import RUN_ROLE, RunsFilterProxy, RunsTableModel


def colour(i: int):
    """Run or group ``i``'s colour: the Tableau 10 palette the app draws classes with, made to
    tell lines apart (hues spread evenly gave a 2 x 2 sweep a yellow-green beside a green)."""
    return pg.mkColor(CLASS_COLORS[i % len(CLASS_COLORS)])


#: At most this many curves are named in the plot's legend, in two columns from five: more would
#: cover the plot (12 in one column ran off its top at 1280 x 720; their colours repeat by then)
#: and cost the redraw a relayout each (100 runs: 0.5 s).
LEGEND_MAX = 8


class RunsPanel(QWidget):
    restore_requested = Signal(object)  # RunRecord: its network and settings into the editor
    open_model_requested = Signal(object)  # RunRecord with weights: evaluate / inspect it
    sweep_requested = Signal()
    runs_edited = Signal()  # names, notes, pins or deletions: the project changed
    deleted = Signal(str)  # what was deleted and how to get it back (for the status bar)

    def __init__(self, state, parent: QWidget | None = None, undo_stack=None) -> None:
        super().__init__(parent)
        self.state = state
        self.undo_stack = undo_stack  # the window's: Delete is undoable
        self.model = RunsTableModel(self)
        self.proxy = RunsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.model.dataChanged.connect(lambda *_: self.runs_edited.emit())

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs (any column)…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.btn_sweep = QPushButton("Sweep…")
        self.btn_sweep.setToolTip("Train a grid of configurations × seeds (presets for the "
                                  "tutorials' comparisons)")
        self.btn_sweep.clicked.connect(self.sweep_requested)
        self.btn_restore = QPushButton("Restore")
        self.btn_restore.setToolTip("Put the selected run's network and settings in the editor")
        self.btn_restore.clicked.connect(self._restore)
        self.btn_open = QPushButton("Open model")
        self.btn_open.setToolTip("Evaluate / inspect the selected run's trained model (pinned "
                                 "runs and the last 10 keep their weights)")
        self.btn_open.clicked.connect(self._open_model)
        self.btn_delete = QPushButton("Delete")
        self.btn_delete.setToolTip("Delete the selected runs (Del); Edit > Undo brings them back")
        self.btn_delete.clicked.connect(self.delete_selected)
        self.btn_csv = QPushButton("Export CSV…")
        self.btn_csv.clicked.connect(self._export_csv_dialog)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        for b in (self.btn_sweep, self.btn_restore, self.btn_open, self.btn_delete, self.btn_csv):
            top.addWidget(b)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        size_columns_from_first_rows(self.table)  # refreshed after every run
        self.table.setSortingEnabled(True)
        # oldest first until a column header is clicked
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        # Del on the table (not in a cell being edited) deletes the selected runs, undoably
        self.table.installEventFilter(self)
        self._refreshing = FillGuard()
        self._holding = FillGuard()  # drawing_once(): reloads and selections draw nothing
        self.table.selectionModel().selectionChanged.connect(self._on_selection)

        self.curve = QComboBox()
        self.curve.addItem("accuracy", "metric")
        self.curve.addItem("loss", "loss")
        self.split_box = QComboBox()
        self.split_box.addItem("validation", "val")
        self.split_box.addItem("training", "train")
        self.grouped = QCheckBox("Seed groups as mean ± sd")
        self.grouped.setChecked(True)
        for w in (self.curve, self.split_box):
            w.currentIndexChanged.connect(self.redraw)
        # until the user picks a split, the box follows the curves the selected runs have
        # (churn trains with no validation rows: its runs show their training curves)
        self._split_chosen = False
        self.split_box.activated.connect(self._on_split_chosen)
        self.grouped.toggled.connect(self.redraw)
        # a regression's loss falls by orders of magnitude (house prices: 150,000 to 700) and
        # flattened on a linear axis after a few epochs: log, as the Training tab, until the user
        # says otherwise (accuracy keeps its linear 0..1 axis)
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Loss and MAE on a logarithmic axis. On by default for a "
                                  "regression's runs.")
        self._log_chosen = False
        self.log_scale.clicked.connect(self._on_log_chosen)
        # on a log axis, 20, 50, 100 rather than 2·10¹ (the Training tab's axis)
        self.plot_widget = pg.PlotWidget(background="w", axisItems={"left": SparseLogAxis("left"),
                                                                    "bottom": EpochAxis("bottom")})
        self.plot = self.plot_widget.getPlotItem()
        light_grid(self.plot)
        self.plot.setLabel("bottom", "epoch")
        self.legend = floating_legend(self.plot, (-10, -10))
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Curve:"))
        controls.addWidget(self.curve)
        controls.addWidget(self.split_box)
        controls.addWidget(self.grouped)
        controls.addWidget(self.log_scale)
        controls.addStretch(1)
        plot_box = QWidget()
        pl = QVBoxLayout(plot_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addLayout(controls)
        self.plot_view = EmptyState(self.plot_widget)  # axes with nothing on them: a message
        self.by_setting = BySettingView()
        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        self.views.addTab(self.plot_view, "Over epochs")
        self.views.addTab(self.by_setting, "By setting")
        self.views.setTabToolTip(1, "The selected runs' final figure against what differs between "
                                    "them (a sweep's knob, a setting, the network)")
        pl.addWidget(self.views, 1)

        self.verdict = QLabel("Select runs to overlay their curves; two runs to see what "
                              "differs; two seed groups for a verdict.")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.verdict.setMinimumWidth(220)
        self.verdict.setStyleSheet("QLabel { padding: 6px; }")

        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(plot_box)
        bottom.addWidget(self.verdict)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(bottom)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        # the table's share from the start (a splitter's first sizes follow the size hints, which
        # gave a sweep's nine runs a five-row table under a plot twice its height)
        split.setSizes([450, 550])
        self.split = split
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.items: list = []
        self.refresh()

    # ----- content ----------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Reload from the project (keeps the selection by run id)."""
        keep = {r.id for r in self.selected_runs()}
        runs = list(getattr(self.state.project, "runs", []) or [])
        self.model.set_runs(runs)
        fit_columns_to_texts(self.table, self.model.texts)  # (Qt's sizing waits on a training run)
        with self._refreshing:  # the plot is drawn once, below
            self.select_ids(keep)
        self._update_buttons()
        if not self._holding:
            self.redraw()

    @contextmanager
    def drawing_once(self):
        """Within: the table may reload and the selection change without drawing the plot; it is
        drawn once on leaving, for the selection then (after each run, the table reloads and
        then selects the new runs: with many runs shown, each draw is a frozen moment)."""
        with self._holding:
            yield
        if not self._holding:
            self.redraw()

    def select_ids(self, ids) -> None:
        """Select these runs, in one selection change: row by row, each row redrew the plot of
        the rows before it (a Repeat of 65 seeds froze the window for 2 s)."""
        selection = QItemSelection()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            r = index.data(RUN_ROLE)
            if r is not None and r.id in ids:
                selection.select(index, index)
        self.table.selectionModel().select(
            selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)

    def selected_runs(self) -> list[RunRecord]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.index(r, 0).data(RUN_ROLE) for r in rows]

    @Slot()
    def _on_selection(self, *_args) -> None:
        self._update_buttons()
        if not self._refreshing and not self._holding:
            self.redraw()
        sel = self.selected_runs()
        if len(sel) == 1:
            self.show_timeline_of(sel[0])

    def show_timeline_of(self, run: RunRecord) -> bool:
        """The timeline scrubber, the Health tab and the views go back in time over ``run`` (issue 19)
        when it kept snapshots and is the network and data in the project now (the views draw its
        weights on that network); returns whether they do."""
        project = self.state.project
        if run is self.state.timeline_run or not run.has_timeline or project is None:
            return run is self.state.timeline_run
        if run.spec != project.spec.to_dict() or not run.trained_on(project):
            return False  # another network or data: Restore it first
        try:
            run.load_timeline()
        except NNStudioError:
            return False
        self.state.set_timeline_run(run)
        return True

    def _update_buttons(self) -> None:
        sel = self.selected_runs()
        self.btn_restore.setEnabled(len(sel) == 1)
        self.btn_open.setEnabled(len(sel) == 1 and sel[0].has_weights)
        self.btn_delete.setEnabled(bool(sel))
        self.btn_csv.setEnabled(bool(self.model.runs))

    # ----- curves, diff, verdict ----------------------------------------------------------------
    def _curve_key(self, r: RunRecord) -> str:
        return ("val_" if self.split_box.currentData() == "val" else "") + self._metric_name(r)

    @Slot()
    def _on_split_chosen(self) -> None:
        self._split_chosen = True

    def _follow_split(self, runs: list[RunRecord]) -> bool:
        """Set the split box (silently) to validation if a selected run has that curve, else to
        training if one has that; returns whether it shows training for want of validation."""
        if self._split_chosen or not runs:
            return False
        has = {which: any(len(r.history.get(prefix + self._metric_name(r), []))
                          for r in runs) for which, prefix in (("val", "val_"), ("train", ""))}
        which = "train" if has["train"] and not has["val"] else "val"
        if self.split_box.currentData() != which:
            with QSignalBlocker(self.split_box):
                self.split_box.setCurrentIndex(self.split_box.findData(which))
        return which == "train"

    @Slot()
    def _on_log_chosen(self) -> None:
        self._log_chosen = True
        self.redraw()

    def _log_axis(self, runs: list[RunRecord]) -> bool:
        """Whether the curves go on a log axis: the box, which follows the selection (on for a
        regression's runs) until the user ticks or unticks it; never for accuracy."""
        if not self._log_chosen:
            with QSignalBlocker(self.log_scale):
                self.log_scale.setChecked(any(r.curve_metric == "mae" for r in runs))
        accuracy = self.curve.currentData() == "metric" and all(r.curve_metric != "mae" for r in runs)
        self.log_scale.setEnabled(not accuracy)
        return self.log_scale.isChecked() and not accuracy

    def _metric_name(self, r: RunRecord) -> str:
        return "loss" if self.curve.currentData() == "loss" else r.curve_metric

    @Slot()
    def redraw(self) -> None:
        self.legend.clear()  # first: the plot's clear() takes each curve out of it, with a relayout
        self.plot.clear()
        self.items = []
        runs = self.selected_runs()
        no_val = self._follow_split(runs)
        # the metric's name: a regression's runs record MAE (a mixed selection: both)
        kinds = {"MAE" if r.curve_metric == "mae" else "accuracy" for r in runs} or {"accuracy"}
        self.curve.setItemText(self.curve.findData("metric"), " / ".join(sorted(kinds, reverse=True)))
        split = self.split_box.currentText() + (": no validation rows" if no_val else "")
        self.plot.setTitle(f"{self.curve.currentText()} ({split})" if runs else "")
        log = self._log_axis(runs)
        self.plot.setLogMode(y=log)
        groups = groups_of(runs) if self.grouped.isChecked() else [[r] for r in runs]
        missing = [r for r in runs if not len(r.history.get(self._curve_key(r), []))]
        names = group_labels(groups)
        shared: dict[tuple[str, int], tuple] = {}  # runs past the legend: (pen, [x, y] each), by pen
        for i, group in enumerate(groups):
            col = colour(i)
            curves = [np.asarray(r.history.get(self._curve_key(r), []), float) for r in group]
            curves = [c for c in curves if len(c)]
            if not curves:
                continue
            name = names[i] if i < LEGEND_MAX else None  # beyond: colours repeat, the box covers all
            if len(curves) == 1:
                start = group[0].parent_epoch or 0  # a branch (issue 19) is drawn from its epoch N
                x = np.arange(start + 1, start + len(curves[0]) + 1)
                if name is None:  # unnamed: one item per pen draws them all (an item is ~2.5 ms)
                    pen = curve_pen(col, len(x))
                    shared.setdefault((pen.color().name(), pen.width()), (pen, []))[1].append(
                        np.column_stack([x, curves[0]]))
                    continue
                item = self.plot.plot(x, curves[0], pen=curve_pen(col, len(x)), name=name)
                self.items.append(item)
                continue
            n = min(len(c) for c in curves)
            stack = np.vstack([c[:n] for c in curves])
            mean, sd = np.nanmean(stack, axis=0), np.nanstd(stack, axis=0, ddof=1)
            x = np.arange(1, n + 1)
            low = mean - sd
            if log:  # a band below zero has no place on a log axis: it stops at half the lowest run
                low = np.maximum(low, 0.5 * np.nanmin(stack, axis=0))
            lo = self.plot.plot(x, low, pen=pg.mkPen(col, width=0.5))
            hi = self.plot.plot(x, mean + sd, pen=pg.mkPen(col, width=0.5))
            fill_col = pg.mkColor(col)
            fill_col.setAlpha(50)
            band = pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(fill_col))
            self.plot.addItem(band)
            item = self.plot.plot(x, mean, pen=curve_pen(col, len(x)),
                                  name=name and f"{name} (mean ± sd of {len(curves)})")
            self.items += [item, band]
        for pen, parts in shared.values():  # a gap (NaN) between one run and the next
            xy = np.vstack([np.vstack([p, [np.nan, np.nan]]) for p in parts])[:-1]
            self.items.append(self.plot.plot(xy[:, 0], xy[:, 1], pen=pen, connect="finite"))
        self.legend.setColumnCount(2 if len(self.legend.items) > 4 else 1)
        place_legend(self.legend, rising=self.curve.currentData() != "loss"
                     and not any(r.curve_metric == "mae" for r in runs))
        if runs and len(missing) == len(runs):  # empty axes would read as a broken plot
            self.plot_view.show_message(self._no_curve_text(missing, split))
        elif runs:
            notes = [f"{len(missing)} of {len(runs)} selected runs have no such curve"] if missing else []
            if len(groups) > LEGEND_MAX:
                notes.append(f"the legend names the first {LEGEND_MAX} of {len(groups)} curves")
            if notes:
                self.plot.setTitle(f"{self.curve.currentText()} ({split}; {'; '.join(notes)})")
            self.plot_view.show_content()
        elif self.model.rowCount():
            self.plot_view.show_message("Select runs in the table above to overlay their curves.")
        else:
            self.plot_view.show_message(
                "No runs yet.\n\nEvery Train, Repeat and sweep (Sweep…) is recorded here, with "
                "its network, settings and curves: select runs to overlay and compare them.")
        self.verdict.setText(self.describe(runs))
        self.by_setting.show_runs(runs, self._curve_key, f"{self.curve.currentText()} ({split})")

    def _no_curve_text(self, runs: list[RunRecord], split: str) -> str:
        what = f"{self.curve.currentText()} ({split})"
        who = runs[0].label() if len(runs) == 1 else f"the {len(runs)} selected runs"
        if self.split_box.currentData() == "val":
            return (f"No {what} curve: {who} trained without validation rows (the split on the "
                    "Data tab had none). Choose training above to see the training curves.")
        return f"No {what} curve: {who} recorded no epochs."

    def describe(self, runs: list[RunRecord]) -> str:
        """What the verdict pane says for a selection (plain text): :func:`run_groups.describe`."""
        return run_groups.describe(runs)

    # ----- actions --------------------------------------------------------------------------
    @Slot()
    def _restore(self) -> None:
        sel = self.selected_runs()
        if len(sel) == 1:
            self.restore_requested.emit(sel[0])

    @Slot()
    def _open_model(self) -> None:
        sel = self.selected_runs()
        if len(sel) == 1 and sel[0].has_weights:
            self.open_model_requested.emit(sel[0])

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.matches(QKeySequence.StandardKey.Delete) \
                and self.table.state() != QAbstractItemView.State.EditingState:
            self.delete_selected()
            return True
        return super().eventFilter(obj, event)

    @Slot()
    def delete_selected(self) -> None:
        """Delete the selected runs; undoably when the panel has the window's undo stack."""
        ids = {r.id for r in self.selected_runs()}
        if not ids:
            return
        command = DeleteRunsCommand(self, ids)
        if self.undo_stack is not None:
            self.undo_stack.push(command)  # runs its redo: the runs go
            self.deleted.emit(f"{command.text()}: Edit > Undo (Ctrl+Z) brings them back.")
        else:
            command.redo()

    def export_csv(self, path: str) -> None:
        rows = [self.proxy.mapToSource(self.proxy.index(r, 0)).row()
                for r in range(self.proxy.rowCount())]
        self.model.to_frame(rows).to_csv(path, index=False)

    @Slot()
    def _export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export runs table", "runs.csv",
                                              "CSV files (*.csv)")
        if path:
            try:
                self.export_csv(path)
            except OSError as e:
                self.verdict.setText(f"Could not write {path}: {e.strerror}.")
