"""The layer editor's list: one row per layer with its parameter count; hidden rows are dragged to move."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDropEvent, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

PARAMS_ROLE = Qt.ItemDataRole.UserRole + 1  # the "18 params" text drawn right-aligned


class LayerRowDelegate(QStyledItemDelegate):
    """Draws a row's description (word-wrapped) and, right-aligned and muted, its parameter count."""

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:  # pragma: no cover
            return super().paint(painter, option, index)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        rect = rect.adjusted(2, 0, -4, 0)
        params = index.data(PARAMS_ROLE) or ""
        fm = opt.fontMetrics
        pw = fm.horizontalAdvance(params) + 10 if params else 0
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Enabled \
            else QPalette.ColorGroup.Disabled
        fg = index.data(Qt.ItemDataRole.ForegroundRole)
        if selected:
            color = opt.palette.color(group, QPalette.ColorRole.HighlightedText)
        elif isinstance(fg, (QBrush, QColor)):
            color = fg.color() if isinstance(fg, QBrush) else fg
        else:
            color = opt.palette.color(group, QPalette.ColorRole.Text)
        painter.save()
        painter.setFont(opt.font)
        painter.setPen(color)
        painter.drawText(QRect(rect.left(), rect.top(), rect.width() - pw, rect.height()),
                         int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
                             | Qt.TextFlag.TextWordWrap), text)
        if params:
            muted = QColor(color)
            if not selected:
                muted.setAlpha(150)
            painter.setPen(muted)
            small = QFont(opt.font)
            small.setBold(False)
            painter.setFont(small)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight),
                             params)
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        size = super().sizeHint(option, index)
        hint = index.data(Qt.ItemDataRole.SizeHintRole)
        return hint if isinstance(hint, QSize) and hint.isValid() else QSize(size.width(), size.height() + 6)


class LayerListWidget(QListWidget):
    """The layers, one row each; hidden rows can be dragged to a new place (the output row stays last).

    A drop does not move items itself: it asks for the move (``move_requested``), which becomes an
    undoable edit, and the list is redrawn from the spec.
    """

    move_requested = Signal(int, int)  # (from row, to row) among the hidden rows

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(False)
        self.setDropIndicatorShown(True)
        self.setItemDelegate(LayerRowDelegate(self))
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.n_hidden = 0

    def drop_row_at(self, pos: QPoint) -> int:
        """The hidden-row index a drop at ``pos`` (viewport coordinates) inserts before."""
        item = self.itemAt(pos)
        if item is None:
            return self.n_hidden
        row = self.row(item)
        rect = self.visualItemRect(item)
        if pos.y() > rect.center().y():
            row += 1
        return min(row, self.n_hidden)

    def dropEvent(self, event: QDropEvent) -> None:
        if event.source() is not self:
            event.ignore()
            return
        src = self.currentRow()
        dst = self.drop_row_at(event.position().toPoint())
        # IgnoreAction: the view must not delete the dragged row itself; the spec edit redraws it
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        if 0 <= src < self.n_hidden:
            to = dst - 1 if dst > src else dst
            if to != src:
                self.move_requested.emit(src, to)
