"""Reading and writing rows: the few calls importers, search, the inbox and the CLI share.

Every multi-row step runs inside one ``db.atomic()`` transaction, so a failure (or a cancel)
part-way leaves nothing half-saved; nested inside a caller's ``atomic()`` it becomes a
savepoint of the caller's transaction instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

from desktop.core.store.connection import Store, translate_sqlite_errors
from desktop.core.store.schema import SCHEMA_VERSION, TABLES
from desktop.core.tasks import CancelToken

_BATCH = 1000
SOURCE_STATUSES = ("importing", "done", "failed", "cancelled")


# --- time -----------------------------------------------------------------------------------


def utc_now() -> str:
    """Now, as the store writes every timestamp (see ``to_utc_iso``)."""
    return _format_utc(datetime.now(timezone.utc))


def to_utc_iso(value: datetime | str | None) -> str | None:
    """``value`` as fixed-width ISO 8601 UTC text, e.g. ``2024-05-01T12:00:00.000Z``.

    Fixed width means text order is time order, so SQL can sort and compare the column.
    A naive datetime (or a string without an offset) is refused: a wrong timezone would
    silently reorder a creator's conversations.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.strip())
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp {value!r} has no timezone; convert it to UTC first")
    return _format_utc(value)


def _format_utc(value: datetime) -> str:
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    """What JSON cannot hold as is: ijson's ``Decimal`` numbers as numbers, anything else as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**63 else float(value)
    return str(value)


# --- sources, people, threads ---------------------------------------------------------------


def save_source(
    store: Store,
    *,
    platform: str,
    path: Path | str,
    sha256: str,
    size_bytes: int | None = None,
    status: str = "importing",
) -> int:
    """Record that an archive is being imported; returns its source id.

    The same archive (same sha256) keeps its one row: importing it again refreshes the row.
    """
    path = Path(path)
    with translate_sqlite_errors(store.path), store.db.atomic():
        store.db.execute(
            """
            INSERT INTO sources (platform, path, filename, sha256, size_bytes, imported_at, status)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (sha256) DO UPDATE SET
                platform = excluded.platform, path = excluded.path, filename = excluded.filename,
                size_bytes = excluded.size_bytes, imported_at = excluded.imported_at,
                status = excluded.status
            """,
            [platform, str(path), path.name, sha256, size_bytes, utc_now(), status],
        )
        return int(store.db.execute("SELECT id FROM sources WHERE sha256 = ?", [sha256]).fetchone()[0])


def finish_source(
    store: Store,
    source_id: int,
    *,
    status: str = "done",
    warnings: Iterable[str] = (),
) -> None:
    """Close an import: its final status, plain-word warnings, and the counts of what its archive held.

    Counted from ``item_sources``, not ``items.source_id``: an item a later import also holds
    still counts for this one.
    """
    if status not in SOURCE_STATUSES:
        raise ValueError(f"unknown source status {status!r}")
    with translate_sqlite_errors(store.path), store.db.atomic():
        counts = dict(
            store.db.execute(
                "SELECT i.kind, count(*) FROM item_sources AS m JOIN items AS i ON i.id = m.item_id"
                " WHERE m.source_id = ? GROUP BY i.kind ORDER BY i.kind",
                [source_id],
            ).fetchall()
        )
        store.db.execute(
            "UPDATE sources SET status = ?, warnings = ?, counts = ?, item_count = ? WHERE id = ?",
            [status, _json(list(warnings)), _json(counts), sum(counts.values()), source_id],
        )


def list_sources(store: Store) -> list[dict[str, Any]]:
    """Every imported archive, newest first, with ``counts`` and ``warnings`` decoded."""
    rows = store.db.query("SELECT * FROM sources ORDER BY imported_at DESC, id DESC")
    return [dict(row, counts=json.loads(row["counts"]), warnings=json.loads(row["warnings"])) for row in rows]


def save_person(
    store: Store, *, platform: str, handle: str, display_name: str | None = None, is_owner: bool = False
) -> int:
    """The id of the person ``handle`` on ``platform``, adding or updating them."""
    with translate_sqlite_errors(store.path), store.db.atomic():
        store.db.execute(
            """
            INSERT INTO people (platform, handle, display_name, is_owner) VALUES (?, ?, ?, ?)
            ON CONFLICT (platform, handle) DO UPDATE SET
                display_name = coalesce(excluded.display_name, people.display_name),
                is_owner = max(people.is_owner, excluded.is_owner)
            """,
            [platform, handle, display_name, int(is_owner)],
        )
        return int(
            store.db.execute(
                "SELECT id FROM people WHERE platform = ? AND handle = ?", [platform, handle]
            ).fetchone()[0]
        )


def owner_display_name(store: Store) -> str | None:
    """The name the creator goes by in their archives: the owner's display name on the account
    with the most of their items (their handle when no archive gave a name), or None before any
    import. A new persona is named after it, so prompts and the honest "it's Maya's assistant"
    answer use the creator's real name, not "Creator"."""
    row = store.db.execute(
        """
        SELECT coalesce(nullif(trim(p.display_name), ''), p.handle) AS name
        FROM people AS p LEFT JOIN items AS i ON i.author_id = p.id
        WHERE p.is_owner = 1 AND trim(coalesce(nullif(p.display_name, ''), p.handle, '')) != ''
        GROUP BY p.id ORDER BY count(i.id) DESC, p.id LIMIT 1
        """
    ).fetchone()
    return str(row[0]).strip() if row else None


