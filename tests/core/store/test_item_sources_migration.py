"""Migration 6 (item_sources): a store written before it keeps every row and regains its overlaps.

The stores here are written at schema 5 the way Understudy wrote them then: the real importers
read real zips, each import moves the items it holds to itself (``items.source_id``) and
counts the rows it then owns. The file is then opened with the current code.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from desktop.core.importers.archive import open_archive
from desktop.core.importers.base import ImportContext
from desktop.core.importers.pipeline import ImportSummary, fingerprint, save_records
from desktop.core.importers.registry import detect
from desktop.core.store import Store, delete_source, list_sources, open_store, record_audit, save_source
from desktop.core.store.activity import source_overviews
from desktop.core.store.conversations import _DERIVE_THREAD_EXCHANGES
from desktop.core.store.schema import _SOURCES_SQL, MIGRATION_NAMES, MIGRATIONS
from desktop.core.tasks import CancelToken
from tests.core.importers.test_overlapping_sources import ISSUE_COUNTS, instagram_zip
from tests.core.importers.test_pipeline import drain, x_archive

LEGACY_VERSION = 5
assert MIGRATION_NAMES[LEGACY_VERSION] == "0006_item_and_thread_sources"


def test_the_shipped_tables_and_triggers_are_the_same_text() -> None:
    """Migration 6 builds its SQL from one template for items and one for threads; what it runs
    (and so the schema text SQLite keeps) is byte for byte the SQL it shipped with."""
    digest = hashlib.sha256(_SOURCES_SQL.encode()).hexdigest()
    assert digest == "d8e9cf1eb74cee6e7d3e999c891cb1f577d1ffc5da1c7380fb739aa99caec556"


# Schema 5's reply exchanges: the replies the importing source owns.
_LEGACY_REPLY_EXCHANGES = """
INSERT OR IGNORE INTO exchanges (incoming_item_id, reply_item_id, thread_id)
SELECT parent.id, reply.id, reply.thread_id
FROM items AS reply JOIN items AS parent ON parent.id = reply.reply_to
WHERE reply.source_id = ? AND reply.is_owner = 1 AND parent.is_owner = 0
"""


def legacy_store(path: Path) -> Store:
    """A store at schema 5: every migration before item_sources, opened as open_store opened it."""
    db = Database(sqlite3.connect(path))
    db.execute("PRAGMA foreign_keys = ON")
    db.enable_wal()
    MIGRATIONS.apply(db, stop_before=MIGRATION_NAMES[LEGACY_VERSION])
    store = Store(db, path)
    assert store.schema_version == LEGACY_VERSION and "item_sources" not in db.table_names()
    return store


def legacy_import(store: Store, path: Path) -> int:
    """Import ``path`` as schema 5 did: the items move to this source, its counts are what it then owns."""
    conn = store.db.conn
    with open_archive(path) as archive:
        importer, detection = detect(archive)
        context = ImportContext(archive, detection)
        summary = ImportSummary(
            id=0, platform=importer.platform, label=importer.label, version=detection.version, path=str(path)
        )
        with store.db.atomic():
            summary.id = save_source(
                store,
                platform=importer.platform,
                path=path,
                sha256=fingerprint(archive),
                size_bytes=path.stat().st_size,
            )
            thread_ids, _ = drain(
                save_records(
                    store,
                    summary,
                    importer.read(context),
                    CancelToken(),
                    lambda: (archive.bytes_read, archive.total_bytes),
                )
            )
            conn.execute(_DERIVE_THREAD_EXCHANGES, [json.dumps(sorted(thread_ids))])
            conn.execute(_LEGACY_REPLY_EXCHANGES, [summary.id])
            counts = dict(
                conn.execute(
                    "SELECT kind, count(*) FROM items WHERE source_id = ? GROUP BY kind ORDER BY kind",
                    [summary.id],
                ).fetchall()
            )
            conn.execute(
                "UPDATE sources SET status = 'done', counts = ?, item_count = ? WHERE id = ?",
                [json.dumps(counts), sum(counts.values()), summary.id],
            )
            record_audit(store, "import", f"source:{summary.id}", summary.as_dict())
    return summary.id


def legacy_remove(store: Store, source_id: int) -> None:
    """Schema 5's removal: the source's owned items cascade, then every thread left empty."""
    with store.db.atomic():
        store.db.execute("DELETE FROM sources WHERE id = ?", [source_id])
        store.db.execute(
            "DELETE FROM threads WHERE id NOT IN (SELECT DISTINCT thread_id FROM items WHERE thread_id IS "
            "NOT NULL)"
        )


def rows_per_table(store: Store) -> dict[str, int]:
    names = [r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {name: store.db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in names}


def held(store: Store) -> dict[int, int]:
    return dict(
        store.db.execute("SELECT source_id, count(*) FROM item_sources GROUP BY source_id").fetchall()
    )


def stored_counts(store: Store) -> dict[int, tuple[dict[str, int], int]]:
    return {s["id"]: (s["counts"], s["item_count"]) for s in list_sources(store)}


def add_derived_rows(store: Store) -> None:
    """An embedding and an inbox entry for every fifth item: rows the migration must keep."""
    for (item_id,) in store.db.execute("SELECT id FROM items WHERE id % 5 = 0").fetchall():
        store.db.execute(
            "INSERT INTO embeddings (item_id, model, dim, vector) VALUES (?, 'm.gguf', 1, x'0000803f')",
            [item_id],
        )
        store.db.execute(
            "INSERT INTO inbox_entries (item_id, source, added_at) VALUES (?, 'import', "
            "'2024-01-01T00:00:00.000Z')",
            [item_id],
        )


def count(store: Store, sql: str, args: list[Any] | None = None) -> int:
    return int(store.db.execute(sql, args or []).fetchone()[0])


def test_a_legacy_store_with_overlapping_sources_keeps_every_row_and_regains_its_overlaps(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    first = instagram_zip(tmp_path / "first.zip", messages=100, posts=2, comments=1)  # the first download
    second = instagram_zip(tmp_path / "second.zip")  # months later: all of the first and more
    again = instagram_zip(tmp_path / "second-again.zip", stored=True)  # the same data zipped again
    with legacy_store(path) as store:
        ids = [
            legacy_import(store, archive) for archive in (first, second, again, x_archive(tmp_path / "x.zip"))
        ]
        add_derived_rows(store)
        before = rows_per_table(store)
        counts_before = stored_counts(store)
        owned = dict(store.db.execute("SELECT source_id, count(*) FROM items GROUP BY source_id").fetchall())
    older, newer, newest, other = ids
    # The fault as it was: the two older Instagram sources list their items and own none.
    assert owned == {newest: 148, other: 5}
    assert counts_before == {
        older: ({"comment": 1, "message": 100, "post": 2}, 103),
        newer: (ISSUE_COUNTS, 148),
        newest: (ISSUE_COUNTS, 148),
        other: ({"message": 3, "post": 2}, 5),
    }
    assert (before["items"], before["items_fts"], before["embeddings"], before["inbox_entries"]) == (
        153,
        153,
        30,
        30,
    )
    assert before["exchanges"] > 0

    with open_store(path) as store:
        after = rows_per_table(store)
        assert store.schema_version == len(MIGRATION_NAMES)
        assert stored_counts(store) == counts_before  # what each archive held, as recorded
        for table, rows in before.items():
            expected = rows + (1 if table == "audit_log" else 0)
            if table == "_sqlite_migrations":
                expected = len(MIGRATION_NAMES)  # this one and any later
            assert after[table] == expected, table  # nothing lost, nothing added but the notes
        # Each source holds its items again. The second download and its copy: exactly their
        # 148. The first download held 103; it gets back every Instagram item a later import
        # took within its own time span: its 100 messages, and all 4 posts and 3 comments of the
        # later export, whose dates fall inside that span (7 = 103 + 4 too many: kept, not lost).
        assert held(store) == {older: 107, newer: 148, newest: 148, other: 5}
        threads = dict(store.db.execute("SELECT source_id, count(*) FROM thread_sources GROUP BY source_id"))
        assert threads == {older: 3, newer: 3, newest: 3, other: 1}
        [note] = store.db.execute("SELECT details FROM audit_log WHERE action = 'migrate'").fetchall()
        assert json.loads(note[0]) == {"missing": {}, "recovered": {str(older): 107, str(newer): 148}}
        assert all(not s["warnings"] for s in list_sources(store))
        cards = {
            card.id: (card.comments, card.messages, card.posts, card.items)
            for card in source_overviews(store)
        }
        assert cards[newer] == cards[newest] == (3, 141, 4, 148)

        # Now removals keep what another source holds.
        removed = delete_source(store, newest)
        assert (removed.removed, removed.kept) == (0, 148)
        removed = delete_source(store, newer)
        assert (removed.removed, removed.kept) == (41, 107)
        assert count(store, "SELECT count(*) FROM items WHERE platform = 'instagram'") == 107
        assert (
            count(store, "SELECT count(*) FROM items WHERE platform = 'instagram' AND kind = 'message'")
            == 100
        )
        removed = delete_source(store, older)
        assert (removed.removed, removed.kept) == (107, 0)
        assert count(store, "SELECT count(*) FROM items") == 5  # the X archive's, untouched
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_items_an_earlier_removal_deleted_are_named_in_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with legacy_store(path) as store:
        older = legacy_import(store, instagram_zip(tmp_path / "instagram.zip"))
        newer = legacy_import(store, instagram_zip(tmp_path / "instagram-again.zip", stored=True))
        legacy_remove(store, newer)  # the fault: all 148 items went, the older source still listed
        assert count(store, "SELECT count(*) FROM items") == 0
    with open_store(path) as store:
        [source] = list_sources(store)
        assert (source["id"], source["counts"], source["item_count"]) == (older, ISSUE_COUNTS, 148)
        assert source["warnings"] == [
            "148 items this archive held had already been removed together with another import "
            "(a fault fixed since); import this archive again to bring them back."
        ]
        assert held(store) == {}


def test_a_legacy_store_without_overlaps_migrates_one_to_one(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with legacy_store(path) as store:
        ig = legacy_import(store, instagram_zip(tmp_path / "instagram.zip"))
        x = legacy_import(store, x_archive(tmp_path / "x.zip"))
        owned = dict(store.db.execute("SELECT source_id, count(*) FROM items GROUP BY source_id").fetchall())
        before = rows_per_table(store)
    with open_store(path) as store:
        assert held(store) == owned == {ig: 148, x: 5}
        assert count(store, "SELECT count(*) FROM audit_log WHERE action = 'migrate'") == 0
        after = rows_per_table(store)
        assert {t: n for t, n in after.items() if t in before and t != "_sqlite_migrations"} == {
            t: n for t, n in before.items() if t != "_sqlite_migrations"
        }
