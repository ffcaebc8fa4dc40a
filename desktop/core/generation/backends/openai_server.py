"""An OpenAI-compatible model server (llama.cpp's server, vLLM, Ollama, LM Studio) as a backend.

For creators and agencies that outgrow one machine. Base URL and model name come from the
settings; the API key from the keychain (``SecretStore``), never from a file. Chat models
stream through ``chat.completions``, base models through ``completions``: the mode is a
setting, because a server does not say whether its model has a chat template.

Errors a creator can cause (server not running, wrong address, timeout, wrong model name,
refused key) become ``ModelError`` in plain words. Cancel closes the HTTP stream between
chunks (one chunk is one token on the servers above).

Token counts for the budget are estimated (about 3 bytes per token, on the safe side): the
OpenAI API has no tokenizer endpoint.

Candidates: ``candidates`` sends one streamed request per candidate, all at once from a small
thread pool, each with its own seed. The API has no way to ask for N samples of one prompt
that every server honours, so batching them is the server's business: llama.cpp's server
(``--parallel N``) and vLLM decode concurrent requests together, llama-cpp-python's own server
answers them one after another.
"""

from __future__ import annotations

import math
import queue
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from desktop.core.errors import ModelError
from desktop.core.generation.backends.base import (
    MODE_CHAT,
    MODE_COMPLETION,
    GenerationParams,
    ModelInfo,
    Prompt,
    RunInfo,
)
from desktop.core.generation.backends.llama_batch import CandidateReply, OnPiece
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken

API_KEY_SECRET = "openai-server:api-key"
_BYTES_PER_TOKEN = 3.0


@dataclass(frozen=True)
class ServerSettings:
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = ""
    mode: str = MODE_CHAT
    context_length: int = 4096
    timeout_s: float = 60.0
    api_key_secret: str = API_KEY_SECRET


