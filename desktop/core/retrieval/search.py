"""Hybrid search over the creator's own words: FTS5 BM25 and faiss, fused by reciprocal rank.

For an incoming message, ``Retriever.retrieve`` returns

* ``examples``: past exchanges whose *incoming* side is most like the message, each with the
  creator's actual reply (few-shot material for the voice), and
* ``snippets``: the creator's own posts and replies most relevant to it (facts to ground on),

and ``find_support`` gives the guard the creator's items closest to a claim, scored by cosine.

The golden inbox (``golden_cases``, the voice regression's held-out exchanges) is never
retrieved: its incoming messages give no examples, its replies are neither examples nor
snippets. Otherwise the clone would be graded on answers it had just been shown. The table
is read by each query, so a golden inbox chosen while a session is open counts at once.

Why both rankings: vectors find paraphrases ("which protein powder" ~ "what supplements"),
keywords find rare exact words the small embedding model blurs (product names, places,
dates). Reciprocal rank fusion (k = 60) needs no score calibration between the two: an item
ranked well by both beats one ranked first by only one.

The SQL (keyword candidates, exchanges and own items by id) is in ``desktop.core.store.search``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktop.core.generation.types import Example, Snippet
from desktop.core.retrieval.embedder import Embedder, VectorCache
from desktop.core.retrieval.index import PartitionIndex
from desktop.core.retrieval.vectors import INCOMING, OWN
from desktop.core.store import Store
from desktop.core.store import search as stored

RRF_K = 60
CANDIDATES = 50
"""Items taken from each ranking before fusion."""
MAX_QUERY_WORDS = 32

# Words too common to say anything about a message; kept out of the keyword query so that
# BM25 is decided by the words that matter ("protein", "Lisbon", "tour").
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by
    can could did do does doing don for from had has have having he her here hers him his how i
    i'm im if in into is it it's its just me more most my no nor not now of off on once only or
    other our ours out over own please same she should so some such than that the their theirs
    them then there these they this those through to too u ur under until up very was we were
    what when where which while who whom why will with would you your yours yourself""".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class PastAnswer:
    """The creator's own reply to a past message much like this one ("you answered this before")."""

    incoming: str
    reply: str
    reply_item_id: int
    similarity: float
    """MiniLM cosine between this message and the past one."""
    platform: str
    created_at: str | None


@dataclass(frozen=True)
class Retrieval:
    """What ``retrieve`` found, and how long each step took (milliseconds)."""

    examples: list[Example]
    snippets: list[Snippet]
    timings: dict[str, float] = field(default_factory=dict)


def keyword_words(text: str) -> list[str]:
    """The meaningful words of ``text``, lower-cased, each once, in order (stop words left out)."""
    words: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            words.setdefault(word, None)
    return list(words)[:MAX_QUERY_WORDS]


def _any_of(words: Sequence[str]) -> str:
    # Every word is quoted, so nothing a fan types (quotes, AND, NEAR, *) is read as FTS syntax.
    return " OR ".join(f'"{word}"' for word in words)


def keyword_query(text: str) -> str:
    """An FTS5 query that matches any meaningful word of ``text`` (BM25 ranks by how many and how
    rare); empty when the text holds only stop words."""
    return _any_of(keyword_words(text))


KEYWORD_BUDGET = 2_000
"""The most items one keyword search ranks (about 2.5 ms). FTS5 computes BM25 for every item
that matches before it sorts and cuts (1.1-1.2 µs an item), so a word found in many items of a
large store is slow: at 1M items, a message naming one of the creator's everyday topics (42,000
items) took 56 ms at p50 and 107 ms at p95. A word in that many items also tells the ranking
little, and the vector search finds its paraphrases anyway: the keyword half is there for the
rare exact words the small embedding model blurs (names, places, products). On a store of up
to 2,000 items every word is always kept."""


