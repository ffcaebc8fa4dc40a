"""Box layouts with their margins and spacing in one call: the three lines every card repeats."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QBoxLayout, QWidget

Box = TypeVar("Box", bound=QBoxLayout)


def box_layout(
    kind: type[Box],
    parent: QWidget | None = None,
    *,
    margins: tuple[int, int, int, int] | None = None,
    spacing: int | None = None,
) -> Box:
    """A ``kind`` (QVBoxLayout or QHBoxLayout), ``parent``'s layout when given; ``margins`` left,
    top, right, bottom."""
    layout = kind(parent) if parent is not None else kind()
    if margins is not None:
        layout.setContentsMargins(*margins)
    if spacing is not None:
        layout.setSpacing(spacing)
    return layout
