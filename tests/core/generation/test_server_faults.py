"""Model-server faults in plain words, and batches through a server, against a stand-in on 127.0.0.1.

The stand-in speaks just enough of the OpenAI API (models, streamed completions) to script
status codes, Retry-After, cut streams and a server that dies mid-batch; the real server
(llama_cpp.server with the default Gemma) is in ``tests/test_cli_server.py``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from desktop.core.errors import ModelError, ModelServerError
from desktop.core.generation.backends.base import MODE_COMPLETION, GenerationParams, Prompt
from desktop.core.generation.backends.openai_server import (
    OpenAIServerBackend,
    ServerSettings,
    retry_after_seconds,
)
from desktop.core.generation.drafting import draft_reply
from desktop.core.inbox import add_message, get_entry
from desktop.core.inbox.batch import FAILED, FINISHED, draft_all, summary_line
from desktop.core.store import Store, open_store
from desktop.core.tasks import CancelToken
from tests.core.generation.conftest import make_persona
from tests.llama_server import free_port

MODEL = "stand-in"


@dataclass
class Script:
    """What the stand-in answers; the handler reads it on every request."""

    status: int = 200
    retry_after: str | None = None
    failures_left: int = 10**9
    """How many requests get ``status`` before the stand-in answers normally."""
    reply: str = "haha thank you so much!"
    delay_s: float = 0.0
    finish: bool = True
    """False: end the stream without a finish reason (as llama-cpp-python's server does when it cuts a
    reply)."""
    die_after: int | None = None
    """Completions answered before every later one has its connection closed (a killed server)."""
    requests: list[str] = field(default_factory=list)
    completions: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _status(self) -> bool:
        script = self.script
        with script.lock:
            script.requests.append(self.path)
            failing = script.status != 200 and script.failures_left > 0
            if failing:
                script.failures_left -= 1
        if not failing:
            return False
        body = json.dumps({"error": {"message": "scripted", "type": "x"}}).encode()
        self.send_response(script.status)
        if script.retry_after is not None:
            self.send_header("Retry-After", script.retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return True

    def do_GET(self) -> None:
        if self._status():
            return
        body = json.dumps(
            {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "me"}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self._status():
            return
        script = self.script
        with script.lock:
            script.completions += 1
            number = script.completions
            script.in_flight += 1
            script.most_in_flight = max(script.most_in_flight, script.in_flight)
        try:
            if script.die_after is not None and number > script.die_after:
                self.close_connection = True
                self.connection.close()  # no answer at all: the connection drops
                return
            time.sleep(script.delay_s)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = script.reply.split(" ")
            for index, word in enumerate(words):
                last = index == len(words) - 1
                reason = "stop" if last and script.finish else None
                chunk = {
                    "id": "c",
                    "object": "text_completion",
                    "created": 0,
                    "model": MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "text": (" " if index else "") + word,
                            "finish_reason": reason,
                            "logprobs": None,
                        }
                    ],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        finally:
            with script.lock:
                script.in_flight -= 1


@pytest.fixture
def stand_in() -> Iterator[tuple[str, Script]]:
    script = Script()
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", script
    server.shutdown()
    server.server_close()


def _backend(url: str, **settings: Any) -> OpenAIServerBackend:
    return OpenAIServerBackend(ServerSettings(base_url=url, model=MODEL, mode=MODE_COMPLETION, **settings))


def _fault(url: str, **settings: Any) -> ModelError:
    with pytest.raises(ModelError) as caught:
        _backend(url, **settings).load()
    return caught.value


def test_a_refused_key_is_plain(stand_in: tuple[str, Script]) -> None:
    url, script = stand_in
    script.status = 401
    error = _fault(url)
    assert isinstance(error, ModelServerError)
    assert (
        str(error).startswith(f"The model server at {url} refused the API key (401).")
        and "keychain" in error.hint
    )


def test_an_unknown_model_is_plain(stand_in: tuple[str, Script]) -> None:
    url, script = stand_in
    with pytest.raises(ModelServerError, match="has no model named 'llama-70b'. It offers: stand-in."):
        OpenAIServerBackend(ServerSettings(base_url=url, model="llama-70b")).load()
    backend = _backend(url)
    backend.load()
    script.status, script.failures_left = 404, 1  # the model went away between the list and the request
    with pytest.raises(ModelServerError, match="does not know the model 'stand-in'"):
        list(backend.stream(Prompt(MODE_COMPLETION, "hi"), GenerationParams(max_tokens=4), CancelToken()))


def test_a_refused_connection_is_plain() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    error = _fault(url)
    assert isinstance(error, ModelServerError) and "could not reach the model server" in str(error)


@pytest.mark.parametrize("status", [429, 503])
def test_busy_is_retried_as_retry_after_asks(stand_in: tuple[str, Script], status: int) -> None:
    url, script = stand_in
    script.status, script.retry_after, script.failures_left = status, "0.3", 2
    started = time.monotonic()
    backend = _backend(url)
    backend.load()  # two busy answers, then the list
    assert time.monotonic() - started >= 0.6 and script.requests == ["/v1/models"] * 3
    backend.unload()


def test_busy_for_too_long_is_plain_and_bounded(stand_in: tuple[str, Script]) -> None:
    url, script = stand_in
    script.status, script.retry_after = 429, "120"
    started = time.monotonic()
    error = _fault(url)
    assert time.monotonic() - started < 2 and len(script.requests) == 1  # not waited for two minutes
    assert "is busy (429, too many requests) and asks to wait 120 seconds" in str(error)
    script.requests.clear()
    script.status, script.retry_after = 503, None  # no Retry-After: 0.5, 1, 2 s, then give up
    error = _fault(url, max_retries=2)
    assert len(script.requests) == 3 and "still was after 3 tries over 1.5 seconds" in str(error)
    assert isinstance(error, ModelServerError) and "drafting.server_parallel" in error.hint


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after_seconds("2") == 2.0 and retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: retry now


def test_a_cut_reply_is_not_a_draft(stand_in: tuple[str, Script]) -> None:
    url, script = stand_in
    backend = _backend(url)
    backend.load()
    script.finish = False
    with pytest.raises(ModelServerError, match="ended a reply before it was finished") as caught:
        list(backend.stream(Prompt(MODE_COMPLETION, "hi"), GenerationParams(max_tokens=9), CancelToken()))
    assert "--interrupt_requests False" in caught.value.hint
    backend.unload()


# --- batches through a server --------------------------------------------------------------


class _ServerSession:
    """What ``draft_all`` needs of a ``DraftingSession`` (store, backend, draft), with no local
    models: no retrieval, the triage rules only."""

    def __init__(self, store: Store, backend: OpenAIServerBackend, candidates: int) -> None:
        self.store, self.backend, self.candidates = store, backend, candidates

    def draft(self, incoming: str, **options: Any) -> Any:
        options.pop("thread_tail", None)
        return draft_reply(
            incoming, persona=make_persona(), backend=self.backend, candidates=self.candidates, **options
        )


def _inbox(path: Path, count: int) -> Store:
    store = open_store(path)
    for number in range(count):
        add_message(
            store,
            f"hey, quick question number {number}: what do you eat before training?",
            sender=f"fan{number}",
        )
    return store


def _run(batch: Any) -> Any:
    while True:
        try:
            next(batch)
        except StopIteration as stop:
            return stop.value


@pytest.mark.parametrize("candidates", [1, 2])
def test_a_batch_keeps_k_requests_in_flight(
    stand_in: tuple[str, Script], tmp_path: Path, candidates: int
) -> None:
    url, script = stand_in
    script.delay_s = 0.2
    backend = _backend(url, parallel=4)
    backend.load()
    with _inbox(tmp_path / "store.db", 8) as store:
        started = time.monotonic()
        summary = _run(draft_all(_ServerSession(store, backend, candidates)))
        seconds = time.monotonic() - started
        assert (
            summary.stopped == FINISHED and summary.parallel == 4 and summary.drafted + summary.flagged == 8
        )
        assert script.most_in_flight == 4  # K in flight, never more
        assert seconds < 8 * candidates * 0.2 * 0.6  # far from one request after another
        entry = get_entry(store, 1)
        assert entry.state != "new" and entry.draft_text
    backend.unload()


def test_a_server_dying_mid_batch_keeps_finished_drafts(stand_in: tuple[str, Script], tmp_path: Path) -> None:
    url, script = stand_in
    script.die_after = 3  # three replies, then every connection drops
    backend = _backend(url, parallel=2)
    backend.load()
    with _inbox(tmp_path / "store.db", 8) as store:
        summary = _run(draft_all(_ServerSession(store, backend, 1)))
        states = [get_entry(store, item_id).state for item_id in range(1, 9)]
    backend.unload()
    assert summary.stopped == FAILED and summary.done == 3 and states.count("new") == 5
    assert "broke while it was writing a reply" in summary.error or "could not reach" in summary.error
    line = summary_line(summary)
    assert line.startswith("Stopped early: 3 drafted, 0 flagged (kept); 5 still to draft. ")
    assert line.endswith("Check that the server is running and that the address and port are right.")


def test_cancel_leaves_the_rest_new(stand_in: tuple[str, Script], tmp_path: Path) -> None:
    url, script = stand_in
    script.delay_s = 0.3
    backend = _backend(url, parallel=2)
    backend.load()
    cancel = CancelToken()
    with _inbox(tmp_path / "store.db", 6) as store:
        batch = draft_all(_ServerSession(store, backend, 1), cancel=cancel)
        timer = threading.Timer(0.1, cancel.cancel)
        timer.start()
        summary = _run(batch)
        states = [get_entry(store, item_id).state for item_id in range(1, 7)]
    backend.unload()
    assert summary.stopped == "cancelled" and states.count("new") == 6
