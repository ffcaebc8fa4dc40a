"""Vectors in the store: the durable copy the index is rebuilt from."""

from __future__ import annotations

import numpy as np
import pytest

from desktop.core.retrieval import (
    count_vectors,
    delete_other_models,
    get_vectors,
    normalize_rows,
    save_vectors,
)
from desktop.core.retrieval.vectors import INCOMING, OWN, iter_vectors, partition_stats
from desktop.core.store import TABLES, NewItem, Store, save_items
from desktop.core.store.schema import MIGRATION_NAMES
from tests.core.retrieval.corpus import Corpus

MODEL = "test-model.gguf"


def random_unit(rows: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    return normalize_rows(np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32))


def test_embeddings_table_is_a_migration_of_its_own(store: Store) -> None:
    assert any(name.endswith("_embeddings") for name in MIGRATION_NAMES)
    assert "embeddings" in TABLES
    assert "embeddings" in store.db.table_names()


def test_vectors_round_trip_exactly(corpus: Corpus) -> None:
    ids = corpus.post_ids[:4]
    vectors = random_unit(4)
    save_vectors(corpus.store, MODEL, ids, vectors)
    got = get_vectors(corpus.store, MODEL, ids + [999_999])
    assert sorted(got) == sorted(ids)
    for item_id, vector in zip(ids, vectors, strict=False):
        assert got[item_id].dtype == np.float32
        np.testing.assert_array_equal(got[item_id], vector)
    assert count_vectors(corpus.store, MODEL) == 4
    assert get_vectors(corpus.store, "another-model.gguf", ids) == {}


def test_saving_again_replaces_with_a_newer_row(corpus: Corpus) -> None:
    item = corpus.post_ids[0]
    save_vectors(corpus.store, MODEL, [item], random_unit(1, seed=1))
    first_id = corpus.store.db.execute("SELECT id FROM embeddings").fetchone()[0]
    replacement = random_unit(1, seed=2)
    save_vectors(corpus.store, MODEL, [item], replacement)
    rows = corpus.store.db.execute("SELECT id FROM embeddings").fetchall()
    assert len(rows) == 1 and rows[0][0] > first_id  # an index catching up by id will see it
    np.testing.assert_array_equal(get_vectors(corpus.store, MODEL, [item])[item], replacement[0])


def test_changed_text_drops_the_stale_vector_and_deleted_items_take_theirs(corpus: Corpus) -> None:
    store = corpus.store
    post, other = corpus.post_ids[0], corpus.post_ids[1]
    save_vectors(store, MODEL, [post, other], random_unit(2))
    # Re-importing the same post unchanged keeps the vector; with edited text it loses it.
    row = store.db.execute(
        "SELECT platform, kind, external_id, author_id FROM items WHERE id = ?", [post]
    ).fetchone()
    save_items(
        store,
        None,
        [NewItem(row[0], row[1], "I live in Porto now", external_id=row[2], author_id=row[3], is_owner=True)],
    )
    assert set(get_vectors(store, MODEL, [post, other])) == {other}
    store.db.execute("DELETE FROM items WHERE id = ?", [other])
    assert count_vectors(store) == 0


def test_mismatched_vector_length_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        save_vectors(store, MODEL, [1, 2], random_unit(3))


def test_partitions_and_their_stats(corpus: Corpus) -> None:
    store = corpus.store
    incoming = [pair[0] for pair in corpus.exchange_ids]
    replies = [pair[1] for pair in corpus.exchange_ids]
    everything = incoming + replies + corpus.post_ids + corpus.unanswered_ids
    save_vectors(store, MODEL, everything, random_unit(len(everything)))
    own = partition_stats(store, MODEL, 8, OWN)
    assert own.count == len(replies) + len(corpus.post_ids)
    assert partition_stats(store, MODEL, 8, INCOMING).count == len(incoming)
    rows = list(iter_vectors(store, MODEL, 8, INCOMING, chunk=7))
    assert sorted(np.concatenate([r.item_ids for r in rows]).tolist()) == sorted(incoming)
    assert sum(int(r.ids.sum()) for r in rows) == partition_stats(store, MODEL, 8, INCOMING).id_sum
    assert partition_stats(store, MODEL, 16, OWN).count == 0  # another dimension is another index


def test_switching_models_can_free_the_old_vectors(corpus: Corpus) -> None:
    save_vectors(corpus.store, "old.gguf", corpus.post_ids, random_unit(len(corpus.post_ids)))
    save_vectors(corpus.store, MODEL, corpus.post_ids[:2], random_unit(2))
    assert delete_other_models(corpus.store, MODEL) == len(corpus.post_ids)
    assert count_vectors(corpus.store) == 2
