"""Test-wide set-up: offscreen Qt, a throwaway base folder, no network, real default models.

Tests never touch the creator's real home: the base folder points into pytest's tmp dir
before any desktop module resolves a path.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["UNDERSTUDY_BASEDIR"] = tempfile.mkdtemp(prefix="understudy-test-base-")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="understudy-test-xdg-"))

from desktop.core.addresses import is_loopback  # noqa: E402  (after the environment is set)
from desktop.core.paths import Paths  # noqa: E402


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        return is_loopback(str(address[0]))
    return isinstance(address, (str, bytes))  # AF_UNIX sockets stay on the machine


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Privacy: any connection off this machine fails the test that made it."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """A fresh base folder for one test."""
    return Paths.resolve(tmp_path / "base").ensure()


@pytest.fixture(scope="session")
def default_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real default models, set up once per test session (assembled and converted)."""
    from desktop.core.models.defaults import ensure_default_models

    models = tmp_path_factory.mktemp("models")
    for _progress in ensure_default_models(models):
        pass
    return models


@pytest.fixture
def paths_with_models(paths: Paths, default_models_dir: Path) -> Paths:
    """A fresh base folder whose models folder holds the default models (hard links, no copy)."""
    for model in default_models_dir.glob("*.gguf"):
        target = paths.models / model.name
        try:
            os.link(model, target)
        except OSError:
            target.symlink_to(model)
    return paths


class InMemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict: the tests' keychain."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError(username)
        del self.passwords[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[InMemoryKeyring]:
    """A working keychain for one test."""
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def no_unlocked_secret_file() -> Iterator[None]:
    """A secrets file a test unlocked is locked again after it (the unlock is process-wide)."""
    from desktop.core.secrets import lock_secret_file

    yield
    lock_secret_file()


@pytest.fixture
def no_keychain() -> Iterator[None]:
    """A machine with no keychain, as headless Linux is."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
