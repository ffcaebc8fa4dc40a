"""Several candidate replies from ONE batched decode on the embedded llama.cpp model.

Why one batch: on a CPU, generating one token is mostly reading the model's weights from
memory. One ``llama_batch`` that carries the next token of each of N sequences reads the
weights once per step for all N, so N candidates cost far less than N drafts one after another.
The prompt is evaluated once, each of its tokens carrying all N sequence ids, so its KV cells
are shared (``kv_unified``); only the replies take cells of their own. The default Gemma 3 270M
is an unfavourable case: three quarters of its weights are the 262k-token output layer, whose
arithmetic grows with N, so a step of four costs about 2.3 steps of one on two cores; four
candidates take about 1.8x one draft and 0.4x four drafts (``tests/bench/test_bench_candidates.py``).

The batch runs on a dedicated ``llama_context`` over the backend's already-loaded model: the
``Llama``'s own context (single drafts, prefix reuse) is left alone and the weights are not
loaded twice. The context copies the ``Llama``'s settings (attention kernels, KV types,
threads), is made on first use, kept for the next call (its memory cleared first) and freed
with the model. ``swa_full``: the sliding-window layers (Gemma 3) keep a full-size cache too, as
llama.h advises for several sequences.

Sampling uses llama.cpp's native sampler chains, one per sequence, built as llama-cpp-python
builds the chain behind ``Llama.create_completion`` (logit bias, repeat penalty over the last
64 tokens, top-k, top-p, min-p, temperature, ``dist(seed)``; greedy at temperature <= 0). The
prompt is evaluated in the blocks ``stream()`` uses (``prefix_cache``: the persona part, then
blocks from its end), so a batch of one gives exactly ``stream()``'s text for the same seed.
With several sequences the last bits of the arithmetic differ (four tokens go through other
matrix kernels than one, and each sequence's cells sit elsewhere in the shared cache), so a
candidate can part from the single draft of the same seed at a near-tie; the same prompt and
the same list of settings always give the same candidates.

Qt-free. Used from the thread that owns the model (see ``llama_cpp_backend``).
"""

from __future__ import annotations

import codecs
import contextlib
import ctypes
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from desktop.core.errors import ModelError
from desktop.core.generation.backends.base import CandidateReply, GenerationParams, OnPiece
from desktop.core.tasks import CancelToken

PENALTY_WINDOW = 64
"""Tokens the repeat penalty looks back over: llama-cpp-python's ``last_n_tokens_size``, as in stream()."""
_CELL_BLOCK = 256  # the batch context's size is rounded up to this, so small changes reuse it
MAX_SEQUENCES = 8
"""Sequence slots the batch context is made with (the most candidates a draft asks for)."""
USUAL_SEQUENCES, USUAL_REPLY_TOKENS = 4, 128
"""The context is first made to hold the backend's whole context plus this many more replies of
this many tokens: the default four candidates of up to 128 tokens fit whatever the prompt."""


@dataclass(frozen=True)
class BatchTimings:
    prompt_tokens: int
    prompt_s: float  # evaluating the shared prompt, once
    first_token_s: float | None  # until the first tokens: every sequence gets its first in the same step
    total_s: float
    decode_steps: int  # llama_decode calls after the prompt, one per step for all sequences


@dataclass(frozen=True)
class BatchResult:
    replies: list[CandidateReply]
    timings: BatchTimings


def prompt_blocks(count: int, persona: int, block: int) -> list[tuple[int, int]]:
    """(start, end) of the blocks ``stream()`` evaluates a ``count``-token prompt in: blocks of
    ``block`` up to the end of the persona part, then blocks from there (``prefix_cache``)."""
    persona = max(0, min(persona, count - 1))  # as prepare_prefix: the last token always comes after it
    bounds = [*range(0, persona, block), *range(persona, count, block), count]
    starts = sorted(set(bounds))
    return [(start, end) for start, end in pairwise(starts)]


