"""Reply packs: exact contents, Ed25519 signature, tampering, kills mid-write, re-export, fine-tune JSONL."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from desktop.core.errors import KnownError, SecretsUnavailableError
from desktop.core.inbox import (
    approve,
    edit,
    export_finetune_jsonl,
    export_pack,
    get_entry,
    list_exports,
    reexport_pack,
    reject,
    save_draft,
    undo_last,
    verify_pack,
    waiting_count,
)
from desktop.core.inbox.pack_verify import key_id
from desktop.core.inbox.packs import COLUMNS, SIGNING_KEY_NAME
from desktop.core.inbox.signing import private_key_name, profile_public_key, signing_key
from desktop.core.secrets import SERVICE, SecretStore
from desktop.core.store import Store, open_store, save_persona_version
from tests.conftest import InMemoryKeyring

from .conftest import add_messages


def _reviewed(store: Store) -> list[int]:
    """Approve two (one edited), reject one, leave one drafted."""
    persona = save_persona_version(
        store, {"boundaries": {"disclose_ai": True, "disclosure_label": "(drafted with AI, reviewed by me)"}}
    )
    items = add_messages(store)
    drafts = [
        save_draft(
            store, items[0], "Unflavoured whey, honestly", persona_version_id=persona, model="gemma-3-270m"
        ),
        save_draft(
            store, items[1], "Cat-cow every morning!", persona_version_id=persona, model="gemma-3-270m"
        ),
        save_draft(
            store, items[2], "Merch store, link in bio", persona_version_id=persona, model="gemma-3-270m"
        ),
        save_draft(store, items[3], "Sunday 6pm!", persona_version_id=persona, model="gemma-3-270m"),
    ]
    edit(store, drafts[0], "Unflavoured whey + a banana: chalk taste gone 🍌")
    approve(store, items[0])
    reject(store, items[1])
    approve(store, items[2])
    return items


def _read(pack: Path) -> tuple[list[dict[str, str]], list[dict[str, str]], dict[str, object]]:
    with zipfile.ZipFile(pack) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "manifest.sig", "replies.csv", "replies.jsonl"]
        jsonl = [json.loads(line) for line in archive.read("replies.jsonl").decode().splitlines()]
        rows = list(csv.DictReader(io.StringIO(archive.read("replies.csv").decode(), newline="")))
        manifest = json.loads(archive.read("manifest.json"))
    return jsonl, rows, manifest


def test_pack_holds_exactly_the_approved_replies_with_the_edited_text(
    store: Store, secret_store: SecretStore, tmp_path: Path, memory_keyring: InMemoryKeyring
) -> None:
    items = _reviewed(store)
    pack = tmp_path / "out" / "replies.zip"
    pack.parent.mkdir()
    summary = export_pack(store, pack, secret_store=secret_store, app_version="9.9.9")
    assert (summary.replies, summary.edited, summary.redacted) == (2, 1, False)
    jsonl, rows, manifest = _read(pack)
    assert jsonl == rows  # the same rows in both files
    assert list(rows[0]) == list(COLUMNS)
    by_platform = {r["platform"]: r for r in rows}
    assert set(by_platform) == {"instagram", "tiktok"}
    protein = by_platform["instagram"]
    assert protein["reply_text"] == "Unflavoured whey + a banana: chalk taste gone 🍌"
    assert protein["original_message"].startswith("What protein powder")
    assert (
        protein["thread_id"],
        protein["in_reply_to_id"],
        protein["recipient"],
        protein["recipient_name"],
    ) == ("instagram-thread-maya_lifts", "ig-m-1", "maya_lifts", "Maya")
    assert protein["edited"] == "yes" and by_platform["tiktok"]["edited"] == "no"
    assert protein["model"] == "gemma-3-270m" and protein["persona_version"] == "1"
    assert protein["disclosure_label"] == "(drafted with AI, reviewed by me)"
    assert protein["approved_at"].endswith("Z")
    assert "jules.k@example.com" in by_platform["tiktok"]["original_message"]  # no redaction asked
    assert manifest["counts"] == {"replies": 2, "edited": 1, "platforms": {"instagram": 1, "tiktok": 1}}
    assert manifest["app"] == {"name": "Understudy", "version": "9.9.9"}
    assert set(manifest["files"]) == {"replies.jsonl", "replies.csv"}
    assert manifest["format_version"] == 2
    # States moved; the key pair was made once: the private key in the keychain, the public in the profile.
    assert [get_entry(store, i).state for i in items] == ["exported", "rejected", "exported", "drafted"]
    public = profile_public_key(store)
    assert public is not None
    assert manifest["signing_key"] == {  # type: ignore[comparison-overlap]
        "algorithm": "Ed25519",
        "public_key": public.base64,
        "fingerprint": public.fingerprint,
    }
    assert list(memory_keyring.passwords) == [(SERVICE, private_key_name(public.fingerprint))]
    assert verify_pack(pack, own_key=public).trusted
    assert verify_pack(pack, expected=public).message.startswith("The pack is intact and signed by the key")
    assert "not this profile's" in verify_pack(pack).message  # no key given and no profile: unknown
    # Nothing twice: a second export finds nothing, and undo cannot un-export.
    with pytest.raises(KnownError, match="No approved replies"):
        export_pack(store, tmp_path / "again.zip", secret_store=secret_store)
    assert not (tmp_path / "again.zip").exists()
    with pytest.raises(KnownError, match="exported in a reply pack"):
        undo_last(store)
    audit = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE action LIKE 'packs.%'")]
    assert audit == ["packs.key_created", "packs.exported"]


def test_redaction_of_fans_emails_and_phone_numbers(
    store: Store, secret_store: SecretStore, tmp_path: Path
) -> None:
    items = add_messages(store)
    for item in items[2:]:
        save_draft(store, item, "Thanks for asking!")
        approve(store, item)
    export_pack(store, tmp_path / "r.zip", secret_store=secret_store, redact_personal=True)
    jsonl, rows, manifest = _read(tmp_path / "r.zip")
    originals = sorted(r["original_message"] for r in rows)
    assert originals == [
        "When is the next Q&A stream? call me on [phone removed] lol",
        "Where did you get that hoodie?? you can email me at [email removed]",
    ]
    assert manifest["redacted_personal_data"] is True


def test_verify_detects_tampering_and_names_the_file(
    store: Store, secret_store: SecretStore, tmp_path: Path
) -> None:
    _reviewed(store)
    pack = tmp_path / "p.zip"
    export_pack(store, pack, secret_store=secret_store)

    def rewrite(target: Path, change: dict[str, bytes | None]) -> None:
        with zipfile.ZipFile(pack) as src, zipfile.ZipFile(target, "w") as dst:
            for name in src.namelist():
                data = change.get(name, src.read(name))
                if data is not None:
                    dst.writestr(name, data)
            for name, data in change.items():
                if name not in src.namelist() and data is not None:
                    dst.writestr(name, data)

    with zipfile.ZipFile(pack) as archive:
        csv_bytes = bytearray(archive.read("replies.csv"))
        manifest = json.loads(archive.read("manifest.json"))
    csv_bytes[-5] ^= 0x01  # one byte of one reply
    rewrite(tmp_path / "t1.zip", {"replies.csv": bytes(csv_bytes)})
    result = verify_pack(tmp_path / "t1.zip", secret_store)
    assert not result.ok
    assert result.problems == [
        "replies.csv was changed after the pack was made: its sha256 does not match the manifest."
    ]

    # Changing the file and its sha in the manifest breaks the signature instead.
    manifest["files"]["replies.csv"]["sha256"] = hashlib.sha256(bytes(csv_bytes)).hexdigest()
    rewrite(
        tmp_path / "t2.zip", {"replies.csv": bytes(csv_bytes), "manifest.json": json.dumps(manifest).encode()}
    )
    result = verify_pack(tmp_path / "t2.zip", secret_store)
    assert result.problems == [
        "The manifest's signature does not match: the manifest was changed after the pack was signed."
    ]

    # A one-byte change in any file, the signature included, fails and names it.
    with zipfile.ZipFile(pack) as archive:
        originals = {name: archive.read(name) for name in archive.namelist()}
    for name, data in originals.items():
        changed = bytearray(data)
        changed[len(changed) // 2] ^= 0x01
        rewrite(tmp_path / "one-byte.zip", {name: bytes(changed)})
        result = verify_pack(tmp_path / "one-byte.zip")
        assert not result.ok and result.problems, name

    rewrite(tmp_path / "t3.zip", {"manifest.json": None})
    assert "has no manifest.json" in verify_pack(tmp_path / "t3.zip", secret_store).message

    rewrite(tmp_path / "t4.zip", {"replies.jsonl": None, "notes.txt": b"hi"})
    problems = verify_pack(tmp_path / "t4.zip", secret_store).problems
    assert "replies.jsonl is missing from the pack." in problems
    assert "notes.txt is in the pack but not in its manifest: it was added afterwards." in problems

    (tmp_path / "t5.zip").write_bytes(pack.read_bytes()[:200])
    assert "not a zip file" in verify_pack(tmp_path / "t5.zip", secret_store).message

    # Re-signed by someone else: the files and sha256s changed, the manifest signed with another key.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desktop.core.inbox.signing import PublicKey, show_fingerprint

    other = Ed25519PrivateKey.generate()
    other_public = PublicKey(other.public_key().public_bytes_raw())
    manifest["signing_key"] = {
        "algorithm": "Ed25519",
        "public_key": other_public.base64,
        "fingerprint": other_public.fingerprint,
    }
    forged = json.dumps(manifest).encode()
    rewrite(
        tmp_path / "t6.zip",
        {
            "replies.csv": bytes(csv_bytes),
            "manifest.json": forged,
            "manifest.sig": base64.b64encode(other.sign(forged)),
        },
    )
    own = profile_public_key(store)
    assert own is not None
    given = verify_pack(tmp_path / "t6.zip", expected=own)
    assert not given.ok and given.problems == [
        f"The pack was signed by key {show_fingerprint(other_public.fingerprint)}, not by the key you gave "
        f"({show_fingerprint(own.fingerprint)}): it was made or re-signed by someone else."
    ]
    assert not verify_pack(tmp_path / "t6.zip", expected=own.fingerprint).ok  # a fingerprint works too
    unknown = verify_pack(tmp_path / "t6.zip", own_key=own)
    assert unknown.ok and not unknown.trusted and "not this profile's" in unknown.message
    assert verify_pack(pack, own_key=own).trusted


def test_without_a_keychain_export_says_so_and_session_only_works(
    store: Store, tmp_path: Path, no_keychain: None
) -> None:
    _reviewed(store)
    with pytest.raises(SecretsUnavailableError, match="No system keychain"):
        export_pack(store, tmp_path / "p.zip", secret_store=SecretStore())
    assert waiting_count(store) == 2 and not (tmp_path / "p.zip").exists()  # nothing changed
    session = SecretStore(session_only=True)
    export_pack(store, tmp_path / "p.zip", secret_store=session)
    result = verify_pack(tmp_path / "p.zip", session)
    assert result.ok and not result.trusted  # a key made for the session is not the profile's
    assert profile_public_key(store) is None


def test_an_unwritable_destination_exports_nothing(
    store: Store, secret_store: SecretStore, tmp_path: Path
) -> None:
    _reviewed(store)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(KnownError, match="does not exist"):
        export_pack(store, blocker / "p.zip", secret_store=secret_store)
    existing = tmp_path / "taken.zip"
    existing.write_bytes(b"mine")
    with pytest.raises(KnownError, match="already exists"):
        export_pack(store, existing, secret_store=secret_store)
    assert existing.read_bytes() == b"mine"
    if os.geteuid() != 0:  # root ignores folder permissions
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        try:
            with pytest.raises(KnownError, match="could not be written"):
                export_pack(store, locked / "p.zip", secret_store=secret_store)
        finally:
            locked.chmod(0o755)
    assert waiting_count(store) == 2
    assert store.db.execute("SELECT count(*) FROM drafts WHERE export_id IS NOT NULL").fetchone()[0] == 0


EXPORTER = textwrap.dedent(
    """
    import os, sys, time, zipfile, keyring
    from keyring.backend import KeyringBackend
    from desktop.core.inbox import export_pack
    from desktop.core.secrets import SecretStore
    from desktop.core.store import open_store

    class FileKeyring(KeyringBackend):  # the test's stand-in keychain, shared with the parent
        priority = 1
        def get_password(self, s, u):
            return open(sys.argv[3]).read() or None
        def set_password(self, s, u, p):
            open(sys.argv[3], "w").write(p)
        def delete_password(self, s, u):
            pass
    keyring.set_keyring(FileKeyring())

    where = sys.argv[4]
    if where == "writing":
        real = zipfile.ZipFile.writestr
        def slow_writestr(self, *args, **kwargs):
            real(self, *args, **kwargs)
            print("member", flush=True)
            time.sleep(60)
        zipfile.ZipFile.writestr = slow_writestr
    else:
        real_replace = os.replace
        def replace_then_stall(*args, **kwargs):
            real_replace(*args, **kwargs)
            print("renamed", flush=True)
            time.sleep(60)
        os.replace = replace_then_stall
    export_pack(open_store(sys.argv[1]), sys.argv[2], secret_store=SecretStore())
    """
)


def _private_key_hex(store: Store, secret_store: SecretStore) -> str:
    """Make the profile's key pair now; its private key as the child's stand-in keychain will hold it."""
    key = signing_key(store, secret_store)
    value = secret_store.get(private_key_name(key.public.fingerprint))
    assert value is not None
    return value


def _export_and_kill(tmp_path: Path, store_path: Path, pack: Path, key: str, where: str) -> None:
    script = tmp_path / "exporter.py"
    script.write_text(EXPORTER, encoding="utf-8")
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(key)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(store_path), str(pack), str(keyfile), where],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        # this checkout's code, not whichever one the virtualenv has installed
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() in ("member", "renamed")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()


def test_a_kill_while_writing_leaves_no_complete_looking_pack_and_a_rerun_exports_everything(
    store_path: Path, tmp_path: Path, secret_store: SecretStore
) -> None:
    with open_store(store_path) as store:
        _reviewed(store)
        key = _private_key_hex(store, secret_store)
        own = profile_public_key(store)
    out = tmp_path / "packs"
    out.mkdir()
    pack = out / "replies.zip"
    _export_and_kill(tmp_path, store_path, pack, key, "writing")
    assert not pack.exists()
    leftovers = [p.name for p in out.iterdir()]
    assert (
        len(leftovers) == 1 and leftovers[0].startswith(".replies.zip.") and leftovers[0].endswith(".partial")
    )
    with open_store(store_path) as store:
        assert [e["status"] for e in list_exports(store)] == ["writing"]
        summary = export_pack(store, pack, secret_store=secret_store)
        assert summary.replies == 2
        assert [e["status"] for e in list_exports(store)] == ["complete", "abandoned"]
    assert [p.name for p in out.iterdir()] == ["replies.zip"]  # the half-written file is gone
    assert verify_pack(pack, own_key=own).trusted


def test_a_kill_after_the_rename_is_completed_on_the_next_run_not_exported_twice(
    store_path: Path, tmp_path: Path, secret_store: SecretStore
) -> None:
    with open_store(store_path) as store:
        items = _reviewed(store)
        key = _private_key_hex(store, secret_store)
        own = profile_public_key(store)
    pack = tmp_path / "replies.zip"
    _export_and_kill(tmp_path, store_path, pack, key, "renamed")
    assert verify_pack(pack, own_key=own).trusted
    with open_store(store_path) as store:
        assert get_entry(store, items[0]).state == "approved"  # the mark was not committed yet
        with pytest.raises(KnownError, match="No approved replies"):
            export_pack(store, tmp_path / "second.zip", secret_store=secret_store)
        assert get_entry(store, items[0]).state == "exported"
        assert [e["status"] for e in list_exports(store)] == ["complete"]


def test_reexport_writes_the_same_replies_again_without_changing_states(
    store: Store, secret_store: SecretStore, tmp_path: Path
) -> None:
    items = _reviewed(store)
    first = export_pack(store, tmp_path / "a.zip", secret_store=secret_store, redact_personal=True)
    save_draft(store, items[3], "Sunday!")  # already drafted -> redraft
    approve(store, items[3])
    again = reexport_pack(store, first.export_id, tmp_path / "a-again.zip", secret_store=secret_store)
    assert again.reexport_of == first.export_id and again.replies == 2 and again.redacted
    _, rows_a, _ = _read(tmp_path / "a.zip")
    _, rows_b, manifest = _read(tmp_path / "a-again.zip")
    assert rows_a == rows_b and manifest["reexport_of"] == first.export_id
    assert verify_pack(tmp_path / "a-again.zip", secret_store).ok
    # The newly approved reply is still waiting: a re-export never takes it.
    assert waiting_count(store) == 1
    third = export_pack(store, tmp_path / "b.zip", secret_store=secret_store)
    assert third.replies == 1
    with pytest.raises(KnownError, match="no completed reply pack with id 99"):
        reexport_pack(store, 99, tmp_path / "x.zip", secret_store=secret_store)


def test_finetune_jsonl_holds_the_approved_pairs(
    store: Store, secret_store: SecretStore, tmp_path: Path
) -> None:
    _reviewed(store)
    export_pack(store, tmp_path / "p.zip", secret_store=secret_store)  # exported pairs count too
    out = tmp_path / "train.jsonl"
    assert export_finetune_jsonl(store, out, system_prompt="You are Maya's coach.", redact_personal=True) == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0] == {
        "messages": [
            {"role": "system", "content": "You are Maya's coach."},
            {"role": "user", "content": "What protein powder do you use? Mine tastes like chalk 😩"},
            {"role": "assistant", "content": "Unflavoured whey + a banana: chalk taste gone 🍌"},
        ]
    }
    assert lines[1]["messages"][1]["content"].endswith("[email removed]")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_format_1_pack_still_verifies_where_its_hmac_key_is(
    secret_store: SecretStore, tmp_path: Path
) -> None:
    """Packs made before Ed25519 carry an HMAC-SHA256 in the manifest, keyed by the keychain's secret."""
    import hmac

    key = bytes.fromhex("ab" * 32)
    data = b'{"reply_id": "r1", "reply_text": "hi"}\n'
    manifest: dict[str, object] = {
        "format": "understudy-reply-pack",
        "format_version": 1,
        "counts": {"replies": 1, "edited": 0, "platforms": {"instagram": 1}},
        "files": {"replies.jsonl": {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}},
    }
    body = json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    manifest["signature"] = {
        "algorithm": "HMAC-SHA256",
        "key_id": key_id(key),
        "value": hmac.new(key, body, hashlib.sha256).hexdigest(),
    }
    pack = tmp_path / "v1.zip"
    with zipfile.ZipFile(pack, "w") as archive:
        archive.writestr("replies.jsonl", data)
        archive.writestr("manifest.json", json.dumps(manifest))
    assert "holds no such reply-pack key" in verify_pack(pack, secret_store).message
    secret_store.set(SIGNING_KEY_NAME, key.hex())
    result = verify_pack(pack, secret_store)
    assert (
        result.trusted
        and result.message == "The pack is intact and signed by this computer's key: 1 replies."
    )
    secret_store.set(SIGNING_KEY_NAME, "cd" * 32)
    assert "signed with a different key" in verify_pack(pack, secret_store).message
