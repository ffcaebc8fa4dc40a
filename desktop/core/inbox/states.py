"""The inbox's state machine: which state an incoming message (and its draft) may move to next.

::

    new ──► drafted ──► approved ──► exported
     │         │  ▲         │
     │         ▼  │         ▼
     ├────► flagged ─────► approved        (only after an edit when the guard said needs_edit)
     │
     └──► rejected (in the trash; restore returns the entry to the state it was in)

* ``new``: in the inbox, no draft yet.
* ``drafted``: a draft awaits the creator's decision.
* ``flagged``: a guard finding, an escalation, a yellow triage, or a red triage (then there is
  no draft at all: the creator answers personally, the reason says why).
* ``approved``: the creator approved the reply; it waits for the next reply pack.
* ``exported``: it left in a reply pack. Final: an exported reply is never changed again.
* ``rejected``: the creator rejected it; it sits in the trash until restored.

Every move goes through ``check_transition``; an illegal one raises ``IllegalTransition`` with
the reason in plain words.
"""

from __future__ import annotations

from desktop.core.errors import KnownError

NEW = "new"
DRAFTED = "drafted"
APPROVED = "approved"
EXPORTED = "exported"
REJECTED = "rejected"
FLAGGED = "flagged"

STATES: tuple[str, ...] = (NEW, DRAFTED, FLAGGED, APPROVED, EXPORTED, REJECTED)

#: Legal moves. ``drafted -> drafted`` and ``flagged -> flagged`` are a redraft (regenerate);
#: ``flagged -> drafted`` clears a flag the creator has looked at; ``approved -> drafted`` takes an
#: approval back before export. ``rejected`` leaves only through ``restore`` (``RESTORABLE``).
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({DRAFTED, FLAGGED, REJECTED}),
    DRAFTED: frozenset({DRAFTED, APPROVED, FLAGGED, REJECTED}),
    FLAGGED: frozenset({DRAFTED, FLAGGED, APPROVED, REJECTED}),
    APPROVED: frozenset({EXPORTED, DRAFTED, REJECTED}),
    EXPORTED: frozenset(),
    REJECTED: frozenset(),
}

#: The states a restore from the trash may return a rejected entry to.
RESTORABLE: frozenset[str] = frozenset({NEW, DRAFTED, FLAGGED, APPROVED})


class IllegalTransition(KnownError):
    """A move the state machine forbids (e.g. approving a rejected or an exported reply)."""

    def __init__(self, current: str, wanted: str, reason: str = "") -> None:
        message = reason or _default_reason(current, wanted)
        super().__init__(message)
        self.current = current
        self.wanted = wanted


def _default_reason(current: str, wanted: str) -> str:
    if current == EXPORTED:
        return f"This reply was already exported in a reply pack, so it cannot become {wanted}."
    if current == REJECTED:
        return f"This message was rejected and is in the trash: restore it before it can become {wanted}."
    if wanted == APPROVED and current == NEW:
        return "There is no draft to approve yet."
    if wanted == EXPORTED:
        return f"Only approved replies can be exported (this one is {current})."
    return f"A {current} message cannot become {wanted}."


def check_transition(current: str, wanted: str, *, needs_edit: bool = False) -> None:
    """Raise ``IllegalTransition`` unless ``current -> wanted`` is allowed.

    ``needs_edit``: the entry is flagged and the guard said the draft must be edited before it
    may be approved (a claim nothing supports, a blocked phrase...).
    """
    if current not in TRANSITIONS:
        raise ValueError(f"unknown inbox state {current!r}")
    if wanted not in TRANSITIONS:
        raise ValueError(f"unknown inbox state {wanted!r}")
    if wanted not in TRANSITIONS[current]:
        raise IllegalTransition(current, wanted)
    if current == FLAGGED and wanted == APPROVED and needs_edit:
        raise IllegalTransition(
            current,
            wanted,
            "The safety check asked for this draft to be edited before it is approved: edit it first.",
        )
