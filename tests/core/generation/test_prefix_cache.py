"""KV state reuse of the persona prefix: same text with and without a restore, bounded LRU."""

from __future__ import annotations

from desktop.core.generation.backends.base import GenerationParams
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend
from desktop.core.generation.prefix_cache import PrefixStateCache, SavedPrefix, batch_boundary, prefix_key
from desktop.core.generation.prompting import build_prompt, prompt_budget
from desktop.core.tasks import CancelToken
from tests.core.generation.conftest import make_request


def draft(backend: LlamaCppBackend, name: str, message: str, seed: int) -> str:
    request = make_request(message, name=name, seed=seed)
    prompt = build_prompt(
        request,
        backend.facts.mode,
        backend.count_tokens,
        prompt_budget(backend.facts.context_length, request.max_tokens),
    )
    return "".join(backend.stream(prompt, GenerationParams.from_request(request), CancelToken()))


def test_restored_prefix_gives_the_same_text_as_a_cold_start(gemma: LlamaCppBackend) -> None:
    gemma.prefix_cache.clear()
    gemma.llama.reset()
    cold = draft(gemma, "Lena", "what protein powder do you use?", seed=11)
    assert gemma.last_run.prefix_source == "computed" and len(gemma.prefix_cache) == 1
    other = draft(gemma, "Marco", "what protein powder do you use?", seed=11)  # another persona
    assert gemma.last_run.prefix_source == "computed" and len(gemma.prefix_cache) == 2
    restored = draft(gemma, "Lena", "what protein powder do you use?", seed=11)
    assert gemma.last_run.prefix_source == "restored" and gemma.last_run.reused_tokens > 50
    live = draft(gemma, "Lena", "what protein powder do you use?", seed=11)
    assert gemma.last_run.prefix_source == "live"
    assert cold == restored == live
    assert other.strip()


def test_restore_survives_a_different_message(gemma: LlamaCppBackend) -> None:
    draft(gemma, "Lena", "first message", seed=1)
    draft(gemma, "Marco", "first message", seed=1)
    draft(gemma, "Lena", "how do you stay motivated?", seed=4)
    assert gemma.last_run.prefix_source == "restored"
    gemma.prefix_cache.clear()
    gemma.llama.reset()
    assert draft(gemma, "Lena", "how do you stay motivated?", seed=4) == draft(
        gemma, "Lena", "how do you stay motivated?", seed=4
    )


def test_saved_states_are_small(gemma: LlamaCppBackend) -> None:
    gemma.prefix_cache.clear()
    gemma.llama.reset()
    draft(gemma, "Lena", "hi", seed=0)
    # The KV cells only: about 18 KB a token on Gemma 270M, not the 0.5 GB logits array.
    assert 0 < gemma.prefix_cache.nbytes < 20 * 1024 * 1024


def test_lru_is_bounded_by_bytes() -> None:
    cache = PrefixStateCache(max_bytes=1000)
    entries = {prefix_key([i]): SavedPrefix((i,), bytes(396)) for i in range(3)}  # 400 bytes each
    keys = list(entries)
    cache.put(keys[0], entries[keys[0]])
    cache.put(keys[1], entries[keys[1]])
    assert cache.get(keys[0]) is not None  # now the most recent
    cache.put(keys[2], entries[keys[2]])
    assert keys[1] not in cache and keys[0] in cache and keys[2] in cache
    assert cache.nbytes <= 1000
    cache.put("huge", SavedPrefix((1,), bytes(5000)))
    assert "huge" not in cache and len(cache) == 2
    assert cache.get("missing") is None and cache.hits == 1 and cache.misses == 1
    assert prefix_key([1, 2, 3]) == prefix_key((1, 2, 3)) != prefix_key([1, 2])


def test_batch_boundaries_follow_the_persona_part() -> None:
    # Blocks of 64 from 0, the third cut short at the persona's end (150), then blocks from there.
    counts = (0, 63, 64, 149, 150, 213, 214, 300)
    assert [batch_boundary(n, 150, 64) for n in counts] == [0, 0, 64, 128, 150, 150, 214, 278]
    assert [batch_boundary(n, 0, 64) for n in (0, 64, 100)] == [0, 64, 64]  # no persona: whole blocks
