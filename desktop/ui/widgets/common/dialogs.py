"""The app's two kinds of question box: Yes/Cancel before removing something, and a choice
between named buttons. Cancel (or Keep) is the default, so Enter never removes anything."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QMessageBox, QWidget

Role = QMessageBox.ButtonRole


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Yes / Cancel, Cancel by default; True when the creator said Yes."""
    yes, cancel = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Cancel
    return QMessageBox.question(parent, title, text, yes | cancel, cancel) == yes


def choose(
    parent: QWidget,
    title: str,
    text: str,
    detail: str,
    buttons: Sequence[tuple[str, Role]],
    default: int,
    cancel: bool = False,
) -> int | None:
    """Ask with ``buttons`` (label, role), ``default`` the one Enter presses, plus Cancel when
    ``cancel``; returns the index of the button clicked, None for Cancel or a closed box."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(detail)
    added = [box.addButton(label, role) for label, role in buttons]
    if cancel:
        box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(added[default])
    box.exec()
    clicked = box.clickedButton()
    return next((index for index, push in enumerate(added) if push is clicked), None)