def save_thread(
    store: Store,
    *,
    platform: str,
    external_id: str,
    source_id: int | None = None,
    title: str | None = None,
    kind: str = "dm",
) -> int:
    """The id of the conversation ``external_id`` on ``platform``, adding or updating it."""
    with translate_sqlite_errors(store.path), store.db.atomic():
        store.db.execute(
            """
            INSERT INTO threads (platform, external_id, source_id, title, kind) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (platform, external_id) DO UPDATE SET
                source_id = coalesce(excluded.source_id, threads.source_id),
                title = coalesce(excluded.title, threads.title),
                kind = excluded.kind
            """,
            [platform, external_id, source_id, title, kind],
        )
        return int(
            store.db.execute(
                "SELECT id FROM threads WHERE platform = ? AND external_id = ?", [platform, external_id]
            ).fetchone()[0]
        )


# --- items ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewItem:
    """One message, post or comment as an importer hands it to the store.

    ``external_id`` is the platform's own id; leave it ``None`` when the platform has none and
    the store derives a content hash, so re-importing the same archive still finds the row.
    ``thread_id`` and ``author_id`` come from ``save_thread`` / ``save_person``;
    ``reply_to_external_id`` names the parent by its platform id and is resolved to
    ``items.reply_to`` as soon as the parent is in the store (in any batch, in any order).
    """

    platform: str
    kind: str
    text: str
    created_at: datetime | str | None = None
    external_id: str | None = None
    thread_id: int | None = None
    author_id: int | None = None
    is_owner: bool = False
    reply_to_external_id: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """The uniqueness key within the platform: the platform id, else a content hash."""
        if self.external_id:
            return self.external_id
        created = str(to_utc_iso(self.created_at))
        parts = [self.kind, str(self.thread_id), str(self.author_id), created, self.text]
        return "sha256:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SaveResult:
    """What ``save_items`` did: how many items it was given, and how many were new to the store."""

    received: int
    new: int


_UPSERT_ITEM = """
INSERT INTO items (platform, kind, source_id, thread_id, author_id, is_owner, text, created_at,
                   reply_to_external_id, external_id, meta)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (platform, external_id) DO UPDATE SET
    kind = excluded.kind, source_id = excluded.source_id, thread_id = excluded.thread_id,
    author_id = excluded.author_id, is_owner = excluded.is_owner, text = excluded.text,
    created_at = excluded.created_at, reply_to_external_id = excluded.reply_to_external_id,
    meta = excluded.meta
-- An unchanged row is left alone: re-importing costs no FTS re-indexing.
WHERE items.kind IS NOT excluded.kind OR items.source_id IS NOT excluded.source_id
   OR items.thread_id IS NOT excluded.thread_id OR items.author_id IS NOT excluded.author_id
   OR items.is_owner IS NOT excluded.is_owner OR items.text IS NOT excluded.text
   OR items.created_at IS NOT excluded.created_at
   OR items.reply_to_external_id IS NOT excluded.reply_to_external_id OR items.meta IS NOT excluded.meta
"""

