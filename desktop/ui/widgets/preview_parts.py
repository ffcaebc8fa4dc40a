"""Pieces of the Preview page: the token-budget meter, the prompt inspector, the guard and source lists."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.ui.theme import ERROR_COLOR, OK_COLOR, TEXT_MUTED, WARNING_COLOR, WARNING_MARK

#: Colours of the prompt's parts in the budget meter (and its legend).
PART_COLORS = {
    "persona": "#6366f1",
    "examples": "#0ea5e9",
    "snippets": "#14b8a6",
    "thread": WARNING_MARK,
    "message": "#ec4899",
    "format": "#9ca3af",
}
FREE_COLOR = "#e5e7eb"

GREEN, YELLOW, RED = OK_COLOR, WARNING_COLOR, ERROR_COLOR  # the names the Inbox imports
SEVERITY_COLORS = {"block": RED, "edit": YELLOW, "warn": YELLOW, "flag": YELLOW, "info": "#4b5563"}


def budget_parts(budget: Any) -> list[tuple[str, int]]:
    """The budget's parts with their tokens, in the meter's order (unknown parts last)."""
    parts = dict(getattr(budget, "parts", {}) or {})
    ordered = [(name, int(parts.pop(name))) for name in PART_COLORS if name in parts]
    return ordered + [(name, int(tokens)) for name, tokens in parts.items()]


class BudgetMeter(QWidget):
    """A stacked bar: how many of the prompt's budgeted tokens each part took."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Prompt token budget")
        self.setMinimumHeight(12)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._parts: list[tuple[str, int]] = []
        self._budget = 0

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(200, 12)

    def set_budget(self, budget: Any) -> None:
        self._parts = budget_parts(budget) if budget is not None else []
        self._budget = int(getattr(budget, "budget", 0) or 0)
        used = sum(tokens for _name, tokens in self._parts)
        self.setToolTip(
            "\n".join(f"{name}: {tokens} tokens" for name, tokens in self._parts)
            + (f"\n{used} of {self._budget} tokens used" if self._budget else "")
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(FREE_COLOR))
        painter.drawRoundedRect(rect, 4, 4)
        total = max(self._budget, sum(tokens for _n, tokens in self._parts), 1)
        x = rect.left()
        painter.setClipRect(rect)
        for name, tokens in self._parts:
            width = rect.width() * tokens / total
            painter.setBrush(QColor(PART_COLORS.get(name, TEXT_MUTED)))
            painter.drawRect(QRectF(x, rect.top(), width, rect.height()))
            x += width
        painter.end()


def budget_legend(budget: Any) -> str:
    """Rich text: a coloured square, name and tokens per part, then the total."""
    if budget is None:
        return ""
    pieces = [
        f'<span style="color:{PART_COLORS.get(name, TEXT_MUTED)}">■</span> {html.escape(name)} {tokens}'
        for name, tokens in budget_parts(budget)
    ]
    used = int(getattr(budget, "total", 0) or sum(t for _n, t in budget_parts(budget)))
    total = int(getattr(budget, "budget", 0) or 0)
    dropped = {k: v for k, v in (getattr(budget, "dropped", {}) or {}).items() if v}
    tail = f" · {used} of {total} tokens" if total else f" · {used} tokens"
    if dropped:
        tail += " · left out: " + ", ".join(f"{v} {html.escape(k)}" for k, v in dropped.items())
    return "&nbsp;&nbsp;".join(pieces) + tail


def prompt_text(prompt: Any) -> str:
    """The exact prompt sent: the text for a continuation, the messages for a chat model."""
    if prompt is None:
        return ""
    text = getattr(prompt, "text", "") or ""
    if text:
        return text
    lines = []
    for message in getattr(prompt, "messages", ()) or ():
        role = getattr(message, "role", "?")
        content = getattr(message, "content", "")
        lines.append(f"[{role}]\n{content}\n")
    return "\n".join(lines)


class PromptDialog(QDialog):
    """The prompt inspector: the exact text sent to the model and how its budget was spent."""

    def __init__(self, prompt: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The exact prompt sent to the model")
        self.setAccessibleName("Prompt inspector")
        self.resize(720, 560)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        mode = getattr(prompt, "mode", "")
        intro = QLabel(
            "This is everything the model saw, word for word. "
            + ("It continues the text after your name." if mode == "continuation" else "")
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.meter = BudgetMeter(self)
        self.meter.set_budget(getattr(prompt, "budget", None))
        layout.addWidget(self.meter)
        self.legend = QLabel(budget_legend(getattr(prompt, "budget", None)))
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Prompt text")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setPlainText(prompt_text(prompt))
        layout.addWidget(self.text, 1)
        stops = getattr(prompt, "stop", ()) or ()
        if stops:
            stop_label = QLabel("Stops at: " + ", ".join(repr(s) for s in stops))
            stop_label.setObjectName("muted")
            stop_label.setWordWrap(True)
            layout.addWidget(stop_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Size the dialog before it is shown: a window that gets its size limits only once shown
        # makes some platforms (the offscreen one among them) warn about size hints.
        layout.activate()
        self.resize(self.size().expandedTo(self.minimumSizeHint()))


_SCORE_PART_NAMES = {
    "guard": "guard",
    "answers": "answers the message",
    "fact": "carries a fact",
    "voice": "sounds like you",
    "length": "length fit",
    "past": "your own words",
    "quick": "written for this kind of message",
}


def score_parts_text(parts: dict[str, float]) -> str:
    """A candidate's score in plain words, one part per line (the hover text of a draft option)."""
    return "\n".join(f"{_SCORE_PART_NAMES.get(name, name)}: {value:+.2f}" for name, value in parts.items())


def score_parts_inline(score: float, parts: dict[str, float]) -> str:
    """The score and its non-zero parts on one line, under the draft: why this one was chosen."""
    shown = " · ".join(
        f"{_SCORE_PART_NAMES.get(name, name)} {value:+.2f}" for name, value in parts.items() if value
    )
    return f"score {score:+.2f}" + (f" ({shown})" if shown else "")


def option_tooltip(position: int, score: dict[str, Any] | None) -> str:
    """An Inbox option button's hover text: where the text came from and why it ranks there."""
    if not score:
        return f"Option {position} (press {position})"
    return (
        f"{position}: {score.get('label', 'Draft')}, score {float(score.get('score', 0.0)):+.2f}\n"
        f"{score_parts_text(dict(score.get('parts') or {}))}\nPress {position} to use it"
    )
