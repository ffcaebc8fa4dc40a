"""The connection core's promises, on a real store, with a platform held in memory.

What is under test is our side, not a platform's: only approved replies leave, a reply is never
posted twice (a timeout after the post, a crash between the log and the post), a refusal keeps the
reply approved with its reason, an expired sign-in stops the run in plain words, a fetch saves
like an import and moves its cursor only when it commits. ``PlatformInMemory`` keeps posts as a
platform would (ids, threads, who wrote what); the platform modules are tested against real
servers and faithful fakes in their own test files.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar

import pytest

from desktop.core.connectors import fetching, sending
from desktop.core.connectors.base import (
    Account,
    ConnectionSecrets,
    ConnectorError,
    FetchResult,
    OutgoingReply,
    PlatformUnavailable,
    RateLimited,
    SetupField,
    SignInExpired,
)
from desktop.core.connectors.retrying import RetryPolicy
from desktop.core.errors import Cancelled
from desktop.core.importers.records import COMMENT, POST, ItemRecord, ThreadRecord
from desktop.core.inbox import approve, get_entry, save_draft
from desktop.core.secrets import SecretStore
from desktop.core.store import Store, open_store
from desktop.core.store import connections as rows
from desktop.core.store.conversations import awaiting_reply_ids
from desktop.core.tasks import CancelToken
from tests.conftest import InMemoryKeyring

NO_WAIT = RetryPolicy(attempts=3, sleep=lambda _seconds: None)
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


class PlatformInMemory:
    """A platform's posts, as the connector under test sees them through its API."""

    def __init__(self) -> None:
        self.posts: dict[str, dict[str, str]] = {}
        self.sends = 0
        self.fail_next: list[Exception] = []
        self.post_then_time_out = False

    def add(self, post_id: str, author: str, text: str, reply_to: str | None = None) -> None:
        self.posts[post_id] = {"author": author, "text": text, "reply_to": reply_to or ""}


class ConnectorOverMemory:
    platform: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    setup_fields: ClassVar[tuple[SetupField, ...]] = (SetupField("handle", "Handle"),)
    steps: ClassVar[str] = "Type your handle."
    reads: ClassVar[str] = "Replies to your posts."
    sends: ClassVar[str] = "The replies you approved."
    secret_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, platform: PlatformInMemory) -> None:
        self.memory = platform

    def check(self) -> Account:
        return Account("maya.test")

    def fetch_new(self, cursor: str | None, cancel: CancelToken) -> FetchResult:
        records: list[ThreadRecord | ItemRecord] = [ThreadRecord("post-1", "Sourdough day", kind="comments")]
        newest = cursor or ""
        for n, (post_id, post) in enumerate(sorted(self.memory.posts.items())):
            if cursor and post_id <= cursor:
                continue
            owner = post["author"] == "maya.test"
            records.append(
                ItemRecord(
                    external_id=post_id,
                    kind=POST if not post["reply_to"] else COMMENT,
                    text=post["text"],
                    created_at=T0.replace(minute=n),
                    author=post["author"],
                    is_owner=owner,
                    thread_key="post-1",
                    reply_to=post["reply_to"] or None,
                    extra={"cid": f"cid-{post_id}"},
                )
            )
            newest = max(newest, post_id)
        return FetchResult(records, newest or None)

    def find_sent(self, reply: OutgoingReply) -> str | None:
        for post_id, post in self.memory.posts.items():
            if (
                post["author"] == "maya.test"
                and post["reply_to"] == reply.in_reply_to
                and post["text"] == reply.text
            ):
                return post_id
        return None

    def send(self, reply: OutgoingReply) -> str:
        if self.memory.fail_next:
            raise self.memory.fail_next.pop(0)
        self.memory.sends += 1
        post_id = f"post-{len(self.memory.posts) + 2:03d}"
        assert reply.meta["cid"] == f"cid-{reply.in_reply_to}"  # what fetch kept for sending came back
        self.memory.add(post_id, "maya.test", reply.text, reply.in_reply_to)
        if self.memory.post_then_time_out:
            self.memory.post_then_time_out = False
            raise PlatformUnavailable("Bluesky did not answer in time.")
        return post_id


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.sqlite3") as opened:
        rows.save_connection(opened, "bluesky", {"handle": "maya.test"}, "2026-12-06T09:00:00Z")
        rows.record_check(opened, "bluesky", "maya.test", "2026-12-06T09:00:00Z")
        yield opened


