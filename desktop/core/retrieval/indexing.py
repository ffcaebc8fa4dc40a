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
from desktop.core.store import embeddings as stored
from desktop.core.tasks import CancelToken, Progress

DEFAULT_BATCH = 64

# Disjoint tiers (``desktop.core.store.embeddings.PENDING_TIERS``), in the order they are embedded.
TIERS: tuple[tuple[str, str], ...] = (
    ("past exchanges", stored.EXCHANGES),
    ("your posts and other messages", stored.OWN_OTHER),
    ("everything else", stored.REST),
)


def count_pending(store: Store, model: str) -> int:
    """How many items with text have no vector from ``model`` yet."""
    return stored.count_items_without_vector(store, model)


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
    for label, tier in TIERS:
        after_id = 0  # keyset paging: each tier is read once, in id order
        while True:
            if cancel is not None:
                cancel.raise_if_cancelled()
            rows = stored.items_without_vector(store, model, tier, after_id=after_id, limit=batch)
            if not rows:
                break
            after_id = rows[-1][0]
            vectors = embedder.embed([text for _, text in rows])
            save_vectors(store, model, [item_id for item_id, _ in rows], vectors)
            done += len(rows)
            yield Progress(f"Preparing {label} for search: {done:,} of {total:,}", done, max(total, done))
    yield Progress(f"All {done:,} messages are ready for search", done, max(total, done))
