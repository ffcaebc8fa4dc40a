"""The guard's findings where the creator reads a draft: the flagged words marked in the text,
and beside it the list of findings, each with its message and the source it was checked against.

Used by the Preview page and the Inbox. ``FindingHighlighter`` marks each finding's span in a
``QPlainTextEdit`` with extra selections (the text itself, its undo history and its editability
are untouched; the marks follow the text while the creator edits it). ``FindingsList`` lists the
findings; hovering or clicking one selects its words in the draft.

Findings come as the guard's ``Finding`` objects (Preview) or as the dicts stored with a draft
(Inbox): ``shown_finding`` reads both. A span is character offsets into the draft the guard
checked; ``locate`` checks it against the text on screen and finds the flagged words again when
the text has changed since (an edit, a disclosure label put in front).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QEnterEvent,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QTextEdit, QToolTip, QVBoxLayout, QWidget

NEEDS_ANSWER = "needs_answer"
"""The finding kind of a draft that is the creator's "let me check" reply (no answer was found)."""

#: severity -> (fill, fill while pointed at, underline and tag colour).
HIGHLIGHT_COLORS = {
    "block": ("#fecaca", "#fca5a5", "#b91c1c"),
    "flag": ("#fde68a", "#fcd34d", "#b45309"),
}
HIGHLIGHT_TEXT = "#111827"
SEVERITY_WORDS = {"block": "Blocked", "flag": "Check"}
MUTED = "#6b7280"

#: evidence kind -> how the source is introduced ("Your post: '…'").
EVIDENCE_LABELS = {
    "post": "Your post",
    "reply": "Your reply",
    "example": "Your reply",
    "snippet": "Your words",
    "fact": "Your facts sheet",
    "facts": "Your facts sheet",
    "message": "The fan's message",
    "fan": "The fan's message",
    "persona": "Your persona",
}
EVIDENCE_LIMIT = 160

NEEDS_ANSWER_TEXT = "Needs your answer"
NEEDS_ANSWER_STYLE = (
    "QLabel { color: #78350f; background: #fef3c7; border: 1px solid #f59e0b; border-radius: 9px;"
    " padding: 1px 9px; font-weight: 600; font-size: 9pt; }"
)


def needs_answer_badge(parent: QWidget | None = None) -> QLabel:
    """The yellow "needs your answer" badge (hidden until a draft has a ``needs_answer`` finding)."""
    badge = QLabel(NEEDS_ANSWER_TEXT, parent)
    badge.setStyleSheet(NEEDS_ANSWER_STYLE)
    badge.setAccessibleName(NEEDS_ANSWER_TEXT)
    badge.setToolTip(
        "The fan asked for a fact that neither your facts sheet nor anything you wrote answers, so the "
        "draft is your “let me check” reply. Add the answer, or send it as it is."
    )
    badge.hide()
    return badge


@dataclass(frozen=True)
class ShownFinding:
    """One guard finding as the views show it."""

    kind: str
    severity: str
    message: str
    span: tuple[int, int] | None = None
    text: str = ""
    """The flagged words ("" when the finding does not say)."""
    evidence: str = ""
    evidence_kind: str = ""
    evidence_score: float | None = None

    @property
    def evidence_label(self) -> str:
        return EVIDENCE_LABELS.get(self.evidence_kind, "Your words")


def _field(source: Any, name: str, default: Any = None) -> Any:
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def shown_finding(finding: Any) -> ShownFinding:
    """A ``Finding`` (or its stored dict, ``Finding.to_dict()``) as the views show it."""
    span = _field(finding, "span")
    try:
        start, end = (int(span[0]), int(span[1])) if span is not None and len(span) == 2 else (0, 0)
    except (TypeError, ValueError):
        start, end = 0, 0
    evidence = _field(finding, "evidence")
    score = _field(evidence, "score") if evidence is not None else None
    return ShownFinding(
        kind=str(_field(finding, "kind", "") or ""),
        severity=str(_field(finding, "severity", "flag") or "flag"),
        message=str(_field(finding, "message", "") or ""),
        span=(start, end) if end > start >= 0 else None,
        text=str(_field(finding, "text", "") or ""),
        evidence=str(_field(evidence, "text", "") or "") if evidence is not None else "",
        evidence_kind=str(_field(evidence, "kind", "") or "") if evidence is not None else "",
        evidence_score=float(score) if isinstance(score, (int, float)) else None,
    )


