"""The pieces every place that shows a draft with its findings builds alike (Preview's draft card,
the Inbox's reply): the heading with the "needs your answer" badge, the tinted line above the
reply, the read-only reply with the guard's flagged words marked."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPlainTextEdit

from desktop.ui.widgets.findings_view import FindingHighlighter, needs_answer_badge


def draft_heading(title: str, spacing: int) -> tuple[QHBoxLayout, QLabel]:
    """A header row: the card title ``title``, the (hidden) needs-answer badge, then room for the
    alternatives on the right; returns the row and the badge."""
    header = QHBoxLayout()
    header.setSpacing(spacing)
    heading = QLabel(title)
    heading.setObjectName("cardTitle")
    header.addWidget(heading)
    badge = needs_answer_badge()
    header.addWidget(badge)
    header.addStretch(1)
    return header, badge


def choice_buttons(owner: QObject, header: QHBoxLayout) -> tuple[QHBoxLayout, QButtonGroup]:
    """Room in ``header`` for the numbered alternatives' buttons, and their group (one checked)."""
    row = QHBoxLayout()
    row.setSpacing(4)
    header.addLayout(row)
    group = QButtonGroup(owner)
    group.setExclusive(True)
    return row, group


def clear_choices(row: QHBoxLayout, group: QButtonGroup) -> None:
    """Take the alternatives' buttons out of ``row`` and ``group`` before new ones come."""
    for button in group.buttons():
        group.removeButton(button)
        row.removeWidget(button)
        button.hide()  # gone at once, not only when the deferred delete runs
        button.deleteLater()


def banner_label(name: str) -> QLabel:
    """The tinted line above a draft (the guard's verdict, why it is flagged); hidden until set."""
    label = QLabel("")
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.hide()
    return label


def reply_view(placeholder: str, min_height: int) -> tuple[QPlainTextEdit, FindingHighlighter]:
    """The drafted reply, read-only, and the highlighter that marks the guard's findings in it
    (red: blocks it, amber: check it); the marks follow the text as it changes."""
    editor = QPlainTextEdit()
    editor.setReadOnly(True)
    editor.setAccessibleName("Drafted reply")
    editor.setPlaceholderText(placeholder)
    editor.setMinimumHeight(min_height)
    return editor, FindingHighlighter(editor)
