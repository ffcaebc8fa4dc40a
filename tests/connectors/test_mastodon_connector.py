"""The Mastodon connector against a faithful fake of the Mastodon API on loopback."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from desktop.core.connectors.base import (
    ConnectionSecrets,
    ConnectorError,
    OutgoingReply,
    PlatformUnavailable,
    RateLimited,
    SignInExpired,
)
from desktop.core.connectors.mastodon import MastodonConnector, instance_url, with_mention
from desktop.core.connectors.registry import connector_class
from desktop.core.errors import Cancelled
from desktop.core.importers.records import ItemRecord, ThreadRecord
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken
from tests.connectors.mastodon_fake import TOKEN, FakeMastodon


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeMastodon:
    return FakeMastodon(httpserver)


@pytest.fixture
def secrets(memory_keyring: object) -> ConnectionSecrets:
    secrets = ConnectionSecrets(SecretStore(), "mastodon")
    secrets.set("access_token", TOKEN)
    return secrets


@pytest.fixture
def connector(fake: FakeMastodon, secrets: ConnectionSecrets) -> MastodonConnector:
    return MastodonConnector({"instance": fake.url}, secrets)


def _story(fake: FakeMastodon) -> dict[str, dict[str, Any]]:
    """The creator's post, a fan's public reply (already answered once), a remote fan's DM."""
    post = fake.post(fake.creator, "New video out today!\n\nTell me what you think.")
    comment = fake.post(fake.bo, "@ana Loved it! When is the next one?", in_reply_to=post)
    answered = fake.post(fake.creator, "@bo Thank you!", in_reply_to=comment)
    dm = fake.post(fake.cy, "@ana can we collab on a video?", visibility="direct")
    return {"post": post, "comment": comment, "answered": answered, "dm": dm}


def _items(records: list[Any]) -> dict[str, ItemRecord]:
    return {r.external_id: r for r in records if isinstance(r, ItemRecord)}


def _threads(records: list[Any]) -> dict[str, ThreadRecord]:
    return {r.key: r for r in records if isinstance(r, ThreadRecord)}


def _reply(item: ItemRecord, text: str, reply_id: str = "reply-1") -> OutgoingReply:
    return OutgoingReply(reply_id, item.external_id, item.thread_key, text, item.kind, dict(item.extra))


def test_registered_with_the_plain_words_a_creator_reads() -> None:
    cls = connector_class("mastodon")
    assert cls is MastodonConnector
    assert [f.name for f in cls.setup_fields] == ["instance", "access_token"]
    assert [f.name for f in cls.setup_fields if f.secret] == list(cls.secret_names) == ["access_token"]
    assert "Preferences → Development → New application" in cls.steps
    for scope in ("read:notifications", "read:statuses", "write:statuses"):
        assert scope in cls.steps
    assert "direct" in cls.sends and "approved" in cls.sends


def test_importing_the_module_leaves_the_library_unloaded() -> None:
    import subprocess
    import sys

    code = "import sys, desktop.core.connectors.mastodon; print('mastodon' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_check_says_who_we_are(connector: MastodonConnector, fake: FakeMastodon) -> None:
    account = connector.check()
    assert account.handle == f"@ana@{fake.domain}"
    assert (account.display_name, account.user_id) == ("Ana Creator", "1")


