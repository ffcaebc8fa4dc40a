"""Finding the creator's own words that fit a message: embeddings, a faiss index and FTS5, fused.

* ``embedder``: a GGUF embedding model (MiniLM by default) through llama-cpp-python.
* ``vectors``: vectors in the store, the durable copy (``embeddings`` table).
* ``indexing``: ``embed_pending``, the resumable background job that fills it.
* ``index``: faiss indexes derived from the store, cached under the profile's ``index/``.
* ``search``: ``Retriever``: hybrid BM25 + vector search, fused by reciprocal rank.

Typical use, on one thread (the Store, the Embedder and the index all belong to it)::

    embedder = load_embedder(paths.models)  # one per thread (job thread, retrieval thread)
    for progress in embed_pending(store, embedder, cancel): ...
    index = RetrievalIndex(store, embedder, profile.index_dir).open()
    retriever = Retriever(store, embedder, index)
    found = retriever.retrieve("which protein powder do you take?")
"""

from desktop.core.retrieval.embedder import (
    DEFAULT_THREADS,
    Embedder,
    embedding_model_path,
    load_embedder,
    normalize_rows,
)
from desktop.core.retrieval.index import EXACT, HNSW, HNSW_THRESHOLD, PartitionIndex, VectorIndex
from desktop.core.retrieval.indexing import count_pending, embed_pending
from desktop.core.retrieval.search import (
    Retrieval,
    RetrievalIndex,
    Retriever,
    keyword_query,
    keyword_words,
    reciprocal_rank_fusion,
)
from desktop.core.retrieval.vectors import (
    INCOMING,
    OWN,
    count_vectors,
    delete_other_models,
    get_vectors,
    save_vectors,
)

__all__ = [
    "DEFAULT_THREADS",
    "EXACT",
    "HNSW",
    "HNSW_THRESHOLD",
    "INCOMING",
    "OWN",
    "Embedder",
    "PartitionIndex",
    "Retrieval",
    "RetrievalIndex",
    "Retriever",
    "VectorIndex",
    "count_pending",
    "count_vectors",
    "delete_other_models",
    "embed_pending",
    "embedding_model_path",
    "get_vectors",
    "keyword_query",
    "keyword_words",
    "load_embedder",
    "normalize_rows",
    "reciprocal_rank_fusion",
    "save_vectors",
]
