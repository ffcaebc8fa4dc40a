"""YouTube Takeout: comments.csv in three eras, live chats, video metadata, legacy HTML."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import ImportContext
from desktop.core.importers.platforms.youtube import IMPORTER, OldYouTubeFormatError, parse_comment_text
from desktop.core.importers.records import ItemRecord, ThreadRecord

CHANNEL = "UCowner0000000000000000"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode() + b"\n\n"  # trailing blank lines, as in real files


def seg(*texts: str) -> str:
    return ",".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts)


def comments_2024() -> bytes:
    header = [
        "Channel ID",
        "Comment Create Timestamp",
        "Price",
        "Comment ID",
        "Parent Comment ID",
        "Video ID",
        "Comment Text",
    ]
    return to_csv(
        header,
        [
            [
                CHANNEL,
                "2024-09-19T17:42:53.434647+00:00",
                "",
                "Ugz1",
                "",
                "vid1",
                seg("> I am quoting", "\n", "great video 👍"),
            ],
            [
                CHANNEL,
                "2024-09-20T08:00:00.255+00:00",
                "",
                "Ugz1.r1",
                "Ugz1",
                "vid1",
                '{"text":"@someone","mention":{"channelId":"UCx"}},{"text":" see "},{"text":"this","link":{"linkUrl":"https://x.y"}}',
            ],
            [CHANNEL, "2024-09-21T08:00:00+00:00", "", "Ugz3", "", "vid2", seg("")],  # empty: skipped
        ],
    )


def comments_pre_2024() -> bytes:
    header = [
        "Comment ID",
        "Channel ID",
        "Comment Create Timestamp",
        "Price",
        "Parent Comment ID",
        "Video ID",
        "Comment Text",
    ]
    text = json.dumps({"takeoutSegments": [{"text": "Old era "}, {"text": "comment"}]})
    return to_csv(header, [["Ugy9", CHANNEL, "2023-01-02T03:04:05+00:00", "", "", "vid9", text]])


def comments_newest() -> bytes:
    header = [
        "Channel ID",
        "Comment Create Timestamp",
        "Price",
        "Comment ID",
        "Parent Comment ID",
        "Post ID",
        "Top-Level Comment ID",
        "Video ID",
        "Comment Text",
    ]
    return to_csv(
        header,
        [
            [
                CHANNEL,
                "2025-12-21 03:25:42 UTC",
                "",
                "UgP1",
                "",
                "UgkxPOST",
                "",
                "",
                seg("on a community post"),
            ],
            [
                CHANNEL,
                "2025-12-22T03:25:42Z",
                "",
                "UgP2",
                "UgX0",
                "",
                "UgX0",
                "vid5",
                seg("reply to someone else"),
            ],
        ],
    )


def live_chats() -> bytes:
    header = [
        "Live Chat ID",
        "Channel ID",
        "Live Chat Create Timestamp",
        "Price",
        "Currency code",
        "Video ID",
        "Live Chat Text",
    ]
    return to_csv(
        header, [["LC1", CHANNEL, "2024-05-05T20:00:00+00:00", "1.99", "USD", "live1", seg("hello chat!")]]
    )


def videos() -> bytes:
    header = [
        "Video ID",
        "Approx Duration (ms)",
        "Video Audio Language",
        "Video Category",
        "Video Description (Original)",
        "Channel ID",
        "Video title (original)",
        "Privacy",
        "Video State",
        "Video Create Timestamp",
        "Video Publish Timestamp",
    ]
    return to_csv(
        header,
        [
            [
                "vidA",
                "60000",
                "en",
                "Education",
                "All about\nsourdough",
                CHANNEL,
                "My bread video",
                "Public",
                "Processed",
                "2023-03-01T10:00:00+00:00",
                "2023-03-02T10:00:00+00:00",
            ],
        ],
    )


def channel() -> bytes:
    return to_csv(
        ["Channel ID", "Channel Title (Original)", "Channel Visibility"],
        [[CHANNEL, "Bread Channel", "Public"]],
    )


def takeout(comments: bytes, german: bool = False) -> dict[str, bytes]:
    if german:
        base = "Takeout/YouTube und YouTube Music/"
        return {
            base + "Kommentare/Kommentare.csv": comments,
            base + "Livechats/Livechats.csv": live_chats(),
            base + "Video-Metadaten/Videos.csv": videos(),
            base + "Kanäle/Kanal.csv": channel(),
            base + "Abos/Abos.csv": b"Kanal-ID,Kanal-URL,Kanaltitel\nUC1,http://x,y\n",
        }
    base = "Takeout/YouTube and YouTube Music/"
    return {
        base + "comments/comments.csv": comments,
        base + "live chats/live chats.csv": live_chats(),
        base + "video metadata/videos.csv": videos(),
        base + "channels/channel.csv": channel(),
        base + "subscriptions/subscriptions.csv": b"Channel Id,Channel Url,Channel Title\nUC1,http://x,y\n",
        "Takeout/archive_browser.html": b"<html></html>",
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


def run(path: Path) -> tuple[list[ThreadRecord], list[ItemRecord], list[str], str]:
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
        assert detection is not None
        context = ImportContext(archive, detection)
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


@pytest.mark.parametrize("layout", ["zip", "folder", "german-zip"])
def test_takeout_2024(tmp_path: Path, layout: str) -> None:
    files = takeout(comments_2024(), german=layout == "german-zip")
    path = write_folder(tmp_path / "t", files) if layout == "folder" else write_zip(tmp_path / "t.zip", files)
    threads, items, warnings, version = run(path)
    assert version == "takeout-2024" and warnings == []
    assert [(t.key, t.kind) for t in threads] == [("video:vid1", "comments"), ("video:live1", "comments")]
    assert [(i.external_id, i.kind) for i in items] == [
        ("vidA", "post"),
        ("Ugz1", "comment"),
        ("Ugz1.r1", "comment"),
        ("LC1", "comment"),
    ]
    assert all(i.is_owner and i.author == "Bread Channel" for i in items)
    video, first, reply, live = items
    assert video.text == "My bread video\n\nAll about\nsourdough" and video.created_at == utc(2023, 3, 2, 10)
    assert first.text == "> I am quoting\ngreat video 👍"
    assert first.created_at == datetime(2024, 9, 19, 17, 42, 53, 434647, tzinfo=timezone.utc)
    assert first.reply_to is None and first.thread_key == "video:vid1"
    assert reply.text == "@someone see this" and reply.reply_to == "Ugz1"
    assert reply.created_at == datetime(2024, 9, 20, 8, 0, 0, 255000, tzinfo=timezone.utc)
    assert live.text == "hello chat!" and live.extra["live_chat"] is True and live.extra["price"] == "1.99"


def test_pre_2024_and_newest_eras(tmp_path: Path) -> None:
    old = tmp_path / "comments.csv"
    old.write_bytes(comments_pre_2024())
    _, items, _, version = run(old)
    assert version == "takeout-pre-2024"
    assert [(i.external_id, i.text, i.author, i.created_at) for i in items] == [
        ("Ugy9", "Old era comment", CHANNEL, utc(2023, 1, 2, 3, 4, 5))
    ]
    new = tmp_path / "new" / "comments.csv"
    new.parent.mkdir()
    new.write_bytes(comments_newest())
    threads, items, _, version = run(new)
    assert version == "takeout-2025"
    assert [t.key for t in threads] == ["post:UgkxPOST", "video:vid5"]
    assert [(i.external_id, i.thread_key, i.reply_to, i.created_at) for i in items] == [
        ("UgP1", "post:UgkxPOST", None, utc(2025, 12, 21, 3, 25, 42)),
        ("UgP2", "video:vid5", "UgX0", utc(2025, 12, 22, 3, 25, 42)),
    ]


def test_comment_text_parsing_is_robust() -> None:
    assert parse_comment_text('{"takeoutSegments":[{"text":"a"},{"text":"b"}]}') == "ab"
    assert parse_comment_text('{"text":"a"},{"text":"b"}') == "ab"
    assert parse_comment_text('{"text":"a"}, {"text":"b"') == '{"text":"a"}, {"text":"b"'  # broken: as is
    assert parse_comment_text("plain {text}") == "plain {text}"


def test_legacy_html_is_refused_plainly(tmp_path: Path) -> None:
    html = (
        b"<html><body><ul><li>Sent at 2020-04-27 23:18:23 UTC while watching "
        b"<a>x</a>.<br/>hi</li></ul></body></html>"
    )
    path = write_zip(tmp_path / "t.zip", {"Takeout/YouTube/my-comments/my-comments.html": html})
    with open_archive(path) as archive:
        detection = IMPORTER.detect(archive)
        assert detection is not None and detection.version == "takeout-html-legacy"
        with pytest.raises(
            OldYouTubeFormatError, match="request a new Google Takeout|Request a new Google Takeout"
        ):
            list(IMPORTER.read(ImportContext(archive, detection)))


def test_malformed_csv_is_skipped_with_warning(tmp_path: Path) -> None:
    files = takeout(comments_2024())
    files["Takeout/YouTube and YouTube Music/live chats/live chats.csv"] = (
        b"Live Chat ID,Channel ID,Live Chat Create Timestamp,Price,Video ID,Live Chat Text\nLC1,UC,not a "
        b"date,,v,hi\n"
    )
    _, items, warnings, _ = run(write_zip(tmp_path / "t.zip", files))
    assert len(warnings) == 1 and "live chats.csv" in warnings[0]
    assert len(items) == 3


def test_not_claimed(tmp_path: Path) -> None:
    garbage = tmp_path / "x.csv"
    garbage.write_bytes(b"\xff\xfe\x00garbage,,\n")
    reddit = tmp_path / "comments.csv"
    reddit.write_text("id,permalink,date,ip,subreddit,gildings,link,parent,body,media\n")
    for path in (garbage, reddit):
        with open_archive(path) as archive:
            assert IMPORTER.detect(archive) is None
