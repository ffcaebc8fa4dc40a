"""Privacy end to end: no connection attempted, no secret at rest, data readable by the owner only.

One full run through the CLI, with the real default models: import an archive, queue the
conversations awaiting a reply, index and draft them, review, export and verify a reply pack.
During the whole run every way out of the process is refused (``socket.connect``,
``connect_ex``, ``create_connection`` and name lookups, loopback and local sockets included)
and recorded: the record must stay empty. Afterwards no API key, webhook token or pack-signing
key appears in any file under the data folder, in the pack, or in anything printed; and the
data folder and database carry owner-only permissions.

A live connection (Mastodon here) is configured, its token in the keychain, and not used: it
connects to nothing, and its token is written nowhere. The connectors that may connect (the
webhook, the OpenAI-compatible server backend) are checked apart: they reach their configured
address and nothing else, even with a proxy set in the environment; each live connector's own
tests check that it talks to its configured server only (tests/connectors).
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import secrets
import socket
import stat
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.connectors.base import ConnectionSecrets
from desktop.core.errors import ModelError
from desktop.core.generation.backends.openai_server import API_KEY_SECRET, OpenAIServerBackend, ServerSettings
from desktop.core.inbox import add_message, approve, save_draft
from desktop.core.inbox.signing import private_key_name, profile_public_key
from desktop.core.inbox.webhook import TOKEN_SECRET, WebhookConfig, deliver_approved, save_webhook_config
from desktop.core.paths import Paths
from desktop.core.secrets import SecretStore
from desktop.core.store import open_store
from desktop.core.store.connections import save_connection
from tests.conftest import InMemoryKeyring
from tests.reliability.corpus import big_instagram_archive


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to reach anything through a socket, recorded and refused."""
    seen: list[str] = []

    def refuse(what: str):  # type: ignore[no-untyped-def]
        def refused(*args: object, **kwargs: object) -> object:
            seen.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"no network in this test: {what}")

        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    return seen


