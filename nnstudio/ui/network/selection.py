"""The network view's selection: clicking and arrow keys pick a node; its weights are listed and tooltips explain."""
from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QGraphicsItem, QTableWidgetItem

from nnstudio.ui.network.graphics import NEGATIVE, POSITIVE, ROLE


class NodeSelection:
    """Mix in before the QWidget base of :class:`~nnstudio.ui.network.view.NetworkView`: the selected
    node (column, unit), moved by clicks and the arrow keys, and what is said about it."""

    @Slot(object)
    def _on_clicked(self, item) -> None:
        if item is None:
            self.clear_selection()
            return
        tag = item.data(ROLE)
        if tag[0] == "node":
            self.select_node(tag[1], tag[2])
        elif tag[0] == "more":
            col = self._columns[tag[1]]
            self._expanded.symmetric_difference_update({col.layer_index})
            sel = self._selected
            self._build_scene()
            if sel is not None and sel[1] in self._columns[sel[0]].nodes:
                self.select_node(*sel)

    def select_node(self, column: int, unit: int) -> None:
        """Select a node by column (0: inputs) and unit; emits ``node_selected``."""
        if not 0 <= column < len(self._columns) or unit not in self._columns[column].nodes:
            return
        self._selected = (column, unit)
        self._paint()
        self._show_detail()
        self.node_selected.emit(self._columns[column].layer_index, unit)

    def select(self, layer_index: int, unit: int) -> None:
        """Select by layer index (as in ``node_selected``)."""
        for ci, col in enumerate(self._columns):
            if col.layer_index == layer_index:
                self.select_node(ci, unit)
                return

    def clear_selection(self) -> None:
        if self._selected is not None:
            self._selected = None
            self._paint()
            self._show_detail()
            self.selection_cleared.emit()

    @property
    def selected(self) -> tuple[int, int] | None:
        """(layer index, unit) of the selected node, or None."""
        if self._selected is None:
            return None
        return self._columns[self._selected[0]].layer_index, self._selected[1]

    @Slot(int)
    def _on_key(self, key: int) -> None:
        if key == Qt.Key.Key_Escape:
            self.clear_selection()
            return
        if self._selected is None:
            if self._columns and self._columns[0].shown:
                self.select_node(0, self._columns[0].shown[0])
            return
        ci, u = self._selected
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            shown = self._columns[ci].shown
            j = shown.index(u) + (-1 if key == Qt.Key.Key_Up else 1)
            if 0 <= j < len(shown):
                self.select_node(ci, shown[j])
        else:
            cj = ci + (-1 if key == Qt.Key.Key_Left else 1)
            if 0 <= cj < len(self._columns) and self._columns[cj].shown:
                target = self._columns[cj].shown
                j = self._columns[ci].shown.index(u)
                self.select_node(cj, target[min(j, len(target) - 1)])

    # ----- details and tooltips -----------------------------------------------------------------------
    def incoming(self, column: int, unit: int) -> tuple[list[tuple[str, float]], float | None]:
        """(source name, weight) into a node and its bias; for an input node, its outgoing weights."""
        kernels = self._kernels()
        if column == 0:
            if 1 not in kernels:
                return [], None
            k = kernels[1][0]
            names = self._columns[1].names
            return [(names[t] if t < len(names) else f"unit {t + 1}", float(k[unit, t]))
                    for t in range(k.shape[1])], None
        if column not in kernels:
            return [], None
        k, b = kernels[column]
        names = self._columns[column - 1].names
        rows = [(names[s] if s < len(names) else f"unit {s + 1}", float(k[s, unit]))
                for s in range(k.shape[0])]
        return rows, (float(b[unit]) if b is not None else None)

    def _show_detail(self) -> None:
        self.detail.setRowCount(0)
        if self._selected is None:
            self.detail_title.setText("<b>Click a node</b> to see its weights.")
            return
        ci, u = self._selected
        col = self._columns[ci]
        name = col.names[u] if u < len(col.names) else f"unit {u + 1}"
        if ci == 0:
            head = f"<b>Input {u}: {name}</b><br>outgoing weights"
        else:
            where = "Output layer" if ci == len(self._columns) - 1 else f"Layer {col.layer_index + 1}"
            head = f"<b>{where} · {col.spec.describe()}</b><br>{name}: incoming weights"
        rows, bias = self.incoming(ci, u)
        if not rows:
            self.detail_title.setText(head + "<br><i>No weights yet: train the network and they "
                                             "appear here live.</i>")
            return
        self.detail_title.setText(head)
        if bias is not None:
            rows = [("bias", bias), *rows]
        self.detail.setRowCount(len(rows))
        for r, (src, w) in enumerate(rows):
            a = QTableWidgetItem(src)
            v = QTableWidgetItem(f"{w:+.4f}")
            v.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            v.setForeground(QBrush(POSITIVE.darker(120) if w >= 0 else NEGATIVE.darker(130)))
            if src == "bias" and r == 0 and bias is not None:
                f = a.font()
                f.setItalic(True)
                a.setFont(f)
            self.detail.setItem(r, 0, a)
            self.detail.setItem(r, 1, v)

    def tooltip_for(self, item: QGraphicsItem) -> str:
        tag = item.data(ROLE)
        if tag is None:
            return ""
        if tag[0] == "more":
            col = self._columns[tag[1]]
            return (f"{col.units - len(col.shown)} more units not drawn: click to "
                    f"{'collapse' if col.expanded else 'expand'}")
        kernels = self._kernels()
        if tag[0] == "node":
            ci, u = tag[1], tag[2]
            col = self._columns[ci]
            name = col.names[u] if u < len(col.names) else f"unit {u + 1}"
            if ci == 0:
                return f"Input: {name}"
            text = f"{col.spec.describe()} · {name}"
            if ci in kernels and kernels[ci][1] is not None:
                text += f" · bias {float(kernels[ci][1][u]):+.4f}"
            return text + " (click for its weights)"
        ci, s, t = tag[1], tag[2], tag[3]
        src_names = self._columns[ci - 1].names
        dst_names = self._columns[ci].names
        text = f"{src_names[s] if s < len(src_names) else s} → {dst_names[t] if t < len(dst_names) else t}"
        if ci in kernels:
            text += f": w = {float(kernels[ci][0][s, t]):+.4f}"
        return text
