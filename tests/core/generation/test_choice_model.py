"""The scorer's weights learned from a creator's choices: the fit follows a consistent
preference, stays at the defaults without enough choices, and ignores what carries nothing."""

from __future__ import annotations

import random

from desktop.core.generation.choice_model import (
    DEFAULT_WEIGHTS,
    MIN_CHOICES,
    Choice,
    fit_weights,
    learned_weights,
    pick,
    weighted_score,
)


def _parts(**values: float) -> dict[str, float]:
    return {name: values.get(name, 0.0) for name in DEFAULT_WEIGHTS}


def _prefers_past(count: int, seed: int = 7) -> list[Choice]:
    """A creator who takes their own past answer although a model draft scores higher by default."""
    rng = random.Random(seed)
    choices = []
    for _ in range(count):
        model = _parts(
            answers=rng.uniform(0.5, 0.8), voice=rng.uniform(0.2, 0.4), length=-rng.uniform(0, 0.2)
        )
        past = _parts(
            answers=rng.uniform(0.3, 0.5),
            voice=rng.uniform(0.2, 0.4),
            length=-rng.uniform(0.2, 0.6),
            past=0.5,
        )
        choices.append(Choice((model, past), 1))
    return choices


def test_the_defaults_add_the_parts_and_pick_the_highest() -> None:
    options = [_parts(answers=0.7, voice=0.3), _parts(answers=0.4, past=0.5, length=-0.4)]
    assert weighted_score(options[0], None) == 1.0
    assert pick(options, None) == 0


def test_a_consistent_preference_is_learned_and_changes_the_pick() -> None:
    choices = _prefers_past(MIN_CHOICES)
    weights = learned_weights(choices)
    assert weights is not None
    assert weights["past"] > DEFAULT_WEIGHTS["past"] + 1.0
    fresh = _prefers_past(20, seed=99)
    picked_by_default = sum(pick(c.options, None) == c.chosen for c in fresh)
    picked_learned = sum(pick(c.options, weights) == c.chosen for c in fresh)
    assert picked_by_default <= len(fresh) // 2 and picked_learned == len(fresh)


def test_too_few_choices_keep_the_defaults() -> None:
    assert learned_weights(_prefers_past(MIN_CHOICES - 1)) is None


def test_choices_with_one_option_or_no_valid_pick_carry_nothing() -> None:
    lonely = [Choice((_parts(answers=0.5),), 0)] * 40 + [Choice((_parts(), _parts()), 5)] * 40
    assert learned_weights(lonely) is None
    assert fit_weights(lonely) == DEFAULT_WEIGHTS


def test_an_edited_approval_counts_less_than_one_taken_as_it_was() -> None:
    as_is = fit_weights(_prefers_past(10))
    edited = fit_weights([Choice(c.options, c.chosen, edited=True) for c in _prefers_past(10)])
    assert DEFAULT_WEIGHTS["past"] < edited["past"] < as_is["past"]
