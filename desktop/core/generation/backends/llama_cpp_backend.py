"""The embedded llama.cpp model (the default backend): any GGUF, on the creator's machine.

Threading: ONE ``Llama`` instance is owned by ONE thread. The caller (the GUI's model worker)
must call ``load``, ``stream`` and ``unload`` from the same thread; a call from another thread
is a bug and raises ``RuntimeError``. Only ``CancelToken.cancel()`` comes from elsewhere.

Cancel: a stopping criterion checks the token after every sampled token, so generation stops
within one token, and the generator is closed so the next call starts clean.

Candidates: ``candidates`` writes several replies to one prompt in ONE batched decode
(``llama_batch``), on a second llama.cpp context over the same loaded weights.

Mode: chat completion only when the GGUF carries ``tokenizer.chat_template`` (without one,
llama-cpp-python silently falls back to a llama-2 format: ARCHITECTURE.md, Traps). The template
is rendered here with llama-cpp-python's own ``Jinja2ChatFormatter`` and validated at load on
a tiny conversation; a template that fails falls back to completion mode, and ``facts.note``
says so. Rendering ourselves (instead of ``create_chat_completion``) keeps one code path for
cancel, stop sequences and prefix reuse in both modes.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import emoji

from desktop.core.errors import ModelError
from desktop.core.generation.backends.base import (
    EMOJI_MARK,
    MODE_CHAT,
    MODE_COMPLETION,
    ROLE_SYSTEM,
    ROLE_USER,
    WORDS_MARK_PREFIX,
    CandidateReply,
    ChatMessage,
    GenerationParams,
    KnowsItsModel,
    ModelInfo,
    OnPiece,
    Prompt,
    RunInfo,
)
from desktop.core.generation.backends.llama_batch import BatchedGenerator
from desktop.core.generation.prefix_cache import DEFAULT_CACHE_BYTES, PrefixStateCache, prepare_prefix
from desktop.core.generation.preflight import MemoryPlan, plan_memory
from desktop.core.models.facts import ROLE_EMBEDDING, read_model_facts
from desktop.core.models.probe import ensure_loadable
from desktop.core.persona.style import find_emoji
from desktop.core.tasks import CancelToken

MODE_AUTO = "auto"


@dataclass(frozen=True)
class LlamaSettings:
    """The creator's settings for the embedded model."""

    model_path: Path
    n_ctx: int | None = None  # None: the memory pre-flight picks (up to 4,096 tokens)
    n_threads: int = 2  # explicit: llama-cpp-python's default (half the cores) starves the GUI
    n_gpu_layers: int = 0
    mode: str = MODE_AUTO  # "auto" (from metadata), "completion" or "chat"
    n_batch: int = 64  # also the reuse block: a cached start is reused up to a batch boundary
    prefix_cache_bytes: int = DEFAULT_CACHE_BYTES


class TemplateError(Exception):
    """A chat template that cannot render a plain conversation."""


_CHECK = (
    "understudy-check-system",
    "understudy-check-fan-1",
    "understudy-check-reply",
    "understudy-check-fan-2",
)


class ChatRenderer:
    """A GGUF chat template, checked to render a system/user/assistant/user conversation.

    Templates that reject a system role (Gemma's, some Mistral ones) get the system text
    folded into the first user turn.
    """

    def __init__(self, template: str, bos_token: str = "", eos_token: str = "") -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.eos_token = eos_token
        try:
            self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos_token, bos_token=bos_token)
        except Exception as exc:  # jinja2 raises many kinds of syntax errors
            raise TemplateError(f"the template does not parse ({exc})") from exc
        self.supports_system = True
        system, fan1, reply, fan2 = _CHECK
        conversation = [
            ChatMessage(ROLE_SYSTEM, system),
            ChatMessage(ROLE_USER, fan1),
            ChatMessage("assistant", reply),
            ChatMessage(ROLE_USER, fan2),
        ]
        try:
            text = self.render(conversation)
        except TemplateError:
            text = ""
        if system not in text:  # rejected or silently dropped: fold it into the first fan turn
            self.supports_system = False
            text = self.render(conversation)
        if not all(marker in text for marker in _CHECK):
            raise TemplateError("the template drops parts of the conversation")
        if not text.index(fan1) < text.index(reply) < text.index(fan2):
            raise TemplateError("the template puts the conversation out of order")

    def render(self, messages: Sequence[ChatMessage]) -> str:
        items = [{"role": m.role, "content": m.content} for m in messages]
        if not self.supports_system and items and items[0]["role"] == ROLE_SYSTEM:
            system = items.pop(0)["content"]
            if items and items[0]["role"] == ROLE_USER:
                items[0] = {"role": ROLE_USER, "content": f"{system}\n\n{items[0]['content']}"}
            else:
                items.insert(0, {"role": ROLE_USER, "content": system})
        try:
            # llama_cpp types messages as its role-specific TypedDicts; role/content dicts are what it reads.
            result = self._formatter(messages=items)  # type: ignore[arg-type]
        except Exception as exc:  # raise_exception() in templates, undefined variables, ...
            raise TemplateError(str(exc) or type(exc).__name__) from exc
        if not isinstance(result.prompt, str) or not result.prompt.strip():
            raise TemplateError("the template rendered nothing")
        return result.prompt


