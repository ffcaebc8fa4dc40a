"""A small hand-made creator archive (X export), imported through the real pipeline."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from desktop.core.importers.pipeline import import_archive
from desktop.core.store import Store, open_store

OWNER_ID, FAN_ID = "111", "222"


def _ytd(name: str, data: object) -> bytes:
    return f"window.YTD.{name}.part0 = {json.dumps(data)}".encode()


def _tweet(id_str: str, when: str, text: str, reply_to: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "id_str": id_str,
        "created_at": when,
        "full_text": text,
        "entities": {"urls": [], "user_mentions": [], "hashtags": []},
        "favorite_count": "0",
        "retweet_count": "0",
    }
    if reply_to:
        body.update(
            {
                "in_reply_to_status_id_str": reply_to,
                "in_reply_to_user_id_str": FAN_ID,
                "in_reply_to_screen_name": "fan",
            }
        )
    return {"tweet": body}


def _dm(id_str: str, sender: str, text: str, when: str) -> dict[str, object]:
    recipient = FAN_ID if sender == OWNER_ID else OWNER_ID
    return {
        "messageCreate": {
            "id": id_str,
            "senderId": sender,
            "recipientId": recipient,
            "text": text,
            "createdAt": when,
        }
    }


# The creator's own items: 2 posts, 2 comments (replies to a fan's tweets), 4 DMs.
OWN_TEXTS = [
    "New video is out now! Link in bio 🎉",
    "Morning run done. Feeling great!",
    "thanks so much!! ❤️❤️",
    "haha yes, see you tomorrow",
    "hey! thank you so much 😊",
    "hey, how are you doing? see you tomorrow",
    "Thank you so much, see you soon xx",
    "🔥🔥🔥",
]


def creator_archive(path: Path) -> Path:
    tweets = [
        _tweet("2001", "Sat Nov 02 09:00:00 +0000 2024", OWN_TEXTS[0]),
        _tweet("2002", "Sun Nov 03 07:00:00 +0000 2024", OWN_TEXTS[1]),
        _tweet("2003", "Mon Nov 04 21:30:00 +0000 2024", "@fan " + OWN_TEXTS[2], reply_to="5001"),
        _tweet("2004", "Tue Nov 05 21:45:00 +0000 2024", "@fan " + OWN_TEXTS[3], reply_to="5002"),
    ]
    messages = [  # newest first, as X writes them
        _dm("96", OWNER_ID, OWN_TEXTS[7], "2024-11-12T10:30:00.000Z"),
        _dm("95", OWNER_ID, OWN_TEXTS[6], "2024-11-11T10:20:00.000Z"),
        _dm("94", FAN_ID, "you were great at the show", "2024-11-11T10:10:00.000Z"),
        _dm("93", OWNER_ID, OWN_TEXTS[5], "2024-11-10T18:15:00.000Z"),
        _dm("92", OWNER_ID, OWN_TEXTS[4], "2024-11-10T10:05:00.000Z"),
        _dm("91", FAN_ID, "love your videos!", "2024-11-10T10:00:00.000Z"),
    ]
    files = {
        "data/account.js": _ytd(
            "account", [{"account": {"accountId": OWNER_ID, "username": "me", "accountDisplayName": "Me"}}]
        ),
        "data/tweets.js": _ytd("tweets", tweets),
        "data/direct-messages.js": _ytd(
            "direct_messages",
            [{"dmConversation": {"conversationId": f"{OWNER_ID}-{FAN_ID}", "messages": messages}}],
        ),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def drain(generator):  # type: ignore[no-untyped-def]
    while True:
        try:
            next(generator)
        except StopIteration as stop:
            return stop.value


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "store.sqlite3") as opened:
        yield opened


@pytest.fixture
def creator_store(store: Store, tmp_path: Path) -> Store:
    drain(import_archive(store, creator_archive(tmp_path / "twitter.zip")))
    return store
