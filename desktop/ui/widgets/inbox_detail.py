"""The right side of the Inbox: a message with its conversation, the draft, its options, guard and sources.

It only shows what it is given (an ``EntryDetail``) and reports what the creator does to the
draft's text; the Inbox page decides what happens (see ``inbox/message_pane``).
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.display_text import for_display, isolated, plain_name
from desktop.ui.theme import ACCENT, ACCENT_DARK, ACCENT_SOFT, TEXT_MUTED
from desktop.ui.widgets.common.labels import selectable_label
from desktop.ui.widgets.findings.draft_view import DraftView, banner_style
from desktop.ui.widgets.findings.shown import has_needs_answer, shown_findings
from desktop.ui.widgets.findings_view import FindingsList
from desktop.ui.widgets.inbox_model import STATE_COLORS, STATE_LABELS
from desktop.ui.widgets.page import card
from desktop.ui.widgets.preview_parts import GREEN, RED, YELLOW, option_tooltip, score_parts_inline

#: Narrow buttons (the theme's padding would hide the digit); the chosen option stands out.
OPTION_STYLE = (
    "QPushButton { padding: 4px 0px; }"
    f" QPushButton:checked {{ background: {ACCENT_SOFT}; border: 1px solid {ACCENT}; color: {ACCENT_DARK};"
    " font-weight: 600; }"
)


NO_DRAFT_YET = "No draft yet: press R to draft this one, or use Draft all."
THREAD_LINE_LIMIT = 2_000
"""Characters shown of each earlier message (the message itself gets ``DISPLAY_LIMIT``)."""


def when(created_at: str | None) -> str:
    """``2024-11-10T10:09:00Z`` as ``2024-11-10 10:09`` (UTC; the list needs no more)."""
    return (created_at or "")[:16].replace("T", " ")


def thread_html(lines: list[Any], sender: str | None, limit: int = THREAD_LINE_LIMIT) -> str:
    """The conversation above a message, fan text escaped, names isolated, long lines cut."""
    if not lines:
        return ""
    rows = []
    for line in lines:
        who = "You" if line.is_owner else (plain_name(line.sender or sender or "") or "Them")
        color = ACCENT_DARK if line.is_owner else TEXT_MUTED
        rows.append(
            f"<p style='margin:0 0 4px 0'><b style='color:{color}'>{html.escape(who)}:</b> "
            f"<span style='color:#374151'>{html.escape(isolated(for_display(line.text, limit)))}</span></p>"
        )
    return "".join(rows)


def findings_html(detail: Any) -> str:
    """The guard card's summary; the findings themselves are listed under it (``FindingsList``)."""
    entry = detail.entry
    if not detail.findings and entry.draft_id is None:
        return f"<span style='color:{TEXT_MUTED}'>The guard checks each draft when it is written.</span>"
    if not detail.findings:
        return f"<span style='color:{GREEN}'>No findings: nothing unsupported or off-limits.</span>"
    count = len(detail.findings)
    return f"{count} finding{'s' if count != 1 else ''}, listed under the reply and marked in it."


def flag_text(reason: str, findings: list[Any]) -> str:
    """The flag's reason for the banner, less what the findings listed under the reply already say."""
    if not findings:
        return reason
    rest_text = reason
    messages = {f.message.strip().rstrip(".") for f in findings if f.message.strip()}
    for message in sorted(messages, key=len, reverse=True):
        rest_text = rest_text.replace(message, "")  # (a message may hold "; " itself: not split first)
    rest = [part.strip() for part in rest_text.split(";") if part.strip(" .")]
    count = len(findings)
    head = f"the guard found {count} thing{'s' if count != 1 else ''}, listed under the reply"
    if has_needs_answer(findings) and count == 1:
        head = "nothing you wrote answers this: add the answer, or send your “let me check” reply as it is"
    return "; ".join([head, *rest])


def original_text(detail: Any) -> str | None:
    """The draft as the guard checked it (the chosen option's text), which the findings' spans index."""
    chosen = next((a for a in detail.alternatives if a.chosen), None)
    if chosen is not None:
        return str(chosen.text)
    entry = detail.entry
    return None if entry.edited or detail.pending_text is not None else (entry.draft_text or "")


def sources_html(sources: list[Any]) -> str:
    if not sources:
        return f"<span style='color:{TEXT_MUTED}'>No sources: nothing you wrote matched this message.</span>"
    items = []
    for source in sources[:6]:
        kind = "past reply" if source.get("role") == "example" else "your post"
        text = " ".join(str(source.get("text", "")).split())
        text = text if len(text) <= 160 else text[:159] + "…"
        items.append(
            f"<li><span style='color:{TEXT_MUTED}'>{kind} · {float(source.get('score', 0)):.2f}</span><br>"
            f"{html.escape(text)}</li>"
        )
    return "<ol style='margin:0 0 0 -20px'>" + "".join(items) + "</ol>"


