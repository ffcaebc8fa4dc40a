"""Praise, thanks and good news get the creator's own quick reply, not the model's guesswork.

Why: half of what fans write is praise ("your crumb is unreal 😍", "thank u for the focaccia tip
it worked!!!"), and it is where the 270M model fails most: read by hand (stop 21, the dev half),
its replies to praise were mostly non-sequiturs ("I have a rental car, but it's not free." to
"the Kyoto rain post lives in my head rent free") or false things about the creator, while the
guard, rightly, found nothing to flag. What a creator sends to praise is a short thanks in their
own words, and to a fan's good news ("hit a 135 squat today!!!") a short cheer; they write a few
once (Persona, Boundaries: "Quick thanks" and "Quick cheers") and a message that is praise,
thanks or good news, and nothing else, gets one of them as its draft, with the model's drafts
as alternatives one key away.

"Nothing else" is read cautiously, from words, in the languages the fans of the demo creators
write: a question, a request, or a word of trouble ("didn't work", "help", "injured") and the
message goes to the model as any other. A false "praise" costs a canned thanks to a message that
wanted more; the creator sees the model's drafts beside it.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.generation.faithfulness import asks_question
from desktop.core.generation.textmatch import fold_text

_PRAISE = re.compile(
    r"\b(?:"
    # thanks, in the fans' languages
    r"thank|thanks|thanx|thx|ty|tysm|grateful|appreciat\w*|gracias|merci|obrigad[oa]|danke|grazie|"
    # praise of the work
    r"unreal|amazing|awesome|incredible|insane(?:ly)?|stunning|beautiful|gorgeous|perfect(?:ion)?|"
    r"obsessed|lov(?:e|ed|es|ing)|favou?rite|best|goat|legend(?:ary)?|iconic|wow+|wizard|"
    r"top tier|unmatched|masterpiece|brilliant|magic(?:al)?|fantastic|wonderful|lovely|"
    r"inspir\w*|motivat\w*|illegal|criminal|unfair|peaceful|hits different|such a mood|"
    r"killing it|killed it|slay\w*|chef'?s kiss|made my day|means a lot|warm hug|"
    r"keep (?:doing|being|it up|going)|never stop|deserve|proud of (?:you|how far)|"
    r"jaw dropped|heart (?:literally )?stopped|so pretty|sexy|"
    # praise in the words of harm, which triage reads as harmless before a draft is made
    r"(?:i'?d|would) kill for|killed me|dying to|i'?m dead|ended my|murder on|"
    # other languages
    r"buen[ií]sim\w*|bonit\w*|lind[oa]s?|hermos\w*|precios\w*|magnifique|incroyable\w*|"
    r"incr[ií]ve(?:l|is)|parab[eé]ns|mega|wahnsinn|wundersch[oö]n\w*|liebe|amo|me inspira|"
    r"motivent|beruhigend|genial\w*"
    r")\b",
    re.IGNORECASE,
)
"""Words of thanks or praise; one of them (or a praise emoji) makes a message a candidate."""

_PRAISE_EMOJI = re.compile(
    "[\U0001f60d\U0001f970\U0001f929\U0001f525\u2764\U0001f49b\U0001f64c\U0001f44f\u2728]"
)
"""😍 🥰 🤩 🔥 ❤ 💛 🙌 👏 ✨"""

_TROUBLE = re.compile(
    r"\b(?:"
    r"help|didn'?t work|doesn'?t work|does not work|not working|won'?t|can'?t|couldn'?t|"
    r"fail\w*|problem\w*|issue\w*|wrong|stuck|confus\w*|struggl\w*|disappoint\w*|sorry|sad|"
    r"injur\w*|hurt\w*|pain|sick|worried|scared|anxious|lonely|depress\w*|"
    r"but|except|however|please|pls|plz|could you|can you|would you|will you|send|dm|"
    r"collab\w*|sponsor\w*|price|cost|discount|code|link|"
    r"ayuda|problema|aide|probl[eè]me|ajuda|hilfe|aber|pero|mais"
    r")\b",
    re.IGNORECASE,
)
"""Words that say the message wants more than thanks: trouble, a request, a "but"."""


_WIN = re.compile(
    r"\b(?:finally|first\s+(?:\w+\s+){0,2}ever|first time|my first|pr|pb|personal best|hit|did it|"
    r"done|finished|nailed|crushed|made|baked|"
    r"bought|learn\w*|progress|rose|clicked|worked|managed|completed|proud of myself|"
    r"day \d+|week \d+|loaf #?\d+|felt amazing|feel the difference)\b",
    re.IGNORECASE,
)
"""Words of something the fan did ("finally", "first pull up", "hit a 135 squat")."""

_FIRST_PERSON = re.compile(
    r"\b(?:i|i'?m|im|i'?ve|ive|we|my|me|myself)\b|^\W*(?:just|finally|first)\b", re.IGNORECASE
)
"""The news is the fan's own: "I", "my", or a message that starts "just finished", "first ..."."""

PRAISE, WIN = "praise", "good news"


def kind_of(message: str) -> str | None:
    """``WIN`` when the fan tells of something they did, ``PRAISE`` for praise or thanks, None when
    the message asks, requests or tells of trouble, or is neither (the model drafts it)."""
    text = fold_text(message)
    if not text.strip() or asks_question(message) or _TROUBLE.search(text):
        return None
    if _WIN.search(text) and _FIRST_PERSON.search(text):
        return WIN
    if _PRAISE.search(text) or _PRAISE_EMOJI.search(message):
        return PRAISE
    return None


@dataclass(frozen=True)
class QuickReply:
    """One of the creator's quick replies, and the kind of message it answers (``kind_of``)."""

    text: str
    kind: str


def quick_reply(
    thanks: Sequence[str], cheers: Sequence[str], incoming: str, seed: int = 0
) -> QuickReply | None:
    """One of the creator's quick replies for ``incoming``: a cheer for the fan's good news (a
    thanks when they wrote no cheers), a thanks for praise; None for anything else.

    Which one follows the message (and the seed, so "regenerate" shows another): the same fan
    message gets the same reply, and a run of praise does not get one reply over and over."""
    kind = kind_of(incoming)
    if kind is None:
        return None
    pool = [r.strip() for r in (cheers if kind == WIN else ()) if r.strip()] or [
        r.strip() for r in thanks if r.strip()
    ]
    if not pool:
        return None
    return QuickReply(pool[(zlib.crc32(incoming.strip().encode("utf-8")) + seed) % len(pool)], kind)
