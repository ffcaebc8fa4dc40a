"""The triage classifier on the real MiniLM model and the real bank: paraphrases the word lists
miss are red, hard negatives are not, the more cautious level wins, and the bank's vectors are
cached (reused, rebuilt when damaged). Cache tests use a small fixed slice of the bank for speed."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from desktop.core.generation.triage import RED_CATEGORIES, triage
from desktop.core.generation.triage_classifier import (
    AI_QUESTION,
    CATEGORIES,
    LABELS,
    NONE,
    TriageClassifier,
    default_bank_path,
    load_bank,
    message_pieces,
)
from desktop.core.models import DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder


@pytest.fixture(scope="module")
def embedder(default_models_dir: Path) -> Iterator[Embedder]:
    with Embedder(default_models_dir / DEFAULT_EMBEDDING_MODEL, n_threads=1) as loaded:
        yield loaded


@pytest.fixture(scope="module")
def classifier(embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> TriageClassifier:
    """The full bank, embedded once for the module (~1,700 texts: 10-30 s on 2 cores)."""
    return TriageClassifier.load(embedder, tmp_path_factory.mktemp("cache"))


@pytest.fixture
def small_bank(tmp_path: Path) -> Path:
    """A fixed slice of the real bank: the first 5 rows of each category, 10 of "none"."""
    rows = load_bank()
    taken: list[dict[str, str]] = []
    for category in (*LABELS, NONE):
        mine = [r for r in rows if r.category == category][: 10 if category == NONE else 5]
        taken.extend({"text": r.text, "category": r.category, "lang": r.lang} for r in mine)
    path = tmp_path / "bank.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in taken), encoding="utf-8")
    return path


def test_bank_is_wide_and_well_formed() -> None:
    rows = load_bank()
    counts = Counter(r.category for r in rows)
    assert set(CATEGORIES) == set(RED_CATEGORIES)
    for category in CATEGORIES:
        assert counts[category] >= 60, (category, counts[category])
    assert counts[AI_QUESTION] >= 200
    assert counts[NONE] >= 400
    texts = [r.text.casefold() for r in rows]
    assert len(texts) == len(set(texts)), "duplicate texts in the bank"
    for lang in ("es", "fr", "pt", "de"):
        assert any(r.lang == lang and r.category != NONE for r in rows), lang
        assert any(r.lang == lang and r.category == NONE for r in rows), lang
    assert default_bank_path().name == "bank.jsonl"


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("honestly I feel like giving up on everything lately", "self_harm"),
        ("i don't really see a reason to keep going anymore", "self_harm"),
        ("everyone would honestly be better off if i just disappeared", "self_harm"),
        (
            "love your loaves 😍 btw thinking about not being around anymore, sorry for the weird message",
            "self_harm",
        ),
        ("my parents said im too young for protein powder", "minor"),
        ("got any pics you don't post on insta? the private kind 😏", "explicit"),
        ("bet you look even better out of those gym clothes", "explicit"),
        ("are you free saturday? i'd love to treat you to dinner", "meetup"),
        ("what's the name of your gym? i'll come train with you", "meetup"),
        ("are you home on weekends? i could swing by with wine", "meetup"),
    ],
)
def test_paraphrases_the_rules_miss_are_red(
    classifier: TriageClassifier, message: str, category: str
) -> None:
    assert triage(message).level == "green", "no longer a paraphrase the rules miss: pick another"
    result = triage(message, classifier=classifier)
    assert result.level == "red", (result, result.verdict)
    assert category in result.categories
    assert not result.draft_allowed
    assert result.escalate is (category in {"self_harm", "legal_threat", "money"})


@pytest.mark.parametrize(
    "message",
    [
        "I'm dying to try this",
        "this cake killed it",
        "my 13 year old loves your videos",
        "you're killing it",
        "I'd kill for that crumb",
        "my mom taught me to bake",
        "this workout is murder",
        "see you at the market lol",
        "the sexy crumb on that loaf 😍",
        pytest.param(
            "got a tax refund, buying your course now!",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known false red since the stop-20 bank: 'refund' beside 'course' reads as a "
                "refund demand (money 0.73); the cautious side, so the creator answers it personally",
            ),
        ),
        "that last hill sprint nearly killed me haha",
        "your sourdough is to die for",
        "I teach 8th grade and my students love your travel photos",
        "love your photos, which lens do you use?",
        "i'm done with winter, can't wait for your summer recipes",
    ],
)
def test_hard_negatives_are_not_red(classifier: TriageClassifier, message: str) -> None:
    result = triage(message, classifier=classifier)
    assert result.level != "red", (result.reasons, result.verdict)


@pytest.mark.parametrize(
    "message",
    [
        "wait... am i chatting with software rn 😂",
        "do these messages even reach you or is it some program",
        "ok this reply was way too fast, who's on the other side of this",
        "another copy and paste answer huh. hello?? anybody home",
    ],
)
def test_ai_questions_the_rules_miss_are_found(classifier: TriageClassifier, message: str) -> None:
    assert "ai_question" not in triage(message).categories, (
        "no longer a paraphrase the rules miss: pick another"
    )
    result = triage(message, classifier=classifier)
    assert "ai_question" in result.categories and result.level == "yellow", (result.reasons, result.verdict)


@pytest.mark.parametrize(
    "message",
    [
        "do you use AI to retouch your photos or is it all lightroom?",
        "what do you think about AI art honestly",
        "my robot vacuum ate a bit of dough lol",
        "you're a real one for sharing this recipe for free",
        "is that real butter or margarine in the croissants?",
    ],
)
def test_near_misses_are_not_ai_questions(classifier: TriageClassifier, message: str) -> None:
    assert "ai_question" not in triage(message, classifier=classifier).categories


def test_reason_quotes_the_nearest_labelled_example(classifier: TriageClassifier) -> None:
    result = triage("honestly I feel like giving up on everything lately", classifier=classifier)
    verdict = result.verdict
    assert verdict is not None and verdict.category == "self_harm" and verdict.level == "red"
    assert verdict.nearest in {r.text for r in classifier.rows if r.category == "self_harm"}
    assert 0.0 < verdict.similarity <= 1.0 and verdict.threshold <= verdict.score <= 1.0
    (reason,) = result.reasons
    assert (
        reason.startswith("reads like a message about self-harm")
        and f'close to: "{verdict.nearest[:40]}' in reason
    )


def test_a_crisis_after_a_compliment_is_scored_on_its_own_sentence() -> None:
    pieces = message_pieces(
        "ur bread looks amazing 😍 btw i wont be around much longer. thank u for everything"
    )
    assert pieces[0].startswith("ur bread") and "i wont be around much longer." in pieces


def test_a_grade_or_an_age_that_is_someone_elses_is_not_a_minor_writing(
    classifier: TriageClassifier,
) -> None:
    """The classifier reads "8th grade" as a minor whoever it belongs to; the rules' reading of
    whose it is (a teacher's class, a parent's child) keeps it from red, a careful read at most."""
    for message in (
        "i teach 7th grade and my class made your focaccia",
        "my 14 year old is obsessed w ur reels",
    ):
        assert triage(message, classifier=classifier).level != "red", message
    assert triage("my teacher says im the best baker in 5th grade", classifier=classifier).level == "red"


def test_the_more_cautious_level_wins(classifier: TriageClassifier) -> None:
    # rules red, classifier not red: still red, with the rule's reason
    rule_red = triage("my lawyer friend says your bread is the best", classifier=classifier)
    assert rule_red.verdict is not None and rule_red.verdict.level != "red"
    assert rule_red.level == "red" and rule_red.categories == ["legal_threat"]
    # rules yellow (a bot question), classifier red: red, and both reasons listed
    both = triage("are you a bot? honestly I feel like giving up on everything lately", classifier=classifier)
    assert triage("are you a bot? honestly I feel like giving up on everything lately").level == "yellow"
    assert both.level == "red" and {"ai_question", "self_harm"} <= set(both.categories)
    # rules green, classifier near its threshold: yellow, a draft flagged for a careful read
    strict = TriageClassifier(
        classifier.embedder, classifier.rows, classifier.vectors, classifier.weights,
        classifier.ngram_weights, thresholds={**classifier.thresholds, "self_harm": 1.01},
    )  # fmt: skip
    near = triage("honestly I feel like giving up on everything lately", classifier=strict)
    assert near.level == "yellow" and near.draft_allowed and near.categories == ["self_harm"]
    assert near.reasons[0].startswith("may read like a message about self-harm")
    # and without a classifier, triage is the rules alone
    assert triage("honestly I feel like giving up on everything lately").level == "green"


def test_cache_is_reused_without_embedding_the_bank(
    embedder: Embedder, small_bank: Path, tmp_path: Path
) -> None:
    first = TriageClassifier.load(embedder, tmp_path / "cache", bank_path=small_bank)
    assert first.embedded_bank and first.cache_path is not None and first.cache_path.is_file()
    assert first.cache_path.parent == tmp_path / "cache" / "triage"
    written = first.cache_path.stat().st_mtime_ns
    second = TriageClassifier.load(embedder, tmp_path / "cache", bank_path=small_bank)
    assert not second.embedded_bank
    assert second.cache_path == first.cache_path and second.cache_path.stat().st_mtime_ns == written
    np.testing.assert_array_equal(second.vectors, first.vectors)
    np.testing.assert_array_equal(second.weights, first.weights)
    np.testing.assert_array_equal(second.ngram_weights, first.ngram_weights)
    message = "i don't really see a reason to keep going anymore"
    assert second.classify(message) == first.classify(message)


@pytest.mark.parametrize("damage", [b"", b"not a numpy file at all", "truncate"])
def test_a_corrupt_cache_is_rebuilt(
    embedder: Embedder, small_bank: Path, tmp_path: Path, damage: object
) -> None:
    first = TriageClassifier.load(embedder, tmp_path / "cache", bank_path=small_bank)
    assert first.cache_path is not None
    good = first.cache_path.read_bytes()
    first.cache_path.write_bytes(good[: len(good) // 2] if damage == "truncate" else damage)  # type: ignore[arg-type]
    rebuilt = TriageClassifier.load(embedder, tmp_path / "cache", bank_path=small_bank)
    assert rebuilt.embedded_bank
    np.testing.assert_allclose(rebuilt.vectors, first.vectors, atol=1e-6)
    again = TriageClassifier.load(embedder, tmp_path / "cache", bank_path=small_bank)
    assert not again.embedded_bank  # the rebuilt file is whole again


def test_a_changed_bank_gets_a_new_cache_and_the_old_one_goes(
    embedder: Embedder, small_bank: Path, tmp_path: Path
) -> None:
    first = TriageClassifier.load(embedder, tmp_path / "cache", bank_path=small_bank)
    with small_bank.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "what flour do you use?", "category": "none", "lang": "en"}) + "\n")
    second = TriageClassifier.load(embedder, tmp_path / "cache", bank_path=small_bank)
    assert second.embedded_bank and second.cache_path != first.cache_path
    assert first.cache_path is not None and not first.cache_path.exists()
    assert len(second.rows) == len(first.rows) + 1


def test_the_shipped_vectors_match_the_bank_and_the_bundled_model(embedder: Embedder, tmp_path: Path) -> None:
    """A fresh folder loads the bank from the vectors shipped in resources/, embedding nothing.
    If this fails after the bank changed: `python -m desktop.core.generation.triage_classifier`."""
    loaded = TriageClassifier.load(embedder, tmp_path / "fresh-cache")
    assert not loaded.embedded_bank, (
        "resources/triage/bank-vectors.npz is stale: rebuild it (see the docstring)"
    )
    assert loaded.vectors.shape[0] == len(loaded.rows)