def _rich_card(title: str, name: str) -> tuple[QFrame, QLabel]:
    """A card holding one selectable rich-text label (the guard's summary, the sources)."""
    frame, layout = card(title)
    label = QLabel("")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(label)
    layout.addStretch(1)
    return frame, label


class InboxDetail(QWidget):
    """The selected message and its draft. ``option_chosen(int)``: a 1-based option button was clicked."""

    option_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.detail: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)

        # The message and the conversation before it --------------------------------------------------
        message_card, message_layout = card()
        header = QHBoxLayout()
        # Fans write these: shown as plain text, never as HTML (a message's markup stays visible text).
        self.sender_label = QLabel("")
        self.sender_label.setObjectName("cardTitle")
        self.sender_label.setTextFormat(Qt.TextFormat.PlainText)
        self.meta_label = QLabel("")
        self.meta_label.setObjectName("muted")
        self.meta_label.setTextFormat(Qt.TextFormat.PlainText)
        # Wrapped, not one line: a long handle (``@fan@mastodon.example``) would otherwise widen the
        # pane past its measured minimum and cut off the state and the Undo button.
        self.meta_label.setWordWrap(True)
        self.sender_label.setWordWrap(True)
        self.state_label = QLabel("")
        self.state_label.setAccessibleName("State")
        header.addWidget(self.sender_label)
        header.addWidget(self.meta_label, 1)
        header.addWidget(self.state_label)
        message_layout.addLayout(header)
        self.thread_label = QLabel("")
        self.thread_label.setWordWrap(True)
        self.thread_label.setTextFormat(Qt.TextFormat.RichText)
        self.thread_label.setAccessibleName("Earlier in the conversation")
        message_layout.addWidget(self.thread_label)
        self.message_label = selectable_label(
            "Select a message on the left.", Qt.TextFormat.PlainText, "Message"
        )
        self.message_label.setStyleSheet("font-size: 11pt;")
        message_layout.addWidget(self.message_label)
        layout.addWidget(message_card)

        # The draft
        self.draft_card, draft_layout = card()
        self.draft_view = DraftView("Reply", "Why this is flagged", NO_DRAFT_YET, 72, heading_spacing=4)
        view = self.draft_view
        # The parts the page drives, by the names it and the tests reach for.
        self.answer_badge, self.options_label, self.option_group = (
            view.answer_badge,
            view.count_label,
            view.choice_group,
        )
        self.flag_banner, self.editor, self.highlighter = view.banner, view.editor, view.highlighter
        self.option_group.idClicked.connect(self.option_chosen.emit)
        self.flag_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.editor.setMaximumHeight(120)
        self.editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.editor.setTabChangesFocus(True)
        draft_layout.addWidget(view, 1)
        # Right under the reply: what the guard found, each with its source (hover or click: its words).
        self.findings_list = FindingsList(self.highlighter, self.answer_badge)
        draft_layout.addWidget(self.findings_list)
        self.note_label = QLabel("")
        self.note_label.setObjectName("muted")
        self.note_label.setWordWrap(True)
        draft_layout.addWidget(self.note_label)
        self.actions = QHBoxLayout()
        self.actions.setSpacing(6)
        draft_layout.addLayout(self.actions)
        layout.addWidget(self.draft_card)

        # What stands behind it
        below = QHBoxLayout()
        below.setSpacing(10)
        guard_card, self.guard_label = _rich_card("Guard", "Guard findings")
        sources_card, self.sources_label = _rich_card("Sources", "Sources the draft used")
        below.addWidget(guard_card, 1)
        below.addWidget(sources_card, 1)
        layout.addLayout(below)
        layout.addStretch(1)
        self.show_nothing()

    # --- showing -----------------------------------------------------------------------------------------
    def show_nothing(self, text: str = "Select a message on the left.") -> None:
        self.detail = None
        self.sender_label.setText("")
        self.meta_label.setText("")
        self.state_label.setText("")
        self.thread_label.hide()
        self.message_label.setText(text)
        self.editor.setPlainText("")
        self.findings_list.clear()
        self.flag_banner.hide()
        self.note_label.setText("")
        self.guard_label.setText("")
        self.sources_label.setText("")
        self._set_options([])

    def show_detail(self, detail: Any) -> None:
        """Show an ``EntryDetail``; an autosaved edit (e.g. from before a crash) replaces the draft's text."""
        self.detail = detail
        entry = detail.entry
        self.sender_label.setText(plain_name(entry.sender or "") or "Someone")
        self.meta_label.setText(f"{entry.platform} · {entry.kind} · {when(entry.created_at)} UTC")
        label = STATE_LABELS.get(entry.state, entry.state)
        if entry.trashed_at and entry.state != "rejected":
            label = "In the trash"
        color = STATE_COLORS.get(entry.state, TEXT_MUTED)
        self.state_label.setText(f"<b style='color:{color}'>{html.escape(label)}</b>")
        thread = thread_html(detail.thread, entry.sender)
        self.thread_label.setText(thread)
        self.thread_label.setVisible(bool(thread))
        self.message_label.setText(isolated(for_display(entry.text)))
        text = detail.pending_text if detail.pending_text is not None else (entry.draft_text or "")
        self.editor.setPlainText(text)
        if entry.triage_level == "red":
            self.editor.setPlaceholderText("No draft: this message needs you, not the clone.")
        else:
            self.editor.setPlaceholderText(NO_DRAFT_YET)
        findings = shown_findings(detail.findings)
        self.findings_list.show_findings(
            findings, original_text(detail) if entry.draft_id is not None else None, detail.canned_reply
        )
        self._show_flag(entry, findings)
        self.note_label.setText(self._note(detail))
        self.guard_label.setText(findings_html(detail))
        self.sources_label.setText(
            sources_html(detail.sources)
            if entry.draft_id is not None
            else f"<span style='color:{TEXT_MUTED}'>No draft yet, so no sources.</span>"
        )
        self._set_options(detail.alternatives, detail.option_scores)

    def _show_flag(self, entry: Any, findings: list[Any]) -> None:
        if entry.state == "flagged" and entry.flag_reason:
            color = RED if entry.triage_level == "red" or entry.flag_needs_edit else YELLOW
            prefix = "Edit before approving: " if entry.flag_needs_edit else ""
            # With a draft, the findings are listed under it: the banner says so rather than repeat them.
            text = flag_text(entry.flag_reason, findings) if entry.draft_id is not None else entry.flag_reason
            shown = prefix + text if prefix else text[:1].upper() + text[1:]
            self.draft_view.show_banner(shown, banner_style(color, "6px 10px", 400), entry.flag_reason)
        else:
            self.draft_view.show_banner("")

    @staticmethod
    def _note(detail: Any) -> str:
        entry = detail.entry
        if detail.pending_text is not None:
            return "An edit you were typing was kept (autosaved). Press E to go on, or A to approve it."
        parts = []
        if entry.edited:
            parts.append("edited by you")
        if detail.model:
            parts.append(f"model {detail.model}")
        if detail.persona_version:
            parts.append(f"persona v{detail.persona_version}")
        line = " · ".join(parts).capitalize()
        chosen = next((detail.option_scores.get(a.position) for a in detail.alternatives if a.chosen), None)
        if chosen and chosen.get("parts"):
            line = (
                f"{chosen.get('label', 'Draft')}, "
                + score_parts_inline(float(chosen.get("score", 0.0)), dict(chosen["parts"]))
                + "\n"
                + line
            )
        return line

    def _set_options(self, alternatives: list[Any], scores: dict[int, dict[str, Any]] | None = None) -> None:
        self.draft_view.clear_choices()
        if len(alternatives) < 2:
            self.options_label.setText("")
            return
        scores = scores or {}
        chosen = next((scores.get(a.position) for a in alternatives if a.chosen), None)
        self.options_label.setText(f"Options · {chosen['label']}" if chosen else "Options")
        for alternative in alternatives:
            button = QPushButton(str(alternative.position))
            button.setCheckable(True)
            button.setChecked(alternative.chosen)
            button.setFixedWidth(34)
            button.setToolTip(option_tooltip(alternative.position, scores.get(alternative.position)))
            button.setAccessibleName(f"Option {alternative.position}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setStyleSheet(OPTION_STYLE)
            self.draft_view.add_choice(button, alternative.position)

    # --- editing and streaming ---------------------------------------------------------------------------
    def begin_edit(self) -> None:
        self.editor.setReadOnly(False)
        self.editor.setFocus()
        self.editor.moveCursor(QTextCursor.MoveOperation.End)
        self.note_label.setText("Editing: saved as you type. Esc or Ctrl+Enter when done.")

    def end_edit(self) -> None:
        self.editor.setReadOnly(True)

    def start_stream(self, text: str) -> None:
        self.editor.setPlainText("")
        self.findings_list.clear()
        self.note_label.setText(text)

    def append_stream(self, text: str) -> None:
        if not text:  # the guard sent the attempt back: start over
            self.editor.setPlainText("")
            return
        cursor = self.editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.editor.setTextCursor(cursor)
