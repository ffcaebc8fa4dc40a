"""The Inbox's list of messages: a table over the ``InboxModel`` (rows fetched as they are shown)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop.ui.theme import ACCENT_SOFT, TEXT
from desktop.ui.widgets.inbox_model import MESSAGE, PLATFORM, SENDER, STATE, InboxModel

# The theme's calm selection, so the state colours stay readable on the selected row.
LIST_STYLE = (
    "QTableView#inboxList { background: #ffffff; alternate-background-color: #f7f7fb;"
    f" selection-background-color: {ACCENT_SOFT}; selection-color: {TEXT}; border: 1px solid #e5e7eb;"
    " border-radius: 8px; }"
)


class InboxTable(QTableView):
    """The messages, one row each: state, sender, platform, the message; one row selected at a time."""

    def __init__(self, model: InboxModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inboxList")
        self.setAccessibleName("Messages")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(30)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(STATE, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(SENDER, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PLATFORM, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(STATE, 92)
        self.setColumnWidth(SENDER, 104)
        self.setColumnWidth(PLATFORM, 80)
        self.setMinimumWidth(260)
        self.setStyleSheet(LIST_STYLE)

    def select_row(self, row: int) -> None:
        """Make ``row`` the current, selected row and scroll to it (nothing when out of range)."""
        if not 0 <= row < self.model().rowCount():
            return
        index = self.model().index(row, 0)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.scrollTo(index)
