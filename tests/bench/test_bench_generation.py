"""Drafting speed: our path (prompt building + backend stream) vs a bare llama-cpp-python call.

Prints, against a reference measured in the same run on the same prompt:
- generated tokens/s, ours vs a bare ``Llama.create_completion`` (each on its own ``Llama``);
- time to the first token: cold (nothing cached), with the persona prefix reused (only the
  message changes) and restored from our KV state cache (after a draft for another persona),
  vs the bare call cold and with llama-cpp-python's own prefix reuse.
``--quick`` runs fewer drafts.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

from llama_cpp import Llama, StoppingCriteriaList

from desktop.core.generation.backends.base import GenerationParams
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
from desktop.core.generation.prompting import build_prompt, prompt_budget
from desktop.core.generation.types import DraftRequest, Example, Snippet
from desktop.core.models import DEFAULT_CHAT_MODEL, ensure_default_models
from desktop.core.persona import Boundaries, Persona
from desktop.core.tasks import CancelToken

MESSAGES = ["what protein do you use?", "are you coming to paris?", "how do you stay motivated?",
            "what shoes do you run in?", "any tips for a first marathon?", "do you do meal prep?"]


def make_request(name: str, message: str, seed: int) -> DraftRequest:
    persona = Persona(
        display_name=name,
        style_notes="short, lowercase, friendly, lots of 'haha', talks about training and food",
        facts=[f"{name} sells a protein cookbook for $19", f"{name} trains at a gym in Berlin",
               f"{name} runs a 10k every sunday", f"{name} has a dog called Pixel"],
        boundaries=Boundaries(avoid_topics=["politics", "my ex"]),
    )
    examples = [Example(f"question {i}: what do you think about {topic}?", f"haha {topic} is great, {i} times a week", 1 - i / 20)
                for i, topic in enumerate(["oats", "whey", "running", "yoga", "sleep", "coffee", "bananas", "rest days"])]
    return DraftRequest(message, persona, examples, [Snippet(1, "my cookbook is out now, link in bio", 0.8)],
                        seed=seed, max_tokens=48, temperature=0.7)


def test_generation_speed(tmp_path: Path, quick: bool) -> None:
    models = tmp_path / "models"
    for _ in ensure_default_models(models):
        pass
    model = models / DEFAULT_CHAT_MODEL
    ours = LlamaCppBackend(LlamaSettings(model, n_ctx=2048, n_threads=2))
    ours.load()
    bare = Llama(str(model), n_ctx=2048, n_threads=2, n_threads_batch=2, verbose=False)
    rounds = 2 if quick else 5

    def prompt_for(name: str, message: str, seed: int):  # noqa: ANN202
        request = make_request(name, message, seed)
        return request, build_prompt(request, ours.facts.mode, ours.count_tokens,
                                     prompt_budget(ours.facts.context_length, request.max_tokens))

    def run_ours(name: str, message: str, seed: int) -> tuple[float, int, float]:
        request, prompt = prompt_for(name, message, seed)
        start = time.perf_counter()
        for _ in ours.stream(prompt, GenerationParams.from_request(request), CancelToken()):
            pass
        total = time.perf_counter() - start
        return ours.last_run.first_token_s or total, ours.last_run.generated_tokens, total

    def run_bare(name: str, message: str, seed: int) -> tuple[float, int, float]:
        request, prompt = prompt_for(name, message, seed)
        first: list[float] = []
        start = time.perf_counter()

        def on_token(_ids, _logits) -> bool:  # noqa: ANN001
            first.append(time.perf_counter() - start)
            return False

        pieces = 0
        for _ in bare.create_completion(prompt.text, max_tokens=request.max_tokens, temperature=0.7, seed=seed,
                                        repeat_penalty=1.1, stop=list(prompt.stop), stream=True,
                                        stopping_criteria=StoppingCriteriaList([on_token])):
            pieces += 1
        total = time.perf_counter() - start
        return first[0], max(len(first) - 1, 1), total

    run_ours("Warmup", MESSAGES[0], 0)  # first decode on each instance pages the weights in
    run_bare("Warmup", MESSAGES[0], 0)
    prompt_tokens = len(ours.tokenize(prompt_for("Lena", MESSAGES[0], 0)[1].text))
    cold_ours, cold_bare, reuse_ours, reuse_bare, restored_ours, rate_ours, rate_bare = ([] for _ in range(7))
    for r in range(rounds):
        ours.llama.reset()
        ours.prefix_cache.clear()
        bare.reset()
        cold_ours.append(run_ours("Lena", MESSAGES[0], r)[0])
        cold_bare.append(run_bare("Lena", MESSAGES[0], r)[0])
        for i, message in enumerate(MESSAGES[1:], start=1):
            first, tokens, total = run_ours("Lena", message, r * 10 + i)
            reuse_ours.append(first)
            if tokens > 1 and total > first:
                rate_ours.append((tokens - 1) / (total - first))
            first, tokens, total = run_bare("Lena", message, r * 10 + i)
            reuse_bare.append(first)
            if tokens > 1 and total > first:
                rate_bare.append((tokens - 1) / (total - first))
        run_ours("Marco", MESSAGES[0], r)  # another persona: its prefix replaces Lena's in the KV cache
        restored_ours.append(run_ours("Lena", MESSAGES[r % len(MESSAGES)], r)[0])
        assert ours.last_run.prefix_source == "restored"

    med = statistics.median
    print(
        f"\ndrafting with Gemma 3 270M Q4_K_M, 2 threads, prompt ~{prompt_tokens} tokens, {rounds} rounds:\n"
        f"  tokens/s          ours {med(rate_ours):6.1f}   bare {med(rate_bare):6.1f}   ratio ours/bare {med(rate_ours) / med(rate_bare):.2f}x\n"
        f"  first token cold  ours {med(cold_ours) * 1000:6.0f} ms  bare {med(cold_bare) * 1000:6.0f} ms  "
        f"ratio {med(cold_ours) / med(cold_bare):.2f}x\n"
        f"  first token, prefix reused (only the message changes):\n"
        f"                    ours {med(reuse_ours) * 1000:6.0f} ms  bare {med(reuse_bare) * 1000:6.0f} ms  "
        f"ratio {med(reuse_ours) / med(reuse_bare):.2f}x\n"
        f"  first token, prefix restored after another persona: ours {med(restored_ours) * 1000:6.0f} ms\n"
        f"  speed-up of reuse over cold: ours {med(cold_ours) / med(reuse_ours):.1f}x, "
        f"restore over cold: {med(cold_ours) / med(restored_ours):.1f}x"
    )
    ours.unload()
    bare.close()


def test_cancel_latency(tmp_path: Path, quick: bool) -> None:
    """How long after Stop the draft actually stops, against the time one token takes (same run)."""
    models = tmp_path / "models"
    for _ in ensure_default_models(models):
        pass
    backend = LlamaCppBackend(LlamaSettings(models / DEFAULT_CHAT_MODEL, n_ctx=2048, n_threads=2))
    backend.load()
    latencies, token_times = [], []
    for round_ in range(3 if quick else 10):
        request = make_request("Lena", MESSAGES[round_ % len(MESSAGES)], seed=round_)
        request.max_tokens = 200
        prompt = build_prompt(request, backend.facts.mode, backend.count_tokens,
                              prompt_budget(backend.facts.context_length, request.max_tokens))
        cancel = CancelToken()
        stream = backend.stream(prompt, GenerationParams(max_tokens=200, temperature=0.7, seed=round_), cancel)
        next(stream)
        started = time.perf_counter()
        next(stream)
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
        f"max {max(latencies) * 1000:.1f} ms; one token takes {token * 1000:.1f} ms; "
        f"ratio latency/token {latency / token:.2f}x"
    )
