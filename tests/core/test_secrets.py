"""Secrets go to the keychain or nowhere; without a keychain the creator is told plainly."""

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from desktop.core.errors import SecretsUnavailableError
from desktop.core.secrets import SERVICE, SecretStore, keyring_status


class InMemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict, as a test keychain."""

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
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keychain() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_secret_round_trips_through_the_keychain(memory_keyring: InMemoryKeyring) -> None:
    store = SecretStore()
    store.set("server:api-key", "sk-local-123")
    assert memory_keyring.passwords[(SERVICE, "server:api-key")] == "sk-local-123"
    assert SecretStore().get("server:api-key") == "sk-local-123"
    store.delete("server:api-key")
    store.delete("server:api-key")  # idempotent
    assert store.get("server:api-key") is None
    assert keyring_status().available


def test_without_a_keychain_the_status_says_so_in_plain_words(no_keychain: None) -> None:
    status = keyring_status()
    assert not status.available
    assert "No system keychain" in status.message and "never written to a file" in status.message


def test_without_a_keychain_nothing_is_saved_unless_session_only_was_chosen(no_keychain: None) -> None:
    with pytest.raises(SecretsUnavailableError, match="No system keychain"):
        SecretStore().set("server:api-key", "sk-1")
    session = SecretStore(session_only=True)
    session.set("server:api-key", "sk-1")
    assert session.get("server:api-key") == "sk-1"
    assert SecretStore(session_only=True).get("server:api-key") is None  # gone with the session
