"""Small Instagram and Facebook exports, laid out like the real ones, built at test time.

Every JSON file is written the way Meta writes it: each UTF-8 byte of a non-ASCII string as its
own ``\\u00XX`` escape (mojibake), keys included. Thread files are split newest-first
(message_1.json holds the newest messages, each file newest first).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

Files = dict[str, Any]  # path -> JSON-able object (written the Meta way) or raw bytes

OWNER = "Zoë Creator 🌸"
OWNER_USERNAME = "zoe.creates"
FB_OWNER = "Malou Sørensen"


def mojibake(value: Any) -> Any:
    """Every string (keys too) as Meta writes it: UTF-8 bytes read as Latin-1."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1")
    if isinstance(value, list):
        return [mojibake(item) for item in value]
    if isinstance(value, dict):
        return {mojibake(key): mojibake(item) for key, item in value.items()}
    return value


def meta_bytes(value: Any) -> bytes:
    return json.dumps(mojibake(value), ensure_ascii=True, indent=1).encode("ascii")


def _data(value: Any) -> bytes:
    return value if isinstance(value, bytes) else meta_bytes(value)


def write_zip(path: Path, files: Files, top: str = "") -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in files.items():
            archive.writestr(top + name, _data(value))
    return path


def write_folder(path: Path, files: Files) -> Path:
    for name, value in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_data(value))
    return path


def thread(
    participants: list[str], messages: list[dict[str, Any]], title: str, path: str, **more: Any
) -> dict:
    return {
        "participants": [{"name": name} for name in participants],
        "messages": messages,
        "title": title,
        "is_still_participant": True,
        "thread_path": path,
        "magic_words": [],
        **more,
    }


def msg(sender: str, ms: int, content: str | None = None, **more: Any) -> dict:
    message: dict[str, Any] = {"sender_name": sender, "timestamp_ms": ms}
    if content is not None:
        message["content"] = content
    message.update(more)
    return message


# ---------------------------------------------------------------------------------------------
# Instagram


def ig_dm_files(root: str) -> Files:
    """One DM split over two files (message_1 newest), a group with a deleted account, a request."""
    adam = f"{root}messages/inbox/adam_930944588310288/"
    group = f"{root}messages/inbox/tripcrew_2464000000000001/"
    request = f"{root}messages/message_requests/bigfan_123456789/"
    return {
        adam + "message_1.json": thread(
            ["Adam", OWNER],
            [
                msg("Adam", 1717587000000, "Reacted ❤ to your message "),
                msg(
                    OWNER,
                    1717586895128,
                    "You sent an attachment.",
                    share={
                        "link": "https://www.instagram.com/reel/abc",
                        "share_text": "Caption of a reel 🎬",
                        "original_content_owner": "simon.mayer_",
                    },
                    is_geoblocked_for_viewer=False,
                ),
                msg("Adam", 1717586800000, "Liked a message"),
                msg("Adam", 1717586700000, "Where was that? 👀"),
                msg("Adam", 1717586600000),  # a photo: no content at all
            ],
            "Adam",
            "inbox/adam_930944588310288",
        ),  # fmt: skip
        adam + "message_2.json": thread(
            ["Adam", OWNER],
            [
                msg(
                    OWNER,
                    1707179900000,
                    "Thank you 😊 it's in Bogotá",
                    reactions=[{"reaction": "❤", "actor": "Adam"}],
                ),
                msg("Adam", 1707179854761, "Hey Zoë! Love your café photos ☕"),
            ],
            "Adam",
            "inbox/adam_930944588310288",
        ),  # fmt: skip
        group + "message_1.json": thread(
            ["Rebecca", "Instagram User", "Bob", OWNER],
            [
                msg(OWNER, 1710000300000, "See you all there!"),
                msg("Bob", 1710000200000, "Bob left the group."),
                msg("Instagram User", 1710000100000, "hello from a deleted account"),
                msg("Rebecca", 1710000000000, "A contact added you and 2 others to the group."),
            ],
            "Trip crew 🚐",
            "inbox/tripcrew_2464000000000001",
            joinable_mode={"mode": 1, "link": ""},
        ),  # fmt: skip
        request + "message_1.json": thread(
            ["Big Fan", OWNER],
            [msg("Big Fan", 1712000000000, "Can we do a collab? 🙏")],
            "Big Fan",
            "message_requests/bigfan_123456789",
            is_pending=True,
        ),  # fmt: skip
    }


def ig_profile() -> dict:
    return {
        "profile_user": [
            {
                "media_map_data": {"Profile Photo": {"uri": "media/other/1.jpg", "creation_timestamp": 1}},
                "string_map_data": {
                    "Email": {"href": "", "value": "zoe@example.com", "timestamp": 0},
                    "Name": {"href": "", "value": OWNER, "timestamp": 0},
                    "Username": {"href": "", "value": OWNER_USERNAME, "timestamp": 0},
                },
            }
        ]
    }


