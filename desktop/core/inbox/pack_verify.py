"""Checking a reply pack: every file against the manifest, then the manifest's signature and who made it.

Why apart from ``packs``: verifying needs no profile and no keychain (format version 2): a
posting tool, an agency or a second computer checks a pack with the public key alone, and the
answer says whose key signed it. The format is written down in docs/REPLY_PACK.md.

* Format version 2: ``manifest.sig`` is the Ed25519 signature (base64) of the bytes of
  ``manifest.json``, checked against the public key the manifest carries. Given a key
  (``expected``: a ``PublicKey`` or a fingerprint) the signer must be that key; without one the
  result says whether the signer is this profile's key (``own_key``) or unknown.
* Format version 1: an HMAC-SHA256 in the manifest, checked with the HMAC key in this computer's
  keychain (``SecretStore``), as before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.core.inbox.packs import MANIFEST, PACK_FORMAT, SIGNATURE, SIGNING_KEY_NAME
from desktop.core.inbox.signing import ALGORITHM, PublicKey, show_fingerprint
from desktop.core.secrets import SecretStore

_MAX_MEMBER_BYTES = 512 * 1024 * 1024

#: ``VerifyResult.signer``: who signed an intact pack.
GIVEN, OWN, UNKNOWN, THIS_COMPUTER = "given", "own", "unknown", "this computer (format 1)"


@dataclass(frozen=True)
class VerifyResult:
    """``ok`` when every file matches the manifest and the signature is right (and, when a key was
    given, made by that key); ``problems`` say why not. ``trusted``: ok, and signed by the key given,
    this profile's key, or (format 1) this computer's key."""

    ok: bool
    problems: list[str]
    manifest: dict[str, Any] | None = None
    replies: int = 0
    fingerprint: str = ""
    signer: str = ""

    @property
    def trusted(self) -> bool:
        return self.ok and self.signer in (GIVEN, OWN, THIS_COMPUTER)

    @property
    def message(self) -> str:
        if not self.ok:
            return " ".join(self.problems)
        key = show_fingerprint(self.fingerprint)
        if self.signer == GIVEN:
            return f"The pack is intact and signed by the key you gave ({key}): {self.replies} replies."
        if self.signer == OWN:
            return f"The pack is intact and signed by this profile's key ({key}): {self.replies} replies."
        if self.signer == THIS_COMPUTER:
            return f"The pack is intact and signed by this computer's key: {self.replies} replies."
        return (
            f"The pack is intact ({self.replies} replies), signed by key {key}, not this profile's: "
            "compare the fingerprint with the creator's."
        )


def verify_pack(
    path: Path | str,
    secret_store: SecretStore | None = None,
    *,
    expected: PublicKey | str | None = None,
    own_key: PublicKey | None = None,
) -> VerifyResult:
    """Check a reply pack: every file's sha256 against the manifest, then the manifest's signature.

    ``expected``: the key (or its fingerprint) the pack must be signed by; ``own_key``: this
    profile's public key, to say whether an unexpected signer is this profile; ``secret_store``:
    where a format version 1 pack's HMAC key is.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return VerifyResult(False, [f"{path} cannot be read: {exc.strerror or exc}."])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return VerifyResult(False, [f"{path.name} is not a zip file, so it is not a complete reply pack."])
    problems: list[str] = []
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return VerifyResult(
                False, [f"{path.name} has no {MANIFEST}: it is incomplete or not an Understudy reply pack."]
            )
        try:
            manifest_bytes = _read_member(archive, MANIFEST)
            manifest = json.loads(manifest_bytes)
            if not isinstance(manifest, dict) or manifest.get("format") != PACK_FORMAT:
                raise ValueError("not a reply pack manifest")
            files = manifest["files"]
            if not isinstance(files, dict):
                raise ValueError("no file list")
        except (ValueError, KeyError, zipfile.BadZipFile) as exc:
            return VerifyResult(
                False, [f"The {MANIFEST} in {path.name} is damaged or not a reply pack's ({exc})."]
            )
        version = manifest.get("format_version")
        extra = {MANIFEST, SIGNATURE} if version != 1 else {MANIFEST}
        for name in sorted(names - set(files) - extra):
            problems.append(f"{name} is in the pack but not in its manifest: it was added afterwards.")
        problems.extend(_file_problems(archive, names, files))
        signature: bytes | None = None
        if version != 1 and SIGNATURE in names:
            try:
                signature = _read_member(archive, SIGNATURE)
            except (zipfile.BadZipFile, ValueError) as exc:
                problems.append(f"{SIGNATURE} is damaged inside the zip ({exc}).")
    counts = manifest.get("counts")
    replies = int((counts.get("replies") if isinstance(counts, dict) else 0) or 0)
    if version == 1:
        problems.extend(_hmac_problems(manifest, secret_store or SecretStore()))
        return VerifyResult(not problems, problems, manifest, replies, signer=THIS_COMPUTER)
    signed = _ed25519_check(manifest, manifest_bytes, signature, expected, own_key)
    problems.extend(signed.problems)
    return VerifyResult(not problems, problems, manifest, replies, signed.fingerprint, signed.signer)


