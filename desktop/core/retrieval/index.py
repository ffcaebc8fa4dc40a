"""The faiss index: derived from the store's vectors, cached on disk, rebuilt whenever in doubt.

``VectorIndex`` is a bare faiss index over item ids (``IndexIDMap``): exact inner-product
search (``IndexFlatIP``; vectors are normalized, so the score is the cosine) up to
``HNSW_THRESHOLD`` vectors, approximate HNSW above it, where exact search gets too slow for
interactive use (the threshold and the HNSW settings come from
``tests/bench/test_bench_retrieval.py``; recall against exact search is checked in
``tests/core/retrieval/test_index.py``).

``PartitionIndex`` keeps one such index in step with one partition of the store
(see ``vectors``): at open it checks the cached file against the store (count, id sum and
highest id) and rebuilds it if it is missing, stale or damaged; before each search,
``catch_up`` adds vectors stored since (one indexed look when nothing is new). The store's
rows stay the only durable copy: deleting the index folder loses nothing.

Threads: faiss runs with one OpenMP thread (``faiss.omp_set_num_threads(1)``): with two,
interactive searches were measured 2-4x slower on the project's 2-core machine, and a
background build leaves the other core to the GUI. A ``PartitionIndex`` uses its ``Store``,
so it lives on the thread that opened that store.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import cast

import faiss
import numpy as np

from desktop.core.retrieval.vectors import (
    VectorRows,
    VectorStats,
    iter_vectors,
    latest_vector_id,
    partition_stats,
)
from desktop.core.store import Store

log = logging.getLogger(__name__)

EXACT = "flat"
HNSW = "hnsw"

HNSW_THRESHOLD = 200_000
"""Vectors (in one partition) above which the approximate index is used. Measured with
``tests/bench/test_bench_retrieval.py`` (one thread, 384-d, k=50, shared 2-core machine):
exact search 0.55 / 10 / 106 ms at 10k / 100k / 1M vectors, so it passes 20 ms near
190-200k; HNSW stays under 0.5 ms up to 1M with recall@10 0.97-1.0. Below the threshold
exact search is fast enough and needs no slow build (HNSW: ~3,000 vectors/s to build)."""
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
"""HNSW settings: recall@10 against exact search >= 0.95 on clustered data (tested; 0.97 at 1M
in the benchmark). Building is the cost: about 5.7 minutes for 1M vectors on one thread, paid
in the background and kept in the cache; a rebuild (after items are deleted) pays it again."""

CACHE_FORMAT = 1


def use_one_thread() -> None:
    """faiss on one OpenMP thread (process-wide): faster for single queries, and leaves a core free."""
    faiss.omp_set_num_threads(1)


def choose_kind(count: int, threshold: int = HNSW_THRESHOLD) -> str:
    """``EXACT`` up to ``threshold`` vectors, ``HNSW`` above."""
    return HNSW if count > threshold else EXACT


class VectorIndex:
    """A faiss inner-product index whose ids are item ids."""

    def __init__(self, dim: int, kind: str = EXACT, *, faiss_index: faiss.Index | None = None) -> None:
        self.dim = int(dim)
        self.kind = kind
        if faiss_index is None:
            inner: faiss.Index
            if kind == EXACT:
                inner = faiss.IndexFlatIP(self.dim)
            elif kind == HNSW:
                graph = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
                graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
                inner = graph
            else:
                raise ValueError(f"unknown index kind {kind!r}")
            faiss_index = faiss.IndexIDMap(inner)
        self.faiss = faiss_index
        if kind == HNSW:
            # faiss's stubs give the base Index for both: at run time they are an IndexIDMap over an
            # IndexHNSWFlat (made above, or read back by load()).
            id_map = cast(faiss.IndexIDMap, self.faiss)
            cast(faiss.IndexHNSWFlat, faiss.downcast_index(id_map.index)).hnsw.efSearch = HNSW_EF_SEARCH

    @classmethod
    def build(cls, item_ids: np.ndarray, vectors: np.ndarray, kind: str | None = None) -> "VectorIndex":
        """An index over ``vectors`` (rows of unit length) with ``item_ids`` as ids."""
        vectors = np.asarray(vectors, dtype=np.float32)
        index = cls(vectors.shape[1], kind or choose_kind(len(vectors)))
        index.add(item_ids, vectors)
        return index

    @property
    def ntotal(self) -> int:
        return int(self.faiss.ntotal)

    def add(self, item_ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(item_ids) == 0:
            return
        use_one_thread()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.faiss.add_with_ids(vectors, np.ascontiguousarray(item_ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest items to one query vector as ``(item_id, cosine)``, best first.

        The same item may be indexed twice briefly (its text changed and it was embedded
        again before a rebuild); only its best hit is kept.
        """
        if k <= 0 or self.ntotal == 0:
            return []
        use_one_thread()
        query = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, self.dim))
        scores, ids = self.faiss.search(query, min(k, self.ntotal))
        hits: dict[int, float] = {}
        for item_id, score in zip(ids[0].tolist(), scores[0].tolist(), strict=False):
            if item_id >= 0 and item_id not in hits:
                hits[item_id] = float(score)
        return list(hits.items())

    def write(self, path: Path) -> None:
        faiss.write_index(self.faiss, str(path))

    @classmethod
    def read(cls, path: Path, kind: str, dim: int) -> "VectorIndex":
        """Read an index file; ``ValueError`` when it is damaged or not what ``kind``/``dim`` say."""
        try:
            loaded = faiss.read_index(str(path))
        except RuntimeError as exc:  # faiss reports every unreadable file this way
            raise ValueError(f"unreadable index file: {exc}") from exc
        if not isinstance(loaded, faiss.IndexIDMap) or loaded.d != dim:
            raise ValueError("index file holds a different kind of index")
        inner = faiss.downcast_index(loaded.index)
        expected = faiss.IndexFlatIP if kind == EXACT else faiss.IndexHNSWFlat
        if not isinstance(inner, expected) or inner.metric_type != faiss.METRIC_INNER_PRODUCT:
            raise ValueError("index file holds a different kind of index")
        return cls(dim, kind, faiss_index=loaded)


