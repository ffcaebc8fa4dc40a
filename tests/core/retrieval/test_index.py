"""The faiss index: exact by default, HNSW above the threshold, derived from and checked against the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop.core.retrieval import EXACT, HNSW, PartitionIndex, VectorIndex, normalize_rows, save_vectors
from desktop.core.retrieval.index import choose_kind
from desktop.core.retrieval.vectors import OWN
from desktop.core.store import Store
from tests.core.retrieval.corpus import Corpus

MODEL = "test-model.gguf"
DIM = 16


def clustered(rows: int, dim: int, clusters: int, seed: int, *, noise: float = 0.6) -> np.ndarray:
    """Unit vectors around ``clusters`` centres: closer to real embeddings than uniform noise.

    The centres depend only on ``dim`` and ``clusters``, so two calls with other seeds draw
    different points from the same distribution (held-out queries, like new fan messages).
    """
    centres = np.random.default_rng(clusters * 7919 + dim).standard_normal((clusters, dim)).astype(np.float32)
    rng = np.random.default_rng(seed)
    points = centres[rng.integers(0, clusters, rows)] + noise * rng.standard_normal((rows, dim)).astype(
        np.float32
    )
    return normalize_rows(points)


def test_exact_search_is_cosine_brute_force() -> None:
    vectors = clustered(500, 32, 10, seed=1)
    ids = np.arange(1000, 1500)
    index = VectorIndex.build(ids, vectors)
    assert index.kind == EXACT
    query = vectors[7]
    expected = np.argsort(-(vectors @ query))[:10]
    hits = index.search(query, 10)
    assert [item_id for item_id, _ in hits] == (ids[expected]).tolist()
    assert hits[0] == (1007, pytest.approx(1.0, abs=1e-5))
    assert index.search(query, 0) == []
    assert len(index.search(query, 10_000)) == 500


def test_hnsw_recall_at_10_against_exact_search() -> None:
    vectors = clustered(5000, 384, 500, seed=2, noise=1.0)
    queries = clustered(200, 384, 500, seed=3, noise=1.0)  # held out: not in the index
    ids = np.arange(5000)
    exact = VectorIndex.build(ids, vectors, kind=EXACT)
    approximate = VectorIndex.build(ids, vectors, kind=HNSW)
    found = 0
    for query in queries:
        truth = {item_id for item_id, _ in exact.search(query, 10)}
        found += len(truth & {item_id for item_id, _ in approximate.search(query, 10)})
    recall = found / (10 * len(queries))
    assert recall >= 0.95, recall


def test_kind_switches_above_the_threshold() -> None:
    assert choose_kind(10, threshold=100) == EXACT
    assert choose_kind(101, threshold=100) == HNSW


def fill(corpus: Corpus, seed: int = 0) -> dict[int, np.ndarray]:
    """Random vectors for every item the creator wrote (the OWN partition) and the rest."""
    ids = [row[0] for row in corpus.store.db.execute("SELECT id FROM items ORDER BY id")]
    vectors = clustered(len(ids), DIM, 5, seed)
    save_vectors(corpus.store, MODEL, ids, vectors)
    own = {row[0] for row in corpus.store.db.execute("SELECT id FROM items WHERE is_owner = 1")}
    return {item_id: vector for item_id, vector in zip(ids, vectors, strict=False) if item_id in own}


def open_index(store: Store, folder: Path | None, **options: int) -> PartitionIndex:
    return PartitionIndex(store, MODEL, DIM, OWN, folder, **options).open()


def assert_matches(index: PartitionIndex, own: dict[int, np.ndarray]) -> None:
    assert index.ntotal == len(own)
    ids = np.array(list(own))
    matrix = np.stack(list(own.values()))
    for item_id, vector in list(own.items())[:5]:
        expected = ids[np.argsort(-(matrix @ vector))[:5]].tolist()
        assert [hit for hit, _ in index.search(vector, 5)] == expected
        assert index.search(vector, 1)[0][0] == item_id


def test_built_from_the_store_and_reused_from_the_cache(corpus: Corpus, tmp_path: Path) -> None:
    own = fill(corpus)
    first = open_index(corpus.store, tmp_path)
    assert first.rebuilds == 1
    assert_matches(first, own)
    assert first.index_path is not None and first.index_path.is_file()

    second = open_index(corpus.store, tmp_path)
    assert second.rebuilds == 0  # the cache matched the store
    assert_matches(second, own)


def test_new_vectors_are_caught_up_without_a_rebuild(corpus: Corpus, tmp_path: Path) -> None:
    own = fill(corpus)
    live = open_index(corpus.store, tmp_path)
    newer = clustered(3, DIM, 5, seed=9)
    changed = list(own)[:3]
    # A text edit removes the vector and the job embeds it again: a new row with a higher id.
    corpus.store.db.execute(f"DELETE FROM embeddings WHERE item_id IN ({','.join(map(str, changed))})")
    save_vectors(corpus.store, MODEL, changed, newer)
    own.update(zip(changed, newer, strict=False))
    assert live.search(newer[0], 1)[0][0] == changed[0]  # search catches up first

    # A fresh open sees a cache that no longer matches (3 rows gone, 3 added) and rebuilds.
    reopened = open_index(corpus.store, tmp_path)
    assert reopened.rebuilds == 1
    assert_matches(reopened, own)


def test_a_stale_cache_with_only_additions_is_extended(corpus: Corpus, tmp_path: Path) -> None:
    own = fill(corpus)
    open_index(corpus.store, tmp_path)
    extra = corpus.store.db.execute("SELECT max(id) FROM items").fetchone()[0]
    corpus.store.db.execute(
        "INSERT INTO items (platform, kind, is_owner, text, external_id) VALUES ('x', 'post', 1, 'later "
        "post', 'later')"
    )
    added = clustered(1, DIM, 5, seed=11)
    save_vectors(corpus.store, MODEL, [extra + 1], added)
    own[extra + 1] = added[0]
    reopened = open_index(corpus.store, tmp_path)
    assert reopened.rebuilds == 0
    assert_matches(reopened, own)


@pytest.mark.parametrize("damage", ["garbage", "truncate", "delete_meta", "wrong_meta"])
def test_a_damaged_cache_is_rebuilt(corpus: Corpus, tmp_path: Path, damage: str) -> None:
    own = fill(corpus)
    built = open_index(corpus.store, tmp_path)
    index_path, meta_path = built.index_path, built.meta_path
    assert index_path is not None and meta_path is not None
    if damage == "garbage":
        index_path.write_bytes(b"\x00" * index_path.stat().st_size)
    elif damage == "truncate":
        index_path.write_bytes(index_path.read_bytes()[:100])
    elif damage == "delete_meta":
        meta_path.unlink()
    else:
        meta_path.write_text("{not json", encoding="utf-8")
    reopened = open_index(corpus.store, tmp_path)
    assert reopened.rebuilds == 1
    assert_matches(reopened, own)


def test_deleting_vectors_forces_a_rebuild(corpus: Corpus, tmp_path: Path) -> None:
    own = fill(corpus)
    open_index(corpus.store, tmp_path)
    gone = next(iter(own))
    corpus.store.db.execute("DELETE FROM items WHERE id = ?", [gone])
    del own[gone]
    reopened = open_index(corpus.store, tmp_path)
    assert reopened.rebuilds == 1
    assert_matches(reopened, own)


def test_growing_past_the_threshold_switches_to_hnsw(corpus: Corpus) -> None:
    own = fill(corpus)
    keep = list(own)[:5]
    corpus.store.db.execute(f"DELETE FROM embeddings WHERE item_id NOT IN ({','.join(map(str, keep))})")
    index = open_index(corpus.store, None, hnsw_threshold=10)
    assert index.index is not None and index.index.kind == EXACT
    rest = [item for item in own if item not in keep]
    save_vectors(corpus.store, MODEL, rest, np.stack([own[item] for item in rest]))
    index.catch_up()
    assert index.index.kind == HNSW
    assert_matches(index, own)


def test_no_folder_means_memory_only(corpus: Corpus) -> None:
    own = fill(corpus)
    index = open_index(corpus.store, None)
    assert index.index_path is None
    assert_matches(index, own)