def choose_mode(has_chat_template: bool, requested: str = MODE_AUTO) -> tuple[str, str]:
    """The prompting mode from the metadata and the creator's override, with a note when they differ."""
    if requested not in (MODE_AUTO, MODE_COMPLETION, MODE_CHAT):
        raise ValueError(f"unknown mode {requested!r}")
    if requested == MODE_COMPLETION:
        note = "Prompted as a continuation, as chosen in the settings." if has_chat_template else ""
        return MODE_COMPLETION, note
    if has_chat_template:
        return MODE_CHAT, ""
    note = (
        "This model has no chat template, so it is prompted as a continuation."
        if requested == MODE_CHAT
        else ""
    )
    return MODE_COMPLETION, note


def common_prefix_length(a: Sequence[Any], b: Sequence[Any]) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):  # the shorter one bounds the prefix
        if x != y:
            break
        count += 1
    return count


def _decodes_to(piece: bytes, pattern: re.Pattern[str]) -> bool:
    try:
        return pattern.fullmatch(piece.decode("utf-8")) is not None
    except UnicodeDecodeError:
        return False


def _piece_word(piece: bytes) -> str:
    """A token's text as a word to look up: stripped, case-folded, without U+FE0F."""
    try:
        return piece.decode("utf-8").strip().replace("\ufe0f", "").casefold()
    except UnicodeDecodeError:
        return ""


def _is_emoji_piece(piece: bytes) -> bool:
    """True for a token that writes whole emoji and nothing else (spaces aside)."""
    if not piece or max(piece) < 0xE2:  # every emoji is U+2000 or above: 3-4 UTF-8 bytes
        return False
    try:
        text = piece.decode("utf-8").strip()
    except UnicodeDecodeError:
        return False
    return bool(text) and bool(find_emoji(text)) and emoji.purely_emoji(text)


