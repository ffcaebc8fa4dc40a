"""The Persona page's Boundaries tab: what the clone must never do.

Topics to avoid (with canned replies), phrases it must never say, private facts, topics the
creator answers personally, what it may promise, and AI disclosure with the replies the guard
offers in the creator's own words. Turning disclosure off asks first.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.persona.model import (
    AI_DISCLOSURE_RULES,
    DEFAULT_DISCLOSURE_REPLY,
    DEFAULT_NO_ANSWER_REPLY,
    DISCLOSURE_POSITIONS,
    PROMISE_KINDS,
    Persona,
)
from desktop.ui.widgets.persona.field_editor import FieldEditor
from desktop.ui.widgets.persona.fields import ReplyEdit, heading, set_checked, set_line

PROMISE_LABELS = {
    "prices": "Prices", "discounts": "Discounts", "giveaways": "Giveaways", "meetups": "Meetups",
}  # fmt: skip


def disclosure_off_box(parent: QWidget | None) -> tuple[QMessageBox, QPushButton]:
    """The confirmation asked before AI disclosure is turned off, and its "Turn it off" button.

    It says what the platforms' own rules ask of AI replies (``AI_DISCLOSURE_RULES``); Cancel
    (the default, and Esc) keeps disclosure on.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Turn AI disclosure off?")
    box.setText("Turn AI disclosure off?")
    box.setInformativeText(AI_DISCLOSURE_RULES)
    turn_off = box.addButton("Turn it off", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box, turn_off


def confirm_disclosure_off(parent: QWidget | None) -> bool:
    """Ask before turning AI disclosure off; True only when the creator confirms (a module
    function, so that tests can answer it)."""
    box, turn_off = disclosure_off_box(parent)
    box.exec()
    return box.clickedButton() is turn_off


def _column(title: str, tooltip: str) -> tuple[QWidget, QVBoxLayout]:
    """A widget holding a heading and, below it, what the caller adds to its layout."""
    widget = QWidget()
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    layout.addWidget(heading(title, tooltip))
    return widget, layout


class BoundariesEditor(FieldEditor):
    """What the clone must never do: topics, phrases, promises, private facts, escalations, disclosure."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.avoid = self._pairs(
            "boundaries.avoid_topics",
            "Topics to avoid",
            ("Topic", "Canned reply (optional)"),
            ("A topic, e.g. politics", "What to say instead, in your words"),
            "A message on one of these gets no draft from the model; your canned reply is offered instead.",
        )
        self.never_say = self._list(
            "boundaries.never_say",
            "Never say",
            "A phrase, or re: a pattern",
            "Phrases that must never appear in a draft. Start with re: for a regular expression.",
        )
        self.private = self._list(
            "boundaries.private_facts",
            "Private facts",
            "e.g. my home address",
            "Things about you a draft must never reveal; the guard checks every draft for them.",
        )
        self.escalate = self._list(
            "boundaries.escalation_topics",
            "Answer these yourself",
            "e.g. injuries",
            "Messages about these get no draft, only a flag for you to answer personally.",
        )
        self.thanks = self._list(
            "boundaries.thanks_replies",
            "Quick thanks",
            "e.g. Thank you, this made my day!",
            "A fan message that is only praise or thanks gets one of these as its draft, "
            "with the model's drafts as alternatives. Remove them all to draft praise like the rest.",
        )
        self.cheers = self._list(
            "boundaries.cheer_replies",
            "Quick cheers",
            "e.g. Love to hear it!",
            "A fan's good news (a first loaf, a new PR) gets one of these as its draft; "
            "with none, a quick thanks.",
        )
        self._lay_out(
            [
                (self.avoid, 0, 0, 1, 2),
                (self.never_say, 1, 0, 1, 1),
                (self.private, 1, 1, 1, 1),
                (self.escalate, 2, 0, 1, 1),
                (self._build_promises(), 2, 1, 1, 1),
                (self._build_disclosure(), 3, 0, 1, 2),
                (self.thanks, 4, 0, 1, 1),
                (self.cheers, 4, 1, 1, 1),
            ],
        )

    def _build_promises(self) -> QWidget:
        """What a draft may promise (one box a kind) and whether it may get personal."""
        promises, layout = _column(
            "It may promise", "Unticked: a draft that promises this is blocked and left to you."
        )
        self.promise_boxes: dict[str, QCheckBox] = {}
        boxes = QGridLayout()
        boxes.setHorizontalSpacing(12)
        for index, kind in enumerate(PROMISE_KINDS):
            box = QCheckBox(PROMISE_LABELS.get(kind, kind.title()))
            box.setToolTip(f"Whether a draft may promise {kind} (unticked: blocked).")
            box.toggled.connect(
                lambda on, kind=kind: self.edited.emit(
                    f"boundaries.promises.{kind}", on, f"{'Allow' if on else 'Forbid'} promising {kind}"
                )
            )
            boxes.addWidget(box, index // 2, index % 2)
            self.promise_boxes[kind] = box
        layout.addLayout(boxes)
        self.personal = QCheckBox("Personal details (family, where I live)")
        self.personal.setToolTip("Whether a draft may mention your address, phone, family and other details.")
        self.personal.toggled.connect(
            lambda on: self.edited.emit("boundaries.allow_personal_details", on, "Change personal details")
        )
        layout.addWidget(self.personal)
        layout.addStretch(1)
        return promises

    def _build_disclosure(self) -> QWidget:
        """The AI disclosure label (on or off, its words, where it goes) and the guard's replies."""
        disclosure, layout = _column("AI disclosure", "A label added to every draft, so fans know.")
        self.disclose = QCheckBox("Add a label to every draft")
        self.disclose.setToolTip(
            "Platforms ask that replies written with AI say so; turning this off asks first."
        )
        self.disclose.toggled.connect(self._on_disclose_toggled)
        self.label_entry = self._line(
            "boundaries.disclosure_label",
            "Disclosure label",
            "(drafted with AI, reviewed by me)",
            "The words added to each draft.",
        )
        self.position = QComboBox()
        self.position.setAccessibleName("Where the label goes")
        for position in DISCLOSURE_POSITIONS:
            self.position.addItem(f"at the {position}", position)
        self.position.activated.connect(
            lambda _index: self.edited.emit(
                "boundaries.disclosure_position", self.position.currentData(), "Move the disclosure label"
            )
        )
        label_row = QHBoxLayout()
        label_row.setSpacing(6)
        label_row.addWidget(self.label_entry, 1)
        label_row.addWidget(self.position)
        layout.addWidget(self.disclose)
        layout.addLayout(label_row)
        layout.addSpacing(8)
        layout.addLayout(self._build_replies())
        layout.addStretch(1)
        return disclosure

    def _build_replies(self) -> QGridLayout:
        """Replies the guard offers in the creator's own words (whether the label is on or off)."""
        self.disclosure_reply_entry = self._reply_line(
            "boundaries.disclosure_reply",
            "Answer to “are you a bot?”",
            DEFAULT_DISCLOSURE_REPLY,
            "Offered instead of a draft that dodges a fan's question about being a person or an AI.",
        )
        self.no_answer_entry = self._reply_line(
            "boundaries.no_answer_reply",
            "When you have no answer",
            DEFAULT_NO_ANSWER_REPLY,
            "The draft when a fan asks for a fact (a price, a date, a place) that neither your facts nor "
            "anything you wrote answers: never an invented one. Marked “needs your answer”.",
        )
        replies = QGridLayout()
        replies.setHorizontalSpacing(18)
        replies.setVerticalSpacing(4)
        for column, entry in enumerate((self.disclosure_reply_entry, self.no_answer_entry)):
            label = heading(entry.accessibleName(), entry.toolTip())
            label.setBuddy(entry)
            replies.addWidget(label, 0, column)
            replies.addWidget(entry, 1, column)
            replies.setColumnStretch(column, 1)
        return replies

    def _reply_line(self, key: str, title: str, default: str, tooltip: str) -> ReplyEdit:
        """A reply in the creator's words; left empty, it goes back to the default wording."""
        entry = ReplyEdit()
        entry.setPlaceholderText(default)
        entry.setAccessibleName(title)
        entry.setToolTip(tooltip)

        def commit() -> None:  # on Enter or leaving the field, not on every key
            text = entry.text().strip() or default
            if entry.text() != text:
                entry.set_text(text)
            self.edited.emit(key, text, f"Edit {title.lower()}")

        # GUI thread only: the entry is this editor's own widget.
        entry.editing_finished.connect(commit)
        return entry

    @Slot(bool)
    def _on_disclose_toggled(self, on: bool) -> None:
        # Turning disclosure off is asked first, with what the platforms ask of AI replies;
        # Cancel leaves it on (and nothing changes in the persona).
        if not on and not confirm_disclosure_off(self.window()):
            set_checked(self.disclose, True)
            return
        self.edited.emit("boundaries.disclose_ai", on, "Change AI disclosure")

    def show_persona(self, persona: Persona) -> None:
        bounds = persona.boundaries
        self.avoid.set_pairs([(t, bounds.canned_replies.get(t, "")) for t in bounds.avoid_topics])
        self.never_say.set_items(bounds.never_say)
        self.private.set_items(bounds.private_facts)
        self.escalate.set_items(bounds.escalation_topics)
        self.thanks.set_items(bounds.thanks_replies)
        self.cheers.set_items(bounds.cheer_replies)
        for kind, box in self.promise_boxes.items():
            set_checked(box, bounds.promise_allowed(kind))
        set_checked(self.personal, bounds.allow_personal_details)
        set_checked(self.disclose, bounds.disclose_ai)
        set_line(self.label_entry, bounds.disclosure_label)
        self.disclosure_reply_entry.set_text(bounds.disclosure_reply)
        self.no_answer_entry.set_text(bounds.no_answer_reply)
        self.label_entry.setEnabled(bounds.disclose_ai)
        self.position.setEnabled(bounds.disclose_ai)
        index = self.position.findData(bounds.disclosure_position)
        if index >= 0 and index != self.position.currentIndex():
            self.position.setCurrentIndex(index)