def shown_findings(findings: Iterable[Any] | None) -> list[ShownFinding]:
    """The findings in the order the views list them: what blocks first, then the guard's order."""
    shown = [shown_finding(f) for f in findings or ()]
    return sorted(shown, key=lambda f: f.severity != "block")


def has_needs_answer(findings: Iterable[ShownFinding]) -> bool:
    return any(f.kind == NEEDS_ANSWER for f in findings)


def locate(text: str, finding: ShownFinding, original: str | None = None) -> tuple[int, int] | None:
    """Where ``finding``'s words are in ``text`` (Python offsets), or None when they are not there.

    The span is trusted when it still holds the flagged words (``finding.text``, else the words the
    span covered in ``original``, the draft as the guard checked it). Otherwise the words are looked
    for again, nearest the span first, so a mark survives an edit elsewhere in the text.
    """
    span = finding.span
    words = finding.text
    if not words and span is not None and original is not None and span[1] <= len(original):
        words = original[span[0] : span[1]]
    if span is not None and span[1] <= len(text):
        if words and text[span[0] : span[1]] == words:
            return span
        if not words and original is None:  # a bare span: the text on screen is the one it was made on
            return span
    if not words.strip():
        return None
    pattern = re.escape(words)
    starts = [m.start() for m in re.finditer(pattern, text)] or [
        m.start() for m in re.finditer(pattern, text, re.IGNORECASE)
    ]
    if not starts:
        return None
    near = span[0] if span is not None else 0
    start = min(starts, key=lambda s: abs(s - near))
    return (start, start + len(words))


def utf16_offset(text: str, index: int) -> int:
    """``text[:index]``'s length in UTF-16 units: Qt's positions (an emoji counts two)."""
    prefix = text[:index]
    return len(prefix) + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def highlight_format(severity: str, *, pointed: bool = False) -> QTextCharFormat:
    fill, strong, line = HIGHLIGHT_COLORS.get(severity, HIGHLIGHT_COLORS["flag"])
    fmt = QTextCharFormat()
    fmt.setBackground(QColor(strong if pointed else fill))
    fmt.setForeground(QColor(HIGHLIGHT_TEXT))
    fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
    fmt.setUnderlineColor(QColor(line))
    return fmt


