"""Saving and finding rows: idempotent imports, all-or-nothing batches, FTS5 kept in sync."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled, KnownError
from desktop.core.paths import Paths
from desktop.core.store import (
    SCHEMA_VERSION,
    TABLES,
    NewItem,
    Store,
    finish_source,
    get_item,
    list_sources,
    open_store,
    record_audit,
    save_items,
    save_person,
    save_persona_version,
    save_source,
    save_thread,
    search_items,
    store_summary,
    to_utc_iso,
)
from desktop.core.tasks import CancelToken

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(paths: Paths) -> Iterator[Store]:
    with open_store(paths.create_profile("default").store) as opened:
        yield opened


def dm(
    n: int, text: str, *, thread_id: int | None = None, owner: bool = False, reply_to: str | None = None
) -> NewItem:
    return NewItem(
        platform="instagram",
        kind="message",
        text=text,
        created_at=T0 + timedelta(minutes=n),
        external_id=f"m{n}",
        thread_id=thread_id,
        is_owner=owner,
        reply_to_external_id=reply_to,
    )


def many(count: int, *, fail_at: int | None = None) -> Iterator[NewItem]:
    """A generator, like an importer's; optionally breaks part-way (a corrupt record)."""
    for n in range(count):
        if n == fail_at:
            raise ValueError("corrupt record in the archive")
        yield dm(n, f"message number {n} about protein shakes")


def count(store: Store, table: str) -> int:
    return store.db.table(table).count


def test_search_finds_stemmed_words_ranked_by_bm25(store: Store) -> None:
    source = save_source(store, platform="instagram", path="/archives/ig.zip", sha256="a" * 64)
    save_items(
        store,
        source,
        [
            dm(1, "I run every morning before the gym", owner=True),
            dm(2, "Running shoes? Which ones do you run in, running coach?"),
            dm(3, "Tour dates for Berlin are out"),
        ],
    )
    hits = search_items(store, "running", limit=10)
    assert [hit["external_id"] for hit in hits] == ["m2", "m1"]  # both stems match; m2 mentions it most
    assert hits[0]["rank"] <= hits[1]["rank"]  # bm25: lower is better
    assert "rowid" not in hits[0]
    assert [hit["external_id"] for hit in search_items(store, "runs", is_owner=True)] == ["m1"]
    assert search_items(store, "berlin tour")[0]["external_id"] == "m3"
    assert search_items(store, "vegan") == []
    assert search_items(store, "   ") == []
    # Plain words, never FTS syntax: quotes and operators do not raise.
    assert search_items(store, 'run" AND OR (NEAR') == []


def test_search_stays_in_sync_after_update_and_delete(store: Store) -> None:
    save_items(store, None, [dm(1, "the old cat photo"), dm(2, "dog walk at noon")])
    assert [h["external_id"] for h in search_items(store, "cat")] == ["m1"]

    # Re-importing with changed text updates the index (upsert path).
    save_items(store, None, [dm(1, "the new parrot photo")])
    assert search_items(store, "cat") == []
    assert [h["external_id"] for h in search_items(store, "parrot")] == ["m1"]

    # A direct update and a delete through sqlite-utils are caught by the triggers too.
    item_id = search_items(store, "dog")[0]["id"]
    store.db.table("items").update(item_id, {"text": "horse ride at noon"})
    assert search_items(store, "dog") == []
    assert [h["id"] for h in search_items(store, "horses")] == [item_id]
    store.db.table("items").delete(item_id)
    assert search_items(store, "horse") == []
    assert store.db.execute("SELECT count(*) FROM items_fts").fetchone()[0] == 1
    store.db.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")


def test_save_items_is_idempotent(store: Store) -> None:
    source = save_source(store, platform="instagram", path="/archives/ig.zip", sha256="b" * 64)
    first = save_items(store, source, many(2500))
    assert (first.received, first.new) == (2500, 2500)
    again = save_items(store, source, many(2500))
    assert (again.received, again.new) == (2500, 0)
    assert count(store, "items") == 2500
    assert store.db.execute("SELECT count(*) FROM items_fts").fetchone()[0] == 2500
    # The same archive imported twice stays one source.
    assert save_source(store, platform="instagram", path="/elsewhere/ig.zip", sha256="b" * 64) == source
    assert count(store, "sources") == 1


