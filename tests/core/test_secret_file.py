"""The encrypted secrets file, for computers with no system keychain: right and wrong passphrase,
a damaged file (a plain error, nothing lost), permissions 0600, and secrets that outlive a restart."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.core.errors import KnownError, SecretsUnavailableError
from desktop.core.secret_file import SecretFile, SecretFileDamagedError, WrongPassphraseError
from desktop.core.secrets import (
    SecretStore,
    keyring_status,
    lock_secret_file,
    unlock_secret_file,
)

PASSPHRASE = "correct horse battery"
REPO = Path(__file__).resolve().parents[2]


def test_round_trip_and_nothing_in_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "secrets.enc"
    opened = SecretFile.create(path, PASSPHRASE)
    opened.set("webhook:token", "tok-SECRET-123")
    opened.set("server:api-key", "sk-local-456")
    raw = path.read_bytes()
    assert b"tok-SECRET-123" not in raw and b"sk-local-456" not in raw and b"webhook" not in raw
    assert json.loads(raw)["kdf"]["name"] == "scrypt"
    again = SecretFile.open(path, PASSPHRASE)
    assert again.get("webhook:token") == "tok-SECRET-123"
    again.delete("webhook:token")
    assert SecretFile.open(path, PASSPHRASE).names() == ["server:api-key"]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".secrets.enc.lock", "secrets.enc"]  # no partial file left behind (the lock stays, empty)


def test_a_wrong_passphrase_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "secrets.enc"
    SecretFile.create(path, PASSPHRASE).set("webhook:token", "tok-1")
    before = path.read_bytes()
    with pytest.raises(WrongPassphraseError, match="does not open the secrets file"):
        SecretFile.open(path, "wrong horse battery")
    assert path.read_bytes() == before
    with pytest.raises(KnownError, match="at least 8"):
        SecretFile.create(tmp_path / "other.enc", "short")
    with pytest.raises(KnownError, match="already exists"):
        SecretFile.create(path, PASSPHRASE)


@pytest.mark.parametrize(
    "damage",
    ["truncated", "not json", "flipped ciphertext byte", "header changed"],
)
def test_a_damaged_file_is_a_plain_error_and_is_left_as_it_is(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "secrets.enc"
    SecretFile.create(path, PASSPHRASE).set("webhook:token", "tok-1")
    document = json.loads(path.read_bytes())
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    elif damage == "not json":
        path.write_bytes(b"\x00\x01garbage")
    elif damage == "flipped ciphertext byte":
        cipher = bytearray(document["ciphertext"].encode())
        cipher[10] = ord("A") if cipher[10] != ord("A") else ord("B")
        document["ciphertext"] = cipher.decode()
        path.write_text(json.dumps(document))
    else:
        document["kdf"]["p"] = 2
        path.write_text(json.dumps(document))
    damaged = path.read_bytes()
    with pytest.raises((SecretFileDamagedError, WrongPassphraseError)) as error:
        unlock_secret_file(path, PASSPHRASE)
    assert "nothing" in str(error.value).lower()  # "nothing was deleted" / "Nothing was changed"
    assert path.read_bytes() == damaged  # nothing lost: the file is exactly as it was
    assert keyring_status(path).store != "file"


def test_the_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "secrets.enc"
    old = os.umask(0o022)
    try:
        opened = SecretFile.create(path, PASSPHRASE)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        path.chmod(0o644)
        opened.set("webhook:token", "tok-1")  # every write replaces it with a 0600 file
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_change_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "secrets.enc"
    opened = SecretFile.create(path, PASSPHRASE)
    opened.set("a", "1")
    opened.change_passphrase("another passphrase")
    with pytest.raises(WrongPassphraseError):
        SecretFile.open(path, PASSPHRASE)
    assert SecretFile.open(path, "another passphrase").get("a") == "1"


def test_without_a_keychain_the_secret_store_uses_the_unlocked_file(
    tmp_path: Path, no_keychain: None
) -> None:
    path = tmp_path / "secrets.enc"
    assert keyring_status(path).store == "none"
    with pytest.raises(SecretsUnavailableError):
        SecretStore().set("webhook:token", "tok-1")
    unlock_secret_file(path, PASSPHRASE, create=True)
    status = keyring_status(path)
    assert status.available and status.store == "file" and str(path) in status.message
    store = SecretStore()
    assert store.persistent
    store.set("webhook:token", "tok-1")
    lock_secret_file()  # as a restart does
    assert keyring_status(path).store == "locked-file"
    assert SecretStore().get("webhook:token") is None
    unlock_secret_file(path, PASSPHRASE)
    assert SecretStore().get("webhook:token") == "tok-1"


RESTART = textwrap.dedent(
    """
    import sys
    import keyring
    from keyring.backends import fail
    keyring.set_keyring(fail.Keyring())  # a computer with no system keychain
    from desktop.core.secrets import SecretStore, unlock_secret_file
    unlock_secret_file(sys.argv[1], sys.argv[2], create=sys.argv[3] == "create")
    store = SecretStore()
    if sys.argv[3] == "create":
        store.set("webhook:token", "tok-survives")
    else:
        print(store.get("webhook:token"))
    """
)


def test_a_webhook_token_outlives_a_restart(tmp_path: Path) -> None:
    """Set a webhook token in one process; a new process with the passphrase still has it."""
    script = tmp_path / "restart.py"
    script.write_text(RESTART, encoding="utf-8")
    path = tmp_path / "secrets.enc"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for step in ("create", "read"):
        done = subprocess.run(
            [sys.executable, str(script), str(path), PASSPHRASE, step],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    assert done.stdout.strip() == "tok-survives"
    assert b"tok-survives" not in path.read_bytes()


WRITER = textwrap.dedent(
    """
    import sys
    from desktop.core.secret_file import SecretFile

    path, passphrase, who = sys.argv[1:4]
    opened = SecretFile.open(path, passphrase)
    for n in range(25):
        opened.set(f"{who}:{n}", f"value-{who}-{n}")
    """
)


def test_two_programs_changing_the_file_at_once_lose_nothing(tmp_path: Path) -> None:
    """The app and the CLI set secrets at the same moment: every one of both is kept."""
    path = tmp_path / "secrets.enc"
    SecretFile.create(path, PASSPHRASE, scrypt_n=2**10)
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writers = [
        subprocess.Popen([sys.executable, str(script), str(path), PASSPHRASE, who], env=env)
        for who in ("app", "cli")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    names = SecretFile.open(path, PASSPHRASE).names()
    assert len(names) == 50 and {n.split(":")[0] for n in names} == {"app", "cli"}
