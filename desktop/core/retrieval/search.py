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
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.generation.types import Example, Snippet
from desktop.core.retrieval.embedder import Embedder
from desktop.core.retrieval.index import HNSW_THRESHOLD, PartitionIndex
from desktop.core.retrieval.vectors import INCOMING, OWN
from desktop.core.store import Store

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
class Retrieval:
    """What ``retrieve`` found, and how long each step took (milliseconds)."""

    examples: list[Example]
    snippets: list[Snippet]
    timings: dict[str, float] = field(default_factory=dict)


def keyword_query(text: str) -> str:
    """An FTS5 query that matches any meaningful word of ``text`` (BM25 ranks by how many and how rare).

    Every word is quoted, so nothing a fan types (quotes, ``AND``, ``NEAR``, ``*``) is read as
    FTS syntax. Empty when the text holds only stop words.
    """
    words: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            words.setdefault(word, None)
    return " OR ".join(f'"{word}"' for word in list(words)[:MAX_QUERY_WORDS])


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


_FTS_INCOMING = """
SELECT rowid FROM items_fts
WHERE items_fts MATCH :query
  AND EXISTS (SELECT 1 FROM exchanges AS x WHERE x.incoming_item_id = items_fts.rowid)
ORDER BY rank LIMIT :limit
"""

_FTS_OWN = """
SELECT items_fts.rowid FROM items_fts JOIN items ON items.id = items_fts.rowid
WHERE items_fts MATCH :query AND items.is_owner = 1
ORDER BY items_fts.rank LIMIT :limit
"""


class RetrievalIndex:
    """The two faiss indexes retrieval searches: incoming sides of exchanges, and the creator's own items.

    Derived from the store's vectors of one embedding model and cached under ``folder``
    (the profile's ``index/``); see ``PartitionIndex``. Lives on the thread of its ``store``.
    """

    def __init__(
        self,
        store: Store,
        model: str,
        dim: int,
        folder: Path | None = None,
        *,
        hnsw_threshold: int = HNSW_THRESHOLD,
    ) -> None:
        self.incoming = PartitionIndex(store, model, dim, INCOMING, folder, hnsw_threshold=hnsw_threshold)
        self.own = PartitionIndex(store, model, dim, OWN, folder, hnsw_threshold=hnsw_threshold)

    @classmethod
    def for_embedder(cls, store: Store, embedder: Embedder, folder: Path | None = None) -> "RetrievalIndex":
        return cls(store, embedder.model_name, embedder.dim, folder)

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
        self.index = index if index is not None else RetrievalIndex.for_embedder(store, embedder)

    # --- the two rankings ----------------------------------------------------------------------

    def _keyword_ranking(self, sql: str, message: str, limit: int) -> list[int]:
        query = keyword_query(message)
        if not query:
            return []
        return [row[0] for row in self.store.db.execute(sql, {"query": query, "limit": limit})]

    # --- public --------------------------------------------------------------------------------

    def retrieve(self, message: str, k_examples: int = 4, k_snippets: int = 4) -> Retrieval:
        """Past exchanges like ``message`` (as ``Example``) and the creator's words about it (``Snippet``).

        Scores are fused reciprocal-rank scores (higher is better, comparable within one call).
        Snippets never repeat a reply already given as an example.
        """
        timings: dict[str, float] = {}
        started = clock = time.perf_counter()
        if not message.strip():
            return Retrieval([], [], {"total_ms": 0.0})
        query = self.embedder.embed_one(message)
        clock = _lap(timings, "embed_ms", clock)

        n_examples = max(CANDIDATES, 3 * k_examples)
        n_snippets = max(CANDIDATES, 3 * k_snippets)
        hits_incoming = self.index.incoming.search(query, n_examples) if k_examples else []
        hits_own = self.index.own.search(query, n_snippets) if k_snippets else []
        clock = _lap(timings, "vector_ms", clock)

        keyword_incoming = self._keyword_ranking(_FTS_INCOMING, message, n_examples) if k_examples else []
        keyword_own = self._keyword_ranking(_FTS_OWN, message, n_snippets) if k_snippets else []
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
        hits = self.index.own.search(self.embedder.embed_one(claim), k + 5)  # spare hits: some may be gone
        return self._snippets([(item_id, score) for item_id, score in hits if score >= min_score], k)

    # --- from ids to text ----------------------------------------------------------------------

    def _examples(self, fused: list[tuple[int, float]], k: int) -> list[Example]:
        if k <= 0 or not fused:
            return []
        scores = dict(fused)
        rows = _rows_by_id(
            self.store,
            """
            SELECT x.incoming_item_id AS id, incoming.text AS incoming,
                   reply.id AS reply_id, reply.text AS reply
            FROM exchanges AS x
            JOIN items AS incoming ON incoming.id = x.incoming_item_id
            JOIN items AS reply ON reply.id = x.reply_item_id
            WHERE x.incoming_item_id IN ({marks}) AND trim(reply.text) != ''
              AND x.incoming_item_id NOT IN (SELECT incoming_item_id FROM golden_cases)
              AND x.reply_item_id NOT IN (SELECT reply_item_id FROM golden_cases)
            ORDER BY reply.created_at, reply.id
            """,
            list(scores),
        )
        examples: list[Example] = []
        seen: set[tuple[str, str]] = set()
        for item_id, _score in fused:
            row = rows.get(item_id)
            if row is None:  # removed since it was indexed, or its only reply is empty
                continue
            key = (row["incoming"].strip().casefold(), row["reply"].strip().casefold())
            if key in seen:  # the same question answered the same way adds nothing
                continue
            seen.add(key)
            examples.append(Example(row["incoming"], row["reply"], row["reply_id"], scores[item_id]))
            if len(examples) == k:
                break
        return examples

    def _snippets(self, ranked: list[tuple[int, float]], k: int) -> list[Snippet]:
        if k <= 0 or not ranked:
            return []
        rows = _rows_by_id(
            self.store,
            "SELECT id, text, kind FROM items WHERE id IN ({marks}) AND is_owner = 1 AND trim(text) != ''"
            " AND id NOT IN (SELECT reply_item_id FROM golden_cases)",
            [item_id for item_id, _ in ranked],
        )
        snippets: list[Snippet] = []
        for item_id, score in ranked:
            row = rows.get(item_id)
            if row is None:
                continue
            kind = "post" if row["kind"] == "post" else "reply"
            snippets.append(Snippet(item_id, row["text"], score, kind))
            if len(snippets) == k:
                break
        return snippets


def _fuse(vector_hits: list[tuple[int, float]], keyword_ranking: list[int]) -> list[tuple[int, float]]:
    cosines = dict(vector_hits)
    vector_ranking = [item_id for item_id, _ in vector_hits]
    return reciprocal_rank_fusion([vector_ranking, keyword_ranking], tie_break=cosines)


def _rows_by_id(store: Store, sql: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Rows of ``sql`` (with ``{marks}`` for the id list) keyed by their ``id``; the first row per id wins."""
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for row in store.db.query(sql.format(marks=",".join("?" * len(chunk))), chunk):
            found.setdefault(row["id"], row)
    return found


def _lap(timings: dict[str, float], name: str, since: float) -> float:
    now = time.perf_counter()
    timings[name] = (now - since) * 1000
    return now

