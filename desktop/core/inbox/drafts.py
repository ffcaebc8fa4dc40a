"""Drafts and the creator's decisions on them: approve, edit (autosaved), reject, flag, alternatives, undo.

Workflow calls take the inbox entry's ``item_id`` (the id the list shows); calls about a draft's
text (``autosave_edit``, ``commit_edit``, alternatives) take the ``draft_id``. Every creator
action is one transaction that writes the change, an ``audit_log`` row (``inbox.<action>``, with
from/to states and time), a ``draft_history`` row for text changes (before and after), and an
undo step: ``undo_last`` reverses the most recent one (a bulk action is one step). Saving a
draft is the model's action and is not an undo step.

Learning from edits: approving a reply the creator edited sets ``drafts.example_weight`` to
``HIGH_WEIGHT`` (else 1.0) and ``drafts.edited`` to 1. Retrieval reads them directly or through
the ``approved_reply_examples`` view (incoming, reply, weight, edited, approved_at).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from desktop.core.errors import KnownError
from desktop.core.inbox import _journal, states
from desktop.core.store import Store, inbox_actions, inbox_entries, utc_now
from desktop.core.store import drafts as draft_rows

HIGH_WEIGHT = 3.0
"""``drafts.example_weight`` of an edited-then-approved reply: a strong example of the creator's voice."""

MAX_OPTIONS = 3
"""A draft holds at most three options (its first text and two alternatives), switchable with 1/2/3."""


# --- saving drafts --------------------------------------------------------------------------


def _flag_from_provenance(provenance: Mapping[str, Any]) -> tuple[str | None, bool]:
    """(flag reason or None, needs_edit) from the guard's result and the triage in ``provenance``."""
    guard = provenance.get("guard") or {}
    triage = provenance.get("triage") or {}
    reasons: list[str] = []
    needs_edit = bool(guard.get("needs_edit") or guard.get("blocked"))
    for finding in guard.get("findings") or []:
        message = finding.get("message") if isinstance(finding, Mapping) else str(finding)
        if message:
            reasons.append(str(message))
    if guard.get("blocked") and not reasons:
        reasons.append("The safety check blocked this draft.")
    if guard.get("escalate") and not reasons:
        reasons.append("This message should be answered personally.")
    # The guard already words a yellow triage as findings ("Read carefully: ..."); the triage's own
    # reasons are added only when it did not, so the creator does not read the same thing twice.
    guard_read_triage = any(
        isinstance(f, Mapping) and f.get("kind") in ("triage", "injection_attempt")
        for f in guard.get("findings") or []
    )
    if triage.get("level") == "yellow" and not guard_read_triage:
        reasons.extend(str(r) for r in triage.get("reasons") or ["Read this one carefully."])
    # Every guard finding is a "block" or a "flag" (guard.Severity): any of them asks for a careful read.
    flagged = needs_edit or bool(guard.get("escalate")) or bool(reasons)
    if not flagged:
        return None, False
    reasons = [reason.strip().rstrip(".") for reason in reasons]
    return "; ".join(dict.fromkeys(r for r in reasons if r)) or "Flagged for a careful read.", needs_edit


