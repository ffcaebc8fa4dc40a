"""Secrets (API keys, the webhook token, the pack-signing key) live in the OS keychain, never in plain text.

Where no system keychain exists (a headless Linux box has none), the app says so in plain
words and lets the creator choose: an encrypted secrets file protected by a passphrase they
choose (``desktop.core.secret_file``; unlocked once per session with ``unlock_secret_file``),
keeping the secret for this session only (in memory), or not keeping it at all. It never
writes a secret into the database, nor into any file in plain text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from desktop import APP_NAME
from desktop.core.errors import SecretsUnavailableError
from desktop.core.secret_file import SecretFile

SERVICE = APP_NAME
#: The environment variable scripts set to unlock the secrets file without a prompt.
PASSPHRASE_ENV = "UNDERSTUDY_PASSPHRASE"

NO_KEYCHAIN_MESSAGE = (
    "No system keychain was found on this computer, so Understudy cannot save passwords or keys there. "
    "You can protect them with a passphrase you choose (they are then kept in an encrypted file), or "
    "keep them for this session only. They are never written to a file in plain text. On Linux, "
    "installing and unlocking GNOME Keyring or KWallet also fixes this."
)

_secret_file: SecretFile | None = None


@dataclass(frozen=True)
class KeyringStatus:
    """Whether secrets can be kept across sessions, in words for the Settings page.

    ``store``: ``"keychain"`` (the system's), ``"file"`` (the encrypted secrets file, unlocked),
    ``"locked-file"`` (a secrets file exists but its passphrase was not given yet) or ``"none"``.
    """

    available: bool
    backend: str
    message: str
    store: str = "keychain"


def unlock_secret_file(path: Path | str, passphrase: str, *, create: bool = False) -> SecretFile:
    """Open (or ``create``) the encrypted secrets file; from now on this process keeps secrets there.

    Raises ``WrongPassphraseError`` or ``SecretFileDamagedError`` (plain words) when it cannot.
    """
    global _secret_file
    opened = SecretFile.create(path, passphrase) if create else SecretFile.open(path, passphrase)
    _secret_file = opened
    return opened


def lock_secret_file() -> None:
    """Forget the unlocked secrets file (its key leaves memory; the file stays)."""
    global _secret_file
    _secret_file = None


def unlocked_secret_file() -> SecretFile | None:
    return _secret_file


def system_keychain_available() -> bool:
    return _is_usable(keyring.get_keyring())


def passphrase_from_environment() -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


def _is_usable(backend: KeyringBackend) -> bool:
    # keyring's "fail" backend (priority 0) is what it picks when no real keychain exists;
    # a chainer with no members is the same thing in disguise.
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


def keyring_status(secret_file: Path | None = None) -> KeyringStatus:
    """Where secrets are kept now; ``secret_file``: where the encrypted file would be, to say whether
    one waits for its passphrase."""
    if _secret_file is not None:
        return KeyringStatus(
            True,
            "encrypted file",
            f"Secrets are kept in an encrypted file protected by your passphrase: {_secret_file.path}.",
            "file",
        )
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if _is_usable(backend):
        return KeyringStatus(True, name, "Secrets are kept in this computer's keychain.")
    if secret_file is not None and secret_file.exists():
        return KeyringStatus(
            False,
            "encrypted file (locked)",
            f"No system keychain; secrets are kept in the encrypted file {secret_file}, which needs its "
            f"passphrase (asked for, or read from {PASSPHRASE_ENV}).",
            "locked-file",
        )
    return KeyringStatus(False, name, NO_KEYCHAIN_MESSAGE, "none")


class SecretStore:
    """Reads and writes secrets by name (e.g. ``"openai-server:api-key"``).

    Secrets go to the unlocked encrypted file if there is one, else to the system keychain.
    With neither, writing raises ``SecretsUnavailableError`` unless the creator chose
    ``session_only``, in which case secrets live in this object's memory until exit.
    """

    def __init__(self, *, session_only: bool = False) -> None:
        self.session_only = session_only
        self._session: dict[str, str] = {}

    @property
    def persistent(self) -> bool:
        return _secret_file is not None or system_keychain_available()

    def set(self, name: str, value: str) -> None:
        if _secret_file is not None:
            _secret_file.set(name, value)
            return
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
        if _secret_file is not None:
            return _secret_file.get(name)
        if not self.persistent:
            return None
        try:
            return keyring.get_password(SERVICE, name)
        except keyring.errors.KeyringError as exc:
            raise SecretsUnavailableError(f"The keychain could not be read: {exc}.") from exc

    def delete(self, name: str) -> None:
        self._session.pop(name, None)
        if _secret_file is not None:
            _secret_file.delete(name)
            return
        if not self.persistent:
            return
        try:
            keyring.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone: deleting is idempotent
