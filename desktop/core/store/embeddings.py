"""The ``embeddings`` table's SQL: item vectors as stored bytes, and which items still lack one.

Why here: the store is the only module that speaks SQL. ``desktop.core.retrieval.vectors``
turns these rows into numpy arrays and ``desktop.core.retrieval.indexing`` decides what to
embed; both call the named functions below instead of writing queries of their own.

A row is ``(id, item_id, model, dim, vector)``: ``vector`` holds ``dim`` little-endian float32
values. ``id`` only grows (AUTOINCREMENT), so a reader that remembers the highest id it has
seen picks up newer rows with one range scan.

A *partition* is the subset of items one search looks in: the incoming side of past
exchanges (examples) or the creator's own items (facts, support for claims).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from desktop.core.store.connection import Store, translate_sqlite_errors

INCOMING = "incoming"
"""Items that a fan sent and the creator answered (the incoming side of ``exchanges``)."""
OWN = "own"
"""Items the creator wrote (``is_owner = 1``): posts, replies, comments."""
ALL = "all"

PARTITION_SQL: dict[str, str] = {
    INCOMING: "EXISTS (SELECT 1 FROM exchanges AS x WHERE x.incoming_item_id = i.id)",
    OWN: "i.is_owner = 1",
    ALL: "1",
}
"""Each partition as a condition on ``items AS i``."""

_ID_CHUNK = 500  # ids per ``IN (...)``: well below SQLite's bound-variable limit


# --- writing --------------------------------------------------------------------------------------


def replace_vectors(store: Store, rows: Iterable[tuple[int, str, int, bytes]]) -> None:
    """Write ``(item_id, model, dim, vector bytes)`` rows in one transaction, replacing older ones.

    ``INSERT OR REPLACE`` gives a replaced row a new id, so a reader catching up by id sees it.
    """
    with translate_sqlite_errors(store.path), store.db.atomic():
        store.db.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (item_id, model, dim, vector) VALUES (?, ?, ?, ?)", rows
        )


def delete_vectors_except(store: Store, keep_model: str) -> int:
    """Remove the vectors of every model but ``keep_model`` in one transaction; returns the count."""
    with translate_sqlite_errors(store.path), store.db.atomic():
        cursor = store.db.execute("DELETE FROM embeddings WHERE model != ?", [keep_model])
    return int(cursor.rowcount or 0)


# --- reading --------------------------------------------------------------------------------------


def vector_rows(store: Store, model: str, item_ids: Sequence[int]) -> Iterator[tuple[int, int, bytes]]:
    """``(item_id, dim, vector bytes)`` of ``model`` for those of ``item_ids`` that have one."""
    ids = [int(item_id) for item_id in item_ids]
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start : start + _ID_CHUNK]
        marks = ",".join("?" * len(chunk))
        yield from store.db.execute(
            f"SELECT item_id, dim, vector FROM embeddings WHERE model = ? AND item_id IN ({marks})",
            [model, *chunk],
        )


def count_vector_rows(store: Store, model: str | None = None) -> int:
    """How many vectors the store holds (for one model, or for all)."""
    if model is None:
        return int(store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    return int(store.db.execute("SELECT count(*) FROM embeddings WHERE model = ?", [model]).fetchone()[0])


def max_vector_id(store: Store, model: str) -> int:
    """The highest embeddings id of ``model`` (0 when none): an index-backed, constant-time look."""
    row = store.db.execute("SELECT max(id) FROM embeddings WHERE model = ?", [model]).fetchone()
    return int(row[0] or 0)


def partition_vector_stats(store: Store, model: str, dim: int, partition: str) -> tuple[int, int, int]:
    """``(count, sum of ids, highest id)`` of ``partition``'s vectors of ``model`` and ``dim``.

    What a derived index must match to be current; the sum catches one row removed and
    another added, which a count alone would miss.
    """
    row = store.db.execute(
        f"""
        SELECT count(*), coalesce(sum(e.id), 0), coalesce(max(e.id), 0)
        FROM embeddings AS e JOIN items AS i ON i.id = e.item_id
        WHERE e.model = ? AND e.dim = ? AND {PARTITION_SQL[partition]}
        """,
        [model, dim],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def iter_partition_vector_rows(
    store: Store, model: str, dim: int, partition: str, *, after_id: int, chunk: int
) -> Iterator[list[tuple[int, int, bytes]]]:
    """``partition``'s ``(id, item_id, vector bytes)`` rows above ``after_id``, in id order,
    ``chunk`` rows at a time.

    One cursor fetched in batches: a whole partition can be millions of rows.
    """
    cursor = store.db.execute(
        f"""
        SELECT e.id, e.item_id, e.vector
        FROM embeddings AS e JOIN items AS i ON i.id = e.item_id
        WHERE e.model = ? AND e.dim = ? AND e.id > ? AND {PARTITION_SQL[partition]}
        ORDER BY e.id
        """,
        [model, dim, after_id],
    )
    while rows := cursor.fetchmany(chunk):
        yield rows


# --- items still to embed -------------------------------------------------------------------------

_IN_EXCHANGE = (
    "(EXISTS (SELECT 1 FROM exchanges AS x WHERE x.incoming_item_id = i.id)"
    " OR EXISTS (SELECT 1 FROM exchanges AS x WHERE x.reply_item_id = i.id))"
)

EXCHANGES = "exchanges"
"""Both sides of past exchanges: what drafting's examples are made of."""
OWN_OTHER = "own_other"
"""The creator's other own words (posts, comments): facts and claim support."""
REST = "rest"
"""Everything else."""

PENDING_TIERS: dict[str, str] = {
    EXCHANGES: _IN_EXCHANGE,
    OWN_OTHER: f"i.is_owner = 1 AND NOT {_IN_EXCHANGE}",
    REST: f"i.is_owner = 0 AND NOT {_IN_EXCHANGE}",
}
"""Disjoint subsets of the items, each as a condition on ``items AS i``."""

_NEEDS_VECTOR = (
    "trim(i.text, ' ' || char(9, 10, 13)) != ''"
    " AND NOT EXISTS (SELECT 1 FROM embeddings AS e WHERE e.item_id = i.id AND e.model = :model)"
)


def count_items_without_vector(store: Store, model: str) -> int:
    """How many items with text (not only whitespace) have no vector from ``model`` yet."""
    sql = f"SELECT count(*) FROM items AS i WHERE {_NEEDS_VECTOR}"
    return int(store.db.execute(sql, {"model": model}).fetchone()[0])


def items_without_vector(
    store: Store, model: str, tier: str, *, after_id: int, limit: int
) -> list[tuple[int, Any]]:
    """The next ``limit`` ``(item id, text)`` of ``tier`` (see ``PENDING_TIERS``) above ``after_id``
    that have text and no vector from ``model``, in id order (keyset paging)."""
    sql = (
        "SELECT i.id, i.text FROM items AS i"
        f" WHERE i.id > :after AND {PENDING_TIERS[tier]} AND {_NEEDS_VECTOR}"
        " ORDER BY i.id LIMIT :limit"
    )
    return store.db.execute(sql, {"after": after_id, "limit": limit, "model": model}).fetchall()
