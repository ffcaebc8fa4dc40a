"""Drafting one reply: our full path vs a bare llama-cpp-python call on the identical prompt.

Our path is ``DraftingSession.draft`` (triage, retrieve, steer, build the prompt, stream through
``LlamaCppBackend``, guard, regenerate if blocked) on a profile with an imported archive and a
persona. The reference is a bare ``Llama.create_completion`` on its own ``Llama`` (same model,
context and threads) with the exact prompt text and sampling settings our first attempt used.
Both keep their KV cache between calls (llama-cpp-python reuses the common prefix), and the
two run alternately on the same messages.

Rows: decode tokens/s (goal: at least 0.95 of the bare call), time to the first token, the
whole draft against the bare call, and the time our path spends outside the model (retrieval,
and prompt building + guard). Also the cancel latency against the time one token takes.
"""

from __future__ import annotations

import dataclasses
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llama_cpp import Llama, StoppingCriteriaList

from desktop.core.generation.backends.base import GenerationParams, Prompt, RunInfo
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
from desktop.core.generation.prompting import build_prompt, prompt_budget
from desktop.core.generation.session import DraftingSession
from desktop.core.generation.types import DraftRequest, Example, Snippet
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.tasks import CancelToken
from tests.bench.drafting_setup import PERSONA, clone_base
from tests.bench.results import Results
from tests.bench.texts import QUERIES


@dataclass
class Attempt:
    prompt: Prompt
    params: GenerationParams
    run: RunInfo


class RecordingBackend:
    """Our backend, unchanged, noting each attempt's prompt, settings and timings."""

    def __init__(self, inner: LlamaCppBackend) -> None:
        self.inner = inner
        self.attempts: list[Attempt] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def stream(self, prompt: Prompt, params: GenerationParams, cancel: CancelToken) -> Iterator[str]:
        yield from self.inner.stream(prompt, params, cancel)
        self.attempts.append(Attempt(prompt, params, self.inner.last_run))


@dataclass
class Timing:
    first_token_s: float
    tokens: int
    total_s: float

    @property
    def rate(self) -> float | None:
        """Decode tokens/s: the tokens after the first over the time after the first."""
        decode = self.total_s - self.first_token_s
        return (self.tokens - 1) / decode if self.tokens > 1 and decode > 0 else None


def bare_completion(
    llama: Llama, text: str, params: GenerationParams, stops: list[str], logit_bias: dict[int, float] | None
) -> Timing:
    """One bare streamed completion with our sampling settings, timed the way our backend times itself."""
    tokens: list[float] = []
    seen = [0]
    started = time.perf_counter()

    def on_token(input_ids: Any, _logits: Any) -> bool:
        if len(input_ids) > seen[0]:
            seen[0] = len(input_ids)
            tokens.append(time.perf_counter() - started)
        return False

    for _ in llama.create_completion(
        text,
        max_tokens=params.max_tokens,
        temperature=params.temperature,
        top_p=params.top_p,
        top_k=params.top_k,
        min_p=params.min_p,
        repeat_penalty=params.repeat_penalty,
        logit_bias=logit_bias,
        seed=params.seed,
        stop=stops,
        stream=True,
        stopping_criteria=StoppingCriteriaList([on_token]),
    ):
        pass
    total = time.perf_counter() - started
    return Timing(tokens[0] if tokens else total, len(tokens), total)


