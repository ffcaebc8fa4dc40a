"""A draft with its findings, drawn the same way on the Preview page and in the Inbox (issue 19).

``DraftView`` is the part of a draft card both share: the heading (the card's title, the yellow
"needs your answer" badge, which alternative is shown and the numbered buttons to switch), the
tinted banner above the reply (Preview's verdict, the Inbox's flag), and the read-only reply with
the guard's flagged words marked by its ``FindingHighlighter``. Each card adds what is its own
under it (Preview: timings and the prompt's budget; Inbox: the findings, notes and actions); a
``FindingsList`` built on ``highlighter`` and ``answer_badge`` lists the findings and keeps the
badge in step.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.widgets.findings_view import FindingHighlighter, needs_answer_badge

#: The spacing of a card's layout (``page.card_layout``): the view's rows sit as if laid in the card.
CARD_SPACING = 8


def banner_style(color: str, padding: str = "8px 10px", weight: int = 600) -> str:
    """A tinted, bordered label in ``color`` (the line above the draft)."""
    # Qt's 8-digit hex colours are #AARRGGBB, so the tints are written as rgba().
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    bold = f" font-weight: {weight};" if weight != 400 else ""
    return (
        f"QLabel {{ color: {color}; background: rgba({red}, {green}, {blue}, 20);"
        f" border: 1px solid rgba({red}, {green}, {blue}, 90);"
        f" border-radius: 8px; padding: {padding};{bold} }}"
    )


class DraftView(QWidget):
    """The heading, the banner and the reply of a draft card (see the module's docstring):
    ``banner_name`` is the banner's accessible name, ``placeholder`` and ``min_height`` the
    empty reply's, ``arrows`` the previous / next buttons around the alternatives, if any."""

    def __init__(
        self,
        title: str,
        banner_name: str,
        placeholder: str,
        min_height: int,
        *,
        heading_spacing: int,
        arrows: tuple[QPushButton, QPushButton] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(CARD_SPACING)
        header = QHBoxLayout()
        header.setSpacing(heading_spacing)
        heading = QLabel(title)
        heading.setObjectName("cardTitle")
        header.addWidget(heading)
        self.answer_badge = needs_answer_badge()
        header.addWidget(self.answer_badge)
        header.addStretch(1)
        #: "2 of 3", "Options · Best": which alternative is shown.
        self.count_label = QLabel("")
        self.count_label.setObjectName("muted")
        header.addWidget(self.count_label)
        if arrows is not None:
            header.addWidget(arrows[0])
        self.choice_row = QHBoxLayout()
        self.choice_row.setSpacing(4)
        header.addLayout(self.choice_row)
        self.choice_group = QButtonGroup(self)
        self.choice_group.setExclusive(True)
        if arrows is not None:
            header.addWidget(arrows[1])
        layout.addLayout(header)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(banner_name)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.editor = QPlainTextEdit()
        self.editor.setReadOnly(True)
        self.editor.setAccessibleName("Drafted reply")
        self.editor.setPlaceholderText(placeholder)
        self.editor.setMinimumHeight(min_height)
        # The guard's flagged words are marked in the reply (red: blocks it, amber: check it);
        # the marks follow the text as it changes.
        self.highlighter = FindingHighlighter(self.editor)
        layout.addWidget(self.editor, 1)

    def show_banner(self, text: str, style: str = "", tooltip: str = "") -> None:
        """The tinted line above the reply, in ``style`` (``banner_style``); "" hides it."""
        self.banner.setVisible(bool(text))
        self.banner.setText(text)
        self.banner.setToolTip(tooltip)
        self.banner.setStyleSheet(style if text else "")

    def clear_choices(self) -> None:
        """Take the alternatives' buttons away before new ones come."""
        for button in self.choice_group.buttons():
            self.choice_group.removeButton(button)
            self.choice_row.removeWidget(button)
            button.hide()  # gone at once, not only when the deferred delete runs
            button.deleteLater()

    def add_choice(self, button: QPushButton, choice_id: int) -> None:
        """Add an alternative's numbered button (``choice_id`` is what ``choice_group`` reports)."""
        self.choice_group.addButton(button, choice_id)
        self.choice_row.addWidget(button)
