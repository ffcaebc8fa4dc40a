"""The Preview page's message card: the message to reply to, messages to try, and the buttons
that draft, draft again with a new seed, or stop."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

from desktop.ui.widgets.findings.shown import one_line
from desktop.ui.widgets.page import card_layout

#: Messages to try when the store has none awaiting a reply (and beside those that do).
SAMPLE_MESSAGES = [
    "Love your videos! What protein do you use?",
    "When is your next tour date?",
    "Are you a bot?",
    "Can I get a discount code?",
    "What's your address? I'd love to send you a gift.",
]
PICK_PROMPT = "Pick a message to try…"


def _button(text: str, tooltip: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tooltip)
    button.setAccessibleName(name)
    return button


class MessageCard(QFrame):
    """The message box and its actions (the page connects the buttons)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = card_layout(self, "Message")
        self.message_edit = QPlainTextEdit()
        self.message_edit.setPlaceholderText("Type a message a fan might send, or pick one below…")
        self.message_edit.setAccessibleName("Message to reply to")
        self.message_edit.setTabChangesFocus(True)
        self.message_edit.setFixedHeight(72)
        layout.addWidget(self.message_edit)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.samples = QComboBox()
        self.samples.setAccessibleName("Messages to try")
        self.samples.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.samples.setMinimumContentsLength(28)
        self.samples.activated.connect(self._on_sample_chosen)
        self.fill_samples([])
        self.stop_button = _button("Stop", "Stop writing (Esc)", "Stop the draft")
        self.regenerate_button = _button(
            "Try another",
            "Draft again with a new seed, keeping this one to compare (Ctrl+R)",
            "Regenerate with a new seed",
        )
        self.draft_button = _button("Draft reply", "Draft a reply (Ctrl+Enter)", "Draft a reply")
        self.draft_button.setObjectName("primary")
        actions.addWidget(self.samples, 1)
        actions.addStretch(0)
        actions.addWidget(self.stop_button)
        actions.addWidget(self.regenerate_button)
        actions.addWidget(self.draft_button)
        layout.addLayout(actions)

    def message(self) -> str:
        return self.message_edit.toPlainText().strip()

    def fill_samples(self, candidates: list[str]) -> None:
        """The messages to try: those awaiting the creator's reply first, then the samples."""
        self.samples.clear()
        self.samples.addItem(PICK_PROMPT, None)
        if candidates:
            for text in candidates:
                self.samples.addItem(f"Awaiting you: {one_line(text)}", text)
            self.samples.insertSeparator(self.samples.count())
        for text in SAMPLE_MESSAGES:
            self.samples.addItem(f"Sample: {text}", text)

    @Slot(int)
    def _on_sample_chosen(self, index: int) -> None:
        text = self.samples.itemData(index)
        if isinstance(text, str) and text:
            self.message_edit.setPlainText(text)
            self.message_edit.setFocus()
        self.samples.setCurrentIndex(0)
