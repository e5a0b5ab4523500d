"""The Data tab: the table, its columns and their roles, the task, the split and the preprocessing.

Everything shown comes from core (column profiles, role proposals, the fitted preprocessor); every
change goes into ``state.project`` followed by ``state.notify_data_changed()``, so the other views
(training, surface, inspector) follow. The fitted preprocessing is listed in plain words.
"""
from __future__ import annotations

import html

import pandas as pd
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data.checks import group_columns
from nnstudio.core.data.preprocess_config import (
    CATEGORICAL_ENCODINGS,
    LABELS,
    MISSING_LABELS,
    MISSING_STRATEGIES,
    NUMERIC_SCALINGS,
)
from nnstudio.core.data.profile import ColumnProfile
from nnstudio.core.data.roles import REASON_BY_USER, Roles, ignore_reason, infer_task
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.ui.data.charts import ScatterBox
from nnstudio.ui.data.checks_row import ChecksRow
from nnstudio.ui.data.column_box import ColumnBox
from nnstudio.ui.data.column_notes import planned, problems, task_or_none, task_text
from nnstudio.ui.data.combos import select_value, value_combo
from nnstudio.ui.data.csv_dialog import DATE_PARTS, FORMATTED, MARKERS, NA_IN_TEXT
from nnstudio.ui.data.data_command import push_edit
from nnstudio.ui.data.dataframe_model import ColumnsModel, DataFrameModel
from nnstudio.ui.data.rows_row import RowsRow
from nnstudio.ui.data.split_row import SplitControls
from nnstudio.ui.data.styles import WARN_COLOURS, note_style
from nnstudio.ui.state import AppState

TASK_ITEMS = [(None, "Automatic"), (Task.BINARY, "Binary classification"),
              (Task.MULTICLASS, "Multi-class classification"), (Task.REGRESSION, "Regression (a number)")]

#: a column's choices as the Edit menu names their steps ("Undo Scaling of 'age': no scaling")
CHOICES = {"kind": "Treat as", "numeric": "Scaling", "categorical": "Encoding", "missing": "Missing values",
           "spelling": "Spelling"}
SPLIT_WORDS = {"test": "test share", "val": "validation share", "order": "rows held out", "group": "groups",
               "seed": "seed", "stratify": "stratify"}


