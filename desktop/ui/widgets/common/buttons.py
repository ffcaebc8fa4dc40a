"""A push button with its tooltip and what it runs, the way every card makes its buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QPushButton


def button(text: str, tip: str, slot: Callable[[], Any] | SignalInstance, name: str = "") -> QPushButton:
    """A push button with its tooltip, running ``slot`` when clicked; ``name`` "primary" gives it
    the accent look of a card's main action."""
    push = QPushButton(text)
    if name:
        push.setObjectName(name)
    push.setToolTip(tip)
    push.clicked.connect(slot)
    return push
