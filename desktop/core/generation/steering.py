"""How the persona sliders steer a base model, which does not follow instructions.

A chat model reads the sliders as words in its system prompt (``prompting.slider_words``). The
default base model mostly imitates what it sees, so the sliders act on what it sees and on how
long it may write:

* **Example choice and order.** Retrieval offers more relevant past exchanges than the prompt
  holds; each reply's style features (``persona.style.style_features``: words, emoji, ``!``,
  ``?``, laughs, warm words, hedges, formality, self-promotion) are scored against the slider
  positions, and the examples that best combine relevance and style win. A slider's pull is
  measured from its *neutral* position, the value calibrated from the creator's own profile:
  at the defaults the choice is relevance alone, so the clone sounds like the creator as they
  already write; moving a slider up prefers replies with more of its feature, down with less.
* **Generation limits.** The length slider sets a target in words
  (``style.length_slider_to_words``); the token limit follows it. The curiosity, energy
  and emoji sliders bias the sampling of ``?``, ``!`` and emoji tokens, warmth and
  self-promotion that of their words (``mark_bias``): a base model copies all of them from
  examples only weakly.
* **Honest post-processing only.** A reply far over the length target is cut back at a
  sentence boundary (nothing is added or reworded); see ``trim_to_length``.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from desktop.core.generation.backends.base import EMOJI_MARK, words_mark
from desktop.core.generation.faithfulness import asks_question
from desktop.core.generation.types import Example
from desktop.core.persona import Persona
from desktop.core.persona.model import DEFAULT_SLIDERS
from desktop.core.persona.style import StyleFeatures, length_slider_to_words, style_features

STYLE_WEIGHT = 1.0
"""How much a full slider pull weighs against relevance (which is scaled to 0..1)."""
CANDIDATES_PER_EXAMPLE = 4
"""Retrieval offers this many times the examples the prompt keeps, for the sliders to choose from."""
MIN_TARGET_WORDS = 3.0
TOKENS_PER_WORD = 1.6
"""Gemma-style tokenizers: about 1.3 tokens per English word, plus punctuation and emoji."""
LENGTH_TOLERANCE = 1.5
"""A reply may run this many times its target length before it is trimmed."""
_WORD_SPAN = re.compile(r"\S+")


def _saturate(value: float, full: float) -> float:
    return min(1.0, value / full)


# Each slider's measure of one reply, on a comparable -1..1 scale (higher: more of the slider).
SLIDER_MEASURES: dict[str, Callable[[StyleFeatures], float]] = {
    "length": lambda f: max(-1.0, min(1.0, (math.log1p(f.words) - math.log1p(8)) / 2)),
    "warmth": lambda f: _saturate(f.warm, 2),
    "formality": lambda f: 2 * f.formality - 1,
    "humour": lambda f: _saturate(f.laughs, 2),
    "energy": lambda f: _saturate(f.exclamations, 2),
    "emoji": lambda f: _saturate(f.emoji, 3),
    "directness": lambda f: -_saturate(f.hedges, 1),
    "curiosity": lambda f: _saturate(f.questions, 1),
    "self_promotion": lambda f: _saturate(f.self_promotion + f.links, 1),
}


def own_product_mentions(text: str, persona: Persona) -> int:
    """How often ``text`` names one of the creator's products or allowed links (case-insensitive)."""
    lowered = text.casefold()
    names = [p.name for p in persona.identity.products] + persona.allowed_links()
    return sum(lowered.count(name.casefold()) for name in names if len(name.strip()) > 2)


def self_promotion_count(text: str, persona: Persona, features: StyleFeatures | None = None) -> int:
    """The self-promotion slider's measure of one reply: promotional phrases, links, and mentions
    of the creator's own products (their names come from the persona, not a word list)."""
    features = features or style_features(text)
    return features.self_promotion + features.links + own_product_mentions(text, persona)


def slider_pulls(persona: Persona, neutral: Mapping[str, float] | None = None) -> dict[str, float]:
    """Slider name -> pull in -1..1: how far each slider sits from its neutral position.

    ``neutral`` is the creator's calibrated slider positions (``style.calibrated_sliders``);
    without a profile, the generic defaults.
    """
    neutral = neutral or DEFAULT_SLIDERS
    pulls = {}
    for name in SLIDER_MEASURES:
        value = float(persona.sliders.get(name, DEFAULT_SLIDERS[name]))
        centre = float(neutral.get(name, DEFAULT_SLIDERS[name]))
        pulls[name] = max(-1.0, min(1.0, (value - centre) / 50.0))
    return pulls


