"""One sample of the Persona page's live preview: a message a fan might send (editable) and
the reply the working persona drafts for it, streamed as it is written, with a line on its
length and what the guard found.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.theme import ACCENT_SOFT, ERROR_COLOR, OK_COLOR, TEXT, WARNING_COLOR, plural
from desktop.ui.widgets.persona.fields import muted, set_line
from desktop.ui.workers import Failure

#: A reply drafted for a persona that has changed since: greyed out until the new one comes.
STALE_COLOR = "#9ca3af"


class PreviewPane(QWidget):
    """One sample message (editable) and the reply the working persona drafts for it."""

    message_edited = Signal()

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.edited_by_creator = False
        self.text = ""
        self.complete = False  # the reply shown is a finished draft (not a cut-off one)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.message_entry = QLineEdit()
        self.message_entry.setAccessibleName(f"Sample message {number}")
        self.message_entry.setPlaceholderText("A message a fan might send…")
        self.message_entry.setToolTip(
            "Edit the message; the reply is drafted again when you press Enter or leave the field."
        )
        self.message_entry.editingFinished.connect(self._on_edited)
        self.reply_label = QLabel("")
        self.reply_label.setObjectName("previewReply")
        self.reply_label.setWordWrap(True)
        self.reply_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reply_label.setAccessibleName(f"Drafted reply {number}")
        self.reply_label.setMinimumHeight(44)
        self.reply_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.meta_label = muted("", wrap=True, small=True)
        self.meta_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.message_entry)
        layout.addWidget(self.reply_label)
        layout.addWidget(self.meta_label)
        self._style_reply(stale=False)
        self.reply_label.setText("")

    def message(self) -> str:
        return self.message_entry.text().strip()

    def set_message(self, text: str) -> None:
        set_line(self.message_entry, text)

    def _on_edited(self) -> None:
        self.edited_by_creator = True
        self.message_edited.emit()

    def _style_reply(self, *, stale: bool) -> None:
        color = STALE_COLOR if stale else TEXT
        self.reply_label.setStyleSheet(
            f"QLabel#previewReply {{ color: {color}; background: #f5f7ff; border: 1px solid {ACCENT_SOFT};"
            " border-radius: 8px; padding: 7px 9px; }"
        )

    def set_stale(self, note: str = "updating…") -> None:
        """The persona changed since this reply was drafted: grey it out until the new one comes."""
        self._style_reply(stale=True)
        self.meta_label.setText(note)

    def begin(self) -> None:
        self.text = ""
        if not self.complete:
            self.reply_label.setText("")  # half a cancelled draft says nothing worth keeping
        self._style_reply(stale=True)
        self.meta_label.setText("waiting for its turn…")

    def start(self) -> None:
        self.meta_label.setText("writing…")

    def append(self, piece: str) -> None:
        if not self.text:
            self._style_reply(stale=False)
            self.meta_label.setText("writing…")
        self.complete = False
        self.text += piece
        self.reply_label.setText(self.text.strip())

    def restart_attempt(self, regenerating: Any) -> None:
        """The guard sent the attempt back (a ``Regenerating``): what was written so far is void."""
        reason = str(getattr(regenerating, "reason", ""))
        self.text = ""
        self.reply_label.setText("")
        self.meta_label.setText(html.escape(f"the guard sent that attempt back ({reason}); trying again…"))

    def finish(self, draft: Any) -> None:
        from desktop.core.persona.style import style_features

        self._style_reply(stale=False)
        self.complete = True
        if not draft.triage.draft_allowed:
            self.text = ""
            self.reply_label.setText("No draft: this message needs you.")
            self.meta_label.setText(html.escape("; ".join(draft.triage.reasons) or "left for you to answer"))
            return
        self.text = draft.text
        self.reply_label.setText(draft.text.strip() or "(an empty reply)")
        features = style_features(draft.text)
        parts = [plural(features.words, "word"), plural(features.emoji, "emoji", "emoji")]
        if features.questions:
            parts.append(plural(features.questions, "question"))
        if features.exclamations:
            parts.append(plural(features.exclamations, "“!”", "“!”"))
        guard = draft.guard
        findings = [f"{f.severity}: {f.message}" for f in guard.findings] if guard is not None else []
        self.meta_label.setToolTip("\n".join(findings) or "The guard found nothing to flag.")
        if guard is not None and guard.blocked:
            first = next((f.message for f in guard.findings if f.severity == "block"), "a boundary")
            parts.append(_coloured(f"blocked: {html.escape(first)}", ERROR_COLOR))
        elif guard is not None and any(f.kind == "needs_answer" for f in guard.findings):
            parts.append(_coloured("needs your answer", WARNING_COLOR))
        elif guard is not None and guard.needs_edit:
            parts.append(_coloured("would need an edit", WARNING_COLOR))
        else:
            parts.append(_coloured("looks fine", OK_COLOR))
        self.meta_label.setText(" · ".join(parts))

    def fail(self, failure: Failure) -> None:
        self._style_reply(stale=False)
        self.complete = True
        self.text = ""
        self.reply_label.setText("")
        self.meta_label.setText(_coloured(f"Could not draft: {html.escape(failure.text)}", ERROR_COLOR))


def _coloured(markup: str, colour: str) -> str:
    """``markup`` (escaped already) in ``colour``, for the rich-text line under a reply."""
    return f"<span style='color:{colour}'>{markup}</span>"
