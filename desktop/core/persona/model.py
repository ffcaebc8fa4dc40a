"""The persona as plain data, saved as one JSON document per version in the store.

Every draft records the persona version it was made with, so a draft can always be explained
by the settings that produced it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

# Slider names and their neutral values (0.0-1.0). The Persona studio issue gives them UI and effect.
DEFAULT_SLIDERS: dict[str, float] = {
    "warmth": 0.7,  # cool and brief .. warm and effusive
    "length": 0.4,  # one-liners .. a paragraph
    "emoji": 0.3,  # none .. plenty
    "humour": 0.4,  # straight .. playful
    "formality": 0.3,  # casual .. formal
}


@dataclass
class Boundaries:
    """What the creator's clone must never do. The guard enforces these on every draft."""

    avoid_topics: list[str] = field(default_factory=list)
    """Topics to stay away from, in the creator's words ("politics", "my ex", "my weight")."""
    never_say: list[str] = field(default_factory=list)
    """Phrases that must never appear; an entry starting with ``re:`` is a regular expression."""
    allow_promises: bool = False
    """Whether drafts may offer prices, discounts, giveaways or freebies."""
    allow_personal_details: bool = False
    """Whether drafts may mention address, phone, family members or other private details."""
    disclose_ai: bool = False
    """Add the disclosure label to every draft."""
    disclosure_label: str = "(drafted with AI, reviewed by me)"
    canned_replies: dict[str, str] = field(default_factory=dict)
    """Topic -> a reply the creator wrote themselves, offered when a draft on that topic is blocked."""


@dataclass
class Persona:
    """One saved state of the persona."""

    display_name: str = "Creator"
    sliders: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SLIDERS))
    boundaries: Boundaries = field(default_factory=Boundaries)
    facts: list[str] = field(default_factory=list)
    """The creator's facts sheet: what they sell and for how much, where they live publicly,
    family as they choose to describe it. Facts here count as support for a draft's claims."""
    style_notes: str = ""
    """Free text the creator wrote about their voice ("short, lowercase, lots of 'haha'")."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Persona":
        boundaries = Boundaries(**data.get("boundaries", {}))
        sliders = {**DEFAULT_SLIDERS, **data.get("sliders", {})}
        return cls(
            display_name=data.get("display_name", "Creator"),
            sliders=sliders,
            boundaries=boundaries,
            facts=list(data.get("facts", [])),
            style_notes=data.get("style_notes", ""),
        )

    @classmethod
    def from_json(cls, text: str) -> "Persona":
        return cls.from_dict(json.loads(text))
