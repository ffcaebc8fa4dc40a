"""The YouTube connector against a faithful fake of Google's OAuth server and the Data API v3.

Real google-api-python-client / google-auth / google-auth-oauthlib code runs end to end over real
HTTP to pytest-httpserver on loopback; only the server side is a fake (see youtube_fake.py).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from pathlib import Path
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
from desktop.core.connectors.registry import connector_class
from desktop.core.connectors.youtube import SECRET, YouTubeConnector
from desktop.core.importers.records import ItemRecord, ThreadRecord
from desktop.core.secrets import SecretStore
from desktop.core.tasks import CancelToken
from tests.connectors.youtube_fake import YouTubeFake, follow_in_background, query_of


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every outgoing connection is recorded, and one to anything but loopback fails the test."""
    contacted: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            contacted.append(address)
            host = str(address[0])
            assert host == "localhost" or ipaddress.ip_address(host).is_loopback, f"contacted {address}"
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return contacted


@pytest.fixture
def fake(httpserver: HTTPServer) -> Iterator[YouTubeFake]:
    yt = YouTubeFake(httpserver)
    yt.add_video("vid00000001", "How I tune my guitar", "Standard tuning, step by step.", minutes_ago=3000)
    yt.add_video("vid00000002", "Live at the pub", "", minutes_ago=2000)
    yield yt
    assert yt.failures == [], "a planned failure was never reached"


@pytest.fixture
def secrets(memory_keyring: Any) -> ConnectionSecrets:
    return ConnectionSecrets(SecretStore(), "youtube")


def make(fake: YouTubeFake, secrets: ConnectionSecrets, tmp_path: Path, **settings: str) -> YouTubeConnector:
    client_file = tmp_path / "client_secret_123-fake.apps.googleusercontent.com.json"
    client_file.write_text(json.dumps(fake.client_config()), encoding="utf-8")
    return YouTubeConnector({"client_file": str(client_file), "api_root": fake.api_root, **settings}, secrets)


@pytest.fixture
def connector(
    fake: YouTubeFake, secrets: ConnectionSecrets, tmp_path: Path, loopback_only: list[Any]
) -> YouTubeConnector:
    secrets.set(SECRET, fake.authorized_user(token="ya29.still-valid"))
    return make(fake, secrets, tmp_path)


def items(records: list[Any]) -> list[ItemRecord]:
    return [r for r in records if isinstance(r, ItemRecord)]


def by_id(records: list[Any]) -> dict[str, ItemRecord]:
    return {r.external_id: r for r in items(records)}


def reply_for(item: ItemRecord, text: str, reply_id: str = "r1") -> OutgoingReply:
    return OutgoingReply(reply_id, item.external_id, item.thread_key, text, item.kind, meta=dict(item.extra))


def test_registry_finds_it_and_import_is_cheap() -> None:
    assert connector_class("youtube") is YouTubeConnector
    assert YouTubeConnector.secret_names == (SECRET,)
    assert "Desktop app" in YouTubeConnector.steps and "YouTube Data API v3" in YouTubeConnector.steps


def test_first_fetch_yields_threads_videos_comments_and_own_replies(
    fake: YouTubeFake, connector: YouTubeConnector
) -> None:
    question = fake.add_comment("vid00000001", "Which strings do you use?", minutes_ago=120)
    answered = fake.add_comment("vid00000002", "Great set!", author="@pubfan", minutes_ago=90)
    mine = fake.own_reply(answered, "Thanks for coming!", minutes_ago=80)
    follow_up = fake.add_comment(
        "vid00000002", "When is the next one?", author="@pubfan", parent=answered, minutes_ago=70
    )

    result = connector.fetch_new(None, CancelToken())

    threads = {r.key: r for r in result.records if isinstance(r, ThreadRecord)}
    assert threads["video:vid00000001"].title == "How I tune my guitar"
    assert threads["video:vid00000001"].kind == "comments"
    found = by_id(result.records)
    video = found["vid00000001"]  # the importer's id for a video: the bare video id
    assert (video.kind, video.is_owner, video.thread_key) == ("post", True, "video:vid00000001")
    assert video.text == "How I tune my guitar\n\nStandard tuning, step by step."
    top = found[question.id]
    assert (top.kind, top.is_owner, top.author) == ("comment", False, "@fan")
    assert (top.thread_key, top.reply_to) == ("video:vid00000001", "vid00000001")
    assert top.extra["top_level_comment_id"] == question.id
    assert top.text == "Which strings do you use?"
    own = found[mine.id]
    assert own.author == fake.channel_title  # as the Takeout importer names the creator
    assert (own.is_owner, own.reply_to, own.external_id) == (
        True,
        answered.id,
        f"{answered.id}.{mine.id.split('.')[1]}",
    )
    assert found[follow_up.id].reply_to == answered.id and not found[follow_up.id].is_owner
    assert found[follow_up.id].extra["top_level_comment_id"] == answered.id
    # threads before the items in them, each item's created_at from publishedAt
    first_item = next(i for i, r in enumerate(result.records) if isinstance(r, ItemRecord))
    assert all(isinstance(r, ThreadRecord) for r in result.records[:first_item])
    assert top.created_at == question.published
    assert result.cursor