class ReplyText:
    """One sequence's text as its tokens arrive.

    Only whole UTF-8 characters come out (a character split across tokens waits for its last
    byte), the text is cut before the first stop string, and text that could be the start of a
    stop string is held back until the next token shows it is not, so a stop string is never
    handed out, not even in part. ``strip_leading``: the leading spaces are dropped, as stream()
    drops them in completion mode.
    """

    def __init__(self, stops: Sequence[str], strip_leading: bool = False) -> None:
        self._stops = [stop for stop in stops if stop]
        # Invalid bytes are dropped, as llama-cpp-python drops them from stream()'s text.
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")
        self._raw = ""  # everything decoded so far
        self._given = 0  # characters of _raw handed out
        self._leading = strip_leading
        self.text = ""  # what was handed out: the reply
        self.stopped = False

    def add(self, piece: bytes) -> str:
        """Add a token's bytes; return the new text that is safe to show (may be empty)."""
        self._raw += self._decoder.decode(piece)
        found = [at for at in (self._raw.find(stop) for stop in self._stops) if at >= 0]
        if found:
            self.stopped = True
            self._raw = self._raw[: max(min(found), self._given)]
            return self._give(len(self._raw))
        return self._give(len(self._raw) - self._held_back())

    def finish(self) -> str:
        """The rest (held-back text that turned out not to be a stop string), at the reply's end."""
        self._raw += self._decoder.decode(b"", final=True)
        return self._give(len(self._raw))

    def _held_back(self) -> int:
        """How many trailing characters could be the start of a stop string."""
        longest = 0
        for stop in self._stops:
            for length in range(min(len(stop) - 1, len(self._raw) - self._given), longest, -1):
                if self._raw.endswith(stop[:length]):
                    longest = length
                    break
        return longest

    def _give(self, end: int) -> str:
        piece = self._raw[self._given : end] if end > self._given else ""
        self._given = max(self._given, end)
        if self._leading and piece:
            piece = piece.lstrip()
            self._leading = not piece
        self.text += piece
        return piece


@dataclass
class _Sequence:
    index: int  # also its sequence id in the batch
    params: GenerationParams
    sampler: Any  # llama_cpp._internals.LlamaSampler: a native chain
    reply: ReplyText
    early: Any = None  # the chain with the reply's ends banned, used before params.min_tokens
    tokens: int = 0
    finish_reason: str = ""
    next_token: int = -1
    output: int = -1  # where its logits are in the last decode's outputs (-1: the last one)


