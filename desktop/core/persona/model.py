"""The persona as plain data, saved as one JSON document per version in the store.

Every draft records the persona version it was made with, so a draft can always be explained
by the settings that produced it.

Sliders are on a 0-100 scale (since persona format 2). Older documents stored five sliders on
0.0-1.0; ``Persona.from_dict`` reads them by scaling to 0-100 and fills in the sliders that
did not exist then. Consumers that want a fraction call ``Persona.slider_fraction(name)``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

PERSONA_FORMAT = 2
"""Version of the JSON document ``Persona.to_dict`` writes (1: sliders on 0.0-1.0, no marker)."""

# Slider names and their neutral values (0-100), in the order the Persona page shows them.
DEFAULT_SLIDERS: dict[str, float] = {
    "length": 40.0,  # one-liners .. a paragraph
    "warmth": 70.0,  # cool and brief .. warm and effusive
    "formality": 30.0,  # casual .. formal
    "humour": 40.0,  # straight .. playful
    "energy": 50.0,  # calm .. exclamation marks
    "emoji": 30.0,  # none .. plenty
    "directness": 50.0,  # hedged .. blunt
    "curiosity": 50.0,  # answers only .. asks questions back
    "self_promotion": 20.0,  # never mentions own products .. links them often
}
SLIDER_NAMES: tuple[str, ...] = tuple(DEFAULT_SLIDERS)
SLIDER_MIN, SLIDER_MAX = 0.0, 100.0

PROMISE_KINDS: tuple[str, ...] = ("prices", "discounts", "giveaways", "meetups")
"""Kinds of promise a draft could make; each is allowed or forbidden in ``Boundaries.promises``."""

DISCLOSURE_POSITIONS: tuple[str, ...] = ("start", "end")

DEFAULT_DISCLOSURE_REPLY = (
    "Fair question! Replies here are drafted with an AI assistant, and I read and approve "
    "every one before it's sent."
)
DEFAULT_NO_ANSWER_REPLY = "Good question! Let me check and get back to you 🙂"
DEFAULT_THANKS_REPLIES: tuple[str, ...] = (
    "Thank you, this made my day!",
    "That's so kind, thank you!",
    "So happy to hear this!",
)
DEFAULT_CHEER_REPLIES: tuple[str, ...] = (
    "Love to hear it!",
    "Yes! This makes me so happy!",
    "That's huge, well done!",
)

AI_DISCLOSURE_RULES = (
    "Platforms ask that replies written with AI say so: Meta's AI terms and the EU AI Act "
    "(Article 50) require that people know when they are talking with an AI system, and "
    "YouTube and TikTok ask creators to label AI-generated content. With disclosure off, your "
    'drafts carry no label; a fan who asks "are you a bot?" is still answered honestly.'
)
"""Shown before AI disclosure is turned off (Persona page and ``persona set``), so the creator
decides knowing what the platforms ask."""


@dataclass
class Boundaries:
    """What the creator's clone must never do. The guard enforces these on every draft."""

    avoid_topics: list[str] = field(default_factory=list)
    """Topics to stay away from, in the creator's words ("politics", "my ex", "my weight")."""
    never_say: list[str] = field(default_factory=list)
    """Phrases that must never appear; an entry starting with ``re:`` is a regular expression."""
    allow_promises: bool = False
    """Whether drafts may offer prices, discounts, giveaways or freebies (the general switch;
    ``promises`` refines it per kind)."""
    allow_personal_details: bool = False
    """Whether drafts may mention address, phone, family members or other private details."""
    disclose_ai: bool = True
    """Add the disclosure label to every draft. On for a new persona: platforms ask that AI-written
    replies say so, and a fan who asks must never be told otherwise."""
    disclosure_label: str = "(drafted with AI, reviewed by me)"
    canned_replies: dict[str, str] = field(default_factory=dict)
    """Topic -> a reply the creator wrote themselves, offered when a draft on that topic is blocked.
    A key is usually one of ``avoid_topics`` (the topic's optional canned reply)."""
    promises: dict[str, bool] = field(default_factory=dict)
    """Per kind of promise (``PROMISE_KINDS``): allowed (True) or forbidden (False). A kind not
    listed follows ``allow_promises``."""
    private_facts: list[str] = field(default_factory=list)
    """Things about the creator that must never appear in a draft (the guard checks for them)."""
    escalation_topics: list[str] = field(default_factory=list)
    """Topics the creator answers personally: a message about one gets no draft, only a flag."""
    disclosure_position: str = "end"
    """Where the disclosure label goes: "start" or "end" of the draft."""
    disclosure_reply: str = DEFAULT_DISCLOSURE_REPLY
    """The honest answer to "are you a bot?", offered instead of a draft that dodges the question."""
    no_answer_reply: str = DEFAULT_NO_ANSWER_REPLY
    """The creator's "let me check" reply: the draft when a fan asks for a fact that neither the
    facts sheet nor the creator's own words answer, instead of an invented one."""
    thanks_replies: list[str] = field(default_factory=lambda: list(DEFAULT_THANKS_REPLIES))
    """The creator's quick thanks: a fan message that is praise or thanks and nothing else gets
    one of them as its draft (``generation.thanks``). Empty: praise is drafted like the rest."""
    cheer_replies: list[str] = field(default_factory=lambda: list(DEFAULT_CHEER_REPLIES))
    """The creator's quick cheers, for a fan's good news ("first pull up EVER"); empty: a quick
    thanks, or the model's draft when there are none of those either."""

    def promise_allowed(self, kind: str) -> bool:
        """Whether drafts may promise ``kind`` (one of ``PROMISE_KINDS``)."""
        return bool(self.promises.get(kind, self.allow_promises))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Boundaries":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in dict(data or {}).items() if k in known}
        bounds = cls(**values)
        bounds.avoid_topics = [str(t) for t in bounds.avoid_topics]
        bounds.never_say = [str(t) for t in bounds.never_say]
        bounds.private_facts = [str(t) for t in bounds.private_facts]
        bounds.escalation_topics = [str(t) for t in bounds.escalation_topics]
        bounds.thanks_replies = [str(t).strip() for t in bounds.thanks_replies if str(t).strip()]
        bounds.cheer_replies = [str(t).strip() for t in bounds.cheer_replies if str(t).strip()]
        bounds.canned_replies = {str(k): str(v) for k, v in dict(bounds.canned_replies).items()}
        bounds.promises = {str(k): bool(v) for k, v in dict(bounds.promises).items()}
        bounds.disclosure_reply = str(bounds.disclosure_reply).strip() or DEFAULT_DISCLOSURE_REPLY
        bounds.no_answer_reply = str(bounds.no_answer_reply).strip() or DEFAULT_NO_ANSWER_REPLY
        if bounds.disclosure_position not in DISCLOSURE_POSITIONS:
            bounds.disclosure_position = "end"
        return bounds


@dataclass
class Product:
    """Something the creator sells or promotes; its link is one the drafts may contain."""

    name: str
    url: str = ""
    description: str = ""

    @classmethod
    def from_value(cls, value: Any) -> "Product":
        if isinstance(value, str):
            return cls(name=value)
        data = dict(value)
        return cls(
            name=str(data.get("name", "")),
            url=str(data.get("url", "")),
            description=str(data.get("description", "")),
        )


@dataclass
class Identity:
    """What the creator stands for and what they do now, in their words."""

    values: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    """Current projects ("a 12-week strength programme", "the spring tour")."""
    products: list[Product] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    """Links besides the products' own: with those, the only links a draft may contain."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Identity":
        data = dict(data or {})
        return cls(
            values=[str(v) for v in data.get("values", [])],
            goals=[str(v) for v in data.get("goals", [])],
            projects=[str(v) for v in data.get("projects", [])],
            products=[Product.from_value(v) for v in data.get("products", [])],
            links=[str(v) for v in data.get("links", [])],
        )


@dataclass
class Persona:
    """One saved state of the persona."""

    display_name: str = "Creator"
    sliders: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SLIDERS))
    """Slider name -> 0-100 (see ``DEFAULT_SLIDERS``)."""
    boundaries: Boundaries = field(default_factory=Boundaries)
    facts: list[str] = field(default_factory=list)
    """The creator's facts sheet: what they sell and for how much, where they live publicly,
    family as they choose to describe it. Facts here count as support for a draft's claims."""
    style_notes: str = ""
    """Free text the creator wrote about their voice ("short, lowercase, lots of 'haha'")."""
    identity: Identity = field(default_factory=Identity)
    example_dialogue: str = ""
    """Example exchanges kept as notes (e.g. a character card's ``mes_example``). Never used as
    few-shot examples: only the creator's real replies are."""
    extras: dict[str, Any] = field(default_factory=dict)
    """Data Understudy does not use but must keep (e.g. an imported card's unknown extensions,
    which the Character Card spec says must survive a round trip)."""

    def allowed_links(self) -> list[str]:
        """The only links a draft may contain: the products' links and the identity's links."""
        links = [p.url for p in self.identity.products if p.url] + list(self.identity.links)
        return list(dict.fromkeys(link.strip() for link in links if link.strip()))

    def slider_fraction(self, name: str) -> float:
        """A slider as 0.0-1.0 (its neutral default when missing)."""
        return float(self.sliders.get(name, DEFAULT_SLIDERS.get(name, 50.0))) / SLIDER_MAX

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = PERSONA_FORMAT
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, slider_defaults: dict[str, float] | None = None) -> "Persona":
        """Read a saved persona, old formats included.

        ``slider_defaults`` (e.g. ``calibrated_sliders(profile)``) fills in sliders the document
        lacks; otherwise the neutral ``DEFAULT_SLIDERS`` do.
        """
        data = dict(data or {})
        sliders = {**DEFAULT_SLIDERS, **(slider_defaults or {})}
        stored = {str(k): float(v) for k, v in dict(data.get("sliders", {})).items()}
        if int(data.get("format", 1)) < 2 and stored and all(0.0 <= v <= 1.0 for v in stored.values()):
            stored = {k: v * SLIDER_MAX for k, v in stored.items()}  # format 1: 0.0-1.0
        sliders.update({k: clamp_slider(v) for k, v in stored.items()})
        return cls(
            display_name=str(data.get("display_name", "Creator")),
            sliders=sliders,
            boundaries=Boundaries.from_dict(data.get("boundaries", {})),
            facts=[str(f) for f in data.get("facts", [])],
            style_notes=str(data.get("style_notes", "")),
            identity=Identity.from_dict(data.get("identity", {})),
            example_dialogue=str(data.get("example_dialogue", "")),
            extras=dict(data.get("extras", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> "Persona":
        return cls.from_dict(json.loads(text))


def clamp_slider(value: float) -> float:
    """``value`` within 0-100, rounded to one decimal."""
    return round(min(SLIDER_MAX, max(SLIDER_MIN, float(value))), 1)