def test_pages_and_all_replies_are_read_then_the_cursor_returns_only_new(
    fake: YouTubeFake, connector: YouTubeConnector
) -> None:
    tops = [fake.add_comment("vid00000001", f"comment {n}", minutes_ago=500 - n) for n in range(120)]
    long_thread = tops[-1]
    replies = [
        fake.add_comment(
            "vid00000001", f"reply {n}", author=f"@r{n}", parent=long_thread, minutes_ago=100 - n
        )
        for n in range(7)
    ]

    first = connector.fetch_new(None, CancelToken())

    found = by_id(first.records)
    assert all(t.id in found for t in tops)  # 120 threads at 50 a page: 3 pages
    assert all(r.id in found for r in replies)  # 7 replies, only 2 inline: the rest via comments.list
    pages = [c for c in fake.api_calls if c[1] == "/youtube/v3/commentThreads"]
    assert len(pages) == 3 and "pageToken" in pages[1][2]
    assert any(
        c[1] == "/youtube/v3/comments" and c[2]["parentId"] == [long_thread.id] for c in fake.api_calls
    )

    again = connector.fetch_new(first.cursor, CancelToken())
    assert again.records == [] and again.cursor == first.cursor

    fake.now = fake.now.replace(hour=13)
    newer = fake.add_comment("vid00000002", "New here!", minutes_ago=5)
    late_reply = fake.add_comment("vid00000001", "me too", author="@late", parent=tops[-2], minutes_ago=4)
    third = connector.fetch_new(again.cursor, CancelToken())
    got = by_id(third.records)
    assert set(got) == {newer.id, late_reply.id, tops[-2].id, "vid00000002", "vid00000001"}
    assert got[late_reply.id].reply_to == tops[-2].id
    assert third.cursor != again.cursor


def test_cancel_between_pages(fake: YouTubeFake, connector: YouTubeConnector) -> None:
    from desktop.core.errors import Cancelled

    fake.add_comment("vid00000001", "hello")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        connector.fetch_new(None, token)


def test_send_posts_under_the_top_level_comment_and_find_sent_reads_it_back(
    fake: YouTubeFake, connector: YouTubeConnector
) -> None:
    top = fake.add_comment("vid00000001", "Which strings do you use?", minutes_ago=120)
    reply = fake.add_comment("vid00000001", "+1, which ones?", author="@other", parent=top, minutes_ago=60)
    found = by_id(connector.fetch_new(None, CancelToken()).records)
    outgoing = reply_for(found[reply.id], "Elixir 10s! (drafted with AI, checked by me)")
    assert connector.find_sent(outgoing) is None

    new_id = connector.send(outgoing)

    posted = [c for c in fake.replies_to(top.id) if c.id == new_id]  # a reply to a reply goes under the top
    assert posted and posted[0].text == outgoing.text and posted[0].author_channel_id == fake.channel_id
    assert connector.find_sent(outgoing) == new_id
    bare = OutgoingReply("r1", reply.id, None, outgoing.text, "comment")  # no meta: the id names its parent
    assert connector.find_sent(bare) == new_id
    other = reply_for(found[top.id], "A different answer")
    assert connector.find_sent(other) is None
    later = connector.fetch_new(None, CancelToken())
    mine = by_id(later.records)[new_id]
    assert mine.is_owner and mine.reply_to == top.id


def test_check_says_who_we_speak_as(fake: YouTubeFake, connector: YouTubeConnector) -> None:
    account = connector.check()
    assert (account.handle, account.display_name, account.user_id) == (
        "@creator",
        fake.channel_title,
        fake.channel_id,
    )


