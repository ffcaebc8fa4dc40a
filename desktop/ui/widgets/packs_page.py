"""Packs: approved replies bundled for the creator's own posting tool."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.widgets.page import Page, coming_soon_card


class PacksPage(Page):
    label = "Packs"
    icon_name = "packs"
    title = "Reply packs"
    summary = (
        "Approved replies are gathered into a reply pack: a zip file you take to your posting tool "
        "yourself. Understudy never posts for you and never signs in to your accounts."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(
            coming_soon_card(
                "What you will find here",
                [
                    "Packs of approved replies, ready to save wherever you like.",
                    "What is in each pack, and when you made it.",
                ],
                "Reply packs are being built.",
            )
        )
