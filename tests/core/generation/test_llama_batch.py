"""Several candidates from one batched decode, on the real default Gemma (and a real server).

The numerics: a batch of ONE sequence is the very computation ``stream()`` does (same prompt
blocks, same kernels, same sampler chain), so it gives the same text for the same seed, at any
temperature. With four sequences each decode step multiplies the weights by four tokens at once
(other matrix kernels) and each sequence's cells sit elsewhere in the shared KV cache, so the
last bits of the logits differ and a greedy candidate may take the other branch of a near-tie
some tokens in. The prompt itself is evaluated exactly as ``stream()`` evaluates it, so the
first greedy token (sampled from the prompt's logits) is ``stream()``'s in every sequence.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from desktop.core.errors import ModelError
from desktop.core.generation.backends.base import MODE_COMPLETION, GenerationParams, Prompt
from desktop.core.generation.backends.llama_batch import ReplyText, prompt_blocks
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
from desktop.core.generation.backends.openai_server import OpenAIServerBackend, ServerSettings
from desktop.core.generation.prompting import build_prompt, prompt_budget
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.tasks import CancelToken
from tests.core.generation.conftest import make_request
from tests.core.generation.test_openai_server import ALIAS, server_url  # noqa: F401  (the server fixture)

STORY = Prompt(mode=MODE_COMPLETION, text="Here is a long story about a dragon. Once upon a time,")
SHORT = 16  # tokens per candidate: enough to tell texts apart, quick on two cores


def draft_prompt(backend: LlamaCppBackend, max_tokens: int = SHORT) -> Prompt:
    """The app's few-shot drafting prompt (persona part first, stops at the next speaker tag)."""
    return build_prompt(
        make_request(),
        backend.facts.mode,
        backend.count_tokens,
        prompt_budget(backend.facts.context_length, max_tokens),
    )


def seeds(count: int, **settings: object) -> list[GenerationParams]:
    base = GenerationParams(max_tokens=SHORT, temperature=0.9)
    return [replace(base, seed=seed, **settings) for seed in range(count)]


class Pieces:
    """Collects ``on_piece`` calls per candidate, and on which thread they came."""

    def __init__(self) -> None:
        self.by_index: dict[int, list[str]] = {}
        self.threads: set[int] = set()

    def __call__(self, index: int, piece: str) -> None:
        self.by_index.setdefault(index, []).append(piece)
        self.threads.add(threading.get_ident())

    def text(self, index: int) -> str:
        return "".join(self.by_index.get(index, []))


# --- the embedded model ---------------------------------------------------------------------------


def test_four_seeds_differ_and_the_same_seeds_repeat(gemma: LlamaCppBackend) -> None:
    prompt = draft_prompt(gemma)
    pieces = Pieces()
    first = gemma.candidates(prompt, seeds(4), CancelToken(), on_piece=pieces)
    texts = [reply.text for reply in first]
    assert len(texts) == 4 and all(text.strip() for text in texts)
    assert len(set(texts)) >= 2
    assert all(pieces.text(i) == texts[i] for i in range(4))  # the streamed pieces are the text
    assert pieces.threads == {threading.get_ident()}
    assert all(r.finish_reason in ("stop", "length") and 0 < r.generated_tokens <= SHORT for r in first)
    run = gemma.last_run
    assert run.generated_tokens == sum(r.generated_tokens for r in first) and run.first_token_s is not None
    again = gemma.candidates(prompt, seeds(4), CancelToken())
    assert [reply.text for reply in again] == texts


def test_a_length_floor_holds_a_candidate_open_and_leaves_the_others_as_they_were(
    gemma: LlamaCppBackend,
) -> None:
    prompt = draft_prompt(gemma, max_tokens=40)
    free = [replace(p, max_tokens=40, temperature=0.7) for p in seeds(4)]
    held = [replace(p, min_tokens=24 if i % 2 else 0) for i, p in enumerate(free)]
    unheld = gemma.candidates(prompt, free, CancelToken())
    replies = gemma.candidates(prompt, held, CancelToken())
    for i in (1, 3):
        assert replies[i].generated_tokens >= 24, replies[i]
        assert "\n" not in replies[i].text and replies[i].text.strip()
    # the unheld sequences still end freely (their text may differ in late tokens: a longer
    # neighbour changes the batch's shape, see the module docstring)
    assert all(replies[i].finish_reason in ("stop", "length") for i in (0, 2))
    assert min(unheld[i].generated_tokens for i in (1, 3)) < 24  # the floor mattered here


