"""Retrieval fixtures: the real MiniLM model, loaded once per session, and a realistic corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.models import DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder, embed_pending
from desktop.core.store import Store, open_store
from tests.core.retrieval.corpus import Corpus, build_corpus


@pytest.fixture(scope="session")
def embedder(default_models_dir: Path) -> Iterator[Embedder]:
    """The default embedding model, threads set explicitly (1: see ``DEFAULT_THREADS``, 2 threads
    crawl on the shared machine); tests run on one thread, so one instance serves them all."""
    with Embedder(default_models_dir / DEFAULT_EMBEDDING_MODEL, n_threads=1) as loaded:
        yield loaded


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.sqlite3") as opened:
        yield opened


@pytest.fixture
def corpus(store: Store) -> Corpus:
    return build_corpus(store)


@pytest.fixture
def embedded_corpus(corpus: Corpus, embedder: Embedder) -> Corpus:
    for _ in embed_pending(corpus.store, embedder):
        pass
    return corpus