def save_draft(
    store: Store,
    item_id: int,
    text: str,
    *,
    alternatives: Iterable[str | tuple[str, Mapping[str, Any]]] = (),
    persona_version_id: int | None = None,
    model: str = "",
    provenance: Mapping[str, Any] | None = None,
    flag_reason: str | None = None,
    needs_edit: bool = False,
) -> int:
    """Save the model's draft for inbox entry ``item_id`` (with up to two alternatives); returns its id.

    An alternative is its text, or its text and its own provenance (the guard's findings on it
    and its score, for a candidate the drafting chose among).

    ``provenance`` is kept as JSON: retrieved sources, the guard's result (``GuardResult.to_dict()``
    under ``"guard"``), the triage (``{"level", "reasons"}`` under ``"triage"``), prompt facts.
    The entry becomes ``flagged`` when the guard blocked, asked for an edit or escalated, when the
    triage was yellow, or when ``flag_reason`` is given; otherwise ``drafted``. A red-triaged
    message gets no draft (``IllegalTransition``). Saving again (regenerate) replaces the current
    draft; the old one stays in the store with status ``superseded``.
    """
    provenance = dict(provenance or {})
    options: list[tuple[str, Mapping[str, Any] | None]] = [(text, None)] + [
        (option, None) if isinstance(option, str) else (option[0], option[1]) for option in alternatives
    ]
    if len(options) > MAX_OPTIONS:
        raise ValueError(f"a draft holds at most {MAX_OPTIONS} options, got {len(options)}")
    if not text.strip():
        raise KnownError("An empty draft cannot be saved.")
    reason, guard_needs_edit = _flag_from_provenance(provenance)
    if flag_reason:
        reason = flag_reason if reason is None else f"{flag_reason}; {reason}"
    needs_edit = needs_edit or guard_needs_edit
    target = states.FLAGGED if reason or needs_edit else states.DRAFTED
    with store.db.atomic():
        entry = _journal.entry_row(store, item_id)
        if entry["trashed_at"] is not None:
            raise states.IllegalTransition(
                entry["state"], target, "This message is in the trash: restore it first."
            )
        if entry["triage_level"] == "red":
            raise states.IllegalTransition(
                entry["state"],
                target,
                "This message gets no draft: " + (entry["flag_reason"] or "answer it personally."),
            )
        if entry["state"] == states.APPROVED:
            raise states.IllegalTransition(
                entry["state"],
                target,
                "This reply is approved; take the approval back before drafting again.",
            )
        states.check_transition(entry["state"], target)
        now = utc_now()
        draft_id = draft_rows.insert_draft(
            store,
            item_id,
            text,
            target,
            persona_version_id=persona_version_id,
            model=model,
            provenance=_journal.dumps(provenance),
            at=now,
        )
        for position, (option, own) in enumerate(options, start=1):
            draft_rows.insert_alternative(
                store, draft_id, position, option, _journal.dumps(dict(own or {})), now
            )
        if entry["draft_id"] is not None:
            draft_rows.supersede(store, entry["draft_id"], now)
        _journal.history(store, draft_id, "created", None, text, actor="model")
        inbox_entries.attach_draft(store, item_id, draft_id, reason, needs_edit)
        _journal.set_state(store, item_id, target)
        _journal.audit(
            store, target, item_id, entry["state"], target, draft_id, {"model": model, "flag_reason": reason}
        )
    return draft_id


# --- alternatives ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    position: int
    text: str
    chosen: bool


def list_alternatives(store: Store, draft_id: int) -> list[Alternative]:
    """The draft's options in order; ``chosen`` marks the one the draft's text came from."""
    chosen = _journal.draft_row(store, draft_id)["chosen_position"]
    return [Alternative(p, t, p == chosen) for p, t in draft_rows.alternatives(store, draft_id)]


def add_alternative(
    store: Store, draft_id: int, text: str, *, provenance: Mapping[str, Any] | None = None
) -> int:
    """Keep another option for the draft (e.g. a regenerated one); returns its position (2 or 3)."""
    with store.db.atomic():
        entry = _journal.entry_of_draft(store, draft_id)
        if entry["state"] not in (states.DRAFTED, states.FLAGGED):
            raise states.IllegalTransition(
                entry["state"], entry["state"], "Only a draft under review takes alternatives."
            )
        count = draft_rows.count_alternatives(store, draft_id)
        if count >= MAX_OPTIONS:
            raise KnownError(f"This draft already has {MAX_OPTIONS} options.")
        position = count + 1
        draft_rows.insert_alternative(
            store, draft_id, position, text, _journal.dumps(dict(provenance or {})), utc_now()
        )
        _journal.history(store, draft_id, "alternative_added", None, text, actor="model")
    return position


