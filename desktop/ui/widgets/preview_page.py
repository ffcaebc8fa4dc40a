"""Preview: a rehearsal space to see what the understudy would reply."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.widgets.page import Page, coming_soon_card


class PreviewPage(Page):
    label = "Preview"
    icon_name = "preview"
    title = "Try it out"
    summary = (
        "Type a message a fan might send and watch your understudy draft a reply, along with the past "
        "posts and replies it drew on. It's a rehearsal: nothing is saved or sent."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(
            coming_soon_card(
                "What you will see here",
                [
                    "A message box, and the draft appearing word by word as it is written.",
                    "The sources behind each draft: which of your own replies it learned from.",
                    "Quick comparisons as you move the persona sliders.",
                ],
                "The preview is being built.",
            )
        )
