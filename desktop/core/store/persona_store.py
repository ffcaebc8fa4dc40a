"""The persona's SQL: its saved versions (``persona_versions``) and the own items its style is learned from.

Why here: the store is the only module that speaks SQL. ``desktop.core.persona.versions``
diffs and restores versions and ``desktop.core.persona.style`` measures the creator's
writing; both read through these functions. A new version is written by
``records.save_persona_version``; the saved style profile is a setting (``settings.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from desktop.core.store.connection import Store, iter_rows

#: One saved version as stored: ``(id, settings JSON, created_at, note)``.
PersonaVersionRow = tuple[int, str, str, str]

_VERSION_COLUMNS = "SELECT id, settings, created_at, note FROM persona_versions"


def latest_persona_version_row(store: Store) -> PersonaVersionRow | None:
    """The newest saved version (the active persona), or None before the first save."""
    return store.db.execute(f"{_VERSION_COLUMNS} ORDER BY id DESC LIMIT 1").fetchone()


def persona_version_row(store: Store, version_id: int) -> PersonaVersionRow | None:
    """Version ``version_id``, or None when there is no such version."""
    return store.db.execute(f"{_VERSION_COLUMNS} WHERE id = ?", [version_id]).fetchone()


def persona_version_rows(store: Store) -> list[PersonaVersionRow]:
    """Every saved version, newest first."""
    return store.db.execute(f"{_VERSION_COLUMNS} ORDER BY id DESC").fetchall()


# --- what the style profile reads ---------------------------------------------------------------


def count_own_items(store: Store) -> int:
    """How many items the creator wrote (``is_owner = 1``), from the is_owner index."""
    return int(store.db.execute("SELECT count(*) FROM items WHERE is_owner = 1").fetchone()[0])


# Every k-th own item in the order they were stored (k = 1: all of them); the ids come from the
# is_owner index alone.
OWN_ITEMS_SAMPLE_QUERY = """
    SELECT items.platform, items.kind, threads.kind, items.text, items.created_at
    FROM items LEFT JOIN threads ON threads.id = items.thread_id
    WHERE items.id IN (
        SELECT id FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM items WHERE is_owner = 1)
        WHERE n % ? = 0
    )
    ORDER BY items.id
"""


def iter_own_items_sample(store: Store, every: int) -> Iterator[tuple[Any, ...]]:
    """Every ``every``-th own item in stored order as ``(platform, item kind, thread kind, text,
    created_at)``, fetched in batches (``iter_rows``: a long read must not starve the GUI thread)."""
    return iter_rows(store.db, OWN_ITEMS_SAMPLE_QUERY, [every])