def test_one_candidate_is_exactly_the_stream_draft(gemma: LlamaCppBackend) -> None:
    prompt = draft_prompt(gemma)
    for params in (
        GenerationParams(max_tokens=SHORT, temperature=0.7, seed=3),
        GenerationParams(max_tokens=SHORT, temperature=0.0),
    ):
        streamed = "".join(gemma.stream(prompt, params, CancelToken()))
        (reply,) = gemma.candidates(prompt, [params], CancelToken())
        assert reply.text == streamed


def test_greedy_candidates_start_with_the_stream_drafts_first_token(gemma: LlamaCppBackend) -> None:
    """Four greedy sequences: the first token comes from the shared prompt, evaluated as stream()
    evaluates it; later tokens may part at a near-tie (see the module docstring)."""
    greedy = GenerationParams(max_tokens=SHORT, temperature=0.0)
    streamed: list[str] = []
    for piece in gemma.stream(STORY, greedy, CancelToken()):
        streamed.append(piece)
    pieces = Pieces()
    replies = gemma.candidates(STORY, [greedy] * 4, CancelToken(), on_piece=pieces)
    assert all(pieces.by_index[i][0] == streamed[0] for i in range(4))
    assert all(reply.text.startswith(streamed[0]) for reply in replies)
    # The same list of settings gives the same candidates every time.
    assert [r.text for r in gemma.candidates(STORY, [greedy] * 4, CancelToken())] == [r.text for r in replies]


def test_stop_strings_are_never_in_the_text(gemma: LlamaCppBackend) -> None:
    stops = (" the ", "\n", ",")
    prompt = replace(STORY, stop=stops)
    pieces = Pieces()
    replies = gemma.candidates(prompt, seeds(4, max_tokens=24), CancelToken(), on_piece=pieces)
    assert any(reply.finish_reason == "stop" for reply in replies)
    for index, reply in enumerate(replies):
        assert not any(stop in reply.text for stop in stops)
        assert pieces.text(index) == reply.text
    # The drafting prompt's own stops (the next speaker tag, a blank line).
    drafted = gemma.candidates(draft_prompt(gemma), seeds(4, max_tokens=24), CancelToken())
    assert not any(stop in reply.text for reply in drafted for stop in ("\nFan:", "\nLena:", "\n\n"))


def test_cancel_after_the_first_piece_stops_every_candidate_within_one_token(gemma: LlamaCppBackend) -> None:
    cancel = CancelToken()
    pieces: list[tuple[int, str]] = []

    def on_piece(index: int, piece: str) -> None:
        pieces.append((index, piece))
        if len(pieces) == 1:  # every sequence has one token at most: Stop from the GUI thread
            canceller = threading.Thread(target=cancel.cancel)
            canceller.start()
            canceller.join()

    replies = gemma.candidates(STORY, seeds(4, max_tokens=200), cancel, on_piece=on_piece)
    assert [reply.finish_reason for reply in replies] == ["cancelled"] * 4
    assert all(reply.generated_tokens <= 2 for reply in replies)
    assert gemma.last_run.finish_reason == "cancelled"
    # Cancelled before it starts: nothing is evaluated, every candidate is empty.
    stopped = CancelToken()
    stopped.cancel()
    replies = gemma.candidates(STORY, seeds(4), stopped)
    assert [(r.text, r.finish_reason, r.generated_tokens) for r in replies] == [("", "cancelled", 0)] * 4


def test_prompts_that_cannot_fit_are_plain_errors(gemma: LlamaCppBackend) -> None:
    with pytest.raises(ModelError, match="do not fit"):  # one reply does not fit, as with stream()
        gemma.candidates(Prompt(mode=MODE_COMPLETION, text="word " * 2100), seeds(4), CancelToken())
    trained = gemma.llama._model.n_ctx_train()
    many = seeds(40, max_tokens=1000)  # each fits the 2,048 tokens; together more than the model knows
    with pytest.raises(ModelError, match=f"more than this model's {trained}") as caught:
        gemma.candidates(STORY, many, CancelToken())
    assert "40 candidate replies" in str(caught.value) and caught.value.hint


