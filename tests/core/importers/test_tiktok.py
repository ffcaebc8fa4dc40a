"""TikTok: user_data_tiktok.json (2024+), user_data.json (older), and the TXT export."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import ImportContext, OwnerUnknownError
from desktop.core.importers.platforms.tiktok import IMPORTER
from desktop.core.importers.records import ItemRecord, ThreadRecord

OWNER = "creator.tok"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def new_schema() -> dict:
    return {
        "Your Activity": {
            "Watch History": {"VideoList": [{"Date": "2025-01-01 00:00:00", "Link": "https://x"}]}
        },
        "Profile": {"Profile Info": {"ProfileMap": {"userName": OWNER, "bioDescription": "hi"}}},
        "Comment": {
            "Comments": {
                "CommentsList": [
                    {"date": "2025-05-01 23:16:38", "comment": "so good 😍", "photo": "N/A", "url": ""},
                    {"date": "2025-05-02 10:00:00", "comment": "", "photo": "N/A", "url": ""},
                ]
            }
        },
        "Post": {
            "Posts": {
                "VideoList": [
                    {
                        "Date": "2025-01-26 15:50:46",
                        "Link": "https://v16.tiktokcdn.com/a",
                        "Likes": "58",
                        "WhoCanView": "Everyone",
                        "Title": "My first bake #sourdough",
                    },
                    {
                        "Date": "2025-01-27 15:50:46",
                        "Link": "https://v16.tiktokcdn.com/b\nhttps://v16.tiktokcdn.com/c",
                        "Likes": "2",
                        "Title": "N/A",
                    },
                ]
            }
        },
        "Direct Message": {
            "Direct Messages": {
                "ChatHistory": {
                    "Chat History with fan_one:": [  # newest first
                        {"Date": "2025-09-19 22:05:00", "From": OWNER, "Content": "thank you!!"},
                        {
                            "Date": "2025-09-19 22:04:00",
                            "From": "fan_one",
                            "Content": "https://www.tiktokv.com/share/video/1/",
                        },
                        {"Date": "2025-09-19 22:03:02", "From": "fan_one", "Content": "love your videos"},
                    ],
                    "Group_Chat_7000000000000000001": [  # oldest first
                        {"Date": "2025-09-01 10:00:00", "From": "fan_one", "Content": "hi all"},
                        {"Date": "2025-09-01 10:01:00", "From": "fan_two", "Content": "hey"},
                        {"Date": "2025-09-01 10:02:00", "From": OWNER, "Content": "hey hey"},
                    ],
                    "Chat History with quiet:": None,
                }
            }
        },
        "Tiktok Live": {"Go Live History": {"GoLiveList": None}},
    }


def old_schema() -> dict:
    return {
        "Activity": {"Like List": {"ItemFavoriteList": None}},
        "Profile": {"Profile Information": {"ProfileMap": {"userName": OWNER}}},
        "Comment": {
            "Comments": {"CommentsList": [{"Date": "2021-03-04 12:34:56", "Comment": "old comment"}]}
        },
        "Video": {
            "Videos": {
                "VideoList": [
                    {
                        "Date": "2021-03-05 08:00:00",
                        "Link": "https://x",
                        "Likes": "1",
                        "Title": "old video caption",
                    }
                ]
            }
        },
        "Direct Messages": {
            "Chat History": {
                "ChatHistory": {
                    "Chat History with pal:": [
                        {"Date": "2021-03-06 09:00:00", "From": "pal", "Content": "yo"}
                    ],
                }
            }
        },
    }


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def write_folder(path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


def run(path: Path, me: str | None = None) -> tuple[list[ThreadRecord], list[ItemRecord], list[str], str]:
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
        assert detection is not None
        context = ImportContext(archive, detection, me=me)
        records = list(IMPORTER.read(context))
    announced: set[str] = set()
    for record in records:
        if isinstance(record, ThreadRecord):
            announced.add(record.key)
        elif record.thread_key is not None:
            assert record.thread_key in announced
    threads = [r for r in records if isinstance(r, ThreadRecord)]
    items = [r for r in records if isinstance(r, ItemRecord)]
    return threads, items, context.warnings, detection.version


def json_export(tmp_path: Path, raw: bytes, layout: str) -> Path:
    """``raw`` as TikTok's JSON file: in the zip TikTok sends, in a folder, on its own or renamed."""
    if layout == "zip":
        return write_zip(tmp_path / "TikTok_Data.zip", {"TikTok_Data_1735588272/user_data_tiktok.json": raw})
    if layout == "folder":
        return write_folder(tmp_path / "tt", {"user_data_tiktok.json": raw})
    path = tmp_path / ("my tiktok export.json" if layout == "renamed file" else "user_data_tiktok.json")
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("layout", ["zip", "folder", "file"])
def test_json_2024(tmp_path: Path, layout: str) -> None:
    raw = json.dumps(new_schema(), ensure_ascii=False, indent=2).encode()
    threads, items, warnings, version = run(json_export(tmp_path, raw, layout))
    assert version == "json-2024" and warnings == []
    check_new_schema(threads, items)