def distinctive_words(db: Any, words: Sequence[str], budget: int = KEYWORD_BUDGET) -> list[str]:
    """The rarest of ``words`` whose matches, summed, stay within ``budget`` items (all of them
    when together they match no more). Counting stops at ``budget`` + 1 matches, so a common
    word costs a fraction of a millisecond to recognise; words found nowhere are left out."""
    cap = budget + 1

    def matches(query: str) -> int:
        return stored.count_fts_matches_up_to(db, query, cap)

    if not words or matches(_any_of(words)) <= budget:
        return list(words)
    kept: set[str] = set()
    total = 0
    for count, word in sorted((matches(_any_of([word])), word) for word in words):
        if total + count > budget:
            break
        if count:
            kept.add(word)
            total += count
    return [word for word in words if word in kept]


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], k: int = RRF_K, tie_break: Mapping[int, float] | None = None
) -> list[tuple[int, float]]:
    """Fuse ranked id lists: each id scores ``sum(1 / (k + rank))`` (rank from 1); best first.

    Exact ties are common (ranks 1 and 2 in one list, 2 and 1 in the other): they are broken
    by ``tie_break`` (higher first; retrieval passes the cosine), then by first appearance.
    """
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item_id in enumerate(ranking, start=1):
            scores[item_id] = scores.get(item_id, 0.0) + 1.0 / (k + rank)
    tie_break = tie_break or {}
    return sorted(scores.items(), key=lambda pair: (-pair[1], -tie_break.get(pair[0], -2.0)))


KEYWORD_POOL = 4
"""The keyword search ranks ``KEYWORD_POOL`` times the candidates wanted from each side, in one
BM25 pass, and splits them: incoming sides of exchanges, and the creator's own items."""


class RetrievalIndex:
    """The two faiss indexes retrieval searches: incoming sides of exchanges, and the creator's own items.

    Derived from the store's vectors of one embedding model and cached under ``folder``
    (the profile's ``index/``); see ``PartitionIndex``. Lives on the thread of its ``store``.
    """

    def __init__(self, store: Store, embedder: Embedder, folder: Path | None = None) -> None:
        self.incoming = PartitionIndex(store, embedder.model_name, embedder.dim, INCOMING, folder)
        self.own = PartitionIndex(store, embedder.model_name, embedder.dim, OWN, folder)

    def open(self) -> "RetrievalIndex":
        """Load or rebuild both indexes now (at start-up, on the retrieval thread)."""
        self.incoming.open()
        self.own.open()
        return self

    def catch_up(self) -> int:
        """Add vectors stored since the last look (after an embedding run); returns how many."""
        return self.incoming.catch_up() + self.own.catch_up()

    def save_if_changed(self) -> None:
        self.incoming.save_if_changed()
        self.own.save_if_changed()


