"""The Import page's queries: activity per month and per-source overviews (real SQLite files)."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.core.importers.pipeline import import_archive
from desktop.core.store import (
    NewItem,
    Store,
    delete_source,
    finish_source,
    open_store,
    save_items,
    save_person,
    save_source,
    save_thread,
)
from desktop.core.store.activity import activity_by_month, source_date_range, source_overviews


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "store.sqlite3") as opened:
        yield opened


def _items(store: Store, source_id: int, rows: list[tuple[str, bool, str | None]]) -> None:
    me = save_person(store, platform="test", handle="me", is_owner=True)
    fan = save_person(store, platform="test", handle="fan")
    thread = save_thread(store, platform="test", external_id=f"t{source_id}", source_id=source_id)
    save_items(
        store,
        source_id,
        [
            NewItem(
                platform="test",
                kind="message",
                text=f"m{n}",
                created_at=created,
                external_id=f"{source_id}-{n}",
                thread_id=thread,
                author_id=me if own else fan,
                is_owner=own,
            )
            for n, (created, own, _) in enumerate(rows)
        ],
    )
    finish_source(store, source_id)


def test_empty_store_has_no_activity(store: Store) -> None:
    assert activity_by_month(store) == []
    assert source_overviews(store) == []


def test_activity_counts_own_and_others_per_month_and_fills_gaps(store: Store) -> None:
    source = save_source(store, platform="test", path="a.zip", sha256="a")
    _items(
        store,
        source,
        [
            ("2024-01-05T10:00:00+00:00", True, None),
            ("2024-01-06T10:00:00+00:00", False, None),
            ("2024-01-07T10:00:00+00:00", False, None),
            ("2024-04-01T00:00:00+00:00", True, None),
            ("2023-12-31T23:59:59+00:00", True, None),
        ],
    )
    assert activity_by_month(store) == [
        ("2023-12", 1, 0),
        ("2024-01", 1, 2),
        ("2024-02", 0, 0),
        ("2024-03", 0, 0),
        ("2024-04", 1, 0),
    ]
    assert activity_by_month(store, fill_gaps=False) == [
        ("2023-12", 1, 0),
        ("2024-01", 1, 2),
        ("2024-04", 1, 0),
    ]
    assert source_date_range(store, source) == ("2023-12-31T23:59:59.000Z", "2024-04-01T00:00:00.000Z")
    assert source_date_range(store, source + 99) == (None, None)


def test_items_without_a_date_are_left_out(store: Store) -> None:
    source = save_source(store, platform="test", path="a.zip", sha256="a")
    _items(store, source, [("2024-02-01T00:00:00+00:00", True, None), (None, False, None)])
    assert activity_by_month(store) == [("2024-02", 1, 0)]


def _twitter_zip(path: Path) -> Path:
    tweets = [
        {
            "tweet": {
                "id_str": "1",
                "created_at": "Sat Nov 09 12:14:18 +0000 2024",
                "full_text": "hello world",
                "in_reply_to_status_id_str": None,
                "entities": {"urls": []},
                "favorite_count": "0",
                "retweet_count": "0",
            }
        }
    ]
    dms = [
        {
            "dmConversation": {
                "conversationId": "111-222",
                "messages": [
                    {
                        "messageCreate": {
                            "id": "9",
                            "senderId": "222",
                            "recipientId": "111",
                            "text": "love your videos!",
                            "createdAt": "2024-11-10T10:00:00.000Z",
                        }
                    }
                ],
            }
        }
    ]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "data/account.js",
            'window.YTD.account.part0 = [{"account": {"accountId": "111", "username": "me", '
            '"accountDisplayName": "Me"}}]',
        )
        archive.writestr("data/tweets.js", "window.YTD.tweets.part0 = " + json.dumps(tweets))
        archive.writestr("data/direct-messages.js", "window.YTD.direct_messages.part0 = " + json.dumps(dms))
    return path


def _drain(generator):  # noqa: ANN001, ANN202
    while True:
        try:
            next(generator)
        except StopIteration as stop:
            return stop.value


def test_overview_of_a_real_import_matches_its_summary(store: Store, tmp_path: Path) -> None:
    summary = _drain(import_archive(store, _twitter_zip(tmp_path / "x.zip")))
    [overview] = source_overviews(store)
    assert overview.id == summary.id
    assert (overview.label, overview.version, overview.filename) == (summary.label, summary.version, "x.zip")
    assert (overview.posts, overview.comments, overview.messages) == (
        summary.posts,
        summary.comments,
        summary.messages,
    )
    assert (overview.threads, overview.exchanges, overview.inbox_candidates) == (
        summary.threads,
        summary.exchanges,
        summary.inbox_candidates,
    )
    assert (
        overview.items,
        overview.posts,
        overview.messages,
        overview.threads,
        overview.inbox_candidates,
    ) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert overview.first_at.startswith("2024-11-09") and overview.last_at.startswith("2024-11-10")
    assert (overview.new_items, overview.read_items, overview.already_imported) == (2, 2, 0)
    assert activity_by_month(store) == [("2024-11", 1, 1)]

    _drain(import_archive(store, tmp_path / "x.zip"))  # the same archive again: nothing new
    [again] = source_overviews(store)
    assert (again.id, again.items, again.new_items, again.already_imported) == (overview.id, 2, 0, 2)

    delete_source(store, overview.id)
    assert source_overviews(store) == []
    assert activity_by_month(store) == []


def test_unfinished_sources_are_not_listed(store: Store) -> None:
    save_source(store, platform="test", path="half.zip", sha256="h")  # status 'importing'
    assert source_overviews(store) == []


def test_a_source_without_an_audit_record_gets_a_readable_label(store: Store) -> None:
    source = save_source(store, platform="youtube_music", path="a.zip", sha256="a")
    _items(store, source, [("2024-02-01T00:00:00+00:00", True, None)])
    [overview] = source_overviews(store)
    assert overview.label == "Youtube Music" and overview.version == ""
    assert overview.new_items is None and overview.already_imported is None
