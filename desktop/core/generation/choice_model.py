"""Learning the candidate scorer's weights from the options a creator picks.

Why: the default score adds its parts with equal weights (``candidates.score_parts``), a guess.
Each approval in the Inbox says which of the options shown the creator preferred: the one they
approved (as it was, or as the base of their edit) over the others. Once a profile has
``MIN_CHOICES`` such choices, the weights are refitted from them, so a creator who always
takes their own past answer, or always the shorter draft, gets that one shown first.

The model is a conditional logit (the multinomial logistic model of "which option of this set
is chosen"): P(option i) = exp(w . x_i) / sum_j exp(w . x_j), where x is the option's score
parts. It is fitted by Newton steps with an L2 pull toward the default weights (all 1), so a
few choices nudge the weights and many choices move them. A choice with one option says
nothing about the weights and is skipped; an approval after an edit counts half (the creator
took that option but not as it was).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PARTS: tuple[str, ...] = ("guard", "answers", "fact", "voice", "length", "past", "quick")
"""The score's parts, in the order of the weight vector (``candidates.score_parts``'s keys)."""
DEFAULT_WEIGHTS: dict[str, float] = {part: 1.0 for part in PARTS}
MIN_CHOICES = 30
"""Choices (with two options or more) before a profile's weights are refitted."""
PRIOR_STRENGTH = 1.0
"""The L2 pull toward the default weights: with 30 choices, the data outweighs it."""
EDITED_WEIGHT = 0.5


@dataclass(frozen=True)
class Choice:
    """One approval: the score parts of every option shown, and the index of the one approved."""

    options: tuple[Mapping[str, float], ...]
    chosen: int
    edited: bool = False


def usable(choices: Sequence[Choice]) -> list[Choice]:
    """The choices that carry information: two options or more, a valid chosen index."""
    return [c for c in choices if len(c.options) >= 2 and 0 <= c.chosen < len(c.options)]


def weighted_score(parts: Mapping[str, float], weights: Mapping[str, float] | None) -> float:
    """A candidate's score: its parts, each times its weight (1 where none is learned)."""
    weights = weights or DEFAULT_WEIGHTS
    return sum(value * weights.get(name, 1.0) for name, value in parts.items())


def fit_weights(choices: Sequence[Choice], *, iterations: int = 50) -> dict[str, float]:
    """The weights that make the creator's choices most likely (see the module docstring)."""
    data = usable(choices)
    prior = np.array([DEFAULT_WEIGHTS[p] for p in PARTS])
    w = prior.copy()
    if not data:
        return dict(DEFAULT_WEIGHTS)
    matrices = [np.array([[float(o.get(p, 0.0)) for p in PARTS] for o in c.options]) for c in data]
    sample = [EDITED_WEIGHT if c.edited else 1.0 for c in data]
    for _ in range(iterations):
        gradient = PRIOR_STRENGTH * (w - prior)
        hessian = PRIOR_STRENGTH * np.eye(len(PARTS))
        for x, choice, weight in zip(matrices, data, sample, strict=False):
            logits = x @ w
            p = np.exp(logits - logits.max())
            p /= p.sum()
            mean = p @ x
            gradient += weight * (mean - x[choice.chosen])
            hessian += weight * ((x * p[:, None]).T @ x - np.outer(mean, mean))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return {part: round(float(value), 4) for part, value in zip(PARTS, w, strict=False)}


def learned_weights(choices: Sequence[Choice]) -> dict[str, float] | None:
    """The refitted weights once there are ``MIN_CHOICES`` usable choices, else None (defaults)."""
    data = usable(choices)
    return fit_weights(data) if len(data) >= MIN_CHOICES else None


def pick(options: Sequence[Mapping[str, float]], weights: Mapping[str, float] | None) -> int:
    """The index of the best option under ``weights`` (ties: the earlier one)."""
    scores = [weighted_score(parts, weights) for parts in options]
    return max(range(len(scores)), key=lambda i: (scores[i], -i))