class Retriever:
    """Finds examples and facts for a message. One per thread: it uses a ``Store`` and an ``Embedder``."""

    def __init__(self, store: Store, embedder: Embedder, index: RetrievalIndex | None = None) -> None:
        self.store = store
        self.embedder = embedder
        self.vectors = VectorCache(embedder)
        self.index = index if index is not None else RetrievalIndex(store, embedder)

    # --- the two rankings ----------------------------------------------------------------------

    def _keyword_rankings(self, message: str, n_incoming: int, n_own: int) -> tuple[list[int], list[int]]:
        """BM25 rankings of the incoming sides of exchanges and of the creator's own items, by the
        message's distinctive words (see ``KEYWORD_BUDGET``)."""
        incoming: list[int] = []
        own: list[int] = []
        if not (n_incoming or n_own):
            return incoming, own
        query = _any_of(distinctive_words(self.store.db, keyword_words(message)))
        if not query:
            return incoming, own
        limit = KEYWORD_POOL * max(n_incoming, n_own)
        for item_id, is_owner, is_incoming in stored.keyword_candidates(self.store, query, limit):
            if is_incoming and len(incoming) < n_incoming:
                incoming.append(item_id)
            if is_owner and len(own) < n_own:
                own.append(item_id)
        return incoming, own

    # --- public --------------------------------------------------------------------------------

    def retrieve(
        self,
        message: str,
        k_examples: int = 4,
        k_snippets: int = 4,
        *,
        query_vector: np.ndarray | None = None,
    ) -> Retrieval:
        """Past exchanges like ``message`` (as ``Example``) and the creator's words about it (``Snippet``).

        Scores are fused reciprocal-rank scores (higher is better, comparable within one call).
        Snippets never repeat a reply already given as an example. ``query_vector``: the
        message's embedding when the caller has it already (it is computed here otherwise).
        """
        timings: dict[str, float] = {}
        started = clock = time.perf_counter()
        if not message.strip():
            return Retrieval([], [], {"total_ms": 0.0})
        query = self.vectors.one(message) if query_vector is None else query_vector
        clock = _lap(timings, "embed_ms", clock)

        n_examples = max(CANDIDATES, 3 * k_examples) if k_examples else 0
        n_snippets = max(CANDIDATES, 3 * k_snippets) if k_snippets else 0
        hits_incoming = self.index.incoming.search(query, n_examples) if n_examples else []
        hits_own = self.index.own.search(query, n_snippets) if n_snippets else []
        clock = _lap(timings, "vector_ms", clock)

        keyword_incoming, keyword_own = self._keyword_rankings(message, n_examples, n_snippets)
        clock = _lap(timings, "fts_ms", clock)

        examples = self._examples(_fuse(hits_incoming, keyword_incoming), k_examples)
        used = {example.reply_item_id for example in examples}
        fused_own = [(i, s) for i, s in _fuse(hits_own, keyword_own) if i not in used]
        snippets = self._snippets(fused_own, k_snippets)
        _lap(timings, "fuse_ms", clock)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        return Retrieval(examples, snippets, timings)

    def find_support(self, claim: str, k: int = 3, min_score: float = -1.0) -> list[Snippet]:
        """The creator's own items closest in meaning to ``claim``, scored by cosine (best first).

        For the guard: a claim nothing supports has no snippet above its threshold. Measured
        with MiniLM on the test corpus: "I'm based in Lisbon" vs "I live in Lisbon now" 0.64,
        "I live in Porto" vs the same post 0.46, "I have three kids" at most 0.25.
        """
        if k <= 0 or not claim.strip():
            return []
        hits = self.index.own.search(self.vectors.one(claim), k + 5)  # spare hits: some may be gone
        return self._snippets([(item_id, score) for item_id, score in hits if score >= min_score], k)

    def past_answer(self, message: str, min_similarity: float) -> PastAnswer | None:
        """The creator's reply to the past message closest in meaning to ``message``, when that
        message is at least ``min_similarity`` close (cosine) and the reply is not empty."""
        if not message.strip():
            return None
        hits = [
            (i, s) for i, s in self.index.incoming.search(self.vectors.one(message), 5) if s >= min_similarity
        ]
        ids = [item_id for item_id, _ in hits]
        rows = stored.exchanges_by_incoming_id(self.store, ids, newest_first=True)
        for item_id, score in hits:
            row = rows.get(item_id)
            if row is not None:
                return PastAnswer(
                    row["incoming"], row["reply"], row["reply_id"], score, row["platform"], row["created_at"]
                )
        return None

    # --- from ids to text ----------------------------------------------------------------------

    def _examples(self, fused: list[tuple[int, float]], k: int) -> list[Example]:
        examples: list[Example] = []
        seen: set[tuple[str, str]] = set()
        for chunk in _in_rank_chunks(fused, k):
            rows = stored.exchanges_by_incoming_id(self.store, [item_id for item_id, _ in chunk])
            for item_id, score in chunk:
                row = rows.get(item_id)
                if row is None:  # removed since it was indexed, or its only reply is empty
                    continue
                key = (row["incoming"].strip().casefold(), row["reply"].strip().casefold())
                if key in seen:  # the same question answered the same way adds nothing
                    continue
                seen.add(key)
                examples.append(Example(row["incoming"], row["reply"], row["reply_id"], score))
                if len(examples) == k:
                    return examples
        return examples

    def _snippets(self, ranked: list[tuple[int, float]], k: int) -> list[Snippet]:
        snippets: list[Snippet] = []
        for chunk in _in_rank_chunks(ranked, k):
            rows = stored.own_items_by_id(self.store, [item_id for item_id, _ in chunk])
            for item_id, score in chunk:
                row = rows.get(item_id)
                if row is None:
                    continue
                kind = "post" if row["kind"] == "post" else "reply"
                snippets.append(Snippet(item_id, row["text"], score, kind))
                if len(snippets) == k:
                    return snippets
        return snippets


def _in_rank_chunks(ranked: list[tuple[int, float]], k: int) -> Iterator[list[tuple[int, float]]]:
    """``ranked`` in slices of about twice ``k``, best first: rows are read a slice at a time
    until ``k`` are kept, not for every fused candidate (most are never needed)."""
    if k <= 0:
        return
    size = max(8, 2 * k)
    for start in range(0, len(ranked), size):
        yield ranked[start : start + size]


def _fuse(vector_hits: list[tuple[int, float]], keyword_ranking: list[int]) -> list[tuple[int, float]]:
    cosines = dict(vector_hits)
    vector_ranking = [item_id for item_id, _ in vector_hits]
    return reciprocal_rank_fusion([vector_ranking, keyword_ranking], tie_break=cosines)


def _lap(timings: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    timings[name] = (now - since) * 1000
    return now