_RESOLVE_REPLIES = """
UPDATE items SET reply_to = (
    SELECT parent.id FROM items AS parent
    WHERE parent.platform = items.platform AND parent.external_id = items.reply_to_external_id
)
WHERE reply_to IS NULL AND reply_to_external_id IS NOT NULL AND platform = ?
  AND EXISTS (
    SELECT 1 FROM items AS parent
    WHERE parent.platform = items.platform AND parent.external_id = items.reply_to_external_id
  )
"""


def _row(source_id: int | None, item: NewItem) -> tuple[Any, ...]:
    return (
        item.platform,
        item.kind,
        source_id,
        item.thread_id,
        item.author_id,
        int(item.is_owner),
        item.text,
        to_utc_iso(item.created_at),
        item.reply_to_external_id,
        item.key(),
        _json(dict(item.meta)),
    )


def _batches(items: Iterable[NewItem]) -> Iterator[list[NewItem]]:
    iterator = iter(items)
    while batch := list(islice(iterator, _BATCH)):
        yield batch


def save_items(
    store: Store,
    source_id: int | None,
    items: Iterable[NewItem],
    *,
    cancel: CancelToken | None = None,
) -> SaveResult:
    """Save ``items`` from source ``source_id`` in one transaction; safe to repeat.

    Items are upserted on ``(platform, external_id)``: importing the same archive twice leaves
    the same rows. ``items`` may be a generator; it is consumed in batches. An exception (or
    ``cancel``, checked between batches) rolls back the whole call: no partial rows.
    """
    received = 0
    platforms: set[str] = set()
    conn: sqlite3.Connection = store.db.conn
    with translate_sqlite_errors(store.path), store.db.atomic():
        # New rows get ids above the largest (SQLite's rowid rule while ids are below 2**63 - 1):
        # counting them reads the new rows only, where count(*) read the whole table at every batch.
        last_id = conn.execute("SELECT max(id) FROM items").fetchone()[0] or 0
        for batch in _batches(items):
            if cancel is not None:
                cancel.raise_if_cancelled()
            conn.executemany(_UPSERT_ITEM, [_row(source_id, item) for item in batch])
            received += len(batch)
            platforms.update(item.platform for item in batch)
        if cancel is not None:
            cancel.raise_if_cancelled()
        for platform in sorted(platforms):
            conn.execute(_RESOLVE_REPLIES, [platform])
        new = conn.execute("SELECT count(*) FROM items WHERE id > ?", [last_id]).fetchone()[0]
    return SaveResult(received=received, new=new)


def get_item(store: Store, item_id: int) -> dict[str, Any] | None:
    """One item row as a dict, or ``None``."""
    return next(store.db.query("SELECT * FROM items WHERE id = ?", [item_id]), None)


