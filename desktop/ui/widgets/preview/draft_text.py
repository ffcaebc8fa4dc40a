"""What the Preview page says about a draft, as text: the verdict, the timings line, the hover
texts. Kept apart from the widgets (no Qt here) so that the cards only lay the words out."""

from __future__ import annotations

import html
from typing import Any

from desktop.ui.theme import ERROR_COLOR, OK_COLOR, WARNING_COLOR
from desktop.ui.widgets.findings.shown import ShownFinding, has_needs_answer
from desktop.ui.widgets.preview_parts import score_parts_inline, score_parts_text

NO_DRAFT_TITLE = "No draft: this message needs you"


def verdict(draft: Any, findings: list[ShownFinding]) -> tuple[str, str]:
    """The one line above a finished draft (rich text) and its colour: can it go as it is?"""
    triage = draft.triage
    guard = draft.guard
    if not triage.draft_allowed:
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in triage.reasons)
        return (
            f"{NO_DRAFT_TITLE}" + (f"<ul style='margin:4px 0 0 -20px'>{reasons}</ul>" if reasons else ""),
            ERROR_COLOR,
        )
    if guard is not None and guard.blocked:
        first = next((f.message for f in guard.findings if f.severity == "block"), "a boundary")
        return f"Blocked: {html.escape(first.rstrip('.'))}. Write this one yourself.", ERROR_COLOR
    if has_needs_answer(findings):
        return (
            "Needs your answer: nothing you wrote answers this, so the draft says you will check. "
            "Add the answer, or send it as it is.",
            WARNING_COLOR,
        )
    if guard is not None and guard.needs_edit:
        return "Needs an edit before it could be sent: see the guard's flags.", WARNING_COLOR
    if triage.level == "yellow":
        return "Read this one carefully: " + html.escape("; ".join(triage.reasons)), WARNING_COLOR
    return "Looks fine: nothing flagged.", OK_COLOR


def alternative_color(draft: Any) -> str:
    """The colour under an alternative's number: blocked, needs an edit, or fine."""
    if draft.blocked:
        return ERROR_COLOR
    return WARNING_COLOR if draft.guard is not None and draft.guard.needs_edit else OK_COLOR


def alternative_tooltip(draft: Any, index: int) -> str:
    """What the numbered button says on hover: where the text came from and why it ranks there."""
    chosen = getattr(draft, "chosen", None)
    if chosen is None:
        return f"Alternative {index + 1} (seed {draft.seed}); press {index + 1} to show it"
    return (
        f"{index + 1}: {chosen.label}, score {chosen.score:+.2f}\n{score_parts_text(chosen.parts)}\n"
        f"Press {index + 1} to show it"
    )


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def meta_text(draft: Any) -> str:
    """The line under the draft: why it was chosen, how long it took, which model and persona."""
    timings = draft.timings or {}
    parts = []
    if "first_token_ms" in timings:
        parts.append(f"first word after {_ms(timings['first_token_ms'])}")
    if "total_ms" in timings:
        parts.append(f"{_ms(timings['total_ms'])} in all")
    if "tokens" in timings:
        parts.append(f"{int(timings['tokens'])} tokens")
    if "retrieve_ms" in timings:
        parts.append(f"search {_ms(timings['retrieve_ms'])}")
    if draft.attempts > 1:
        parts.append(f"{draft.attempts} attempts")
    version = f"persona v{draft.persona_version}" if draft.persona_version else "default persona"
    parts += [f"model {draft.model}", version, f"seed {draft.seed}"]
    line = " · ".join(parts).capitalize()
    chosen = getattr(draft, "chosen", None)
    return (
        f"{chosen.label}, {score_parts_inline(chosen.score, chosen.parts)}\n{line}"
        if chosen is not None
        else line
    )
