"""The Preview page's sources card: the creator's past replies and posts a draft drew on."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QFrame, QWidget

from desktop.ui.theme import TEXT_MUTED
from desktop.ui.widgets.findings.shown import one_line
from desktop.ui.widgets.page import card_layout
from desktop.ui.widgets.preview.guard_card import rich_label


class SourcesCard(QFrame):
    """``label`` lists the sources of the draft shown (``sources_html``)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = card_layout(self, "Sources")
        self.label = rich_label("The past replies and posts a draft drew on appear here.", "Sources used")
        layout.addWidget(self.label)


def sources_html(sources: list[Any]) -> str:
    """The sources, best first, each with its kind and score (rich text)."""
    if not sources:
        return f"<span style='color:{TEXT_MUTED}'>No sources: nothing you wrote matched this message.</span>"
    items = []
    for source in sources:
        kind = "past reply" if source.role == "example" else "your post"
        items.append(
            f"<li><span style='color:{TEXT_MUTED}'>{kind} · {source.score:.2f}</span><br>"
            f"{html.escape(one_line(source.text, 160))}</li>"
        )
    return "<ol style='margin:0 0 0 -20px'>" + "".join(items) + "</ol>"
