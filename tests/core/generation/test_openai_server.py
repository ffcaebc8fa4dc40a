"""The OpenAI-compatible server backend against llama-cpp-python's own server, on loopback."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.errors import ModelError
from desktop.core.generation.backends.base import MODE_CHAT, MODE_COMPLETION, GenerationParams, Prompt
from desktop.core.generation.backends.openai_server import OpenAIServerBackend, ServerSettings
from desktop.core.generation.prompting import build_prompt
from desktop.core.models import DEFAULT_CHAT_MODEL
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken
from tests.core.generation.conftest import make_request
from tests.llama_server import ALIAS, free_port, llama_server


@pytest.fixture(scope="module")
def server_url(default_models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with llama_server(default_models_dir / DEFAULT_CHAT_MODEL, tmp_path_factory.mktemp("server")) as server:
        yield server.url


@pytest.fixture
def backend(server_url: str) -> Iterator[OpenAIServerBackend]:
    instance = OpenAIServerBackend(
        ServerSettings(
            base_url=server_url, model=ALIAS, mode=MODE_COMPLETION, context_length=2048, timeout_s=60
        )
    )
    instance.load()
    yield instance
    instance.unload()


def test_completion_streams_a_draft(backend: OpenAIServerBackend) -> None:
    assert backend.facts.name == ALIAS and backend.facts.mode == MODE_COMPLETION
    prompt = build_prompt(make_request(), MODE_COMPLETION, backend.count_tokens, 1800)
    pieces = list(backend.stream(prompt, GenerationParams(max_tokens=40, seed=3), CancelToken()))
    text = "".join(pieces)
    assert text.strip() and "Fan:" not in text
    assert backend.last_run.first_token_s is not None and backend.last_run.finish_reason in ("stop", "length")


def test_chat_streams(server_url: str) -> None:
    chat = OpenAIServerBackend(ServerSettings(base_url=server_url, model=ALIAS, mode=MODE_CHAT))
    chat.load()
    try:
        prompt = build_prompt(make_request(), MODE_CHAT, chat.count_tokens, 1500)
        text = "".join(chat.stream(prompt, GenerationParams(max_tokens=12, seed=1), CancelToken()))
        assert text.strip()
    finally:
        chat.unload()


def test_cancel_closes_the_stream(backend: OpenAIServerBackend) -> None:
    cancel = CancelToken()
    prompt = Prompt(mode=MODE_COMPLETION, text="Here is a long story about a dragon. Once upon a time,")
    pieces = []
    for piece in backend.stream(prompt, GenerationParams(max_tokens=200, seed=1), cancel):
        pieces.append(piece)
        cancel.cancel()
    assert len(pieces) == 1 and backend.last_run.finish_reason == "cancelled"
    # The server is free again for the next draft.
    again = list(backend.stream(prompt, GenerationParams(max_tokens=5, seed=1), CancelToken()))
    assert again


def test_refused_connection_is_plain() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with pytest.raises(ModelError) as caught:
        OpenAIServerBackend(ServerSettings(base_url=url, model="x")).load()
    assert str(caught.value).startswith(f"Understudy could not reach the model server at {url}.")


def test_timeout_is_plain() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        with pytest.raises(ModelError, match="did not answer within 0.5 seconds"):
            OpenAIServerBackend(ServerSettings(base_url=url, model="x", timeout_s=0.5)).load()


def test_wrong_model_name_lists_the_served_models(server_url: str) -> None:
    with pytest.raises(ModelError) as caught:
        OpenAIServerBackend(ServerSettings(base_url=server_url, model="llama-70b")).load()
    message = str(caught.value)
    assert "no model named 'llama-70b'" in message and f"It offers: {ALIAS}." in message


class _KeyFromKeychain(SecretStore):
    """A keychain holding one key, standing in for the system keychain."""

    def __init__(self) -> None:
        super().__init__(session_only=True)
        self.asked: list[str] = []

    def get(self, name: str) -> str | None:
        self.asked.append(name)
        return "sk-local-test"


def test_api_key_comes_from_the_keychain(server_url: str) -> None:
    secrets = _KeyFromKeychain()
    instance = OpenAIServerBackend(ServerSettings(base_url=server_url, model=ALIAS), secrets)
    instance.load()
    try:
        assert secrets.asked == ["openai-server:api-key"]
        assert instance._client.api_key == "sk-local-test"
    finally:
        instance.unload()
