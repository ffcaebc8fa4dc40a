"""X / Twitter archive importer: tweets.js (and the 2019 tweet.js), note tweets, DMs."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import ImportContext, OwnerUnknownError
from desktop.core.importers.platforms.twitter import IMPORTER, _PrefixSkippingStream
from desktop.core.importers.records import ItemRecord, ThreadRecord

OWNER = "1111111111111111111"  # > 2**53: must stay a string
FRIEND = "22222222"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def ytd(name: str, part: int, data: object, trailing: str = "") -> bytes:
    return (
        f"window.YTD.{name}.part{part} = {json.dumps(data, indent=2, ensure_ascii=False)}{trailing}".encode()
    )


def tweet(id_str: str, created: str, text: str, **extra: object) -> dict:
    body = {
        "id_str": id_str,
        "id": id_str,
        "created_at": created,
        "full_text": text,
        "favorite_count": "3",
        "retweet_count": "0",
        "entities": {"urls": [], "user_mentions": [], "hashtags": []},
        "display_text_range": ["0", str(len(text))],
        "retweeted": False,
    }
    body.update(extra)
    return {"tweet": body}


def modern_files() -> dict[str, bytes]:
    tweets = [
        tweet(
            "1855000000000000001",
            "Sat Nov 09 12:14:18 +0000 2024",
            "Tips &amp; tricks &gt; theory https://t.co/abc123",
            entities={"urls": [{"url": "https://t.co/abc123", "expanded_url": "https://example.com/tips"}]},
        ),
        tweet("1855000000000000002", "Sat Nov 09 13:00:00 +0000 2024", "RT @someone: great thread …"),
        tweet(
            "1855000000000000003",
            "Sat Nov 09 14:00:00 +0000 2024",
            "@fan99 thanks, glad it helped!",
            in_reply_to_status_id_str="1854999999999999999",
            in_reply_to_user_id_str="99",
            in_reply_to_screen_name="fan99",
        ),
        tweet(
            "1855000000000000004",
            "Sat Nov 09 14:05:00 +0000 2024",
            "and one more thing 🎉",
            in_reply_to_status_id_str="1855000000000000001",
            in_reply_to_user_id_str=OWNER,
        ),
        tweet(
            "1855000000000000005",
            "Sat Apr 06 20:02:23 +0000 2024",
            "This is a long note tweet that Twitter cut short in the archive because it was far too lo… https://t.co/zzz",
        ),
        tweet(
            "1855000000000000006",
            "Sun Nov 10 08:00:00 +0000 2024",
            "https://t.co/media1",
            entities={"media": [{"url": "https://t.co/media1"}], "urls": []},
        ),
    ]
    part1 = [tweet("1700000000000000001", "Mon Jan 02 03:04:05 +0000 2023", "From the second part file")]
    notes = [
        {
            "noteTweet": {
                "noteTweetId": "1776000000000000000",
                "createdAt": "2024-04-06T20:02:23.000Z",
                "updatedAt": "2024-04-06T20:02:23.000Z",
                "core": {
                    "text": "This is a long note tweet that Twitter cut short in the archive because it was "
                    "far too long "
                    "to fit, so here is the rest: https://t.co/full",
                    "urls": [{"shortUrl": "https://t.co/full", "expandedUrl": "https://example.com/full"}],
                    "mentions": [],
                    "hashtags": [],
                },
            }
        }
    ]
    dms = [
        {
            "dmConversation": {
                "conversationId": f"{FRIEND}-{OWNER}",
                "messages": [  # newest first, as in real files
                    {
                        "messageCreate": {
                            "recipientId": FRIEND,
                            "reactions": [],
                            "urls": [],
                            "text": "Sure, Friday works &amp; see you then",
                            "mediaUrls": [],
                            "senderId": OWNER,
                            "id": "1569379929963335690",
                            "createdAt": "2022-09-12T17:40:00.000Z",
                        }
                    },
                    {
                        "messageCreate": {
                            "recipientId": FRIEND,
                            "urls": [
                                {
                                    "url": "https://t.co/pic",
                                    "expanded": "https://twitter.com/messages/media/1569379929963335689",
                                    "display": "pic.twitter.com/pic",
                                }
                            ],
                            "text": "https://t.co/pic",
                            "mediaUrls": ["https://ton.twitter.com/1.1/ton/data/dm/1/2/x.jpg"],
                            "senderId": OWNER,
                            "id": "1569379929963335689",
                            "createdAt": "2022-09-12T17:39:00.000Z",
                        }
                    },
                    {
                        "messageCreate": {
                            "recipientId": OWNER,
                            "urls": [
                                {"url": "https://t.co/q", "expanded": "https://example.com/q", "display": "x"}
                            ],
                            "text": "Hi! Can we meet Friday? https://t.co/q",
                            "mediaUrls": [],
                            "senderId": FRIEND,
                            "id": "1569379929963335688",
                            "createdAt": "2022-09-12T17:38:27.668Z",
                        }
                    },
                ],
            }
        },
        {
            "dmConversation": {
                "conversationId": f"{OWNER}-33333333",
                "messages": [
                    {
                        "messageCreate": {
                            "recipientId": OWNER,
                            "text": "hello?",
                            "senderId": "33333333",
                            "id": "1569379929963335600",
                            "createdAt": "2022-01-01T00:00:00.000Z",
                        }
                    }
                ],
            }
        },
    ]
    groups = [
        {
            "dmConversation": {
                "conversationId": "1500000000000000000",
                "messages": [
                    {
                        "messageCreate": {
                            "text": "welcome all",
                            "senderId": OWNER,
                            "id": "1500000000000000010",
                            "createdAt": "2022-02-02T10:00:01.000Z",
                        }
                    },
                    {
                        "conversationNameUpdate": {
                            "initiatingUserId": FRIEND,
                            "name": "Crew",
                            "createdAt": "x",
                        }
                    },
                    {
                        "joinConversation": {
                            "initiatingUserId": FRIEND,
                            "participantsSnapshot": [],
                            "createdAt": "x",
                        }
                    },
                    {
                        "participantsJoin": {
                            "initiatingUserId": FRIEND,
                            "userIds": ["44", OWNER],
                            "createdAt": "x",
                        }
                    },
                    {
                        "messageCreate": {
                            "text": "hey crew",
                            "senderId": FRIEND,
                            "id": "1500000000000000009",
                            "createdAt": "2022-02-02T10:00:00.000Z",
                        }
                    },
                ],
            }
        }
    ]
    account = [{"account": {"accountId": OWNER, "username": "creator", "accountDisplayName": "The Creator"}}]
    manifest = (
        "window.__THAR_CONFIG = "
        + json.dumps({"userInfo": {"accountId": OWNER, "userName": "creator", "displayName": "The Creator"}})
    ).encode()
    return {
        "Your archive.html": b"<html></html>",
        "data/manifest.js": manifest,
        "data/account.js": ytd("account", 0, account),
        "data/tweets.js": ytd("tweets", 0, tweets),
        "data/tweets-part1.js": ytd("tweets", 1, part1, trailing=";\n"),
        "data/note-tweet.js": ytd("note_tweet", 0, notes),
        "data/direct-messages.js": ytd("direct_messages", 0, dms),
        "data/direct-messages-group.js": ytd("direct_messages_group", 0, groups),
        "data/like.js": ytd("like", 0, [{"like": {"tweetId": "1", "fullText": "x"}}]),
    }


def write_zip(path: Path, files: dict[str, bytes], top: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(top + name, data)
    return path


def write_folder(path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


def run(path: Path, me: str | None = None) -> tuple[list[ThreadRecord], list[ItemRecord], list[str]]:
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
        assert detection is not None
        context = ImportContext(archive, detection, me=me)
        records = list(IMPORTER.read(context))
    threads = [r for r in records if isinstance(r, ThreadRecord)]
    items = [r for r in records if isinstance(r, ItemRecord)]
    # Every item's thread was announced before it.
    announced: set[str] = set()
    for record in records:
        if isinstance(record, ThreadRecord):
            announced.add(record.key)
        elif record.thread_key is not None:
            assert record.thread_key in announced
    return threads, items, context.warnings


def by_id(items: list[ItemRecord]) -> dict[str, ItemRecord]:
    return {item.external_id: item for item in items}


@pytest.mark.parametrize("layout", ["zip", "zip-top-folder", "folder"])
def test_modern_archive(tmp_path: Path, layout: str) -> None:
    files = modern_files()
    if layout == "zip":
        path = write_zip(tmp_path / "twitter.zip", files)
    elif layout == "zip-top-folder":
        path = write_zip(tmp_path / "twitter.zip", files, top="twitter-2024-11-09-abc/")
    else:
        path = write_folder(tmp_path / "twitter", files)
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
    assert detection is not None and detection.version == "tweets-2022+" and detection.confidence >= 0.9

    threads, items, warnings = run(path)
    assert warnings == []
    tweets = [i for i in items if i.kind in ("post", "comment")]
    messages = [i for i in items if i.kind == "message"]
    # 7 tweets - 1 retweet - 1 media-only = 5; 3 of 4 DMs have text + 2 group messages + 1.
    assert len(tweets) == 5
    assert sorted(i.kind for i in tweets) == ["comment", "post", "post", "post", "post"]
    assert len(messages) == 5
    got = by_id(items)
    assert "1855000000000000002" not in got  # retweet
    assert "1855000000000000006" not in got  # media only
    first = got["1855000000000000001"]
    assert first.text == "Tips & tricks > theory https://example.com/tips"
    assert first.created_at == utc(2024, 11, 9, 12, 14, 18)
    assert first.is_owner and first.author == "creator" and first.reply_to is None
    assert first.extra["likes"] == 3
    reply = got["1855000000000000003"]
    assert reply.kind == "comment" and reply.text == "thanks, glad it helped!"
    assert reply.reply_to == "1854999999999999999"  # someone else's tweet, not in the archive
    assert reply.extra["reply_mentions"] == ["@fan99"]
    thread_tweet = got["1855000000000000004"]
    assert thread_tweet.kind == "post" and thread_tweet.reply_to == "1855000000000000001"
    assert thread_tweet.text == "and one more thing 🎉"
    assert got["1855000000000000005"].text.endswith("so here is the rest: https://example.com/full")
    assert got["1700000000000000001"].text == "From the second part file"

    assert [(t.key, t.kind) for t in threads] == [
        (f"{FRIEND}-{OWNER}", "dm"),
        (f"{OWNER}-33333333", "dm"),
        ("1500000000000000000", "group"),
    ]
    assert threads[2].title == "Crew" and set(threads[2].participants) == {OWNER, FRIEND, "44"}
    dm = [m for m in messages if m.thread_key == f"{FRIEND}-{OWNER}"]
    assert [m.external_id for m in dm] == ["1569379929963335688", "1569379929963335690"]  # oldest first
    assert dm[0].text == "Hi! Can we meet Friday? https://example.com/q"
    assert dm[0].is_owner is False and dm[0].author == FRIEND
    assert dm[0].created_at == datetime(2022, 9, 12, 17, 38, 27, 668000, tzinfo=timezone.utc)
    assert dm[1].is_owner is True and dm[1].text == "Sure, Friday works & see you then"
    group = [m for m in messages if m.thread_key == "1500000000000000000"]
    assert [(m.text, m.is_owner) for m in group] == [("hey crew", False), ("welcome all", True)]


def test_single_tweets_file(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(modern_files()["data/tweets.js"])
    threads, items, warnings = run(path)
    assert threads == [] and warnings == []
    assert len(items) == 4  # no note-tweet.js: the long tweet stays truncated
    assert all(i.is_owner for i in items)
    assert by_id(items)["1855000000000000005"].text.endswith("too lo… https://t.co/zzz")


def test_2019_tweet_js_with_bare_objects(tmp_path: Path) -> None:
    wrapped = tweet("1100000000000000001", "Wed Feb 20 10:00:00 +0000 2019", "wrapped &lt;3")
    bare = tweet("1100000000000000002", "Wed Feb 20 11:00:00 +0000 2019", "bare object")["tweet"]
    files = {
        "data/tweet.js": ytd("tweet", 0, [wrapped, bare]),
        "data/account.js": ytd("account", 0, [{"account": {"accountId": OWNER, "username": "old"}}]),
    }
    path = write_zip(tmp_path / "old.zip", files)
    with open_archive(path) as archive:
        assert IMPORTER.detect(archive).version == "tweet-2019-2022"  # type: ignore[union-attr]
    _, items, _ = run(path)
    assert [(i.text, i.author) for i in items] == [("wrapped <3", "old"), ("bare object", "old")]
    assert items[0].created_at == utc(2019, 2, 20, 10)


def test_dm_owner_inferred_without_account_file(tmp_path: Path) -> None:
    files = {"data/direct-messages.js": modern_files()["data/direct-messages.js"]}
    path = write_folder(tmp_path / "x", files)
    _, items, _ = run(path)
    assert sorted((i.text, i.is_owner) for i in items) == [
        ("Hi! Can we meet Friday? https://example.com/q", False),
        ("Sure, Friday works & see you then", True),
        ("hello?", False),
    ]


def test_dm_owner_unknown(tmp_path: Path) -> None:
    one = [{"dmConversation": {"conversationId": "5-6", "messages": []}}]
    path = write_folder(tmp_path / "x", {"data/direct-messages.js": ytd("direct_messages", 0, one)})
    with pytest.raises(OwnerUnknownError) as error:
        run(path)
    assert error.value.candidates == ["5", "6"]
    _, items, _ = run(path, me="6")
    assert items == []


def test_malformed_file_is_skipped_with_warning(tmp_path: Path) -> None:
    files = modern_files()
    files["data/tweets-part1.js"] = b'window.YTD.tweets.part1 = [ {"tweet": {"id_str": '
    path = write_zip(tmp_path / "x.zip", files)
    _, items, warnings = run(path)
    assert len(warnings) == 1 and "data/tweets-part1.js" in warnings[0]
    assert len([i for i in items if i.kind != "message"]) == 4


def test_prefix_stream_handles_tiny_reads() -> None:
    import io

    stream = _PrefixSkippingStream(io.BytesIO(b"window.YTD.x.part0 = [1, 2];\n"))
    out = b""
    while chunk := stream.read(1):
        out += chunk
    assert json.loads(out) == [1, 2]


def test_not_claimed(tmp_path: Path) -> None:
    garbage = tmp_path / "random.bin"
    garbage.write_bytes(bytes(range(256)) * 10)
    other = write_zip(
        tmp_path / "meta.zip",
        {
            "messages/inbox/a/message_1.json": b'{"participants": [], "messages": []}',
            "data/x.js": b"var a = 1;",
        },
    )
    telegram = tmp_path / "result.json"
    telegram.write_text('{"name": "x", "type": "personal_chat", "id": 1, "messages": []}')
    for path in (garbage, other, telegram):
        with open_archive(path) as archive:
            assert IMPORTER.detect(archive) is None


def test_long_reply_is_completed_from_its_note_without_the_leading_mentions(tmp_path: Path) -> None:
    """Issue 18 item 5: the note holds the reply's text *without* the "@a @b " Twitter prefixes."""
    rest = "here is the whole story of the climb, every pitch of it, and it does not fit in one tweet"
    tweets = [
        tweet(
            "1855000000000000100",
            "Sat Apr 06 20:02:23 +0000 2024",
            "@alpha @beta_2 " + rest[:60] + "… https://t.co/cut",
            in_reply_to_status_id_str="1854999999999999000",
            in_reply_to_user_id_str="77",
            in_reply_to_screen_name="alpha",
        ),
        # Same second, another long tweet: the right note must be picked by text, not by time alone.
        tweet(
            "1855000000000000101",
            "Sat Apr 06 20:02:23 +0000 2024",
            "A different long post that was also cut… https://t.co/o",
        ),
        # A link near the start: t.co in the tweet, the expanded URL in the note.
        tweet(
            "1855000000000000102",
            "Sat Apr 06 20:02:23 +0000 2024",
            "Route https://t.co/r1 then the long part… https://t.co/p",
        ),
    ]
    notes = [
        {
            "noteTweet": {
                "noteTweetId": "1",
                "createdAt": "2024-04-06T20:02:23.000Z",
                "core": {"text": "A different long post that was also cut short, now whole", "urls": []},
            }
        },
        {
            "noteTweet": {
                "noteTweetId": "2",
                "createdAt": "2024-04-06T20:02:23.000Z",
                "core": {"text": rest + " (end)", "urls": [], "mentions": []},
            }
        },
        {
            "noteTweet": {
                "noteTweetId": "3",
                "createdAt": "2024-04-06T20:02:23.000Z",
                "core": {
                    "text": "Route https://t.co/r1 then the long part, in full",
                    "urls": [{"shortUrl": "https://t.co/r1", "expandedUrl": "https://example.com/r"}],
                },
            }
        },
    ]
    files = {
        "data/account.js": ytd("account", 0, [{"account": {"accountId": OWNER, "username": "creator"}}]),
        "data/tweets.js": ytd("tweets", 0, tweets),
        "data/note-tweet.js": ytd("note_tweet", 0, notes),
    }
    _, items, warnings = run(write_zip(tmp_path / "x.zip", files))
    assert warnings == []
    assert [(i.external_id, i.kind, i.text) for i in items] == [
        ("1855000000000000100", "comment", rest + " (end)"),
        ("1855000000000000101", "post", "A different long post that was also cut short, now whole"),
        ("1855000000000000102", "post", "Route https://example.com/r then the long part, in full"),
    ]
    assert items[0].extra["reply_mentions"] == ["@alpha", "@beta_2"]
    assert items[0].reply_to == "1854999999999999000"


