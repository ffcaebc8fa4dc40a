"""The Bluesky connector against a real local AT Protocol network (PLC, PDS, AppView; see
``bluesky_fixtures``): real records are created by a fan, fetched, answered and read back.

Rate limits and server errors cannot be provoked from a local PDS on demand; those few cases run
against pytest-httpserver answering as Bluesky documents it (see ``test_rate_limit_*``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from atproto import models
from pytest_httpserver import HTTPServer

from desktop.core.connectors.base import (
    ConnectionSecrets,
    ConnectorError,
    OutgoingReply,
    PlatformUnavailable,
    RateLimited,
    SignInExpired,
)
from desktop.core.connectors.bluesky import MAX_GRAPHEMES, BlueskyConnector, too_long
from desktop.core.connectors.registry import connector_class
from desktop.core.importers.records import COMMENT, POST, ItemRecord, ThreadRecord
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken
from tests.conftest import InMemoryKeyring
from tests.connectors.bluesky_fixtures import BlueskyNetwork, run_network


@pytest.fixture(scope="module")
def network() -> Iterator[BlueskyNetwork]:
    yield from run_network()


def connector_for(
    network: BlueskyNetwork, *, password: str | None = None, service: str | None = None
) -> tuple[BlueskyConnector, ConnectionSecrets]:
    secrets = ConnectionSecrets(SecretStore(), "bluesky")
    secrets.set("app_password", network.creator.app_password if password is None else password)
    settings = {"handle": network.creator.handle, "service": service or network.pds_url}
    return BlueskyConnector(settings, secrets), secrets


def fan_reply(network: BlueskyNetwork, post: Any, text: str, root: Any = None) -> Any:
    """The fan answers ``post`` (a created post's reference), through the fan's own session."""
    fan: Any = network.client(network.fan)
    ref = models.create_strong_ref(post)
    record = models.AppBskyFeedPost.Record(
        created_at=fan.get_current_time_iso(),
        text=text,
        reply=models.AppBskyFeedPost.ReplyRef(parent=ref, root=models.create_strong_ref(root or post)),
    )
    return fan.app.bsky.feed.post.create(network.fan.did, record)


def creator_post(network: BlueskyNetwork, text: str) -> Any:
    creator: Any = network.client(network.creator)
    record = models.AppBskyFeedPost.Record(created_at=creator.get_current_time_iso(), text=text, langs=["en"])
    return creator.app.bsky.feed.post.create(network.creator.did, record)


def items(records: list[Any]) -> dict[str, ItemRecord]:
    return {r.external_id: r for r in records if isinstance(r, ItemRecord)}


def test_registry_names_the_connector() -> None:
    assert connector_class("bluesky") is BlueskyConnector
    assert [f.name for f in BlueskyConnector.setup_fields if f.secret] == ["app_password"]


def test_fetch_send_find_sent_round_trip(network: BlueskyNetwork, memory_keyring: InMemoryKeyring) -> None:
    post = creator_post(network, "Sourdough day: who else is baking? https://example.com/bread")
    reply = fan_reply(network, post, "Me! My starter has been bubbling since dawn.")
    network.sync()
    connector, secrets = connector_for(network)
    account = connector.check()
    assert (account.handle, account.user_id) == (network.creator.handle, network.creator.did)
    assert secrets.get("session")  # the session is kept, so the next run need not sign in

    first = connector.fetch_new(None, CancelToken())
    found = items(first.records)
    fan_item, own_post = found[reply.uri], found[post.uri]
    assert reply.uri == f"at://{network.fan.did}/app.bsky.feed.post/{reply.uri.rsplit('/', 1)[-1]}"
    assert (fan_item.kind, fan_item.is_owner, fan_item.author) == (COMMENT, False, network.fan.handle)
    assert fan_item.text == "Me! My starter has been bubbling since dawn."
    assert (fan_item.reply_to, fan_item.thread_key) == (post.uri, post.uri)
    assert fan_item.extra["cid"] == reply.cid
    assert (fan_item.extra["root_uri"], fan_item.extra["root_cid"]) == (post.uri, post.cid)
    assert (own_post.kind, own_post.is_owner, own_post.reply_to, own_post.thread_key) == (
        POST,
        True,
        None,
        post.uri,
    )
    assert own_post.text == "Sourdough day: who else is baking? https://example.com/bread"
    assert own_post.extra["cid"] == post.cid and own_post.extra["langs"] == ["en"]
    threads = [r for r in first.records if isinstance(r, ThreadRecord) and r.key == post.uri]
    assert len(threads) == 1 and threads[0].kind == "comments"
    assert first.cursor

    again = connector.fetch_new(first.cursor, CancelToken())
    assert again.records == [] and again.cursor == first.cursor

    outgoing = OutgoingReply(
        reply_id="r-1",
        in_reply_to=fan_item.external_id,
        thread=fan_item.thread_key,
        text="So glad to hear it! Feed it tonight. (Drafted with AI help.)",
        kind=fan_item.kind,
        meta=dict(fan_item.extra),
    )
    assert connector.find_sent(outgoing) is None
    sent_uri = connector.send(outgoing)
    assert sent_uri.startswith(f"at://{network.creator.did}/app.bsky.feed.post/")
    assert connector.find_sent(outgoing) == sent_uri  # a retry would post nothing
    other = OutgoingReply("r-2", fan_item.external_id, fan_item.thread_key, "Another text", "comment")
    assert connector.find_sent(other) is None

    network.sync()
    fan: Any = network.client(network.fan)
    thread = fan.get_post_thread(reply.uri, depth=1).thread
    answers = [r.post for r in thread.replies]
    assert [(a.uri, a.author.did, a.record.text) for a in answers] == [
        (sent_uri, network.creator.did, outgoing.text)
    ]
    assert answers[0].record.reply.parent.uri == reply.uri
    assert answers[0].record.reply.root.uri == post.uri

    # The fan answers the creator's reply: it comes with the whole branch above it.
    sent = models.ComAtprotoRepoStrongRef.Main(uri=sent_uri, cid=answers[0].cid)
    follow_up = fan_reply(network, sent, "Second question: rye or wheat?", root=post)
    network.sync()
    later = items(connector.fetch_new(first.cursor, CancelToken()).records)
    assert set(later) == {follow_up.uri, sent_uri, reply.uri, post.uri}
    assert (later[follow_up.uri].reply_to, later[follow_up.uri].thread_key) == (sent_uri, post.uri)
    own_answer = later[sent_uri]
    assert (own_answer.kind, own_answer.is_owner, own_answer.reply_to) == (COMMENT, True, reply.uri)
    assert own_answer.text == outgoing.text


def test_reply_without_meta_is_sent_after_asking_for_the_post(
    network: BlueskyNetwork, memory_keyring: InMemoryKeyring
) -> None:
    """An item saved by the archive import has a cid but no root: the connector asks for the post."""
    post = creator_post(network, "Crumb shot incoming")
    reply = fan_reply(network, post, "Show us the crumb!")
    network.sync()
    connector, _ = connector_for(network)
    outgoing = OutgoingReply("r-3", reply.uri, post.uri, "Here it is, open and glossy.", COMMENT, {})
    sent_uri = connector.send(outgoing)
    network.sync()
    thread: Any = network.client(network.fan).get_post_thread(sent_uri, parent_height=2).thread
    assert thread.post.record.reply.parent.uri == reply.uri
    assert thread.post.record.reply.root.uri == post.uri
    assert thread.parent.post.uri == reply.uri


def test_mention_is_fetched(network: BlueskyNetwork, memory_keyring: InMemoryKeyring) -> None:
    fan: Any = network.client(network.fan)
    text = f"Learning so much from @{network.creator.handle} about bread"
    record = models.AppBskyFeedPost.Record(
        created_at=fan.get_current_time_iso(), text=text, facets=fan.detect_facets(text)
    )
    mention = fan.app.bsky.feed.post.create(network.fan.did, record)
    network.sync()
    connector, _ = connector_for(network)
    found = items(connector.fetch_new(None, CancelToken()).records)
    item = found[mention.uri]
    assert (item.kind, item.is_owner, item.reply_to, item.thread_key) == (COMMENT, False, None, mention.uri)
    assert item.extra["root_uri"] == mention.uri


def test_quote_answers_the_quoted_post(network: BlueskyNetwork, memory_keyring: InMemoryKeyring) -> None:
    post = creator_post(network, "Hydration matters more than flour brand.")
    fan: Any = network.client(network.fan)
    record = models.AppBskyFeedPost.Record(
        created_at=fan.get_current_time_iso(),
        text="Strong take, but is 80% too wet for beginners?",
        embed=models.AppBskyEmbedRecord.Main(record=models.create_strong_ref(post)),
    )
    quote = fan.app.bsky.feed.post.create(network.fan.did, record)
    network.sync()
    connector, _ = connector_for(network)
    found = items(connector.fetch_new(None, CancelToken()).records)
    item = found[quote.uri]
    assert (item.kind, item.reply_to, item.thread_key) == (COMMENT, post.uri, post.uri)
    assert (item.extra["root_uri"], item.extra["root_cid"]) == (quote.uri, quote.cid)  # its own thread
    assert found[post.uri].is_owner and found[post.uri].kind == POST

    outgoing = OutgoingReply(
        "r-4", quote.uri, post.uri, "Start at 70% and work up.", COMMENT, dict(item.extra)
    )
    sent_uri = connector.send(outgoing)
    network.sync()
    thread: Any = fan.get_post_thread(sent_uri, parent_height=1).thread
    assert thread.post.record.reply.parent.uri == quote.uri and thread.post.record.reply.root.uri == quote.uri


def test_wrong_app_password_is_sign_in_expired(
    network: BlueskyNetwork, memory_keyring: InMemoryKeyring
) -> None:
    connector, _ = connector_for(network, password="abcd-efgh-ijkl-mnop")
    with pytest.raises(SignInExpired) as caught:
        connector.check()
    assert "did not accept the app password for @creator.test" in caught.value.message
    assert "understudy connect add bluesky" in caught.value.hint


def test_saved_session_is_resumed_and_a_dead_one_replaced(
    network: BlueskyNetwork, memory_keyring: InMemoryKeyring
) -> None:
    connector, secrets = connector_for(network)
    connector.check()
    session = secrets.get("session")
    assert session
    secrets.set("app_password", "revoked-password")  # a resumed session does not sign in again
    assert BlueskyConnector(connector_settings(network), secrets).check().handle == network.creator.handle

    parts = session.split(":::")  # handle, did, access token, refresh token, PDS
    for token in (2, 3):  # well-formed tokens with a signature the PDS refuses
        head, body, signature = parts[token].split(".")
        parts[token] = f"{head}.{body}.{signature[::-1]}"
    secrets.set("session", ":::".join(parts))
    secrets.set("app_password", network.creator.app_password)
    assert BlueskyConnector(connector_settings(network), secrets).check().handle == network.creator.handle
    assert secrets.get("session") != ":::".join(parts)

    secrets.set("session", "damaged")  # a saved session that does not even decode is replaced too
    assert BlueskyConnector(connector_settings(network), secrets).check().handle == network.creator.handle


def connector_settings(network: BlueskyNetwork) -> dict[str, str]:
    return {"handle": network.creator.handle, "service": network.pds_url}


def test_unreachable_server_is_platform_unavailable(memory_keyring: InMemoryKeyring) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    secrets = ConnectionSecrets(SecretStore(), "bluesky")
    secrets.set("app_password", "abcd-efgh-ijkl-mnop")
    connector = BlueskyConnector({"handle": "maya.test", "service": f"http://127.0.0.1:{port}"}, secrets)
    with pytest.raises(PlatformUnavailable) as caught:
        connector.check()
    assert f"Bluesky (http://127.0.0.1:{port}) could not be reached" in caught.value.message


# Rate limits and server errors, as Bluesky documents them: a 429 carries RateLimit-Limit,
# RateLimit-Remaining, RateLimit-Reset (Unix seconds) and RateLimit-Policy
# (https://docs.bsky.app/docs/advanced-guides/rate-limits); an XRPC error body is
# {"error": ..., "message": ...} (https://atproto.com/specs/xrpc#error-responses).


def fake_connector(httpserver: HTTPServer) -> BlueskyConnector:
    secrets = ConnectionSecrets(SecretStore(), "bluesky")
    secrets.set("app_password", "abcd-efgh-ijkl-mnop")
    return BlueskyConnector({"handle": "maya.test", "service": httpserver.url_for("/").rstrip("/")}, secrets)


def test_rate_limit_gives_the_wait_from_the_headers(
    httpserver: HTTPServer, memory_keyring: InMemoryKeyring
) -> None:
    import time

    reset = int(time.time()) + 120
    httpserver.expect_request("/xrpc/com.atproto.server.createSession", method="POST").respond_with_json(
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        status=429,
        headers={
            "RateLimit-Limit": "30",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": "30;w=300",
        },
    )
    with pytest.raises(RateLimited) as caught:
        fake_connector(httpserver).check()
    assert caught.value.retry_after is not None and 110 <= caught.value.retry_after <= 121
    assert caught.value.message.startswith("Bluesky asked us to slow down for 1")


def test_retry_after_header_wins(httpserver: HTTPServer, memory_keyring: InMemoryKeyring) -> None:
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_json(
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        status=429,
        headers={"Retry-After": "7"},
    )
    with pytest.raises(RateLimited) as caught:
        fake_connector(httpserver).check()
    assert caught.value.retry_after == 7


def test_server_error_is_platform_unavailable(
    httpserver: HTTPServer, memory_keyring: InMemoryKeyring
) -> None:
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_json(
        {"error": "InternalServerError", "message": "Internal Server Error"}, status=503
    )
    with pytest.raises(PlatformUnavailable) as caught:
        fake_connector(httpserver).check()
    assert "server error (503)" in caught.value.message and "Internal Server Error" in caught.value.message


def test_a_reply_over_300_graphemes_is_refused_before_anything_is_sent(
    httpserver: HTTPServer, memory_keyring: InMemoryKeyring
) -> None:
    # Bluesky counts grapheme clusters: 300 thumbs with a skin tone fit, 301 letters do not.
    assert too_long("\N{THUMBS UP SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4}" * MAX_GRAPHEMES) is None
    assert too_long("a" * MAX_GRAPHEMES) is None
    connector = fake_connector(httpserver)
    reply = OutgoingReply("r-long", "at://did:plc:fan/app.bsky.feed.post/1", None, "a" * 301, "comment")
    with pytest.raises(ConnectorError) as caught:
        connector.send(reply)
    assert caught.value.message == (
        "This reply is 301 characters long and Bluesky allows 300. "
        "Shorten it in the Inbox (edit it and approve it again), then send it."
    )
    assert httpserver.log == []  # refused here: no sign-in, no post