class DataPanel(QWidget):
    open_requested = Signal()
    generate_requested = Signal()  # "Generate data…": the Playground's generator (issue 21)
    sheet_requested = Signal(str)  # another sheet of the workbook the data is from
    member_requested = Signal(str)  # another table of the archive the data is from

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._column: str | None = None  # the column shown in the detail box
        self.locked = False  # True while training
        self._stack = None  # the window's undo stack (undo_stack)
        self._target_for_scatter: str | None = None

        # ----- header: what is loaded
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(note_style(WARN_COLOURS))
        self.open_btn = QPushButton("Open data…")
        self.open_btn.setToolTip("Open a CSV, TSV or text table (you can also drop a file on the window)")
        self.open_btn.clicked.connect(self.open_requested)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        # a workbook's other sheets (an archive's other tables), one choice away (as Orange's File widget offers them)
        self.sheet_label = QLabel("Sheet:")
        self.sheet_combo = QComboBox()  # or an archive's tables (_show_sheets)
        self.sheet_combo.activated.connect(self._sheet_chosen)
        head.addWidget(self.sheet_label)
        head.addWidget(self.sheet_combo)
        self.generate_btn = QPushButton("Generate data…")
        self.generate_btn.setToolTip("Make 2-D data (circles, XOR, spiral, moons, ...) with sliders for the points, "
                                     "noise and balance, or draw your own: the Playground tab")
        self.generate_btn.clicked.connect(self.generate_requested)
        head.addWidget(self.generate_btn)
        head.addWidget(self.open_btn)

        # ----- target, task, split
        self.target_combo = QComboBox()
        self.target_combo.setMinimumContentsLength(12)
        self.target_combo.setToolTip("The column the network learns to predict")
        self.target_combo.currentIndexChanged.connect(self._target_chosen)
        self.task_combo = value_combo([(t, s) for t, s in TASK_ITEMS])
        self.task_combo.setToolTip("Inferred from the target; override it, e.g. to treat whole-number "
                                   "ratings as classes or as a number")
        self.task_combo.currentIndexChanged.connect(self._task_chosen)
        self.split_controls = SplitControls(self)
        self.split_controls.changed.connect(self._split_changed)
        sc = self.split_controls
        self.test_spin, self.val_spin, self.seed_spin, self.stratify = (
            sc.test_spin, sc.val_spin, sc.seed_spin, sc.stratify)
        self.split_label = QLabel()
        self.split_label.setStyleSheet("color: #555")
        # rows left out by preprocessing: how many and why, loud (amber) when they are many
        self.rows_row = RowsRow(self)
        self.rows_row.chosen.connect(self._rows_chosen)
        self.rows_note, self.rows_btn = self.rows_row.note, self.rows_row.btn
        # what the scores depend on: a column that predicts the target alone, repeated rows
        self.checks = ChecksRow(state, self)
        self.checks.changed.connect(self._changed)
        self.checks.data_read.connect(self._data_read)
        self.checks_note, self.spell_btn, self.group_btn, self.code_btn = (
            self.checks.note, self.checks.spell_btn, self.checks.group_btn, self.checks.code_btn)
        # two rows, so the tab (and the window) can be narrower than a 1366-pixel laptop screen
        controls = QHBoxLayout()
        for text, w in (("Target:", self.target_combo), ("Task:", self.task_combo)):
            controls.addWidget(QLabel(text))
            controls.addWidget(w)
        controls.addStretch(1)
        split_row = self.split_controls.row()

        # ----- the columns
        self.columns_model = ColumnsModel(self)
        self.columns_model.use_toggled.connect(self._use_toggled)
        self.columns_view = QTableView()
        self.columns_view.setModel(self.columns_model)
        self.columns_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.columns_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.columns_view.verticalHeader().setVisible(False)
        self.columns_view.verticalHeader().setDefaultSectionSize(22)
        self.columns_view.setAlternatingRowColors(True)
        hh = self.columns_view.horizontalHeader()
        hh.setStretchLastSection(True)
        for col, width in ((ColumnsModel.USE, 56), (ColumnsModel.NAME, 118), (ColumnsModel.TYPE, 98),
                           (ColumnsModel.MISSING, 54), (ColumnsModel.UNIQUE, 54), (ColumnsModel.VALUES, 170)):
            self.columns_view.setColumnWidth(col, width)
        self.columns_view.selectionModel().currentRowChanged.connect(self._column_selected)

        # ----- rows and preprocessing (tabs under the columns)
        self.rows_model = DataFrameModel(parent=self)
        self.rows_view = QTableView()
        self.rows_view.setModel(self.rows_model)
        self.rows_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.rows_view.verticalHeader().setDefaultSectionSize(22)
        self.rows_view.horizontalHeader().setDefaultSectionSize(100)
        self.rows_view.setAlternatingRowColors(True)

        self.default_numeric = value_combo([(k, LABELS[k]) for k in NUMERIC_SCALINGS])
        self.default_categorical = value_combo([(k, LABELS[k]) for k in CATEGORICAL_ENCODINGS])
        self.default_missing = value_combo([(k, MISSING_LABELS[k]) for k in MISSING_STRATEGIES if k != "constant"])
        self.default_numeric.currentIndexChanged.connect(lambda _i: self._default_changed("numeric"))
        self.default_categorical.currentIndexChanged.connect(lambda _i: self._default_changed("categorical"))
        self.default_missing.currentIndexChanged.connect(lambda _i: self._default_changed("missing"))
        for combo in (self.default_numeric, self.default_categorical, self.default_missing):
            # long choice labels must not force the tab (and the window) wider than a laptop screen
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        defaults = QFormLayout()
        for text, w in (("Numbers:", self.default_numeric), ("Categories:", self.default_categorical),
                        ("Missing values:", self.default_missing)):
            defaults.addRow(text, w)
        self.prep_error = QLabel()
        self.prep_error.setWordWrap(True)
        self.prep_error.setStyleSheet("color: #b3261e")
        self.prep_error.setVisible(False)
        self.prep_list = QListWidget()
        self.prep_list.setWordWrap(True)
        self.prep_list.setAlternatingRowColors(True)
        self.prep_list.setToolTip("Every statistic here was computed on the training split only; the "
                                  "same numbers encode validation and test rows, new rows and exports")
        prep = QWidget()
        prep_lay = QVBoxLayout(prep)
        prep_lay.setContentsMargins(4, 4, 4, 4)
        prep_lay.addLayout(defaults)
        prep_lay.addWidget(self.prep_error)
        prep_lay.addWidget(self.prep_list, 1)
        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.addTab(prep, "Preprocessing (fitted on the training split)")
        self.bottom_tabs.addTab(self.rows_view, "Rows")

        # ----- one column in detail
        box = self.column_box = ColumnBox()
        box.role_combo.currentIndexChanged.connect(self._role_chosen)
        box.kind_combo.currentIndexChanged.connect(lambda _i: self._column_choice("kind", box.kind_combo))
        box.scaling_combo.currentIndexChanged.connect(lambda _i: self._column_choice("numeric", box.scaling_combo))
        box.encoding_combo.currentIndexChanged.connect(
            lambda _i: self._column_choice("categorical", box.encoding_combo))
        box.missing_combo.currentIndexChanged.connect(lambda _i: self._column_choice("missing", box.missing_combo))
        box.fill_edit.editingFinished.connect(self._fill_changed)
        box.spelling_combo.currentIndexChanged.connect(
            lambda _i: self._column_choice("spelling", box.spelling_combo))

        # ----- scatter of two columns, coloured by the target
        self.scatter_box = ScatterBox()
        self.scatter_box.x_combo.currentIndexChanged.connect(self.refresh_scatter)
        self.scatter_box.y_combo.currentIndexChanged.connect(self.refresh_scatter)

        # ----- layout
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.columns_view)
        left.addWidget(self.bottom_tabs)
        left.setSizes([330, 300])
        # the column's summary and the scatter as two tabs: stacked, both were squeezed to a few
        # pixels on a 1366 x 768 screen; a click on a column brings its summary to the front
        right = self.detail_tabs = QTabWidget()
        right.setDocumentMode(True)
        self.column_box.setTitle("")  # the tab names it ("Column" twice, one under the other)
        right.addTab(self.column_box, "Column")
        right.addTab(self.scatter_box, "Scatter plot")
        self.columns_view.clicked.connect(lambda _i: right.setCurrentIndex(0))
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(right)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setSizes([600, 380])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(head)
        lay.addWidget(self.note)
        lay.addLayout(controls)
        lay.addLayout(split_row)
        lay.addWidget(self.split_label)
        lay.addWidget(self.rows_row)
        lay.addWidget(self.checks)
        lay.addWidget(main, 1)
        self._editors = [self.target_combo, self.task_combo, *sc.widgets(), self.columns_view,
                         self.default_numeric,
                         self.default_categorical, self.default_missing, box.role_combo, box.kind_combo,
                         box.scaling_combo, box.encoding_combo, box.missing_combo, box.fill_edit,
                         box.spelling_combo, self.open_btn, self.generate_btn, self.rows_btn, self.sheet_combo,
                         *self.checks.buttons]

        self._prep_timer = QTimer(self, singleShot=True, interval=60)
        self._prep_timer.timeout.connect(self.refresh_preprocessing)
        state.project_changed.connect(self.refresh_all)
        state.data_changed.connect(self.refresh_roles)
        state.prepared_ready.connect(self._prep_timer.start)
        self.refresh_all()

    @property
    def undo_stack(self):
        """The window's QUndoStack: the tab's changes are undone with Ctrl+Z (None: not undoable)."""
        return self._stack

    @undo_stack.setter
    def undo_stack(self, stack) -> None:
        self._stack = self.checks.undo_stack = stack

    # ----- helpers -------------------------------------------------------------------------------
    @property
    def project(self):
        return self.state.project

    @property
    def frame(self) -> pd.DataFrame:
        return self.state.project.dataset.frame

    def _profile(self, col: str) -> ColumnProfile:
        return self.project.dataset.profile(col)

    def _roles_map(self) -> dict[str, str]:
        r = self.project.roles
        return {c: r.role_of(c) for c in self.project.dataset.columns}

    def _ordered(self, cols) -> list[str]:
        keep = set(cols)
        return [c for c in self.project.dataset.columns if c in keep]

    @Slot()
    def _changed(self) -> None:
        self.state.notify_data_changed()

    @Slot()
    def _data_read(self) -> None:
        """The table was read again (codes as missing): its columns' summaries and notes too."""
        self.state.notify_data_changed()
        self.refresh_all()

    # ----- refresh from the project -------------------------------------------------------------
    @Slot()
    def refresh_all(self) -> None:
        """A new project: rebuild every list."""
        pr = self.project
        ds = pr.dataset
        profiles = ds.profiles()
        synth = " <span style='color:#8a5300'>(synthetic)</span>" \
            if ds.synthetic and "synthetic" not in ds.name.lower() else ""
        sheet, member = ((ds.csv_options or {}).get(k) for k in ("sheet", "member"))
        where = (f", {html.escape(member)}" if member else "") + (f", sheet '{html.escape(sheet)}'" if sheet else "")
        self.title.setText(f"<b>{html.escape(ds.name)}</b>{where}{synth} · {ds.n_rows:,} rows × "
                           f"{len(ds.columns)} columns")
        self.title.setToolTip(ds.source or "")
        self._show_sheets()
        notes = [n for n in [ds.note, *ds.warnings] if n]
        if ds.missing_markers:
            notes.append("To keep such markers as values, open the file again (Open data…) and untick "
                         f"'{MARKERS}'.")
        if ds.formatted_numbers:
            notes.append("To keep such columns as text, open the file again (Open data…) and untick "
                         f"'{FORMATTED}'.")
        for switch, used in ((NA_IN_TEXT, ds.text_missing), (DATE_PARTS, ds.date_parts)):
            if used:
                notes.append(f"To read the file without this, open it again (Open data…) and untick "
                             f"'{switch}'.")
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))
        self.rows_model.set_frame(ds.frame, self._roles_map())
        self.columns_model.set_columns(profiles, self._roles_map(), {}, {})
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        for c in ds.columns:
            self.target_combo.addItem(c, c)
        self.target_combo.blockSignals(False)
        numeric = [p.name for p in profiles if ds.is_numeric(p.name) and p.kind != "empty"]
        self.scatter_box.set_columns(numeric, pr.roles.features, pr)
        self._column = None
        self.refresh_roles()
        first = pr.roles.features[0] if pr.roles.features else pr.roles.target
        self.select_column(first)

    @Slot()
    def refresh_roles(self) -> None:
        """Roles, task, split or preprocessing changed."""
        pr = self.project
        roles = self._roles_map()
        notes = {c: r for c, r in pr.roles.ignored.items()}
        for c in pr.roles.features:
            notes[c] = planned(self.project, c)
        if pr.roles.target in pr.dataset.columns:
            notes[pr.roles.target] = "the target: " + task_text(self.project)
        self.columns_model.update_roles(roles, notes, problems(self.project),
                                        [pr.profile_as_read(c) for c in pr.dataset.columns])
        self.rows_model.set_roles(roles)
        select_value(self.target_combo, pr.roles.target)
        self._sync_task_combo()
        self.split_controls.show_split(pr.split, self.task_combo.isEnabled() and task_or_none(
            self.project) not in (None, Task.REGRESSION), group_columns(pr))
        cfg = pr.preprocess
        select_value(self.default_numeric, cfg.numeric)
        select_value(self.default_categorical, cfg.categorical)
        select_value(self.default_missing, cfg.missing)
        if self._column is not None:
            self._show_detail(self._column)
        if self._target_for_scatter != pr.roles.target:
            self.refresh_scatter()
        self._prep_timer.start()

    def _sync_task_combo(self) -> None:
        pr = self.project
        try:
            inferred = infer_task(*pr.target_values())[0].label
        except (NNStudioError, KeyError):
            inferred = "the target cannot be used"
        self.task_combo.setItemText(0, f"Automatic: {inferred}")
        select_value(self.task_combo, pr.task_override)

    @Slot()
    def refresh_preprocessing(self) -> None:
        """The fitted preprocessing in plain words (or why the data cannot be prepared)."""
        self.prep_list.clear()
        if self.state.preparing:  # big data, on a worker: shown when ready (prepared_ready)
            self.prep_error.setVisible(False)
            self.split_label.setText(f"Preparing the data ({self.project.dataset.n_rows:,} rows)…")
            self._show_rows(None)
            self.checks.clear()
            return
        try:
            prepared = self.state.prepared()
        except NNStudioError as e:
            self.prep_error.setText(f"<b>{e.message}</b> {e.hint}")
            self.prep_error.setVisible(True)
            self.split_label.setText("")
            self._show_rows(None)
            self.checks.clear()
            self.columns_model.set_flagged({})
            return
        self.prep_error.setVisible(False)
        for line in prepared.describe():
            QListWidgetItem(line, self.prep_list)
        self._show_rows(prepared)
        found = self.checks.show_found(prepared, self.project)
        self.columns_model.set_flagged(found.columns)
        tr, va, te = len(prepared.X_train), len(prepared.X_val), len(prepared.X_test)
        held = f" ({prepared.held_out})" if prepared.held_out else ""
        self.split_label.setText(f"{tr:,} training · {va:,} validation · {te:,} test rows{held} → "
                                 f"{prepared.n_inputs} network inputs · {prepared.task.label}")

    def _show_rows(self, prepared) -> None:
        self.rows_row.show_rows(prepared, self.project.preprocess.missing)

    @Slot(str, str)
    def _rows_chosen(self, strategy: str, text: str) -> None:
        self._edit(text, lambda p: setattr(p.preprocess, "missing", strategy))

    def show_row(self, position: int) -> None:
        """The Rows view, on the table's row at ``position`` (0-based), selected and in view."""
        self.bottom_tabs.setCurrentWidget(self.rows_view)
        self.rows_view.selectRow(position)
        self.rows_view.scrollTo(self.rows_model.index(position, 0), QTableView.ScrollHint.PositionAtCenter)

    # ----- the column in detail -------------------------------------------------------------------
    def select_column(self, col: str) -> None:
        row = self.columns_model.row_of(col)
        if row < 0:
            return
        sm = self.columns_view.selectionModel()
        sm.setCurrentIndex(self.columns_model.index(row, ColumnsModel.NAME),
                           QItemSelectionModel.SelectionFlag.ClearAndSelect
                           | QItemSelectionModel.SelectionFlag.Rows)
        self._show_detail(col)

    @Slot(object, object)
    def _column_selected(self, current, _previous) -> None:
        if current.isValid():
            self._show_detail(self.columns_model.profile(current.row()).name)

    def _show_detail(self, col: str) -> None:
        self._column = col
        self.column_box.show_column(self.project, col)

    # ----- scatter --------------------------------------------------------------------------------
    @Slot()
    def refresh_scatter(self) -> None:
        self._target_for_scatter = self.project.roles.target
        self.scatter_box.draw(self.project)

    # ----- edits ----------------------------------------------------------------------------------
    @Slot(int)
    def _target_chosen(self, _i: int) -> None:
        col = self.target_combo.currentData()
        if col:
            self.set_target(col)

    def _edit(self, text: str, change, merge: str | None = None) -> None:
        """``change(project)`` as a step of the window's undo stack (Ctrl+Z takes it back)."""
        push_edit(self.undo_stack, self.state, text, change, self._changed, merge)

    def set_target(self, col: str) -> None:
        pr = self.project
        old = pr.roles.target
        if col == old:
            return
        feats = [c for c in pr.roles.features if c != col]
        ignored = {k: v for k, v in pr.roles.ignored.items() if k != col}
        if old in pr.dataset.columns:
            reason = ignore_reason(old, self.frame[old], self._profile(old), self.frame)
            if reason:
                ignored[old] = reason
            else:
                feats.append(old)

        def change(p) -> None:
            p.roles, p.task_override = Roles(col, self._ordered(feats), ignored), None
        self._edit(f"Target '{col}'", change)

    @Slot(str, bool)
    def _use_toggled(self, col: str, use: bool) -> None:
        self.set_use(col, use)

    def set_use(self, col: str, use: bool) -> None:
        """Use ``col`` as a feature, or ignore it."""
        pr = self.project
        if col == pr.roles.target:
            return
        feats = [c for c in pr.roles.features if c != col]
        ignored = dict(pr.roles.ignored)
        if use:
            feats.append(col)
            ignored.pop(col, None)
        else:
            ignored[col] = REASON_BY_USER
        roles = Roles(pr.roles.target, self._ordered(feats), ignored)
        self._edit(f"{'Use' if use else 'Ignore'} '{col}'", lambda p: setattr(p, "roles", roles))

    @Slot(int)
    def _role_chosen(self, _i: int) -> None:
        col, role = self._column, self.column_box.role_combo.currentData()
        if col is None:
            return
        if role == "target":
            self.set_target(col)
        else:
            if col == self.project.roles.target:  # the target cannot be un-targeted by itself
                select_value(self.column_box.role_combo, "target")
                self.column_box.detail_reason.setText("Choose another column as the target first.")
                return
            self.set_use(col, role == "feature")

    @Slot(int)
    def _task_chosen(self, _i: int) -> None:
        self.set_task(self.task_combo.currentData())

    def set_task(self, task: Task | None) -> None:
        task = Task(task) if task is not None else None
        self._edit(f"Task: {self.task_combo.itemText(self.task_combo.findData(task))}",
                   lambda p: setattr(p, "task_override", task))

    @Slot()
    def _split_changed(self) -> None:
        old, split = self.project.split, self.split_controls.config()
        what = [k for k in SPLIT_WORDS if getattr(old, k) != getattr(split, k)]
        # a spin box stepped by its arrows is one step of the Edit menu
        self._edit("Split: " + ", ".join(SPLIT_WORDS[k] for k in what), lambda p: setattr(p, "split", split),
                   merge="split " + " ".join(what))

    def _default_changed(self, key: str) -> None:
        combo = {"numeric": self.default_numeric, "categorical": self.default_categorical,
                 "missing": self.default_missing}[key]
        value = combo.currentData()
        self._edit(f"{CHOICES[key]} for every column: {combo.currentText()}",
                   lambda p: setattr(p.preprocess, key, value))

    def _column_choice(self, key: str, combo: QComboBox) -> None:
        col, value = self._column, combo.currentData()
        if col is None:
            return
        self._edit(f"{CHOICES[key]} of '{col}': {combo.currentText()}",
                   lambda p: p.preprocess.set_for_column(col, key, value))

    @Slot()
    def _fill_changed(self) -> None:
        col = self._column
        if col is None:
            return
        text = self.column_box.fill_edit.text().strip()
        try:
            value: float | str = float(text)
        except ValueError:
            value = text
        self._edit(f"Fill value of '{col}': {text}",
                   lambda p: p.preprocess.set_for_column(col, "fill_value", value))

    # ----- the workbook's sheets, an archive's tables -----------------------------------------------
    def _parts(self) -> tuple[str, list[str], str]:
        """(what the combo offers: "member" or "sheet", the names, the one read): an archive's
        tables when it holds several, else a workbook's sheets; ("", [], "") for other data."""
        ds = self.project.dataset
        o = ds.csv_options or {}
        if o.get("member") and len(ds.members) > 1:
            return "member", ds.members, o["member"]
        return ("sheet", ds.sheets, o["sheet"]) if o.get("sheet") and len(ds.sheets) > 1 else ("", [], "")

    def _show_sheets(self) -> None:
        """The sheet combo: the workbook's sheets (or the archive's tables), the one read current;
        hidden for other data."""
        kind, names, current = self._parts()
        self.sheet_combo.blockSignals(True)
        self.sheet_combo.clear()
        self.sheet_combo.addItems(names)
        self.sheet_combo.setCurrentText(current)
        self.sheet_combo.blockSignals(False)
        self.sheet_label.setText("Table:" if kind == "member" else "Sheet:")
        other = "table of this archive" if kind == "member" else "sheet of this workbook"
        self.sheet_combo.setToolTip(f"Read another {other} (your network and training settings are "
                                    "kept, as when opening other data)")
        self.sheet_label.setVisible(bool(kind))
        self.sheet_combo.setVisible(bool(kind))

    @Slot(int)
    def _sheet_chosen(self, index: int) -> None:
        name = self.sheet_combo.itemText(index)
        kind, _names, current = self._parts()
        self._show_sheets()  # the one read, until the other one is (or if that is refused)
        if name != current:
            (self.member_requested if kind == "member" else self.sheet_requested).emit(name)

    # ----- training lock ----------------------------------------------------------------------------
    @Slot(str)
    def on_run_state(self, run_state: str) -> None:
        """The data cannot change while a network trains on it (the training controller's state)."""
        idle = run_state == "idle"
        for w in self._editors:
            w.setEnabled(idle)
        if idle:
            self.split_controls.enable_as_set()
        self.locked = not idle