def test_welcome_message_dms_are_imported(tmp_path: Path) -> None:
    """Issue 18 item 8: a business account's welcome message is a ``welcomeMessageCreate`` event."""
    dms = [
        {
            "dmConversation": {
                "conversationId": f"{FRIEND}-{OWNER}",
                "messages": [
                    {
                        "messageCreate": {
                            "recipientId": OWNER,
                            "text": "thanks, what sizes?",
                            "senderId": FRIEND,
                            "id": "1600000000000000003",
                            "createdAt": "2023-01-01T10:02:00.000Z",
                        }
                    },
                    {
                        "welcomeMessageCreate": {
                            "recipientId": FRIEND,
                            "reactions": [],
                            "urls": [],
                            "mediaUrls": [],
                            "text": "Welcome to the shop! Ask me anything &amp; I'll reply.",
                            "senderId": OWNER,
                            "id": "1600000000000000002",
                            "createdAt": "2023-01-01T10:01:00.000Z",
                        }
                    },
                    {
                        "messageCreate": {
                            "recipientId": OWNER,
                            "text": "hi",
                            "senderId": FRIEND,
                            "id": "1600000000000000001",
                            "createdAt": "2023-01-01T10:00:00.000Z",
                        }
                    },
                ],
            }
        }
    ]
    files = {
        "data/account.js": ytd("account", 0, [{"account": {"accountId": OWNER, "username": "creator"}}]),
        "data/direct-messages.js": ytd("direct_messages", 0, dms),
    }
    threads, items, warnings = run(write_zip(tmp_path / "x.zip", files))
    assert warnings == [] and [t.key for t in threads] == [f"{FRIEND}-{OWNER}"]
    assert [(i.external_id, i.text, i.is_owner, i.author) for i in items] == [
        ("1600000000000000001", "hi", False, FRIEND),
        ("1600000000000000002", "Welcome to the shop! Ask me anything & I'll reply.", True, "creator"),
        ("1600000000000000003", "thanks, what sizes?", False, FRIEND),
    ]


