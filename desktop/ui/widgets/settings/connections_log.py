"""The log under Settings → Connections: each fetch and send run, newest first, as the store keeps it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from desktop.core.connectors.registry import connector_label
from desktop.ui import theme

COLUMNS = ("When", "Platform", "What", "Outcome", "Details")
KINDS = {"fetch": "Check", "send": "Send"}
OUTCOMES = {"done": "Done", "failed": "Failed", "cancelled": "Cancelled", None: "Running", "": "Running"}


class RunLog(QTableWidget):
    """A read-only table of runs (``desktop.core.store.connections.latest_runs`` rows)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        header = self.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.setMinimumHeight(120)
        self.setMaximumHeight(220)

    def show_runs(self, runs: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> None:
        self.setRowCount(len(runs))
        for row, run in enumerate(runs):
            outcome = run.get("outcome")
            cells = (
                theme.format_local(str(run.get("started_at") or "")),
                connector_label(str(run.get("platform") or "")),
                KINDS.get(str(run.get("kind")), str(run.get("kind"))),
                OUTCOMES.get(outcome, str(outcome)),
                str(run.get("message") or ""),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == 3 and outcome == "failed":
                    item.setForeground(QColor(theme.ERROR_COLOR))
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.setItem(row, column, item)
        self.resizeRowsToContents()

    def row_texts(self) -> list[list[str]]:
        """Every row's cells, as shown (tests, and what a screen reader would say)."""
        return [
            [
                item.text() if (item := self.item(row, column)) is not None else ""
                for column in range(self.columnCount())
            ]
            for row in range(self.rowCount())
        ]
