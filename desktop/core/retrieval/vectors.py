"""Item vectors in the store: the one durable copy the faiss index is derived from.

A row of ``embeddings`` is ``(id, item_id, model, dim, vector)``: ``vector`` is the float32
bytes of one L2-normalized embedding; ``model`` is the embedding model's file name, so vectors
of two models never mix and switching models simply leaves the new model's rows to be made.
``id`` only grows (AUTOINCREMENT), so an index that remembers the highest id it has read can
pick up newer rows with one range scan.

A *partition* is the subset of items one search looks in: the incoming side of past
exchanges (examples) or the creator's own items (facts, support for claims).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from desktop.core.store import Store
from desktop.core.store.connection import translate_sqlite_errors

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

_LOAD_CHUNK = 20_000


def to_blob(vector: np.ndarray) -> bytes:
    """One vector as the bytes the store keeps (little-endian float32)."""
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes, dim: int) -> np.ndarray:
    """The vector stored as ``blob``; ``ValueError`` when its length does not fit ``dim``."""
    if len(blob) != dim * 4:
        raise ValueError(f"vector of {len(blob)} bytes is not {dim} float32 values")
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)


def save_vectors(store: Store, model: str, item_ids: Sequence[int], vectors: np.ndarray) -> None:
    """Store one vector per item for ``model`` in one transaction, replacing an older one.

    A replaced row gets a new id, so an index catching up by id sees the new vector.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(item_ids) != vectors.shape[0]:
        raise ValueError("save_vectors needs one row of vectors per item id")
    dim = int(vectors.shape[1])
    rows = [(int(item_id), model, dim, to_blob(vector)) for item_id, vector in zip(item_ids, vectors)]
    with translate_sqlite_errors(store.path), store.db.atomic():
        store.db.conn.executemany(
            "INSERT OR REPLACE INTO embeddings (item_id, model, dim, vector) VALUES (?, ?, ?, ?)", rows
        )


def get_vectors(store: Store, model: str, item_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """The stored vectors of ``item_ids`` for ``model`` (items without one are left out)."""
    found: dict[int, np.ndarray] = {}
    ids = [int(item_id) for item_id in item_ids]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for item_id, dim, blob in store.db.execute(
            f"SELECT item_id, dim, vector FROM embeddings WHERE model = ? AND item_id IN ({marks})",
            [model, *chunk],
        ):
            found[item_id] = from_blob(blob, dim)
    return found


def count_vectors(store: Store, model: str | None = None) -> int:
    """How many vectors the store holds (for one model, or for all)."""
    if model is None:
        return int(store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
    return int(store.db.execute("SELECT count(*) FROM embeddings WHERE model = ?", [model]).fetchone()[0])


def delete_other_models(store: Store, keep_model: str) -> int:
    """Remove vectors of every model but ``keep_model`` (space back after a switch); returns the count."""
    with translate_sqlite_errors(store.path), store.db.atomic():
        cursor = store.db.execute("DELETE FROM embeddings WHERE model != ?", [keep_model])
    return int(cursor.rowcount or 0)


def latest_vector_id(store: Store, model: str) -> int:
    """The highest embeddings id of ``model`` (0 when none): an index-backed, constant-time look."""
    row = store.db.execute("SELECT max(id) FROM embeddings WHERE model = ?", [model]).fetchone()
    return int(row[0] or 0)


@dataclass(frozen=True)
class VectorStats:
    """What an index built from one partition must match: row count, id sum and highest id.

    The sum catches what a count alone would miss (one vector removed and another added).
    """

    count: int
    id_sum: int
    max_id: int


def partition_stats(store: Store, model: str, dim: int, partition: str) -> VectorStats:
    """The ``VectorStats`` of ``partition``'s vectors for ``model`` as the store holds them now."""
    row = store.db.execute(
        f"""
        SELECT count(*), coalesce(sum(e.id), 0), coalesce(max(e.id), 0)
        FROM embeddings AS e JOIN items AS i ON i.id = e.item_id
        WHERE e.model = ? AND e.dim = ? AND {PARTITION_SQL[partition]}
        """,
        [model, dim],
    ).fetchone()
    return VectorStats(int(row[0]), int(row[1]), int(row[2]))


@dataclass
class VectorRows:
    """A run of stored vectors: their embeddings ids, item ids and the ``(n, dim)`` matrix."""

    ids: np.ndarray
    item_ids: np.ndarray
    vectors: np.ndarray

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def iter_vectors(
    store: Store, model: str, dim: int, partition: str, *, after_id: int = 0, chunk: int = _LOAD_CHUNK
) -> Iterator[VectorRows]:
    """``partition``'s vectors of ``model`` with an id above ``after_id``, in id order, in chunks."""
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
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        item_ids = np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(row[2] for row in rows), dtype="<f4").astype(np.float32)
        yield VectorRows(ids, item_ids, matrix.reshape(len(rows), dim))
