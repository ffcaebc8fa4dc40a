"""Telegram Desktop result.json: full export, single-chat export, 2020-era fields."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import ImportContext, OwnerUnknownError
from desktop.core.importers.platforms.telegram import IMPORTER
from desktop.core.importers.records import ItemRecord, ThreadRecord

OWNER_ID = 11111111


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def msg(id_: int, unix: int, from_: str | None, from_id: str | int, text: object, **extra: object) -> dict:
    local = datetime.fromtimestamp(unix + 3 * 3600, tz=timezone.utc).replace(tzinfo=None)  # machine at UTC+3
    body = {
        "id": id_,
        "type": "message",
        "date": local.isoformat(),
        "date_unixtime": str(unix),
        "from": from_,
        "from_id": from_id,
        "text": text,
    }
    body.update(extra)
    return body


T0 = 1665499755  # 2022-10-11T14:49:15Z


def personal_chat() -> dict:
    return {
        "name": "Alice",
        "type": "personal_chat",
        "id": 222,
        "messages": [
            {
                "id": 1,
                "type": "service",
                "date": "2022-10-11T17:49:00",
                "date_unixtime": str(T0 - 15),
                "actor": "Alice",
                "actor_id": "user222",
                "action": "phone_call",
                "text": "",
            },
            msg(
                2,
                T0,
                "Alice",
                "user222",
                "Hi! Loved the stream 🎉",
                text_entities=[{"type": "plain", "text": "Hi! Loved the stream 🎉"}],
            ),
            msg(
                3,
                T0 + 60,
                "Me Creator",
                f"user{OWNER_ID}",
                [
                    "Thanks ",
                    {"type": "bold", "text": "so much"},
                    "! See ",
                    {"type": "link", "text": "https://x.y"},
                ],
                reply_to_message_id=2,
            ),
            msg(
                4,
                T0 + 120,
                "Alice",
                "user222",
                "",
                photo="(File not included. Change data exporting settings to download.)",
            ),
            msg(5, T0 + 180, None, "user333", "I am a deleted account"),
        ],
    }


def full_export() -> dict:
    group = {
        "name": "Fans",
        "type": "private_supergroup",
        "id": 444,
        "messages": [
            msg(10, T0 + 1000, "Bob", "user555", "when is the next video?"),
            msg(11, T0 + 1100, "Me Creator", f"user{OWNER_ID}", "next week!", reply_to_message_id=10),
        ],
    }
    saved = {
        "type": "saved_messages",
        "id": 777,
        "messages": [msg(1, T0, "Me Creator", f"user{OWNER_ID}", "note to self")],
    }
    channel = {
        "name": "News",
        "type": "public_channel",
        "id": 888,
        "messages": [msg(1, T0 + 5, "News", "channel888", "Big announcement")],
    }
    left = {
        "name": "Old group",
        "type": "private_group",
        "id": 999,
        "messages": [msg(1, T0 + 7, "Me Creator", f"user{OWNER_ID}", "bye all")],
    }
    return {
        "about": "Here is the data you requested.",
        "personal_information": {
            "user_id": OWNER_ID,
            "first_name": "Me",
            "last_name": "Creator",
            "phone_number": "+1",
            "username": "@me",
            "bio": "",
        },
        "contacts": {"about": "", "list": []},
        "chats": {"about": "", "list": [personal_chat(), saved, group, channel]},
        "left_chats": {"about": "", "list": [left]},
    }


def run(path: Path, me: str | None = None) -> tuple[list[ThreadRecord], list[ItemRecord], list[str]]:
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
        assert detection is not None
        context = ImportContext(archive, detection, me=me)
        records = list(IMPORTER.read(context))
    threads = [r for r in records if isinstance(r, ThreadRecord)]
    items = [r for r in records if isinstance(r, ItemRecord)]
    announced: set[str] = set()
    for record in records:
        if isinstance(record, ThreadRecord):
            announced.add(record.key)
        else:
            assert record.thread_key in announced
    return threads, items, context.warnings


def write(path: Path, data: dict, layout: str) -> Path:
    raw = json.dumps(data, ensure_ascii=False, indent=1).encode()
    if layout == "zip":
        with zipfile.ZipFile(path / "export.zip", "w") as archive:
            archive.writestr("Telegram Desktop/DataExport_2024-01-01/result.json", raw)
            archive.writestr("Telegram Desktop/DataExport_2024-01-01/export_results.html", b"<html/>")
        return path / "export.zip"
    if layout == "folder":
        (path / "DataExport").mkdir()
        (path / "DataExport" / "result.json").write_bytes(raw)
        return path / "DataExport"
    (path / "result.json").write_bytes(raw)
    return path / "result.json"


@pytest.mark.parametrize("layout", ["zip", "folder", "file"])
def test_full_export(tmp_path: Path, layout: str) -> None:
    path = write(tmp_path, full_export(), layout)
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
    assert detection is not None and detection.version == "full" and detection.confidence >= 0.9
    threads, items, warnings = run(path)
    assert warnings == []
    assert [(t.key, t.kind, t.title) for t in threads] == [
        ("222", "dm", "Alice"),
        ("444", "group", "Fans"),
        ("888", "group", "News"),
        ("999", "group", "Old group"),
    ]
    assert [(i.external_id, i.kind, i.is_owner) for i in items] == [
        ("222:2", "message", False),
        ("222:3", "message", True),
        ("222:5", "message", False),
        ("444:10", "message", False),
        ("444:11", "message", True),
        ("888:1", "post", False),
        ("999:1", "message", True),
    ]
    got = {i.external_id: i for i in items}
    assert got["222:2"].text == "Hi! Loved the stream 🎉" and got["222:2"].created_at == utc(
        2022, 10, 11, 14, 49, 15
    )
    assert got["222:3"].text == "Thanks so much! See https://x.y"
    assert got["222:3"].reply_to == "222:2" and got["444:11"].reply_to == "444:10"
    assert got["222:5"].author == "user333"  # deleted account: from is null


def test_single_chat_needs_me(tmp_path: Path) -> None:
    path = write(tmp_path, personal_chat(), "file")
    with open_archive(path) as archive:
        assert IMPORTER.detect(archive).version == "single-chat"  # type: ignore[union-attr]
    with pytest.raises(OwnerUnknownError) as error:
        run(path)
    assert error.value.candidates == ["Alice", "Me Creator", "user333"]
    threads, items, _ = run(path, me="Me Creator")
    assert [t.key for t in threads] == ["222"]
    assert [(i.external_id, i.is_owner) for i in items] == [
        ("222:2", False),
        ("222:3", True),
        ("222:5", False),
    ]


def test_2020_export_int_ids_and_zone_less_dates(tmp_path: Path) -> None:
    chat = {
        "name": "Alice",
        "type": "personal_chat",
        "id": 222,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2020-05-01T15:00:00",
                "edited": "1970-01-01T05:00:00",
                "from": "Alice",
                "from_id": 222,
                "text": "old style",
            },
            {
                "id": 2,
                "type": "message",
                "date": "2020-05-01T15:01:00",
                "edited": "1970-01-01T05:00:00",
                "from": "Me",
                "from_id": OWNER_ID,
                "text": ["list ", {"type": "italic", "text": "text"}],
            },
        ],
    }
    data = {
        "about": "",
        "personal_information": {"user_id": OWNER_ID, "first_name": "Me"},
        "chats": {"about": "", "list": [chat]},
    }
    path = write(tmp_path, data, "file")
    _, items, warnings = run(path)
    assert warnings == []
    assert [(i.text, i.is_owner, i.created_at) for i in items] == [
        ("old style", False, utc(2020, 5, 1, 10, 0)),  # UTC+5 machine, from the sentinel
        ("list text", True, utc(2020, 5, 1, 10, 1)),
    ]


def test_malformed_file_is_skipped_with_warning(tmp_path: Path) -> None:
    raw = json.dumps(full_export()).encode()
    path = tmp_path / "result.json"
    path.write_bytes(raw[: len(raw) // 2])
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
        assert detection is not None
        context = ImportContext(archive, detection)
        records = list(IMPORTER.read(context))
    assert len(context.warnings) == 1 and "result.json" in context.warnings[0]
    assert any(isinstance(r, ItemRecord) for r in records)


def test_not_claimed(tmp_path: Path) -> None:
    garbage = tmp_path / "result.json"
    garbage.write_bytes(b"\x00\x01garbage")
    other = tmp_path / "message_1.json"
    other.write_text(json.dumps({"participants": [{"name": "a"}], "messages": []}))
    tweets = tmp_path / "tweets.js"
    tweets.write_text("window.YTD.tweets.part0 = []")
    for path in (garbage, other, tweets):
        with open_archive(path) as archive:
            assert IMPORTER.detect(archive) is None


def test_leading_zero_width_space_is_dropped(tmp_path: Path) -> None:
    """Issue 18 item 8: posts with a hidden link preview start with U+200B (a zero-width link text)."""
    chat = {
        "name": "Alice",
        "type": "personal_chat",
        "id": 222,
        "messages": [
            msg(
                1,
                T0,
                "Me Creator",
                f"user{OWNER_ID}",
                [{"type": "text_link", "text": "\u200b", "href": "https://x.y/p.jpg"}, "New merch drop!"],
                text_entities=[
                    {"type": "text_link", "text": "\u200b", "href": "https://x.y/p.jpg"},
                    {"type": "plain", "text": "New merch drop!"},
                ],
            ),
            msg(2, T0 + 1, "Alice", "user222", "\u200b \u200b wow\u200b\n"),
            msg(3, T0 + 2, "Alice", "user222", "zero\u200bwidth inside stays"),
            msg(4, T0 + 3, "Alice", "user222", "\u200b"),  # nothing visible: no item
        ],
    }
    data = {
        "about": "",
        "personal_information": {"user_id": OWNER_ID, "first_name": "Me"},
        "chats": {"about": "", "list": [chat]},
    }
    _, items, warnings = run(write(tmp_path, data, "file"))
    assert warnings == []
    assert [(i.external_id, i.text) for i in items] == [
        ("222:1", "New merch drop!"),
        ("222:2", "wow"),
        ("222:3", "zero\u200bwidth inside stays"),
    ]


def test_deleted_account_author_is_the_same_for_string_and_integer_ids(tmp_path: Path) -> None:
    """Issue 18 item 8: a null ``from`` gives ``user<id>`` whether ``from_id`` is "user333" or 333."""
    new_style = {
        "name": "Fans",
        "type": "private_group",
        "id": 444,
        "messages": [
            msg(1, T0, None, "user333", "from a deleted account"),
            msg(2, T0 + 1, None, "channel5", "from a deleted channel"),
        ],
    }
    old_style = {
        "name": "Old fans",
        "type": "private_group",
        "id": 445,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2020-05-01T15:00:00",
                "date_unixtime": "1588345200",
                "from": None,
                "from_id": 333,
                "text": "2020 export, same person",
            },
            {
                "id": 2,
                "type": "message",
                "date": "2020-05-01T15:00:01",
                "date_unixtime": "1588345201",
                "from": None,
                "from_id": None,
                "text": "no id at all",
            },
        ],
    }
    data = {
        "about": "",
        "personal_information": {"user_id": OWNER_ID, "first_name": "Me"},
        "chats": {"about": "", "list": [new_style, old_style]},
    }
    _, items, _ = run(write(tmp_path, data, "file"))
    assert [(i.external_id, i.author, i.is_owner) for i in items] == [
        ("444:1", "user333", False),
        ("444:2", "channel5", False),
        ("445:1", "user333", False),
        ("445:2", "Deleted Account", False),
    ]
    single = dict(
        old_style,
        messages=old_style["messages"]
        + [
            {
                "id": 3,
                "type": "message",
                "date": "2020-05-01T15:00:02",
                "date_unixtime": "1588345202",
                "from": "Me",
                "from_id": OWNER_ID,
                "text": "hi",
            }
        ],
    )
    (tmp_path / "one").mkdir()
    with pytest.raises(OwnerUnknownError) as error:
        run(write(tmp_path / "one", single, "file"))
    assert error.value.candidates == ["Me", "user333"]  # was "333": the same person, named two ways