def ig_posts() -> list:
    return [
        {"media": [{"uri": "media/posts/202405/1.jpg", "creation_timestamp": 1715566876,
                    "media_metadata": {"photo_metadata": {"exif_data": []}}, "title": "Great sem",
                    "cross_post_source": {"source_app": "FB"}}]},
        {"media": [{"uri": "media/posts/202403/2.jpg", "creation_timestamp": 1710165471, "title": ""},
                   {"uri": "media/posts/202403/3.jpg", "creation_timestamp": 1710165471, "title": ""}],
         "title": "Un Taxi 🇨🇴", "creation_timestamp": 1710165471},
        {"media": [{"uri": "media/posts/202402/4.jpg", "creation_timestamp": 1707000000, "title": ""}]},
    ]  # fmt: skip


def ig_comments() -> list:
    return [
        {"media_list_data": [{"uri": ""}],
         "string_map_data": {"Comment": {"value": "@dannydonosok what did i tell u about that chedda 🙄"},
                             "Media Owner": {"value": "max_orenstein"}, "Time": {"timestamp": 1688409001}}},
        {"media_list_data": [{"uri": ""}],
         "string_map_data": {"Comment": {"value": ""}, "Media Owner": {"value": "nobody"},
                             "Time": {"timestamp": 1688409002}}},
    ]  # fmt: skip


def ig_reels_comments_localized() -> dict:
    """Danish keys, and an entry in a language whose keys are known nowhere (order decides)."""
    return {
        "comments_reels_comments": [
            {"string_map_data": {"Kommentar": {"value": "Så fedt! 🔥"}, "Medieejer": {"value": "dk.reels"},
                                 "Tidspunkt": {"timestamp": 1690000000}}},
            {"string_map_data": {"Athugasemd": {"value": "Æðislegt 😍"}, "Eigandi": {"value": "is.reels"},
                                 "Tími": {"timestamp": 1690000500}}},
        ]
    }  # fmt: skip


def ig_threads_posts() -> dict:
    def reply(flag: bool) -> dict:
        return {"reply_control": "everyone", "geo_gated_country_list": "", "is_reply": flag}

    return {
        "text_post_app_text_posts": [
            {"media": [{"uri": "", "creation_timestamp": 1700000000, "title": "first thread 🧵",
                        "text_app_post": reply(False)}]},
            {"media": [{"uri": "", "creation_timestamp": 1700000100, "title": "agreed, ça marche",
                        "text_app_post": reply(True)}]},
            {"media": [{"uri": "media/threads/1.jpg", "creation_timestamp": 1700000200, "title": "",
                        "text_app_post": reply(False)}],
             "title": "photo dump", "creation_timestamp": 1700000200},
        ]
    }  # fmt: skip


def instagram_2024(posts_folder: str = "content") -> Files:
    root = "your_instagram_activity/"
    return {
        "personal_information/personal_information/personal_information.json": ig_profile(),
        "threads/personal_information.json": {"text_post_app_text_post_app_profile": []},
        **ig_dm_files(root),
        f"{root}messages/inbox/adam_930944588310288/photos/1.jpg": b"\xff\xd8\xff",
        f"{root}{posts_folder}/posts_1.json": ig_posts(),
        f"{root}comments/post_comments_1.json": ig_comments(),
        f"{root}comments/reels_comments.json": ig_reels_comments_localized(),
        f"{root}threads/threads_and_replies.json": ig_threads_posts(),
        f"{root}likes/liked_posts.json": {"likes_media_likes": []},
        "media/posts/202405/1.jpg": b"\xff\xd8\xff",
    }


def instagram_2022() -> Files:
    """Top-level layout, old profile path, the dict form of post_comments.json."""
    return {
        "account_information/personal_information.json": ig_profile(),
        **ig_dm_files(""),
        "content/posts_1.json": ig_posts(),
        "comments/post_comments.json": {
            "comments_media_comments": [
                {"title": "max_orenstein",
                 "string_list_data": [{"href": "", "value": "nice one 👏", "timestamp": 1640000000}]}
            ]
        },
    }  # fmt: skip


