"""Turning text into vectors with a GGUF embedding model through llama-cpp-python.

The default is all-MiniLM-L6-v2 (converted to GGUF at set-up, 384 dimensions); a creator may
choose another GGUF embedding model (BERT-like encoders such as nomic-embed or bge).

Threads: an ``Embedder`` wraps one ``llama_cpp.Llama``, which serves one call at a time and
must not be shared between threads. Give each thread that embeds (the background embedding
job, the retrieval thread) its own ``Embedder``; the model file is memory-mapped, so a second
instance costs little memory.

Long inputs: a BERT encoder has learned position embeddings for ``n_ctx_train`` (512) tokens
and llama.cpp aborts the whole process (a GGML assertion, not an exception) when a sequence
runs past them (measured with n_ctx 2048). So the context and batch are capped at
``n_ctx_train`` and llama-cpp-python's ``embed(truncate=True)`` cuts each text to that many
tokens: a very long post is embedded by its first ~400 words, and never crashes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from desktop.core.errors import ModelError
from desktop.core.models import DEFAULT_EMBEDDING_MODEL, ROLE_EMBEDDING, read_model_facts
from desktop.core.models.probe import ensure_loadable

DEFAULT_THREADS = 1
"""llama.cpp threads per embedder. One, not two, by measurement on the shared 2-core machine
(tests/bench/test_bench_retrieval.py): with any other busy process (the chat model drafting,
an import, another program) two llama.cpp threads wait on each other at every graph step:
one short message took 1,100-2,300 ms on 2 threads vs 4-18 ms on 1, and the background job
ran 6-113 texts/s on 2 threads vs 146-150 on 1. On an idle machine 2 threads are only a
little faster (~195 vs ~150 texts/s), and one thread leaves the GUI a core."""
MAX_CONTEXT = 512
"""Tokens per text at most (and per llama.cpp batch): MiniLM's training context."""

SETUP_HINT = "Set up the default models first (Settings > Models, or `understudy models setup`)."


class Embedder:
    """One loaded embedding model: ``embed(texts)`` gives L2-normalized float32 rows.

    ``model_name`` (the file name) identifies the model's vectors in the store, so choosing
    another model means its items are embedded again rather than mixed with foreign vectors.
    Use from one thread only (see the module docstring).
    """

    def __init__(self, model_path: Path | str, *, n_threads: int = DEFAULT_THREADS) -> None:
        self.path = Path(model_path)
        facts = read_model_facts(self.path)  # ModelError in plain words for a missing or broken file
        if facts.role != ROLE_EMBEDDING:
            raise ModelError(
                f"{self.path.name} is a text-generation model, not an embedding model, "
                "so it cannot be used to find similar messages.",
                hint=f"Choose an embedding model such as the default {DEFAULT_EMBEDDING_MODEL}.",
            )
        n_ctx = min(MAX_CONTEXT, facts.context_length or MAX_CONTEXT)
        ensure_loadable(self.path)  # a new file is first loaded by a child (see models.probe)
        try:
            from llama_cpp import Llama

            self._llama = Llama(
                model_path=str(self.path),
                embedding=True,
                n_ctx=n_ctx,
                n_batch=n_ctx,
                n_ubatch=n_ctx,  # an encoder needs a whole batch in one micro-batch
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"The embedding model {self.path.name} could not be loaded ({exc}).",
                hint="The file may be damaged or made for a newer llama.cpp: " + SETUP_HINT,
            ) from exc
        self.model_name = self.path.name
        self.dim = int(self._llama.n_embd())
        self.max_tokens = n_ctx

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts``, shape ``(len(texts), dim)``, float32, each of length 1.

        Each text is its own llama.cpp decode. Handing ``Llama.embed`` the whole list packs
        many texts into one 512-token batch, and an encoder then attends over the whole batch
        (masked), which is quadratic in it: measured on 2 threads with ~21-token fan messages,
        196 texts/s one per decode, 165 packed 64 tokens at a time, 78 packed 512 at a time.
        """
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of texts; use embed_one() for a single text")
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = self._llama.embed(text, normalize=False, truncate=True)
        return normalize_rows(vectors)

    def embed_one(self, text: str) -> np.ndarray:
        """The vector of one text, shape ``(dim,)``."""
        return self.embed([text])[0]

    def close(self) -> None:
        """Free the model now rather than when garbage-collected."""
        llama = getattr(self, "_llama", None)
        if llama is not None:
            llama.close()
            del self._llama

    def __enter__(self) -> "Embedder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Embedder {self.model_name} dim={self.dim}>"


class VectorCache:
    """An embedder's vectors for the texts it saw lately, so a text is embedded once, not once a draft.

    Why: the guard scores every claim in a draft against the facts sheet and the retrieved
    sources, and each text is a llama.cpp decode (~8 ms on one thread). The facts sheet is the
    same for every draft: measured on the coach persona (20 facts), a draft with a price in it
    spent ~200 ms re-embedding the sheet. Same thread rules as the ``Embedder`` it wraps.
    """

    def __init__(self, embedder: "Embedder", size: int = 4096) -> None:
        self.embedder = embedder
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()

    def one(self, text: str) -> np.ndarray:
        """The vector of ``text`` (shape ``(dim,)``, length 1), embedded now if not seen lately."""
        vector = self._vectors.get(text)
        if vector is None:
            vector = self.embedder.embed_one(text)
            self._vectors[text] = vector
            if len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        else:
            self._vectors.move_to_end(text)
        return vector


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (an all-zero row stays zero), so inner product = cosine."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return vectors / norms


def embedding_model_path(models_dir: Path | str, name: str | None = None) -> Path:
    """Where the embedding model ``name`` (default: MiniLM) lives; ``ModelError`` when it is missing."""
    path = Path(models_dir) / (name or DEFAULT_EMBEDDING_MODEL)
    if not path.is_file():
        if name and name != DEFAULT_EMBEDDING_MODEL:
            raise ModelError(
                f"The embedding model {path.name} is not in the models folder ({path.parent}).",
                hint="Add it again, or switch back to the default embedding model.",
            )
        raise ModelError(
            f"The embedding model {path.name} is missing from the models folder ({path.parent}).",
            hint=SETUP_HINT,
        )
    return path


def load_embedder(
    models_dir: Path | str, name: str | None = None, *, n_threads: int = DEFAULT_THREADS
) -> Embedder:
    """Load the embedding model ``name`` (default: MiniLM) from ``models_dir`` for this thread."""
    return Embedder(embedding_model_path(models_dir, name), n_threads=n_threads)