def test_self_reply_is_a_post_linked_to_its_parent(tmp_path: Path) -> None:
    """The rule shared with Mastodon and Bluesky: a reply to the creator's own item is a post."""
    tweets = [
        tweet("1855000000000000201", "Sat Nov 09 12:00:00 +0000 2024", "thread 1/2"),
        tweet(
            "1855000000000000202",
            "Sat Nov 09 12:01:00 +0000 2024",
            "thread 2/2",
            in_reply_to_status_id_str="1855000000000000201",
            in_reply_to_user_id_str=OWNER,
            in_reply_to_screen_name="creator",
        ),
        tweet(
            "1855000000000000203",
            "Sat Nov 09 12:02:00 +0000 2024",
            "@fan thanks!",
            in_reply_to_status_id_str="1855000000000000111",
            in_reply_to_user_id_str="5",
            in_reply_to_screen_name="fan",
        ),
    ]
    account = ytd("account", 0, [{"account": {"accountId": OWNER, "username": "creator"}}])
    with_account = write_zip(
        tmp_path / "x.zip", {"data/tweets.js": ytd("tweets", 0, tweets), "data/account.js": account}
    )
    # Without account.js or a manifest the owner is known only by the screen name given with --me.
    alone = write_zip(tmp_path / "y.zip", {"data/tweets.js": ytd("tweets", 0, tweets)})
    for path, me in ((with_account, None), (alone, "@creator")):
        _, items, _ = run(path, me=me)
        got = [(i.external_id, i.kind, i.reply_to, i.text) for i in items]
        assert got == [
            ("1855000000000000201", "post", None, "thread 1/2"),
            ("1855000000000000202", "post", "1855000000000000201", "thread 2/2"),
            ("1855000000000000203", "comment", "1855000000000000111", "thanks!"),
        ], path.name
