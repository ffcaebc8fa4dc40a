"""The inbox's undo journal (``inbox_actions``): one row per creator action, with before/after snapshots.

Why here: every inbox action appends a row in its own transaction and ``undo_last`` walks them
back by batch; the journal's SQL lives in one place so the two sides read the same columns.
"""

from __future__ import annotations

from typing import Any

from desktop.core.store.connection import Store


def append_action(
    store: Store,
    at: str,
    action: str,
    item_id: int,
    draft_id: int | None,
    batch: str,
    before: str,
    after: str,
) -> None:
    """Record one action on one entry (``before``/``after``: JSON snapshots); a bulk action shares
    ``batch``."""
    store.db.execute(
        "INSERT INTO inbox_actions (at, action, item_id, draft_id, batch, before, after) VALUES (?, ?, ?, "
        "?, ?, ?, ?)",
        [at, action, item_id, draft_id, batch, before, after],
    )


def last_open_action(store: Store) -> tuple[str, str] | None:
    """``(batch, action)`` of the most recent action not yet undone, or None."""
    row = store.db.execute(
        "SELECT batch, action FROM inbox_actions WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else (row[0], row[1])


def open_actions_in_batch(store: Store, batch: str) -> list[tuple[Any, ...]]:
    """``(id, item_id, before, after)`` of the batch's actions not yet undone, newest first."""
    return store.db.execute(
        "SELECT id, item_id, before, after FROM inbox_actions WHERE batch = ? AND undone_at IS NULL ORDER "
        "BY id DESC",
        [batch],
    ).fetchall()


def mark_undone(store: Store, action_id: int, at: str) -> None:
    """The action was reversed at ``at``: undo does not reach it again."""
    store.db.execute("UPDATE inbox_actions SET undone_at = ? WHERE id = ?", [at, action_id])
