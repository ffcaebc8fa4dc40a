"""The Inbox's confirmation before approving many replies at once (module functions, so tests can answer)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def approve_all_question(count: int) -> tuple[str, str]:
    """The confirmation's question and its details, with the count the creator approves."""
    replies = "reply" if count == 1 else "replies"
    return (
        f"Approve {count} drafted {replies}?",
        f"The {count} {replies} nothing flagged will be approved as written and leave with the next reply "
        "pack. Flagged messages are left for you. Ctrl+Z takes them all back.",
    )


def confirm_approve_all(parent: QWidget, count: int) -> bool:
    """Ask before approving ``count`` replies at once."""
    question, details = approve_all_question(count)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Approve all unflagged")
    box.setText(question)
    box.setInformativeText(details)
    approve = box.addButton(f"Approve {count}", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is approve
