"""The background embedding job: incremental, ordered, resumable, on the real MiniLM model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled
from desktop.core.models import DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder, count_pending, count_vectors, embed_pending, get_vectors
from desktop.core.tasks import CancelToken, Progress
from tests.core.retrieval.corpus import EXCHANGES, POSTS, UNANSWERED, Corpus

NON_EMPTY = 2 * len(EXCHANGES) + sum(1 for post in POSTS if post.strip()) + len(UNANSWERED)


def run(job) -> list[Progress]:  # type: ignore[no-untyped-def]
    return list(job)


def test_embeds_every_item_with_text_once(corpus: Corpus, embedder: Embedder) -> None:
    store = corpus.store
    assert count_pending(store, embedder.model_name) == NON_EMPTY
    steps = run(embed_pending(store, embedder, batch=16))
    assert steps[0].total == NON_EMPTY and steps[-1].done == steps[-1].total == NON_EMPTY
    assert [step.done for step in steps] == sorted(step.done for step in steps)
    assert count_vectors(store, embedder.model_name) == NON_EMPTY
    empty_posts = [item for text, item in zip(POSTS, corpus.post_ids, strict=False) if not text.strip()]
    assert get_vectors(store, embedder.model_name, empty_posts) == {}

    # Incremental: nothing new, nothing done.
    again = run(embed_pending(store, embedder))
    assert again[0].total == 0 and again[-1].done == 0
    assert count_vectors(store, embedder.model_name) == NON_EMPTY


def test_exchanges_first_then_own_posts_then_the_rest(corpus: Corpus, embedder: Embedder) -> None:
    store = corpus.store
    run(embed_pending(store, embedder, batch=8))
    order = [row[0] for row in store.db.execute("SELECT item_id FROM embeddings ORDER BY id")]
    in_exchanges = {item for pair in corpus.exchange_ids for item in pair}
    posts = {item for text, item in zip(POSTS, corpus.post_ids, strict=False) if text.strip()}
    n_exchange = len(in_exchanges)
    assert set(order[:n_exchange]) == in_exchanges
    assert set(order[n_exchange : n_exchange + len(posts)]) == posts
    assert set(order[n_exchange + len(posts) :]) == set(corpus.unanswered_ids)


def test_cancel_keeps_finished_batches_and_the_next_run_resumes(corpus: Corpus, embedder: Embedder) -> None:
    store = corpus.store
    cancel = CancelToken()
    job = embed_pending(store, embedder, cancel, batch=10)
    assert next(job).done == 0
    assert next(job).done == 10
    assert next(job).done == 20
    cancel.cancel()
    with pytest.raises(Cancelled):
        next(job)
    assert count_vectors(store, embedder.model_name) == 20  # two whole batches, committed

    resumed = run(embed_pending(store, embedder, batch=10))
    assert resumed[0].total == NON_EMPTY - 20
    assert resumed[-1].done == NON_EMPTY - 20
    assert count_vectors(store, embedder.model_name) == NON_EMPTY
    duplicates = store.db.execute(
        "SELECT count(*) FROM (SELECT item_id FROM embeddings GROUP BY item_id, model HAVING count(*) > 1)"
    ).fetchone()[0]
    assert duplicates == 0


def test_a_crash_mid_batch_loses_only_that_batch(corpus: Corpus, embedder: Embedder) -> None:
    """A job abandoned between yields (the app killed) keeps what it committed."""
    store = corpus.store
    job = embed_pending(store, embedder, batch=25)
    next(job), next(job)
    job.close()  # GeneratorExit at the yield: as if the thread died there
    assert count_vectors(store, embedder.model_name) == 25
    run(embed_pending(store, embedder, batch=25))
    assert count_vectors(store, embedder.model_name) == NON_EMPTY


def test_another_model_embeds_everything_again(
    corpus: Corpus, embedder: Embedder, tmp_path: Path, default_models_dir: Path
) -> None:
    store = corpus.store
    run(embed_pending(store, embedder))
    shutil.copyfile(default_models_dir / DEFAULT_EMBEDDING_MODEL, tmp_path / "chosen.gguf")
    with Embedder(tmp_path / "chosen.gguf") as chosen:
        assert count_pending(store, chosen.model_name) == NON_EMPTY
        run(embed_pending(store, chosen, batch=64))
        assert count_vectors(store, chosen.model_name) == NON_EMPTY
    assert count_vectors(store) == 2 * NON_EMPTY


def test_batch_must_be_positive(corpus: Corpus, embedder: Embedder) -> None:
    with pytest.raises(ValueError):
        next(embed_pending(corpus.store, embedder, batch=0))
