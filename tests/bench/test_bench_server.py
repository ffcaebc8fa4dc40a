"""Inbox batch drafting through a model server (llama-cpp-python's, on loopback, K = 4 requests in
flight) against the embedded backend, on the same model (Gemma 3 270M), machine and inbox.

Each side drafts its own copy of the same profile (archive, persona, search index, the same new
messages), one after the other in the same run, with the profile's default candidates (4).
The server shares the machine's cores with this process (retrieval, guard, store), as it would
on a creator's laptop; on a GPU box the server side would be the faster one.

Row: drafts/s through the server with K = 4 over the embedded backend (report).
``--quick``: 10 messages, else 50.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from desktop.core.generation.session import SERVER_PARALLEL_SETTING, DraftingSession
from desktop.core.inbox.batch import draft_all
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.models.manager import ModelManager
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.core.store.settings import write_setting
from tests.bench.drafting_setup import add_inbox_messages, clone_base
from tests.bench.results import Results
from tests.llama_server import ALIAS, llama_server

K = 4


def _draft_all(paths: Paths, threads: int) -> tuple[float, Any]:
    """Seconds and summary of ``draft_all`` over the profile's new messages, from a session opened first."""
    with DraftingSession(paths, "default", n_threads=threads) as session:
        for _ in session.open():
            pass
        started = time.perf_counter()
        batch = draft_all(session)
        while True:
            try:
                next(batch)
            except StopIteration as stop:
                return time.perf_counter() - started, stop.value


def test_server_batch_against_embedded(
    tmp_path: Path, quick: bool, threads: int, drafting_base: Path, default_models_dir: Path, bench: Results
) -> None:
    count = 10 if quick else 50
    bases = {name: clone_base(drafting_base, tmp_path / name) for name in ("server", "embedded")}
    for paths in bases.values():
        add_inbox_messages(paths, count)
    seconds, summaries = {}, {}
    seconds["embedded"], summaries["embedded"] = _draft_all(bases["embedded"], threads)
    with llama_server(default_models_dir / DEFAULT_CHAT_MODEL, tmp_path, threads=threads) as server:
        manager = ModelManager(bases["server"])
        manager.add_server("loopback", server.url, ALIAS, mode="completion", context_length=2048)
        manager.use("loopback")
        with open_store(bases["server"].profile("default").store) as store:
            write_setting(store, SERVER_PARALLEL_SETTING, str(K))
        seconds["server"], summaries["server"] = _draft_all(bases["server"], threads)
    for name, summary in summaries.items():
        assert summary.done == count and summary.stopped == "finished", (name, summary)
    assert summaries["server"].parallel == K
    rate = {name: count / seconds[name] for name in seconds}
    print(
        f"\ninbox draft-all, {count} messages (Gemma 3 270M, {threads} thread(s), 4 candidates a draft):\n"
        f"  llama_cpp.server, K={K} in flight: {seconds['server']:7.1f} s  {rate['server']:.2f} drafts/s\n"
        f"  embedded backend:                 {seconds['embedded']:7.1f} s  {rate['embedded']:.2f} drafts/s"
    )
    bench.add(
        f"inbox draft-all {count}: llama_cpp.server K={K} vs embedded",
        rate["server"],
        rate["embedded"],
        "drafts/s",
    )