def choose_alternative(store: Store, draft_id: int, position: int) -> None:
    """Make option ``position`` (1-3) the draft's text; an undoable, recorded action."""
    with store.db.atomic():
        entry = _journal.entry_of_draft(store, draft_id)
        if entry["state"] not in (states.DRAFTED, states.FLAGGED) or entry["trashed_at"] is not None:
            raise states.IllegalTransition(
                entry["state"], entry["state"], "Only a draft under review can switch options."
            )
        option = draft_rows.alternative_text(store, draft_id, position)
        if option is None:
            raise KnownError(f"This draft has no option {position}.")
        draft = _journal.draft_row(store, draft_id)
        if draft["chosen_position"] == position and draft["text"] == option:
            return
        before = _journal.snapshot(store, entry["item_id"])
        draft_rows.switch_text(store, draft_id, option, position, utc_now())
        draft_rows.delete_pending_edit(store, draft_id)
        _journal.history(store, draft_id, "switched", draft["text"], option)
        _journal.journal(store, "switched", entry["item_id"], before, details={"position": position})


# --- editing --------------------------------------------------------------------------------


def _editable_entry(store: Store, draft_id: int) -> dict[str, Any]:
    entry = _journal.entry_of_draft(store, draft_id)
    if entry["trashed_at"] is not None:
        raise states.IllegalTransition(
            entry["state"], entry["state"], "This message is in the trash: restore it first."
        )
    if entry["state"] not in (states.DRAFTED, states.FLAGGED, states.APPROVED):
        raise states.IllegalTransition(
            entry["state"], entry["state"], f"A {entry['state']} reply cannot be edited."
        )
    return entry


def autosave_edit(store: Store, draft_id: int, text: str) -> None:
    """Save the text being typed, now (its own commit): a crash or a kill loses nothing.

    It does not change the draft yet: ``commit_edit`` does (with history and an undo step).
    """
    _editable_entry(store, draft_id)
    base = _journal.draft_row(store, draft_id)["text"]
    draft_rows.save_pending_edit(store, draft_id, text, base, utc_now())


def pending_edit(store: Store, draft_id: int) -> str | None:
    """The autosaved, not yet committed text of a draft (e.g. found after a crash), or ``None``."""
    return draft_rows.pending_edit_text(store, draft_id)


def pending_edits(store: Store) -> dict[int, str]:
    """Every draft with an autosaved edit: what to offer back after a restart."""
    return draft_rows.pending_edit_texts(store)


def discard_edit(store: Store, draft_id: int) -> None:
    """Drop the autosaved text; the draft keeps its committed text."""
    draft_rows.delete_pending_edit(store, draft_id)


def commit_edit(store: Store, draft_id: int, text: str | None = None) -> bool:
    """Make ``text`` (default: the autosaved text) the draft's text; returns whether it changed.

    Records before/after in ``draft_history``. An approved reply that is edited goes back to
    ``drafted`` (approval was for the old text). A flagged draft whose guard asked for an edit
    becomes approvable.
    """
    with store.db.atomic():
        entry = _editable_entry(store, draft_id)
        if text is None:
            text = pending_edit(store, draft_id)
            if text is None:
                return False
        draft = _journal.draft_row(store, draft_id)
        draft_rows.delete_pending_edit(store, draft_id)
        if text == draft["text"]:
            return False
        if not text.strip():
            raise KnownError("A reply cannot be empty: reject the message instead.")
        item_id = int(entry["item_id"])
        before = _journal.snapshot(store, item_id)
        draft_rows.edit_text(store, draft_id, text, utc_now())
        _journal.history(store, draft_id, "edited", draft["text"], text)
        if entry["state"] == states.APPROVED:
            states.check_transition(states.APPROVED, states.DRAFTED)
            draft_rows.clear_approval(store, draft_id)
            _journal.set_state(store, item_id, states.DRAFTED)
        if entry["flag_needs_edit"]:
            inbox_entries.clear_needs_edit(store, item_id)
        _journal.journal(
            store, "edited", item_id, before, details={"old_text": draft["text"], "new_text": text}
        )
    return True


def edit(store: Store, draft_id: int, text: str) -> bool:
    """Replace the draft's text in one step (the CLI's ``inbox edit``)."""
    return commit_edit(store, draft_id, text)


# --- decisions ------------------------------------------------------------------------------