def check_new_schema(threads: list[ThreadRecord], items: list[ItemRecord]) -> None:
    assert [(t.key, t.kind) for t in threads] == [
        ("chat:fan_one", "dm"),
        ("chat:Group_Chat_7000000000000000001", "group"),
    ]
    assert [(i.kind, i.text, i.is_owner) for i in items] == [
        ("post", "My first bake #sourdough", True),
        ("comment", "so good 😍", True),
        ("message", "love your videos", False),
        ("message", "thank you!!", True),
        ("message", "hi all", False),
        ("message", "hey", False),
        ("message", "hey hey", True),
    ]
    assert items[0].created_at == utc(2025, 1, 26, 15, 50, 46) and items[0].extra["likes"] == "58"
    assert items[1].created_at == utc(2025, 5, 1, 23, 16, 38)  # checked to be UTC against RawTime
    assert items[2].author == "fan_one" and items[2].thread_key == "chat:fan_one"
    assert items[3].author == OWNER


def ads_first(entries: int) -> dict:
    """The 2025 layout of a real export: "Ads and data" → "Off TikTok Activity" opens the file with
    thousands of entries, and every key detection looks for comes after them."""
    ads = [
        {"TimeStamp": f"2025-0{1 + i % 9}-0{1 + i % 9} 12:00:00", "Source": f"shop-{i:05d}.example.com",
         "Event": "Purchase" if i % 3 else "Page view"}
        for i in range(entries)
    ]  # fmt: skip
    return {"Ads and data": {"Off TikTok Activity": {"OffTikTokActivityDataList": ads}}, **new_schema()}


@pytest.mark.parametrize("layout", ["zip", "file", "renamed file"])
def test_json_2025_detected_when_its_markers_sit_past_1_mb(tmp_path: Path, layout: str) -> None:
    raw = json.dumps(ads_first(12_000), ensure_ascii=False, indent=2).encode()
    markers = [
        raw.find(key)
        for key in (b'"Your Activity"', b'"Direct Message"', b'"Comment"', b'"Post"', b'"Profile"')
    ]
    assert min(markers) > 1_000_000
    threads, items, warnings, version = run(json_export(tmp_path, raw, layout))
    assert version == "json-2024" and warnings == []
    check_new_schema(threads, items)


def test_a_file_cut_short_keeps_everything_read_before_the_cut(tmp_path: Path) -> None:
    raw = json.dumps(new_schema(), indent=1).encode()
    cut = raw.index(b'"hey hey"')  # inside the group chat's last message
    path = tmp_path / "user_data_tiktok.json"
    path.write_bytes(raw[:cut])
    threads, items, warnings, version = run(path)
    assert [(t.key, t.kind) for t in threads] == [
        ("chat:fan_one", "dm"),
        ("chat:Group_Chat_7000000000000000001", "group"),
    ]
    assert [(i.kind, i.text) for i in items] == [
        ("post", "My first bake #sourdough"),
        ("comment", "so good 😍"),
        ("message", "love your videos"),
        ("message", "thank you!!"),
        ("message", "hi all"),
        ("message", "hey"),
    ]
    assert warnings == [
        f"Skipped the rest of 'user_data_tiktok.json' from about byte {cut:,} of {cut:,}: it is not valid "
        "JSON "
        "(it may be damaged or cut short). Kept the 9 entries read before that point."
    ]


def test_ids_are_stable_across_exports(tmp_path: Path) -> None:
    first = tmp_path / "a" / "user_data_tiktok.json"
    first.parent.mkdir()
    first.write_text(json.dumps(new_schema()))
    later = new_schema()
    later["Comment"]["Comments"]["CommentsList"].insert(
        0, {"date": "2025-06-01 00:00:00", "comment": "newer"}
    )
    second = tmp_path / "b" / "user_data_tiktok.json"
    second.parent.mkdir()
    second.write_text(json.dumps(later))
    ids_a = {i.external_id for i in run(first)[1]}
    ids_b = {i.external_id for i in run(second)[1]}
    assert ids_a < ids_b and len(ids_b - ids_a) == 1


