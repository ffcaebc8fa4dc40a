"""Four candidate drafts from one batched decode vs single drafts, on the same prompt and model.

Ours is ``LlamaCppBackend.candidates`` with four seeds: the prompt evaluated once for all four,
then one ``llama_batch`` per step carrying the next token of every candidate. The references
are the same backend's ``stream()``: one draft, and four drafts one after another.

Same work on both sides: the app's drafting prompt (persona, examples, snippet, message) with
its stop strings dropped and every end-of-generation token banned (bias -inf), so each draft
and each candidate writes exactly ``max_tokens`` tokens. Both sides evaluate the whole prompt:
before a "cold" stream() the ``Llama``'s KV cache and the saved persona states are cleared
(``candidates`` always evaluates its prompt). One extra reference is the draft as the app
writes it, the persona part restored from the prefix cache.

Rows: four candidates vs one cold draft (goal: at most 2x), vs four cold drafts one after
another, vs one draft with the persona reused, and one decode step of the batch of four vs one
token of a single draft. ``--quick``: one round instead of three.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from pathlib import Path
from typing import Any

from desktop.core.generation.backends.base import GenerationParams, Prompt
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
from desktop.core.generation.prompting import build_prompt, prompt_budget
from desktop.core.generation.types import DraftRequest, Example, Snippet
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.tasks import CancelToken
from tests.bench.drafting_setup import PERSONA
from tests.bench.results import Results
from tests.bench.texts import QUERIES

CANDIDATES = 4
MAX_TOKENS = 60  # a draft's length in the app's tests; every sequence writes exactly this many


class NoEndBackend(LlamaCppBackend):
    """The app's backend with every end-of-generation token banned: each reply runs to its max_tokens."""

    _ends: dict[int, float] | None = None

    def _logit_bias(self, params: GenerationParams) -> dict[int, float] | None:
        if self._ends is None:
            import llama_cpp

            vocab = self.llama._model.vocab
            count = self.llama._model.n_vocab()
            self._ends = {t: float("-inf") for t in range(count) if llama_cpp.llama_vocab_is_eog(vocab, t)}
        return {**(super()._logit_bias(params) or {}), **self._ends}

    def forget_prompts(self) -> None:
        """Nothing reusable: an empty KV cache and no saved persona state."""
        self.llama.reset()
        self.prefix_cache.clear()


def drafting_prompt(backend: LlamaCppBackend, message: str) -> Prompt:
    request = DraftRequest(
        message,
        PERSONA,
        [Example(f"what do you think about {t}?", f"haha {t} is great", 0.9) for t in ("oats", "whey")],
        [Snippet(1, "my cookbook is out now, link in bio", 0.8)],
        max_tokens=MAX_TOKENS,
    )
    budget = prompt_budget(backend.facts.context_length, MAX_TOKENS)
    prompt = build_prompt(request, backend.facts.mode, backend.count_tokens, budget)
    return dataclasses.replace(prompt, stop=())  # no stop strings: every reply runs to MAX_TOKENS


def timed_stream(backend: NoEndBackend, prompt: Prompt, params: GenerationParams) -> tuple[float, Any]:
    started = time.perf_counter()
    for _ in backend.stream(prompt, params, CancelToken()):
        pass
    return time.perf_counter() - started, backend.last_run


def test_candidates_in_one_batch(default_models_dir: Path, quick: bool, threads: int, bench: Results) -> None:
    settings = LlamaSettings(default_models_dir / DEFAULT_CHAT_MODEL, n_ctx=2048, n_threads=threads)
    backend = NoEndBackend(settings)
    backend.load()
    params = [GenerationParams(max_tokens=MAX_TOKENS, temperature=0.7, seed=s) for s in range(CANDIDATES)]
    batch_s, single_s, sequential_s, reused_s, batch_step_ms, token_ms = ([] for _ in range(6))
    prompt_tokens: list[int] = []
    try:
        warm = drafting_prompt(backend, QUERIES[-1])  # the first decode on each context pages the weights in
        timed_stream(backend, warm, params[0])
        backend.candidates(warm, params, CancelToken())
        for round_ in range(1 if quick else 3):
            prompt = drafting_prompt(backend, QUERIES[round_ % len(QUERIES)])

            backend.forget_prompts()
            seconds, run = timed_stream(backend, prompt, params[0])
            assert run.generated_tokens == MAX_TOKENS, run
            single_s.append(seconds)
            prompt_tokens.append(run.prompt_tokens)
            token_ms.append((run.total_s - run.first_token_s) / (run.generated_tokens - 1) * 1000)

            started = time.perf_counter()
            replies = backend.candidates(prompt, params, CancelToken())
            batch_s.append(time.perf_counter() - started)
            assert [r.generated_tokens for r in replies] == [MAX_TOKENS] * CANDIDATES, replies
            timings = backend._batched.last_timings  # type: ignore[union-attr]
            decoding = timings.total_s - timings.first_token_s
            batch_step_ms.append(decoding / timings.decode_steps * 1000)

            started = time.perf_counter()
            for one in params:
                backend.forget_prompts()
                timed_stream(backend, prompt, one)
            sequential_s.append(time.perf_counter() - started)

            backend.llama.reset()  # as the app drafts a new message: the persona part comes from the cache
            seconds, run = timed_stream(backend, prompt, params[0])
            assert run.prefix_source == "restored", run
            reused_s.append(seconds)
    finally:
        backend.unload()

    med = statistics.median
    batch, single, sequential, reused = (med(v) * 1000 for v in (batch_s, single_s, sequential_s, reused_s))
    step, token = med(batch_step_ms), med(token_ms)
    n = CANDIDATES
    print(
        f"\n{n} candidates x {MAX_TOKENS} tokens, Gemma 3 270M Q4_K_M, {threads} thread(s), prompts of"
        f" {min(prompt_tokens)}-{max(prompt_tokens)} tokens, {len(batch_s)} round(s), medians:\n"
        f"  one batch of {n}              {batch:7.0f} ms\n"
        f"  one draft (cold)              {single:7.0f} ms   batch / this {batch / single:.2f}x\n"
        f"  {n} drafts one by one (cold)    {sequential:7.0f} ms   batch / this {batch / sequential:.2f}x\n"
        f"  one draft, persona restored   {reused:7.0f} ms   batch / this {batch / reused:.2f}x\n"
        f"  decode step of {n} vs 1 token   {step:7.1f} ms vs {token:.1f} ms  {step / token:.2f}x"
    )
    bench.add(f"candidates: {n} in one batch vs one draft", batch, single, "ms", "ratio <= 2.0")
    bench.add(f"candidates: {n} in one batch vs {n} drafts one by one", batch, sequential, "ms")
    bench.add(f"candidates: {n} in one batch vs one draft, persona reused", batch, reused, "ms")
    bench.add(f"candidates: decode step of {n} vs one token", step, token, "ms")