def test_expired_access_token_mid_run_is_refreshed_and_saved(
    fake: YouTubeFake, connector: YouTubeConnector, secrets: ConnectionSecrets
) -> None:
    top = fake.add_comment("vid00000001", "question", minutes_ago=10)
    for n in range(60):
        fake.add_comment("vid00000002", f"c{n}", minutes_ago=200 + n)
    connector.check()
    fake.expire_access_tokens()  # the hour is up between two requests: the API answers 401

    result = connector.fetch_new(None, CancelToken())

    assert top.id in by_id(result.records) and fake.refreshes == 1
    saved = json.loads(secrets.get(SECRET) or "{}")
    assert saved["token"] in fake.access_tokens and saved["refresh_token"] == "1//fake-refresh-token"
    # a new run reuses the saved token instead of refreshing again
    fresh = YouTubeConnector(connector._settings, secrets)
    fresh.check()
    assert fake.refreshes == 1


def test_token_past_its_expiry_is_refreshed_before_the_request(
    fake: YouTubeFake, secrets: ConnectionSecrets, tmp_path: Path, loopback_only: list[Any]
) -> None:
    secrets.set(SECRET, fake.authorized_user(token="ya29.old", expired=True))
    make(fake, secrets, tmp_path).check()
    assert fake.refreshes == 1


def test_revoked_refresh_token_is_sign_in_expired_in_plain_words(
    fake: YouTubeFake, connector: YouTubeConnector
) -> None:
    fake.add_comment("vid00000001", "question")
    fake.invalid_grant = True
    fake.expire_access_tokens()
    with pytest.raises(SignInExpired) as caught:
        connector.fetch_new(None, CancelToken())
    text = str(caught.value)
    assert "YouTube no longer accepts" in text and "expired or revoked" in text
    assert "understudy connect add youtube" in text and "Settings → Connections" in text


def test_not_signed_in(fake: YouTubeFake, secrets: ConnectionSecrets, tmp_path: Path) -> None:
    with pytest.raises(SignInExpired, match="not signed in"):
        make(fake, secrets, tmp_path).check()


def test_quota_exceeded_is_rate_limited_until_pacific_midnight(
    fake: YouTubeFake, connector: YouTubeConnector
) -> None:
    fake.add_comment("vid00000001", "question")
    connector.check()
    fake.fail_next("/youtube/v3/commentThreads", 403, "quotaExceeded")
    with pytest.raises(RateLimited) as caught:
        connector.fetch_new(None, CancelToken())
    assert "daily YouTube quota is used up" in str(caught.value)
    assert caught.value.retry_after is not None and 60 <= caught.value.retry_after <= 25 * 3600


def test_rate_limit_exceeded_is_rate_limited(fake: YouTubeFake, connector: YouTubeConnector) -> None:
    top = fake.add_comment("vid00000001", "question")
    found = by_id(connector.fetch_new(None, CancelToken()).records)
    fake.fail_next("/youtube/v3/comments", 403, "rateLimitExceeded")
    with pytest.raises(RateLimited, match="slow down while posting your reply"):
        connector.send(reply_for(found[top.id], "hi"))
    assert fake.replies_to(top.id) == []


def test_server_error_is_platform_unavailable(fake: YouTubeFake, connector: YouTubeConnector) -> None:
    fake.fail_next("/youtube/v3/channels", 503, "backendError")
    with pytest.raises(PlatformUnavailable, match=r"YouTube is having trouble right now \(error 503\)"):
        connector.check()


def test_connection_refused_is_platform_unavailable(
    fake: YouTubeFake, secrets: ConnectionSecrets, tmp_path: Path, loopback_only: list[Any]
) -> None:
    secrets.set(SECRET, fake.authorized_user(token="ya29.t"))
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connector = make(fake, secrets, tmp_path, api_root=f"http://127.0.0.1:{port}/")
    with pytest.raises(PlatformUnavailable, match="Could not reach YouTube while looking up your channel"):
        connector.check()