def _file_problems(archive: zipfile.ZipFile, names: set[str], files: Mapping[str, Any]) -> list[str]:
    problems = []
    for name, facts in sorted(files.items()):
        if name not in names:
            problems.append(f"{name} is missing from the pack.")
            continue
        try:
            digest = hashlib.sha256(_read_member(archive, name)).hexdigest()
        except (zipfile.BadZipFile, ValueError) as exc:
            problems.append(f"{name} is damaged inside the zip ({exc}).")
            continue
        if not isinstance(facts, dict) or digest != facts.get("sha256"):
            problems.append(
                f"{name} was changed after the pack was made: its sha256 does not match the manifest."
            )
    return problems


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    if archive.getinfo(name).file_size > _MAX_MEMBER_BYTES:
        raise ValueError(f"{name} is implausibly large")
    return archive.read(name)


@dataclass(frozen=True)
class _Signed:
    problems: list[str]
    fingerprint: str = ""
    signer: str = ""


def _ed25519_check(
    manifest: Mapping[str, Any],
    manifest_bytes: bytes,
    signature: bytes | None,
    expected: PublicKey | str | None,
    own_key: PublicKey | None,
) -> _Signed:
    info = manifest.get("signing_key")
    if not isinstance(info, dict) or info.get("algorithm") != ALGORITHM:
        return _Signed(["The manifest names no Ed25519 signing key, so its origin cannot be checked."])
    try:
        public = PublicKey.from_base64(str(info.get("public_key", "")))
    except (ValueError, binascii.Error):
        return _Signed(["The manifest's public key is damaged, so its origin cannot be checked."])
    if info.get("fingerprint") != public.fingerprint:
        return _Signed(
            ["The manifest's fingerprint is not its public key's: the manifest was tampered with."]
        )
    if signature is None:
        return _Signed([f"The pack has no {SIGNATURE}, so its origin cannot be checked."])
    try:
        raw_signature = base64.b64decode(signature.strip(), validate=True)
    except (ValueError, binascii.Error):
        return _Signed([f"{SIGNATURE} is damaged (it is not a base64 signature)."])
    fingerprint = public.fingerprint
    if not public.verifies(raw_signature, manifest_bytes):
        return _Signed(
            ["The manifest's signature does not match: the manifest was changed after the pack was signed."],
            fingerprint,
        )
    if expected is not None:
        matches = (
            public.raw == expected.raw if isinstance(expected, PublicKey) else fingerprint == expected.upper()
        )
        wanted = expected.fingerprint if isinstance(expected, PublicKey) else expected.upper()
        if not matches:
            return _Signed(
                [
                    f"The pack was signed by key {show_fingerprint(fingerprint)}, not by the key you gave "
                    f"({show_fingerprint(wanted)}): it was made or re-signed by someone else."
                ],
                fingerprint,
            )
        return _Signed([], fingerprint, GIVEN)
    if own_key is not None and own_key.raw == public.raw:
        return _Signed([], fingerprint, OWN)
    return _Signed([], fingerprint, UNKNOWN)


# --- format version 1 (HMAC) ------------------------------------------------------------------


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"understudy-pack-key:" + key).hexdigest()[:16]


def _canonical(manifest: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _hmac_problems(manifest: Mapping[str, Any], secret_store: SecretStore) -> list[str]:
    signature = manifest.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != "HMAC-SHA256":
        return ["The manifest has no signature, so its origin cannot be checked."]
    value = secret_store.get(SIGNING_KEY_NAME)
    if value is None:
        return [
            "This is a format 1 pack, signed with a secret key: this computer's keychain holds no such "
            "reply-pack key (format 1 packs verify on the computer and profile that made them)."
        ]
    key = bytes.fromhex(value)
    if signature.get("key_id") != key_id(key):
        return [
            "The pack was signed with a different key (another computer, or a key kept for one session only)."
        ]
    expected = hmac.new(key, _canonical(manifest), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, str(signature.get("value", ""))):
        return [
            "The manifest's signature does not match: the manifest was changed after the pack was signed."
        ]
    return []