class OpenAIServerBackend:
    """Streams drafts from an OpenAI-compatible server. Used from one thread, like every backend."""

    name = "openai-server"

    def __init__(self, settings: ServerSettings, secrets: SecretStore | None = None) -> None:
        if settings.mode not in (MODE_CHAT, MODE_COMPLETION):
            raise ValueError(f"unknown mode {settings.mode!r}")
        self.settings = settings
        self.secrets = secrets
        self.last_run = RunInfo()
        self._client: Any = None
        self._facts: ModelInfo | None = None

    @property
    def loaded(self) -> bool:
        return self._client is not None

    @property
    def facts(self) -> ModelInfo:
        if self._facts is None:
            raise RuntimeError("the server backend is not connected")
        return self._facts

    def load(self) -> None:
        """Connect, and check the model name against the server's list."""
        import openai

        api_key = (self.secrets.get(self.settings.api_key_secret) if self.secrets else None) or "no-key"
        client = openai.OpenAI(
            base_url=self.settings.base_url,
            api_key=api_key,
            timeout=self.settings.timeout_s,
            max_retries=0,  # a creator waiting on a draft wants the error, not three silent retries
            http_client=self._http_client(),
        )
        try:
            available = [model.id for model in client.models.list()]
        except Exception as exc:
            client.close()
            raise self._plain_error(exc) from exc
        model = self.settings.model or (available[0] if len(available) == 1 else "")
        if model not in available:
            listed = ", ".join(available[:20]) or "none"
            client.close()
            raise ModelError(
                f"The model server at {self.settings.base_url} has no model named "
                f"'{self.settings.model}'. It offers: {listed}.",
                hint="Copy one of these names into the server settings.",
            )
        self._model_name = model
        self._client = client
        self._facts = ModelInfo(
            name=model,
            context_length=self.settings.context_length,
            has_chat_template=self.settings.mode == MODE_CHAT,
            mode=self.settings.mode,
            backend=self.name,
            note=f"Served by {self.settings.base_url}",
        )

    def unload(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._facts = None

    def tokenize(self, text: str) -> list[int]:
        raise NotImplementedError("an OpenAI-compatible server has no tokenizer endpoint; use count_tokens")

    def count_tokens(self, text: str) -> int:
        """An estimate on the safe side (the server's tokenizer is not reachable through the API)."""
        return math.ceil(len(text.encode("utf-8")) / _BYTES_PER_TOKEN) if text else 0

    def stream(self, prompt: Prompt, params: GenerationParams, cancel: CancelToken) -> Iterator[str]:
        run = self._new_run(prompt)
        self.last_run = run
        yield from self._stream(prompt, params, cancel, run)

    def candidates(
        self,
        prompt: Prompt,
        params: Sequence[GenerationParams],
        cancel: CancelToken,
        on_piece: OnPiece | None = None,
    ) -> list[CandidateReply]:
        """One reply per entry of ``params`` (give each its own seed): the requests go out in
        parallel, one thread each (see the module docstring). ``on_piece(index, text)`` is called
        on the calling thread, as with the embedded model. When one request fails the others
        are stopped and its ``ModelError`` is raised. ``last_run`` sums the tokens of all replies.
        """
        if self._client is None:
            raise ModelError("Understudy is not connected to the model server yet.")
        started = time.perf_counter()
        runs = [self._new_run(prompt) for _ in params]
        stop = _EitherCancel(cancel)  # set when a request fails: the others then stop too
        pieces: queue.Queue[tuple[int, str | None]] = queue.Queue()  # (index, text); None: that reply ended
        texts: list[list[str]] = [[] for _ in params]

        def write(index: int) -> None:
            try:
                for piece in self._stream(prompt, params[index], stop, runs[index]):
                    pieces.put((index, piece))
            except BaseException:
                stop.cancel()
                raise
            finally:
                pieces.put((index, None))

        with ThreadPoolExecutor(max_workers=max(1, len(params)), thread_name_prefix="candidate") as pool:
            futures = [pool.submit(write, index) for index in range(len(params))]
            writing = len(futures)
            while writing:
                index, piece = pieces.get()
                if piece is None:
                    writing -= 1
                    continue
                texts[index].append(piece)
                if on_piece is not None:
                    on_piece(index, piece)
            for future in futures:
                future.result()  # the first failure, as raised in its thread
        replies = [
            CandidateReply("".join(text), run.finish_reason, run.generated_tokens) for text, run in zip(texts, runs)
        ]
        firsts = [run.first_token_s for run in runs if run.first_token_s is not None]
        reasons = {reply.finish_reason for reply in replies}
        self.last_run = RunInfo(
            prompt_tokens=runs[0].prompt_tokens if runs else 0,
            generated_tokens=sum(run.generated_tokens for run in runs),
            first_token_s=min(firsts) if firsts else None,
            total_s=time.perf_counter() - started,
            finish_reason=next((r for r in ("cancelled", "length", "stop") if r in reasons), ""),
        )
        return replies

    def _new_run(self, prompt: Prompt) -> RunInfo:
        text = prompt.text or "".join(m.content for m in prompt.messages)
        return RunInfo(prompt_tokens=self.count_tokens(text))

    def _stream(
        self, prompt: Prompt, params: GenerationParams, cancel: CancelToken, run: RunInfo
    ) -> Iterator[str]:
        """``stream``'s work, noting into ``run`` (each candidate has its own)."""
        if self._client is None:
            raise ModelError("Understudy is not connected to the model server yet.")
        started = time.perf_counter()
        common = dict(
            model=self._model_name,
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            seed=params.seed,
            stream=True,
        )
        try:
            if prompt.mode == MODE_CHAT:
                response = self._client.chat.completions.create(
                    messages=[{"role": m.role, "content": m.content} for m in prompt.messages],
                    stop=list(prompt.stop) or None,
                    **common,
                )
            else:
                response = self._client.completions.create(prompt=prompt.text, stop=list(prompt.stop[:4]) or None, **common)
        except Exception as exc:
            raise self._plain_error(exc) from exc
        leading = prompt.mode == MODE_COMPLETION
        try:
            for chunk in response:
                if cancel.cancelled:
                    break
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                piece = choice.delta.content if prompt.mode == MODE_CHAT else choice.text
                if choice.finish_reason:
                    run.finish_reason = choice.finish_reason
                if leading and piece:
                    piece = piece.lstrip()
                    leading = not piece
                if piece:
                    run.generated_tokens += 1
                    if run.first_token_s is None:
                        run.first_token_s = time.perf_counter() - started
                    yield piece
        except ModelError:
            raise
        except Exception as exc:
            raise self._plain_error(exc) from exc
        finally:
            response.close()  # closing the HTTP stream is how a server is told to stop
            run.total_s = time.perf_counter() - started
            if cancel.cancelled:
                run.finish_reason = "cancelled"

    # --- internals ---------------------------------------------------------------------------

    def _http_client(self) -> Any:
        """A server on this machine is reached directly, never through a configured proxy."""
        import openai

        host = urlparse(self.settings.base_url).hostname or ""
        local = host in ("localhost", "127.0.0.1", "::1")
        return openai.DefaultHttpxClient(trust_env=not local)

    def _plain_error(self, exc: Exception) -> ModelError:
        import openai

        url = self.settings.base_url
        if isinstance(exc, openai.APITimeoutError):
            return ModelError(
                f"The model server at {url} did not answer within {self.settings.timeout_s:g} seconds.",
                hint="It may be busy or loading a model: try again, or raise the timeout in the settings.",
            )
        if isinstance(exc, openai.APIConnectionError):
            return ModelError(
                f"Understudy could not reach the model server at {url}.",
                hint="Check that the server is running and that the address and port are right.",
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ModelError(
                f"The model server at {url} refused the API key.",
                hint="Enter the right key in the server settings (it is kept in the keychain).",
            )
        if isinstance(exc, openai.NotFoundError):
            return ModelError(
                f"The model server at {url} does not know the model '{self.settings.model}' or this kind of request.",
                hint="Check the model name and the mode (chat or completion) in the server settings.",
            )
        if isinstance(exc, openai.APIStatusError):
            return ModelError(f"The model server at {url} answered with an error ({exc.status_code}): {exc.message}")
        return ModelError(f"The model server at {url} failed: {exc}")


class _EitherCancel(CancelToken):
    """Cancelled by its own ``cancel()`` or when the caller's token is."""

    def __init__(self, outer: CancelToken) -> None:
        super().__init__()
        self._outer = outer

    @property
    def cancelled(self) -> bool:
        return super().cancelled or self._outer.cancelled
