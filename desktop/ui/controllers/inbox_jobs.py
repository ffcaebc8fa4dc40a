"""The inbox's list filters and the store jobs behind the list (run on the inbox's store thread).

The core is imported inside each job, on the worker thread, to keep start-up light.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.core.paths import Paths


@dataclass(frozen=True)
class Filters:
    """The list's filters (``None``: any)."""

    state: str | None = None
    platform: str | None = None
    flagged: bool | None = None
    search: str = ""
    trashed: bool = False


@dataclass(frozen=True)
class Listing:
    """One reload of the list: the ids in order, counts per state, the platforms to filter by."""

    ids: list[int]
    counts: dict[str, int]
    platforms: list[str]


def open_profile_store(paths: Paths, profile: str) -> Any:
    """The profile's store (the profile is created when missing)."""
    from desktop.core.store import open_store

    return open_store(paths.create_profile(profile).store)


def listing(store: Any, filters: Filters, add_candidates: bool) -> Listing:
    """The list for ``filters``; ``add_candidates`` first adds what imports found awaiting a reply."""
    from desktop.core.actions import sync_inbox
    from desktop.core.inbox.review import list_ids, platforms, state_counts

    if add_candidates:  # conversations an import found awaiting a reply join the inbox (never twice)
        sync_inbox(store)
    ids = list_ids(
        store,
        state=filters.state,
        platform=filters.platform,
        flagged=filters.flagged,
        search=filters.search or None,
        trashed=filters.trashed,
    )
    return Listing(ids, state_counts(store), platforms(store))
