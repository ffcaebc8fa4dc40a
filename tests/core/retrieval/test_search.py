"""Hybrid retrieval on a small realistic corpus, with the real MiniLM model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.generation.types import Example, Snippet
from desktop.core.retrieval import (
    Embedder,
    RetrievalIndex,
    Retriever,
    embed_pending,
    keyword_query,
    keyword_words,
    reciprocal_rank_fusion,
)
from desktop.core.retrieval.search import distinctive_words
from desktop.core.store import Store, open_store
from tests.core.retrieval.corpus import Corpus, build_corpus


@pytest.fixture(scope="module")
def module_corpus(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Corpus]:
    """The corpus, embedded once for the whole module (embedding is the slow part)."""
    with open_store(tmp_path_factory.mktemp("retrieval") / "store.sqlite3") as store:
        corpus = build_corpus(store)
        for _ in embed_pending(store, embedder):
            pass
        yield corpus


@pytest.fixture(scope="module")
def retriever(
    module_corpus: Corpus, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Retriever:
    folder = tmp_path_factory.mktemp("index")
    index = RetrievalIndex(module_corpus.store, embedder, folder).open()
    return Retriever(module_corpus.store, embedder, index)


# --- pure parts -----------------------------------------------------------------------------


def test_keyword_query_keeps_meaningful_words_quoted() -> None:
    assert keyword_query("Which protein powder do you take?") == '"protein" OR "powder" OR "take"'
    assert keyword_query('ignore "previous" AND NEAR(x*) instructions') == (
        '"ignore" OR "previous" OR "near" OR "instructions"'
    )
    assert keyword_query("what do you do?") == ""
    assert keyword_query("Lisboa é linda 2024") == '"lisboa" OR "linda" OR "2024"'


def test_fusion_puts_an_item_found_by_both_rankings_first() -> None:
    vector_ranking = [10, 20, 30, 40]
    keyword_ranking = [50, 60, 30, 70]  # 30 is third in both; 10 and 50 are first in only one
    fused = reciprocal_rank_fusion([vector_ranking, keyword_ranking])
    assert fused[0][0] == 30
    assert fused[0][1] == pytest.approx(2 / 63)
    assert {item for item, _ in fused[1:3]} == {10, 50}
    assert reciprocal_rank_fusion([[], []]) == []


def test_fusion_breaks_exact_ties_by_similarity() -> None:
    # 1 and 2 swap places between the rankings: equal fused scores.
    assert [item for item, _ in reciprocal_rank_fusion([[1, 2], [2, 1]])] == [1, 2]
    assert [item for item, _ in reciprocal_rank_fusion([[1, 2], [2, 1]], tie_break={1: 0.4, 2: 0.9})] == [
        2,
        1,
    ]


# --- retrieval ------------------------------------------------------------------------------


def test_the_protein_exchange_comes_first(retriever: Retriever, module_corpus: Corpus) -> None:
    found = retriever.retrieve("which protein powder do you take?")
    assert len(found.examples) == 4 and all(isinstance(e, Example) for e in found.examples)
    best = found.examples[0]
    assert best.incoming == "what protein do you use after training?"
    assert best.reply.startswith("whey isolate")
    assert best.reply_item_id == module_corpus.reply_id_for("what protein")
    assert [e.score for e in found.examples] == sorted((e.score for e in found.examples), reverse=True)
    assert {"embed_ms", "vector_ms", "fts_ms", "fuse_ms", "total_ms"} <= set(found.timings)


@pytest.mark.parametrize(
    ("message", "expected_incoming"),
    [
        (
            "when do tickets for the tour go on sale?",
            {"when are the tour dates coming out??", "are you coming to berlin on tour?"},
        ),
        (
            "what camera and lens do you shoot with?",
            {"what camera do you film your videos with", "what lens do you use for the vlogs"},
        ),
        (
            "is there a shop for your merch?",
            {"where can I buy your hoodie", "does the merch ship to canada", "is the merch sustainable"},
        ),
    ],
)
def test_topics_find_their_exchanges(retriever: Retriever, message: str, expected_incoming: set[str]) -> None:
    found = retriever.retrieve(message, k_examples=3)
    assert found.examples[0].incoming in expected_incoming


def test_snippets_are_the_creators_own_relevant_words(retriever: Retriever, module_corpus: Corpus) -> None:
    found = retriever.retrieve("where do you live these days?", k_snippets=3)
    assert all(isinstance(s, Snippet) for s in found.snippets)
    assert found.snippets[0].item_id == module_corpus.post_id_for("I live in Lisbon")
    assert found.snippets[0].kind == "post"
    own = {row[0] for row in module_corpus.store.db.execute("SELECT id FROM items WHERE is_owner = 1")}
    for message in ("which protein powder do you take?", "new hoodie?", "first!"):
        result = retriever.retrieve(message)
        assert {s.item_id for s in result.snippets} <= own
        # A reply given as an example is not repeated as a fact.
        assert not {s.item_id for s in result.snippets} & {e.reply_item_id for e in result.examples}


def test_merch_question_gets_the_merch_post_as_a_fact(retriever: Retriever, module_corpus: Corpus) -> None:
    found = retriever.retrieve("is the black hoodie back in the shop?", k_snippets=2)
    assert module_corpus.post_id_for("New merch drop") in {s.item_id for s in found.snippets}


def test_keywords_find_rare_words_the_vectors_blur(retriever: Retriever, module_corpus: Corpus) -> None:
    found = retriever.retrieve("Pimenta!!", k_examples=0, k_snippets=2)
    assert {s.item_id for s in found.snippets} == {
        module_corpus.post_id_for("Pimenta stole"),
        module_corpus.reply_id_for("what's your dog's name"),
    }
    assert {s.kind for s in found.snippets} == {"post", "reply"}


def test_a_large_store_ranks_keywords_by_its_rarer_words_only(module_corpus: Corpus) -> None:
    db = module_corpus.store.db
    words = keyword_words("pimenta video merch zzzunknown")

    def matching(word: str) -> int:
        return int(
            db.execute("SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", [f'"{word}"']).fetchone()[0]
        )

    counts = {word: matching(word) for word in words}
    assert counts["zzzunknown"] == 0 and 0 < counts["pimenta"] < counts["merch"] < counts["video"]
    assert distinctive_words(db, words) == words  # a small store: every word fits the budget
    # A budget the common words overflow keeps the rarest that fit, and nothing found nowhere.
    assert distinctive_words(db, words, budget=counts["pimenta"]) == ["pimenta"]
    assert distinctive_words(db, words, budget=counts["pimenta"] + counts["merch"]) == ["pimenta", "merch"]
    assert distinctive_words(db, ["video"], budget=counts["video"] - 1) == []
    assert distinctive_words(db, []) == []


def test_empty_message_and_zero_k(retriever: Retriever) -> None:
    assert retriever.retrieve("   ").examples == []
    found = retriever.retrieve("protein?", k_examples=0, k_snippets=0)
    assert found.examples == [] and found.snippets == []


def test_stopword_only_message_still_uses_vectors(retriever: Retriever) -> None:
    found = retriever.retrieve("what do you do?", k_examples=2)
    assert len(found.examples) == 2


# --- support for the guard ------------------------------------------------------------------


def test_find_support_for_a_true_claim(retriever: Retriever, module_corpus: Corpus) -> None:
    support = retriever.find_support("I'm based in Lisbon", k=3)
    assert support[0].item_id == module_corpus.post_id_for("I live in Lisbon")
    assert support[0].score > 0.6
    assert [s.score for s in support] == sorted((s.score for s in support), reverse=True)


def test_find_support_finds_nothing_strong_for_an_invented_claim(retriever: Retriever) -> None:
    support = retriever.find_support("I have three kids", k=3)
    assert support and support[0].score < 0.45
    assert retriever.find_support("I have three kids", k=3, min_score=0.5) == []
    assert retriever.find_support("", k=3) == []


# --- the index follows the store ------------------------------------------------------------


def test_new_exchanges_are_found_after_embedding(
    store: Store, corpus: Corpus, embedder: Embedder, tmp_path: Path
) -> None:
    for _ in embed_pending(store, embedder):
        pass
    retriever = Retriever(store, embedder, RetrievalIndex(store, embedder, tmp_path).open())
    assert retriever.index.incoming.ntotal == len(corpus.exchange_ids)
    fan = store.db.execute("SELECT id FROM people WHERE is_owner = 0").fetchone()[0]
    me = store.db.execute("SELECT id FROM people WHERE is_owner = 1").fetchone()[0]
    store.db.execute(
        "INSERT INTO items (platform, kind, author_id, is_owner, text, external_id) VALUES "
        "('x', 'message', ?, 0, 'do you sell signed vinyl records?', 'v1'), "
        "('x', 'message', ?, 1, 'only at the shows, never online', 'v2')",
        [fan, me],
    )
    incoming, reply = (
        row[0]
        for row in store.db.execute(
            "SELECT id FROM items WHERE external_id IN ('v1', 'v2') ORDER BY external_id"
        )
    )
    store.db.execute(
        "INSERT INTO exchanges (incoming_item_id, reply_item_id) VALUES (?, ?)", [incoming, reply]
    )
    for _ in embed_pending(store, embedder):
        pass
    found = retriever.retrieve("can I buy a signed vinyl?", k_examples=1)
    assert found.examples[0].reply_item_id == reply  # the live index caught up
    retriever.index.save_if_changed()
    reopened = RetrievalIndex(store, embedder, tmp_path).open()
    assert reopened.incoming.rebuilds == 0 and reopened.own.rebuilds == 0
    assert reopened.incoming.ntotal == len(corpus.exchange_ids) + 1


def test_the_vector_cache_embeds_a_text_once(retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard meets the same facts sheet every draft: it is embedded once per session."""
    calls: list[list[str]] = []
    real_embed = retriever.embedder.embed

    def counting(texts: list[str]) -> object:
        calls.append(list(texts))
        return real_embed(texts)

    monkeypatch.setattr(retriever.embedder, "embed", counting)
    first = retriever.vectors.one("I bake at 250C for the first 20 minutes")
    again = retriever.vectors.one("I bake at 250C for the first 20 minutes")
    assert again is first and len(calls) == 1
    support = retriever.find_support("I bake at 250C for the first 20 minutes", k=3)
    assert len(calls) == 1, "find_support embedded a claim the cache already held"
    assert [s.score for s in support] == sorted((s.score for s in support), reverse=True)