def test_first_fetch_yields_the_mentions_their_threads_and_the_creators_items(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    story = _story(fake)
    result = connector.fetch_new(None, CancelToken())
    items, threads = _items(result.records), _threads(result.records)
    post, comment, answered, dm = (story[k] for k in ("post", "comment", "answered", "dm"))

    # ids: the status URI, the archive importer's scheme (an outbox note's ActivityPub id)
    assert set(items) == {post["uri"], comment["uri"], answered["uri"], dm["uri"]}
    assert post["uri"] == f"{fake.base}/users/ana/statuses/{post['id']}"

    fan = items[comment["uri"]]
    assert (fan.kind, fan.is_owner, fan.author) == ("comment", False, f"@bo@{fake.domain}")
    assert fan.text == "Loved it! When is the next one?"  # the leading @ana only addresses
    assert (fan.thread_key, fan.reply_to) == (post["uri"], post["uri"])
    assert fan.extra["status_id"] == comment["id"] and fan.extra["visibility"] == "public"
    assert fan.extra["acct"] == "bo"

    mine = items[post["uri"]]
    assert (mine.kind, mine.is_owner, mine.author, mine.reply_to) == ("post", True, "ana", None)
    assert mine.text == "New video out today!\n\nTell me what you think."
    assert mine.thread_key == post["uri"]

    reply = items[answered["uri"]]
    assert (reply.kind, reply.is_owner, reply.reply_to) == ("comment", True, comment["uri"])
    assert reply.text == "@bo Thank you!"  # the creator's own words stay as written

    message = items[dm["uri"]]
    assert (message.kind, message.is_owner, message.author) == ("message", False, "@cy@remote.example")
    assert message.text == "can we collab on a video?"
    assert (message.thread_key, message.reply_to) == (dm["uri"], None)
    assert message.extra["visibility"] == "direct" and message.extra["acct"] == "cy@remote.example"

    assert threads[post["uri"]].kind == "comments"
    assert threads[post["uri"]].title.startswith("Replies to “New video out today!")
    assert threads[post["uri"]].participants == (f"@bo@{fake.domain}",)
    assert (threads[dm["uri"]].kind, threads[dm["uri"]].title) == ("dm", "@cy@remote.example")
    assert all(item.created_at.tzinfo is not None for item in items.values())

    assert result.cursor == fake.notifications[-1]["id"]
    # a fresh mention (no parent, no replies) needs no context request
    assert f"/api/v1/statuses/{dm['id']}/context" not in fake.api_paths()


def test_a_direct_reply_to_the_creators_direct_message_is_a_message_in_its_thread(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    mine = fake.post(fake.creator, "@bo here is the link you asked for", visibility="direct")
    theirs = fake.post(fake.bo, "@ana thanks, got it", in_reply_to=mine, visibility="direct")
    items = _items(connector.fetch_new(None, CancelToken()).records)
    assert (items[mine["uri"]].kind, items[mine["uri"]].is_owner) == ("message", True)
    assert (items[theirs["uri"]].kind, items[theirs["uri"]].reply_to) == ("message", mine["uri"])
    assert items[theirs["uri"]].thread_key == items[mine["uri"]].thread_key == mine["uri"]


def test_pagination_over_pages_then_the_cursor_brings_only_newer_ones(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    connector.page_size = 2
    post = fake.post(fake.creator, "Question of the day: tea or coffee?")
    first = [fake.post(fake.bo, f"@ana answer {n}", in_reply_to=post) for n in range(5)]
    result = connector.fetch_new(None, CancelToken())
    assert {s["uri"] for s in first} <= set(_items(result.records))
    pages = [r for r in fake.requests if r.path == "/api/v1/notifications"]
    assert len(pages) == 3  # 2 + 2 + 1, walking back with max_id from the Link header
    assert [r.query.get("max_id") for r in pages] == [
        None,
        [fake.notifications[3]["id"]],
        [fake.notifications[1]["id"]],
    ]
    assert all(r.query.get("types[]") == ["mention"] for r in pages)
    assert result.cursor == fake.notifications[-1]["id"]

    again = connector.fetch_new(result.cursor, CancelToken())
    assert (again.records, again.cursor) == ([], result.cursor)
    assert fake.requests[-1].query.get("min_id") == [result.cursor]

    later = [fake.post(fake.bo, f"@ana later {n}", in_reply_to=post) for n in range(3)]
    newer = connector.fetch_new(result.cursor, CancelToken())
    fans = {i.external_id for i in _items(newer.records).values() if not i.is_owner}
    assert fans == {s["uri"] for s in later}
    assert newer.cursor == fake.notifications[-1]["id"]


def test_the_first_run_reads_a_bounded_number_of_pages(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    connector.page_size, connector.first_run_pages = 2, 2
    post = fake.post(fake.creator, "Hello")
    fans = [fake.post(fake.bo, f"@ana hi {n}", in_reply_to=post) for n in range(5)]
    result = connector.fetch_new(None, CancelToken())
    got = {i.external_id for i in _items(result.records).values() if not i.is_owner}
    assert got == {s["uri"] for s in fans[1:]}  # the four newest
    assert result.cursor == fake.notifications[-1]["id"]


def test_cancel_stops_between_pages(connector: MastodonConnector, fake: FakeMastodon) -> None:
    fake.post(fake.bo, "@ana hi", visibility="direct")
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        connector.fetch_new(None, cancel)


def test_send_replies_in_the_thread_with_the_fans_visibility_and_mention(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    story = _story(fake)
    items = _items(connector.fetch_new(None, CancelToken()).records)

    public = _reply(items[story["comment"]["uri"]], "Next Friday!\n\n(drafted with AI)", "r-public")
    assert connector.find_sent(public) is None
    sent = connector.send(public)
    posted = next(s for s in fake.statuses.values() if s["uri"] == sent)
    assert posted["account"]["id"] == fake.creator["id"]
    assert posted["in_reply_to_id"] == story["comment"]["id"]
    assert posted["visibility"] == "public"
    assert [m["acct"] for m in posted["mentions"]] == ["bo"]
    assert posted["content"].startswith('<p><span class="h-card"')
    assert posted in fake.thread_of(story["post"]["id"])  # read back through the thread

    private = _reply(items[story["dm"]["uri"]], "Sure, write me here.", "r-direct")
    sent_dm = connector.send(private)
    posted_dm = next(s for s in fake.statuses.values() if s["uri"] == sent_dm)
    assert (posted_dm["visibility"], posted_dm["in_reply_to_id"]) == ("direct", story["dm"]["id"])
    assert [m["acct"] for m in posted_dm["mentions"]] == ["cy@remote.example"]


def test_find_sent_finds_the_reply_so_a_retry_posts_nothing(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    story = _story(fake)
    items = _items(connector.fetch_new(None, CancelToken()).records)
    reply = _reply(
        items[story["comment"]["uri"]],
        "Next Friday, with a link: https://example.org/videos/2026/next-friday?b=1&c=2",
    )
    sent = connector.send(reply)
    assert connector.find_sent(reply) == sent
    # the same words with other spacing and the mention already typed still count as sent
    typed = OutgoingReply(
        "other",
        reply.in_reply_to,
        reply.thread,
        "@bo  Next Friday, with a link:\nhttps://example.org/videos/2026/next-friday?b=1&c=2",
        reply.kind,
        reply.meta,
    )
    assert connector.find_sent(typed) == sent
    different = OutgoingReply("x", reply.in_reply_to, reply.thread, "Something else", reply.kind, reply.meta)
    assert connector.find_sent(different) is None
    # the creator's earlier reply by hand is not mistaken for ours
    assert (
        connector.find_sent(
            OutgoingReply("y", reply.in_reply_to, reply.thread, "Thank you!!", reply.kind, reply.meta)
        )
        is None
    )
    # the same reply id again: Mastodon's Idempotency-Key answers with the first post
    before = len(fake.statuses)
    assert connector.send(reply) == sent
    assert len(fake.statuses) == before


def test_send_without_stored_meta_reads_the_status_itself(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    theirs = fake.post(fake.bo, "@ana hello there", visibility="private")
    reply = OutgoingReply("r", theirs["uri"], theirs["uri"], "Hello Bo", "comment", {})
    sent = connector.send(reply)
    posted = next(s for s in fake.statuses.values() if s["uri"] == sent)
    assert (posted["in_reply_to_id"], posted["visibility"]) == (theirs["id"], "private")
    assert posted["mentions"][0]["acct"] == "bo"


def test_with_mention() -> None:
    assert with_mention("Thanks!", "bo") == "@bo Thanks!"
    assert with_mention("@bo Thanks!", "bo") == "@bo Thanks!"
    assert with_mention("@Bo Thanks!", "bo") == "@Bo Thanks!"
    assert with_mention("@cy@remote.example hi", "cy@remote.example") == "@cy@remote.example hi"
    assert with_mention("@cy hi", "cy@remote.example") == "@cy hi"
    assert with_mention("email bo@x.org", "bo") == "@bo email bo@x.org"


def test_an_expired_token_says_so_in_plain_words(connector: MastodonConnector, fake: FakeMastodon) -> None:
    _story(fake)
    connector.fetch_new(None, CancelToken())
    fake.expire_token()
    with pytest.raises(SignInExpired) as caught:
        connector.fetch_new(None, CancelToken())
    message = str(caught.value)
    assert "Mastodon" in message and "no longer accepts the saved access token" in message
    assert "understudy connect add mastodon" in message and "Settings → Connections" in message


def test_no_saved_token_is_a_sign_in_to_redo(fake: FakeMastodon, memory_keyring: object) -> None:
    connector = MastodonConnector({"instance": fake.url}, ConnectionSecrets(SecretStore(), "mastodon"))
    with pytest.raises(SignInExpired, match="no Mastodon access token"):
        connector.check()
    assert fake.requests == []


def test_a_rate_limit_is_reported_with_the_wait_and_not_slept_on(
    connector: MastodonConnector, fake: FakeMastodon
) -> None:
    fake.fail_next(429)
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        connector.check()
    assert time.monotonic() - started < 5  # Mastodon.py did not sleep or retry
    assert caught.value.retry_after is not None and 60 < caught.value.retry_after <= 121
    assert "asked Understudy to slow down" in str(caught.value)
    assert len(fake.requests) == 1


def test_a_server_error_is_platform_unavailable(connector: MastodonConnector, fake: FakeMastodon) -> None:
    fake.post(fake.bo, "@ana hi", visibility="direct")
    fake.fail_next(503)
    with pytest.raises(PlatformUnavailable, match="error 503"):
        connector.check()
    connector.check()  # it answers again


def test_an_unreachable_instance_is_platform_unavailable(memory_keyring: object) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    secrets = ConnectionSecrets(SecretStore(), "mastodon")
    secrets.set("access_token", TOKEN)
    connector = MastodonConnector({"instance": f"http://127.0.0.1:{port}"}, secrets)
    with pytest.raises(PlatformUnavailable, match="could not reach your Mastodon instance"):
        connector.check()


def test_a_token_without_the_scope_says_which_steps_to_redo(
    httpserver: HTTPServer, secrets: ConnectionSecrets
) -> None:
    fake = FakeMastodon(httpserver, scopes=("read:notifications", "read:statuses"))
    connector = MastodonConnector({"instance": fake.url}, secrets)
    with pytest.raises(ConnectorError, match="not allowed to check who you are") as caught:
        connector.check()
    assert "scopes" in str(caught.value)


def test_a_deleted_status_is_a_plain_error(connector: MastodonConnector, fake: FakeMastodon) -> None:
    reply = OutgoingReply(
        "r", f"{fake.base}/users/bo/statuses/999", None, "Hi", "comment", {"status_id": "999"}
    )
    with pytest.raises(ConnectorError, match="may have been deleted"):
        connector.send(reply)


def test_the_instance_address_must_be_https_except_on_loopback() -> None:
    assert instance_url("mastodon.social/") == "https://mastodon.social"
    assert instance_url("https://fosstodon.org") == "https://fosstodon.org"
    assert instance_url("http://127.0.0.1:3000") == "http://127.0.0.1:3000"
    assert instance_url("http://localhost:3000/") == "http://localhost:3000"
    with pytest.raises(ConnectorError, match="only sends your access token over https"):
        instance_url("http://mastodon.social")
    with pytest.raises(ConnectorError, match="not a Mastodon instance address"):
        instance_url("https://mastodon.social/@ana")


def test_only_the_fakes_loopback_address_is_contacted(
    connector: MastodonConnector, fake: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacted: list[object] = []
    guarded = socket.socket.connect

    def recording(self: socket.socket, address: object) -> object:
        contacted.append(address)
        return guarded(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording)
    story = _story(fake)
    items = _items(connector.fetch_new(None, CancelToken()).records)
    reply = _reply(items[story["comment"]["uri"]], "Thanks!")
    connector.find_sent(reply)
    connector.send(reply)
    port = fake.server.port
    assert contacted and all(isinstance(a, tuple) and a[1] == port for a in contacted)
    assert {r.host for r in fake.requests} == {fake.domain}
    assert all(r.authorization == f"Bearer {TOKEN}" for r in fake.requests)
    # no start-up version probe: only the endpoints the work needs
    assert set(fake.api_paths()) <= {
        "/api/v1/accounts/verify_credentials",
        "/api/v1/notifications",
        f"/api/v1/statuses/{story['comment']['id']}/context",
        "/api/v1/statuses",
    }
