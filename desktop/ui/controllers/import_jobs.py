"""The Import page's work off the GUI thread: importing an archive, reading the cards and the
chart, removing an archive. Each job opens its own store on its worker's thread and closes it
there (a SQLite connection works only in the thread that opened it); the core is imported
lazily, inside the job, to keep start-up light. ``ImportController`` runs them on workers.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.core.errors import Cancelled
from desktop.core.tasks import CancelToken, Progress


@dataclass(frozen=True)
class OwnerNeeded:
    """An import stopped before writing anything because the creator must say who they are."""

    message: str
    candidates: list[str]


@dataclass(frozen=True)
class PageData:
    """What the Import page shows from the store: the source cards and the activity chart."""

    sources: list[Any] = field(default_factory=list)  # desktop.core.store.activity.SourceOverview
    activity: list[tuple[str, int, int]] = field(default_factory=list)


def import_job(store_path: Path, path: str, me: str | None):
    """Import ``path`` into the store (``me``: the creator's name in a chat export, if known)."""

    def job(cancel: CancelToken) -> Generator[Progress, None, Any]:
        return _run_import(store_path, path, me, cancel)

    return job


def _run_import(
    store_path: Path, path: str, me: str | None, cancel: CancelToken
) -> Generator[Progress, None, Any]:
    from desktop.core.actions import import_into_profile
    from desktop.core.importers.base import OwnerUnknownError
    from desktop.core.store import open_store

    store = open_store(store_path)  # opened here, on the worker thread, and closed here
    try:
        return (yield from import_into_profile(store, path, me=me, cancel=cancel))
    except OwnerUnknownError as exc:
        return OwnerNeeded(exc.message, list(exc.candidates))
    finally:
        store.close()


def load_job(store_path: Path):
    """Read the Import page's cards and chart (``PageData``)."""

    def job(cancel: CancelToken) -> PageData:
        from desktop.core.store import open_store
        from desktop.core.store.activity import activity_by_month, source_overviews

        if not store_path.exists():
            return PageData()  # nothing imported yet: do not create a store just to look
        with open_store(store_path) as store:
            sources = source_overviews(store)
            if cancel.cancelled:
                raise Cancelled()
            return PageData(sources, activity_by_month(store))

    return job


def remove_job(store_path: Path, source_id: int):
    """Remove an imported archive and what came only from it."""

    def job(cancel: CancelToken) -> Any:  # a desktop.core.store.RemovalResult
        from desktop.core.actions import remove_source
        from desktop.core.errors import KnownError
        from desktop.core.store import open_store

        with open_store(store_path) as store:
            try:
                return remove_source(store, source_id).removal
            except KeyError:
                raise KnownError("That archive was already removed.") from None

    return job
