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

Batches: ``submit`` queues one draft's requests on a pool of ``parallel`` threads shared by every
draft, so at most ``parallel`` requests are in flight however many drafts wait; the inbox batch
keeps that many drafts open and does their retrieval and guard on its own thread meanwhile.

Faults: 429 and 503 are retried, waiting what ``Retry-After`` asks (or 0.5, 1, 2 s), at most
``max_retries`` times and never longer than ``retry_wait_cap_s`` a wait. Faults that stop every
request (unreachable, stopped mid-reply, refused key, unknown model, still busy) raise
``ModelServerError``, so a batch stops at once and keeps what it finished. A stream that ends
without a finish reason is a cut reply, never a draft: llama-cpp-python's own server cuts a
streamed reply when another request arrives unless started with ``--interrupt_requests False``.
"""

from __future__ import annotations

import email.utils
import math
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar
from urllib.parse import urlparse

from desktop.core.errors import ModelError, ModelServerError
from desktop.core.generation.backends.base import (
    MODE_CHAT,
    MODE_COMPLETION,
    ROLE_USER,
    CandidateReply,
    ChatMessage,
    GenerationParams,
    KnowsItsModel,
    ModelInfo,
    OnPiece,
    Prompt,
    RunInfo,
)
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken, EitherCancel

API_KEY_SECRET = "openai-server:api-key"
_BYTES_PER_TOKEN = 3.0
_RETRIED = (429, 503)
_T = TypeVar("_T")


@dataclass(frozen=True)
class ServerSettings:
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str = ""
    mode: str = MODE_CHAT
    context_length: int = 4096
    timeout_s: float = 60.0
    api_key_secret: str = API_KEY_SECRET
    parallel: int = 4
    """Requests in flight at once from ``submit`` (a batch's K)."""
    max_retries: int = 3
    retry_wait_cap_s: float = 10.0


class OpenAIServerBackend(KnowsItsModel):
    """Streams drafts from an OpenAI-compatible server. Used from one thread, like every backend."""

    name = "openai-server"
    not_loaded = "the server backend is not connected"

    def __init__(self, settings: ServerSettings, secrets: SecretStore | None = None) -> None:
        if settings.mode not in (MODE_CHAT, MODE_COMPLETION):
            raise ValueError(f"unknown mode {settings.mode!r}")
        self.settings = settings
        self.secrets = secrets
        self.last_run = RunInfo()
        self._client: Any = None
        self._facts = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    @property
    def parallel(self) -> int:
        """How many requests ``submit`` keeps in flight (the batch opens that many drafts)."""
        return max(1, self.settings.parallel)

    @property
    def loaded(self) -> bool:
        return self._client is not None

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
            available = self._retrying(lambda: [model.id for model in client.models.list()], CancelToken())
        except BaseException:
            client.close()
            raise
        model = self.settings.model or (available[0] if len(available) == 1 else "")
        if model not in available:
            listed = ", ".join(available[:20]) or "none"
            client.close()
            raise ModelServerError(
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
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
        self._client = self._facts = None

    def round_trip(self) -> float:
        """Seconds for a one-token reply: the connection test a creator runs from the settings."""
        started = time.perf_counter()
        if self._facts is not None and self._facts.mode == MODE_CHAT:
            prompt = Prompt(mode=MODE_CHAT, messages=(ChatMessage(ROLE_USER, "Say hi."),))
        else:
            prompt = Prompt(mode=MODE_COMPLETION, text="Hello")
        run = self._new_run(prompt)
        for _piece in self._stream(
            prompt, GenerationParams(max_tokens=1, temperature=0.0), CancelToken(), run, whole=False
        ):
            pass
        return time.perf_counter() - started

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
        stop = EitherCancel(cancel)  # set when a request fails: the others then stop too
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

        # At most ``parallel`` requests at once: a server that cuts a reply when another arrives
        # (llama-cpp-python's, by default) is then still usable with parallel = 1.
        workers = max(1, min(len(params), self.parallel))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="candidate") as pool:
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
            CandidateReply("".join(text), run.finish_reason, run.generated_tokens)
            for text, run in zip(texts, runs, strict=False)
        ]
        self.last_run = _combined(runs, started)
        return replies

    def submit(
        self, prompt: Prompt, params: Sequence[GenerationParams], cancel: CancelToken
    ) -> Future[tuple[list[CandidateReply], RunInfo]]:
        """Queue one reply per entry of ``params`` on the shared pool (``parallel`` in flight, see
        the module docstring); the future gives the replies and their summed ``RunInfo`` (not
        ``last_run``: several drafts run at once), or the first request's ``ModelError``."""
        if self._client is None:
            raise ModelError("Understudy is not connected to the model server yet.")
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=self.parallel, thread_name_prefix="server-request"
                )
            pool = self._pool
        started = time.perf_counter()
        runs = [self._new_run(prompt) for _ in params]
        stop = EitherCancel(cancel)  # one failure stops this draft's other requests
        result: Future[tuple[list[CandidateReply], RunInfo]] = Future()
        if not params:
            result.set_result(([], RunInfo()))
            return result

        def one(index: int) -> CandidateReply:
            if stop.cancelled:  # queued behind a failure or a cancel: do not start it
                runs[index].finish_reason = "cancelled"
                return CandidateReply("", "cancelled", 0)
            try:
                text = "".join(self._stream(prompt, params[index], stop, runs[index]))
            except BaseException:
                stop.cancel()
                raise
            return CandidateReply(text, runs[index].finish_reason, runs[index].generated_tokens)

        parts = [pool.submit(one, index) for index in range(len(params))]
        left = [len(parts)]
        lock = threading.Lock()

        def finished(_part: Future[CandidateReply]) -> None:
            with lock:
                left[0] -= 1
                if left[0]:
                    return
            errors = [p.exception() for p in parts if not p.cancelled() and p.exception() is not None]
            if errors:
                result.set_exception(errors[0])
            elif any(p.cancelled() for p in parts):
                result.set_exception(
                    ModelError("The request to the model server was dropped (Understudy is closing).")
                )
            else:
                result.set_result(([p.result() for p in parts], _combined(runs, started)))

        for part in parts:
            part.add_done_callback(finished)
        return result

    def _new_run(self, prompt: Prompt) -> RunInfo:
        text = prompt.text or "".join(m.content for m in prompt.messages)
        return RunInfo(prompt_tokens=self.count_tokens(text))

    def _stream(
        self,
        prompt: Prompt,
        params: GenerationParams,
        cancel: CancelToken,
        run: RunInfo,
        *,
        whole: bool = True,
    ) -> Iterator[str]:
        """``stream``'s work, noting into ``run`` (each candidate has its own). ``whole``: a
        stream that ends without a finish reason (cut by the server) is an error, not a reply."""
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
        client = self._client

        def create() -> Any:
            if prompt.mode == MODE_CHAT:
                return client.chat.completions.create(
                    messages=[{"role": m.role, "content": m.content} for m in prompt.messages],
                    stop=list(prompt.stop) or None,
                    **common,
                )
            return client.completions.create(prompt=prompt.text, stop=list(prompt.stop[:4]) or None, **common)

        response = self._retrying(create, cancel)
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
            raise self._broken(exc) from exc
        finally:
            response.close()  # closing the HTTP stream is how a server is told to stop
            run.total_s = time.perf_counter() - started
            if cancel.cancelled:
                run.finish_reason = "cancelled"
        if whole and not run.finish_reason:
            raise ModelServerError(
                f"The model server at {self.settings.base_url} ended a reply before it was finished.",
                hint="llama-cpp-python's server cuts a reply when another request arrives: start it with "
                "--interrupt_requests False, or set drafting.server_parallel to 1 (one request at a time).",
            )

    # --- internals ---------------------------------------------------------------------------

    def _http_client(self) -> Any:
        """A server on this machine is reached directly, never through a configured proxy."""
        import openai

        host = urlparse(self.settings.base_url).hostname or ""
        local = host in ("localhost", "127.0.0.1", "::1")
        return openai.DefaultHttpxClient(trust_env=not local)

    def _retrying(self, call: Callable[[], _T], cancel: CancelToken) -> _T:
        """``call()``, retried on 429/503 as the module docstring says; other faults in plain words."""
        import openai

        waited = 0.0
        for attempt in range(self.settings.max_retries + 1):
            try:
                return call()
            except openai.APIStatusError as exc:
                if exc.status_code not in _RETRIED:
                    raise self._plain_error(exc) from exc
                asked = retry_after_seconds(exc.response.headers.get("retry-after"))
                wait = asked if asked is not None else 0.5 * 2**attempt
                if attempt == self.settings.max_retries or wait > self.settings.retry_wait_cap_s:
                    raise self._busy(exc.status_code, attempt + 1, waited, asked) from exc
                if not _sleep(wait, cancel):
                    from desktop.core.errors import Cancelled

                    raise Cancelled() from exc
                waited += wait
            except ModelError:
                raise
            except Exception as exc:
                raise self._plain_error(exc) from exc
        raise AssertionError("unreachable")

    def _busy(self, status: int, tries: int, waited: float, asked: float | None) -> ModelServerError:
        what = "too many requests" if status == 429 else "unavailable"
        url = self.settings.base_url
        if asked is not None and asked > self.settings.retry_wait_cap_s:
            message = (
                f"The model server at {url} is busy ({status}, {what}) and asks to wait {asked:g} seconds."
            )
        else:
            message = (
                f"The model server at {url} is busy ({status}, {what}) and still was after "
                f"{tries} tries over {waited:.1f} seconds."
            )
        return ModelServerError(
            message,
            hint="Try again in a moment, or send fewer requests at once "
            "(the setting drafting.server_parallel).",
        )

    def _broken(self, exc: Exception) -> ModelError:
        """A fault while a reply streams in: the connection broke (a stopped server) or worse."""
        import httpx
        import openai

        if isinstance(exc, httpx.TransportError | openai.APIConnectionError):
            return ModelServerError(
                f"The connection to the model server at {self.settings.base_url} broke while it was writing "
                "a reply.",
                hint="The server may have stopped: start it again, then draft the rest. Finished drafts are "
                "kept.",
            )
        return self._plain_error(exc)

    def _plain_error(self, exc: Exception) -> ModelError:
        import openai

        url = self.settings.base_url
        if isinstance(exc, openai.APITimeoutError):
            return ModelServerError(
                f"The model server at {url} did not answer within {self.settings.timeout_s:g} seconds.",
                hint="It may be busy or loading a model: try again, or raise the timeout in the settings.",
            )
        if isinstance(exc, openai.APIConnectionError):
            return ModelServerError(
                f"Understudy could not reach the model server at {url}.",
                hint="Check that the server is running and that the address and port are right.",
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return ModelServerError(
                f"The model server at {url} refused the API key ({exc.status_code}).",
                hint="Enter the right key in the server settings, or with `understudy models server add NAME "
                "--url URL --model MODEL --api-key-prompt` (it is kept in the keychain).",
            )
        if isinstance(exc, openai.NotFoundError):
            return ModelServerError(
                f"The model server at {url} does not know the model '{self.settings.model}' or this kind of "
                "request.",
                hint="Check the model name and the mode (chat or completion) in the server settings.",
            )
        if isinstance(exc, openai.APIStatusError):
            return ModelError(
                f"The model server at {url} answered with an error ({exc.status_code}): {exc.message}"
            )
        return ModelError(f"The model server at {url} failed: {exc}")


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` in seconds: a number, or an HTTP date (RFC 9110); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _sleep(seconds: float, cancel: CancelToken) -> bool:
    """Wait ``seconds`` unless cancelled first (then False): a retry never outlives a cancel."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if cancel.cancelled:
            return False
        time.sleep(min(0.05, left))
    return not cancel.cancelled


def _combined(runs: Sequence[RunInfo], started: float) -> RunInfo:
    """One ``RunInfo`` for several replies to one prompt: tokens summed, the earliest first token."""
    firsts = [run.first_token_s for run in runs if run.first_token_s is not None]
    reasons = {run.finish_reason for run in runs}
    return RunInfo(
        prompt_tokens=runs[0].prompt_tokens if runs else 0,
        generated_tokens=sum(run.generated_tokens for run in runs),
        first_token_s=min(firsts) if firsts else None,
        total_s=time.perf_counter() - started,
        finish_reason=next((r for r in ("cancelled", "length", "stop") if r in reasons), ""),
    )
