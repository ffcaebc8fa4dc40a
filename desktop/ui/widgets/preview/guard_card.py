"""The Preview page's guard card: the triage and guard summary of the draft shown, then its
findings, each linked to the words it marks in the draft."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QWidget

from desktop.ui.theme import ERROR_COLOR, OK_COLOR, WARNING_COLOR
from desktop.ui.widgets.findings_view import FindingHighlighter, FindingsList
from desktop.ui.widgets.page import card_layout
from desktop.ui.widgets.preview.draft_text import NO_DRAFT_TITLE


def rich_label(text: str, name: str) -> QLabel:
    """A muted, wrapped, selectable rich-text label (the guard's and the sources' summaries)."""
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAccessibleName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class GuardCard(QFrame):
    """``label`` sums the verdict up; ``findings_list`` lists the findings marked by ``highlighter``."""

    def __init__(
        self, highlighter: FindingHighlighter, badge: QLabel | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = card_layout(self, "Guard")
        self.label = rich_label("The guard checks every draft before you see it.", "Guard findings")
        layout.addWidget(self.label)
        self.findings_list = FindingsList(highlighter, badge)
        layout.addWidget(self.findings_list)


def guard_html(draft: Any) -> str:
    """The triage level and reasons, then what the guard made of the draft (rich text)."""
    triage = draft.triage
    level_color = {"green": OK_COLOR, "yellow": WARNING_COLOR, "red": ERROR_COLOR}.get(triage.level, OK_COLOR)
    rows = [
        f"<p style='margin:0'><b style='color:{level_color}'>Triage: {html.escape(triage.level)}</b>"
        + (f" — {html.escape('; '.join(triage.reasons))}" if triage.reasons else "")
        + "</p>"
    ]
    guard = draft.guard
    if not triage.draft_allowed:
        rows.append(f"<p style='color:{ERROR_COLOR}'><b>{NO_DRAFT_TITLE}.</b> Answer it yourself.</p>")
        safe = getattr(draft, "safe_reply", None)
        if safe:
            rows.append(f"<p><b>A reply you could send:</b> {html.escape(safe)}</p>")
    elif guard is not None:
        if guard.blocked:
            attempts = f"{draft.attempts} attempt{'s' if draft.attempts != 1 else ''}"
            rows.append(f"<p style='color:{ERROR_COLOR}'><b>Blocked</b> after {attempts}.</p>")
        elif guard.needs_edit:
            rows.append(
                f"<p style='color:{WARNING_COLOR}'><b>Needs an edit</b> before it could be approved.</p>"
            )
        # The findings themselves are listed below this summary (``FindingsList``), linked to the marks.
        if not guard.findings:
            rows.append(f"<p style='color:{OK_COLOR}'>No findings: nothing unsupported or off-limits.</p>")
    return "".join(rows)