def test_items_without_a_platform_id_are_keyed_by_content(store: Store) -> None:
    posts = [
        NewItem("tiktok", "comment", "first!", created_at="2024-03-01T10:00:00+02:00"),
        NewItem("tiktok", "comment", "second", created_at="2024-03-01T10:00:00+02:00"),
    ]
    assert save_items(store, None, posts).new == 2
    assert save_items(store, None, posts).new == 0
    keys = [row["external_id"] for row in store.db.query("SELECT external_id FROM items ORDER BY id")]
    assert all(key.startswith("sha256:") for key in keys) and len(set(keys)) == 2


def test_an_exception_mid_batch_leaves_no_partial_rows(store: Store) -> None:
    source = save_source(store, platform="instagram", path="/archives/ig.zip", sha256="c" * 64)
    with pytest.raises(ValueError, match="corrupt record"):
        save_items(store, source, many(2500, fail_at=1800))  # after the first batches were written
    assert count(store, "items") == 0
    assert store.db.execute("SELECT count(*) FROM items_fts").fetchone()[0] == 0
    assert not store.db.conn.in_transaction
    # The store is usable afterwards.
    assert save_items(store, source, many(10)).new == 10


def test_cancelling_an_import_keeps_nothing_half_done(store: Store) -> None:
    token = CancelToken()

    def items_then_cancel() -> Iterator[NewItem]:
        yield from many(1500)
        token.cancel()
        yield dm(9999, "never saved")

    with pytest.raises(Cancelled):
        save_items(store, None, items_then_cancel(), cancel=token)
    assert count(store, "items") == 0


def test_nested_in_a_callers_transaction_rolls_back_with_it(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.db.atomic():
            thread = save_thread(store, platform="instagram", external_id="t1", title="Sam")
            save_items(store, None, [dm(1, "hi", thread_id=thread)])
            raise RuntimeError("the importer failed after saving")
    assert count(store, "threads") == 0 and count(store, "items") == 0


def test_a_full_disk_is_a_plain_error_and_keeps_nothing(store: Store) -> None:
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 2}")  # a real SQLITE_FULL, no mocks
    with pytest.raises(KnownError, match="full"):
        save_items(store, None, many(3000))
    store.db.execute("PRAGMA max_page_count = 1073741823")
    assert count(store, "items") == 0


def test_replies_are_linked_whatever_order_they_arrive_in(store: Store) -> None:
    thread = save_thread(store, platform="instagram", external_id="t1", title="Sam")
    save_items(store, None, [dm(2, "thanks!", thread_id=thread, reply_to="m1")])  # parent not there yet
    save_items(store, None, [dm(1, "loved the show", thread_id=thread, owner=True)])
    rows = {row["external_id"]: row for row in store.db.query("SELECT * FROM items")}
    assert rows["m2"]["reply_to"] == rows["m1"]["id"]
    assert rows["m1"]["reply_to"] is None
    assert get_item(store, rows["m2"]["id"])["text"] == "thanks!"  # type: ignore[index]
    assert get_item(store, 12345) is None


def test_people_and_threads_are_upserted(store: Store) -> None:
    me = save_person(store, platform="instagram", handle="me", is_owner=True)
    assert save_person(store, platform="instagram", handle="me", display_name="Me!") == me
    row = store.db.table("people").get(me)
    assert row["display_name"] == "Me!" and row["is_owner"] == 1
    first = save_thread(store, platform="instagram", external_id="t1", title="Sam")
    assert save_thread(store, platform="instagram", external_id="t1") == first
    assert store.db.table("threads").get(first)["title"] == "Sam"


