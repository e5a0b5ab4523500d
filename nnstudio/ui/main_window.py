"""The main window: the network and settings on the left, views in tabs on the right."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio import __version__
from nnstudio.core import tf as core_tf
from nnstudio.core.data.examples import EXAMPLES
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project
from nnstudio.core.training.engine import TrainResult, metric_name
from nnstudio.ui.app import freeze_long_lived_objects
from nnstudio.ui.common.scroll_tabs import ScrollTabs
from nnstudio.ui.common.wheel_guard import guard_wheel
from nnstudio.ui.common.workers import Worker, WorkerPool
from nnstudio.ui.data.controller import DataController
from nnstudio.ui.data.panel import DataPanel
from nnstudio.ui.evaluation.panel import EvaluationPanel
from nnstudio.ui.evaluation.predict_file import install as install_predict_file
from nnstudio.ui.experiments.install import install_runs_tab
from nnstudio.ui.inspector.panel import InspectorPanel
from nnstudio.ui.network.layer_editor import LayerEditor
from nnstudio.ui.network.view import NetworkView
from nnstudio.ui.playground.install import install_playground_tab
from nnstudio.ui.project import actions as project_actions
from nnstudio.ui.project import help as help_menu
from nnstudio.ui.project.export_dialog import show_export_dialog
from nnstudio.ui.project.report_action import ReportWriter
from nnstudio.ui.state import AppState
from nnstudio.ui.timeline.install import install_timeline
from nnstudio.ui.training.controller import TrainingController
from nnstudio.ui.training.crossval_dialog import CrossValidationDialog
from nnstudio.ui.training.curves import CurvesView
from nnstudio.ui.training.panel import TrainingPanel
from nnstudio.ui.training.precompiler import Precompiler
from nnstudio.ui.training.surface.view import SurfaceView
from nnstudio.ui.training.toolbar import TrainingToolbar

#: At the latest this long after the window is shown, TensorFlow starts loading even if no paint
#: has come (it is started by the window's first paint).
TF_LOAD_FALLBACK_MS = 1500


class MainWindow(QMainWindow):
    def __init__(self, state: AppState | None = None, *, load_tensorflow: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("nnstudio")
        self.resize(1320, 820)
        self.state = state or AppState()
        self.pool = WorkerPool(self)
        self.state.attach_pool(self.pool)  # big data are prepared on a worker as they change
        self.undo_stack = QUndoStack(self)
        self.settings = QSettings()
        self.training = TrainingController(self.state, self.pool, self)
        self.training.message.connect(self.show_message)
        self.training.message.connect(self._note_run_message)
        self.training.state_changed.connect(self._on_run_state)
        self.training.repeat_run.connect(self._on_repeat_run)
        # the last run's curves are drawn before anything else hears the Repeat has ended
        self.training.repeat_finished.connect(self._on_repeat_done)
        self.precompiler = Precompiler(self.state, self.pool, self)
        # the background compile speaks in its own corner of the status bar, so it never
        # replaces what a run just said (a Repeat's mean ± sd, a warning about the rows)
        self.compile_label = QLabel()
        self.compile_label.setObjectName("compileStatus")
        self.compile_label.setStyleSheet("color: #555")
        self.compile_label.setToolTip("After an edit the network's training program is compiled in "
                                      "the background, so that Train starts at full speed.")
        self._repeat_curves = None  # a Repeat's run whose curves are drawn next (_on_repeat_run)
        self._compile_clear = QTimer(self, singleShot=True, interval=8_000)
        self._compile_clear.timeout.connect(self.compile_label.clear)
        self.precompiler.status.connect(self._on_precompile_status)
        self.training.repeat_finished.connect(self.precompiler.note_repeat)

        # ----- left: network and training settings
        self.layers = LayerEditor(self.state, self.undo_stack)
        net_box = QGroupBox("Network")
        QVBoxLayout(net_box).addWidget(self.layers)
        self.training_panel = TrainingPanel(self.state, self.training)
        left = QWidget()
        left_lay = QVBoxLayout(left)
        self.dataset_label = QLabel()
        self.dataset_label.setWordWrap(True)
        left_lay.addWidget(self.dataset_label)
        left_lay.addWidget(net_box, 1)
        left_lay.addWidget(self.training_panel)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        # as wide as the form needs next to the vertical scrollbar: never a sideways scrollbar
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(left.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth())

        # ----- right: views
        self.tabs = ScrollTabs()  # pages scroll on a small screen instead of growing the window
        self.curves = CurvesView(self.state)
        self.surface = SurfaceView(self.state, self.pool)
        train_split = QSplitter(Qt.Orientation.Horizontal)
        train_split.addWidget(self.curves)
        train_split.addWidget(self.surface)
        train_split.setSizes([520, 520])
        self.tabs.addTab(train_split, "Training")
        self._add_tabs()

        self.left_panel = scroll
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 940])
        self.setCentralWidget(split)

        self._build_menus()
        install_predict_file(self)  # File > Predict a file…, and a button by the predictions
        # Train / Pause / Step / Stop / Repeat and the pace: always in view, whatever the screen

        self.training_toolbar = TrainingToolbar(self.training_panel, self.training, self.settings, self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.training_toolbar)
        for b in (self.training_panel.train_btn, self.training_panel.pause_btn,
                  self.training_panel.step_btn, self.training_panel.stop_btn,
                  self.training_panel.repeat_btn):
            # a click does not take the keyboard focus: when the button is disabled as the run
            # starts, Qt would otherwise hand the focus to the next field (the learning rate)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # the wheel never edits an unfocused number field, combo box or slider (fields built later,
        # e.g. the prediction form of new data, are guarded when the project or data change)
        guard_wheel(self)
        for sig in (self.state.project_changed, self.state.data_changed, self.state.model_changed):
            sig.connect(lambda: QTimer.singleShot(0, lambda: guard_wheel(self)))
        self.state.project_changed.connect(self._on_project_changed)
        self.state.training_started.connect(self._on_training_started)
        self.state.training_finished.connect(self._on_finished)
        self.state.model_changed.connect(self._on_model_changed)
        self._run_message = ""  # what the last run said in the status bar
        self.state.tf_ready.connect(self._refresh_actions)
        self.state.message.connect(self.show_message)
        self._on_project_changed()
        self._fit_screen()
        self.statusBar().addPermanentWidget(self.compile_label)
        self.statusBar().messageChanged.connect(self._fit_compile_label)
        # a long message (a Repeat's five seeds and its verdict) is cut at the window's edge:
        # the whole of it is the bar's tooltip
        self.statusBar().messageChanged.connect(self._on_status_message)
        self.statusBar().showMessage("Loading TensorFlow…")
        #: TensorFlow loads once the window has painted (paintEvent): importing it holds the
        #: interpreter for seconds at a time, and begun at once it held back the first paint by 2 s.
        self._tf_to_load = load_tensorflow

    def _fit_screen(self) -> None:
        """The default size, or less on a small screen (a 1280 x 720 laptop): never off-screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None or QGuiApplication.platformName() in ("offscreen", "minimal"):
            return  # no real screen to fit (tests, headless rendering)
        avail = screen.availableGeometry()
        # leave room for the window frame's title bar, which availableGeometry does not include
        self.resize(min(self.width(), avail.width()), min(self.height(), avail.height() - 32))

    # ----- extension points: tabs and menus ------------------------------------------------------
    def _add_tabs(self) -> None:
        """Further views are added here, one block each (keep them independent of each other)."""
        # tab: data — issue 4 (first tab; open_path(path) and drops go through self.data_io)

        self.data_panel = DataPanel(self.state)
        self.data_panel.undo_stack = self.undo_stack  # its changes are undone with Ctrl+Z
        self.tabs.insertTab(0, self.data_panel, "Data")
        self.data_io = DataController(self.state, self.pool, self, self.settings,
                                      is_busy=lambda: self.training.busy,
                                      may_replace=lambda: self.project_actions.maybe_save())
        self.data_io.message.connect(self.show_message)
        self.data_io.loaded.connect(lambda _path: self.tabs.setCurrentWidget(self.data_panel))
        self.data_panel.open_requested.connect(self.data_io.open_dialog)
        self.data_panel.sheet_requested.connect(self.data_io.read_sheet)
        self.data_panel.member_requested.connect(self.data_io.read_member)
        self.training.state_changed.connect(self.data_panel.on_run_state)
        self.state.data_changed.connect(self._on_project_changed)  # target/task shown on the left
        self.state.prepared_ready.connect(self._on_project_changed)
        self.setAcceptDrops(True)
        # tab: network view — issue 5 (its +/- controls edit through the layer editor, undoably)

        self.network_view = NetworkView(self.state)
        self.tabs.addTab(self.network_view, "Network")
        self.network_view.units_change_requested.connect(self.layers.change_units)
        self.network_view.layer_count_change_requested.connect(self.layers.change_dense_layer_count)
        self.layers.locked_changed.connect(self.network_view.set_locked)
        self.training.state_changed.connect(self.layers.on_run_state)
        # tab: inspector — issue 6 (select_node(layer, unit) and show_data_row(i) are its public hooks)

        self.inspector = InspectorPanel(self.state, self.pool)
        self.tabs.addTab(self.inspector, "Inspector")
        self.inspector.message.connect(self.show_message)
        # a node clicked in the Network tab is the inspector's selection too (one direction only)
        self.network_view.node_selected.connect(self.inspector.select_node)
        # tab: evaluation — issue 8 (also File > Open model… / Export model…)

        self.evaluation = EvaluationPanel(self.state, self.pool)
        self.tabs.addTab(self.evaluation, "Evaluation")
        self.evaluation.message.connect(self.show_message)
        self.show_export_dialog = lambda: show_export_dialog(self)
        self.evaluation.export_requested.connect(self.show_export_dialog)
        # issue 20: a clicked importance/attribution bar opens the inspector on the row, and the report

        self.report_writer = ReportWriter(self)
        self.evaluation.report_requested.connect(self.report_writer.ask_and_write)
        self.evaluation.inspect_requested.connect(
            lambda values, column: self.inspector.inspect_values(values, column)
            and self.tabs.setCurrentWidget(self.inspector))
        self.evaluation.predictions.row_shown.connect(
            lambda position: (self.tabs.setCurrentWidget(self.data_panel), self.data_panel.show_row(position)))
        self.evaluation.model_opened.connect(
            lambda r: (self.curves.set_history(r.history, metric_name(self.state.project.task)),
                       self.tabs.setCurrentWidget(self.evaluation)))
        # tab: runs — issue 17 (every run remembered, compared, swept: ui/experiments/)

        install_runs_tab(self)
        # the timeline scrubber, the coach and the Health tab — issue 19 (ui/timeline/)
        install_timeline(self)
        # tab: playground — issue 21 (generated and drawn data, engineered inputs, challenges)
        install_playground_tab(self)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        self.file_menu = mb.addMenu("&File")
        # file menu: new/open/save project, recent projects — issue 9 (also the title's "*",
        # the unsaved-changes question on closing, autosave and crash recovery)

        self.project_actions = project_actions.install(self)
        # file menu: open data, recent data files — issue 4
        self.act_open_data = self.file_menu.addAction("Open &data…", QKeySequence("Ctrl+Shift+O"),
                                                      self.data_io.open_dialog)
        self.act_open_data.setToolTip("Open a CSV, TSV or text table (or drop it on the window)")
        self.recent_data_menu = self.file_menu.addMenu("Recent data &files")
        self.recent_data_menu.aboutToShow.connect(
            lambda: self.data_io.fill_recent_menu(self.recent_data_menu))
        self.examples_menu = self.file_menu.addMenu("&Examples")
        for name, ex in EXAMPLES.items():
            act = self.examples_menu.addAction(ex.title)
            act.setData(name)
            act.setToolTip(ex.description)
            act.triggered.connect(lambda _=False, n=name: self.load_example(n, ask=True))
        # [file menu: export model / image — issues 7, 8]
        self.act_open_model = self.file_menu.addAction("Open &model…", self.evaluation.open_model_dialog)
        self.act_open_model.setToolTip("Open a .keras model exported by nnstudio, to inspect and evaluate it.")
        self.act_export_model = self.file_menu.addAction("E&xport model…", QKeySequence("Ctrl+Shift+E"),
                                                         self.show_export_dialog)
        self.act_export_model.setToolTip("Save the trained model: .keras, SavedModel, ONNX, LiteRT, "
                                         "weights, history, plots, a Python script.")
        self.act_export_report = self.file_menu.addAction("Export &report…", self.report_writer.ask_and_write)
        self.act_export_report.setToolTip("A one-page HTML report of the trained run (issue 20).")
        self.act_export_image = self.file_menu.addAction("Export &image…", self.surface.export_image_dialog)
        self.act_export_image.setToolTip("Save the decision surface (with its colour bar) as a PNG image.")
        self.surface.message.connect(self.show_message)
        self.file_menu.addSeparator()
        self.act_quit = self.file_menu.addAction("&Quit", QKeySequence.StandardKey.Quit,
                                                 self.project_actions.quit)

        self.edit_menu = mb.addMenu("&Edit")
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        self.edit_menu.addAction(self.act_undo)
        self.edit_menu.addAction(self.act_redo)

        self.view_menu = mb.addMenu("&View")
        # on a laptop screen the Inspector and Evaluation tabs want the whole width: the network
        # and settings panel folds away (the training toolbar stays)
        self.act_left_panel = self.view_menu.addAction("&Network and settings panel")
        self.act_left_panel.setCheckable(True)
        self.act_left_panel.setChecked(True)
        self.act_left_panel.setShortcut(QKeySequence("F9"))
        self.act_left_panel.setToolTip("Show or hide the left panel (F9); the views get its width.")
        self.act_left_panel.toggled.connect(self.left_panel.setVisible)

        self.train_menu = mb.addMenu("&Training")
        tp = self.training_panel
        self.act_train = QAction("&Train", self, shortcut=QKeySequence("Ctrl+T"))
        self.act_train.triggered.connect(lambda: self.training.start())
        self.act_pause = QAction("&Pause / Resume", self, shortcut=QKeySequence("Ctrl+P"))
        self.act_pause.triggered.connect(tp._pause_clicked)
        self.act_step = QAction("S&tep one epoch", self, shortcut=QKeySequence("Ctrl+E"))
        self.act_step.triggered.connect(self.training.step)
        self.act_stop = QAction("&Stop", self, shortcut=QKeySequence("Ctrl+."))
        self.act_stop.triggered.connect(self.training.stop)
        self.act_repeat = QAction("&Repeat with several seeds", self)
        self.act_repeat.triggered.connect(tp.repeat_btn.click)
        for a in (self.act_train, self.act_pause, self.act_step, self.act_stop, self.act_repeat):
            # app-wide: also while a dialog, a floating view or the data table has the focus
            a.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
            self.train_menu.addAction(a)
        self.train_menu.addSeparator()
        self.crossval_dialog = None
        self.act_crossval = self.train_menu.addAction("Cross-&validate…", self.show_crossval)
        self.act_crossval.setToolTip("Train once per fold of the rows outside the test split and "
                                     "measure each on the fold held out: how far one split's figure "
                                     "can be trusted.")

        self.help_menu = mb.addMenu("&Help")

        help_menu.install(self, self.help_menu)
        self.help_menu.addAction("&About nnstudio", self._about)
        self._on_run_state("idle")

    def show_crossval(self) -> None:
        """Training > Cross-validate…: one dialog, kept (its last result stays to read)."""
        if self.crossval_dialog is None:
            self.crossval_dialog = CrossValidationDialog(self.training, self)
        self.crossval_dialog.show()
        self.crossval_dialog.raise_()
        self.crossval_dialog.activateWindow()

    # ----- TensorFlow in the background -----------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._tf_to_load:  # should no paint come (a platform that never exposes the window)
            QTimer.singleShot(TF_LOAD_FALLBACK_MS, self, self._load_tensorflow)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._tf_to_load:
            QTimer.singleShot(0, self, self._load_tensorflow)  # after this paint has reached the screen

    @Slot()
    def _load_tensorflow(self) -> None:
        if not self._tf_to_load:
            return
        self._tf_to_load = False
        def load(_report):
            core_tf.preload()
            return core_tf.tensorflow().__version__

        w = Worker(load, name="tensorflow-import")
        w.finished.connect(self._on_tf_ready)
        w.failed.connect(self._on_tf_failed)
        self.pool.start(w)

    @Slot(object)
    def _on_tf_ready(self, version: str) -> None:
        self.state.set_tf_ready()
        freeze_long_lived_objects()  # no half-second full collections on this thread
        self.statusBar().showMessage(f"TensorFlow {version} ready — press Train.", 10_000)

    @Slot(str)
    def _on_precompile_status(self, text: str) -> None:
        self.compile_label.setText(text)  # the precompiler says nothing while training runs
        self._fit_compile_label()
        # "compiling…" stays until the compile ends; what it ended with fades after a while
        self._compile_clear.stop()
        if text and not self.precompiler.busy:
            self._compile_clear.start()

    @Slot()
    def _fit_compile_label(self, *_args) -> None:
        """The compile's corner gives way to a message that needs the whole bar: what a run or a
        file said matters more than "Compiled", which is said again after the next edit."""
        bar = self.statusBar()
        message = bar.currentMessage()
        text = self.compile_label.text()
        fits = not message or not text or (
            bar.fontMetrics().horizontalAdvance(message)
            + self.compile_label.fontMetrics().horizontalAdvance(text) + 40 <= bar.width())
        self.compile_label.setVisible(fits)

    @Slot(object)
    def _on_tf_failed(self, err: NNStudioError) -> None:
        self.training.cancel_waiting()
        self.statusBar().showMessage("TensorFlow could not be loaded: training is unavailable.")
        self.show_message("error", "TensorFlow could not be loaded, so training is unavailable. "
                                   f"{err.message} Reinstall with the README's install command.")

    # ----- project --------------------------------------------------------------------------------
    def load_example(self, name: str, ask: bool = False) -> None:
        """Replace the project by a built-in example; ``ask``: first offer to save unsaved changes
        (the menu's command; code that calls this never opens a dialog)."""
        if self.training.busy:
            self.show_message("warning", "Stop training before loading another example.")
            return
        if ask and not self.project_actions.maybe_save():  # Save / Discard / Cancel
            return
        try:
            self.state.set_project(Project.from_example(name))
        except NNStudioError as e:
            self.show_message("error", e.user_text())
            return
        self.undo_stack.clear()

    def open_path(self, path: str) -> bool:
        """Open a file named on the command line or dropped on the window (data: the import dialog)."""
        if Path(path).suffix.lower() == ".nnstudio":
            actions = getattr(self, "project_actions", None)  # project files: issue 9's opener
            if actions is not None:
                return bool(actions.open_project(path))
        ok = self.data_io.open_path(path)
        if ok:
            self.tabs.setCurrentWidget(self.data_panel)
        return ok

    def dragEnterEvent(self, event) -> None:
        if self.data_io.dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        paths = self.data_io.dropped_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        if len(paths) > 1:
            self.show_message("info", f"Opening {paths[0]} (one data file at a time).")
        self.open_path(paths[0])

    @Slot()
    def _on_project_changed(self) -> None:
        p = self.state.project
        ds = p.dataset
        synth = " (synthetic)" if ds.synthetic and "(synthetic)" not in ds.name else ""
        prep = self.state.try_prepared()
        split = f"<br>{prep.summary()}" if prep is not None else \
            ("<br>Preparing the data…" if self.state.preparing else "")
        try:  # a target that cannot be used (one class, all missing) is explained in the Data tab
            task = p.task
        except NNStudioError:
            task = None
        task_text = task.label if task is not None else "the target cannot be used (see the Data tab)"
        self.dataset_label.setText(f"<b>{ds.name}</b>{synth}<br>{ds.n_rows:,} rows · target "
                                   f"<i>{p.roles.target}</i> · {task_text}{split}")
        self.setWindowTitle(f"{ds.name} — nnstudio")

    # ----- training views ------------------------------------------------------------------------
    @Slot()
    def _on_training_started(self) -> None:
        self.statusBar().showMessage("Training…")

    @Slot(object)
    def _on_repeat_run(self, run) -> None:
        """Each run of a repeat shows its curves as it ends; runs that end together (seeds
        trained as one population arrive at once) draw only the last (each was 12-17 ms)."""
        pending, self._repeat_curves = self._repeat_curves, run
        if pending is None:
            QTimer.singleShot(0, self._draw_repeat_curves)

    @Slot(object)
    def _on_repeat_done(self, _summary) -> None:
        """The last run's curves, and behind them the range of every seed's (the Repeat's seed
        group, recorded by now; the last of its runs is the one the views show)."""
        self._draw_repeat_curves()
        last = self.state.timeline_run
        group = getattr(last, "group", None)
        self.curves.show_seeds([r.history for r in self.state.project.runs if group and r.group == group])

    @Slot()
    def _draw_repeat_curves(self) -> None:
        run, self._repeat_curves = self._repeat_curves, None
        if run is not None:
            self.curves.set_history(run.result.history, metric_name(self.state.project.task))

    @Slot(object)
    def _on_finished(self, r: TrainResult) -> None:
        acc = r.test.get("accuracy")
        self._run_message = f"{r.message} Test accuracy {acc:.3f}." if acc is not None else r.message
        self.statusBar().showMessage(self._run_message)

    @Slot(str, str)
    def _note_run_message(self, level: str, text: str) -> None:
        if level == "info":  # a run's or a Repeat's result, in the status bar
            self._run_message = text

    @Slot()
    def _on_model_changed(self) -> None:
        """A change of data or network clears the model: its run's figures (a test accuracy) then
        no longer describe what the window shows, so they leave the status bar with it."""
        if self.state.model is not None or not self._run_message:
            return
        bar = self.statusBar()
        if bar.currentMessage() == self._run_message:
            bar.showMessage("The data or the network changed since the last run: train again for "
                            "its figures.", 15_000)
        self._run_message = ""

    @Slot()
    def _refresh_actions(self) -> None:
        self._on_run_state(self.training.run_state)

    @Slot(str)
    def _on_run_state(self, s: str) -> None:
        idle = s == "idle"
        self.act_train.setEnabled(idle)  # pressed while TensorFlow loads: starts once it is ready
        self.act_stop.setEnabled(not idle)
        self.act_repeat.setEnabled(idle)
        self.act_pause.setEnabled(s in ("running", "paused"))
        self.act_step.setEnabled(s in ("idle", "running", "paused"))
        self.examples_menu.setEnabled(idle)
        # the architecture is locked while a run uses it: no undoing edits into it either
        self.act_undo.setEnabled(idle and self.undo_stack.canUndo())
        self.act_redo.setEnabled(idle and self.undo_stack.canRedo())
        if s == "paused":  # not "Training…" while nothing trains
            self.statusBar().showMessage("Paused: Step trains one more epoch, Resume goes on, Stop "
                                         "ends the run and keeps the model.")
        elif s == "running":
            self.statusBar().showMessage("Training…")
        elif s == "waiting":
            what = ("Loading TensorFlow…" if self.training.waiting_for() == "TensorFlow"
                    else "Preparing the data…")
            self.statusBar().showMessage(f"{what} training starts as soon as it is ready (Stop cancels).")

    # ----- messages -------------------------------------------------------------------------------
    @Slot(str)
    def _on_status_message(self, text: str) -> None:
        self.statusBar().setToolTip(text)

    @Slot(str, str)
    def show_message(self, level: str, text: str) -> None:
        """Errors and warnings as a dialog (no traceback, ever); info in the status bar."""
        if level == "info":
            self.statusBar().showMessage(text, 15_000)
            return
        box = QMessageBox(QMessageBox.Icon.Critical if level == "error" else QMessageBox.Icon.Warning,
                          "nnstudio", text, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.last_message = (level, text)

    def _about(self) -> None:
        QMessageBox.about(self, "About nnstudio",
                          f"<b>nnstudio {__version__}</b><br>Design, train and understand neural "
                          f"networks. Keras on TensorFlow, PySide6, pyqtgraph.")

    # ----- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.project_actions.confirm_close(event):  # unsaved changes: Save/Discard/Cancel
            return
        self.training.stop()
        self.hide()
        self.pool.stop_all()
        event.accept()
