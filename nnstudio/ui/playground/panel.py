"""The Playground tab: make data (generator sliders, or draw points), choose the inputs the network
sees (x, y and engineered ones), and take on a challenge.

Every change becomes a project change through AppState (``set_project`` for new data,
``notify_data_changed`` for new inputs), so the Training tab's surface, the network view and the
Data tab's preprocessing list follow at once. Slider drags are coalesced (one regeneration per
``REGENERATE_MS``), and so are drawn points (``DRAW_MS``).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from superqt import QLabeledDoubleSlider, QLabeledSlider

from nnstudio.core import challenge as core_challenge
from nnstudio.core.data import features as core_features
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.engineered import engineered_formulas
from nnstudio.core.data.generate import LABEL, SHAPE_LABELS, SHAPES, Recipe, recipe_of
from nnstudio.core.data.preprocess import MAX_MAGNITUDE
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import Task
from nnstudio.core.project import Project
from nnstudio.ui.playground.challenge_box import ChallengeBox
from nnstudio.ui.playground.plot import DataPlot

REGENERATE_MS = 120
DRAW_MS = 300
#: The inputs offered as toggles, with how they read.
TOGGLES = [("x", "x"), ("y", "y"), ("x^2", "x²"), ("y^2", "y²"), ("x*y", "x·y"),
           ("sin(x)", "sin(x)"), ("cos(x)", "cos(x)"), ("sin(y)", "sin(y)"), ("cos(y)", "cos(y)")]
DRAWN_NAME = "Drawn points"


#: Points of another table of two inputs drawn at most (a seeded sample beyond).
MAX_OTHER_POINTS = 5000


def is_playground_data(project: Project) -> bool:
    """Data with x and y and a label or value target: generated or drawn. (A user's table of the
    same names is not: its labels may be text, 'cat' and 'dog', where the Playground's are class
    numbers.)"""
    frame, target = project.dataset.frame, project.roles.target
    if not ({"x", "y"} <= set(frame.columns) and target in ("label", "value") and len(frame.columns) == 3):
        return False
    number = pd.api.types.is_numeric_dtype
    return number(frame["x"]) and number(frame["y"]) and \
        (pd.api.types.is_integer_dtype(frame[target]) if target == "label" else number(frame[target]))


class PlaygroundPanel(QWidget):
    def __init__(self, state, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._syncing = False
        self._running = False  # a network trains on the data: its inputs are locked
        self.points: pd.DataFrame | None = None  # drawn points not yet given to the project
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        lay.addLayout(left, 0)
        left.addWidget(self._generator_box())
        left.addWidget(self._inputs_box())
        self.challenge = ChallengeBox(state, self)
        self.challenge.locks_changed.connect(self._apply_locks)
        self.challenge.started.connect(self._show_note)
        left.addWidget(self.challenge)
        left.addStretch(1)
        right = QVBoxLayout()
        lay.addLayout(right, 1)
        right.addWidget(self._draw_box())
        self.plot = DataPlot()
        self.plot.setMinimumSize(320, 320)
        self.plot.vb.events.add_requested.connect(self.add_point)
        self.plot.vb.events.erase_requested.connect(self.erase_near)
        right.addWidget(self.plot, 1)
        self.note = QLabel()
        self.note.setWordWrap(True)
        right.addWidget(self.note)
        self._regen = QTimer(self, singleShot=True, interval=REGENERATE_MS, timeout=self.regenerate)
        self._drawn = QTimer(self, singleShot=True, interval=DRAW_MS, timeout=self.commit_points)
        state.project_changed.connect(self._sync_from_state)
        state.data_changed.connect(self._sync_from_state)
        self._sync_from_state()

    # ----- building ------------------------------------------------------------------------------
    def _generator_box(self) -> QGroupBox:
        box = QGroupBox("Generate data")
        form = QFormLayout(box)
        self.shape = QComboBox()
        for s in SHAPES:
            self.shape.addItem(SHAPE_LABELS[s], s)
        self.rows = QLabeledSlider(Qt.Orientation.Horizontal)
        self.rows.setRange(20, 2000)
        self.rows.setSingleStep(10)
        self.rows.setValue(400)
        self.noise = self._double_slider(0.0, 1.0, 0.1)
        self.balance = self._double_slider(0.1, 0.9, 0.5)
        self.test = self._double_slider(0.1, 0.9, 0.5)
        self.seed = QSpinBox()
        self.seed.setRange(0, 99_999)
        self.generate_btn = QPushButton("Generate")
        self.generate_btn.setToolTip("Make this data the project's (the sliders then change it live)")
        self.generate_btn.clicked.connect(self.regenerate)
        form.addRow("Shape", self.shape)
        form.addRow("Points", self.rows)
        form.addRow("Noise", self.noise)
        form.addRow("Class 1 share", self.balance)
        form.addRow("Test share", self.test)
        form.addRow("Seed", self.seed)
        form.addRow(self.generate_btn)
        self.shape.currentIndexChanged.connect(self._schedule)
        for w in (self.rows, self.noise, self.balance, self.test):
            w.valueChanged.connect(self._schedule)
        self.seed.valueChanged.connect(self._schedule)
        self.generator_widgets = [self.shape, self.rows, self.noise, self.balance, self.test,
                                  self.seed, self.generate_btn]
        return box

    @staticmethod
    def _double_slider(lo: float, hi: float, value: float) -> QLabeledDoubleSlider:
        s = QLabeledDoubleSlider(Qt.Orientation.Horizontal)
        s.setRange(lo, hi)
        s.setSingleStep(0.01)
        s.setDecimals(2)
        s.setValue(value)
        return s

    def _inputs_box(self) -> QGroupBox:
        box = QGroupBox("Inputs the network sees")
        lay = QVBoxLayout(box)
        grid = QGridLayout()
        self.toggles: dict[str, QCheckBox] = {}
        for i, (name, label) in enumerate(TOGGLES):
            cb = QCheckBox(label)
            cb.setToolTip(f"the input {name}" if name in ("x", "y") else f"the engineered input {name}")
            cb.toggled.connect(self._inputs_changed)
            self.toggles[name] = cb
            grid.addWidget(cb, i // 3, i % 3)
        lay.addLayout(grid)
        row = QHBoxLayout()
        self.formula = QLineEdit()
        self.formula.setPlaceholderText("formula, e.g. x**2 + y**2")
        self.formula.returnPressed.connect(self.add_formula)
        self.add_formula_btn = QPushButton("Add")
        self.add_formula_btn.clicked.connect(self.add_formula)
        row.addWidget(self.formula, 1)
        row.addWidget(self.add_formula_btn)
        lay.addLayout(row)
        self.custom = QWidget()
        self.custom_lay = QHBoxLayout(self.custom)
        self.custom_lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.custom)
        self.inputs_msg = QLabel()
        self.inputs_msg.setWordWrap(True)
        lay.addWidget(self.inputs_msg)
        self.inputs_widgets = [*self.toggles.values(), self.formula, self.add_formula_btn, self.custom]
        return box

    def _draw_box(self) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)  # the row sets the tab's width: at 1280 x 720 it was 3 px too wide (a sideways scroll bar)
        self.draw_on = QCheckBox("Draw points")
        self.draw_on.setToolTip("Click or drag on the plot to add points of the chosen class")
        self.draw_on.toggled.connect(self._draw_mode)
        self.class0, self.class1 = QRadioButton("class 0"), QRadioButton("class 1")
        self.erase = QRadioButton("erase")
        self.class1.setChecked(True)
        group = QButtonGroup(w)
        for b in (self.class0, self.class1, self.erase):
            group.addButton(b)
            b.toggled.connect(self._draw_mode)
        self.clear_btn = QPushButton("Clear")
        self.clear_btn.clicked.connect(self.clear_points)
        for x in (self.draw_on, self.class0, self.class1, self.erase, self.clear_btn):
            row.addWidget(x)
        row.addStretch(1)
        self.save_btn = QPushButton("Save as CSV…")
        self.save_btn.setToolTip("Write the points shown (generated or drawn) to a CSV file")
        self.save_btn.clicked.connect(self._ask_save_csv)
        row.addWidget(self.save_btn)
        self.draw_widgets = [self.draw_on, self.class0, self.class1, self.erase, self.clear_btn]
        return w

    # ----- generated data ------------------------------------------------------------------------
    def recipe(self) -> Recipe:
        return Recipe(self.shape.currentData(), int(self.rows.value()), round(self.noise.value(), 2),
                      round(self.balance.value(), 2), round(self.test.value(), 2), int(self.seed.value()))

    @Slot()
    def _schedule(self) -> None:
        if not self._syncing:
            self._regen.start()

    @Slot()
    def regenerate(self) -> None:
        """The sliders' data as the project's, keeping the network, settings and chosen inputs."""
        if self.state.training:
            self.note.setText("Training is running: the data changes when it stops.")
            return
        try:
            recipe = self.recipe().check()
        except NNStudioError as e:
            self.note.setText(e.user_text())
            return
        self._set_data(Project.from_recipe(recipe, self._base()))
        self.note.setText(f"{recipe.title()}; test share {recipe.test:g}.")

    def _base(self) -> Project | None:
        p = self.state.project
        return p if is_playground_data(p) else None

    def _set_data(self, project: Project) -> None:
        inputs = self.chosen_inputs() if self._base() is not None else ["x", "y"]
        try:
            core_challenge.apply_start(project, None, inputs)
        except NNStudioError:
            core_challenge.apply_start(project, None, ["x", "y"])
        self.state.set_project(project)

    # ----- drawn points --------------------------------------------------------------------------
    def _current_points(self) -> pd.DataFrame:
        if self.points is not None:
            return self.points
        p = self.state.project
        if is_playground_data(p) and p.roles.target == LABEL:
            return p.dataset.frame[["x", "y", LABEL]].copy()
        return pd.DataFrame({"x": [], "y": [], LABEL: []}).astype({LABEL: int})

    @Slot(float, float)
    def add_point(self, x: float, y: float) -> None:
        pts = self._current_points()
        cls = 0 if self.class0.isChecked() else 1
        self.points = pd.concat([pts, pd.DataFrame({"x": [round(x, 4)], "y": [round(y, 4)], LABEL: [cls]})],
                                ignore_index=True)
        self._show(self.points)
        self._drawn.start()

    @Slot(float, float)
    def erase_near(self, x: float, y: float, radius: float = 0.08) -> None:
        pts = self._current_points()
        keep = np.hypot(pts["x"] - x, pts["y"] - y) > radius
        self.points = pts.loc[keep].reset_index(drop=True)
        self._show(self.points)
        self._drawn.start()

    @Slot()
    def clear_points(self) -> None:
        self.points = self._current_points().iloc[0:0]
        self._show(self.points)
        self._drawn.start()

    @Slot()
    def commit_points(self) -> None:
        """The drawn points as the project's data (once there are two points of each class)."""
        pts = self.points
        if pts is None:
            return
        counts = pts[LABEL].value_counts()
        if len(counts) < 2 or counts.min() < 2:
            self.note.setText(f"{len(pts)} points drawn: draw at least two points of each class to train.")
            return
        if self.state.training:
            self.note.setText("Training is running: the drawn points are used when it stops.")
            return
        ds = Dataset(pts.astype({LABEL: int}).reset_index(drop=True), DRAWN_NAME, None, True,
                     "Points drawn in the Playground.")
        base = self._base()
        project = Project.from_dataset(ds, LABEL)
        if base is not None:
            project.spec, project.settings = base.spec.copy(), replace(base.settings)
            project.preprocess, project.split = replace(base.preprocess), base.split
        self.points = None
        self._set_data(project)
        self.note.setText(f"{len(pts)} drawn points: {counts.get(0, 0)} of class 0, {counts.get(1, 0)} "
                          f"of class 1. Train to see them learned.")

    @Slot()
    def _draw_mode(self) -> None:
        self.plot.vb.drawing = self.draw_on.isChecked()
        self.plot.vb.erasing = self.erase.isChecked()
        self.plot.vb.setMouseEnabled(not self.plot.vb.drawing, not self.plot.vb.drawing)

    @Slot()
    def _ask_save_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the points as CSV", "points.csv", "CSV (*.csv)")
        if path:
            self.save_csv(path)

    def save_csv(self, path: str) -> None:
        """The points shown (the project's generated or drawn rows) as CSV; says what it wrote."""
        frame = self.points if self.points is not None else self.state.project.dataset.frame
        try:
            frame.to_csv(path, index=False)
        except OSError as e:
            self.note.setText(f"Cannot write '{path}': {e.strerror or e}. Choose a folder you can write to.")
            return
        self.note.setText(f"Wrote {len(frame):,} points to {path}.")

    # ----- inputs --------------------------------------------------------------------------------
    def chosen_inputs(self) -> list[str]:
        out = [n for n, cb in self.toggles.items() if cb.isChecked()]
        for i in range(self.custom_lay.count()):
            cb = self.custom_lay.itemAt(i).widget()
            if isinstance(cb, QCheckBox) and cb.isChecked():
                out.append(cb.property("formula"))
        return out

    @Slot()
    def _inputs_changed(self) -> None:
        if self._syncing:
            return
        if self.state.training:  # locked (on_run_state); a change made anyway is undone
            self.inputs_msg.setText("<span style='color:#b00020'>Training is running: the "
                                    "inputs cannot change until it stops.</span>")
            self._sync_from_state()
            return
        project = self.state.project
        before = (project.roles, project.preprocess)
        try:
            if is_playground_data(project):
                inputs = self.chosen_inputs()
                if not inputs:
                    raise NNStudioError("Choose at least one input.")
                core_challenge.apply_start(project, None, inputs)
            else:  # other data: the formulas only; its columns are chosen in the Data tab
                formulas = [f for f in self.chosen_inputs() if f not in ("x", "y")]
                project.preprocess = replace(project.preprocess, engineered=formulas)
            for f in engineered_formulas(project.dataset, project.roles, project.preprocess):
                core_features.check_values(f, project.dataset.frame)
        except NNStudioError as e:
            project.roles, project.preprocess = before
            self.inputs_msg.setText(f"<span style='color:#b00020'>{e.user_text()}</span>")
            self._sync_from_state()
            return
        self.inputs_msg.setText("")
        self.state.notify_data_changed()

    @Slot()
    def add_formula(self) -> None:
        text = self.formula.text().strip()
        p = self.state.project
        numbers = [c for c in p.dataset.columns
                   if c != p.roles.target and pd.api.types.is_numeric_dtype(p.dataset.frame[c])]
        try:
            core_features.parse(text, numbers)
        except NNStudioError as e:
            self.inputs_msg.setText(f"<span style='color:#b00020'>{e.user_text()}</span>")
            return
        if text not in self.toggles and text not in self._custom_formulas():
            self._add_custom(text, True)
        self.formula.clear()
        self._inputs_changed()

    def _custom_formulas(self) -> list[str]:
        return [self.custom_lay.itemAt(i).widget().property("formula") for i in range(self.custom_lay.count())]

    def _add_custom(self, text: str, checked: bool) -> None:
        cb = QCheckBox(text)
        cb.setProperty("formula", text)
        cb.setChecked(checked)
        cb.toggled.connect(self._inputs_changed)
        self.custom_lay.addWidget(cb)

    @Slot(str)
    def _show_note(self, text: str) -> None:
        self.note.setText(text)

    # ----- following the state -------------------------------------------------------------------
    @Slot()
    def _sync_from_state(self) -> None:
        p = self.state.project
        ours = is_playground_data(p)
        self._syncing = True
        try:
            recipe = recipe_of(p.dataset)
            if recipe is not None:
                self.shape.setCurrentIndex(SHAPES.index(recipe.shape))
                self.rows.setValue(recipe.rows)
                self.noise.setValue(recipe.noise)
                self.balance.setValue(recipe.balance)
                self.test.setValue(recipe.test)
                self.seed.setValue(recipe.seed)
            chosen = [*p.roles.features, *p.preprocess.engineered] if ours else list(p.preprocess.engineered)
            for name, cb in self.toggles.items():
                cb.setChecked(name in chosen)
            for text in chosen:
                if text not in self.toggles and text not in self._custom_formulas():
                    self._add_custom(text, True)
            for i in range(self.custom_lay.count()):
                cb = self.custom_lay.itemAt(i).widget()
                cb.setChecked(cb.property("formula") in chosen)
        finally:
            self._syncing = False
        self.points = None
        if ours:
            f = p.dataset.frame
            self._show(f)
        else:
            shown = self._show_other(p)
            if not shown:
                self.plot.show_points(np.array([]), np.array([]), None)
            self.note.setText((f"{shown}, for a look. " if shown else "")
                              + "The data is not from the Playground: move a slider or press Generate "
                                "to make some, or draw points. Formulas (the box on the left) work on "
                                "its number columns.")
        self._apply_locks()

    def _show_other(self, p: Project) -> str:
        """A table of two number inputs (XOR, the perceptron's blobs, a CSV of two measurements)
        is drawn as it is; returns what the plot shows ('' when nothing: the caller clears it)."""
        feats, frame = list(p.roles.features), p.dataset.frame
        try:
            task = p.task
        except NNStudioError:
            task = None
        if len(feats) != 2 or task is None or not all(pd.api.types.is_numeric_dtype(frame[c]) for c in feats) \
                or (task is not Task.REGRESSION and p.target_values()[0].nunique() > 10):
            return ""
        # the target as the network learns it ('ja' and 'Ja ' one class, when read as one)
        rows = frame[feats].assign(**{p.roles.target: p.target_values()[0]}).dropna()
        with np.errstate(all="ignore"):  # 1e308 and its like: no plot can span them (nor train on them)
            xy = rows[feats].to_numpy(float)
            drawable = np.isfinite(xy).all(axis=1) & (np.abs(xy) <= MAX_MAGNITUDE).all(axis=1)
        rows, too_large = rows[drawable], int((~drawable).sum())
        if not len(rows) or (task is Task.REGRESSION and not np.isfinite(rows[p.roles.target].to_numpy(float)).all()):
            return ""
        n = len(rows)
        if n > MAX_OTHER_POINTS:  # a big file: a seeded sample
            rows = rows.sample(MAX_OTHER_POINTS, random_state=0)
        regression = task is Task.REGRESSION
        target = rows[p.roles.target].to_numpy(float) if regression else \
            pd.Categorical(rows[p.roles.target], sorted(rows[p.roles.target].unique(), key=str)).codes
        self.plot.show_points(rows[feats[0]].to_numpy(float), rows[feats[1]].to_numpy(float), target,
                              regression, axes=(feats[0], feats[1]))
        sample = f"a random {len(rows):,} of its {n:,} rows" if len(rows) < n else f"its {n:,} rows"
        left = f" ({too_large:,} with numbers too large to draw left out)" if too_large else ""
        return f"The plot shows '{p.dataset.name}': {sample}{left}, {feats[0]} across, {feats[1]} up"

    def _show(self, frame: pd.DataFrame) -> None:  # the Playground's own data
        target = LABEL if LABEL in frame.columns else frame.columns[-1]
        self.plot.show_points(frame["x"].to_numpy(), frame["y"].to_numpy(), frame[target].to_numpy(),
                              regression=target != LABEL)

    @Slot(str)
    def on_run_state(self, run_state: str) -> None:
        """The inputs cannot change while a network trains on them (the training controller's
        state), as the Data tab's editors: a run that ended on other inputs than the data's had
        a model the views could not use ("expected 3 inputs, received 4", found by tests/qa)."""
        self._running = run_state != "idle"
        self._apply_locks()

    @Slot()
    def _apply_locks(self) -> None:
        locked = self.challenge.locked()
        regression = self.shape.currentData() == "plane"
        for w in self.generator_widgets:
            w.setEnabled("data" not in locked)
        for w in self.draw_widgets:
            w.setEnabled("data" not in locked and not regression)
        ours = is_playground_data(self.state.project)
        for w in self.inputs_widgets:
            w.setEnabled("features" not in locked and not self._running
                         and (ours or w not in self.toggles.values()))
        if "data" in locked and self.draw_on.isChecked():
            self.draw_on.setChecked(False)
