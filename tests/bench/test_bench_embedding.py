"""Building the search index: ``embed_pending`` over the creator's messages vs bare ``Llama.embed``.

Our path is the background job the app runs after an import (``embed_pending``: read a batch
of 64 items without a vector, embed them with ``Embedder``, save the vectors in one
transaction) over 100,000 stored messages (``--quick``: 1,000). The reference is a bare
``Llama(embedding=True)`` with the same model and threads (``--threads``: the app's 2 by
default) on the same texts, in two forms:
one text per ``embed()`` call (what ``Embedder`` does inside) and lists of 64 texts per call
(the job's batch size; llama.cpp packs them into shared decodes). The faster form is the
reference. The work runs in chunks of 640 texts (``--quick``: 128), turn about: ours on every chunk, each bare
form on every fourth, so all three see the same machine load.

Row: texts/s (goal: at least 0.9 of the faster bare form).
"""

from __future__ import annotations

import time
from pathlib import Path

from llama_cpp import Llama

from desktop.core.models import DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder, embed_pending
from desktop.core.store import NewItem, open_store, save_items, save_source
from tests.bench.results import Results
from tests.bench.texts import mixed_messages

BATCH = 64


def test_embedding_index(
    tmp_path: Path, quick: bool, threads: int, default_models_dir: Path, bench: Results
) -> None:
    count = 1_000 if quick else 100_000
    chunk_size = (2 if quick else 10) * BATCH
    texts = mixed_messages(count, seed=21)
    model = default_models_dir / DEFAULT_EMBEDDING_MODEL
    with open_store(tmp_path / "embed.sqlite3") as store, Embedder(model, n_threads=threads) as embedder:
        source = save_source(store, platform="instagram", path="/bench", sha256="embedding-bench")
        save_items(
            store,
            source,
            (
                NewItem("instagram", "message", text, external_id=str(n), is_owner=n % 2 == 1)
                for n, text in enumerate(texts)
            ),
        )
        bare = Llama(str(model), embedding=True, n_threads=threads, n_threads_batch=threads, verbose=False)
        bare.embed(texts[:BATCH])  # warm-up for both (the weights are shared through the page cache)
        embedder.embed(texts[:BATCH])

        job = embed_pending(store, embedder, batch=BATCH)
        spent = {"ours": 0.0, "one per call": 0.0, "lists of 64": 0.0}
        done = {"one per call": 0, "lists of 64": 0}
        finished, chunk_number = False, 0
        while not finished:
            started = time.perf_counter()
            for _ in range(chunk_size // BATCH):  # one step of the job = one batch embedded and saved
                if next(job, None) is None:
                    finished = True
                    break
            spent["ours"] += time.perf_counter() - started
            chunk = texts[chunk_number * chunk_size : (chunk_number + 1) * chunk_size]
            if chunk and chunk_number % 4 == 0:
                started = time.perf_counter()
                for text in chunk:
                    bare.embed(text)
                spent["one per call"] += time.perf_counter() - started
                done["one per call"] += len(chunk)
            elif chunk and chunk_number % 4 == 2:
                started = time.perf_counter()
                for offset in range(0, len(chunk), BATCH):
                    bare.embed(chunk[offset : offset + BATCH])
                spent["lists of 64"] += time.perf_counter() - started
                done["lists of 64"] += len(chunk)
            chunk_number += 1
        bare.close()
        stored = store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert finished and stored == count
    ours = count / spent["ours"]
    bare_rates = {form: done[form] / spent[form] for form in done if done[form]}
    best_form = max(bare_rates, key=bare_rates.__getitem__)
    print(
        f"\nembedding {count:,} messages with MiniLM, {threads} thread(s):\n"
        f"  ours (embed_pending: batches of {BATCH}, vectors saved):"
        f" {ours:7.1f} texts/s ({spent['ours']:.0f} s)\n"
        + "".join(
            f"  bare Llama.embed, {form} ({done[form]:,} texts): {rate:7.1f} texts/s\n"
            for form, rate in bare_rates.items()
        )
        + f"  reference: the faster bare form ({best_form})"
    )
    bench.add(
        f"embedding index {count // 1000}k: speed", ours, bare_rates[best_form], "texts/s", "ratio >= 0.9"
    )
