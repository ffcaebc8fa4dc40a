"""Retrieval latency: our hybrid search vs a bare faiss flat search on the same vectors.

For 10,000 / 100,000 / 1,000,000 stored items (``--quick``: 10,000), half fan questions and
half the creator's replies paired as exchanges, each with a vector (random, 384-d, unit
length, clustered around MiniLM embeddings of generated messages, so that an embedded message
lands among them as among a creator's real vectors):

* ours: ``Retriever.retrieve(message)`` as a draft calls it: embed the message with MiniLM
  (``--threads``: the app's 2 by default), search both faiss partitions (exact up to
  ``HNSW_THRESHOLD`` vectors each, HNSW above), FTS5 BM25 on the text, fuse, read the rows;
  and the same handed the message's vector (``query_vector``), as the reference is;
* reference: ``IndexFlatIP.search`` alone over all the items' vectors, k=50, with the same
  message vectors (faiss on one OpenMP thread for both, as the app runs it).

The two alternate, query by query, with a third: ours with the query embedder on the other
thread count (1, the library's ``DEFAULT_THREADS``, or 2), for comparison. Rows: p50 and p95
latency of the search handed the vector (goal: p95 at most 2x the reference, which is handed it
too), p95 with the query embedded (what a draft waits for) and, at 1M, that absolute p95 (goal:
under 30 ms).
The printed detail splits our time into its steps, and checks the recall@10 of our
incoming-side index against exact search.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import faiss
import numpy as np

from desktop.core.models import DEFAULT_EMBEDDING_MODEL
from desktop.core.retrieval import Embedder, RetrievalIndex, Retriever, normalize_rows, save_vectors
from desktop.core.retrieval.index import HNSW_THRESHOLD, use_one_thread
from desktop.core.store import NewItem, Store, open_store, save_items, save_person, save_source, save_thread
from tests.bench.results import Results
from tests.bench.texts import FILLER, OPENERS, QUERIES, TOPICS, mixed_messages

DIM = 384
STEPS = ("embed_ms", "vector_ms", "fts_ms", "fuse_ms", "total_ms")


SPREAD = 0.75 / DIM**0.5
"""Noise per dimension around a centre: a vector keeps cosine ~0.8 with its centre and ~0.64
with its neighbours, about what MiniLM gives paraphrases."""


def embedding_centres(embedder: Embedder, count: int = 500) -> np.ndarray:
    """MiniLM vectors of generated messages: the stored vectors cluster around real embeddings,
    so an embedded query lands among them as it would among a creator's real vectors."""
    return embedder.embed(mixed_messages(count, seed=31))


