"""The Persona page's Versions tab: every saved version with its note, and Restore.

Restoring saves a copy of the old version as the newest; the page keeps what was on screen one
Undo away.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.theme import OK_COLOR, format_local
from desktop.ui.widgets.persona.fields import button, muted, rows_table


class VersionsList(QWidget):
    """Every saved version with its note, newest first; Restore makes an old one active again."""

    restore_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.active_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        self.table = rows_table(["Version", "Saved", "What changed"], fit=(0, 1))
        self.table.setAccessibleName("Saved versions")
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.setWordWrap(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setMinimumHeight(160)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda _item: self.restore_selected())
        self.empty_label = muted("No version saved yet. Save (Ctrl+S) makes the first one.")
        row = QHBoxLayout()
        note = muted(
            "Restoring saves a copy of that version as the newest. "
            "Undo (Ctrl+Z) brings back what was on screen.",
            wrap=True,
        )
        self.restore_button = button(
            "Restore",
            "Make the selected version the one in use again (Enter)",
            "Restore the selected version",
            self.restore_selected,
        )
        row.addWidget(note, 1)
        row.addWidget(self.restore_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        self._update_buttons()

    def set_versions(self, versions: list[Any], active_id: int | None) -> None:
        self.active_id = active_id
        selected = self.selected_id()
        self.table.setRowCount(0)
        for version in versions:
            row = self.table.rowCount()
            self.table.insertRow(row)
            active = version.id == active_id
            cells = [
                f"{version.id}  (in use)" if active else str(version.id),
                format_local(version.created_at),
                version.note,
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, version.id)
                item.setToolTip(version.note)
                if active and column == 0:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setForeground(QColor(OK_COLOR))
                self.table.setItem(row, column, item)
            if version.id == selected:
                self.table.selectRow(row)
        self.table.resizeRowsToContents()
        self.empty_label.setVisible(not versions)
        self.table.setVisible(bool(versions))
        self._update_buttons()

    def version_ids(self) -> list[int]:
        rows = range(self.table.rowCount())
        return [int(self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)) for row in rows]

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return int(self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole))

    def select(self, version_id: int) -> None:
        if version_id in self.version_ids():
            self.table.selectRow(self.version_ids().index(version_id))

    @Slot()
    def restore_selected(self) -> None:
        version_id = self.selected_id()
        if version_id is not None and version_id != self.active_id:
            self.restore_requested.emit(version_id)

    @Slot()
    def _update_buttons(self) -> None:
        version_id = self.selected_id()
        self.restore_button.setEnabled(version_id is not None and version_id != self.active_id)
