"""The threshold tuning procedure: what it chooses on hand-made scores, and that it runs on a
small slice of the development half with the real classifier. The figures are
`understudy eval tune-triage`'s, not asserted here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from desktop.core.evaluation.dataset import EvalRow, load_demo_persona, load_rows
from desktop.core.evaluation.triage_tuning import (
    MIN_THRESHOLD,
    ScoredRow,
    held_out_recall,
    held_out_scores,
    report,
    score_rows,
    tune_ai_threshold,
    tune_from_bank,
)
from desktop.core.generation.triage_classifier import CATEGORIES, LABELS, TriageClassifier
from desktop.core.models import DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder


def _row(name: str, category: str, red: bool, rules_red: bool = False, **scores: float) -> ScoredRow:
    row = EvalRow(name, "maya", "en", name, "red" if red else "green", category)
    return ScoredRow(row, rules_red, {label: scores.get(label, 0.0) for label in LABELS})


def test_lowering_from_the_bank_gains_held_out_positives_within_both_budgets() -> None:
    """The bank's held-out positives say how low a threshold may go where the development half's
    positives are all caught by the rules; the harmless development rows say what it costs."""
    labels = np.array(["self_harm"] * 50 + ["none"] * 50)
    held_out = np.zeros((100, len(LABELS)))
    held_out[:50, LABELS.index("self_harm")] = np.linspace(0.95, 0.3, 50)  # positives, spread
    harmless = [_row(f"ok{i}", "ordinary", False) for i in range(30)]
    harmless.append(_row("proud of myself", "ordinary", False, self_harm=0.5))
    harmless += [_row(f"dying {i}", "hard_negative", False, self_harm=0.4) for i in range(2)]
    rules_caught = _row("by the rules", "self_harm", True, rules_red=True, self_harm=0.2)
    rows = harmless + [rules_caught]
    # No harmless row may be red: down to just above the ordinary 0.5 (the gap's middle), not below.
    strict = tune_from_bank(rows, held_out, labels, budget=0.0)
    assert 0.5 < strict["self_harm"] < 0.55
    # 2 of 33 harmless rows allowed, but 2.5% of 31 ordinary ones is none: still the same, the
    # 0.4 hard negatives sit behind the ordinary 0.5.
    assert tune_from_bank(rows, held_out, labels, budget=0.07) == strict
    assert tune_from_bank(rows, held_out, labels, budget=0.0)["minor"] == 1.0  # no bank positives


def test_no_threshold_goes_below_the_floor() -> None:
    labels = np.array(["explicit"] * 10 + ["none"] * 10)
    held_out = np.zeros((20, len(LABELS)))
    held_out[:10, LABELS.index("explicit")] = 0.05  # bank positives the classifier barely sees
    rows = [_row(f"ok{i}", "ordinary", False) for i in range(50)]
    assert tune_from_bank(rows, held_out, labels)["explicit"] == 1.0
    held_out[:10, LABELS.index("explicit")] = 0.3
    thresholds = tune_from_bank(rows, held_out, labels)
    assert MIN_THRESHOLD <= thresholds["explicit"] <= 0.3
    lines = report(rows, thresholds, 1.0)
    assert any(line.startswith("explicit") and "recall 0/0" in line for line in lines)


def test_the_ai_threshold_keeps_other_messages_out() -> None:
    asking = [_row(f"bot{i}", "ai_question", False, ai_question=0.6 + i / 100) for i in range(10)]
    others = [_row(f"ok{i}", "ordinary", False, ai_question=i / 200) for i in range(100)]
    threshold = tune_ai_threshold(asking + others, budget=0.0)
    assert others[-1].scores["ai_question"] < threshold <= 0.6


@pytest.fixture(scope="module")
def classifier(
    default_models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TriageClassifier]:
    with Embedder(default_models_dir / DEFAULT_EMBEDDING_MODEL, n_threads=1) as embedder:
        yield TriageClassifier.load(embedder, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def bank_scores(classifier: TriageClassifier) -> np.ndarray:
    return held_out_scores(classifier)  # five trainings: once for the module


def test_a_small_dev_slice_is_scored_and_tuned(classifier: TriageClassifier, bank_scores: np.ndarray) -> None:
    rows = [r for r in load_rows("dev") if r.lang == "en"]
    chosen: list[EvalRow] = []
    for category in (*CATEGORIES, "ai_question", "ordinary", "hard_negative"):
        chosen += [r for r in rows if r.category == category][:3]
    persona = load_demo_persona("maya").persona
    scored = score_rows(chosen, classifier, lambda _key: persona)
    assert len(scored) == len(chosen) and all(set(s.scores) == set(LABELS) for s in scored)
    assert all(0.0 <= value <= 1.0 for s in scored for value in s.scores.values())
    thresholds = tune_from_bank(scored, bank_scores, classifier.labels)
    assert set(thresholds) == set(CATEGORIES) and all(MIN_THRESHOLD <= t <= 1.0 for t in thresholds.values())
    assert 0.0 < tune_ai_threshold(scored) <= 1.0


def test_held_out_recall_on_the_bank_is_a_share_per_category(
    classifier: TriageClassifier, bank_scores: np.ndarray
) -> None:
    assert bank_scores.shape == (len(classifier.rows), len(LABELS))
    loose = held_out_recall(classifier, {c: 0.0 for c in CATEGORIES}, held_out=bank_scores)
    strict = held_out_recall(classifier, {c: 1.01 for c in CATEGORIES}, held_out=bank_scores)
    assert set(loose) == set(CATEGORIES)
    for category in CATEGORIES:
        assert loose[category] == (1.0, 1.0) and strict[category] == (0.0, 0.0)
