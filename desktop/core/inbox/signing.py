"""The profile's Ed25519 key pair: what signs reply packs and webhook deliveries, so anyone can check them.

Why a public-key signature: whoever receives a pack (a posting tool, an agency, the creator's
second computer) can verify it with the public key alone; the private key never leaves this
computer's keychain (or the encrypted secrets file, ``desktop.core.secrets``).

* One key pair per profile, made on first use. The private key (32 bytes, hex) is stored in the
  ``SecretStore`` under ``private_key_name(fingerprint)``; the public key and its fingerprint are
  the profile setting ``KEY_SETTING``, written only after the private key was stored.
* The fingerprint is the first 16 bytes of the SHA-256 of the raw 32-byte public key, in upper-case
  hex (``fingerprint``), shown in groups of four (``show_fingerprint``).
* A public key travels as PEM (SubjectPublicKeyInfo, what ``packs key --export`` writes), or as the
  base64 of its 32 raw bytes (what manifests and webhook headers carry).
* With no keychain and a session-only ``SecretStore``, a key made for this session signs instead
  (``SESSION_KEY_NAME``); it is not the profile's, and says so when verified.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from desktop.core.errors import KnownError, SecretsUnavailableError
from desktop.core.secrets import NO_KEYCHAIN_MESSAGE, SecretStore
from desktop.core.store import Store, record_audit, utc_now
from desktop.core.store.settings import read_setting, write_setting

ALGORITHM = "Ed25519"
KEY_SETTING = "packs.signing_key"
SESSION_KEY_NAME = "reply-packs:ed25519:session"
_FINGERPRINT = re.compile(r"^[0-9A-F]{32}$")


def private_key_name(fingerprint: str) -> str:
    """The name of the profile's private key in the keychain."""
    return f"reply-packs:ed25519:{fingerprint}"


def fingerprint_of(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:32].upper()


def show_fingerprint(fingerprint: str) -> str:
    """``3F2A 9C1B …``: the fingerprint in groups of four, as people compare it."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def parse_fingerprint(text: str) -> str | None:
    """A fingerprint typed any way (spaces, colons, lower case), or None if ``text`` is not one."""
    cleaned = re.sub(r"[\s:\-]", "", text).upper()
    return cleaned if _FINGERPRINT.match(cleaned) else None


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key (its 32 raw bytes)."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.raw)

    @property
    def base64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    def pem(self) -> str:
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verifies(self, signature: bytes, data: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    @classmethod
    def from_base64(cls, text: str) -> PublicKey:
        """Raises ``ValueError`` when ``text`` is not the base64 of 32 bytes."""
        raw = base64.b64decode(text.strip(), validate=True)
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return cls(raw)

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """A PEM public key or the base64 of its raw bytes; ``ValueError`` otherwise."""
        text = text.strip()
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("the PEM holds a public key of another kind than Ed25519")
            return cls(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
        try:
            return cls.from_base64(text)
        except binascii.Error as exc:
            raise ValueError("neither a PEM public key nor the base64 of one") from exc


def read_public_key_file(path: Path | str) -> PublicKey:
    """The public key in a file ``packs key --export`` wrote (or a base64 one); ``KnownError`` if not."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownError(f"{path} cannot be read as a public key file: {exc}.") from exc
    try:
        return PublicKey.from_text(text)
    except ValueError as exc:
        raise KnownError(f"{path} holds no Ed25519 public key ({exc}).") from exc


@dataclass(frozen=True)
class SigningKey:
    """The private half, with its public key; ``own`` is False for a session-only key."""

    private: Ed25519PrivateKey
    public: PublicKey
    own: bool = True

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def _from_hex(value: str, own: bool) -> SigningKey:
    private = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(value))
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(private, PublicKey(raw), own)


def _new_hex() -> str:
    private = Ed25519PrivateKey.generate()
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    ).hex()


def profile_public_key(store: Store) -> PublicKey | None:
    """The profile's public key, or None before its first signed pack."""
    raw = read_setting(store, KEY_SETTING)
    if raw is None:
        return None
    try:
        return PublicKey.from_base64(json.loads(raw)["public_key"])
    except (ValueError, KeyError, TypeError):
        return None


def signing_key(store: Store, secret_store: SecretStore) -> SigningKey:
    """The profile's signing key from the keychain, made on first use.

    Raises ``SecretsUnavailableError`` when there is no keychain and the creator did not choose a
    session-only ``SecretStore`` (which then signs with a key made for this session), and
    ``KnownError`` when the profile's key is not in this computer's keychain.
    """
    public = profile_public_key(store)
    if public is not None:
        value = secret_store.get(private_key_name(public.fingerprint))
        if value is not None:
            return _from_hex(value, own=True)
        if secret_store.persistent:
            raise KnownError(
                f"This profile's signing key ({show_fingerprint(public.fingerprint)}) is not in this "
                "computer's keychain, so nothing can be signed with it here.",
                hint="Sign on the computer that made the key, or unlock the secrets file that holds it.",
            )
    elif secret_store.persistent:
        value = _new_hex()
        key = _from_hex(value, own=True)
        secret_store.set(private_key_name(key.public.fingerprint), value)  # before the profile names it
        setting = {
            "algorithm": ALGORITHM,
            "public_key": key.public.base64,
            "fingerprint": key.public.fingerprint,
        }
        write_setting(store, KEY_SETTING, json.dumps({**setting, "created_at": utc_now()}, sort_keys=True))
        record_audit(store, "packs.key_created", "", {"fingerprint": key.public.fingerprint})
        return key
    if not secret_store.session_only:
        raise SecretsUnavailableError(NO_KEYCHAIN_MESSAGE)
    value = secret_store.get(SESSION_KEY_NAME)
    if value is None:
        value = _new_hex()
        secret_store.set(SESSION_KEY_NAME, value)
    return _from_hex(value, own=False)
