"""Small helpers the Packs page's cards share: message colours, primary buttons, shortcuts, table heights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHeaderView, QLabel, QPushButton, QTableWidget, QWidget

from desktop.ui.theme import ERROR_COLOR, OK_COLOR, TEXT_MUTED
from desktop.ui.widgets.common.tables import setup_row_table


def shorten(text: str, limit: int = 90) -> str:
    """One line of at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def set_message(label: QLabel, text: str, kind: str = "") -> None:
    """Show ``text`` in ``label``: ``kind`` 'ok' (green), 'error' (red) or '' (muted); empty text hides it."""
    color = {"ok": OK_COLOR, "error": ERROR_COLOR}.get(kind, TEXT_MUTED)
    label.setStyleSheet(f"color: {color};")
    label.setProperty("kind", kind)
    label.setText(text)
    label.setVisible(bool(text))


def set_primary(push: QPushButton, primary: bool) -> None:
    """Give ``push`` the accent look of the page's next step (or take it away)."""
    if (push.objectName() == "primary") != primary:
        push.setObjectName("primary" if primary else "")
        push.style().unpolish(push)
        push.style().polish(push)


def window_shortcut(
    parent: QWidget, keys: QKeySequence | QKeySequence.StandardKey | str, slot: Any
) -> QShortcut:
    """A window-wide shortcut; one of a hidden page never fires: only while ``parent`` shows."""
    shortcut = QShortcut(QKeySequence(keys), parent)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(slot)
    return shortcut


def fit_rows(table: QTableWidget, rows: int, *, least: int = 3, most: int = 8) -> None:
    """Make ``table`` as tall as its rows (``least`` to ``most``): no blank box under a short list."""
    shown = max(least, min(rows, most))
    rows_height = shown * table.verticalHeader().defaultSectionSize()
    header_height = table.horizontalHeader().sizeHint().height()
    table.setFixedHeight(header_height + rows_height + 2 * table.frameWidth() + 2)


class ListTable(QTableWidget):
    """A read-only list of rows (the packs, the delivery log): whole rows, no grid, as tall as its rows."""

    def __init__(
        self, columns: tuple[str, ...], name: str, stretch: int, most: int, parent: QWidget | None
    ) -> None:
        super().__init__(0, len(columns), parent)
        self.most = most
        setup_row_table(self, columns)
        self.setAccessibleName(name)
        self.setTabKeyNavigation(False)  # Tab leaves the table for the buttons below it
        header = self.horizontalHeader()
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        fit_rows(self, 0, most=most)

    def set_row_count(self, rows: int) -> None:
        """Resize to ``rows`` rows (filled by the caller), the table's height following."""
        self.setRowCount(rows)
        fit_rows(self, rows, most=self.most)


def with_suffix(path: str, suffix: str) -> str:
    """``path``, with ``suffix`` added when the creator typed a name without one."""
    return path if Path(path).suffix else path + suffix


def default_folder() -> Path:
    """Where the first save dialog opens: Documents when there is one, else home."""
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()
