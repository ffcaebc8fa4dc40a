"""A drafting session: the store, the persona, the model and retrieval, opened once, used from one thread.

Every heavy resource here (the llama.cpp models, the SQLite connection, the faiss index) may
only be used by the thread that opened it, so the CLI uses a session on its main thread and the
GUI gives a session its own model thread (``desktop.ui.workers``) that runs every draft.

The generation backend follows the creator's model choice (``ModelManager.choice``): the
embedded llama.cpp model for a local file, ``OpenAIServerBackend`` for a configured server
(its key from the keychain). Retrieval, triage and the guard stay on this machine either way.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

from desktop.core.generation.backends.base import Backend
from desktop.core.generation.backends.llama_cpp_backend import LlamaCppBackend, LlamaSettings
from desktop.core.generation.drafting import AwaitingModel, Draft, Regenerating, draft_reply
from desktop.core.generation.triage import Triage, triage
from desktop.core.generation.triage_classifier import TriageClassifier
from desktop.core.generation.types import Turn
from desktop.core.inbox.choices import profile_weights
from desktop.core.models import ensure_default_models
from desktop.core.models.manager import ModelManager
from desktop.core.models.servers import LOCAL, ModelChoice
from desktop.core.paths import Paths
from desktop.core.persona import Persona
from desktop.core.persona.style import calibrated_sliders, load_style_profile
from desktop.core.persona.versions import load_active_persona
from desktop.core.retrieval.embedder import Embedder, load_embedder
from desktop.core.retrieval.indexing import embed_pending
from desktop.core.retrieval.search import RetrievalIndex, Retriever
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, open_store
from desktop.core.store.settings import read_int_setting
from desktop.core.tasks import CancelToken, Progress

CANDIDATES_SETTING = "drafting.candidates"
"""How many model candidates each draft is chosen from (``draft_reply``'s ``candidates``)."""
DEFAULT_CANDIDATES = 4
MAX_CANDIDATES = 8
SERVER_PARALLEL_SETTING = "drafting.server_parallel"
"""Requests a batch keeps in flight to a model server (K); the embedded model drafts one at a time."""
DEFAULT_SERVER_PARALLEL = 4
MAX_SERVER_PARALLEL = 32


class DraftingSession:
    """Opens everything drafting needs for one profile; ``draft`` then streams replies.

    Call ``open`` (a generator of progress: model set-up, loading, embedding what is new) and
    every other method from the same thread; ``close`` releases the models and the store.
    """

    def __init__(
        self,
        paths: Paths,
        profile: str,
        *,
        model_path: Path | None = None,
        choice: ModelChoice | None = None,
        n_ctx: int | None = 2048,
        n_threads: int = 2,
        secrets: SecretStore | None = None,
    ) -> None:
        """``model_path`` (a local GGUF) or ``choice`` overrides the creator's model choice
        (the evaluations draft in a throw-away base folder with the creator's choice)."""
        self.paths = paths
        self.profile = paths.profile(profile)
        self.model_path = model_path
        self.choice = choice
        self.secrets = secrets
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.store: Store | None = None
        self.backend: Backend | None = None
        self.embedder: Embedder | None = None
        self.retriever: Retriever | None = None
        self.triage_classifier: TriageClassifier | None = None
        """Triage's classifier over the search model (loaded with it, on this thread)."""
        self.neutral_sliders: dict[str, float] | None = None
        """The creator's calibrated slider positions, from which the sliders pull (``steering``)."""
        self.score_weights: dict[str, float] | None = None
        """Learned from the creator's choices among options (``choice_model``), None until enough."""

    def open(self, cancel: CancelToken | None = None) -> Iterator[Progress]:
        cancel = cancel or CancelToken()
        yield from ensure_default_models(self.paths.models, cancel)
        self.store = open_store(self.paths.create_profile(self.profile.name).store)
        self.backend = self._backend()
        assert self.choice is not None
        yield Progress(
            f"Connecting to {self.choice.describe()}"
            if self.choice.is_server
            else f"Loading {self.choice.name}"
        )
        self.backend.load()
        yield Progress("Loading the search model")
        self.embedder = load_embedder(self.paths.models, n_threads=self.n_threads)
        yield Progress("Loading the safety check")
        self.triage_classifier = TriageClassifier.load(self.embedder, self.paths.cache)
        yield from self.refresh_index(cancel)

    def _backend(self) -> Backend:
        """The backend for the model choice (resolved now: the creator may have just changed it)."""
        assert self.store is not None
        if self.model_path is not None:
            self.choice = ModelChoice(LOCAL, self.model_path.name, path=self.model_path)
        elif self.choice is None:
            self.choice = ModelManager(self.paths).choice()
        if self.choice.server is not None:
            from desktop.core.generation.backends.openai_server import OpenAIServerBackend

            parallel = read_int_setting(
                self.store, SERVER_PARALLEL_SETTING, DEFAULT_SERVER_PARALLEL, 1, MAX_SERVER_PARALLEL
            )
            return OpenAIServerBackend(self.choice.server.settings(parallel), self.secrets or SecretStore())
        assert self.choice.path is not None
        return LlamaCppBackend(
            LlamaSettings(
                self.choice.path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_gpu_layers=ModelManager(self.paths).gpu_layers(),
            )
        )

    def refresh_index(self, cancel: CancelToken | None = None) -> Iterator[Progress]:
        """Embed items imported since the last look and bring the search index up to date."""
        assert self.store is not None and self.embedder is not None, "open() first"
        yield from embed_pending(self.store, self.embedder, cancel)
        # open(), not catch_up(): an import can also turn old items into exchanges, which only
        # a reopen (cheap when nothing changed: the saved index is checked, not rebuilt) notices.
        index = RetrievalIndex(self.store, self.embedder, self.profile.index_dir).open()
        index.save_if_changed()
        self.retriever = Retriever(self.store, self.embedder, index)
        yield Progress("Reading your facts sheet")
        for fact in self.persona()[1].facts:  # the guard scores every claim against each line
            if fact.strip():
                self.retriever.vectors.one(fact)
        profile = load_style_profile(self.store)
        self.neutral_sliders = calibrated_sliders(profile) if profile is not None and profile.items else None
        self.score_weights = profile_weights(self.store)

    def persona(self) -> tuple[int | None, Persona]:
        """The active persona version (re-read each time: the creator may have just changed it)."""
        assert self.store is not None, "open() first"
        return load_active_persona(self.store)

    def classify(self, message: str, persona: Persona | None = None) -> Triage:
        """Triage ``message`` with the rules and the classifier (the active persona's topics)."""
        return triage(message, persona or self.persona()[1], self.triage_classifier)

    def draft(
        self,
        incoming: str,
        *,
        seed: int = 0,
        platform: str | None = None,
        thread_tail: Sequence[Turn] = (),
        max_tokens: int = 120,
        persona: Persona | None = None,
        candidates: int | None = None,
        fan_name: str | None = None,
        cancel: CancelToken | None = None,
        concurrent: bool = False,
    ) -> Generator[str | Regenerating | AwaitingModel, None, Draft]:
        """Draft a reply with the active persona, or with ``persona`` (an unsaved edit the
        Persona page previews; such a draft records no persona version). ``candidates``: how
        many model drafts to choose from (default: the profile's setting, 4). ``concurrent``:
        with a server, yield ``AwaitingModel`` instead of waiting (``draft_reply``; the batch)."""
        assert self.backend is not None and self.store is not None, "open() first"
        if candidates is None:
            candidates = read_int_setting(
                self.store, CANDIDATES_SETTING, DEFAULT_CANDIDATES, 1, MAX_CANDIDATES
            )
        version, active = self.persona()
        if persona is not None:
            version = None
        persona = persona or active
        return (
            yield from draft_reply(
                incoming,
                persona=persona,
                persona_version=version,
                backend=self.backend,
                retriever=self.retriever,
                thread_tail=thread_tail,
                platform=platform,
                seed=seed,
                max_tokens=max_tokens,
                neutral_sliders=self.neutral_sliders,
                classifier=self.triage_classifier,
                candidates=candidates,
                fan_name=fan_name,
                score_weights=self.score_weights,
                cancel=cancel,
                concurrent=concurrent,
            )
        )

    def close(self) -> None:
        if self.backend is not None:
            self.backend.unload()
            self.backend = None
        if self.embedder is not None:
            self.embedder.close()
            self.embedder = None
        if self.store is not None:
            self.store.close()
            self.store = None
        self.retriever = None
        self.triage_classifier = None

    def __enter__(self) -> "DraftingSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