@pytest.fixture
def platform() -> PlatformInMemory:
    memory = PlatformInMemory()
    memory.add("post-001", "maya.test", "Day three of the croissant dough. Worth it.")
    memory.add("post-002", "fan.one", "how long do u proof the focaccia?? 😍", reply_to="post-001")
    memory.add("post-003", "fan.two", "omg those layers. recipe plz", reply_to="post-001")
    return memory


def _fetch(
    store: Store, connector: ConnectorOverMemory, cancel: CancelToken | None = None
) -> fetching.FetchOutcome:
    steps = fetching.fetch_connection(store, connector, cancel=cancel, policy=NO_WAIT)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def _send(store: Store, connector: ConnectorOverMemory, item_id: int | None = None) -> sending.SendReport:
    steps = sending.send_approved(store, connector, item_id=item_id, policy=NO_WAIT)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def _approve_reply(store: Store, item_id: int, text: str) -> None:
    save_draft(store, item_id, text)
    approve(store, item_id)


def _item_id(store: Store, external_id: str) -> int:
    return int(store.db.execute("SELECT id FROM items WHERE external_id = ?", [external_id]).fetchone()[0])


def test_a_fetch_saves_like_an_import_joins_the_inbox_and_the_cursor_returns_nothing_new(
    store: Store, platform: PlatformInMemory
) -> None:
    connector = ConnectorOverMemory(platform)
    first = _fetch(store, connector)
    assert (first.fetched, first.new_items, first.inbox_added) == (3, 3, 2)
    assert rows.get_connection(store, "bluesky")["cursor"] == "post-003"
    again = _fetch(store, connector)
    assert (again.fetched, again.new_items, again.inbox_added) == (0, 0, 0)
    assert again.sentence("Bluesky") == "Nothing new on Bluesky."
    platform.add("post-004", "fan.one", "also what flour", reply_to="post-001")
    third = _fetch(store, connector)
    assert (third.fetched, third.new_items) == (1, 1)
    runs = rows.latest_runs(store, "bluesky")
    assert [r["outcome"] for r in runs] == ["done", "done", "done"] and runs[-1]["fetched"] == 3


def test_a_cancelled_fetch_keeps_nothing_and_does_not_move_the_cursor(
    store: Store, platform: PlatformInMemory
) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        _fetch(store, ConnectorOverMemory(platform), cancel)
    assert store.db.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    assert rows.get_connection(store, "bluesky")["cursor"] is None
    assert rows.latest_runs(store, "bluesky")[0]["outcome"] == "cancelled"


def test_only_approved_replies_leave_once_in_their_thread_and_the_conversation_stops_awaiting(
    store: Store, platform: PlatformInMemory
) -> None:
    connector = ConnectorOverMemory(platform)
    _fetch(store, connector)
    one, two = _item_id(store, "post-002"), _item_id(store, "post-003")
    _approve_reply(store, one, "about 2 hours, till it jiggles! (drafted with AI, reviewed by me)")
    save_draft(store, two, "recipe is in my highlights")  # drafted, not approved: must stay here
    report = _send(store, connector)
    assert [(r.item_id, r.outcome) for r in report.results] == [(one, sending.SENT)]
    sent_id = report.results[0].platform_id
    assert platform.posts[sent_id] == {
        "author": "maya.test",
        "text": "about 2 hours, till it jiggles! (drafted with AI, reviewed by me)",
        "reply_to": "post-002",
    }
    assert get_entry(store, one).state == "exported" and get_entry(store, two).state == "drafted"
    assert one not in awaiting_reply_ids(store)  # the sent reply is the creator's item in the thread
    assert rows.send_record(store, report.results[0].reply_id)["status"] == "sent"
    again = _send(store, connector)
    assert again.results == [] and platform.sends == 1
    assert again.sentence("Bluesky") == "No approved replies are waiting to be sent to Bluesky."


def test_a_timeout_after_the_post_went_through_is_not_posted_again(
    store: Store, platform: PlatformInMemory
) -> None:
    connector = ConnectorOverMemory(platform)
    _fetch(store, connector)
    one = _item_id(store, "post-002")
    _approve_reply(store, one, "about 2 hours!")
    platform.post_then_time_out = True
    report = _send(store, connector)
    # The retry asked the platform first and found the post: sent once, reported sent.
    assert report.results[0].outcome == sending.SENT and platform.sends == 1
    mine = [p for p in platform.posts.values() if p["author"] == "maya.test" and p["reply_to"] == "post-002"]
    assert len(mine) == 1