class FindingHighlighter(QObject):
    """Marks findings' spans in ``editor`` (extra selections) and tells what a mark is on hover."""

    def __init__(self, editor: QPlainTextEdit) -> None:
        super().__init__(editor)
        self.editor = editor
        self.findings: list[ShownFinding] = []
        self._cursors: list[QTextCursor | None] = []  # live: they follow the text as it is edited
        self._pointed = -1
        self._tinted: tuple[int, int] | None = None  # the finding's words selected, in its colour
        self._palette: QPalette | None = None  # the editor's own, while a selection is tinted
        editor.viewport().installEventFilter(self)
        # GUI thread only: the editor's own signal.
        editor.selectionChanged.connect(self._on_selection_changed)

    def set_findings(self, findings: list[ShownFinding], original: str | None = None) -> list[bool]:
        """Mark ``findings`` in the editor's current text; returns, per finding, whether it was found."""
        self.findings = list(findings)
        self._pointed = -1
        self._untint()
        text = self.editor.toPlainText()
        document = self.editor.document()
        self._cursors = []
        for finding in self.findings:
            where = locate(text, finding, original)
            if where is None:
                self._cursors.append(None)
                continue
            cursor = QTextCursor(document)
            cursor.setPosition(utf16_offset(text, where[0]))
            cursor.setPosition(utf16_offset(text, where[1]), QTextCursor.MoveMode.KeepAnchor)
            self._cursors.append(cursor)
        self._apply()
        return [cursor is not None for cursor in self._cursors]

    def clear(self) -> None:
        self.findings = []
        self._cursors = []
        self._pointed = -1
        self._untint()
        self.editor.setExtraSelections([])

    def ranges(self) -> list[tuple[int, int, str] | None]:
        """Each finding's marked range now (Qt positions) with its severity; None where unmarked."""
        return [
            None if c is None or not c.hasSelection() else (c.selectionStart(), c.selectionEnd(), f.severity)
            for f, c in zip(self.findings, self._cursors, strict=False)
        ]

    def point_at(self, index: int) -> None:
        """Make finding ``index``'s mark stand out (-1: none)."""
        if index != self._pointed:
            self._pointed = index
            self._apply()

    def select(self, index: int) -> bool:
        """Select finding ``index``'s words in the editor; False when they are not in the text."""
        cursor = self._cursors[index] if 0 <= index < len(self._cursors) else None
        if cursor is None or not cursor.hasSelection():
            return False
        selection = QTextCursor(self.editor.document())
        selection.setPosition(cursor.selectionStart())
        selection.setPosition(cursor.selectionEnd(), QTextCursor.MoveMode.KeepAnchor)
        # The selection takes the finding's colour (the theme's would hide the mark under it).
        self._tint(self.findings[index].severity, (cursor.selectionStart(), cursor.selectionEnd()))
        self.editor.setTextCursor(selection)
        self.editor.ensureCursorVisible()
        return True

    def _tint(self, severity: str, where: tuple[int, int]) -> None:
        if self._palette is None:
            self._palette = QPalette(self.editor.palette())
        palette = QPalette(self._palette)
        line = HIGHLIGHT_COLORS.get(severity, HIGHLIGHT_COLORS["flag"])[2]
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Highlight, QColor(line))
            palette.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        self._tinted = where
        self.editor.setPalette(palette)

    def _untint(self) -> None:
        self._tinted = None
        if self._palette is not None:
            self.editor.setPalette(self._palette)
            self._palette = None

    def _on_selection_changed(self) -> None:
        if self._tinted is None:
            return
        cursor = self.editor.textCursor()
        if (cursor.selectionStart(), cursor.selectionEnd()) != self._tinted:
            self._untint()  # the creator selected something else: the theme's colour again

    def finding_at(self, position: int) -> int:
        """The index of the marked finding over Qt position ``position``, or -1."""
        for index, cursor in enumerate(self._cursors):
            if cursor is not None and cursor.selectionStart() <= position < cursor.selectionEnd():
                return index
        return -1

    def _apply(self) -> None:
        selections = []
        for index, (finding, cursor) in enumerate(zip(self.findings, self._cursors, strict=False)):
            if cursor is None:
                continue
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            selection.format = highlight_format(finding.severity, pointed=index == self._pointed)
            selections.append(selection)
        self.editor.setExtraSelections(selections)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        # Pointing at marked words says what the guard found there.
        if event.type() == QEvent.Type.ToolTip and watched is self.editor.viewport() and self.findings:
            help_event: QHelpEvent = event  # type: ignore[assignment]
            position = self.editor.cursorForPosition(help_event.pos()).position()
            index = self.finding_at(position)
            if index < 0 and position > 0:
                index = self.finding_at(position - 1)  # the cursor lands after the last letter pointed at
            if index >= 0:
                message = self.findings[index].message
                QToolTip.showText(help_event.globalPos(), message, self.editor.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


AI_HONESTY_KINDS = frozenset({"ai_honesty", "ai_denial"})
"""Findings whose offered reply is the persona's honest answer to "are you a bot?"."""


def canned_reply_html(reply: str, kinds: Iterable[str]) -> str:
    """The reply the guard offers instead of the draft, titled by why it is offered."""
    if AI_HONESTY_KINDS & set(kinds):
        title = "Offered instead, your answer to “are you a bot?”:"
    else:
        title = "Your canned reply:"
    return f"<b>{html.escape(title)}</b> {html.escape(reply)}"


def evidence_line(finding: ShownFinding) -> str:
    """The source quoted, as plain text: ``Your post: “…”`` ("" when the finding has none)."""
    if not finding.evidence.strip():
        return ""
    return f"{finding.evidence_label}: “{_one_line(finding.evidence, EVIDENCE_LIMIT)}”"


def finding_html(finding: ShownFinding, found: bool = True) -> str:
    """One finding as rich text: severity, message, the source quoted (everything escaped)."""
    _fill, _strong, color = HIGHLIGHT_COLORS.get(finding.severity, HIGHLIGHT_COLORS["flag"])
    word = SEVERITY_WORDS.get(finding.severity, finding.severity.capitalize())
    if finding.kind == NEEDS_ANSWER:
        word = NEEDS_ANSWER_TEXT
    message = finding.message
    if message.lower().startswith(word.lower()):  # "Needs your answer: …" under its own tag says it twice
        message = message[len(word) :].lstrip(" :–-")
        message = message[:1].upper() + message[1:]
    parts = [f"<b style='color:{color}'>{html.escape(word)}</b>&nbsp; {html.escape(message)}"]
    quote = evidence_line(finding)
    if quote:
        parts.append(f"<span style='color:#374151'>{html.escape(quote)}</span>")
    if finding.span is not None and not found:
        parts.append(f"<i style='color:{MUTED}'>No longer in the reply.</i>")
    return "<br>".join(parts)


class FindingRow(QFrame):
    """One finding in the list: pointing at it or clicking it (Enter, Space) picks its words."""

    pointed = Signal(int, bool)  # index, in (False: left)
    activated = Signal(int)

    def __init__(self, index: int, finding: ShownFinding, found: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.finding = finding
        self.found = found
        self.setObjectName("findingRow")
        self.setAttribute(Qt.WidgetAttribute.WA_Hover, True)
        # Tab reaches it; a click does not take the focus (the Inbox keeps its keys on the list).
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus if found else Qt.FocusPolicy.NoFocus)
        color = HIGHLIGHT_COLORS.get(finding.severity, HIGHLIGHT_COLORS["flag"])[2]
        self.setStyleSheet(
            f"QFrame#findingRow {{ border: none; border-left: 3px solid {color}; border-radius: 0px;"
            " background: transparent; }"
            " QFrame#findingRow:hover, QFrame#findingRow:focus { background: #f3f4f6; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 3, 4, 3)
        layout.setSpacing(0)
        self.label = QLabel(finding_html(finding, found))
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        layout.addWidget(self.label)
        self.setAccessibleName(finding.message)
        self.setAccessibleDescription(evidence_line(finding))
        if found:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setToolTip("Click to select these words in the reply")

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 (Qt API)
        super().enterEvent(event)
        self.pointed.emit(self.index, True)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt API)
        super().leaveEvent(event)
        self.pointed.emit(self.index, False)

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt API)
        super().focusInEvent(event)
        self.pointed.emit(self.index, True)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt API)
        super().focusOutEvent(event)
        self.pointed.emit(self.index, False)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.index)
            event.accept()
            return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit(self.index)
            return
        super().keyPressEvent(event)


