"""An encrypted file of secrets, for a computer with no system keychain.

Why it exists: keyring finds no usable backend on a headless Linux box (and on many Linux
desktops without an unlocked GNOME Keyring or KWallet). Without this file the API keys, the
webhook token and the pack-signing key could be kept for one session only. Here every secret
lives in one JSON object encrypted with AES-256-GCM under a key that scrypt derives from a
passphrase the creator chooses; nothing is ever written in plain text.

The file (JSON, the binary fields base64)::

    {"format": "understudy-secrets", "version": 1,
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": "..."},
     "nonce": "...", "ciphertext": "..."}

``format``, ``version`` and ``kdf`` are the AES-GCM associated data, so changing any of them
fails like a wrong passphrase. Every write goes to a new file (permissions 0600) that replaces
the old one only once complete, so a crash or a full disk never loses what was there; a file
that cannot be read is never overwritten.
"""

from __future__ import annotations

import base64
import json
import os
import secrets as _random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from filelock import FileLock, Timeout

from desktop.core.errors import KnownError

FILE_FORMAT = "understudy-secrets"
FILE_VERSION = 1
#: scrypt's cost: 32 MiB of memory and about a tenth of a second per unlock.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSPHRASE = 8
LOCK_TIMEOUT_SECONDS = 30.0


class WrongPassphraseError(KnownError):
    """The passphrase does not open the secrets file."""


class SecretFileDamagedError(KnownError):
    """The secrets file cannot be read; it is left exactly as it is."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(passphrase: str, kdf: dict[str, Any]) -> bytes:
    return Scrypt(
        salt=base64.b64decode(kdf["salt"], validate=True),
        length=32,
        n=int(kdf["n"]),
        r=int(kdf["r"]),
        p=int(kdf["p"]),
    ).derive(passphrase.encode("utf-8"))


def _new_kdf(scrypt_n: int) -> dict[str, Any]:
    return {
        "name": "scrypt",
        "n": scrypt_n,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "salt": _b64(_random.token_bytes(16)),
    }


def _associated_data(kdf: dict[str, Any]) -> bytes:
    header = {"format": FILE_FORMAT, "version": FILE_VERSION, "kdf": kdf}
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def check_new_passphrase(passphrase: str) -> str:
    """``passphrase`` when it is long enough to protect the file, else ``KnownError``."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise KnownError(f"Choose a passphrase of at least {MIN_PASSPHRASE} characters.")
    return passphrase


