"""The guard's findings as the views read them, without Qt: what a finding says and where.

Findings come as the guard's ``Finding`` objects (Preview) or as the dicts stored with a draft
(Inbox): ``shown_finding`` reads both. A span is character offsets into the draft the guard
checked; ``locate`` checks it against the text on screen and finds the flagged words again when
the text has changed since (an edit, a disclosure label put in front). The widgets that mark and
list the findings are in ``desktop.ui.widgets.findings_view``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NEEDS_ANSWER = "needs_answer"
"""The finding kind of a draft that is the creator's "let me check" reply (no answer was found)."""

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


def one_line(text: str, limit: int = 70) -> str:
    """``text`` with its whitespace runs as single spaces, cut to ``limit`` characters with "…"."""
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
    return f"{finding.evidence_label}: “{one_line(finding.evidence, EVIDENCE_LIMIT)}”"
