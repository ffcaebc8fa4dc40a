"""The import pipeline end to end: real archives into a real store, all or nothing."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from desktop.app import main
from desktop.core.errors import Cancelled, KnownError
from desktop.core.importers.archive import ArchiveError
from desktop.core.importers.pipeline import import_archive
from desktop.core.importers.registry import UnknownFormatError
from desktop.core.paths import Paths
from desktop.core.store import Store, delete_source, list_sources, open_store
from desktop.core.tasks import CancelToken, Progress

OWNER_ID, FAN_ID = "111", "222"


def ytd(name: str, data: object) -> bytes:
    return f"window.YTD.{name}.part0 = {json.dumps(data)}".encode()


def tweet(id_str: str, day: int, text: str, reply_to: str | None = None) -> dict[str, object]:
    return {
        "tweet": {
            "id_str": id_str,
            "created_at": f"Sat Nov {day:02d} 12:00:00 +0000 2024",
            "full_text": text,
            "in_reply_to_status_id_str": reply_to,
            "entities": {"urls": [], "user_mentions": [], "hashtags": []},
            "favorite_count": "0",
            "retweet_count": "0",
        }
    }


def dm(id_str: str, sender: str, text: str, when: str) -> dict[str, object]:
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


def x_archive(path: Path, tweet_count: int = 2) -> Path:
    """A small X export: two tweets (or many) and one DM thread where the fan's last message is unanswered."""
    tweets = [
        tweet(str(1000 + i), 1 + i % 28, f"Tweet number {i} about training") for i in range(tweet_count)
    ]
    messages = [  # newest first, as X writes them
        dm("93", FAN_ID, "and what protein do you use?", "2024-11-10T10:09:00.000Z"),
        dm("92", OWNER_ID, "thank you so much!", "2024-11-10T10:05:00.000Z"),
        dm("91", FAN_ID, "love your videos!", "2024-11-10T10:00:00.000Z"),
    ]
    files = {
        "data/account.js": ytd(
            "account", [{"account": {"accountId": OWNER_ID, "username": "me", "accountDisplayName": "Me"}}]
        ),
        "data/tweets.js": ytd("tweets", tweets),
        "data/direct-messages.js": ytd(
            "direct_messages",
            [{"dmConversation": {"conversationId": f"{OWNER_ID}-{FAN_ID}", "messages": messages}}],
        ),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def drain(generator):  # type: ignore[no-untyped-def]
    steps: list[Progress] = []
    while True:
        try:
            steps.append(next(generator))
        except StopIteration as stop:
            return stop.value, steps


def snapshot(store: Store) -> list[str]:
    return list(store.db.conn.iterdump())


def table_rows(store: Store) -> dict[str, int]:
    names = [row[0] for row in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: store.db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in names}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(tmp_path / "store.sqlite3") as opened:
        yield opened


def test_x_archive_lands_with_counts_exchanges_and_inbox_candidates(store: Store, tmp_path: Path) -> None:
    summary, steps = drain(import_archive(store, x_archive(tmp_path / "twitter.zip")))
    assert (summary.platform, summary.posts, summary.messages, summary.threads) == ("twitter", 2, 3, 1)
    assert summary.items == summary.new_items == 5
    assert summary.exchanges == 1  # "love your videos!" -> "thank you so much!"
    assert summary.inbox_candidates == 1  # the protein question awaits a reply
    assert steps[-1].done == steps[-1].total > 0
    pair = store.db.execute(
        """SELECT incoming.text, reply.text FROM exchanges
           JOIN items AS incoming ON incoming.id = incoming_item_id
           JOIN items AS reply ON reply.id = reply_item_id"""
    ).fetchall()
    assert pair == [("love your videos!", "thank you so much!")]
    [source] = list_sources(store)
    assert source["status"] == "done" and source["counts"] == {"message": 3, "post": 2}


def test_importing_the_same_archive_twice_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = x_archive(tmp_path / "twitter.zip")
    first, _ = drain(import_archive(store, path))
    before = table_rows(store)
    second, _ = drain(import_archive(store, path))
    assert second.id == first.id and second.new_items == 0 and second.items == first.items
    after = table_rows(store)
    assert after.pop("audit_log") == before.pop("audit_log") + 1  # the re-import itself is logged
    assert after == before


def test_cancel_mid_import_leaves_the_store_exactly_as_before(store: Store, tmp_path: Path) -> None:
    path = x_archive(tmp_path / "big.zip", tweet_count=5000)
    before = snapshot(store)
    cancel = CancelToken()
    importing = import_archive(store, path, cancel=cancel)
    next(importing)  # "checking"
    next(importing)  # the first batch is saved (inside the open transaction)
    cancel.cancel()
    with pytest.raises(Cancelled):
        drain(importing)
    assert snapshot(store) == before


def test_abandoning_the_import_rolls_it_back(store: Store, tmp_path: Path) -> None:
    before = snapshot(store)
    importing = import_archive(store, x_archive(tmp_path / "big.zip", tweet_count=3000))
    next(importing)
    next(importing)
    importing.close()  # e.g. the app quits mid-import
    assert snapshot(store) == before


def test_damaged_entry_is_a_plain_error_and_nothing_lands(store: Store, tmp_path: Path) -> None:
    path = x_archive(tmp_path / "twitter.zip", tweet_count=200)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("data/tweets.js")
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(data_start + info.compress_size - 30, data_start + info.compress_size - 20):
        raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    before = snapshot(store)
    with pytest.raises(KnownError) as error:
        drain(import_archive(store, path))
    assert isinstance(error.value, ArchiveError) and "damaged" in str(error.value)
    assert snapshot(store) == before


def test_unknown_format_names_the_supported_ones(store: Store, tmp_path: Path) -> None:
    odd = tmp_path / "notes.bin"
    odd.write_bytes(b"\x00\x01 nothing a platform exports")
    with pytest.raises(UnknownFormatError, match="Supported: .*Telegram.*X"):
        drain(import_archive(store, odd))
    assert list_sources(store) == []


def test_removing_a_source_removes_its_items_and_exchanges(store: Store, tmp_path: Path) -> None:
    summary, _ = drain(import_archive(store, x_archive(tmp_path / "twitter.zip")))
    result = delete_source(store, summary.id)
    assert (result.removed, result.kept, result.threads_removed) == (5, 0, 1)
    for table in ("sources", "items", "threads", "exchanges", "items_fts", "item_sources", "thread_sources"):
        assert store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_cli_import_json_and_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = str(tmp_path / "base")
    path = x_archive(tmp_path / "twitter.zip")
    assert main(["--basedir", base, "import", str(path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    [source] = printed["sources"]
    for key in (
        "id",
        "platform",
        "items",
        "posts",
        "comments",
        "messages",
        "threads",
        "exchanges",
        "inbox_candidates",
        "warnings",
    ):
        assert key in source
    assert (source["items"], source["messages"], source["exchanges"], source["inbox_candidates"]) == (
        5,
        3,
        1,
        1,
    )
    assert main(["--basedir", base, "sources", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sources"][0]["platform"] == "twitter"
    assert main(["--basedir", base, "sources", "remove", str(source["id"])]) == 0
    assert "Removed source" in capsys.readouterr().out


def test_cli_failed_import_exits_non_zero_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "export.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["--basedir", str(tmp_path / "base"), "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "damaged or only partly downloaded" in err and "Traceback" not in err
    assert Paths.resolve(tmp_path / "base").profile().store.exists()


def test_nothing_is_written_next_to_the_archive(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    path = x_archive(folder / "twitter.zip")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    drain(import_archive(store, path))
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_whatsapp_owner_is_asked_once_then_remembered(store: Store, tmp_path: Path) -> None:
    from desktop.core.importers.base import OwnerUnknownError

    group = tmp_path / "_chat.txt"
    group.write_text(
        "[12/01/2024, 10:00:00] Ana: are you coming tonight?\n"
        "[12/01/2024, 10:05:00] Ben: yes, see you there\n"
        "[12/01/2024, 10:06:00] Cleo: me too\n",
        encoding="utf-8",
    )
    before = snapshot(store)
    with pytest.raises(OwnerUnknownError) as asked:
        drain(import_archive(store, group))
    assert sorted(asked.value.candidates) == ["Ana", "Ben", "Cleo"]
    assert snapshot(store) == before
    summary, _ = drain(import_archive(store, group, me="Ben"))
    assert (summary.messages, summary.exchanges) == (3, 1)
    owners = store.db.execute("SELECT text FROM items WHERE is_owner = 1").fetchall()
    assert owners == [("yes, see you there",)]
    other = tmp_path / "other" / "_chat.txt"
    other.parent.mkdir()
    other.write_text(
        "[13/01/2024, 09:00:00] Dan: hi Ben!\n[13/01/2024, 09:01:00] Ben: hey Dan\n[13/01/2024, 09:02:00] "
        "Eve: hello\n",
        encoding="utf-8",
    )
    second, _ = drain(import_archive(store, other))  # no --me: the remembered name is used
    assert second.exchanges == 1


def test_comment_threads_are_not_counted_as_dm_threads(store: Store, tmp_path: Path) -> None:
    csv_path = tmp_path / "Takeout" / "YouTube and YouTube Music" / "comments" / "comments.csv"
    csv_path.parent.mkdir(parents=True)
    csv_path.write_text(
        "Comment ID,Channel ID,Comment Create Timestamp,Price,Parent Comment ID,Video ID,Comment Text\n"
        'c1,UCme,2023-09-19T17:42:53.434647+00:00,,,vid1,"{""takeoutSegments"":[{""text"":""great tip""}]}"\n'
        'c2,UCme,2023-09-20T10:00:00+00:00,,,vid2,"{""takeoutSegments"":[{""text"":""thanks all""}]}"\n',
        encoding="utf-8",
    )
    summary, _ = drain(import_archive(store, tmp_path / "Takeout"))
    assert (summary.platform, summary.comments, summary.threads, summary.messages) == ("youtube", 2, 0, 0)