def search_items(
    store: Store,
    query: str,
    limit: int = 20,
    *,
    is_owner: bool | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Items whose text matches ``query``, best first (FTS5 bm25; ``rank`` is lower-is-better).

    ``query`` is taken as plain words (every word must appear, stemmed: "running" finds
    "run"), never as FTS syntax, so a creator's stray quote or ``AND`` cannot cause an error.
    """
    if not query.strip():
        return []
    where: list[str] = []
    args: dict[str, Any] = {}
    if is_owner is not None:
        where.append("is_owner = :is_owner")
        args["is_owner"] = int(is_owner)
    if kind is not None:
        where.append("kind = :kind")
        args["kind"] = kind
    rows = store.db.table("items").search(
        query,
        limit=limit,
        where=" AND ".join(where) or None,
        where_args=args or None,
        include_rank=True,
        quote=True,
    )
    return [{key: value for key, value in row.items() if key != "rowid"} for row in rows]


# --- persona, audit, summary ----------------------------------------------------------------


def save_persona_version(store: Store, settings: Mapping[str, Any], note: str = "") -> int:
    """Freeze the persona's current settings as a new version; drafts record which one they used."""
    with translate_sqlite_errors(store.path):
        cursor = store.db.execute(
            "INSERT INTO persona_versions (settings, created_at, note) VALUES (?, ?, ?)",
            [_json(dict(settings)), utc_now(), note],
        )
    return int(cursor.lastrowid or 0)


def record_audit(
    store: Store, action: str, subject: str = "", details: Mapping[str, Any] | None = None
) -> int:
    """Append one line to the audit log (what was done with the creator's data); returns its id."""
    with translate_sqlite_errors(store.path):
        cursor = store.db.execute(
            "INSERT INTO audit_log (at, action, subject, details) VALUES (?, ?, ?, ?)",
            [utc_now(), action, subject, _json(dict(details or {}))],
        )
    return int(cursor.lastrowid or 0)


def store_summary(store: Store) -> dict[str, Any]:
    """What ``understudy store info`` prints: versions, journal mode, size on disk, rows per table."""
    size = 0
    for suffix in ("", "-wal", "-shm"):
        part = store.path.with_name(store.path.name + suffix)
        if part.exists():
            size += part.stat().st_size
    return {
        "path": str(store.path),
        "schema_version": store.schema_version,
        "known_schema_version": SCHEMA_VERSION,
        "journal_mode": store.db.journal_mode,
        "file_size_bytes": size,
        "rows": {table: store.db.table(table).count for table in TABLES},
    }


@dataclass(frozen=True)
class RemovalResult:
    """What removing a source did: items removed, items kept because other sources hold them."""

    source_id: int
    filename: str
    removed: int
    kept: int
    #: The sources that still hold the kept items (ids, oldest import first).
    kept_by: tuple[int, ...] = ()
    threads_removed: int = 0


# The items the source holds that another source holds too: they stay.
_SHARED_ITEMS = """
SELECT count(*) FROM item_sources AS m
WHERE m.source_id = :source
  AND EXISTS (SELECT 1 FROM item_sources AS o WHERE o.item_id = m.item_id AND o.source_id != :source)
"""

_OTHER_HOLDERS = """
SELECT DISTINCT o.source_id FROM item_sources AS m
JOIN item_sources AS o ON o.item_id = m.item_id AND o.source_id != :source
JOIN sources AS s ON s.id = o.source_id
WHERE m.source_id = :source
ORDER BY s.imported_at, s.id
"""

_SOURCE_THREADS = """
SELECT thread_id FROM thread_sources WHERE source_id = :source
UNION
SELECT i.thread_id FROM item_sources AS m JOIN items AS i ON i.id = m.item_id
WHERE m.source_id = :source AND i.thread_id IS NOT NULL
UNION
SELECT id FROM threads WHERE source_id = :source
"""

# items.source_id (and threads.source_id) names the last writer and cascades with it: a kept row
# moves to the most recently imported of its other sources before the source row goes.
_HAND_OVER = """
UPDATE {table} SET source_id = (
    SELECT m.source_id FROM {members} AS m JOIN sources AS s ON s.id = m.source_id
    WHERE m.{key} = {table}.id AND m.source_id != :source
    ORDER BY s.imported_at DESC, s.id DESC LIMIT 1
)
WHERE source_id = :source
  AND EXISTS (SELECT 1 FROM {members} AS m WHERE m.{key} = {table}.id AND m.source_id != :source)
"""
_HAND_OVER_ITEMS = _HAND_OVER.format(table="items", members="item_sources", key="item_id")
_HAND_OVER_THREADS = _HAND_OVER.format(table="threads", members="thread_sources", key="thread_id")

_DELETE_UNSHARED_ITEMS = """
DELETE FROM items
WHERE id IN (SELECT item_id FROM item_sources WHERE source_id = :source
             UNION SELECT id FROM items WHERE source_id = :source)
  AND NOT EXISTS (SELECT 1 FROM item_sources AS m WHERE m.item_id = items.id AND m.source_id != :source)
"""

# Of the source's threads, those no other source holds and no item is in any more.
_DELETE_EMPTY_THREADS = """
DELETE FROM threads
WHERE id IN (SELECT value FROM json_each(:threads))
  AND NOT EXISTS (SELECT 1 FROM thread_sources AS m WHERE m.thread_id = threads.id)
  AND NOT EXISTS (SELECT 1 FROM items AS i WHERE i.thread_id = threads.id)
"""


def delete_source(store: Store, source_id: int) -> RemovalResult:
    """Remove one import and the items no other import holds, in one transaction.

    An item another source's archive also holds stays (``kept``), and so does a thread another
    source holds or that still has items. Deleting an item takes its derived rows with it
    (exchanges, embeddings, inbox entries, search index) through the schema's cascades and
    triggers. Raises KeyError when there is no such source.
    """
    conn = store.db.conn
    args: dict[str, Any] = {"source": source_id}
    with translate_sqlite_errors(store.path), store.db.atomic():
        row = conn.execute("SELECT filename FROM sources WHERE id = ?", [source_id]).fetchone()
        if row is None:
            raise KeyError(source_id)
        kept = int(conn.execute(_SHARED_ITEMS, args).fetchone()[0])
        kept_by = tuple(int(r[0]) for r in conn.execute(_OTHER_HOLDERS, args).fetchall())
        threads = [int(r[0]) for r in conn.execute(_SOURCE_THREADS, args).fetchall()]
        with _search_index_untouched(store):  # only source_id changes: the indexed text does not
            conn.execute(_HAND_OVER_ITEMS, args)
        conn.execute(_HAND_OVER_THREADS, args)
        removed = conn.execute(_DELETE_UNSHARED_ITEMS, args).rowcount
        conn.execute("DELETE FROM sources WHERE id = ?", [source_id])  # its memberships cascade
        threads_removed = conn.execute(_DELETE_EMPTY_THREADS, {"threads": json.dumps(threads)}).rowcount
        result = RemovalResult(source_id, str(row[0]), int(removed), kept, kept_by, int(threads_removed))
        record_audit(store, "remove_source", f"source:{source_id}", asdict(result))
    return result


@contextlib.contextmanager
def _search_index_untouched(store: Store) -> Iterator[None]:
    """Suspend the FTS update trigger for an update that leaves ``items.text`` as it is.

    sqlite-utils' ``items_au`` re-indexes a row on any update; handing 100,000 kept items to
    another source would re-index them all for nothing. Inside the caller's transaction, so a
    rollback restores the trigger together with everything else.
    """
    conn = store.db.conn
    if not conn.in_transaction:
        raise RuntimeError("_search_index_untouched must run inside a transaction")
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'items_au'"
    ).fetchone()
    if row is None:
        yield
        return
    conn.execute("DROP TRIGGER items_au")
    try:
        yield
    finally:
        conn.execute(row[0])


