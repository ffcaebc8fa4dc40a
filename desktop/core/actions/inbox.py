"""The inbox's share of an import: the conversations awaiting a reply join it, triaged, never twice.

One rule for both front ends: the import action calls ``sync_inbox`` when it ends, and opening
the inbox calls it too (for archives imported before the inbox existed), in the CLI's
``inbox list`` as in the Inbox page.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop.core.generation.triage import Triage, triage
from desktop.core.inbox import AddResult, add_import_candidates
from desktop.core.persona.versions import load_active_persona
from desktop.core.store import Store


def triage_for(store: Store) -> Callable[[str], Triage]:
    """Triage with the profile's active persona (its boundaries), for messages joining the inbox."""
    _, persona = load_active_persona(store)
    return lambda text: triage(text, persona)


def sync_inbox(store: Store) -> AddResult:
    """Add the messages and comments imports found awaiting a reply (already there: counted, not added)."""
    return add_import_candidates(store, triage=triage_for(store))
