"""The compact list editors of the Persona page: a list of texts, and rows of two texts.

Both are one ``RowsEditor``: a heading, the rows, entry fields with Add (Enter) and Remove
(Delete); a cell edits in place on a double-click. ``changed(list)`` reports every edit with
the whole new list; ``set_items``/``set_pairs`` show one without reporting it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.widgets.persona.fields import button, heading, rows_table


def _entry(placeholder: str, accessible_name: str) -> QLineEdit:
    entry = QLineEdit()
    entry.setPlaceholderText(placeholder)
    entry.setAccessibleName(accessible_name)
    return entry


class RowsEditor(QWidget):
    """What both list editors share; a subclass says how its rows are read, shown and selected.

    ``view`` shows the rows (a list or a table); ``entries`` are the fields a new row is typed
    into, each with its stretch; the first must not be empty, and no two rows share it.
    """

    changed = Signal(list)

    def __init__(
        self,
        title: str,
        tooltip: str,
        view: QListWidget | QTableWidget,
        entries: list[tuple[QLineEdit, int]],
        what: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.view = view
        self.entries = [entry for entry, _stretch in entries]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(heading(title, tooltip))
        view.setAccessibleName(title)
        view.itemChanged.connect(self._on_item_changed)
        view.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(view)
        row = QHBoxLayout()
        row.setSpacing(6)
        for entry, stretch in entries:
            entry.returnPressed.connect(self.add)
            entry.textChanged.connect(self._update_buttons)
            row.addWidget(entry, stretch)
        self.add_button = button("Add", f"Add to {title.lower()} (Enter)", clicked=self.add)
        self.remove_button = button(
            "Remove", f"Remove the selected {what} (Delete)", clicked=self.remove_selected
        )
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), view)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.remove_selected)
        self._update_buttons()

    # --- what a subclass says ------------------------------------------------------------------------
    def values(self) -> list[Any]:
        """The rows, trimmed, without those whose first text is empty."""
        raise NotImplementedError

    def _take_entries(self) -> Any:
        """The row typed into the entries (``None``: nothing to add), the entries emptied."""
        raise NotImplementedError

    def _first(self, value: Any) -> str:
        return str(value)

    def _append(self, value: Any) -> None:
        raise NotImplementedError

    def _clear(self) -> None:
        raise NotImplementedError

    def _remove_row(self, row: int) -> None:
        raise NotImplementedError

    def _selected_rows(self) -> set[int]:
        raise NotImplementedError

    # --- the machinery -------------------------------------------------------------------------------
    def _show(self, values: list[Any]) -> None:
        """Show ``values`` (no signal)."""
        if values == self.values():
            return
        self.view.blockSignals(True)
        self._clear()
        for value in values:
            self._append(value)
        self.view.blockSignals(False)
        self._update_buttons()

    @Slot()
    def add(self) -> None:
        value = self._take_entries()
        if value is None or self._first(value) in [self._first(v) for v in self.values()]:
            return
        self.view.blockSignals(True)
        self._append(value)
        self.view.blockSignals(False)
        self.changed.emit(self.values())

    @Slot()
    def remove_selected(self) -> None:
        rows = sorted(self._selected_rows(), reverse=True)
        if not rows:
            return
        self.view.blockSignals(True)
        for row in rows:
            self._remove_row(row)
        self.view.blockSignals(False)
        self.changed.emit(self.values())

    def _on_item_changed(self, _item: object) -> None:
        self.changed.emit(self.values())

    @Slot()
    def _update_buttons(self) -> None:
        self.add_button.setEnabled(bool(self.entries[0].text().strip()))
        self.remove_button.setEnabled(bool(self._selected_rows()))


class ListEditor(RowsEditor):
    """A short list of texts: add (Enter), edit in place (double-click), remove (Delete)."""

    def __init__(
        self, title: str, placeholder: str, tooltip: str = "", parent: QWidget | None = None
    ) -> None:
        self.list = QListWidget()
        self.list.setToolTip((tooltip + "\n" if tooltip else "") + "Double-click to edit; Delete removes.")
        self.list.setMinimumHeight(54)
        self.list.setMaximumHeight(80)
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.entry = _entry(placeholder, f"New entry for {title}")
        super().__init__(title, tooltip, self.list, [(self.entry, 1)], "entry", parent)

    def items(self) -> list[str]:
        texts = (self.list.item(row).text().strip() for row in range(self.list.count()))
        return [text for text in texts if text]

    values = items

    def set_items(self, items: list[str]) -> None:
        """Show ``items`` (no signal)."""
        self._show(items)

    def _take_entries(self) -> str | None:
        text = self.entry.text().strip()
        if not text:
            return None
        self.entry.clear()
        return text

    def _append(self, value: Any) -> None:
        item = QListWidgetItem(value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        item.setToolTip(value)
        self.list.addItem(item)

    def _clear(self) -> None:
        self.list.clear()

    def _remove_row(self, row: int) -> None:
        self.list.takeItem(row)

    def _selected_rows(self) -> set[int]:
        return {self.list.row(item) for item in self.list.selectedItems()}


class PairListEditor(RowsEditor):
    """Rows of two texts (a topic and its canned reply, a product and its link)."""

    def __init__(
        self,
        title: str,
        columns: tuple[str, str],
        placeholders: tuple[str, str],
        tooltip: str = "",
        parent: QWidget | None = None,
    ) -> None:
        self.table = rows_table(list(columns))
        self.table.horizontalHeader().setMinimumSectionSize(90)
        self.table.setToolTip(
            (tooltip + "\n" if tooltip else "") + "Double-click a cell to edit it; Delete removes the row."
        )
        self.table.setMinimumHeight(76)
        self.table.setMaximumHeight(120)
        self.first = _entry(placeholders[0], f"New {columns[0].lower()}")
        self.second = _entry(placeholders[1], f"New {columns[1].lower()}")
        super().__init__(title, tooltip, self.table, [(self.first, 2), (self.second, 3)], "row", parent)

    def pairs(self) -> list[tuple[str, str]]:
        rows = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, column) for column in (0, 1)]
            first, second = ((cell.text().strip() if cell is not None else "") for cell in cells)
            if first:
                rows.append((first, second))
        return rows

    values = pairs

    def set_pairs(self, pairs: list[tuple[str, str]]) -> None:
        """Show ``pairs`` (no signal)."""
        self._show(pairs)

    def _take_entries(self) -> tuple[str, str] | None:
        first, second = self.first.text().strip(), self.second.text().strip()
        if not first:
            self.first.setFocus()
            return None
        self.first.clear()
        self.second.clear()
        self.first.setFocus()
        return first, second

    def _first(self, value: Any) -> str:
        return str(value[0])

    def _append(self, value: Any) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in enumerate(value):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            self.table.setItem(row, column, item)

    def _clear(self) -> None:
        self.table.setRowCount(0)

    def _remove_row(self, row: int) -> None:
        self.table.removeRow(row)

    def _selected_rows(self) -> set[int]:
        return {index.row() for index in self.table.selectedIndexes()}
