"""The cards' text lines: grey hints and the hidden-until-needed message line under a card."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


def muted_label(text: str = "") -> QLabel:
    """Grey, wrapping text: hints, statuses and empty states."""
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


def message_label(name: str) -> QLabel:
    """A card's message line, object name ``name`` (hidden until it gets text; its text can be copied)."""
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def selectable_label(text: str, text_format: Qt.TextFormat, name: str) -> QLabel:
    """Wrapping text the creator can select and copy (a fan's message, the reply offered instead)."""
    label = QLabel(text)
    label.setTextFormat(text_format)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(name)
    return label
