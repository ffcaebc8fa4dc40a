"""The Import page's "Your archives": a card per imported archive, their totals, and the notes
that say what happened (loading, nothing imported yet, an archive removed, an error)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from desktop.ui.theme import ERROR_COLOR, plural
from desktop.ui.widgets.importing.source_card import SourceCard

EMPTY_SOURCES_TEXT = (
    'No archives imported yet. Request the "download your data" export from each platform, '
    "then drop the zip here."
)


def _muted_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


def error_style(error: bool) -> str:
    """A label's style sheet: the theme's error colour, or the label's own."""
    return f"color: {ERROR_COLOR};" if error else ""


class SourcesSection(QWidget):
    """``cards`` (one ``SourceCard`` per archive) under a heading with their totals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards: list[SourceCard] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)  # the page body's spacing: the section reads as part of the page
        sources_header = QHBoxLayout()
        sources_title = QLabel("Your archives")
        sources_title.setObjectName("cardTitle")
        self.sources_status = _muted_label("")
        self.sources_status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        sources_header.addWidget(sources_title)
        sources_header.addWidget(self.sources_status, 1)
        layout.addLayout(sources_header)
        self.empty_label = _muted_label("Loading your archives…")
        layout.addWidget(self.empty_label)
        self.notice_label = _muted_label("")
        self.notice_label.hide()
        layout.addWidget(self.notice_label)
        self.cards_layout = QVBoxLayout()
        self.cards_layout.setSpacing(10)
        layout.addLayout(self.cards_layout)

    def show_loading(self) -> None:
        self.empty_label.setText("Loading your archives…")
        self.empty_label.show()

    def show_sources(self, sources: list[Any]) -> list[SourceCard]:
        """A card per source (replacing the old ones); returns the new cards."""
        for old in self.cards:
            self.cards_layout.removeWidget(old)
            old.deleteLater()
        self.cards = []
        for overview in sources:
            source_card = SourceCard(overview)
            self.cards_layout.addWidget(source_card)
            self.cards.append(source_card)
        self.empty_label.setText(EMPTY_SOURCES_TEXT)
        self.empty_label.setStyleSheet("")
        self.empty_label.setVisible(not self.cards)
        if self.cards:
            total = sum(int(getattr(o, "items", 0)) for o in sources)
            self.sources_status.setText(f"{plural(len(self.cards), 'archive')} · {plural(total, 'item')}")
        else:
            self.sources_status.setText("")
        return self.cards

    def show_failed(self, text: str) -> None:
        self.empty_label.setText(text)
        self.empty_label.setStyleSheet(error_style(True))
        self.empty_label.show()

    def notice(self, text: str, *, error: bool = False) -> None:
        self.notice_label.setText(text)
        self.notice_label.setStyleSheet(error_style(error))
        self.notice_label.setVisible(bool(text))

    def card_for(self, source_id: int) -> SourceCard | None:
        return next((c for c in self.cards if c.source_id == source_id), None)
