"""Batch drafting: 200 inbox messages with the persona prefix reused vs the same 200 without.

Both runs are ``draft_all`` on their own copy of the same profile (archive, persona, search
index, the same 200 new messages), each with its own model, stepped in turns (one message on
one, then the same message on the other) so that both see the same machine load.

* ours: the app's backend. Its ``Llama`` keeps the KV cache of the previous prompt, and the
  persona part, which comes first and is the same for every message, is reused ("live") up to
  the last whole 64-token block (``LlamaSettings.n_batch``; see ``prefix_cache.prepare_prefix``).
* reference: the same backend with reuse off: the KV cache is cleared before every prompt and
  no prefix state is saved, so each prompt is evaluated in full, in the same 64-token blocks
  (the same arithmetic, so the same drafts).

Rows: drafts/s (goal: 1.5x the run without reuse) and the median time to the first token.
``--quick``: 10 messages.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desktop.core.generation.backends.base import GenerationParams, Prompt, RunInfo
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend
from desktop.core.generation.prefix_cache import PrefixStateCache
from desktop.core.generation.session import CANDIDATES_SETTING, DraftingSession
from desktop.core.inbox.batch import ItemDrafted, draft_all
from desktop.core.paths import Paths
from desktop.core.store import open_store
from desktop.core.store.settings import write_setting
from desktop.core.tasks import CancelToken
from tests.bench.drafting_setup import add_inbox_messages, clone_base
from tests.bench.results import Results


class TimedBackend(LlamaCppBackend):
    """The app's backend, keeping each attempt's ``RunInfo`` (time to first token, reuse)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runs: list[RunInfo] = []

    def stream(self, prompt: Prompt, params: GenerationParams, cancel: CancelToken) -> Iterator[str]:
        yield from super().stream(prompt, params, cancel)
        self.runs.append(self.last_run)


