"""The thin "working…" bar that sits before a status line (Preview's model, the persona's saves)."""

from __future__ import annotations

from PySide6.QtWidgets import QProgressBar


def busy_bar(width: int) -> QProgressBar:
    """An indeterminate bar ``width`` pixels wide and 8 high, with no percentage."""
    bar = QProgressBar()
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setFixedWidth(width)
    bar.setMaximumHeight(8)
    bar.setAccessibleName("Working")
    return bar
