"""What every model backend offers, and the plain data it takes and reports.

A backend turns a ``Prompt`` into streamed text pieces. Prompt building (``prompting``) only
needs a backend's ``count_tokens`` and ``facts``, so the same pure functions serve the
embedded llama.cpp model and an OpenAI-compatible server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from desktop.core.generation.types import DraftRequest
from desktop.core.tasks import CancelToken

MODE_COMPLETION = "completion"
"""Few-shot continuation: for base models (the default Gemma) and models without a chat template."""
MODE_CHAT = "chat"
"""Chat completion with a system prompt: only for models whose GGUF carries a chat template."""
MODES = (MODE_COMPLETION, MODE_CHAT)

ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT = "system", "user", "assistant"

EMOJI_MARK = "emoji"
"""The ``mark_bias`` key that stands for every emoji token rather than one punctuation mark."""
WORDS_MARK_PREFIX = "words:"
"""A ``mark_bias`` key ``"words:thanks|love|❤"`` stands for every token that is one of those
words (any case, with or without its leading space)."""


def words_mark(words: Iterable[str]) -> str:
    """The ``mark_bias`` key for a set of whole-word tokens (sorted, so equal sets share a key)."""
    return WORDS_MARK_PREFIX + "|".join(sorted({w.casefold() for w in words if w and "|" not in w}))


@dataclass(frozen=True)
class ChatMessage:
    role: str
    content: str


@dataclass(frozen=True)
class BudgetReport:
    """How the prompt's token budget was spent, per part: the data behind the UI's meter.

    ``parts`` maps a part ("persona", "examples", "snippets", "thread", "message", "format")
    to the tokens it got; ``kept``/``dropped`` count items (examples, snippets, thread turns).
    """

    budget: int
    parts: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    total: int = 0
    message_trimmed: bool = False


@dataclass(frozen=True)
class Prompt:
    """Exactly what is sent to the model (the inspector shows it).

    ``prefix`` is the persona part that comes first and is byte-identical across drafts, so
    the backend can reuse its evaluated state. In chat mode ``messages`` holds the turns and
    ``text`` is empty until a backend renders them with the model's template.
    """

    mode: str
    text: str = ""
    messages: tuple[ChatMessage, ...] = ()
    stop: tuple[str, ...] = ()
    prefix: str = ""
    budget: BudgetReport | None = None
    creator_name: str = "Creator"


@dataclass(frozen=True)
class GenerationParams:
    """Sampling settings for one draft. The same seed and prompt give the same text."""

    max_tokens: int = 120
    temperature: float = 0.7
    seed: int = 0
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    mark_bias: tuple[tuple[str, float], ...] = ()
    """(punctuation mark, logit bias) pairs, e.g. ``("?", 2.5)``: every token that is the mark
    (alone or with other closing punctuation) is raised or lowered by the bias; the mark
    ``EMOJI_MARK`` stands for every emoji token, a ``words_mark`` for a set of word tokens. How
    the curiosity, energy, emoji, warmth and self-promotion sliders act on a base model
    (``steering.mark_bias``); backends that cannot bias tokens ignore it."""
    min_tokens: int = 0
    """The reply may not end (an end-of-generation token or a line break, where the next
    speaker's tag would begin) before this many tokens. Some of a draft's candidates get one so
    the candidates span lengths and the length slider can choose (``drafting._choose``); the
    embedded batched decode honours it, other paths ignore it."""

    @classmethod
    def from_request(cls, request: DraftRequest) -> "GenerationParams":
        return cls(
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            seed=request.seed,
            mark_bias=tuple(request.mark_bias),
        )


@dataclass(frozen=True)
class ModelInfo:
    """What the running model is, as the UI and the draft's provenance show it.

    ``note`` says in plain words why the mode is not what the metadata suggests (an
    override, or a chat template that failed to render and fell back to completion).
    """

    name: str
    context_length: int
    has_chat_template: bool
    mode: str
    backend: str
    path: str | None = None
    note: str = ""


class KnowsItsModel:
    """The ``facts`` half of a backend: known once it has loaded (or connected); asking before
    that is a bug, said with ``not_loaded``."""

    not_loaded = "the model is not loaded"
    _facts: ModelInfo | None = None

    @property
    def facts(self) -> ModelInfo:
        if self._facts is None:
            raise RuntimeError(self.not_loaded)
        return self._facts


@dataclass
class RunInfo:
    """What happened in the last ``stream`` call: for timings in the CLI's JSON and the tests."""

    prompt_tokens: int = 0
    reused_tokens: int = 0
    prefix_source: str = ""  # "live", "restored", "computed" or "" (no prefix reuse)
    generated_tokens: int = 0
    first_token_s: float | None = None
    total_s: float = 0.0
    finish_reason: str = ""  # "stop", "length" or "cancelled"


@runtime_checkable
class Backend(Protocol):
    """A text generator. Implementations are used from ONE thread (the GUI's model worker)."""

    @property
    def facts(self) -> ModelInfo: ...

    @property
    def loaded(self) -> bool: ...

    last_run: RunInfo

    def load(self) -> None: ...

    def unload(self) -> None: ...

    def tokenize(self, text: str) -> list[int]: ...

    def count_tokens(self, text: str) -> int: ...

    def stream(self, prompt: Prompt, params: GenerationParams, cancel: CancelToken) -> Iterator[str]: ...


OnPiece = Callable[[int, str], None]
"""``on_piece(index, text)``: a new piece of candidate ``index``'s text (to stream candidate 0)."""


@dataclass
class CandidateReply:
    """One sequence's reply: its text, why it ended ("stop", "length", "cancelled") and its tokens."""

    text: str
    finish_reason: str
    generated_tokens: int
