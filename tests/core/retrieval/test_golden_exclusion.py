"""The golden inbox is held out: retrieval never shows a golden exchange to the model."""

from __future__ import annotations

from pathlib import Path

from desktop.core.persona.evaluation import ensure_golden_inbox, load_golden_inbox
from desktop.core.retrieval import Embedder, RetrievalIndex, Retriever
from tests.core.retrieval.corpus import Corpus


def retrieved_ids(retriever: Retriever, text: str) -> tuple[set[int], set[int], set[str]]:
    """(example reply ids, snippet and support ids, example incoming texts) found for ``text``."""
    found = retriever.retrieve(text, k_examples=10, k_snippets=10)
    support = retriever.find_support(text, k=10)
    return (
        {example.reply_item_id for example in found.examples if example.reply_item_id is not None},
        {snippet.item_id for snippet in [*found.snippets, *support] if snippet.item_id is not None},
        {example.incoming for example in found.examples},
    )


def test_golden_replies_are_never_retrieved(
    embedded_corpus: Corpus, embedder: Embedder, tmp_path: Path
) -> None:
    store = embedded_corpus.store
    index = RetrievalIndex(store, embedder, tmp_path / "index").open()
    retriever = Retriever(store, embedder, index)

    # Without a golden inbox, asking a past question word for word finds its own answer.
    [first_incoming, first_reply] = embedded_corpus.exchange_ids[0]
    question = store.db.execute("SELECT text FROM items WHERE id = ?", [first_incoming]).fetchone()[0]
    assert first_reply in retrieved_ids(retriever, question)[0]

    golden = ensure_golden_inbox(store)
    assert len(golden) == 7  # a quarter of the 30 exchanges
    # A second fan message answered by a golden reply: the reply must stay hidden that way too.
    other_fan = embedded_corpus.unanswered_ids[1]  # "love your content so much"
    store.db.execute(
        "INSERT INTO exchanges (incoming_item_id, reply_item_id) VALUES (?, ?)",
        [other_fan, golden[0].reply_item_id],
    )

    golden_replies = {case.reply_item_id for case in golden}
    golden_questions = {case.incoming for case in golden}
    queries = (
        [case.incoming for case in golden] + [case.reply for case in golden] + ["love your content so much"]
    )
    for query in queries:
        replies, snippets, incoming = retrieved_ids(retriever, query)
        assert not replies & golden_replies, query
        assert not snippets & golden_replies, query
        assert not incoming & golden_questions, query
    # Everything else is still found: the exclusion is exactly the golden inbox.
    ordinary = next(pair for pair in embedded_corpus.exchange_ids if pair[1] not in golden_replies)
    question = store.db.execute("SELECT text FROM items WHERE id = ?", [ordinary[0]]).fetchone()[0]
    assert ordinary[1] in retrieved_ids(retriever, question)[0]
    assert load_golden_inbox(store) == golden
