"""Import one archive into the store: detect, read, save, derive exchanges, all or nothing.

The whole import runs inside one transaction: a cancel, a bad file that stops the importer,
a full disk or a crash leaves the store exactly as it was, with no partial source. Its last
step recomputes the creator's style profile (``persona.style``), so the Persona page always
shows the profile of everything imported, and a failed import leaves the old one. The
function is a generator of ``Progress`` (items and bytes) whose return value is the summary,
so the CLI prints it and the GUI's worker relays it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ijson

from desktop.core.errors import KnownError
from desktop.core.importers.archive import ZIP_READ_ERRORS, Archive, ArchiveError, open_archive
from desktop.core.importers.base import ImportContext
from desktop.core.importers.records import COMMENT, MESSAGE, POST, ItemRecord, ThreadRecord
from desktop.core.importers.registry import detect
from desktop.core.store import (
    NewItem,
    Store,
    bulk_item_indexing,
    finish_source,
    record_audit,
    save_items,
    save_person,
    save_source,
    save_thread,
)
from desktop.core.store.activity import SourceCounts
from desktop.core.store.connection import translate_sqlite_errors
from desktop.core.store.conversations import count_awaiting_reply, count_exchanges, derive_exchanges
from desktop.core.store.settings import read_setting, write_setting
from desktop.core.tasks import CancelToken, Progress

BATCH_SIZE = 1000
CONVERSATION_KINDS = ("dm", "group")
_ME_KEY = "owner_name.{platform}"


@dataclass(kw_only=True)
class ImportSummary(SourceCounts):
    """What one import added, in the shape ``understudy import --json`` prints."""

    new_items: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def remembered_owner(store: Store, platform: str) -> str | None:
    """The creator's name on ``platform`` as an earlier import learned it, or None."""
    return read_setting(store, _ME_KEY.format(platform=platform))


def _remember_owner(store: Store, platform: str, name: str) -> None:
    # Inside the import's transaction: a failed import does not remember the name either.
    write_setting(store, _ME_KEY.format(platform=platform), name)


def fingerprint(archive: Archive) -> str:
    """Identity of an archive: the file's sha256, or for a folder its listing and sizes."""
    digest = hashlib.sha256()
    if archive.kind == "folder":
        for name in archive.names:
            digest.update(f"{name}\0{archive.sizes[name]}\n".encode())
        return "folder:" + digest.hexdigest()
    with archive.source.open("rb") as stream:
        while block := stream.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def import_archive(
    store: Store,
    path: str | Path,
    *,
    me: str | None = None,
    platform: str | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress, None, ImportSummary]:
    """Import ``path`` (zip, folder or single file) into ``store``; yields progress, returns the summary.

    ``me`` names the creator where the export does not (WhatsApp, a single Telegram chat); it
    is remembered per platform for the next import. ``platform`` forces the format.
    """
    cancel = cancel or CancelToken()
    with open_archive(path) as archive:
        importer, detection = detect(archive, platform)
        me = me or remembered_owner(store, importer.platform)
        yield Progress(f"Checking the {importer.label} export", 0, archive.total_bytes)
        sha256 = fingerprint(archive)
        archive.bytes_read = 0  # detection sniffed some files; progress counts the real read
        context = ImportContext(archive, detection, me=me, cancel=cancel)
        summary = ImportSummary(
            id=0, platform=importer.platform, label=importer.label, version=detection.version, path=str(path)
        )
        try:
            with translate_sqlite_errors(store.path), store.db.atomic():
                summary.id = save_source(
                    store,
                    platform=importer.platform,
                    path=Path(path).resolve(),
                    sha256=sha256,
                    size_bytes=Path(path).stat().st_size if archive.kind != "folder" else archive.total_bytes,
                )
                with bulk_item_indexing(store):
                    records = _shape_checked(importer.read(context), importer.label, Path(path).name)
                    thread_ids = yield from save_records(
                        store, summary, records, cancel, lambda: (archive.bytes_read, archive.total_bytes)
                    )
                cancel.raise_if_cancelled()
                summary.warnings = archive.warnings + context.warnings
                derive_summary_exchanges(store, summary, thread_ids)
                finish_source(store, summary.id, warnings=summary.warnings)
                if context.me:
                    _remember_owner(store, importer.platform, context.me)
                record_audit(store, "import", f"source:{summary.id}", summary.as_dict())
                # Last, inside the same transaction: the profile always matches the items, and
                # a failed or cancelled import (or a cancel during this step) keeps the old one.
                yield from _update_style_profile(store, cancel)
        except ZIP_READ_ERRORS as exc:
            raise ArchiveError(
                f"Part of '{Path(path).name}' is damaged and could not be read ({exc}). Nothing was "
                "imported.",
                hint="Download the archive again from the platform.",
            ) from exc
        except (json.JSONDecodeError, ijson.JSONError, UnicodeDecodeError) as exc:
            raise KnownError(
                f"'{Path(path).name}' looks like a {importer.label} export but could not be read: {exc}. "
                "Nothing was imported."
            ) from exc
        yield Progress(
            f"Imported {summary.items} items from {importer.label}", archive.total_bytes, archive.total_bytes
        )
        return summary