@contextlib.contextmanager
def bulk_item_indexing(store: Store) -> Iterator[None]:
    """Index new items' text once at the end instead of row by row, inside the caller's transaction.

    The per-row FTS insert trigger halves bulk import speed (measured: 25k vs 60k rows/s). For
    the span of this block it is suspended, and every item added meanwhile (ids above the
    previous maximum: rowids only grow) is indexed in one statement at the end. The update and
    delete triggers keep working for the rows indexed before, and skip the new ones: those are
    not in the index yet (telling FTS5 to delete a row it never indexed damages the index, and
    an updated new row would be indexed twice). Must run inside ``store.db.atomic()``: a
    rollback restores the triggers together with everything else.
    """
    conn = store.db.conn
    if not conn.in_transaction:
        raise RuntimeError("bulk_item_indexing must run inside a transaction")
    triggers = dict(
        conn.execute(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'trigger' AND name IN ('items_ai', 'items_au', 'items_ad')"
        ).fetchall()
    )
    if "items_ai" not in triggers:
        yield
        return
    before = int(conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0])
    for name, sql in triggers.items():
        conn.execute(f"DROP TRIGGER {name}")
        if name != "items_ai":  # the same trigger, for rows that were in the index before this block
            conn.execute(sql.replace(" BEGIN", f" WHEN old.rowid <= {before} BEGIN", 1))
    try:
        yield
    finally:
        # Restored even when the block failed, so the savepoint or transaction above it
        # stays consistent whether it rolls back or commits.
        for name, sql in triggers.items():
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            conn.execute(sql)
    conn.execute("INSERT INTO items_fts (rowid, text) SELECT id, text FROM items WHERE id > ?", [before])


def latest_import_at(store: Store) -> str:
    """When the last import finished ("" before any): a saved style profile older than it is stale."""
    return str(store.db.execute("SELECT max(imported_at) FROM sources").fetchone()[0] or "")
