"""The `inbox` and `packs` commands end to end: add, import, list, edit, approve, reject, restore, export, verify."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keyring
import pytest

from desktop.app import main
from desktop.core.inbox import save_draft
from desktop.core.paths import Paths
from desktop.core.store import open_store
from tests.conftest import InMemoryKeyring


def _run(base: Path, *args: str) -> int:
    return main(["--basedir", str(base), *args])


def _entries(base: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert _run(base, "inbox", "list", "--json", *extra) == 0
    return json.loads(capsys.readouterr().out)["entries"]


def test_review_and_export_from_the_command_line(
    paths: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str], memory_keyring: InMemoryKeyring
) -> None:
    base = paths.base
    assert _run(base, "inbox", "add", "What protein do you use?", "--from", "maya", "--platform", "instagram") == 0
    assert "Added message 1 (new)." in capsys.readouterr().out
    csv_file = tmp_path / "incoming.csv"
    csv_file.write_text(
        "text,from,platform,id\nLove the new video!,sam,youtube,yt-1\nWhere is the hoodie from?,jules,tiktok,tt-1\n",
        encoding="utf-8",
    )
    assert _run(base, "inbox", "import", str(csv_file)) == 0
    assert "2 rows: 2 added, 0 already in the inbox." in capsys.readouterr().out
    assert _run(base, "inbox", "import", str(csv_file)) == 0
    assert "0 added, 2 already in the inbox" in capsys.readouterr().out
    entries = _entries(base, capsys)
    assert len(entries) == 3 and {e["state"] for e in entries} == {"new"}

    # Drafts come from the drafting engine; here they are saved through the inbox API directly.
    with open_store(paths.profile("default").store) as store:
        for entry, text in zip(sorted(entries, key=lambda e: e["item_id"]), ["Whey!", "Thank you!!", "My merch store"]):
            save_draft(store, int(entry["item_id"]), text)  # type: ignore[arg-type]

    assert _run(base, "inbox", "edit", "1", "Unflavoured whey + a banana 🍌") == 0
    assert _run(base, "inbox", "approve", "1") == 0
    assert _run(base, "inbox", "approve", "2") == 0
    assert _run(base, "inbox", "reject", "3") == 0
    capsys.readouterr()
    assert _run(base, "inbox", "list") == 0
    table = capsys.readouterr().out
    assert "approved*" in table and "Unflavoured whey" in table  # * marks an edited draft
    assert [e["item_id"] for e in _entries(base, capsys, "--trash")] == [3]
    assert _run(base, "inbox", "restore", "3") == 0
    assert [e["state"] for e in _entries(base, capsys, "--state", "drafted")] == ["drafted"]

    pack = tmp_path / "pack.zip"
    capsys.readouterr()
    assert _run(base, "packs", "export", str(pack), "--redact") == 0
    assert "2 replies (1 edited)" in capsys.readouterr().out
    with zipfile.ZipFile(pack) as archive:
        replies = [json.loads(line) for line in archive.read("replies.jsonl").decode().splitlines()]
    assert sorted(r["reply_text"] for r in replies) == ["Thank you!!", "Unflavoured whey + a banana 🍌"]
    assert _run(base, "packs", "verify", str(pack)) == 0
    assert "intact" in capsys.readouterr().out
    assert _run(base, "packs", "export", str(tmp_path / "again.zip")) == 1
    assert "No approved replies" in capsys.readouterr().err
    assert _run(base, "packs", "list") == 0
    assert "complete" in capsys.readouterr().out
    assert _run(base, "packs", "finetune", str(tmp_path / "train.jsonl")) == 0
    assert len((tmp_path / "train.jsonl").read_text(encoding="utf-8").splitlines()) == 2

    # A tampered pack fails with the file named, and exit status 1.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(pack) as src, zipfile.ZipFile(tampered, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, data.replace(b"Thank you!!", b"Thank you!?") if name == "replies.csv" else data)
    capsys.readouterr()
    assert _run(base, "packs", "verify", str(tampered)) == 1
    err = capsys.readouterr().err
    assert "NOT VERIFIED" in err and "replies.csv was changed" in err


def test_errors_are_plain_messages(paths: Paths, capsys: pytest.CaptureFixture[str], memory_keyring: InMemoryKeyring) -> None:
    base = paths.base
    assert _run(base, "inbox", "approve", "42") == 1
    assert "no message 42 in the inbox" in capsys.readouterr().err
    assert _run(base, "inbox", "add", "hi", "--from", "x") == 0
    assert _run(base, "inbox", "approve", "1") == 1
    assert "no draft" in capsys.readouterr().err
    assert _run(base, "inbox", "list", "--state", "sent") == 1
    assert "not an inbox state" in capsys.readouterr().err
    assert _run(base, "inbox", "import") == 1
    assert "--candidates" in capsys.readouterr().err


def test_a_red_message_is_flagged_with_its_reason(paths: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(paths.base, "inbox", "add", "I want to kill myself", "--from", "anon") == 0
    out = capsys.readouterr().out
    assert "(flagged)" in out and "Answer this one personally" in out


def test_without_a_keychain_export_explains_and_offers_a_session_key(
    paths: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert _run(paths.base, "inbox", "add", "nice!", "--from", "x") == 0
        with open_store(paths.profile("default").store) as store:
            save_draft(store, 1, "thanks!")
        assert _run(paths.base, "inbox", "approve", "1") == 0
        capsys.readouterr()
        assert _run(paths.base, "packs", "export", str(tmp_path / "p.zip")) == 1
        err = capsys.readouterr().err
        assert "No system keychain" in err and "--session-key" in err
        assert _run(paths.base, "packs", "export", str(tmp_path / "p.zip"), "--session-key") == 0
    finally:
        keyring.set_keyring(previous)
