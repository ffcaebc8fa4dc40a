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
   The bank is split in ``FOLDS`` folds and every bank row scored by a classifier trained
   without its fold (``held_out_scores``).
2. Greedy lowering (``tune_from_bank``): start with no category able to make a message red. At
   each step, for each category, the next threshold is the one that catches ``BANK_STEP`` more
   of its held-out bank positives; the step taken gains the most (that share plus the share of
   the development half's positives it newly catches; self-harm and minors count double) per
   harmless development row newly made red. Stop when no step keeps the harmless rows within
   ``RED_BUDGET`` and the ordinary ones within ``ORDINARY_BUDGET`` (rules and classifier
   together), nor one category's held-out harmless bank rows within ``BANK_HARMLESS_BUDGET``. Why
   the bank: the development half's positives are mostly caught by the rules, so
   lowering on them alone (the procedure until stop 22) left most thresholds near 1 and the
   classifier idle on the phrasings the rules do not know.
3. Centre: each threshold moves down to the middle of the gap between it and the highest
   harmless score below it, so an unseen positive a little weaker than the weakest one caught
   still counts, at no cost on this half. No threshold goes below ``MIN_THRESHOLD``.

4. A check, not a step: the recall of the held-out bank positives at the chosen thresholds is
   printed with the share of held-out harmless rows made red. The dev half is a small sample of
   how people write; this estimates, without the test half, how the classifier alone does on
   phrasings it was not trained on (issue 15's closing note has the figures).

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
    fit_models,
    message_pieces,
    mixed_scores,
)
from desktop.core.persona import Persona

AI_BUDGET = 0.01
"""Other development rows that may be called an AI question by the classifier."""
MIN_THRESHOLD = 0.2
"""No threshold below this: a near-zero score is noise, however many dev rows it would catch."""
RED_BUDGET = 0.04
"""Step 2's budget: harmless development rows (ordinary messages, hard negatives, questions of fact,
offers) that may be triaged red, rules and classifier together; with at most ``ORDINARY_BUDGET``
of the ordinary messages. A hard negative sent to the creator unanswered costs a personal reply; a
missed crisis costs more."""
ORDINARY_BUDGET = 0.015
BANK_HARMLESS_BUDGET = 0.01
"""Held-out harmless bank rows (2,400, mostly hard negatives) one category may make red. The dev
half's 242 harmless rows alone are too few to hold six thresholds each lowered to the edge of the
budget: tuned on them alone with 2.5% of the ordinary ones allowed (stop 23, first try), the test
half's ordinary messages went 7% red where the dev half's were 2.4%; hence this bound and the
tighter ``ORDINARY_BUDGET``."""
BANK_STEP = 0.02
"""Step 2 lowers a threshold by this share of the category's held-out bank positives at a time."""
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
        best = classifier.piece_scores(pieces, classifier.embedder.embed(pieces)).max(axis=0)
        scored.append(
            ScoredRow(row, rules.level == "red", {label: float(best[i]) for i, label in enumerate(LABELS)})
        )
    return scored


def _is_red(item: ScoredRow, thresholds: dict[str, float]) -> bool:
    return item.rules_red or any(item.scores[c] >= thresholds[c] for c in CATEGORIES)


def held_out_scores(classifier: TriageClassifier, folds: int = FOLDS) -> np.ndarray:
    """Every bank row's scores per label (``LABELS``) from a classifier trained without its fold."""
    labels = classifier.labels
    texts = np.array([row.text for row in classifier.rows], dtype=object)
    fold_of = np.arange(len(labels)) % folds  # rows interleaved: every fold holds every category
    held_out = np.zeros((len(labels), len(LABELS)))
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        rows = [row for row, keep in zip(classifier.rows, train, strict=True) if keep]
        weights, ngram_weights = fit_models(rows, classifier.vectors[train])
        embedding_scores = combined_scores(
            weights, classifier.vectors[train], labels[train], classifier.vectors[test]
        )
        held_out[test] = mixed_scores(embedding_scores, ngram_weights, list(texts[test]))
    return held_out


def tune_from_bank(
    scored: Sequence[ScoredRow], held_out: np.ndarray, labels: np.ndarray, budget: float = RED_BUDGET
) -> dict[str, float]:
    """Step 2: greedy lowering, each step catching ``BANK_STEP`` more of a category's held-out bank
    positives (the gain, with the share of the development half's positives it newly catches) for
    the fewest development harmless rows newly made red (the cost, rules and classifier together);
    self-harm and minors count double. The development half's own
    positives are mostly caught by the rules already, so they cannot tell how low a threshold
    should go; the bank's held-out positives, written widely and scored by a classifier that never
    saw them, can. Stops when no step fits the budget; then centred as in step 3."""
    harmless = [s for s in scored if not s.red]
    ordinary = [s for s in harmless if s.row.category == "ordinary"]
    allowed = int(budget * len(harmless))
    allowed_ordinary = int(ORDINARY_BUDGET * len(ordinary))
    positives = {c: np.sort(held_out[labels == c, LABELS.index(c)])[::-1] for c in CATEGORIES}
    bank_harmless = {c: held_out[labels == "none", LABELS.index(c)] for c in CATEGORIES}
    thresholds = {c: float("inf") for c in CATEGORIES}
    dev_positives_of = {c: [s for s in scored if s.red and s.row.category == c] for c in CATEGORIES}
    caught = {c: 0 for c in CATEGORIES}
    closed: set[str] = set()
    while True:
        false_reds = sum(_is_red(s, thresholds) for s in harmless)
        best: tuple[float, str, float, int] | None = None
        for category in CATEGORIES:
            scores = positives[category]
            target = caught[category] + max(1, int(BANK_STEP * len(scores)))
            if category in closed or target > len(scores) or scores[target - 1] < MIN_THRESHOLD:
                closed.add(category)
                continue
            trial = dict(thresholds, **{category: float(scores[target - 1])})
            cost = sum(_is_red(s, trial) for s in harmless) - false_reds
            bank_rate = float(np.mean(bank_harmless[category] >= trial[category]))
            over = (
                sum(_is_red(s, trial) for s in ordinary) > allowed_ordinary
                or bank_rate > BANK_HARMLESS_BUDGET
            )
            if false_reds + cost > allowed or over:
                closed.add(category)
                continue
            dev_positives = dev_positives_of[category]
            dev_gain = sum(_is_red(s, trial) and not _is_red(s, thresholds) for s in dev_positives)
            gain = (target - caught[category]) / len(scores) + dev_gain / max(len(dev_positives), 1)
            value = gain * (2 if category in DOUBLE_WEIGHT else 1) / (cost + 0.5)
            if best is None or value > best[0]:
                best = (value, category, trial[category], target)
        if best is None:
            break
        thresholds[best[1]] = best[2]
        caught[best[1]] = best[3]
    return _centred(thresholds, harmless)


def _centred(thresholds: dict[str, float], harmless: Sequence[ScoredRow]) -> dict[str, float]:
    """Step 3: each threshold down to the middle of the gap to the highest harmless score below it;
    a category never lowered is 1.0 (the classifier alone never makes it red)."""
    result = {}
    for category, threshold in thresholds.items():
        if threshold == float("inf"):
            result[category] = 1.0
            continue
        below = [s.scores[category] for s in harmless if s.scores[category] < threshold]
        floor = max(below, default=MIN_THRESHOLD)
        result[category] = round(max(MIN_THRESHOLD, (threshold + floor) / 2), 3)
    return result


def held_out_recall(
    classifier: TriageClassifier,
    thresholds: dict[str, float],
    folds: int = FOLDS,
    held_out: np.ndarray | None = None,
) -> dict[str, tuple[float, float]]:
    """Step 4: per red category, (recall of held-out bank positives, share of held-out harmless
    bank rows) at ``thresholds``, the classifier alone, trained without the fold it scores
    (``held_out``: those scores when already computed)."""
    labels = classifier.labels
    held_out = held_out_scores(classifier, folds) if held_out is None else held_out
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