def clustered(rows: int, seed: int, centres: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((rows, DIM), dtype=np.float32)
    for start in range(0, rows, 100_000):  # in chunks: bounded temporary memory at 1M
        n = min(100_000, rows - start)
        noise = rng.standard_normal((n, DIM), dtype=np.float32) * SPREAD
        out[start : start + n] = normalize_rows(centres[rng.integers(0, len(centres), n)] + noise)
    return out


def fill_store(store: Store, items: int, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``items`` generated items, fan question and creator reply in turn, paired as exchanges.

    Returns the item ids (in insertion order: questions at even positions) and their vectors.
    """
    rng = random.Random(7)
    source = save_source(store, platform="x", path="/bench", sha256=f"bench-{items}")
    me = save_person(store, platform="x", handle="me", is_owner=True)
    fan = save_person(store, platform="x", handle="fan")
    thread = save_thread(store, platform="x", external_id="bench", source_id=source)

    def words(k: int) -> str:
        return " ".join(rng.choices(FILLER, k=k))

    def generated():  # type: ignore[no-untyped-def]
        for n in range(items // 2):
            topic = rng.choice(TOPICS)
            yield NewItem(
                "x",
                "message",
                f"{rng.choice(OPENERS)} {words(3)} {topic} {words(4)}?",
                "2024-01-01T00:00:00+00:00",
                f"q{n}",
                thread,
                fan,
            )
            yield NewItem(
                "x",
                "message",
                f"{words(2)} {topic} {words(6)}",
                "2024-01-01T00:01:00+00:00",
                f"r{n}",
                thread,
                me,
                is_owner=True,
            )

    save_items(store, source, generated())
    with store.db.atomic():
        store.db.execute(
            """INSERT INTO exchanges (incoming_item_id, reply_item_id, thread_id)
               SELECT q.id, r.id, q.thread_id FROM items q JOIN items r
               ON r.external_id = 'r' || substr(q.external_id, 2) WHERE q.external_id LIKE 'q%'"""
        )
    item_ids = np.array(
        [row[0] for row in store.db.execute("SELECT id FROM items ORDER BY id")], dtype=np.int64
    )
    vectors = clustered(len(item_ids), 3, centres)
    for start in range(0, len(item_ids), 20_000):
        save_vectors(
            store,
            DEFAULT_EMBEDDING_MODEL,
            item_ids[start : start + 20_000].tolist(),
            vectors[start : start + 20_000],
        )
    return item_ids, vectors


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.asarray(values), share * 100))


def label(count: int) -> str:
    return f"{count // 1_000_000}M" if count >= 1_000_000 else f"{count // 1000}k"


def bench_size(
    tmp_path: Path, embedders: dict[int, Embedder], centres: np.ndarray, items: int, queries: int
) -> dict[str, object]:
    """Fill a store with ``items``, then time ``queries`` retrievals per query embedder (keyed by
    thread count, the first one the app's) and the bare flat search, turn about."""
    first = next(iter(embedders.values()))
    with open_store(tmp_path / f"retrieve-{items}.sqlite3") as store:
        started = time.perf_counter()
        item_ids, vectors = fill_store(store, items, centres)
        fill_s = time.perf_counter() - started
        started = time.perf_counter()
        index = RetrievalIndex(store, first, tmp_path / f"index-{items}").open()
        build_s = time.perf_counter() - started
        use_one_thread()
        flat = faiss.IndexFlatIP(DIM)
        flat.add(vectors)
        retrievers = {threads: Retriever(store, embedder, index) for threads, embedder in embedders.items()}
        messages = [QUERIES[n % len(QUERIES)] for n in range(queries)]
        query_vectors = {message: first.embed_one(message).reshape(1, DIM) for message in set(messages)}
        for retriever in retrievers.values():
            retriever.retrieve(messages[0])  # warm-up: first touch of the index and the FTS pages
        ours: dict[int, dict[str, list[float]]] = {
            threads: {step: [] for step in STEPS} for threads in embedders
        }
        reference: list[float] = []
        given: list[float] = []  # ours, handed the query vector as the reference is
        app_retriever = retrievers[next(iter(embedders))]
        for message in messages:
            for threads, retriever in retrievers.items():
                run = retriever.retrieve(message)
                assert run.examples
                for step in STEPS:
                    ours[threads][step].append(run.timings[step])
            run = app_retriever.retrieve(message, query_vector=query_vectors[message][0])
            assert run.examples
            given.append(run.timings["total_ms"])
            started = time.perf_counter()
            flat.search(query_vectors[message], 50)
            reference.append((time.perf_counter() - started) * 1000)
        # Recall@10 of the incoming-side index (HNSW above the threshold) against exact search on
        # it: the embedded messages and 90 held-out vectors from the same clusters.
        exact = faiss.IndexIDMap(faiss.IndexFlatIP(DIM))
        exact.add_with_ids(vectors[0::2], item_ids[0::2])
        probes = np.vstack([*query_vectors.values(), clustered(90, 2, centres)])
        found = 0
        for query in probes:
            truth = set(exact.search(query.reshape(1, DIM), 10)[1][0].tolist())
            found += len(truth & {item for item, _ in index.incoming.search(query, 10)})
        recall = found / (10 * len(probes))
        kind = index.incoming.index.kind if index.incoming.index is not None else "?"
    return {
        "ours": ours,
        "given": given,
        "reference": reference,
        "fill_s": fill_s,
        "build_s": build_s,
        "recall": recall,
        "kind": kind,
    }


def test_retrieval_latency(
    tmp_path: Path, quick: bool, threads: int, default_models_dir: Path, bench: Results
) -> None:
    sizes = (10_000,) if quick else (10_000, 100_000, 1_000_000)
    other = 1 if threads != 1 else 2
    print(
        f"\nretrieve() vs bare IndexFlatIP.search k=50, in ms (HNSW_THRESHOLD {HNSW_THRESHOLD:,} vectors"
        f" per partition; query embedder on {threads} thread(s), and on {other} for comparison):\n"
        f"  {'items':>9} thr | {'p50':>6} {'p95':>6} | embed, faiss, fts, fuse (p50;p95)     |"
        f" {'flat p50':>8} {'p95':>6} | index, recall@10 | fill, build"
    )
    model = default_models_dir / DEFAULT_EMBEDDING_MODEL
    with Embedder(model, n_threads=threads) as embedder, Embedder(model, n_threads=other) as other_embedder:
        centres = embedding_centres(embedder)
        for items in sizes:
            embedders = {threads: embedder, other: other_embedder}
            r = bench_size(tmp_path, embedders, centres, items, queries=100 if quick else 200)
            ours, reference = r["ours"], r["reference"]
            assert isinstance(ours, dict) and isinstance(reference, list)
            ref50, ref95 = percentile(reference, 0.5), percentile(reference, 0.95)
            for count, timings in ours.items():
                steps = ", ".join(
                    f"{percentile(timings[s], 0.5):.1f};{percentile(timings[s], 0.95):.1f}"
                    for s in STEPS[:-1]
                )
                print(
                    f"  {items:>9,} {count:>3} | {percentile(timings['total_ms'], 0.5):6.1f}"
                    f" {percentile(timings['total_ms'], 0.95):6.1f} | {steps:<36} |"
                    f" {ref50:8.2f} {ref95:6.2f} |"
                    f" {r['kind']}, {r['recall']:.2f} | {r['fill_s']:.0f} s, {r['build_s']:.1f} s"
                )
            given = r["given"]
            assert isinstance(given, list)
            print(
                f"  {items:>9,} {threads:>3} | {percentile(given, 0.5):6.1f} {percentile(given, 0.95):6.1f} |"
                " handed the query vector, as the reference is"
            )
            size = label(items)
            p50, p95 = percentile(given, 0.5), percentile(given, 0.95)
            bench.add(f"retrieval {size}: p50", p50, ref50, "ms")
            bench.add(f"retrieval {size}: p95", p95, ref95, "ms", "ratio <= 2")
            with_embedding = percentile(ours[threads]["total_ms"], 0.95)
            bench.add(f"retrieval {size}: p95 with the query embedded", with_embedding, ref95, "ms")
            if items >= 1_000_000:
                bench.add(f"retrieval {size}: p95 absolute", with_embedding, ref95, "ms", "ours < 30")
            if items == sizes[0]:
                bench.add(
                    f"retrieval {size}: p95, {other}-thread query embedder",
                    percentile(ours[other]["total_ms"], 0.95),
                    ref95,
                    "ms",
                )
            if r["kind"] != "flat":  # exact search finds the exact neighbours by definition
                bench.add(
                    f"retrieval {size}: recall@10 of {r['kind']}", r["recall"], None, "share", "ours >= 0.9"
                )
