"""The inbox's rows (``inbox_entries``): listing and filtering them, adding them, moving their columns.

Why here: the inbox list, the review screen's ids and batch drafting all read the same rows in
the same order; one module owns that SQL, so a list and the ids behind it cannot drift apart.
The rules (which state may follow which, what a red triage means) stay in ``desktop.core.inbox``:
these functions only read and write, inside the caller's transaction when one is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict, Unpack

from desktop.core.store.connection import Store

#: One entry as the list and the CLI show it: the entry (``e``), its item (``i``), its current
#: draft (``d``), the sender (``p``) and the conversation (``t``).
ENTRY_SELECT = """
SELECT e.item_id, e.state, e.priority, e.source, e.added_at, e.trashed_at, e.triage_level, e.triage_reasons,
       e.flag_reason, e.flag_needs_edit, e.draft_id, d.text AS draft_text, coalesce(d.edited, 0) AS edited,
       i.platform, i.kind, i.text, coalesce(p.display_name, p.handle) AS sender,
       t.external_id AS thread_external_id, i.created_at
FROM inbox_entries AS e
JOIN items AS i ON i.id = e.item_id
LEFT JOIN drafts AS d ON d.id = e.draft_id
LEFT JOIN people AS p ON p.id = i.author_id
LEFT JOIN threads AS t ON t.id = i.thread_id
"""

#: The inbox's order, which batch drafting follows too: higher priority first, then newest message first.
LIST_ORDER = "e.priority DESC, coalesce(i.created_at, e.added_at) DESC, e.item_id DESC"

# What ``clear_inbox`` trashes, and what ``approve_all_unflagged`` approves.
_OPEN = "trashed_at IS NULL AND state NOT IN ('exported', 'rejected')"
_DRAFTED = "trashed_at IS NULL AND state = 'drafted'"

_PENDING_DRAFTS = (
    "SELECT e.item_id FROM inbox_entries AS e JOIN items AS i ON i.id = e.item_id "
    "WHERE e.state = 'new' AND e.trashed_at IS NULL AND coalesce(e.triage_level, '') != 'red' "
    "ORDER BY " + LIST_ORDER
)


# --- listing --------------------------------------------------------------------------------


class EntryFilter(TypedDict, total=False):
    """The filters of an inbox listing, each optional (the inbox and its trash share them)."""

    state: str | None  # one inbox state
    platform: str | None
    flagged: bool | None  # True: only flagged entries; False: none of them
    trashed: bool  # list the trash instead of the inbox
    search: str | None  # words in the message or the draft


def entry_filter(**filters: Unpack[EntryFilter]) -> tuple[str, list[Any]]:
    """The SQL condition (over ``e`` entries, ``i`` items, ``d`` drafts) and its arguments for a listing.

    ``search`` matches every word in the message or the draft (plain text, case-insensitive).
    """
    state, platform, flagged = filters.get("state"), filters.get("platform"), filters.get("flagged")
    search = filters.get("search")
    where = ["e.trashed_at IS NOT NULL" if filters.get("trashed", False) else "e.trashed_at IS NULL"]
    args: list[Any] = []
    if state is not None:
        where.append("e.state = ?")
        args.append(state)
    if platform is not None:
        where.append("i.platform = ?")
        args.append(platform)
    if flagged is not None:
        where.append("e.state = 'flagged'" if flagged else "e.state != 'flagged'")
    if search:
        for word in search.split():
            where.append("(i.text LIKE ? ESCAPE '\\' OR coalesce(d.text, '') LIKE ? ESCAPE '\\')")
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args += [pattern, pattern]
    return " AND ".join(where), args


def list_entries(store: Store, where: str, args: list[Any], limit: int | None = None) -> list[dict[str, Any]]:
    """Entry rows (``ENTRY_SELECT``) matching an ``entry_filter`` condition, in ``LIST_ORDER``."""
    sql = ENTRY_SELECT + " WHERE " + where + " ORDER BY " + LIST_ORDER
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return list(store.db.query(sql, args))


def list_entry_ids(store: Store, where: str, args: list[Any]) -> list[int]:
    """The ids ``list_entries`` would return for the same condition, in the same order (cheap)."""
    sql = (
        "SELECT e.item_id FROM inbox_entries AS e JOIN items AS i ON i.id = e.item_id "
        "LEFT JOIN drafts AS d ON d.id = e.draft_id WHERE " + where + " ORDER BY " + LIST_ORDER
    )
    return [int(row[0]) for row in store.db.execute(sql, args).fetchall()]


def entry_view(store: Store, item_id: int) -> dict[str, Any] | None:
    """One entry's ``ENTRY_SELECT`` row (in the inbox or its trash), or None."""
    return next(store.db.query(ENTRY_SELECT + " WHERE e.item_id = ?", [item_id]), None)


