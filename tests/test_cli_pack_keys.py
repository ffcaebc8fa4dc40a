"""Packs anyone can verify, from the command line: the public key travels, the private key stays;
and a computer with no system keychain keeps its keys in the passphrase-protected file."""

from __future__ import annotations

import base64
import json
import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from desktop.app import main
from desktop.core.inbox import save_draft
from desktop.core.paths import Paths
from desktop.core.secrets import PASSPHRASE_ENV, SecretStore, lock_secret_file
from desktop.core.store import open_store
from tests.conftest import InMemoryKeyring


def _run(base: Path, *args: str) -> int:
    return main(["--basedir", str(base), *args])


def _approve_two(base: Path) -> None:
    assert (
        _run(base, "inbox", "add", "What protein do you use?", "--from", "maya", "--platform", "instagram")
        == 0
    )
    assert (
        _run(base, "inbox", "add", "Where is the hoodie from?", "--from", "jules", "--platform", "tiktok")
        == 0
    )
    with open_store(Paths.resolve(base).profile("default").store) as store:
        save_draft(store, 1, "Unflavoured whey 🍌")
        save_draft(store, 2, "Merch store, link in bio")
    assert _run(base, "inbox", "approve", "1") == 0
    assert _run(base, "inbox", "approve", "2") == 0


def _rewrite(pack: Path, target: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, change.get(name, src.read(name)))


def test_a_pack_verifies_in_a_fresh_base_folder_with_only_the_public_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], memory_keyring: InMemoryKeyring
) -> None:
    creator, elsewhere = tmp_path / "creator", tmp_path / "posting-tool"
    _approve_two(creator)
    pack, public = tmp_path / "pack.zip", tmp_path / "creator.pem"
    assert _run(creator, "packs", "export", str(pack)) == 0
    capsys.readouterr()
    assert _run(creator, "packs", "key", "--export", str(public)) == 0
    out = capsys.readouterr().out
    fingerprint = out.split("Fingerprint: ")[1].splitlines()[0]
    assert len(fingerprint.replace(" ", "")) == 32 and public.read_text().startswith("-----BEGIN PUBLIC KEY")
    assert _run(creator, "packs", "verify", str(pack)) == 0
    assert "signed by this profile's key" in capsys.readouterr().out

    memory_keyring.passwords.clear()  # another computer: nothing in its keychain
    assert _run(elsewhere, "packs", "verify", str(pack), "--key", str(public)) == 0
    assert "signed by the key you gave" in capsys.readouterr().out
    assert _run(elsewhere, "packs", "verify", str(pack), "--key", fingerprint.lower().replace(" ", ":")) == 0
    assert _run(elsewhere, "packs", "verify", str(pack)) == 3  # intact, but whose key?
    assert f"signed by key {fingerprint}, not this profile's" in capsys.readouterr().out
    assert not (elsewhere / "profiles" / "default").exists()  # verifying made no profile

    # One changed byte in any file fails, naming the reason.
    with zipfile.ZipFile(pack) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, data in members.items():
        changed = bytearray(data)
        changed[len(changed) // 3] ^= 0x20
        _rewrite(pack, tmp_path / "changed.zip", {name: bytes(changed)})
        capsys.readouterr()
        assert _run(elsewhere, "packs", "verify", str(tmp_path / "changed.zip"), "--key", str(public)) == 1, (
            name
        )
        assert "NOT VERIFIED" in capsys.readouterr().err

    # Re-signed by another key, with the files and checksums made to match: the key given decides.
    manifest = json.loads(members["manifest.json"])
    other = Ed25519PrivateKey.generate()
    raw = other.public_key().public_bytes_raw()
    from desktop.core.inbox.signing import fingerprint_of

    manifest["signing_key"] = {
        "algorithm": "Ed25519",
        "public_key": base64.b64encode(raw).decode(),
        "fingerprint": fingerprint_of(raw),
    }
    forged = json.dumps(manifest).encode()
    _rewrite(
        pack,
        tmp_path / "forged.zip",
        {"manifest.json": forged, "manifest.sig": base64.b64encode(other.sign(forged))},
    )
    capsys.readouterr()
    assert _run(elsewhere, "packs", "verify", str(tmp_path / "forged.zip"), "--key", str(public)) == 1
    err = capsys.readouterr().err
    assert "not by the key you gave" in err and fingerprint in err
    assert _run(creator, "packs", "verify", str(tmp_path / "forged.zip")) == 3
    assert "not this profile's: compare the fingerprint" in capsys.readouterr().out


def test_without_a_system_keychain_a_passphrase_keeps_keys_across_restarts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_keychain: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path / "headless"
    _approve_two(base)
    assert _run(base, "secrets", "status") == 0
    assert "secrets passphrase" in capsys.readouterr().out
    monkeypatch.setenv(PASSPHRASE_ENV, "a long passphrase")
    assert _run(base, "secrets", "passphrase") == 0
    secrets_file = Paths.resolve(base).secrets_file
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    pack = tmp_path / "pack.zip"
    assert _run(base, "packs", "export", str(pack)) == 0
    SecretStore().set("webhook:token", "tok-kept")
    capsys.readouterr()

    lock_secret_file()  # a restart: the passphrase is needed again
    monkeypatch.delenv(PASSPHRASE_ENV)
    assert _run(base, "secrets", "status") == 0
    assert "needs its passphrase" in capsys.readouterr().out
    assert _run(base, "packs", "verify", str(pack)) == 0  # the profile's public key needs no passphrase
    assert "signed by this profile's key" in capsys.readouterr().out
    monkeypatch.setenv(PASSPHRASE_ENV, "a wrong passphrase")
    assert _run(base, "packs", "key") == 0  # the public key is in the profile: no unlock needed
    assert _run(base, "packs", "reexport", "1", str(tmp_path / "again.zip")) == 1
    assert "does not open the secrets file" in capsys.readouterr().err
    monkeypatch.setenv(PASSPHRASE_ENV, "a long passphrase")
    assert _run(base, "packs", "reexport", "1", str(tmp_path / "again.zip")) == 0
    assert _run(base, "packs", "verify", str(tmp_path / "again.zip")) == 0
    assert SecretStore().get("webhook:token") == "tok-kept"
    assert _run(base, "secrets", "status") == 0
    assert "encrypted file protected by your passphrase" in capsys.readouterr().out
    for secret in (b"tok-kept", b"webhook"):
        assert secret not in secrets_file.read_bytes()


def test_secrets_passphrase_is_asked_without_echo_and_can_be_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_keychain: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desktop.cli.secrets as secrets_cli

    base = tmp_path / "headless"
    answers = ["first passphrase", "first passphrase"]
    monkeypatch.setattr(secrets_cli, "ask_passphrase", lambda prompt: answers.pop(0))
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    assert _run(base, "secrets", "passphrase") == 0 and answers == []
    assert _run(base, "secrets", "passphrase") == 1
    assert "already exists" in capsys.readouterr().err
    SecretStore().set("webhook:token", "tok-1")
    lock_secret_file()
    answers.extend(["first passphrase", "second passphrase", "second passphrase typo"])
    assert _run(base, "secrets", "passphrase", "--change") == 1
    assert "differ; nothing was changed" in capsys.readouterr().err
    answers.extend(["first passphrase", "second passphrase", "second passphrase"])
    assert _run(base, "secrets", "passphrase", "--change") == 0
    from desktop.core.secret_file import SecretFile

    assert (
        SecretFile.open(Paths.resolve(base).secrets_file, "second passphrase").get("webhook:token") == "tok-1"
    )