class FindingsList(QWidget):
    """The guard's findings, one row each, linked to a ``FindingHighlighter``'s marks."""

    def __init__(self, highlighter: FindingHighlighter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.highlighter = highlighter
        self.rows: list[FindingRow] = []
        self.setAccessibleName("The guard's findings")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(6)
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(6)
        layout.addLayout(self._rows_layout)
        #: The reply the guard offers instead (a canned reply, the honest answer to "are you a bot?").
        self.offered_label = QLabel("")
        self.offered_label.setTextFormat(Qt.TextFormat.RichText)
        self.offered_label.setWordWrap(True)
        self.offered_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.offered_label.setAccessibleName("Reply offered instead")
        self.offered_label.hide()
        layout.addWidget(self.offered_label)
        self.hide()

    def show_findings(
        self, findings: list[ShownFinding], original: str | None = None, offered: str | None = None
    ) -> None:
        """Mark ``findings`` in the highlighter's editor and list them, then the reply ``offered``
        instead of the draft, if any (the list is hidden when there is neither)."""
        found = self.highlighter.set_findings(findings, original)
        self._clear_rows()
        for index, (finding, is_found) in enumerate(zip(findings, found, strict=False)):
            row = FindingRow(index, finding, is_found, self)
            # GUI thread only: the rows are widgets of this list.
            row.pointed.connect(self._on_pointed)
            row.activated.connect(self.activate)
            self._rows_layout.addWidget(row)
            self.rows.append(row)
        offered_html = canned_reply_html(offered, [f.kind for f in findings]) if offered else ""
        self.offered_label.setText(offered_html)
        self.offered_label.setVisible(bool(offered_html))
        self.setVisible(bool(self.rows) or bool(offered_html))

    def clear(self) -> None:
        self.highlighter.clear()
        self._clear_rows()
        self.offered_label.setText("")
        self.offered_label.hide()
        self.hide()

    def texts(self) -> list[str]:
        """Each row's text as shown (rich text)."""
        return [row.label.text() for row in self.rows]

    def activate(self, index: int) -> None:
        """Select finding ``index``'s words in the draft (a click on its row)."""
        if self.highlighter.select(index):
            self.highlighter.point_at(index)

    def _on_pointed(self, index: int, inside: bool) -> None:
        if not inside:
            if self.highlighter._pointed == index:
                self.highlighter.point_at(-1)
            return
        self.highlighter.point_at(index)
        editor = self.highlighter.editor
        if editor.isReadOnly():  # a read-only draft: pointing selects; an edit in progress keeps its cursor
            self.highlighter.select(index)

    def _clear_rows(self) -> None:
        for row in self.rows:
            self._rows_layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = []
