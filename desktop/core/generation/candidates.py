"""Choosing among several drafts: every candidate is scored, the best is the draft, the rest are
the alternatives the creator can pick with one key.

Why: one sample from a 270M model is often wrong in a way another sample is not ("No." to a
question her own reply answers, "100%" where she said 75%), and the archive often holds the
creator's own answer to nearly the same message. So a draft is chosen among:

- the model's candidates (N sequences of one batched decode, each its own seed);
- the creator's own past answer, when a past message is at least ``PAST_ANSWER_THRESHOLD``
  close (``Retriever.past_answer``), adapted only where it must be (a leading @handle or the
  old fan's name); it goes through the same guard, and a number in it that the facts sheet now
  states differently is flagged as stale;
- the creator's quick reply when the fan's message is praise, thanks or good news and nothing
  else: a thanks or a cheer in their words (``thanks.quick_reply``);
- the line of the creator's facts sheet that answers the fan's question (``fact_answer``);
- the persona's own replies where the guard asks for them: the disclosure reply when the fan
  asks "are you a bot?", the "let me check" reply when the fan asks a fact nothing supports.

Each candidate's score is a sum of parts, shown to the creator on hover (``Candidate.parts``):

- ``guard``: 0 when clean; -1 per finding that needs an edit, -2 for an invented or contradicted
  specific or an offer nobody announced, -5 for an AI-honesty dodge (the note on the persona's
  disclosure reply that replaced one does not count), -10 when blocked;
- ``answers``: the MiniLM cosine between the fan's message and the candidate, less 0.3 when the
  fan asked a question and the candidate only asks one back, less 0.5 when it only echoes the
  fan's words back ("your crumb is unreal" -> "My crumb is unreal!", ``echoes``);
- ``fact``: +0.5 when the fan asked something and the candidate states a specific (a number, a
  name) the guard found supported: the answer is carried;
- ``voice``: half the best cosine to the creator's retrieved replies (sounds like them);
- ``length``: minus half the log-distance from the persona's length target;
- ``past``: +0.5 for the creator's own past answer or facts line (their words, already
  approved once, or written down for fans);
- ``quick``: +``QUICK_BONUS`` for a reply the creator wrote for this kind of message: a quick
  reply to praise or good news (``thanks`` says why), the disclosure reply to "are you a bot?"
  (the model's answers to it that mention AI still rambled); it is the draft there, the
  model's drafts the alternatives.

The parts are added with equal weights until the creator has made ``choice_model.MIN_CHOICES``
choices among options in the Inbox; then with the weights refitted from those choices
(``ScoreContext.weights``, ``choice_model``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from desktop.core.generation.choice_model import weighted_score
from desktop.core.generation.faithfulness import asks_question
from desktop.core.generation.guard import (
    AI_DENIAL,
    AI_HONESTY,
    CONTRADICTION,
    FAITHFULNESS_KINDS,
    NEEDS_ANSWER,
    GuardResult,
)
from desktop.core.generation.specifics import find_specifics
from desktop.core.generation.textmatch import content_stems

MODEL, PAST_ANSWER, PERSONA_REPLY, QUICK_REPLY, FACT_ANSWER = (
    "model", "past_answer", "persona_reply", "quick_reply", "fact_answer",
)  # fmt: skip

PAST_ANSWER_THRESHOLD = 0.78
"""Cosine (MiniLM) from which a past message counts as "the same question". Calibrated on the
development half of resources/eval/guard over the three demo archives (each message against its
nearest past message; tests/core/generation/test_candidates.py prints the pairs around the
threshold): every past answer at 0.79 or above answered the new message (0.79
"how much oat flour can i swap into the banana bread" / "Is the banana bread recipe ok with oat
flour?"); below, wrong ones appear (0.74 "whats your squat pr" got the deadlift answer, 0.72
"I'd kill for your deadlift form" the same)."""

QUICK_BONUS = 1.0
"""Enough to put the creator's quick reply above the model's drafts to praise (theirs score
about 0.6-1.0 in all, a quick thanks about 0.1 before this): read by hand, the model's replies
to praise were mostly not sendable, the creator's own thanks always are."""

_INTERJECTIONS = frozenset(
    "yes yess yesss no nope yep yeah yay oh ohh aw aww awww haha hahaha lol omg wow thanks thank "
    "thx hi hey hello hola of totally sure okay ok omgg ahh ah ugh honestly same girl".split()
)
_LEADING_HANDLES = re.compile(r"^(?:\s*@[\w.]+[,:]?)+\s*")
_LEADING_NAME = re.compile(
    r"^(?P<greet>(?i:hi|hey|hello|hola|thanks|thank "
    r"you|aw+|omg)\s+)?(?P<name>[A-ZÀ-Ý][\w'À-ÿ-]{1,20})(?P<mark>\s*[!,.]+)\s*"
)


@dataclass
class Candidate:
    """One possible reply: where it came from, the guard's findings on it, and its score."""

    text: str
    origin: str
    guard: GuardResult
    seed: int | None = None
    past_platform: str | None = None
    past_date: str | None = None
    past_similarity: float | None = None
    past_item_id: int | None = None
    parts: dict[str, float] = field(default_factory=dict)
    weights: Mapping[str, float] | None = None
    """The weights the parts are added with (None: all 1; see ``choice_model``)."""
    written_for: str | None = None
    """The kind of message the creator wrote this reply for ("praise", "good news", "are you a
    bot?"), when the message is one: such a reply gets the ``quick`` part."""

    @property
    def score(self) -> float:
        return round(weighted_score(self.parts, self.weights), 4)

    @property
    def label(self) -> str:
        """What the creator sees beside it: "Your past answer (instagram, 3 Mar 2025)"."""
        if self.origin == PAST_ANSWER:
            when = _short_date(self.past_date)
            where = ", ".join(part for part in (self.past_platform, when) if part)
            return f"Your past answer ({where})" if where else "Your past answer"
        if self.origin == PERSONA_REPLY:
            return "Your saved reply"
        if self.origin == QUICK_REPLY:
            return "Your quick reply"
        if self.origin == FACT_ANSWER:
            return "From your facts"
        return "Draft" if self.seed is None else f"Draft (seed {self.seed})"

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text, "origin": self.origin, "label": self.label, "score": self.score,
            "parts": {name: round(value, 3) for name, value in self.parts.items()},
            "weights": dict(self.weights) if self.weights else None,
            "blocked": self.guard.blocked, "needs_edit": self.guard.needs_edit,
            "findings": [f.to_dict() for f in self.guard.findings],
            "past": None if self.origin != PAST_ANSWER else {
                "platform": self.past_platform, "date": self.past_date, "similarity": self.past_similarity,
                "item_id": self.past_item_id,
            },
        }  # fmt: skip


def _short_date(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value[:10]
    return f"{moment.day} {moment.strftime('%b %Y')}"


def adapt_past_answer(reply: str, fan_name: str | None = None) -> str:
    """The past reply for this fan: the leading @handles go, and a leading name (the old fan's,
    "CHLOE!!! That's 60 lb" or "Hi Inês, ...") becomes this fan's name, or goes when unknown.
    Nothing else changes: it stays the creator's own words."""
    text = _LEADING_HANDLES.sub("", reply.strip())
    match = _LEADING_NAME.match(text)
    if match and match.group("name").casefold() not in _INTERJECTIONS:
        rest = text[match.end() :]
        greet = (match.group("greet") or "").strip()
        mark = match.group("mark").strip()
        if fan_name:
            head = f"{greet} {fan_name}{mark}".strip()
        else:
            head = f"{greet}{mark}".strip() if greet else ""
        text = f"{head} {rest}".strip() if head else rest[:1].upper() + rest[1:]
    return text or reply.strip()


@dataclass(frozen=True)
class ScoreContext:
    """What every candidate of one draft is scored against."""

    incoming: str
    target_words: float
    voice_texts: Sequence[str] = ()
    similarity: Callable[[str, str], float] | None = None
    weights: Mapping[str, float] | None = None
    """The profile's refitted score weights, None for the defaults (``choice_model``)."""

    @property
    def asks(self) -> bool:
        return asks_question(self.incoming)


def guard_part(guard: GuardResult) -> float:
    if guard.blocked:
        return -10.0
    kinds = [f.kind for f in guard.findings]
    if AI_DENIAL in kinds or (AI_HONESTY in kinds and guard.needs_edit):
        return -5.0  # below any honest candidate: the disclosure reply wins over a dodge
    if any(kind in FAITHFULNESS_KINDS for kind in kinds):
        return -2.0
    if guard.needs_edit:
        return -1.0
    return 0.0


def only_asks_back(text: str) -> bool:
    """Whether every sentence of ``text`` is a question (a question back, no answer)."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]
    return bool(sentences) and all(s.endswith("?") for s in sentences)


ECHO_SHARE = 0.8
"""A reply whose meaning words are at least this share the fan's own echoes the message."""


_COURTESY_STEMS = frozenset(
    {"thank", "love", "lov", "glad", "happy", "appreciate", "appreciat", "aww", "yay", "omg"}
)
"""Thanks and delight around a reply are not its content: "Thank you! I love the way this photo
ruined all my other photos for me" (the dev half) only says the fan's words back."""


def echoes(text: str, incoming: str) -> bool:
    """Whether ``text`` only says the fan's words back: two meaning words or more (thanks and
    delight aside), at least ``ECHO_SHARE`` of them the message's, and no number or name of its
    own (an answer that repeats the question's words adds one: "I proof focaccia for 2 hours")."""
    own = content_stems(text) - _COURTESY_STEMS
    if len(own) < 2:
        return False
    shared = len(own & content_stems(incoming)) / len(own)
    if shared < ECHO_SHARE:
        return False
    theirs = {s.text.casefold() for s in find_specifics(incoming)}
    return all(s.text.casefold() in theirs for s in find_specifics(text))


def score_parts(candidate: Candidate, context: ScoreContext) -> dict[str, float]:
    """The parts of a candidate's score (see the module docstring)."""
    text = candidate.text
    parts = {"guard": guard_part(candidate.guard)}
    similarity = context.similarity
    answers = similarity(context.incoming, text) if similarity and text.strip() else 0.0
    if context.asks and only_asks_back(text):
        answers -= 0.3
    if echoes(text, context.incoming):
        answers -= 0.5
    parts["answers"] = answers
    flagged = {f.text for f in candidate.guard.findings if f.kind in FAITHFULNESS_KINDS | {CONTRADICTION}}
    carried = context.asks and any(s.text not in flagged for s in find_specifics(text))
    parts["fact"] = 0.5 if carried and not candidate.guard.blocked else 0.0
    if similarity and context.voice_texts and text.strip():
        parts["voice"] = 0.5 * max(similarity(text, voice) for voice in context.voice_texts)
    else:
        parts["voice"] = 0.0
    words = len(text.split())
    parts["length"] = -0.5 * abs(math.log((words + 1) / (context.target_words + 1)))
    parts["past"] = 0.5 if candidate.origin in (PAST_ANSWER, FACT_ANSWER) else 0.0
    parts["quick"] = QUICK_BONUS if candidate.written_for else 0.0
    if candidate.origin == PERSONA_REPLY and any(f.kind == NEEDS_ANSWER for f in candidate.guard.findings):
        parts["guard"] = min(parts["guard"], -1.0)  # honest, but still needs the creator's answer
    return parts


def rank(candidates: Sequence[Candidate], context: ScoreContext) -> list[Candidate]:
    """The candidates scored and best first; the same text offered twice is kept once."""
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        key = candidate.text.strip().casefold()
        if (key and key not in unique) or (key in unique and candidate.origin == PAST_ANSWER):
            # the same text twice is kept once; the creator's own words win the tie
            candidate.parts = score_parts(candidate, context)
            candidate.weights = context.weights
            unique[key] = candidate
    return sorted(unique.values(), key=lambda c: c.score, reverse=True)
