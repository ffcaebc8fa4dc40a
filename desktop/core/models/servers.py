"""Model servers the creator drafts with, and the choice between them and the local models.

A server entry (name, URL, model, mode) lives in ``models.json`` beside the chosen local model,
so there is ONE settings place for models (``ModelManager`` reads and writes it). Its API key
never does: it goes to the keychain (``SecretStore``) under ``server_key_secret(name)``, and the
entry only records that one was given (``has_key``).

Names: a server's name never ends in ``.gguf``, so ``models use NAME`` can tell a server from a
local file by the name alone.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from desktop.core.errors import ModelError
from desktop.core.generation.backends.base import MODE_CHAT, MODES
from desktop.core.generation.backends.openai_server import ServerSettings
from desktop.core.secrets import SecretStore

LOCAL, SERVER = "local", "server"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
DEFAULT_CONTEXT = 4096
DEFAULT_TIMEOUT_S = 60.0


def server_key_secret(name: str) -> str:
    """The keychain entry holding the API key of server ``name``."""
    return f"openai-server:{name}:api-key"


@dataclass(frozen=True)
class ServerEntry:
    """One OpenAI-compatible server as the creator configured it (no secret in it)."""

    name: str
    url: str
    model: str
    mode: str = MODE_CHAT
    has_key: bool = False
    context_length: int = DEFAULT_CONTEXT
    timeout_s: float = DEFAULT_TIMEOUT_S

    def settings(self, parallel: int = 4) -> ServerSettings:
        """The backend's settings; ``parallel``: requests in flight in a batch (a profile setting)."""
        return ServerSettings(
            base_url=self.url,
            model=self.model,
            mode=self.mode,
            context_length=self.context_length,
            timeout_s=self.timeout_s,
            api_key_secret=server_key_secret(self.name),
            parallel=parallel,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("name")
        return data

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> "ServerEntry":
        return cls(
            name=name,
            url=str(data.get("url", "")),
            model=str(data.get("model", "")),
            mode=str(data.get("mode", MODE_CHAT)) if data.get("mode") in MODES else MODE_CHAT,
            has_key=bool(data.get("has_key", False)),
            context_length=int(data.get("context_length") or DEFAULT_CONTEXT),
            timeout_s=float(data.get("timeout_s") or DEFAULT_TIMEOUT_S),
        )


@dataclass(frozen=True)
class ModelChoice:
    """What drafts are written with: a local GGUF (``path``) or a server (``server``)."""

    kind: str
    name: str
    path: Path | None = None
    server: ServerEntry | None = None

    @property
    def is_server(self) -> bool:
        return self.kind == SERVER

    def describe(self) -> str:
        """In words, for the CLI and the status bar."""
        if self.server is not None:
            return f"the server '{self.name}' ({self.server.model} at {self.server.url})"
        return self.name


def check_name(name: str) -> str:
    if not _NAME.match(name) or name.lower().endswith(".gguf"):
        raise ModelError(
            f"'{name}' cannot be a server name.",
            hint="Use letters, digits, '.', '-' or '_' (up to 64), not ending in .gguf (that is a model "
            "file).",
        )
    return name


def normalize_url(url: str) -> str:
    """The API's base URL: http(s) with a host; a bare ``http://host:port`` gets ``/v1``,
    which llama.cpp's server, vLLM, Ollama and LM Studio all serve the API under."""
    url = url.strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ModelError(
            f"'{url}' is not a server address.",
            hint="Give it as http://HOST:PORT/v1 (for example http://127.0.0.1:8080/v1).",
        )
    try:
        parsed.port  # noqa: B018  (a bad port raises here)
    except ValueError as exc:
        raise ModelError(f"'{url}' has a port that is not a number.") from exc
    return url + "/v1" if parsed.path in ("", "/") else url


@dataclass(frozen=True)
class ServerCheck:
    """A connection test's result, in plain words."""

    name: str
    model: str
    connect_s: float
    reply_s: float

    def message(self) -> str:
        return (
            f"Connected to '{self.name}': the model {self.model} answered a one-token request in "
            f"{_seconds(self.reply_s)} (connecting and listing its models took {_seconds(self.connect_s)})."
        )


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} seconds"


def check_server(entry: ServerEntry, secrets: SecretStore | None = None) -> ServerCheck:
    """Connect to ``entry``, check its model name, and time a one-token reply.

    Raises ``ModelError`` (``ModelServerError`` for an unreachable server, a refused key, an
    unknown model) in plain words."""
    from desktop.core.generation.backends.openai_server import OpenAIServerBackend

    backend = OpenAIServerBackend(
        entry.settings(parallel=1), secrets if secrets is not None else SecretStore()
    )
    started = time.perf_counter()
    backend.load()
    try:
        connected = time.perf_counter() - started
        reply = backend.round_trip()
        return ServerCheck(entry.name, backend.facts.name, connected, reply)
    finally:
        backend.unload()
