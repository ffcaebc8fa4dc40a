"""The look every read-only list of rows shares (the models, the catalogue, the packs)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget


def setup_row_table(table: QTableWidget, columns: Sequence[str]) -> None:
    """Give ``table`` the ``columns`` and the read-only look: whole rows selected, no row numbers,
    no grid, one line a cell, columns as wide as their contents."""
    table.setColumnCount(len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
