"""The Preview page's draft card: the reply as it is written, the guard's verdict above it, the
numbered alternatives to compare, and under it the timings and the prompt's token budget."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.ui.theme import OK_COLOR
from desktop.ui.widgets.findings.draft_view import DraftView, banner_style
from desktop.ui.widgets.page import card_layout
from desktop.ui.widgets.preview.draft_text import alternative_color, alternative_tooltip
from desktop.ui.widgets.preview_parts import BudgetMeter, budget_legend


def _muted_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("muted")
    return label


def _arrow_button(text: str, tooltip: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tooltip)
    button.setAccessibleName(name)
    button.setFixedWidth(32)
    return button


class DraftCard(QFrame):
    """The draft and what is known about it; the page fills it and connects its buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        draft_layout = card_layout(self)
        self.previous_button = _arrow_button(
            "‹", "Previous alternative (Alt+Left, or 1-9)", "Previous alternative"
        )
        self.next_button = _arrow_button("›", "Next alternative (Alt+Right)", "Next alternative")
        self.view = DraftView(
            "Draft",
            "Guard verdict",
            "The reply appears here as it is written.",
            96,
            heading_spacing=6,
            arrows=(self.previous_button, self.next_button),
        )
        draft_layout.addWidget(self.view, 1)
        # The parts the page drives, by the names it and the tests reach for.
        self.answer_badge, self.alternatives_label = self.view.answer_badge, self.view.count_label
        self.alternative_group, self.verdict = self.view.choice_group, self.view.banner
        self.reply_view, self.highlighter = self.view.editor, self.view.highlighter
        self.meta_label = _muted_label()
        self.meta_label.setWordWrap(True)
        self.meta_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        draft_layout.addWidget(self.meta_label)
        budget_row = QHBoxLayout()
        budget_row.setSpacing(10)
        budget_caption = QLabel("Prompt")
        budget_caption.setObjectName("muted")
        self.budget_meter = BudgetMeter()
        self.prompt_button = QPushButton("Show prompt…")
        self.prompt_button.setToolTip("See the exact prompt sent to the model")
        self.prompt_button.setAccessibleName("Show the exact prompt")
        budget_row.addWidget(budget_caption)
        budget_row.addWidget(self.budget_meter, 1)
        budget_row.addWidget(self.prompt_button)
        draft_layout.addLayout(budget_row)
        self.budget_legend = _muted_label()
        self.budget_legend.setTextFormat(Qt.TextFormat.RichText)
        self.budget_legend.setWordWrap(True)
        draft_layout.addWidget(self.budget_legend)

    def set_verdict(self, text: str, color: str = OK_COLOR) -> None:
        """The tinted line above the draft ("" hides it)."""
        self.view.show_banner(text, banner_style(color))

    def show_budget(self, budget: Any) -> None:
        """The prompt's token budget, as the meter and its legend (None: empty)."""
        self.budget_meter.set_budget(budget)
        self.budget_legend.setText(budget_legend(budget))

    def show_alternatives(self, drafts: list[Any], current: int, *, enabled: bool) -> None:
        """One numbered button per draft (``current`` checked), "2 of 3" and the arrows;
        ``enabled`` is False while a draft is being written."""
        self.view.clear_choices()
        for index, draft in enumerate(drafts):
            button = QPushButton(str(index + 1))
            button.setCheckable(True)
            button.setFixedWidth(34)
            button.setStyleSheet(f"QPushButton {{ border-bottom: 3px solid {alternative_color(draft)}; }}")
            button.setToolTip(alternative_tooltip(draft, index))
            button.setAccessibleName(f"Alternative {index + 1}")
            button.setChecked(index == current)
            button.setEnabled(enabled)
            self.view.add_choice(button, index)
        count = len(drafts)
        self.alternatives_label.setText(f"{current + 1} of {count}" if count > 1 and current >= 0 else "")
        self.previous_button.setVisible(count > 1)
        self.next_button.setVisible(count > 1)
        self.previous_button.setEnabled(enabled and current > 0)
        self.next_button.setEnabled(enabled and current < count - 1)