def _live_entry(store: Store, item_id: int, wanted: str) -> dict[str, Any]:
    entry = _journal.entry_row(store, item_id)
    if entry["trashed_at"] is not None and entry["state"] != states.REJECTED:
        raise states.IllegalTransition(
            entry["state"], wanted, "This message is in the trash: restore it first."
        )
    return entry


def approve(store: Store, item_id: int, *, batch: str | None = None) -> int:
    """Approve the entry's current draft (an autosaved edit is committed first); returns the draft id."""
    with store.db.atomic():
        entry = _live_entry(store, item_id, states.APPROVED)
        if entry["draft_id"] is None:
            states.check_transition(entry["state"], states.APPROVED)
            raise states.IllegalTransition(
                entry["state"], states.APPROVED, "This message has no draft to approve."
            )
        draft_id = int(entry["draft_id"])
        if entry["state"] in (states.DRAFTED, states.FLAGGED) and pending_edit(store, draft_id) is not None:
            commit_edit(store, draft_id)
            entry = _journal.entry_row(store, item_id)
        states.check_transition(entry["state"], states.APPROVED, needs_edit=bool(entry["flag_needs_edit"]))
        before = _journal.snapshot(store, item_id)
        draft = _journal.draft_row(store, draft_id)
        weight = HIGH_WEIGHT if draft["edited"] else 1.0
        draft_rows.set_approval(store, draft_id, utc_now(), weight)
        _journal.set_state(store, item_id, states.APPROVED)
        _journal.history(store, draft_id, "approved", None, draft["text"])
        _journal.journal(
            store, "approved", item_id, before, batch=batch, details={"edited": bool(draft["edited"])}
        )
    return draft_id


def unapprove(store: Store, item_id: int) -> None:
    """Take an approval back before the reply is exported."""
    with store.db.atomic():
        entry = _live_entry(store, item_id, states.DRAFTED)
        states.check_transition(entry["state"], states.DRAFTED)
        if entry["state"] != states.APPROVED:
            raise states.IllegalTransition(entry["state"], states.DRAFTED, "This reply is not approved.")
        before = _journal.snapshot(store, item_id)
        draft_rows.clear_approval(store, entry["draft_id"])
        _journal.set_state(store, item_id, states.DRAFTED)
        _journal.history(store, int(entry["draft_id"]), "unapproved", None, None)
        _journal.journal(store, "unapproved", item_id, before)


def reject(store: Store, item_id: int) -> None:
    """Reject the message (and its draft, if any): it moves to the trash, restorable with ``restore``."""
    with store.db.atomic():
        entry = _live_entry(store, item_id, states.REJECTED)
        states.check_transition(entry["state"], states.REJECTED)
        before = _journal.snapshot(store, item_id)
        draft_rows.clear_approval(store, entry["draft_id"])
        _journal.set_state(
            store, item_id, states.REJECTED, restore_state=entry["state"], trashed_at=utc_now()
        )
        if entry["draft_id"] is not None:
            _journal.history(store, int(entry["draft_id"]), "rejected", None, None)
        _journal.journal(store, "rejected", item_id, before)


def flag(store: Store, item_id: int, reason: str, *, needs_edit: bool = False) -> None:
    """Flag the entry for a careful read (the creator's own escalation)."""
    with store.db.atomic():
        entry = _live_entry(store, item_id, states.FLAGGED)
        states.check_transition(entry["state"], states.FLAGGED)
        before = _journal.snapshot(store, item_id)
        _journal.set_state(
            store,
            item_id,
            states.FLAGGED,
            flag_reason=reason,
            flag_needs_edit=int(needs_edit or entry["flag_needs_edit"]),
        )
        _journal.journal(store, "flagged", item_id, before, details={"reason": reason})