class BatchedGenerator:
    """N sequences from one prompt in one ``llama_batch`` per step, on a loaded ``Llama``'s model.

    Owns a ``llama_context`` (made on first use, kept, grown when a call needs more cells or
    sequences) and the ``llama_batch`` it fills. ``close()`` frees both; the model stays.
    """

    def __init__(self, llama: Any, n_threads: int, n_batch: int) -> None:
        self._llama = llama
        self.n_threads = n_threads
        self.n_batch = n_batch
        self._context: Any = None  # llama_cpp._internals.LlamaContext
        self._batch: Any = None  # llama_cpp._internals.LlamaBatch
        self._end_bias: dict[int, float] | None = None  # made on first use (``_ends``)
        self._n_seq = 0
        self.last_timings: BatchTimings | None = None

    @property
    def n_ctx(self) -> int:
        """Cells of the batch context (0 before the first call)."""
        return self._context.n_ctx() if self._context is not None else 0

    def close(self) -> None:
        if self._batch is not None:
            self._batch.close()
        if self._context is not None:
            self._context.close()
        self._context = self._batch = None
        self._n_seq = 0

    def generate(
        self,
        prompt_tokens: Sequence[int],
        params: Sequence[GenerationParams],
        cancel: CancelToken,
        *,
        persona_tokens: int = 0,
        stops: Sequence[str] = (),
        logit_biases: Sequence[dict[int, float] | None] | None = None,
        strip_leading: bool = False,
        on_piece: OnPiece | None = None,
    ) -> BatchResult:
        """One reply per entry of ``params`` (its max_tokens, temperature, seed, top-p/k, min-p and
        repeat penalty), from ``prompt_tokens`` evaluated once.

        ``persona_tokens``: the persona part's length, for stream()'s block schedule.
        ``logit_biases``: per sequence, token -> bias (the backend's mark bias). A sequence ends
        at an end-of-generation token or a stop string ("stop"), at its max_tokens ("length"),
        or when ``cancel`` is set ("cancelled": checked before every decode, so every sequence
        stops within one token). ``ModelError`` when the prompt and the replies do not fit.
        """
        if not prompt_tokens:
            raise ValueError("the prompt has no tokens")
        biases = list(logit_biases) if logit_biases is not None else [None] * len(params)
        if len(biases) != len(params):
            raise ValueError("one logit bias (or None) per sequence")
        started = time.perf_counter()
        if not params:
            return BatchResult([], BatchTimings(len(prompt_tokens), 0.0, None, 0.0, 0))
        cells = len(prompt_tokens) + sum(max(0, p.max_tokens) for p in params)
        context = self._context_for(len(params), cells)
        import llama_cpp

        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(context.ctx), True)
        vocab = self._llama._model.vocab
        sequences = [
            _Sequence(
                index,
                p,
                self._sampler(p, bias),
                ReplyText(stops, strip_leading),
                early=self._sampler(p, {**(bias or {}), **self._ends()}) if p.min_tokens > 0 else None,
            )
            for index, (p, bias) in enumerate(zip(params, biases, strict=False))
        ]
        try:
            if not self._evaluate_prompt(context, prompt_tokens, len(sequences), persona_tokens, cancel):
                for sequence in sequences:
                    sequence.finish_reason = "cancelled"
            prompt_s = time.perf_counter() - started
            for sequence in sequences:
                if sequence.params.max_tokens <= 0 and not sequence.finish_reason:
                    sequence.finish_reason = "length"
            first_token_s, steps = self._decode_all(
                context, vocab, sequences, len(prompt_tokens), cancel, started, on_piece
            )
        finally:
            for sequence in sequences:
                sequence.sampler.close()
                if sequence.early is not None:
                    sequence.early.close()
        replies = [CandidateReply(s.reply.text, s.finish_reason, s.tokens) for s in sequences]
        total_s = time.perf_counter() - started
        self.last_timings = BatchTimings(len(prompt_tokens), prompt_s, first_token_s, total_s, steps)
        return BatchResult(replies, self.last_timings)

    def _decode_all(
        self,
        context: Any,
        vocab: Any,
        sequences: list[_Sequence],
        position: int,
        cancel: CancelToken,
        started: float,
        on_piece: OnPiece | None,
    ) -> tuple[float | None, int]:
        """Step the unfinished sequences until each ends or ``cancel`` is set (then "cancelled");
        the seconds to the first token (from ``started``) and the decode steps taken."""
        pieces: dict[int, bytes] = {}
        first_token_s, steps = None, 0
        active = [s for s in sequences if not s.finish_reason]
        while active:
            if cancel.cancelled:
                break
            for sequence in active:
                self._step(sequence, context, vocab, pieces, on_piece)
            if first_token_s is None:
                first_token_s = time.perf_counter() - started
            active = [s for s in active if not s.finish_reason]
            if not active or cancel.cancelled:
                break
            self._decode_step(context, active, position)
            position += 1
            steps += 1
        for sequence in active:
            sequence.finish_reason = "cancelled"
        return first_token_s, steps

    # --- one step --------------------------------------------------------------------------

    def _step(
        self,
        sequence: _Sequence,
        context: Any,
        vocab: Any,
        pieces: dict[int, bytes],
        on_piece: OnPiece | None,
    ) -> None:
        """Sample the sequence's next token and hand out its text."""
        import llama_cpp

        # llama_sampler_sample also accepts the token into the chain (llama.h: "Sample and accept"),
        # as llama-cpp-python relies on: a second llama_sampler_accept would count it twice in
        # the repeat penalty's window.
        if sequence.early is not None and sequence.tokens < sequence.params.min_tokens:
            token = sequence.early.sample(context, sequence.output)
            sequence.sampler.accept(token)  # the main chain's repeat window sees every token
        else:
            token = sequence.sampler.sample(context, sequence.output)
        sequence.tokens += 1
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            text, sequence.finish_reason = sequence.reply.finish(), "stop"
        else:
            if token not in pieces:
                pieces[token] = _piece(vocab, token)
            text = sequence.reply.add(pieces[token])
            if sequence.reply.stopped:
                sequence.finish_reason = "stop"
            elif sequence.tokens >= sequence.params.max_tokens:
                text += sequence.reply.finish()
                sequence.finish_reason = "length"
        sequence.next_token = token
        if text and on_piece is not None:
            on_piece(sequence.index, text)

    def _decode_step(self, context: Any, active: list[_Sequence], position: int) -> None:
        """One decode: each active sequence's last token at the same position, under its own id."""
        batch = self._batch.batch
        batch.n_tokens = len(active)
        for row, sequence in enumerate(active):
            batch.token[row] = sequence.next_token
            batch.pos[row] = position
            batch.n_seq_id[row] = 1
            batch.seq_id[row][0] = sequence.index
            batch.logits[row] = True
            sequence.output = row
        _decode(context, batch)

    def _evaluate_prompt(
        self, context: Any, tokens: Sequence[int], n_seq: int, persona: int, cancel: CancelToken
    ) -> bool:
        """Evaluate the prompt once for all sequences; logits only for its last token. False if cancelled."""
        batch = self._batch.batch
        for start, end in prompt_blocks(len(tokens), persona, self.n_batch):
            if cancel.cancelled:
                return False
            batch.n_tokens = end - start
            for row, position in enumerate(range(start, end)):
                batch.token[row] = tokens[position]
                batch.pos[row] = position
                batch.n_seq_id[row] = n_seq
                for seq_id in range(n_seq):
                    batch.seq_id[row][seq_id] = seq_id
                batch.logits[row] = position == len(tokens) - 1
            _decode(context, batch)
        return True

    # --- set-up ----------------------------------------------------------------------------

    def _context_for(self, n_seq: int, cells: int) -> Any:
        """The batch context, made or grown to hold ``n_seq`` sequences and ``cells`` KV cells."""
        import llama_cpp
        from llama_cpp._internals import LlamaBatch, LlamaContext

        model = self._llama._model
        trained = model.n_ctx_train()
        if cells > trained:
            raise ModelError(
                f"The prompt and {n_seq} candidate replies need {cells} tokens of context together, "
                f"more than this model's {trained}.",
                hint="Ask for fewer candidates or a shorter reply length, or use fewer examples.",
            )
        most = llama_cpp.llama_max_parallel_sequences()
        if n_seq > most:
            raise ModelError(f"llama.cpp can write at most {most} candidates at once, not {n_seq}.")
        if self._context is not None and self._n_seq >= n_seq and self.n_ctx >= cells:
            return self._context
        # Made once at a size that fits every usual call, so it is never remade between drafts:
        # a context of another size or sequence count changes the last bits of the arithmetic,
        # and the voice check compares runs draft for draft.
        usual = self._llama.n_ctx() + (USUAL_SEQUENCES - 1) * USUAL_REPLY_TOKENS
        n_ctx = min(trained, max(_round_up(cells, _CELL_BLOCK), _round_up(usual, _CELL_BLOCK), self.n_ctx))
        n_seq = max(n_seq, self._n_seq, min(most, MAX_SEQUENCES))
        self.close()
        params = type(self._llama.context_params).from_buffer_copy(self._llama.context_params)
        params.n_ctx = n_ctx
        params.n_batch = params.n_ubatch = max(self.n_batch, n_seq)
        params.n_seq_max = n_seq
        params.n_outputs_max = n_seq  # at most one row of logits per sequence: a small output buffer
        params.kv_unified = True  # one cache for all sequences: the prompt's cells are shared
        params.swa_full = True
        params.n_threads = params.n_threads_batch = self.n_threads
        params.embeddings = False
        try:
            with _quiet():
                self._context = LlamaContext(model=model, params=params, verbose=False)
        except ValueError as exc:
            raise ModelError(
                f"llama.cpp could not set up {n_seq} candidate replies ({n_ctx} tokens of context).",
                hint="There may not be enough free memory: ask for fewer candidates or shorter replies.",
            ) from exc
        self._batch = LlamaBatch(n_tokens=params.n_batch, embd=0, n_seq_max=n_seq, verbose=False)
        self._n_seq = n_seq
        return self._context

    def _ends(self) -> dict[int, float]:
        """A bias that bans every way a reply ends: the end-of-generation tokens and the line
        breaks (a completion-mode reply ends where the next speaker's line begins)."""
        if self._end_bias is None:
            import llama_cpp

            vocab = self._llama._model.vocab
            banned = {llama_cpp.llama_vocab_eos(vocab), llama_cpp.llama_vocab_eot(vocab)}
            for text in ("\n", "\n\n", "\n\n\n", " \n"):
                banned.update(self._llama.tokenize(text.encode(), add_bos=False, special=False))
            self._end_bias = {token: -float("inf") for token in banned if token >= 0}
        return self._end_bias

    def _sampler(self, params: GenerationParams, logit_bias: dict[int, float] | None) -> Any:
        """A native sampler chain for one sequence: the chain create_completion builds for stream()."""
        from llama_cpp._internals import LlamaSampler

        n_vocab = self._llama._model.n_vocab()
        sampler = LlamaSampler()
        if logit_bias:
            sampler.add_logit_bias(n_vocab, logit_bias)
        sampler.add_penalties(n_vocab, PENALTY_WINDOW, params.repeat_penalty, 0.0, 0.0)
        if params.temperature <= 0:
            sampler.add_greedy()
        else:
            sampler.add_top_k(params.top_k)
            sampler.add_top_p(params.top_p, 1)
            sampler.add_min_p(params.min_p, 1)
            sampler.add_temp(params.temperature)
            sampler.add_dist(params.seed)
        return sampler


def _decode(context: Any, batch: Any) -> None:
    import llama_cpp

    result = llama_cpp.llama_decode(context.ctx, batch)
    if result != 0:  # 1: no room in the KV cache (sized for the call, so not expected), < 0: an error
        raise ModelError(f"llama.cpp failed while writing the candidate replies (llama_decode: {result}).")


def _piece(vocab: Any, token: int) -> bytes:
    """A token's bytes as text (special tokens write nothing, as in stream())."""
    import llama_cpp

    size = 64
    while True:
        buffer = ctypes.create_string_buffer(size)
        written = llama_cpp.llama_token_to_piece(vocab, token, buffer, size, 0, False)
        if written >= 0:
            return buffer.raw[:written]
        size = -written  # the buffer was too small: llama.cpp says how much it needs


def _round_up(value: int, block: int) -> int:
    return -(-value // block) * block


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """llama.cpp logs a note at the highest level while it sets up a context with a full SWA
    cache; its messages pass through llama-cpp-python's logger, which is raised past it meanwhile."""
    logger = logging.getLogger("llama-cpp-python")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)
