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
from typing import Any

from desktop.core.inbox import inbox
from desktop.core.inbox.drafts import Alternative, list_alternatives, pending_edit
from desktop.core.store import Store

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


def list_ids(
    store: Store,
    *,
    state: str | None = None,
    platform: str | None = None,
    flagged: bool | None = None,
    trashed: bool = False,
    search: str | None = None,
) -> list[int]:
    """The ids ``list_inbox`` would list with these filters, in the same order (ids only: cheap)."""
    where, args = inbox.entry_filters(
        state=state, platform=platform, flagged=flagged, trashed=trashed, search=search
    )
    sql = (
        "SELECT e.item_id FROM inbox_entries AS e JOIN items AS i ON i.id = e.item_id "
        "LEFT JOIN drafts AS d ON d.id = e.draft_id WHERE " + where + " ORDER BY " + inbox.LIST_ORDER
    )
    return [int(row[0]) for row in store.db.execute(sql, args).fetchall()]


def get_entries(store: Store, item_ids: Iterable[int]) -> dict[int, inbox.InboxEntry]:
    """The rows of ``item_ids`` (in the inbox or its trash); ids that name no entry are left out."""
    ids = list(dict.fromkeys(int(i) for i in item_ids))
    found: dict[int, inbox.InboxEntry] = {}
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.db.query(inbox._ENTRY_SELECT + f" WHERE e.item_id IN ({marks})", chunk):
            entry = inbox._to_entry(row)
            found[entry.item_id] = entry
    return found


def platforms(store: Store) -> list[str]:
    """The platforms the inbox's messages came from (for the filter)."""
    rows = store.db.execute(
        "SELECT DISTINCT i.platform FROM inbox_entries AS e JOIN items AS i ON i.id = e.item_id ORDER BY 1"
    ).fetchall()
    return [str(row[0]) for row in rows]


def state_counts(store: Store) -> dict[str, int]:
    """Entries per state outside the trash (the page's header counts)."""
    rows = store.db.execute(
        "SELECT state, count(*) FROM inbox_entries WHERE trashed_at IS NULL GROUP BY state"
    ).fetchall()
    return {str(state): int(count) for state, count in rows}


def thread_context(store: Store, item_id: int, limit: int = THREAD_LINES) -> list[ThreadLine]:
    """The conversation's last ``limit`` messages before ``item_id``, oldest first."""
    rows = store.db.execute(
        """SELECT i.id, i.is_owner, coalesce(p.display_name, p.handle), i.text, i.created_at
           FROM items AS i JOIN items AS m ON m.id = ? AND i.thread_id = m.thread_id
           LEFT JOIN people AS p ON p.id = i.author_id
           WHERE i.id != m.id AND trim(i.text) != ''
             AND (coalesce(i.created_at, '') < coalesce(m.created_at, '')
                  OR (coalesce(i.created_at, '') = coalesce(m.created_at, '') AND i.id < m.id))
           ORDER BY i.created_at DESC, i.id DESC LIMIT ?""",
        [item_id, int(limit)],
    ).fetchall()
    return [
        ThreadLine(int(i), bool(owner), sender, str(text), created)
        for i, owner, sender, text, created in reversed(rows)
    ]


def _provenance(store: Store, draft_id: int) -> Mapping[str, Any]:
    row = store.db.execute(
        "SELECT provenance, model, persona_version_id FROM drafts WHERE id = ?", [draft_id]
    ).fetchone()
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
        row = store.db.execute(
            "SELECT provenance FROM draft_alternatives WHERE draft_id = ? AND position = ?",
            [entry.draft_id, chosen],
        ).fetchone()
        provenance.update(json.loads(row[0] or "{}") if row else {})
    guard = provenance.get("guard") or {}
    return EntryDetail(
        entry=entry,
        thread=thread,
        alternatives=alternatives,
        sources=list(provenance.get("sources") or []),
        findings=[f for f in guard.get("findings") or [] if isinstance(f, Mapping)],
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
    for position, raw in store.db.execute(
        "SELECT position, provenance FROM draft_alternatives WHERE draft_id = ? AND position > 1", [draft_id]
    ):
        score = json.loads(raw or "{}").get("score")
        if isinstance(score, Mapping):
            scores[int(position)] = dict(score)
    return scores
