"""A row of widgets pushed to one side: buttons under a card (left) or a lone action (right)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget


def left_row(*widgets: QWidget) -> QHBoxLayout:
    """``widgets`` side by side from the left, the rest of the row empty."""
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row


def right_row(*widgets: QWidget) -> QHBoxLayout:
    """``widgets`` side by side against the right edge."""
    row = QHBoxLayout()
    row.addStretch(1)
    for widget in widgets:
        row.addWidget(widget)
    return row