def test_a_crash_between_the_log_and_the_answer_is_settled_by_asking_the_platform(
    store: Store, platform: PlatformInMemory
) -> None:
    connector = ConnectorOverMemory(platform)
    _fetch(store, connector)
    one = _item_id(store, "post-002")
    _approve_reply(store, one, "about 2 hours!")
    pending = rows.approved_replies(store, "bluesky")[0]
    key = sending.reply_id(pending["draft_id"], pending["draft_created_at"])
    # The app died after logging 'sending' and after the platform took the post, before the answer.
    rows.mark_sending(store, key, pending["draft_id"], one, "bluesky", "2026-12-06T09:05:00Z")
    platform.add("post-900", "maya.test", "about 2 hours!", reply_to="post-002")
    report = _send(store, connector)
    assert report.results[0].outcome == sending.ALREADY_SENT and report.results[0].platform_id == "post-900"
    assert platform.sends == 0 and get_entry(store, one).state == "exported"


def test_a_refusal_keeps_the_reply_approved_with_its_reason_and_an_expired_sign_in_stops_the_run(
    store: Store, platform: PlatformInMemory
) -> None:
    connector = ConnectorOverMemory(platform)
    _fetch(store, connector)
    one, two = _item_id(store, "post-002"), _item_id(store, "post-003")
    _approve_reply(store, one, "about 2 hours!")
    _approve_reply(store, two, "recipe is in my highlights")
    platform.fail_next = [ConnectorError("Bluesky refused the reply: it is longer than 300 characters.")]
    report = _send(store, connector)
    assert [r.outcome for r in report.results] == [sending.FAILED, sending.SENT]
    assert "longer than 300 characters" in report.results[0].error
    assert get_entry(store, one).state == "approved"
    assert "1 could not be sent and stay approved" in report.sentence("Bluesky")

    platform.fail_next = [
        SignInExpired("Bluesky no longer accepts your app password.", hint="Connect again.")
    ]
    stopped = _send(store, connector)
    assert stopped.stopped == "Bluesky no longer accepts your app password. Connect again."
    assert get_entry(store, one).state == "approved" and platform.sends == 1
    assert rows.latest_runs(store, "bluesky", limit=1)[0]["outcome"] == "failed"


def test_rate_limits_and_outages_are_waited_out_as_the_platform_asked(
    store: Store, platform: PlatformInMemory
) -> None:
    waits: list[float] = []
    connector = ConnectorOverMemory(platform)
    _fetch(store, connector)
    one = _item_id(store, "post-002")
    _approve_reply(store, one, "about 2 hours!")
    platform.fail_next = [RateLimited("Slow down.", retry_after=7.5), PlatformUnavailable("503")]
    policy = RetryPolicy(attempts=3, backoff_seconds=1.0, sleep=waits.append)
    steps = sending.send_approved(store, connector, policy=policy)
    report = None
    while report is None:
        try:
            next(steps)
        except StopIteration as stop:
            report = stop.value
    assert report.results[0].outcome == sending.SENT and waits == [7.5, 2.0] and platform.sends == 1


def test_secrets_of_a_connection_live_in_the_keychain_under_their_platform(
    memory_keyring: InMemoryKeyring,
) -> None:
    secrets = ConnectionSecrets(SecretStore(), "mastodon")
    secrets.set("access_token", "tok-123")
    assert memory_keyring.passwords == {("Understudy", "connection:mastodon:access_token"): "tok-123"}
    secrets.delete(["access_token"])
    assert memory_keyring.passwords == {}


def test_each_fans_branch_under_a_post_is_its_own_conversation_across_fetches(
    store: Store, platform: PlatformInMemory
) -> None:
    connector = ConnectorOverMemory(platform)
    _fetch(store, connector)
    platform.add("post-004", "maya.test", "2 hours!", reply_to="post-002")
    platform.add("post-005", "fan.one", "thank u!! and the oven temp?", reply_to="post-004")
    later = _fetch(store, connector)
    assert later.fetched == 2
    threads = dict(
        store.db.execute(
            "SELECT i.external_id, t.external_id FROM items AS i JOIN threads AS t ON t.id = i.thread_id"
        ).fetchall()
    )
    assert threads["post-001"] == "post-1"  # the post keeps the platform's thread
    assert threads["post-002"] == threads["post-004"] == threads["post-005"] == "post-1#post-002"
    assert threads["post-003"] == "post-1#post-003"
    waiting = {
        str(store.db.execute("SELECT external_id FROM items WHERE id = ?", [i]).fetchone()[0])
        for i in awaiting_reply_ids(store)
    }
    assert waiting == {"post-005", "post-003"}  # fan.one's follow-up, fan.two's first comment
