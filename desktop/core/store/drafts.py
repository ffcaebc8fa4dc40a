"""Drafts and what hangs off them: their options (``draft_alternatives``), autosaved edits
(``pending_edits``) and text history (``draft_history``).

Why here: a draft is written by the model (saving), the creator (edits, approvals, option
switches), undo (snapshots) and packs (export state), and read by the review, the scorer's
learning and the fidelity chart; one module owns the SQL so each reads what the others wrote.
The inbox's rules stay in ``desktop.core.inbox``; these run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from desktop.core.store.connection import Store


def draft_record(store: Store, draft_id: int) -> dict[str, Any] | None:
    """The draft's row (every ``drafts`` column), or None."""
    return next(store.db.query("SELECT * FROM drafts WHERE id = ?", [draft_id]), None)


def insert_draft(
    store: Store,
    item_id: int,
    text: str,
    status: str,
    *,
    persona_version_id: int | None,
    model: str,
    provenance: str,
    at: str,
) -> int:
    """A new draft answering ``item_id`` (its first option chosen); returns its id."""
    cursor = store.db.execute(
        """INSERT INTO drafts (incoming_item_id, text, status, persona_version_id, model, provenance,
                               created_at, updated_at, chosen_position)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)""",
        [item_id, text, status, persona_version_id, model, provenance, at, at],
    )
    return int(cursor.lastrowid or 0)


def supersede(store: Store, draft_id: int, at: str) -> None:
    """A newer draft replaced this one; it stays in the store as ``superseded``."""
    store.db.execute("UPDATE drafts SET status = 'superseded', updated_at = ? WHERE id = ?", [at, draft_id])


def update_draft(store: Store, draft_id: int, fields: Mapping[str, Any], at: str) -> None:
    """Set the named ``drafts`` columns (names from the caller's own constants), e.g. undo's snapshot."""
    store.db.execute(
        f"UPDATE drafts SET {', '.join(f'{k} = ?' for k in fields)}, updated_at = ? WHERE id = ?",
        [*fields.values(), at, draft_id],
    )


def switch_text(store: Store, draft_id: int, text: str, position: int, at: str) -> None:
    """Make option ``position``'s ``text`` the draft's text (unedited)."""
    store.db.execute(
        "UPDATE drafts SET text = ?, chosen_position = ?, edited = 0, updated_at = ? WHERE id = ?",
        [text, position, at, draft_id],
    )


def edit_text(store: Store, draft_id: int, text: str, at: str) -> None:
    """The creator's own text for the draft (marked edited)."""
    store.db.execute(
        "UPDATE drafts SET text = ?, edited = 1, updated_at = ? WHERE id = ?", [text, at, draft_id]
    )


def set_approval(store: Store, draft_id: int, at: str, weight: float) -> None:
    """Approved at ``at``, weighing ``weight`` as an example of the creator's voice."""
    store.db.execute(
        "UPDATE drafts SET approved_at = ?, example_weight = ?, updated_at = ? WHERE id = ?",
        [at, weight, at, draft_id],
    )


def clear_approval(store: Store, draft_id: int | None) -> None:
    """Not approved (any more), back to the plain example weight; no-op for None."""
    store.db.execute("UPDATE drafts SET approved_at = NULL, example_weight = 1.0 WHERE id = ?", [draft_id])


# --- options --------------------------------------------------------------------------------


def insert_alternative(
    store: Store, draft_id: int, position: int, text: str, provenance: str, at: str
) -> None:
    """Keep option ``position`` of the draft (``provenance``: JSON of its own checks and score)."""
    store.db.execute(
        "INSERT INTO draft_alternatives (draft_id, position, text, provenance, created_at) VALUES (?, ?, ?, "
        "?, ?)",
        [draft_id, position, text, provenance, at],
    )


def alternatives(store: Store, draft_id: int) -> list[tuple[int, str]]:
    """``(position, text)`` of every option, in order."""
    rows = store.db.execute(
        "SELECT position, text FROM draft_alternatives WHERE draft_id = ? ORDER BY position", [draft_id]
    ).fetchall()
    return [(int(p), str(t)) for p, t in rows]


