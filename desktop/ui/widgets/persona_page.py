"""Persona: how the creator's understudy sounds and what it must never say."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.ui.widgets.page import Page, coming_soon_card


class PersonaPage(Page):
    label = "Persona"
    icon_name = "persona"
    title = "Your persona"
    summary = (
        "Tune how your understudy sounds: how casual or polished, how playful, how long its replies are, "
        "and the topics it must never touch. It learns your style from your own posts; you hold the dials."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body.addWidget(
            coming_soon_card(
                "What you will set here",
                [
                    "Sliders for tone, warmth, humour, emoji and reply length.",
                    "Boundaries: subjects to avoid, and things it should never promise.",
                    "Your style profile, learned from what you imported, so you can see what it picked up.",
                    "Saved versions, so you can go back to a persona you liked.",
                ],
                "The persona editor is being built.",
            )
        )
