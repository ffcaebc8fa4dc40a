"""Item vectors in the store: the one durable copy the faiss index is derived from.

A row of ``embeddings`` is ``(id, item_id, model, dim, vector)``: ``vector`` is the float32
bytes of one L2-normalized embedding; ``model`` is the embedding model's file name, so vectors
of two models never mix and switching models simply leaves the new model's rows to be made.
``id`` only grows (AUTOINCREMENT), so an index that remembers the highest id it has read can
pick up newer rows with one range scan.

A *partition* is the subset of items one search looks in: the incoming side of past
exchanges (examples) or the creator's own items (facts, support for claims).

The SQL is in ``desktop.core.store.embeddings``; this module turns its rows into numpy arrays.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from desktop.core.store import Store
from desktop.core.store import embeddings as stored
from desktop.core.store.embeddings import ALL, INCOMING, OWN, PARTITION_SQL

__all__ = [
    "ALL",
    "INCOMING",
    "OWN",
    "PARTITION_SQL",
    "VectorRows",
    "VectorStats",
    "count_vectors",
    "delete_other_models",
    "from_blob",
    "get_vectors",
    "iter_vectors",
    "latest_vector_id",
    "partition_stats",
    "save_vectors",
    "to_blob",
]

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
    rows = [
        (int(item_id), model, dim, to_blob(vector))
        for item_id, vector in zip(item_ids, vectors, strict=False)
    ]
    stored.replace_vectors(store, rows)


def get_vectors(store: Store, model: str, item_ids: Sequence[int]) -> dict[int, np.ndarray]:
    """The stored vectors of ``item_ids`` for ``model`` (items without one are left out)."""
    rows = stored.vector_rows(store, model, item_ids)
    return {item_id: from_blob(blob, dim) for item_id, dim, blob in rows}


def count_vectors(store: Store, model: str | None = None) -> int:
    """How many vectors the store holds (for one model, or for all)."""
    return stored.count_vector_rows(store, model)


def delete_other_models(store: Store, keep_model: str) -> int:
    """Remove vectors of every model but ``keep_model`` (space back after a switch); returns the count."""
    return stored.delete_vectors_except(store, keep_model)


def latest_vector_id(store: Store, model: str) -> int:
    """The highest embeddings id of ``model`` (0 when none): an index-backed, constant-time look."""
    return stored.max_vector_id(store, model)


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
    return VectorStats(*stored.partition_vector_stats(store, model, dim, partition))


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
    chunks = stored.iter_partition_vector_rows(store, model, dim, partition, after_id=after_id, chunk=chunk)
    for rows in chunks:
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        item_ids = np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(row[2] for row in rows), dtype="<f4").astype(np.float32)
        yield VectorRows(ids, item_ids, matrix.reshape(len(rows), dim))
