"""Inbox: drafted replies waiting for the creator's decision."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.widgets.page import Page, coming_soon_card


class InboxPage(Page):
    label = "Inbox"
    icon_name = "inbox"
    title = "Inbox"
    summary = (
        "Drafted replies wait here for you. Approve, edit or reject each one: nothing is ever sent on "
        "its own, and every draft shows where its words came from."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(
            coming_soon_card(
                "What you will do here",
                [
                    "Read each incoming message next to the reply drafted for it.",
                    "Approve it as it is, edit it, ask for another try, or reject it.",
                    "See a full history of what was drafted and what you changed.",
                ],
                "The inbox is being built.",
            )
        )
