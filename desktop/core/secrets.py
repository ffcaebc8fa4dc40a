"""Secrets (API keys of a configured connector or server) live in the OS keychain, never on disk.

Where no system keychain exists (a headless Linux box has none), the app says so in plain
words and lets the creator choose: keep the secret for this session only (in memory), or
not at all. It never falls back to writing a secret into the database or a file.
"""

from __future__ import annotations

from dataclasses import dataclass

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from desktop import APP_NAME
from desktop.core.errors import SecretsUnavailableError

SERVICE = APP_NAME

NO_KEYCHAIN_MESSAGE = (
    "No system keychain was found on this computer, so Understudy cannot save passwords or API keys. "
    "They are never written to a file: you can keep them for this session only, and enter them again "
    "next time. On Linux, installing and unlocking GNOME Keyring or KWallet fixes this."
)


@dataclass(frozen=True)
class KeyringStatus:
    """Whether secrets can be kept across sessions, in words for the Settings page."""

    available: bool
    backend: str
    message: str


def _is_usable(backend: KeyringBackend) -> bool:
    # keyring's "fail" backend (priority 0) is what it picks when no real keychain exists;
    # a chainer with no members is the same thing in disguise.
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def keyring_status() -> KeyringStatus:
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if _is_usable(backend):
        return KeyringStatus(True, name, "Secrets are kept in this computer's keychain.")
    return KeyringStatus(False, name, NO_KEYCHAIN_MESSAGE)


class SecretStore:
    """Reads and writes secrets by name (e.g. ``"openai-server:api-key"``).

    With no system keychain, writing raises ``SecretsUnavailableError`` unless the creator
    chose ``session_only``, in which case secrets live in this object's memory until exit.
    """

    def __init__(self, *, session_only: bool = False) -> None:
        self.session_only = session_only
        self._session: dict[str, str] = {}

    @property
    def persistent(self) -> bool:
        return keyring_status().available

    def set(self, name: str, value: str) -> None:
        if self.persistent:
            try:
                keyring.set_password(SERVICE, name, value)
                return
            except keyring.errors.KeyringError as exc:
                raise SecretsUnavailableError(f"The keychain refused to save the secret: {exc}.") from exc
        if not self.session_only:
            raise SecretsUnavailableError(NO_KEYCHAIN_MESSAGE)
        self._session[name] = value

    def get(self, name: str) -> str | None:
        if name in self._session:
            return self._session[name]
        if not self.persistent:
            return None
        try:
            return keyring.get_password(SERVICE, name)
        except keyring.errors.KeyringError as exc:
            raise SecretsUnavailableError(f"The keychain could not be read: {exc}.") from exc

    def delete(self, name: str) -> None:
        self._session.pop(name, None)
        if not self.persistent:
            return
        try:
            keyring.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: deleting is idempotent