def entry_views(store: Store, item_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The ``ENTRY_SELECT`` rows of ``item_ids`` (any order); ids that name no entry are left out."""
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows.extend(store.db.query(ENTRY_SELECT + f" WHERE e.item_id IN ({marks})", chunk))
    return rows


def inbox_platforms(store: Store) -> list[str]:
    """The platforms the inbox's messages came from (for the filter)."""
    rows = store.db.execute(
        "SELECT DISTINCT i.platform FROM inbox_entries AS e JOIN items AS i ON i.id = e.item_id ORDER BY 1"
    ).fetchall()
    return [str(row[0]) for row in rows]


def state_counts(store: Store) -> dict[str, int]:
    """Entries per state outside the trash."""
    rows = store.db.execute(
        "SELECT state, count(*) FROM inbox_entries WHERE trashed_at IS NULL GROUP BY state"
    ).fetchall()
    return {str(state): int(count) for state, count in rows}


def pending_draft_ids(store: Store, limit: int | None = None) -> list[int]:
    """Entries a batch would draft (new, not trashed, not red), in ``LIST_ORDER``."""
    sql = _PENDING_DRAFTS + (f" LIMIT {int(limit)}" if limit is not None else "")
    return [int(row[0]) for row in store.db.execute(sql).fetchall()]


# --- one entry ------------------------------------------------------------------------------


def entry_record(store: Store, item_id: int) -> dict[str, Any] | None:
    """The entry's own row (every ``inbox_entries`` column), or None."""
    return next(store.db.query("SELECT * FROM inbox_entries WHERE item_id = ?", [item_id]), None)


def entry_state(store: Store, item_id: int) -> tuple[str, str | None] | None:
    """``(state, trashed_at)`` of the entry, or None when there is none (a cheap re-check)."""
    row = store.db.execute(
        "SELECT state, trashed_at FROM inbox_entries WHERE item_id = ?", [item_id]
    ).fetchone()
    return None if row is None else (row[0], row[1])


def insert_entry(store: Store, item_id: int, source: str, added_at: str) -> bool:
    """Put item ``item_id`` into the inbox as ``new``; False when it is there (or in the trash) already."""
    cursor = store.db.execute(
        "INSERT OR IGNORE INTO inbox_entries (item_id, state, source, added_at) VALUES (?, 'new', ?, ?)",
        [item_id, source, added_at],
    )
    return cursor.rowcount != 0


def update_entry(store: Store, item_id: int, fields: Mapping[str, Any]) -> None:
    """Set the named ``inbox_entries`` columns of one entry (names from the caller's own constants)."""
    store.db.execute(
        f"UPDATE inbox_entries SET {', '.join(f'{k} = ?' for k in fields)} WHERE item_id = ?",
        [*fields.values(), item_id],
    )


def set_entry_state(store: Store, item_id: int, state: str, at: str, fields: Mapping[str, Any]) -> None:
    """Move the entry to ``state`` (with other ``fields``) and its current draft's status with it."""
    update_entry(store, item_id, {"state": state, **fields})
    store.db.execute(
        "UPDATE drafts SET status = ?, updated_at = ? WHERE id = (SELECT draft_id FROM inbox_entries WHERE "
        "item_id = ?)",
        [state, at, item_id],
    )


def set_triage(store: Store, item_id: int, level: str, reasons_json: str) -> None:
    """Keep the triage's level and reasons (JSON list) on the entry."""
    store.db.execute(
        "UPDATE inbox_entries SET triage_level = ?, triage_reasons = ? WHERE item_id = ?",
        [level, reasons_json, item_id],
    )


def set_priority(store: Store, item_id: int, priority: int) -> None:
    """The entry's priority (higher is listed and drafted first)."""
    store.db.execute("UPDATE inbox_entries SET priority = ? WHERE item_id = ?", [int(priority), item_id])


def set_trashed_at(store: Store, item_id: int, at: str | None) -> None:
    """Move the entry to the trash (``at``) or out of it (None)."""
    store.db.execute("UPDATE inbox_entries SET trashed_at = ? WHERE item_id = ?", [at, item_id])


def attach_draft(
    store: Store, item_id: int, draft_id: int, flag_reason: str | None, needs_edit: bool
) -> None:
    """Make ``draft_id`` the entry's current draft, with the flag its check gave."""
    store.db.execute(
        "UPDATE inbox_entries SET draft_id = ?, flag_reason = ?, flag_needs_edit = ? WHERE item_id = ?",
        [draft_id, flag_reason, int(needs_edit), item_id],
    )


def clear_needs_edit(store: Store, item_id: int) -> None:
    """The edit the guard asked for is done: the entry may be approved."""
    store.db.execute("UPDATE inbox_entries SET flag_needs_edit = 0 WHERE item_id = ?", [item_id])


# --- adding messages ------------------------------------------------------------------------


def item_id_by_key(store: Store, platform: str, external_id: str) -> int | None:
    """The item stored under ``(platform, external_id)``, or None (items are unique on it)."""
    row = store.db.execute(
        "SELECT id FROM items WHERE platform = ? AND external_id = ?", [platform, external_id]
    ).fetchone()
    return None if row is None else int(row[0])


def item_text(store: Store, item_id: int) -> str:
    """The text of item ``item_id`` (what a triage reads)."""
    return str(store.db.execute("SELECT text FROM items WHERE id = ?", [item_id]).fetchone()[0])


# --- bulk actions ---------------------------------------------------------------------------


def _counts(store: Store, where: str) -> tuple[int, int, int]:
    entries, drafts, approved = store.db.execute(
        "SELECT count(*), count(draft_id), coalesce(sum(state = 'approved'), 0) FROM inbox_entries WHERE "
        f"{where}"
    ).fetchone()
    return int(entries), int(drafts), int(approved)


def count_open(store: Store) -> tuple[int, int, int]:
    """``(entries, with a draft, approved)`` still open: neither trashed, rejected nor exported."""
    return _counts(store, _OPEN)


def count_drafted(store: Store) -> tuple[int, int, int]:
    """``(entries, with a draft, approved)`` drafted, unflagged and not trashed."""
    return _counts(store, _DRAFTED)


def open_entry_ids(store: Store) -> list[int]:
    """The entries ``count_open`` counts."""
    return [
        int(r[0]) for r in store.db.execute(f"SELECT item_id FROM inbox_entries WHERE {_OPEN}").fetchall()
    ]


def drafted_entry_ids(store: Store) -> list[int]:
    """The entries ``count_drafted`` counts, by id."""
    rows = store.db.execute(f"SELECT item_id FROM inbox_entries WHERE {_DRAFTED} ORDER BY item_id").fetchall()
    return [int(r[0]) for r in rows]
