"""Shared internals of the inbox: entry lookup, snapshots, transitions, the undo journal, audit rows.

Every creator action runs inside one transaction that (1) changes the entry and its draft,
(2) appends an ``audit_log`` row and, for text changes, a ``draft_history`` row, and (3) appends
an ``inbox_actions`` row with the before/after snapshots ``undo_last`` restores.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

from desktop.core.errors import KnownError
from desktop.core.inbox import states
from desktop.core.store import Store, inbox_actions, inbox_entries, record_audit, utc_now
from desktop.core.store import drafts as draft_rows

_ENTRY_FIELDS = (
    "state",
    "trashed_at",
    "restore_state",
    "flag_reason",
    "flag_needs_edit",
    "draft_id",
    "priority",
)
_DRAFT_FIELDS = ("text", "status", "edited", "approved_at", "example_weight", "chosen_position")


class NotInInbox(KnownError):
    """An id that names no inbox entry or no draft."""


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def entry_row(store: Store, item_id: int) -> dict[str, Any]:
    row = inbox_entries.entry_record(store, item_id)
    if row is None:
        raise NotInInbox(f"There is no message {item_id} in the inbox.", hint="See `understudy inbox list`.")
    return row


def draft_row(store: Store, draft_id: int) -> dict[str, Any]:
    row = draft_rows.draft_record(store, draft_id)
    if row is None:
        raise NotInInbox(f"There is no draft {draft_id}.")
    return row


def entry_of_draft(store: Store, draft_id: int) -> dict[str, Any]:
    draft = draft_row(store, draft_id)
    if draft["incoming_item_id"] is None:
        raise NotInInbox(f"Draft {draft_id} answers no message in the inbox.")
    entry = entry_row(store, int(draft["incoming_item_id"]))
    if entry["draft_id"] != draft_id:
        raise KnownError(
            f"Draft {draft_id} was replaced by a newer draft ({entry['draft_id']}); work on that one instead."
        )
    return entry


def current_draft(store: Store, entry: Mapping[str, Any]) -> dict[str, Any]:
    if entry["draft_id"] is None:
        raise states.IllegalTransition(entry["state"], states.APPROVED, "This message has no draft yet.")
    return draft_row(store, int(entry["draft_id"]))


def snapshot(store: Store, item_id: int) -> dict[str, Any]:
    entry = entry_row(store, item_id)
    snap: dict[str, Any] = {"entry": {key: entry[key] for key in _ENTRY_FIELDS}, "draft": None}
    if entry["draft_id"] is not None:
        draft = draft_row(store, int(entry["draft_id"]))
        snap["draft"] = {key: draft[key] for key in _DRAFT_FIELDS}
    return snap


def apply_snapshot(store: Store, item_id: int, snap: Mapping[str, Any]) -> None:
    entry = snap["entry"]
    inbox_entries.update_entry(store, item_id, {k: entry[k] for k in _ENTRY_FIELDS})
    if snap["draft"] is not None and entry["draft_id"] is not None:
        draft = snap["draft"]
        draft_rows.update_draft(store, entry["draft_id"], {k: draft[k] for k in _DRAFT_FIELDS}, utc_now())


def new_batch() -> str:
    return uuid.uuid4().hex


def journal(
    store: Store,
    action: str,
    item_id: int,
    before: Mapping[str, Any],
    *,
    batch: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record one creator action (undo stack + audit log); call inside the action's transaction."""
    after = snapshot(store, item_id)
    draft_id = after["entry"]["draft_id"]
    inbox_actions.append_action(
        store, utc_now(), action, item_id, draft_id, batch or new_batch(), dumps(before), dumps(after)
    )
    audit(store, action, item_id, before["entry"]["state"], after["entry"]["state"], draft_id, details)


def audit(
    store: Store,
    action: str,
    item_id: int,
    old_state: str,
    new_state: str,
    draft_id: int | None,
    details: Mapping[str, Any] | None = None,
) -> None:
    record_audit(
        store,
        f"inbox.{action}",
        subject=f"item:{item_id}",
        details={"from": old_state, "to": new_state, "draft_id": draft_id, **dict(details or {})},
    )


def history(
    store: Store,
    draft_id: int,
    action: str,
    old_text: str | None,
    new_text: str | None,
    actor: str = "creator",
) -> None:
    draft_rows.append_history(store, draft_id, utc_now(), action, old_text, new_text, actor)


def set_state(store: Store, item_id: int, state: str, **entry_fields: Any) -> None:
    """Move the entry (and its current draft's status) to ``state``; no checks here."""
    inbox_entries.set_entry_state(store, item_id, state, utc_now(), entry_fields)
