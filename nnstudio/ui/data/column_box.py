"""One column in detail: its summary, histogram, and the choices for it (role, kind, scaling, encoding, missing)."""
from __future__ import annotations

import operator

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from nnstudio.core.data.preprocess_config import (
    CATEGORICAL_ENCODINGS,
    LABELS,
    MISSING_LABELS,
    MISSING_STRATEGIES,
    NUMERIC_SCALINGS,
)
from nnstudio.core.data.profile import fmt_number
from nnstudio.core.data.roles import REASON_BY_USER
from nnstudio.core.numbers import fmt_in
from nnstudio.ui.common.plots import CountAxis, legend_below
from nnstudio.ui.common.text import short
from nnstudio.ui.data.charts import draw_histogram
from nnstudio.ui.data.column_notes import planned, problems, target_note, task_or_none
from nnstudio.ui.data.combos import select_value, value_combo


class ColumnBox(QGroupBox):
    """The Data tab's "Column" box; the tab connects its choices and calls :meth:`show_column`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Column", parent)
        self.detail_title = QLabel()
        self.detail_title.setTextFormat(Qt.TextFormat.RichText)
        self.detail_stats = QLabel()
        self.detail_stats.setWordWrap(True)
        self.hist = pg.PlotWidget(background="w", axisItems={"left": CountAxis("left")})
        self.hist.setMinimumHeight(100)
        self.hist.setMouseEnabled(x=False, y=False)
        self.hist.hideButtons()
        self.hist.getAxis("left").setWidth(50)  # "7500" and the axis name beside it
        self.hist_legend = legend_below(self.hist, labelTextSize="8pt")  # not over the bars
        #: what the histogram shows (see :meth:`_histogram_drawn`): (objects, values)
        self._drawn: tuple = ((), ())
        self.role_combo = value_combo([("feature", "Feature (an input)"), ("target", "Target (to predict)"),
                                       ("ignored", "Ignored")])
        self.kind_combo = value_combo([("auto", "Automatic"), ("number", "A number"), ("category", "A category")])
        self.scaling_combo = value_combo([(k, LABELS[k]) for k in NUMERIC_SCALINGS])
        self.encoding_combo = value_combo([(k, LABELS[k]) for k in CATEGORICAL_ENCODINGS])
        self.missing_combo = value_combo([(k, MISSING_LABELS[k]) for k in MISSING_STRATEGIES])
        self.spelling_combo = value_combo([("exact", "As written ('Cat' and 'cat' differ)"),
                                           ("merge", "Capitals, spaces and a final full stop ignored")])
        self.spelling_combo.setToolTip("Values that differ only in capitals, spaces or a final full "
                                       "stop ('Ja', 'ja ' and 'ja.'): different values, or read as one")
        self.fill_edit = QLineEdit()
        self.fill_edit.setPlaceholderText("the constant")
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
        form.addRow("Spelling:", self.spelling_combo)
        self._form = form
        self._miss_row = miss_row
        dl = QVBoxLayout(self)
        dl.addWidget(self.detail_title)
        dl.addWidget(self.detail_stats)
        dl.addWidget(self.hist, 1)
        dl.addWidget(self.detail_reason)
        dl.addLayout(form)

    def show_column(self, project, col: str) -> None:
        """Show ``col`` of ``project``: its numbers, why it is used as it is, its choices, its histogram."""
        pr = project
        p = project.column_as_read(col)[1]  # look-alike values as one, if asked
        role = pr.roles.role_of(col)
        self.detail_title.setText(f"<b>{col}</b> — {p.type_label}")
        parts = [f"{p.n - p.missing:,} values", f"{p.missing:,} missing", f"{p.unique:,} unique"]
        if p.min is not None and p.kind in ("number", "binary", "mixed"):
            parts.append(f"min {fmt_in(col, p.min)}, max {fmt_in(col, p.max)}, mean {fmt_in(col, p.mean)}"
                         + (f", sd {fmt_number(p.sd)}" if p.sd is not None else ""))
        elif p.top:
            parts.append("most frequent: " + ", ".join(f"{short(v, 30)} ({c:,})"  # sentences cut
                                                       for v, c in p.top[:3]))
        self.detail_stats.setText(" · ".join(parts))
        why = ""
        if role == "ignored":
            why = f"Ignored: {pr.roles.ignored.get(col, REASON_BY_USER)}."
        problem = problems(project).get(col)
        if problem:
            why = f"<span style='color:#b3261e'>{problem}.</span>"
        elif role == "feature":
            why = f"Encoded as: {planned(project, col)}."
        elif role == "target":
            why = target_note(project)
        self.detail_reason.setText(why)
        select_value(self.role_combo, role)
        cfg = pr.preprocess
        numeric = project.dataset.is_numeric(col)
        kind = cfg.for_column(col, "kind")
        as_number = numeric and kind != "category"
        select_value(self.kind_combo, kind)
        select_value(self.scaling_combo, cfg.for_column(col, "numeric"))
        select_value(self.encoding_combo, cfg.for_column(col, "categorical"))
        select_value(self.missing_combo, cfg.for_column(col, "missing"))
        select_value(self.spelling_combo, cfg.for_column(col, "spelling"))
        fill = cfg.for_column(col, "fill_value")
        self.fill_edit.setText(str(fill))
        feature = role == "feature"
        for w, show in ((self.kind_combo, feature and numeric), (self.scaling_combo, feature and as_number),
                        (self.encoding_combo, feature and not as_number and p.unique != 2),
                        (self.missing_combo, feature),
                        (self.spelling_combo, role in ("feature", "target") and not numeric),
                        (self.fill_edit, feature and cfg.for_column(col, "missing") == "constant")):
            w.setVisible(show)
            label = self._form.labelForField(self._miss_row if w is self.missing_combo else w)
            if label is not None:
                label.setVisible(show)
        if not self._histogram_drawn(project, col, p):
            draw_histogram(self.hist, self.hist_legend, project, col, p)

    def _histogram_drawn(self, project, col: str, p) -> bool:
        """Whether the histogram already shows ``col`` as read (``p``), split by the target as
        read, for this task: every change on the Data tab shows the column again, and a pixel
        column's bars stacked by ten classes took 0.25 s to draw anew."""
        target = project.roles.target
        as_read = project.profile_as_read(target) if target in project.dataset.columns else None
        objects, values = (project.dataset, p, as_read), (col, target, task_or_none(project))
        (was_objects, was_values), self._drawn = self._drawn, (objects, values)
        return was_values == values and all(map(operator.is_, was_objects, objects))  # (first: () != values)