@pytest.fixture
def private_umask() -> Iterator[None]:
    """The usual umask (022), so owner-only permissions must come from Understudy itself."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _cli(base: Path, *args: str) -> int:
    return main(["--basedir", str(base), *args])


def _variants(secret: str) -> list[bytes]:
    """The secret as text, and for the hex signing key also its raw bytes and their base64."""
    forms = [secret.encode()]
    try:
        raw = bytes.fromhex(secret)
    except ValueError:
        return forms
    return forms + [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


def _files_to_search(base: Path, pack: Path) -> dict[str, bytes]:
    """Every file under the data folder (but the model weights), the pack, and each member of it."""
    found = {str(p): p.read_bytes() for p in base.rglob("*") if p.is_file() and p.suffix != ".gguf"}
    found[str(pack)] = pack.read_bytes()
    with zipfile.ZipFile(pack) as archive:
        for name in archive.namelist():
            found[f"{pack}!{name}"] = archive.read(name)
    return found


@pytest.mark.slow
def test_the_whole_pipeline_runs_offline_and_leaves_no_secret_behind(
    tmp_path: Path,
    default_models_dir: Path,
    memory_keyring: InMemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    attempts: list[str],
    private_umask: None,
) -> None:
    base = tmp_path / "data"
    paths = Paths.resolve(base).ensure()
    for model in default_models_dir.glob("*.gguf"):
        os.link(model, paths.models / model.name)
    api_key, token = "sk-" + secrets.token_hex(24), "whk_" + secrets.token_urlsafe(24)
    mastodon_token = secrets.token_urlsafe(32)
    keychain = SecretStore()
    keychain.set(API_KEY_SECRET, api_key)
    keychain.set(TOKEN_SECRET, token)
    archive = big_instagram_archive(
        tmp_path / "instagram.zip", 210, per_thread=21
    )  # each thread ends with a fan
    pack = tmp_path / "replies.zip"

    assert _cli(base, "import", str(archive)) == 0
    with open_store(paths.profile().store) as store:  # the connectors are configured, and not used
        save_webhook_config(store, WebhookConfig(url="https://hooks.example.com/understudy", enabled=False))
        save_connection(store, "mastodon", {"instance": "https://mastodon.example"}, "2026-12-06T09:00:00Z")
    ConnectionSecrets(keychain, "mastodon").set("access_token", mastodon_token)
    assert _cli(base, "inbox", "import", "--candidates") == 0
    assert _cli(base, "inbox", "draft-all", "--limit", "2") == 0
    capsys.readouterr()
    assert _cli(base, "inbox", "list", "--json") == 0
    drafted = [e for e in json.loads(capsys.readouterr().out)["entries"] if e["draft_id"] is not None]
    assert len(drafted) == 2
    for entry in drafted:
        assert (
            _cli(base, "inbox", "edit", str(entry["item_id"]), "Thank you so much! It's a Sony A7 IV.") == 0
        )
        assert _cli(base, "inbox", "approve", str(entry["item_id"])) == 0
    assert _cli(base, "packs", "export", str(pack)) == 0
    assert _cli(base, "packs", "verify", str(pack)) == 0
    assert _cli(base, "connect", "list") == 0 and _cli(base, "connect", "log") == 0
    printed = capsys.readouterr()

    assert attempts == [], f"something tried to connect: {attempts}"

    with open_store(paths.profile().store) as store:
        public = profile_public_key(store)
    assert public is not None, "the export made a key pair; the profile holds its public key"
    signing_key = keychain.get(private_key_name(public.fingerprint))
    assert signing_key, "the export made a signing key, in the keychain"
    searched = _files_to_search(base, pack)
    searched["printed output"] = (printed.out + printed.err).encode()
    assert any(name.endswith("store.sqlite3") for name in searched)
    for label, secret in (
        ("API key", api_key),
        ("webhook token", token),
        ("pack-signing key", signing_key),
        ("Mastodon token", mastodon_token),
    ):
        for form in _variants(secret):
            leaks = [name for name, data in searched.items() if form in data]
            assert leaks == [], f"the {label} is written in {leaks}"

    # Data at rest: the folders are the creator's alone, the database too (its WAL and SHM with it).
    profile = paths.profile()
    for folder in (
        base,
        paths.models,
        paths.cache,
        paths.logs,
        paths.profiles_dir,
        profile.root,
        profile.index_dir,
    ):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for suffix in ("", "-wal", "-shm"):
        database = profile.store.with_name(profile.store.name + suffix)
        if database.exists():
            assert stat.S_IMODE(database.stat().st_mode) == 0o600, database


def test_an_older_store_readable_by_others_is_made_private_when_opened(
    tmp_path: Path, private_umask: None
) -> None:
    path = tmp_path / "store.sqlite3"
    open_store(path).close()
    path.chmod(0o644)
    open_store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


class _Receiver(http.server.BaseHTTPRequestHandler):
    """A webhook receiver on loopback: answers 200 and keeps what it got."""

    received: list[dict[str, object]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append({"auth": self.headers.get("Authorization"), "body": json.loads(body)})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, int]]:
    _Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address  # type: ignore[misc]
    server.shutdown()
    server.server_close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Where outgoing connections went (loopback only: the autouse guard refuses anything else)."""
    made: list[object] = []
    guarded = socket.socket.connect

    def record(self: socket.socket, address: object) -> object:
        made.append(address)
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", record)
    return made


def test_the_webhook_reaches_its_configured_address_only_even_with_a_proxy_set(
    tmp_path: Path,
    memory_keyring: InMemoryKeyring,
    receiver: tuple[str, int],
    connections: list[object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.8.7:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://10.9.8.7:3128")
    host, port = receiver
    keychain = SecretStore()
    keychain.set(TOKEN_SECRET, "whk_secret")
    with open_store(tmp_path / "store.sqlite3") as store:
        item = add_message(store, "Do you ship to Canada?", sender="fan", platform="instagram")
        save_draft(store, item, "Yes we do!")
        approve(store, item)
        save_webhook_config(store, WebhookConfig(url=f"http://{host}:{port}/hook", enabled=True))
        report = deliver_approved(store, keychain, sleep=lambda _: None)
    assert report.delivered == 1
    assert connections == [(host, port)]
    assert _Receiver.received[0]["auth"] == "Bearer whk_secret"


def test_the_server_backend_reaches_its_configured_address_only_even_with_a_proxy_set(
    memory_keyring: InMemoryKeyring, connections: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listens on the configured port: the backend says so, having tried that address alone."""
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.8.7:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.8.7:3128")
    with socket.socket() as probe:  # a free port, closed again
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    SecretStore().set(API_KEY_SECRET, "sk-test")
    backend = OpenAIServerBackend(
        ServerSettings(base_url=f"http://127.0.0.1:{port}/v1", timeout_s=5), SecretStore()
    )
    with pytest.raises(ModelError):
        backend.load()
    assert connections and set(connections) == {("127.0.0.1", port)}