class SecretFile:
    """The unlocked secrets file: ``get``, ``set`` and ``delete`` by name, each write saved at once.

    Open one with ``SecretFile.open`` (an existing file) or ``SecretFile.create`` (a new one).
    Every read and write loads the file again, so two programs sharing it (the app and the
    command line) see each other's secrets.
    """

    def __init__(self, path: Path, kdf: dict[str, Any], key: bytes) -> None:
        self.path = path
        self._kdf = kdf
        self._key = key

    # --- opening --------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path | str, passphrase: str, *, scrypt_n: int = SCRYPT_N) -> SecretFile:
        """A new, empty secrets file at ``path`` (refuses to replace an existing one)."""
        path = Path(path)
        if path.exists():
            raise KnownError(f"{path} already exists: open it with its passphrase instead.")
        check_new_passphrase(passphrase)
        kdf = _new_kdf(scrypt_n)
        opened = cls(path, kdf, _derive(passphrase, kdf))
        opened._write({})
        return opened

    @classmethod
    def open(cls, path: Path | str, passphrase: str) -> SecretFile:
        """The secrets file at ``path``; ``WrongPassphraseError`` or ``SecretFileDamagedError`` if it
        cannot be opened."""
        path = Path(path)
        header = _read_header(path)
        try:
            key = _derive(passphrase, header["kdf"])
        except (ValueError, TypeError, OverflowError) as exc:
            raise _damaged(path, "its key settings are not valid") from exc
        opened = cls(path, header["kdf"], key)
        opened._load()  # checks the passphrase
        return opened

    # --- secrets --------------------------------------------------------------------------------

    def get(self, name: str) -> str | None:
        return self._load().get(name)

    def set(self, name: str, value: str) -> None:
        with self._changing():
            values = self._load()
            values[name] = value
            self._write(values)

    def delete(self, name: str) -> None:
        with self._changing():
            values = self._load()
            if values.pop(name, None) is not None:
                self._write(values)

    def names(self) -> list[str]:
        return sorted(self._load())

    def change_passphrase(self, passphrase: str, *, scrypt_n: int = SCRYPT_N) -> None:
        """Encrypt the same secrets under a new passphrase (and a new salt)."""
        check_new_passphrase(passphrase)
        with self._changing():
            values = self._load()
            kdf = _new_kdf(scrypt_n)
            key = _derive(passphrase, kdf)
            self._kdf, self._key = kdf, key
            self._write(values)

    # --- the file -------------------------------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Held from read to write of a change: the app and the command line may change the file at
        the same moment, and without it one's new secret would be lost under the other's write."""
        lock = FileLock(self.path.with_name(f".{self.path.name}.lock"), mode=0o600)
        try:
            lock.acquire(timeout=LOCK_TIMEOUT_SECONDS)
        except Timeout as exc:
            raise KnownError(
                f"The secrets file {self.path} is being changed by another Understudy window or command.",
                hint="Try again in a moment.",
            ) from exc
        try:
            yield
        finally:
            lock.release()

    def _load(self) -> dict[str, str]:
        header = _read_header(self.path)
        if header["kdf"] != self._kdf:
            raise WrongPassphraseError(
                f"The secrets file {self.path} was given a new passphrase meanwhile: enter that one."
            )
        try:
            nonce = base64.b64decode(header["nonce"], validate=True)
            ciphertext = base64.b64decode(header["ciphertext"], validate=True)
        except (ValueError, TypeError) as exc:
            raise _damaged(self.path, "its encrypted part is not base64") from exc
        try:
            plain = AESGCM(self._key).decrypt(nonce, ciphertext, _associated_data(self._kdf))
        except (InvalidTag, ValueError) as exc:
            raise WrongPassphraseError(
                "That passphrase does not open the secrets file (or the file was changed by something "
                f"else). Nothing was changed: {self.path}.",
                hint="Try again; the passphrase is the one chosen when the file was made.",
            ) from exc
        try:
            values = json.loads(plain.decode("utf-8"))
        except ValueError as exc:
            raise _damaged(self.path, "its contents are not readable") from exc
        if not isinstance(values, dict):
            raise _damaged(self.path, "its contents are not a list of secrets")
        return {str(k): str(v) for k, v in values.items()}

    def _write(self, values: dict[str, str]) -> None:
        nonce = _random.token_bytes(12)
        plain = json.dumps(values, sort_keys=True).encode("utf-8")
        ciphertext = AESGCM(self._key).encrypt(nonce, plain, _associated_data(self._kdf))
        document = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "kdf": self._kdf,
            "nonce": _b64(nonce),
            "ciphertext": _b64(ciphertext),
        }
        data = json.dumps(document, indent=2, sort_keys=True).encode("utf-8")
        partial = self.path.with_name(f".{self.path.name}.{_random.token_hex(4)}.partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(partial, 0o600)  # whatever the umask said
            os.replace(partial, self.path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise KnownError(
                f"The secrets file {self.path} could not be saved: {exc.strerror or exc}. "
                "The previous file is unchanged."
            ) from exc


def _damaged(path: Path, why: str) -> SecretFileDamagedError:
    return SecretFileDamagedError(
        f"The secrets file {path} is damaged ({why}). It was left exactly as it is; nothing was deleted.",
        hint="Restore it from a backup, or move it aside to start a new one (its secrets then have to "
        "be entered again).",
    )


def _read_header(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise KnownError(f"There is no secrets file at {path}.") from exc
    except OSError as exc:
        raise KnownError(f"The secrets file {path} cannot be read: {exc.strerror or exc}.") from exc
    try:
        document = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise _damaged(path, "it is not the JSON Understudy writes") from exc
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise _damaged(path, "it is not an Understudy secrets file")
    if document.get("version") != FILE_VERSION:
        raise _damaged(path, f"format version {document.get('version')!r} is not one this version reads")
    kdf = document.get("kdf")
    if (
        not isinstance(kdf, dict)
        or kdf.get("name") != "scrypt"
        or not all(isinstance(kdf.get(k), int) for k in ("n", "r", "p"))
        or not isinstance(kdf.get("salt"), str)
        or not isinstance(document.get("nonce"), str)
        or not isinstance(document.get("ciphertext"), str)
    ):
        raise _damaged(path, "its header is incomplete")
    return document
