"""The whole Mastodon loop from the command line, against the fake instance on loopback.

A fan's public reply and another fan's direct message are fetched with `connect fetch`, drafted
with `inbox draft-all` (the real default model), approved, and sent with `connect send`: each
reply lands in its thread with the fan's visibility (read back from the instance), a second send
posts nothing, and an access token that expires between fetch and send is reported in plain
words, leaving the replies approved until the creator connects again.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from desktop.app import main
from desktop.core.importers.platforms.mastodon import html_to_text
from desktop.core.paths import Paths
from tests.conftest import InMemoryKeyring
from tests.connectors.mastodon_fake import FakeMastodon

POSTS = [
    "New video out today: my whole morning routine, start to finish.",
    "Thank you all for 10k! I read every comment, even when I can't answer them all.",
    "Reminder: the Q&A stream is on Friday at 6pm. Bring your questions!",
    "Tried the cold plunge again. Still hate it. Still doing it.",
    "Behind the scenes of today's shoot: three takes, one broken tripod.",
    "My camera is a Sony a7 IV and I edit everything in DaVinci Resolve.",
]


def _cli(base: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--basedir", str(base), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _connect(
    base: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fake: FakeMastodon
) -> tuple[int, str]:
    """`connect add mastodon` to the fake, the token typed on stdin as a creator would."""
    monkeypatch.setattr("sys.stdin", io.StringIO(fake.token + "\n"))
    return _cli(
        base, capsys, "connect", "add", "mastodon", "--set", f"instance={fake.url}", "--set", "access_token=-"
    )


def _entries(base: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code, out = _cli(base, capsys, "inbox", "list", "--json")
    assert code == 0, out
    return json.loads(out[out.index("{") :])["entries"]


def _replies_to(fake: FakeMastodon, status: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for s in fake.thread_of(status["id"])
        if s["in_reply_to_id"] == status["id"] and s["account"]["id"] == fake.creator["id"]
    ]


@pytest.mark.slow
def test_fetch_draft_approve_send_with_a_token_that_expires_in_between(
    paths_with_models: Paths,
    httpserver: HTTPServer,
    memory_keyring: InMemoryKeyring,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = paths_with_models.base
    fake = FakeMastodon(httpserver)
    posts = [fake.post(fake.creator, text) for text in POSTS]
    code, out = _cli(base, capsys, "import", str(fake.archive(tmp_path / "archive.zip")))
    assert code == 0, out

    comment = fake.post(fake.bo, "@ana What camera do you film with?", in_reply_to=posts[-1])
    dm = fake.post(fake.cy, "@ana When is the next Q&A stream?", visibility="direct")

    code, out = _connect(base, capsys, monkeypatch, fake)
    assert code == 0, out
    assert f"Connected Mastodon as @ana@{fake.domain}" in out
    assert fake.token not in json.dumps(_cli(base, capsys, "connect", "list", "--json"))

    code, out = _cli(base, capsys, "connect", "fetch", "mastodon", "--json")
    assert code == 0, out
    fetched = json.loads(out[out.index("{") :])["fetched"][0]
    # the fan's comment, the DM, and the creator's post (already imported from the archive: not new)
    assert (fetched["fetched"], fetched["new_items"], fetched["inbox_added"]) == (3, 2, 2)
    entries = {e["text"]: e for e in _entries(base, capsys)}
    assert set(entries) >= {"What camera do you film with?", "When is the next Q&A stream?"}

    code, out = _cli(base, capsys, "inbox", "draft-all")
    assert code == 0, out
    waiting = [e for e in _entries(base, capsys) if e["platform"] == "mastodon"]
    assert len(waiting) == 2 and all(e["state"] == "drafted" and e["draft_text"] for e in waiting)
    for entry in waiting:
        code, out = _cli(base, capsys, "inbox", "approve", str(entry["item_id"]))
        assert code == 0, out
    drafts = {e["text"]: e["draft_text"] for e in waiting}

    fake.expire_token()  # revoked on the instance between fetch and send
    code, out = _cli(base, capsys, "connect", "send", "mastodon")
    assert code == 1
    assert "no longer accepts the saved access token" in out
    assert "understudy connect add mastodon" in out
    assert not _replies_to(fake, comment) and not _replies_to(fake, dm)
    assert {e["state"] for e in _entries(base, capsys) if e["platform"] == "mastodon"} == {"approved"}

    monkeypatch.setattr("sys.stdin", io.StringIO(fake.new_token() + "\n"))
    code, out = _cli(base, capsys, "connect", "add", "mastodon", "--set", "access_token=-")
    assert code == 0, out
    code, out = _cli(base, capsys, "connect", "send", "mastodon")
    assert code == 0, out
    assert "2 of 2 approved replies sent to Mastodon." in out

    (public,) = _replies_to(fake, comment)
    assert public["visibility"] == "public" and [m["acct"] for m in public["mentions"]] == ["bo"]
    said = " ".join(drafts["What camera do you film with?"].split())
    assert " ".join(html_to_text(public["content"]).split()) in (f"@bo {said}", said)
    (private,) = _replies_to(fake, dm)
    assert private["visibility"] == "direct" and [m["acct"] for m in private["mentions"]] == [
        "cy@remote.example"
    ]
    said = " ".join(drafts["When is the next Q&A stream?"].split())
    assert " ".join(html_to_text(private["content"]).split()).endswith(said)

    before = len(fake.statuses)
    code, out = _cli(base, capsys, "connect", "send", "mastodon")
    assert code == 0, out
    assert "No approved replies are waiting" in out
    assert len(fake.statuses) == before

    code, out = _cli(base, capsys, "connect", "fetch", "mastodon")
    assert code == 0 and "Nothing new on Mastodon." in out
    code, out = _cli(base, capsys, "connect", "log", "mastodon")
    assert "no longer accepts the saved access token" in out
    assert {r.host for r in fake.requests} == {fake.domain}


def test_a_reply_whose_answer_was_lost_is_found_on_the_instance_and_not_posted_twice(
    paths: Paths,
    httpserver: HTTPServer,
    memory_keyring: InMemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop.core.inbox import save_draft
    from desktop.core.store import open_store

    base = paths.base
    fake = FakeMastodon(httpserver)
    post = fake.post(fake.creator, POSTS[0])
    comment = fake.post(fake.bo, "@ana Which alarm app do you use?", in_reply_to=post)
    assert _connect(base, capsys, monkeypatch, fake)[0] == 0
    assert _cli(base, capsys, "connect", "fetch", "mastodon")[0] == 0
    (entry,) = _entries(base, capsys)
    with open_store(paths.profile("default").store) as store:
        save_draft(store, int(entry["item_id"]), "Just the phone's clock, set for 5:30.")
    assert _cli(base, capsys, "inbox", "approve", str(entry["item_id"]))[0] == 0

    fake.lose_next_post_answer()  # posted, but the answer is a 502: the outcome looks unknown
    code, out = _cli(base, capsys, "connect", "send", "mastodon")
    assert code == 0, out
    assert "1 of 1 approved reply sent to Mastodon." in out
    (reply,) = _replies_to(fake, comment)  # the retry asked the instance first and found it
    assert html_to_text(reply["content"]) == "@bo Just the phone's clock, set for 5:30."
    posts = [r for r in fake.requests if r.method == "POST"]
    assert len(posts) == 1


@pytest.mark.slow
def test_with_draft_new_on_a_fetch_leaves_the_new_messages_drafted(
    paths_with_models: Paths,
    httpserver: HTTPServer,
    memory_keyring: InMemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The option "draft new messages at once": the Inbox is ready when the creator sits down."""
    base = paths_with_models.base
    fake = FakeMastodon(httpserver)
    post = fake.post(fake.creator, POSTS[-1])
    fake.post(fake.bo, "@ana What camera do you film with?", in_reply_to=post)
    code, out = _connect(base, capsys, monkeypatch, fake)
    assert code == 0, out
    code, out = _cli(base, capsys, "connect", "options", "--draft-new", "on")
    assert code == 0 and "Draft new messages at once: on" in out
    code, out = _cli(base, capsys, "connect", "fetch")
    assert code == 0, out
    assert "1 added to the inbox" in out
    [entry] = _entries(base, capsys)
    assert entry["state"] in ("drafted", "flagged") and entry["draft_id"] is not None
    # Drafted, never sent: sending waits for the creator's approval.
    assert not [r for r in fake.requests if r.method == "POST" and r.path == "/api/v1/statuses"]
