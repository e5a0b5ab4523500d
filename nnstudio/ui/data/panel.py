"""The Data tab: the table, its columns and their roles, the task, the split and the preprocessing.

Everything shown comes from core (column profiles, role proposals, the fitted preprocessor); every
change goes into ``state.project`` followed by ``state.notify_data_changed()``, so the other views
(training, surface, inspector) follow. The fitted preprocessing is listed in plain words.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.data.prepared_data import LOSS_WARN_SHARE
from nnstudio.core.data.preprocess_config import (
    CATEGORICAL_ENCODINGS,
    LABELS,
    MISSING_LABELS,
    MISSING_STRATEGIES,
    NUMERIC_SCALINGS,
    SplitConfig,
)
from nnstudio.core.data.profile import ColumnProfile, fmt_number, is_numeric_dtype
from nnstudio.core.data.roles import REASON_BY_USER, Roles, ignore_reason, infer_task
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.ui.common.plots import legend_below
from nnstudio.ui.data.dataframe_model import ColumnsModel, DataFrameModel
from nnstudio.ui.state import AppState

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]
SCATTER_MAX = 5000  # points drawn in the scatter plot (a seeded random sample of bigger tables)
STACK_MAX_ROWS = 200_000  # histograms split by class up to this many rows
TASK_ITEMS = [(None, "Automatic"), (Task.BINARY, "Binary classification"),
              (Task.MULTICLASS, "Multi-class classification"), (Task.REGRESSION, "Regression (a number)")]


def _class_color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _combo(items: list[tuple[object, str]]) -> QComboBox:
    c = QComboBox()
    for data, text in items:
        c.addItem(text, data)
    return c


def _set_combo(combo: QComboBox, data) -> None:
    i = combo.findData(data)
    combo.blockSignals(True)
    combo.setCurrentIndex(max(0, i))
    combo.blockSignals(False)


class DataPanel(QWidget):
    open_requested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._column: str | None = None  # the column shown in the detail box
        self.locked = False  # True while training
        self._target_for_scatter: str | None = None

        # ----- header: what is loaded
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("QLabel { background: #fff4d6; border: 1px solid #e8c66b; "
                                "border-radius: 3px; padding: 3px 6px; color: #5c4300; }")
        self.open_btn = QPushButton("Open data…")
        self.open_btn.setToolTip("Open a CSV, TSV or text table (you can also drop a file on the window)")
        self.open_btn.clicked.connect(self.open_requested)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.open_btn)

        # ----- target, task, split
        self.target_combo = QComboBox()
        self.target_combo.setMinimumContentsLength(12)
        self.target_combo.setToolTip("The column the network learns to predict")
        self.target_combo.currentIndexChanged.connect(self._target_chosen)
        self.task_combo = _combo([(t, s) for t, s in TASK_ITEMS])
        self.task_combo.setToolTip("Inferred from the target; override it, e.g. to treat whole-number "
                                   "ratings as classes or as a number")
        self.task_combo.currentIndexChanged.connect(self._task_chosen)
        self.test_spin = QSpinBox(minimum=0, maximum=89, suffix=" %")
        self.test_spin.setToolTip("Rows kept aside to test the trained network (never used for fitting)")
        self.val_spin = QSpinBox(minimum=0, maximum=89, suffix=" % of the rest")
        self.val_spin.setToolTip("Rows of the remaining data used to watch for overfitting during "
                                 "training (like Keras' validation_split)")
        self.seed_spin = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.seed_spin.setToolTip("The same seed always gives the same split")
        self.stratify = QCheckBox("Stratify")
        self.stratify.setToolTip("Keep the class proportions the same in every split (classification)")
        for w in (self.test_spin, self.val_spin, self.seed_spin):
            w.setKeyboardTracking(False)
            w.valueChanged.connect(self._split_changed)
        self.stratify.toggled.connect(self._split_changed)
        self.split_label = QLabel()
        self.split_label.setStyleSheet("color: #555")
        # rows left out by preprocessing: how many and why, loud (amber) when they are many
        self.rows_note = QLabel()
        self.rows_note.setWordWrap(True)
        self.rows_note.setVisible(False)
        self.rows_btn = QPushButton()
        self.rows_btn.setVisible(False)
        self.rows_btn.clicked.connect(self._rows_button)
        self._rows_action: str | None = None  # the missing-value strategy rows_btn switches to
        rows_row = QHBoxLayout()
        rows_row.addWidget(self.rows_note, 1)
        rows_row.addWidget(self.rows_btn, 0, Qt.AlignmentFlag.AlignTop)
        # two rows, so the tab (and the window) can be narrower than a 1366-pixel laptop screen
        controls = QHBoxLayout()
        for text, w in (("Target:", self.target_combo), ("Task:", self.task_combo)):
            controls.addWidget(QLabel(text))
            controls.addWidget(w)
        controls.addStretch(1)
        split_row = QHBoxLayout()
        for text, w in (("Test:", self.test_spin), ("Validation:", self.val_spin), ("Seed:", self.seed_spin)):
            split_row.addWidget(QLabel(text))
            split_row.addWidget(w)
        split_row.addWidget(self.stratify)
        split_row.addStretch(1)

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

        self.default_numeric = _combo([(k, LABELS[k]) for k in NUMERIC_SCALINGS])
        self.default_categorical = _combo([(k, LABELS[k]) for k in CATEGORICAL_ENCODINGS])
        self.default_missing = _combo([(k, MISSING_LABELS[k]) for k in MISSING_STRATEGIES if k != "constant"])
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
        self.detail_title = QLabel()
        self.detail_title.setTextFormat(Qt.TextFormat.RichText)
        self.detail_stats = QLabel()
        self.detail_stats.setWordWrap(True)
        self.hist = pg.PlotWidget(background="w")
        self.hist.setMinimumHeight(100)
        self.hist.setMouseEnabled(x=False, y=False)
        self.hist.hideButtons()
        self.hist.getAxis("left").setWidth(42)
        self.hist_legend = legend_below(self.hist, labelTextSize="8pt")  # not over the bars
        self.role_combo = _combo([("feature", "Feature (an input)"), ("target", "Target (to predict)"),
                                  ("ignored", "Ignored")])
        self.role_combo.currentIndexChanged.connect(self._role_chosen)
        self.kind_combo = _combo([("auto", "Automatic"), ("number", "A number"), ("category", "A category")])
        self.kind_combo.currentIndexChanged.connect(lambda _i: self._column_choice("kind", self.kind_combo))
        self.scaling_combo = _combo([(k, LABELS[k]) for k in NUMERIC_SCALINGS])
        self.scaling_combo.currentIndexChanged.connect(lambda _i: self._column_choice("numeric", self.scaling_combo))
        self.encoding_combo = _combo([(k, LABELS[k]) for k in CATEGORICAL_ENCODINGS])
        self.encoding_combo.currentIndexChanged.connect(
            lambda _i: self._column_choice("categorical", self.encoding_combo))
        self.missing_combo = _combo([(k, MISSING_LABELS[k]) for k in MISSING_STRATEGIES])
        self.missing_combo.currentIndexChanged.connect(lambda _i: self._column_choice("missing", self.missing_combo))
        self.fill_edit = QLineEdit()
        self.fill_edit.setPlaceholderText("the constant")
        self.fill_edit.editingFinished.connect(self._fill_changed)
        self.detail_reason = QLabel()
        self.detail_reason.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Role:", self.role_combo)
        form.addRow("Treat as:", self.kind_combo)
        form.addRow("Scaling:", self.scaling_combo)
        form.addRow("Encoding:", self.encoding_combo)
        miss_row = QHBoxLayout()
        miss_row.addWidget(self.missing_combo, 1)
        miss_row.addWidget(self.fill_edit)
        form.addRow("Missing:", miss_row)
        self._form = form
        self._miss_row = miss_row
        detail = QGroupBox("Column")
        dl = QVBoxLayout(detail)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.detail_stats)
        dl.addWidget(self.hist, 1)
        dl.addWidget(self.detail_reason)
        dl.addLayout(form)

        # ----- scatter of two columns, coloured by the target
        self.x_combo = QComboBox()
        self.y_combo = QComboBox()
        self.x_combo.currentIndexChanged.connect(self.refresh_scatter)
        self.y_combo.currentIndexChanged.connect(self.refresh_scatter)
        self.scatter = pg.PlotWidget(background="w")
        self.scatter.setMinimumHeight(160)
        self.scatter.showGrid(x=True, y=True, alpha=0.2)
        self.scatter_legend = legend_below(self.scatter, labelTextSize="8pt")  # not over the points
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self.scatter_caption = QLabel()
        self.scatter_caption.setWordWrap(True)
        self.scatter_caption.setStyleSheet("color: #555")
        axes = QHBoxLayout()
        axes.addWidget(QLabel("x:"))
        axes.addWidget(self.x_combo, 1)
        axes.addWidget(QLabel("y:"))
        axes.addWidget(self.y_combo, 1)
        scat = QGroupBox("Scatter plot, coloured by the target")
        sl = QVBoxLayout(scat)
        sl.addLayout(axes)
        sl.addWidget(self.scatter, 1)
        sl.addWidget(self.scatter_caption)

        # ----- layout
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.columns_view)
        left.addWidget(self.bottom_tabs)
        left.setSizes([330, 300])
        # the column's summary and the scatter as two tabs: stacked, both were squeezed to a few
        # pixels on a 1366 x 768 screen; a click on a column brings its summary to the front
        right = self.detail_tabs = QTabWidget()
        right.setDocumentMode(True)
        right.addTab(detail, "Column")
        right.addTab(scat, "Scatter plot")
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
        lay.addLayout(rows_row)
        lay.addWidget(main, 1)
        self._editors = [self.target_combo, self.task_combo, self.test_spin, self.val_spin,
                         self.seed_spin, self.stratify, self.columns_view, self.default_numeric,
                         self.default_categorical, self.default_missing, self.role_combo,
                         self.kind_combo, self.scaling_combo, self.encoding_combo, self.missing_combo,
                         self.fill_edit, self.open_btn, self.rows_btn]

        self._prep_timer = QTimer(self, singleShot=True, interval=60)
        self._prep_timer.timeout.connect(self.refresh_preprocessing)
        state.project_changed.connect(self.refresh_all)
        state.data_changed.connect(self.refresh_roles)
        self.refresh_all()

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

    def _changed(self) -> None:
        self.state.notify_data_changed()

    def planned(self, col: str) -> str:
        """How a feature will be encoded (before fitting), in a few words."""
        p, cfg = self._profile(col), self.project.preprocess
        kind = cfg.for_column(col, "kind")
        numeric = is_numeric_dtype(self.frame[col])
        if p.kind == "empty":
            return "empty"
        if numeric and kind != "category":
            if p.kind == "binary" and p.integer and (p.min, p.max) == (0, 1) and kind != "number":
                text = "0/1, used as is"
            else:
                text = LABELS[cfg.for_column(col, "numeric")]
        elif p.unique == 2 and kind != "number":
            a, b = sorted(v for v, _ in p.top[:2])
            text = f"two values: {a} → 0, {b} → 1"
        else:
            text = LABELS[cfg.for_column(col, "categorical")] + f" ({p.unique} categories)"
        if p.missing:
            how = cfg.for_column(col, "missing")
            how = "automatic" if how == "auto" else MISSING_LABELS[how]
            text += f"; {p.missing:,} missing: {how}"
        return text

    def _problems(self) -> dict[str, str]:
        """Columns that cannot be used as they are, with what to do (shown in red)."""
        out = {}
        pr = self.project
        cfg = pr.preprocess
        for c in pr.roles.features:
            p = self._profile(c)
            if p.kind == "mixed" and cfg.for_column(c, "kind") != "category":
                out[c] = (f"{p.stray_count:,} values are not numbers: {p.stray_text(2)} — reopen the "
                          f"file with them as missing values, or ignore the column")
            elif p.n_inf and cfg.for_column(c, "kind") != "category":
                out[c] = f"{p.n_inf:,} infinite values — reopen the file with inf as missing, or ignore it"
            elif p.kind == "empty":
                out[c] = "empty — ignore it"
        t = pr.roles.target
        if t in pr.dataset.columns:
            try:
                infer_task(self.frame[t], self._profile(t))
            except NNStudioError as e:
                out[t] = e.message
        return out

    # ----- refresh from the project -------------------------------------------------------------
    @Slot()
    def refresh_all(self) -> None:
        """A new project: rebuild every list."""
        pr = self.project
        ds = pr.dataset
        profiles = ds.profiles()
        synth = " <span style='color:#8a5300'>(synthetic)</span>" \
            if ds.synthetic and "synthetic" not in ds.name.lower() else ""
        self.title.setText(f"<b>{ds.name}</b>{synth} · {ds.n_rows:,} rows × {len(ds.columns)} columns")
        self.title.setToolTip(ds.source or "")
        notes = [n for n in [ds.note, *ds.warnings] if n]
        if ds.missing_markers:
            notes.append("To keep such markers as values, open the file again (Open data…) and untick "
                         "'Read ?, -, NA… in number columns as missing'.")
        self.note.setText("\n".join(notes))
        self.note.setVisible(bool(notes))
        self.rows_model.set_frame(ds.frame, self._roles_map())
        self.columns_model.set_columns(profiles, self._roles_map(), {}, {})
        self.target_combo.blockSignals(True)
        self.target_combo.clear()
        for c in ds.columns:
            self.target_combo.addItem(c, c)
        self.target_combo.blockSignals(False)
        numeric = [p.name for p in profiles if is_numeric_dtype(ds.frame[p.name]) and p.kind != "empty"]
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            for c in numeric:
                combo.addItem(c, c)
            combo.blockSignals(False)
        feats = [c for c in pr.roles.features if c in numeric] or numeric
        if feats:
            _set_combo(self.x_combo, feats[0])
            _set_combo(self.y_combo, feats[1] if len(feats) > 1 else feats[0])
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
            notes[c] = self.planned(c)
        if pr.roles.target in pr.dataset.columns:
            notes[pr.roles.target] = "the target: " + self._task_text()
        self.columns_model.update_roles(roles, notes, self._problems())
        self.rows_model.set_roles(roles)
        _set_combo(self.target_combo, pr.roles.target)
        self._sync_task_combo()
        s = pr.split
        for w, v in ((self.test_spin, round(s.test * 100)), (self.val_spin, round(s.val * 100)),
                     (self.seed_spin, int(s.seed))):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        self.stratify.blockSignals(True)
        self.stratify.setChecked(bool(s.stratify))
        self.stratify.blockSignals(False)
        self.stratify.setEnabled(self.task_combo.isEnabled() and self._task_or_none() not in (None, Task.REGRESSION))
        cfg = pr.preprocess
        _set_combo(self.default_numeric, cfg.numeric)
        _set_combo(self.default_categorical, cfg.categorical)
        _set_combo(self.default_missing, cfg.missing)
        if self._column is not None:
            self._show_detail(self._column)
        if self._target_for_scatter != pr.roles.target:
            self.refresh_scatter()
        self._prep_timer.start()

    def _task_or_none(self) -> Task | None:
        try:
            return self.project.task
        except NNStudioError:
            return None

    def _task_text(self) -> str:
        t = self._task_or_none()
        if t is None:
            return "cannot be used as it is"
        how = "chosen by you" if self.project.task_override is not None else "inferred"
        return f"{t.label} ({how})"

    def _sync_task_combo(self) -> None:
        pr = self.project
        try:
            inferred = infer_task(self.frame[pr.roles.target], self._profile(pr.roles.target))[0].label
        except (NNStudioError, KeyError):
            inferred = "the target cannot be used"
        self.task_combo.setItemText(0, f"Automatic: {inferred}")
        _set_combo(self.task_combo, pr.task_override)

    @Slot()
    def refresh_preprocessing(self) -> None:
        """The fitted preprocessing in plain words (or why the data cannot be prepared)."""
        self.prep_list.clear()
        try:
            prepared = self.state.prepared()
        except NNStudioError as e:
            self.prep_error.setText(f"<b>{e.message}</b> {e.hint}")
            self.prep_error.setVisible(True)
            self.split_label.setText("")
            self._show_rows(None)
            return
        self.prep_error.setVisible(False)
        for line in prepared.describe():
            QListWidgetItem(line, self.prep_list)
        self._show_rows(prepared)
        tr, va, te = len(prepared.X_train), len(prepared.X_val), len(prepared.X_test)
        self.split_label.setText(f"{tr:,} training · {va:,} validation · {te:,} test rows → "
                                 f"{prepared.n_inputs} network inputs · {prepared.task.label}")

    def _show_rows(self, prepared) -> None:
        """Rows left out (how many, why) and the one-click switch between dropping and filling."""
        self._rows_action = None
        if prepared is None:
            self.rows_note.setVisible(False)
            self.rows_btn.setVisible(False)
            return
        cfg = self.project.preprocess
        lines = prepared.warnings() or prepared.dropped_text()
        loud = prepared.dropped_share > LOSS_WARN_SHARE
        if prepared.dropped_missing:
            # dropping rows with missing values: filling them is one click away
            self._rows_action = "auto" if cfg.missing != "auto" else "median"
            self.rows_btn.setText("Fill missing values instead")
            self.rows_btn.setToolTip("Missing values: fill numbers with the training median and give "
                                     "text its own '(missing)' category, so these rows are kept")
        elif prepared.missing_note and cfg.missing == "auto":
            lines = [*lines, prepared.missing_note]
            self._rows_action = "drop"
            self.rows_btn.setText("Drop those rows instead")
            self.rows_btn.setToolTip("Missing values: drop every row that has one (in every split)")
        if not lines:
            self.rows_note.setVisible(False)
            self.rows_btn.setVisible(False)
            return
        style = ("background: #fff4d6; border: 1px solid #e8c66b; color: #5c4300;" if loud
                 else "background: #eef3f8; border: 1px solid #c5d3e2; color: #2b3a4a;")
        self.rows_note.setStyleSheet(f"QLabel {{ {style} border-radius: 3px; padding: 3px 6px; }}")
        self.rows_note.setText(("⚠ " if loud else "") + " ".join(lines))
        self.rows_note.setVisible(True)
        self.rows_btn.setVisible(self._rows_action is not None)

    @Slot()
    def _rows_button(self) -> None:
        if self._rows_action is None:
            return
        self.project.preprocess.missing = self._rows_action
        self._changed()

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
        pr = self.project
        p = self._profile(col)
        role = pr.roles.role_of(col)
        self.detail_title.setText(f"<b>{col}</b> — {p.type_label}")
        parts = [f"{p.n - p.missing:,} values", f"{p.missing:,} missing", f"{p.unique:,} unique"]
        if p.min is not None and p.kind in ("number", "binary", "mixed"):
            parts.append(f"min {fmt_number(p.min)}, max {fmt_number(p.max)}, mean {fmt_number(p.mean)}"
                         + (f", sd {fmt_number(p.sd)}" if p.sd is not None else ""))
        elif p.top:
            short = [(v if len(v) <= 30 else v[:29] + "…", c) for v, c in p.top[:3]]  # sentences
            parts.append("most frequent: " + ", ".join(f"{v} ({c:,})" for v, c in short))
        self.detail_stats.setText(" · ".join(parts))
        why = ""
        if role == "ignored":
            why = f"Ignored: {pr.roles.ignored.get(col, REASON_BY_USER)}."
        problem = self._problems().get(col)
        if problem:
            why = f"<span style='color:#b3261e'>{problem}.</span>"
        elif role == "feature":
            why = f"Encoded as: {self.planned(col)}."
        elif role == "target":
            why = f"The target: {self._task_text()}."
        self.detail_reason.setText(why)
        _set_combo(self.role_combo, role)
        cfg = pr.preprocess
        numeric = is_numeric_dtype(self.frame[col])
        kind = cfg.for_column(col, "kind")
        as_number = numeric and kind != "category"
        _set_combo(self.kind_combo, kind)
        _set_combo(self.scaling_combo, cfg.for_column(col, "numeric"))
        _set_combo(self.encoding_combo, cfg.for_column(col, "categorical"))
        _set_combo(self.missing_combo, cfg.for_column(col, "missing"))
        fill = cfg.for_column(col, "fill_value")
        self.fill_edit.setText(str(fill))
        feature = role == "feature"
        for w, show in ((self.kind_combo, feature and numeric), (self.scaling_combo, feature and as_number),
                        (self.encoding_combo, feature and not as_number and p.unique != 2),
                        (self.missing_combo, feature),
                        (self.fill_edit, feature and cfg.for_column(col, "missing") == "constant")):
            w.setVisible(show)
            label = self._form.labelForField(self._miss_row if w is self.missing_combo else w)
            if label is not None:
                label.setVisible(show)
        self._draw_histogram(col, p)

    def _draw_histogram(self, col: str, p: ColumnProfile) -> None:
        self.hist.clear()
        if self.hist_legend is not None:
            self.hist_legend.clear()
        ax = self.hist.getAxis("bottom")
        ax.setTicks(None)
        pr = self.project
        frame = self.frame
        target = pr.roles.target
        split_by = None
        if col != target and target in frame.columns and len(frame) <= STACK_MAX_ROWS:
            tgt = frame[target]
            classes = sorted(tgt.dropna().unique().tolist(), key=str)
            if 2 <= len(classes) <= 10 and self._task_or_none() not in (None, Task.REGRESSION):
                split_by = (tgt, classes)
        numeric_hist = bool(p.hist_counts) and p.kind in ("number", "binary")
        if numeric_hist:
            edges = np.asarray(p.hist_edges, float)
            if len(edges) == 2 * len(p.hist_counts) and p.integer:  # one bar per whole value
                lefts, rights = edges[0::2], edges[1::2]
            else:
                lefts, rights = edges[:-1], edges[1:]
            x, w = (lefts + rights) / 2, (rights - lefts)
            if split_by is None:
                self.hist.addItem(pg.BarGraphItem(x=x, height=p.hist_counts, width=w * 0.95,
                                                  brush="#6b8fbf", pen=pg.mkPen("#4a6a94")))
            else:
                v = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
                bins = np.r_[lefts, rights[-1]] if len(lefts) else np.array([0, 1])
                base = np.zeros(len(x))
                tgt, classes = split_by
                for i, c in enumerate(classes):
                    m = (tgt == c).to_numpy() & np.isfinite(v)
                    if p.integer and len(edges) == 2 * len(p.hist_counts):
                        counts = np.array([np.sum(v[m] == xv) for xv in np.round(x)])
                    else:
                        counts, _ = np.histogram(v[m], bins=bins)
                    self.hist.addItem(pg.BarGraphItem(x=x, y0=base, height=counts, width=w * 0.95,
                                                      brush=_class_color(i), pen=pg.mkPen("w", width=0.5),
                                                      name=f"{target} = {c}"))
                    base = base + counts
            self.hist.setLabel("bottom", col)
        else:
            top = p.top[:12]
            if not top:
                self.hist.setLabel("bottom", "no values")
                return
            labels = [v if len(v) <= 12 else v[:11] + "…" for v, _ in top]
            x = np.arange(len(top))
            if split_by is None:
                self.hist.addItem(pg.BarGraphItem(x=x, height=[c for _, c in top], width=0.8,
                                                  brush="#6b8fbf", pen=pg.mkPen("#4a6a94")))
            else:
                tgt, classes = split_by
                keys = frame[col].astype(str).where(frame[col].notna())
                base = np.zeros(len(top))
                for i, c in enumerate(classes):
                    vc = keys[(tgt == c).to_numpy()].value_counts()
                    counts = np.array([vc.get(v, 0) for v, _ in top], float)
                    self.hist.addItem(pg.BarGraphItem(x=x, y0=base, height=counts, width=0.8,
                                                      brush=_class_color(i), pen=pg.mkPen("w", width=0.5),
                                                      name=f"{target} = {c}"))
                    base = base + counts
            ax.setTicks([list(zip(x.tolist(), labels))])
            more = f" (the {len(top)} most frequent of {p.unique:,})" if p.unique > len(top) else ""
            self.hist.setLabel("bottom", col + more)
        self.hist.setLabel("left", "rows")

    # ----- scatter --------------------------------------------------------------------------------
    @Slot()
    def refresh_scatter(self) -> None:
        for it in self.scatter_items:
            self.scatter.removeItem(it)
        self.scatter_items.clear()
        if self.scatter_legend is not None:
            self.scatter_legend.clear()
        pr = self.project
        frame = self.frame
        self._target_for_scatter = pr.roles.target
        fx, fy = self.x_combo.currentData(), self.y_combo.currentData()
        if fx is None or fy is None:
            self.scatter_caption.setText("The table has no numeric columns to plot.")
            return
        n = len(frame)
        rows = np.arange(n)
        if n > SCATTER_MAX:
            rows = np.sort(np.random.default_rng(0).choice(n, SCATTER_MAX, replace=False))
        x = pd.to_numeric(frame[fx].iloc[rows], errors="coerce").to_numpy(float)
        y = pd.to_numeric(frame[fy].iloc[rows], errors="coerce").to_numpy(float)
        target = pr.roles.target
        tgt = frame[target].iloc[rows] if target in frame.columns else None
        ok = np.isfinite(x) & np.isfinite(y)
        self.scatter.setLabel("bottom", fx)
        self.scatter.setLabel("left", fy)
        sample = f"a random {len(rows):,} of {n:,} rows" if n > SCATTER_MAX else f"{n:,} rows"
        task = self._task_or_none()
        if tgt is not None and task in (Task.BINARY, Task.MULTICLASS):
            classes = sorted(tgt.dropna().unique().tolist(), key=str)
            if len(classes) <= len(PALETTE):
                for i, c in enumerate(classes):
                    m = ok & (tgt == c).to_numpy()
                    color = pg.mkColor(_class_color(i))
                    color.setAlpha(150)  # see-through, so the most frequent class does not hide the rest
                    it = pg.ScatterPlotItem(x[m], y[m], size=5, pen=None, brush=pg.mkBrush(color),
                                            name=f"{target} = {c}")
                    self.scatter.addItem(it)
                    self.scatter_items.append(it)
                self.scatter_caption.setText(f"{fx} against {fy}, {sample}, coloured by {target}.")
                return
        if tgt is not None and task is Task.REGRESSION:
            v = pd.to_numeric(tgt, errors="coerce").to_numpy(float)
            m = ok & np.isfinite(v)
            lo, hi = (float(np.min(v[m])), float(np.max(v[m]))) if m.any() else (0.0, 1.0)
            cmap = pg.colormap.get("viridis")
            colors = cmap.map((v[m] - lo) / (hi - lo if hi > lo else 1.0), mode="qcolor")
            it = pg.ScatterPlotItem(x[m], y[m], size=5, pen=None, brush=[pg.mkBrush(c) for c in colors])
            self.scatter.addItem(it)
            self.scatter_items.append(it)
            self.scatter_caption.setText(f"{fx} against {fy}, {sample}; colour: {target} from "
                                         f"{fmt_number(lo)} (purple) to {fmt_number(hi)} (yellow).")
            return
        it = pg.ScatterPlotItem(x[ok], y[ok], size=5, pen=None, brush=pg.mkBrush("#1f77b4"))
        self.scatter.addItem(it)
        self.scatter_items.append(it)
        self.scatter_caption.setText(f"{fx} against {fy}, {sample}.")

    # ----- edits ----------------------------------------------------------------------------------
    @Slot(int)
    def _target_chosen(self, _i: int) -> None:
        col = self.target_combo.currentData()
        if col:
            self.set_target(col)

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
        pr.roles = Roles(col, self._ordered(feats), ignored)
        pr.task_override = None
        self._changed()

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
        pr.roles = Roles(pr.roles.target, self._ordered(feats), ignored)
        self._changed()

    @Slot(int)
    def _role_chosen(self, _i: int) -> None:
        col, role = self._column, self.role_combo.currentData()
        if col is None:
            return
        if role == "target":
            self.set_target(col)
        else:
            if col == self.project.roles.target:  # the target cannot be un-targeted by itself
                _set_combo(self.role_combo, "target")
                self.detail_reason.setText("Choose another column as the target first.")
                return
            self.set_use(col, role == "feature")

    @Slot(int)
    def _task_chosen(self, _i: int) -> None:
        self.set_task(self.task_combo.currentData())

    def set_task(self, task: Task | None) -> None:
        self.project.task_override = Task(task) if task is not None else None
        self._changed()

    @Slot()
    def _split_changed(self) -> None:
        self.project.split = SplitConfig(test=self.test_spin.value() / 100, val=self.val_spin.value() / 100,
                                         seed=self.seed_spin.value(), stratify=self.stratify.isChecked())
        self._changed()

    def _default_changed(self, key: str) -> None:
        combo = {"numeric": self.default_numeric, "categorical": self.default_categorical,
                 "missing": self.default_missing}[key]
        setattr(self.project.preprocess, key, combo.currentData())
        self._changed()

    def _column_choice(self, key: str, combo: QComboBox) -> None:
        if self._column is None:
            return
        self.project.preprocess.set_for_column(self._column, key, combo.currentData())
        self._changed()

    @Slot()
    def _fill_changed(self) -> None:
        if self._column is None:
            return
        text = self.fill_edit.text().strip()
        try:
            value: float | str = float(text)
        except ValueError:
            value = text
        cfg = self.project.preprocess
        if cfg.for_column(self._column, "fill_value") != value:
            cfg.set_for_column(self._column, "fill_value", value)
            self._changed()

    # ----- training lock ----------------------------------------------------------------------------
    @Slot(str)
    def on_run_state(self, run_state: str) -> None:
        """The data cannot change while a network trains on it (the training controller's state)."""
        idle = run_state == "idle"
        for w in self._editors:
            w.setEnabled(idle)
        self.locked = not idle