def test_comments_disabled_and_reply_to_a_video_in_plain_words(
    fake: YouTubeFake, connector: YouTubeConnector
) -> None:
    top = fake.add_comment("vid00000001", "question")
    found = by_id(connector.fetch_new(None, CancelToken()).records)
    fake.fail_next("/youtube/v3/comments", 403, "commentsDisabled")
    with pytest.raises(ConnectorError, match="Comments are turned off on this video"):
        connector.send(reply_for(found[top.id], "hi"))
    with pytest.raises(ConnectorError, match="not the video itself"):
        connector.send(reply_for(found["vid00000001"], "hi"))


def test_bad_client_file_in_plain_words(
    fake: YouTubeFake, secrets: ConnectionSecrets, tmp_path: Path, loopback_only: list[Any]
) -> None:
    web = tmp_path / "web.json"
    web.write_text(json.dumps({"web": fake.client_config()["installed"]}), encoding="utf-8")
    connector = YouTubeConnector({"client_file": str(web)}, secrets)
    with pytest.raises(ConnectorError, match="'Web application' client; Understudy needs a 'Desktop app'"):
        connector.authorize(follow_in_background)
    with pytest.raises(ConnectorError, match="Could not read the YouTube OAuth client file"):
        YouTubeConnector({"client_file": str(tmp_path / "missing.json")}, secrets).authorize(
            follow_in_background
        )


def test_authorize_runs_the_loopback_flow_and_keeps_the_sign_in_in_the_keychain(
    fake: YouTubeFake,
    secrets: ConnectionSecrets,
    tmp_path: Path,
    loopback_only: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: Any,
) -> None:
    # oauthlib refuses a plain-http token endpoint; Google's is https, the fake's is not.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    opened: list[str] = []

    def open_url(url: str) -> None:
        opened.append(url)
        follow_in_background(url)

    connector = make(fake, secrets, tmp_path)
    connector.authorize(open_url)

    query = query_of(opened[0])
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert query["access_type"] == ["offline"] and query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["https://www.googleapis.com/auth/youtube.force-ssl"]
    assert fake.code_exchanges == 1
    saved = json.loads(secrets.get(SECRET) or "{}")
    assert saved["refresh_token"].startswith("1//fake-refresh-") and saved["token"] in fake.access_tokens
    assert saved["client_id"] == fake.client_config()["installed"]["client_id"] and saved["client_secret"]
    # only the keychain holds it: not the settings, not the client file's folder
    assert list(memory_keyring.passwords) == [
        (next(iter(memory_keyring.passwords))[0], f"connection:youtube:{SECRET}")
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "client_secret_123-fake.apps.googleusercontent.com.json"
    ]
    assert connector.check().user_id == fake.channel_id
    assert fake.refreshes == 0


def test_nothing_but_loopback_is_contacted(
    fake: YouTubeFake, connector: YouTubeConnector, loopback_only: list[Any]
) -> None:
    top = fake.add_comment("vid00000001", "question")
    found = by_id(connector.fetch_new(None, CancelToken()).records)
    connector.send(reply_for(found[top.id], "hi"))
    assert loopback_only  # real connections were made, and every one went to loopback


def test_the_api_description_comes_from_the_bundled_file_never_the_network(
    fake: YouTubeFake, connector: YouTubeConnector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """static_discovery: googleapiclient reads discovery_cache/documents/youtube.v3.json (the one file
    packaging must keep); without it the connector says so and fetches nothing."""
    import googleapiclient.discovery_cache as cache

    assert (Path(cache.DISCOVERY_DOC_DIR) / "youtube.v3.json").is_file()
    monkeypatch.setattr(cache, "DISCOVERY_DOC_DIR", str(tmp_path))
    with pytest.raises(ConnectorError, match="missing YouTube's API description"):
        connector.check()
    assert fake.api_calls == []


def test_sign_in_declined_or_abandoned_in_plain_words(
    fake: YouTubeFake,
    secrets: ConnectionSecrets,
    tmp_path: Path,
    loopback_only: list[Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import desktop.core.connectors.youtube as youtube

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    connector = make(fake, secrets, tmp_path)
    fake.deny_access = True
    with pytest.raises(ConnectorError, match="You did not allow Understudy to manage your YouTube comments"):
        connector.authorize(follow_in_background)
    monkeypatch.setattr(youtube, "_SIGN_IN_WAIT_S", 1)
    with pytest.raises(ConnectorError, match="sign-in did not finish"):
        connector.authorize(lambda url: None)  # the page was opened and left alone
    assert secrets.get(SECRET) is None and fake.code_exchanges == 0