# What an importer raises when a file holds something other than what its format promises (a list
# where a text should be, a missing key, a number too large): the archive's fault, not a bug to
# show with a traceback. Parse errors and damaged zips have their own messages below.
_SHAPE_ERRORS = (
    TypeError,
    AttributeError,
    KeyError,
    IndexError,
    ValueError,
    ArithmeticError,
    RecursionError,
    csv.Error,
)


def _shape_checked(
    records: Iterable[ThreadRecord | ItemRecord], label: str, name: str
) -> Iterator[ThreadRecord | ItemRecord]:
    """The importer's records; a file not shaped as its format says becomes a plain ``KnownError``."""
    iterator = iter(records)
    while True:
        try:
            record = next(iterator)
        except StopIteration:
            return
        except (json.JSONDecodeError, ijson.JSONError, UnicodeDecodeError, *ZIP_READ_ERRORS):
            raise  # reported by import_archive in their own words
        except _SHAPE_ERRORS as exc:
            raise KnownError(
                f"'{name}' looks like a {label} export, but part of it is not laid out as {label} "
                f"writes its exports ({type(exc).__name__}: {exc}). Nothing was imported.",
                hint="If it came straight from the platform, download it again; if it still fails, "
                "please report it with this message.",
            ) from exc
        yield record


def save_records(
    store: Store,
    summary: ImportSummary,
    records: Iterable[ThreadRecord | ItemRecord],
    cancel: CancelToken,
    measure: Callable[[], tuple[int, int]],
) -> Generator[Progress, None, set[int]]:
    """Save threads, people and items as they stream in; returns the ids of the threads touched.

    An archive's import and a live connection's fetch (``connectors.fetching``) both save through
    here, so their items land alike. ``measure`` says how far along the reading is (done, total).
    """
    platform = summary.platform
    thread_ids: dict[str, int] = {}
    people: dict[tuple[str, bool], int] = {}
    batch: list[NewItem] = []

    def flush() -> Iterator[Progress]:
        if batch:
            summary.new_items += save_items(store, summary.id, batch, cancel=cancel).new
            batch.clear()
            done, total = measure()
            yield Progress(f"Read {summary.items:,} items", min(done, total), total)

    for record in records:
        if isinstance(record, ThreadRecord):
            if record.kind in CONVERSATION_KINDS and record.key not in thread_ids:
                summary.threads += 1  # DM conversations; comment threads are not "threads" in the summary
            thread_ids[record.key] = save_thread(
                store,
                platform=platform,
                external_id=record.key,
                source_id=summary.id,
                title=record.title,
                kind=record.kind,
            )
            continue
        person_key = (record.author, record.is_owner)
        if person_key not in people:
            people[person_key] = save_person(
                store, platform=platform, handle=record.author or "unknown", is_owner=record.is_owner
            )
        thread_id = thread_ids.get(record.thread_key) if record.thread_key else None
        if record.thread_key and thread_id is None:
            # An importer that names a thread it never announced: create it rather than lose the link.
            thread_id = thread_ids[record.thread_key] = save_thread(
                store, platform=platform, external_id=record.thread_key, source_id=summary.id
            )
        batch.append(
            NewItem(
                platform=platform,
                kind=record.kind,
                text=record.text,
                created_at=record.created_at,
                external_id=record.external_id,
                thread_id=thread_id,
                author_id=people[person_key],
                is_owner=record.is_owner,
                reply_to_external_id=record.reply_to,
                meta=dict(record.extra),
            )
        )
        _count(summary, record)
        if len(batch) >= BATCH_SIZE:
            yield from flush()
    yield from flush()
    return set(thread_ids.values())


def _count(summary: ImportSummary, record: ItemRecord) -> None:
    summary.items += 1
    if record.kind == MESSAGE:
        summary.messages += 1
    elif record.kind == COMMENT:
        summary.comments += 1
    elif record.kind == POST and record.is_owner:
        summary.posts += 1
    stamp = record.created_at.isoformat()
    summary.first_at = min(summary.first_at or stamp, stamp)
    summary.last_at = max(summary.last_at or stamp, stamp)


STYLE_PROFILE_STEP = "Updating your style profile"


def _update_style_profile(store: Store, cancel: CancelToken) -> Iterator[Progress]:
    """Recompute the creator's style profile over everything imported so far and save it.

    Once per import, after the items are saved (the per-record loop never waits for it);
    progress counts the creator's own items read.
    """
    from desktop.core.persona.style import iter_style_profile, save_style_profile

    computing = iter_style_profile(store, cancel)
    while True:
        try:
            step = next(computing)
        except StopIteration as stop:
            save_style_profile(store, stop.value)
            return
        yield Progress(STYLE_PROFILE_STEP, step.done, step.total)


def derive_summary_exchanges(store: Store, summary: ImportSummary, thread_ids: set[int]) -> None:
    """Pair each incoming item with the creator's direct answer; count conversations awaiting one
    (the inbox's own rule, ``store.conversations.count_awaiting_reply``)."""
    derive_exchanges(store, summary.id, thread_ids)
    summary.exchanges = count_exchanges(store, summary.id, thread_ids)
    summary.inbox_candidates = count_awaiting_reply(store, thread_ids=thread_ids)
