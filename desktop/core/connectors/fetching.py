"""A live fetch saved into the store exactly as an import would save it, then joined to the inbox.

The platform is asked first, outside any transaction (a slow network never holds the store);
what it returned is then saved in one transaction through the import pipeline's own
``save_records``, under one source per connection ("Bluesky, live"), so a fetched item and an
imported one are the same row (dedup by the platform's id). The cursor moves only when the save
commits: a failed or cancelled fetch is fetched again next time, nothing is lost or doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from typing import Any, Unpack

from desktop.core.actions.changes import Changes
from desktop.core.actions.inbox import sync_inbox
from desktop.core.connectors.base import Connector, Record
from desktop.core.connectors.retrying import RetryPolicy, RunOptions, with_retries
from desktop.core.errors import Cancelled, KnownError
from desktop.core.importers.pipeline import ImportSummary, derive_summary_exchanges, save_records
from desktop.core.importers.records import COMMENT, ItemRecord, ThreadRecord
from desktop.core.store import Store, bulk_item_indexing, finish_source, record_audit, save_source, utc_now
from desktop.core.store import connections as rows
from desktop.core.store.connection import translate_sqlite_errors
from desktop.core.tasks import CancelToken, Progress


@dataclass(frozen=True)
class FetchOutcome:
    """One fetch: what the platform returned, what was new to the store, what joined the inbox."""

    platform: str
    fetched: int
    new_items: int
    inbox_added: int
    inbox_item_ids: tuple[int, ...]
    changes: Changes

    def sentence(self, label: str) -> str:
        if not self.fetched:
            return f"Nothing new on {label}."
        return (
            f"{label}: {self.fetched} item{'s' if self.fetched != 1 else ''} read, {self.new_items} new, "
            f"{self.inbox_added} added to the inbox."
        )


def by_conversation(records: list[Record], known_thread: Callable[[str], str | None]) -> list[Record]:
    """Public comments re-keyed so that each fan's branch under a post is its own conversation.

    A platform's thread is the whole post: the inbox's rule (the newest item of each conversation
    awaits a reply, ``store.conversations``) would then list one fan of many. A comment's
    conversation is the branch it is in: the key of its post's thread, ``#``, and the id of the
    branch's first comment (the one answering the post itself). A parent fetched earlier is looked
    up with ``known_thread`` (its thread key in the store). Messages (DMs) are left as they are.
    """
    items = {r.external_id: r for r in records if isinstance(r, ItemRecord)}
    keys: dict[str, str] = {}

    def branch_key(item: ItemRecord) -> str | None:
        if item.external_id in keys:
            return keys[item.external_id]
        chain, current = [item], item
        seen = {item.external_id}  # a reply loop in a platform's data must not spin forever
        key = None
        while current.reply_to and current.reply_to not in seen:
            parent = items.get(current.reply_to)
            if parent is None:
                stored = known_thread(current.reply_to)
                key = stored if stored and "#" in stored else None
                break
            if parent.kind != COMMENT:  # the post itself: ``current`` opens the branch
                break
            chain.append(parent)
            seen.add(parent.external_id)
            current = parent
        if key is None and current.thread_key and current.kind == COMMENT:
            key = f"{current.thread_key}#{current.external_id}"
        if key is not None:
            keys.update((member.external_id, key) for member in chain)
        return key

    out: list[Record] = []
    announced: set[str] = set()
    titles = {r.key: r.title for r in records if isinstance(r, ThreadRecord)}
    for record in records:
        if not isinstance(record, ItemRecord) or record.kind != COMMENT or not record.thread_key:
            out.append(record)
            continue
        key = branch_key(record)
        if key is None or key == record.thread_key:
            out.append(record)
            continue
        if key not in announced:
            announced.add(key)
            title = titles.get(record.thread_key) or record.thread_key
            out.append(ThreadRecord(key, f"{title} ({record.author})", kind="comments"))
        out.append(replace(record, thread_key=key))
    return out


def require_connection(store: Store, platform: str, label: str) -> dict[str, Any]:
    """The connection's row; ``KnownError`` saying how to connect when the platform is not connected."""
    connection = rows.get_connection(store, platform)
    if connection is None:
        raise KnownError(
            f"{label} is not connected.",
            hint=f"Connect it in Settings → Connections, or: understudy connect add {platform}",
        )
    return connection


def connection_source(store: Store, connector: Connector) -> ImportSummary:
    """The connection's one source row ("Bluesky (live)"), made on first use; call inside a transaction.

    Its ``sources.sha256`` is ``connection:<platform>``: every fetch and every sent reply of the
    connection belongs to it, as an archive's items belong to the archive's source.
    """
    summary = ImportSummary(
        id=0,
        platform=connector.platform,
        label=connector.label,
        version="live",
        path=f"{connector.label} (live)",
    )
    summary.id = save_source(
        store, platform=connector.platform, path=summary.path, sha256=f"connection:{connector.platform}"
    )
    return summary


def fetch_connection(
    store: Store, connector: Connector, **options: Unpack[RunOptions]
) -> Generator[Progress, None, FetchOutcome]:
    """Fetch what is new on ``connector``'s platform into the store and the inbox; logged as a run."""
    cancel, policy = options.get("cancel") or CancelToken(), options.get("policy") or RetryPolicy()
    platform, label = connector.platform, connector.label
    connection = require_connection(store, platform, label)
    run_id = rows.start_run(store, platform, "fetch", utc_now())
    try:
        yield Progress(f"Checking {label} for new messages", 0, 0)
        result = with_retries(lambda: connector.fetch_new(connection["cursor"], cancel), policy, cancel)
        cancel.raise_if_cancelled()
        records = by_conversation(
            result.records, lambda external_id: rows.thread_key_of(store, platform, external_id)
        )
        items = sum(isinstance(r, ItemRecord) for r in records)
        with translate_sqlite_errors(store.path), store.db.atomic():
            summary = connection_source(store, connector)
            with bulk_item_indexing(store):
                thread_ids = yield from save_records(
                    store, summary, records, cancel, lambda: (summary.items, items)
                )
            derive_summary_exchanges(store, summary, thread_ids)
            finish_source(store, summary.id)
            rows.record_fetch(store, platform, result.cursor, summary.id, utc_now())
        joined = sync_inbox(store)
        outcome = FetchOutcome(
            platform,
            summary.items,
            summary.new_items,
            joined.added,
            tuple(joined.item_ids),
            Changes(sources=summary.new_items > 0, inbox=joined.added > 0),
        )
        counts = {"fetched": outcome.fetched, "new_items": outcome.new_items}
        rows.finish_run(store, run_id, utc_now(), "done", outcome.sentence(label), **counts)
        record_audit(
            store,
            "connect.fetched",
            f"connection:{platform}",
            {"fetched": summary.items, "new": summary.new_items},
        )
        yield Progress(outcome.sentence(label), 1, 1)
        return outcome
    except Cancelled:
        rows.finish_run(store, run_id, utc_now(), "cancelled", "Cancelled; nothing from this run was kept.")
        raise
    except KnownError as exc:  # logged with its hint: Settings says it again after a restart
        rows.finish_run(store, run_id, utc_now(), "failed", str(exc))
        raise