def test_sources_record_counts_warnings_and_status(store: Store) -> None:
    source = save_source(
        store, platform="instagram", path=Path("/archives/ig.zip"), sha256="d" * 64, size_bytes=1234
    )
    post = NewItem("instagram", "post", "my post", external_id="p1")
    save_items(store, source, [dm(1, "a"), dm(2, "b"), post])
    finish_source(store, source, warnings=["3 messages had no text"])
    (row,) = list_sources(store)
    assert row["filename"] == "ig.zip" and row["status"] == "done" and row["size_bytes"] == 1234
    assert row["item_count"] == 3 and row["counts"] == {"message": 2, "post": 1}
    assert row["warnings"] == ["3 messages had no text"]
    with pytest.raises(ValueError):
        finish_source(store, source, status="mostly fine")


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        save_items(store, 999, [dm(1, "points at a source that does not exist")])
    assert count(store, "items") == 0


def test_store_summary_counts_rows_and_size(store: Store) -> None:
    source = save_source(store, platform="instagram", path="/a.zip", sha256="e" * 64)
    save_items(store, source, many(42))
    save_persona_version(store, {"warmth": 0.8}, note="first")
    record_audit(store, "import", "ig.zip", {"items": 42})
    audit_id = record_audit(store, "export", "pack-1.zip")
    summary = store_summary(store)
    assert summary["schema_version"] == SCHEMA_VERSION == summary["known_schema_version"]
    assert summary["journal_mode"] == "wal"
    assert summary["file_size_bytes"] >= store.path.stat().st_size > 0
    assert set(summary["rows"]) == set(TABLES)
    assert summary["rows"]["items"] == 42 and summary["rows"]["sources"] == 1
    assert summary["rows"]["audit_log"] == 2 and summary["rows"]["persona_versions"] == 1
    assert summary["rows"]["drafts"] == 0
    audit = store.db.table("audit_log").get(audit_id)
    assert audit["action"] == "export" and json.loads(audit["details"]) == {}


def test_timestamps_are_fixed_width_utc() -> None:
    assert to_utc_iso("2024-03-01T10:00:00+02:00") == "2024-03-01T08:00:00.000Z"
    precise = datetime(2024, 3, 1, 8, 0, 0, 123456, tzinfo=timezone.utc)
    assert to_utc_iso(precise) == "2024-03-01T08:00:00.123Z"
    assert to_utc_iso("2024-03-01T08:00:00Z") == "2024-03-01T08:00:00.000Z"
    assert to_utc_iso(None) is None
    with pytest.raises(ValueError, match="timezone"):
        to_utc_iso(datetime(2024, 3, 1, 8, 0))


def test_bulk_item_indexing_indexes_new_items_once_and_keeps_updates_in_sync(tmp_path: Path) -> None:
    from desktop.core.store import bulk_item_indexing

    with open_store(tmp_path / "s.sqlite3") as store:
        save_items(
            store, None, [NewItem(platform="x", kind="post", text="old running shoes", external_id="1")]
        )
        with store.db.atomic(), bulk_item_indexing(store):
            save_items(
                store,
                None,
                [
                    NewItem(platform="x", kind="post", text="new protein shake", external_id="2"),
                    NewItem(
                        platform="x", kind="post", text="old walking shoes", external_id="1"
                    ),  # changed text
                ],
            )
        assert [r["external_id"] for r in search_items(store, "protein")] == ["2"]
        assert [r["external_id"] for r in search_items(store, "walking")] == ["1"]
        assert search_items(store, "running") == []
        store.db.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")
        trigger = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'items_ai'"
        assert store.db.execute(trigger).fetchone()[0] == 1
        try:
            with store.db.atomic(), bulk_item_indexing(store):
                save_items(
                    store, None, [NewItem(platform="x", kind="post", text="never kept", external_id="3")]
                )
                raise RuntimeError("crash mid-import")
        except RuntimeError:
            pass
        assert store.db.execute(trigger).fetchone()[0] == 1 and search_items(store, "kept") == []