@dataclass(frozen=True)
class CacheMeta:
    """What a cached index file was built from; it is used only if the store still says the same."""

    format: int
    model: str
    dim: int
    partition: str
    kind: str
    count: int
    id_sum: int
    max_id: int
    scanned_to: int
    file_size: int

    @property
    def stats(self) -> VectorStats:
        return VectorStats(self.count, self.id_sum, self.max_id)


class PartitionIndex:
    """The index over one partition's vectors of one model, kept in step with the store.

    ``open()`` (or the first ``search``) makes it current: from the cache when it matches the
    store, else by catching up or rebuilding. ``catch_up()`` adds what was stored since.
    """

    def __init__(
        self,
        store: Store,
        model: str,
        dim: int,
        partition: str,
        folder: Path | None = None,
        *,
        hnsw_threshold: int = HNSW_THRESHOLD,
    ) -> None:
        self.store = store
        self.model = model
        self.dim = int(dim)
        self.partition = partition
        self.folder = Path(folder) if folder is not None else None
        self.hnsw_threshold = hnsw_threshold
        self.index: VectorIndex | None = None
        self.stats = VectorStats(0, 0, 0)
        self.scanned_to = 0  # every embeddings id up to here has been looked at
        self.rebuilds = 0  # full builds from the store (for tests and logs)
        self._dirty = False

    # --- files ---------------------------------------------------------------------------------

    @property
    def _stem(self) -> str:
        safe_model = re.sub(r"[^A-Za-z0-9._-]+", "_", self.model)
        return f"{self.partition}.{safe_model}.{self.dim}"

    @property
    def index_path(self) -> Path | None:
        return self.folder / f"{self._stem}.faiss" if self.folder else None

    @property
    def meta_path(self) -> Path | None:
        return self.folder / f"{self._stem}.json" if self.folder else None

    # --- keeping current ----------------------------------------------------------------------

    def open(self) -> "PartitionIndex":
        """Make the index match the store: use the cache, extend it, or rebuild (then save)."""
        scanned_to = latest_vector_id(self.store, self.model)
        current = partition_stats(self.store, self.model, self.dim, self.partition)
        if self.index is not None and self.stats == current:
            self.scanned_to = max(self.scanned_to, scanned_to)
            return self
        cached = self._load_cache()
        if cached is not None:
            index, meta = cached
            self.index, self.stats, self.scanned_to = index, meta.stats, meta.scanned_to
            if self.stats != current:
                self._add_after(self.scanned_to)
            if self.stats == current and self.index.kind == choose_kind(current.count, self.hnsw_threshold):
                self.scanned_to = max(self.scanned_to, scanned_to)
                if self._dirty:
                    self.save()
                return self
            log.info("cached %s index does not match the store; rebuilding", self.partition)
        self.rebuild()
        return self

    def rebuild(self) -> None:
        """Build the index afresh from the store's vectors and save it."""
        scanned_to = latest_vector_id(self.store, self.model)
        current = partition_stats(self.store, self.model, self.dim, self.partition)
        self.index = VectorIndex(self.dim, choose_kind(current.count, self.hnsw_threshold))
        self.stats = VectorStats(0, 0, 0)
        self._add_rows(iter_vectors(self.store, self.model, self.dim, self.partition))
        self.scanned_to = max(scanned_to, self.stats.max_id)
        self.rebuilds += 1
        self.save()

    def catch_up(self) -> int:
        """Add vectors stored since the last look; returns how many. Cheap when none are new."""
        if self.index is None:
            self.open()
            return self.stats.count
        latest = latest_vector_id(self.store, self.model)
        if latest <= self.scanned_to:
            return 0
        before = self.stats.count
        self._add_after(self.scanned_to)
        self.scanned_to = max(self.scanned_to, latest)
        if self.index.kind != choose_kind(self.stats.count, self.hnsw_threshold):
            self.rebuild()  # grew past the threshold: switch to the approximate index
        return self.stats.count - before

    def _add_after(self, after_id: int) -> None:
        self._add_rows(iter_vectors(self.store, self.model, self.dim, self.partition, after_id=after_id))

    def _add_rows(self, chunks: Iterable[VectorRows]) -> None:
        assert self.index is not None
        for rows in chunks:
            self.index.add(rows.item_ids, rows.vectors)
            self.stats = VectorStats(
                self.stats.count + len(rows),
                self.stats.id_sum + int(rows.ids.sum()),
                max(self.stats.max_id, int(rows.ids.max())),
            )
            self.scanned_to = max(self.scanned_to, self.stats.max_id)
            self._dirty = True

    # --- searching ----------------------------------------------------------------------------

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """``(item_id, cosine)`` of the ``k`` nearest vectors in this partition, best first."""
        if self.index is None:
            self.open()
        else:
            self.catch_up()
        assert self.index is not None
        return self.index.search(query, k)

    @property
    def ntotal(self) -> int:
        return self.index.ntotal if self.index is not None else 0

    # --- the cache ------------------------------------------------------------------------------

    def save(self) -> None:
        """Write the index and what it was built from; a failure only costs a rebuild next time."""
        if self.folder is None or self.index is None:
            self._dirty = False
            return
        index_path, meta_path = self.index_path, self.meta_path
        assert index_path is not None and meta_path is not None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # The old meta goes first: a crash part-way leaves an index with no meta, i.e. a rebuild.
            meta_path.unlink(missing_ok=True)
            tmp = index_path.with_name(index_path.name + ".tmp")
            self.index.write(tmp)
            os.replace(tmp, index_path)
            meta = CacheMeta(
                CACHE_FORMAT,
                self.model,
                self.dim,
                self.partition,
                self.index.kind,
                self.stats.count,
                self.stats.id_sum,
                self.stats.max_id,
                self.scanned_to,
                index_path.stat().st_size,
            )
            tmp_meta = meta_path.with_name(meta_path.name + ".tmp")
            tmp_meta.write_text(json.dumps(asdict(meta), sort_keys=True), encoding="utf-8")
            os.replace(tmp_meta, meta_path)
            self._dirty = False
        except (OSError, RuntimeError) as exc:
            # The index is only a cache: searching goes on from memory.
            log.warning("could not save the search index to %s: %s", self.folder, exc)

    def save_if_changed(self) -> None:
        """Save after ``catch_up`` added vectors (e.g. when the app closes or embedding ends)."""
        if self._dirty:
            self.save()

    def _load_cache(self) -> tuple[VectorIndex, CacheMeta] | None:
        index_path, meta_path = self.index_path, self.meta_path
        if index_path is None or meta_path is None or not index_path.is_file() or not meta_path.is_file():
            return None
        try:
            meta = CacheMeta(**json.loads(meta_path.read_text(encoding="utf-8")))
            if (
                meta.format != CACHE_FORMAT
                or (meta.model, meta.dim, meta.partition) != (self.model, self.dim, self.partition)
                or meta.file_size != index_path.stat().st_size
            ):
                return None
            index = VectorIndex.read(index_path, meta.kind, self.dim)
            if index.ntotal != meta.count:
                return None
        except (OSError, ValueError, TypeError) as exc:
            log.info("ignoring the cached %s index: %s", self.partition, exc)
            return None
        self._dirty = False
        return index, meta