def test_generation_full_path(
    tmp_path: Path, quick: bool, threads: int, drafting_base: Path, bench: Results
) -> None:
    paths = clone_base(drafting_base, tmp_path / "base")
    rounds = 3 if quick else 10
    with DraftingSession(paths, "default", n_threads=threads) as session:
        for _ in session.open():
            pass
        backend = session.backend
        assert backend is not None
        recorder = RecordingBackend(backend)
        session.backend = recorder  # type: ignore[assignment]
        bare = Llama(
            str(paths.models / DEFAULT_CHAT_MODEL),
            n_ctx=backend.facts.context_length,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )

        def ours(message: str, seed: int) -> tuple[Any, float]:
            recorder.attempts.clear()
            started = time.perf_counter()
            steps = session.draft(message, seed=seed, candidates=1)  # one draft vs one bare call
            while True:
                try:
                    next(steps)
                except StopIteration as stop:
                    return stop.value, time.perf_counter() - started

        def reference(attempt: Attempt) -> Timing:
            text, _prefix, stops = backend.render(attempt.prompt)
            # The backend's own mapping of the sliders' mark bias to token ids: the identical sampling.
            return bare_completion(
                bare, text, attempt.params, list(stops), backend._logit_bias(attempt.params)
            )

        ours(QUERIES[0], 0)  # warm-up: the first decode on each Llama pages the weights in
        reference(recorder.attempts[0])
        rates_ours, rates_bare, first_ours, first_bare, total_ours, total_bare = ([] for _ in range(6))
        retrieval_ms, rest_ms, prompt_tokens, same_prompt = [], [], [], 0
        for n in range(rounds):
            message = QUERIES[(n + 1) % len(QUERIES)]
            draft, seconds = ours(message, n)
            first = recorder.attempts[0]
            bare_timing = reference(first)
            mine = Timing(
                first.run.first_token_s or first.run.total_s, first.run.generated_tokens, first.run.total_s
            )
            if mine.rate and bare_timing.rate:
                rates_ours.append(mine.rate)
                rates_bare.append(bare_timing.rate)
            first_ours.append(mine.first_token_s * 1000)
            first_bare.append(bare_timing.first_token_s * 1000)
            total_ours.append(seconds * 1000)
            total_bare.append(bare_timing.total_s * 1000)
            model_ms = sum(a.run.total_s for a in recorder.attempts) * 1000
            retrieval_ms.append(draft.timings.get("retrieve_ms", 0.0))
            rest_ms.append(seconds * 1000 - model_ms - draft.timings.get("retrieve_ms", 0.0))
            prompt_tokens.append(first.run.prompt_tokens)
            text = backend.render(first.prompt)[0]
            same_prompt += len(bare.tokenize(text.encode("utf-8"), special=True)) == first.run.prompt_tokens
        bare.close()

    med = statistics.median
    print(
        f"\none draft, Gemma 3 270M Q4_K_M, {threads} thread(s), {rounds} messages, prompts of"
        f" {min(prompt_tokens)}-{max(prompt_tokens)} tokens"
        f" ({same_prompt}/{rounds} tokenized identically by the bare call):\n"
        f"  decode tokens/s   ours {med(rates_ours):6.1f}   bare {med(rates_bare):6.1f}\n"
        f"  first token       ours {med(first_ours):6.0f} ms  bare {med(first_bare):6.0f} ms\n"
        f"  whole draft       ours {med(total_ours):6.0f} ms  bare call {med(total_bare):6.0f} ms\n"
        f"  outside the model (medians): retrieval {med(retrieval_ms):.0f} ms,"
        f" triage + prompt + guard {med(rest_ms):.0f} ms"
    )
    bench.add("generation: decode speed", med(rates_ours), med(rates_bare), "tokens/s", "ratio >= 0.95")
    bench.add("generation: time to first token", med(first_ours), med(first_bare), "ms")
    bench.add("generation: whole draft vs bare call", med(total_ours), med(total_bare), "ms")
    bench.add("generation: retrieval (ours only)", med(retrieval_ms), None, "ms")
    bench.add("generation: triage + prompt + guard (ours only)", med(rest_ms), None, "ms")


def test_cancel_latency(
    tmp_path: Path, quick: bool, threads: int, default_models_dir: Path, bench: Results
) -> None:
    """How long after Stop the draft actually stops, against the time one token takes (same run)."""
    backend = LlamaCppBackend(
        LlamaSettings(default_models_dir / DEFAULT_CHAT_MODEL, n_ctx=2048, n_threads=threads)
    )
    backend.load()
    examples = [
        Example(f"what do you think about {topic}?", f"haha {topic} is great", 0.9)
        for topic in ["oats", "whey", "running", "sleep"]
    ]
    latencies, token_times = [], []
    for round_ in range(3 if quick else 10):
        request = DraftRequest(
            QUERIES[round_ % len(QUERIES)],
            PERSONA,
            examples,
            [Snippet(1, "my cookbook is out now, link in bio", 0.8)],
            seed=round_,
            max_tokens=200,
        )
        prompt = build_prompt(
            request,
            backend.facts.mode,
            backend.count_tokens,
            prompt_budget(backend.facts.context_length, request.max_tokens),
        )
        # Without stop strings the reply runs on (up to 200 tokens): Stop always lands mid-stream.
        prompt = dataclasses.replace(prompt, stop=())
        cancel = CancelToken()
        stream = backend.stream(
            prompt, GenerationParams(max_tokens=200, temperature=0.7, seed=round_), cancel
        )
        pieces = [next(stream, None) for _ in range(3)]  # a few tokens in: the decode loop is warm
        started = time.perf_counter()
        if None in pieces or next(stream, None) is None:
            continue  # the model ended the reply (end of text) before Stop: nothing to measure
        token_times.append(time.perf_counter() - started)
        asked = time.perf_counter()
        threading.Thread(target=cancel.cancel).start()
        for _ in stream:
            pass
        latencies.append(time.perf_counter() - asked)
    backend.unload()
    latency, token = statistics.median(latencies), statistics.median(token_times)
    print(
        f"\ncancel latency over {len(latencies)} drafts: median {latency * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms; one token takes {token * 1000:.1f} ms"
    )
    bench.add("cancel: stop latency vs one token", latency * 1000, token * 1000, "ms")