class NoReuseBackend(TimedBackend):
    """Reuse off: an empty KV cache before every prompt, and no prefix state kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prefix_cache = None  # type: ignore[assignment]  # prepare_prefix then neither restores nor saves

    def stream(self, prompt: Prompt, params: GenerationParams, cancel: CancelToken) -> Iterator[str]:
        self.llama.reset()  # forget the previous prompt: nothing is "live"
        yield from super().stream(prompt, params, cancel)

    def unload(self) -> None:
        self.prefix_cache = PrefixStateCache(0)
        super().unload()


def open_session(
    paths: Paths, backend_class: type[TimedBackend], threads: int, candidates: int = 1
) -> DraftingSession:
    """A drafting session as the app opens it, with its backend swapped for ``backend_class``;
    each draft chosen among ``candidates`` (the profile's setting)."""
    with open_store(paths.profile("default").store) as store:
        write_setting(store, CANDIDATES_SETTING, str(candidates))
    session = DraftingSession(paths, "default", n_threads=threads)
    for _ in session.open():
        pass
    assert session.backend is not None
    settings = session.backend.settings
    session.backend.unload()
    session.backend = backend_class(settings)
    session.backend.load()
    return session


def test_batch_drafting_prefix_reuse(
    tmp_path: Path, quick: bool, threads: int, drafting_base: Path, bench: Results
) -> None:
    count = 10 if quick else 200
    bases = {name: clone_base(drafting_base, tmp_path / name) for name in ("ours", "reference")}
    for paths in bases.values():
        add_inbox_messages(paths, count)
    sessions = {
        "ours": open_session(bases["ours"], TimedBackend, threads),
        "reference": open_session(bases["reference"], NoReuseBackend, threads),
    }
    try:
        batches = {name: draft_all(session) for name, session in sessions.items()}
        seconds = {name: 0.0 for name in sessions}
        drafted: dict[str, list[ItemDrafted]] = {name: [] for name in sessions}
        summaries: dict[str, Any] = {}
        while len(summaries) < len(batches):
            for name, batch in batches.items():  # one message on each in turn
                if name in summaries:
                    continue
                started = time.perf_counter()
                try:
                    while not isinstance(step := next(batch), ItemDrafted):
                        pass
                    drafted[name].append(step)
                except StopIteration as stop:
                    summaries[name] = stop.value
                seconds[name] += time.perf_counter() - started
        runs = {name: session.backend.runs for name, session in sessions.items()}  # type: ignore[union-attr]
    finally:
        for session in sessions.values():
            session.close()

    for name in sessions:
        assert summaries[name].done == count, summaries[name]
    same_text = sum(a.text == b.text for a, b in zip(drafted["ours"], drafted["reference"], strict=False))
    rate = {name: count / seconds[name] for name in sessions}
    first = {
        name: statistics.median(r.first_token_s for r in runs[name] if r.first_token_s) * 1000
        for name in sessions
    }
    ours_summary = summaries["ours"]
    split = {  # where each run's time went: to the first token, generating, outside the model
        name: (
            sum(r.first_token_s or 0.0 for r in runs[name]),
            sum(r.total_s - (r.first_token_s or 0.0) for r in runs[name]),
        )
        for name in sessions
    }
    tokens = sum(r.generated_tokens for r in runs["ours"]) / max(1, len(runs["ours"]))
    print(
        f"\nbatch drafting {count} inbox messages (Gemma 3 270M, {threads} thread(s)), stepped in turns:\n"
        f"  with prefix reuse:    {seconds['ours']:7.1f} s  {rate['ours']:.2f} drafts/s"
        f"  first token {first['ours']:.0f} ms"
        f"  (prefix {ours_summary.prefix_sources}, {ours_summary.reuse_share:.0%} of prompt tokens reused,"
        f" prompts ~{ours_summary.prompt_tokens // max(1, len(runs['ours']))} tokens)\n"
        f"  without prefix reuse: {seconds['reference']:7.1f} s  {rate['reference']:.2f} drafts/s"
        f"  first token {first['reference']:.0f} ms\n"
        f"  attempts {len(runs['ours'])} / {len(runs['reference'])};"
        f" identical drafts: {same_text} of {count};"
        f" {tokens:.0f} tokens generated per attempt\n"
        + "".join(
            f"  {name}: to first tokens {split[name][0]:.1f} s, generating {split[name][1]:.1f} s,"
            f" outside the model (retrieval, guard, store) {seconds[name] - sum(split[name]):.1f} s\n"
            for name in sessions
        )
    )
    bench.add(f"batch drafting {count}: speed", rate["ours"], rate["reference"], "drafts/s", "ratio >= 1.5")
    bench.add(f"batch drafting {count}: time to first token", first["ours"], first["reference"], "ms")


def test_batch_drafting_with_four_candidates(
    tmp_path: Path, quick: bool, threads: int, drafting_base: Path, bench: Results
) -> None:
    """The same inbox drafted with four candidates per draft (one batched decode each) and with
    one, stepped in turns: four candidates must keep at least half the drafts per second."""
    count = 10 if quick else 200
    bases = {name: clone_base(drafting_base, tmp_path / name) for name in ("four", "one")}
    for paths in bases.values():
        add_inbox_messages(paths, count)
    sessions = {
        "four": open_session(bases["four"], TimedBackend, threads, candidates=4),
        "one": open_session(bases["one"], TimedBackend, threads, candidates=1),
    }
    seconds = {name: 0.0 for name in sessions}
    done: dict[str, Any] = {}
    try:
        batches = {name: draft_all(session) for name, session in sessions.items()}
        while len(done) < len(batches):
            for name, batch in batches.items():
                if name in done:
                    continue
                started = time.perf_counter()
                try:
                    while not isinstance(next(batch), ItemDrafted):
                        pass
                except StopIteration as stop:
                    done[name] = stop.value
                seconds[name] += time.perf_counter() - started
    finally:
        for session in sessions.values():
            session.close()
    rate = {name: count / seconds[name] for name in sessions}
    print(
        f"\nbatch drafting {count} inbox messages: 4 candidates {rate['four']:.2f} drafts/s, "
        f"1 candidate {rate['one']:.2f} drafts/s"
    )
    bench.add(
        f"batch drafting {count}: 4 candidates vs 1", rate["four"], rate["one"], "drafts/s", "ratio >= 0.5"
    )