def style_score(features: StyleFeatures, pulls: Mapping[str, float]) -> float:
    """How well a reply with ``features`` matches the slider pulls (0 when nothing pulls)."""
    return sum(pull * SLIDER_MEASURES[name](features) for name, pull in pulls.items() if pull)


def steer_examples(
    examples: Sequence[Example], persona: Persona, keep: int, neutral: Mapping[str, float] | None = None
) -> list[Example]:
    """The ``keep`` examples that best combine relevance and the sliders, best first.

    Relevance is each example's retrieval score relative to the best one (0..1); the returned
    examples carry the combined score, so the prompt puts the best nearest the message.
    """
    if not examples:
        return []
    pulls = slider_pulls(persona, neutral)
    best = max(e.score for e in examples) or 1.0

    def fit(reply: str) -> float:
        features = style_features(reply)
        score = style_score(features, pulls)
        if pulls["self_promotion"] and own_product_mentions(reply, persona):
            # The persona's own products count as promotion too (the word list cannot know them).
            promo = SLIDER_MEASURES["self_promotion"](features)
            score += pulls["self_promotion"] * (1.0 - promo)
        return score

    scored = [(e.score / best + STYLE_WEIGHT * fit(e.reply), -i, e) for i, e in enumerate(examples)]
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [replace(e, score=round(score, 6)) for score, _, e in scored[:keep]]


MARK_BIAS = 3.0
"""Logit bias of a full slider pull on its tokens (e^3: twenty times as likely). Measured on the
30 probes: 2.0 moved self-promotion by 0.13 mentions per reply, 3.0 by 0.4."""
SLIDER_MARKS: dict[str, str] = {"curiosity": "?", "energy": "!", "emoji": EMOJI_MARK}
"""Sliders whose feature is one kind of token (a punctuation mark, or any emoji): the model is
nudged toward or away from it."""
WARM_WORDS = (
    "thanks thank thx love loved lovely appreciate appreciated glad amazing hugs congrats proud sweet "
    "welcome "
    "❤ 💕 🥰 😍 💖 🤗 😊 🙏 💗 🫶"
).split()
"""The warmth slider's words: the warm words and heart emoji ``style_features`` counts."""
PROMO_WORDS = "bio link subscribe cookbook programme program course podcast newsletter shop merch".split()
"""The self-promotion slider's words, joined by the creator's own product names."""
_NAME_WORD = re.compile(r"[^\W\d_]{4,}")


def slider_words(persona: Persona) -> dict[str, str]:
    """Slider -> ``words_mark`` for the sliders that act on words: warmth on warm words,
    self-promotion on promotion words and the words of the creator's own product names."""
    product_words = [w for p in persona.identity.products for w in _NAME_WORD.findall(p.name)]
    return {"warmth": words_mark(WARM_WORDS), "self_promotion": words_mark([*PROMO_WORDS, *product_words])}


def mark_bias(persona: Persona, neutral: Mapping[str, float] | None = None) -> tuple[tuple[str, float], ...]:
    """(mark, logit bias) for each token-steered slider away from its neutral position.

    A base model copies questions, exclamation marks and emoji from its examples only weakly
    (measured: 0.07 emoji per reply with the emoji slider at 90 from examples alone); a bias
    on their tokens makes "asks questions back", "high energy" and "lots of emoji"
    measurable, and their low ends suppress them. Warmth and self-promotion nudge their words
    the same way (examples alone moved them by 0.1 per reply). The model still picks what to
    say and where; nothing is written into the reply by us.
    """
    pulls = slider_pulls(persona, neutral)
    marks = [(mark, round(MARK_BIAS * pulls[name], 3)) for name, mark in SLIDER_MARKS.items() if pulls[name]]
    words = [
        (mark, round(MARK_BIAS * pulls[name], 3))
        for name, mark in slider_words(persona).items()
        if pulls[name]
    ]
    return tuple(marks + words)


