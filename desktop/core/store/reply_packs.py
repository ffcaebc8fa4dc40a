"""Reply packs in the store: the approved replies a pack or the webhook sends, and the ``exports`` rows.

Why here: a pack, a re-export, the webhook and the fine-tuning export all read the same reply
rows; an export reserves its drafts, then completes or is abandoned, in separate transactions
(the crash-safe order is in ``desktop.core.inbox.packs``). One module owns that SQL.
"""

from __future__ import annotations

from typing import Any

from desktop.core.store.connection import Store

#: Conditions for ``reply_rows`` (over ``e`` entries and ``d`` drafts).
WAITING_FOR_EXPORT = "e.state = 'approved' AND e.trashed_at IS NULL AND d.export_id IS NULL"
APPROVED_OR_EXPORTED = "e.state IN ('approved', 'exported')"
IN_EXPORT = "d.export_id = ?"

_ROWS = """
SELECT d.id AS draft_id, d.created_at AS draft_created_at, d.text AS reply_text, d.approved_at,
       d.persona_version_id, d.model, d.edited, d.provenance, d.export_id,
       i.platform, i.text AS original_message, i.external_id AS in_reply_to_id,
       t.external_id AS thread_id, p.handle AS recipient, p.display_name AS recipient_name
FROM inbox_entries AS e
JOIN drafts AS d ON d.id = e.draft_id
JOIN items AS i ON i.id = e.item_id
LEFT JOIN threads AS t ON t.id = i.thread_id
LEFT JOIN people AS p ON p.id = i.author_id
"""


def reply_rows(store: Store, where: str, args: list[Any] | None = None) -> list[dict[str, Any]]:
    """The replies matching ``where`` (e.g. ``WAITING_FOR_EXPORT``) with their message, oldest approval
    first."""
    return list(store.db.query(_ROWS + " WHERE " + where + " ORDER BY d.approved_at, d.id", args or []))


def waiting_count(store: Store) -> int:
    """Approved replies not yet in a pack."""
    return int(
        store.db.execute(
            "SELECT count(*) FROM inbox_entries AS e JOIN drafts AS d ON d.id = e.draft_id WHERE "
            + WAITING_FOR_EXPORT
        ).fetchone()[0]
    )


def persona_settings_json(store: Store, version_id: int | None) -> str | None:
    """The settings JSON of a persona version (its disclosure choice lives there), or None."""
    row = store.db.execute("SELECT settings FROM persona_versions WHERE id = ?", [version_id]).fetchone()
    return None if row is None else row[0]


# --- exports --------------------------------------------------------------------------------


def insert_export(
    store: Store, created_at: str, path: str, replies: int, uid: str, redacted: bool, reexport_of: int | None
) -> int:
    """A new reply-pack export in status ``writing``; returns its id."""
    cursor = store.db.execute(
        """INSERT INTO exports (created_at, path, draft_count, format, uid, status, redacted, reexport_of)
           VALUES (?, ?, ?, 'reply-pack', ?, 'writing', ?, ?)""",
        [created_at, path, replies, uid, int(redacted), reexport_of],
    )
    return int(cursor.lastrowid or 0)


def reserve_drafts(store: Store, export_id: int, draft_ids: list[int]) -> int:
    """Claim the drafts not yet in any export for ``export_id``; returns how many it claimed."""
    cursor = store.db.execute(
        "UPDATE drafts SET export_id = ? WHERE export_id IS NULL AND id IN "
        f"({','.join('?' * len(draft_ids))})",
        [export_id, *draft_ids],
    )
    return int(cursor.rowcount)


def abandon_export(store: Store, export_id: int) -> None:
    """The export did not finish: its drafts are free again and it is marked ``abandoned``."""
    store.db.execute("UPDATE drafts SET export_id = NULL WHERE export_id = ?", [export_id])
    store.db.execute("UPDATE exports SET status = 'abandoned' WHERE id = ?", [export_id])


def mark_export_complete(store: Store, export_id: int, sha256: str) -> None:
    """The pack is in place: the export is ``complete`` with the zip's sha256."""
    store.db.execute("UPDATE exports SET status = 'complete', sha256 = ? WHERE id = ?", [sha256, export_id])


def export_entries(store: Store, export_id: int) -> list[tuple[int, str, int]]:
    """``(item_id, state, draft_id)`` of the entries whose drafts the export holds."""
    return store.db.execute(
        """SELECT e.item_id, e.state, d.id FROM drafts AS d JOIN inbox_entries AS e ON e.draft_id = d.id
           WHERE d.export_id = ?""",
        [export_id],
    ).fetchall()


def export_facts(store: Store, export_id: int) -> tuple[str, int, int | None]:
    """``(path, draft_count, reexport_of)`` of an export (for its audit row)."""
    return store.db.execute(
        "SELECT path, draft_count, reexport_of FROM exports WHERE id = ?", [export_id]
    ).fetchone()


def writing_exports(store: Store) -> list[tuple[int, str, str]]:
    """``(id, path, uid)`` of every export still ``writing`` (interrupted by a crash), oldest first."""
    return store.db.execute(
        "SELECT id, path, uid FROM exports WHERE status = 'writing' ORDER BY id"
    ).fetchall()


def reply_pack_export(store: Store, export_id: int) -> tuple[str, int, int | None] | None:
    """``(status, redacted, reexport_of)`` of a reply-pack export, or None."""
    row = store.db.execute(
        "SELECT status, redacted, reexport_of FROM exports WHERE id = ? AND format = 'reply-pack'",
        [export_id],
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def list_reply_packs(store: Store) -> list[dict[str, Any]]:
    """Every reply pack, newest first (completed, abandoned and re-exports)."""
    return list(
        store.db.query(
            "SELECT id, created_at, path, draft_count, status, sha256, redacted, reexport_of FROM exports "
            "WHERE format = 'reply-pack' ORDER BY id DESC"
        )
    )


def count_approved_pairs(store: Store) -> int:
    """Messages with an approved (or exported) reply: the pairs a fine-tuning export would hold."""
    return int(
        store.db.execute("SELECT count(*) FROM inbox_entries AS e WHERE " + APPROVED_OR_EXPORTED).fetchone()[
            0
        ]
    )
