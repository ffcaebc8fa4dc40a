"""Secrets go to the keychain or nowhere; without a keychain the creator is told plainly."""

import pytest

from desktop.core.errors import SecretsUnavailableError
from desktop.core.secrets import SERVICE, SecretStore, keyring_status
from tests.conftest import InMemoryKeyring


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
