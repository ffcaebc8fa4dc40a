"""The `inbox` and `packs` commands end to end: add, import, list, edit, approve, reject, restore,
export, verify."""

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
    assert (
        _run(base, "inbox", "add", "What protein do you use?", "--from", "maya", "--platform", "instagram")
        == 0
    )
    assert "Added message 1 (new)." in capsys.readouterr().out
    csv_file = tmp_path / "incoming.csv"
    csv_file.write_text(
        "text,from,platform,id\nLove the new video!,sam,youtube,yt-1\nWhere is the hoodie "
        "from?,jules,tiktok,tt-1\n",
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
        for entry, text in zip(
            sorted(entries, key=lambda e: e["item_id"]),
            ["Whey!", "Thank you!!", "My merch store"],
            strict=False,
        ):
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
            dst.writestr(
                name, data.replace(b"Thank you!!", b"Thank you!?") if name == "replies.csv" else data
            )
    capsys.readouterr()
    assert _run(base, "packs", "verify", str(tampered)) == 1
    err = capsys.readouterr().err
    assert "NOT VERIFIED" in err and "replies.csv was changed" in err


def test_errors_are_plain_messages(
    paths: Paths, capsys: pytest.CaptureFixture[str], memory_keyring: InMemoryKeyring
) -> None:
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


def _archive_with_inbox(
    base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *messages: str
) -> None:
    """An imported X archive (its unanswered DM goes to the inbox) and ``messages`` typed in."""
    from tests.core.importers.test_pipeline import x_archive

    assert _run(base, "import", str(x_archive(tmp_path / "x.zip", tweet_count=12))) == 0
    assert _run(base, "inbox", "import", "--candidates") == 0
    for number, text in enumerate(messages):
        assert _run(base, "inbox", "add", text, "--from", f"fan{number}", "--platform", "instagram") == 0
    capsys.readouterr()


@pytest.mark.slow
def test_draft_all_drafts_every_new_message_once(
    paths_with_models: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = paths_with_models.base
    _archive_with_inbox(base, tmp_path, capsys, "Where did you get that hoodie??", "I want to kill myself")
    assert [e["state"] for e in _entries(base, capsys)].count("new") == 2  # the red one is flagged at once

    assert _run(base, "inbox", "draft-all", "--limit", "1", "--json") == 0
    captured = capsys.readouterr()
    shown = json.loads(captured.out)
    assert len(shown["results"]) == 1 and shown["summary"]["remaining"] == 1
    assert "Drafting reply 1 of 1" in captured.err

    assert _run(base, "inbox", "draft-all") == 0
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1].startswith("Done: ")
    assert "Persona prefix reuse:" in captured.err and "prompt tokens" in captured.err
    entries = _entries(base, capsys)
    assert len(entries) == 3 and {e["state"] for e in entries} <= {"drafted", "flagged"}
    red = next(e for e in entries if e["triage_level"] == "red")
    assert red["draft_id"] is None and "Answer this one personally" in red["flag_reason"]
    assert all(e["draft_text"] for e in entries if e is not red)

    assert _run(base, "inbox", "draft-all", "--json") == 0
    assert json.loads(capsys.readouterr().out)["summary"]["planned"] == 0  # nothing is drafted twice


@pytest.mark.slow
def test_ctrl_c_stops_draft_all_keeping_the_finished_drafts(
    paths_with_models: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import signal
    import subprocess
    import sys

    base = paths_with_models.base
    _archive_with_inbox(
        base, tmp_path, capsys, "Where did you get that hoodie??", "Love the new video!", "Next Q&A when?"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "desktop", "--basedir", str(base), "inbox", "draft-all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # the first finished draft
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert first.split()[1] in ("drafted", "FLAGGED") and rest.strip().splitlines()[-1].startswith(
        "Stopped: "
    )
    states = [e["state"] for e in _entries(base, capsys)]
    assert 1 <= len(states) - states.count("new") < 4  # what finished is kept; the rest waits
    with open_store(paths_with_models.profile("default").store) as store:
        counts = [row[0] for row in store.db.execute("SELECT count(*) FROM drafts GROUP BY incoming_item_id")]
    assert counts and set(counts) == {1}


def test_fan_text_cannot_drive_the_terminal(paths: Paths, capsys: pytest.CaptureFixture[str]) -> None:
    """A fan's escape sequences (retitle the terminal, clear the screen, a one-byte CSI, a carriage
    return that overwrites the line) are printed as visible \\uXXXX, and --json still parses."""
    base = paths.base
    hostile = "hi\x1b]0;pwned\x07 \x1b[2J\x9b31m red\rapproved"
    assert _run(base, "inbox", "add", hostile, "--from", "fan\x1b[8m") == 0
    capsys.readouterr()
    assert _run(base, "inbox", "list") == 0
    table = capsys.readouterr().out
    assert not set("\x1b\x07\x9b\r") & set(table)
    assert "hi\\u001b]0;pwned\\u0007" in table and "fan\\u001b[8m" in table
    [entry] = _entries(base, capsys)
    assert entry["text"] == hostile and entry["sender"] == "fan\x1b[8m"  # the store keeps every character
