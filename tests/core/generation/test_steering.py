"""The sliders' example choice, token limits and length trimming, without a model."""

from __future__ import annotations

from desktop.core.generation.backends.base import EMOJI_MARK, WORDS_MARK_PREFIX, words_mark
from desktop.core.generation.steering import (
    mark_bias,
    reply_target_words,
    self_promotion_count,
    slider_pulls,
    steer_examples,
    target_words,
    token_limit,
    trim_to_length,
)
from desktop.core.generation.types import Example
from desktop.core.persona import Persona
from desktop.core.persona.model import DEFAULT_SLIDERS, Identity, Product

POOL = [
    Example("what protein do you use?", "whey, one scoop", score=0.030),
    Example("which protein is best?", "omg love this!! 😍💪 vanilla whey every morning ✨", score=0.029),
    Example("plant protein?", "hmm I think maybe pea protein? what do you eat?", score=0.028),
    Example(
        "is whey ok?",
        "Thank you for your question. Whey suits most people; details are in my cookbook.",
        score=0.027,
    ),
]


def persona_with(**sliders: float) -> Persona:
    return Persona(sliders={**DEFAULT_SLIDERS, **sliders})


def test_at_the_neutral_positions_relevance_alone_decides() -> None:
    chosen = steer_examples(POOL, persona_with(), keep=4)
    assert [e.reply for e in chosen] == [e.reply for e in POOL]
    assert all(pull == 0 for pull in slider_pulls(persona_with()).values())


def test_each_slider_pulls_the_examples_with_its_feature_forward() -> None:
    top = lambda persona: steer_examples(POOL, persona, keep=1)[0].reply  # noqa: E731
    assert "😍" in top(persona_with(emoji=95))
    assert "!!" in top(persona_with(energy=95))
    assert "?" in top(persona_with(curiosity=95))
    assert "I think" in top(persona_with(directness=5))
    assert top(persona_with(formality=95)).startswith("Thank you for your question")
    assert top(persona_with(length=5)) == "whey, one scoop"


def test_pull_is_measured_from_the_creators_calibrated_positions() -> None:
    calibrated = {**DEFAULT_SLIDERS, "emoji": 80.0}
    persona = persona_with(emoji=80)
    assert slider_pulls(persona, calibrated)["emoji"] == 0
    assert slider_pulls(persona_with(emoji=30), calibrated)["emoji"] == -1.0
    # Pulling down from an emoji-heavy creator's position puts the emoji-free replies first.
    assert "😍" not in steer_examples(POOL, persona_with(emoji=30), keep=1, neutral=calibrated)[0].reply


def test_chosen_examples_carry_their_combined_score_best_first() -> None:
    chosen = steer_examples(POOL, persona_with(curiosity=100), keep=2)
    assert len(chosen) == 2 and chosen[0].score >= chosen[1].score
    assert steer_examples([], persona_with(), keep=3) == []


def test_length_slider_sets_the_token_limit_monotonically_never_above_the_request() -> None:
    limits = [token_limit(target_words(persona_with(length=v)), 200) for v in (0, 10, 30, 50, 70, 90, 100)]
    assert limits == sorted(limits) and limits[0] < limits[-1]
    assert token_limit(target_words(persona_with(length=100)), 60) == 60
    assert target_words(persona_with(length=0)) >= 3


def test_trim_removes_only_whole_trailing_sentences() -> None:
    short = target_words(persona_with(length=20))  # about 3 words, trimmed beyond 4
    text = "Yes! Five days a week, push pull legs. Then two runs."
    assert trim_to_length(text, short) == "Yes!"
    no_sentence_end = "five days a week with two runs and a long walk"
    assert trim_to_length(no_sentence_end, short) == no_sentence_end
    assert trim_to_length(text, target_words(persona_with(length=90))) == text