def instagram_2020() -> Files:
    """One messages.json with usernames as senders; media.json; comments.json; profile.json."""
    return {
        "profile.json": {"username": OWNER_USERNAME, "name": OWNER, "email": "zoe@example.com"},
        "messages.json": [
            {"participants": [OWNER_USERNAME, "adam.k"],
             "conversation": [
                 {"sender": "adam.k", "created_at": "2019-08-07T18:01:10.123456+00:00", "text": "yo 👋"},
                 {"sender": OWNER_USERNAME, "created_at": "2019-08-07T18:00:00+00:00", "text": "hey, café?"},
                 {"sender": OWNER_USERNAME, "created_at": "2019-08-07T18:02:00+00:00",
                  "media_share_url": "https://x/1.jpg", "media_owner": "someone"},
             ]},
            {"participants": [OWNER_USERNAME, "lena", "max"],
             "conversation": [
                 {"sender": "lena", "created_at": "2020-01-01T00:00:05", "text": "happy new year"},
             ]},
        ],
        "media.json": {
            "photos": [
                {"caption": "Sunset 🌅", "taken_at": "2019-05-01T12:34:56", "path": "photos/201905/a.jpg"},
                {"caption": "", "taken_at": "2019-05-02T12:00:00", "path": "photos/201905/b.jpg"},
            ],
            "videos": [{"caption": "Dance", "taken_at": "2019-06-01T10:00:00+02:00", "path": "videos/c.mp4"}],
            "stories": [{"caption": "", "taken_at": "2019-06-02T10:00:00", "path": "stories/d.jpg"}],
        },
        "comments.json": {
            "media_comments": [["2018-09-12T15:44:55", "so good 😍", "max_orenstein"]],
            "live_comments": [],
        },
    }  # fmt: skip


def instagram_html() -> Files:
    return {
        "your_instagram_activity/messages/inbox/adam_930944588310288/message_1.html": (
            b"<html><body></body></html>"
        ),
        "personal_information/personal_information/personal_information.html": b"<html></html>",
        "start_here.html": b"<html></html>",
    }


# ---------------------------------------------------------------------------------------------
# Facebook


def fb_profile(v2: bool = True) -> dict:
    key = "profile_v2" if v2 else "profile"
    return {key: {"name": {"full_name": FB_OWNER, "first_name": "Malou", "last_name": "Sørensen"},
                  "emails": {"emails": ["malou@example.com"]}}}  # fmt: skip


def fb_message_files(root: str) -> Files:
    john = "johndoe_10158765432123456"
    gang = "thegang_a1b2c3d4e5"
    return {
        f"{root}messages/inbox/{john}/message_1.json": thread(
            ["John Doe", FB_OWNER],
            [
                msg(
                    FB_OWNER,
                    1650000400000,
                    "Malou sent a photo.",
                    type="Generic",
                    photos=[{"uri": "messages/inbox/x/photos/1.jpg", "creation_timestamp": 1650000400}],
                ),
                msg("John Doe", 1650000300000, "John Doe missed your call.", type="Call", call_duration=0),
                msg(FB_OWNER, 1650000200000, "", type="Generic", is_unsent=True),
                msg(FB_OWNER, 1650000100000, "Skål! Vi ses i morgen 🍻", type="Generic", is_unsent=False),
                msg(
                    "John Doe",
                    1650000000000,
                    "Hej Malou, kommer du på fredag?",
                    type="Generic",
                    is_unsent=False,
                ),
            ],
            "John Doe",
            f"inbox/{john}",
            thread_type="Regular",
        ),  # fmt: skip
        f"{root}messages/e2ee_cutover/{john}/message_1.json": thread(
            ["John Doe", FB_OWNER],
            [msg("John Doe", 1710000000000, "Er du der? 🙂")],
            "John Doe",
            f"e2ee_cutover/{john}",
        ),  # fmt: skip
        f"{root}messages/archived_threads/{gang}/message_1.json": thread(
            ["Anna", "Facebook User", "John Doe", FB_OWNER],
            [
                msg("Anna", 1600000000000, "Anna named the group Banden 🎉.", type="Generic"),
                msg("Facebook User", 1600000100000, "gammel besked", type="Generic"),
                msg(FB_OWNER, 1600000200000, "Hej alle sammen", type="Generic"),
                msg("John Doe", 1600000300000, "Anna added John Doe to the group.", type="Subscribe"),
            ],
            "Banden 🎉",
            f"archived_threads/{gang}",
            thread_type="RegularGroup",
        ),  # fmt: skip
    }


def fb_posts() -> list:
    return [
        {"timestamp": 1354805114,
         "attachments": [{"data": [{"media": {"uri": "posts/media/1.jpg", "creation_timestamp": 1354805110,
                                              "title": "Mobiloverførsler", "description": "Sne sne! ❄"}}]}],
         "data": [{"post": "Sne sne! ❄"}],
         "title": "Malou Sørensen har tilføjet et nyt billede."},
        {"timestamp": 1331324505, "attachments": [{"data": [{"external_context": {"url": "http://example.com"}}]}],
         "data": [{"update_timestamp": 1331324505}]},
    ]  # fmt: skip