def test_stream_is_undisturbed_by_candidates(gemma: LlamaCppBackend) -> None:
    prompt = draft_prompt(gemma)
    params = GenerationParams(max_tokens=SHORT, seed=11)
    before = "".join(gemma.stream(prompt, params, CancelToken()))
    gemma.candidates(prompt, seeds(4), CancelToken())
    after = "".join(gemma.stream(prompt, params, CancelToken()))
    assert after == before
    assert gemma.last_run.prefix_source == "live"  # the Llama's own KV cache was left as it was


def test_candidates_belong_to_the_model_thread(gemma: LlamaCppBackend) -> None:
    errors: list[BaseException] = []

    def elsewhere() -> None:
        try:
            gemma.candidates(STORY, seeds(2), CancelToken())
        except RuntimeError as exc:
            errors.append(exc)

    worker = threading.Thread(target=elsewhere)
    worker.start()
    worker.join()
    assert errors and "one thread" in str(errors[0])


def test_the_batch_context_is_kept_and_freed_on_unload(default_models_dir: Path) -> None:
    backend = LlamaCppBackend(LlamaSettings(default_models_dir / DEFAULT_CHAT_MODEL, n_ctx=512, n_threads=2))
    backend.load()
    short = seeds(2, max_tokens=4)
    backend.candidates(STORY, short, CancelToken())
    batched = backend._batched
    assert batched is not None and batched.n_ctx >= len(backend.tokenize(STORY.text)) + 8
    backend.candidates(STORY, short, CancelToken())
    assert backend._batched is batched and batched.n_ctx > 0  # reused, not made again
    backend.unload()
    assert backend._batched is None and batched.n_ctx == 0
    backend.load()
    assert len(backend.candidates(STORY, short, CancelToken())) == 2
    backend.unload()


# --- the text of one sequence, piece by piece (no model) ------------------------------------------


def test_a_stop_string_split_across_tokens_is_never_handed_out() -> None:
    reply = ReplyText(("\nFan:",))
    assert reply.add(b"sure") == "sure"
    assert reply.add(b"!\nF") == "!"  # "\nF" may be a stop string's start: held back
    assert reply.add(b"an") == ""
    assert reply.add(b": hi") == "" and reply.stopped
    assert reply.text == "sure!"


def test_held_back_text_comes_out_when_it_is_no_stop() -> None:
    reply = ReplyText(("\n\n",))
    assert reply.add(b"one\n") == "one"
    assert reply.add(b"two") == "\ntwo"
    assert reply.add(b"\n") == ""
    assert reply.finish() == "\n"  # the reply ended (length or end of text): nothing is lost
    assert reply.text == "one\ntwo\n"


def test_multibyte_characters_split_across_tokens_come_out_whole() -> None:
    laugh = "😂".encode()
    reply = ReplyText((), strip_leading=True)
    assert reply.add(b" ") == ""  # completion mode drops the leading space
    assert reply.add(laugh[:2]) == ""
    assert reply.add(laugh[2:] + b" ok") == "😂 ok"
    assert reply.text == "😂 ok"


def test_the_prompt_is_evaluated_in_the_blocks_stream_uses() -> None:
    assert prompt_blocks(100, 0, 64) == [(0, 64), (64, 100)]
    assert prompt_blocks(100, 70, 64) == [(0, 64), (64, 70), (70, 100)]
    assert prompt_blocks(100, 100, 64) == [(0, 64), (64, 99), (99, 100)]  # the last token comes after
    assert prompt_blocks(1, 0, 64) == [(0, 1)]


# --- an OpenAI-compatible server: parallel requests ----------------------------------------------


def test_a_server_gets_one_request_per_candidate(server_url: str) -> None:  # noqa: F811
    backend = OpenAIServerBackend(
        ServerSettings(
            base_url=server_url, model=ALIAS, mode=MODE_COMPLETION, context_length=2048, timeout_s=60
        )
    )
    backend.load()
    try:
        pieces = Pieces()
        params = seeds(3, max_tokens=8)
        replies = backend.candidates(STORY, params, CancelToken(), on_piece=pieces)
        assert len(replies) == 3 and all(reply.text.strip() for reply in replies)
        assert all(pieces.text(i) == replies[i].text for i in range(3))
        assert pieces.threads == {threading.get_ident()}  # handed over to the calling thread
        assert backend.last_run.generated_tokens == sum(r.generated_tokens for r in replies)
        cancel = CancelToken()
        cancel.cancel()
        assert {r.finish_reason for r in backend.candidates(STORY, params, cancel)} == {"cancelled"}
    finally:
        backend.unload()
