"""Importing an archive and removing one, with everything that follows from each.

An import is the pipeline's (``importers.pipeline.import_archive``) followed by the inbox's
share (``sync_inbox``); the front ends run this generator, never the pipeline alone, so the
inbox holds the same entries after an import from the CLI as from the Import page.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from desktop.core.actions.changes import Changes
from desktop.core.actions.inbox import sync_inbox
from desktop.core.importers.pipeline import ImportSummary, import_archive
from desktop.core.inbox import AddResult
from desktop.core.store import RemovalResult, Store, delete_source
from desktop.core.tasks import CancelToken, Progress


@dataclass(frozen=True)
class ImportOutcome:
    """One archive imported: the pipeline's summary and what joined the inbox."""

    summary: ImportSummary
    inbox: AddResult
    changes: Changes


@dataclass(frozen=True)
class RemovalOutcome:
    """One imported archive removed, with what came only from it."""

    removal: RemovalResult
    changes: Changes


def import_into_profile(
    store: Store,
    path: str | Path,
    *,
    me: str | None = None,
    platform: str | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, ImportOutcome]:
    """Import the archive at ``path``, then add what awaits a reply to the inbox.

    Raises what the pipeline raises (``KnownError`` subclasses, ``Cancelled``); the store is
    then as it was before (the pipeline's transaction) and the inbox is not touched.
    """
    summary = yield from import_archive(store, path, me=me, platform=platform, cancel=cancel)
    joined = sync_inbox(store)
    return ImportOutcome(summary, joined, Changes(sources=True, inbox=joined.added > 0))


def remove_source(store: Store, source_id: int) -> RemovalOutcome:
    """Remove one imported archive and what no other archive holds (``KeyError``: no such source)."""
    removal = delete_source(store, source_id)
    return RemovalOutcome(removal, Changes(sources=True, inbox=removal.removed > 0))