def fb_comments(key: str = "comments_v2") -> dict:
    return {
        key: [
            {"timestamp": 1600000500,
             "data": [{"comment": {"timestamp": 1600000500, "comment": "Tillykke! 🎉", "author": FB_OWNER}}],
             "title": "Malou Sørensen commented on John Doe's post."},
            {"timestamp": 1600000600, "attachments": [{"data": [{"media": {"uri": "x.jpg"}}]}],
             "title": "Malou Sørensen commented on a photo."},
        ]
    }  # fmt: skip


def facebook_2024(root: str = "your_facebook_activity/") -> Files:
    return {
        "personal_information/profile_information/profile_information.json": fb_profile(),
        **fb_message_files(root),
        f"{root}posts/your_posts__check_ins__photos_and_videos_1.json": fb_posts(),
        f"{root}comments_and_reactions/comments.json": fb_comments(),
        f"{root}posts/media/1.jpg": b"\xff\xd8\xff",
    }


def facebook_old() -> Files:
    return {
        "profile_information/profile_information.json": fb_profile(v2=False),
        **fb_message_files(""),
        "posts/your_posts_1.json": fb_posts(),
        "comments/comments.json": fb_comments("comments"),
    }


def e2ee_backup() -> Files:
    """The Messenger secure-storage backup: flat camelCase files, participants as plain strings."""
    return {
        "Alice Example_1.json": {
            "participants": ["Test User", "Alice Example"],
            "threadName": "Alice Example",
            "messages": [
                {"senderName": "Alice Example", "text": "See you at the café", "timestamp": 1715000200000,
                 "type": "text", "isUnsent": False, "media": [],
                 "reactions": [{"actor": "Test User", "reaction": "👍"}]},
                {"senderName": "Test User", "text": "", "timestamp": 1715000150000, "type": "text",
                 "isUnsent": True, "media": [], "reactions": []},
                {"senderName": "Test User", "text": "Lunch tomorrow?", "timestamp": 1715000100000,
                 "type": "text", "isUnsent": False, "media": [], "reactions": []},
            ],
        },
        "Weekend plans_2.json": {
            "participants": ["Test User", "Bob Example", "Carol Example"],
            "threadName": "Weekend plans",
            "messages": [
                {"senderName": "Bob Example", "text": "", "timestamp": 1715100100000, "type": "media",
                 "isUnsent": False, "media": [{"uri": "./media/photo.jpg"}], "reactions": []},
                {"senderName": "Test User", "text": "Who's in? 🏕", "timestamp": 1715100000000, "type": "text",
                 "isUnsent": False, "media": [], "reactions": []},
            ],
        },
        "media/photo.jpg": b"\xff\xd8\xff",
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Running an importer


def run_import(importer: Any, path: Path, me: str | None = None) -> tuple[Any, list, list[str]]:
    """(detection, records, warnings) of one importer over one archive path."""
    from desktop.core.importers.archive import open_archive
    from desktop.core.importers.base import ImportContext

    with open_archive(path) as archive:
        detection = importer.detect(archive)
        assert detection is not None, f"{importer.platform} did not claim {path.name}"
        context = ImportContext(archive, detection, me=me)
        records = list(importer.read(context))
    return detection, records, context.warnings


def other_platform_files() -> dict[str, Files]:
    """Small stand-ins for other platforms' exports: none of them is Meta's."""
    return {
        "x": {"data/manifest.js": b"window.__THAR_CONFIG = {}",
              "data/tweets.js": b'window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "full_text": "hi"}}]'},
        "telegram": {"result.json": b'{"name": "Chat", "type": "personal_chat", "id": 1, "messages": '
                                    b'[{"id": 1, "date": "2020-01-01T00:00:00", "from_id": "user1", "text": '
                                    b'"hi"}]}'},
        "whatsapp": {"_chat.txt": "[01/02/2023, 10:00:00] Ann: hi\n".encode()},
        "tiktok": {"user_data_tiktok.json": b'{"Profile": {}, "Your Activity": {}}'},
        "discord": {"messages/c123456789012345678/channel.json": b'{"id": "123456789012345678", "type": 1}',
                    "messages/c123456789012345678/messages.json": b'[{"ID": 1, "Timestamp": "2018-07-19 '
                                                                  b'23:09:04", '
                                                                  b'"Contents": "hi"}]'},
        "mastodon": {"outbox.json": b'{"type": "OrderedCollection", "orderedItems": '
                                    b'[]}', "actor.json": b"{}"},
        "random": {"blob.bin": bytes(range(256)) * 8, "notes.json": b"{not json at all", "empty.json": b""},
    }  # fmt: skip
