"""What the Persona page's cards and editors share: one persona field set from an edit
(``apply_field``), the small widgets they are built of (headings, grey notes, buttons, row
tables, the wrapped reply field), and quiet setters that show a value without reporting an edit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QWidget,
)

from desktop.core.persona.model import Persona, Product
from desktop.ui.theme import TEXT


def apply_field(persona: Persona, key: str, value: Any) -> Persona:
    """A copy of ``persona`` with the field ``key`` set to ``value`` (as the editors send it).

    Keys are dotted paths (``boundaries.never_say``, ``identity.values``, ``sliders.emoji``,
    ``boundaries.promises.meetups``); two keys take pairs from a two-column editor:
    ``boundaries.avoid_topics`` ((topic, canned reply) pairs) and ``identity.products``
    ((name, link) pairs; a product's description is kept).
    """
    result = copy.deepcopy(persona)
    head, _, rest = key.partition(".")
    if head == "sliders":
        result.sliders[rest] = float(value)
    elif key == "boundaries.avoid_topics":
        bounds = result.boundaries
        old_topics = set(bounds.avoid_topics)
        # Canned replies for topics this editor does not list (escalation topics, say) stay.
        kept = {t: r for t, r in bounds.canned_replies.items() if t not in old_topics}
        bounds.avoid_topics = [topic for topic, _reply in value]
        bounds.canned_replies = {**kept, **{topic: reply for topic, reply in value if reply.strip()}}
    elif key.startswith("boundaries.promises."):
        result.boundaries.promises[key.rsplit(".", 1)[1]] = bool(value)
    elif head == "boundaries":
        setattr(result.boundaries, rest, value)
    elif key == "identity.products":
        described = {p.name: p.description for p in result.identity.products}
        result.identity.products = [Product(name, url, described.get(name, "")) for name, url in value]
    elif head == "identity":
        setattr(result.identity, rest, value)
    else:
        setattr(result, key, value)
    return result


def button(
    text: str,
    tooltip: str = "",
    name: str = "",
    clicked: Callable[..., object] | SignalInstance | None = None,
) -> QPushButton:
    """A push button with its tooltip, its accessible name and what a click does (each optional)."""
    result = QPushButton(text)
    if tooltip:
        result.setToolTip(tooltip)
    if name:
        result.setAccessibleName(name)
    if clicked is not None:
        result.clicked.connect(clicked)
    return result


def heading(text: str, tooltip: str = "") -> QLabel:
    """A bold label over an editor."""
    label = QLabel(text)
    label.setStyleSheet(f"font-weight: 600; color: {TEXT};")
    if tooltip:
        label.setToolTip(tooltip)
    return label


def muted(text: str, *, wrap: bool = False, small: bool = False) -> QLabel:
    """A grey label (a note, a value, a slider's end); ``small`` in the notes' smaller type."""
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(wrap)
    if small:
        label.setStyleSheet("font-size: 8.5pt;")
    return label


def rows_table(columns: list[str], fit: tuple[int, ...] = (0,)) -> QTableWidget:
    """A table with these headings and no row numbers that selects whole rows: the ``fit``
    columns as wide as their contents, the last one taking the rest."""
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(columns)
    header = table.horizontalHeader()
    for column in fit:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return table


def set_line(entry: QLineEdit, text: str) -> None:
    """Show ``text`` in ``entry`` without reporting an edit."""
    if entry.text() != text:
        entry.blockSignals(True)
        entry.setText(text)
        entry.setCursorPosition(0)
        entry.blockSignals(False)


def set_checked(box: QCheckBox, on: bool) -> None:
    """Tick or untick ``box`` without reporting an edit."""
    if box.isChecked() != on:
        box.blockSignals(True)
        box.setChecked(on)
        box.blockSignals(False)


class ReplyEdit(QPlainTextEdit):
    """A short reply in the creator's words, wrapped over a few lines so all of it shows.

    Like a line edit, it reports ``editing_finished`` on Enter (Shift+Enter too: a reply is one
    paragraph) and when it loses the focus; Tab moves on.
    """

    editing_finished = Signal()
    LINES = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        margins = self.contentsMargins()
        line = self.fontMetrics().lineSpacing()
        frame = 2 * self.frameWidth() + margins.top() + margins.bottom()
        self.setFixedHeight(self.LINES * line + int(2 * self.document().documentMargin()) + frame + 10)

    def text(self) -> str:
        return self.toPlainText()

    def set_text(self, text: str) -> None:
        """Show ``text`` without reporting an edit."""
        if self.toPlainText() != text:
            self.blockSignals(True)
            self.setPlainText(text)
            self.blockSignals(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.editing_finished.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt API)
        super().focusOutEvent(event)
        self.editing_finished.emit()
