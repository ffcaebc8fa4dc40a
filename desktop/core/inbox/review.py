"""What the review screen reads: entry ids for a filtered list, rows by id, and one entry in full.

The Inbox page keeps only ids (a large inbox stays light) and asks for rows as they scroll
into view (``get_entries``), and for the selected entry's whole picture (``get_detail``): the
message, the conversation before it, the draft and its options, the sources it used, the
guard's findings and an autosaved edit waiting to be committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Unpack

from desktop.core.inbox import inbox
from desktop.core.inbox.drafts import Alternative, list_alternatives, pending_edit
from desktop.core.store import Store, inbox_entries
from desktop.core.store import drafts as draft_rows
from desktop.core.store.conversations import messages_before

THREAD_LINES = 6
"""How many earlier messages of the conversation the review shows (and a draft's prompt gets)."""


@dataclass(frozen=True)
class ThreadLine:
    """One earlier message of the conversation: who wrote it (``is_owner``: the creator) and what."""

    item_id: int
    is_owner: bool
    sender: str | None
    text: str
    created_at: str | None


@dataclass(frozen=True)
class EntryDetail:
    """Everything the review shows for one entry."""

    entry: inbox.InboxEntry
    thread: list[ThreadLine] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    canned_reply: str | None = None
    model: str = ""
    persona_version: int | None = None
    pending_text: str | None = None
    option_scores: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Option position -> how the drafting scored that candidate (``Candidate.to_dict()``:
    its label, e.g. "Your past answer (instagram, 5 Jan 2025)", its score and the parts)."""


def list_ids(store: Store, **filters: Unpack[inbox_entries.EntryFilter]) -> list[int]:
    """The ids ``list_inbox`` would list with these filters, in the same order (ids only: cheap)."""
    where, args = inbox.entry_filters(**filters)
    return inbox_entries.list_entry_ids(store, where, args)


def get_entries(store: Store, item_ids: Iterable[int]) -> dict[int, inbox.InboxEntry]:
    """The rows of ``item_ids`` (in the inbox or its trash); ids that name no entry are left out."""
    found: dict[int, inbox.InboxEntry] = {}
    for row in inbox_entries.entry_views(store, item_ids):
        entry = inbox._to_entry(row)
        found[entry.item_id] = entry
    return found


def platforms(store: Store) -> list[str]:
    """The platforms the inbox's messages came from (for the filter)."""
    return inbox_entries.inbox_platforms(store)


def state_counts(store: Store) -> dict[str, int]:
    """Entries per state outside the trash (the page's header counts)."""
    return inbox_entries.state_counts(store)


def thread_context(store: Store, item_id: int, limit: int = THREAD_LINES) -> list[ThreadLine]:
    """The conversation's last ``limit`` messages before ``item_id``, oldest first."""
    rows = messages_before(store, item_id, limit)
    return [ThreadLine(i, owner, sender, text, created) for i, owner, sender, text, created in reversed(rows)]


def _provenance(store: Store, draft_id: int) -> Mapping[str, Any]:
    row = draft_rows.provenance_of(store, draft_id)
    if row is None:
        return {}
    data = json.loads(row[0] or "{}")
    data.setdefault("model", row[1] or "")
    data.setdefault("persona_version", row[2])
    return data


def get_detail(store: Store, item_id: int) -> EntryDetail:
    """One entry in full (``NotInInbox`` when there is none)."""
    entry = inbox.get_entry(store, item_id)
    thread = thread_context(store, item_id)
    if entry.draft_id is None:
        findings = [{"kind": "triage", "severity": "block", "message": r} for r in entry.triage_reasons]
        return EntryDetail(entry, thread, findings=findings if entry.triage_level == "red" else [])
    provenance = dict(_provenance(store, entry.draft_id))
    alternatives = list_alternatives(store, entry.draft_id)
    chosen = next((a.position for a in alternatives if a.chosen), 1)
    if chosen > 1:  # another try (R): its own sources and findings
        raw = draft_rows.alternative_provenance(store, entry.draft_id, chosen)
        provenance.update(json.loads(raw or "{}"))
    guard = provenance.get("guard") or {}
    return EntryDetail(
        entry=entry,
        thread=thread,
        alternatives=alternatives,
        sources=list(provenance.get("sources") or []),
        findings=[dict(f) for f in guard.get("findings") or [] if isinstance(f, Mapping)],
        canned_reply=guard.get("canned_reply"),
        model=str(provenance.get("model") or ""),
        persona_version=provenance.get("persona_version"),
        pending_text=pending_edit(store, entry.draft_id),
        option_scores=_option_scores(store, entry.draft_id, dict(_provenance(store, entry.draft_id))),
    )


def _option_scores(store: Store, draft_id: int, provenance: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    scores: dict[int, dict[str, Any]] = {}
    if isinstance(provenance.get("score"), Mapping):
        scores[1] = dict(provenance["score"])
    for position, raw in draft_rows.later_provenances(store, draft_id):
        score = json.loads(raw or "{}").get("score")
        if isinstance(score, Mapping):
            scores[position] = dict(score)
    return scores
