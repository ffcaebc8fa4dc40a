"""Live connections in the store: each connection's settings and cursor, its run log, its sends.

Why here: the fetcher, the sender, the CLI and Settings → Connections read and write the same
rows; one module owns that SQL (secrets are never here: they live in the keychain).
"""

from __future__ import annotations

import json
from typing import Any

from desktop.core.store.connection import Store, translate_sqlite_errors

# --- connections -----------------------------------------------------------------------------


def save_connection(store: Store, platform: str, settings: dict[str, str], at: str) -> None:
    """Create the connection or replace its settings (the cursor and the source are kept)."""
    with translate_sqlite_errors(store.path), store.db.atomic():
        store.db.execute(
            "INSERT INTO connections (platform, settings, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (platform) DO UPDATE SET settings = excluded.settings",
            [platform, json.dumps(settings, sort_keys=True), at],
        )


def get_connection(store: Store, platform: str) -> dict[str, Any] | None:
    """The connection's row (``settings`` decoded), or None when it is not connected."""
    rows = list(store.db.query("SELECT * FROM connections WHERE platform = ?", [platform]))
    return _with_settings(rows[0]) if rows else None


def list_connections(store: Store) -> list[dict[str, Any]]:
    """Every connection, in the order they were made."""
    rows = store.db.query("SELECT * FROM connections ORDER BY created_at, platform")
    return [_with_settings(row) for row in rows]


def _with_settings(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "settings": json.loads(row["settings"] or "{}")}


def record_check(store: Store, platform: str, account: str, at: str) -> None:
    """The handle a successful test of the credentials answered with."""
    store.db.execute(
        "UPDATE connections SET account = ?, checked_at = ? WHERE platform = ?", [account, at, platform]
    )


def record_fetch(store: Store, platform: str, cursor: str | None, source_id: int, at: str) -> None:
    """Where the next fetch starts, and the source its items belong to."""
    store.db.execute(
        "UPDATE connections SET cursor = coalesce(?, cursor), source_id = ?, fetched_at = ?"
        " WHERE platform = ?",
        [cursor, source_id, at, platform],
    )


def delete_connection(store: Store, platform: str) -> bool:
    """Forget the connection (its fetched items, runs and sends stay); whether there was one."""
    cursor = store.db.execute("DELETE FROM connections WHERE platform = ?", [platform])
    return cursor.rowcount > 0


# --- runs ------------------------------------------------------------------------------------


def start_run(store: Store, platform: str, kind: str, at: str) -> int:
    """A new fetch or send run in the log; returns its id."""
    cursor = store.db.execute(
        "INSERT INTO connection_runs (platform, kind, started_at) VALUES (?, ?, ?)", [platform, kind, at]
    )
    return int(cursor.lastrowid or 0)


def finish_run(store: Store, run_id: int, at: str, outcome: str, message: str = "", **counts: int) -> None:
    """Close a run: its outcome, a line in plain words, and its counts (fetched, new_items, sent, failed)."""
    allowed = {"fetched", "new_items", "sent", "failed"}
    if not set(counts) <= allowed:
        raise ValueError(f"unknown run counts {sorted(set(counts) - allowed)}")
    columns = "".join(f", {name} = ?" for name in counts)
    store.db.execute(
        f"UPDATE connection_runs SET finished_at = ?, outcome = ?, message = ?{columns} WHERE id = ?",
        [at, outcome, message, *counts.values(), run_id],
    )


def latest_runs(store: Store, platform: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first (of one platform, or of all)."""
    where, args = ("WHERE platform = ?", [platform]) if platform else ("", [])
    return [
        dict(r)
        for r in store.db.query(
            f"SELECT * FROM connection_runs {where} ORDER BY id DESC LIMIT ?", [*args, limit]
        )
    ]


# --- sends -----------------------------------------------------------------------------------

_APPROVED_FOR = """
SELECT e.item_id, d.id AS draft_id, d.created_at AS draft_created_at, d.text,
       i.kind, i.external_id, i.meta, t.external_id AS thread, s.status AS send_status,
       s.platform_id AS sent_id
FROM inbox_entries AS e
JOIN drafts AS d ON d.id = e.draft_id
JOIN items AS i ON i.id = e.item_id
LEFT JOIN threads AS t ON t.id = i.thread_id
LEFT JOIN connection_sends AS s ON s.draft_id = d.id
WHERE e.state = 'approved' AND e.trashed_at IS NULL AND d.export_id IS NULL AND i.platform = ?
"""


def approved_replies(store: Store, platform: str, item_id: int | None = None) -> list[dict[str, Any]]:
    """The approved replies to messages from ``platform`` (or to one item), oldest approval first."""
    sql, args = _APPROVED_FOR, list[Any]([platform])
    if item_id is not None:
        sql, args = sql + " AND e.item_id = ?", [*args, item_id]
    return [dict(r) for r in store.db.query(sql + " ORDER BY d.approved_at, d.id", args)]


def send_record(store: Store, reply_id: str) -> dict[str, Any] | None:
    """The send log row of one reply, or None when it was never tried."""
    rows = list(store.db.query("SELECT * FROM connection_sends WHERE reply_id = ?", [reply_id]))
    return dict(rows[0]) if rows else None


def mark_sending(store: Store, reply_id: str, draft_id: int, item_id: int, platform: str, at: str) -> None:
    """Before the reply leaves: from here on, a retry must look for it on the platform first."""
    store.db.execute(
        """INSERT INTO connection_sends (reply_id, draft_id, item_id, platform, status, attempts, updated_at)
           VALUES (?, ?, ?, ?, 'sending', 1, ?)
           ON CONFLICT (reply_id) DO UPDATE SET status = 'sending', attempts = attempts + 1,
               updated_at = excluded.updated_at""",
        [reply_id, draft_id, item_id, platform, at],
    )


def settle_send(
    store: Store, reply_id: str, at: str, *, platform_id: str | None = None, error: str = ""
) -> None:
    """The reply's outcome: ``sent`` with the platform's id for it, or ``failed`` with the platform's
    reason (it did not post: a later send may try again)."""
    store.db.execute(
        "UPDATE connection_sends SET status = ?, platform_id = coalesce(?, platform_id), error = ?,"
        " updated_at = ? WHERE reply_id = ?",
        ["sent" if platform_id is not None else "failed", platform_id, error, at, reply_id],
    )


def sends_of_items(store: Store, item_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The latest send row of each item (the Inbox shows "sent to Bluesky" or the failure)."""
    if not item_ids:
        return {}
    marks = ",".join("?" * len(item_ids))
    rows = store.db.query(
        f"SELECT * FROM connection_sends WHERE item_id IN ({marks}) ORDER BY id", list(item_ids)
    )
    return {int(r["item_id"]): dict(r) for r in rows}


def thread_key_of(store: Store, platform: str, external_id: str) -> str | None:
    """The thread (its platform key) an item already in the store belongs to, or None."""
    row = store.db.execute(
        "SELECT t.external_id FROM items AS i JOIN threads AS t ON t.id = i.thread_id"
        " WHERE i.platform = ? AND i.external_id = ?",
        [platform, external_id],
    ).fetchone()
    return None if row is None else str(row[0])