def target_words(persona: Persona) -> float:
    """The length slider as words per reply (at least ``MIN_TARGET_WORDS``)."""
    return max(
        MIN_TARGET_WORDS, length_slider_to_words(persona.sliders.get("length", DEFAULT_SLIDERS["length"]))
    )


REPLY_TARGET_RANGE = (0.5, 3.0)
"""A reply's own target stays within these multiples of the slider's (``reply_target_words``)."""

SAME_KIND_EXAMPLES = 3
"""Retrieved replies to messages of the same kind (question or not) that ``reply_target_words``
needs before it measures only them."""


def reply_target_words(
    persona: Persona,
    examples: Sequence[Example] = (),
    neutral: Mapping[str, float] | None = None,
    incoming: str | None = None,
) -> float:
    """Words this reply should run: how long the creator answered messages like this one.

    Why: a creator's length depends on the message: a compliment gets a few words, a question
    about how they work gets an answer. One target for both drafted Maya's golden questions,
    which she answered at length, at about half her length (12 words against 22). So the
    target is the median length of the creator's replies to the retrieved messages, moved by the
    length slider's offset from its calibrated position (``neutral``): at the calibrated
    position the clone answers as long as the creator did, and the slider at twice the words
    doubles it.

    Which replies: those to retrieved messages of the same kind as ``incoming`` (a question, or
    not: ``faithfulness.asks_question``) when at least ``SAME_KIND_EXAMPLES`` of them were
    found, else all retrieved. Why: in a small archive the nearest messages by meaning are often
    thanks and compliments, answered in six words, while the fan asked how to do something;
    whether a message asks is the better guide to how long the creator answers it (Maya: 20
    words to questions, 10 to the rest). Pass the whole retrieved pool, not only the few
    examples shown to the model. Without examples or a calibration, the slider's target. Kept
    within ``REPLY_TARGET_RANGE`` of the slider's target, so one odd example cannot make a
    one-word or an essay draft.
    """
    slider = target_words(persona)
    if not examples or not neutral or "length" not in neutral:
        return slider
    pool: Sequence[Example] = examples
    if incoming is not None:
        asks = asks_question(incoming)
        same_kind = [example for example in examples if asks_question(example.incoming) == asks]
        if len(same_kind) >= SAME_KIND_EXAMPLES:
            pool = same_kind
    calibrated = max(MIN_TARGET_WORDS, length_slider_to_words(neutral["length"]))
    median = statistics.median(len(_WORD_SPAN.findall(example.reply)) for example in pool)
    low, high = REPLY_TARGET_RANGE
    return max(MIN_TARGET_WORDS, low * slider, min(high * slider, median * slider / calibrated))


def token_limit(target: float, requested: int) -> int:
    """The reply's token limit for a ``target`` of words: its tokens with room to finish a
    sentence, never more than ``requested``."""
    room = LENGTH_TOLERANCE * target * TOKENS_PER_WORD + 8
    return max(1, min(requested, max(16, math.ceil(room))))


LONG_CANDIDATE_SHARE = 0.6
"""A long candidate may not end before this share of the length target (``min_reply_tokens``)."""


def min_reply_tokens(target: float) -> int:
    """Tokens before which a "long" candidate may not end: ``LONG_CANDIDATE_SHARE`` of the
    ``target`` words. Why: a 270M model ends most replies early (the coach's drafts ran 9.5 words
    against her 15), so half a draft's candidates are held to a floor and the length part of the
    score chooses between short and long (``drafting._choose``)."""
    return max(1, math.ceil(LONG_CANDIDATE_SHARE * target * TOKENS_PER_WORD))


def trim_to_length(text: str, target: float) -> str:
    """Cut a reply far over its ``target`` words back to its last sentence end within the limit.

    Only whole trailing sentences are removed (the text before the cut is untouched); a reply
    with no sentence end inside the limit is kept whole.
    """
    limit = int(LENGTH_TOLERANCE * target)
    words = list(_WORD_SPAN.finditer(text))
    if len(words) <= limit:
        return text
    within = text[: words[limit - 1].end()] if limit else ""
    cut = max(within.rfind(mark) for mark in ".!?…")
    return within[: cut + 1].rstrip() if cut > 0 else text