def test_a_reply_is_aimed_at_how_long_the_creator_answered_messages_like_it() -> None:
    calibrated = {"length": 50.0}
    persona = persona_with(length=50)
    slider = target_words(persona)
    long_answers = [Example(f"q{i}", " ".join(["word"] * round(2 * slider)), score=1.0) for i in range(3)]
    short_answers = [Example(f"q{i}", "thank you so much", score=1.0) for i in range(3)]
    # At the calibrated position the clone answers as long as the creator did.
    assert reply_target_words(persona, long_answers, calibrated) == round(2 * slider)
    assert reply_target_words(persona, short_answers, calibrated) == max(4.0, 0.5 * slider)
    # Moving the slider moves the target from there, in the same direction.
    longer = persona_with(length=70)
    assert reply_target_words(longer, long_answers, calibrated) > reply_target_words(
        persona, long_answers, calibrated
    )
    # Without examples, or without a calibration, the slider alone.
    assert reply_target_words(persona, [], calibrated) == slider
    assert reply_target_words(persona, long_answers, None) == slider
    # One odd example cannot make an essay: at most three times the slider's target.
    essay = [Example("q", " ".join(["word"] * 500), score=1.0)]
    assert reply_target_words(persona, essay, calibrated) == 3 * slider


def test_a_question_is_aimed_at_how_long_the_creator_answered_questions() -> None:
    """Maya's archive: her nearest replies by meaning are thanks, but a question gets an answer."""
    calibrated = {"length": 50.0}
    persona = persona_with(length=50)
    pool = [
        Example(
            "The lemon drizzle cake was a hit at my mum's birthday!!",
            "Yay, that makes my day!! Happy birthday",
        ),
        Example("Trying again this weekend!", "You've got this! Send me a pic when they're done"),
        Example("Thanks for the croissant tips last week", "Of course! How did they turn out?"),
        Example(
            "How long do you proof your focaccia?",
            "About 2 hours at room temp until it's puffy and jiggly. If your kitchen is cold, give it longer",
        ),
        Example(
            "Do you ever use a bread machine?",
            "Never had one! I like getting my hands in the dough, it's my therapy",
        ),
        Example(
            "What oven do you have? Mine burns everything",
            "Just a normal electric one! Try the rack one level higher and a second sheet underneath",
        ),
    ]
    question = reply_target_words(persona, pool, calibrated, "is the banana bread ok with oat flour")
    thanks = reply_target_words(persona, pool, calibrated, "omg the cake was a hit at the party")
    assert question == 16  # the median of her three answers to questions (14, 16 and 19 words)
    assert thanks == 7  # the median of her three replies to the rest (7, 7 and 10 words)
    # Too few of the same kind: all retrieved replies count.
    assert reply_target_words(persona, pool[:4], calibrated, "any tips?") == reply_target_words(
        persona, pool[:4], calibrated
    )


def test_the_creators_own_products_count_as_self_promotion() -> None:
    persona = Persona(
        sliders={**DEFAULT_SLIDERS, "self_promotion": 95.0},
        identity=Identity(products=[Product("the Fuel cookbook", "zoe.fit/cookbook")]),
    )
    pool = [
        Example("snack ideas?", "boiled eggs and fruit", score=0.030),
        Example("snack ideas??", "forty snack recipes in the Fuel cookbook: zoe.fit/cookbook", score=0.029),
    ]
    assert self_promotion_count(pool[1].reply, persona) >= 2
    assert self_promotion_count(pool[0].reply, persona) == 0
    assert steer_examples(pool, persona, keep=1)[0].reply.startswith("forty snack recipes")


def test_token_sliders_bias_their_tokens_both_ways_and_only_when_moved() -> None:
    """Curiosity, energy and emoji act on marks; warmth and self-promotion on words, the latter
    with the creator's own product names."""
    assert mark_bias(persona_with()) == ()  # at the neutral positions nothing is biased
    persona = Persona(
        sliders={**DEFAULT_SLIDERS, "emoji": 100, "curiosity": 0, "warmth": 100, "self_promotion": 100},
        identity=Identity(products=[Product("the Fuel cookbook", "zoe.fit/cookbook")]),
    )
    bias = dict(mark_bias(persona))
    assert bias[EMOJI_MARK] > 0 and bias["?"] < 0 and "!" not in bias
    warm = next(key for key in bias if key.startswith(WORDS_MARK_PREFIX) and "thanks" in key)
    promo = next(key for key in bias if key.startswith(WORDS_MARK_PREFIX) and "bio" in key)
    assert bias[warm] > 0 and bias[promo] > 0
    assert {"fuel", "cookbook"} <= set(promo.removeprefix(WORDS_MARK_PREFIX).split("|"))
    assert words_mark(["Love", "thanks", "love"]) == "words:love|thanks"
