"""The background embedding job: embed every item that has no vector yet, most useful first.

Embedding dominates an import (MiniLM: 130-210 texts/s on 2 cores, so a million messages
take about 1.5 h), so the import never waits for it. ``embed_pending`` runs after each import
on a worker thread with its own ``Store`` and ``Embedder``:

* in order of use to drafting: both sides of past exchanges (what examples are made of),
  then the creator's other own words (posts, comments: facts and claim support), then the rest;
* one transaction per batch, so a cancel, a crash or closing the app keeps every finished
  batch, and the next run carries on where this one stopped (it only looks for items
  without a vector of this model: running it again with nothing new does nothing);
* items whose text is empty or only whitespace are skipped (nothing to embed).
"""

from __future__ import annotations

from collections.abc import Iterator

from desktop.core.retrieval.embedder import Embedder
from desktop.core.retrieval.vectors import save_vectors
from desktop.core.store import Store
from desktop.core.tasks import CancelToken, Progress

DEFAULT_BATCH = 64

_IN_EXCHANGE = (
    "(EXISTS (SELECT 1 FROM exchanges AS x WHERE x.incoming_item_id = i.id)"
    " OR EXISTS (SELECT 1 FROM exchanges AS x WHERE x.reply_item_id = i.id))"
)

# Disjoint tiers, in the order they are embedded.
TIERS: tuple[tuple[str, str], ...] = (
    ("past exchanges", _IN_EXCHANGE),
    ("your posts and other messages", f"i.is_owner = 1 AND NOT {_IN_EXCHANGE}"),
    ("everything else", f"i.is_owner = 0 AND NOT {_IN_EXCHANGE}"),
)

_NEEDS_VECTOR = (
    "trim(i.text, ' ' || char(9, 10, 13)) != ''"
    " AND NOT EXISTS (SELECT 1 FROM embeddings AS e WHERE e.item_id = i.id AND e.model = :model)"
)


def count_pending(store: Store, model: str) -> int:
    """How many items with text have no vector from ``model`` yet."""
    sql = f"SELECT count(*) FROM items AS i WHERE {_NEEDS_VECTOR}"
    return int(store.db.execute(sql, {"model": model}).fetchone()[0])


def embed_pending(
    store: Store,
    embedder: Embedder,
    cancel: CancelToken | None = None,
    batch: int = DEFAULT_BATCH,
) -> Iterator[Progress]:
    """Embed every item lacking a vector from ``embedder``'s model; yields ``Progress`` (done/total).

    Raises ``Cancelled`` when ``cancel`` is set (checked between batches); the batches already
    saved stay saved, so the next run resumes.
    """
    if batch <= 0:
        raise ValueError("batch must be positive")
    model = embedder.model_name
    total = count_pending(store, model)
    done = 0
    yield Progress(f"{total:,} messages to prepare for search", 0, total)
    for label, condition in TIERS:
        after_id = 0  # keyset paging: each tier is read once, in id order
        sql = (
            f"SELECT i.id, i.text FROM items AS i WHERE i.id > :after AND {condition} AND {_NEEDS_VECTOR}"
            " ORDER BY i.id LIMIT :limit"
        )
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            rows = store.db.execute(sql, {"after": after_id, "limit": batch, "model": model}).fetchall()
            if not rows:
                break
            after_id = rows[-1][0]
            vectors = embedder.embed([text for _, text in rows])
            save_vectors(store, model, [item_id for item_id, _ in rows], vectors)
            done += len(rows)
            yield Progress(f"Preparing {label} for search: {done:,} of {total:,}", done, max(total, done))
    yield Progress(f"All {done:,} messages are ready for search", done, max(total, done))
