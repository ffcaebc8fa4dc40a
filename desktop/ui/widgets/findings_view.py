"""The guard's findings where the creator reads a draft: the flagged words marked in the text,
and beside it the list of findings, each with its message and the source it was checked against.

Used by the Preview page and the Inbox. ``FindingHighlighter`` marks each finding's span in a
``QPlainTextEdit`` with extra selections (the text itself, its undo history and its editability
are untouched; the marks follow the text while the creator edits it). ``FindingsList`` lists the
findings; hovering or clicking one selects its words in the draft.

What a finding says, and where its words are, is read without Qt in ``findings.shown``.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPalette,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QFrame, QLabel, QPlainTextEdit, QTextEdit, QToolTip, QVBoxLayout, QWidget

from desktop.ui.theme import ERROR_COLOR, TEXT, TEXT_MUTED, WARNING_COLOR, WARNING_MARK
from desktop.ui.widgets.common.labels import selectable_label
from desktop.ui.widgets.findings.shown import (
    NEEDS_ANSWER,
    ShownFinding,
    canned_reply_html,
    evidence_line,
    has_needs_answer,
    locate,
    utf16_offset,
)

#: severity -> (fill, fill while pointed at, underline and tag colour).
HIGHLIGHT_COLORS = {
    "block": ("#fecaca", "#fca5a5", ERROR_COLOR),
    "flag": ("#fde68a", "#fcd34d", WARNING_COLOR),
}
HIGHLIGHT_TEXT = TEXT
SEVERITY_WORDS = {"block": "Blocked", "flag": "Check"}

NEEDS_ANSWER_TEXT = "Needs your answer"
NEEDS_ANSWER_STYLE = (
    f"QLabel {{ color: #78350f; background: #fef3c7; border: 1px solid {WARNING_MARK}; border-radius: 9px;"
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
        parts.append(f"<i style='color:{TEXT_MUTED}'>No longer in the reply.</i>")
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

    def event(self, event: QEvent) -> bool:
        # Pointing at the row (the mouse over it, or the focus on it) points at its words.
        handled = super().event(event)
        kind = event.type()
        if kind in (QEvent.Type.Enter, QEvent.Type.FocusIn):
            self.pointed.emit(self.index, True)
        elif kind in (QEvent.Type.Leave, QEvent.Type.FocusOut):
            self.pointed.emit(self.index, False)
        return handled

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
    """The guard's findings, one row each, linked to a ``FindingHighlighter``'s marks; ``badge``
    (the draft heading's "needs your answer") shows while a finding asks for the creator's answer."""

    def __init__(
        self, highlighter: FindingHighlighter, badge: QLabel | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.highlighter = highlighter
        self.badge = badge
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
        self.offered_label = selectable_label("", Qt.TextFormat.RichText, "Reply offered instead")
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
        if self.badge is not None:
            self.badge.setVisible(has_needs_answer(findings))

    def clear(self) -> None:
        if self.badge is not None:
            self.badge.hide()
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
