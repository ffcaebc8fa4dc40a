"""Inbox entries: where incoming messages come from, how they are listed, trashed and restored.

Three sources, none of which ever duplicates an entry (an item is in the inbox at most once, and
items themselves are upserted on ``(platform, external_id)``):

* ``add_import_candidates``: the messages and comments the import found awaiting a reply (the
  newest item of a conversation, written by someone else), newest first.
* ``add_message``: a message typed or pasted in.
* ``import_messages_file``: a CSV, JSON or JSON Lines file of incoming messages, e.g. exported from a
  platform's creator tools. Columns (CSV header / JSON keys; case does not matter):

  ============== ============================================================================
  ``text``       the message (required; also ``message``, ``body``)
  ``from``       the sender's handle (also ``sender``, ``author``, ``username``)
  ``from_name``  the sender's display name (also ``sender_name``, ``name``)
  ``platform``   e.g. ``instagram`` (default: the ``platform`` argument, else ``manual``)
  ``id``         the platform's id for the message (also ``message_id``); without it the row's
                 content (text, sender, conversation, time) identifies it on re-import
  ``thread``     the conversation's id (also ``thread_id``, ``conversation_id``); default: one
                 conversation per sender
  ``created_at`` when it was sent, ISO 8601 with a timezone (also ``timestamp``, ``date``)
  ``kind``       ``message`` (default) or ``comment``
  ``in_reply_to`` the id of the message this one answers (optional)
  ============== ============================================================================

  JSON: a list of such objects, or ``{"messages": [...]}``; JSON Lines: one object per line.

Trash: ``trash`` moves an entry out of the inbox (restorable with ``restore``); rejecting a draft
(``drafts.reject``) does the same. ``clear_inbox`` trashes everything still open, but only when
the caller passes the count ``count_affected`` reported and the creator confirmed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Unpack

from desktop.core.errors import KnownError
from desktop.core.inbox import _journal, states
from desktop.core.store import (
    NewItem,
    Store,
    inbox_entries,
    save_items,
    save_person,
    save_thread,
    to_utc_iso,
    utc_now,
)
from desktop.core.store.conversations import awaiting_reply_ids

SOURCES = ("import", "typed", "file")
DEFAULT_PLATFORM = "manual"

_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "message", "body", "content"),
    "from": ("from", "sender", "author", "username", "handle"),
    "from_name": ("from_name", "sender_name", "name", "display_name"),
    "platform": ("platform",),
    "id": ("id", "message_id"),
    "thread": ("thread", "thread_id", "conversation_id", "conversation"),
    "created_at": ("created_at", "timestamp", "date", "sent_at"),
    "kind": ("kind", "type"),
    "in_reply_to": ("in_reply_to", "reply_to"),
}


class TriageLike(Protocol):
    """What a triage function returns (``desktop.core.generation.triage.Triage`` fits)."""

    @property
    def level(self) -> str: ...

    @property
    def reasons(self) -> list[str]: ...


TriageFn = Callable[[str], TriageLike]


@dataclass(frozen=True)
class AddResult:
    """What an add or import did: rows read, entries new to the inbox, ones already there, rows skipped."""

    received: int = 0
    added: int = 0
    already: int = 0
    skipped: int = 0
    item_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InboxEntry:
    """One inbox row as the list and the CLI show it."""

    item_id: int
    state: str
    priority: int
    source: str
    added_at: str
    trashed_at: str | None
    triage_level: str | None
    triage_reasons: list[str]
    flag_reason: str | None
    flag_needs_edit: bool
    draft_id: int | None
    draft_text: str | None
    edited: bool
    platform: str
    kind: str
    text: str
    sender: str | None
    thread_external_id: str | None
    created_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _to_entry(row: Mapping[str, Any]) -> InboxEntry:
    data = dict(row)
    data["triage_reasons"] = json.loads(data["triage_reasons"] or "[]")
    data["flag_needs_edit"] = bool(data["flag_needs_edit"])
    data["edited"] = bool(data["edited"])
    return InboxEntry(**data)


#: The inbox's order, which batch drafting follows too: higher priority first, then newest message first.
LIST_ORDER = inbox_entries.LIST_ORDER


def list_inbox(
    store: Store, *, limit: int | None = None, **filters: Unpack[inbox_entries.EntryFilter]
) -> list[InboxEntry]:
    """Inbox entries, highest priority first, then newest message first.

    ``trashed=True`` lists the trash instead of the inbox. ``search`` matches words in the
    message or the draft (plain text, case-insensitive).
    """
    where, args = entry_filters(**filters)
    return [_to_entry(row) for row in inbox_entries.list_entries(store, where, args, limit)]


def entry_filters(**filters: Unpack[inbox_entries.EntryFilter]) -> tuple[str, list[Any]]:
    """The SQL condition (over ``e`` entries, ``i`` items, ``d`` drafts) and its arguments for a listing."""
    state = filters.get("state")
    if state is not None and state not in states.STATES:
        raise KnownError(f"'{state}' is not an inbox state; use one of: {', '.join(states.STATES)}.")
    return inbox_entries.entry_filter(**filters)


def get_entry(store: Store, item_id: int) -> InboxEntry:
    """One entry (in the inbox or the trash); ``NotInInbox`` when there is none."""
    row = inbox_entries.entry_view(store, item_id)
    if row is None:
        raise _journal.NotInInbox(
            f"There is no message {item_id} in the inbox.", hint="See `understudy inbox list`."
        )
    return _to_entry(row)


# --- adding ---------------------------------------------------------------------------------


def _add_entries(
    store: Store, item_ids: Iterable[int], source: str, triage: TriageFn | None
) -> tuple[list[int], int]:
    """Insert entries for ``item_ids`` not yet in the inbox; returns (new ids, already there)."""
    added: list[int] = []
    already = 0
    now = utc_now()
    for item_id in item_ids:
        if not inbox_entries.insert_entry(store, item_id, source, now):
            already += 1
            continue
        added.append(item_id)
        _journal.audit(store, "added", item_id, "", states.NEW, None, {"source": source})
        if triage is not None:
            result = triage(inbox_entries.item_text(store, item_id))
            _apply_triage(store, item_id, result.level, list(result.reasons))
    return added, already


def add_import_candidates(store: Store, *, triage: TriageFn | None = None) -> AddResult:
    """Put every imported conversation awaiting the creator's reply into the inbox (newest first).

    A conversation awaits a reply when its newest item is a message or comment someone else wrote
    (``store.conversations.awaiting_reply_ids``). Safe to repeat: entries already in the inbox
    (or in its trash) are left alone.
    """
    with store.db.atomic():
        ids = awaiting_reply_ids(store)
        added, already = _add_entries(store, ids, "import", triage)
    return AddResult(received=len(ids), added=len(added), already=already, item_ids=added)


def add_message(
    store: Store,
    text: str,
    *,
    sender: str | None = None,
    sender_name: str | None = None,
    platform: str = DEFAULT_PLATFORM,
    thread: str | None = None,
    message_id: str | None = None,
    created_at: str | None = None,
    kind: str = "message",
    in_reply_to: str | None = None,
    triage: TriageFn | None = None,
) -> int:
    """Add a typed or pasted message to the inbox; returns its item id.

    Without ``message_id`` each call is a new message (its time is part of its identity); with
    one, adding the same id again returns the existing entry.
    """
    result = _add_messages(
        store,
        [
            _Row(
                text,
                sender,
                sender_name,
                platform,
                message_id,
                thread,
                created_at or utc_now(),
                kind,
                in_reply_to,
            )
        ],
        "typed",
        triage,
    )
    return result.item_ids[0]


@dataclass(frozen=True)
class _Row:
    text: str
    sender: str | None
    sender_name: str | None
    platform: str
    message_id: str | None
    thread: str | None
    created_at: str | None
    kind: str
    in_reply_to: str | None


def _add_messages(store: Store, rows: list[_Row], source: str, triage: TriageFn | None) -> AddResult:
    item_ids: list[int] = []
    with store.db.atomic():
        for row in rows:
            if not row.text.strip():
                raise KnownError("The message is empty.")
            if row.kind not in ("message", "comment"):
                raise KnownError(f"A message's kind is 'message' or 'comment', not '{row.kind}'.")
            author_id = None
            if row.sender:
                author_id = save_person(
                    store, platform=row.platform, handle=row.sender, display_name=row.sender_name
                )
            thread_key = row.thread or f"inbox:{row.sender or 'unknown'}"
            thread_id = save_thread(
                store,
                platform=row.platform,
                external_id=thread_key,
                kind="dm" if row.kind == "message" else "comments",
            )
            item = NewItem(
                platform=row.platform,
                kind=row.kind,
                text=row.text,
                created_at=row.created_at,
                external_id=row.message_id,
                thread_id=thread_id,
                author_id=author_id,
                is_owner=False,
                reply_to_external_id=row.in_reply_to,
                meta={"inbox_source": source},
            )
            key = item.key()
            existing = inbox_entries.item_id_by_key(store, row.platform, key)
            if existing is None:
                save_items(store, None, [item])
                existing = inbox_entries.item_id_by_key(store, row.platform, key)
            assert existing is not None
            item_ids.append(existing)
        unique = list(dict.fromkeys(item_ids))
        added, already = _add_entries(store, unique, source, triage)
    return AddResult(
        received=len(rows), added=len(added), already=already + len(item_ids) - len(unique), item_ids=item_ids
    )


def _pick(record: Mapping[str, Any], name: str) -> str | None:
    lowered = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
    for alias in _ALIASES[name]:
        value = lowered.get(alias)
        if value is not None and str(value).strip():
            return str(value).strip() if name != "text" else str(value)
    return None


def _read_records(path: Path) -> list[Mapping[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KnownError(f"Understudy cannot read {path}: {exc.strerror or exc}.") from exc
    text = raw.decode("utf-8-sig", errors="replace")
    suffix = path.suffix.lower()
    if suffix in (".json", ".jsonl", ".ndjson"):
        try:
            if suffix == ".json":
                data = json.loads(text)
                if isinstance(data, dict):
                    data = data.get("messages")
                if not isinstance(data, list):
                    raise KnownError(
                        f'{path.name} holds no list of messages (a list, or {{"messages": [...]}}).'
                    )
                records = data
            else:
                records = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise KnownError(f"{path.name} is not valid JSON (line {exc.lineno}): {exc.msg}.") from exc
        if not all(isinstance(r, dict) for r in records):
            raise KnownError(f'Every message in {path.name} must be an object with a "text" key.')
        return records
    if suffix in (".csv", ".tsv", ".txt"):
        dialect = "excel-tab" if suffix == ".tsv" else "excel"
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
        if not reader.fieldnames or not any(
            (f or "").strip().lower() in _ALIASES["text"] for f in reader.fieldnames
        ):
            raise KnownError(
                f"{path.name} has no 'text' column.",
                hint="The first row must name the columns: text, from, platform, id, thread, created_at, ...",
            )
        return list(reader)
    raise KnownError(f"{path.name}: Understudy reads incoming messages from .csv, .json or .jsonl files.")


def import_messages_file(
    store: Store, path: Path | str, *, platform: str | None = None, triage: TriageFn | None = None
) -> AddResult:
    """Add every message in a CSV/JSON/JSONL file (columns in the module docstring); safe to repeat.

    Rows without text are skipped with a warning; a timestamp without a timezone stops the import
    (nothing is added) with the row number, since guessing would misorder conversations.
    """
    path = Path(path)
    records = _read_records(path)
    rows: list[_Row] = []
    warnings: list[str] = []
    skipped = 0
    for number, record in enumerate(
        records, start=2 if path.suffix.lower() in (".csv", ".tsv", ".txt") else 1
    ):
        text = _pick(record, "text")
        if text is None or not text.strip():
            skipped += 1
            warnings.append(f"row {number}: no text, skipped")
            continue
        created = _pick(record, "created_at")
        if created is not None:
            try:
                created = to_utc_iso(created)
            except ValueError as exc:
                raise KnownError(f"{path.name}, row {number}: {exc}.") from exc
        kind = (_pick(record, "kind") or "message").lower()
        if kind not in ("message", "comment"):
            skipped += 1
            warnings.append(f"row {number}: kind '{kind}' is not a message or comment, skipped")
            continue
        rows.append(
            _Row(
                text=text,
                sender=_pick(record, "from"),
                sender_name=_pick(record, "from_name"),
                platform=(_pick(record, "platform") or platform or DEFAULT_PLATFORM).lower(),
                message_id=_pick(record, "id"),
                thread=_pick(record, "thread"),
                created_at=created,
                kind=kind,
                in_reply_to=_pick(record, "in_reply_to"),
            )
        )
    result = _add_messages(store, rows, "file", triage) if rows else AddResult()
    return AddResult(
        received=len(records),
        added=result.added,
        already=result.already,
        skipped=skipped,
        item_ids=result.item_ids,
        warnings=warnings,
    )


# --- triage, priority -----------------------------------------------------------------------


def _apply_triage(store: Store, item_id: int, level: str, reasons: list[str]) -> None:
    if level not in ("green", "yellow", "red"):
        raise ValueError(f"unknown triage level {level!r}")
    entry = _journal.entry_row(store, item_id)
    inbox_entries.set_triage(store, item_id, level, _journal.dumps(reasons))
    if level == "red" and entry["state"] == states.NEW:
        reason = "Answer this one personally: " + ("; ".join(reasons) or "a sensitive message")
        states.check_transition(entry["state"], states.FLAGGED)
        _journal.set_state(store, item_id, states.FLAGGED, flag_reason=reason)
        _journal.audit(
            store,
            "flagged",
            item_id,
            entry["state"],
            states.FLAGGED,
            None,
            {"triage": "red", "reasons": reasons},
        )


def set_triage(store: Store, item_id: int, level: str, reasons: Iterable[str] = ()) -> None:
    """Record the triage of a message. A red message is flagged with the reason and never drafted."""
    with store.db.atomic():
        _apply_triage(store, item_id, level, list(reasons))


def set_priority(store: Store, item_id: int, priority: int) -> None:
    """Higher priority entries are listed (and drafted) first."""
    with store.db.atomic():
        _journal.entry_row(store, item_id)
        inbox_entries.set_priority(store, item_id, priority)


# --- sent through a connection --------------------------------------------------------------


def mark_sent(store: Store, item_id: int, draft_id: int, details: Mapping[str, Any]) -> None:
    """The approved reply was posted on its platform: it has left Understudy, as a pack's has.

    Sent replies take the ``exported`` state (final, out of the next pack's queue); ``details``
    (the platform and its id for the reply) go to the draft's history and the audit log.
    """
    with store.db.atomic():
        state = _journal.entry_row(store, item_id)["state"]
        if state == states.EXPORTED:
            return
        states.check_transition(state, states.EXPORTED)
        _journal.set_state(store, item_id, states.EXPORTED)
        _journal.history(store, draft_id, "sent", None, None, actor="system")
        _journal.audit(store, "sent", item_id, state, states.EXPORTED, draft_id, dict(details))


# --- trash ----------------------------------------------------------------------------------


def trash(store: Store, item_id: int, *, batch: str | None = None) -> None:
    """Move an entry (whatever its state, unless exported) to the trash; ``restore`` brings it back."""
    with store.db.atomic():
        entry = _journal.entry_row(store, item_id)
        if entry["trashed_at"] is not None:
            return
        if entry["state"] == states.EXPORTED:
            raise states.IllegalTransition(
                entry["state"], "trashed", "An exported reply stays in the pack's record."
            )
        before = _journal.snapshot(store, item_id)
        inbox_entries.set_trashed_at(store, item_id, utc_now())
        _journal.journal(store, "trashed", item_id, before, batch=batch)


def restore(store: Store, item_id: int) -> str:
    """Take an entry out of the trash; a rejected one returns to the state it had. Returns the state."""
    with store.db.atomic():
        entry = _journal.entry_row(store, item_id)
        if entry["trashed_at"] is None and entry["state"] != states.REJECTED:
            raise KnownError(f"Message {item_id} is not in the trash.")
        before = _journal.snapshot(store, item_id)
        state = entry["state"]
        if state == states.REJECTED:
            state = entry["restore_state"] if entry["restore_state"] in states.RESTORABLE else states.NEW
            if state == states.APPROVED:
                state = states.DRAFTED  # a rejected reply is looked at again before it can leave
            if state in (states.DRAFTED, states.FLAGGED) and entry["draft_id"] is None:
                state = states.NEW
            _journal.set_state(store, item_id, state, trashed_at=None, restore_state=None)
        else:
            inbox_entries.set_trashed_at(store, item_id, None)
        _journal.journal(store, "restored", item_id, before)
    return state


@dataclass(frozen=True)
class Affected:
    """What a destructive action would touch, for the confirmation the creator sees first."""

    entries: int
    drafts: int
    approved: int

    @property
    def message(self) -> str:
        return (
            f"This moves {self.entries} message(s) to the trash, {self.drafts} of them with a draft"
            + (f" and {self.approved} approved but not yet exported" if self.approved else "")
            + ". You can restore them from the trash."
        )


def count_affected(store: Store, action: str = "clear_inbox") -> Affected:
    """How many entries ``action`` would touch: ``clear_inbox`` or ``approve_all_unflagged``."""
    if action == "clear_inbox":
        return Affected(*inbox_entries.count_open(store))
    if action == "approve_all_unflagged":
        return Affected(*inbox_entries.count_drafted(store))
    raise ValueError(f"unknown action {action!r}")


def clear_inbox(store: Store, *, confirmed_count: int) -> int:
    """Trash every open entry, as one undo step; only when ``confirmed_count`` matches what would move.

    The GUI/CLI shows ``count_affected(store).message`` first and passes the count the creator
    confirmed; if the inbox changed meanwhile, nothing happens and ``KnownError`` says so.
    """
    with store.db.atomic():
        affected = count_affected(store, "clear_inbox")
        if affected.entries != confirmed_count:
            raise KnownError(
                f"The inbox changed since you confirmed ({affected.entries} messages now, not "
                f"{confirmed_count}); "
                "nothing was moved. Look at the count again and confirm."
            )
        batch = _journal.new_batch()
        ids = inbox_entries.open_entry_ids(store)
        for item_id in ids:
            trash(store, item_id, batch=batch)
    return len(ids)