class LlamaCppBackend(KnowsItsModel):
    """A GGUF model run in-process by llama-cpp-python. See the module docstring for threading."""

    name = "llama.cpp"

    def __init__(self, settings: LlamaSettings) -> None:
        self.settings = settings
        self.last_run = RunInfo()
        self.plan: MemoryPlan | None = None
        self.prefix_cache = PrefixStateCache(settings.prefix_cache_bytes)
        self._llm: Any = None
        self._renderer: ChatRenderer | None = None
        self._facts = None
        self._owner: int | None = None
        self._mark_tokens: dict[str, list[int]] = {}
        self._held_persona: int | None = None  # the persona length the KV cache's batches were cut at
        self._batched: BatchedGenerator | None = None  # the candidates' own context, made on first use

    # --- life cycle --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    @property
    def llama(self) -> Any:
        """The ``Llama`` object itself (benchmarks compare against bare calls on it)."""
        return self._require()

    def load(self) -> None:
        """Check, plan memory, load and pick the mode. ``ModelError`` in plain words on failure."""
        self._check_owner(claim=True)
        if self._llm is not None:
            return
        path = Path(self.settings.model_path)
        model = read_model_facts(path)
        if model.role == ROLE_EMBEDDING:
            raise ModelError(
                f"{path.name} is an embedding model: it finds similar texts but cannot write replies.",
                hint="Choose a chat or base model (for example the default Gemma) for drafting.",
            )
        self.plan = plan_memory(path, self.settings.n_ctx, self.settings.n_gpu_layers)
        ensure_loadable(
            path
        )  # a new file is first loaded by a child: a native crash cannot take the app down
        try:
            from llama_cpp import Llama

            llm = Llama(
                model_path=str(path),
                n_ctx=self.plan.n_ctx,
                n_batch=self.settings.n_batch,
                n_ubatch=self.settings.n_batch,
                n_threads=self.settings.n_threads,
                n_threads_batch=self.settings.n_threads,
                n_gpu_layers=self.plan.n_gpu_layers,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"llama.cpp could not load {path.name}, a '{model.architecture}' model ({exc}).",
                hint="The file may be damaged, or its architecture is one this version of llama.cpp does not "
                "support: try another GGUF or update Understudy.",
            ) from exc
        template = llm.metadata.get("tokenizer.chat_template")
        template = template if isinstance(template, str) else ""
        mode, note = choose_mode(bool(template), self.settings.mode)
        renderer = None
        if mode == MODE_CHAT:
            try:
                renderer = ChatRenderer(template, *_special_texts(llm))
            except TemplateError as exc:
                mode = MODE_COMPLETION
                note = (
                    f"The model's chat template could not be used ({exc}), so it is prompted as a "
                    "continuation."
                )
        notes = " ".join(n for n in (note, self.plan.note) if n)
        self._llm, self._renderer = llm, renderer
        self._facts = ModelInfo(
            name=model.name or path.stem,
            context_length=llm.n_ctx(),
            has_chat_template=model.has_chat_template,
            mode=mode,
            backend=self.name,
            path=str(path),
            note=notes,
        )

    def unload(self) -> None:
        self._check_owner()
        if self._batched is not None:
            self._batched.close()  # its context lives on the model: free it first
            self._batched = None
        if self._llm is not None:
            self._llm.close()
        self._llm = self._renderer = self._facts = None
        self._mark_tokens.clear()
        self.prefix_cache.clear()
        self._held_persona = None

    # --- tokens ------------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """Tokens of ``text`` as data (no BOS, special markers NOT parsed): for budgeting."""
        return list(self._require().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text)) if text else 0

    def mark_tokens(self, mark: str) -> list[int]:
        """Every vocabulary token that writes ``mark`` with nothing but spaces and closing
        punctuation around it ("?", " ?", "??", "?!", "?\"", "?)"...); for ``EMOJI_MARK``
        every token that is one or more whole emoji; for a ``words_mark`` every token that is
        one of its words (" Thanks", "thanks", "❤️"...); found once per model (a scan of the
        vocabulary: about 0.5 s for Gemma's 262k tokens)."""
        if mark not in self._mark_tokens:
            model = self._require()._model
            if mark == EMOJI_MARK:
                wanted: Callable[[bytes], bool] = _is_emoji_piece
            elif mark.startswith(WORDS_MARK_PREFIX):
                words = frozenset(mark.removeprefix(WORDS_MARK_PREFIX).split("|"))

                def wanted(piece: bytes) -> bool:
                    return _piece_word(piece) in words
            else:
                pattern = re.compile(r"\s*[?!.…]*" + re.escape(mark) + r"[?!.…\"'”’)]*\s*")
                encoded = mark.encode()

                def wanted(piece: bytes) -> bool:
                    return encoded in piece and _decodes_to(piece, pattern)

            self._mark_tokens[mark] = [
                token for token in range(model.n_vocab()) if wanted(model.token_to_piece(token).rstrip(b"\0"))
            ]
        return self._mark_tokens[mark]

    def _logit_bias(self, params: GenerationParams) -> dict[int, float] | None:
        bias = {token: value for mark, value in params.mark_bias if value for token in self.mark_tokens(mark)}
        return bias or None

    # --- generation --------------------------------------------------------------------------

    def render(self, prompt: Prompt) -> tuple[str, str, tuple[str, ...]]:
        """(full text, persona prefix text, stop strings) exactly as sent to the model."""
        if prompt.mode == MODE_COMPLETION:
            return prompt.text, prompt.prefix, prompt.stop
        if self._renderer is None:
            raise ModelError(
                "This model is prompted as a continuation, but the draft was built as a chat.",
                hint="Build the prompt with the model's mode (facts.mode).",
            )
        try:
            text = self._renderer.render(prompt.messages)
            probe = self._renderer.render(
                [ChatMessage(ROLE_SYSTEM, prompt.prefix), ChatMessage(ROLE_USER, "…")]
            )
        except TemplateError as exc:
            raise ModelError(f"The model's chat template failed on this conversation ({exc}).") from exc
        prefix = text[: common_prefix_length(text, probe)]
        stops = tuple(s for s in (*prompt.stop, self._renderer.eos_token) if s)
        return text, prefix, stops

    def stream(self, prompt: Prompt, params: GenerationParams, cancel: CancelToken) -> Iterator[str]:
        """Text pieces of the reply as they are generated; stops within one token of ``cancel``."""
        self._check_owner()
        llm = self._require()
        from llama_cpp import StoppingCriteriaList

        tokens, prefix_tokens, stops = self._prompt_tokens(prompt, params.max_tokens)
        run = RunInfo(prompt_tokens=len(tokens))
        self.last_run = run
        started = time.perf_counter()
        run.prefix_source, run.reused_tokens, self._held_persona = prepare_prefix(
            llm,
            tokens,
            common_prefix_length(prefix_tokens, tokens),
            self.prefix_cache,
            self.settings.n_batch,
            self._held_persona,
        )
        seen = [0]

        def on_token(input_ids: Any, _logits: Any) -> bool:
            # Called by llama-cpp-python after every sampled token: the one-token cancel point.
            if len(input_ids) > seen[0]:
                seen[0] = len(input_ids)
                run.generated_tokens += 1
                if run.first_token_s is None:
                    run.first_token_s = time.perf_counter() - started
            return cancel.cancelled

        completion = llm.create_completion(
            tokens,
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            top_k=params.top_k,
            min_p=params.min_p,
            repeat_penalty=params.repeat_penalty,
            logit_bias=self._logit_bias(params),
            seed=params.seed,
            stop=list(stops),
            stream=True,
            stopping_criteria=StoppingCriteriaList([on_token]),
        )
        leading = prompt.mode == MODE_COMPLETION  # the reply follows "Name:"; drop its leading space
        try:
            for chunk in completion:
                if cancel.cancelled:
                    break
                choice = chunk["choices"][0]
                piece = choice["text"]
                if choice.get("finish_reason"):
                    run.finish_reason = choice["finish_reason"]
                if leading and piece:
                    piece = piece.lstrip()
                    leading = not piece
                if piece:
                    yield piece
        finally:
            completion.close()
            run.total_s = time.perf_counter() - started
            if cancel.cancelled:
                run.finish_reason = "cancelled"

    def candidates(
        self,
        prompt: Prompt,
        params: Sequence[GenerationParams],
        cancel: CancelToken,
        on_piece: OnPiece | None = None,
    ) -> list[CandidateReply]:
        """One reply per entry of ``params`` (give each its own seed), all from ONE batched decode:
        the prompt is evaluated once and its cells shared, then each step decodes one token of
        every unfinished reply together (``llama_batch``). Rendered, tokenized, biased and
        stopped as ``stream()``; ``on_piece(index, text)`` gets each reply's text as it appears.
        Cancel stops every reply within one token. ``last_run`` sums the tokens of all replies.
        """
        self._check_owner()
        llm = self._require()
        longest = max((p.max_tokens for p in params), default=0)
        tokens, prefix_tokens, stops = self._prompt_tokens(prompt, longest)
        run = RunInfo(prompt_tokens=len(tokens))
        self.last_run = run
        if self._batched is None:
            self._batched = BatchedGenerator(llm, self.settings.n_threads, self.settings.n_batch)
        result = self._batched.generate(
            tokens,
            params,
            cancel,
            persona_tokens=common_prefix_length(prefix_tokens, tokens),
            stops=stops,
            logit_biases=[self._logit_bias(p) for p in params],
            strip_leading=prompt.mode == MODE_COMPLETION,
            on_piece=on_piece,
        )
        reasons = {reply.finish_reason for reply in result.replies}
        run.generated_tokens = sum(reply.generated_tokens for reply in result.replies)
        run.first_token_s = result.timings.first_token_s
        run.total_s = result.timings.total_s
        run.finish_reason = next((r for r in ("cancelled", "length", "stop") if r in reasons), "")
        return result.replies

    # --- internals ---------------------------------------------------------------------------

    def _prompt_tokens(self, prompt: Prompt, max_tokens: int) -> tuple[list[int], list[int], tuple[str, ...]]:
        """(prompt tokens, persona prefix tokens, stop strings); ``ModelError`` when the prompt and
        a reply of ``max_tokens`` do not fit the context."""
        llm = self._require()
        text, prefix, stops = self.render(prompt)
        special = prompt.mode == MODE_CHAT  # template markers are ours; fan text was stripped of them
        tokens = llm.tokenize(text.encode("utf-8"), add_bos=True, special=special)
        n_ctx = llm.n_ctx()
        if len(tokens) + max_tokens > n_ctx:
            raise ModelError(
                f"The prompt ({len(tokens)} tokens) and the reply ({max_tokens}) do not fit "
                f"this model's {n_ctx}-token context.",
                hint="Use fewer examples or a shorter reply length, or a longer context in the settings.",
            )
        prefix_tokens = llm.tokenize(prefix.encode("utf-8"), add_bos=True, special=special) if prefix else []
        return tokens, prefix_tokens, stops

    def _require(self) -> Any:
        if self._llm is None:
            raise ModelError(
                "The model is not loaded yet.", hint="Wait for it to load, or choose a model in Settings."
            )
        return self._llm

    def _check_owner(self, claim: bool = False) -> None:
        current = threading.get_ident()
        if self._owner is None or (claim and self._llm is None):
            self._owner = current
        elif self._owner != current:
            raise RuntimeError(
                "a Llama model must be used from the one thread that loaded it (the model worker)"
            )


def _special_texts(llm: Any) -> tuple[str, str]:
    """The BOS and EOS token texts the template refers to."""

    def text_of(token: int) -> str:
        return llm._model.token_get_text(token) if token != -1 else ""

    return text_of(llm.token_bos()), text_of(llm.token_eos())