def unflag(store: Store, item_id: int) -> None:
    """Clear a flag after reading the draft; refused while the guard's requested edit is not done."""
    with store.db.atomic():
        entry = _live_entry(store, item_id, states.DRAFTED)
        if entry["state"] != states.FLAGGED:
            raise states.IllegalTransition(entry["state"], states.DRAFTED, "This message is not flagged.")
        if entry["draft_id"] is None:
            raise states.IllegalTransition(
                entry["state"], states.DRAFTED, "This message has no draft: answer it personally."
            )
        if entry["flag_needs_edit"]:
            raise states.IllegalTransition(
                entry["state"], states.DRAFTED, "The safety check asked for an edit: edit the draft first."
            )
        states.check_transition(entry["state"], states.DRAFTED)
        before = _journal.snapshot(store, item_id)
        _journal.set_state(store, item_id, states.DRAFTED, flag_reason=None)
        _journal.journal(store, "unflagged", item_id, before)


def approve_all_unflagged(store: Store, *, confirmed_count: int) -> int:
    """Approve every drafted (unflagged) entry as one undo step, after the creator confirmed the count.

    ``count_affected(store, "approve_all_unflagged")`` gives the count to show; if it changed
    meanwhile nothing is approved and ``KnownError`` says so.
    """
    with store.db.atomic():
        ids = inbox_entries.drafted_entry_ids(store)
        if len(ids) != confirmed_count:
            raise KnownError(
                f"{len(ids)} drafts are waiting now, not {confirmed_count}; nothing was approved. Confirm "
                "again."
            )
        batch = _journal.new_batch()
        for item_id in ids:
            approve(store, item_id, batch=batch)
    return len(ids)


# --- undo -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UndoResult:
    """What ``undo_last`` reversed: the action's name and the entries it touched."""

    action: str
    item_ids: list[int]


def undo_last(store: Store) -> UndoResult | None:
    """Reverse the most recent creator action not yet undone (Ctrl+Z); ``None`` when there is none.

    Refused (``KnownError``, nothing changed) when the entry changed since in a way undo must not
    reverse, e.g. the approved reply has since left in a reply pack.
    """
    with store.db.atomic():
        last = inbox_actions.last_open_action(store)
        if last is None:
            return None
        batch, action = last
        actions = inbox_actions.open_actions_in_batch(store, batch)
        touched: list[int] = []
        for action_id, item_id, before_json, after_json in actions:
            current = json.loads(_journal.dumps(_journal.snapshot(store, item_id)))
            if current != json.loads(after_json):
                raise KnownError(
                    f"The last action ({action}) cannot be undone: message {item_id} changed since"
                    + (
                        " (it was exported in a reply pack)."
                        if current["entry"]["state"] == states.EXPORTED
                        else "."
                    )
                )
            before = json.loads(before_json)
            draft_id = before["entry"]["draft_id"]
            old_text = current["draft"]["text"] if current["draft"] else None
            _journal.apply_snapshot(store, item_id, before)
            if draft_id is not None and before["draft"] is not None and before["draft"]["text"] != old_text:
                _journal.history(store, int(draft_id), "undo", old_text, before["draft"]["text"])
            inbox_actions.mark_undone(store, action_id, utc_now())
            _journal.audit(
                store,
                "undo",
                item_id,
                current["entry"]["state"],
                before["entry"]["state"],
                draft_id,
                {"undid": action},
            )
            touched.append(int(item_id))
    return UndoResult(str(action), touched)


# --- fidelity -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekFidelity:
    """One ISO week: replies approved, how many of them without an edit, and the share."""

    week: str
    approved: int
    unedited: int

    @property
    def share(self) -> float:
        return self.unedited / self.approved if self.approved else 0.0


def fidelity_by_week(store: Store) -> list[WeekFidelity]:
    """The share of drafts approved without edits, per ISO week of approval (``'2024-W18'``), oldest first."""
    weeks: dict[str, list[int]] = {}
    for approved_at, edited in draft_rows.approvals(store):
        year, week, _ = datetime.fromisoformat(str(approved_at).replace("Z", "+00:00")).isocalendar()
        counts = weeks.setdefault(f"{year:04d}-W{week:02d}", [0, 0])
        counts[0] += 1
        counts[1] += 0 if edited else 1
    return [WeekFidelity(week, a, u) for week, (a, u) in sorted(weeks.items())]