def test_json_legacy(tmp_path: Path) -> None:
    path = tmp_path / "user_data.json"
    path.write_text(json.dumps(old_schema()))
    threads, items, _, version = run(path)
    assert version == "json-legacy"
    assert [t.key for t in threads] == ["chat:pal"]
    assert [(i.kind, i.text, i.is_owner, i.created_at) for i in items] == [
        ("post", "old video caption", True, utc(2021, 3, 5, 8)),
        ("comment", "old comment", True, utc(2021, 3, 4, 12, 34, 56)),
        ("message", "yo", False, utc(2021, 3, 6, 9)),
    ]


def test_json_owner_unknown(tmp_path: Path) -> None:
    data = old_schema()
    del data["Profile"]
    path = tmp_path / "user_data.json"
    path.write_text(json.dumps(data))
    with pytest.raises(OwnerUnknownError) as error:
        run(path)
    assert error.value.candidates == ["pal"]
    assert [i.is_owner for i in run(path, me="pal")[1] if i.kind == "message"] == [True]


def txt_files() -> dict[str, bytes]:
    base = "TikTok_Data_1735588272/Tiktok/"
    return {
        base + "Profile/Profile Info.txt": f"Username: {OWNER}\nBio: baker\n".encode(),
        base + "Comments/Comments.txt": (
            "Date: 2021-08-13 01:23:45 UTC\nComment: first comment\nPhoto: N/A\nUrl: \n\n"
            "Date: 2021-08-14 01:23:45 UTC\nComment: two lines\nsecond line\n"
        ).encode(),
        base + "Posts/Post.txt": b"Date: 2021-08-10 10:00:00\nLink: https://v16.x/1\nLikes: 3\nTitle: txt "
        b"caption\n",
        base + "Direct Messages/Direct Messages.txt": (
            ">>> Chat History with fan_one::\n"
            f"2021-08-15 10:00:05 {OWNER}: replying now\n"
            "2021-08-15 10:00:00 fan_one: hi: how are you?\n"
            f">>> Chat History with fan_two::\n"
            "2021-08-16 10:00:00 fan_two: https://www.tiktokv.com/share/video/1/\n"
        ).encode(),
        base + "Your Activity/Watch History.txt": b"Date: 2021-01-01 00:00:00\nLink: https://x\n",
    }


@pytest.mark.parametrize("layout", ["zip", "folder"])
def test_txt_export(tmp_path: Path, layout: str) -> None:
    files = txt_files()
    path = write_zip(tmp_path / "t.zip", files) if layout == "zip" else write_folder(tmp_path / "t", files)
    threads, items, warnings, version = run(path)
    assert version == "txt" and warnings == []
    assert [t.key for t in threads] == ["chat:fan_one"]
    assert [(i.kind, i.text, i.is_owner, i.created_at) for i in items] == [
        ("post", "txt caption", True, utc(2021, 8, 10, 10)),
        ("comment", "first comment", True, utc(2021, 8, 13, 1, 23, 45)),
        ("comment", "two lines\nsecond line", True, utc(2021, 8, 14, 1, 23, 45)),
        ("message", "hi: how are you?", False, utc(2021, 8, 15, 10)),
        ("message", "replying now", True, utc(2021, 8, 15, 10, 0, 5)),
    ]


def test_txt_localized_comments(tmp_path: Path) -> None:
    path = write_folder(
        tmp_path / "t", {"TikTok/Reacties/Reacties.txt": b"Datum: 2026-03-29 00:59:59 UTC\nReactie: hoi\n"}
    )
    _, items, _, _ = run(path)
    assert [(i.text, i.created_at) for i in items] == [("hoi", utc(2026, 3, 29, 0, 59, 59))]


def test_malformed_json_is_skipped_with_warning(tmp_path: Path) -> None:
    raw = json.dumps(new_schema()).encode()
    files = {"a/user_data_tiktok.json": raw[: len(raw) // 3]}
    with open_archive(write_zip(tmp_path / "t.zip", files)) as archive:
        detection = IMPORTER.detect(archive)
        assert detection is not None
        context = ImportContext(archive, detection, me=OWNER)
        list(IMPORTER.read(context))
    assert len(context.warnings) == 1 and "user_data_tiktok.json" in context.warnings[0]


def test_not_claimed(tmp_path: Path) -> None:
    garbage = tmp_path / "user_data.json"
    garbage.write_bytes(b"\x00\x01\x02")
    whatsapp = tmp_path / "_chat.txt"
    whatsapp.write_text("[01/02/2023, 10:00:00] Alice: hi\n")
    telegram = tmp_path / "result.json"
    telegram.write_text('{"name": "x", "type": "personal_chat", "id": 1, "messages": []}')
    for path in (garbage, whatsapp, telegram):
        with open_archive(path) as archive:
            assert IMPORTER.detect(archive) is None
