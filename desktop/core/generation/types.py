"""The plain data that flows through drafting: what is asked, what grounds it, what comes out.

Retrieval fills ``Example`` and ``Snippet`` lists from the store; prompt building turns a
``DraftRequest`` into a ``Prompt``; a backend streams tokens for it; the guard reviews the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.core.persona import Persona

FAN = "fan"
CREATOR = "creator"


@dataclass(frozen=True)
class Turn:
    """One line of the conversation so far: who said it (``FAN`` or ``CREATOR``) and what."""

    speaker: str
    text: str


@dataclass(frozen=True)
class Example:
    """A past exchange: an incoming message and the creator's own reply to it (few-shot material)."""

    incoming: str
    reply: str
    reply_item_id: int | None = None
    score: float = 0.0


@dataclass(frozen=True)
class Snippet:
    """Something the creator wrote (a post, a reply) that is relevant to the message: grounding facts."""

    item_id: int | None
    text: str
    score: float = 0.0
    kind: str = "post"


@dataclass
class DraftRequest:
    """Everything needed to draft one reply."""

    incoming: str
    persona: Persona
    examples: list[Example] = field(default_factory=list)
    snippets: list[Snippet] = field(default_factory=list)
    thread_tail: list[Turn] = field(default_factory=list)
    platform: str | None = None
    seed: int = 0
    max_tokens: int = 120
    temperature: float = 0.7
    mark_bias: tuple[tuple[str, float], ...] = ()
    """Punctuation marks to favour or avoid while sampling (``GenerationParams.mark_bias``)."""
