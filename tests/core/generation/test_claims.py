"""Unsupported claims: detection patterns, and support from the facts sheet and the corpus
scored with the real MiniLM embedder (the calibration figures are printed with ``-s``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import llama_cpp
import pytest

from desktop.core.generation.claims import (
    EMBEDDING_THRESHOLD,
    EmbeddingSupportFinder,
    check_support,
    find_claims,
    lexical_similarity,
)
from desktop.core.models.defaults import DEFAULT_EMBEDDING_MODEL

FACTS = ["I sell the Sunrise preset pack for $15", "I live in Lisbon"]
CORPUS = [
    "Just dropped my new lightroom presets, golden hour vibes",
    "shooting on a fuji xt4 these days, love the colors",
    "my dog Mochi came along on the shoot today",
    "I edit everything in Lightroom Classic, then add a tiny bit of grain.",
    "Golden hour on the Tagus, no filter, just the Sunrise presets",
]


@pytest.fixture(scope="module")
def minilm(default_models_dir: Path) -> Iterator[llama_cpp.Llama]:
    model = llama_cpp.Llama(
        model_path=str(default_models_dir / DEFAULT_EMBEDDING_MODEL),
        embedding=True,
        n_threads=2,
        verbose=False,
    )
    yield model
    model.close()


@pytest.fixture(scope="module")
def finder(minilm: llama_cpp.Llama) -> EmbeddingSupportFinder:
    return EmbeddingSupportFinder(CORPUS, minilm.embed)


@pytest.mark.parametrize(
    ("draft", "kind"),
    [
        ("I have three kids and they love it", "family"),
        ("my kid loves this one", "family"),
        ("I'll be in Paris next week!", "place"),
        ("my new course costs $49", "price"),
        ("I'm launching a perfume", "product"),
        ("use code SUN20 for 20% off", "giveaway"),
        ("check out www.example.com", "link"),
        ("let's meet up after the show", "meetup"),
        ("I work at a bank during the week", "life"),
        ("I shoot with a Canon R5", "habit"),
    ],
)
def test_claims_are_found(draft: str, kind: str) -> None:
    claims = find_claims(draft)
    assert len(claims) == 1
    assert kind in claims[0].kinds and claims[0].hard
    start, end = claims[0].span
    assert draft[start:end] == draft.strip()


@pytest.mark.parametrize(
    "draft",
    [
        "thank you so much!!",
        "that means a lot, glad you like them",
        "golden hour never misses",
        "I'm currently editing your photo",
    ],
)
def test_non_claims_are_left_alone(draft: str) -> None:
    assert find_claims(draft) == []


def test_one_claim_per_sentence_with_spans_in_the_original() -> None:
    draft = "Thanks Sarah! I live in Lisbon. My daughter loves your work\u2019s colours."
    claims = find_claims(draft)
    assert [c.kind for c in claims] == ["place", "family"]
    assert [draft[c.span[0] : c.span[1]] for c in claims] == [
        "I live in Lisbon.",
        "My daughter loves your work\u2019s colours.",
    ]
    assert claims[0].anchors == ("lisbon",)  # "Sarah" is the fan, not a claim


def test_calibration_figures(finder: EmbeddingSupportFinder) -> None:
    """Measured MiniLM cosines that set EMBEDDING_THRESHOLD (see claims.py)."""
    related = [
        ("my preset pack is $15", FACTS[0]),
        ("I'm based in Lisbon", FACTS[1]),
        ("I shoot with a Fujifilm X-T4", CORPUS[1]),
    ]
    unrelated = [
        ("I have three kids", FACTS[1]),
        ("I'm launching a perfume", CORPUS[0]),
        ("my new course costs $49", FACTS[0]),
    ]
    for a, b in related + unrelated:
        print(f"cosine {finder.similarity(a, b):.3f}  {a!r} vs {b!r}")
    assert min(finder.similarity(a, b) for a, b in related) > EMBEDDING_THRESHOLD
    assert max(finder.similarity(a, b) for a, b in unrelated) < EMBEDDING_THRESHOLD


def test_planted_claim_is_flagged_and_supported_one_is_not(finder: EmbeddingSupportFinder) -> None:
    planted = find_claims("I have three kids")[0]
    support = check_support(planted, FACTS, finder, finder.similarity)
    assert not support.supported
    assert support.source is not None  # the closest source is shown even when it does not support

    supported = find_claims("I live in Lisbon, best light in the world")[0]
    support = check_support(supported, FACTS, finder, finder.similarity)
    assert support.supported and support.source is not None and support.source.text == "I live in Lisbon"
    assert support.score > EMBEDDING_THRESHOLD


@pytest.mark.parametrize(
    ("draft", "why"),
    [
        ("I sell the Sunset preset pack for $25", "numbers differ"),
        ("I live in Berlin", "'berlin' is not in the source"),
        ("I'm giving away 10 preset packs", "numbers differ"),
    ],
)
def test_near_misses_are_caught_by_gates(finder: EmbeddingSupportFinder, draft: str, why: str) -> None:
    claim = find_claims(draft)[0]
    support = check_support(claim, FACTS, finder, finder.similarity)
    assert not support.supported
    assert why in support.reason, support.reason


def test_sentence_joining_two_sources_is_supported(finder: EmbeddingSupportFinder) -> None:
    claim = find_claims("i edit in Lightroom Classic with the Sunrise presets, then a tiny bit of grain.")[0]
    assert check_support(claim, FACTS, finder, finder.similarity).supported


def test_lexical_fallback_without_embedder() -> None:
    assert lexical_similarity("my preset pack is $15", FACTS[0]) >= 0.5
    assert lexical_similarity("I have three kids", FACTS[1]) == 0.0
    supported = find_claims("The Sunrise preset pack is $15")[0]
    assert check_support(supported, FACTS, None).supported
    unsupported = find_claims("my new course costs $49")[0]
    result = check_support(unsupported, FACTS, None)
    assert not result.supported and result.source is not None


def test_finder_returns_best_first_and_caches(minilm: llama_cpp.Llama) -> None:
    calls: list[str] = []

    def counting_embed(text: str) -> list[float]:
        calls.append(text)
        return minilm.embed(text)

    finder = EmbeddingSupportFinder(CORPUS, counting_embed, k=2)
    hits = finder("which camera do you shoot on?")
    assert len(hits) == 2 and hits[0].score >= hits[1].score
    assert hits[0].text == CORPUS[1]
    before = len(calls)
    finder("which camera do you shoot on?")
    assert len(calls) == before  # cached
    assert EmbeddingSupportFinder([], counting_embed)("anything") == []