def count_alternatives(store: Store, draft_id: int) -> int:
    """How many options the draft holds."""
    return int(
        store.db.execute("SELECT count(*) FROM draft_alternatives WHERE draft_id = ?", [draft_id]).fetchone()[
            0
        ]
    )


def alternative_text(store: Store, draft_id: int, position: int) -> str | None:
    """Option ``position``'s text, or None when the draft has no such option."""
    row = store.db.execute(
        "SELECT text FROM draft_alternatives WHERE draft_id = ? AND position = ?", [draft_id, position]
    ).fetchone()
    return None if row is None else row[0]


def alternative_provenance(store: Store, draft_id: int, position: int) -> str | None:
    """Option ``position``'s provenance JSON, or None (no such option, or none kept)."""
    row = store.db.execute(
        "SELECT provenance FROM draft_alternatives WHERE draft_id = ? AND position = ?", [draft_id, position]
    ).fetchone()
    return None if row is None else row[0]


def later_provenances(store: Store, draft_id: int) -> list[tuple[int, str | None]]:
    """``(position, provenance JSON)`` of options 2 and 3 (the first one's lives on the draft)."""
    rows = store.db.execute(
        "SELECT position, provenance FROM draft_alternatives WHERE draft_id = ? AND position > 1", [draft_id]
    ).fetchall()
    return [(int(position), raw) for position, raw in rows]


def provenance_of(store: Store, draft_id: int) -> tuple[str | None, str | None, int | None] | None:
    """``(provenance JSON, model, persona_version_id)`` of the draft, or None."""
    row = store.db.execute(
        "SELECT provenance, model, persona_version_id FROM drafts WHERE id = ?", [draft_id]
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


# --- autosaved edits ------------------------------------------------------------------------


def save_pending_edit(store: Store, draft_id: int, text: str, base_text: str, at: str) -> None:
    """Keep the text being typed (``base_text``: the draft's text when typing began)."""
    store.db.execute(
        """INSERT INTO pending_edits (draft_id, text, base_text, saved_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (draft_id) DO UPDATE SET text = excluded.text, saved_at = excluded.saved_at""",
        [draft_id, text, base_text, at],
    )


def pending_edit_text(store: Store, draft_id: int) -> str | None:
    """The autosaved text of a draft, or None."""
    row = store.db.execute("SELECT text FROM pending_edits WHERE draft_id = ?", [draft_id]).fetchone()
    return None if row is None else str(row[0])


def pending_edit_texts(store: Store) -> dict[int, str]:
    """Every autosaved text, by draft id."""
    return {
        int(d): str(t) for d, t in store.db.execute("SELECT draft_id, text FROM pending_edits").fetchall()
    }


def delete_pending_edit(store: Store, draft_id: int) -> None:
    """Drop the draft's autosaved text."""
    store.db.execute("DELETE FROM pending_edits WHERE draft_id = ?", [draft_id])


# --- history and what was learned -----------------------------------------------------------


def append_history(
    store: Store, draft_id: int, at: str, action: str, old_text: str | None, new_text: str | None, actor: str
) -> None:
    """One line of the draft's text history (who changed what, when)."""
    store.db.execute(
        "INSERT INTO draft_history (draft_id, at, action, old_text, new_text, actor) VALUES (?, ?, ?, ?, ?, "
        "?)",
        [draft_id, at, action, old_text, new_text, actor],
    )


def approved_choices(store: Store) -> list[tuple[int, int | None, int, str | None]]:
    """``(id, chosen_position, edited, provenance JSON)`` of every approved draft, by id."""
    return store.db.execute(
        "SELECT id, chosen_position, edited, provenance FROM drafts WHERE approved_at IS NOT NULL ORDER BY id"
    ).fetchall()


def approvals(store: Store) -> list[tuple[str, int]]:
    """``(approved_at, edited)`` of every approved or exported draft (the fidelity chart's input)."""
    return store.db.execute(
        "SELECT approved_at, edited FROM drafts WHERE approved_at IS NOT NULL AND status IN ('approved', "
        "'exported')"
    ).fetchall()
