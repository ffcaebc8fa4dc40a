"""Choosing the triage classifier's thresholds on the development half, as code anyone can rerun.

Why: a threshold decides how many red messages the classifier catches and how many harmless
ones it silences (a red message gets no draft). Tuned by hand, thresholds drift toward whatever
was looked at last; this is the procedure, so a new bank or a new embedding model gets the same
treatment (``understudy eval tune-triage`` prints the values to paste into
``triage_classifier``). Only the development half's English rows are read: the test half is
for reporting, and the other languages are reported on their own rows.

The procedure, for the red categories:
1. Every row is scored once: the rules' level (no classifier) and the classifier's score per
   label (the best piece for self-harm, minors and AI questions; the whole message otherwise).
2. Greedy lowering: start with no category able to make a message red. At each step, for each
   category, the next threshold is the score of its highest positive that nothing catches yet;
   the step taken gains the most caught positives (self-harm and minors count double) per
   harmless message newly made red. Stop when the next step would put more than ``budget`` of
   the harmless rows red (rules and classifier together).
3. Centre: each threshold moves down to the middle of the gap between it and the highest
   harmless score below it, so an unseen positive a little weaker than the weakest one caught
   still counts, at no cost on this half. No threshold goes below ``MIN_THRESHOLD``.

4. A check, not a step: the bank is split in ``FOLDS`` folds, the classifier trained on all but
   one and scored on the one held out, and the recall of the held-out positives at the chosen
   thresholds is printed with the share of held-out harmless rows made red. The dev half is a
   small sample of how people write; this estimates, without the test half, how the classifier
   alone does on phrasings it was not trained on (issue 15's closing note has the figures).

For "are you a bot?" (not red: the guard holds the draft to an honest answer, and a false
positive replaces a good draft with the disclosure reply): the lowest threshold that calls at
most ``AI_BUDGET`` of the other rows an AI question, centred the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from desktop.core.evaluation.dataset import EvalRow
from desktop.core.generation.triage import triage
from desktop.core.generation.triage_classifier import (
    AI_QUESTION,
    CATEGORIES,
    LABELS,
    TriageClassifier,
    combined_scores,
    fit_logistic,
    message_pieces,
)
from desktop.core.persona import Persona

RED_BUDGET = 0.025
"""Harmless development rows that may be triaged red, rules and classifier together."""
AI_BUDGET = 0.01
"""Other development rows that may be called an AI question by the classifier."""
MIN_THRESHOLD = 0.2
"""No threshold below this: a near-zero score is noise, however many dev rows it would catch."""
DOUBLE_WEIGHT = frozenset({"self_harm", "minor"})
FOLDS = 5


@dataclass(frozen=True)
class ScoredRow:
    row: EvalRow
    rules_red: bool
    scores: dict[str, float]

    @property
    def red(self) -> bool:
        return self.row.red


def score_rows(
    rows: Iterable[EvalRow], classifier: TriageClassifier, persona_of: Callable[[str], Persona | None]
) -> list[ScoredRow]:
    """The rules' verdict and the classifier's score per label, for each row."""
    scored: list[ScoredRow] = []
    for row in rows:
        rules = triage(row.message, persona_of(row.persona), None)
        pieces = message_pieces(row.message)
        best = classifier.piece_scores(classifier.embedder.embed(pieces)).max(axis=0)
        scored.append(
            ScoredRow(row, rules.level == "red", {label: float(best[i]) for i, label in enumerate(LABELS)})
        )
    return scored


def _is_red(item: ScoredRow, thresholds: dict[str, float]) -> bool:
    return item.rules_red or any(item.scores[c] >= thresholds[c] for c in CATEGORIES)


def tune_red_thresholds(scored: Sequence[ScoredRow], budget: float = RED_BUDGET) -> dict[str, float]:
    """The red thresholds by the greedy procedure in the module docstring."""
    harmless = [s for s in scored if not s.red]
    allowed = int(budget * len(harmless))
    thresholds = {c: float("inf") for c in CATEGORIES}
    closed: set[str] = set()
    while True:
        false_reds = sum(_is_red(s, thresholds) for s in harmless)
        best: tuple[float, str, float, int] | None = None
        for category in CATEGORIES:
            if category in closed:
                continue
            missed = [
                s.scores[category]
                for s in scored
                if s.red and s.row.category == category and not _is_red(s, thresholds)
            ]
            candidates = [score for score in missed if score >= MIN_THRESHOLD]
            if not candidates:
                closed.add(category)
                continue
            trial = dict(thresholds, **{category: max(candidates)})
            gain = sum(
                1
                for s in scored
                if s.red and s.row.category == category and not _is_red(s, thresholds) and _is_red(s, trial)
            )
            cost = sum(_is_red(s, trial) for s in harmless) - false_reds
            if false_reds + cost > allowed:
                closed.add(category)
                continue
            value = gain * (2 if category in DOUBLE_WEIGHT else 1) / (cost + 0.5)
            if best is None or value > best[0]:
                best = (value, category, trial[category], cost)
        if best is None:
            break
        thresholds[best[1]] = best[2]
    for category, threshold in thresholds.items():
        if threshold == float("inf"):
            thresholds[category] = 1.0
            continue
        below = [s.scores[category] for s in harmless if s.scores[category] < threshold]
        floor = max(below, default=MIN_THRESHOLD)
        thresholds[category] = round(max(MIN_THRESHOLD, (threshold + floor) / 2), 3)
    return thresholds


def held_out_recall(
    classifier: TriageClassifier, thresholds: dict[str, float], folds: int = FOLDS
) -> dict[str, tuple[float, float]]:
    """Step 4: per red category, (recall of held-out bank positives, share of held-out harmless
    bank rows) at ``thresholds``, the classifier alone, trained without the fold it scores."""
    labels = classifier.labels
    fold_of = np.arange(len(labels)) % folds  # rows interleaved: every fold holds every category
    held_out = np.zeros((len(labels), len(LABELS)))
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        weights = fit_logistic(classifier.vectors[train], labels[train])
        held_out[test] = combined_scores(
            weights, classifier.vectors[train], labels[train], classifier.vectors[test]
        )
    harmless = labels == "none"
    result = {}
    for category in CATEGORIES:
        column, threshold = LABELS.index(category), thresholds[category]
        result[category] = (
            float(np.mean(held_out[labels == category, column] >= threshold)),
            float(np.mean(held_out[harmless, column] >= threshold)),
        )
    return result


def tune_ai_threshold(scored: Sequence[ScoredRow], budget: float = AI_BUDGET) -> float:
    """The AI-question threshold: at most ``budget`` of the other rows at or above it, centred."""
    asking = sorted((s.scores[AI_QUESTION] for s in scored if s.row.category == AI_QUESTION), reverse=True)
    others = sorted((s.scores[AI_QUESTION] for s in scored if s.row.category != AI_QUESTION), reverse=True)
    allowed = int(budget * len(others))
    ceiling = others[allowed] if allowed < len(others) else 0.0  # the first other row that must stay below
    caught = [score for score in asking if score > ceiling]
    if not caught:
        return 1.0
    return round(max(MIN_THRESHOLD, (min(caught) + ceiling) / 2), 3)


def report(scored: Sequence[ScoredRow], thresholds: dict[str, float], ai_threshold: float) -> list[str]:
    """Plain lines: recall per red category and the harmless rows made red, on these rows."""
    harmless = [s for s in scored if not s.red]
    lines = []
    for category in CATEGORIES:
        positives = [s for s in scored if s.red and s.row.category == category]
        caught = sum(_is_red(s, thresholds) for s in positives)
        lines.append(f"{category:<13} threshold {thresholds[category]:.3f}  recall {caught}/{len(positives)}")
    reds = sum(_is_red(s, thresholds) for s in harmless)
    lines.append(f"harmless rows triaged red: {reds}/{len(harmless)}")
    asking = [s for s in scored if s.row.category == AI_QUESTION]
    others = [s for s in scored if s.row.category != AI_QUESTION]
    lines.append(
        f"ai_question   threshold {ai_threshold:.3f}  recall "
        f"{sum(s.scores[AI_QUESTION] >= ai_threshold for s in asking)}"
        f"/{len(asking)} (classifier alone), others called AI questions "
        f"{sum(s.scores[AI_QUESTION] >= ai_threshold for s in others)}/{len(others)}"
    )
    return lines
