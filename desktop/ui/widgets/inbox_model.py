"""The inbox list as a Qt model over entry ids, with rows fetched lazily (Anki's browser table shape).

The model holds only the ordered ids of the current filter; a row's data arrives the first time
the view asks for it: ``data`` answers "…" and the model asks, once and in batches, for the
missing rows (``rows_wanted``). Whoever owns the store (the inbox controller, on its thread)
answers with ``set_rows``. After an action, ``invalidate`` drops the rows it changed so that
they are fetched again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont

from desktop.core.display_text import plain_name
from desktop.ui.theme import ACCENT, ERROR_COLOR, TEXT_MUTED, WARNING_COLOR

#: Column order.
STATE, SENDER, PLATFORM, MESSAGE = range(4)
HEADERS = ("State", "From", "Platform", "Message")
LOADING = "…"

#: The item id of a row.
ID_ROLE = Qt.ItemDataRole.UserRole + 1

#: How each state reads in the list, and its colour.
STATE_LABELS = {
    "new": "New",
    "drafted": "Drafted",
    "flagged": "Flagged",
    "approved": "Approved",
    "exported": "Exported",
    "rejected": "Rejected",
}
STATE_COLORS = {
    "new": TEXT_MUTED,
    "drafted": ACCENT,
    "flagged": WARNING_COLOR,
    "approved": "#15803d",
    "exported": "#0f766e",
    "rejected": ERROR_COLOR,
}

Index = QModelIndex | QPersistentModelIndex


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one line, cut at ``limit`` (only its start is looked at: a list row of a 1 MB
    message must cost no more than a short one's)."""
    text = " ".join(text[: limit * 8].split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InboxModel(QAbstractTableModel):
    """Rows are inbox entries (``InboxEntry``-like objects), identified by ``item_id``."""

    #: Ids whose rows the view needs and the model does not hold (GUI thread; batched).
    rows_wanted = Signal(list)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._ids: list[int] = []
        self._position: dict[int, int] = {}
        self._rows: dict[int, Any] = {}
        self._asked: set[int] = set()
        self._wanted: list[int] = []
        self._ask_timer = QTimer(self)
        self._ask_timer.setSingleShot(True)
        self._ask_timer.setInterval(0)
        self._ask_timer.timeout.connect(self._ask)

    # --- what the owner calls ----------------------------------------------------------------------------
    def set_ids(self, ids: Iterable[int]) -> None:
        """Show these entries in this order; rows already fetched are kept."""
        self.beginResetModel()
        self._ids = [int(i) for i in ids]
        self._position = {item_id: row for row, item_id in enumerate(self._ids)}
        self._asked &= set(self._position)
        self.endResetModel()

    def set_rows(self, rows: Mapping[int, Any]) -> None:
        """Rows fetched for ids the model asked for (or refreshed)."""
        changed: list[int] = []
        for item_id, row in rows.items():
            self._rows[int(item_id)] = row
            self._asked.discard(int(item_id))
            if int(item_id) in self._position:
                changed.append(self._position[int(item_id)])
        if changed:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), last))

    def invalidate(self, ids: Iterable[int]) -> None:
        """Forget these rows (they changed); they are fetched again while shown."""
        for item_id in ids:
            self._rows.pop(int(item_id), None)
            self._asked.discard(int(item_id))
            row = self._position.get(int(item_id))
            if row is not None:
                self._want(int(item_id))

    def ids(self) -> list[int]:
        return list(self._ids)

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, item_id: int) -> int:
        """The row showing ``item_id``, or -1."""
        return self._position.get(int(item_id), -1)

    def entry(self, item_id: int) -> Any | None:
        """The fetched row of ``item_id`` (``None`` until it arrives)."""
        return self._rows.get(int(item_id))

    # --- Qt model API ------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(HEADERS):
            return HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        inside = 0 <= index.row() < len(self._ids) and 0 <= index.column() < len(HEADERS)
        if not index.isValid() or not inside:
            return None
        item_id = self._ids[index.row()]
        if role == ID_ROLE:
            return item_id
        entry = self._rows.get(item_id)
        column = index.column()
        if entry is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self._want(item_id)
                return LOADING if column in (STATE, MESSAGE) else ""
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATE:
            return QColor(STATE_COLORS.get(entry.state, "#374151"))
        if role == Qt.ItemDataRole.FontRole and entry.state in ("new", "drafted", "flagged"):
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold if column == STATE else QFont.Weight.Normal)
            return font
        if role == Qt.ItemDataRole.AccessibleTextRole:
            state = STATE_LABELS.get(entry.state, entry.state)
            sender = plain_name(entry.sender or "") or "someone"
            return f"{state} message from {sender}: {one_line(entry.text, 400)}"
        return None

    @staticmethod
    def _display(entry: Any, column: int) -> str:
        if column == STATE:
            label = STATE_LABELS.get(entry.state, entry.state)
            if entry.state == "rejected" or entry.trashed_at:
                label = "Rejected" if entry.state == "rejected" else f"{label} (trash)"
            return label + (" ✎" if entry.edited else "")
        if column == SENDER:
            return plain_name(entry.sender or "") or "—"
        if column == PLATFORM:
            return entry.platform
        return one_line(entry.text)

    @staticmethod
    def _tooltip(entry: Any, column: int) -> str | None:
        if column == STATE:
            return entry.flag_reason or None
        if column == MESSAGE:
            return one_line(entry.text, 400)
        return None

    # --- lazy fetching -----------------------------------------------------------------------------------
    def _want(self, item_id: int) -> None:
        if item_id in self._asked:
            return
        self._asked.add(item_id)
        self._wanted.append(item_id)
        if not self._ask_timer.isActive():
            self._ask_timer.start()

    @Slot()
    def _ask(self) -> None:
        wanted, self._wanted = self._wanted, []
        wanted = [item_id for item_id in wanted if item_id in self._position and item_id not in self._rows]
        if wanted:
            self.rows_wanted.emit(wanted)
